#!/bin/sh
# test_staff.sh - counter staff at a real kiosk against the real cakiosk-ra:
# the login checked by the backend (a wrong PIN said, the fifth locking the
# account with its minutes on the screen, the lock still there after the
# kiosk restarts), F12 from three customer screens reaching the backend and
# shown on the staff screen with another kiosk's call (closed there, and
# with `cakiosk-ra calls close`), no F12 on staff screens, today's orders
# at this kiosk with the total per payment channel, and the audit lines
# with the real staff number.  The backend's rules themselves are tried in
# tests/ra/test_staff.sh; this is what only a screen shows.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/renew_lib.sh"
. "$(dirname "$0")/query_lib.sh"

rb_setup || { not_ok "test bed (backend)"; finish; exit 1; }
PIN=86420975
keep_secret staff_pin "$PIN"
printf '%s\n' "$PIN" | "$RA" staff add 2001 --name 'Han Mei' --db "$work/ra.db" >/dev/null 2>&1 ||
	not_ok "staff add 2001"

# to_login: from the welcome screen to the staff login.
to_login() {
	ck_keys Space
	ck_wait "请选择业务" >/dev/null || return 1
	ck_keys "$STAFF_ROW"
	ck_wait "工号" >/dev/null
}
# login NUMBER PIN: type them and press Enter on the staff login.
login() {
	ck_type "$1"
	ck_keys Tab
	ck_type "$2"
	ck_keys Enter
}

ck_start 80x24 || { not_ok "kiosk starts"; finish; exit 1; }
to_login
check "the staff login states the lockout rule" ck_wait "连续输错5次密码，工号将被锁定15分钟"
check "... and offers no F12 on a staff screen" _hasnt "F12"
ck_keys F12
check "... where F12 calls no one" _hasnt "呼叫"
login 2001 11111111
check "a wrong PIN: the backend says so" ck_wait "工号或密码不正确" 10
for i in 2 3 4 5; do
	ck_type 11111111
	ck_keys Enter
	[ "$i" = 5 ] || ck_wait "工号或密码不正确" 10 >/dev/null
done
check "the fifth wrong PIN locks the account: its minutes are said" ck_wait "该工号已被锁定，15 分钟后可再试" 10
ck_type "$PIN"
ck_keys Enter
check "... the right PIN is refused while locked" ck_wait "分钟后可再试" 10

kill -TERM "$kiosk_pid"
ck_wait "EXIT=0" >/dev/null
ck_start 80x24 || { not_ok "kiosk starts again"; finish; exit 1; }
to_login
login 2001 "$PIN"
check "after a restart of the kiosk the account is still locked" ck_wait "分钟后可再试" 10
"$RA" staff reset 2001 --db "$work/ra.db" >/dev/null 2>&1
ck_keys Escape Escape
ck_wait "请按任意键" 5 >/dev/null

# ---- F12 from three screens ----------------------------------------------------------
ck_keys Space
ck_wait "请选择业务" >/dev/null
ck_keys F12
check "F12 on the menu: staff have been called, once the backend has it" ck_wait "已呼叫工作人员" 10
ck_keys Enter
ck_keys F12
check "F12 again: called already, no second call" ck_wait "已呼叫过工作人员" 10
ck_keys Enter
check "... one open call for this kiosk at the backend" \
	test "$("$RA" calls --db "$work/ra.db" | grep -c ' DEMO-T01 menu ')" = 1
# Another kiosk's call (the staff certificate's terminal), seen here too.
q_req POST /v1/calls '{"screen":"pay"}' >/dev/null

ck_keys "$STAFF_ROW"
ck_wait "工号" >/dev/null
login 2001 "$PIN"
check "after staff reset the right PIN logs in" ck_wait "测试与后台的连接" 10
check "the staff screen has no F12 either" _hasnt "F12"
check "... it offers the open calls" ck_wait "待处理的呼叫（所有自助终端）"
ck_keys 3
check "the open calls: this kiosk's from the menu" ck_wait "DEMO-T01  menu" 10
check "... and another kiosk's" ck_wait "staff-demo  pay"
ck_keys Enter
check "Enter closes the chosen call" ck_wait_gone "DEMO-T01  menu" 10
# The list comes back before the next key: a key while the kiosk is asking
# the backend is not taken.
check "... and the list comes back with the other one" ck_wait "staff-demo  pay" 10
ck_keys Enter
check "... the last one too: no kiosk is calling" ck_wait "现在没有终端呼叫工作人员" 10
check "... closed at the backend by the real staff number" \
	sh -c "'$RA' audit --db '$work/ra.db' | grep -q 'staff=2001 terminal=DEMO-T01 call_closed call [0-9]* from DEMO-T01 at menu'"

# ---- today's orders ----------------------------------------------------------------------
# Orders made at this kiosk's terminal (its certificate), one paid.
q_req() {
	set -- -s -o "$work/out" -w '%{http_code}' --cacert "$CA/ca.crt" \
		--cert "$CA/terminal-demo.crt" --key "$CA/terminal-demo.key" -X "$1" "$RAURL$2" \
		${SESSION:+-H "Authorization: Bearer $SESSION"} \
		${3:+-H 'Content-Type: application/json' -H "Idempotency-Key: q$$-$(date +%s%N)" --data-binary "$3"}
	curl "$@"
}
q_session unit "$UNIT" 13912345678
q_apply; paid=$OID
q_confirm "$paid" && q_pay "$paid"
q_apply
SESSION=
ck_keys Escape
ck_wait "今日订单" 5 >/dev/null
ck_keys 4
check "today's orders: the count and what was paid in all" ck_wait "今日订单 2 笔；共收款 400.00 元" 10
check "... the total per payment channel" ck_wait "alipay：1 笔，400.00 元"
check "... each order with its service, amount and state" ck_wait "证书申请  400.00 CNY"
check "... the paid one with its channel" sh -c "tmux -L $sock capture-pane -p | grep '400.00 CNY' | grep -q alipay"
ck_keys Escape
ck_wait "测试与后台的连接" >/dev/null

# ---- F12 from two more screens, closed from the kiosk and the command line ---------
ck_keys Escape
ck_wait "请选择业务" >/dev/null
ck_keys "$GUIDE_ROW"
ck_wait "服务指南" 5 >/dev/null
ck_keys F12
check "F12 on the guide" ck_wait "已呼叫工作人员" 10
ck_keys Enter
check "cakiosk-ra calls shows it with its screen" \
	sh -c "'$RA' calls --db '$work/ra.db' | grep -q ' DEMO-T01 guide '"
id=$("$RA" calls --db "$work/ra.db" | awk '/ DEMO-T01 guide / {print $1}')
"$RA" calls close "$id" --db "$work/ra.db" >/dev/null 2>&1
check "... and closes it" test -z "$("$RA" calls --db "$work/ra.db")"
ck_keys Escape Escape
ck_wait "请按任意键" 5 >/dev/null
q_to_identify
ck_keys F12
check "F12 on Order query's first step" ck_wait "已呼叫工作人员" 10
ck_keys Enter
ck_keys Escape
ck_wait "请选择业务" 5 >/dev/null
ck_keys "$STAFF_ROW"
ck_wait "工号" >/dev/null
login 2001 "$PIN"
ck_wait "测试与后台的连接" 10 >/dev/null
ck_keys 3
check "the staff screen shows the call from that step" ck_wait "DEMO-T01  step-identify" 10
ck_keys Enter
check "... closed there" ck_wait "现在没有终端呼叫工作人员" 10
ck_keys Escape
ck_keys 1
ck_wait "工作人员协助模式" 5 >/dev/null
ck_keys 7
check "log out" ck_wait_gone "测试与后台的连接" 10

"$RA" audit --db "$work/ra.db" >"$work/audit"
check "audit: the wrong PINs, with the staff number and the terminal" \
	grep -q "staff=2001 terminal=DEMO-T01 login_failed wrong PIN (5 in a row)" "$work/audit"
check "audit: the login" grep -q "staff=2001 terminal=DEMO-T01 login$" "$work/audit"
check "audit: today's orders viewed" grep -q "staff=2001 terminal=DEMO-T01 orders_viewed" "$work/audit"
check "audit: assist mode turned on, reported by the kiosk" grep -q "staff=2001 terminal=DEMO-T01 assist_on" "$work/audit"
check "audit: the logout" grep -q "staff=2001 terminal=DEMO-T01 logout" "$work/audit"
check "no staff PIN in the kiosk's log" sh -c "! grep -q $PIN '$work/cakiosk.log'"
finish
