/*
 * tarpit.c - a loopback TCP port where connecting hangs, for tests of slow
 * networks.  It listens with the smallest backlog and fills that backlog
 * itself, so the kernel drops further SYNs and a client's connect() waits
 * until its own timeout.  Prints the port, then sleeps until killed or until
 * the given number of seconds (default 120) have passed.
 *
 *   tarpit [SECONDS]
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t len = sizeof sa;
	int lfd, seconds = argc > 1 ? atoi(argv[1]) : 120;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
	    listen(lfd, 0) != 0 || getsockname(lfd, (struct sockaddr *)&sa, &len) != 0) {
		perror("tarpit");
		return 1;
	}
	/* Fill the accept queue; these are never accepted. */
	for (int i = 0; i < 3; i++) {
		int c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

		if (c >= 0)
			connect(c, (struct sockaddr *)&sa, sizeof sa);
	}
	printf("%d\n", ntohs(sa.sin_port));
	fflush(stdout);
	sleep((unsigned)seconds);
	return 0;
}
