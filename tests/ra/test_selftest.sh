#!/bin/sh
# test_selftest.sh - cakiosk --self-test on a terminal enrolled with the
# real cakiosk-ra: all checks pass (exit 0, one line each); then each part
# broken in turn - module, key, CN, expiry, backend, catalogue - fails on
# its own line with exit 1.  And --check-config refuses what is no PKCS#11
# module and no certificate or key, and a certificate of another terminal.
. "$(dirname "$0")/lib.sh"
KIOSK=$B/cakiosk
top=$(pwd)
[ -x "$KIOSK" ] || { echo "Bail out! $KIOSK is not built"; exit 1; }

ra_start --sandbox
FP=$(openssl x509 -in "$CA/ca.crt" -noout -fingerprint -sha256 | cut -d= -f2)
D=$T/etc
mkdir -p "$D" "$T/tokens"
printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' \
	"$T/tokens" >"$T/softhsm2.conf"
export SOFTHSM2_CONF=$T/softhsm2.conf
"$KIOSK" --enrol --backend "$URL/" --ca-fingerprint "$FP" --terminal-id T-S1 \
	--code "$("$RA" enrol-code --db "$RA_DB" T-S1)" --config "$D/cakiosk.conf" >/dev/null 2>&1
is 0 "$?" "the terminal is enrolled"
printf '\n[vendor hsm]\nmodule = /usr/lib/softhsm/libsofthsm2.so\n' >>"$D/cakiosk.conf"

# selftest [CONF]: sets RC; lines in $T/st.out.
selftest() {
	CAKIOSK_LOCALEDIR=${LOCDIR:-$top/$B/locale} "$KIOSK" --self-test \
		-c "${1:-$D/cakiosk.conf}" >"$T/st.out" 2>"$T/st.err"
	RC=$?
}
# fails WHAT: exactly one FAIL line, about WHAT.
fails() {
	f=$(grep -c '^FAIL' "$T/st.out")
	if [ "$RC" = 1 ] && [ "$f" = 1 ] && grep -q "^FAIL $1" "$T/st.out"; then return 0; fi
	sed 's/^/#   /' "$T/st.out"; return 1
}
variant() { sed "$1" "$D/cakiosk.conf" >"$T/v.conf"; }

selftest
is 0 "$RC" "an enrolled terminal passes its self-test (exit 0)"
is 0 "$(grep -vc '^ok  ' "$T/st.out")" "... every line ok"
for w in configuration 'module hsm' certificate 'terminal id' expiry catalogue backend; do
	like "^ok   $w" "$(grep "^ok   $w" "$T/st.out")" "... a line for $w"
done
like 'reader slot' "$(grep '^ok   module' "$T/st.out")" "... the module's slots are listed"
like '109[0-9] days left' "$(grep '^ok   expiry' "$T/st.out")" "... the days to expiry"
like 'mTLS' "$(grep '^ok   backend' "$T/st.out")" "... the backend round trip over mTLS"

variant 's|^module = .*|module = /etc/passwd|'
selftest "$T/v.conf"
if fails "module hsm"; then ok "module = /etc/passwd: one FAIL line, exit 1"; else not_ok "module = /etc/passwd fails alone"; fi
variant 's|^module = .*|module = /lib/x86_64-linux-gnu/libc.so.6|'
selftest "$T/v.conf"
if fails "module hsm: .*not a PKCS#11"; then ok "a library that is no PKCS#11 module: FAIL"; else not_ok "a non-PKCS#11 library fails"; fi

openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/other.key" 2>/dev/null
variant "s|^key_file = .*|key_file = $T/other.key|"
selftest "$T/v.conf"
like "FAIL certificate: .*not the certificate's" "$(grep '^FAIL certificate' "$T/st.out")" "a key that is not the certificate's: FAIL certificate"
is 1 "$RC" "... exit 1 (the backend cannot be reached with it either)"

variant 's|^terminal_id = .*|terminal_id = T-S9|'
selftest "$T/v.conf"
like 'FAIL terminal id: the certificate is for T-S1' "$(grep '^FAIL terminal' "$T/st.out")" "terminal_id not the CN: FAIL terminal id"
is 1 "$RC" "... exit 1"
like 'FAIL backend' "$(grep '^FAIL backend' "$T/st.out")" "... and the backend refuses the X-Terminal-Id too"

# An expired certificate of this CA, for T-S1.
sh "$(dirname "$0")/oldcert.sh" "$CA" "$T/x" T-S1
variant "s|^cert_file = .*|cert_file = $T/x/old.crt|; s|^key_file = .*|key_file = $T/x/old.key|"
selftest "$T/v.conf"
like 'FAIL expiry: -[0-9]+ days left' "$(grep '^FAIL expiry' "$T/st.out")" "an expired certificate: FAIL expiry"
is 1 "$RC" "... exit 1"

variant 's|^url = .*|url = https://127.0.0.1:9/|'
selftest "$T/v.conf"
if fails "backend"; then ok "an unreachable backend: one FAIL line (backend), exit 1"; else not_ok "an unreachable backend fails alone"; fi

LOCDIR=$T/nowhere selftest
if fails "catalogue"; then ok "no zh_CN catalogue: one FAIL line, exit 1"; else not_ok "a missing catalogue fails alone"; fi

# --check-config: the files, not only their names.
variant 's|^module = .*|module = /etc/passwd|'
"$KIOSK" --check-config -c "$T/v.conf" >/dev/null 2>"$T/cc.err"
is 1 "$?" "--check-config refuses module = /etc/passwd"
like 'cannot load it' "$(cat "$T/cc.err")" "... saying it cannot be loaded"
variant 's|^cert_file = .*|cert_file = /etc/passwd|'
"$KIOSK" --check-config -c "$T/v.conf" >/dev/null 2>"$T/cc.err"
is 1 "$?" "--check-config refuses cert_file = /etc/passwd"
like 'not a PEM certificate' "$(cat "$T/cc.err")" "... not a PEM certificate"
variant 's|^key_file = .*|key_file = /etc/passwd|'
"$KIOSK" --check-config -c "$T/v.conf" >/dev/null 2>"$T/cc.err"
is 1 "$?" "--check-config refuses key_file = /etc/passwd"
variant 's|^terminal_id = .*|terminal_id = T-S9|'
"$KIOSK" --check-config -c "$T/v.conf" >/dev/null 2>"$T/cc.err"
is 1 "$?" "--check-config refuses a certificate of another terminal"
LANG=zh_CN.UTF-8 LANGUAGE=zh_CN "$KIOSK" --check-config -c "$T/nowhere.conf" >/dev/null 2>"$T/cc.err"
like 'No such file or directory' "$(cat "$T/cc.err")" "operator messages stay English in a Chinese environment"

done_testing
