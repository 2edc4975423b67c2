/*
 * token_job.c - the token operations as worker jobs (see token_job.h).
 *
 * Each job copies what it is given (PINs included), runs one call of the
 * synchronous core on the worker thread, and keeps the outcome for the
 * screen's job_done.  PIN copies are wiped by the core as soon as they are
 * used and freed with secure_free_str() on release, whatever happened.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "token_job.h"
#include "token_watch.h"
#include "worker.h"
#include "xmem.h"

enum op {
	OP_READ,
	OP_READ_ALL,
	OP_LOGIN,
	OP_LOGOUT,
	OP_CHANGE_PIN,
	OP_UNBLOCK,
	OP_CHANGE_SO_PIN,
	OP_GEN_KEY,
	OP_CSR,
	OP_SIGN,
	OP_WRITE_CERT,
	OP_DELETE_PAIR,
	OP_DATA_READ,
	OP_DATA_WRITE,
	OP_DATA_DELETE,
	OP_INIT_TOKEN,
};

struct tjob {
	struct job job; /* first: the job is the struct */
	enum op op;
	bool has_ref;
	struct token_ref ref;
	struct token_ctl ctl;
	atomic_int stage;
	/* in */
	char *pin, *pin2;
	unsigned flags;
	enum token_key_type type;
	char *label, *app;
	unsigned char id[TOKEN_ID_MAX];
	size_t id_len;
	char *dn[8];
	unsigned char *in;
	size_t in_len;
	/* out */
	enum token_err err;
	int tries;
	struct token_info *infos;
	size_t ninfos;
	unsigned char *out;
	size_t out_len;
};

static void tjob_run(struct job *job);

static struct tjob *
tj(const struct job *job)
{
	return token_job_is(job) ? (struct tjob *)(void *)job : NULL;
}

bool
token_job_is(const struct job *job)
{
	return job != NULL && job->run == tjob_run;
}

static void
on_stage(const struct token_ctl *ctl, enum token_stage st)
{
	struct tjob *t = ctl->arg;

	atomic_store(&t->stage, (int)st);
}

static void
tjob_release(struct job *job)
{
	struct tjob *t = (struct tjob *)(void *)job;

	secure_free_str(&t->pin);
	secure_free_str(&t->pin2);
	free(t->label);
	free(t->app);
	for (size_t i = 0; i < sizeof t->dn / sizeof t->dn[0]; i++)
		secure_free_str(&t->dn[i]);
	if (t->in != NULL)
		secure_wipe(t->in, t->in_len);
	free(t->in);
	for (size_t i = 0; i < t->ninfos; i++)
		token_info_free(&t->infos[i]);
	free(t->infos);
	if (t->out != NULL)
		secure_wipe(t->out, t->out_len);
	free(t->out);
	secure_wipe(t, sizeof *t);
	free(t);
}

static const char *const names[] = {
	[OP_READ] = "token read",
	[OP_READ_ALL] = "token read all",
	[OP_LOGIN] = "token login",
	[OP_LOGOUT] = "token logout",
	[OP_CHANGE_PIN] = "token change PIN",
	[OP_UNBLOCK] = "token unblock",
	[OP_CHANGE_SO_PIN] = "token change SO PIN",
	[OP_GEN_KEY] = "token generate key",
	[OP_CSR] = "token CSR",
	[OP_SIGN] = "token sign",
	[OP_WRITE_CERT] = "token write certificate",
	[OP_DELETE_PAIR] = "token delete pair",
	[OP_DATA_READ] = "token read data",
	[OP_DATA_WRITE] = "token write data",
	[OP_DATA_DELETE] = "token delete data",
	[OP_INIT_TOKEN] = "token initialise",
};

static struct tjob *
tjob_new(enum op op, const struct token_ref *ref)
{
	struct tjob *t = xcalloc(1, sizeof *t);

	job_init(&t->job, names[op], tjob_run, tjob_release);
	t->op = op;
	if (ref != NULL) {
		t->has_ref = true;
		t->ref = *ref;
	}
	t->ctl.job = &t->job;
	t->ctl.on_stage = on_stage;
	t->ctl.arg = t;
	t->tries = -1;
	atomic_store(&t->job.progress, -1);
	return t;
}

static char *
dup_or_null(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

static unsigned char *
dup_bytes(const unsigned char *p, size_t n)
{
	unsigned char *d = xmalloc(n > 0 ? n : 1);

	if (n > 0)
		memcpy(d, p, n);
	return d;
}

static void
set_id(struct tjob *t, const unsigned char *id, size_t id_len)
{
	if (id_len > TOKEN_ID_MAX)
		id_len = 0; /* the core refuses an empty id */
	if (id != NULL && id_len > 0)
		memcpy(t->id, id, id_len);
	t->id_len = id != NULL ? id_len : 0;
}

static void
read_all(struct tjob *t)
{
	struct token_ref refs[TOKEN_WATCH_MAX];
	size_t n = 0;

	token_list(refs, TOKEN_WATCH_MAX, &n);
	if (n > TOKEN_WATCH_MAX)
		n = TOKEN_WATCH_MAX;
	if (n == 0) {
		t->err = TOKEN_ERR_NONE;
		return;
	}
	t->infos = xcalloc(n, sizeof *t->infos);
	t->err = TOKEN_OK;
	for (size_t i = 0; i < n; i++) {
		enum token_err e = token_read(&refs[i], t->flags, &t->infos[t->ninfos]);

		if (e == TOKEN_OK)
			t->ninfos++;
		else if (t->ninfos == 0)
			t->err = e;
		if (job_cancelled(&t->job)) {
			t->err = TOKEN_ERR_CANCELLED;
			return;
		}
	}
	if (t->ninfos > 0)
		t->err = TOKEN_OK;
}

static void
tjob_run(struct job *job)
{
	struct tjob *t = (struct tjob *)(void *)job;
	const struct token_ref *ref = t->has_ref ? &t->ref : NULL;
	struct token_dn dn = {t->dn[0], t->dn[1], t->dn[2], t->dn[3],
			      t->dn[4], t->dn[5], t->dn[6], t->dn[7]};

	if (job_cancelled(job)) {
		t->err = TOKEN_ERR_CANCELLED;
		return;
	}
	atomic_store(&t->stage, (int)TOKEN_STAGE_READING);
	switch (t->op) {
	case OP_READ:
		t->infos = xcalloc(1, sizeof *t->infos);
		t->err = token_read(ref, t->flags, t->infos);
		t->ninfos = t->err == TOKEN_OK ? 1 : 0;
		break;
	case OP_READ_ALL:
		read_all(t);
		break;
	case OP_LOGIN:
		t->err = token_login(ref, t->pin, t->flags, &t->tries, &t->ctl);
		break;
	case OP_LOGOUT:
		t->err = token_logout(ref);
		break;
	case OP_CHANGE_PIN:
		t->err = token_change_pin(ref, t->pin, t->pin2, t->flags, &t->tries,
					  &t->ctl);
		break;
	case OP_UNBLOCK:
		t->err = token_unblock(ref, t->pin, t->pin2, &t->tries, &t->ctl);
		break;
	case OP_CHANGE_SO_PIN:
		t->err = token_change_so_pin(ref, t->pin, t->pin2, &t->tries, &t->ctl);
		break;
	case OP_GEN_KEY:
		t->err =
			token_gen_key(ref, t->type, t->label, t->id, &t->id_len, &t->ctl);
		break;
	case OP_CSR:
		t->err = token_make_csr(ref, t->id, t->id_len, &dn, &t->out, &t->out_len,
					&t->ctl);
		break;
	case OP_SIGN:
		t->err = token_sign(ref, t->id, t->id_len, t->in, t->in_len, &t->out,
				    &t->out_len, &t->ctl);
		break;
	case OP_WRITE_CERT:
		t->err = token_write_cert(ref, t->in, t->in_len, t->label, &t->ctl);
		break;
	case OP_DELETE_PAIR:
		t->err = token_delete_pair(ref, t->id, t->id_len, &t->ctl);
		break;
	case OP_DATA_READ:
		t->err = token_data_read(ref, t->label, t->app, &t->out, &t->out_len,
					 &t->ctl);
		break;
	case OP_DATA_WRITE:
		t->err = token_data_write(ref, t->label, t->app, t->in, t->in_len,
					  t->flags, &t->ctl);
		break;
	case OP_DATA_DELETE:
		t->err = token_data_delete(ref, t->label, t->app, &t->ctl);
		break;
	case OP_INIT_TOKEN:
		t->err = token_init_token(ref, t->pin, t->pin2, t->label, &t->ctl);
		break;
	}
	log_debug("token: job %s: %s", job->name, token_err_name(t->err));
	/* Gone while the watcher still counts it: pulled and put back. */
	if (t->err == TOKEN_ERR_NONE || t->err == TOKEN_ERR_REMOVED)
		token_watch_recheck();
	/* The core wiped them; nothing of a PIN outlives the call. */
	secure_free_str(&t->pin);
	secure_free_str(&t->pin2);
	atomic_store(&t->stage, (int)TOKEN_STAGE_NONE);
	atomic_store(&job->progress, 100);
}

/* ---- constructors ------------------------------------------------------- */

struct job *
token_job_read(const struct token_ref *ref, unsigned flags)
{
	struct tjob *t = tjob_new(OP_READ, ref);

	t->flags = flags;
	return &t->job;
}

struct job *
token_job_read_all(unsigned flags)
{
	struct tjob *t = tjob_new(OP_READ_ALL, NULL);

	t->flags = flags;
	return &t->job;
}

struct job *
token_job_login(const struct token_ref *ref, const char *pin, unsigned flags)
{
	struct tjob *t = tjob_new(OP_LOGIN, ref);

	t->pin = dup_or_null(pin);
	t->flags = flags;
	return &t->job;
}

struct job *
token_job_logout(const struct token_ref *ref)
{
	return &tjob_new(OP_LOGOUT, ref)->job;
}

struct job *
token_job_change_pin(const struct token_ref *ref, const char *old_pin,
		     const char *new_pin, unsigned flags)
{
	struct tjob *t = tjob_new(OP_CHANGE_PIN, ref);

	t->pin = dup_or_null(old_pin);
	t->pin2 = dup_or_null(new_pin);
	t->flags = flags;
	return &t->job;
}

struct job *
token_job_unblock(const struct token_ref *ref, const char *so_pin, const char *new_pin)
{
	struct tjob *t = tjob_new(OP_UNBLOCK, ref);

	t->pin = dup_or_null(so_pin);
	t->pin2 = dup_or_null(new_pin);
	return &t->job;
}

struct job *
token_job_change_so_pin(const struct token_ref *ref, const char *old_so_pin,
			const char *new_so_pin)
{
	struct tjob *t = tjob_new(OP_CHANGE_SO_PIN, ref);

	t->pin = dup_or_null(old_so_pin);
	t->pin2 = dup_or_null(new_so_pin);
	return &t->job;
}

struct job *
token_job_gen_key(const struct token_ref *ref, enum token_key_type type,
		  const char *label)
{
	struct tjob *t = tjob_new(OP_GEN_KEY, ref);

	t->type = type;
	t->label = dup_or_null(label);
	return &t->job;
}

struct job *
token_job_csr(const struct token_ref *ref, const unsigned char *id, size_t id_len,
	      const struct token_dn *dn)
{
	struct tjob *t = tjob_new(OP_CSR, ref);

	set_id(t, id, id_len);
	if (dn != NULL) {
		t->dn[0] = dup_or_null(dn->country);
		t->dn[1] = dup_or_null(dn->province);
		t->dn[2] = dup_or_null(dn->locality);
		t->dn[3] = dup_or_null(dn->org);
		t->dn[4] = dup_or_null(dn->org_unit);
		t->dn[5] = dup_or_null(dn->common_name);
		t->dn[6] = dup_or_null(dn->serial);
		t->dn[7] = dup_or_null(dn->email);
	}
	return &t->job;
}

struct job *
token_job_sign(const struct token_ref *ref, const unsigned char *id, size_t id_len,
	       const unsigned char *data, size_t len)
{
	struct tjob *t = tjob_new(OP_SIGN, ref);

	set_id(t, id, id_len);
	t->in = dup_bytes(data, len);
	t->in_len = len;
	return &t->job;
}

struct job *
token_job_write_cert(const struct token_ref *ref, const unsigned char *der, size_t len,
		     const char *label)
{
	struct tjob *t = tjob_new(OP_WRITE_CERT, ref);

	t->in = dup_bytes(der, len);
	t->in_len = len;
	t->label = dup_or_null(label);
	return &t->job;
}

struct job *
token_job_delete_pair(const struct token_ref *ref, const unsigned char *id, size_t id_len)
{
	struct tjob *t = tjob_new(OP_DELETE_PAIR, ref);

	set_id(t, id, id_len);
	return &t->job;
}

struct job *
token_job_data_read(const struct token_ref *ref, const char *label,
		    const char *application)
{
	struct tjob *t = tjob_new(OP_DATA_READ, ref);

	t->label = dup_or_null(label);
	t->app = dup_or_null(application);
	return &t->job;
}

struct job *
token_job_data_write(const struct token_ref *ref, const char *label,
		     const char *application, const unsigned char *value, size_t len,
		     unsigned flags)
{
	struct tjob *t = tjob_new(OP_DATA_WRITE, ref);

	t->label = dup_or_null(label);
	t->app = dup_or_null(application);
	t->in = dup_bytes(value, len);
	t->in_len = len;
	t->flags = flags;
	return &t->job;
}

struct job *
token_job_data_delete(const struct token_ref *ref, const char *label,
		      const char *application)
{
	struct tjob *t = tjob_new(OP_DATA_DELETE, ref);

	t->label = dup_or_null(label);
	t->app = dup_or_null(application);
	return &t->job;
}

struct job *
token_job_init_token(const struct token_ref *ref, const char *so_pin,
		     const char *user_pin, const char *label)
{
	struct tjob *t = tjob_new(OP_INIT_TOKEN, ref);

	t->pin = dup_or_null(so_pin);
	t->pin2 = dup_or_null(user_pin);
	t->label = dup_or_null(label);
	return &t->job;
}

/* ---- accessors ---------------------------------------------------------- */

enum token_err
token_job_err(const struct job *job)
{
	const struct tjob *t = tj(job);

	return t != NULL ? t->err : TOKEN_ERR_DEVICE;
}

int
token_job_tries_left(const struct job *job)
{
	const struct tjob *t = tj(job);

	return t != NULL ? t->tries : -1;
}

enum token_stage
token_job_stage(const struct job *job)
{
	struct tjob *t = tj(job);

	return t != NULL ? (enum token_stage)atomic_load(&t->stage) : TOKEN_STAGE_NONE;
}

size_t
token_job_ninfo(const struct job *job)
{
	const struct tjob *t = tj(job);

	return t != NULL ? t->ninfos : 0;
}

const struct token_info *
token_job_info(const struct job *job, size_t i)
{
	const struct tjob *t = tj(job);

	return t != NULL && i < t->ninfos ? &t->infos[i] : NULL;
}

const unsigned char *
token_job_id(const struct job *job, size_t *len)
{
	const struct tjob *t = tj(job);

	*len = t != NULL ? t->id_len : 0;
	return t != NULL && t->id_len > 0 ? t->id : NULL;
}

const unsigned char *
token_job_output(const struct job *job, size_t *len)
{
	const struct tjob *t = tj(job);

	*len = t != NULL ? t->out_len : 0;
	return t != NULL ? t->out : NULL;
}
