/*
 * gw_exec.c - the "exec:PROGRAM" provider of every gateway (see gw.h): the
 * operator's adaptor to a real SMS, mail, bank or payment provider.
 *
 * Each call runs PROGRAM OPERATION with one JSON object on its standard
 * input and reads one JSON object from its standard output; exit status 0
 * is success.  Secrets (an SMS text, a memo, a card number) go through the
 * pipe, never the command line.  A program that takes longer than
 * EXEC_TIMEOUT seconds is killed, and the call fails.
 */
#include "ra/gw.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "ra/outbox.h"
#include "ra/util.h"

#define EXEC_TIMEOUT 10
#define EXEC_OUT_LIMIT (64 * 1024)

extern char **environ;

static int64_t
mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A pipe that other programs the server runs do not inherit. */
static int
pipe_cloexec(int fd[2])
{
	if (pipe(fd) != 0)
		return -1;
	fcntl(fd[0], F_SETFD, FD_CLOEXEC);
	fcntl(fd[1], F_SETFD, FD_CLOEXEC);
	return 0;
}

/* Feeds in to the child and collects its output until it closes it. */
static int
exchange(pid_t pid, int to, int from, const char *in, char *out, size_t *outlen,
	 int64_t deadline)
{
	size_t inlen = strlen(in), sent = 0, got = 0;
	fcntl(to, F_SETFL, O_NONBLOCK);
	while (1) {
		struct pollfd p[2] = {{from, POLLIN, 0}, {to, POLLOUT, 0}};
		int64_t left = deadline - mono_ms();
		if (left <= 0) {
			log_warn("gateway: the program took over %d s; stopped",
				 EXEC_TIMEOUT);
			kill(pid, SIGKILL);
			return -1;
		}
		int np = to >= 0 ? 2 : 1;
		if (poll(p, (nfds_t)np, (int)left) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (to >= 0 && (p[1].revents & (POLLOUT | POLLERR | POLLHUP))) {
			ssize_t w = write(to, in + sent, inlen - sent);
			if (w > 0)
				sent += (size_t)w;
			if (w < 0 && errno != EAGAIN && errno != EINTR)
				sent = inlen; /* it does not read: fine */
			if (sent == inlen) {
				close(to);
				to = -1;
			}
		}
		if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t r = read(from, out + got, EXEC_OUT_LIMIT - got);
			if (r < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (r <= 0)
				break;
			got += (size_t)r;
			if (got == EXEC_OUT_LIMIT) {
				kill(pid, SIGKILL);
				break;
			}
		}
	}
	if (to >= 0)
		close(to);
	out[got] = '\0';
	*outlen = got;
	return 0;
}

/* Runs prog op with the JSON object in (taken) on stdin; the answer, or
 * NULL on any failure (logged without the data). */
static json_t *
run(const char *prog, const char *op, json_t *in)
{
	int pin[2] = {-1, -1}, pout[2] = {-1, -1};
	char *text = json_dumps(in, JSON_COMPACT);
	char *out = util_xmalloc(EXEC_OUT_LIMIT + 1);
	json_t *answer = NULL;
	pid_t pid = -1;
	size_t outlen = 0;
	int status = 0;
	json_decref(in);
	if (!text || pipe_cloexec(pin) != 0 || pipe_cloexec(pout) != 0)
		goto out;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, all;
	sigemptyset(&none);
	sigfillset(&all);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pin[0], 0);
	posix_spawn_file_actions_adddup2(&fa, pout[1], 1);
	posix_spawnattr_init(&at);
	/* The server blocks and ignores signals that the program must not. */
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &all);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	char *argv[] = {(char *)prog, (char *)op, NULL};
	int rc = posix_spawn(&pid, prog, &fa, &at, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	close(pin[0]);
	close(pout[1]);
	pin[0] = pout[1] = -1;
	if (rc != 0) {
		log_err("gateway: cannot run %s: %s", prog, strerror(rc));
		pid = -1;
		goto out;
	}
	int64_t deadline = mono_ms() + EXEC_TIMEOUT * 1000;
	int ex = exchange(pid, pin[1], pout[0], text, out, &outlen, deadline);
	pin[1] = -1; /* closed by exchange */
	/* Also a program that closed its output must end in time. */
	pid_t w;
	while ((w = waitpid(pid, &status, WNOHANG)) == 0 && mono_ms() < deadline)
		poll(NULL, 0, 5);
	if (w == 0) {
		log_warn("gateway: the program took over %d s; stopped", EXEC_TIMEOUT);
		kill(pid, SIGKILL);
		ex = -1;
	}
	if (w <= 0)
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	if (ex != 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		log_err("gateway: %s %s failed", prog, op);
		goto out;
	}
	answer = json_loadb(out, outlen, 0, NULL);
	if (!json_is_object(answer)) {
		log_err("gateway: %s %s gave no JSON object", prog, op);
		json_decref(answer);
		answer = NULL;
	}
out:
	for (int i = 0; i < 2; i++) {
		if (pin[i] >= 0)
			close(pin[i]);
		if (pout[i] >= 0)
			close(pout[i]);
	}
	if (text) {
		util_wipe_str(text);
		free(text);
	}
	util_wipe(out, outlen);
	free(out);
	return answer;
}

/* Runs a call whose answer is only its success. */
static int
run_ok(const char *prog, const char *op, json_t *in)
{
	json_t *a = run(prog, op, in);
	json_decref(a);
	return a ? 0 : -1;
}

/* The messages go into the outbox, in the request's transaction, and to
 * the program once it is committed (outbox.h). */
static int
exec_sms(const char *prog, struct store *st, const char *mobile, const char *text)
{
	(void)prog;
	return outbox_add(st, "sms",
			  json_pack("{s:s, s:s}", "mobile", mobile, "text", text));
}

static int
exec_mail(const char *prog, struct store *st, const char *to, const char *subject,
	  const char *body, const char *order_id)
{
	(void)prog;
	return outbox_add(st, "mail",
			  json_pack("{s:s, s:s, s:s, s:s?}", "to", to, "subject", subject,
				    "body", body, "order_id", order_id));
}

static int
exec_transfer(const char *prog, struct store *st, const char *account, int64_t amount,
	      const char *memo, const char *order_id)
{
	(void)prog;
	return outbox_add(st, "transfer",
			  json_pack("{s:s, s:I, s:s, s:s?}", "account", account, "amount",
				    (json_int_t)amount, "memo", memo, "order_id",
				    order_id));
}

int
gw_exec_call(const char *prog, const char *op, json_t *in)
{
	return run_ok(prog, op, in);
}

static int
exec_card_check(const char *prog, const char *card, const char *name,
		const char *id_number)
{
	json_t *a = run(prog, "card-check",
			json_pack("{s:s, s:s, s:s}", "card", card, "name", name,
				  "id_number", id_number));
	json_t *m = json_object_get(a, "match");
	int r = json_is_boolean(m) ? json_is_true(m) : -1;
	json_decref(a);
	return r;
}

static int
exec_pay_start(const char *prog, const char *public_url, const char *payment_id,
	       const char *order_id, const char *channel, int64_t amount, int64_t expires,
	       char **code_url)
{
	(void)public_url;
	json_t *a = run(prog, "pay-start",
			json_pack("{s:s, s:s, s:s, s:I, s:I}", "payment_id", payment_id,
				  "order_id", order_id, "channel", channel, "amount",
				  (json_int_t)amount, "expires", (json_int_t)expires));
	const char *u = json_string_value(json_object_get(a, "code_url"));
	int r = u && strncmp(u, "https://", 8) == 0 && strlen(u) < 1024 ? 0 : -1;
	if (r == 0)
		*code_url = util_xstrdup(u);
	json_decref(a);
	return r;
}

static int
exec_pay_status(const char *prog, const char *payment_id, char state[16])
{
	static const char *const states[] = {"pending", "paid", "expired", "cancelled",
					     NULL};
	json_t *a = run(prog, "pay-status", json_pack("{s:s}", "payment_id", payment_id));
	const char *s = json_string_value(json_object_get(a, "state"));
	int r = -1;
	for (int i = 0; s && states[i]; i++)
		if (strcmp(s, states[i]) == 0) {
			snprintf(state, 16, "%s", s);
			r = 0;
		}
	json_decref(a);
	return r;
}

const struct gw_sms gw_exec_sms = {exec_sms};
const struct gw_mail gw_exec_mail = {exec_mail};
const struct gw_bank gw_exec_bank = {exec_transfer, exec_card_check};
const struct gw_pay gw_exec_pay = {exec_pay_start, exec_pay_status};
