/*
 * config_int.h - what the configuration's files (config.c, config_value.c)
 * share with each other and nobody else.
 */
#ifndef CAKIOSK_CONFIG_INT_H
#define CAKIOSK_CONFIG_INT_H

#include <stdbool.h>
#include <stddef.h>

/* [A-Za-z0-9._-], 1 to max bytes. */
bool is_ident(const char *s, size_t max);
/* Only printable ASCII (0x20..0x7e). */
bool is_printable_ascii(const char *s);
/* https://host[:port][/path], no userinfo, no spaces or control characters. */
bool check_url(const char *v);
/* 64 hex digits, colons allowed between them. */
bool check_sha256(const char *v);
/* pbkdf2-sha256$iter$salt$hash with at least 10000 iterations. */
bool check_pinhash(const char *v);

#endif
