/*
 * jget.c - print values from a JSON document on stdin, for the shell test
 * suites of cakiosk-ra (no jq needed).
 *
 *   jget error.code order.id items.0.state   one line per path
 *   jget -n items                            the length of an array/object
 *   jget -s seal                             compact JSON with sorted keys
 *
 * Strings print raw, numbers and true/false/null as JSON.  Exit status 1 if
 * the input is not JSON or a path is missing (printing what was found).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

static json_t *
walk(json_t *v, const char *path)
{
	char *copy = strdup(path), *save = NULL;
	for (char *seg = strtok_r(copy, ".", &save); seg && v;
	     seg = strtok_r(NULL, ".", &save)) {
		if (json_is_array(v)) {
			char *end;
			long i = strtol(seg, &end, 10);
			v = *end ? NULL : json_array_get(v, (size_t)i);
		} else {
			v = json_object_get(v, seg);
		}
	}
	free(copy);
	return v;
}

int
main(int argc, char **argv)
{
	json_error_t je;
	json_t *doc = json_loadf(stdin, JSON_DECODE_ANY, &je);
	int rc = 0, count = 0, sorted = 0;
	if (!doc) {
		fprintf(stderr, "jget: not JSON: %s\n", je.text);
		return 1;
	}
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-n") == 0) {
			count = 1;
			continue;
		}
		if (strcmp(argv[i], "-s") == 0) {
			sorted = 1;
			continue;
		}
		json_t *v = walk(doc, argv[i]);
		if (!v) {
			rc = 1;
			puts("");
			continue;
		}
		if (count) {
			printf("%zu\n", json_is_array(v) ? json_array_size(v)
							 : json_object_size(v));
		} else if (json_is_string(v) && !sorted) {
			puts(json_string_value(v));
		} else {
			char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY |
							(sorted ? JSON_SORT_KEYS : 0));
			puts(s ? s : "");
			free(s);
		}
	}
	json_decref(doc);
	return rc;
}
