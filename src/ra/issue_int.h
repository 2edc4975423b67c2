/*
 * issue_int.h - what the issuing files (issue*.c) share with each other and
 * nobody else.
 */
#ifndef CAKIOSK_RA_ISSUE_INT_H
#define CAKIOSK_RA_ISSUE_INT_H

#include "ra/issue.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ra/ident.h"
#include "ra/gw.h"
#include "ra/ids.h"
#include "ra/order.h"
#include "ra/owner.h"
#include "ra/staff.h"
#include "ra/util.h"
#include "common/codec.h"
#include "common/rules.h"
#include "common/sesseal.h"

#define S(o, k) json_string_value(json_object_get((o), (k)))
#define I(o, k) json_integer_value(json_object_get((o), (k)))
#define DAY 86400LL
#define ENROL_TTL (7 * DAY)

/* The electronic seal of a new certificate (issue_seal.c): what it is made
 * from, read under the store's lock (seal_read: the order's sample form,
 * or the old certificate's seal picture), signed without it (seal_sign),
 * and stored (seal_store: its id, new, or NULL). */
struct seal {
	void *pic;
	size_t plen;
	char *mime, *holder;
	bool unit;
	char id[33];
	unsigned char *der;
	size_t dlen;
	char *view;
	int64_t created;
};
int seal_read(struct app *app, json_t *order, const char *holder, struct seal *s);
/* True when a and b are made from the same picture, holder and kind. */
bool seal_same(const struct seal *a, const struct seal *b);
int seal_sign(struct ca *ca, const struct ca_issued *is, int64_t now, struct seal *s);
char *seal_store(struct app *app, json_t *order, const char *serial,
		 const struct seal *s);
void seal_clear(struct seal *s);

/*
 * The CA's work for one certificate request, done without the store's
 * lock (req_unlocked) and kept across the handler's runs (issue_cert.c).
 * Each result is kept with what it was made from and used only while the
 * run asks for it from the same: a run that finds no result for what it
 * reads assumes success, carries on to collect what the rest needs, and
 * asks for the work (cert_job_ask) instead of answering.
 */
struct cert_job;
struct cert_job *cert_job_of(struct req *r);
/* At the end of a run: asks for the work when the run assumed a result
 * (then true), or frees the job. */
bool cert_job_ask(struct req *r, struct cert_job *j);
/* The request's time, the same in every run. */
int64_t cert_job_now(const struct cert_job *j);
/* True when this run assumed a result: it must write nothing. */
bool cert_job_assumed(const struct cert_job *j);
/* The CSR's check: true when accepted (or assumed); else *code, *msg. */
bool cert_job_csr(struct req *r, struct cert_job *j, const char *csr, const char **code,
		  const char **msg);
/* The old key's proof over the order and the CSR (base64 of its signature):
 * true when it verifies with old_pem (or is assumed to). */
bool cert_job_proof(struct req *r, struct cert_job *j, const char *old_pem,
		    const char *order_id, const char *proof);
/* The certificate for subj from..to: NULL when it is assumed (the run ends
 * asking) or could not be made (*failed). */
const struct ca_issued *cert_job_issue(struct req *r, struct cert_job *j,
				       const struct ca_subject *subj, int64_t from,
				       int64_t to, bool *failed);
/* The seal of that certificate made from s (taken): NULL when assumed or it
 * could not be made. */
const struct seal *cert_job_seal(struct req *r, struct cert_job *j, struct seal *s);

#endif
