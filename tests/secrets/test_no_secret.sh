#!/bin/sh
# test_no_secret.sh - no secret in any log the whole suite wrote.
#
# Runs last in make check (tests/run.sh).  The suites before it kept their
# logs in $CAKIOSK_KEEP_LOGS/logs (tests/secrets/keep.sh; the C token tests
# in tests/token/bed.h): the kiosk's (cakiosk.log, kiosk.log), the
# backend's (server.log, ra.log), the PKCS#11 test module's call
# logs (calls, p11.log) and the other *.log and *.err of their work
# directories.  None may hold, whole, a secret typed or handed out during
# the suite; masked forms ("138****8001") are what belongs there.
#
# What counts as typed, in $tmp/secrets as "KIND VALUE":
#   - the demo's people, whom the tests type and look up: every full
#     resident ID number, mobile and bank account of cakiosk-ra demo-data;
#   - the PINs and SO PINs the test helpers use, read from tests/ itself
#     (--pin X, --so-pin X, --new-pin X, "so_pin":"X", pin=N in a control);
#   - what the suites kept with keep_secret: SMS codes and sessions they
#     were given, SO PINs the backend escrowed, PINs passed to the kiosk, and
#     every text typed into a screen, judged here by its shape (resident
#     ID, mobile, bank account, 6 to 8 digits: a PIN or a code).
# Names, addresses, e-mails and credit codes are not secrets.  Any
# "Bearer <token>" in a log is a session leaked too.
#
# Not scanned: gw.log, the record a test's stand-in SMS gateway or bank
# keeps of what the backend asked of it (tests/ra/test_sec_prod.sh): the
# gateway must receive the mobile, the code and the card it is asked about.
#
# The scanner proves first that it finds a planted secret.

B=${B:-build}
top=$(cd "$(dirname "$0")/../.." && pwd)
kept=${CAKIOSK_KEEP_LOGS:-$top/$B/test-logs/kept}
RA=$top/$B/cakiosk-ra
n=0 failed=0

ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/cakiosk-secrets.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

# kind VALUE: what a typed value is by its shape, or nothing.
kind() {
	case $1 in
	*[!0-9X]* | "") ;;
	*X*) echo "$1" | grep -qE '^[0-9]{17}X$' && echo id_number ;;
	*)
		len=${#1}
		if [ "$len" -eq 18 ]; then echo id_number
		elif [ "$len" -eq 11 ] && echo "$1" | grep -qE '^1[3-9]'; then echo mobile
		elif [ "$len" -ge 12 ] && [ "$len" -le 19 ]; then echo bank_account
		elif [ "$len" -ge 6 ] && [ "$len" -le 8 ]; then echo pin_or_code
		fi ;;
	esac
}

# The secrets: "KIND VALUE" lines in $tmp/secrets.
collect() {
	: >"$tmp/secrets"
	if [ -x "$RA" ]; then
		"$RA" demo-data | grep -v '^#' | tr ' |' '\n\n' | while IFS= read -r v; do
			k=$(kind "$v")
			[ -z "$k" ] || [ "$k" = pin_or_code ] || echo "$k $v"
		done >>"$tmp/secrets"
	fi
	find "$top/tests" -name '*.sh' -o -name '*.c' -o -name '*.h' | grep -v '/tests/fuzz/' |
		xargs cat | {
		grep -ohE -- '--(so-|new-)?pin[ =][A-Za-z0-9-]+|\\?"so_pin\\?": ?\\?"[A-Za-z0-9-]+|pin(pad_new)?=[0-9]{6,}' |
			sed -E 's/^--(so-|new-)?pin[ =]//; s/.*"//; s/.*=//'
	} | awk 'length($0) >= 6 {print "pin " $0}' >>"$tmp/secrets"
	if [ -d "$kept/secrets" ]; then
		cat "$kept"/secrets/* | while read -r k v; do
			[ -n "$v" ] || continue
			if [ "$k" = typed ]; then
				k=$(kind "$v")
				[ -n "$k" ] && echo "$k $v"
			else
				echo "$k $v"
			fi
		done >>"$tmp/secrets"
	fi
	sort -u -o "$tmp/secrets" "$tmp/secrets"
	cut -d' ' -f2- "$tmp/secrets" | sort -u >"$tmp/values"
}

# scan DIR: every secret found whole in a file under DIR (a whole word, not
# a part of a decimal number), as
# "FILE:LINE: KIND ab…yz" lines (the value cut, so this output is no log of
# it either); nothing when clean.
scan() {
	find "$1" -type f ! -name gw.log >"$tmp/files" 2>/dev/null
	[ -s "$tmp/files" ] || return 0
	tr '\n' '\0' <"$tmp/files" | xargs -0 grep -a -H -n -o -w -F -f "$tmp/values" 2>/dev/null |
		while IFS= read -r hit; do
			v=${hit##*:}
			where=${hit%:*}
			# Found only inside a decimal number (grep -w sees the
			# point as a word's end): no secret.
			sed -n "${where##*:}p" "${where%:*}" | sed -E 's/[0-9]+([.][0-9]+)+/ /g' |
				grep -q -w -F -- "$v" || continue
			k=$(awk -v v="$v" '$2 == v {print $1; exit}' "$tmp/secrets")
			printf '%s: %s %s…%s\n' "${where#"$1"/}" "${k:-secret}" \
				"$(printf '%s' "$v" | cut -c1-2)" "$(printf '%s' "$v" | rev | cut -c1-2 | rev)"
		done
	tr '\n' '\0' <"$tmp/files" | xargs -0 grep -a -H -n -o -E 'Bearer [A-Za-z0-9._~+/-]{16,}' 2>/dev/null |
		sed -E "s|^$1/||; s/:Bearer (..).*/: session Bearer \\1…/"
}

collect
nsecrets=$(wc -l <"$tmp/secrets" | tr -d ' ')

# 1. The scanner finds what it should, and only that.
mkdir -p "$tmp/plant"
pin=$(awk '$1 == "pin" {print $2; exit}' "$tmp/secrets")
mobile=$(awk '$1 == "mobile" {print $2; exit}' "$tmp/secrets")
masked=$(printf '%s' "$mobile" | sed -E 's/^(...)....(....)$/\1****\2/')
# A decimal number is one number: a browser's log stamps its lines with
# "[pid:tid:MMDD/HHMMSS.micros:…]", and six digits after a point can be any
# code by chance; they are no code typed.
printf 'info: sms sent to %s\ninfo: order 20261202%s99 paid\n' "$masked" "$pin" >"$tmp/plant/clean.log"
printf '[597:697:1203/101325.%s:ERROR:bus.cc:405] no bus\n' "$pin" >>"$tmp/plant/clean.log"
printf 'debug: C_Login user pin=%s\n' "$pin" >"$tmp/plant/leak.log"
printf 'debug: GET /v1/orders Authorization: Bearer 0123456789abcdef0123\n' >"$tmp/plant/bearer.log"
scan "$tmp/plant" >"$tmp/plant.out"
if [ "$nsecrets" -gt 10 ] && [ -n "$pin" ] && [ -n "$mobile" ] &&
	grep -q '^leak.log:1: pin ' "$tmp/plant.out" && grep -q '^bearer.log:1: session' "$tmp/plant.out" &&
	! grep -q '^clean.log' "$tmp/plant.out"; then
	ok "the scan finds a planted PIN and a bearer token, not a masked mobile ($nsecrets secrets known)"
else
	not_ok "the scan finds a planted PIN and a bearer token, not a masked mobile ($nsecrets secrets known)"
	sed 's/^/# /' "$tmp/plant.out"
fi

# 2. The suites before this one kept their logs: the kiosk's, the backend's
# and the test module's.
count() { find "$kept/logs" -type f \( "$@" \) 2>/dev/null | wc -l | tr -d ' '; }
nk=$(count -name '*cakiosk.log' -o -name '*kiosk.log')
nb=$(count -name '*server.log' -o -name '*ra.log')
nm=$(count -name '*calls' -o -name '*p11.log')
all=$(count -name '*')
if [ "$nk" -gt 0 ] && [ "$nb" -gt 0 ] && [ "$nm" -gt 0 ]; then
	ok "logs kept: $all files, $nk of the kiosk, $nb of the backend, $nm of the test module"
else
	not_ok "logs kept: $all files, $nk of the kiosk, $nb of the backend, $nm of the test module (run after the other suites: SUITES=\"screen ra secrets\")"
fi

# 3. None of them holds a secret whole; nor does what the suites wrote to
# stderr (tests/run.sh keeps it beside the kept logs: NAME.err), where the
# kiosk's code logs in the unit tests.
mkdir -p "$tmp/stderr"
for e in "$(dirname "$kept")"/*.err; do
	[ -f "$e" ] && cp "$e" "$tmp/stderr/"
done
all=$((all + $(find "$tmp/stderr" -type f | wc -l)))
{
	scan "$kept/logs"
	scan "$tmp/stderr"
} >"$tmp/found"
if [ -s "$tmp/found" ]; then
	not_ok "no PIN, SO PIN, SMS code, session, full ID number, mobile or bank account in $all logs ($(wc -l <"$tmp/found" | tr -d ' ') found)"
	sort "$tmp/found" | uniq -c | sort -rn | head -n 40 | sed 's/^/# /'
else
	ok "no PIN, SO PIN, SMS code, session, full ID number, mobile or bank account in $all logs"
fi

echo "1..$n"
[ "$failed" -eq 0 ]
