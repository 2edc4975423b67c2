/*
 * shape.c - a JSON object against a table of its fields (see shape.h).
 */
#include "shape.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

static bool
valid_utf8(const char *s, size_t n)
{
	char *clean = text_sanitize(s, n, n + 1, TEXT_KEEP_NEWLINES);
	bool same = strlen(clean) == n && memcmp(clean, s, n) == 0;

	free(clean);
	return same;
}

/* An id ([A-Za-z0-9._:-]) or an https URL (printable ASCII, no spaces). */
static bool
token_ok(const char *s, size_t n, bool url)
{
	if (url && (n < 9 || strncmp(s, "https://", 8) != 0))
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (url ? c <= 0x20 || c >= 0x7f
			: !((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
			    (c >= 'a' && c <= 'z') || c == '.' || c == '_' || c == ':' ||
			    c == '-'))
			return false;
	}
	return true;
}

bool
backend_check(const json_t *obj, const struct bfield *spec, size_t n, char *why,
	      size_t whylen)
{
	if (!json_is_object(obj)) {
		snprintf(why, whylen, "not an object");
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		const struct bfield *f = &spec[i];
		const json_t *v = json_object_get(obj, f->name);
		long long len;

		if (v == NULL || json_is_null(v)) {
			if (f->required) {
				snprintf(why, whylen, "%s: missing", f->name);
				return false;
			}
			continue;
		}
		switch (f->type) {
		case BF_TOKEN:
		case BF_URL:
			if (!json_is_string(v))
				goto type;
			len = (long long)json_string_length(v);
			if (len < f->min || len > f->max) {
				snprintf(why, whylen, "%s: length %lld not in %lld..%lld",
					 f->name, len, f->min, f->max);
				return false;
			}
			if (!token_ok(json_string_value(v), (size_t)len,
				      f->type == BF_URL)) {
				snprintf(why, whylen, "%s: not a%s", f->name,
					 f->type == BF_URL ? "n https URL" : " plain id");
				return false;
			}
			break;
		case BF_STRING:
		case BF_ENUM:
			if (!json_is_string(v))
				goto type;
			len = (long long)json_string_length(v);
			if (!valid_utf8(json_string_value(v), (size_t)len)) {
				snprintf(why, whylen, "%s: control or invalid characters",
					 f->name);
				return false;
			}
			if (f->type == BF_ENUM) {
				bool found = false;

				for (const char *const *e = f->values; e && *e; e++)
					if (strcmp(*e, json_string_value(v)) == 0)
						found = true;
				if (!found) {
					snprintf(why, whylen, "%s: unknown value",
						 f->name);
					return false;
				}
			} else if (len < f->min || len > f->max) {
				snprintf(why, whylen, "%s: length %lld not in %lld..%lld",
					 f->name, len, f->min, f->max);
				return false;
			}
			break;
		case BF_INT:
			if (!json_is_integer(v))
				goto type;
			if (json_integer_value(v) < f->min ||
			    json_integer_value(v) > f->max) {
				snprintf(why, whylen, "%s: %lld out of range", f->name,
					 (long long)json_integer_value(v));
				return false;
			}
			break;
		case BF_BOOL:
			if (!json_is_boolean(v))
				goto type;
			break;
		case BF_OBJECT:
			if (!json_is_object(v))
				goto type;
			break;
		case BF_ARRAY:
			if (!json_is_array(v))
				goto type;
			len = (long long)json_array_size(v);
			if (len < f->min || len > f->max) {
				snprintf(why, whylen, "%s: %lld items", f->name, len);
				return false;
			}
			break;
		}
		continue;
	type:
		snprintf(why, whylen, "%s: wrong type", f->name);
		return false;
	}
	return true;
}
