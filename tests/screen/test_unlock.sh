#!/bin/sh
# test_unlock.sh - Unlock (证书解锁) at the kiosk against the real
# cakiosk-ra (sandbox) and SoftHSM tokens escrowed by staff: each of the six
# verification methods (unit: legal representative's mobile, corporate
# account transfer, legal representative's bank card; person: mobile, bank
# card, bank account transfer), from locked tokens and from ones with
# tries left; afterwards pkcs11-tool, not the kiosk, shows the new user PIN
# logs in, the escrowed SO PIN (read by the staff command) logs in as SO,
# the old SO PIN is refused and the objects are unchanged.  Then: the
# authorization of a finished unlock is refused a second time, and a wrong
# transfer memo five times ends in the code-exhausted sentence.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/renew_lib.sh"
. "$(dirname "$0")/unlock_lib.sh"

rb_setup || { not_ok "test bed (backend and tokens)"; finish; exit 1; }
# Made before the kiosk starts: SoftHSM finds its tokens when it is loaded.
for t in ul1:person:3 ul2:person:1 ul3:person:3 uu1:unit:1 uu2:unit:3 uu3:unit:1 um:unit:3; do
	IFS=: read -r l who spent <<T
$t
T
	u_token "$l" "$who" "$spent" || { not_ok "token $l"; finish; exit 1; }
done
ck_start 80x24 || { not_ok "kiosk starts"; finish; exit 1; }

TRIES_LEFT="此前输错过密码，剩余次数不多了"
# run LABEL unit|person TRIES_SPENT METHOD_KEY WHAT: one unlock, verified by
# the method on key METHOD_KEY (WHAT: mobile / card / transfer).
run() {
	l=$1 who=$2 key=$4 what=$5
	check "$who/$what: the kiosk takes it to identity verification" u_to_verify "$l" "$who"
	if [ "$3" = 3 ]; then
		check "$who/$what: the PIN state said: locked" grep -q "已被锁定" "$work/state-step.txt"
	else
		check "$who/$what: the PIN state said: tries left" grep -q "$TRIES_LEFT" "$work/state-step.txt"
	fi
	[ "$who" = unit ] && check "$who/$what: the unit's three methods in the manual's words" \
		ck_wait "法定代表人银行卡信息认证" 1
	ck_keys "$key"
	case $what in
	mobile)
		m=$U_PERSON_MOBILE; [ "$who" = unit ] && m=+86$U_UNIT_REP
		ck_wait "* " 5 >/dev/null
		ck_type "$m"
		ck_keys Enter ;;
	card)
		ck_wait "* " 5 >/dev/null
		ck_type "$U_CARD"
		ck_keys Enter ;;
	transfer)
		ck_wait "发起0.01元打款" 5 >/dev/null
		ck_keys Enter
		ck_wait "请输入打款附言中的6位验证码" 10 >/dev/null
		acct=1901000000000000011; [ "$who" = person ] && acct=$(u_person_account)
		ck_type "$(u_memo "$acct")"
		ck_keys Enter ;;
	esac
	check "$who/$what: verified, the authorization is asked" u_finish 135790
	[ "$l" = uu3 ] && follow_orders
	bed_ctl "present=none"
	ck_wait "欢迎" 10 >/dev/null
	check "$who/$what: pkcs11-tool: new PIN, escrowed SO PIN, objects unchanged" \
		u_checked "$l" 135790
}
# The done page leads to Order query: this unlock's order, done.
follow_orders() {
	check "the done page leads to Order query" ck_wait "[ 订单查询 ]" 1
	ck_keys q
	o=$(sed -n 's/.*unlock: order \([0-9A-Za-z]*\) confirmed.*/\1/p' "$work/cakiosk.log" | tail -1)
	check "... q: this unlock's order ($o), without another SMS code" ck_wait "订单号            $o" 10
	check "... done, in words" ck_wait "办理完成" 5
	ck_keys Escape
	ck_wait "订单（最新的在前" 10 >/dev/null
	ck_keys Escape
	ck_wait "请选择业务" 5 >/dev/null
	ck_keys Escape
}
u_person_account() {
	rb_api GET "/v1/sandbox/bank" >/dev/null && jfield transfers.0.account
}

# ---- the first: a locked token, said before anything ------------------------
ck_keys Space
ck_wait "请选择业务" >/dev/null
ck_keys "$UNLOCK_ROW"
check "Unlock is a menu row" ck_wait "请插入要解锁的UKey" 5
bed_ctl "present=ul1,ul2"
check "two UKeys: only the one to unlock is asked to stay" ck_wait "请只保留要解锁的那一枚。" 10
bed_ctl "present=ul1"
check "the PIN state is read and said: locked" ck_wait "因密码输错次数过多已被锁定" 10
check "... and that it can be unlocked here" ck_wait "可以在这里解锁"
ck_keys Escape
bed_ctl "present=none"
ck_keys Escape
ck_wait "欢迎" 5 >/dev/null

run ul1 person 3 1 mobile
run ul2 person 1 2 card
run ul3 person 3 3 transfer
run uu1 unit 1 1 mobile
# A unit's SMS code goes to its agent, as in Apply; the unit is verified
# by its legal representative's mobile (typed above), not by the code.
check "unit: the SMS step says the code goes to the unit's agent" grep -q "单位经办人" "$work/sms-step.txt"
no_sms_to() {
	[ "$(rb_api GET "/v1/sandbox/sms?mobile=$1")" = 200 ] && ! jfield messages.0.text >/dev/null 2>&1
}
check "... and no code went to the legal representative's mobile" no_sms_to "$U_UNIT_REP"
run uu2 unit 3 3 card
run uu3 unit 1 2 transfer

# ---- the authorization is used once ------------------------------------------
order=$(sed -n 's/.*unlock: order \([0-9A-Za-z]*\) confirmed.*/\1/p' "$work/cakiosk.log" | tail -1)
st=$(rb_api POST "/v1/orders/$order/unlock-authorization" "{}")
check "the authorization of a finished unlock is refused a second time ($st)" \
	[ "$st" = 409 ]
check "... and no SO PIN in that answer" sh -c "! grep -q so_pin $work/out"
check "no PIN in the kiosk's log" sh -c "! grep -q '135790\|12345678' $work/cakiosk.log"

# ---- a wrong memo five times ---------------------------------------------------
u_to_verify um unit
ck_keys 2
ck_wait "发起0.01元打款" 5 >/dev/null
ck_keys Enter
ck_wait "请输入打款附言中的6位验证码" 10 >/dev/null
right=$(u_memo 1901000000000000011)
wrong=$(echo "$right" | awk '{ printf "%06d\n", ($1 + 1) % 1000000 }')
for i in 1 2 3 4; do
	ck_type "$wrong"
	ck_keys Enter
	ck_wait "还可以再试$((5 - i))次" 10 >/dev/null || not_ok "wrong memo $i: tries left said"
done
check "four wrong memos: one try left said" ck_wait "还可以再试1次" 1
ck_type "$wrong"
ck_keys Enter
check "the fifth: code exhausted, in a plain sentence" ck_wait "验证码输错次数过多" 10
check "... and another way is offered" ck_wait "请选择一种方式" 1
ck_keys Escape
bed_ctl "present=none"
finish
