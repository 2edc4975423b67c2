#!/bin/sh
# test_layout.sh - the layout keeps the architecture: no source file of
# either program over 600 lines, and each outside interface used by its one
# module only (the backend client, the token layer, the QR module), so that
# a screen or a service that starts calling the backend, parsing JSON or
# talking PKCS#11 by itself fails here.  The backend (src/ra/) is a program
# of its own and is left out of the kiosk's rules, not of the size rule.
top=$(cd "$(dirname "$0")/../.." && pwd)
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
check() { d=$1; shift; if "$@"; then ok "$d"; else not_ok "$d"; fi; }
cd "$top" || exit 1

# none DESCRIPTION OFFENDERS: a pass when OFFENDERS is empty; else each
# offender is named.
none() {
	if [ -n "$2" ]; then
		echo "$2" | sed 's/^/# /' >&2
		not_ok "$1"
	else
		ok "$1"
	fi
}
# The kiosk's C files outside the given folders (src/ra/ never counts).
kiosk_files() {
	find src screens -name '*.[ch]' | grep -v '^src/ra/' | grep -v -e "^$1"
}

none "no source file of the kiosk or the backend is over 600 lines" \
	"$(find src screens -name '*.[ch]' | xargs wc -l | awk '$2 != "total" && $1 > 600')"
none "only the client module (src/client/) names a /v1 path" \
	"$(kiosk_files src/client/ | xargs grep -ln '"/v1')"
none "... and parses the backend's JSON (jansson)" \
	"$(kiosk_files src/client/ | xargs grep -ln 'json_\|jansson.h')"
none "only src/client/backend.c (and backend_conn.c, curl_lazy.c) use libcurl" \
	"$(kiosk_files 'src/client/\(backend\|curl_lazy\)' | xargs grep -ln 'curl_easy\|curl/curl.h\|curl_lazy.h')"
none "only the token layer (src/token/) talks PKCS#11" \
	"$(kiosk_files src/token/ | xargs grep -ln 'PKCS11_\|libp11.h\|C_Login\|pkcs11.h')"
none "only src/core/qr.c uses libqrencode" \
	"$(kiosk_files src/core/qr | xargs grep -ln 'qrencode.h\|QRcode_')"
none "no screen shares the old renew_state global" \
	"$(grep -rln 'renew_state' screens)"
echo "1..$n"
[ "$failed" -eq 0 ]
