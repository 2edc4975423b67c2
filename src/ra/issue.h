/*
 * issue.h - issuing certificates for orders (CSR checks, renewal rules and
 * proof of possession by the old key), installation, review by staff,
 * revocation and the CRL, terminal enrolment (see PROTOCOL.md; unlock
 * authorizations and SO PIN escrow are in owner.h).
 */
#ifndef CAKIOSK_RA_ISSUE_H
#define CAKIOSK_RA_ISSUE_H

#include "ra/app.h"

/* Staff decision on an order under review (API and subcommand).
 * Returns NULL or an error code; sends the SMS. */
const char *issue_review(struct app *app, json_t *order, bool approve,
			 const char *reason);
/* Creates a one-time enrolment code for terminal_id (new string). */
char *issue_enrol_code(struct store *st, const char *terminal_id);

void h_certificate(struct req *r);
void h_installed(struct req *r);
void h_review(struct req *r);
void h_posted(struct req *r);
void h_ca_cert(struct req *r);
void h_crl(struct req *r);
void h_enrol(struct req *r);
void h_sandbox_certificate(struct req *r);
void h_seal_get(struct req *r);
void h_cert_get(struct req *r);
void h_terminal_orders(struct req *r);

#define ISSUE_ROUTES                                                                     \
	{"POST", "/v1/orders/{id}/certificate", 0, h_certificate},                       \
		{"POST", "/v1/orders/{id}/installed", 0, h_installed},                   \
		{"POST", "/v1/orders/{id}/review", R_STAFF, h_review},                   \
		{"POST", "/v1/orders/{id}/made", 0, h_made},                             \
		{"POST", "/v1/orders/{id}/posted", R_STAFF, h_posted},                   \
		{"GET", "/v1/seals/{id}", 0, h_seal_get},                                \
		{"GET", "/v1/certificates/{serial}", 0, h_cert_get},                     \
		{"GET", "/v1/terminal/orders", 0, h_terminal_orders},                    \
		{"GET", "/v1/ca", R_PUBLIC, h_ca_cert},                                  \
		{"GET", "/v1/crl", R_PUBLIC, h_crl},                                     \
		{"GET", "/crl.der", R_PUBLIC | R_PAGE, h_crl},                           \
		{"POST", "/v1/enrol", R_PUBLIC, h_enrol},                                \
		{"POST", "/v1/sandbox/certificates", R_SANDBOX, h_sandbox_certificate},

#endif
