/*
 * qr.h - QR codes for the screen: libqrencode, drawn with half blocks.
 *
 * The only module that includes libqrencode.  Each text row carries two
 * rows of modules (▀ ▄ █ and space), so a module is one column wide and half
 * a row high: square on a terminal whose cells are twice as high as wide,
 * which is what phones need to scan it off the screen.  Draw it dark on
 * light (UI_QR) whatever the terminal's colours are, with the quiet zone.
 */
#ifndef CAKIOSK_QR_H
#define CAKIOSK_QR_H

#define QR_QUIET 2 /* modules of light border; the light frame drawn around adds more */

struct qr {
	int modules;  /* modules per side, quiet zone included */
	int rows;     /* text rows: (modules + 1) / 2 */
	char **lines; /* rows strings of modules columns each, UTF-8 */
};

/* Encode text (ECC level M, smallest version that fits); 0 or -1. */
int qr_make(const char *text, struct qr *out);
void qr_free(struct qr *qr);

/*
 * Read a drawn QR back into modules: lines as captured from the screen
 * (half blocks and spaces), into a 0/1 matrix of rows*2 x width, for tests
 * that decode what was drawn.  Returns the module width, or -1.
 */
int qr_unpack(const char *const *lines, int rows, unsigned char *matrix, int max);

#endif
