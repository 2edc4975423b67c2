#!/bin/sh
# test_change_pull.sh - the change of details (信息变更) survives a card
# pulled, or a card that fails, at every PKCS#11 call of its work on the
# UKey (issue 13: as crash-safe as the renewal; the old signing certificate
# revoked only once the new one is installed).  No screen: the kiosk's own
# jobs (src/svc/renew.c, renew_install.c, which the change shares) run in
# tests/token/changerun.c, the visit at which the approved change is
# finished: the UKey read, the PIN, the CA asked, the new key (as while
# paying), the certificate and seal written, the old pair removed.  The
# order is made before through the API: the unit 长沙麓谷科技有限公司
# renamed on the registration platform, a change of its certificate, the
# documents, the agent's SMS session, paid, approved by staff.  The token,
# fresh for every run, holds an EC signing pair with that certificate, an
# encryption pair and a seal.
#
# One clean change is run with the module's call log on: its counted calls
# are the matrix (printed, numbered).  Then for every call index N:
#   pull    the card is pulled at call N (pull_nth), put back, and the kiosk
#           goes on as its screens do (read, PIN, the step again);
#   error   call N answers CKR_DEVICE_ERROR once (fail_nth); "Try again";
# and at each call that writes to the card or logs in:
#   gone    the card is pulled at call N and the visit ends there; the UKey
#           comes back at a new visit, where the CA finds the change.
# After each run, checked with pkcs11-tool, openssl and the backend, not the
# kiosk's code: PIN 123456 logs in; one signing pair, its certificate from
# the CA in the new name, its key signing what the certificate verifies;
# the seal carrying that certificate; the encryption pair kept; the order
# installed with one payment; the old certificate revoked.  While a visit
# has given up, the old certificate must still be valid.
#
# The whole matrix is 518 runs (252 calls), about 11 minutes on 2 cores:
# make check runs a fixed spread of it, every call that writes to the card
# or logs in (C_Login, C_GenerateKeyPair, C_CreateObject, C_DestroyObject,
# C_SetAttributeValue, C_SignInit, C_Sign) and every CHANGE_STRIDE-th call
# besides (default 48), about a minute.  CHANGE_STRIDE=1 runs every index;
# CHANGE_AT="N ..." only those.
. "$(dirname "$0")/../screen/lib.sh"
. "$top/tests/token/unlock_lib.sh"
. "$top/tests/token/pull_lib.sh"
for t in xxd; do
	command -v $t >/dev/null || { echo "1..0 # SKIP needs $t"; exit 0; }
done
STRIDE=${CHANGE_STRIDE:-48}
RUN=$top/$B/tests/changerun
L=chg
LUGU=$("$RA" demo-data | awk '$3 == "长沙麓谷科技有限公司" {print $2}')
OLD_NAME=长沙麓谷科技有限公司 NEW_NAME=长沙麓谷智能科技有限公司 LUGU_AGENT=13600136000

make -s -C "$top" B="$B" all "$B/tests/changerun" "$B/tests/p11/cakiosk-testp11.so" >/dev/null
rb_setup || { not_ok "the bed: cakiosk-ra"; finish; exit 1; }
sed -i 's/^log_level = debug/log_level = info/' "$work/cakiosk.conf"
# The agent's SMS session, for every order's confirmation (one code: the
# backend sends one a minute, five an hour).
sms_session unit "$LUGU" "$LUGU_AGENT"
[ -n "$SESS" ] || { not_ok "the bed: the agent's SMS session"; finish; exit 1; }
printf '%%PDF-1.4\n%%fake\n' >"$work/doc.pdf"
printf '\377\330\377\340\0\020JFIFfake' >"$work/doc.jpg"
printf '\211PNG\r\n\032\n\0\0\0\rIHDRfake' >"$work/doc.png"

# The template: a token made once; each run gets a copy of it with a new
# signing certificate in the old name for the same key.
UNIT=$LUGU rb_token $L 200 ec >/dev/null || { not_ok "the bed: the template token"; finish; exit 1; }
bed_ctl "present=none"
mv "$work/tokens" "$work/template"
K=$work/keys-$L
CSR=$(awk '{printf "%s\\n", $0}' "$K/sign.csr")
registry() { ra POST /v1/sandbox/registry "{\"subject_type\":\"unit\",\"subject_id\":\"$LUGU\",\"name\":\"$1\"}"; }
# fresh: the token as before the change, and the change approved: OID, OLD.
fresh() {
	rm -rf "$work/tokens" && cp -a "$work/template" "$work/tokens"
	now=$(date +%s)
	[ "$(registry "$OLD_NAME")" = 200 ] || return 1
	st=$(ra POST /v1/sandbox/certificates "{\"subject_type\":\"unit\",\"subject_id\":\"$LUGU\",\"csr\":\"$CSR\",\"not_before\":$((now - 165 * 86400)),\"not_after\":$((now + 200 * 86400))}")
	[ "$st" = 201 ] || { echo "# sandbox certificate: $st" >&2; return 1; }
	jfield certificate >"$work/old.pem"
	OLD=$(jfield serial)
	openssl x509 -in "$work/old.pem" -outform DER -out "$work/old.der"
	l=$L
	rb_tool --delete-object --type cert --id 01 && rb_tool --write-object "$work/old.der" --type cert --id 01 --label sign || return 1
	[ "$(registry "$NEW_NAME")" = 200 ] || return 1
	st=$(ra POST /v1/orders "{\"kind\":\"change\",\"subject_type\":\"unit\",\"subject_id\":\"$LUGU\",\"certificate\":\"$(awk '{printf "%s\\n", $0}' "$work/old.pem")\",\"form\":{\"email\":\"office@lugu.example.cn\"}}")
	[ "$st" = 201 ] || { echo "# change order: $st $(cat "$work/out")" >&2; return 1; }
	OID=$(jfield order.id)
	ra POST "/v1/orders/$OID/upload-link" '{}' >/dev/null
	curl -s -o /dev/null --cacert "$CA/ca.crt" -F business_licence=@"$work/doc.pdf" \
		-F agent_id_front=@"$work/doc.jpg" -F agent_id_back=@"$work/doc.jpg" \
		-F seal_form=@"$work/doc.png" "$(jfield url)"
	[ "$(ra POST "/v1/orders/$OID/confirm" '{}')" = 200 ] || { echo "# confirm: $(cat "$work/out")" >&2; return 1; }
	ra POST "/v1/orders/$OID/payments" '{"channel":"alipay"}' >/dev/null
	curl -s -o /dev/null --cacert "$CA/ca.crt" "$(jfield payment.code_url)"
	st=$(CERT=staff-demo ra POST "/v1/orders/$OID/review" '{"decision":"approve"}')
	[ "$st" = 200 ] || { echo "# review: $st $(cat "$work/out")" >&2; return 1; }
	bed_ctl "present=*"
}
# change [ENV...]: the kiosk's visit on the token as it is; OUT is its line.
change() {
	OUT=$(env SOFTHSM2_CONF="$work/softhsm2.conf" CAKIOSK_TESTP11_CTL="$work/ctl" \
		CHANGE_CTL="$work/ctl" CHANGE_CTL_AGAIN="present=*" CHANGE_KEY=1 "$@" \
		"$RUN" "$work/cakiosk.conf" 123456 2>>"$work/run.err")
}
state() { SESS= ra GET "/v1/orders/$OID" >/dev/null; jfield order.state; }
status() { SESS= ra GET "/v1/certificates/$1" >/dev/null; jfield certificate.status; }

# verify: the token, the order and the old certificate, from outside the
# kiosk; why says what failed.
verify() {
	bed_ctl "present=*"
	pull_pair $L "change matrix" || return 1
	[ "$(grep -c ' 02$' "$work/ids")" -ge 2 ] || why="$why decryption-key"
	openssl x509 -in "$work/cert.pem" -noout -subject -nameopt utf8,sep_comma_plus |
		grep -q "O=$NEW_NAME" || why="$why subject"
	[ "$(state)" = installed ] || why="$why order-$(state)"
	rb_one_payment "$OID" || why="$why payments"
	[ "$(status "$OLD")" = revoked ] || why="$why old-not-revoked"
	[ -z "$why" ]
}

# ---- the clean run: how many calls -------------------------------------------
fresh || { not_ok "an approved change and its token"; finish; exit 1; }
ok "an approved change of $OLD_NAME to $NEW_NAME and its token"
check "... the old certificate valid until the change is installed" [ "$(status "$OLD")" = valid ]
t0=$(date +%s%N)
change CHANGE_CTL_START="present=*\nlog=$work/calls.log"
t1=$(date +%s%N)
case $OUT in outcome=DONE\ faults=0*) ok "a clean change: $OUT" ;; *) not_ok "a clean change: $OUT" ;; esac
check "after it: the PIN, the new name's certificate and key, its seal, the decryption key, the old one revoked" verify
pull_count "$work/calls.log" "one change" $(((t1 - t0) / 1000000))

# ---- the matrix ---------------------------------------------------------------
size=0 clean=0 same=0 next=0 bad=0 early=0 FAILS=
tally() { # KIND N
	size=$((size + 1))
	case $OUT in
	outcome=DONE*) ;;
	*)	# The customer gave up: the old certificate must still be good.
		[ "$(status "$OLD")" = valid ] || early=$((early + 1))
		first=$OUT
		change
		OUT="$first; then: $OUT" ;;
	esac
	if verify; then
		case $OUT in
		*then:*) next=$((next + 1)) ;;
		*faults=0*) clean=$((clean + 1)) ;;
		*) same=$((same + 1)) ;;
		esac
		echo "# $1 $2: $OUT"
	else
		bad=$((bad + 1)) FAILS="$FAILS $1@$2"
		echo "# $1 $2: FAILED:$why: $OUT"
	fi
}
pull_indexes "$work/calls.log" "$STRIDE" "${CHANGE_AT:-}"
pull_loop change CHANGE
echo "# matrix: $(wc -l <"$work/indexes") of $CALLS call indexes (every $STRIDE and the writes) x 2 (pulled, device error)" \
	"+ $gone gone at a write = $size runs:" \
	"$clean clean, $same finished in the same visit, $next at the next visit, $bad failed;" \
	"$early revoked the old certificate before the new one was installed"
check "every pulled or failing call ends with the new name's certificate, its seal, the decryption key, the order installed once, the old certificate revoked ($size runs;${FAILS:- none failed})" \
	test "$bad" -eq 0
check "... and no visit that gave up left the old certificate revoked" test "$early" -eq 0
check "the matrix ran its call indexes" test "$size" -eq $((2 * $(wc -l <"$work/indexes") + gone))
finish
