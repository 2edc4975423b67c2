#!/bin/sh
# test_unlock_backend.sh - the unlock when the backend is down, hangs or
# loses its answer at each of the three calls the kiosk's unlock job makes
# (the authorization, the candidate SO PIN, the promotion).  The kiosk's
# job (tests/token/unlockrun.c, no screen) reaches cakiosk-ra through
# tests/tools/faultproxy (TLS passes through it untouched); the token is a
# SoftHSM token behind the PKCS#11 test module (tests/token/unlock_lib.sh).
#
# At each call and for each fault, the job must stop with a plain sentence
# and "try again" (UO_AGAIN), and the same visit's next run must finish:
# the same order, its authorization released once (a lost answer is found
# again by its idempotency key, never a second authorization), the order
# completed, and, checked with pkcs11-tool, the new PIN working, the
# escrowed SO PIN opening the token and the token's objects unchanged.
. "$(dirname "$0")/../screen/lib.sh"
. "$top/tests/token/unlock_lib.sh"
make -s -C "$top" B="$B" "$B/tools/faultproxy" >/dev/null
ul_setup || { not_ok "the bed: cakiosk-ra, the token, its escrow, the SMS session"; finish; exit 1; }
"$tools/faultproxy" "${RAURL##*:}" "$work/fault" >"$work/proxy.port" 2>"$work/proxy.log" &
proxy_pid=$!
cleanup_extra="$cleanup_extra; kill $proxy_pid 2>/dev/null"
_poll 5 test -s "$work/proxy.port" || { not_ok "the fault proxy starts"; finish; exit 1; }
echo pass >"$work/fault"
# The kiosk goes through the proxy and gives up on a call after 2 s.
sed -i "s|^url = .*|url = https://127.0.0.1:$(cat "$work/proxy.port")/|
	s|^connect_timeout = .*|connect_timeout = 2\ntimeout = 2|" "$work/cakiosk.conf"
ok "the bed: token $SERIAL escrowed, the kiosk behind the fault proxy"

BASE=$(objects 123456)
pin=400000
for stage in AUTHORIZING RECORDING PROMOTING; do
	for fault in refuse hang swallow; do
		old=$(so_now) pin=$((pin + 1))
		unlock $pin UNLOCK_FAULT_AT=$stage UNLOCK_FAULT_FILE="$work/fault" UNLOCK_FAULT=$fault
		echo "# $stage $fault: $OUT"
		case $OUT in
		"first=AGAIN at=$stage reason=\""?*"\" outcome=DONE stage=DONE runs=1 "*)
			ok "backend $fault at $stage: a sentence and a retry, then done in the same visit" ;;
		*) not_ok "backend $fault at $stage: a sentence and a retry, then done in the same visit" ;;
		esac
		nauth=$(auths)
		is_done=$(jfield order.state)
		check "... its order authorized once ($nauth) and completed ($is_done)" \
			test "$nauth.$is_done" = 1.completed
		check "... the new PIN, the escrowed SO PIN, the objects (pkcs11-tool)${why:+:$why}" \
			verify $pin "$old"
	done
done
finish
