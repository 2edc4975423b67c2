#!/bin/sh
# personalize-bench.sh - machine time of instant issuance at the counter
# (issue 13) from "blank UKey inserted" to "order made", the kiosk against
# the same steps done with public tools in the same run.
#
#   sh tests/bench/personalize-bench.sh [B] [RUNS]   (make bench runs it too)
#
# The bed is the pull matrix's (tests/token/pz_lib.sh): cakiosk-ra in
# sandbox mode on loopback over mTLS, staff 1001 logged in at the demo
# terminal, and a blank SoftHSM2 card behind the PKCS#11 test module (no
# latency set).  Every round is a new approved application of the same
# person and a new blank card, made before the timing.
#
# kiosk  tests/token/pzrun.c: the kiosk's job (src/svc/personalize.c) on its
#        worker thread, in a process that has loaded the module, as the
#        kiosk has when staff press Enter: the SO PIN recorded and the PIN
#        fetched, C_InitToken + C_InitPIN, an EC P-256 key and its CSR on
#        the token, the certificate issued with the escrow, the certificate
#        and the seal written, everything read back, the order made.
#        Timed inside (ms=).
# peer   the same steps as the issue names them: curl for the backend
#        (personalize, certificate, seal, made), pkcs11-tool --init-token,
#        --init-pin, --keypairgen (EC prime256v1), openssl req -engine
#        pkcs11 for the CSR, pkcs11-tool --write-object for the certificate
#        and the seal, and -O to read back.  Each a process, as those tools
#        work; timed with date around the whole.
# Where the two differ: the kiosk reads the token before initializing it
# (blank? a certificate on it?) and after each write (what is there), and
# logs in for each stage; the peer is told and checks only the last read.
#
# Rounds alternate kiosk and peer; one of each first is not counted.
# Figures are medians over RUNS; ratio = peer / kiosk (above 1: the kiosk
# is faster).
set -eu
B=${1:-${B:-build}}
RUNS=${2:-10}
case $RUNS in '' | *[!0-9]*) echo "personalize-bench.sh: RUNS must be a number" >&2; exit 2 ;; esac
[ "$RUNS" -ge 1 ] || { echo "personalize-bench.sh: RUNS must be at least 1" >&2; exit 2; }
. "$(dirname "$0")/../screen/lib.sh"
. "$top/tests/token/pz_lib.sh"
. "$top/tests/bench/p11engine.sh"
pz_setup || { echo "personalize-bench.sh: the bed did not come up" >&2; exit 1; }
engine_conf "$work/openssl.cnf" "$P11" || exit 0

ms_now() { date +%s%N | cut -c1-13; }
median() { sort -n | awk '{a[NR] = $1} END {m = int((NR + 1) / 2); if (NR % 2) print a[m]; else printf "%.2f\n", (a[m] + a[m + 1]) / 2}'; }
kiosk() {
	pz_order; pz_blank
	pz_run
	case $OUT in outcome=DONE*) ;; *) echo "kiosk: $OUT" >&2; return 1 ;; esac
	KIOSK_MS=$(echo "$OUT" | sed -n 's/.*ms=\([0-9.]*\).*/\1/p')
}
staff() { SESS=$STAFF ra "$@"; }
pt() { pcard "$@" >/dev/null; }
peer() {
	pz_order; pz_blank
	t=$(ms_now)
	so=$(head -c 64 /dev/urandom | tr -dc 'A-Za-z0-9' | head -c 16)
	staff POST "/v1/orders/$ORDER/personalize" "{\"so_pin\":\"$so\"}" >/dev/null
	so=$(jfield so_pin) upin=$(jfield user_pin)
	pt --init-token --label "CA $ORDER" --so-pin "$so"
	pt --token-label "CA $ORDER" --init-pin --login --login-type so --so-pin "$so" --pin "$upin"
	pt --token-label "CA $ORDER" --login --pin "$upin" --keypairgen --key-type EC:prime256v1 \
		--id 01 --label sign
	tserial=$(pcard -L | sed -n 's/^ *serial num *: *//p' | head -1)
	OPENSSL_CONF=$work/openssl.cnf SOFTHSM2_CONF=$work/softhsm2.conf CAKIOSK_TESTP11_CTL=$work/ctl \
		openssl req -new -engine pkcs11 -keyform engine \
		-key "pkcs11:token=CA%20$ORDER;id=%01;type=private;pin-value=$upin" \
		-subj "/C=CN/CN=$ORDER" -out "$work/p.csr" 2>/dev/null
	csr=$(awk '{printf "%s\\n", $0}' "$work/p.csr")
	staff POST "/v1/orders/$ORDER/certificate" "{\"csr\":\"$csr\",\"token_serial\":\"$tserial\",\"so_pin\":\"$so\"}" >/dev/null
	jfield certificate | openssl x509 -outform DER -out "$work/p.der"
	seal=$(jfield seal_id)
	staff GET "/v1/seals/$seal" >/dev/null
	jfield seal | base64 -d >"$work/seal.der" 2>/dev/null || true
	pt --token-label "CA $ORDER" --login --pin "$upin" --write-object "$work/p.der" \
		--type cert --id 01 --label sign
	pt --token-label "CA $ORDER" --login --pin "$upin" --write-object "$work/seal.der" \
		--type data --label seal --application-label cakiosk-seal
	pt --token-label "CA $ORDER" --login --pin "$upin" -O
	st=$(staff POST "/v1/orders/$ORDER/made" '{}')
	PEER_MS=$(($(ms_now) - t))
	[ "$st" = 200 ] || { echo "peer: not made ($st)" >&2; return 1; }
	UPIN=$upin
	pz_verify || { echo "peer: $why" >&2; return 1; }
}

kiosk && peer # warm-up, not counted
: >"$work/k"; : >"$work/p"
i=0
while [ $i -lt "$RUNS" ]; do
	kiosk; echo "$KIOSK_MS" >>"$work/k"
	peer; echo "$PEER_MS" >>"$work/p"
	i=$((i + 1))
done
k=$(median <"$work/k") p=$(median <"$work/p")
echo "instant issuance, blank UKey inserted -> order made, median of $RUNS (ms):"
echo "  kiosk total       $k   (one process, module loaded)"
echo "  peer  total       $p   (curl x5, pkcs11-tool x6, openssl req x1)"
awk -v k="$k" -v p="$p" 'BEGIN { printf "  ratio peer/kiosk  %.1f\n", p / k }'
