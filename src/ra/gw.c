/*
 * gw.c - sandbox SMS, mail and bank gateways (see gw.h).
 */
#include "ra/gw.h"

#include "ra/ids.h"
#include "ra/util.h"

int
gw_sms_send(struct store *st, const char *mobile, const char *text)
{
	char masked[24];
	ids_mask_mobile(mobile, masked, sizeof masked);
	log_info("sms: message to %s", masked);
	return store_exec(st,
			  "INSERT INTO sms_outbox(mobile, text, created) VALUES(?,?,?)",
			  "ssi", mobile, text, util_now()) < 0
		       ? -1
		       : 0;
}

int
gw_mail_send(struct store *st, const char *to, const char *subject, const char *body,
	     const char *order_id)
{
	log_info("mail: \"%s\" for order %s", subject, order_id ? order_id : "-");
	return store_exec(st,
			  "INSERT INTO mails(to_addr, subject, body, order_id, created)"
			  " VALUES(?,?,?,?,?)",
			  "ssssi", to, subject, body, order_id, util_now()) < 0
		       ? -1
		       : 0;
}

int
gw_bank_transfer(struct store *st, const char *account, int64_t amount, const char *memo,
		 const char *order_id)
{
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
