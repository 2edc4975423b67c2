/*
 * route.c - finding the route of a request (see route.h).
 */
#include "ra/route.h"

#include <stdlib.h>
#include <string.h>

#include "ra/util.h"

static bool
seg_ok(const char *s, size_t n)
{
	if (n == 0 || n > 128)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.'))
			return false;
	}
	return true;
}

/* Matches path against pattern, filling args.  1 match, 0 no. */
static int
route_match(const char *pattern, const char *path, struct req *r)
{
	const char *p = pattern, *s = path;
	int nargs = 0;
	char *args[REQ_MAX_ARGS] = {0};
	while (*p && *s) {
		if (*p == '{' || *p == '*') { /* "{name}" (or '*'): one segment */
			size_t n = strcspn(s, "/");
			if (!seg_ok(s, n) || nargs >= REQ_MAX_ARGS)
				goto no;
			args[nargs] = util_xmalloc(n + 1);
			memcpy(args[nargs], s, n);
			args[nargs++][n] = '\0';
			const char *close = *p == '{' ? strchr(p, '}') : NULL;
			p = close ? close + 1 : p + 1;
			s += n;
		} else if (*p == *s) {
			p++;
			s++;
		} else {
			goto no;
		}
	}
	if (*p || *s)
		goto no;
	for (int i = 0; i < nargs; i++)
		r->args[i] = args[i];
	r->nargs = nargs;
	return 1;
no:
	for (int i = 0; i < nargs; i++)
		free(args[i]);
	return 0;
}

const struct route *
route_find(const struct route *routes, unsigned need, const char *method,
	   const char *path, struct req *r, int *status)
{
	bool path_seen = false;
	for (const struct route *rt = routes; rt->method; rt++) {
		struct req tmp = {0};
		if ((rt->flags & need) != need || !route_match(rt->pattern, path, &tmp))
			continue;
		if (strcmp(rt->method, method) != 0) {
			path_seen = true;
			for (int i = 0; i < tmp.nargs; i++)
				free(tmp.args[i]);
			continue;
		}
		memcpy(r->args, tmp.args, sizeof r->args);
		r->nargs = tmp.nargs;
		return rt;
	}
	*status = path_seen ? 405 : 404;
	return NULL;
}
