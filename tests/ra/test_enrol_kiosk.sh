#!/bin/sh
# test_enrol_kiosk.sh - cakiosk --enrol against the real cakiosk-ra: a blank
# terminal enrols with a one-time code and its new certificate works over
# mTLS; a wrong CA fingerprint is refused before anything is sent; a wrong,
# used or another terminal's code is refused with its own exit status; a
# second run changes nothing; the certificate's CN is held against the
# X-Terminal-Id a request claims.
. "$(dirname "$0")/lib.sh"
KIOSK=$B/cakiosk
[ -x "$KIOSK" ] || { echo "Bail out! $KIOSK is not built"; exit 1; }

ra_start --sandbox
FP=$(openssl x509 -in "$CA/ca.crt" -noout -fingerprint -sha256 | cut -d= -f2)
C1=$("$RA" enrol-code --db "$RA_DB" T-K1)
C2=$("$RA" enrol-code --db "$RA_DB" T-K2)
keep_secret enrol_code "$C1"
keep_secret enrol_code "$C2"
D=$T/etc
mkdir -p "$D"
# enrol DIR TERMINAL CODE [FINGERPRINT]: sets RC, output in $T/enrol.out.
enrol() {
	"$KIOSK" --enrol --backend "$URL/" --ca-fingerprint "${4:-$FP}" --code "$3" \
		--terminal-id "$2" --config "$1/cakiosk.conf" >"$T/enrol.out" 2>&1
	RC=$?
}

enrol "$D" T-K1 "$C1" "$(echo "$FP" | tr 'A-F0123' 'a-f3210')"
is 3 "$RC" "a wrong CA fingerprint: exit 3"
like 'nothing was sent' "$(cat "$T/enrol.out")" "... saying nothing was sent"
is "" "$(ls "$D")" "... and no file written"

enrol "$D" T-K1 123456789012
is 4 "$RC" "an unknown code: exit 4"
like 'enrol_code_invalid' "$(cat "$T/enrol.out")" "... naming the backend's refusal"

enrol "$D" T-K1 "$C2"
is 4 "$RC" "another terminal's code: exit 4"
like 'terminal_mismatch' "$(cat "$T/enrol.out")" "... terminal_mismatch"

cp "$D/terminal.key" "$T/cut.key"
enrol "$D" T-K1 "$C1"
is 0 "$RC" "a blank terminal enrols with its code (after the wrong fingerprint: it was never sent)"
check_key=$(cmp -s "$D/terminal.key" "$T/cut.key" && echo same)
is same "$check_key" "... with the key the refused runs left (no second key)"
like '^enrolled: terminal T-K1, certificate [0-9a-f]+, 109[0-9] days' "$(head -n 1 "$T/enrol.out")" "... and says so"
is 600 "$(stat -c %a "$D/terminal.key")" "the key file is 0600"
is "CN = T-K1" "$(openssl x509 -in "$D/terminal.pem" -noout -subject -nameopt sep_multiline | sed -n 's/^ *CN=/CN = /p')" "the certificate's CN is the terminal id"
"$KIOSK" --check-config -c "$D/cakiosk.conf" >"$T/cc.out" 2>&1
is 0 "$?" "the written configuration passes --check-config"
like 'terminal T-K1' "$(cat "$T/cc.out")" "... for terminal T-K1"

# The new certificate over mTLS, as the kiosk's configuration names it.
mtls() {
	curl -s -o "$T/out" -w '%{http_code}' --max-time 20 --cacert "$D/backend-ca.pem" \
		--cert "$D/terminal.pem" --key "$D/terminal.key" "$@"
}
is 200 "$(mtls "$URL/v1/prices")" "the enrolled terminal's certificate is accepted (GET /v1/prices)"
is 200 "$(mtls -H 'X-Terminal-Id: T-K1' "$URL/v1/health")" "GET /v1/health with its own X-Terminal-Id"
is 403 "$(mtls -H 'X-Terminal-Id: T-K2' "$URL/v1/prices")" "X-Terminal-Id naming another terminal: 403"
is terminal_mismatch "$(j error.code)" "... terminal_mismatch"

cp "$D/terminal.pem" "$T/first.pem"
enrol "$D" T-K1 "$C1"
is 0 "$RC" "a second run on the enrolled terminal: exit 0"
like 'already enrolled' "$(cat "$T/enrol.out")" "... already enrolled, the code not used"
check_same=$(cmp -s "$D/terminal.pem" "$T/first.pem" && echo same)
is same "$check_same" "... the certificate unchanged"

# A run cut after the certificate was written, before the configuration:
# the code is spent, and the next run finishes from the files.
mkdir -p "$T/cut"
cp "$D/backend-ca.pem" "$D/terminal.pem" "$D/terminal.key" "$T/cut/"
enrol "$T/cut" T-K1 "$C1"
is 0 "$RC" "a run cut before the configuration was written: the next one finishes it"
"$KIOSK" --check-config -c "$T/cut/cakiosk.conf" >/dev/null 2>&1
is 0 "$?" "... its configuration written and passing --check-config"

mkdir -p "$T/blank"
enrol "$T/blank" T-K1 "$C1"
is 4 "$RC" "a used code on another blank terminal: exit 4"
like 'enrol_code_used' "$(cat "$T/enrol.out")" "... enrol_code_used"

# Into a configuration folder not made yet (/etc/cakiosk before install).
echo "$C2" | "$KIOSK" --enrol --backend "$URL/" --ca-fingerprint "$FP" --code - \
	--terminal-id T-K2 --config "$T/k2/cakiosk.conf" >"$T/enrol.out" 2>&1
is 0 "$?" "the code refused for another terminal still enrols its own (--code -, a new folder)"
is 750 "$(stat -c %a "$T/k2" 2>&1)" "... the configuration's folder made, 0750"

enrol "$T/blank" T-K3 12345
is 2 "$RC" "a malformed code: exit 2, before any connection"
"$KIOSK" --enrol --backend https://127.0.0.1:9/ --ca-fingerprint "$FP" --code 123456789012 \
	--terminal-id T-K3 --config "$T/blank/cakiosk.conf" >/dev/null 2>&1
is 6 "$?" "an unreachable backend: exit 6"

# Failed enrolments count (cakiosk-ra's try limit): 3 so far from this
# address; 7 more and the next run is told to wait.
i=0
while [ $i -lt 7 ]; do i=$((i + 1)); enrol "$T/blank" T-K3 "$(printf '8%011d' $i)"; done
is 4 "$RC" "the 10th failed enrolment is still a refused code"
C3=$("$RA" enrol-code --db "$RA_DB" T-K3)
keep_secret enrol_code "$C3"
enrol "$T/blank" T-K3 "$C3"
is 5 "$RC" "then even a right code: exit 5 (too many tries, later)"
like 'rate_limited' "$(cat "$T/enrol.out")" "... rate_limited"

done_testing
