/*
 * token_data.c - data objects on a token (see token.h), named by label
 * and CKA_APPLICATION: the electronic seal lives in one.
 */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "token_int.h"

/* ---- data objects -------------------------------------------------------- */

static enum token_err
find_data(struct tok *t, CK_SESSION_HANDLE s, const char *label, const char *app,
	  CK_OBJECT_HANDLE *h, CK_ULONG max, CK_ULONG *n)
{
	CK_OBJECT_CLASS cls = CKO_DATA;
	CK_ATTRIBUTE tmpl[3] = {
		{CKA_CLASS, &cls, sizeof cls},
		{CKA_LABEL, (void *)label, strlen(label)},
		{CKA_APPLICATION, (void *)app, app != NULL ? strlen(app) : 0},
	};

	return tok_find(t, s, tmpl, app != NULL ? 3 : 2, h, max, n);
}

enum token_err
token_data_read(const struct token_ref *ref, const char *label, const char *application,
		unsigned char **value, size_t *len, const struct token_ctl *ctl)
{
	struct tok t;
	enum token_err err;
	CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
	CK_OBJECT_HANDLE h;
	CK_ULONG n = 0;
	CK_RV rv = CKR_OK;

	*value = NULL;
	*len = 0;
	if (label == NULL)
		return TOKEN_ERR_BAD_INPUT;
	tok_lock();
	err = tok_open(ref, &t, "read data", ctl);
	if (err != TOKEN_OK)
		goto out;
	tok_stage(ctl, TOKEN_STAGE_READING);
	if ((err = tok_session(&t, false, &s)) != TOKEN_OK)
		goto out;
	if ((err = find_data(&t, s, label, application, &h, 1, &n)) != TOKEN_OK)
		goto out;
	if (n == 0) {
		err = TOKEN_ERR_NOT_FOUND;
		goto out;
	}
	*value = tok_attr(&t, s, h, CKA_VALUE, len, &rv);
	if (*value == NULL)
		err = rv != CKR_OK ? tok_fail(&t, "C_GetAttributeValue", rv)
				   : TOKEN_ERR_BAD_INPUT;
out:
	tok_end(&t, s);
	return err;
}

enum token_err
token_data_write(const struct token_ref *ref, const char *label, const char *application,
		 const unsigned char *value, size_t len, unsigned flags,
		 const struct token_ctl *ctl)
{
	struct tok t;
	enum token_err err;
	CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
	CK_OBJECT_HANDLE old[16], h;
	CK_ULONG nold = 0;
	CK_OBJECT_CLASS cls = CKO_DATA;
	CK_BBOOL yes = CK_TRUE, priv = (flags & TOKEN_DATA_PRIVATE) ? CK_TRUE : CK_FALSE;
	const char *app = application != NULL ? application : "";
	CK_ATTRIBUTE tmpl[] = {
		{CKA_CLASS, &cls, sizeof cls},
		{CKA_TOKEN, &yes, sizeof yes},
		{CKA_PRIVATE, &priv, sizeof priv},
		{CKA_MODIFIABLE, &yes, sizeof yes},
		{CKA_LABEL, (void *)label, label != NULL ? strlen(label) : 0},
		{CKA_APPLICATION, (void *)app, strlen(app)},
		{CKA_VALUE, (void *)value, len},
	};
	CK_RV rv;

	if (label == NULL || (value == NULL && len > 0) || len > TOKEN_DATA_MAX)
		return TOKEN_ERR_BAD_INPUT;
	err = tok_begin_rw(ref, &t, "write data", ctl, priv, &s);
	if (err != TOKEN_OK)
		goto out;
	if ((err = find_data(&t, s, label, application, old, 16, &nold)) != TOKEN_OK)
		goto out;
	if (tok_cancelled(ctl)) {
		err = TOKEN_ERR_CANCELLED;
		goto out;
	}
	tok_stage(ctl, TOKEN_STAGE_WRITING);
	rv = t.m->f->C_CreateObject(s, tmpl, sizeof tmpl / sizeof tmpl[0], &h);
	if (rv != CKR_OK) {
		err = tok_fail(&t, "C_CreateObject", rv);
		goto out;
	}
	/* The new copy is there: drop the old ones. */
	for (CK_ULONG i = 0; i < nold; i++) {
		rv = t.m->f->C_DestroyObject(s, old[i]);
		if (rv != CKR_OK) {
			err = tok_fail(&t, "C_DestroyObject", rv);
			break;
		}
	}
	if (err == TOKEN_OK)
		log_info("token: data object written (%zu bytes)", len);
out:
	tok_end(&t, s);
	return err;
}

enum token_err
token_data_delete(const struct token_ref *ref, const char *label, const char *application,
		  const struct token_ctl *ctl)
{
	struct tok t;
	enum token_err err;
	CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
	CK_OBJECT_HANDLE h[16];
	CK_ULONG n = 0;

	if (label == NULL)
		return TOKEN_ERR_BAD_INPUT;
	err = tok_begin_rw(ref, &t, "delete data", ctl, false, &s);
	if (err != TOKEN_OK)
		goto out;
	if ((err = find_data(&t, s, label, application, h, 16, &n)) != TOKEN_OK)
		goto out;
	if (n == 0) {
		err = TOKEN_ERR_NOT_FOUND;
		goto out;
	}
	tok_stage(ctl, TOKEN_STAGE_DELETING);
	for (CK_ULONG i = 0; i < n && err == TOKEN_OK; i++) {
		CK_RV rv = t.m->f->C_DestroyObject(s, h[i]);

		if (rv != CKR_OK)
			err = tok_fail(&t, "C_DestroyObject", rv);
	}
out:
	tok_end(&t, s);
	return err;
}
