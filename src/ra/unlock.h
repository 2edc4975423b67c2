/*
 * unlock.h - the endpoints of a token's SO PIN: personalization by staff,
 * the unlock authorization, the rotated SO PIN (PROTOCOL.md "Security
 * model"; the rules are owner.h's).
 */
#ifndef CAKIOSK_RA_UNLOCK_H
#define CAKIOSK_RA_UNLOCK_H

#include "ra/app.h"
#include "ra/personalize.h"

void h_token_register(struct req *r);
void h_unlock_auth(struct req *r);
void h_so_pin_candidate(struct req *r);
void h_so_pin(struct req *r);

#define UNLOCK_ROUTES                                                                    \
	{"POST", "/v1/orders/{id}/unlock-authorization", 0, h_unlock_auth},              \
		{"POST", "/v1/orders/{id}/so-pin-candidate", 0, h_so_pin_candidate},     \
		{"POST", "/v1/orders/{id}/so-pin", 0, h_so_pin},                         \
		{"POST", "/v1/tokens", R_STAFF, h_token_register},                       \
		{"POST", "/v1/orders/{id}/personalize", 0, h_personalize},               \
		{"GET", "/v1/staff/orders", 0, h_orders_waiting},                        \
		{"GET", "/v1/tokens/{serial}", 0, h_token_get},

#endif
