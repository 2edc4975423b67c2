#!/bin/sh
# unlock-bench.sh - machine time of an unlock from "authorization received"
# to "the new PIN works", the kiosk against the same steps done with public
# tools in the same run.
#
#   sh tests/bench/unlock-bench.sh [B] [RUNS]      (make bench runs it too)
#
# The bed is the pull matrix's (tests/token/unlock_lib.sh): cakiosk-ra in
# sandbox mode on loopback over mTLS, one SoftHSM2 token behind the PKCS#11
# test module (no latency set) with two key pairs, their certificates and a
# seal; its SO PIN escrowed.  Every round is a new unlock order of the
# token's owner, verified and confirmed, and its authorization asked, before
# the timing; the rounds continue on the same token (its SO PIN rotates).
#
# kiosk  tests/token/unlockrun.c with UNLOCK_TIMES: the kiosk's unlock job
#        (src/svc/unlock.c) stage by stage on its worker thread, in a
#        process that has loaded the module and read the token, as the
#        kiosk has when the customer typed the new PIN.  Timed inside:
#        SO login (which SO PIN the token holds), C_InitPIN, the new SO PIN
#        made and recorded with cakiosk-ra, C_SetPIN of the SO PIN, the
#        promotion, the user login.
# peer   the same steps as the issue names them with pkcs11-tool: `--login
#        --login-type so --init-pin`, `--change-pin` as SO for the SO PIN, a
#        user `--login` (listing the objects: pkcs11-tool does nothing with
#        a login alone), and curl for the two calls to cakiosk-ra; the new
#        SO PIN from /dev/urandom.  Each a process, as those tools work;
#        timed with date around the whole.
# Where the two differ: the kiosk logs in as SO once more (to learn which
# of the escrowed PINs the token holds, which the peer is simply told),
# and logs out and releases its slots after each SO step.
#
# Rounds alternate kiosk and peer; one of each first is not counted.
# Figures are medians over RUNS; ratio = peer / kiosk (above 1: the kiosk is
# faster).
set -eu
B=${1:-${B:-build}}
RUNS=${2:-10}
case $RUNS in '' | *[!0-9]*) echo "unlock-bench.sh: RUNS must be a number" >&2; exit 2 ;; esac
[ "$RUNS" -ge 1 ] || { echo "unlock-bench.sh: RUNS must be at least 1" >&2; exit 2; }
. "$(dirname "$0")/../screen/lib.sh"
. "$top/tests/token/unlock_lib.sh"
ul_setup || { echo "unlock-bench.sh: the bed did not come up" >&2; exit 1; }

ms_now() { date +%s%N | cut -c1-13; }
# authorized: a new order and its authorization (not timed); AUTH_SO.
authorized() {
	order
	ra POST "/v1/orders/$ORDER/unlock-authorization" "{}" >/dev/null
	AUTH_SO=$(jfield so_pin)
	[ -n "$AUTH_SO" ]
}
# kiosk PIN: the job after its authorization; KIOSK_MS, KIOSK_LINE.
kiosk() {
	order
	KIOSK_LINE=$(env SOFTHSM2_CONF="$work/softhsm2.conf" CAKIOSK_TESTP11_CTL="$work/ctl" \
		UNLOCK_TIMES=1 "$RUN" "$work/cakiosk.conf" "$ORDER" "$SESS" "$1")
	case $KIOSK_LINE in *outcome=DONE*) ;; *) echo "kiosk: $KIOSK_LINE" >&2; return 1 ;; esac
	KIOSK_MS=$(echo "$KIOSK_LINE" | sed -n 's/.*work=\([0-9.]*\).*/\1/p')
}
# peer PIN: the same with pkcs11-tool and curl; PEER_MS.
peer() {
	authorized
	t=$(ms_now)
	new=$(head -c 64 /dev/urandom | tr -dc 'A-Za-z0-9' | head -c 16)
	card --login --login-type so --so-pin "$AUTH_SO" --init-pin --pin "$1"
	ra POST "/v1/orders/$ORDER/so-pin-candidate" "{\"so_pin\":\"$new\",\"token_holds\":\"current\"}" >/dev/null
	card --login --login-type so --so-pin "$AUTH_SO" --change-pin --new-pin "$new"
	st=$(ra POST "/v1/orders/$ORDER/so-pin" "{\"so_pin\":\"$new\"}")
	card --login --pin "$1" --list-objects
	PEER_MS=$(($(ms_now) - t))
	[ "$st" = 200 ] && [ "$(so_now)" = "$new" ] || { echo "peer: not rotated ($st)" >&2; return 1; }
}
median() { sort -n | awk '{a[NR] = $1} END {m = int((NR + 1) / 2); if (NR % 2) print a[m]; else printf "%.2f\n", (a[m] + a[m + 1]) / 2}'; }

pin=300000
kiosk $pin && peer $((pin + 1)) # warm-up, not counted
: >"$work/k" ; : >"$work/p"; : >"$work/stages"
i=0
while [ $i -lt "$RUNS" ]; do
	pin=$((pin + 2))
	kiosk $pin
	echo "$KIOSK_MS" >>"$work/k"
	echo "$KIOSK_LINE" >>"$work/stages"
	peer $((pin + 1))
	echo "$PEER_MS" >>"$work/p"
	i=$((i + 1))
done
k=$(median <"$work/k") p=$(median <"$work/p")
echo "unlock, authorization received -> new PIN works, median of $RUNS (ms):"
for s in SO_LOGIN INIT_PIN RECORDING SETTING_SO PROMOTING PROVING; do
	printf '  kiosk %-11s %s\n' "$s" \
		"$(sed -n "s/.*$s=\([0-9.]*\).*/\1/p" "$work/stages" | median)"
done
echo "  kiosk total       $k"
echo "  peer  total       $p   (pkcs11-tool x3 + curl x2)"
awk -v k="$k" -v p="$p" 'BEGIN { printf "  ratio peer/kiosk  %.1f\n", p / k }'
