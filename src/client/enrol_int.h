/*
 * enrol_int.h - what enrol.c and enrol_conf.c share.
 */
#ifndef CAKIOSK_ENROL_INT_H
#define CAKIOSK_ENROL_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "enrol.h"

/* The terminal's three files. */
struct enrol_files {
	char *ca, *cert, *key;
	bool have_config; /* the configuration exists and names them */
};

void enrol_say(struct enrol_args *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int enrol_write_file(struct enrol_args *a, const char *path, const char *data, size_t len,
		     mode_t mode);
/* backend-ca.pem, terminal.pem and terminal.key beside config_path. */
void enrol_files_beside(const char *config_path, struct enrol_files *f);
void enrol_files_free(struct enrol_files *f);

#endif
