/*
 * setup_int.h - the first-run setup's state, shared by its steps
 * (setup.c) and its drawing (setup_draw.c).
 */
#ifndef CAKIOSK_SETUP_INT_H
#define CAKIOSK_SETUP_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "enrol.h"
#include "form.h"
#include "i18n.h"
#include "token_scan.h"

/* The steps, in the step bar's order (S_ASK, before them, is --setup's
 * question over a working configuration). */
enum setup_step {
	S_LANG,
	S_URL,
	S_FP,
	S_ENROL,
	S_MODULE,
	S_DONE,
	S_ASK,
};

/* The field of each step's form. */
enum { F_IDLE = 0 };
enum { F_URL = 0 };
enum { F_FP = 0 };
enum { F_TID = 0, F_CODE = 1 };

struct setup {
	const char *path;
	char have_tid[64]; /* S_ASK: the working configuration's terminal */
	enum setup_step step;
	/* S_LANG: 0 the language list, 1 the idle timeout */
	int lang_focus;
	struct form lang, url, fp, enrol;
	/* the outcome of the step's last action: a message id, its colour,
	 * and the detail (already a sentence, sanitized) */
	const char *msg;
	int msg_color;
	char detail[512];
	char ca_seen[65];  /* the fingerprint of the CA the backend sent */
	char fp_hex[65];   /* the operator's, checked, plain hex */
	char fp_typed[65]; /* the operator's, when the backend's differs */
	struct termcert got;
	bool already;
	/* S_MODULE */
	struct token_module mods[TOKEN_SCAN_MAX];
	size_t nmods;
	bool scanned;
	int mod_focus;   /* nmods: "none" */
	int chosen;      /* -1: none */
	char vendor[33]; /* its [vendor NAME] */
	bool reader;     /* the reader test is on */
	int card;        /* -1 not tested (skipped), 0 waiting, 1 seen */
	struct token_card seen;
	int64_t next_poll;
};

/* setup_draw.c */
void setup_draw(struct setup *s);
/* "Please wait" over the body with text (a message id), on the terminal
 * now: the next call blocks. */
void setup_busy(struct setup *s, const char *text);
/* The fingerprint as openssl prints it, AB:CD:..., into out (96 bytes). */
void setup_fp_colons(const char *hex, char *out, size_t len);

#endif
