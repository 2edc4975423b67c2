#!/bin/sh
# test_renew_pull.sh - the renewal survives a card pulled, or a card that
# fails, at every PKCS#11 call of it (issue 17; SPEC "Renew": never a token
# with neither a working old nor a working new certificate).  No screen:
# the kiosk's own renewal jobs (src/svc/renew.c, src/svc/renew_install.c)
# run in tests/token/renewrun.c, one customer's visit from the UKey's
# insertion to the done page, against the real cakiosk-ra (sandbox, mTLS)
# and a SoftHSM token behind the PKCS#11 test module.  The token holds an
# EC signing pair with a certificate from cakiosk-ra that has 30 days
# left, an encryption pair and a seal, fresh for every run.
#
# One clean renewal is run with the module's call log on: its counted
# calls are the matrix.  Then for every call index N:
#   pull    the card is pulled at call N (pull_nth), put back, and the
#           kiosk goes on as its screens do (read, PIN, the step again);
#   error   call N answers CKR_DEVICE_ERROR once (fail_nth); the kiosk
#           goes on the same way ("Try again").
# and, at each call that writes to the card or logs in:
#   gone    the card is pulled at call N and the visit ends there (the
#           customer leaves, the power goes); the UKey comes back at a new
#           visit, where the CA finds the paid order, or a new one is made.
# A visit that gives up is followed by a new one with the same UKey, as
# the next customer at any kiosk.  After
# each run, checked with pkcs11-tool and openssl, not the kiosk's code:
# PIN 123456 still logs in; exactly one signing certificate with its
# private key, issued by the CA, whose key signs what the certificate
# verifies; the seal on the token carries that certificate; the order is
# installed with one payment.  Outcomes: "clean" (the fault never reached
# the customer), "same visit" (finished after the card was put back or the
# step tried again), "next visit", "FAILED".
#
# The whole matrix is about 500 runs, 5 minutes on 2 cores: make check
# runs a fixed spread of it, every call that writes to the card or logs in
# (C_Login, C_GenerateKeyPair, C_CreateObject, C_DestroyObject,
# C_SetAttributeValue, C_SignInit, C_Sign) and every RENEW_STRIDE-th call
# besides (default 32), under a minute.  RENEW_STRIDE=1 runs every index;
# RENEW_AT="N ..." only those.
. "$(dirname "$0")/../screen/lib.sh"
. "$top/tests/screen/renew_lib.sh"
. "$top/tests/token/pull_lib.sh"
trap 'set +e; cleanup' EXIT INT TERM
for t in pkcs11-tool softhsm2-util openssl curl xxd; do
	command -v $t >/dev/null || { echo "1..0 # SKIP needs $t"; exit 0; }
done
STRIDE=${RENEW_STRIDE:-32}
RUN=$top/$B/tests/renewrun
EMAIL=agent@example.cn
L=renew

make -s -C "$top" B="$B" all "$B/tests/renewrun" "$B/tests/p11/cakiosk-testp11.so" >/dev/null
rb_setup || { not_ok "the bed: cakiosk-ra"; finish; exit 1; }
sed -i 's/^log_level = debug/log_level = info/' "$work/cakiosk.conf"

# The template: a token made once; each run gets a copy of it with a new
# signing certificate (30 days left) for the same key.
rb_token $L 30 ec >/dev/null || { not_ok "the bed: the template token"; finish; exit 1; }
mv "$work/tokens" "$work/template"
K=$work/keys-$L
CSR=$(awk '{printf "%s\\n", $0}' "$K/sign.csr")
fresh() {
	rm -rf "$work/tokens" && cp -a "$work/template" "$work/tokens"
	now=$(date +%s)
	st=$(rb_api POST /v1/sandbox/certificates "{\"subject_type\":\"unit\",\"subject_id\":\"$UNIT\",\"csr\":\"$CSR\",\"not_before\":$((now - 305 * 86400)),\"not_after\":$((now + 30 * 86400))}")
	[ "$st" = 201 ] || { echo "# sandbox certificate: $st" >&2; return 1; }
	jfield certificate | openssl x509 -outform DER -out "$work/old.der"
	l=$L
	rb_tool --delete-object --type cert --id 01 && rb_tool --write-object "$work/old.der" --type cert --id 01 --label sign
}

# renew [ENV...]: the kiosk's visit on the token as it is; OUT is its line.
renew() {
	OUT=$(env SOFTHSM2_CONF="$work/softhsm2.conf" CAKIOSK_TESTP11_CTL="$work/ctl" \
		RENEW_CTL="$work/ctl" RENEW_CTL_AGAIN="present=*" "$@" \
		"$RUN" "$work/cakiosk.conf" 123456 "$EMAIL" 2>>"$work/run.err")
}
order_of() { echo "$1" | sed -n 's/.*order=\([^ ]*\).*/\1/p'; }

# verify ORDER: the token and the order, from outside the kiosk; why says
# what failed, NEW whether the certificate is the new one.
verify() {
	bed_ctl "present=*"
	NEW=
	pull_pair $L "renewal matrix" || return 1
	# A key left without its certificate (the old one's, when the work
	# stopped between deleting the two): not a failure, but counted.
	orphans=$(awk '{has[$2] = has[$2] $1} END {for (i in has) if (has[i] !~ /c/) n++; print n + 0}' "$work/ids")
	cmp -s "$work/cert.der" "$work/old.der" && NEW=0 || NEW=1
	if [ "${1:--}" != - ]; then
		rb_api GET "/v1/orders/$1" >/dev/null
		[ "$(jfield order.state)" = installed ] || why="$why order-$(jfield order.state)"
		rb_one_payment "$1" || why="$why payments"
	else
		why="$why no-order"
	fi
	[ "$NEW" = 1 ] || why="$why old-cert"
	[ -z "$why" ]
}

# ---- the clean run: how many calls -------------------------------------------
fresh || { not_ok "a fresh token"; finish; exit 1; }
t0=$(date +%s%N)
renew RENEW_CTL_START="present=*\nlog=$work/calls.log"
t1=$(date +%s%N)
case $OUT in outcome=DONE\ faults=0*) ok "a clean renewal: $OUT" ;; *) not_ok "a clean renewal: $OUT" ;; esac
check "after it: the PIN, the new certificate and key, its seal, one payment" verify "$(order_of "$OUT")"
# The seal the backend made (src/common/sesseal.h), checked by openssl:
# the CA's signature over the DER of its esealInfo.
seal_signed() {
	openssl asn1parse -inform DER -in "$work/seal.der" >"$work/seal.asn" 2>/dev/null || return 1
	set -- $(sed -n 's/^ *\([0-9]*\):d=1 *hl=\([0-9]*\) l= *\([0-9]*\) cons: SEQUENCE.*/\1 \2 \3/p' \
		"$work/seal.asn" | head -1)
	dd if="$work/seal.der" of="$work/sealinfo.der" bs=1 skip="$1" count=$(($2 + $3)) 2>/dev/null
	bits=$(sed -n 's/^ *\([0-9]*\):.*BIT STRING.*/\1/p' "$work/seal.asn" | tail -1)
	openssl asn1parse -inform DER -in "$work/seal.der" -strparse "$bits" -noout \
		-out "$work/seal.sig" 2>/dev/null
	openssl x509 -in "$CA/ca.crt" -noout -pubkey >"$work/ca.pub"
	openssl dgst -sha256 -verify "$work/ca.pub" -signature "$work/seal.sig" \
		"$work/sealinfo.der" >/dev/null 2>&1
}
check "the new seal is signed by the CA (openssl over its esealInfo)" seal_signed
pull_count "$work/calls.log" "one renewal" $(((t1 - t0) / 1000000))

# ---- the matrix ---------------------------------------------------------------
size=0 clean=0 same=0 next=0 bad=0 keyonly=0 FAILS=
tally() { # KIND N
	size=$((size + 1))
	ord=$(order_of "$OUT")
	case $OUT in
	outcome=DONE*) ;;
	*)	# The customer gave up; the UKey comes back at a new visit.
		first=$OUT
		renew
		ord=$(order_of "$OUT")
		OUT="$first; then: $OUT" ;;
	esac
	if verify "$ord"; then
		case $OUT in
		*then:*) next=$((next + 1)) ;;
		*faults=0*) clean=$((clean + 1)) ;;
		*) same=$((same + 1)) ;;
		esac
		[ "$orphans" = 0 ] || { keyonly=$((keyonly + 1)); OUT="$OUT (an old key left without its certificate)"; }
		echo "# $1 $2: $OUT"
	else
		bad=$((bad + 1)) FAILS="$FAILS $1@$2"
		echo "# $1 $2: FAILED:$why: $OUT"
	fi
}
pull_indexes "$work/calls.log" "$STRIDE" "${RENEW_AT:-}"
pull_loop renew RENEW
echo "# matrix: $(wc -l <"$work/indexes") of $CALLS call indexes (every $STRIDE and the writes) x 2 (pulled, device error)" \
	"+ $gone gone at a write = $size runs:" \
	"$clean clean, $same finished in the same visit, $next at the next visit, $bad failed;" \
	"$keyonly left an old key without its certificate"
check "every pulled or failing call ends with one working certificate, its seal, the order installed once ($size runs;${FAILS:- none failed})" \
	test "$bad" -eq 0
check "the matrix ran its call indexes" test "$size" -eq $((2 * $(wc -l <"$work/indexes") + gone))
finish
