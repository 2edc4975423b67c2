/*
 * log.c - levelled logging (the tmux log.c habit: one place, one format).
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "text.h"
#include "xmem.h"

enum log_target { TARGET_NONE, TARGET_STDERR, TARGET_FILE, TARGET_JOURNAL };

static enum log_target target = TARGET_STDERR;
static enum log_level threshold = LOG_LVL_INFO;
static FILE *logfile;
static bool screen_active;

static const char *const level_names[] = {"error", "warn", "info", "debug"};

/* The last warning or error, whatever the target and threshold, for the
 * heartbeat (log_last_problem); any thread logs. */
static pthread_mutex_t last_lock = PTHREAD_MUTEX_INITIALIZER;
static char last_line[LOG_PROBLEM_MAX];
static long long last_at;

int
log_level_parse(const char *s)
{
	for (size_t i = 0; i < sizeof level_names / sizeof level_names[0]; i++)
		if (strcmp(s, level_names[i]) == 0)
			return (int)i;
	return -1;
}

int
log_open(const char *spec, enum log_level level, char *err, size_t errlen)
{
	log_close();
	threshold = level;
	if (strcmp(spec, "none") == 0) {
		target = TARGET_NONE;
	} else if (strcmp(spec, "stderr") == 0) {
		target = TARGET_STDERR;
	} else if (strcmp(spec, "journal") == 0) {
		target = TARGET_JOURNAL;
		openlog("cakiosk", LOG_PID, LOG_DAEMON);
	} else if (strncmp(spec, "file:", 5) == 0 && spec[5] == '/') {
		logfile = fopen(spec + 5, "ae");
		if (logfile == NULL) {
			snprintf(err, errlen, "cannot open log file %s: %s", spec + 5,
				 strerror(errno));
			target = TARGET_STDERR;
			return -1;
		}
		setvbuf(logfile, NULL, _IOLBF, 0);
		target = TARGET_FILE;
	} else {
		snprintf(err, errlen,
			 "must be journal, stderr, none or file:/absolute/path");
		return -1;
	}
	return 0;
}

void
log_close(void)
{
	if (logfile != NULL) {
		fclose(logfile);
		logfile = NULL;
	}
	if (target == TARGET_JOURNAL)
		closelog();
	target = TARGET_STDERR;
}

void
log_set_screen_active(bool active)
{
	screen_active = active;
}

void
log_msg(enum log_level level, const char *fmt, ...)
{
	static const int syslog_prio[] = {LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG};
	char line[1024];
	va_list ap;
	FILE *out = NULL;

	if ((level > threshold || target == TARGET_NONE) && level > LOG_LVL_WARN)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	/* Log lines quote outside text (the backend, a token, the file):
	 * nothing in them may drive the terminal or the viewer that shows
	 * them.  Most are clean and are not copied. */
	char *clean = text_is_clean(line)
			      ? NULL
			      : text_sanitize(line, strlen(line), sizeof line - 1, 0);
	if (clean != NULL) {
		snprintf(line, sizeof line, "%s", clean);
		free(clean);
	}
	if (level <= LOG_LVL_WARN) {
		pthread_mutex_lock(&last_lock);
		/* Cut on a character, not inside one. */
		size_t n = strlen(line);
		if (n >= sizeof last_line) {
			n = sizeof last_line - 1;
			while (n > 0 && ((unsigned char)line[n] & 0xc0) == 0x80)
				n--;
		}
		memcpy(last_line, line, n);
		last_line[n] = '\0';
		last_at = (long long)time(NULL);
		pthread_mutex_unlock(&last_lock);
	}
	if (level > threshold || target == TARGET_NONE)
		return;

	if (target == TARGET_JOURNAL) {
		syslog(syslog_prio[level], "%s", line);
		return;
	}
	if (target == TARGET_FILE)
		out = logfile;
	else if (!screen_active || !isatty(STDERR_FILENO))
		out = stderr;
	if (out == NULL)
		return;

	char stamp[32];
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S", &tm);
	fprintf(out, "%s.%03ld cakiosk[%ld] %s: %s\n", stamp, ts.tv_nsec / 1000000,
		(long)getpid(), level_names[level], line);
}

bool
log_last_problem(char *buf, size_t len, long long *at)
{
	bool any;

	pthread_mutex_lock(&last_lock);
	any = last_line[0] != '\0';
	snprintf(buf, len, "%s", last_line);
	*at = last_at;
	pthread_mutex_unlock(&last_lock);
	return any;
}

void
log_visit_end(void)
{
	pthread_mutex_lock(&last_lock);
	if (last_line[0] != '\0') {
		/* The source is the module's own word ("renew: ..."), never the
		 * customer's; a line without one keeps nothing. */
		size_t src = strcspn(last_line, ":");
		if (last_line[src] == '\0' || src > 32)
			src = 0;
		secure_wipe(last_line + src, sizeof last_line - src);
		snprintf(last_line + src, sizeof last_line - src,
			 "%sa problem during a visit (the kiosk's log has it)",
			 src > 0 ? ": " : "");
	}
	pthread_mutex_unlock(&last_lock);
}

const char *
log_mask_id(const char *id, char *buf, size_t len)
{
	size_t n = strlen(id), i;

	if (len == 0)
		return "";
	for (i = 0; i < n && i + 1 < len; i++)
		buf[i] = (i < 3 || i + 2 >= n) && n > 6 ? id[i] : '*';
	buf[i] = '\0';
	return buf;
}
