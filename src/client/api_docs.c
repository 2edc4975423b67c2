/*
 * api_docs.c - an order's documents: the phone's upload link and the list
 * the kiosk polls while the customer uploads (see api.h).
 */
#include "api_int.h"

#include <stdio.h>
#include <string.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define TIME_MAX (1LL << 40)
#define DOC_MAX_BYTES (64L << 20) /* the backend takes 5 MiB; more is nonsense */

static const char *const doc_kinds[] = {
	"business_licence", "agent_id_front", "agent_id_back",  "seal_form",
	"id_front",         "id_back",        "signature_form", NULL};
static const char *const doc_mimes[] = {"image/jpeg", "image/png", "application/pdf",
					NULL};

/* An array member of kinds into out (at most API_DOCS_MAX). */
static bool
kinds(const json_t *arr, char out[][API_DOC_KIND_MAX], int *n, const char *what,
      struct api_err *e)
{
	size_t i;
	const json_t *v;

	*n = 0;
	if (!json_is_array(arr) || json_array_size(arr) > API_DOCS_MAX)
		return api_garbage(e, what, "not an array of at most 8 kinds");
	json_array_foreach(arr, i, v)
	{
		const char *k = json_string_value(v);
		bool known = false;

		for (const char *const *d = doc_kinds; k != NULL && *d != NULL; d++)
			known |= strcmp(*d, k) == 0;
		if (!known)
			return api_garbage(e, what, "not a document kind");
		snprintf(out[(*n)++], API_DOC_KIND_MAX, "%s", k);
	}
	return true;
}

bool
api_parse_upload_link(const json_t *reply, struct api_upload_link *out, struct api_err *e)
{
	static const struct bfield spec[] = {
		{"url", BF_URL, true, 12, API_URL_MAX - 1, NULL},
		{"expires", BF_INT, true, 1, TIME_MAX, NULL},
		{"documents", BF_ARRAY, true, 1, API_DOCS_MAX, NULL},
	};
	const char *u;

	if (!api_checked(reply, spec, N(spec), "upload link", e))
		return false;
	api_text(reply, "url", out->url, sizeof out->url);
	/* https://host[:port]/u/TOKEN: the path from the first "/" after the host. */
	u = strchr(out->url + strlen("https://"), '/');
	if (u == NULL || strncmp(u, "/u/", 3) != 0)
		return api_garbage(e, "upload link", "url: not an upload page");
	snprintf(out->path, sizeof out->path, "%s", u);
	out->expires = api_num(reply, "expires");
	return kinds(json_object_get(reply, "documents"), out->docs, &out->ndocs,
		     "upload link", e);
}

bool
api_parse_status_link(const json_t *reply, char *url, struct api_err *e)
{
	static const struct bfield spec[] = {
		{"url", BF_URL, true, 12, API_URL_MAX - 1, NULL},
		{"expires", BF_INT, true, 1, TIME_MAX, NULL},
	};
	const char *u;

	url[0] = '\0';
	if (!api_checked(reply, spec, N(spec), "status link", e))
		return false;
	api_text(reply, "url", url, API_URL_MAX);
	u = strchr(url + strlen("https://"), '/');
	if (u == NULL || strncmp(u, "/s/", 3) != 0) {
		url[0] = '\0';
		return api_garbage(e, "status link", "url: not a status page");
	}
	return true;
}

static bool
parse_status(const json_t *reply, void *out, struct api_err *e)
{
	return api_parse_status_link(reply, out, e);
}

bool
api_order_status_link(const char *order_id, const char *idem, const char *bearer,
		      struct job *job, char *url, struct api_err *e)
{
	url[0] = '\0';
	return api_request_as("POST", "/v1/orders/", order_id, "/status-link", NULL, idem,
			      bearer, job, parse_status, url, e);
}

static bool
parse_link(const json_t *reply, void *out, struct api_err *e)
{
	return api_parse_upload_link(reply, out, e);
}

bool
api_upload_link(const char *order_id, const char *idem, const char *bearer,
		struct job *job, struct api_upload_link *out, struct api_err *e)
{
	memset(out, 0, sizeof *out);
	return api_request_as("POST", "/v1/orders/", order_id, "/upload-link", NULL, idem,
			      bearer, job, parse_link, out, e);
}

bool
api_parse_documents(const json_t *reply, struct api_documents *out, struct api_err *e)
{
	static const char *const reasons[] = {"type", "size", NULL};
	static const struct bfield top[] = {
		{"documents", BF_ARRAY, true, 0, API_DOCS_MAX, NULL},
		{"missing", BF_ARRAY, true, 0, API_DOCS_MAX, NULL},
		{"refused", BF_ARRAY, false, 0, API_DOCS_MAX, NULL},
	};
	static const struct bfield doc[] = {
		{"kind", BF_ENUM, true, 0, 0, doc_kinds},
		{"mime", BF_ENUM, true, 0, 0, doc_mimes},
		{"size", BF_INT, true, 1, DOC_MAX_BYTES, NULL},
		{"created", BF_INT, true, 0, TIME_MAX, NULL},
	};
	static const struct bfield ref[] = {
		{"id", BF_INT, true, 1, TIME_MAX, NULL},
		{"kind", BF_STRING, true, 0, API_DOC_KIND_MAX - 1, NULL},
		{"reason", BF_ENUM, true, 0, 0, reasons},
		{"size", BF_INT, true, 0, DOC_MAX_BYTES, NULL},
	};
	const json_t *v;
	size_t i;

	memset(out, 0, sizeof *out);
	if (!api_checked(reply, top, N(top), "documents", e))
		return false;
	json_array_foreach(json_object_get(reply, "documents"), i, v)
	{
		struct api_document *d = &out->docs[out->n++];

		if (!api_checked(v, doc, N(doc), "documents[]", e))
			return false;
		api_text(v, "kind", d->kind, sizeof d->kind);
		api_text(v, "mime", d->mime, sizeof d->mime);
		d->size = (long)api_num(v, "size");
		d->created = api_num(v, "created");
	}
	if (!kinds(json_object_get(reply, "missing"), out->missing, &out->nmissing,
		   "missing", e))
		return false;
	json_array_foreach(json_object_get(reply, "refused"), i, v)
	{
		struct api_refusal *r = &out->refused[out->nrefused++];
		char why[8];

		if (!api_checked(v, ref, N(ref), "refused[]", e))
			return false;
		r->id = (long)api_num(v, "id");
		api_text(v, "kind", r->kind, sizeof r->kind);
		api_text(v, "reason", why, sizeof why);
		r->too_large = strcmp(why, "size") == 0;
		r->size = (long)api_num(v, "size");
	}
	return true;
}

bool
api_document_file(const char *order_id, const char *kind, const char *bearer,
		  struct job *job, size_t max, char **data, size_t *len,
		  struct api_err *e)
{
	bool known = false;
	char path[256];

	memset(e, 0, sizeof *e);
	e->tries_left = -1;
	*data = NULL;
	*len = 0;
	for (const char *const *d = doc_kinds; *d != NULL; d++)
		known |= strcmp(*d, kind) == 0;
	/* The order's id is one the backend gave, checked then. */
	if (!known || strpbrk(order_id, "/?#%") != NULL || order_id[0] == '\0') {
		e->err = BACKEND_CONFIG;
		return false;
	}
	snprintf(path, sizeof path, "/v1/orders/%s/documents/%s", order_id, kind);
	e->err = backend_fetch(path, bearer, max, job, data, len);
	return e->err == BACKEND_OK;
}

static bool
parse_docs(const json_t *reply, void *out, struct api_err *e)
{
	return api_parse_documents(reply, out, e);
}

bool
api_documents(const char *order_id, const char *bearer, struct job *job,
	      struct api_documents *out, struct api_err *e)
{
	memset(out, 0, sizeof *out);
	return api_request_as("GET", "/v1/orders/", order_id, "/documents", NULL, NULL,
			      bearer, job, parse_docs, out, e);
}
