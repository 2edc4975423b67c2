/*
 * personalize.h - instant issuance at the counter: staff logged in at the
 * kiosk make a blank UKey for an approved application or reissue, from
 * "blank token inserted" to "order made", as one worker job the staff
 * screen hands to loop_submit() and runs again after any failure, and
 * that a test or a benchmark runs without a screen.
 *
 * The job's stages, each done once and skipped when run again:
 *
 *   PZ_ASKING    POST /v1/orders/{id}/personalize with a fresh random SO
 *                PIN: the backend records it unless it recorded one for
 *                this order before (then that one comes back), and gives
 *                the certificate PIN the customer was sent (SMS or memo).
 *                An order already issued (a kiosk stopped after the
 *                issuance) goes on at PZ_WRITING.
 *   PZ_INIT      C_InitToken with the recorded SO PIN and the label, SO
 *                login, C_InitPIN with the certificate PIN.  Only a blank
 *                token, or one without certificates that the recorded SO
 *                PIN opens (the same order started before), is initialized.
 *   PZ_KEY       user login, an EC P-256 key pair made on the token, its
 *                CSR signed by the token
 *   PZ_ISSUING   POST /v1/orders/{id}/certificate with the CSR, the token's
 *                serial and the SO PIN: issued, and the SO PIN escrowed for
 *                the order's subject
 *   PZ_WRITING   the certificate beside its key, then the seal, onto the
 *                token the backend named (never another: its key is there)
 *   PZ_CHECKING  read back after a user login: the certificate with its
 *                private key, and the seal
 *   PZ_MADE      POST /v1/orders/{id}/made
 *   PZ_DONE
 *
 * Crash safety: the token's SO PIN is only ever the one the backend
 * recorded before PZ_INIT; a token pulled before PZ_ISSUING is blank or
 * initialized without a certificate, and the next run initializes it again
 * (start again); after PZ_ISSUING the key is on that token alone, the
 * certificate goes nowhere else, and the next run (or a new one at any
 * kiosk, the order being "issued") writes and checks it.  Secrets (the SO
 * PIN, the certificate PIN, the staff session) live in the work, wiped by
 * personalize_free() and never logged.
 */
#ifndef CAKIOSK_PERSONALIZE_H
#define CAKIOSK_PERSONALIZE_H

#include <stdbool.h>

#include "token.h"

struct job;

enum pz_stage {
	PZ_ASKING,
	PZ_INIT,
	PZ_KEY,
	PZ_ISSUING,
	PZ_WRITING,
	PZ_CHECKING,
	PZ_MADE,
	PZ_DONE,
	PZ_STAGE_COUNT
};

enum pz_outcome {
	PZ_OUT_DONE,    /* the token works, the order is made */
	PZ_OUT_AGAIN,   /* the UKey was pulled or the backend did not answer:
			   say reason, then personalize_job() again */
	PZ_OUT_REFUSED, /* the backend refused (order not approved, made
			   already, staff session gone): pick again or log in */
	PZ_OUT_TOKEN,   /* this UKey cannot be used (not blank, its SO PIN
			   unknown, or not the one the certificate was issued
			   onto): another UKey, or that one */
};

/* What was made, for the screen ("" until known). */
struct pz_made {
	char name[256]; /* the subject's registered name, sanitized */
	char token_serial[TOKEN_TEXT_MAX];
	char cert_serial[130];
	char pin_delivery[64]; /* "sms:138****8000", "memo:**** 0011" */
	bool unit;
};

struct personalize;

/* A new personalization of order_id with the staff session (copied). */
struct personalize *personalize_new(const char *order_id, const char *staff_session);
/* Wipes and frees; NULL is fine. */
void personalize_free(struct personalize *p);
/* The stage a finished (or the next) run starts from. */
enum pz_stage personalize_stage_now(const struct personalize *p);
const struct pz_made *personalize_made(const struct personalize *p);

/* Everything from the backend's go to "order made"; safe to run again.
 * p is not touched while the job runs (it works on a copy). */
struct job *personalize_job(const struct personalize *p);
/* The stages before stop only (tests and benchmarks: a kiosk killed there). */
struct job *personalize_job_until(const struct personalize *p, enum pz_stage stop);
/* While it runs (poll in tick): the stage, for personalize_stage_text(). */
enum pz_stage personalize_job_stage(const struct job *job);
/* In job_done: the outcome (p takes over what the run did); *reason a
 * message id for all but DONE, *token_err the token's error or TOKEN_OK. */
enum pz_outcome personalize_result(struct personalize *p, struct job *job,
				   const char **reason, enum token_err *token_err);

/* Message id of a stage, for the "do not remove the UKey" screen. */
const char *personalize_stage_text(enum pz_stage stage);
/* Short English name of a stage, for logs and tests ("INIT"). */
const char *personalize_stage_name(enum pz_stage stage);

#endif
