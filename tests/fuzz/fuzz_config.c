/*
 * fuzz_config.c - libFuzzer harness for the configuration loader
 * (src/core/config.c, inih underneath): any bytes as cakiosk.conf.  The
 * loader must either fill the whole struct or refuse with a sentence.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "fuzz.h"
#include "log.h"

static char path[64];

static void
drop_file(void)
{
	unlink(path);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *tmp = getenv("TMPDIR");
	int fd;

	char err[128];

	(void)argc;
	(void)argv;
	if (log_open("none", LOG_LVL_ERROR, err, sizeof err) != 0)
		abort();
	snprintf(path, sizeof path, "%s/fuzz-conf-XXXXXX",
		 tmp != NULL && strlen(tmp) < 40 ? tmp : "/tmp");
	fd = mkstemp(path);
	if (fd < 0)
		abort();
	close(fd);
	atexit(drop_file);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config cfg;
	char err[512];
	FILE *f = fopen(path, "we");

	if (f == NULL || fwrite(data, 1, size, f) != size || fclose(f) != 0)
		abort();
	if (config_load(&cfg, path, err, sizeof err) == 0) {
		if (cfg.backend_url == NULL || cfg.nvendors > CONFIG_MAX_VENDORS)
			abort();
		config_free(&cfg);
	} else if (err[0] == '\0') {
		abort();
	}
	return 0;
}
