/*
 * upload.c - the step "documents from the phone": a QR code of the order's
 * upload page; each document shows here as it arrives (polled on the
 * worker, under dialogs too) with its kind and size, and a picture (JPEG,
 * PNG) with a small preview beside; what is missing is listed, a file the
 * page refused is said here as well.  The sample form is a second QR code, to
 * download.  A kiosk with a document scanner also takes the files its
 * scanner drops into the configured folder (docs.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "backend.h"
#include "config.h"
#include "docs.h"
#include "flow.h"
#include "i18n.h"
#include "keys.h"
#include "log.h"
#include "loop.h"
#include "qr.h"
#include "screen.h"
#include "session.h"
#include "steps.h"
#include "ui.h"
#include "worker.h"
#include "xmem.h"

#define POLL_MS 300 /* a document shows within a second of its upload */
#define K_SAMPLE 's'

enum up_state { UP_LINKING, UP_SHOWING, UP_FAILED };

struct up {
	const struct upload_param *p;
	enum up_state state;
	struct job *link_job, *poll_job;
	int64_t next_poll;
	bool polled, trouble, sample;
	struct api_upload_link link;
	struct qr qr, sample_qr;
	struct api_documents docs;
	long seen_refusal; /* refusals up to this id were there before */
	char refused[API_DOC_KIND_MAX];
	bool refused_large, refused_any;
	char scan_large[64];                    /* a scanned file over 5 MiB */
	struct docs_thumb thumbs[API_DOCS_MAX]; /* one a kind, the newest */
	int nthumbs;
	time_t since;
	const char *reason;
	char idem[BACKEND_IDEM_KEY_LEN + 1];
};

static void
up_link(struct up *s)
{
	s->state = UP_LINKING;
	s->link_job = docs_link_job(session_get()->order_id, s->idem);
	loop_submit(s->link_job);
}

static void *
up_enter(const void *arg)
{
	struct up *s = xcalloc(1, sizeof *s);
	const struct step *st = arg;

	s->p = st->param;
	s->since = time(NULL);
	backend_new_key(s->idem);
	up_link(s);
	return s;
}

static void
up_leave(void *state)
{
	struct up *s = state;

	qr_free(&s->qr);
	qr_free(&s->sample_qr);
	secure_wipe(s, sizeof *s);
	free(s);
}

static bool
scanner(void)
{
	const struct config *cfg = loop_config();

	return cfg != NULL && cfg->scan_dir != NULL && cfg->scan_dir[0] != '\0';
}

static const struct api_document *
have(const struct up *s, const char *kind)
{
	for (int i = 0; i < s->docs.n; i++)
		if (strcmp(s->docs.docs[i].kind, kind) == 0)
			return &s->docs.docs[i];
	return NULL;
}

static void
describe(const struct api_document *d, char *buf, size_t len)
{
	const char *type = strcmp(d->mime, "application/pdf") == 0 ? "PDF"
			   : strcmp(d->mime, "image/png") == 0     ? "PNG"
								   : "JPEG";

	if (d->size >= 1024 * 1024)
		snprintf(buf, len, _("Received: %s, %.1f MB"), type,
			 (double)d->size / (1024.0 * 1024.0));
	else
		snprintf(buf, len, _("Received: %s, %ld KB"), type,
			 (d->size + 1023) / 1024);
}

/* The preview of document d, when it is a picture that decoded. */
static const struct docs_thumb *
thumb(const struct up *s, const struct api_document *d)
{
	for (int i = 0; d != NULL && i < s->nthumbs; i++)
		if (docs_thumb_of(&s->thumbs[i], d) && s->thumbs[i].shown)
			return &s->thumbs[i];
	return NULL;
}

/* The documents, one label and one state line each, a picture's preview
 * at the right of its two lines; returns the next row. */
static int
draw_list(const struct up *s, int y, int x, int w, int bottom)
{
	char line[256];
	int missing = 0;

	for (int i = 0; i < s->link.ndocs && y + 1 < bottom; i++) {
		const char *kind = s->link.docs[i];
		const struct api_document *d = have(s, kind);
		const struct docs_thumb *t = thumb(s, d);
		int tw = w - 2;

		if (t != NULL && w >= 2 * DOCS_THUMB_COLS) {
			tw -= DOCS_THUMB_COLS + 1;
			ui_pixels(y, x + w - DOCS_THUMB_COLS, DOCS_THUMB_COLS,
				  DOCS_THUMB_ROWS, t->px);
		}
		ui_put(y, x, 2, d != NULL ? UI_OK : UI_WARN, d != NULL ? "✓" : "·");
		ui_put(y++, x + 2, tw, UI_TITLE, _(docs_label(kind)));
		if (d != NULL) {
			describe(d, line, sizeof line);
			ui_put(y++, x + 2, tw, UI_OK, line);
		} else {
			missing++;
			ui_put(y++, x + 2, w - 2, UI_DIM, _("Not received yet"));
		}
	}
	if (!s->polled)
		return y;
	if (missing > 0)
		snprintf(line, sizeof line, _("Still missing: %d of %d documents."),
			 missing, s->link.ndocs);
	else
		snprintf(line, sizeof line, "%s", _("All documents are in."));
	ui_put(y++, x, w, missing > 0 ? UI_ACCENT : UI_OK, line);
	return y;
}

static int
draw_refusal(const struct up *s, int y, int x, int w)
{
	char line[512];

	if (s->scan_large[0] != '\0') {
		snprintf(line, sizeof line,
			 _("The scanned file %s is larger than 5 MB and was not taken."),
			 s->scan_large);
		return y + ui_wrap((struct rect){y, x, 2, w}, UI_ERROR, line);
	}
	if (!s->refused_any)
		return y;
	if (s->refused_large)
		snprintf(line, sizeof line, "%s",
			 _("A file was refused: it is larger than 5 MB."));
	else
		snprintf(line, sizeof line,
			 _("The file for \"%s\" was refused: only JPEG, PNG or PDF are "
			   "accepted."),
			 _(docs_label(s->refused)));
	return y + ui_wrap((struct rect){y, x, 3, w}, UI_ERROR, line);
}

static void
draw_qr(const struct qr *qr, int y, int x, int h)
{
	for (int i = 0; i < qr->rows && i < h; i++)
		ui_put(y + i, x, qr->modules, UI_BUTTON, qr->lines[i]);
}

static void
draw_showing(struct up *s, struct rect b)
{
	const struct qr *qr = s->sample ? &s->sample_qr : &s->qr;
	int qx = b.x + 1, tx = qx + qr->modules + 2, tw = b.x + b.w - tx - 1;
	int y = b.y, bottom = b.y + b.h - 1;
	char line[256];

	if (qr->rows > b.h) {
		ui_wrap((struct rect){b.y + 1, b.x + 2, 3, b.w - 4}, UI_ERROR,
			_("The screen is too small for the QR code. Please ask the "
			  "staff."));
		return;
	}
	draw_qr(qr, b.y, qx, b.h);
	if (s->sample) {
		snprintf(line, sizeof line, _("Scan to download the %s."),
			 _(docs_sample_name(session_get()->unit)));
		y += ui_wrap((struct rect){y, tx, 2, tw}, UI_TITLE, line) + 1;
		ui_wrap((struct rect){y, tx, 4, tw}, UI_NORMAL,
			_("Print it, stamp or sign it, then photograph or scan it and "
			  "upload it with the other documents."));
		ui_button(bottom, tx, _("Back to the upload code"), K_SAMPLE, true);
		return;
	}
	y += ui_wrap((struct rect){y, tx, 2, tw}, UI_TITLE,
		     _("Scan with your phone to upload the documents.")) +
	     1;
	if (scanner() && s->docs.nmissing > 0) {
		snprintf(line, sizeof line,
			 _("Or put it on the scanner: next is the %s."),
			 _(docs_label(s->docs.missing[0])));
		y += ui_wrap((struct rect){y, tx, 2, tw}, UI_ACCENT, line);
	}
	y = draw_list(s, y, tx, tw, bottom - 2);
	y = draw_refusal(s, y, tx, tw);
	if (s->trouble)
		ui_put(y, tx, tw, UI_WARN, _("The connection is slow; still checking."));
	if (s->polled && s->docs.nmissing == 0) {
		tx += ui_button(bottom, tx, _(s->p->next), K_ENTER, true) + 1;
	} else {
		ui_put(bottom - 1, tx, tw, UI_DIM, _("JPEG, PNG or PDF, 5 MB at most."));
		tx += ui_button(bottom, tx, _("Sample form"), K_SAMPLE, false) + 1;
	}
	ui_button(bottom, tx, _("Back"), K_ESC, false);
}

static void
up_draw(void *state)
{
	struct up *s = state;
	struct rect b = ui_body();
	char line[256];
	int x = b.x + 2, w = b.w - 4;

	switch (s->state) {
	case UP_LINKING:
		ui_put_center(
			b.y + b.h / 2, b, UI_ACCENT,
			ui_busy(line, sizeof line, _("Preparing the upload page...")));
		break;
	case UP_SHOWING:
		draw_showing(s, b);
		break;
	case UP_FAILED:
		ui_wrap((struct rect){b.y + 1, x, 3, w}, UI_ERROR, _(s->reason));
		x += ui_button(b.y + 5, x, _("Try again"), K_ENTER, true) + 2;
		ui_button(b.y + 5, x, _("Back"), K_ESC, false);
		break;
	}
}

static struct result
up_key(void *state, int key)
{
	struct up *s = state;

	if (key == K_ESC)
		return RESULT_FLOW(FLOW_BACK);
	if (s->state == UP_FAILED && key == K_ENTER) {
		up_link(s);
		return RESULT(ACT_REDRAW);
	}
	if (s->state != UP_SHOWING)
		return RESULT(ACT_NONE);
	if (key == K_SAMPLE && s->sample_qr.rows > 0) {
		s->sample = !s->sample;
		return RESULT(ACT_REDRAW);
	}
	if (key == K_ENTER && s->sample) {
		s->sample = false;
		return RESULT(ACT_REDRAW);
	}
	if (key == K_ENTER && s->polled && s->docs.nmissing == 0)
		return RESULT_FLOW(FLOW_NEXT);
	return RESULT(ACT_NONE);
}

/* The sample form's link: the upload page's origin, the form's path. */
static void
make_sample(struct up *s)
{
	char url[API_URL_MAX];
	size_t origin = strlen(s->link.url) - strlen(s->link.path);

	snprintf(url, sizeof url, "%.*s%s", (int)origin, s->link.url,
		 docs_sample_path(session_get()->unit));
	qr_free(&s->sample_qr);
	qr_make(url, &s->sample_qr);
}

static struct result
linked(struct up *s, struct job *job)
{
	const struct api_err *e;
	const struct api_upload_link *l = docs_link(job, &e);

	if (e->err != BACKEND_OK) {
		s->reason = api_reason(e);
		s->state = UP_FAILED;
		return RESULT(ACT_REDRAW);
	}
	s->link = *l;
	qr_free(&s->qr);
	if (qr_make(s->link.url, &s->qr) != 0) {
		s->reason = backend_err_reason(BACKEND_GARBAGE, NULL);
		s->state = UP_FAILED;
		return RESULT(ACT_REDRAW);
	}
	make_sample(s);
	log_info("upload: link for order %s (%d documents)", session_get()->order_id,
		 s->link.ndocs);
	s->state = UP_SHOWING;
	s->next_poll = loop_now();
	return RESULT(ACT_REDRAW);
}

/* What arrived since the last look, for the log and the screen. */
static void
take_refusals(struct up *s, const struct api_documents *d)
{
	for (int i = 0; i < d->nrefused; i++) {
		const struct api_refusal *r = &d->refused[i];

		if (r->id <= s->seen_refusal)
			continue;
		s->seen_refusal = r->id;
		if (!s->polled)
			continue; /* before this visit of the step */
		s->refused_any = true;
		s->refused_large = r->too_large;
		snprintf(s->refused, sizeof s->refused, "%s", r->kind);
		log_info("upload: order %s: a file for %s refused (%s)",
			 session_get()->order_id, r->kind[0] ? r->kind : "-",
			 r->too_large ? "too large" : "not JPEG, PNG or PDF");
	}
}

static struct result
polled(struct up *s, struct job *job)
{
	struct docs_poll p;

	docs_polled(job, &p);
	s->next_poll = loop_now() + POLL_MS;
	if (p.too_large != NULL)
		snprintf(s->scan_large, sizeof s->scan_large, "%s", p.too_large);
	if (p.e->err != BACKEND_OK) {
		s->trouble = p.e->err != BACKEND_CANCELLED;
		return RESULT(ACT_REDRAW);
	}
	s->trouble = false;
	for (int i = 0; i < p.docs->n; i++)
		if (have(s, p.docs->docs[i].kind) == NULL)
			log_info("upload: order %s: %s arrived (%s, %ld bytes)",
				 session_get()->order_id, p.docs->docs[i].kind,
				 p.docs->docs[i].mime, p.docs->docs[i].size);
	take_refusals(s, p.docs);
	/* The newest preview of each kind (a kind uploaded again replaces). */
	for (int i = 0; i < p.nthumbs; i++) {
		int k = 0;

		while (k < s->nthumbs && strcmp(s->thumbs[k].kind, p.thumbs[i].kind) != 0)
			k++;
		if (k == API_DOCS_MAX)
			continue;
		s->thumbs[k] = p.thumbs[i];
		if (k == s->nthumbs)
			s->nthumbs++;
	}
	/* A new document clears what was said about a refused one. */
	if (p.docs->n > s->docs.n && s->polled)
		s->refused_any = false;
	s->docs = *p.docs;
	s->polled = true;
	return RESULT(ACT_REDRAW);
}

static struct result
up_job_done(void *state, struct job *job)
{
	struct up *s = state;

	if (job == s->link_job) {
		s->link_job = NULL;
		return linked(s, job);
	}
	if (job == s->poll_job) {
		s->poll_job = NULL;
		return polled(s, job);
	}
	return RESULT(ACT_NONE);
}

static struct result
up_tick(void *state, int64_t now)
{
	struct up *s = state;

	if (s->state == UP_LINKING)
		return RESULT(ACT_REDRAW);
	if (s->state != UP_SHOWING || s->poll_job != NULL || now < s->next_poll)
		return RESULT(ACT_NONE);
	s->poll_job = docs_poll_job(session_get()->order_id, s->link.path, s->since,
				    s->docs.nmissing > 0 ? s->docs.missing[0] : NULL,
				    s->thumbs, s->nthumbs);
	loop_submit(s->poll_job);
	return RESULT(ACT_NONE);
}

static unsigned
up_footer(void *state)
{
	const struct up *s = state;

	if (s->state == UP_SHOWING && s->polled && s->docs.nmissing == 0)
		return FOOT_ENTER | FOOT_ESC;
	return s->state == UP_FAILED ? FOOT_ENTER | FOOT_ESC : FOOT_ESC;
}

const struct screen_ops screen_step_upload = {
	.name = "step-upload",
	.title = N_("Upload documents"),
	.help = N_("Scan the code with your phone: a page opens where you choose "
		   "a photo or scan of each document. Each one shows here as soon as "
		   "it arrives. S shows the code of the sample form to download. Esc "
		   "goes back; what was uploaded is kept."),
	.footer = FOOT_ESC,
	.enter = up_enter,
	.leave = up_leave,
	.draw = up_draw,
	.key = up_key,
	.tick = up_tick,
	.job_done = up_job_done,
	.steps = flow_steps,
	.title_now = flow_title,
	.footer_now = up_footer,
};
