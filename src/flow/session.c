/*
 * session.c - the customer's session (see session.h).
 */
#include <stdlib.h>
#include <string.h>

#include "session.h"
#include "xmem.h"

static struct session S = {.service = -1, .part_owner = -1};

struct session *
session_get(void)
{
	return &S;
}

static void
part_free(void)
{
	if (S.part == NULL)
		return;
	if (S.part_wipe != NULL)
		S.part_wipe(S.part);
	secure_wipe(S.part, S.part_size);
	free(S.part);
	S.part = NULL;
	S.part_size = 0;
	S.part_wipe = NULL;
	S.part_owner = -1;
}

void *
session_part(int svc, size_t size, void (*wipe)(void *part))
{
	if (S.part != NULL && (S.part_owner != svc || S.part_size != size))
		part_free();
	if (S.part == NULL) {
		S.part = xcalloc(1, size);
		S.part_size = size;
		S.part_wipe = wipe;
		S.part_owner = svc;
	}
	return S.part;
}

void
session_restart(void)
{
	part_free();
	secure_wipe(S.order_id, sizeof S.order_id);
	secure_wipe(S.idem_order, sizeof S.idem_order);
	secure_wipe(S.idem_confirm, sizeof S.idem_confirm);
	S.price = 0;
	S.paid = false;
	S.resumed = false;
}

void
session_token_gone(void)
{
	S.logged_in = false;
}

bool
session_sms_lost(const char *code)
{
	if (strncmp(code, "session_", 8) != 0)
		return false;
	secure_wipe(S.sms_session, sizeof S.sms_session);
	S.sms_expires_ms = 0;
	return true;
}

bool
session_sms_valid(int64_t now_ms)
{
	return S.sms_session[0] != '\0' && now_ms < S.sms_expires_ms;
}

void
session_end(void)
{
	part_free();
	secure_wipe(&S, sizeof S);
	S.service = -1;
	S.part_owner = -1;
}
