#!/bin/sh
# test_pinchange.sh - PIN change (修改证书密码) for a customer who knows the
# PIN: from the menu and from Check my UKey; the old PIN through the one PIN
# step (a wrong one costs a try and says so, the final try is not spent
# without asking), the new PIN twice (trivial ones refused with a reason,
# two that differ refused), C_SetPIN, and a login with the new PIN as the
# proof; on a PIN-pad reader, old and new PIN typed on the reader (NULL
# passed to the card).  Afterwards pkcs11-tool, not the kiosk, shows the new PIN logs in,
# the old one is refused, and the objects on the token are unchanged.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/renew_lib.sh"

rb_setup || { not_ok "test bed (backend and tokens)"; finish; exit 1; }
for t in pc1 pc2 pc3 pc4; do rb_token $t 200 || { not_ok "token $t"; finish; exit 1; }; done
ck_start 80x24 || { not_ok "kiosk starts"; finish; exit 1; }

# wrong_tries LABEL: the test module's count of wrong user PINs.
wrong_tries() { awk -v l="$1" '$1 == l {u = $2} END {print u + 0}' "$work/ctl.pins" 2>/dev/null; }
# objects LABEL PIN: what the token holds, as pkcs11-tool lists it (SoftHSM).
objects() {
	SOFTHSM2_CONF=$work/softhsm2.conf pkcs11-tool --module "$SOFTHSM" --token-label "$1" \
		--login --pin "$2" --list-objects 2>/dev/null | grep -v '^Using slot'
}
# card_login LABEL PIN: a user login by pkcs11-tool (SoftHSM itself: the
# reader the kiosk watches stays empty).
card_login() { objects "$1" "$2" | grep -q "Object"; }
to_pinchange() {
	ck_keys Space
	ck_wait "请选择业务" >/dev/null || return 1
	ck_keys "$PINCHANGE_ROW"
	ck_wait "请插入要修改密码的UKey" 5 >/dev/null
}
# old_pin PIN: insert LABEL was done; the PIN step up, PIN typed.
old_pin() { ck_wait "* 证书密码" 10 >/dev/null && ck_type "$1" && ck_keys Enter; }
# new_pins A B: the new PIN step up, A and B typed.
new_pins() {
	ck_wait "* 新密码" 10 >/dev/null || return 1
	ck_type "$1"
	ck_keys Enter
	ck_type "$2"
	ck_keys Enter
}
end_visit() { ck_keys Escape; bed_ctl "present=none"; ck_wait_gone "UKey：测试CA" 5; }

# ---- the happy path, from the menu ---------------------------------------------
objects pc1 123456 >"$work/before"
check "PIN change is a menu row" to_pinchange
check "... its step bar in the manual's words: the PIN is 证书密码, changed, not reset" \
	ck_wait "1.插入UKey并登录 > 2.修改证书密码" 1
bed_ctl "present=pc1,pc2"
check "two UKeys: only the one whose PIN is changed is asked to stay" \
	ck_wait "请只保留要修改密码的那一枚。" 10
bed_ctl "present=pc1"
check "the UKey is read, its PIN asked" ck_wait "* 证书密码" 10
old_pin 123456
check "logged in: the new PIN is asked twice" ck_wait "* 再次输入新密码" 10
check "... with the token's limits and what is refused" ck_wait "不能是123456"
check "... on the UKey of the vendor named" ck_wait "厂商：测试CA" 1
new_pins 135790 135790
check "done: the new PIN works, nothing else touched" \
	ck_wait "新密码已可使用；证书和电子印章均未改动" 15
check "... the kiosk proved it with a login by the new PIN" \
	grep -q "pinchange: login with the new PIN: OK" "$work/cakiosk.log"
bed_ctl "present=none"
check "taking the UKey ends the visit" ck_wait "欢迎" 10
check "pkcs11-tool: the new PIN logs in" card_login pc1 135790
check "pkcs11-tool: the old PIN is refused" sh -c "! SOFTHSM2_CONF=$work/softhsm2.conf \
	pkcs11-tool --module $SOFTHSM --token-label pc1 --login --pin 123456 --list-objects >/dev/null 2>&1"
objects pc1 135790 >"$work/after"
check "... and the certificates, keys and seal are the same objects" cmp -s "$work/before" "$work/after"
check "no PIN in the kiosk's log" sh -c "! grep -q '135790\|123456' $work/cakiosk.log"

# ---- trivial PINs and two that differ are refused --------------------------------
bed_ctl "present=none"
to_pinchange
bed_ctl "present=pc2"
old_pin 123456
new_pins 123456 123456
check "123456: refused with its reason" ck_wait "连续递增或递减" 5
new_pins 654321 654321
check "654321: refused too" ck_wait "连续递增或递减" 5
new_pins 000000 000000
check "000000: all the same, refused" ck_wait "所有字符都相同" 5
new_pins 111111 111111
check "111111: refused" ck_wait "所有字符都相同" 5
new_pins 121212 121212
check "121212: a pattern, refused" ck_wait "简单重复" 5
new_pins 135 135
check "too short for the token: its limits said" ck_wait "新密码须为" 5
new_pins 135790 135791
check "two PINs that differ: refused" ck_wait "两次输入的密码不一致" 5
check "... none of them reached the token" [ "$(grep -c 'user PIN changed' "$work/cakiosk.log")" = 1 ]
new_pins 246813 246813
check "then a good PIN is set" ck_wait "新密码已可使用" 15
check "the done page leads to Order query" ck_wait "[ 订单查询 ]" 1
ck_keys q
check "... q: Order query, from the ID number (a PIN change has no order)" \
	ck_wait "请选择证书类型" 5
ck_keys Escape
ck_wait "请选择业务" 5 >/dev/null
end_visit
check "pkcs11-tool: the good PIN is the PIN now" card_login pc2 246813
bed_ctl "present=none"

# ---- a wrong old PIN: a try spent and said, the last one guarded -----------------
to_pinchange
bed_ctl "present=pc3"
old_pin 111111
check "a wrong old PIN is said, the PIN asked again" ck_wait "密码错误" 10
check "... one try spent on the card" [ "$(wrong_tries pc3)" = 1 ]
old_pin 222222
check "two wrong: the final try is said in words" ck_wait "只剩最后一次机会" 10
old_pin 333333
check "at the final try the kiosk asks before sending" ck_wait "这是最后一次机会" 10
ck_keys Enter
check "... no keeps the try" ck_wait "这次机会保留着" 5
check "... the card was not locked" [ "$(wrong_tries pc3)" = 2 ]
old_pin 123456
ck_wait "这是最后一次机会" 5 >/dev/null && ck_keys Tab Enter
check "... the right PIN, confirmed, logs in: the new PIN is asked" ck_wait "* 再次输入新密码" 10
check "... and the card's counter is reset" [ "$(wrong_tries pc3)" = 0 ]
end_visit

# ---- a PIN-pad reader: old and new PIN typed on the reader -----------------------
# The test module plays the reader: a NULL PIN is what pinpad_pin says
# (123456), a NULL C_SetPIN takes pinpad_new, and after it the new PIN is
# what is typed.  The kiosk never knows 246810: if it works, NULL was passed.
bed_ctl "present=none"
objects pc4 123456 >"$work/before4"
to_pinchange
bed_ctl "present=pc4" "pinpad=1" "pinpad_pin=123456" "pinpad_new=246810" "latency.C_SetPIN=1500"
check "a PIN-pad reader: the old PIN is typed on the reader" ck_wait "在读卡器的键盘上输入密码" 10
check "... and no field is offered" ck_wait_gone "* 证书密码" 1
ck_keys Enter
check "... the reader's PIN logs in: the new PIN too is for the reader" \
	ck_wait "请在读卡器上输入两遍新密码" 10
check "... and no field for it" ck_wait_gone "* 新密码" 1
ck_keys Enter
check "... while the card changes it: type on the reader" ck_wait "请在读卡器上先输入原密码，再输入两遍新密码" 10
check "done: the new PIN works" ck_wait "新密码已可使用；证书和电子印章均未改动" 15
check "... proved by a login on the reader" \
	[ "$(grep -c "pinchange: login with the new PIN: OK" "$work/cakiosk.log")" = 3 ]
bed_ctl "present=none"
ck_wait "欢迎" 10 >/dev/null
check "pkcs11-tool: the PIN typed on the reader is the PIN now" card_login pc4 246810
check "... the old one is refused" sh -c "! SOFTHSM2_CONF=$work/softhsm2.conf \
	pkcs11-tool --module $SOFTHSM --token-label pc4 --login --pin 123456 --list-objects >/dev/null 2>&1"
objects pc4 246810 >"$work/after4"
check "... and the objects are the same" cmp -s "$work/before4" "$work/after4"
finish
