/*
 * health.h - the background check that keeps the status line true.
 *
 * A worker job: GET /v1/health and then GET /v1/prices over mTLS, through
 * the client (api_health), one short attempt.  Its outcome goes to the
 * status line (linkstate.h) from the worker; the job itself carries no
 * result.  The loop submits it with worker_submit_background(): only when
 * the worker is idle, and any customer's job cancels it, so it never
 * stands in front of one.
 */
#ifndef CAKIOSK_HEALTH_H
#define CAKIOSK_HEALTH_H

/* How long the status line may go without news before a check: well
 * inside the 10 s in which it must turn "cannot be reached". */
#define HEALTH_EVERY_MS 3000

struct job;

struct job *health_job_new(void);

#endif
