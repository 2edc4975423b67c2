/*
 * issue_cert.c - the CA's work for a certificate request (see issue_int.h):
 * the CSR's check, the old key's proof, the certificate and its seal, done
 * without the store's lock between two runs of h_certificate, so that
 * requests on other connections use the store meanwhile.
 *
 * The first run reads and checks everything under the lock as the handler
 * always has, assuming the crypto's results it does not have yet; the
 * crypto is then done with the lock released; the second run reads and
 * checks everything again and uses each result only if what it reads now is
 * what the result was made from (otherwise it assumes again, and the last
 * run allowed does the work under the lock).  Two requests for one order
 * may both make a certificate: the second run of the later one finds the
 * order issued (or its Idempotency-Key answered) and keeps nothing.
 */
#include "ra/issue_int.h"

enum { NOT_YET = -2 };

struct cert_job {
	struct ca *ca;
	bool assumed; /* this run assumed a result it does not have */
	int64_t now;
	/* the CSR */
	char *csr_pem;
	int csr_rc; /* NOT_YET, 0 accepted, -1 refused */
	struct ca_csr *csr;
	const char *csr_code;
	char *csr_msg;
	/* the old key's proof */
	char *old_pem, *order_id, *proof;
	int proof_rc; /* NOT_YET, 1 verifies, 0 not */
	/* the certificate */
	struct ca_subject subj;
	int64_t from, to;
	int cert_rc; /* NOT_YET (also: not asked), 0 made, -1 failed */
	struct ca_issued is;
	/* its seal */
	struct seal seal;
	bool seal_asked;
	int seal_rc;
};

static void
subj_clear(struct ca_subject *s)
{
	free((char *)s->cn);
	free((char *)s->o);
	free((char *)s->ou);
	free((char *)s->serial_number);
	memset(s, 0, sizeof *s);
}

static char *
dup_opt(const char *s)
{
	return s ? util_xstrdup(s) : NULL;
}

static bool
same_opt(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

static void
cert_forget(struct cert_job *j)
{
	ca_issued_free(&j->is);
	memset(&j->is, 0, sizeof j->is);
	subj_clear(&j->subj);
	j->cert_rc = NOT_YET;
	seal_clear(&j->seal);
	j->seal_asked = false;
	j->seal_rc = NOT_YET;
}

static void
cert_job_free(void *arg)
{
	struct cert_job *j = arg;
	cert_forget(j);
	ca_csr_free(j->csr);
	free(j->csr_msg);
	free(j->csr_pem);
	free(j->old_pem);
	free(j->order_id);
	free(j->proof);
	free(j);
}

struct cert_job *
cert_job_of(struct req *r)
{
	struct cert_job *j = r->job;
	if (!j) {
		j = util_xcalloc(1, sizeof *j);
		j->ca = r->app->ca;
		j->now = util_now();
		j->csr_rc = j->proof_rc = j->cert_rc = j->seal_rc = NOT_YET;
		r->job = j;
		r->job_free = cert_job_free;
	}
	j->assumed = false;
	return j;
}

int64_t
cert_job_now(const struct cert_job *j)
{
	return j->now;
}

bool
cert_job_assumed(const struct cert_job *j)
{
	return j->assumed;
}

static int
proof_check(struct cert_job *j)
{
	char hash[65];
	unsigned char *sig = NULL;
	size_t slen = 0;
	ca_csr_hash(j->csr, hash);
	if (codec_base64_decode(j->proof, &sig, &slen) != 0)
		return 0;
	char *tbs = util_xasprintf("cakiosk-renew:%s:%s", j->order_id, hash);
	int v = ca_verify_with_cert(j->old_pem, tbs, strlen(tbs), sig, slen);
	free(tbs);
	free(sig);
	return v == 1;
}

/* Everything asked and not done yet, in the handler's order: each step only
 * when the ones before it succeeded. */
static void
cert_job_run(void *arg)
{
	struct cert_job *j = arg;
	if (j->csr_rc == NOT_YET) {
		j->csr = ca_csr_parse(j->csr_pem, &j->csr_code, &j->csr_msg);
		j->csr_rc = j->csr ? 0 : -1;
	}
	if (j->csr_rc != 0)
		return;
	if (j->old_pem && j->proof_rc == NOT_YET)
		j->proof_rc = proof_check(j);
	if (j->old_pem && j->proof_rc != 1)
		return;
	if (j->subj.cn && j->cert_rc == NOT_YET) {
		char *msg = NULL;
		j->cert_rc = ca_issue(j->ca, j->csr, &j->subj, j->from, j->to,
				      CA_PROFILE_CUSTOMER, &j->is, &msg);
		if (msg)
			log_err("issue: %s", msg);
		free(msg);
	}
	if (j->cert_rc == 0 && j->seal_asked && j->seal_rc == NOT_YET)
		j->seal_rc = seal_sign(j->ca, &j->is, j->now, &j->seal);
}

/* A result that is not there: assumed while the run may ask for it, else
 * made now, under the lock. */
static bool
assume(struct req *r, struct cert_job *j)
{
	if (r->may_unlock) {
		j->assumed = true;
		return true;
	}
	cert_job_run(j);
	return false;
}

bool
cert_job_ask(struct req *r, struct cert_job *j)
{
	if (j->assumed) {
		req_unlocked(r, cert_job_run);
		return true;
	}
	req_job_end(r);
	return false;
}

bool
cert_job_csr(struct req *r, struct cert_job *j, const char *csr, const char **code,
	     const char **msg)
{
	if (!j->csr_pem)
		j->csr_pem = util_xstrdup(csr);
	if (j->csr_rc == NOT_YET && assume(r, j))
		return true;
	*code = j->csr_code;
	*msg = j->csr_msg;
	return j->csr_rc == 0;
}

bool
cert_job_proof(struct req *r, struct cert_job *j, const char *old_pem,
	       const char *order_id, const char *proof)
{
	if (!same_opt(j->old_pem, old_pem) || !same_opt(j->order_id, order_id) ||
	    !same_opt(j->proof, proof)) {
		free(j->old_pem);
		free(j->order_id);
		free(j->proof);
		j->old_pem = util_xstrdup(old_pem);
		j->order_id = util_xstrdup(order_id);
		j->proof = util_xstrdup(proof);
		j->proof_rc = NOT_YET;
	}
	if (j->proof_rc == NOT_YET && assume(r, j))
		return true;
	return j->proof_rc == 1;
}

const struct ca_issued *
cert_job_issue(struct req *r, struct cert_job *j, const struct ca_subject *subj,
	       int64_t from, int64_t to, bool *failed)
{
	*failed = false;
	if (!j->subj.cn || !same_opt(j->subj.cn, subj->cn) ||
	    !same_opt(j->subj.o, subj->o) || !same_opt(j->subj.ou, subj->ou) ||
	    !same_opt(j->subj.serial_number, subj->serial_number) || j->from != from ||
	    j->to != to) {
		cert_forget(j);
		j->subj = (struct ca_subject){.cn = dup_opt(subj->cn),
					      .o = dup_opt(subj->o),
					      .ou = dup_opt(subj->ou),
					      .serial_number =
						      dup_opt(subj->serial_number)};
		j->from = from;
		j->to = to;
	}
	if (j->cert_rc == NOT_YET && assume(r, j))
		return NULL;
	*failed = j->cert_rc != 0;
	return j->cert_rc == 0 ? &j->is : NULL;
}

const struct seal *
cert_job_seal(struct req *r, struct cert_job *j, struct seal *s)
{
	if (!j->seal_asked || !seal_same(&j->seal, s)) {
		seal_clear(&j->seal);
		j->seal = *s;
		j->seal_asked = true;
		j->seal_rc = NOT_YET;
	} else {
		seal_clear(s);
	}
	memset(s, 0, sizeof *s);
	if (j->seal_rc == NOT_YET && assume(r, j))
		return NULL;
	return j->seal_rc == 0 ? &j->seal : NULL;
}
