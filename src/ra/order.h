/*
 * order.h - orders and their state machine, identity verification,
 * documents and the upload page, payments (see PROTOCOL.md).
 */
#ifndef CAKIOSK_RA_ORDER_H
#define CAKIOSK_RA_ORDER_H

#include <stdbool.h>

#include "ra/app.h"

/* The states in which no later step of an order reads its documents (the
 * review and the seal's picture at issuance are behind it, or it ended),
 * as an SQL list: their documents may go after a while (purge.h). */
#define ORDER_DONE_STATES                                                                \
	"('issued', 'installed', 'made', 'posted', 'completed', 'rejected',"             \
	" 'cancelled')"

/* The order as stored (with "form" parsed), or NULL. */
json_t *order_load(struct store *st, const char *id);
/* May this request see / act on the order?  Answers 403/404 if not. */
bool order_access(struct req *r, json_t *order);
/* Loads args[0] and checks access; NULL after answering. */
json_t *order_from_path(struct req *r);
/* The same, open to every terminal for a paid renew/change (finishing it). */
json_t *order_from_path_token(struct req *r);
/* Moves the order to state to, if the state machine allows it from its
 * current state; answers 409 wrong_state and returns false if not. */
bool order_move(struct req *r, json_t *order, const char *to, const char *note);
/* Same, outside a request (staff subcommands); false if not allowed. */
bool order_move_st(struct store *st, json_t *order, const char *to, const char *note);
/* The order as the protocol shows it (new object). */
json_t *order_view(struct app *app, json_t *order);
/* Renewal rules: NULL when eligible (with the new validity), else
 * "too_early" or "expired_too_long". */
const char *order_renew_rules(int64_t now, int64_t old_end, int64_t years, int64_t *from,
			      int64_t *to);
/* Settles a payment that is due (sandbox auto-pay); true when it did. */
bool order_settle_due(struct app *app, const char *order_id);

/* Revokes a certificate (a reissue's at confirmation, a change's at
 * issuance, staff's by hand); 0, or -1 when unknown or already revoked. */
int order_revoke(struct store *st, const char *serial, const char *reason);

void h_prices(struct req *r);
void h_order_create(struct req *r);
void h_order_get(struct req *r);
void h_order_list(struct req *r);
void h_order_confirm(struct req *r);
void h_order_cancel(struct req *r);
void h_order_verify(struct req *r);
void h_payment_create(struct req *r);
void h_payment_get(struct req *r);
void h_pay_page(struct req *r);
void h_upload_link(struct req *r);
void h_upload_page(struct req *r);
void h_upload_post(struct req *r);
void h_documents(struct req *r);
void h_form_download(struct req *r);
void h_invoice_page(struct req *r);
void h_document_file(struct req *r);
void h_status_link(struct req *r);
void h_status_page(struct req *r);

#define ORDER_ROUTES                                                                     \
	{"POST", "/v1/orders", 0, h_order_create},                                       \
		{"GET", "/v1/orders/{id}", 0, h_order_get},                              \
		{"GET", "/v1/subjects/{type}/{id}/orders", 0, h_order_list},             \
		{"POST", "/v1/orders/{id}/confirm", 0, h_order_confirm},                 \
		{"POST", "/v1/orders/{id}/cancel", 0, h_order_cancel},                   \
		{"POST", "/v1/orders/{id}/verify", 0, h_order_verify},                   \
		{"POST", "/v1/orders/{id}/payments", 0, h_payment_create},               \
		{"GET", "/v1/payments/{id}", 0, h_payment_get},                          \
		{"GET", "/pay/{token}", R_PUBLIC | R_PAGE | R_SANDBOX, h_pay_page},      \
		{"POST", "/v1/orders/{id}/upload-link", 0, h_upload_link},               \
		{"GET", "/v1/orders/{id}/documents", 0, h_documents},                    \
		{"GET", "/u/{token}", R_PUBLIC | R_PAGE, h_upload_page},                 \
		{"POST", "/u/{token}", R_PUBLIC | R_PAGE | R_FORM | R_NO_IDEM | R_EARLY, \
		 h_upload_post},                                                         \
		{"GET", "/forms/{name}", R_PUBLIC | R_PAGE, h_form_download},            \
		{"GET", "/invoice/{token}", R_PUBLIC | R_PAGE, h_invoice_page},          \
		{"GET", "/v1/orders/{id}/documents/{kind}", 0, h_document_file},         \
		{"POST", "/v1/orders/{id}/status-link", 0, h_status_link},               \
		{"GET", "/s/{token}", R_PUBLIC | R_PAGE, h_status_page},

#endif
