/*
 * gw.c - choosing the gateways' providers, and the sandbox provider of each
 * (see gw.h).  The choice is made once at start, before any request.
 */
#include "ra/gw.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ra/ids.h"
#include "ra/outbox.h"
#include "ra/util.h"

/* ---- the sandbox provider ---- */

static int
sandbox_sms(const char *prog, struct store *st, const char *mobile, const char *text)
{
	(void)prog;
	char masked[24];
	ids_mask_mobile(mobile, masked, sizeof masked);
	log_info("sms: message to %s", masked);
	return store_exec(st,
			  "INSERT INTO sms_outbox(mobile, text, created) VALUES(?,?,?)",
			  "ssi", mobile, text, util_now()) < 0
		       ? -1
		       : 0;
}

static int
sandbox_mail(const char *prog, struct store *st, const char *to, const char *subject,
	     const char *body, const char *order_id)
{
	(void)prog;
	log_info("mail: \"%s\" for order %s", subject, order_id ? order_id : "-");
	return store_exec(st,
			  "INSERT INTO mails(to_addr, subject, body, order_id, created)"
			  " VALUES(?,?,?,?,?)",
			  "ssssi", to, subject, body, order_id, util_now()) < 0
		       ? -1
		       : 0;
}

static int
sandbox_transfer(const char *prog, struct store *st, const char *account, int64_t amount,
		 const char *memo, const char *order_id)
{
	(void)prog;
	char masked[32];
	ids_mask_account(account, masked, sizeof masked);
	log_info("bank: transfer of %lld fen to %s", (long long)amount, masked);
	return store_exec(
		       st,
		       "INSERT INTO bank_memos(account, amount, memo, order_id, created)"
		       " VALUES(?,?,?,?,?)",
		       "sissi", account, amount, memo, order_id, util_now()) < 0
		       ? -1
		       : 0;
}

/* The sandbox bank knows every card that passes the Luhn check (checked by
 * the caller), except numbers ending in 0000 (a mismatch). */
static int
sandbox_card_check(const char *prog, const char *card, const char *name,
		   const char *id_number)
{
	(void)prog;
	(void)name;
	(void)id_number;
	size_t n = strlen(card);
	return n >= 4 && strcmp(card + n - 4, "0000") == 0 ? 0 : 1;
}

/* The sandbox's payment page is /pay/{id} of this server (R_SANDBOX). */
static int
sandbox_pay_start(const char *prog, const char *public_url, const char *payment_id,
		  const char *order_id, const char *channel, int64_t amount,
		  int64_t expires, char **code_url)
{
	(void)prog;
	(void)order_id;
	(void)channel;
	(void)amount;
	(void)expires;
	*code_url = util_xasprintf("%s/pay/%s", public_url, payment_id);
	return 0;
}

/* The sandbox's payments change state in the store (the page, --pay-delay). */
static int
sandbox_pay_status(const char *prog, const char *payment_id, char state[16])
{
	(void)prog;
	(void)payment_id;
	(void)state;
	return -1;
}

static const struct gw_sms sandbox_sms_gw = {sandbox_sms};
static const struct gw_mail sandbox_mail_gw = {sandbox_mail};
static const struct gw_bank sandbox_bank_gw = {sandbox_transfer, sandbox_card_check};
static const struct gw_pay sandbox_pay_gw = {sandbox_pay_start, sandbox_pay_status};

/* ---- the chosen providers ---- */

static int deliver(const char *op, json_t *in);

static const char *const kind_names[GW_KINDS] = {"sms", "mail", "bank", "pay"};
static const char *const kind_titles[GW_KINDS] = {"SMS", "mail", "bank", "payment"};

static struct {
	const void *ops[GW_KINDS]; /* struct gw_sms *, gw_mail *, ... */
	char *prog[GW_KINDS];      /* exec: the program; NULL for the sandbox */
	char *spec[GW_KINDS];
} chosen;

#define OPS(k, type) ((const struct type *)chosen.ops[k])

static const void *const sandbox_ops[GW_KINDS] = {&sandbox_sms_gw, &sandbox_mail_gw,
						  &sandbox_bank_gw, &sandbox_pay_gw};
static const void *const exec_ops[GW_KINDS] = {&gw_exec_sms, &gw_exec_mail, &gw_exec_bank,
					       &gw_exec_pay};

static int
choose(int k, const char *provider, bool sandbox, char **err)
{
	if (strcmp(provider, "sandbox") == 0) {
		if (!sandbox) {
			*err = util_xasprintf(
				"the sandbox %s gateway sends nothing and exists only "
				"with --sandbox",
				kind_titles[k]);
			return -1;
		}
		chosen.ops[k] = sandbox_ops[k];
		return 0;
	}
	if (strncmp(provider, "exec:", 5) == 0) {
		const char *prog = provider + 5;
		struct stat sb;
		if (prog[0] != '/' || stat(prog, &sb) != 0 || !S_ISREG(sb.st_mode) ||
		    access(prog, X_OK) != 0) {
			*err = util_xasprintf("the %s gateway's program \"%s\" is not an "
					      "executable file given by its full path",
					      kind_titles[k], prog);
			return -1;
		}
		if (sb.st_mode & 022) {
			*err = util_xasprintf("the %s gateway's program %s may be "
					      "changed by other users",
					      kind_titles[k], prog);
			return -1;
		}
		chosen.ops[k] = exec_ops[k];
		chosen.prog[k] = util_xstrdup(prog);
		return 0;
	}
	*err = util_xasprintf("there is no %s provider \"%s\" in this build (there are: "
			      "sandbox, exec:PROGRAM)",
			      kind_titles[k], provider);
	return -1;
}

int
gw_configure(bool sandbox, const char *const *specs, int nspecs, char **err)
{
	for (int k = 0; k < GW_KINDS; k++) {
		free(chosen.prog[k]);
		free(chosen.spec[k]);
		chosen.prog[k] = chosen.spec[k] = NULL;
		chosen.ops[k] = NULL;
	}
	for (int i = 0; i < nspecs; i++) {
		const char *eq = strchr(specs[i], '=');
		int k = 0;
		while (eq && k < GW_KINDS &&
		       !(strlen(kind_names[k]) == (size_t)(eq - specs[i]) &&
			 strncmp(specs[i], kind_names[k], (size_t)(eq - specs[i])) == 0))
			k++;
		if (!eq || k == GW_KINDS) {
			*err = util_xasprintf(
				"--gateway wants KIND=PROVIDER with KIND sms, "
				"mail, bank or pay, not \"%s\"",
				specs[i]);
			return -1;
		}
		if (choose(k, eq + 1, sandbox, err) != 0)
			return -1;
		chosen.spec[k] = util_xstrdup(specs[i]);
	}
	char missing[64] = "";
	for (int k = 0; k < GW_KINDS; k++) {
		if (chosen.ops[k])
			continue;
		if (sandbox) {
			chosen.ops[k] = sandbox_ops[k];
			chosen.spec[k] = util_xasprintf("%s=sandbox", kind_names[k]);
		} else {
			size_t n = strlen(missing);
			snprintf(missing + n, sizeof missing - n, "%s%s", n ? ", " : "",
				 kind_titles[k]);
		}
	}
	if (missing[0]) {
		*err = util_xasprintf(
			"production mode (without --sandbox) needs a real provider for "
			"every gateway, and none is given for: %s.  This build has none "
			"of its own: give each with --gateway KIND=exec:PROGRAM (an "
			"adaptor to your provider, see PROTOCOL.md), or run with "
			"--sandbox "
			"for tests and demos",
			missing);
		return -1;
	}
	outbox_deliver_with(deliver);
	return 0;
}

char *
gw_describe(void)
{
	return util_xasprintf("%s %s %s %s", chosen.spec[0], chosen.spec[1],
			      chosen.spec[2], chosen.spec[3]);
}

bool
gw_pay_external(void)
{
	return chosen.prog[GW_PAY] != NULL;
}

/* ---- calls, through whichever provider was chosen ---- */

int
gw_sms_send(struct store *st, const char *mobile, const char *text)
{
	return chosen.ops[GW_SMS]
		       ? OPS(GW_SMS, gw_sms)->send(chosen.prog[GW_SMS], st, mobile, text)
		       : -1;
}

int
gw_mail_send(struct store *st, const char *to, const char *subject, const char *body,
	     const char *order_id)
{
	return chosen.ops[GW_MAIL] ? OPS(GW_MAIL, gw_mail)
					     ->send(chosen.prog[GW_MAIL], st, to, subject,
						    body, order_id)
				   : -1;
}

int
gw_bank_transfer(struct store *st, const char *account, int64_t amount, const char *memo,
		 const char *order_id)
{
	return chosen.ops[GW_BANK] ? OPS(GW_BANK, gw_bank)
					     ->transfer(chosen.prog[GW_BANK], st, account,
							amount, memo, order_id)
				   : -1;
}

int
gw_bank_card_check(const char *card, const char *name, const char *id_number)
{
	return chosen.ops[GW_BANK]
		       ? OPS(GW_BANK, gw_bank)
				 ->card_check(chosen.prog[GW_BANK], card, name, id_number)
		       : -1;
}

int
gw_pay_start(const char *public_url, const char *payment_id, const char *order_id,
	     const char *channel, int64_t amount, int64_t expires, char **code_url)
{
	return chosen.ops[GW_PAY]
		       ? OPS(GW_PAY, gw_pay)
				 ->start(chosen.prog[GW_PAY], public_url, payment_id,
					 order_id, channel, amount, expires, code_url)
		       : -1;
}

int
gw_pay_status(const char *payment_id, char state[16])
{
	return chosen.ops[GW_PAY]
		       ? OPS(GW_PAY, gw_pay)
				 ->status(chosen.prog[GW_PAY], payment_id, state)
		       : -1;
}

/* Hands a message from the outbox to the exec: provider of its kind: op
 * "sms", "mail" or "transfer", in the adaptor's input (not taken).  0 once
 * the provider took it; -1 otherwise, or when that gateway has no exec:
 * provider now (the message waits for one). */
static int
deliver(const char *op, json_t *in)
{
	int k = strcmp(op, "sms") == 0        ? GW_SMS
		: strcmp(op, "mail") == 0     ? GW_MAIL
		: strcmp(op, "transfer") == 0 ? GW_BANK
					      : -1;
	if (k < 0 || !chosen.prog[k])
		return -1;
	return gw_exec_call(chosen.prog[k], op, json_incref(in));
}
