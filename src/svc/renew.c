/*
 * renew.c - the renewal service's state and its worker jobs up to the
 * payment: the check with the CA, the order, the key made while paying
 * (see renew.h).  The work after the payment is renew_install.c's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "backend.h"
#include "codec.h"
#include "i18n.h"
#include "log.h"
#include "payflow.h"
#include "renew.h"
#include "renew_int.h"
#include "service.h"
#include "session.h"
#include "token.h"
#include "worker.h"
#include "xmem.h"

/* ---- state ------------------------------------------------------------ */

static void
certs_free(struct renew *r)
{
	for (int i = 0; i < RENEW_MAX_CERTS; i++) {
		if (r->certs[i].der != NULL) {
			secure_wipe(r->certs[i].der, r->certs[i].der_len);
			free(r->certs[i].der);
			r->certs[i].der = NULL;
		}
	}
}

static void
renew_part_wipe(void *part)
{
	certs_free(part);
}

struct renew *
renew_get(void)
{
	return session_part(SVC_RENEW, sizeof(struct renew), renew_part_wipe);
}

void
renew_begin(void)
{
	session_restart();
	R.term = 1;
}

bool
renew_take_token(const struct token_info *info)
{
	const char *vendor = token_vendor_name(info->vendor);

	certs_free(&R);
	memset(R.certs, 0, sizeof R.certs);
	R.ncerts = 0;
	R.cur = 0;
	R.has_enc = false;
	S.have_token = true;
	S.ref = info->ref;
	snprintf(S.token_serial, sizeof S.token_serial, "%s", info->ref.serial);
	snprintf(S.vendor, sizeof S.vendor, "%s", vendor != NULL ? vendor : "");
	for (size_t i = 0; i < info->ncerts; i++) {
		const struct token_cert *tc = &info->certs[i];
		struct renew_cert *c;

		if (tc->usage == TOKEN_USAGE_ENCRYPT) {
			R.has_enc = true;
			continue;
		}
		if (!tc->has_private_key || R.ncerts == RENEW_MAX_CERTS)
			continue;
		c = &R.certs[R.ncerts++];
		snprintf(c->serial, sizeof c->serial, "%s", tc->serial_hex);
		memcpy(c->id, tc->id, tc->id_len);
		c->id_len = tc->id_len;
		snprintf(c->label, sizeof c->label, "%s", tc->label);
		snprintf(c->cn, sizeof c->cn, "%s", tc->subject_cn);
		snprintf(c->org, sizeof c->org, "%s", tc->subject_o);
		snprintf(c->subject_serial, sizeof c->subject_serial, "%s",
			 tc->subject_serial);
		c->not_after = tc->not_after;
		c->days_left = tc->days_left;
		c->expired = tc->expired;
		c->key_type = tc->key_type;
		c->der = xmalloc(tc->der_len);
		memcpy(c->der, tc->der, tc->der_len);
		c->der_len = tc->der_len;
	}
	if (R.ncerts == 0)
		return false;
	S.unit = R.certs[0].org[0] != '\0';
	return true;
}

const struct renew_cert *
renew_cert(void)
{
	return R.cur >= 0 && R.cur < R.ncerts ? &R.certs[R.cur] : NULL;
}

/* ---- the check after the login ---------------------------------------- */

struct check_job {
	struct job job;
	int ncerts;
	char serial[RENEW_MAX_CERTS][TOKEN_SERIAL_HEX_MAX];
	enum renew_check result;
	const char *reason;
	int cur; /* first certificate this CA knows */
	int old; /* RC_RESUME: the old certificate, -1 when gone */
	char order_id[PAY_ORDER_ID_MAX];
	char kind[16];
	char new_serial[TOKEN_SERIAL_HEX_MAX];
};

static void
check_run(struct job *job)
{
	struct check_job *c = (struct check_job *)job;
	int known = 0, new_at = -1;

	c->result = RC_NEW;
	c->cur = -1;
	for (int i = 0; i < c->ncerts; i++) {
		struct api_certificate cert = {0};
		struct api_err e;
		const char *order = NULL;

		if (!api_certificate_get(c->serial[i], job, &cert, &e)) {
			api_certificate_free(&cert);
			if (e.err == BACKEND_REFUSED && e.status == 404)
				continue;
			c->result = RC_FAILED;
			c->reason = api_reason(&e);
			break;
		}
		known++;
		if (c->cur < 0)
			c->cur = i;
		if (cert.has_pending_install)
			order = cert.pending_install_order;
		else if (cert.has_pending_order)
			order = cert.pending_order_id;
		if (order != NULL) {
			snprintf(c->order_id, sizeof c->order_id, "%s", order);
			snprintf(c->kind, sizeof c->kind, "%s", cert.pending_kind);
			c->old = i;
			c->result = RC_RESUME;
		} else if (cert.has_order &&
			   (strcmp(cert.order_kind, "renew") == 0 ||
			    strcmp(cert.order_kind, "change") == 0) &&
			   strcmp(cert.order_state, "issued") == 0 && new_at < 0) {
			/* The new certificate is on the token and the backend not
			 * yet told.  Finished from here only when the old pair is
			 * gone: while the old certificate is still on the token
			 * (further on in the list), its order removes it. */
			snprintf(c->order_id, sizeof c->order_id, "%s", cert.order_id);
			snprintf(c->kind, sizeof c->kind, "%s", cert.order_kind);
			new_at = i;
		}
		api_certificate_free(&cert);
		if (c->result == RC_RESUME)
			break;
	}
	if (c->result == RC_NEW && new_at >= 0) {
		snprintf(c->new_serial, sizeof c->new_serial, "%s", c->serial[new_at]);
		c->old = -1;
		c->result = RC_RESUME;
	}
	if (c->result == RC_NEW && known == 0)
		c->result = RC_UNKNOWN_CERT;
}

void
renew_job_release(struct job *job)
{
	/* Jobs hold the order number, serials and key IDs of the customer. */
	wipe_free(job);
}

struct job *
renew_check_job(void)
{
	struct check_job *c = xcalloc(1, sizeof *c);

	job_init(&c->job, "renew-check", check_run, renew_job_release);
	c->ncerts = R.ncerts;
	for (int i = 0; i < R.ncerts; i++)
		snprintf(c->serial[i], sizeof c->serial[i], "%s", R.certs[i].serial);
	c->result = RC_FAILED;
	c->reason = backend_err_reason(BACKEND_CANCELLED, NULL);
	return &c->job;
}

enum renew_check
renew_check_result(struct job *job, const char **reason)
{
	struct check_job *c = (struct check_job *)job;

	*reason = c->reason;
	if (c->cur >= 0)
		R.cur = c->cur;
	if (c->result == RC_RESUME) {
		S.resumed = true;
		S.paid = true;
		snprintf(S.order_id, sizeof S.order_id, "%s", c->order_id);
		snprintf(R.new_serial, sizeof R.new_serial, "%s", c->new_serial);
		snprintf(R.resume_kind, sizeof R.resume_kind, "%s", c->kind);
		R.cur = c->old;
		log_info("renew: unfinished paid order %s found on this UKey",
			 S.order_id);
	}
	return c->result;
}

bool
renew_resume_is_change(void)
{
	return strcmp(R.resume_kind, "change") == 0;
}

/* ---- the order -------------------------------------------------------- */

struct order_job {
	struct job job;
	struct api_order_new in;
	char subject_id[TOKEN_NAME_MAX];
	char email[FORM_VALUE_MAX], mobile[FORM_VALUE_MAX], contact[FORM_VALUE_MAX];
	char *pem;
	char idem_order[BACKEND_IDEM_KEY_LEN + 1];
	char idem_confirm[BACKEND_IDEM_KEY_LEN + 1];
	struct api_err err;
	char order_id[PAY_ORDER_ID_MAX];
	long price;
};

static void
order_run(struct job *job)
{
	struct order_job *o = (struct order_job *)job;
	struct api_order ord;

	if (!api_order_create(&o->in, o->idem_order, job, &ord, &o->err))
		return;
	snprintf(o->order_id, sizeof o->order_id, "%s", ord.id);
	o->price = ord.price;
	api_order_confirm(o->order_id, o->idem_confirm, job, &ord, &o->err);
}

static void
order_release(struct job *job)
{
	struct order_job *o = (struct order_job *)job;

	free(o->pem);
	secure_wipe(o, sizeof *o);
	free(o);
}

struct job *
renew_order_job(void)
{
	struct order_job *o = xcalloc(1, sizeof *o);
	const struct renew_cert *c = renew_cert();

	job_init(&o->job, "renew-order", order_run, order_release);
	snprintf(o->subject_id, sizeof o->subject_id, "%s", c->subject_serial);
	snprintf(o->email, sizeof o->email, "%s", R.email);
	snprintf(o->mobile, sizeof o->mobile, "%s", R.mobile);
	snprintf(o->contact, sizeof o->contact, "%s", R.contact);
	o->pem = codec_pem_encode("CERTIFICATE", c->der, c->der_len);
	o->in = (struct api_order_new){
		.kind = "renew",
		.unit = S.unit,
		.subject_id = o->subject_id,
		.term_years = R.term,
		.email = o->email,
		.mobile = o->mobile,
		.contact_name = o->contact,
		.certificate = o->pem,
	};
	memcpy(o->idem_order, S.idem_order, sizeof o->idem_order);
	memcpy(o->idem_confirm, S.idem_confirm, sizeof o->idem_confirm);
	o->err.err = BACKEND_CANCELLED;
	return &o->job;
}

const char *
renew_order_result(struct job *job, bool *not_eligible)
{
	struct order_job *o = (struct order_job *)job;

	*not_eligible = api_refused(&o->err, "not_eligible");
	if (o->order_id[0] != '\0') {
		snprintf(S.order_id, sizeof S.order_id, "%s", o->order_id);
		S.price = o->price;
	}
	if (o->err.err != BACKEND_OK)
		return api_reason(&o->err);
	return NULL;
}

/* ---- the key made while the customer pays ------------------------------ */

struct key_job {
	struct job job;
	struct token_ref ref;
	enum token_key_type type;
	unsigned char id[TOKEN_ID_MAX];
	size_t id_len;
	bool discard;
	enum token_err err;
};

static void
key_run(struct job *job)
{
	struct key_job *k = (struct key_job *)job;
	struct token_ctl ctl = {.job = job};

	if (k->discard) {
		k->err = token_delete_pair(&k->ref, k->id, k->id_len, &ctl);
		log_info("renew: unpaid key discarded: %s", token_err_name(k->err));
		return;
	}
	k->err =
		token_gen_key(&k->ref, k->type, RENEW_KEY_LABEL, k->id, &k->id_len, &ctl);
	log_info("renew: key made while paying: %s", token_err_name(k->err));
}

static struct job *
key_start(void)
{
	struct key_job *k = xcalloc(1, sizeof *k);
	const struct renew_cert *c = renew_cert();

	job_init(&k->job, "renew-key", key_run, renew_job_release);
	k->ref = S.ref;
	k->type = c != NULL && c->key_type == TOKEN_KEY_EC ? TOKEN_KEY_EC : TOKEN_KEY_RSA;
	k->err = TOKEN_ERR_CANCELLED;
	return &k->job;
}

static void
key_done(struct job *job)
{
	struct key_job *k = (struct key_job *)job;

	if (k->err == TOKEN_OK) {
		memcpy(R.new_id, k->id, k->id_len);
		R.new_id_len = k->id_len;
	}
}

static struct job *
key_discard(void)
{
	struct key_job *k;

	if (R.new_id_len == 0)
		return NULL;
	k = xcalloc(1, sizeof *k);
	job_init(&k->job, "renew-discard", key_run, renew_job_release);
	k->ref = S.ref;
	k->discard = true;
	memcpy(k->id, R.new_id, R.new_id_len);
	k->id_len = R.new_id_len;
	R.new_id_len = 0;
	return &k->job;
}

const struct pay_request *
renew_pay_request(void)
{
	struct pay_request *req = &R.pay;

	memset(req, 0, sizeof *req);
	snprintf(req->order_id, sizeof req->order_id, "%s", S.order_id);
	req->amount = S.price;
	snprintf(req->token_serial, sizeof req->token_serial, "%s", S.token_serial);
	req->bg_start = key_start;
	req->bg_done = key_done;
	req->bg_discard = key_discard;
	return req;
}
