/*
 * enrol_conf.c - the configuration enrolment writes, where the terminal's
 * files go beside it, and what each outcome means in a sentence (see
 * enrol.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "enrol_int.h"
#include "i18n.h"
#include "xmem.h"

void
enrol_files_beside(const char *config_path, struct enrol_files *f)
{
	char *dir = xstrdup(config_path), *slash = strrchr(dir, '/');

	if (slash == NULL)
		snprintf(dir, strlen(dir) + 1, ".");
	else if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	f->ca = xasprintf("%s/backend-ca.pem", dir);
	f->cert = xasprintf("%s/terminal.pem", dir);
	f->key = xasprintf("%s/terminal.key", dir);
	f->have_config = false;
	free(dir);
}

void
enrol_files_free(struct enrol_files *f)
{
	free(f->ca);
	free(f->cert);
	free(f->key);
	f->ca = f->cert = f->key = NULL;
}

/* The setup's choices as configuration lines, or "". */
static char *
extra_kiosk(const struct enrol_conf *x)
{
	int countdown = x->idle_timeout > 60 ? 30 : x->idle_timeout / 2;

	return xasprintf("language = %s\nidle_timeout = %d\nidle_countdown = %d\n",
			 x->language, x->idle_timeout, countdown);
}

static char *
extra_vendor(const struct enrol_conf *x)
{
	return xasprintf("\n; One section per CA vendor whose UKeys this kiosk serves.\n"
			 "[vendor %s]\ndisplay_name = %s\nmodule = %s\n"
			 "manufacturer = *\n",
			 x->vendor, x->display, x->module);
}

enum enrol_status
enrol_write_config(struct enrol_args *a, const struct enrol_conf *extra, unsigned mode)
{
	struct enrol_files f;
	struct config cfg;
	char err[1024];
	char *kiosk = extra != NULL ? extra_kiosk(extra) : xstrdup("");
	char *vendor = extra != NULL && extra->vendor != NULL ? extra_vendor(extra)
							      : xstrdup("");
	char *text;
	int rc;

	enrol_files_beside(a->config_path, &f);
	text = xasprintf("; Written by cakiosk %s.\n"
			 "[kiosk]\nterminal_id = %s\n%s\n"
			 "[backend]\nurl = %s\nca_file = %s\ncert_file = %s\n"
			 "key_file = %s\n%s",
			 extra != NULL ? "(first-run setup)" : "--enrol", a->terminal_id,
			 kiosk, a->url, f.ca, f.cert, f.key, vendor);
	rc = enrol_write_file(a, a->config_path, text, strlen(text), (mode_t)mode);
	free(text);
	free(kiosk);
	free(vendor);
	enrol_files_free(&f);
	if (rc != 0)
		return ENROL_LOCAL;
	if (config_load(&cfg, a->config_path, err, sizeof err) != 0) {
		enrol_say(a, "%s", err);
		return ENROL_LOCAL;
	}
	config_free(&cfg);
	if (!a->quiet)
		printf("configuration: %s\n", a->config_path);
	return ENROL_OK;
}

const char *
enrol_status_text(enum enrol_status st)
{
	switch (st) {
	case ENROL_OK:
		return N_("This terminal is enrolled.");
	case ENROL_LOCAL:
		return N_("A file of this terminal could not be read or written. The "
			  "details are below.");
	case ENROL_USAGE:
		return N_("Something typed is not in the expected form.");
	case ENROL_FINGERPRINT:
		return N_(
			"The backend's CA is not the one with this fingerprint: "
			"refused, nothing was sent. Compare the fingerprint the backend "
			"sent with the one on your paper.");
	case ENROL_CODE:
		return N_("The backend refused the enrolment code: it is unknown, "
			  "expired, already used or made for another terminal. Check the "
			  "terminal id and type the code again, or ask for a new code.");
	case ENROL_LIMITED:
		return N_("Too many failed enrolments from this terminal: the backend "
			  "accepts no more for now. Wait a while and try again.");
	case ENROL_BACKEND:
		return N_("The backend cannot be reached or did not answer properly. "
			  "Check the URL and the network, then try again.");
	}
	return N_("Something typed is not in the expected form.");
}
