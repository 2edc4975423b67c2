/*
 * staff_admin.c - the administrator's commands on counter staff, the calls
 * for staff and the audit (`cakiosk-ra staff|calls|audit`, see staff.h),
 * and the demo's staff member.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "common/staffauth.h"
#include "ra/staff.h"
#include "ra/util.h"

#define S(o, k) json_string_value(json_object_get((o), (k)))
#define I(o, k) json_integer_value(json_object_get((o), (k)))

/* A PIN from standard input: asked twice without echo on a terminal, one
 * line otherwise.  0 with 4..12 digits in pin, or -1 (said why). */
static int
read_pin(char *pin, size_t size)
{
	bool tty = isatty(STDIN_FILENO);
	char again[64] = "";
	struct termios old, quiet;
	int rc = -1;
	if (tty && tcgetattr(STDIN_FILENO, &old) == 0) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	if (tty)
		fputs("staff PIN (4-12 digits): ", stderr);
	if (!fgets(pin, (int)size, stdin))
		goto out;
	pin[strcspn(pin, "\r\n")] = '\0';
	if (tty) {
		fputs("\nagain: ", stderr);
		if (!fgets(again, sizeof again, stdin))
			goto out;
		again[strcspn(again, "\r\n")] = '\0';
		fputs("\n", stderr);
		if (strcmp(pin, again) != 0) {
			fprintf(stderr, "cakiosk-ra: the two PINs differ\n");
			goto out;
		}
	}
	if (!staff_digits(pin, 4, 12)) {
		fprintf(stderr, "cakiosk-ra: a staff PIN is 4 to 12 digits\n");
		goto out;
	}
	rc = 0;
out:
	if (tty)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
	util_wipe(again, sizeof again);
	if (rc != 0)
		util_wipe(pin, size);
	return rc;
}

static int
staff_set_pin(struct store *st, const char *no, const char *name, bool add)
{
	char pin[64], hash[STAFFAUTH_HASH_MAX];
	if (read_pin(pin, sizeof pin) != 0)
		return 1;
	int rc = staffauth_hash(pin, hash, sizeof hash);
	util_wipe(pin, sizeof pin);
	if (rc != 0)
		return 1;
	int64_t now = util_now();
	int64_t n = add ? store_exec(st,
				     "INSERT INTO staff(number, name, pin_hash, created,"
				     " updated) VALUES(?,?,?,?,?)",
				     "sssii", no, name, hash, now, now)
			: store_exec(st,
				     "UPDATE staff SET pin_hash = ?, failures = 0,"
				     " locked_until = 0, updated = ? WHERE number = ?",
				     "sis", hash, now, no);
	util_wipe(hash, sizeof hash);
	if (n != 1) {
		fprintf(stderr, "cakiosk-ra: %s\n",
			add ? "that staff number exists already"
			    : "no such staff number");
		return 1;
	}
	return staff_audit(st, "admin", "-", add ? "staff_add" : "staff_pin", no) ? 1 : 0;
}

static int
staff_list(struct store *st)
{
	json_t *rows = store_query(st,
				   "SELECT number, name, disabled, failures, locked_until"
				   " FROM staff ORDER BY number",
				   "");
	int64_t now = util_now();
	for (size_t i = 0; i < json_array_size(rows); i++) {
		json_t *s = json_array_get(rows, i);
		const char *state = I(s, "disabled") ? "disabled"
				    : I(s, "failures") >= STAFF_LOCK_HARD
					    ? "locked-until-reset"
				    : I(s, "locked_until") > now ? "locked"
								 : "active";
		printf("%s %s failures=%lld %s\n", S(s, "number"), state,
		       (long long)I(s, "failures"), S(s, "name"));
	}
	json_decref(rows);
	return rows ? 0 : 1;
}

static int
staff_cmd(struct store *st, int argc, char **argv, const char *name)
{
	if (argc == 1 && strcmp(argv[0], "list") == 0)
		return staff_list(st);
	if (argc != 2 || !staff_digits(argv[1], 1, 8))
		return 2;
	const char *sub = argv[0], *no = argv[1];
	if (strcmp(sub, "add") == 0)
		return staff_set_pin(st, no, name && *name ? name : no, true);
	if (strcmp(sub, "pin") == 0)
		return staff_set_pin(st, no, NULL, false);
	const char *sql = NULL;
	if (strcmp(sub, "disable") == 0)
		sql = "UPDATE staff SET disabled = 1, updated = ? WHERE number = ?";
	else if (strcmp(sub, "enable") == 0)
		sql = "UPDATE staff SET disabled = 0, updated = ? WHERE number = ?";
	else if (strcmp(sub, "reset") == 0)
		sql = "UPDATE staff SET failures = 0, locked_until = 0, updated = ?"
		      " WHERE number = ?";
	else
		return 2;
	if (store_exec(st, sql, "is", util_now(), no) != 1) {
		fprintf(stderr, "cakiosk-ra: no such staff number %s\n", no);
		return 1;
	}
	/* A disabled account's sessions end with it. */
	if (strcmp(sub, "disable") == 0)
		store_exec(st, "DELETE FROM staff_sessions WHERE staff_no = ?", "s", no);
	char action[24];
	snprintf(action, sizeof action, "staff_%s", sub);
	if (staff_audit(st, "admin", "-", action, no) != 0)
		return 1;
	printf("%s %s\n", no, sub);
	return 0;
}

/* Each row of sql printed by line with its time ("at" or "created"). */
static int
print_rows(struct store *st, const char *sql, const char *time_col,
	   void (*line)(const json_t *row, const char *at))
{
	json_t *rows = store_query(st, sql, "");
	for (size_t i = 0; i < json_array_size(rows); i++) {
		const json_t *r = json_array_get(rows, i);
		char at[32];
		util_iso8601(I(r, time_col), at, sizeof at);
		line(r, at);
	}
	json_decref(rows);
	return rows ? 0 : 1;
}

static void
call_line(const json_t *c, const char *at)
{
	printf("%lld %s %s %s\n", (long long)I(c, "id"), S(c, "terminal"), S(c, "screen"),
	       at);
}

static void
audit_line(const json_t *a, const char *at)
{
	printf("%s staff=%s terminal=%s %s%s%s\n", at, S(a, "staff_no"), S(a, "terminal"),
	       S(a, "action"), S(a, "detail") ? " " : "",
	       S(a, "detail") ? S(a, "detail") : "");
}

static int
calls_cmd(struct store *st, int argc, char **argv)
{
	if (argc == 0)
		return print_rows(st,
				  "SELECT id, terminal, screen, created FROM calls"
				  " WHERE closed IS NULL ORDER BY created, id",
				  "created", call_line);
	char *end = NULL;
	long long id = argc == 2 && strcmp(argv[0], "close") == 0
			       ? strtoll(argv[1], &end, 10)
			       : 0;
	if (id <= 0 || !end || *end)
		return 2;
	const char *bad = staff_call_close(st, id, "admin", "-");
	if (bad) {
		fprintf(stderr, "cakiosk-ra: call %lld: %s\n", id,
			strcmp(bad, "call_closed") == 0 ? "closed already"
							: "no such call");
		return 1;
	}
	printf("%lld closed\n", id);
	return 0;
}

static int
audit_cmd(struct store *st)
{
	return print_rows(st,
			  "SELECT at, staff_no, terminal, action, detail FROM audit"
			  " ORDER BY id",
			  "at", audit_line);
}

int
staff_admin(struct store *st, const char *cmd, int argc, char **argv, const char *name)
{
	if (strcmp(cmd, "staff") == 0)
		return staff_cmd(st, argc, argv, name);
	if (strcmp(cmd, "calls") == 0)
		return calls_cmd(st, argc, argv);
	return argc == 0 ? audit_cmd(st) : 2;
}

int
staff_demo(struct store *st)
{
	if (store_query_int(st, 0, "SELECT count(*) FROM staff WHERE number = '1001'",
			    "") > 0)
		return 0;
	char hash[STAFFAUTH_HASH_MAX];
	int64_t now = util_now();
	if (staffauth_hash("123456", hash, sizeof hash) != 0 ||
	    store_begin(st, true) != 0)
		return -1;
	if (store_exec(st,
		       "INSERT INTO staff(number, name, pin_hash, created, updated)"
		       " VALUES('1001', '演示柜员', ?, ?, ?)",
		       "sii", hash, now, now) != 1 ||
	    store_commit(st) != 0) {
		store_rollback(st);
		return -1;
	}
	log_info("demo: staff 1001 added");
	return 0;
}
