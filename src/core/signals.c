/*
 * signals.c - the kiosk's signals (see signals.h): a handler that only
 * writes to a self-pipe, the keyboard's signals ignored, a crash handler
 * that gives the terminal back.
 */
#define _GNU_SOURCE /* pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "signals.h"
#include "ui.h"

static int sigpipe[2] = {-1, -1};

static void
on_signal(int sig)
{
	int saved = errno;
	unsigned char c = (unsigned char)sig;
	ssize_t unused = write(sigpipe[1], &c, 1);

	(void)unused;
	errno = saved;
}

static void
on_crash(int sig)
{
	/* Leave the terminal usable for whoever looks at it next. */
	ui_emergency_restore();
	signal(sig, SIG_DFL);
	raise(sig);
}

int
signals_init(void)
{
	static const int crash[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
	struct sigaction sa;

	if (pipe2(sigpipe, O_CLOEXEC | O_NONBLOCK) != 0)
		return -1;
	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	/* A kiosk is not ended from its keyboard. */
	sa.sa_handler = SIG_IGN;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGQUIT, &sa, NULL);
	sigaction(SIGTSTP, &sa, NULL);
	sigaction(SIGPIPE, &sa, NULL);
	sa.sa_handler = on_crash;
	sa.sa_flags = SA_RESETHAND;
	for (size_t i = 0; i < sizeof crash / sizeof crash[0]; i++)
		sigaction(crash[i], &sa, NULL);
	return sigpipe[0];
}

bool
signals_read(void)
{
	unsigned char c;
	bool stop = false;

	while (read(sigpipe[0], &c, 1) == 1) {
		if (c == SIGTERM || c == SIGHUP) {
			log_info("signal %d: shutting down", c);
			stop = true;
		}
	}
	return stop;
}

void
signals_close(void)
{
	close(sigpipe[0]);
	close(sigpipe[1]);
	sigpipe[0] = sigpipe[1] = -1;
}
