/*
 * probe.c - TCP reachability of the backend (see probe.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "i18n.h"
#include "log.h"
#include "now.h"
#include "probe.h"
#include "worker.h"
#include "xmem.h"

#define SLICE_MS 100

struct probe {
	struct job job; /* first: a struct job * is a struct probe * */
	char host[256];
	char port[8];
	int timeout_ms;
	enum probe_status status;
	int elapsed_ms;
};

int
probe_split_url(const char *url, char *host, size_t hostlen, char *port, size_t portlen)
{
	const char *h, *end, *colon = NULL;
	size_t n;

	if (url == NULL || strncmp(url, "https://", 8) != 0)
		return -1;
	h = url + 8;
	if (*h == '[') { /* [v6]:port */
		end = strchr(h, ']');
		if (end == NULL)
			return -1;
		n = (size_t)(end - h - 1);
		if (n == 0 || n >= hostlen)
			return -1;
		memcpy(host, h + 1, n);
		host[n] = '\0';
		end++;
		colon = *end == ':' ? end : NULL;
	} else {
		end = h + strcspn(h, ":/?#");
		n = (size_t)(end - h);
		if (n == 0 || n >= hostlen)
			return -1;
		memcpy(host, h, n);
		host[n] = '\0';
		colon = *end == ':' ? end : NULL;
	}
	if (colon != NULL) {
		n = strspn(colon + 1, "0123456789");
		if (n == 0 || n >= portlen || n > 5 || atoi(colon + 1) > 65535 ||
		    (colon[1 + n] != '\0' && colon[1 + n] != '/'))
			return -1;
		memcpy(port, colon + 1, n);
		port[n] = '\0';
	} else {
		snprintf(port, portlen, "443");
	}
	return 0;
}

static enum probe_status
try_addr(struct probe *p, const struct addrinfo *ai, int64_t deadline)
{
	int fd, err = 0;
	socklen_t len = sizeof err;

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    ai->ai_protocol);
	if (fd < 0)
		return PROBE_FAILED;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0 && errno != EINPROGRESS) {
		err = errno;
		goto done;
	}
	for (;;) {
		struct pollfd pfd = {.fd = fd, .events = POLLOUT};
		int64_t left = deadline - now_ms();
		int rc;

		if (job_cancelled(&p->job)) {
			close(fd);
			return PROBE_CANCELLED;
		}
		if (left <= 0) {
			close(fd);
			return PROBE_TIMEOUT;
		}
		rc = poll(&pfd, 1, left < SLICE_MS ? (int)left : SLICE_MS);
		if (rc > 0)
			break;
		if (rc < 0 && errno != EINTR) {
			err = errno;
			goto done;
		}
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
		err = errno;
done:
	close(fd);
	if (err == 0)
		return PROBE_OK;
	return err == ECONNREFUSED ? PROBE_REFUSED : PROBE_FAILED;
}

static void
probe_run(struct job *job)
{
	struct probe *p = (struct probe *)job;
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
	int64_t start = now_ms(), deadline = start + p->timeout_ms;
	int rc;

	rc = getaddrinfo(p->host, p->port, &hints, &res);
	if (rc != 0) {
		p->status = PROBE_NO_HOST;
		goto out;
	}
	p->status = PROBE_FAILED;
	for (const struct addrinfo *ai = res; ai != NULL; ai = ai->ai_next) {
		p->status = try_addr(p, ai, deadline);
		if (p->status == PROBE_OK || p->status == PROBE_CANCELLED ||
		    p->status == PROBE_TIMEOUT)
			break;
	}
	freeaddrinfo(res);
out:
	p->elapsed_ms = (int)(now_ms() - start);
	log_info("backend probe %s:%s: %d after %d ms", p->host, p->port, p->status,
		 p->elapsed_ms);
}

static void
probe_release(struct job *job)
{
	free(job);
}

struct job *
probe_new(const char *url, int timeout_s)
{
	struct probe *p = xcalloc(1, sizeof *p);

	if (probe_split_url(url, p->host, sizeof p->host, p->port, sizeof p->port) != 0) {
		free(p);
		return NULL;
	}
	job_init(&p->job, "probe", probe_run, probe_release);
	p->timeout_ms = timeout_s * 1000;
	p->status = PROBE_CANCELLED;
	return &p->job;
}

enum probe_status
probe_status(const struct job *job)
{
	return ((const struct probe *)job)->status;
}

int
probe_elapsed_ms(const struct job *job)
{
	return ((const struct probe *)job)->elapsed_ms;
}

const char *
probe_reason(enum probe_status st)
{
	switch (st) {
	case PROBE_OK:
		return N_("The backend answered.");
	case PROBE_BAD_URL:
		return N_("The backend address in the configuration is not valid.");
	case PROBE_NO_HOST:
		return N_("The backend's name could not be found (DNS).");
	case PROBE_REFUSED:
		return N_("The backend's computer answered, but the service is not "
			  "running.");
	case PROBE_TIMEOUT:
		return N_("The backend did not answer in time.");
	case PROBE_FAILED:
		return N_("The network to the backend is not working.");
	case PROBE_CANCELLED:
		return N_("The test was cancelled.");
	}
	return N_("The network to the backend is not working.");
}

int
probe_reachable(const struct job *job)
{
	enum probe_status st = probe_status(job);

	return st == PROBE_CANCELLED ? -1 : st == PROBE_OK;
}
