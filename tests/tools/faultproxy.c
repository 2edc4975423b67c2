/*
 * faultproxy.c - a loopback TCP relay in front of the backend that misbehaves
 * on demand, for tests of a backend that is down, slow or loses answers.
 * TLS passes through untouched (the kiosk still talks to cakiosk-ra with its
 * client certificate); the relay only decides what happens to each new
 * connection, by the one word in a control file read when it is accepted:
 *
 *   pass      relay both ways (also when the file is missing)
 *   refuse    close at once with a reset: "connection refused" for a client
 *   hang      take what the client sends, never answer: a slow backend
 *   swallow   relay the request, drop the answer: the backend acted, the
 *             client never heard (the case idempotency keys are for).  The
 *             TLS handshake passes: what the server sends is dropped from
 *             the client's first application-data record on (TLS 1.3: its
 *             Finished flight, the request right behind it; TLS 1.2: the
 *             request), so the request arrives whole and its answer never
 *             does
 *   after N MODE
 *             the next N connections pass, the ones after get MODE: a
 *             fault at the second of two calls the client makes back to
 *             back (counted from when the file last changed)
 *
 * Prints the port it listens on, then serves until killed or SECONDS
 * (default 600) have passed.  One process per connection.
 *
 *   faultproxy TARGET_PORT CONTROL_FILE [SECONDS]
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

enum mode { M_PASS, M_REFUSE, M_HANG, M_SWALLOW };

static enum mode
mode_of(const char *word)
{
	if (strcmp(word, "refuse") == 0)
		return M_REFUSE;
	if (strcmp(word, "hang") == 0)
		return M_HANG;
	if (strcmp(word, "swallow") == 0)
		return M_SWALLOW;
	return M_PASS;
}

/* The mode of the connection just accepted. */
static enum mode
read_mode(const char *path)
{
	static char last[96];
	static long seen;
	char text[96] = "", word[32] = "";
	FILE *f = fopen(path, "r");
	long after = 0;

	if (f == NULL)
		return M_PASS;
	if (fgets(text, sizeof text, f) == NULL)
		text[0] = '\0';
	fclose(f);
	if (strcmp(text, last) != 0) {
		snprintf(last, sizeof last, "%s", text);
		seen = 0;
	}
	seen++;
	if (sscanf(text, "after %ld %31s", &after, word) == 2)
		return seen <= after ? M_PASS : mode_of(word);
	if (sscanf(text, "%31s", word) != 1)
		return M_PASS;
	return mode_of(word);
}

static int
dial(int port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET,
				 .sin_port = htons((uint16_t)port)};
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* Where a stream of TLS records stands: the bytes left of the record being
 * read, or of the header being read; whether an application-data record
 * (type 23) has been seen. */
struct records {
	unsigned char head[5];
	size_t have;  /* header bytes read */
	size_t left;  /* body bytes left of the current record */
	bool appdata; /* one was seen */
};

static void
records_feed(struct records *r, const unsigned char *p, size_t n)
{
	while (n > 0 && !r->appdata) {
		if (r->left > 0) {
			size_t k = n < r->left ? n : r->left;

			r->left -= k;
			p += k;
			n -= k;
			continue;
		}
		r->head[r->have++] = *p++;
		n--;
		if (r->have == 5) {
			r->appdata = r->head[0] == 23;
			r->left = (size_t)r->head[3] << 8 | r->head[4];
			r->have = 0;
		}
	}
}

/* Copy what is readable from one side to the other; false at the end.
 * seen (may be NULL): the records that went through. */
static bool
pump(int from, int to, bool drop, struct records *seen)
{
	char buf[16384];
	ssize_t n = read(from, buf, sizeof buf);

	if (n <= 0)
		return false;
	if (seen != NULL)
		records_feed(seen, (const unsigned char *)buf, (size_t)n);
	for (ssize_t off = 0; !drop && off < n;) {
		ssize_t w = write(to, buf + off, (size_t)(n - off));

		if (w < 0 && errno != EINTR)
			return false;
		if (w > 0)
			off += w;
	}
	return true;
}

static void
serve(int client, int port, enum mode mode)
{
	struct linger rst = {1, 0};
	struct pollfd p[2];
	struct records sent = {0};
	int server = -1;

	if (mode == M_REFUSE) {
		setsockopt(client, SOL_SOCKET, SO_LINGER, &rst, sizeof rst);
		close(client);
		return;
	}
	if (mode != M_HANG && (server = dial(port)) < 0) {
		setsockopt(client, SOL_SOCKET, SO_LINGER, &rst, sizeof rst);
		close(client);
		return;
	}
	p[0] = (struct pollfd){.fd = client, .events = POLLIN};
	p[1] = (struct pollfd){.fd = server, .events = POLLIN};
	for (;;) {
		if (poll(p, server >= 0 ? 2 : 1, -1) < 0 && errno != EINTR)
			break;
		if ((p[0].revents & (POLLIN | POLLHUP | POLLERR)) &&
		    !pump(client, server, mode == M_HANG, &sent))
			break;
		if (server >= 0 && (p[1].revents & (POLLIN | POLLHUP | POLLERR)) &&
		    !pump(server, client, mode == M_SWALLOW && sent.appdata, NULL))
			break;
	}
	close(client);
	if (server >= 0)
		close(server);
}

int
main(int argc, char **argv)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t len = sizeof sa;
	int lfd, port, seconds;

	if (argc < 3) {
		fputs("usage: faultproxy TARGET_PORT CONTROL_FILE [SECONDS]\n", stderr);
		return 2;
	}
	port = atoi(argv[1]);
	seconds = argc > 3 ? atoi(argv[3]) : 600;
	signal(SIGCHLD, SIG_IGN); /* children reap themselves */
	signal(SIGPIPE, SIG_IGN);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
	    listen(lfd, 16) != 0 || getsockname(lfd, (struct sockaddr *)&sa, &len) != 0) {
		perror("faultproxy");
		return 1;
	}
	printf("%d\n", ntohs(sa.sin_port));
	fflush(stdout);
	alarm((unsigned)seconds);
	for (;;) {
		int c = accept(lfd, NULL, NULL);
		enum mode mode;

		if (c < 0) {
			if (errno == EINTR)
				continue;
			perror("faultproxy: accept");
			return 1;
		}
		mode = read_mode(argv[2]);
		switch (fork()) {
		case 0:
			close(lfd);
			alarm(0);
			serve(c, port, mode);
			_exit(0);
		case -1:
			perror("faultproxy: fork");
			break;
		default:
			break;
		}
		close(c);
	}
}
