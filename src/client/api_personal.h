/*
 * api_personal.h - the counter's calls (PROTOCOL.md sections 9 and 12):
 * instant issuance onto a blank UKey by staff logged in at this kiosk,
 * and the backend's view of a token for the diagnostics.  Every call
 * carries the staff session (staff); the backend refuses a terminal
 * without one.  Part of the client (api.h); the replies hold secrets (the
 * token's SO PIN, the certificate PIN): wipe the structs when done.
 */
#ifndef CAKIOSK_API_PERSONAL_H
#define CAKIOSK_API_PERSONAL_H

#include "api.h"

#define API_TOKEN_CERTS_MAX 8
#define API_TOKEN_ORDERS_MAX 8

/* POST /v1/orders/{id}/personalize: what the kiosk needs to make the
 * order's token. */
struct api_personal {
	char kind[16];
	char state[API_STATE_MAX]; /* "approved", or "issued" (resume) */
	bool unit;
	char subject_id[API_SUBJECT_ID_MAX];
	char name[API_NAME_MAX];
	char pin_delivery[64];
	char so_pin[API_SO_PIN_MAX];   /* the recorded SO PIN (secret) */
	char user_pin[API_SO_PIN_MAX]; /* the certificate PIN sent (secret) */
	/* state "issued": the certificate and the token the backend thinks
	 * it is on */
	struct api_issued issued;
	char token_serial[65];
};
/* so_pin: the kiosk's new SO PIN, recorded unless one is already. */
bool api_personalize(const char *order_id, const char *so_pin, const char *staff,
		     const char *idem, struct job *job, struct api_personal *out,
		     struct api_err *e);
/* Frees and wipes. */
void api_personal_free(struct api_personal *p);
bool api_parse_personal(const json_t *reply, struct api_personal *out, struct api_err *e);

/* POST /v1/orders/{id}/certificate with the CSR and the token's escrow. */
bool api_certificate_escrow(const char *order_id, const char *csr_pem,
			    const char *token_serial, const char *so_pin,
			    const char *staff, const char *idem, struct job *job,
			    struct api_issued *out, struct api_err *e);
/* POST /v1/orders/{id}/made. */
bool api_order_made(const char *order_id, const char *staff, const char *idem,
		    struct job *job, struct api_order *out, struct api_err *e);

/* GET /v1/tokens/{serial}: what the backend knows of a token. */
struct api_token_view {
	bool escrowed, unlock_pending, has_owner;
	bool owner_unit;
	char owner_id[API_SUBJECT_ID_MAX];
	int ncerts, norders;
	struct {
		char serial[API_SERIAL_MAX];
		char status[16];
		int64_t not_after;
		char order_id[API_ID_MAX];
		char order_state[API_STATE_MAX];
	} certs[API_TOKEN_CERTS_MAX];
	struct {
		char id[API_ID_MAX];
		char kind[16];
		char state[API_STATE_MAX];
	} orders[API_TOKEN_ORDERS_MAX];
};
/* An unknown token is refused with "unknown_token" (api_refused). */
bool api_token_get(const char *serial, const char *staff, struct job *job,
		   struct api_token_view *out, struct api_err *e);
bool api_parse_token_view(const json_t *reply, struct api_token_view *out,
			  struct api_err *e);

#endif
