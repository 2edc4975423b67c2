/*
 * ui_pixels.c - pictures drawn with half blocks (see ui.h, ui_pixels): the
 * seal on the Check screen, the previews of uploaded pictures.
 */
#include <stdint.h>

#include <curses.h>

#include "ui.h"

/* Nearest terminal colour: the xterm 6x6x6 cube, or the 8 basic ones. */
static short
nearest_color(uint32_t rgb)
{
	int r = (int)(rgb >> 16 & 0xff), g = (int)(rgb >> 8 & 0xff),
	    b = (int)(rgb & 0xff);

	if (COLORS >= 256) {
		int ri = (r * 5 + 127) / 255, gi = (g * 5 + 127) / 255,
		    bi = (b * 5 + 127) / 255;

		return (short)(16 + 36 * ri + 6 * gi + bi);
	}
	return (short)((r > 127 ? COLOR_RED : 0) | (g > 127 ? COLOR_GREEN : 0) |
		       (b > 127 ? COLOR_BLUE : 0));
}

/* Colour pairs for pictures, made on demand above the UI's own pairs. */
static int
picture_pair(short fg, short bg)
{
	static struct {
		short fg, bg;
	} made[256];
	static int nmade;

	for (int i = 0; i < nmade; i++)
		if (made[i].fg == fg && made[i].bg == bg)
			return UI_COLOR_COUNT + i;
	if (nmade == 256 || UI_COLOR_COUNT + nmade >= COLOR_PAIRS)
		return UI_NORMAL;
	init_pair((short)(UI_COLOR_COUNT + nmade), fg, bg);
	made[nmade].fg = fg;
	made[nmade].bg = bg;
	return UI_COLOR_COUNT + nmade++;
}

/* The brightness of a cell's two pixels as a shade, for few colours. */
static const char *
shade(uint32_t top, uint32_t bottom)
{
	static const char *const shades[] = {" ", "░", "▒", "▓", "█"};
	unsigned long l = 0;

	for (int i = 0; i < 2; i++) {
		uint32_t c = i == 0 ? top : bottom;

		l += (299ul * (c >> 16 & 0xff) + 587ul * (c >> 8 & 0xff) +
		      114ul * (c & 0xff)) /
		     1000;
	}
	return shades[(l / 2) * 5 / 256];
}

void
ui_pixels(int y, int x, int cols, int rows, const uint32_t *rgb)
{
	if (!has_colors() || COLORS < 8) {
		attrset(COLOR_PAIR(UI_NORMAL));
		for (int r = 0; r < rows && y + r < LINES; r++)
			for (int c = 0; c < cols && x + c < COLS; c++)
				mvaddstr(y + r, x + c,
					 shade(rgb[(2 * r) * cols + c],
					       rgb[(2 * r + 1) * cols + c]));
		return;
	}
	for (int r = 0; r < rows && y + r < LINES; r++) {
		for (int c = 0; c < cols && x + c < COLS; c++) {
			short top = nearest_color(rgb[(2 * r) * cols + c]);
			short bottom = nearest_color(rgb[(2 * r + 1) * cols + c]);

			attrset(COLOR_PAIR(picture_pair(top, bottom)));
			mvaddstr(y + r, x + c, "▀");
		}
	}
}
