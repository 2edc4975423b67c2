/*
 * unlock.c - the unlock's work from the backend's authorization to "the new
 * PIN works" (see unlock.h; the protocol and why it is crash-safe:
 * src/ra/PROTOCOL.md section 12).
 *
 * The state of the work (the released SO PINs, the new SO PIN, the new
 * user PIN, the idempotency keys, the next stage) lives in the session's
 * unlock part.  A job runs on a copy and hands it back in unlock_result(),
 * so the UI thread and the worker never share it; the copies are wiped.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "api.h"
#include "backend.h"
#include "i18n.h"
#include "log.h"
#include "service.h"
#include "session.h"
#include "unlock.h"
#include "worker.h"
#include "xmem.h"

#define PIN_BUF 80
#define SO_PIN_LEN 16 /* the new SO PIN's length, within the token's limits */

struct unlock_work {
	enum unlock_stage stage; /* the next stage to do */
	char idem_auth[BACKEND_IDEM_KEY_LEN + 1];
	char idem_cand[BACKEND_IDEM_KEY_LEN + 1];
	char idem_promote[BACKEND_IDEM_KEY_LEN + 1];
	struct api_unlock_auth auth; /* the released SO PIN (and candidate) */
	char known[API_SO_PIN_MAX];  /* the SO PIN the token holds */
	bool holds_candidate;        /* known is the earlier candidate */
	char next[API_SO_PIN_MAX];   /* this unlock's new SO PIN */
	bool set_tried;              /* C_SetPIN was sent: it may have worked */
	bool pinpad;                 /* the new PIN is typed on the reader */
	char new_pin[PIN_BUF];
	/* from the session, for the job */
	struct token_ref ref;
	char order_id[API_ID_MAX];
	char session[SESSION_SMS_MAX];
	unsigned long min_pin, max_pin;
};

static void
part_wipe(void *part)
{
	struct unlock *u = part;

	if (u->work != NULL) {
		secure_wipe(u->work, sizeof *u->work);
		free(u->work);
		u->work = NULL;
	}
}

struct unlock *
unlock_get(void)
{
	struct unlock *u = session_part(SVC_UNLOCK, sizeof(struct unlock), part_wipe);

	if (u->work == NULL)
		u->work = xcalloc(1, sizeof *u->work);
	return u;
}

void
unlock_begin(void)
{
	struct unlock_work *w;

	session_restart();
	w = unlock_get()->work;
	w->stage = UL_AUTHORIZING;
	backend_new_key(w->idem_auth);
	backend_new_key(w->idem_cand);
	backend_new_key(w->idem_promote);
}

void
unlock_set_pin(const char *pin)
{
	struct unlock_work *w = unlock_get()->work;

	secure_wipe(w->new_pin, sizeof w->new_pin);
	w->pinpad = pin == NULL;
	if (pin != NULL)
		snprintf(w->new_pin, sizeof w->new_pin, "%s", pin);
}

enum unlock_stage
unlock_stage_now(void)
{
	return unlock_get()->work->stage;
}

/* ---- the job ------------------------------------------------------------ */

struct unlock_job {
	struct job job;
	struct unlock_work w;   /* the worker's copy */
	enum unlock_stage stop; /* run the stages before this one */
	atomic_int stage;
	enum unlock_outcome outcome;
	const char *reason;
	enum token_err token_err;
};

/*
 * A fresh random SO PIN: letters and digits (visible ASCII that any reader
 * and any person at the counter can take), SO_PIN_LEN long or what the
 * token's limits allow, at least 4 and at most 32 (the protocol's).
 */
bool
unlock_new_so_pin(unsigned long min_pin, unsigned long max_pin, char *out)
{
	static const char set[] =
		"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
	const size_t nset = sizeof set - 1;
	size_t len = SO_PIN_LEN, lo = 4, hi = 32, n = 0;
	unsigned char b[64];

	if (min_pin > lo && min_pin <= hi)
		lo = min_pin;
	if (max_pin >= lo && max_pin < hi)
		hi = max_pin;
	len = len < lo ? lo : len > hi ? hi : len;
	while (n < len) {
		if (getrandom(b, sizeof b, 0) != (ssize_t)sizeof b)
			return false;
		/* Rejection sampling: uniform over the set. */
		for (size_t i = 0; i < sizeof b && n < len; i++)
			if (b[i] < 256 - 256 % nset)
				out[n++] = set[b[i] % nset];
	}
	out[n] = '\0';
	secure_wipe(b, sizeof b);
	return true;
}

/* A token call's PIN argument: a copy the token layer wipes. */
static char *
pin_arg(const char *pin, char *buf)
{
	snprintf(buf, PIN_BUF, "%s", pin);
	return buf;
}

static bool
token_failed(struct unlock_job *j, enum token_err err, int tries)
{
	j->token_err = err;
	j->reason = token_err_reason(err, tries);
	switch (err) {
	case TOKEN_ERR_PIN_LENGTH:
	case TOKEN_ERR_PIN_INVALID:
	case TOKEN_ERR_PINPAD:
		j->outcome = UO_PIN;
		break;
	case TOKEN_ERR_SO_PIN_WRONG:
	case TOKEN_ERR_SO_PIN_LOCKED:
	case TOKEN_ERR_FINAL_TRY:
	case TOKEN_ERR_NOT_INITIALIZED:
		j->outcome = UO_COUNTER;
		j->reason = N_("The kiosk cannot unlock this UKey. Please take it to the "
			       "counter of this hall: the staff unlock it there.");
		break;
	default:
		j->outcome = UO_AGAIN;
		break;
	}
	log_warn("unlock: order %s stopped at %s: %s", j->w.order_id,
		 unlock_stage_name(j->w.stage), token_err_name(err));
	return false;
}

static bool
backend_failed(struct unlock_job *j, const struct api_err *e)
{
	j->token_err = TOKEN_OK;
	j->reason = api_reason(e);
	j->outcome = UO_AGAIN;
	if (e->err == BACKEND_REFUSED) {
		if (api_refused(e, "unknown_token") || api_refused(e, "not_owner")) {
			j->outcome = UO_COUNTER;
			j->reason =
				N_("This UKey was not issued by this CA, or not to you. "
				   "Please go to the counter of this hall.");
		} else if (e->status != 429) {
			j->outcome = UO_RESTART; /* session, state: verify again */
		}
	}
	log_warn("unlock: order %s stopped at %s: backend %s %s", j->w.order_id,
		 unlock_stage_name(j->w.stage), backend_err_name(e->err), e->code);
	return false;
}

/*
 * Which SO PIN opens the token: the candidate first, then the escrowed one.
 * A wrong one costs an SO try; the last one may use the SO's final try
 * (the token holds one of them), any other not: the counter.
 */
static bool
so_login(struct unlock_job *j)
{
	struct unlock_work *w = &j->w;
	const char *pins[2] = {w->auth.candidate, w->auth.so_pin};
	int first = w->auth.candidate[0] != '\0' ? 0 : 1, tries = -1;
	enum token_err err = TOKEN_ERR_SO_PIN_WRONG;
	struct token_ctl ctl = {.job = &j->job};
	char buf[PIN_BUF];

	for (int i = first; i < 2; i++) {
		err = token_so_check(&w->ref, pin_arg(pins[i], buf),
				     i == 1 ? TOKEN_FINAL_TRY_OK : 0, &tries, &ctl);
		if (err == TOKEN_OK) {
			snprintf(w->known, sizeof w->known, "%s", pins[i]);
			w->holds_candidate = i == 0;
			log_info("unlock: the token holds the %s SO PIN",
				 i == 0 ? "candidate" : "escrowed");
			return true;
		}
		if (err != TOKEN_ERR_SO_PIN_WRONG)
			break;
	}
	return token_failed(j, err, tries);
}

/* C_SetPIN of the SO PIN to the recorded candidate.  Sent before and
 * perhaps done: if the known PIN no longer opens, the new one must. */
static bool
so_set(struct unlock_job *j)
{
	struct unlock_work *w = &j->w;
	struct token_ctl ctl = {.job = &j->job};
	char a[PIN_BUF], b[PIN_BUF];
	int tries = -1;
	enum token_err err;
	bool again = w->set_tried;

	w->set_tried = true;
	err = token_change_so_pin(&w->ref, pin_arg(w->known, a), pin_arg(w->next, b),
				  &tries, &ctl);
	if (err == TOKEN_ERR_SO_PIN_WRONG && again)
		err = token_so_check(&w->ref, pin_arg(w->next, a), TOKEN_FINAL_TRY_OK,
				     &tries, &ctl);
	if (err != TOKEN_OK)
		return token_failed(j, err, tries);
	snprintf(w->known, sizeof w->known, "%s", w->next);
	w->holds_candidate = false;
	return true;
}

static bool
stage_run(struct unlock_job *j)
{
	struct unlock_work *w = &j->w;
	struct token_ctl ctl = {.job = &j->job};
	struct api_err e;
	struct api_order ord;
	char buf[PIN_BUF], pin[PIN_BUF];
	int tries = -1;
	enum token_err err;

	switch (w->stage) {
	case UL_AUTHORIZING:
		if (!api_unlock_authorize(w->order_id, w->session, w->idem_auth, &j->job,
					  &w->auth, &e))
			return backend_failed(j, &e);
		return true;
	case UL_SO_LOGIN:
		return so_login(j);
	case UL_INIT_PIN:
		err = token_unblock(&w->ref, pin_arg(w->known, buf),
				    w->pinpad ? NULL : pin_arg(w->new_pin, pin), &tries,
				    &ctl);
		return err == TOKEN_OK || token_failed(j, err, tries);
	case UL_RECORDING:
		if (w->next[0] == '\0' &&
		    !unlock_new_so_pin(w->min_pin, w->max_pin, w->next)) {
			j->reason = backend_err_reason(BACKEND_SERVER, NULL);
			j->outcome = UO_AGAIN;
			return false;
		}
		if (!api_unlock_candidate(w->order_id, w->next, w->holds_candidate,
					  w->idem_cand, &j->job, &e))
			return backend_failed(j, &e);
		return true;
	case UL_SETTING_SO:
		return so_set(j);
	case UL_PROMOTING:
		if (!api_unlock_promote(w->order_id, w->next, w->idem_promote, &j->job,
					&ord, &e))
			return backend_failed(j, &e);
		return true;
	case UL_PROVING:
		err = token_login(&w->ref, w->pinpad ? NULL : pin_arg(w->new_pin, buf),
				  TOKEN_FINAL_TRY_OK, &tries, &ctl);
		return err == TOKEN_OK || token_failed(j, err, tries);
	case UL_DONE:
	case UL_STAGE_COUNT:
		break;
	}
	return true;
}

static void
unlock_run(struct job *job)
{
	struct unlock_job *j = (struct unlock_job *)job;
	struct unlock_work *w = &j->w;

	while (w->stage < UL_DONE && w->stage < j->stop) {
		atomic_store(&j->stage, (int)w->stage);
		if (job_cancelled(job)) {
			j->outcome = UO_AGAIN;
			j->reason = backend_err_reason(BACKEND_CANCELLED, NULL);
			break;
		}
		if (!stage_run(j))
			break;
		log_info("unlock: order %s: %s done", w->order_id,
			 unlock_stage_name(w->stage));
		w->stage++;
		if (w->stage == UL_SETTING_SO)
			w->set_tried = false;
	}
	atomic_store(&j->stage, (int)w->stage);
	if (w->stage == UL_DONE) {
		j->outcome = UO_DONE;
		j->reason = NULL;
		/* Nothing of it is needed any more: the old SO PINs are worthless,
		 * the new one is escrowed, the customer knows the PIN. */
		secure_wipe(&w->auth, sizeof w->auth);
		secure_wipe(w->known, sizeof w->known);
		secure_wipe(w->next, sizeof w->next);
		secure_wipe(w->new_pin, sizeof w->new_pin);
		log_info("unlock: order %s: the new PIN works", w->order_id);
	}
	secure_burn_stack();
}

static void
unlock_release(struct job *job)
{
	wipe_free(job);
}

struct job *
unlock_job_until(enum unlock_stage stop)
{
	struct unlock_job *j = xcalloc(1, sizeof *j);
	struct session *s = session_get();

	job_init(&j->job, "unlock", unlock_run, unlock_release);
	j->w = *unlock_get()->work;
	j->w.ref = s->ref;
	snprintf(j->w.order_id, sizeof j->w.order_id, "%s", s->order_id);
	snprintf(j->w.session, sizeof j->w.session, "%s", s->sms_session);
	j->w.min_pin = s->min_pin;
	j->w.max_pin = s->max_pin;
	j->stop = stop;
	j->outcome = UO_AGAIN;
	j->reason = backend_err_reason(BACKEND_CANCELLED, NULL);
	atomic_store(&j->stage, (int)j->w.stage);
	return &j->job;
}

struct job *
unlock_job(void)
{
	return unlock_job_until(UL_DONE);
}

enum unlock_stage
unlock_job_stage(const struct job *job)
{
	return (enum unlock_stage)atomic_load(&((struct unlock_job *)job)->stage);
}

enum unlock_outcome
unlock_result(struct job *job, const char **reason, enum token_err *token_err)
{
	struct unlock_job *j = (struct unlock_job *)job;
	struct unlock_work *w = unlock_get()->work;

	/* What the run did is the session's now (the next run goes on from it). */
	*w = j->w;
	*reason = j->reason;
	if (token_err != NULL)
		*token_err = j->token_err;
	return j->outcome;
}

const char *
unlock_stage_text(enum unlock_stage stage)
{
	switch (stage) {
	case UL_AUTHORIZING:
		return N_("Asking the CA for this UKey's unlock...");
	case UL_SO_LOGIN:
	case UL_INIT_PIN:
		return N_("Setting your new PIN on the UKey. Do not remove the UKey.");
	case UL_RECORDING:
	case UL_SETTING_SO:
	case UL_PROMOTING:
		return N_("Securing the UKey with a new unlock code. Do not remove the "
			  "UKey.");
	case UL_PROVING:
		return N_("Checking that your new PIN works...");
	case UL_DONE:
	case UL_STAGE_COUNT:
		break;
	}
	return N_("Done.");
}

const char *
unlock_stage_name(enum unlock_stage stage)
{
	static const char *const names[UL_STAGE_COUNT] = {
		"AUTHORIZING", "SO_LOGIN",  "INIT_PIN", "RECORDING",
		"SETTING_SO",  "PROMOTING", "PROVING",  "DONE"};

	return (unsigned)stage < UL_STAGE_COUNT ? names[stage] : "?";
}
