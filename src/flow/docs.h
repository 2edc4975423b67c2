/*
 * docs.h - the documents of an order (apply, reissue, change): what each
 * kind is called, and the worker's part of the upload step: the link for
 * the customer's phone, the list polled while they upload, and the files a
 * document scanner drops into a folder (config [kiosk] scan_dir).
 *
 * A scanned file is taken only when it appeared after the upload step
 * began (the folder may hold an earlier customer's pages: they are never
 * sent to this order), uploaded to this order's page as a phone would,
 * then removed; a file the backend refuses is renamed NAME.refused for the
 * staff.  Each is logged with the order it went to.  A file named after a
 * kind ("seal_form.png") goes as that kind; any other as the first kind
 * still missing, which the screen names as the one to scan next.
 */
#ifndef CAKIOSK_DOCS_H
#define CAKIOSK_DOCS_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "api.h"

struct job;

/* Message id naming a document kind ("Business licence"). */
const char *docs_label(const char *kind);
/* Message id of the sample form a subject prints, stamps and uploads. */
const char *docs_sample_name(bool unit);
/* Its path on the backend ("/forms/seal-sample-unit.pdf"). */
const char *docs_sample_path(bool unit);

/* POST upload-link for order_id (idem: the step's key). */
struct job *docs_link_job(const char *order_id, const char *idem);
/* The link, when the job worked (e->err BACKEND_OK). */
const struct api_upload_link *docs_link(const struct job *job, const struct api_err **e);

/* The small preview of an uploaded picture: DOCS_THUMB_COLS cells by
 * DOCS_THUMB_ROWS of half blocks (picture.h), beside its two lines. */
#define DOCS_THUMB_COLS 12
#define DOCS_THUMB_ROWS 2
struct docs_thumb {
	char kind[API_DOC_KIND_MAX]; /* the document it is of: kind, */
	int64_t created;             /* upload time */
	long size;                   /* and size */
	bool shown;                  /* a picture that decoded: px holds it */
	uint32_t px[DOCS_THUMB_COLS * 2 * DOCS_THUMB_ROWS];
};

/*
 * One look: the scanner's folder (when configured, with the link's path;
 * files since `since`, the kind to give unnamed ones `next`), then the
 * order's documents, then each JPEG or PNG among them not in have (nhave)
 * fetched and made into its preview.
 */
struct job *docs_poll_job(const char *order_id, const char *upload_path, time_t since,
			  const char *next, const struct docs_thumb *have, int nhave);
struct docs_poll {
	const struct api_documents *docs; /* valid when e->err is BACKEND_OK */
	const struct api_err *e;
	int scanned;           /* files the scanner's folder gave this time */
	const char *too_large; /* a scanned file over 5 MiB (its name), or NULL */
	const struct docs_thumb *thumbs; /* the previews made this time */
	int nthumbs;
};
/* Is thumb t of document d (the same upload)? */
bool docs_thumb_of(const struct docs_thumb *t, const struct api_document *d);
void docs_polled(const struct job *job, struct docs_poll *out);

#endif
