/*
 * termrenew.c - this terminal's certificate renewed by itself (see
 * termrenew.h).
 */
#include "termrenew.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "api.h"
#include "backend.h"
#include "log.h"
#include "xmem.h"

/* The directory of path synced, so that a rename in it outlives a power
 * cut. */
static void
sync_dir(const char *path)
{
	char *dir = xstrdup(path), *slash = strrchr(dir, '/');
	int fd;

	if (slash == NULL)
		snprintf(dir, 2, ".");
	else if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	free(dir);
}

static bool
pair_ok(const char *cert, const char *key)
{
	struct termcert tc;
	char why[256];

	return access(cert, F_OK) == 0 && access(key, F_OK) == 0 &&
	       termcert_read(cert, key, &tc, why, sizeof why) == 0;
}

static int
move(const char *from, const char *to, char *why, size_t whylen)
{
	if (rename(from, to) == 0)
		return 0;
	snprintf(why, whylen, "cannot rename %s to %s: %s", from, to, strerror(errno));
	return -1;
}

int
termrenew_recover(const char *cert_file, const char *key_file, char *why, size_t whylen)
{
	char *cn = xasprintf("%s.next", cert_file), *kn = xasprintf("%s.next", key_file);
	int rc = 0;

	why[0] = '\0';
	if (access(cn, F_OK) != 0)
		goto out;
	if (pair_ok(cn, kn)) {
		/* Both new files were written, neither renamed yet. */
		rc = move(kn, key_file, why, whylen) == 0 &&
				     move(cn, cert_file, why, whylen) == 0
			     ? 0
			     : -1;
		if (rc == 0)
			snprintf(why, whylen, "the renewed certificate %s put in place",
				 cert_file);
	} else if (pair_ok(cn, key_file)) {
		/* Stopped between the two renames: the key is the new one. */
		rc = move(cn, cert_file, why, whylen);
		if (rc == 0)
			snprintf(why, whylen,
				 "the renewed certificate %s put beside its key",
				 cert_file);
	} else {
		unlink(cn);
	}
	sync_dir(cert_file);
out:
	free(cn);
	free(kn);
	return rc;
}

enum termrenew_result
termrenew_run(const char *cert_file, const char *key_file, const char *terminal_id,
	      int days_before, struct job *job, struct termcert *now, struct api_err *e,
	      char *why, size_t whylen)
{
	char *cn = xasprintf("%s.next", cert_file), *kn = xasprintf("%s.next", key_file);
	char idem[BACKEND_IDEM_KEY_LEN + 1], *csr = NULL;
	struct api_issued got = {0};
	struct api_err err_local;
	struct termcert nc;
	enum termrenew_result res = TERMRENEW_FAILED;
	long days;

	if (e == NULL)
		e = &err_local;
	memset(e, 0, sizeof *e);
	why[0] = '\0';
	if (termcert_read(cert_file, key_file, now, why, whylen) != 0)
		goto out;
	days = termcert_days_left(now, time(NULL));
	if (days > days_before) {
		res = TERMRENEW_NOT_DUE;
		goto out;
	}
	log_info("terminal certificate %s: %ld days left: renewing it", now->serial,
		 days);
	/* The key a renewal cut short left is used again. */
	if ((csr = termcert_csr(kn, terminal_id, why, whylen)) == NULL)
		goto out;
	backend_new_key(idem);
	if (!api_terminal_renew(csr, idem, job, &got, e)) {
		if (e->err == BACKEND_CANCELLED) {
			res = TERMRENEW_CANCELLED;
		} else {
			snprintf(why, whylen, "the backend did not renew it: %s %s",
				 backend_err_name(e->err), e->code);
		}
		goto out;
	}
	if (termcert_check_pem(got.pem, kn, &nc, why, whylen) != 0)
		goto out;
	if (strcmp(nc.cn, terminal_id) != 0) {
		snprintf(why, whylen,
			 "the backend's certificate names terminal %s, not %s", nc.cn,
			 terminal_id);
		goto out;
	}
	/* From here on nothing is cancelled: the files are put in place. */
	if (termcert_write(cn, got.pem, strlen(got.pem), 0644, why, whylen) != 0 ||
	    move(kn, key_file, why, whylen) != 0 || move(cn, cert_file, why, whylen) != 0)
		goto out;
	sync_dir(cert_file);
	backend_identity_changed();
	*now = nc;
	res = TERMRENEW_DONE;
	log_info("terminal certificate renewed: %s, %ld days", nc.serial,
		 termcert_days_left(&nc, time(NULL)));
out:
	if (res == TERMRENEW_FAILED)
		log_warn("terminal certificate renewal failed: %s", why);
	api_issued_free(&got);
	free(csr);
	free(cn);
	free(kn);
	return res;
}
