# unlock_lib.sh - the bed of the unlock tests without a screen
# (tests/token/test_unlock_pull.sh, tests/bench/unlock-bench.sh), sourced
# after tests/screen/lib.sh (it sources renew_lib.sh, sets the clean-up
# trap and skips without the tools it needs): cakiosk-ra (sandbox, mTLS),
# one SoftHSM token behind the PKCS#11 test module with a signing and an
# encryption pair, certificates and a seal, its SO PIN escrowed by staff
# for the demo's first person, and that person's SMS session.
#
#   ul_setup           all of the above; SERIAL, SESS
#   sms_session TYPE ID MOBILE   a customer's SMS session: SESS
#   ra METHOD PATH [JSON]   the terminal's call (with $SESS), status printed,
#                      body in $work/out (jfield reads it)
#   order              a new unlock order, verified and confirmed: ORDER
#                      (UL_TYPE, UL_ID, UL_VERIFY: whose, verified how)
#   escrow / so_now    the staff command's view of the escrow / the SO PIN
#   unlock PIN [ENV...]  the kiosk's job (tests/token/unlockrun.c) on a new
#                      order; OUT is its line
#   auths              how often $ORDER was authorized (its events)
#   card ARGS          pkcs11-tool on the token through the test module
#   so_login PIN       an SO login proven by pkcs11-tool
#   objects PIN        fingerprints of what an unlock must never change
#   verify PIN OLD_SO  the state after an unlock, from outside the kiosk
#                      (needs BASE=$(objects PIN) taken before; why says
#                      what failed)

. "$top/tests/screen/renew_lib.sh"
trap 'set +e; cleanup' EXIT INT TERM
for t in pkcs11-tool softhsm2-util openssl curl; do
	command -v $t >/dev/null || { echo "1..0 # SKIP needs $t"; exit 0; }
done
RUN=$top/$B/tests/unlockrun
P1=$("$RA" demo-data | awk '/^person/ {print $2; exit}')
P1_MOBILE=13800138001
L=unl

ul_setup() {
	make -s -C "$top" B="$B" all "$B/tests/unlockrun" "$B/tests/p11/cakiosk-testp11.so" >/dev/null
	rb_setup || return 1
	sed -i 's/^log_level = debug/log_level = info/' "$work/cakiosk.conf"
	rb_token $L 200 ec || return 1
	bed_ctl "present=*"
	rb_card $L -L
	SERIAL=$(sed -n 's/^ *serial num *: *//p' "$work/tool.out" | head -1)
	CERT=staff-demo ra POST /v1/tokens "{\"serial\":\"$SERIAL\",\"so_pin\":\"12345678\",\"subject_type\":\"person\",\"subject_id\":\"$P1\"}" >/dev/null
	sms_session person "$P1" $P1_MOBILE
	[ -n "$SERIAL" ] && [ -n "$SESS" ]
}
# sms_session TYPE ID MOBILE: the customer's SMS session (the code read
# from the sandbox's outbox for MOBILE): SESS.
sms_session() {
	SESS=
	ra POST /v1/sms "{\"subject_type\":\"$1\",\"subject_id\":\"$2\"}" >/dev/null
	ra GET "/v1/sandbox/sms?mobile=$3" >/dev/null
	code=$(jfield messages.0.text | sed -n 's/.*验证码为\([0-9]\{6\}\).*/\1/p')
	ra POST /v1/sessions "{\"subject_type\":\"$1\",\"subject_id\":\"$2\",\"code\":\"$code\"}" >/dev/null
	SESS=$(jfield session)
	keep_secret sms_code "$code"
	keep_secret session "$SESS"
}

# ra METHOD PATH [JSON]: the terminal's call with the customer's session
# ($SESS), body in $work/out, status printed.
ra() {
	set -- -s -o "$work/out" -w '%{http_code}' --cacert "$CA/ca.crt" \
		--cert "$CA/${CERT:-terminal-demo}.crt" --key "$CA/${CERT:-terminal-demo}.key" \
		-X "$1" "$RAURL$2" ${SESS:+-H "Authorization: Bearer $SESS"} \
		${3:+-H 'Content-Type: application/json' -H "Idempotency-Key: u$$-$(date +%s%N)" --data-binary "$3"}
	curl "$@"
}
# order: a new unlock order, verified and confirmed: ORDER.  For the
# subject UL_TYPE UL_ID (default: the person P1), verified by the command
# UL_VERIFY (default: the person's mobile), which gets the order's id.
order() {
	ra POST /v1/orders "{\"kind\":\"unlock\",\"subject_type\":\"${UL_TYPE:-person}\",\"subject_id\":\"${UL_ID:-$P1}\",\"token_serial\":\"$SERIAL\"}" >/dev/null
	ORDER=$(jfield order.id)
	${UL_VERIFY:-verify_mobile} "$ORDER"
	st=$(ra POST "/v1/orders/$ORDER/confirm" "{}")
	[ "$st" = 200 ] || echo "# order $ORDER: confirm $st $(cat "$work/out")" >&2
}
verify_mobile() {
	ra POST "/v1/orders/$1/verify" "{\"party\":\"person\",\"method\":\"mobile\",\"mobile\":\"$P1_MOBILE\"}" >/dev/null
}
escrow() { "$RA" escrow "$SERIAL" --db "$work/ra.db" --ca-dir "$CA"; }
so_now() {
	so_pin_now=$(escrow | sed -n 's/^so_pin //p')
	keep_secret so_pin "$so_pin_now"
	echo "$so_pin_now"
}
# unlock PIN [ENV...]: the kiosk's job on a new order; OUT is its line.
unlock() {
	pin=$1; shift
	keep_secret pin "$pin"
	order
	OUT=$(env SOFTHSM2_CONF="$work/softhsm2.conf" CAKIOSK_TESTP11_CTL="$work/ctl" \
		UNLOCK_CTL="$work/ctl" "$@" "$RUN" "$work/cakiosk.conf" "$ORDER" "$SESS" "$pin" 2>>"$work/run.err")
}
auths() {
	ra GET "/v1/orders/$ORDER" >/dev/null
	n=0 e=0
	while ev=$(jfield "order.events.$e.to_state" 2>/dev/null); do
		[ "$ev" = authorized ] && n=$((n + 1))
		e=$((e + 1))
	done
	echo "$n"
}
card() { SOFTHSM2_CONF=$work/softhsm2.conf CAKIOSK_TESTP11_CTL=$work/ctl \
	pkcs11-tool --module "$P11" --token-label $L "$@" >/dev/null 2>&1; }
# so_login PIN: an SO login proven by pkcs11-tool (it sets the SO PIN to
# itself: an SO login needs a read-write session, which --list-objects
# does not open).
so_login() { card --login --login-type so --so-pin "$1" --change-pin --new-pin "$1"; }
# objects: what must never change, one line per item.
objects() {
	for o in 'cert --label sign' 'cert --label enc' 'data --label seal'; do
		SOFTHSM2_CONF=$work/softhsm2.conf CAKIOSK_TESTP11_CTL=$work/ctl pkcs11-tool \
			--module "$P11" --token-label $L --login --pin "$1" --read-object --type $o 2>/dev/null |
			sha256sum | cut -c1-16
	done
	find "$work/tokens" -name '*.object' ! -name token.object -exec sha256sum {} + | sort -k2 | cut -c1-16
}
# verify PIN OLD_SO: the state after an unlock, from outside the kiosk.
verify() {
	bed_ctl "present=*"
	why=
	card --login --pin "$1" --list-objects || why="$why new-PIN-login"
	so=$(so_now)
	so_login "$so" || why="$why escrowed-SO-login"
	escrow | grep -q '^candidate' && why="$why candidate-left"
	if [ -n "$2" ] && [ "$2" != "$so" ]; then
		so_login "$2" && why="$why old-SO-works"
		so_login "$so" # the SO's tries back
	fi
	[ "$(objects "$1")" = "$BASE" ] || why="$why objects-changed"
	[ -z "$why" ]
}
