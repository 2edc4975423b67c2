/*
 * token_err.c - the token layer's errors (see token.h): the customer's
 * sentence for each, the names of PKCS#11 return codes for logs, and how
 * a failed call's CKR_* becomes a token_err.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>

#include "i18n.h"
#include "log.h"
#include "token_int.h"

/* ---- messages ------------------------------------------------------- */

static const struct {
	const char *name;
	const char *reason;
} errs[TOKEN_ERR_COUNT] = {
	[TOKEN_OK] = {"OK", N_("Done.")},
	[TOKEN_ERR_NONE] = {"NONE", N_("No UKey is inserted. Please insert your UKey.")},
	[TOKEN_ERR_MANY] = {"MANY",
			    N_("More than one UKey is inserted. Please leave only "
			       "the UKey you want to use in the kiosk.")},
	[TOKEN_ERR_REMOVED] = {"REMOVED",
			       N_("The UKey was removed. Please insert it again "
				  "and keep it inserted until this step is done.")},
	[TOKEN_ERR_PIN_WRONG] = {"PIN_WRONG",
				 N_("Wrong PIN. Please try again. After a few "
				    "more wrong PINs the UKey locks.")},
	[TOKEN_ERR_PIN_LOCKED] = {"PIN_LOCKED",
				  N_("The UKey's PIN is locked after too many "
				     "wrong tries.")},
	[TOKEN_ERR_PIN_LENGTH] = {"PIN_LENGTH",
				  N_("This PIN is too short or too long for "
				     "this UKey. It was not sent to the UKey; no "
				     "try was used.")},
	[TOKEN_ERR_PIN_INVALID] = {"PIN_INVALID",
				   N_("The UKey does not accept this new PIN. "
				      "Please choose another one.")},
	[TOKEN_ERR_PIN_EXPIRED] = {"PIN_EXPIRED",
				   N_("The UKey asks for its PIN to be changed "
				      "before it can be used.")},
	[TOKEN_ERR_FINAL_TRY] = {"FINAL_TRY",
				 N_("Only one try is left: one more wrong PIN "
				    "locks the UKey. Are you sure of your PIN?")},
	[TOKEN_ERR_SO_PIN_WRONG] = {"SO_PIN_WRONG",
				    N_("The unlock code was not accepted by "
				       "the UKey. Please ask a member of staff.")},
	[TOKEN_ERR_SO_PIN_LOCKED] = {"SO_PIN_LOCKED",
				     N_("The UKey's administrator PIN is "
					"locked. The UKey cannot be unlocked "
					"here; please ask a member of staff.")},
	[TOKEN_ERR_NOT_LOGGED_IN] = {"NOT_LOGGED_IN",
				     N_("Please enter the UKey's PIN again.")},
	[TOKEN_ERR_PINPAD] = {"PINPAD",
			      N_("The PIN was not entered on the card reader in "
				 "time. Please try again.")},
	[TOKEN_ERR_FULL] = {"FULL",
			    N_("The UKey is full. Please ask a member of staff.")},
	[TOKEN_ERR_READ_ONLY] = {"READ_ONLY", N_("The UKey is write-protected.")},
	[TOKEN_ERR_NOT_FOUND] = {"NOT_FOUND",
				 N_("The certificate or key was not found on "
				    "the UKey.")},
	[TOKEN_ERR_BAD_INPUT] = {"BAD_INPUT",
				 N_("The UKey could not use this certificate "
				    "or data.")},
	[TOKEN_ERR_NOT_SUPPORTED] = {"NOT_SUPPORTED",
				     N_("This UKey cannot do this. Please "
					"ask a member of staff.")},
	[TOKEN_ERR_NOT_INITIALIZED] = {"NOT_INITIALIZED",
				       N_("This UKey is blank. Please ask "
					  "a member of staff.")},
	[TOKEN_ERR_MODULE] = {"MODULE",
			      N_("The UKey software of this vendor is not working. "
				 "Please ask a member of staff.")},
	[TOKEN_ERR_CANCELLED] = {"CANCELLED", N_("Cancelled.")},
	[TOKEN_ERR_DEVICE] = {"DEVICE", N_("The UKey did not respond as expected. Please "
					   "take it out, insert it again and retry.")},
};

const char *
token_err_reason(enum token_err err, int tries_left)
{
	if ((unsigned)err >= TOKEN_ERR_COUNT)
		err = TOKEN_ERR_DEVICE;
	if (err == TOKEN_ERR_PIN_WRONG && tries_left == 1)
		return N_("Wrong PIN. Only one try is left: one more wrong PIN locks the "
			  "UKey.");
	if (err == TOKEN_ERR_PIN_WRONG && tries_left == 0)
		return errs[TOKEN_ERR_PIN_LOCKED].reason;
	return errs[err].reason;
}

const char *
token_err_name(enum token_err err)
{
	return (unsigned)err < TOKEN_ERR_COUNT ? errs[err].name : "?";
}

const char *
token_stage_text(enum token_stage stage)
{
	switch (stage) {
	case TOKEN_STAGE_NONE:
		return NULL;
	case TOKEN_STAGE_READING:
		return N_("Reading the UKey...");
	case TOKEN_STAGE_PIN:
		return N_("Checking the PIN...");
	case TOKEN_STAGE_PINPAD:
		return N_("Please enter the PIN on the card reader's keypad.");
	case TOKEN_STAGE_GENERATING:
		return N_("Generating a key on the UKey. This can take a minute. "
			  "Do not remove the UKey.");
	case TOKEN_STAGE_SIGNING:
		return N_("The UKey is signing. Do not remove the UKey.");
	case TOKEN_STAGE_WRITING:
		return N_("Writing to the UKey. Do not remove the UKey.");
	case TOKEN_STAGE_DELETING:
		return N_("Removing old data from the UKey. Do not remove the UKey.");
	case TOKEN_STAGE_INITIALIZING:
		return N_("Initialising the UKey. Do not remove the UKey.");
	}
	return NULL;
}

/* ---- CKR_* ------------------------------------------------------------- */

static const struct {
	CK_RV rv;
	const char *name;
} ckr_names[] = {
#define C(x)                                                                             \
	{                                                                                \
		x, #x                                                                    \
	}
	C(CKR_OK),
	C(CKR_CANCEL),
	C(CKR_HOST_MEMORY),
	C(CKR_SLOT_ID_INVALID),
	C(CKR_GENERAL_ERROR),
	C(CKR_FUNCTION_FAILED),
	C(CKR_ARGUMENTS_BAD),
	C(CKR_NO_EVENT),
	C(CKR_ATTRIBUTE_READ_ONLY),
	C(CKR_ATTRIBUTE_SENSITIVE),
	C(CKR_ATTRIBUTE_TYPE_INVALID),
	C(CKR_ATTRIBUTE_VALUE_INVALID),
	C(CKR_DATA_INVALID),
	C(CKR_DATA_LEN_RANGE),
	C(CKR_DEVICE_ERROR),
	C(CKR_DEVICE_MEMORY),
	C(CKR_DEVICE_REMOVED),
	C(CKR_FUNCTION_CANCELED),
	C(CKR_FUNCTION_NOT_SUPPORTED),
	C(CKR_KEY_HANDLE_INVALID),
	C(CKR_KEY_SIZE_RANGE),
	C(CKR_KEY_TYPE_INCONSISTENT),
	C(CKR_MECHANISM_INVALID),
	C(CKR_MECHANISM_PARAM_INVALID),
	C(CKR_OBJECT_HANDLE_INVALID),
	C(CKR_OPERATION_ACTIVE),
	C(CKR_OPERATION_NOT_INITIALIZED),
	C(CKR_PIN_INCORRECT),
	C(CKR_PIN_INVALID),
	C(CKR_PIN_LEN_RANGE),
	C(CKR_PIN_EXPIRED),
	C(CKR_PIN_LOCKED),
	C(CKR_SESSION_CLOSED),
	C(CKR_SESSION_COUNT),
	C(CKR_SESSION_HANDLE_INVALID),
	C(CKR_SESSION_READ_ONLY),
	C(CKR_SESSION_EXISTS),
	C(CKR_SESSION_READ_ONLY_EXISTS),
	C(CKR_SESSION_READ_WRITE_SO_EXISTS),
	C(CKR_SIGNATURE_INVALID),
	C(CKR_TEMPLATE_INCOMPLETE),
	C(CKR_TEMPLATE_INCONSISTENT),
	C(CKR_TOKEN_NOT_PRESENT),
	C(CKR_TOKEN_NOT_RECOGNIZED),
	C(CKR_TOKEN_WRITE_PROTECTED),
	C(CKR_USER_ALREADY_LOGGED_IN),
	C(CKR_USER_NOT_LOGGED_IN),
	C(CKR_USER_PIN_NOT_INITIALIZED),
	C(CKR_USER_TYPE_INVALID),
	C(CKR_USER_ANOTHER_ALREADY_LOGGED_IN),
	C(CKR_DOMAIN_PARAMS_INVALID),
	C(CKR_BUFFER_TOO_SMALL),
	C(CKR_CRYPTOKI_NOT_INITIALIZED),
	C(CKR_CRYPTOKI_ALREADY_INITIALIZED),
#undef C
};

const char *
token_ckr_name(CK_RV rv)
{
	for (size_t i = 0; i < sizeof ckr_names / sizeof ckr_names[0]; i++)
		if (ckr_names[i].rv == rv)
			return ckr_names[i].name;
	return NULL;
}

bool
tok_rv_removed(CK_RV rv)
{
	return rv == CKR_DEVICE_REMOVED || rv == CKR_TOKEN_NOT_PRESENT ||
	       rv == CKR_SESSION_HANDLE_INVALID || rv == CKR_SESSION_CLOSED ||
	       rv == CKR_SLOT_ID_INVALID || rv == CKR_TOKEN_NOT_RECOGNIZED;
}

static enum token_err
map_rv(CK_RV rv)
{
	if (tok_rv_removed(rv))
		return TOKEN_ERR_REMOVED;
	switch (rv) {
	case CKR_OK:
		return TOKEN_OK;
	case CKR_PIN_INCORRECT:
		return TOKEN_ERR_PIN_WRONG;
	case CKR_PIN_LOCKED:
		return TOKEN_ERR_PIN_LOCKED;
	case CKR_PIN_LEN_RANGE:
		return TOKEN_ERR_PIN_LENGTH;
	case CKR_PIN_INVALID:
		return TOKEN_ERR_PIN_INVALID;
	case CKR_PIN_EXPIRED:
		return TOKEN_ERR_PIN_EXPIRED;
	case CKR_USER_NOT_LOGGED_IN:
		return TOKEN_ERR_NOT_LOGGED_IN;
	case CKR_USER_PIN_NOT_INITIALIZED:
		return TOKEN_ERR_NOT_INITIALIZED;
	case CKR_DEVICE_MEMORY:
		return TOKEN_ERR_FULL;
	case CKR_TOKEN_WRITE_PROTECTED:
	case CKR_SESSION_READ_ONLY:
		return TOKEN_ERR_READ_ONLY;
	case CKR_FUNCTION_NOT_SUPPORTED:
	case CKR_MECHANISM_INVALID:
	case CKR_MECHANISM_PARAM_INVALID:
	case CKR_KEY_SIZE_RANGE:
	case CKR_KEY_TYPE_INCONSISTENT:
	case CKR_DOMAIN_PARAMS_INVALID:
	case CKR_ATTRIBUTE_TYPE_INVALID:
		return TOKEN_ERR_NOT_SUPPORTED;
	case CKR_TEMPLATE_INCONSISTENT:
	case CKR_TEMPLATE_INCOMPLETE:
	case CKR_ATTRIBUTE_VALUE_INVALID:
	case CKR_DATA_INVALID:
	case CKR_DATA_LEN_RANGE:
		return TOKEN_ERR_BAD_INPUT;
	case CKR_OBJECT_HANDLE_INVALID:
	case CKR_KEY_HANDLE_INVALID:
		return TOKEN_ERR_NOT_FOUND;
	case CKR_FUNCTION_CANCELED:
	case CKR_CANCEL:
		return TOKEN_ERR_CANCELLED;
	case CKR_CRYPTOKI_NOT_INITIALIZED:
		return TOKEN_ERR_MODULE;
	default:
		return TOKEN_ERR_DEVICE;
	}
}

/* Log a failed call with its raw code (never an argument) and map it. */
enum token_err
tok_fail(struct tok *t, const char *call, CK_RV rv)
{
	const char *name = token_ckr_name(rv);
	enum token_err err = map_rv(rv);

	if (err == TOKEN_ERR_REMOVED && t != NULL && t->m != NULL)
		t->m->stale = true;
	log_warn("token: %s: %s failed: %s (0x%lx)",
		 t != NULL && t->what != NULL ? t->what : "?", call,
		 name != NULL ? name : "vendor code", (unsigned long)rv);
	return err;
}

/*
 * The CKR_* value behind a libp11 failure, from OpenSSL's error queue;
 * CKR_FUNCTION_FAILED when libp11 failed for a reason of its own.
 */
CK_RV
tok_p11_rv(void)
{
	int lib = ERR_get_CKR_code();
	CK_RV rv = CKR_FUNCTION_FAILED;
	unsigned long e;

	while ((e = ERR_get_error()) != 0)
		if (ERR_GET_LIB(e) == lib)
			rv = ERR_GET_REASON(e);
	return rv;
}
