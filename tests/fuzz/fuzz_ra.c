/*
 * fuzz_ra.c - what the backend's harnesses share (fuzz_ra.h): the demo's
 * store and CA in a fresh directory, two customer sessions, and requests
 * run by their handlers from a little script (its lines: fuzz_ra_body.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/codec.h"
#include "fuzz.h"
#include "fuzz_ra.h"
#include "ra/api.h"
#include "ra/gw.h"
#include "ra/http.h"
#include "ra/store.h"
#include "ra/util.h"

struct app fuzz_app;
static char dir[64];
static size_t nroutes;
static const char *who;
static const char *dump;
static unsigned dumped;

/* The sessions every request may use: the demo's first unit and person. */
static const char *const sessions[2][3] = {
	{"unit", "91430100MA4L00011K",
	 "Bearer 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"},
	{"person", "430102198503150022",
	 "Bearer fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"},
};

static void
cleanup(void)
{
	char cmd[128];

	api_close(&fuzz_app);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "%s: could not remove %s\n", who, dir);
}

void
fuzz_ra_open(const char *name)
{
	char db[96], ca[96], *err = NULL;

	who = name;
	snprintf(dir, sizeof dir, "/tmp/fuzz-ra-XXXXXX");
	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(db, sizeof db, "%s/ra.db", dir);
	snprintf(ca, sizeof ca, "%s/ca", dir);
	util_log_level = -1; /* quiet: no log lines at every input */
	fuzz_app.sandbox = fuzz_app.demo = true;
	fuzz_app.pay_delay = -1;
	fuzz_app.pay_ttl = 900;
	fuzz_app.sms_terminal_limit = 1000;
	if (gw_configure(true, NULL, 0, &err) != 0 ||
	    api_open(&fuzz_app, db, ca, "127.0.0.1", "https://127.0.0.1:8443", 8443,
		     &err) != 0) {
		fprintf(stderr, "%s: %s\n", who, err ? err : "cannot open");
		abort();
	}
	atexit(cleanup);
	for (int i = 0; i < 2; i++) {
		char hash[65];

		codec_sha256_hex(sessions[i][2] + 7, 64, hash);
		if (store_exec(
			    fuzz_app.st,
			    "INSERT INTO sessions(token_hash, subject_type, subject_id,"
			    " terminal, created, expires) VALUES(?,?,?,?,?,?)",
			    "ssssii", hash, sessions[i][0], sessions[i][1], "DEMO-T01",
			    (int64_t)0, (int64_t)4102444800) < 0)
			abort();
	}
	dump = getenv("FUZZ_DUMP");
	while (api_routes[nroutes].method != NULL)
		nroutes++;
}

/* Runs one request line; *last holds the previous answer's id, *out its
 * answer (replaced). */
static void
one(char *line, char last[128], json_t **out)
{
	const struct route *rt = NULL;
	struct req r = {0};
	char *p = line, *end;
	const char *id, *hdr[] = {"Authorization", sessions[0][2], NULL};

	if (*p == '~') {
		hdr[1] = sessions[1][2];
		p++;
	}
	if (*p >= '0' && *p <= '9') {
		rt = &api_routes[strtoul(p, &end, 10) % nroutes];
		p = end;
	} else {
		size_t m = strcspn(p, " ");

		end = p + m + (p[m] == ' ');
		for (size_t i = 0; i < nroutes && rt == NULL; i++) {
			size_t pl = strlen(api_routes[i].pattern);

			if (strlen(api_routes[i].method) == m &&
			    strncmp(p, api_routes[i].method, m) == 0 &&
			    strncmp(end, api_routes[i].pattern, pl) == 0 &&
			    (end[pl] == ' ' || end[pl] == '\0'))
				rt = &api_routes[i];
		}
		if (rt == NULL)
			return;
		p = end + strlen(rt->pattern);
	}
	if (rt->flags & R_FORM)
		return;
	for (const char *s = rt->pattern; *s; s++) {
		size_t len;

		if (*s != '{' && *s != '*') /* one ARG per "{name}" */
			continue;
		if (*p == ' ')
			p++;
		len = strcspn(p, " ");
		if (r.nargs >= REQ_MAX_ARGS)
			break;
		r.args[r.nargs] = len == 1 && *p == '$' ? strdup(last) : strndup(p, len);
		if (r.args[r.nargs++] == NULL)
			abort();
		p += len;
	}
	if (*p == ' ')
		p++;
	r.app = &fuzz_app;
	r.in_headers = hdr;
	r.method = rt->method;
	r.path = rt->pattern;
	snprintf(r.terminal, sizeof r.terminal, "%s",
		 (rt->flags & R_STAFF) ? "staff-demo" : "DEMO-T01");
	snprintf(r.role, sizeof r.role, "%s",
		 (rt->flags & R_STAFF) ? "staff" : "terminal");
	if (*p != '\0') {
		char *at = strstr(p, "$ID"), *text = NULL;

		if (at != NULL) {
			size_t tl = strlen(p) + strlen(last) + 1;

			text = malloc(tl);
			if (text == NULL)
				abort();
			snprintf(text, tl, "%.*s%s%s", (int)(at - p), p, last, at + 3);
		}
		r.body = json_loads(text ? text : p, JSON_REJECT_DUPLICATES, NULL);
		free(text);
		if (r.body == NULL || !json_is_object(r.body))
			goto out;
	} else if (strcmp(rt->method, "POST") == 0) {
		r.body = json_object();
	}
	store_exec(fuzz_app.st, "SAVEPOINT handler", "");
	rt->fn(&r);
	if (r.status == 0 || (r.status >= 500 && r.status != 502 && r.status != 503)) {
		fprintf(stderr, "%s %s answered %d\n", rt->method, rt->pattern, r.status);
		abort();
	}
	if (r.status >= 400 && !r.commit_anyway)
		store_exec(fuzz_app.st, "ROLLBACK TO handler", "");
	store_exec(fuzz_app.st, "RELEASE handler", "");
	id = json_string_value(json_object_get(r.out, "id"));
	if (id == NULL)
		id = json_string_value(
			json_object_get(json_object_get(r.out, "order"), "id"));
	if (id == NULL)
		id = json_string_value(json_object_get(r.out, "serial"));
	if (id != NULL)
		snprintf(last, 128, "%s", id);
	if (dump != NULL && r.out != NULL) {
		char file[512];

		snprintf(file, sizeof file, "%s/%03u-%d", dump, dumped++, r.status);
		if (json_dump_file(r.out, file, JSON_COMPACT) != 0)
			abort();
	}
out:
	for (int i = 0; i < r.nargs; i++)
		free(r.args[i]);
	for (int i = 0; i < r.nhdr; i++)
		free(r.hdr_value[i]);
	json_decref(r.body);
	if (r.out != NULL) {
		json_decref(*out);
		*out = r.out;
	}
	free(r.raw_out);
}

json_t *
fuzz_ra_script(char *script, char last[128])
{
	char *save = NULL;
	json_t *out = NULL;
	int lines = 0;

	for (char *line = strtok_r(script, "\n", &save); line != NULL && lines < 16;
	     line = strtok_r(NULL, "\n", &save), lines++)
		one(line, last, &out);
	return out;
}
