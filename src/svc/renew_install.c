/*
 * renew_install.c - the renewal after the payment (see renew.h): the new
 * key and its request proven by the old key, the certificate fetched and
 * written, the renewed seal, the old pair removed, the backend told.  Safe
 * to run again after any failure, at any kiosk.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>
#include <openssl/x509.h>

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

/* ---- helpers (worker side) ------------------------------------------- */

static unsigned char *
pem_to_der(const char *pem, size_t *len)
{
	BIO *bio = BIO_new_mem_buf(pem, -1);
	X509 *x = bio != NULL ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
	unsigned char *der = NULL, *p;
	int n;

	BIO_free(bio);
	if (x == NULL)
		return NULL;
	n = i2d_X509(x, NULL);
	if (n > 0) {
		der = p = xmalloc((size_t)n);
		i2d_X509(x, &p);
		*len = (size_t)n;
	}
	X509_free(x);
	return der;
}

/* ---- after the payment ------------------------------------------------ */

struct install_job {
	struct job job;
	/* in */
	bool change; /* a change of subject (信息变更): the same work */
	char token_serial[TOKEN_TEXT_MAX];
	char order_id[PAY_ORDER_ID_MAX];
	bool has_old;
	char old_serial[TOKEN_SERIAL_HEX_MAX];
	unsigned char old_id[TOKEN_ID_MAX];
	size_t old_id_len;
	char label[TOKEN_TEXT_MAX];
	char cn[TOKEN_NAME_MAX];
	enum token_key_type type;
	char new_serial[TOKEN_SERIAL_HEX_MAX];
	unsigned char new_id[TOKEN_ID_MAX];
	size_t new_id_len;
	/* out */
	atomic_int stage;
	const char *reason;
	enum token_err terr;
	time_t from, to;
	char invoice_url[512];
	enum renew_seal seal;
	char new_cn[TOKEN_NAME_MAX]; /* the name the new certificate carries */
	unsigned char *old_seal;     /* the seal the UKey held before, a copy */
	size_t old_seal_len;
	bool had_seal;
};

static int
set_token_err(struct install_job *in, enum token_err err)
{
	in->terr = err;
	in->reason = token_err_reason(err, -1);
	log_warn("renew: order %s stopped at stage %d: %s", in->order_id,
		 atomic_load(&in->stage), token_err_name(err));
	return -1;
}

static int
set_backend_err(struct install_job *in, const struct api_err *e)
{
	in->reason = api_reason(e);
	log_warn("renew: order %s stopped at stage %d: backend %s %s", in->order_id,
		 atomic_load(&in->stage), backend_err_name(e->err), e->code);
	return -1;
}

/* The key for the request: the one made while paying, or an unused one. */
static int
request_key(struct install_job *in, const struct token_info *info, unsigned char *id,
	    size_t *id_len, const struct token_ctl *ctl)
{
	enum token_err err;

	for (size_t i = 0; i < info->nkeys; i++) {
		const struct token_key *k = &info->keys[i];
		bool ours = in->new_id_len > 0 && k->id_len == in->new_id_len &&
			    memcmp(k->id, in->new_id, k->id_len) == 0;

		if (!k->has_cert && (ours || strcmp(k->label, RENEW_KEY_LABEL) == 0)) {
			memcpy(id, k->id, k->id_len);
			*id_len = k->id_len;
			return 0;
		}
	}
	atomic_store(&in->stage, RS_GENERATING);
	err = token_gen_key(NULL, in->type, RENEW_KEY_LABEL, id, id_len, ctl);
	return err == TOKEN_OK ? 0 : set_token_err(in, err);
}

static int
request_cert(struct install_job *in, const struct token_info *info, struct api_issued *is)
{
	struct token_ctl ctl = {.job = &in->job};
	unsigned char id[TOKEN_ID_MAX], *csr = NULL, *sig = NULL;
	size_t id_len = 0, csr_len = 0, sig_len = 0;
	char hex[65], *tbs = NULL, *pem = NULL, *proof = NULL;
	char idem[BACKEND_IDEM_KEY_LEN + 1];
	struct token_dn dn = {.country = "CN", .common_name = in->cn};
	struct api_certificate cert = {0};
	struct api_err e;
	enum token_err terr;
	int rc = -1;

	if (request_key(in, info, id, &id_len, &ctl) != 0)
		return -1;
	atomic_store(&in->stage, RS_REQUESTING);
	terr = token_make_csr(NULL, id, id_len, &dn, &csr, &csr_len, &ctl);
	if (terr != TOKEN_OK)
		return set_token_err(in, terr);
	codec_sha256_hex(csr, csr_len, hex);
	tbs = xasprintf("cakiosk-renew:%s:%s", in->order_id, hex);
	terr = token_sign(NULL, in->old_id, in->old_id_len, (const unsigned char *)tbs,
			  strlen(tbs), &sig, &sig_len, &ctl);
	if (terr != TOKEN_OK) {
		set_token_err(in, terr);
		goto out;
	}
	pem = codec_pem_encode("CERTIFICATE REQUEST", csr, csr_len);
	proof = codec_base64_encode(sig, sig_len);
	backend_new_key(idem);
	if (api_certificate_request(in->order_id, pem, proof, idem, &in->job, is, &e)) {
		rc = 0;
	} else if (api_refused(&e, "wrong_state")) {
		/* Issued meanwhile (an answer lost on the way): fetch it. */
		if (api_certificate_get(in->old_serial, &in->job, &cert, &e) &&
		    cert.has_pending_install) {
			*is = cert.pending_install;
			memset(&cert.pending_install, 0, sizeof cert.pending_install);
			rc = 0;
		} else {
			if (e.err == BACKEND_OK)
				e.err = BACKEND_GARBAGE;
			set_backend_err(in, &e);
		}
	} else {
		set_backend_err(in, &e);
	}
out:
	api_certificate_free(&cert);
	free(tbs);
	free(pem);
	free(proof);
	free(csr);
	free(sig);
	return rc;
}

static int
write_seal(struct install_job *in, const char *seal_id)
{
	struct token_ctl ctl = {.job = &in->job};
	unsigned char *raw = NULL;
	size_t len = 0;
	struct api_err e;
	enum token_err terr;

	atomic_store(&in->stage, RS_SEAL);
	if (!api_seal_get(seal_id, &in->job, &raw, &len, &e))
		return set_backend_err(in, &e);
	terr = token_data_write(NULL, RENEW_SEAL_LABEL, RENEW_SEAL_APP, raw, len, 0,
				&ctl);
	/* Say what happened: a seal where there was none is not "renewed". */
	if (!in->had_seal)
		in->seal = RENEW_SEAL_NEW;
	else if (in->old_seal_len == len && memcmp(in->old_seal, raw, len) == 0)
		in->seal = RENEW_SEAL_ON;
	else
		in->seal = RENEW_SEAL_RENEWED;
	free(raw);
	if (terr != TOKEN_OK) {
		in->seal = RENEW_SEAL_NONE;
		return set_token_err(in, terr);
	}
	log_info("renew: order %s: seal %s", in->order_id,
		 in->seal == RENEW_SEAL_NEW       ? "written (none before)"
		 : in->seal == RENEW_SEAL_RENEWED ? "renewed"
						  : "already on the UKey");
	return 0;
}

/* Remember the seal the UKey holds before anything is written. */
static void
seal_before(struct install_job *in, const struct token_info *info)
{
	for (size_t i = 0; i < info->ndata; i++) {
		const struct token_data *d = &info->data[i];

		if (strcmp(d->label, RENEW_SEAL_LABEL) != 0 ||
		    strcmp(d->application, RENEW_SEAL_APP) != 0)
			continue;
		in->had_seal = true;
		free(in->old_seal);
		in->old_seal = NULL;
		in->old_seal_len = 0;
		if (d->value != NULL) {
			in->old_seal = xmalloc(d->size > 0 ? d->size : 1);
			memcpy(in->old_seal, d->value, d->size);
			in->old_seal_len = d->size;
		}
		return;
	}
}

static void
install_run(struct job *job)
{
	struct install_job *in = (struct install_job *)job;
	struct token_ctl ctl = {.job = job};
	struct token_info info = {0};
	struct token_cert back = {0};
	bool holds_old = false;
	struct api_certificate cert = {0};
	struct api_issued is = {0};
	struct api_order ord;
	struct api_err e;
	unsigned char *der = NULL;
	size_t der_len = 0;
	char idem[BACKEND_IDEM_KEY_LEN + 1];
	enum token_err terr;

	in->reason = NULL;
	in->seal = RENEW_SEAL_NONE;
	atomic_store(&in->stage, RS_CHECKING);
	/* Values too: the seal on the UKey now, to say what became of it. */
	terr = token_read(NULL, TOKEN_READ_VALUES, &info);
	if (terr != TOKEN_OK) {
		set_token_err(in, terr);
		goto out;
	}
	seal_before(in, &info);
	if (strcmp(info.ref.serial, in->token_serial) != 0) {
		in->reason = in->change ? N_("This is not the UKey being changed. Please "
					     "insert that one, and only that one.")
					: N_("This is not the UKey being renewed. Please "
					     "insert that one, and only that one.");
		goto out;
	}
	if (!info.logged_in) {
		set_token_err(in, TOKEN_ERR_NOT_LOGGED_IN);
		goto out;
	}
	/* What the backend has: the new certificate, or a paid order waiting. */
	if (!api_certificate_get(in->has_old ? in->old_serial : in->new_serial, job,
				 &cert, &e)) {
		set_backend_err(in, &e);
		goto out;
	}
	if (!in->has_old || cert.has_pending_install) {
		struct api_issued *src = in->has_old ? &cert.pending_install : &cert.self;

		is = *src;
		memset(src, 0, sizeof *src);
	} else if (cert.has_pending_order) {
		if (request_cert(in, &info, &is) != 0)
			goto out;
	} else {
		in->reason =
			in->change ? N_("The backend has no approved change waiting for "
					"this UKey. Please ask the staff.")
				   : N_("The backend has no paid renewal waiting for "
					"this UKey. Please ask the staff.");
		goto out;
	}
	der = is.pem != NULL ? pem_to_der(is.pem, &der_len) : NULL;
	if (der == NULL || is.serial[0] == '\0') {
		e = (struct api_err){.err = BACKEND_GARBAGE};
		set_backend_err(in, &e);
		goto out;
	}
	/* Written before (a resumed order)?  Then only check it. */
	if (token_find_cert(&info, is.serial) == NULL) {
		atomic_store(&in->stage, RS_WRITING);
		terr = token_write_cert(NULL, der, der_len,
					in->label[0] ? in->label : NULL, &ctl);
		if (terr != TOKEN_OK) {
			set_token_err(in, terr);
			goto out;
		}
	}
	/* Read it back: the old pair goes only once the new one is proven.
	 * Only the certificate is read again (and whether the old pair is
	 * still there), not the whole token. */
	atomic_store(&in->stage, RS_VERIFYING);
	terr = token_read_cert(NULL, der, der_len, in->old_id,
			       in->has_old ? in->old_id_len : 0, &holds_old, &back);
	if (terr == TOKEN_ERR_NOT_FOUND) {
		set_token_err(in, TOKEN_ERR_DEVICE);
		goto out;
	}
	if (terr != TOKEN_OK) {
		set_token_err(in, terr);
		goto out;
	}
	if (!back.has_private_key || back.der_len != der_len ||
	    memcmp(back.der, der, der_len) != 0) {
		set_token_err(in, TOKEN_ERR_DEVICE);
		goto out;
	}
	snprintf(in->new_cn, sizeof in->new_cn, "%s", back.subject_cn);
	if (is.seal_id[0] != '\0' && write_seal(in, is.seal_id) != 0)
		goto out;
	if (holds_old && !(back.id_len == in->old_id_len &&
			   memcmp(back.id, in->old_id, back.id_len) == 0)) {
		atomic_store(&in->stage, RS_CLEANING);
		terr = token_delete_pair(NULL, in->old_id, in->old_id_len, &ctl);
		if (terr != TOKEN_OK) {
			set_token_err(in, terr);
			goto out;
		}
	}
	atomic_store(&in->stage, RS_FINISHING);
	backend_new_key(idem);
	if (api_order_installed(in->order_id, idem, job, &ord, &e))
		snprintf(in->invoice_url, sizeof in->invoice_url, "%s", ord.invoice_url);
	else if (!api_refused(&e, "wrong_state")) {
		set_backend_err(in, &e);
		goto out;
	}
	in->from = (time_t)is.not_before;
	in->to = (time_t)is.not_after;
	atomic_store(&in->stage, RS_DONE);
	log_info("renew: order %s installed, new certificate %s", in->order_id,
		 is.serial);
out:
	free(der);
	free(back.der);
	api_issued_free(&is);
	api_certificate_free(&cert);
	token_info_free(&info);
}

static void
install_release(struct job *job)
{
	struct install_job *in = (struct install_job *)job;

	wipe_free(in->old_seal);
	/* The job holds the order number, serials and key IDs of the customer. */
	wipe_free(in);
}

struct job *
renew_install_job(void)
{
	struct install_job *in = xcalloc(1, sizeof *in);
	const struct renew_cert *c = renew_cert();

	job_init(&in->job, "renew-install", install_run, install_release);
	in->change = R.change || renew_resume_is_change();
	snprintf(in->token_serial, sizeof in->token_serial, "%s", S.token_serial);
	snprintf(in->order_id, sizeof in->order_id, "%s", S.order_id);
	snprintf(in->new_serial, sizeof in->new_serial, "%s", R.new_serial);
	if (c != NULL) {
		in->has_old = true;
		snprintf(in->old_serial, sizeof in->old_serial, "%s", c->serial);
		memcpy(in->old_id, c->id, c->id_len);
		in->old_id_len = c->id_len;
		snprintf(in->label, sizeof in->label, "%s", c->label);
		snprintf(in->cn, sizeof in->cn, "%s", c->cn);
		in->type = c->key_type == TOKEN_KEY_EC ? TOKEN_KEY_EC : TOKEN_KEY_RSA;
	}
	memcpy(in->new_id, R.new_id, R.new_id_len);
	in->new_id_len = R.new_id_len;
	in->reason = N_("The work was stopped.");
	atomic_store(&in->stage, RS_CHECKING);
	return &in->job;
}

enum renew_stage
renew_install_stage(const struct job *job)
{
	return (enum renew_stage)atomic_load(&((struct install_job *)job)->stage);
}

const char *
renew_install_result(struct job *job, enum token_err *token_err)
{
	struct install_job *in = (struct install_job *)job;

	*token_err = in->terr;
	if (atomic_load(&in->stage) != RS_DONE)
		return in->reason;
	R.new_from = in->from;
	R.new_to = in->to;
	R.seal = in->seal;
	snprintf(R.new_cn, sizeof R.new_cn, "%s", in->new_cn);
	snprintf(R.invoice_url, sizeof R.invoice_url, "%s", in->invoice_url);
	return NULL;
}

const char *
renew_stage_text(enum renew_stage stage)
{
	switch (stage) {
	case RS_CHECKING:
		return N_("Checking the UKey and the order...");
	case RS_GENERATING:
		return N_("Generating the new key pair on the UKey...");
	case RS_REQUESTING:
		return N_("Requesting the new certificate...");
	case RS_WRITING:
		return N_("Writing the certificate onto the UKey...");
	case RS_VERIFYING:
		return N_("Reading the new certificate back...");
	case RS_SEAL:
		return N_("Writing the electronic seal onto the UKey...");
	case RS_CLEANING:
		return N_("Removing the old certificate...");
	case RS_FINISHING:
		return N_("Finishing...");
	case RS_DONE:
		break;
	}
	return N_("Done.");
}
