/*
 * health.h - the background check that keeps the status line true.
 *
 * A worker job: GET /v1/health and then GET /v1/prices over mTLS, through
 * the client (api_health), one short attempt.  Its outcome goes to the
 * status line (linkstate.h) from the worker; the job itself carries no
 * result.  The loop submits it with worker_submit_background(): only when
 * the worker is idle, and any customer's job cancels it, so it never
 * stands in front of one.
 *
 * Staff's connection test runs the same job on demand and reads what it
 * came to: the same mTLS calls, so an expired or revoked terminal
 * certificate is named as such, not taken for a working line.
 */
#ifndef CAKIOSK_HEALTH_H
#define CAKIOSK_HEALTH_H

/* How long the status line may go without news before a check: well
 * inside the 10 s in which it must turn "cannot be reached". */
#define HEALTH_EVERY_MS 3000

struct job;

struct job *health_job_new(void);
/* A finished check: how long it took, and NULL when the backend answered
 * and accepts this terminal, else the sentence (message id) saying why not. */
int health_elapsed_ms(const struct job *job);
const char *health_reason(const struct job *job);

#endif
