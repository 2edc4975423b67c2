/*
 * memgrep.c - does a running process hold these bytes anywhere in its
 * memory?  Used to prove that what a customer typed is gone after the
 * session ended.  Needs root (the kiosk is not dumpable).
 *
 *   memgrep PID STRING     exit 0 found, 1 not found, 2 cannot read
 *   memgrep PID --hex64    print every run of exactly 64 lower-case hex
 *                          digits (a session token's shape), one a line:
 *                          what a visit added is found by comparing two
 *                          looks, and proven gone by STRING afterwards
 *
 * The string is looked for as typed (UTF-8) and as wchar_t (UTF-32, as
 * ncursesw keeps a cell and a wide form keeps its text): a copy left in
 * a screen buffer is a copy too.
 */
#define _GNU_SOURCE /* pread64 on /proc/PID/mem offsets */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define HEX_RUN 64

static int
is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

/* Runs of exactly HEX_RUN hex digits with a non-hex byte on each side. */
static void
hex_runs(const char *buf, size_t n)
{
	size_t i = 0;

	while (i < n) {
		size_t j = i;

		if (!is_hex(buf[i])) {
			i++;
			continue;
		}
		while (j < n && is_hex(buf[j]))
			j++;
		if (j - i == HEX_RUN && i > 0 && j < n)
			printf("%.*s\n", HEX_RUN, buf + i);
		i = j;
	}
}

int
main(int argc, char **argv)
{
	char path[64], line[512];
	FILE *maps;
	int mem, found = 0, regions = 0;
	size_t needle_len, wide_len = 0;
	static unsigned char wide[4 * 256];

	size_t overlap;

	if (argc != 3) {
		fprintf(stderr, "usage: memgrep PID STRING\n");
		return 2;
	}
	int hex = strcmp(argv[2], "--hex64") == 0;

	needle_len = hex ? 0 : strlen(argv[2]);
	/* The wide form, for ASCII needles (what the tests type). */
	for (size_t i = 0; i < needle_len && i < 256; i++) {
		unsigned char c = (unsigned char)argv[2][i];

		if (c >= 0x80) {
			wide_len = 0;
			break;
		}
		wide[4 * i] = c;
		wide[4 * i + 1] = wide[4 * i + 2] = wide[4 * i + 3] = 0;
		wide_len = 4 * (i + 1);
	}
	if (needle_len > 256)
		wide_len = 0;
	overlap = wide_len > needle_len ? wide_len : needle_len;
	if (hex)
		overlap = HEX_RUN + 2;
	if (overlap == 0) {
		fprintf(stderr, "memgrep: an empty string is everywhere\n");
		return 2;
	}
	snprintf(path, sizeof path, "/proc/%s/maps", argv[1]);
	maps = fopen(path, "r");
	snprintf(path, sizeof path, "/proc/%s/mem", argv[1]);
	mem = open(path, O_RDONLY);
	if (maps == NULL || mem < 0) {
		perror(path);
		return 2;
	}
	while (!found && fgets(line, sizeof line, maps) != NULL) {
		unsigned long lo, hi;
		char perms[8];

		if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) != 3 || perms[0] != 'r')
			continue;
		/* Writable memory is where typed data lives; skip vvar etc. */
		if (perms[1] != 'w' || strstr(line, "[vvar]") != NULL)
			continue;
		/*
		 * Read in chunks that overlap by the needle's length; skip
		 * giant reservations (a sanitizer's shadow memory) that hold
		 * no program data.
		 */
		if (hi - lo > (1UL << 30))
			continue;
		static char buf[1 << 20];
		unsigned long off = lo;

		regions++;
		while (off < hi && !found) {
			size_t want = hi - off < sizeof buf ? hi - off : sizeof buf;
			ssize_t got = pread(mem, buf, want, (off_t)off);

			if (got <= 0)
				break;
			if (hex)
				hex_runs(buf, (size_t)got);
			else if (memmem(buf, (size_t)got, argv[2], needle_len) != NULL ||
				 (wide_len > 0 &&
				  memmem(buf, (size_t)got, wide, wide_len) != NULL))
				found = 1;
			if ((size_t)got < overlap || off + (unsigned long)got >= hi)
				break;
			off += (unsigned long)got - (overlap - 1);
		}
	}
	fclose(maps);
	close(mem);
	if (regions == 0) {
		fprintf(stderr, "memgrep: could read no memory of %s\n", argv[1]);
		return 2;
	}
	return found ? 0 : 1;
}
