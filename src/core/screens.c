/*
 * screens.c - the registry: every screen of the kiosk, in one table.
 */
#include <stddef.h>

#include "screen.h"

static const struct screen_ops *const registry[SCR_COUNT] = {
	[SCR_WELCOME] = &screen_welcome,
	[SCR_MENU] = &screen_menu,
	[SCR_HELP] = &screen_help,
	[SCR_IDLE] = &screen_idle,
	[SCR_MESSAGE] = &screen_message,
	[SCR_STAFF_LOGIN] = &screen_staff_login,
	[SCR_STAFF] = &screen_staff,
	[SCR_TOO_SMALL] = &screen_too_small,
	[SCR_GUIDE] = &screen_guide,
	[SCR_CHECK] = &screen_check,
	[SCR_PAY] = &screen_pay,
	[SCR_STEP_INSERT] = &screen_step_insert,
	[SCR_STEP_PIN] = &screen_step_pin,
	[SCR_STEP_FORM] = &screen_step_form,
	[SCR_STEP_CONFIRM] = &screen_step_confirm,
	[SCR_STEP_WORK] = &screen_step_work,
	[SCR_STEP_DONE] = &screen_step_done,
	[SCR_STEP_IDENTIFY] = &screen_step_identify,
	[SCR_STEP_SMS] = &screen_step_sms,
	[SCR_STEP_ORDERS] = &screen_step_orders,
	[SCR_STEP_ORDER] = &screen_step_order,
	[SCR_STEP_NEWPIN] = &screen_step_newpin,
	[SCR_STEP_VERIFY] = &screen_step_verify,
	[SCR_STEP_UPLOAD] = &screen_step_upload,
	[SCR_CALL] = &screen_call,
	[SCR_STEP_CERTS] = &screen_step_certs,
	[SCR_STAFF_PERSONALIZE] = &screen_staff_personalize,
	[SCR_STAFF_DIAG] = &screen_staff_diag,
};

const struct screen_ops *
screen_get(enum screen_id id)
{
	return registry[id];
}
