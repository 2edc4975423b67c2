/*
 * payflow.c - backend calls as worker jobs, and small helpers the paid
 * services share (see payflow.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "log.h"
#include "payflow.h"
#include "text.h"
#include "worker.h"
#include "xmem.h"

struct bjob {
	struct job job; /* first: a struct job * is a struct bjob * */
	char method[8];
	char path[512];
	json_t *body;
	char idem[BACKEND_IDEM_KEY_LEN + 1];
	bool has_idem;
	enum backend_err err;
	struct backend_reply reply;
};

static void
bjob_run(struct job *job)
{
	struct bjob *b = (struct bjob *)job;

	b->err = backend_call(b->method, b->path, b->body, b->has_idem ? b->idem : NULL,
			      job, &b->reply);
	log_info("backend %s %s: %s (%ld)", b->method, b->path, backend_err_name(b->err),
		 b->reply.status);
}

static void
bjob_release(struct job *job)
{
	struct bjob *b = (struct bjob *)job;

	backend_reply_free(&b->reply);
	json_decref(b->body);
	secure_wipe(b, sizeof *b);
	free(b);
}

struct job *
bjob_new(const char *method, const char *path, json_t *body, const char *idem)
{
	struct bjob *b = xcalloc(1, sizeof *b);

	job_init(&b->job, "backend", bjob_run, bjob_release);
	snprintf(b->method, sizeof b->method, "%s", method);
	snprintf(b->path, sizeof b->path, "%s", path);
	b->body = body;
	b->err = BACKEND_CANCELLED;
	if (idem != NULL) {
		snprintf(b->idem, sizeof b->idem, "%s", idem);
		b->has_idem = true;
	}
	return &b->job;
}

enum backend_err
bjob_err(const struct job *job)
{
	return ((const struct bjob *)job)->err;
}

const struct backend_reply *
bjob_reply(const struct job *job)
{
	return &((const struct bjob *)job)->reply;
}

const char *
bjob_reason(const struct job *job)
{
	const struct bjob *b = (const struct bjob *)job;

	return backend_err_reason(b->err, b->reply.code);
}

const char *
pay_json_str(const json_t *obj, const char *key, char *buf, size_t len)
{
	const json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;

	buf[0] = '\0';
	if (json_is_string(v)) {
		char *s = text_sanitize(json_string_value(v), json_string_length(v),
					len - 1, 0);

		snprintf(buf, len, "%s", s);
		free(s);
	}
	return buf;
}

long long
pay_json_int(const json_t *obj, const char *key)
{
	const json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;

	return json_is_integer(v) ? (long long)json_integer_value(v) : 0;
}

void
pay_money(long fen, char *buf, size_t len)
{
	snprintf(buf, len, "%ld.%02ld", fen / 100, fen % 100);
}
