/*
 * personalize.h - instant issuance of a blank UKey at the counter by staff
 * logged in at a kiosk, and the backend's view of a token for the
 * counter's diagnostics (PROTOCOL.md sections 9 and 12).
 */
#ifndef CAKIOSK_RA_PERSONALIZE_H
#define CAKIOSK_RA_PERSONALIZE_H

#include "ra/app.h"

/* POST /v1/orders/{id}/personalize: the recorded SO PIN and the PIN. */
void h_personalize(struct req *r);
/* GET /v1/staff/orders: approved apply/reissue orders waiting for a token. */
void h_orders_waiting(struct req *r);
/* POST /v1/orders/{id}/made (staff certificate or staff session). */
void h_made(struct req *r);
/* GET /v1/tokens/{serial} (staff): owner, certificates, orders. */
void h_token_get(struct req *r);

#endif
