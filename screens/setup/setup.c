/*
 * setup.c - the first-run setup's steps and its own small loop (see
 * setup.h).  It stands before the kiosk proper, like the out-of-service
 * screen: no event loop, worker or token watcher, since there is no
 * configuration for them yet; the calls to the backend and the modules
 * are short and made with "please wait" on the screen.
 */
#include "setup.h"

#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "keys.h"
#include "now.h"
#include "setup_int.h"
#include "signals.h"
#include "ui.h"
#include "xmem.h"

static enum valid check_idle(const char *v);
static enum valid check_url(const char *v);
static enum valid check_fp(const char *v);
static enum valid check_tid(const char *v);

static const struct field_def lang_fields[] = {
	{N_("Idle timeout (seconds)"), FIELD_REQUIRED, CHARS_DIGITS, 4, check_idle,
	 N_("From 60 to 3600 seconds without a touch.")},
};
static const struct field_def url_fields[] = {
	{N_("Backend URL"), FIELD_REQUIRED, CHARS_EMAIL, 200, check_url,
	 N_("https://host:port/ as on your paper.")},
};
static const struct field_def fp_fields[] = {
	{N_("CA fingerprint"), FIELD_REQUIRED, CHARS_EMAIL, 95, check_fp,
	 N_("64 hex digits; colons are allowed.")},
};
static const struct field_def enrol_fields[] = {
	{N_("Terminal id"), FIELD_REQUIRED, CHARS_EMAIL, 32, check_tid,
	 N_("Letters, digits, '.', '_' or '-'.")},
	/* Not needed by a terminal enrolled already (set up again). */
	{N_("Enrolment code"), FIELD_MASKED, CHARS_DIGITS, 12, NULL,
	 N_("The 12-digit one-time code made for this terminal.")},
};

static enum valid
check_idle(const char *v)
{
	long n = strtol(v, NULL, 10);

	return n >= 60 && n <= 3600 ? VALID_OK : VALID_FORMAT;
}

static enum valid
check_url(const char *v)
{
	return strncmp(v, "https://", 8) == 0 && v[8] != '\0' && strchr(v, ' ') == NULL
		       ? VALID_OK
		       : VALID_FORMAT;
}

static enum valid
check_fp(const char *v)
{
	size_t hex = 0;

	for (; *v != '\0'; v++) {
		if ((*v >= '0' && *v <= '9') || (*v >= 'a' && *v <= 'f') ||
		    (*v >= 'A' && *v <= 'F'))
			hex++;
		else if (*v != ':')
			return VALID_CHARSET;
	}
	return hex == 64 ? VALID_OK : VALID_LENGTH;
}

static enum valid
check_tid(const char *v)
{
	size_t n = strlen(v);

	return n > 0 && n <= 32 &&
			       strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstu"
					 "vwxyz"
					 "0123456789._-") == n
		       ? VALID_OK
		       : VALID_CHARSET;
}

static void
say_outcome(struct setup *s, const char *msg, int color, const char *detail)
{
	s->msg = msg;
	s->msg_color = color;
	snprintf(s->detail, sizeof s->detail, "%s", detail != NULL ? detail : "");
}

static void
go(struct setup *s, enum setup_step to)
{
	s->step = to;
	say_outcome(s, NULL, UI_NORMAL, NULL);
	s->ca_seen[0] = '\0';
}

/* Modules print what they like on standard error: not over the screen. */
static int
stderr_off(void)
{
	int keep = dup(STDERR_FILENO), null = open("/dev/null", O_WRONLY | O_CLOEXEC);

	if (null >= 0) {
		dup2(null, STDERR_FILENO);
		close(null);
	}
	return keep;
}

static void
stderr_on(int keep)
{
	if (keep >= 0) {
		dup2(keep, STDERR_FILENO);
		close(keep);
	}
}

static void
args_of(const struct setup *s, struct enrol_args *a)
{
	memset(a, 0, sizeof *a);
	a->url = form_get(&s->url, F_URL);
	a->fingerprint = form_get(&s->fp, F_FP);
	a->terminal_id = form_get(&s->enrol, F_TID);
	a->config_path = s->path;
	a->quiet = true;
	a->fresh = true;
}

/* A fingerprint as typed (colons, any case) as 64 hex digits. */
static void
plain_hex(const char *typed, char out[65])
{
	size_t j = 0;

	for (const char *p = typed; *p != '\0' && j < 64; p++)
		if (*p != ':')
			out[j++] = *p;
	out[j] = '\0';
}

/* Step 3: the CA the backend sends, held against the operator's. */
static void
fp_submit(struct setup *s)
{
	struct enrol_args a;
	enum enrol_status st;
	int keep;

	setup_busy(s, N_("Fetching the backend's CA..."));
	args_of(s, &a);
	keep = stderr_off();
	st = enrol_check_ca(&a);
	stderr_on(keep);
	plain_hex(a.fingerprint, s->fp_hex);
	if (st == ENROL_OK) {
		go(s, S_ENROL);
		return;
	}
	memcpy(s->fp_typed, s->fp_hex, sizeof s->fp_typed);
	say_outcome(s, enrol_status_text(st), UI_ERROR, a.detail);
	memcpy(s->ca_seen, a.ca_seen, sizeof s->ca_seen);
}

/* Step 4: the key, the CSR with the code, the certificate. */
static void
enrol_submit(struct setup *s)
{
	struct enrol_args a;
	enum enrol_status st;
	char code[16];
	int keep;

	setup_busy(s, N_("Enrolling this terminal..."));
	args_of(s, &a);
	snprintf(code, sizeof code, "%s", form_get(&s->enrol, F_CODE));
	a.code = code;
	keep = stderr_off();
	st = enrol_run(&a); /* wipes code */
	stderr_on(keep);
	secure_wipe(code, sizeof code);
	form_clear(&s->enrol, F_CODE);
	if (st == ENROL_OK) {
		s->got = a.got;
		s->already = a.already;
		go(s, S_MODULE);
		return;
	}
	if (st == ENROL_USAGE) {
		/* Only the code can be malformed here: the form checked the rest. */
		form_set_error(&s->enrol, F_CODE,
			       N_("The 12-digit one-time code made for this terminal."));
		return;
	}
	/* The sentence says all of a refused code; what failed here or on
	 * the way (a file, the network) is worth its detail. */
	say_outcome(s, enrol_status_text(st), UI_ERROR,
		    st == ENROL_LOCAL || st == ENROL_BACKEND ? a.detail : NULL);
	s->enrol.focus = st == ENROL_CODE || st == ENROL_LIMITED ? F_CODE : F_TID;
}

static void
modules_scan(struct setup *s)
{
	int keep;

	setup_busy(s, N_("Looking for PKCS#11 modules..."));
	keep = stderr_off();
	s->nmods = token_scan_modules(NULL, s->mods, TOKEN_SCAN_MAX);
	stderr_on(keep);
	s->scanned = true;
	s->mod_focus = 0;
}

static void
card_poll(struct setup *s)
{
	char why[256];
	int keep, rc;

	if (!s->reader || s->card != 0 || s->chosen < 0 || now_ms() < s->next_poll)
		return;
	keep = stderr_off();
	rc = token_scan_card(s->mods[s->chosen].path, &s->seen, why, sizeof why);
	stderr_on(keep);
	s->next_poll = now_ms() + 400;
	if (rc == 1)
		s->card = 1;
	else if (rc < 0)
		say_outcome(s, N_("The module does not load now."), UI_ERROR, why);
}

/* Write it all down: 0 done, -1 said why. */
static int
finish(struct setup *s)
{
	struct enrol_args a;
	struct enrol_conf c = {0};
	char *vendor = s->vendor;
	enum enrol_status st;

	args_of(s, &a);
	c.language = i18n_code(i18n_get());
	c.idle_timeout = (int)strtol(form_get(&s->lang, F_IDLE), NULL, 10);
	if (s->chosen >= 0) {
		const struct token_module *m = &s->mods[s->chosen];
		size_t j = 0;

		/* [vendor NAME]: the manufacturer's letters and digits. */
		for (const char *p = m->manufacturer; *p != '\0' && j < sizeof vendor - 1;
		     p++)
			if ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9'))
				vendor[j++] = *p;
			else if (*p >= 'A' && *p <= 'Z')
				vendor[j++] = (char)(*p - 'A' + 'a');
		vendor[j] = '\0';
		c.vendor = j > 0 ? vendor : "reader";
		c.display =
			m->manufacturer[0] != '\0' && strcspn(m->manufacturer, ";#[]=") ==
							      strlen(m->manufacturer)
				? m->manufacturer
				: c.vendor;
		c.module = m->path;
	}
	st = enrol_write_config(&a, &c, 0640);
	if (st == ENROL_OK)
		return 0;
	say_outcome(s, enrol_status_text(st), UI_ERROR, a.detail);
	return -1;
}

static void
lang_pick(int i)
{
	i18n_set(i == 0 ? LANG_ZH_CN : LANG_EN);
}

/* A key: 1 when the setup is done (written), -1 when left, 0 on. */
static int
key_lang(struct setup *s, int key)
{
	if (s->lang_focus == 0) {
		if (key == '1' || key == K_ITEM(0) || key == K_UP)
			lang_pick(0);
		else if (key == '2' || key == K_ITEM(1) || key == K_DOWN)
			lang_pick(1);
		if (key == K_ENTER || key == K_TAB || K_IS_FIELD(key)) {
			s->lang_focus = 1;
			s->lang.focus = F_IDLE;
		}
		return 0;
	}
	if (key == K_ITEM(0) || key == K_ITEM(1) || key == K_BTAB ||
	    (key == K_UP && s->lang.focus == 0)) {
		if (K_IS_ITEM(key))
			lang_pick(K_ITEM_INDEX(key));
		s->lang_focus = 0;
		s->lang.focus = -1; /* no field shown as typed into */
		return 0;
	}
	if (form_key(&s->lang, key) == FORM_SUBMIT)
		go(s, S_URL);
	return 0;
}

static int
key_module(struct setup *s, int key)
{
	int n = (int)s->nmods + 1;

	if (s->reader) {
		if (key == K_ESC || (key == K_ENTER && s->card == 1)) {
			if (key == K_ESC && s->card != 1)
				s->card = -1;
			s->reader = false;
			go(s, S_DONE);
		}
		return 0;
	}
	if (key == K_ESC) {
		go(s, S_ENROL);
		return 0;
	}
	if (ui_list_key(&s->mod_focus, n, key) != LIST_CHOSEN)
		return 0;
	if (s->mod_focus == (int)s->nmods) {
		s->chosen = -1;
		s->card = -1;
		go(s, S_DONE);
		return 0;
	}
	s->chosen = s->mod_focus;
	s->reader = true;
	s->card = 0;
	s->next_poll = 0;
	say_outcome(s, NULL, UI_NORMAL, NULL);
	return 0;
}

static int
key_step(struct setup *s, int key)
{
	struct form *forms[] = {
		[S_URL] = &s->url, [S_FP] = &s->fp, [S_ENROL] = &s->enrol};

	switch (s->step) {
	case S_ASK:
		if (key == K_ESC)
			return -1;
		if (key == K_ENTER)
			go(s, S_LANG);
		return 0;
	case S_LANG:
		return key_lang(s, key);
	case S_MODULE:
		return key_module(s, key);
	case S_DONE:
		if (key == K_ESC) {
			go(s, S_MODULE);
			return 0;
		}
		return key == K_ENTER && finish(s) == 0 ? 1 : 0;
	case S_URL:
	case S_FP:
	case S_ENROL:
		break;
	}
	if (key == K_ESC) {
		go(s, s->step - 1);
		return 0;
	}
	if (form_key(forms[s->step], key) != FORM_SUBMIT)
		return 0;
	if (s->step == S_URL)
		go(s, S_FP);
	else if (s->step == S_FP)
		fp_submit(s);
	else
		enrol_submit(s);
	return 0;
}

static int
read_key(void)
{
	wint_t wc;
	int rc = get_wch(&wc), key;
	MEVENT ev;

	if (rc == ERR)
		return K_NONE;
	key = rc == KEY_CODE_YES ? K_FN((int)wc) : (int)wc;
	if (key == '\r' || key == K_FN(KEY_ENTER))
		return K_ENTER;
	if (key == K_FN(KEY_BACKSPACE) || key == '\b')
		return K_BACKSPACE;
	if (key == K_FN(KEY_MOUSE)) {
		if (getmouse(&ev) != OK ||
		    !(ev.bstate & (BUTTON1_PRESSED | BUTTON1_CLICKED)))
			return K_FN(KEY_RESIZE); /* nothing, but draw */
		return ui_hit_key(ev.y, ev.x);
	}
	return key;
}

static void
setup_init(struct setup *s, const char *path, bool asked)
{
	char err[512];
	struct config cfg;

	memset(s, 0, sizeof *s);
	s->path = path;
	s->chosen = -1;
	s->card = -1;
	form_init(&s->lang, lang_fields, 1);
	form_set(&s->lang, F_IDLE, "120");
	s->lang.focus = -1;
	form_init(&s->url, url_fields, 1);
	form_init(&s->fp, fp_fields, 1);
	form_init(&s->enrol, enrol_fields, 2);
	i18n_set(LANG_ZH_CN);
	if (asked && config_load(&cfg, path, err, sizeof err) == 0) {
		snprintf(s->have_tid, sizeof s->have_tid, "%s", cfg.terminal_id);
		/* Asked in the language it has been speaking. */
		i18n_set((enum lang)cfg.language);
		config_free(&cfg);
		s->step = S_ASK;
	}
}

static void
setup_wipe(struct setup *s)
{
	form_wipe(&s->lang);
	form_wipe(&s->url);
	form_wipe(&s->fp);
	form_wipe(&s->enrol);
	secure_wipe(s, sizeof *s);
}

int
setup_run(const char *path, bool asked)
{
	struct setup *s = xcalloc(1, sizeof *s);
	int sigfd = signals_init(), rc = 0;

	if (sigfd < 0 || ui_init() != 0) {
		free(s);
		return -1;
	}
	setup_init(s, path, asked);
	while (rc == 0) {
		struct pollfd pfd[2] = {
			{.fd = STDIN_FILENO, .events = POLLIN},
			{.fd = sigfd, .events = POLLIN},
		};
		unsigned char sig;
		int key;

		if (s->step == S_MODULE && !s->scanned)
			modules_scan(s);
		card_poll(s);
		setup_draw(s);
		if (poll(pfd, 2, 250) < 0 && errno != EINTR)
			break;
		while (read(sigfd, &sig, 1) == 1)
			if (sig == SIGTERM || sig == SIGHUP)
				rc = -1;
		if (ui_hung_up(pfd[0].revents))
			rc = -1; /* the terminal is gone */
		while (rc == 0 && (key = read_key()) != K_NONE) {
			if (key == K_F(2))
				i18n_set(i18n_next(i18n_get()));
			else if (key != K_FN(KEY_RESIZE) && !ui_too_small())
				rc = key_step(s, key);
		}
	}
	setup_wipe(s);
	free(s);
	ui_end();
	signals_close();
	return rc > 0 ? 0 : 1;
}
