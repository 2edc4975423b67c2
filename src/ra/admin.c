/*
 * admin.c - the staff subcommands of cakiosk-ra (review, orders, make,
 * post, revoke, enrol-code): they work on the store directly, one
 * transaction each, beside a running server (SQLite WAL allows that).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ra/api.h"
#include "ra/gw.h"
#include "ra/issue.h"
#include "ra/order.h"
#include "ra/outbox.h"
#include "ra/purge.h"
#include "ra/staff.h"
#include "ra/terminal.h"
#include "ra/util.h"

#define S(o, k) json_string_value(json_object_get((o), (k)))

/* The gateways the server last ran with (api_open keeps them in the store):
 * a review or a posting sends its SMS the way the server would. */
static void
admin_gateways(struct store *st)
{
	json_t *m =
		store_query_one(st, "SELECT value FROM meta WHERE key = 'gateways'", "");
	char *line = util_xstrdup(m ? S(m, "value") : "");
	const char *specs[8];
	int n = 0;
	bool sandbox = false;
	for (char *save = NULL, *t = strtok_r(line, " ", &save); t && n < 8;
	     t = strtok_r(NULL, " ", &save)) {
		specs[n++] = t;
		sandbox |= strstr(t, "=sandbox") != NULL;
	}
	char *err = NULL;
	if (n && gw_configure(sandbox, specs, n, &err) != 0) {
		fprintf(stderr, "cakiosk-ra: %s\n", err);
		free(err);
	}
	free(line);
	json_decref(m);
}

static int
admin_orders(struct store *st, const char *state)
{
	json_t *rows = store_query(
		st,
		"SELECT id, kind, subject_type, subject_id, state, price FROM orders"
		" WHERE state = ? ORDER BY created",
		"s", state ? state : "under_review");
	for (size_t i = 0; i < json_array_size(rows); i++) {
		json_t *o = json_array_get(rows, i);
		printf("%s %s %s %s %s %lld\n", S(o, "id"), S(o, "kind"),
		       S(o, "subject_type"), S(o, "subject_id"), S(o, "state"),
		       (long long)json_integer_value(json_object_get(o, "price")));
	}
	json_decref(rows);
	return 0;
}

/* A token's escrowed SO PIN and the candidate of an unlock stopped half-way,
 * for staff at the counter (a token no kiosk can unlock), on their terminal. */
static int
admin_escrow(struct app *app, const char *serial)
{
	json_t *t = store_query_one(app->st,
				    "SELECT so_pin_enc, cand_enc, cand_order FROM tokens"
				    " WHERE serial = ?",
				    "s", serial);
	if (!t) {
		fprintf(stderr, "cakiosk-ra: no SO PIN is escrowed for %s\n", serial);
		return 1;
	}
	const char *what[] = {"so_pin", "candidate"}, *col[] = {"so_pin_enc", "cand_enc"};
	int rc = 0;
	for (int i = 0; i < 2; i++) {
		char *pin = S(t, col[i]) ? ca_escrow_open(app->ca, S(t, col[i])) : NULL;
		if (pin) {
			printf("%s %s\n", what[i], pin);
			util_wipe_str(pin);
		} else if (S(t, col[i])) {
			rc = 1;
		}
		free(pin);
	}
	if (S(t, "cand_order"))
		printf("candidate_order %s\n", S(t, "cand_order"));
	json_decref(t);
	return rc;
}

/* The store of a command that needs nothing else; NULL after saying why. */
static struct store *
admin_store(const char *db)
{
	char *err = NULL;
	struct store *st = store_open(db, &err);
	if (!st) {
		fprintf(stderr, "cakiosk-ra: %s\n", err);
		free(err);
	}
	return st;
}

/* Staff accounts, calls and the audit: the store alone, one transaction. */
static int
admin_staff(const char *cmd, int argc, char **argv, const struct admin_opts *o)
{
	struct store *st = admin_store(o->db);
	if (!st)
		return 1;
	int rc = 1;
	if (store_begin(st, true) == 0) {
		rc = staff_admin(st, cmd, argc, argv, o->name);
		if (rc == 0 && store_commit(st) != 0)
			rc = 1;
		else if (rc != 0)
			store_rollback(st);
	}
	store_close(st);
	return rc;
}

/* A terminal's certificate revoked: the terminal is shut out, so every
 * other certificate it holds goes too (one it renewed itself, perhaps in
 * a thief's hands, among them). */
static void
revoke_terminal(struct store *st, const char *serial, const char *reason)
{
	json_t *c = store_query_one(st,
				    "SELECT subject_id FROM certificates WHERE serial = ?"
				    " AND subject_type = 'terminal'",
				    "s", serial);
	if (!c)
		return;
	int64_t n =
		store_exec(st,
			   "UPDATE certificates SET status = 'revoked', revoked_at = ?,"
			   " revoke_reason = ? WHERE subject_type = 'terminal' AND"
			   " subject_id = ? AND status = 'valid'",
			   "iss", util_now(), reason, S(c, "subject_id"));
	printf("terminal %s: %lld more of its certificates revoked\n", S(c, "subject_id"),
	       (long long)(n > 0 ? n : 0));
	json_decref(c);
}

/* Every terminal: last seen, state, what its heartbeat said. */
static int
admin_terminals(int argc, const struct admin_opts *o)
{
	if (argc != 0) {
		fprintf(stderr, "cakiosk-ra: terminals takes no argument\n");
		return 2;
	}
	struct store *st = admin_store(o->db);
	if (!st)
		return 1;
	int rc = 1;
	if (store_begin(st, false) == 0) {
		rc = terminal_list(st, o->json, o->silent_after, stdout);
		store_rollback(st);
	}
	store_close(st);
	return rc;
}

/* What has outlived its use, deleted (purge.h).  The store must be there:
 * a purge never makes an empty one. */
static int
admin_purge(int argc, const struct admin_opts *o)
{
	struct stat sb;
	if (argc != 0) {
		fprintf(stderr, "cakiosk-ra: purge takes no argument\n");
		return 2;
	}
	if (!store_is_uri(o->db) && (stat(o->db, &sb) != 0 || !S_ISREG(sb.st_mode))) {
		fprintf(stderr, "cakiosk-ra: no store at %s (use --db)\n", o->db);
		return 1;
	}
	struct store *st = admin_store(o->db);
	if (!st)
		return 1;
	int rc = purge_run(st, util_now(), o->documents_days, o->dry_run, stdout) == 0
			 ? 0
			 : 1;
	store_close(st);
	return rc;
}

/* ca init: a CA directory whose issuing key is in a token. */
static int
admin_ca_init(int argc, char **argv, const struct admin_opts *o)
{
	char *err = NULL;
	if (argc != 1 || strcmp(argv[0], "init") != 0)
		return 2;
	if (ca_init(&o->ca_init, &err) == 0)
		return 0;
	fprintf(stderr, "cakiosk-ra: %s\n", err);
	free(err);
	return 1;
}

int
admin_run(const char *cmd, int argc, char **argv, const struct admin_opts *o)
{
	if (strcmp(cmd, "ca") == 0)
		return admin_ca_init(argc, argv, o);
	if (strcmp(cmd, "purge") == 0)
		return admin_purge(argc, o);
	if (strcmp(cmd, "staff") == 0 || strcmp(cmd, "calls") == 0 ||
	    strcmp(cmd, "audit") == 0)
		return admin_staff(cmd, argc, argv, o);
	if (strcmp(cmd, "terminals") == 0)
		return admin_terminals(argc, o);
	static const struct {
		const char *name;
		int nargs;
	} cmds[] = {{"review", 2}, {"orders", 0},     {"make", 1},        {"post", 2},
		    {"revoke", 1}, {"enrol-code", 1}, {"bench-issue", 1}, {"escrow", 1}};
	int known = -1;
	for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
		if (strcmp(cmds[i].name, cmd) == 0)
			known = (int)i;
	if (known < 0) {
		fprintf(stderr, "cakiosk-ra: unknown command \"%s\"\n", cmd);
		return 2;
	}
	if (argc != cmds[known].nargs) {
		fprintf(stderr, "cakiosk-ra: %s takes %d argument(s)\n", cmd,
			cmds[known].nargs);
		return 2;
	}
	char *err = NULL;
	struct app app = {0};
	if (strcmp(cmd, "bench-issue") == 0) {
		/* Certificates per second from the CA in --ca-dir (made if missing). */
		int n = atoi(argv[0]);
		struct ca *ca = ca_open(o->ca_dir, NULL, "https://localhost/crl.der",
					CA_OPEN_ANY, &err);
		if (!ca || n < 1) {
			fprintf(stderr, "cakiosk-ra: %s\n",
				err ? err : "bench-issue N (N >= 1)");
			free(err);
			ca_close(ca);
			return 1;
		}
		double rate = ca_bench_issue(ca, n);
		ca_close(ca);
		if (rate < 0)
			return 1;
		printf("issued %d certificates: %.0f per second\n", n, rate);
		return 0;
	}
	app.st = admin_store(o->db);
	if (!app.st)
		return 1;
	int rc = 1;
	json_t *ord = NULL;
	admin_gateways(app.st);
	/* Review and make need the CA (the certificate PIN is kept encrypted);
	 * never create a CA here. */
	if (strcmp(cmd, "review") == 0 || strcmp(cmd, "make") == 0 ||
	    strcmp(cmd, "escrow") == 0) {
		char *crt = util_xasprintf("%s/ca.crt", o->ca_dir);
		FILE *f = fopen(crt, "r");
		free(crt);
		if (!f) {
			fprintf(stderr, "cakiosk-ra: no CA in %s (use --ca-dir)\n",
				o->ca_dir);
			store_close(app.st);
			return 1;
		}
		fclose(f);
		app.ca = ca_open(o->ca_dir, NULL, "", CA_OPEN_ANY, &err);
		if (!app.ca) {
			fprintf(stderr, "cakiosk-ra: %s\n", err);
			free(err);
			store_close(app.st);
			return 1;
		}
	}
	outbox_seal(app.ca); /* post opens no CA: its SMS holds no secret */
	if (store_begin(app.st, true) != 0)
		goto out;
	if (strcmp(cmd, "orders") == 0) {
		rc = admin_orders(app.st, o->state);
	} else if (strcmp(cmd, "revoke") == 0) {
		if (order_revoke(app.st, argv[0],
				 o->reason ? o->reason : "revoked by staff") != 0) {
			fprintf(stderr, "cakiosk-ra: no valid certificate %s\n", argv[0]);
		} else {
			rc = 0;
			revoke_terminal(app.st, argv[0],
					o->reason ? o->reason : "revoked by staff");
		}
	} else if (strcmp(cmd, "escrow") == 0) {
		rc = admin_escrow(&app, argv[0]);
	} else if (strcmp(cmd, "enrol-code") == 0) {
		char *code = issue_enrol_code(app.st, argv[0]);
		if (code) {
			printf("%s\n", code);
			util_wipe_str(code);
			free(code);
			rc = 0;
		}
	} else {
		ord = order_load(app.st, argv[0]);
		if (!ord) {
			fprintf(stderr, "cakiosk-ra: no order %s\n", argv[0]);
			goto out;
		}
		const char *bad = NULL;
		if (strcmp(cmd, "review") == 0) {
			bool approve = strcmp(argv[1], "approve") == 0;
			if (!approve && strcmp(argv[1], "reject") != 0) {
				store_rollback(app.st);
				rc = 2;
				goto out;
			}
			if (!approve && (!o->reason || !*o->reason)) {
				fprintf(stderr,
					"cakiosk-ra: a rejection needs --reason\n");
				goto out;
			}
			bad = issue_review(&app, ord, approve, o->reason);
		} else if (strcmp(cmd, "make") == 0) {
			bad = order_move_st(app.st, ord, "made", "token made by staff")
				      ? NULL
				      : "wrong_state";
			json_t *p = store_query_one(
				app.st, "SELECT pin_enc FROM orders WHERE id = ?", "s",
				argv[0]);
			char *pin = !bad && p && S(p, "pin_enc")
					    ? ca_escrow_open(app.ca, S(p, "pin_enc"))
					    : NULL;
			/* For the staff making the token, on their terminal only. */
			if (pin) {
				printf("token PIN: %s\n", pin);
				util_wipe_str(pin);
			}
			free(pin);
			json_decref(p);
		} else { /* post */
			bad = order_move_st(app.st, ord, "posted", argv[1])
				      ? NULL
				      : "wrong_state";
			if (!bad)
				store_exec(app.st,
					   "UPDATE orders SET tracking = ? WHERE id = ?",
					   "ss", argv[1], argv[0]);
		}
		if (bad) {
			fprintf(stderr, "cakiosk-ra: order %s is %s: %s refused\n",
				argv[0], S(ord, "state"), cmd);
			goto out;
		}
		printf("%s %s\n", argv[0], S(ord, "state"));
		rc = 0;
	}
out:
	if (rc == 0) {
		if (store_commit(app.st) != 0)
			rc = 1;
		else /* its SMS leave now; what fails, the server's sender retries */
			outbox_flush(app.st);
	} else {
		store_rollback(app.st);
	}
	outbox_forget();
	json_decref(ord);
	ca_close(app.ca);
	store_close(app.st);
	return rc;
}
