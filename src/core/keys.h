/*
 * keys.h - one key space for keyboard, mouse and touch.
 *
 * Screens receive plain ints: a Unicode character as itself, a curses
 * function key as K_FN(KEY_...), and a click on something clickable as the
 * key that thing stands for (a button's key, K_ITEM(n) for the n-th row of a
 * list, K_FIELD(n) for the n-th field of a form).  Function keys sit above
 * the Unicode range so they never collide with a typed character.
 */
#ifndef CAKIOSK_KEYS_H
#define CAKIOSK_KEYS_H

#define K_FN(k) (0x200000 | (k))
#define K_IS_FN(k) ((k) >= 0x200000 && (k) < 0x300000)
#define K_ITEM(n) (0x300000 + (n))
#define K_IS_ITEM(k) ((k) >= 0x300000 && (k) < 0x310000)
#define K_ITEM_INDEX(k) ((k)-0x300000)
#define K_FIELD(n) (0x310000 + (n))
#define K_IS_FIELD(k) ((k) >= 0x310000 && (k) < 0x320000)
#define K_FIELD_INDEX(k) ((k)-0x310000)

#define K_ENTER '\n'
#define K_ESC 0x1b
#define K_TAB '\t'
#define K_BACKSPACE 0x7f
#define K_UP K_FN(0403)         /* KEY_UP */
#define K_DOWN K_FN(0402)       /* KEY_DOWN */
#define K_LEFT K_FN(0404)       /* KEY_LEFT */
#define K_RIGHT K_FN(0405)      /* KEY_RIGHT */
#define K_HOME K_FN(0406)       /* KEY_HOME */
#define K_END K_FN(0550)        /* KEY_END */
#define K_BTAB K_FN(0541)       /* KEY_BTAB */
#define K_DEL K_FN(0512)        /* KEY_DC */
#define K_PGUP K_FN(0523)       /* KEY_PPAGE */
#define K_PGDN K_FN(0522)       /* KEY_NPAGE */
#define K_F(n) K_FN(0410 + (n)) /* KEY_F(n) */
/* Not a key: the loop's "something is happening" signal to idle timers. */
#define K_NONE 0

#endif
