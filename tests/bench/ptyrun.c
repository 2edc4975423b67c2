/*
 * ptyrun.c - start a full-screen program on a fresh 80x24 pseudo-terminal,
 * time how long it takes until MARKER appears in what it draws, then end it
 * (send KEYS, or SIGTERM) and report its peak RSS.  For comparing start-up
 * of cakiosk with other terminal programs; prints one line per run and a
 * median line.
 *
 *   ptyrun [-n RUNS] [-k KEYS] MARKER -- COMMAND [ARGS...]
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

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* One run: returns 0 and fills ms and rss_kb, or -1. */
static int
run(char **cmd, const char *marker, const char *keys, double *ms, long *rss_kb)
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
			*ms = now_ms() - start;
			seen = 1;
		}
		if (len > sizeof buf / 2) { /* keep the tail only */
			memmove(buf, buf + len - 4096, 4096);
			len = 4096;
		}
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
	*rss_kb = ru.ru_maxrss;
	return seen ? 0 : -1;
}

int
main(int argc, char **argv)
{
	int runs = 10, c;
	const char *keys = NULL, *marker;
	double ms[100];
	long rss[100];

	while ((c = getopt(argc, argv, "+n:k:")) != -1) {
		if (c == 'n')
			runs = atoi(optarg);
		else if (c == 'k')
			keys = optarg;
		else
			return 2;
	}
	if (optind + 2 > argc || strcmp(argv[optind + 1], "--") != 0 || runs < 1 ||
	    runs > 100) {
		fprintf(stderr,
			"usage: ptyrun [-n RUNS] [-k KEYS] MARKER -- COMMAND...\n");
		return 2;
	}
	marker = argv[optind];
	for (int i = 0; i < runs; i++) {
		if (run(argv + optind + 2, marker, keys, &ms[i], &rss[i]) != 0) {
			fprintf(stderr, "ptyrun: run %d: marker never appeared\n", i + 1);
			return 1;
		}
	}
	double sorted[100];
	long rs[100];
	memcpy(sorted, ms, sizeof(double) * (size_t)runs);
	qsort(sorted, (size_t)runs, sizeof(double), cmp_double);
	for (int i = 0; i < runs; i++)
		rs[i] = rss[i];
	long maxrss = 0;
	for (int i = 0; i < runs; i++)
		if (rs[i] > maxrss)
			maxrss = rs[i];
	printf("%.2f %.2f %.2f %ld\n", sorted[0], sorted[runs / 2], sorted[runs - 1],
	       maxrss);
	return 0;
}
