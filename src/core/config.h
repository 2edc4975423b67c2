/*
 * config.h - the terminal's configuration, from an INI file (inih).
 *
 * Every key is described once in a table in config.c (type, bounds, default,
 * help - the tmux options-table habit).  config_load() either fills a whole
 * struct config or refuses with one sentence naming the file, the line and
 * the key: the kiosk never starts half-configured.
 */
#ifndef CAKIOSK_CONFIG_H
#define CAKIOSK_CONFIG_H

#include <stddef.h>

#include "paths.h"

#define CONFIG_DEFAULT_PATH SYSCONFDIR "/cakiosk/cakiosk.conf"
#define CONFIG_MAX_VENDORS 8

/* A CA vendor (the manual's "CA厂商") and how to recognise its tokens. */
struct config_vendor {
	char *name;         /* from the section name, [vendor NAME] */
	char *display;      /* shown to customers */
	char *module;       /* PKCS#11 module path */
	char *manufacturer; /* fnmatch patterns over the token info */
	char *model;
	char *label;
};

struct config {
	/* [kiosk] */
	char *terminal_id;
	char *title;
	int language; /* enum lang */
	int idle_timeout;
	int idle_countdown;
	char *log;
	int log_level;  /* enum log_level */
	char *scan_dir; /* a document scanner's drop folder, or NULL */
	/* [backend] */
	char *backend_url;
	char *ca_file;
	char *cert_file;
	char *key_file;
	char *pin_sha256;
	int connect_timeout;
	int request_timeout;
	int renew_days;         /* renew the terminal certificate this close to its end */
	int heartbeat_interval; /* seconds between heartbeats */
	/* [staff] */
	char *staff_pin_hash;
	int assist_idle_timeout;
	int allow_quit; /* staff may close the program */
	/* [vendor NAME] */
	struct config_vendor vendors[CONFIG_MAX_VENDORS];
	size_t nvendors;
};

/*
 * Load path into cfg (which is reset first).  On failure returns -1 and puts
 * a sentence like "cakiosk.conf:12: [kiosk] idle_timeout: must be ..." in
 * err; cfg is then freed and empty.
 */
int config_load(struct config *cfg, const char *path, char *err, size_t errlen);
/* The defaults alone (no file). */
void config_defaults(struct config *cfg);
void config_free(struct config *cfg);
/* [kiosk] terminal_id of a file that may fail to load as a whole (a
 * well-formed id only); 0, or -1 with buf empty. */
int config_peek_terminal(const char *path, char *buf, size_t len);
/* Print every key with its default and help, as an example file. */
void config_print_reference(void);

#endif
