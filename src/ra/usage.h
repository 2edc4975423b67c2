/*
 * usage.h - the text of cakiosk-ra --help (usage.c).
 */
#ifndef CAKIOSK_RA_USAGE_H
#define CAKIOSK_RA_USAGE_H

extern const char ra_usage_text[];

#endif
