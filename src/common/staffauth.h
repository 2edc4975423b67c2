/*
 * staffauth.h - the staff PIN: PBKDF2-SHA256 hashes, checked in constant time.
 *
 * The configuration holds only "pbkdf2-sha256$ITERATIONS$SALT$HASH" (hex),
 * made by `cakiosk --hash-pin`; the PIN itself is never stored.
 */
#ifndef CAKIOSK_STAFFAUTH_H
#define CAKIOSK_STAFFAUTH_H

#include <stdbool.h>
#include <stddef.h>

#define STAFFAUTH_ITERATIONS 200000
#define STAFFAUTH_HASH_MAX 160

/* Hash pin with a fresh random salt into out; 0 or -1. */
int staffauth_hash(const char *pin, char *out, size_t outlen);
/* Does pin match the stored hash?  false also for a malformed hash. */
bool staffauth_verify(const char *pin, const char *stored);

#endif
