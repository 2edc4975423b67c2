/*
 * personalize.c - instant issuance at the counter, from "blank UKey
 * inserted" to "order made" (see personalize.h; the protocol:
 * src/ra/PROTOCOL.md sections 9 and 12).
 *
 * The state of the work (the recorded SO PIN, the certificate PIN, the
 * staff session, the key's id, the issued certificate, the idempotency
 * keys, the next stage) lives in struct personalize.  A job runs on a copy
 * and hands it back in personalize_result(), so the UI thread and the
 * worker never share it; every copy is wiped.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_personal.h"
#include "backend.h"
#include "codec.h"
#include "i18n.h"
#include "log.h"
#include "personalize.h"
#include "renew.h"
#include "text.h"
#include "unlock.h"
#include "worker.h"
#include "xmem.h"

#define PIN_BUF 80
#define CERT_DER_MAX 8192
#define KEY_LABEL "sign"

struct pz_work {
	enum pz_stage stage; /* the next stage to do */
	char order_id[API_ID_MAX];
	char staff[API_SESSION_MAX];
	char idem_issue[BACKEND_IDEM_KEY_LEN + 1];
	char idem_made[BACKEND_IDEM_KEY_LEN + 1];
	char so_new[API_SO_PIN_MAX]; /* this kiosk's SO PIN, offered */
	char so_pin[API_SO_PIN_MAX]; /* the one the backend recorded */
	char user_pin[API_SO_PIN_MAX];
	char token_serial[TOKEN_TEXT_MAX]; /* where the backend put it, or "" */
	struct token_ref ref;              /* the token being made */
	bool have_ref;
	unsigned char key_id[TOKEN_ID_MAX];
	size_t key_id_len;
	char csr_pem[4096];
	unsigned char cert[CERT_DER_MAX]; /* the issued certificate, DER */
	size_t cert_len;
	char seal_id[API_ID_MAX];
	size_t seal_len; /* what was written, for the check */
	struct pz_made made;
};

struct personalize {
	struct pz_work w;
};

struct personalize *
personalize_new(const char *order_id, const char *staff_session)
{
	struct personalize *p = xcalloc(1, sizeof *p);

	snprintf(p->w.order_id, sizeof p->w.order_id, "%s", order_id);
	snprintf(p->w.staff, sizeof p->w.staff, "%s", staff_session);
	backend_new_key(p->w.idem_made);
	p->w.stage = PZ_ASKING;
	return p;
}

void
personalize_free(struct personalize *p)
{
	if (p != NULL)
		wipe_free(p);
}

enum pz_stage
personalize_stage_now(const struct personalize *p)
{
	return p->w.stage;
}

const struct pz_made *
personalize_made(const struct personalize *p)
{
	return &p->w.made;
}

/* ---- the job ------------------------------------------------------------ */

struct pz_job {
	struct job job;
	struct pz_work w;   /* the worker's copy */
	enum pz_stage stop; /* run the stages before this one */
	atomic_int stage;
	enum pz_outcome outcome;
	const char *reason;
	enum token_err token_err;
};

/* A token call's PIN argument: a copy the token layer wipes. */
static char *
pin_arg(const char *pin, char *buf)
{
	snprintf(buf, PIN_BUF, "%s", pin);
	return buf;
}

static bool
token_failed(struct pz_job *j, enum token_err err)
{
	j->token_err = err;
	j->reason = token_err_reason(err, -1);
	switch (err) {
	case TOKEN_ERR_SO_PIN_WRONG:
	case TOKEN_ERR_SO_PIN_LOCKED:
	case TOKEN_ERR_READ_ONLY:
	case TOKEN_ERR_FULL:
	case TOKEN_ERR_NOT_SUPPORTED:
		j->outcome = PZ_OUT_TOKEN;
		j->reason = N_("This UKey cannot be made here: it is not blank and the "
			       "kiosk does not know its SO PIN. Use a blank UKey.");
		break;
	case TOKEN_ERR_NOT_FOUND:
		j->outcome = PZ_OUT_TOKEN;
		j->reason = N_("The certificate was issued onto another UKey: insert "
			       "that UKey.");
		break;
	case TOKEN_ERR_NOT_LOGGED_IN:
		/* Pulled and put back: the job logs in again by itself. */
		j->outcome = PZ_OUT_AGAIN;
		j->reason = token_err_reason(TOKEN_ERR_REMOVED, -1);
		break;
	default:
		j->outcome = PZ_OUT_AGAIN;
		break;
	}
	/* Before the issuance nothing on the token counts: start it again. */
	if (j->w.stage < PZ_ISSUING && j->w.stage > PZ_INIT)
		j->w.stage = PZ_INIT;
	log_warn("personalize: order %s stopped at %s: %s", j->w.order_id,
		 personalize_stage_name(j->w.stage), token_err_name(err));
	return false;
}

static bool
refuse_token(struct pz_job *j, const char *reason)
{
	j->token_err = TOKEN_OK;
	j->outcome = PZ_OUT_TOKEN;
	j->reason = reason;
	log_warn("personalize: order %s: this token is refused at %s", j->w.order_id,
		 personalize_stage_name(j->w.stage));
	return false;
}

static bool
backend_failed(struct pz_job *j, const struct api_err *e)
{
	j->token_err = TOKEN_OK;
	j->reason = api_reason(e);
	j->outcome = PZ_OUT_AGAIN;
	if (e->err == BACKEND_REFUSED && e->status != 429) {
		if (api_refused(e, "token_exists"))
			return refuse_token(j, N_("This UKey is registered to a customer "
						  "already: use a blank UKey."));
		j->outcome = PZ_OUT_REFUSED;
		if (api_refused(e, "wrong_state"))
			j->reason = N_("This order is not waiting for a UKey (made "
				       "already, or not approved yet).");
	}
	log_warn("personalize: order %s stopped at %s: backend %s %s", j->w.order_id,
		 personalize_stage_name(j->w.stage), backend_err_name(e->err), e->code);
	return false;
}

/* The one token present, read; *info freed by the caller. */
static bool
read_one(struct pz_job *j, const struct token_ref *ref, struct token_info *info)
{
	enum token_err err = token_read(ref, 0, info);

	if (err != TOKEN_OK) {
		token_info_free(info);
		return token_failed(j, err);
	}
	return true;
}

static bool
ask(struct pz_job *j)
{
	struct pz_work *w = &j->w;
	struct api_personal p = {0};
	struct api_err e;
	char idem[BACKEND_IDEM_KEY_LEN + 1];
	if (w->so_new[0] == '\0' && !unlock_new_so_pin(8, 16, w->so_new)) {
		j->reason = backend_err_reason(BACKEND_SERVER, NULL);
		return false;
	}
	/* A fresh key each time: the answer says where the order is now. */
	backend_new_key(idem);
	if (!api_personalize(w->order_id, w->so_new, w->staff, idem, &j->job, &p, &e))
		return backend_failed(j, &e);
	snprintf(w->so_pin, sizeof w->so_pin, "%s", p.so_pin);
	snprintf(w->user_pin, sizeof w->user_pin, "%s", p.user_pin);
	snprintf(w->made.name, sizeof w->made.name, "%s", p.name);
	snprintf(w->made.pin_delivery, sizeof w->made.pin_delivery, "%s", p.pin_delivery);
	w->made.unit = p.unit;
	if (strcmp(p.state, "issued") == 0) {
		size_t len = 0;
		unsigned char *der = codec_pem_decode(p.issued.pem, "CERTIFICATE", &len);
		if (der == NULL || len > sizeof w->cert) {
			free(der);
			api_personal_free(&p);
			return refuse_token(j, N_("The certificate the CA sent cannot be "
						  "used."));
		}
		memcpy(w->cert, der, len);
		w->cert_len = len;
		free(der);
		snprintf(w->seal_id, sizeof w->seal_id, "%s", p.issued.seal_id);
		snprintf(w->made.cert_serial, sizeof w->made.cert_serial, "%s",
			 p.issued.serial);
		snprintf(w->token_serial, sizeof w->token_serial, "%s", p.token_serial);
		w->have_ref = false;       /* found again at PZ_WRITING */
		w->stage = PZ_WRITING - 1; /* the loop goes on at PZ_WRITING */
		log_info("personalize: order %s issued before: resumed", w->order_id);
	}
	api_personal_free(&p);
	return true;
}

/* Initializes a blank token, or one without certificates that the
 * recorded SO PIN opens (this order's, started before). */
static bool
init(struct pz_job *j)
{
	struct pz_work *w = &j->w;
	struct token_ctl ctl = {.job = &j->job};
	struct token_info info = {0};
	char a[PIN_BUF], b[PIN_BUF], label[33];
	enum token_err err;

	if (!read_one(j, NULL, &info))
		return false;
	if (info.initialized && (info.ncerts > 0 || info.pin == TOKEN_PIN_LOCKED)) {
		token_info_free(&info);
		return refuse_token(j, N_("This UKey holds a certificate: it is not "
					  "blank. Use a blank UKey."));
	}
	token_info_free(&info);
	snprintf(label, sizeof label, "CA %.29s", w->order_id);
	err = token_init_token(NULL, pin_arg(w->so_pin, a), pin_arg(w->user_pin, b),
			       label, &ctl);
	if (err != TOKEN_OK)
		return token_failed(j, err);
	if (!read_one(j, NULL, &info))
		return false;
	w->ref = info.ref;
	w->have_ref = true;
	snprintf(w->made.token_serial, sizeof w->made.token_serial, "%s", info.serial);
	token_info_free(&info);
	log_info("personalize: order %s: token initialized", w->order_id);
	return true;
}

static bool
make_key(struct pz_job *j)
{
	struct pz_work *w = &j->w;
	struct token_ctl ctl = {.job = &j->job};
	struct token_dn dn = {.country = "CN", .common_name = w->order_id};
	unsigned char *csr = NULL;
	size_t csr_len = 0;
	char buf[PIN_BUF], *pem;
	enum token_err err;

	err = token_login(&w->ref, pin_arg(w->user_pin, buf), TOKEN_FINAL_TRY_OK, NULL,
			  &ctl);
	if (err == TOKEN_OK)
		err = token_gen_key(&w->ref, TOKEN_KEY_EC, KEY_LABEL, w->key_id,
				    &w->key_id_len, &ctl);
	if (err == TOKEN_OK)
		err = token_make_csr(&w->ref, w->key_id, w->key_id_len, &dn, &csr,
				     &csr_len, &ctl);
	if (err != TOKEN_OK)
		return token_failed(j, err);
	pem = codec_pem_encode("CERTIFICATE REQUEST", csr, csr_len);
	snprintf(w->csr_pem, sizeof w->csr_pem, "%s", pem);
	free(pem);
	free(csr);
	/* One key per CSR: a retry of this request replays its answer. */
	backend_new_key(w->idem_issue);
	return true;
}

static bool
issue(struct pz_job *j)
{
	struct pz_work *w = &j->w;
	struct api_issued is = {0};
	struct api_err e;
	unsigned char *der;
	size_t len = 0;

	if (!api_certificate_escrow(w->order_id, w->csr_pem, w->ref.serial, w->so_pin,
				    w->staff, w->idem_issue, &j->job, &is, &e))
		return backend_failed(j, &e);
	der = codec_pem_decode(is.pem, "CERTIFICATE", &len);
	if (der == NULL || len > sizeof w->cert) {
		free(der);
		api_issued_free(&is);
		return refuse_token(j, N_("The certificate the CA sent cannot be used."));
	}
	memcpy(w->cert, der, len);
	w->cert_len = len;
	free(der);
	snprintf(w->seal_id, sizeof w->seal_id, "%s", is.seal_id);
	snprintf(w->made.cert_serial, sizeof w->made.cert_serial, "%s", is.serial);
	snprintf(w->token_serial, sizeof w->token_serial, "%s", w->ref.serial);
	api_issued_free(&is);
	log_info("personalize: order %s: issued", w->order_id);
	return true;
}

/* Logged in on the token the certificate belongs on, and read. */
static bool
open_made(struct pz_job *j, struct token_info *info)
{
	struct pz_work *w = &j->w;
	struct token_ctl ctl = {.job = &j->job};
	char buf[PIN_BUF];
	enum token_err err;

	if (!w->have_ref) {
		if (!read_one(j, NULL, info))
			return false;
		w->ref = info->ref;
		w->have_ref = true;
		token_info_free(info);
	}
	/* Never onto another token than the one the backend recorded. */
	if (w->token_serial[0] != '\0' && strcmp(w->ref.serial, w->token_serial) != 0) {
		w->have_ref = false;
		return refuse_token(j, N_("The certificate was issued onto another UKey: "
					  "insert that UKey."));
	}
	snprintf(w->made.token_serial, sizeof w->made.token_serial, "%s", w->ref.serial);
	err = token_login(&w->ref, pin_arg(w->user_pin, buf), TOKEN_FINAL_TRY_OK, NULL,
			  &ctl);
	if (err == TOKEN_OK)
		err = token_read(&w->ref, 0, info);
	if (err != TOKEN_OK) {
		token_info_free(info);
		w->have_ref = false; /* pulled: find it again */
		return token_failed(j, err);
	}
	return true;
}

static bool
write_all(struct pz_job *j)
{
	struct pz_work *w = &j->w;
	struct token_ctl ctl = {.job = &j->job};
	struct token_info info = {0};
	unsigned char *seal = NULL;
	size_t len = 0;
	struct api_err e;
	enum token_err err = TOKEN_OK;

	if (!open_made(j, &info))
		return false;
	/* Written before (the answer lost): not a second copy. */
	if (token_find_cert(&info, w->made.cert_serial) == NULL)
		err = token_write_cert(&w->ref, w->cert, w->cert_len, KEY_LABEL, &ctl);
	token_info_free(&info);
	if (err != TOKEN_OK)
		return token_failed(j, err);
	if (w->seal_id[0] == '\0')
		return true;
	if (!api_seal_get(w->seal_id, &j->job, &seal, &len, &e))
		return backend_failed(j, &e);
	err = token_data_write(&w->ref, RENEW_SEAL_LABEL, RENEW_SEAL_APP, seal, len, 0,
			       &ctl);
	free(seal);
	w->seal_len = len;
	return err == TOKEN_OK || token_failed(j, err);
}

static bool
check(struct pz_job *j)
{
	struct pz_work *w = &j->w;
	struct token_info info = {0};
	const struct token_cert *c;
	bool seal = w->seal_id[0] == '\0';

	if (!open_made(j, &info))
		return false;
	c = token_find_cert(&info, w->made.cert_serial);
	for (size_t i = 0; i < info.ndata; i++)
		if (strcmp(info.data[i].label, RENEW_SEAL_LABEL) == 0 &&
		    info.data[i].size > 0 &&
		    (w->seal_len == 0 || info.data[i].size == w->seal_len))
			seal = true;
	if (c == NULL || !c->has_private_key || !seal) {
		token_info_free(&info);
		/* Written again by the next run. */
		w->stage = PZ_WRITING;
		return token_failed(j, TOKEN_ERR_DEVICE);
	}
	token_info_free(&info);
	(void)token_logout(&w->ref);
	return true;
}

static bool
stage_run(struct pz_job *j)
{
	struct pz_work *w = &j->w;
	struct api_order ord;
	struct api_err e;

	switch (w->stage) {
	case PZ_ASKING:
		return ask(j);
	case PZ_INIT:
		return init(j);
	case PZ_KEY:
		return make_key(j);
	case PZ_ISSUING:
		return issue(j);
	case PZ_WRITING:
		return write_all(j);
	case PZ_CHECKING:
		return check(j);
	case PZ_MADE:
		if (!api_order_made(w->order_id, w->staff, w->idem_made, &j->job, &ord,
				    &e))
			return backend_failed(j, &e);
		return true;
	case PZ_DONE:
	case PZ_STAGE_COUNT:
		break;
	}
	return true;
}

static void
pz_run(struct job *job)
{
	struct pz_job *j = (struct pz_job *)job;
	struct pz_work *w = &j->w;

	/* A new run begins with the backend's word on the order (issued
	 * meanwhile, made) unless it is past the issuance in this visit. */
	if (w->stage <= PZ_INIT)
		w->stage = PZ_ASKING;
	while (w->stage < PZ_DONE && w->stage < j->stop) {
		atomic_store(&j->stage, (int)w->stage);
		if (job_cancelled(job)) {
			j->outcome = PZ_OUT_AGAIN;
			j->reason = backend_err_reason(BACKEND_CANCELLED, NULL);
			break;
		}
		if (!stage_run(j))
			break;
		log_info("personalize: order %s: %s done", w->order_id,
			 personalize_stage_name(w->stage));
		w->stage++;
	}
	atomic_store(&j->stage, (int)w->stage);
	if (w->stage == PZ_DONE) {
		j->outcome = PZ_OUT_DONE;
		j->reason = NULL;
		/* The SO PIN is escrowed, the customer has the PIN. */
		secure_wipe(w->so_pin, sizeof w->so_pin);
		secure_wipe(w->so_new, sizeof w->so_new);
		secure_wipe(w->user_pin, sizeof w->user_pin);
		log_info("personalize: order %s made", w->order_id);
	}
	secure_burn_stack();
}

static void
pz_release(struct job *job)
{
	wipe_free(job);
}

struct job *
personalize_job_until(const struct personalize *p, enum pz_stage stop)
{
	struct pz_job *j = xcalloc(1, sizeof *j);

	job_init(&j->job, "personalize", pz_run, pz_release);
	j->w = p->w;
	j->stop = stop;
	j->outcome = PZ_OUT_AGAIN;
	j->reason = backend_err_reason(BACKEND_CANCELLED, NULL);
	atomic_store(&j->stage, (int)j->w.stage);
	return &j->job;
}

struct job *
personalize_job(const struct personalize *p)
{
	return personalize_job_until(p, PZ_DONE);
}

enum pz_stage
personalize_job_stage(const struct job *job)
{
	return (enum pz_stage)atomic_load(&((const struct pz_job *)job)->stage);
}

enum pz_outcome
personalize_result(struct personalize *p, struct job *job, const char **reason,
		   enum token_err *token_err)
{
	struct pz_job *j = (struct pz_job *)job;

	p->w = j->w;
	*reason = j->reason;
	if (token_err != NULL)
		*token_err = j->token_err;
	return j->outcome;
}

const char *
personalize_stage_text(enum pz_stage stage)
{
	switch (stage) {
	case PZ_ASKING:
		return N_("Asking the CA for the order...");
	case PZ_INIT:
		return N_("Initializing the UKey. Do not remove the UKey.");
	case PZ_KEY:
		return N_("Generating the key on the UKey. Do not remove the UKey.");
	case PZ_ISSUING:
		return N_("The CA is issuing the certificate...");
	case PZ_WRITING:
		return N_(
			"Writing the certificate and the seal. Do not remove the UKey.");
	case PZ_CHECKING:
		return N_("Reading the UKey back...");
	case PZ_MADE:
		return N_("Marking the order made...");
	case PZ_DONE:
	case PZ_STAGE_COUNT:
		break;
	}
	return N_("Done.");
}

const char *
personalize_stage_name(enum pz_stage stage)
{
	static const char *const names[PZ_STAGE_COUNT] = {
		"ASKING",  "INIT",     "KEY",  "ISSUING",
		"WRITING", "CHECKING", "MADE", "DONE"};

	return (unsigned)stage < PZ_STAGE_COUNT ? names[stage] : "?";
}
