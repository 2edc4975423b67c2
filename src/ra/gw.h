/*
 * gw.h - the outside gateways of the backend: SMS, e-mail, the bank
 * (transfers with a memo, bank-card checks) and the payment provider.
 *
 * Each gateway is a struct of function pointers that a provider fills.
 * This build has two providers of each: "sandbox", which records what
 * would be sent in the store (sms_outbox, mails, bank_memos) where the
 * sandbox inspection endpoints show it, and which exists only with
 * --sandbox; and "exec:PROGRAM", an adaptor program of the operator's that
 * speaks to the real provider (gw_exec.c, protocol in PROTOCOL.md).  A
 * production start without a real provider for every gateway is refused.
 * The exec: SMS, mail and transfer go through the outbox (outbox.h): to
 * the program only after the request's transaction was committed.
 * The text of an SMS or a memo may hold a code: it goes to the provider
 * only, never to the log.
 */
#ifndef CAKIOSK_RA_GW_H
#define CAKIOSK_RA_GW_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "ra/store.h"

struct gw_sms {
	int (*send)(const char *prog, struct store *st, const char *mobile,
		    const char *text);
};

struct gw_mail {
	int (*send)(const char *prog, struct store *st, const char *to,
		    const char *subject, const char *body, const char *order_id);
};

struct gw_bank {
	/* A transfer of amount fen to account with memo (0.01 CNY + a code). */
	int (*transfer)(const char *prog, struct store *st, const char *account,
			int64_t amount, const char *memo, const char *order_id);
	/* Is card the card of that holder?  1 yes, 0 no, -1 the bank did not
	 * answer. */
	int (*card_check)(const char *prog, const char *card, const char *name,
			  const char *id_number);
};

struct gw_pay {
	/* A payment starts at the provider; *code_url (new string) is the
	 * link the customer's phone opens (the QR).  0 or -1. */
	int (*start)(const char *prog, const char *public_url, const char *payment_id,
		     const char *order_id, const char *channel, int64_t amount,
		     int64_t expires, char **code_url);
	/* The payment's state at the provider ("pending", "paid", "expired",
	 * "cancelled") into state; 0, or -1 when it is not known. */
	int (*status)(const char *prog, const char *payment_id, char state[16]);
};

enum gw_kind { GW_SMS, GW_MAIL, GW_BANK, GW_PAY, GW_KINDS };

/*
 * Chooses the providers: specs are "KIND=PROVIDER" (KIND sms, mail, bank or
 * pay; PROVIDER sandbox or exec:PROGRAM).  With sandbox every gateway not
 * named is the sandbox's; without, every gateway must name a real provider.
 * 0, or -1 with *err (a sentence for the operator, naming what is missing).
 */
int gw_configure(bool sandbox, const char *const *specs, int nspecs, char **err);
/* The configuration as one line (kept in the store for the staff commands). */
char *gw_describe(void);
/* Whether the payment provider has its own page (not the sandbox's /pay). */
bool gw_pay_external(void);

int gw_sms_send(struct store *st, const char *mobile, const char *text);
int gw_mail_send(struct store *st, const char *to, const char *subject, const char *body,
		 const char *order_id);
int gw_bank_transfer(struct store *st, const char *account, int64_t amount,
		     const char *memo, const char *order_id);
int gw_bank_card_check(const char *card, const char *name, const char *id_number);
int gw_pay_start(const char *public_url, const char *payment_id, const char *order_id,
		 const char *channel, int64_t amount, int64_t expires, char **code_url);
int gw_pay_status(const char *payment_id, char state[16]);

/* The exec: providers (gw_exec.c); their sms, mail and transfer add the
 * message to the outbox, and gw_exec_call runs prog op with in (taken). */
int gw_exec_call(const char *prog, const char *op, json_t *in);
extern const struct gw_sms gw_exec_sms;
extern const struct gw_mail gw_exec_mail;
extern const struct gw_bank gw_exec_bank;
extern const struct gw_pay gw_exec_pay;

#endif
