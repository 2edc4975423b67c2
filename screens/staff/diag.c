/*
 * diag.c - counter staff's UKey diagnostics: every UKey present, with its
 * vendor and module, label, serial, whether it is initialized, the PIN and
 * SO-PIN state and the PIN limits, the objects it holds (certificates with
 * their key types and days left, keys, data objects such as the seal), and
 * the backend's view of it (escrowed, its owner, the certificates written
 * onto it and their orders).  Enter reads again; Esc goes back.
 *
 * Opened from the staff screen with the staff session ("" offline: the
 * token alone).  Read on the worker; nothing on the token is changed and
 * no login is made (private objects stay hidden).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_personal.h"
#include "i18n.h"
#include "keys.h"
#include "loop.h"
#include "screen.h"
#include "token.h"
#include "token_job.h"
#include "ui.h"
#include "worker.h"
#include "xmem.h"

/* The backend's view of one token, as a job. */
struct view_job {
	struct job job;
	char serial[TOKEN_TEXT_MAX];
	char session[API_SESSION_MAX];
	struct api_token_view view;
	struct api_err err;
};

#define OBJ_MAX 8
#define READERS_MAX 16

/* Every reader (slot) of the loaded modules, as a job. */
struct readers_job {
	struct job job;
	struct token_reader r[READERS_MAX];
	size_t n;
};

/* What is shown of the first UKey present, copied out of the read. */
struct shown {
	int vendor;
	char label[TOKEN_TEXT_MAX], manufacturer[TOKEN_TEXT_MAX], model[TOKEN_TEXT_MAX];
	char serial[TOKEN_TEXT_MAX];
	char ref_serial[TOKEN_TEXT_MAX];
	bool initialized;
	enum token_pin_state pin, so_pin;
	unsigned long min_pin, max_pin;
	size_t ncerts, nkeys, ndata;
	struct token_cert certs[OBJ_MAX]; /* der NULL: not kept */
	struct token_key keys[OBJ_MAX];
	struct token_data data[OBJ_MAX]; /* value NULL: not kept */
};

struct diag {
	char session[API_SESSION_MAX];
	struct job *read, *ask, *readers; /* running, or NULL */
	struct token_reader reader[READERS_MAX];
	size_t nreaders; /* may exceed READERS_MAX */
	enum token_err err;
	struct shown info; /* the first UKey present */
	size_t ntokens;
	bool have_view;
	struct api_token_view view;
	const char *view_problem; /* message id, or NULL */
	int top;                  /* first line shown (scrolling) */
};

static void
view_run(struct job *job)
{
	struct view_job *v = (struct view_job *)job;

	api_token_get(v->serial, v->session, job, &v->view, &v->err);
	secure_wipe(v->session, sizeof v->session);
}

static void
view_release(struct job *job)
{
	wipe_free(job);
}

static void
readers_run(struct job *job)
{
	struct readers_job *j = (struct readers_job *)job;

	j->n = token_readers(j->r, READERS_MAX);
}

static void
readers_release(struct job *job)
{
	free(job);
}

static void
diag_read(struct diag *s)
{
	struct readers_job *j = xcalloc(1, sizeof *j);

	s->have_view = false;
	s->view_problem = NULL;
	s->read = token_job_read_all(0);
	loop_submit(s->read);
	job_init(&j->job, "readers", readers_run, readers_release);
	s->readers = &j->job;
	loop_submit(s->readers);
}

static void *
diag_enter(const void *arg)
{
	struct diag *s = xcalloc(1, sizeof *s);

	snprintf(s->session, sizeof s->session, "%s", arg ? (const char *)arg : "");
	diag_read(s);
	return s;
}

static void
diag_leave(void *state)
{
	struct diag *s = state;

	secure_wipe(s, sizeof *s);
	free(s);
}

static const char *
pin_state(enum token_pin_state p)
{
	switch (p) {
	case TOKEN_PIN_OK:
		return N_("set, no wrong tries");
	case TOKEN_PIN_COUNT_LOW:
		return N_("wrong tries on record");
	case TOKEN_PIN_FINAL_TRY:
		return N_("one try left");
	case TOKEN_PIN_LOCKED:
		return N_("locked");
	case TOKEN_PIN_NOT_SET:
		break;
	}
	return N_("not set");
}

static const char *
key_type(enum token_key_type t)
{
	return t == TOKEN_KEY_RSA ? "RSA" : t == TOKEN_KEY_EC ? "EC" : "?";
}

/* One line of the page, if it is in the window: y advances either way. */
static void
line_at(struct diag *s, struct rect r, int *y, int color, const char *text)
{
	int row = *y - s->top;

	if (row >= 0 && row < r.h)
		ui_put(r.y + row, r.x, r.w, color, text);
	(*y)++;
}

static void
draw_token(struct diag *s, struct rect r, int *y)
{
	const struct shown *t = &s->info;
	const char *vendor = token_vendor_name(t->vendor);
	char line[600], v[300];

	snprintf(v, sizeof v, "%s / %s / %s", vendor ? vendor : "-", t->manufacturer,
		 t->model);
	line_at(s, r, y, UI_NORMAL, ui_labelled(line, sizeof line, _("Vendor:"), v));
	snprintf(v, sizeof v, "%s  (%s)", t->serial, t->label);
	line_at(s, r, y, UI_NORMAL, ui_labelled(line, sizeof line, _("Serial:"), v));
	line_at(s, r, y, t->initialized ? UI_NORMAL : UI_WARN,
		t->initialized ? _("Initialized.") : _("Blank: not initialized."));
	snprintf(v, sizeof v, "%s; %s %s; %lu-%lu", _(pin_state(t->pin)), _("SO PIN:"),
		 _(pin_state(t->so_pin)), t->min_pin, t->max_pin);
	line_at(s, r, y, t->pin == TOKEN_PIN_LOCKED ? UI_ERROR : UI_NORMAL,
		ui_labelled(line, sizeof line, _("PIN:"), v));
	for (size_t i = 0; i < t->ncerts; i++) {
		const struct token_cert *c = &t->certs[i];

		snprintf(line, sizeof line,
			 _("Certificate %s: %s %d, %s, %d days left%s"), c->serial_hex,
			 key_type(c->key_type), c->key_bits, c->subject_cn, c->days_left,
			 c->has_private_key ? "" : _(" (no key)"));
		line_at(s, r, y, c->expired ? UI_WARN : UI_NORMAL, line);
	}
	for (size_t i = 0; i < t->nkeys; i++) {
		snprintf(line, sizeof line, _("Key %s: %s %d%s"), t->keys[i].label,
			 key_type(t->keys[i].key_type), t->keys[i].key_bits,
			 t->keys[i].has_cert ? "" : _(" (no certificate)"));
		line_at(s, r, y, UI_NORMAL, line);
	}
	for (size_t i = 0; i < t->ndata; i++) {
		snprintf(line, sizeof line, _("Data object %s (%s): %zu bytes"),
			 t->data[i].label, t->data[i].application, t->data[i].size);
		line_at(s, r, y, UI_NORMAL, line);
	}
	if (t->ncerts + t->nkeys + t->ndata == 0)
		line_at(s, r, y, UI_DIM,
			_("No objects (private ones show after a login)."));
}

static void
draw_view(struct diag *s, struct rect r, int *y)
{
	const struct api_token_view *v = &s->view;
	char line[600], buf[300];

	(*y)++;
	if (s->ask != NULL) {
		line_at(s, r, y, UI_ACCENT,
			ui_busy(line, sizeof line, _("Asking the backend...")));
		return;
	}
	if (!s->have_view) {
		line_at(s, r, y, UI_DIM,
			_(s->view_problem ? s->view_problem
					  : N_("The backend's view needs a staff login "
					       "with the backend.")));
		return;
	}
	snprintf(line, sizeof line, "%s %s", _("Backend:"),
		 v->escrowed ? _("SO PIN escrowed.") : _("SO PIN not escrowed."));
	line_at(s, r, y, UI_NORMAL, line);
	if (v->has_owner) {
		char id[64];
		size_t n = strlen(v->owner_id);

		/* Masked as everywhere on a screen: the first six and the last
		 * four (a staff screen is still seen over a shoulder). */
		if (n > 10 && n < sizeof v->owner_id)
			snprintf(id, sizeof id, "%.6s%.*s%s", v->owner_id, (int)(n - 10),
				 "********************", &v->owner_id[n - 4]);
		else
			snprintf(id, sizeof id, "%s", n > 10 ? "" : v->owner_id);
		snprintf(line, sizeof line, "%s %s %s", _("Owner:"),
			 v->owner_unit ? _("unit") : _("person"), id);
		line_at(s, r, y, UI_NORMAL, line);
	}
	if (v->unlock_pending)
		line_at(s, r, y, UI_WARN, _("An unlock of this UKey is under way."));
	for (int i = 0; i < v->ncerts; i++) {
		snprintf(line, sizeof line, _("Issued onto it: %s (%s)"),
			 v->certs[i].serial, v->certs[i].status);
		line_at(s, r, y, UI_NORMAL, line);
		if (v->certs[i].order_id[0] == '\0')
			continue;
		snprintf(buf, sizeof buf, _("Order %s: %s"), v->certs[i].order_id,
			 v->certs[i].order_state);
		snprintf(line, sizeof line, "  %s", buf);
		line_at(s, r, y, UI_NORMAL, line);
	}
	for (int i = 0; i < v->norders; i++) {
		snprintf(line, sizeof line, _("Order %s: %s, %s"), v->orders[i].id,
			 v->orders[i].kind, v->orders[i].state);
		line_at(s, r, y, UI_NORMAL, line);
	}
}

/* The readers: each slot of each module, a UKey in it or empty. */
static void
draw_readers(struct diag *s, struct rect r, int *y)
{
	char line[400];

	snprintf(line, sizeof line, _("Readers: %zu"), s->nreaders);
	line_at(s, r, y, UI_DIM, line);
	for (size_t i = 0; i < s->nreaders && i < READERS_MAX; i++) {
		const struct token_reader *d = &s->reader[i];

		snprintf(line, sizeof line, "  %s (%s): %s", d->description, d->module,
			 d->present ? _("a UKey is in it") : _("empty"));
		line_at(s, r, y, d->present ? UI_NORMAL : UI_DIM, line);
	}
}

static void
diag_draw(void *state)
{
	struct diag *s = state;
	struct rect b = ui_body();
	struct rect r = {b.y + 1, b.x + 2, b.h - 3, b.w - 4};
	char line[256];
	int y = 0;

	if (s->read != NULL) {
		ui_put(r.y, r.x, r.w, UI_ACCENT,
		       ui_busy(line, sizeof line, _("Reading the UKey...")));
		return;
	}
	if (s->err != TOKEN_OK) {
		y += ui_wrap((struct rect){r.y, r.x, 3, r.w}, UI_ERROR,
			     _(token_err_reason(s->err, -1)));
		draw_readers(s, r, &y);
	} else {
		snprintf(line, sizeof line, _("UKeys present: %zu"), s->ntokens);
		line_at(s, r, &y, UI_DIM, line);
		draw_token(s, r, &y);
		draw_view(s, r, &y);
		draw_readers(s, r, &y);
	}
	ui_button(b.y + b.h - 1, r.x, _("Read again"), K_ENTER, false);
}

static struct result
diag_key(void *state, int key)
{
	struct diag *s = state;

	if (key == K_ESC)
		return RESULT(ACT_POP);
	if (key == K_DOWN || key == K_UP) {
		s->top += key == K_DOWN ? 1 : -1;
		s->top = s->top < 0 ? 0 : s->top;
		return RESULT(ACT_REDRAW);
	}
	if (key == K_ENTER && s->read == NULL && s->ask == NULL && s->readers == NULL) {
		diag_read(s);
		return RESULT(ACT_REDRAW);
	}
	return RESULT(ACT_NONE);
}

/* The read goes with its job: what is shown is copied out. */
static void
shown_from(struct shown *o, const struct token_info *t)
{
	memset(o, 0, sizeof *o);
	o->vendor = t->vendor;
	memcpy(o->label, t->label, sizeof o->label);
	memcpy(o->manufacturer, t->manufacturer, sizeof o->manufacturer);
	memcpy(o->model, t->model, sizeof o->model);
	memcpy(o->serial, t->serial, sizeof o->serial);
	memcpy(o->ref_serial, t->ref.serial, sizeof o->ref_serial);
	o->initialized = t->initialized;
	o->pin = t->pin;
	o->so_pin = t->so_pin;
	o->min_pin = t->min_pin;
	o->max_pin = t->max_pin;
	for (size_t i = 0; i < t->ncerts && o->ncerts < OBJ_MAX; i++) {
		o->certs[o->ncerts] = t->certs[i];
		o->certs[o->ncerts++].der = NULL;
	}
	for (size_t i = 0; i < t->nkeys && o->nkeys < OBJ_MAX; i++)
		o->keys[o->nkeys++] = t->keys[i];
	for (size_t i = 0; i < t->ndata && o->ndata < OBJ_MAX; i++) {
		o->data[o->ndata] = t->data[i];
		o->data[o->ndata++].value = NULL;
	}
}

static struct result
diag_done(void *state, struct job *job)
{
	struct diag *s = state;
	struct view_job *v;

	if (job == s->readers) {
		struct readers_job *j = (struct readers_job *)job;

		s->readers = NULL;
		memcpy(s->reader, j->r, sizeof s->reader);
		s->nreaders = j->n;
		return RESULT(ACT_REDRAW);
	}
	if (job == s->ask) {
		v = (struct view_job *)job;
		s->ask = NULL;
		s->have_view = v->err.err == BACKEND_OK;
		s->view = v->view;
		if (api_refused(&v->err, "unknown_token"))
			s->view_problem = N_("The backend does not know this UKey.");
		else if (!s->have_view)
			s->view_problem = api_reason(&v->err);
		return RESULT(ACT_REDRAW);
	}
	if (job != s->read)
		return RESULT(ACT_NONE);
	s->read = NULL;
	s->err = token_job_err(job);
	s->ntokens = token_job_ninfo(job);
	if (s->err == TOKEN_OK && s->ntokens == 0)
		s->err = TOKEN_ERR_NONE;
	if (s->err != TOKEN_OK)
		return RESULT(ACT_REDRAW);
	shown_from(&s->info, token_job_info(job, 0));
	if (s->session[0] != '\0' && s->info.serial[0] != '\0') {
		v = xcalloc(1, sizeof *v);
		job_init(&v->job, "token-view", view_run, view_release);
		snprintf(v->serial, sizeof v->serial, "%s", s->info.ref_serial);
		snprintf(v->session, sizeof v->session, "%s", s->session);
		s->ask = &v->job;
		loop_submit(s->ask);
	}
	return RESULT(ACT_REDRAW);
}

static struct result
diag_tick(void *state, int64_t now)
{
	struct diag *s = state;

	(void)now;
	return s->read != NULL || s->ask != NULL || s->readers != NULL
		       ? RESULT(ACT_REDRAW)
		       : RESULT(ACT_NONE);
}

static struct result
diag_tokens(void *state)
{
	struct diag *s = state;

	/* A UKey put in or taken out: read again. */
	if (s->read == NULL && s->ask == NULL && s->readers == NULL)
		diag_read(s);
	return RESULT(ACT_REDRAW);
}

const struct screen_ops screen_staff_diag = {
	.name = "staff-diag",
	.title = N_("UKey diagnostics"),
	.help = N_("What the inserted UKey holds, the readers attached, and what the "
		   "backend knows of the UKey. "
		   "Up and Down scroll; Enter reads again; Esc goes back."),
	.flags = SCREEN_STAFF,
	.footer = FOOT_ENTER | FOOT_ESC,
	.enter = diag_enter,
	.leave = diag_leave,
	.draw = diag_draw,
	.key = diag_key,
	.tick = diag_tick,
	.job_done = diag_done,
	.tokens = diag_tokens,
};
