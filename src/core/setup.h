/*
 * setup.h - the first-run setup (screens/setup/): what the kiosk shows,
 * instead of the out-of-service screen, when there is no configuration
 * where it would read one, and what cakiosk --setup runs on purpose.
 *
 * Full screen, in the kiosk's style, for the operator: the language and
 * the idle timeout; the backend's URL; the backend CA's SHA-256
 * fingerprint, held against the CA the backend sends before anything else
 * goes to it; the terminal id and the enrolment code (typed hidden, wiped
 * after use) for the terminal's key and certificate (enrol.h); a PKCS#11
 * module found on the system and a reader test; then the configuration is
 * written and the kiosk starts with it.  Esc goes back a step.
 */
#ifndef CAKIOSK_SETUP_H
#define CAKIOSK_SETUP_H

#include <stdbool.h>

/*
 * Run it on the terminal for the configuration at path.  asked: by
 * --setup, where a configuration that loads is replaced only once the
 * operator confirms.  0 when the configuration is written (start the
 * kiosk with it), 1 when the operator left it or SIGTERM came (nothing
 * written), -1 when no screen can be drawn.
 */
int setup_run(const char *path, bool asked);

#endif
