/*
 * token_job.h - the token layer's worker jobs: each call of the synchronous
 * core (token.h) as a job a screen hands to loop_submit(), its outcome read
 * with the token_job_* accessors in the screen's job_done handler.
 *
 * PINs given to a job are copied and the copy is wiped when the job has
 * used it; the caller wipes its own.  A job that finds its token gone while
 * the watcher still counts one asks the watcher to look again
 * (token_watch_recheck).
 */
#ifndef CAKIOSK_TOKEN_JOB_H
#define CAKIOSK_TOKEN_JOB_H

#include <stdbool.h>
#include <stddef.h>

#include "token.h"

struct job;

/* ---- worker jobs ------------------------------------------------------ */

/*
 * Each returns a job to pass to loop_submit(); in job_done, read the result
 * with the accessors below (the job is released by the loop).  ref NULL: the
 * one UKey present.  PINs and buffers are copied.
 */
struct job *token_job_read(const struct token_ref *ref, unsigned flags);
/* Every present token (for "N UKeys" and staff diagnostics). */
struct job *token_job_read_all(unsigned flags);
struct job *token_job_login(const struct token_ref *ref, const char *pin, unsigned flags);
struct job *token_job_logout(const struct token_ref *ref);
struct job *token_job_change_pin(const struct token_ref *ref, const char *old_pin,
				 const char *new_pin, unsigned flags);
struct job *token_job_unblock(const struct token_ref *ref, const char *so_pin,
			      const char *new_pin);
struct job *token_job_change_so_pin(const struct token_ref *ref, const char *old_so_pin,
				    const char *new_so_pin);
struct job *token_job_gen_key(const struct token_ref *ref, enum token_key_type type,
			      const char *label);
struct job *token_job_csr(const struct token_ref *ref, const unsigned char *id,
			  size_t id_len, const struct token_dn *dn);
struct job *token_job_sign(const struct token_ref *ref, const unsigned char *id,
			   size_t id_len, const unsigned char *data, size_t len);
struct job *token_job_write_cert(const struct token_ref *ref, const unsigned char *der,
				 size_t len, const char *label);
struct job *token_job_delete_pair(const struct token_ref *ref, const unsigned char *id,
				  size_t id_len);
struct job *token_job_data_read(const struct token_ref *ref, const char *label,
				const char *application);
struct job *token_job_data_write(const struct token_ref *ref, const char *label,
				 const char *application, const unsigned char *value,
				 size_t len, unsigned flags);
struct job *token_job_data_delete(const struct token_ref *ref, const char *label,
				  const char *application);
struct job *token_job_init_token(const struct token_ref *ref, const char *so_pin,
				 const char *user_pin, const char *label);

/* Is this one of ours? */
bool token_job_is(const struct job *job);
enum token_err token_job_err(const struct job *job);
int token_job_tries_left(const struct job *job);
/* Current stage while running (poll it in tick), for token_stage_text(). */
enum token_stage token_job_stage(const struct job *job);
/* read: the token(s) read; i < token_job_ninfo(). */
size_t token_job_ninfo(const struct job *job);
const struct token_info *token_job_info(const struct job *job, size_t i);
/* gen_key: the new CKA_ID. */
const unsigned char *token_job_id(const struct job *job, size_t *len);
/* csr (DER), sign (signature), data_read (value). */
const unsigned char *token_job_output(const struct job *job, size_t *len);

#endif
