/*
 * i18n.c - gettext set-up and the language switch.
 *
 * glibc picks the catalogue from $LANGUAGE as long as LC_MESSAGES is not the
 * plain "C" locale, so the process runs in a UTF-8 locale (C.UTF-8 at worst)
 * and the switch sets LANGUAGE and bumps _nl_msg_cat_cntr, which is how the
 * gettext manual says to make already-looked-up messages be looked up again.
 */
#include <langinfo.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"

extern int _nl_msg_cat_cntr;

static enum lang current = LANG_ZH_CN;

static const struct {
	const char *code;
	const char *name;
} langs[LANG_COUNT] = {
	[LANG_ZH_CN] = {"zh_CN", "中文"},
	[LANG_EN] = {"en", "English"},
};

int
i18n_init(const char *localedir)
{
	if (setlocale(LC_ALL, "") == NULL || strcmp(nl_langinfo(CODESET), "UTF-8") != 0) {
		if (setlocale(LC_ALL, "C.UTF-8") == NULL)
			return -1;
	}
	/* Numbers and dates are formatted by hand; keep parsing predictable. */
	setlocale(LC_NUMERIC, "C");
	bindtextdomain("cakiosk", localedir);
	bind_textdomain_codeset("cakiosk", "UTF-8");
	textdomain("cakiosk");
	i18n_set(current);
	return 0;
}

void
i18n_set(enum lang lang)
{
	if (lang < 0 || lang >= LANG_COUNT)
		lang = LANG_ZH_CN;
	current = lang;
	setenv("LANGUAGE", langs[lang].code, 1);
	++_nl_msg_cat_cntr;
}

enum lang
i18n_get(void)
{
	return current;
}

enum lang
i18n_next(enum lang lang)
{
	return (enum lang)((lang + 1) % LANG_COUNT);
}

const char *
i18n_code(enum lang lang)
{
	return langs[lang].code;
}

int
i18n_parse(const char *code)
{
	for (int i = 0; i < LANG_COUNT; i++)
		if (strcmp(code, langs[i].code) == 0)
			return i;
	if (strcmp(code, "zh") == 0 || strcmp(code, "zh_CN.UTF-8") == 0)
		return LANG_ZH_CN;
	return -1;
}

const char *
i18n_name(enum lang lang)
{
	return langs[lang].name;
}

const char *
i18n_pgettext(const char *ctx_msgid, const char *msgid)
{
	const char *t = gettext(ctx_msgid);

	return t == ctx_msgid ? msgid : t;
}
