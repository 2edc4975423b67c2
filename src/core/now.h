/*
 * now.h - the one clock for timeouts and deadlines: monotonic milliseconds.
 *
 * Any module may use it (the loop's loop_now() is the same clock), so a
 * module that only needs the time does not depend on the event loop.
 */
#ifndef CAKIOSK_NOW_H
#define CAKIOSK_NOW_H

#include <stdint.h>

/* Milliseconds of CLOCK_MONOTONIC: for differences only. */
int64_t now_ms(void);

#endif
