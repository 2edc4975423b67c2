/*
 * linkstate.c - the backend's state as last seen (see linkstate.h).
 */
#include "linkstate.h"

#include <stdatomic.h>
#include <time.h>

#include "i18n.h"

static atomic_int state = LINK_UNKNOWN;
static atomic_llong reported_at;
static atomic_uint changes;

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
link_report(enum link_state s)
{
	atomic_store(&reported_at, (long long)now_ms());
	if (atomic_exchange(&state, (int)s) != (int)s)
		atomic_fetch_add(&changes, 1);
}

enum link_state
link_get(void)
{
	return (enum link_state)atomic_load(&state);
}

int64_t
link_reported_at(void)
{
	return (int64_t)atomic_load(&reported_at);
}

unsigned
link_changes(void)
{
	return atomic_load(&changes);
}

const char *
link_text(enum link_state s, int *good)
{
	*good = s == LINK_UP ? 1 : s == LINK_UNKNOWN ? 0 : -1;
	switch (s) {
	case LINK_UP:
		return N_("online");
	case LINK_DOWN:
		return N_("cannot be reached");
	case LINK_UNTRUSTED:
		/* TRANSLATORS: status line: the backend's certificate failed. */
		return N_("connection not trusted");
	case LINK_CERT_EXPIRED:
		/* TRANSLATORS: status line: this kiosk's own certificate. */
		return N_("kiosk certificate expired");
	case LINK_CERT_REFUSED:
		return N_("kiosk certificate refused");
	case LINK_CERT_REVOKED:
		/* TRANSLATORS: status line: this kiosk's own certificate. */
		return N_("kiosk certificate revoked");
	case LINK_CONFIG:
		return N_("not set up");
	case LINK_UNKNOWN:
		break;
	}
	return N_("checking...");
}
