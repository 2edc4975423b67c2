/*
 * i18n.h - gettext set-up and the language switch.
 *
 * Message ids are English; assets/po/zh_CN.po translates them.  The language
 * can change at any moment (F2): i18n_set() switches the catalogue and every
 * later _() returns the new language, so screens simply redraw.
 */
#ifndef CAKIOSK_I18N_H
#define CAKIOSK_I18N_H

#include <libintl.h>

#define _(s) gettext(s)
#define N_(s) (s)
/* Message with a context, for short words that mean different things. */
#define C_(ctx, s) i18n_pgettext(ctx "\004" s, s)

enum lang { LANG_ZH_CN, LANG_EN, LANG_COUNT };

/* Make LC_CTYPE UTF-8 (C.UTF-8 if the environment's is not); 0 or -1. */
int i18n_init(const char *localedir);
void i18n_set(enum lang lang);
enum lang i18n_get(void);
enum lang i18n_next(enum lang lang);
/* "zh_CN" / "en" and back; -1 when unknown. */
const char *i18n_code(enum lang lang);
int i18n_parse(const char *code);
/* The language's own name ("中文", "English"), for the header. */
const char *i18n_name(enum lang lang);
const char *i18n_pgettext(const char *ctx_msgid, const char *msgid);

#endif
