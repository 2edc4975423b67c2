/*
 * backend.c - HTTPS + JSON to the RA/CA backend through libcurl (see
 * backend.h), loaded by the first call (curl_lazy.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include "backend.h"
#include "codec.h"
#include "backend_conn.h"
#include "curl_lazy.h"
#include "config.h"
#include "i18n.h"
#include "log.h"
#include "text.h"
#include "worker.h"
#include "xmem.h"

/* Tries of one request when the failure is one that a repeat can cure. */
#define MAX_ATTEMPTS 3

static struct {
	char *base; /* URL without the trailing slash */
	char *ca_file, *cert_file, *key_file;
	char *pin; /* "sha256//BASE64", or NULL */
	long connect_timeout, timeout;
	long long cert_not_after;
	char terminal[64];
	bool ready;
	bool unverified; /* enrolment's fetch of the CA, before any trust */
} B;

struct body {
	char *data;
	size_t len;
	size_t max; /* 0: BACKEND_BODY_MAX */
	bool too_big;
};

/* "sha256//BASE64" for libcurl from the configuration's hex digits. */
static char *
pin_from_hex(const char *hex)
{
	unsigned char raw[32];
	char *b64, *out;

	/* The configuration checked it: 32 bytes in hex, colons between. */
	if (codec_unhex(hex, raw, sizeof raw) != (long)sizeof raw)
		return NULL;
	b64 = codec_base64_encode(raw, sizeof raw);
	out = xasprintf("sha256//%s", b64);
	free(b64);
	return out;
}

/* notAfter of the terminal's certificate file, or 0. */
static long long
cert_end(const char *file)
{
	FILE *f = file != NULL ? fopen(file, "r") : NULL;
	X509 *x = f != NULL ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
	long long end = 0;
	struct tm tm;

	if (x != NULL && ASN1_TIME_to_tm(X509_get0_notAfter(x), &tm) == 1)
		end = (long long)timegm(&tm);
	X509_free(x);
	if (f != NULL)
		fclose(f);
	return end;
}

long long
backend_cert_not_after(void)
{
	return B.cert_not_after;
}

void
backend_identity_changed(void)
{
	B.cert_not_after = cert_end(B.cert_file);
	/* The kept connection presented the old certificate: the next call
	 * dials again and presents the new one. */
	conn_drop();
}

int
backend_init(const struct config *cfg)
{
	size_t n;

	/* Replies and requests carry customer data: their buffers are wiped
	 * when freed (session.h: nothing of a visit outlives it); libcurl's
	 * too, from its loading (curl_lazy.c) on. */
	json_set_alloc_funcs(malloc, wipe_free);
	B.base = xstrdup(cfg->backend_url);
	n = strlen(B.base);
	while (n > 0 && B.base[n - 1] == '/')
		B.base[--n] = '\0';
	B.ca_file = cfg->ca_file ? xstrdup(cfg->ca_file) : NULL;
	B.cert_file = cfg->cert_file ? xstrdup(cfg->cert_file) : NULL;
	B.key_file = cfg->key_file ? xstrdup(cfg->key_file) : NULL;
	B.pin = cfg->pin_sha256 ? pin_from_hex(cfg->pin_sha256) : NULL;
	if (cfg->pin_sha256 != NULL && B.pin == NULL) {
		/* Never quietly unpinned. */
		log_error("backend: pin_sha256 is not 32 bytes in hex");
		return -1;
	}
	B.cert_not_after = cert_end(B.cert_file);
	B.connect_timeout = cfg->connect_timeout;
	B.timeout = cfg->request_timeout;
	snprintf(B.terminal, sizeof B.terminal, "%s", cfg->terminal_id);
	B.ready = true;
	return 0;
}

void
backend_set_unverified(bool on)
{
	B.unverified = on;
}

void
backend_session_end(void)
{
	if (B.ready)
		conn_forget();
}

void
backend_cleanup(void)
{
	if (!B.ready)
		return;
	free(B.base);
	free(B.ca_file);
	free(B.cert_file);
	free(B.key_file);
	free(B.pin);
	memset(&B, 0, sizeof B);
	/* The worker has stopped (its link went with it); the main thread's. */
	conn_drop();
	curl_lazy_cleanup();
}

void
backend_new_key(char out[BACKEND_IDEM_KEY_LEN + 1])
{
	unsigned char r[16];

	if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r) {
		/* getrandom on Linux does not fail for 16 bytes once booted. */
		for (size_t i = 0; i < sizeof r; i++)
			r[i] = (unsigned char)rand();
	}
	r[6] = (unsigned char)((r[6] & 0x0f) | 0x40); /* version 4 */
	r[8] = (unsigned char)((r[8] & 0x3f) | 0x80); /* RFC 4122 variant */
	snprintf(out, BACKEND_IDEM_KEY_LEN + 1,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11],
		 r[12], r[13], r[14], r[15]);
}

/*
 * This thread's link into *l.  libcurl is loaded here, by the first call
 * (on the worker, or the self-test's thread); a kiosk where it cannot be
 * loaded finds the backend out of reach, as the log says why.
 */
static enum backend_err
link_get(struct link **l)
{
	if (!B.ready)
		return BACKEND_CONFIG;
	if (!curl_lazy_load())
		return BACKEND_UNREACHABLE;
	*l = conn_link();
	return *l != NULL ? BACKEND_OK : BACKEND_CONFIG;
}

static size_t
on_data(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct body *b = arg;
	size_t n = size * nmemb;

	if (b->len + n > (b->max != 0 ? b->max : BACKEND_BODY_MAX)) {
		b->too_big = true;
		return 0; /* curl stops with a write error */
	}
	b->data = wipe_realloc(b->data, b->len + n + 1);
	memcpy(b->data + b->len, ptr, n);
	b->len += n;
	b->data[b->len] = '\0';
	return n;
}

static int
on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
	    curl_off_t ulnow)
{
	struct job *job = arg;

	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	return job != NULL && job_cancelled(job) ? 1 : 0;
}

static enum backend_err
map_curl(CURLcode rc)
{
	switch (rc) {
	case CURLE_OK:
		return BACKEND_OK;
	case CURLE_ABORTED_BY_CALLBACK:
		return BACKEND_CANCELLED;
	case CURLE_OPERATION_TIMEDOUT:
		return BACKEND_TIMEOUT;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_CONNECT:
		return BACKEND_UNREACHABLE;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_INVALIDCERTSTATUS:
		return BACKEND_TLS;
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_ENGINE_NOTFOUND:
	case CURLE_SSL_ENGINE_SETFAILED:
		return BACKEND_CONFIG;
	case CURLE_GOT_NOTHING:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_PARTIAL_FILE:
		/* The connection broke under us: a repeat with the same key is safe. */
		return BACKEND_TIMEOUT;
	default:
		return BACKEND_UNREACHABLE;
	}
}

/* Copy error.code / error.message out of an error body, sanitized. */
static void
read_error(struct backend_reply *out)
{
	const json_t *e = out->json != NULL ? json_object_get(out->json, "error") : NULL;
	const char *code = json_string_value(json_object_get(e, "code"));
	const char *msg = json_string_value(json_object_get(e, "message"));
	char *clean;

	if (code != NULL) {
		clean = text_sanitize(code, strlen(code), sizeof out->code - 1, 0);
		snprintf(out->code, sizeof out->code, "%s", clean);
		free(clean);
	}
	if (msg != NULL) {
		clean = text_sanitize(msg, strlen(msg), sizeof out->message - 1, 0);
		snprintf(out->message, sizeof out->message, "%s", clean);
		free(clean);
	}
}

/* keep (may be NULL): a 2xx answer's body is handed over as it came, not
 * read as JSON; keep->max bounds it. */
static enum backend_err
call_once(struct link *l, const char *method, const char *url, const char *payload,
	  curl_mime *mime, struct curl_slist *headers, struct job *job, long timeout,
	  struct backend_reply *out, struct body *keep)
{
	struct body body = {.max = keep != NULL ? keep->max : 0};
	CURL *c = l->easy;
	json_error_t jerr;
	CURLcode rc;
	enum backend_err err;

	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT,
			 timeout < B.connect_timeout ? timeout : B.connect_timeout);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, B.unverified ? 0L : 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, B.unverified ? 0L : 2L);
	if (B.ca_file != NULL) {
		curl_easy_setopt(c, CURLOPT_CAINFO, B.ca_file);
		curl_easy_setopt(c, CURLOPT_CAPATH, NULL);
	}
	if (B.cert_file != NULL) {
		curl_easy_setopt(c, CURLOPT_SSLCERT, B.cert_file);
		curl_easy_setopt(c, CURLOPT_SSLKEY, B.key_file);
	}
	if (B.pin != NULL)
		curl_easy_setopt(c, CURLOPT_PINNEDPUBLICKEY, B.pin);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, job);
	if (mime != NULL) {
		curl_easy_setopt(c, CURLOPT_MIMEPOST, mime);
	} else if (strcmp(method, "POST") == 0) {
		curl_easy_setopt(c, CURLOPT_POST, 1L);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, payload);
	}

	rc = conn_perform(l, job);
	if (body.too_big) {
		err = BACKEND_GARBAGE;
		goto out;
	}
	err = map_curl(rc);
	if (rc == CURLE_SSL_CONNECT_ERROR) {
		long os_errno = 0;

		/* Reset or closed during the handshake: the line, not the trust. */
		curl_easy_getinfo(c, CURLINFO_OS_ERRNO, &os_errno);
		log_debug("backend: TLS handshake failed (os errno %ld)", os_errno);
		if (os_errno == ECONNRESET || os_errno == EPIPE ||
		    os_errno == ECONNABORTED)
			err = BACKEND_UNREACHABLE;
	}
	if (err != BACKEND_OK) {
		log_warn("backend %s %s: %s", method, url, curl_easy_strerror(rc));
		goto out;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
	if (keep != NULL && out->status >= 200 && out->status < 300) {
		*keep = body;
		return BACKEND_OK;
	}
	json_decref(out->json);
	out->json = body.len > 0 ? json_loadb(body.data, body.len, 0, &jerr) : NULL;
	if (out->json != NULL && !json_is_object(out->json)) {
		json_decref(out->json);
		out->json = NULL;
	}
	if (out->status >= 200 && out->status < 300) {
		err = out->json != NULL ? BACKEND_OK : BACKEND_GARBAGE;
	} else if (out->status >= 400 && out->status < 500) {
		read_error(out);
		err = out->code[0] != '\0' ? BACKEND_REFUSED : BACKEND_GARBAGE;
	} else if (out->status >= 500 && out->status < 600) {
		read_error(out);
		err = BACKEND_SERVER;
	} else {
		err = BACKEND_GARBAGE;
	}
	if (err == BACKEND_GARBAGE)
		log_warn("backend %s %s: HTTP %ld, not a protocol answer", method, url,
			 out->status);
out:
	wipe_free(body.data);
	return err;
}

enum backend_err
backend_call(const char *method, const char *path, const json_t *body,
	     const char *idem_key, struct job *job, struct backend_reply *out)
{
	return backend_call_opts(method, path, body, idem_key, job, NULL, out);
}

enum backend_err
backend_call_opts(const char *method, const char *path, const json_t *body,
		  const char *idem_key, struct job *job, const struct backend_opts *opts,
		  struct backend_reply *out)
{
	long timeout = opts != NULL && opts->timeout_s > 0 ? opts->timeout_s : B.timeout;
	int attempts = opts != NULL && opts->attempts > 0 ? opts->attempts : MAX_ATTEMPTS;
	struct curl_slist *headers = NULL;
	char *url, *payload = NULL, hdr[128];
	enum backend_err err;
	struct link *l = NULL;

	memset(out, 0, sizeof *out);
	if ((err = link_get(&l)) != BACKEND_OK)
		return err;
	url = xasprintf("%s%s", B.base, path);
	headers = curl_slist_append(headers, "Accept: application/json");
	snprintf(hdr, sizeof hdr, "X-Terminal-Id: %s", B.terminal);
	headers = curl_slist_append(headers, hdr);
	if (opts != NULL && opts->bearer != NULL && opts->bearer[0] != '\0') {
		char *auth = xasprintf("Authorization: Bearer %s", opts->bearer);

		headers = curl_slist_append(headers, auth);
		secure_free_str(&auth);
	}
	if (strcmp(method, "POST") == 0) {
		payload = body != NULL ? json_dumps(body, JSON_COMPACT) : xstrdup("{}");
		headers = curl_slist_append(headers, "Content-Type: application/json");
		if (idem_key != NULL) {
			snprintf(hdr, sizeof hdr, "Idempotency-Key: %s", idem_key);
			headers = curl_slist_append(headers, hdr);
		}
	}
	for (out->attempts = 1; out->attempts <= attempts; out->attempts++) {
		err = call_once(l, method, url, payload, NULL, headers, job, timeout, out,
				NULL);
		/*
		 * Only a request that cannot have done anything twice is sent
		 * again: a GET, or a POST with its idempotency key.
		 */
		if (err != BACKEND_TIMEOUT || (payload != NULL && idem_key == NULL))
			break;
		if (job != NULL && job_cancelled(job)) {
			err = BACKEND_CANCELLED;
			break;
		}
		log_info("backend %s %s: retrying with the same key (%d)", method, path,
			 out->attempts);
	}
	if (out->attempts > attempts)
		out->attempts = attempts;
	if (payload != NULL) {
		/* Request bodies can hold customer data. */
		secure_wipe(payload, strlen(payload));
		free(payload);
	}
	curl_slist_free_all(headers);
	wipe_free(url);
	return err;
}

long
backend_upload(const char *path, const char *field, const char *filename,
	       const void *data, size_t len, struct job *job)
{
	struct backend_reply out = {0};
	struct curl_slist *headers = NULL;
	curl_mime *mime;
	curl_mimepart *part;
	char *url;
	long status;
	struct link *l = NULL;

	if (link_get(&l) != BACKEND_OK)
		return 0;
	url = xasprintf("%s%s", B.base, path);
	mime = curl_mime_init(l->easy);
	part = curl_mime_addpart(mime);
	curl_mime_name(part, field);
	curl_mime_filename(part, filename);
	/* The backend sniffs the content; the type said here counts for nothing. */
	curl_mime_type(part, "application/octet-stream");
	curl_mime_data(part, data, len);
	headers = curl_slist_append(headers, "Expect:");
	/* One attempt: the page is no idempotent call, a repeat is the caller's. */
	call_once(l, "POST", url, NULL, mime, headers, job, B.timeout, &out, NULL);
	curl_easy_setopt(l->easy, CURLOPT_MIMEPOST, NULL);
	curl_mime_free(mime);
	curl_slist_free_all(headers);
	wipe_free(url);
	status = out.status;
	backend_reply_free(&out);
	return status;
}

enum backend_err
backend_fetch(const char *path, const char *bearer, size_t max, struct job *job,
	      char **data, size_t *len)
{
	struct backend_reply out = {0};
	struct curl_slist *headers = NULL;
	struct body body = {.max = max};
	enum backend_err err;
	char *url, hdr[128];
	struct link *l = NULL;

	*data = NULL;
	*len = 0;
	if ((err = link_get(&l)) != BACKEND_OK)
		return err;
	url = xasprintf("%s%s", B.base, path);
	snprintf(hdr, sizeof hdr, "X-Terminal-Id: %s", B.terminal);
	headers = curl_slist_append(headers, hdr);
	if (bearer != NULL && bearer[0] != '\0') {
		char *auth = xasprintf("Authorization: Bearer %s", bearer);

		headers = curl_slist_append(headers, auth);
		secure_free_str(&auth);
	}
	err = call_once(l, "GET", url, NULL, NULL, headers, job, B.timeout, &out, &body);
	if (err == BACKEND_OK && body.data != NULL) {
		*data = body.data;
		*len = body.len;
	} else if (err == BACKEND_OK) {
		err = BACKEND_GARBAGE; /* an empty file is none */
	}
	backend_reply_free(&out);
	curl_slist_free_all(headers);
	wipe_free(url);
	return err;
}

void
backend_reply_free(struct backend_reply *reply)
{
	json_decref(reply->json);
	memset(reply, 0, sizeof *reply);
}

const char *
backend_err_name(enum backend_err err)
{
	static const char *const names[] = {
		"OK",     "UNREACHABLE", "TIMEOUT",   "TLS",    "REFUSED",
		"SERVER", "GARBAGE",     "CANCELLED", "CONFIG",
	};

	return (size_t)err < sizeof names / sizeof names[0] ? names[err] : "?";
}

const char *
backend_err_reason(enum backend_err err, const char *code)
{
	switch (err) {
	case BACKEND_OK:
		return N_("Done.");
	case BACKEND_UNREACHABLE:
		return N_("The service centre cannot be reached right now. Please try "
			  "again in a moment, or ask the staff.");
	case BACKEND_TIMEOUT:
		return N_("The service centre is answering slowly. Please try again.");
	case BACKEND_TLS:
		return N_("The connection to the service centre could not be checked as "
			  "safe, so it was not used. Please ask the staff.");
	case BACKEND_SERVER:
		/* 503 "unavailable": the backend kept nothing of the request
		 * (its store busy or its disk full, a provider silent). */
		if (code != NULL && strcmp(code, "unavailable") == 0)
			return N_("The service centre cannot take this request just now. "
				  "This step was not carried out and nothing was charged "
				  "for it; please try again in a moment.");
		return N_(
			"The service centre had a problem with this request. Please try "
			"again later, or ask the staff.");
	case BACKEND_GARBAGE:
		return N_("The service centre gave an answer this kiosk does not "
			  "understand. Please ask the staff.");
	case BACKEND_CANCELLED:
		return N_("Cancelled.");
	case BACKEND_CONFIG:
		return N_("This kiosk is not set up to reach the service centre. Please "
			  "ask the staff.");
	case BACKEND_REFUSED:
		break;
	}
	/* other codes get their own sentences with the services using them */
	return N_("The service centre refused this request.");
}
