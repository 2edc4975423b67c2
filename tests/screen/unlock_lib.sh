# unlock_lib.sh - Unlock's screen tests, sourced after lib.sh and
# renew_lib.sh: tokens escrowed by staff for a demo customer, and the
# kiosk driven through Unlock as a person would.
#
#   u_token LABEL unit|person [TRIES_SPENT]  a token escrowed for the demo
#                      unit or person, its PIN locked (3) or with tries left
#   u_to_verify LABEL unit|person   menu -> insert -> state -> identify ->
#                      SMS -> order: the verify step's choice is up
#   u_newpin PIN      authorization confirmed, PIN twice (the job runs)
#   u_finish PIN      u_newpin, then done
#   u_checked LABEL PIN   pkcs11-tool: user PIN, escrowed SO PIN, old SO
#                      PIN refused, objects unchanged
#   u_memo ACCOUNT    the newest transfer memo's code to ACCOUNT

U_UNIT=$UNIT
U_UNIT_AGENT=13912345678 U_UNIT_REP=13800138000 U_UNIT_ACCOUNT=1901000000000000011
U_PERSON=430102198503150022
U_PERSON_MOBILE=13800138001
U_CARD=4111111111111111 # Luhn-valid; the sandbox bank matches it

# staff: the staff certificate's call; body in $work/out.
staff_api() {
	curl -s -o "$work/out" -w '%{http_code}' --cacert "$CA/ca.crt" \
		--cert "$CA/staff-demo.crt" --key "$CA/staff-demo.key" -X "$1" "$RAURL$2" \
		-H 'Content-Type: application/json' -H "Idempotency-Key: s$$-$(date +%s%N)" \
		--data-binary "$3"
}
# u_serial LABEL: the token's serial, from the slot list (-L lists all).
u_serial() {
	SOFTHSM2_CONF=$work/softhsm2.conf pkcs11-tool --module "$SOFTHSM" -L 2>/dev/null |
		awk -v l="$1" '/token label/ {sub(/^[^:]*: */, ""); on = $0 == l}
			on && /serial num/ {sub(/^[^:]*: */, ""); print; exit}'
}
u_objects() {
	SOFTHSM2_CONF=$work/softhsm2.conf pkcs11-tool --module "$SOFTHSM" --token-label "$1" \
		--login --pin "$2" --list-objects 2>/dev/null | grep -v '^Using slot'
}
# set_wrong_tries LABEL N: as if N wrong PINs had been typed on the card.
set_wrong_tries() {
	{ [ -f "$work/ctl.pins" ] && awk -v l="$1" '$1 != l' "$work/ctl.pins"; echo "$1 $2 0"; } >"$work/pins.new"
	mv "$work/pins.new" "$work/ctl.pins"
}
u_token() {
	rb_token "$1" 200 || return 1
	id=$U_PERSON; [ "$2" = unit ] && id=$U_UNIT
	st=$(staff_api POST /v1/tokens "{\"serial\":\"$(u_serial "$1")\",\"so_pin\":\"12345678\",\"subject_type\":\"$2\",\"subject_id\":\"$id\"}")
	[ "$st" = 201 ] || { echo "# escrow $1: $st $(cat "$work/out")" >&2; return 1; }
	u_objects "$1" 123456 >"$work/objects-$1"
	set_wrong_tries "$1" "${3:-3}"
}
u_code() {
	rb_api GET "/v1/sandbox/sms?mobile=$1" >/dev/null &&
		jfield messages.0.text | sed -n 's/.*验证码为\([0-9]\{6\}\).*/\1/p'
}
u_memo() {
	rb_api GET "/v1/sandbox/bank?account=$1" >/dev/null &&
		jfield transfers.0.memo | sed -n 's/.*\([0-9]\{6\}\)$/\1/p'
}
u_to_verify() {
	kind=2 id=$U_PERSON mob=$U_PERSON_MOBILE
	[ "$2" = unit ] && kind=1 id=$U_UNIT mob=$U_UNIT_AGENT
	# A new code for the same customer waits 60 s: the backend's clock
	# moves on instead of the test.
	rb_api POST /v1/sandbox/clock '{"advance":61}' >/dev/null
	ck_keys Space
	ck_wait "请选择业务" >/dev/null || return 1
	ck_keys "$UNLOCK_ROW"
	ck_wait "请插入要解锁的UKey" 5 >/dev/null || return 1
	bed_ctl "present=$1"
	u_from_state "$kind" "$id" "$mob"
}
# u_from_state KIND ID MOBILE: from the PIN state screen to the methods
# (the PIN state and the SMS step as shown kept in $work/state-step.txt
# and $work/sms-step.txt).
u_from_state() {
	ck_wait "UKey序列号：" 10 >/dev/null || return 1
	ck_capture >"$work/state-step.txt"
	ck_keys Enter
	ck_identify "$1" "$2" || return 1
	ck_wait "发送验证码" 5 >/dev/null || return 1
	ck_capture >"$work/sms-step.txt"
	ck_keys Enter
	ck_wait "验证码已发送到" 10 >/dev/null || return 1
	ck_type "$(u_code "$3")"
	ck_keys Enter
	ck_wait "将以此名义申请解锁" 10 >/dev/null || return 1
	ck_keys Enter
	ck_wait "请选择一种方式" 10 >/dev/null
}
u_newpin() {
	ck_wait "确认后即获取" 10 >/dev/null || return 1
	ck_keys Enter
	ck_wait "* 新密码" 10 >/dev/null || return 1
	ck_type "$1"
	ck_keys Enter
	ck_type "$1"
	ck_keys Enter
}
u_finish() { u_newpin "$1" && ck_wait "新密码已可使用；证书和电子印章均未改动" 30; }
u_so_now() {
	u_so=$("$RA" escrow "$1" --db "$work/ra.db" --ca-dir "$CA" | sed -n 's/^so_pin //p')
	keep_secret so_pin "$u_so"
	echo "$u_so"
}
# so_login LABEL PIN: an SO login (it sets the SO PIN to itself: an SO
# login needs a read-write session).
u_so_login() {
	SOFTHSM2_CONF=$work/softhsm2.conf pkcs11-tool --module "$SOFTHSM" --token-label "$1" \
		--login --login-type so --so-pin "$2" --change-pin --new-pin "$2" >/dev/null 2>&1
}
u_checked() {
	so=$(u_so_now "$(u_serial "$1")")
	u_objects "$1" "$2" >"$work/after-$1" && grep -q Object "$work/after-$1" ||
		{ echo "# $1: no objects listed with the new PIN" >&2; return 1; }
	cmp -s "$work/objects-$1" "$work/after-$1" ||
		{ echo "# $1: the objects changed:" >&2; diff "$work/objects-$1" "$work/after-$1" >&2; return 1; }
	[ -n "$so" ] && [ "$so" != 12345678 ] ||
		{ echo "# $1: no new SO PIN escrowed for $(u_serial "$1")" >&2; return 1; }
	u_so_login "$1" "$so" || { echo "# $1: the escrowed SO PIN does not log in" >&2; return 1; }
	! u_so_login "$1" 12345678 || { echo "# $1: the old SO PIN still logs in" >&2; return 1; }
}
