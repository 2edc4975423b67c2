/*
 * faultproxy.c - a loopback TCP relay in front of the backend that misbehaves
 * on demand, for tests of a backend that is down, slow or loses answers.
 * TLS passes through untouched (the kiosk still talks to cakiosk-ra with its
 * client certificate); the relay decides what happens to each request, by
 * the one word in a control file read when the request begins:
 *
 *   pass      relay both ways (also when the file is missing)
 *   refuse    reset the connection: "connection refused" for a client (a
 *             kept-alive connection is reset when its next request begins;
 *             the client's new connection is then refused at once)
 *   hang      take what the client sends, never answer: a slow backend
 *   swallow   relay the request, drop the answer: the backend acted, the
 *             client never heard (the case idempotency keys are for)
 *   after N MODE
 *             the next N requests pass, the ones after get MODE: a fault
 *             at the second of two calls the client makes back to back
 *             (counted from when the file last changed)
 *
 * Clients keep connections alive, so a request is found in the TLS stream
 * itself: an application-data record from the client, longer than a
 * Finished or an alert, that is the connection's first or follows data
 * from the server (HTTP/1.1 without pipelining: one request, then its
 * answer).  A new connection is refused or left hanging at once when the
 * next request is to be.  The count of requests is kept in CONTROL_FILE.n
 * under a lock, shared by the process of each connection.
 *
 * Prints the port it listens on, then serves until killed or SECONDS
 * (default 600) have passed.  One process per connection.  Its standard
 * error gets a line for each connection ("connection") and each request
 * ("request pass", "request swallow", ...), for tests that count them.
 *
 *   faultproxy TARGET_PORT CONTROL_FILE [SECONDS]
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <unistd.h>

enum mode { M_PASS, M_REFUSE, M_HANG, M_SWALLOW };

/* The longest client application-data record that is no request: a TLS 1.3
 * Finished (53 bytes with SHA-384's 48 + 5) or an alert (19). */
#define NOT_A_REQUEST 69

static const char *control;

static const char *const mode_names[] = {"pass", "refuse", "hang", "swallow"};

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

/*
 * The mode of the next request; consume: count it.  The count since the
 * control file last changed is in CONTROL.n ("count text"), under flock.
 */
static enum mode
next_mode(bool consume)
{
	char text[96] = "", word[32] = "", path[4096];
	FILE *f = fopen(control, "r");
	long after = 0, count = 0;
	int fd;

	if (f == NULL)
		return M_PASS;
	if (fgets(text, sizeof text, f) == NULL)
		text[0] = '\0';
	fclose(f);
	text[strcspn(text, "\n")] = '\0';
	snprintf(path, sizeof path, "%s.n", control);
	fd = open(path, O_RDWR | O_CREAT, 0600);
	if (fd >= 0 && flock(fd, LOCK_EX) == 0) {
		char kept[128];
		ssize_t n = pread(fd, kept, sizeof kept - 1, 0);
		char *sp;

		kept[n > 0 ? n : 0] = '\0';
		sp = strchr(kept, ' ');
		if (sp != NULL && strcmp(sp + 1, text) == 0)
			count = atol(kept);
		count++;
		if (consume) {
			int k = snprintf(kept, sizeof kept, "%ld %s", count, text);

			if (ftruncate(fd, 0) != 0 || pwrite(fd, kept, (size_t)k, 0) != k)
				perror("faultproxy: count");
		}
	}
	if (fd >= 0)
		close(fd); /* and the lock */
	if (sscanf(text, "after %ld %31s", &after, word) == 2)
		return count <= after ? M_PASS : mode_of(word);
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

/* One connection: where the client's stream of TLS records stands (the
 * header being read, the bytes left of the record), and the request. */
struct conn {
	int client, server;
	unsigned char head[5];
	size_t have;       /* header bytes read */
	size_t left;       /* body bytes left of the current record */
	bool requested;    /* a request was seen */
	bool server_spoke; /* ... and the server sent something since */
	enum mode mode;    /* of the request in flight */
};

/* Reads the client's bytes; true if a request begins in them. */
static bool
request_begins(struct conn *c, const unsigned char *p, size_t n)
{
	bool begins = false;

	while (n > 0) {
		if (c->left > 0) {
			size_t k = n < c->left ? n : c->left;

			c->left -= k;
			p += k;
			n -= k;
			continue;
		}
		c->head[c->have++] = *p++;
		n--;
		if (c->have < 5)
			continue;
		c->have = 0;
		c->left = (size_t)c->head[3] << 8 | c->head[4];
		if (c->head[0] == 23 && c->left > NOT_A_REQUEST &&
		    (!c->requested || c->server_spoke)) {
			c->requested = true;
			c->server_spoke = false;
			begins = true;
		}
	}
	return begins;
}

static bool
write_all(int to, const char *buf, ssize_t n)
{
	for (ssize_t off = 0; off < n;) {
		ssize_t w = write(to, buf + off, (size_t)(n - off));

		if (w < 0 && errno != EINTR)
			return false;
		if (w > 0)
			off += w;
	}
	return true;
}

static void
reset(int fd)
{
	struct linger rst = {1, 0};

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &rst, sizeof rst);
	close(fd);
}

/* The client spoke: a new request takes the mode of its turn. */
static bool
from_client(struct conn *c)
{
	char buf[16384];
	ssize_t n = read(c->client, buf, sizeof buf);

	if (n <= 0)
		return false;
	if (request_begins(c, (const unsigned char *)buf, (size_t)n)) {
		c->mode = next_mode(true);
		fprintf(stderr, "request %s\n", mode_names[c->mode]);
		if (c->mode == M_REFUSE)
			return false;
	}
	if (c->mode == M_HANG || c->server < 0)
		return true;
	return write_all(c->server, buf, n);
}

static bool
from_server(struct conn *c)
{
	char buf[16384];
	ssize_t n = read(c->server, buf, sizeof buf);

	if (n <= 0)
		return false;
	if (c->requested)
		c->server_spoke = true;
	if (c->mode == M_SWALLOW && c->requested)
		return true;
	return write_all(c->client, buf, n);
}

static void
serve(int client, int port)
{
	struct conn c = {.client = client, .server = -1, .mode = M_PASS};
	struct pollfd p[2];

	fprintf(stderr, "connection\n");
	/* Refused or hanging from the start when the next request is to be. */
	switch (next_mode(false)) {
	case M_REFUSE:
		fprintf(stderr, "request %s\n", mode_names[next_mode(true)]);
		reset(client);
		return;
	case M_HANG:
		c.mode = next_mode(true);
		c.requested = true;
		fprintf(stderr, "request %s\n", mode_names[c.mode]);
		break;
	default:
		if ((c.server = dial(port)) < 0) {
			reset(client);
			return;
		}
	}
	p[0] = (struct pollfd){.fd = client, .events = POLLIN};
	p[1] = (struct pollfd){.fd = c.server, .events = POLLIN};
	for (;;) {
		if (poll(p, c.server >= 0 ? 2 : 1, -1) < 0 && errno != EINTR)
			break;
		if ((p[0].revents & (POLLIN | POLLHUP | POLLERR)) && !from_client(&c)) {
			if (c.mode == M_REFUSE) {
				reset(client);
				client = -1;
			}
			break;
		}
		if (c.server >= 0 && (p[1].revents & (POLLIN | POLLHUP | POLLERR)) &&
		    !from_server(&c))
			break;
	}
	if (client >= 0)
		close(client);
	if (c.server >= 0)
		close(c.server);
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
	control = argv[2];
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

		if (c < 0) {
			if (errno == EINTR)
				continue;
			perror("faultproxy: accept");
			return 1;
		}
		switch (fork()) {
		case 0:
			close(lfd);
			alarm(0);
			serve(c, port);
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
