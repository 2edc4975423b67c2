/*
 * flood.c - many plain TCP connections to a server at once, as a client
 * that never speaks would open them (test_lanes.sh: a server whose
 * threads are all full of them must still answer once they are gone).
 *
 *   flood HOST PORT N HOLD_MS
 *
 * Opens N connections without waiting for each, holds them HOLD_MS after
 * the last connect was sent, closes them all and prints "opened N
 * connected C" (C: those the kernel had completed by then).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: flood HOST PORT N HOLD_MS\n");
		return 2;
	}
	struct sockaddr_in sa = {.sin_family = AF_INET,
				 .sin_port = htons((uint16_t)atoi(argv[2]))};
	int n = atoi(argv[3]), hold = atoi(argv[4]);
	if (inet_pton(AF_INET, argv[1], &sa.sin_addr) != 1 || n <= 0) {
		fprintf(stderr, "flood: bad address or count\n");
		return 2;
	}
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)n + 16) {
		rl.rlim_cur = rl.rlim_max < (rlim_t)n + 16 ? rl.rlim_max : (rlim_t)n + 16;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	struct pollfd *p = calloc((size_t)n, sizeof *p);
	if (!p)
		return 1;
	int opened = 0;
	for (int i = 0; i < n; i++) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		if (fd < 0)
			break;
		if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0 &&
		    errno != EINPROGRESS) {
			close(fd);
			break;
		}
		p[opened].fd = fd;
		p[opened].events = POLLOUT;
		opened++;
	}
	usleep((useconds_t)hold * 1000);
	/* Completed: writable without an error. */
	int connected = 0;
	if (poll(p, (nfds_t)opened, 0) >= 0)
		for (int i = 0; i < opened; i++)
			connected +=
				(p[i].revents & (POLLOUT | POLLERR | POLLHUP)) == POLLOUT;
	for (int i = 0; i < opened; i++)
		close(p[i].fd);
	free(p);
	printf("opened %d connected %d\n", opened, connected);
	return opened == n ? 0 : 1;
}
