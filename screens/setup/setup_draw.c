/*
 * setup_draw.c - what the first-run setup shows (see setup.h): the
 * kiosk's frame, a step bar, and each step's sentences, form or list.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "keys.h"
#include "screen.h"
#include "setup_int.h"
#include "text.h"
#include "ui.h"

static const char *const steps[] = {
	N_("Language"),
	N_("Backend"),
	N_("CA fingerprint"),
	N_("Enrolment"),
	N_("UKey reader"),
	N_("Check, save"),
	NULL,
};

void
setup_fp_colons(const char *hex, char *out, size_t len)
{
	size_t o = 0;

	for (size_t i = 0; hex[i] != '\0' && hex[i + 1] != '\0' && o + 3 < len; i += 2) {
		if (i > 0)
			out[o++] = ':';
		out[o++] = hex[i] >= 'a' && hex[i] <= 'f' ? (char)(hex[i] - 32) : hex[i];
		out[o++] = hex[i + 1] >= 'a' && hex[i + 1] <= 'f'
				   ? (char)(hex[i + 1] - 32)
				   : hex[i + 1];
	}
	out[o] = '\0';
}

/* A fingerprint in two lines of 16 bytes, as on paper. */
static int
fp_lines(int y, int x, const char *hex, int color)
{
	char col[100], first[48];

	setup_fp_colons(hex, col, sizeof col);
	if (strlen(col) < 95)
		return 0;
	memcpy(first, col, 47);
	first[47] = '\0';
	ui_put(y, x, 47, color, first);
	ui_put(y + 1, x, 47, color, col + 48);
	return 2;
}

/* The step's outcome: its sentence, then the detail. */
static int
outcome(const struct setup *s, struct rect r)
{
	int y = r.y;

	if (s->msg == NULL)
		return 0;
	y += ui_wrap((struct rect){y, r.x, 3, r.w}, s->msg_color, _(s->msg));
	if (s->ca_seen[0] != '\0') {
		/* Side by side with the one typed, for the paper. */
		ui_put(y, r.x, r.w, UI_NORMAL, _("You typed:"));
		y += fp_lines(y, r.x + 22, s->fp_typed, UI_NORMAL);
		ui_put(y, r.x, r.w, UI_NORMAL, _("The backend sent:"));
		y += fp_lines(y, r.x + 22, s->ca_seen, UI_WARN);
	} else if (s->detail[0] != '\0') {
		y += ui_wrap((struct rect){y, r.x, 2, r.w}, UI_DIM, s->detail);
	}
	return y - r.y;
}

static int
intro(struct rect r, const char *text)
{
	return ui_wrap((struct rect){r.y, r.x, 3, r.w}, UI_NORMAL, _(text)) + 1;
}

static void
draw_ask(const struct setup *s, struct rect r)
{
	char buf[1024];

	snprintf(buf, sizeof buf,
		 _("A working configuration is already at %s (terminal %s). Setting up "
		   "again replaces it once the setup is finished; the same terminal "
		   "keeps its key and certificate, and needs no new code."),
		 s->path, s->have_tid);
	r.y += ui_wrap((struct rect){r.y, r.x, 4, r.w}, UI_WARN, buf) + 1;
	ui_button(r.y, r.x, _("Set up again"), K_ENTER, true);
	ui_button(r.y, r.x + ui_button_width(_("Set up again")) + 2, _("Leave it"), K_ESC,
		  false);
}

static void
draw_lang(const struct setup *s, struct rect r)
{
	static const char *const names[] = {"中文", "English"};
	char buf[600];
	int y = r.y;

	/* Nobody has chosen a language yet: both. */
	ui_put(y++, r.x, r.w, UI_TITLE, "首次设置：本机还没有配置。");
	ui_put(y++, r.x, r.w, UI_TITLE,
	       "First-run setup: this kiosk has no configuration yet.");
	snprintf(buf, sizeof buf, "配置文件 / Configuration file: %s", s->path);
	ui_put(y++, r.x, r.w, UI_DIM, buf);
	y++;
	ui_put(y++, r.x, r.w, UI_NORMAL, _("The kiosk's language:"));
	for (int i = 0; i < 2; i++) {
		bool on = (int)i18n_get() == (i == 0 ? LANG_ZH_CN : LANG_EN);
		int color =
			on ? (s->lang_focus == 0 ? UI_FOCUS : UI_STEP_NOW) : UI_NORMAL;

		snprintf(buf, sizeof buf, " %d  %s %s", i + 1, on ? "●" : "○", names[i]);
		ui_fill((struct rect){y, r.x + 2, 1, 20}, color);
		ui_put(y, r.x + 2, 20, color, buf);
		ui_hit(y, r.x + 2, 1, 20, K_ITEM(i));
		y++;
	}
	y++;
	y += form_draw(&s->lang, (struct rect){y, r.x, 3, r.w});
	ui_wrap((struct rect){y, r.x, 2, r.w}, UI_DIM,
		_("F2 switches the language at any time. Enter goes on."));
}

static void
draw_module(const struct setup *s, struct rect r)
{
	char buf[600], date[32];
	int y = r.y;

	ui_date((time_t)s->got.not_after, date, sizeof date);
	snprintf(buf, sizeof buf,
		 s->already ? _("Terminal %s was enrolled already; its certificate is "
				"valid until %s.")
			    : _("Terminal %s is enrolled; its certificate is valid until "
				"%s."),
		 s->got.cn, date);
	y += ui_wrap((struct rect){y, r.x, 2, r.w}, UI_OK, buf) + 1;
	if (s->reader) {
		const struct token_module *m = &s->mods[s->chosen];

		snprintf(buf, sizeof buf, _("Reader test with %s (%s)."), m->manufacturer,
			 m->description);
		y += ui_wrap((struct rect){y, r.x, 2, r.w}, UI_NORMAL, buf);
		if (s->card == 1) {
			snprintf(buf, sizeof buf,
				 _("A card was seen in reader \"%s\" (slot %lu): %s."),
				 s->seen.reader, s->seen.slot, s->seen.label);
			y += ui_wrap((struct rect){y + 1, r.x, 3, r.w}, UI_OK, buf) + 2;
			ui_button(y, r.x, _("Go on"), K_ENTER, true);
		} else {
			ui_put(y + 1, r.x, r.w, UI_TITLE,
			       ui_busy(buf, sizeof buf,
				       _("Insert any card (UKey) into a reader...")));
			ui_wrap((struct rect){y + 3, r.x, 2, r.w}, UI_DIM,
				_("Esc skips the test."));
			outcome(s, (struct rect){y + 5, r.x, r.h - (y + 5 - r.y), r.w});
		}
		return;
	}
	y += ui_wrap((struct rect){y, r.x, 2, r.w}, UI_NORMAL,
		     s->nmods > 0
			     ? _("PKCS#11 modules found on this system: choose the one "
				 "of the UKeys this kiosk serves.")
			     : _("No PKCS#11 module was found on this system."));
	for (size_t i = 0; i <= s->nmods && y < r.y + r.h; i++, y++) {
		bool focus = (int)i == s->mod_focus;
		int color = focus ? UI_FOCUS : UI_NORMAL;

		if (i < s->nmods)
			snprintf(buf, sizeof buf, " %zu  %s, %s  (%s)", i + 1,
				 s->mods[i].manufacturer, s->mods[i].description,
				 s->mods[i].path);
		else
			snprintf(buf, sizeof buf, " %zu  %s", i + 1,
				 _("None: this kiosk has no UKey reader yet"));
		ui_fill((struct rect){y, r.x, 1, r.w}, color);
		ui_put(y, r.x, r.w, color, buf);
		ui_hit(y, r.x, 1, r.w, K_ITEM((int)i));
	}
}

static int
line(struct rect r, int y, const char *label, const char *value)
{
	char buf[1200];

	ui_put(y, r.x, r.w, UI_NORMAL, ui_labelled(buf, sizeof buf, _(label), value));
	return y + 1;
}

static void
draw_done(const struct setup *s, struct rect r)
{
	char buf[600], date[32];
	int y = r.y;

	y += ui_wrap((struct rect){y, r.x, 2, r.w}, UI_TITLE,
		     _("Check what will be written, then press Enter: the configuration "
		       "is "
		       "saved and the kiosk starts.")) +
	     1;
	y = line(r, y, N_("Configuration file:"), s->path);
	y = line(r, y, N_("Terminal id:"), s->got.cn);
	y = line(r, y, N_("Backend URL:"), form_get(&s->url, F_URL));
	y = line(r, y, N_("CA fingerprint:"), "");
	y += fp_lines(y, r.x + 4, s->fp_hex, UI_NORMAL);
	ui_date((time_t)s->got.not_after, date, sizeof date);
	snprintf(buf, sizeof buf, _("serial %s, valid until %s"), s->got.serial, date);
	y = line(r, y, N_("Certificate:"), buf);
	y = line(r, y, N_("Key:"),
		 _("a file beside the configuration, readable by the kiosk only"));
	if (s->chosen >= 0)
		snprintf(buf, sizeof buf, "%s, %s", s->mods[s->chosen].manufacturer,
			 s->mods[s->chosen].path);
	y = line(r, y, N_("PKCS#11 module:"), s->chosen >= 0 ? buf : _("none"));
	if (s->card == 1)
		snprintf(buf, sizeof buf, _("a card seen in reader \"%s\""),
			 s->seen.reader);
	y = line(r, y, N_("Reader test:"), s->card == 1 ? buf : _("skipped"));
	y = line(r, y, N_("Language:"), i18n_name(i18n_get()));
	y = line(r, y, N_("Idle timeout (seconds):"), form_get(&s->lang, F_IDLE));
	outcome(s, (struct rect){y + 1, r.x, r.h - (y + 1 - r.y), r.w});
}

void
setup_draw(struct setup *s)
{
	struct ui_frame f = {0};
	struct rect b, r;
	const char *tid = form_get(&s->enrol, F_TID);
	const char *url = form_get(&s->url, F_URL);
	int y;

	ui_begin();
	if (ui_too_small()) {
		screen_get(SCR_TOO_SMALL)->draw(NULL);
		ui_finish();
		return;
	}
	b = ui_body();
	r = (struct rect){b.y + 1, b.x + 2, b.h - 1, b.w - 4};
	switch (s->step) {
	case S_ASK:
		draw_ask(s, r);
		break;
	case S_LANG:
		draw_lang(s, r);
		break;
	case S_URL:
		y = intro(r,
			  N_("Type the backend's URL. Nothing is sent to it until its CA "
			     "is checked in the next step."));
		form_draw(&s->url, (struct rect){r.y + y, r.x, 3, r.w});
		break;
	case S_FP:
		y = intro(
			r,
			N_("Type the SHA-256 fingerprint of the backend's CA, from the "
			   "paper you were given. The kiosk fetches the CA and compares "
			   "before it sends the backend anything."));
		y += form_draw(&s->fp, (struct rect){r.y + y, r.x, 3, r.w});
		outcome(s, (struct rect){r.y + y, r.x, r.h - y, r.w});
		break;
	case S_ENROL:
		y = intro(r, N_("The backend's CA is the one on your paper. Type this "
				"terminal's id and its enrolment code: the kiosk makes "
				"its key "
				"here and the backend signs its certificate."));
		y += form_draw(&s->enrol, (struct rect){r.y + y, r.x, 5, r.w});
		outcome(s, (struct rect){r.y + y, r.x, r.h - y, r.w});
		break;
	case S_MODULE:
		draw_module(s, r);
		break;
	case S_DONE:
		draw_done(s, r);
		break;
	}
	f.title = _("Kiosk first-run setup");
	f.terminal_id = tid[0] != '\0' && s->step > S_ENROL ? tid : "-";
	f.steps = s->step == S_ASK ? NULL : steps;
	f.step = (int)s->step;
	f.screen_title = s->step == S_ASK ? _("Set up again?") : NULL;
	f.footer = s->step == S_LANG  ? FOOT_ENTER
		   : s->step == S_ASK ? FOOT_ENTER | FOOT_CANCEL
				      : FOOT_ENTER | FOOT_ESC;
	f.token_state =
		s->chosen >= 0 ? s->mods[s->chosen].manufacturer : _("not set up");
	f.backend_state = s->step > S_URL && strlen(url) > 8 ? url : _("not set up");
	f.backend_color = s->step > S_FP ? UI_OK : UI_STATUS;
	ui_frame(&f);
	ui_finish();
}

void
setup_busy(struct setup *s, const char *text)
{
	char buf[256];

	s->msg = NULL;
	s->ca_seen[0] = '\0';
	setup_draw(s);
	ui_note(ui_busy(buf, sizeof buf, _(text)), UI_TITLE, false);
	ui_finish();
}
