/*
 * check.c - "Check my UKey": what the inserted UKey holds, in plain words.
 *
 * The vendor, each certificate's name, purpose, validity and days left, the
 * electronic seal, the PIN state, and which services apply.  Opened from the
 * menu, or by itself when a UKey is inserted at the welcome or menu screen.
 * Reading runs on the worker (a real card is slow): the screen keeps moving
 * and Esc cancels.  What was read is copied into this screen's own view and
 * wiped when it closes.  The CA is asked whether a paid renewal of this UKey
 * was left unfinished (pulled while it was written, at any kiosk); if so,
 * the kiosk offers to finish it at once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "flow.h"
#include "i18n.h"
#include "keys.h"
#include "loop.h"
#include "offer.h"
#include "presence.h"
#include "renew.h"
#include "rules.h"
#include "screen.h"
#include "seal.h"
#include "service.h"
#include "text.h"
#include "token.h"
#include "token_job.h"
#include "token_watch.h"
#include "ui.h"
#include "worker.h"
#include "xmem.h"

/* The services this UKey's PIN state offers (the bottom row's buttons). */
#define K_UNLOCK K_ITEM(0)
#define K_PINCHANGE K_ITEM(1)

#define MAX_CERTS 4
#define SEAL_COLS 14 /* preview: 14 columns, 7 rows = 14 x 14 pixels */
#define SEAL_ROWS 7

enum check_state { CK_WAIT, CK_MANY, CK_READING, CK_SHOWN, CK_FAILED };

struct cert_view {
	enum token_usage usage;
	char cn[TOKEN_NAME_MAX];
	char org[TOKEN_NAME_MAX];
	char issuer[TOKEN_NAME_MAX];
	time_t not_before, not_after;
	int days_left;
	bool expired;
	enum token_key_type key_type;
	int key_bits;
	bool has_key;
};

struct check {
	enum check_state state;
	struct job *job;
	struct job *ask; /* the CA: an unfinished paid renewal of this UKey? */
	bool resume;
	unsigned generation; /* watcher generation the view belongs to */
	enum token_err err;
	/* The view: copied out of the job's result, wiped on leave. */
	char vendor[TOKEN_NAME_MAX];
	char label[TOKEN_TEXT_MAX];
	char model[TOKEN_TEXT_MAX];
	char serial[TOKEN_TEXT_MAX];
	enum token_pin_state pin;
	int tries_left;
	bool pinpad;
	struct cert_view certs[MAX_CERTS];
	int ncerts;
	bool has_seal;
	char seal_holder[SEAL_NAME_MAX];
	time_t seal_end;
	bool seal_bound;
	enum seal_sig seal_sig;
	bool seal_picture;
	uint32_t seal_px[SEAL_COLS * SEAL_ROWS * 2];
};

/* Look at what is inserted now and act on it. */
static struct result
check_follow(struct check *c)
{
	static const enum check_state state[] = {
		[PRESENCE_NONE] = CK_WAIT,
		[PRESENCE_MANY] = CK_MANY,
		[PRESENCE_READING] = CK_READING,
	};

	if (c->ask != NULL) {
		job_cancel(c->ask);
		c->ask = NULL;
	}
	c->resume = false;
	/* Values too: the seal is a data object the customer wants to see. */
	c->state = state[presence_follow(&c->job, TOKEN_READ_VALUES, &c->generation)];
	return RESULT(ACT_REDRAW);
}

static void *
check_enter(const void *arg)
{
	struct check *c = xcalloc(1, sizeof *c);

	(void)arg;
	check_follow(c);
	return c;
}

static void
check_leave(void *state)
{
	struct check *c = state;

	/* The loop has cancelled a running read; drop what we showed. */
	secure_wipe(c, sizeof *c);
	free(c);
}

static const char *
pin_text(const struct check *c, int *color)
{
	*color = UI_NORMAL;
	if (c->pinpad)
		return _("The PIN is typed on the reader's own keypad.");
	switch (c->pin) {
	case TOKEN_PIN_OK:
		*color = UI_OK;
		return _("PIN: fine, no wrong tries.");
	case TOKEN_PIN_COUNT_LOW:
		*color = UI_WARN;
		return _("PIN: wrong PINs were typed before; be careful.");
	case TOKEN_PIN_FINAL_TRY:
		*color = UI_ERROR;
		return _("PIN: one more wrong PIN locks this UKey.");
	case TOKEN_PIN_LOCKED:
		*color = UI_ERROR;
		return _("PIN: locked after too many wrong tries.");
	case TOKEN_PIN_NOT_SET:
		*color = UI_WARN;
		return _("PIN: not set; this UKey is blank. Please ask the staff.");
	}
	return "";
}

static const char *
usage_text(enum token_usage u)
{
	switch (u) {
	case TOKEN_USAGE_SIGN:
		return _("Signing certificate");
	case TOKEN_USAGE_ENCRYPT:
		return _("Encryption certificate");
	case TOKEN_USAGE_BOTH:
		break;
	}
	return _("Certificate");
}

static int
draw_cert(const struct cert_view *v, int y, struct rect b)
{
	char line[512], from[16], to[16], days[128];
	int x = b.x + 2;
	/* Warned when renewal is open: the one rule, in seconds. */
	bool due = rules_renew_at(v->not_after, time(NULL)) == RENEW_DUE;
	int color = v->expired ? UI_ERROR : due ? UI_WARN : UI_OK;

	snprintf(line, sizeof line, "%s  %s", usage_text(v->usage), v->cn);
	ui_put(y, b.x, b.w, UI_TITLE, line);
	if (v->org[0] != '\0' && strcmp(v->org, v->cn) != 0)
		ui_put(y + 1, x, b.w - 2, UI_NORMAL, v->org);
	else
		y--;
	ui_date(v->not_before, from, sizeof from);
	ui_date(v->not_after, to, sizeof to);
	if (v->expired)
		snprintf(days, sizeof days, _("expired %d days ago"), -v->days_left);
	else
		snprintf(days, sizeof days, _("%d days left"), v->days_left);
	snprintf(line, sizeof line, _("Valid %s to %s, "), from, to);
	int w = ui_put(y + 2, x, b.w - 2, UI_NORMAL, line);
	ui_put(y + 2, x + w, b.w - 2 - w, color, days);
	snprintf(line, sizeof line, "%s %d · %s %s · %s",
		 v->key_type == TOKEN_KEY_EC    ? "EC"
		 : v->key_type == TOKEN_KEY_RSA ? "RSA"
						: "?",
		 v->key_bits, _("issued by"), v->issuer,
		 v->has_key ? _("private key on the UKey")
			    : _("no private key on the UKey"));
	ui_put(y + 3, x, b.w - 2, UI_DIM, line);
	return y + 4;
}

/* The line under the seal: its signature first, then what it is bound to. */
static const char *
seal_note(const struct check *c, int *color)
{
	*color = UI_WARN;
	switch (c->seal_sig) {
	case SEAL_SIG_BAD:
		return _("This seal's signature does not check out.");
	case SEAL_SIG_UNCHECKED:
		return _("This kiosk cannot check the seal's signature.");
	case SEAL_SIG_OK:
		break;
	}
	if (!c->seal_bound)
		return _("Not bound to the certificate on this UKey.");
	*color = UI_DIM;
	return _("Bound to the signing certificate above.");
}

static void
draw_shown(const struct check *c, struct rect b)
{
	char line[512];
	int y = b.y, color;
	const struct cert_view *sign = NULL;

	snprintf(line, sizeof line, _("UKey: %s   Vendor: %s   Serial: %s"), c->label,
		 c->vendor[0] ? c->vendor : _("not recognised"), c->serial);
	ui_put(y++, b.x, b.w, UI_NORMAL, line);
	const char *pin = pin_text(c, &color);
	ui_put(y++, b.x, b.w, color, pin);
	y++;
	if (c->resume) {
		bool change = renew_resume_is_change();

		y += ui_wrap((struct rect){y, b.x, 2, b.w}, UI_ACCENT,
			     change ? _("The change of this UKey's certificate was "
					"approved and is paid. The kiosk will write "
					"the new certificate now; you do not pay again.")
				    : _("A paid renewal of this UKey was not finished. "
					"The kiosk will finish it now; you do not pay "
					"again."));
		ui_button(y, b.x,
			  change ? _("Finish the change") : _("Finish the renewal"),
			  K_ENTER, true);
		y += 2;
	}
	if (c->ncerts == 0)
		ui_put(y++, b.x, b.w, UI_WARN,
		       _("There is no certificate on this UKey."));
	/* The seal's picture sits at the right, beside the certificates. */
	struct rect cb = b;

	if (c->has_seal && c->seal_picture)
		cb.w -= SEAL_COLS + 1;
	for (int i = 0; i < c->ncerts && y + 4 < b.y + b.h - 3; i++) {
		y = draw_cert(&c->certs[i], y, cb);
		if (sign == NULL && (c->certs[i].usage & TOKEN_USAGE_SIGN))
			sign = &c->certs[i];
	}
	if (c->has_seal) {
		char until[16];
		const char *note;

		ui_date(c->seal_end, until, sizeof until);
		if (c->seal_sig == SEAL_SIG_OK)
			snprintf(line, sizeof line,
				 _("Electronic seal: %s, valid until %s"), c->seal_holder,
				 until);
		else
			snprintf(line, sizeof line, _("Electronic seal: %s"),
				 c->seal_holder);
		ui_put(y, b.x, c->seal_picture ? b.w - SEAL_COLS - 2 : b.w, UI_TITLE,
		       line);
		note = seal_note(c, &color);
		ui_put(y + 1, b.x + 2, b.w - SEAL_COLS - 4, color, note);
		if (c->seal_picture)
			ui_pixels(
				y - SEAL_ROWS + 2 > b.y + 3 ? y - SEAL_ROWS + 2 : b.y + 3,
				b.x + b.w - SEAL_COLS, SEAL_COLS, SEAL_ROWS, c->seal_px);
		else
			/* A placeholder is not drawn as if it were the seal. */
			ui_put(y++ + 2, b.x + 2, b.w - 4, UI_DIM,
			       _("This seal has no picture to show."));
		y += 2;
	}
	y++;
	/* What the customer can do about it: the service that fits, or the
	 * counter while this kiosk does not offer it (offer.h). */
	if (c->pin == TOKEN_PIN_LOCKED)
		y += ui_wrap((struct rect){y, b.x, 2, b.w}, UI_ACCENT,
			     _(offer_for(SVC_UNLOCK).text));
	/* A paid renewal waiting is what applies; not a second one. */
	if (sign != NULL && !c->resume && y < b.y + b.h - 1) {
		enum renew_verdict v = rules_renew_at(sign->not_after, time(NULL));

		y += ui_wrap((struct rect){y, b.x, 2, b.w - SEAL_COLS - 2},
			     v == RENEW_TOO_EARLY ? UI_DIM : UI_ACCENT,
			     _(rules_renew_reason(v)));
		if (v == RENEW_TOO_LATE && y < b.y + b.h - 1)
			ui_wrap((struct rect){y, b.x, 2, b.w - SEAL_COLS - 2}, UI_ACCENT,
				_(offer_for(SVC_APPLY).text));
	}
}

/* A locked PIN, and this kiosk unlocks: Unlock is the way on. */
static bool
pin_service(const struct check *c)
{
	return c->pin == TOKEN_PIN_LOCKED &&
	       service_get(SVC_UNLOCK)->entry != SERVICE_NOT_BUILT;
}

static void
check_draw(void *state)
{
	struct check *c = state;
	struct rect b = ui_body();
	char line[256];

	switch (c->state) {
	case CK_WAIT:
		ui_put_center(b.y + b.h / 2 - 2, b, UI_TITLE,
			      _("Please insert your UKey."));
		ui_put_center(b.y + b.h / 2, b, UI_DIM,
			      _("It is read as soon as it is in. Insert only one."));
		break;
	case CK_MANY:
		ui_put_center(b.y + b.h / 2 - 2, b, UI_WARN,
			      _("More than one UKey is inserted."));
		ui_put_center(b.y + b.h / 2, b, UI_NORMAL,
			      _("Please leave only the one to check in the reader."));
		break;
	case CK_READING:
		ui_put_center(b.y + b.h / 2 - 1, b, UI_ACCENT,
			      ui_busy(line, sizeof line,
				      _(token_stage_text(TOKEN_STAGE_READING))));
		ui_put_center(b.y + b.h / 2 + 1, b, UI_DIM, _("Esc cancels."));
		break;
	case CK_FAILED:
		ui_wrap((struct rect){b.y + 2, b.x + 2, 4, b.w - 4}, UI_ERROR,
			_(token_err_reason(c->err, c->tries_left)));
		ui_button(b.y + 7, b.x + 2, _("Read again"), K_ENTER, true);
		break;
	case CK_SHOWN:
		draw_shown(c, (struct rect){b.y, b.x, b.h - 1, b.w});
		break;
	}
	int x = b.x +
		ui_button(b.y + b.h - 1, b.x, _("Back"), K_ESC,
			  c->state == CK_SHOWN && !c->resume && !pin_service(c)) +
		2;

	/* Unlock for a locked PIN, else a PIN change: the UKey stays in. */
	if (c->state == CK_SHOWN && !c->resume && pin_service(c))
		ui_button(b.y + b.h - 1, x, _(service_get(SVC_UNLOCK)->name), K_UNLOCK,
			  true);
	else if (c->state == CK_SHOWN && c->pin != TOKEN_PIN_LOCKED &&
		 c->pin != TOKEN_PIN_NOT_SET &&
		 service_get(SVC_PINCHANGE)->entry != SERVICE_NOT_BUILT)
		ui_button(b.y + b.h - 1, x, _(service_get(SVC_PINCHANGE)->name),
			  K_PINCHANGE, false);
}

static struct result
check_key(void *state, int key)
{
	struct check *c = state;

	if (c->state == CK_SHOWN && !c->resume) {
		if (pin_service(c) && (key == K_UNLOCK || key == K_ENTER))
			return offer_take(SVC_UNLOCK);
		if (key == K_PINCHANGE && c->pin != TOKEN_PIN_LOCKED &&
		    c->pin != TOKEN_PIN_NOT_SET &&
		    service_get(SVC_PINCHANGE)->entry != SERVICE_NOT_BUILT)
			return offer_take(SVC_PINCHANGE);
	}

	if (key == K_ESC) {
		if (c->state == CK_READING) {
			job_cancel(c->job);
			c->job = NULL;
			c->state = CK_FAILED;
			c->err = TOKEN_ERR_CANCELLED;
			return RESULT(ACT_REDRAW);
		}
		return RESULT(ACT_POP);
	}
	if (key == K_ENTER) {
		if (c->state == CK_FAILED)
			return check_follow(c);
		if (c->state == CK_SHOWN && c->resume)
			return flow_start(renew_resume_is_change() ? SVC_CHANGE
								   : SVC_RENEW);
		if (c->state == CK_SHOWN)
			return RESULT(ACT_POP);
	}
	return RESULT(ACT_NONE);
}

static void
view_from(struct check *c, const struct token_info *info)
{
	const char *vendor = token_vendor_name(info->vendor);

	snprintf(c->vendor, sizeof c->vendor, "%s", vendor != NULL ? vendor : "");
	snprintf(c->label, sizeof c->label, "%s", info->label);
	snprintf(c->model, sizeof c->model, "%s", info->model);
	snprintf(c->serial, sizeof c->serial, "%s", info->serial);
	c->pin = info->pin;
	c->tries_left = info->tries_left;
	c->pinpad = info->pinpad;
	c->ncerts = 0;
	for (size_t i = 0; i < info->ncerts && c->ncerts < MAX_CERTS; i++) {
		const struct token_cert *tc = &info->certs[i];
		struct cert_view *v = &c->certs[c->ncerts++];

		v->usage = tc->usage;
		snprintf(v->cn, sizeof v->cn, "%s", tc->subject_cn);
		snprintf(v->org, sizeof v->org, "%s", tc->subject_o);
		snprintf(v->issuer, sizeof v->issuer, "%s",
			 tc->issuer_cn[0] ? tc->issuer_cn : tc->issuer_o);
		v->not_before = tc->not_before;
		v->not_after = tc->not_after;
		v->days_left = tc->days_left;
		v->expired = tc->expired;
		v->key_type = tc->key_type;
		v->key_bits = tc->key_bits;
		v->has_key = tc->has_private_key;
	}
	c->has_seal = false;
	for (size_t i = 0; i < info->ndata && !c->has_seal; i++) {
		const struct token_data *d = &info->data[i];
		struct seal seal;

		if (d->value == NULL ||
		    seal_parse(d->value, d->size, NULL, 0, &seal) != 0)
			continue;
		c->has_seal = true;
		snprintf(c->seal_holder, sizeof c->seal_holder, "%s", seal.holder);
		c->seal_end = seal.valid_end;
		/* The CA's signature first: a seal is "valid" only once it checks. */
		c->seal_sig = seal_verify(d->value, d->size, loop_config()->ca_file);
		/* Bound to a signing certificate here, whichever one it is. */
		c->seal_bound = false;
		for (size_t k = 0; k < info->ncerts && !c->seal_bound; k++) {
			struct seal with;

			if ((info->certs[k].usage & TOKEN_USAGE_SIGN) &&
			    seal_parse(d->value, d->size, info->certs[k].der,
				       info->certs[k].der_len, &with) == 0) {
				c->seal_bound = with.bound;
				seal_free(&with);
			}
		}
		c->seal_picture =
			seal_preview(&seal, SEAL_COLS, SEAL_ROWS, c->seal_px) == 0;
		seal_free(&seal);
	}
}

/* A UKey with a signing certificate: does the CA know an unfinished paid
 * renewal of it?  The certificates are public; no PIN is needed. */
static void
ask_ca(struct check *c, const struct token_info *info)
{
	renew_begin();
	if (!renew_take_token(info))
		return;
	c->ask = renew_check_job();
	loop_submit(c->ask);
}

static struct result
check_job_done(void *state, struct job *job)
{
	struct check *c = state;
	const char *why = NULL;

	if (job == c->ask) {
		c->ask = NULL;
		c->resume = renew_check_result(job, &why) == RC_RESUME;
		return RESULT(ACT_REDRAW);
	}
	if (job != c->job)
		return RESULT(ACT_NONE);
	c->job = NULL;
	c->err = token_job_err(job);
	c->tries_left = token_job_tries_left(job);
	if (c->err != TOKEN_OK || token_job_ninfo(job) == 0) {
		if (c->err == TOKEN_ERR_NONE)
			c->state = CK_WAIT;
		else if (c->err == TOKEN_ERR_MANY)
			c->state = CK_MANY;
		else
			c->state = CK_FAILED;
		return RESULT(ACT_REDRAW);
	}
	view_from(c, token_job_info(job, 0));
	c->state = CK_SHOWN;
	ask_ca(c, token_job_info(job, 0));
	return RESULT(ACT_REDRAW);
}

static struct result
check_tokens(void *state)
{
	return check_follow(state);
}

static struct result
check_tick(void *state, int64_t now)
{
	const struct check *c = state;

	(void)now;
	return c->state == CK_READING ? RESULT(ACT_REDRAW) : RESULT(ACT_NONE);
}

/* Enter where it does something: finishing a paid renewal. */
static unsigned
check_footer(void *state)
{
	const struct check *c = state;

	return c->resume ? FOOT_ENTER | FOOT_ESC : FOOT_ESC;
}

const struct screen_ops screen_check = {
	.name = "check",
	.title = N_("Check my UKey"),
	.help = N_("Insert your UKey to see what is on it: each certificate with its "
		   "validity, the electronic seal, and the PIN state. Nothing is "
		   "changed on the UKey and no PIN is asked. Esc goes back."),
	.footer = FOOT_ESC,
	.enter = check_enter,
	.leave = check_leave,
	.draw = check_draw,
	.key = check_key,
	.tick = check_tick,
	.job_done = check_job_done,
	.tokens = check_tokens,
	.footer_now = check_footer,
};
