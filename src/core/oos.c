/*
 * oos.c - the out-of-service screen (see oos.h).
 *
 * It stands alone: no loop, no worker, no token watcher, because what
 * those need (a configuration that loads, modules that work) is what is
 * missing.  The same curses set-up as the kiosk's (ui.c) and the same
 * signal handling (signals.c): the keyboard ends nothing.
 */
#include "oos.h"

#include <curses.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <unistd.h>

#include "i18n.h"
#include "now.h"
#include "signals.h"
#include "ui.h"

static struct {
	bool active;
	int sigfd;
} O = {.sigfd = -1};

static const char *in(enum lang lang, const char *msgid) __attribute__((format_arg(2)));

/* msgid in one language, without switching the caller's for good. */
static const char *
in(enum lang lang, const char *msgid)
{
	i18n_set(lang);
	return gettext(msgid);
}

static void
draw(const char *terminal_id)
{
	struct rect all = {0, 0, LINES, COLS};
	enum lang was = i18n_get();
	char buf[160];
	int y = LINES / 2 - 4;

	if (y < 0)
		y = 0;
	erase();
	ui_put_center(y, all, UI_ERROR, in(LANG_ZH_CN, N_("Out of service")));
	ui_put_center(y + 1, all, UI_ERROR, in(LANG_EN, N_("Out of service")));
	snprintf(buf, sizeof buf, in(LANG_ZH_CN, N_("Terminal %s")), terminal_id);
	ui_put_center(y + 3, all, UI_NORMAL, buf);
	snprintf(buf, sizeof buf, in(LANG_EN, N_("Terminal %s")), terminal_id);
	ui_put_center(y + 4, all, UI_NORMAL, buf);
	ui_put_center(y + 6, all, UI_DIM,
		      in(LANG_ZH_CN, N_("This kiosk cannot serve right now. Please ask "
					"the staff.")));
	ui_put_center(y + 7, all, UI_DIM,
		      in(LANG_EN, N_("This kiosk cannot serve right now. Please ask "
				     "the staff.")));
	i18n_set(was);
	refresh();
}

/* Keys are read and dropped; a resize redraws.  True when one came. */
static bool
drain_keys(void)
{
	wint_t wc;
	bool resized = false;
	int rc;

	while ((rc = get_wch(&wc)) != ERR)
		if (rc == KEY_CODE_YES && wc == KEY_RESIZE)
			resized = true;
	return resized;
}

int
oos_wait(const char *terminal_id)
{
	int64_t until = now_ms() + OOS_RETRY_S * 1000LL;

	if (!O.active) {
		O.sigfd = signals_init();
		if (O.sigfd < 0 || ui_init() != 0)
			return -1;
		O.active = true;
	}
	draw(terminal_id);
	for (;;) {
		struct pollfd pfd[2] = {
			{.fd = STDIN_FILENO, .events = POLLIN},
			{.fd = O.sigfd, .events = POLLIN},
		};
		int64_t left = until - now_ms();
		unsigned char sig;

		if (left <= 0)
			return 1;
		if (poll(pfd, 2, (int)left) < 0) {
			if (errno == EINTR && drain_keys())
				draw(terminal_id);
			continue;
		}
		while (read(O.sigfd, &sig, 1) == 1) {
			if (sig == SIGTERM)
				return 0;
			if (sig == SIGHUP)
				return 1;
		}
		if (ui_hung_up(pfd[0].revents))
			return 0; /* the terminal is gone */
		if (drain_keys())
			draw(terminal_id);
	}
}

void
oos_end(void)
{
	if (!O.active)
		return;
	ui_end();
	signals_close();
	O.sigfd = -1;
	O.active = false;
}
