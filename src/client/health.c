/*
 * health.c - the health check as a worker job (see health.h): in the
 * background for the status line, and on demand for staff's connection test.
 */
#include "health.h"

#include <stdlib.h>

#include "api.h"
#include "i18n.h"
#include "now.h"
#include "worker.h"
#include "xmem.h"

struct health {
	struct job job; /* first: a struct job * is a struct health * */
	struct api_err err;
	int elapsed_ms;
};

static void
health_run(struct job *job)
{
	struct health *h = (struct health *)job;
	struct api_health out;
	int64_t start = now_ms();

	/* api_health reports to the status line as it goes. */
	api_health(job, &out, &h->err);
	h->elapsed_ms = (int)(now_ms() - start);
}

static void
health_release(struct job *job)
{
	free(job);
}

struct job *
health_job_new(void)
{
	struct health *h = xcalloc(1, sizeof *h);

	job_init(&h->job, "health", health_run, health_release);
	h->err.err = BACKEND_CANCELLED;
	return &h->job;
}

int
health_elapsed_ms(const struct job *job)
{
	return ((const struct health *)job)->elapsed_ms;
}

const char *
health_reason(const struct job *job)
{
	const struct api_err *e = &((const struct health *)job)->err;

	switch (api_link_state(e)) {
	case LINK_UP:
		return e->err == BACKEND_OK ? NULL : api_reason(e);
	case LINK_DOWN:
		return e->err == BACKEND_TIMEOUT
			       ? N_("The backend did not answer in time.")
			       : N_("The backend cannot be reached: no connection to its "
				    "address and port.");
	case LINK_UNTRUSTED:
		return N_("The backend's certificate failed this kiosk's check (its CA "
			  "or name); the connection was not used.");
	case LINK_CERT_EXPIRED:
		return N_("The backend refuses this kiosk's certificate: it has "
			  "expired. Enrol the kiosk again.");
	case LINK_CERT_REFUSED:
		return N_("The backend refuses this kiosk's certificate (revoked, or "
			  "another terminal's). Enrol the kiosk again.");
	case LINK_CERT_REVOKED:
		return N_("The backend refuses this kiosk's certificate: it was "
			  "revoked. Enrol the kiosk again.");
	case LINK_CONFIG:
		return N_("This kiosk's backend address or certificate files cannot be "
			  "used. Check its configuration.");
	case LINK_UNKNOWN:
		break;
	}
	return N_("The test was cancelled.");
}
