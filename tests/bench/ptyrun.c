/*
 * ptyrun.c - start a full-screen program on a fresh 80x24 pseudo-terminal,
 * time how long it takes until MARKER appears in what it draws, then end it
 * (send KEYS, or SIGTERM) and report its peak RSS, its RSS when MARKER
 * appeared and, with -s, its RSS SECS seconds after the start (what it
 * drew meanwhile read and dropped).  For comparing start-up of cakiosk with
 * other terminal programs; prints one line: the time in ms (min, median,
 * max), the peak RSS in KiB, the median RSS at the marker and the median
 * RSS after SECS (0 without -s).
 *
 *   ptyrun [-n RUNS] [-k KEYS] [-s SECS] MARKER -- COMMAND [ARGS...]
 */
#define _GNU_SOURCE /* forkpty, wait4 */
#include <errno.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* The resident set of pid now, in KiB (VmRSS), or 0. */
static long
rss_now(pid_t pid)
{
	char path[64], line[256];
	long kb = 0;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	if (f == NULL)
		return 0;
	while (fgets(line, sizeof line, f) != NULL)
		if (sscanf(line, "VmRSS: %ld", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

static int
cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return (x > y) - (x < y);
}

static long
median_long(long *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp_long);
	return v[n / 2];
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* What one run measured. */
struct sample {
	double ms;  /* until the marker */
	long peak;  /* peak RSS, KiB */
	long first; /* RSS at the marker */
	long later; /* RSS secs after the start, 0 when secs is 0 */
};

/* Reads what the program draws until deadline (ms, now_ms), dropping it. */
static void
drain_until(int fd, char *buf, size_t size, double deadline)
{
	for (double left; (left = deadline - now_ms()) > 0;) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};

		if (poll(&pfd, 1, (int)left + 1) < 0 ||
		    (pfd.revents != 0 && read(fd, buf, size) <= 0))
			break;
	}
}

/* One run: returns 0 and fills out, or -1. */
static int
run(char **cmd, const char *marker, const char *keys, int secs, struct sample *out)
{
	struct winsize ws = {.ws_row = 24, .ws_col = 80};
	static char buf[1 << 20];
	size_t len = 0;
	struct rusage ru;
	double start = now_ms();
	int fd, status, seen = 0;
	pid_t pid;

	pid = forkpty(&fd, NULL, NULL, &ws);
	if (pid < 0)
		return -1;
	if (pid == 0) {
		setenv("TERM", "xterm-256color", 1);
		execvp(cmd[0], cmd);
		_exit(127);
	}
	while (!seen) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		ssize_t n;

		if (poll(&pfd, 1, 10000) <= 0)
			break;
		n = read(fd, buf + len, sizeof buf - 1 - len);
		if (n <= 0)
			break;
		len += (size_t)n;
		buf[len] = '\0';
		if (memmem(buf, len, marker, strlen(marker)) != NULL) {
			out->ms = now_ms() - start;
			out->first = rss_now(pid);
			seen = 1;
		}
		if (len > sizeof buf / 2) { /* keep the tail only */
			memmove(buf, buf + len - 4096, 4096);
			len = 4096;
		}
	}
	out->later = 0;
	if (seen && secs > 0) {
		drain_until(fd, buf, sizeof buf, start + secs * 1e3);
		out->later = rss_now(pid);
	}
	if (seen && keys != NULL)
		(void)!write(fd, keys, strlen(keys));
	else
		kill(pid, SIGTERM);
	/* Drain until the program is gone. */
	for (;;) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};

		if (poll(&pfd, 1, 5000) <= 0 || read(fd, buf, sizeof buf) <= 0)
			break;
	}
	if (wait4(pid, &status, 0, &ru) < 0)
		return -1;
	close(fd);
	out->peak = ru.ru_maxrss;
	return seen ? 0 : -1;
}

int
main(int argc, char **argv)
{
	int runs = 10, secs = 0, c;
	const char *keys = NULL, *marker;
	static struct sample smp[100];
	double sorted[100];
	long first[100], later[100], maxrss = 0;

	while ((c = getopt(argc, argv, "+n:k:s:")) != -1) {
		if (c == 'n')
			runs = atoi(optarg);
		else if (c == 'k')
			keys = optarg;
		else if (c == 's')
			secs = atoi(optarg);
		else
			return 2;
	}
	if (optind + 2 > argc || strcmp(argv[optind + 1], "--") != 0 || runs < 1 ||
	    runs > 100 || secs < 0) {
		fprintf(stderr, "usage: ptyrun [-n RUNS] [-k KEYS] [-s SECS] MARKER -- "
				"COMMAND...\n");
		return 2;
	}
	marker = argv[optind];
	for (int i = 0; i < runs; i++) {
		if (run(argv + optind + 2, marker, keys, secs, &smp[i]) != 0) {
			fprintf(stderr, "ptyrun: run %d: marker never appeared\n", i + 1);
			return 1;
		}
		sorted[i] = smp[i].ms;
		first[i] = smp[i].first;
		later[i] = smp[i].later;
		if (smp[i].peak > maxrss)
			maxrss = smp[i].peak;
	}
	qsort(sorted, (size_t)runs, sizeof(double), cmp_double);
	printf("%.2f %.2f %.2f %ld %ld %ld\n", sorted[0], sorted[runs / 2],
	       sorted[runs - 1], maxrss, median_long(first, runs),
	       median_long(later, runs));
	return 0;
}
