/*
 * req.c - the request functions that handlers answer through (app.h):
 * headers and query arguments, typed body members with their checks, and
 * the answer (JSON, the error shape, a raw body, extra headers).  The HTTP
 * layer (http.c) fills a struct req and sends what these leave in it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>

#include "ra/app.h"
#include "ra/metrics.h"
#include "ra/util.h"

/* A request made in process has no connection: its headers are pairs. */
static const char *
pair(const char *const *pairs, const char *name)
{
	for (; pairs && pairs[0]; pairs += 2)
		if (strcasecmp(pairs[0], name) == 0)
			return pairs[1];
	return NULL;
}

const char *
req_header(struct req *r, const char *name)
{
	if (!r->conn)
		return pair(r->in_headers, name);
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *
req_query(struct req *r, const char *name)
{
	if (!r->conn)
		return NULL;
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

void
req_client_addr(struct req *r, char *out, size_t size)
{
	const union MHD_ConnectionInfo *ci =
		r->conn ? MHD_get_connection_info(r->conn,
						  MHD_CONNECTION_INFO_CLIENT_ADDRESS)
			: NULL;
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;
	snprintf(out, size, "unknown");
	if (sa && sa->sa_family == AF_INET) {
		struct sockaddr_in in;
		memcpy(&in, sa, sizeof in);
		inet_ntop(AF_INET, &in.sin_addr, out, (socklen_t)size);
	} else if (sa && sa->sa_family == AF_INET6) {
		struct sockaddr_in6 in6;
		memcpy(&in6, sa, sizeof in6);
		if (IN6_IS_ADDR_V4MAPPED(&in6.sin6_addr)) {
			inet_ntop(AF_INET, &in6.sin6_addr.s6_addr[12], out,
				  (socklen_t)size);
			return;
		}
		/* One host's /64 is one client: a host is given a whole /64
		 * and may take a fresh address in it for every try. */
		char net[INET6_ADDRSTRLEN];
		memset(&in6.sin6_addr.s6_addr[8], 0, 8);
		if (inet_ntop(AF_INET6, &in6.sin6_addr, net, sizeof net))
			snprintf(out, size, "%s/64", net);
	}
}

static void
req_reset_answer(struct req *r)
{
	json_decref(r->out);
	r->out = NULL;
	free(r->raw_out);
	r->raw_out = NULL;
	r->raw_len = 0;
}

void
req_json(struct req *r, int status, json_t *out)
{
	req_reset_answer(r);
	r->status = status;
	r->out = out;
}

void
req_error(struct req *r, int status, const char *code, json_t *extra, const char *fmt,
	  ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	json_t *e = extra ? extra : json_object();
	json_object_set_new(e, "code", json_string(code));
	json_object_set_new(e, "message", json_string(msg));
	req_json(r, status, json_pack("{s:o}", "error", e));
}

void
req_store_full(struct req *r)
{
	/* Whatever the handler answered, nothing of it was kept; the same
	 * request (same key) works once there is room again. */
	log_warn("store: no room left: %s %s refused", r->method,
		 r->route ? r->route : "-");
	req_error(r, 503, "unavailable", NULL,
		  "the store has no room left; nothing was changed, try again later");
}

void
req_raw(struct req *r, int status, const char *type, const void *data, size_t len)
{
	req_reset_answer(r);
	r->status = status;
	r->raw_type = type;
	r->raw_out = util_xmalloc(len);
	memcpy(r->raw_out, data, len);
	r->raw_len = len;
}

void
req_add_header(struct req *r, const char *name, const char *value)
{
	if (r->nhdr >= REQ_MAX_HEADERS)
		return;
	r->hdr_name[r->nhdr] = name;
	r->hdr_value[r->nhdr++] = util_xstrdup(value);
}

const char *
req_str(struct req *r, const char *name, size_t max_len, bool required)
{
	json_t *v = r->body ? json_object_get(r->body, name) : NULL;
	if (!v || json_is_null(v)) {
		if (required)
			req_error(r, 400, "bad_request",
				  json_pack("{s:s}", "field", name),
				  "the field \"%s\" is required", name);
		return NULL;
	}
	if (!json_is_string(v)) {
		req_error(r, 400, "bad_request", json_pack("{s:s}", "field", name),
			  "the field \"%s\" must be a string", name);
		return NULL;
	}
	const char *s = json_string_value(v);
	size_t n = json_string_length(v);
	if (n > max_len || strlen(s) != n) {
		req_error(r, 400, "bad_request", json_pack("{s:s}", "field", name),
			  "the field \"%s\" is too long or holds a NUL", name);
		return NULL;
	}
	if (!util_text_safe(s, true)) {
		req_error(r, 400, "bad_request", json_pack("{s:s}", "field", name),
			  "the field \"%s\" holds a control character", name);
		return NULL;
	}
	if (required && n == 0) {
		req_error(r, 400, "bad_request", json_pack("{s:s}", "field", name),
			  "the field \"%s\" must not be empty", name);
		return NULL;
	}
	return s;
}

int
req_int(struct req *r, const char *name, int64_t lo, int64_t hi, bool required,
	int64_t dflt, int64_t *out)
{
	json_t *v = r->body ? json_object_get(r->body, name) : NULL;
	if (!v || json_is_null(v)) {
		if (required) {
			req_error(r, 400, "bad_request",
				  json_pack("{s:s}", "field", name),
				  "the field \"%s\" is required", name);
			return -1;
		}
		*out = dflt;
		return 0;
	}
	if (!json_is_integer(v) || json_integer_value(v) < lo ||
	    json_integer_value(v) > hi) {
		req_error(r, 400, "bad_request", json_pack("{s:s}", "field", name),
			  "the field \"%s\" must be an integer from %lld to %lld", name,
			  (long long)lo, (long long)hi);
		return -1;
	}
	*out = json_integer_value(v);
	return 0;
}

int
req_form_add(struct req *r, const char *key, const char *filename, const char *data,
	     size_t size)
{
	struct form_field *f = NULL;
	/* libmicrohttpd gives a part whose Content-Disposition names no field
	 * (or garbles it) a NULL key: no field of the form, dropped. */
	if (!key)
		return 0;
	for (int i = 0; i < r->nfields; i++)
		if (strcmp(r->fields[i].name, key) == 0)
			f = &r->fields[i];
	if (!f) {
		if (r->nfields >= REQ_MAX_FIELDS || strlen(key) >= sizeof f->name)
			return -1;
		f = &r->fields[r->nfields++];
		snprintf(f->name, sizeof f->name, "%s", key);
		snprintf(f->filename, sizeof f->filename, "%s", filename ? filename : "");
	}
	if (size == 0)
		return 0;
	if (f->len + size > REQ_FIELD_LIMIT)
		return -1;
	if (f->len + size > f->cap) { /* doubling: a field is copied O(1) times */
		size_t cap = f->cap ? f->cap * 2 : 64 * 1024;
		f->cap = cap < f->len + size     ? f->len + size
			 : cap > REQ_FIELD_LIMIT ? REQ_FIELD_LIMIT
						 : cap;
		f->data = util_xrealloc(f->data, f->cap);
	}
	memcpy(f->data + f->len, data, size);
	f->len += size;
	return 0;
}

void
req_issued(struct req *r, enum ca_profile profile)
{
	r->issued[profile == CA_PROFILE_TERMINAL]++;
}

void
req_committed(struct req *r)
{
	for (int i = 0; i < r->issued[0]; i++)
		metrics_note(M_ISSUED_CUSTOMER);
	for (int i = 0; i < r->issued[1]; i++)
		metrics_note(M_ISSUED_TERMINAL);
	memset(r->issued, 0, sizeof r->issued);
}

void
req_unanswer(struct req *r)
{
	req_reset_answer(r);
	r->status = 0;
	for (int i = 0; i < r->nhdr; i++)
		free(r->hdr_value[i]);
	r->nhdr = 0;
	r->commit_anyway = false;
}

void
req_unlocked(struct req *r, void (*fn)(void *job))
{
	req_unanswer(r);
	r->unlocked = fn;
}

bool
req_run_unlocked(struct req *r)
{
	void (*fn)(void *) = r->unlocked;
	if (!fn)
		return false;
	r->unlocked = NULL;
	fn(r->job);
	return true;
}

void
req_job_end(struct req *r)
{
	if (r->job && r->job_free)
		r->job_free(r->job);
	r->job = NULL;
	r->job_free = NULL;
}

bool
req_idem_key_ok(const char *k)
{
	size_t n = strlen(k);
	if (n == 0 || n > 128)
		return false;
	for (size_t i = 0; i < n; i++)
		if (k[i] <= 0x20 || k[i] >= 0x7f)
			return false;
	return true;
}
