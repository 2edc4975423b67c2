/*
 * owner.h - who may have a token's secrets and who decides a subject's name
 * (PROTOCOL.md "Security model", sections 5 and 12):
 *
 * - a token's owner is the subject its certificates were issued to,
 *   recorded when its SO PIN is escrowed: by staff at personalization
 *   (POST /v1/tokens) or with the issuance of a new token's certificate;
 * - an unlock authorization (the SO PIN) goes only to a confirmed unlock
 *   order of that owner, with a live SMS session of the owner, once; the
 *   kiosk then escrows the rotated SO PIN for that order only;
 * - a change of subject takes the new name from the registration records.
 */
#ifndef CAKIOSK_RA_OWNER_H
#define CAKIOSK_RA_OWNER_H

#include <stdbool.h>

#include "ra/app.h"

/* An unlock order of type/id for the token serial: false (answered
 * 403 not_owner) when the token is escrowed and not owned by type/id.  A
 * serial with no escrow yet passes (the authorization checks again). */
bool owner_may_unlock(struct req *r, const char *serial, const char *type,
		      const char *id);

/* The token_serial + so_pin members of a certificate request (an escrow
 * with a new token's issuance, staff only): 0 none, 1 asked and allowed
 * (*serial, *pin point into the body), -1 refused (answered). */
int owner_escrow_request(struct req *r, json_t *order, const char **serial,
			 const char **pin);
/* Escrows pin for a token owned by type/id.  The answer's view
 * {"serial","escrowed","owner"} (new), or NULL (answered 409 token_exists
 * or 500). */
json_t *owner_escrow(struct req *r, const char *serial, const char *pin, const char *type,
		     const char *id);

/* An SO PIN has 4 to 32 visible ASCII characters; false (answered 400) if
 * pin has not. */
/* An issuance's escrowed SO PIN against the one recorded for the order's
 * token by staff starting its personalization (POST .../personalize), if
 * any: 0, or -1 with 409 so_pin_mismatch answered. */
int owner_escrow_recorded(struct req *r, json_t *order, const char *so_pin);
bool owner_so_pin_checked(struct req *r, const char *pin);
/* Is the token row (owner_type, owner_id) owned by type/id? */
bool owner_owns(json_t *tok, const char *type, const char *id);
/* Answers 403 not_owner. */
void owner_refuse(struct req *r);

/* A change order being made: the new name is the registered one (set in
 * form.new_name); false (answered 409 nothing_to_change) when the registry
 * still holds the old certificate's name. */
bool owner_change_name(struct req *r, json_t *old_cert, json_t *subj, json_t *form);
/* A renew order being made: false (answered 409 registry_changed) when the
 * registry holds another name than the certificate (that is a change). */
bool owner_renew_name(struct req *r, json_t *old_cert, json_t *subj);
/* An order being issued: the registered name if it is still the one the
 * order was made (and reviewed) with, else NULL (answered 409
 * registry_changed).  A change's is its new name; any other order's, the
 * name it was made with (its invoice title). */
const char *owner_issue_name(struct req *r, json_t *order, json_t *subj);

void h_sandbox_registry(struct req *r);

#define OWNER_ROUTES {"POST", "/v1/sandbox/registry", R_SANDBOX, h_sandbox_registry},

#endif
