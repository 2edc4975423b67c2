/*
 * docs.c - an order's documents: names, the upload link, the poll and the
 * scanner's drop folder (see docs.h).
 */
#include "docs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend.h"
#include "config.h"
#include "i18n.h"
#include "log.h"
#include "loop.h"
#include "now.h"
#include "picture.h"
#include "session.h"
#include "worker.h"
#include "xmem.h"

#define DOC_LIMIT (5L << 20)
#define NAME_MAX_LEN 200

static const char *const labels[][2] = {
	{"business_licence", N_("Business licence (stamped copy)")},
	{"agent_id_front", N_("Agent's ID card, portrait side")},
	{"agent_id_back", N_("Agent's ID card, emblem side")},
	{"seal_form", N_("Seal sample form")},
	{"id_front", N_("ID card, portrait side")},
	{"id_back", N_("ID card, emblem side")},
	{"signature_form", N_("Personal signature sample form")},
};

const char *
docs_label(const char *kind)
{
	for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++)
		if (strcmp(labels[i][0], kind) == 0)
			return labels[i][1];
	return N_("Document");
}

const char *
docs_sample_name(bool unit)
{
	return unit ? labels[3][1] : labels[6][1];
}

const char *
docs_sample_path(bool unit)
{
	return unit ? "/forms/seal-sample-unit.pdf"
		    : "/forms/signature-sample-person.pdf";
}

/* ---- the link ------------------------------------------------------------ */

struct link_job {
	struct job job;
	char order_id[API_ID_MAX];
	char idem[BACKEND_IDEM_KEY_LEN + 1];
	char bearer[API_SESSION_MAX];
	struct api_upload_link link;
	struct api_err err;
};

/* The customer's session, for an order another terminal made ("": none;
 * this terminal's own orders need none); taken on the UI thread. */
static void
take_bearer(char *buf, size_t len)
{
	const struct session *s = session_get();

	snprintf(buf, len, "%s", session_sms_valid(now_ms()) ? s->sms_session : "");
}

static const char *
bearer(const char *buf)
{
	return buf[0] != '\0' ? buf : NULL;
}

static void
link_run(struct job *job)
{
	struct link_job *l = (struct link_job *)job;

	api_upload_link(l->order_id, l->idem, bearer(l->bearer), job, &l->link, &l->err);
}

static void
docs_release(struct job *job)
{
	/* The link is a secret; the lists are the customer's. */
	wipe_free(job);
}

struct job *
docs_link_job(const char *order_id, const char *idem)
{
	struct link_job *l = xcalloc(1, sizeof *l);

	job_init(&l->job, "upload-link", link_run, docs_release);
	snprintf(l->order_id, sizeof l->order_id, "%s", order_id);
	snprintf(l->idem, sizeof l->idem, "%s", idem);
	take_bearer(l->bearer, sizeof l->bearer);
	l->err.err = BACKEND_CANCELLED;
	return &l->job;
}

const struct api_upload_link *
docs_link(const struct job *job, const struct api_err **e)
{
	const struct link_job *l = (const struct link_job *)job;

	*e = &l->err;
	return &l->link;
}

/* ---- the poll and the scanner's folder ------------------------------------ */

struct poll_job {
	struct job job;
	char order_id[API_ID_MAX];
	char bearer[API_SESSION_MAX];
	char path[API_URL_MAX];
	char dir[4096];
	char next[API_DOC_KIND_MAX];
	time_t since;
	struct api_documents docs;
	struct api_err err;
	int scanned;
	char too_large[NAME_MAX_LEN + 1];
	struct docs_thumb have[API_DOCS_MAX]; /* keys only */
	int nhave;
	struct docs_thumb thumbs[API_DOCS_MAX];
	int nthumbs;
};

/* The kind a scanned file goes as: its name's, else the one asked for. */
static const char *
scan_kind(const char *name, const char *next)
{
	for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++) {
		size_t n = strlen(labels[i][0]);

		if (strncmp(name, labels[i][0], n) == 0 &&
		    strchr(".-_ ", name[n]) != NULL && name[n] != '\0')
			return labels[i][0];
	}
	return next[0] != '\0' ? next : NULL;
}

static void
set_aside(struct poll_job *p, int dfd, const char *name, const char *why)
{
	char to[NAME_MAX_LEN + 16];

	snprintf(to, sizeof to, "%s.refused", name);
	if (renameat(dfd, name, dfd, to) != 0)
		unlinkat(dfd, name, 0);
	log_warn("scanner: %s not taken for order %s: %s", name, p->order_id, why);
}

/* Read one file (at most DOC_LIMIT + 1 bytes) and send it. */
static void
scan_one(struct poll_job *p, int dfd, const char *name, const char *kind, off_t size)
{
	unsigned char *data;
	ssize_t got = 0, r;
	long status;
	int fd;

	if (size > DOC_LIMIT) {
		/* a longer file name is shown cut */
		if (snprintf(p->too_large, sizeof p->too_large, "%s", name) >=
		    (int)sizeof p->too_large)
			p->too_large[sizeof p->too_large - 1] = '\0';
		set_aside(p, dfd, name, "larger than 5 MiB");
		return;
	}
	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return;
	data = xmalloc((size_t)size + 1);
	while (got < size && (r = read(fd, data + got, (size_t)(size - got))) > 0)
		got += r;
	close(fd);
	if (got != size) {
		wipe_free(data);
		return; /* still being written: the next look */
	}
	status = backend_upload(p->path, kind, name, data, (size_t)size, &p->job);
	secure_wipe(data, (size_t)size);
	free(data);
	if (status == 200) {
		unlinkat(dfd, name, 0);
		p->scanned++;
		log_info("scanner: %s uploaded to order %s as %s", name, p->order_id,
			 kind);
	} else if (status == 413 || status == 415) {
		set_aside(p, dfd, name,
			  status == 415 ? "not JPEG, PNG or PDF" : "too large");
	} else {
		log_warn("scanner: %s for order %s: HTTP %ld; tried again", name,
			 p->order_id, status);
	}
}

static void
scan_folder(struct poll_job *p)
{
	DIR *d = opendir(p->dir);
	struct dirent *e;
	time_t now = time(NULL);

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL && !job_cancelled(&p->job)) {
		const char *name = e->d_name, *kind;
		size_t n = strlen(name);
		struct stat st;

		if (name[0] == '.' || n > NAME_MAX_LEN ||
		    (n > 8 && strcmp(name + n - 8, ".refused") == 0))
			continue;
		if (fstatat(dirfd(d), name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		/* An earlier customer's page is never this order's; a file
		 * written this very second may not be whole yet. */
		if (st.st_mtime < p->since || st.st_mtime >= now)
			continue;
		kind = scan_kind(name, p->next);
		if (kind != NULL)
			scan_one(p, dirfd(d), name, kind, st.st_size);
	}
	closedir(d);
}

bool
docs_thumb_of(const struct docs_thumb *t, const struct api_document *d)
{
	return strcmp(t->kind, d->kind) == 0 && t->created == d->created &&
	       t->size == d->size;
}

/* The preview of each picture that came since the last look.  Its bytes
 * (an ID card) are wiped as soon as it is made. */
static void
previews(struct poll_job *p)
{
	for (int i = 0; i < p->docs.n && !job_cancelled(&p->job); i++) {
		const struct api_document *d = &p->docs.docs[i];
		struct docs_thumb *t = &p->thumbs[p->nthumbs];
		struct api_err e;
		bool seen = false;
		char *data;
		size_t len;

		for (int k = 0; k < p->nhave; k++)
			seen |= docs_thumb_of(&p->have[k], d);
		if (seen || strncmp(d->mime, "image/", 6) != 0)
			continue;
		memset(t, 0, sizeof *t);
		/* t and d lie in the same job: a copy, not snprintf, which
		 * GCC at -O1 takes for an overlap. */
		memcpy(t->kind, d->kind, strnlen(d->kind, sizeof t->kind - 1));
		t->created = d->created;
		t->size = d->size;
		if (!api_document_file(p->order_id, d->kind, bearer(p->bearer), &p->job,
				       (size_t)PICTURE_MAX_BYTES, &data, &len, &e)) {
			if (e.err == BACKEND_CANCELLED || e.err == BACKEND_TIMEOUT ||
			    e.err == BACKEND_UNREACHABLE)
				continue; /* the next look tries again */
		} else {
			enum picture_err rc;
			unsigned w, h;

			rc = picture_preview((const unsigned char *)data, len,
					     DOCS_THUMB_COLS, DOCS_THUMB_ROWS, t->px, &w,
					     &h);
			t->shown = rc == PICTURE_OK;
			if (!t->shown)
				log_info("upload: order %s: no preview of %s (%ux%u): %s",
					 p->order_id, d->kind, w, h,
					 rc == PICTURE_LARGE ? "too large"
							     : "does not decode");
			secure_wipe(data, len);
		}
		wipe_free(data);
		p->nthumbs++;
	}
}

static void
poll_run(struct job *job)
{
	struct poll_job *p = (struct poll_job *)job;

	if (p->dir[0] != '\0' && p->path[0] != '\0')
		scan_folder(p);
	if (api_documents(p->order_id, bearer(p->bearer), job, &p->docs, &p->err))
		previews(p);
}

struct job *
docs_poll_job(const char *order_id, const char *upload_path, time_t since,
	      const char *next, const struct docs_thumb *have, int nhave)
{
	struct poll_job *p = xcalloc(1, sizeof *p);
	const struct config *cfg = loop_config();

	job_init(&p->job, "documents", poll_run, docs_release);
	snprintf(p->order_id, sizeof p->order_id, "%s", order_id);
	snprintf(p->path, sizeof p->path, "%s", upload_path);
	take_bearer(p->bearer, sizeof p->bearer);
	if (cfg != NULL && cfg->scan_dir != NULL)
		snprintf(p->dir, sizeof p->dir, "%s", cfg->scan_dir);
	snprintf(p->next, sizeof p->next, "%s", next != NULL ? next : "");
	p->since = since;
	for (int i = 0; i < nhave && i < API_DOCS_MAX; i++) {
		snprintf(p->have[i].kind, sizeof p->have[i].kind, "%s", have[i].kind);
		p->have[i].created = have[i].created;
		p->have[i].size = have[i].size;
		p->nhave++;
	}
	p->err.err = BACKEND_CANCELLED;
	return &p->job;
}

void
docs_polled(const struct job *job, struct docs_poll *out)
{
	const struct poll_job *p = (const struct poll_job *)job;

	out->docs = &p->docs;
	out->e = &p->err;
	out->scanned = p->scanned;
	out->too_large = p->too_large[0] != '\0' ? p->too_large : NULL;
	out->thumbs = p->thumbs;
	out->nthumbs = p->nthumbs;
}
