#!/bin/sh
# include-cycles.sh - fail when the modules of src/ depend on each other in
# a circle (make lint runs it).
#
# A module is a header and the .c files behind it, in one folder: foo.h with
# foo.c, and with foo_*.c and foo_*.h when those have no header or source of
# their own (token.h, token_int.h and token_slot.c are the module "token";
# token_watch.c with token_watch.h is the module "token_watch").  A file
# that includes another module's header depends on that module.  Screens,
# tests and the two main.c are users only: nothing includes them, so they
# can be in no circle and are left out.  A header is looked for as the
# compiler does: beside the including file, then in -Isrc and each src
# folder in the order the Makefile gives.
#
#   sh kiosk/include-cycles.sh [DIR...]    (default: the Makefile's folders)
#
# Prints each circle as the chain of #include lines that makes it, and
# exits 1 when there is one.
set -eu
cd "$(dirname "$0")/.."
dirs=${*:-"src src/core src/flow src/svc src/token src/client src/common src/ra"}

files=$(for d in $dirs; do ls "$d"/*.[ch] 2>/dev/null; done | grep -v '/main\.c$' || true)
[ -n "$files" ] || exit 0

# One line per file ("F path") and per quoted include ("I path line header"),
# then the graph work in awk.
{
	for f in $files; do
		echo "F $f"
		grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$f" |
			sed 's/^\([0-9]*\):[^"]*"\([^"]*\)".*/\1 \2/' |
			while read -r line hdr; do echo "I $f $line $hdr"; done
	done
} | awk -v search="$dirs" '
function dir(p) { sub(/\/[^\/]*$/, "", p); return p }
function base(p) { sub(/^.*\//, "", p); sub(/\.[ch]$/, "", p); return p }
$1 == "F" { file[$2] = 1; nf++; order[nf] = $2; next }
$1 == "I" { ni++; inc_from[ni] = $2; inc_line[ni] = $3; inc_hdr[ni] = $4; next }
END {
	ns = split(search, sdir, " ")
	# stems present per folder, as sources and as headers
	for (f in file) {
		k = dir(f) "/" base(f)
		if (f ~ /\.c$/) hasc[k] = 1; else hash[k] = 1
	}
	# module of each file: its own stem when that stem has a header or a
	# source beside it of the other kind; else the longest stem prefix
	# ("token" for token_int.h) that is a header in the same folder.
	for (f in file) {
		d = dir(f); b = base(f); k = d "/" b
		if (hasc[k] && hash[k]) { mod[f] = k; continue }
		m = ""; p = b
		while (p ~ /_/) {
			sub(/_[^_]*$/, "", p)
			if (hash[d "/" p]) { m = d "/" p; break }
		}
		mod[f] = m != "" ? m : k
	}
	for (i = 1; i <= ni; i++) {
		f = inc_from[i]; h = inc_hdr[i]; to = ""
		if ((dir(f) "/" h) in file) to = dir(f) "/" h
		for (s = 1; to == "" && s <= ns; s++)
			if ((sdir[s] "/" h) in file) to = sdir[s] "/" h
		if (to == "" || mod[to] == mod[f]) continue
		e = mod[f] SUBSEP mod[to]
		if (!(e in why)) {
			why[e] = f ":" inc_line[i] ": #include \"" h "\""
			nout[mod[f]]++; out[mod[f], nout[mod[f]]] = mod[to]
		}
	}
	# depth-first search; a grey node met again closes a circle
	found = 0
	for (i = 1; i <= nf; i++) {
		m = mod[order[i]]
		if (!(m in color)) dfs(m, 0)
	}
	exit found ? 1 : 0
}
function dfs(m, depth,    j, n, k, start) {
	color[m] = 1; stack[depth] = m; at[m] = depth
	for (j = 1; j <= nout[m]; j++) {
		n = out[m, j]
		if ((n in color) && color[n] == 1) {
			found = 1
			printf "include cycle:"
			for (k = at[n]; k <= depth; k++) printf " %s ->", stack[k]
			printf " %s\n", n
			for (k = at[n]; k <= depth; k++)
				printf "  %s\n", why[stack[k], (k < depth ? stack[k + 1] : n)]
		} else if (!(n in color)) {
			dfs(n, depth + 1)
		}
	}
	color[m] = 2
}'
