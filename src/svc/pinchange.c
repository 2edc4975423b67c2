/*
 * pinchange.c - the work of a PIN change (see pinchange.h).
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "flow.h"
#include "log.h"
#include "pinchange.h"
#include "service.h"
#include "session.h"
#include "worker.h"
#include "xmem.h"

struct pinchange *
pinchange_get(void)
{
	return session_part(SVC_PINCHANGE, sizeof(struct pinchange), NULL);
}

struct pcjob {
	struct job job; /* first */
	struct token_ref ref;
	char old_pin[PIN_MAX_CHARS + 1];
	char new_pin[PIN_MAX_CHARS + 1];
	char proof[PIN_MAX_CHARS + 1];
	bool pinpad;
	atomic_int stage;
	enum pinchange_stage at;
	enum token_err err;
};

static void
pc_run(struct job *job)
{
	struct pcjob *j = (struct pcjob *)job;
	int tries = -1;

	atomic_store(&j->stage, PC_STAGE_CHANGE);
	j->at = PC_STAGE_CHANGE;
	/* The PIN just logged in with: its counter is full, no final try. */
	j->err = token_change_pin(&j->ref, j->pinpad ? NULL : j->old_pin,
				  j->pinpad ? NULL : j->new_pin, 0, &tries, NULL);
	if (j->err != TOKEN_OK || job_cancelled(job))
		goto out;
	log_info("pinchange: the new PIN is set; proving it");
	atomic_store(&j->stage, PC_STAGE_PROOF);
	j->at = PC_STAGE_PROOF;
	/* The proof: a fresh login with the new PIN, no earlier one kept. */
	token_logout(&j->ref);
	j->err = token_login(&j->ref, j->pinpad ? NULL : j->proof, 0, &tries, NULL);
	log_info("pinchange: login with the new PIN: %s", token_err_name(j->err));
out:
	secure_wipe(j->old_pin, sizeof j->old_pin);
	secure_wipe(j->new_pin, sizeof j->new_pin);
	secure_wipe(j->proof, sizeof j->proof);
}

static void
pc_release(struct job *job)
{
	secure_wipe(job, sizeof(struct pcjob));
	free(job);
}

struct job *
pinchange_job(void)
{
	struct pcjob *j = xcalloc(1, sizeof *j);
	const struct pinchange *pc = pinchange_get();

	job_init(&j->job, "pin-change", pc_run, pc_release);
	j->ref = session_get()->ref;
	j->pinpad = pc->pinpad;
	snprintf(j->old_pin, sizeof j->old_pin, "%s", pc->old_pin);
	snprintf(j->new_pin, sizeof j->new_pin, "%s", pc->new_pin);
	snprintf(j->proof, sizeof j->proof, "%s", pc->new_pin);
	j->err = TOKEN_ERR_CANCELLED;
	return &j->job;
}

enum pinchange_stage
pinchange_stage(const struct job *job)
{
	return (enum pinchange_stage)atomic_load(&((const struct pcjob *)job)->stage);
}

enum token_err
pinchange_result(const struct job *job, enum pinchange_stage *at)
{
	const struct pcjob *j = (const struct pcjob *)job;

	*at = j->at;
	return j->err;
}
