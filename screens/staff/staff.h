/*
 * staff.h - what the staff login hands the staff screen: who logged in and
 * the staff session the backend gave (a secret), or that the backend could
 * not be reached and the kiosk's own staff PIN let them in.  Only the two
 * staff screens include it.
 */
#ifndef CAKIOSK_SCREENS_STAFF_H
#define CAKIOSK_SCREENS_STAFF_H

#include <stdbool.h>

#include "api.h"

struct staff_cred {
	char staff_no[API_STAFF_NO_MAX];
	char name[API_NAME_MAX];
	char session[API_SESSION_MAX]; /* "" when offline */
	bool offline;
};

#endif
