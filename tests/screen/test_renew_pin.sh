#!/bin/sh
# test_renew_pin.sh - the renewal's first step when the answer is not "yes":
# certificates too early or too late to renew (said before the PIN; the
# PIN step's own cases are in test_pin.sh), a wrong PIN then the right
# one, a PIN locked by wrong tries, two UKeys at once, a UKey pulled before
# the PIN, and a customer who walks away in the middle of the order form
# (the form's data is wiped from the screen and from the process).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/renew_lib.sh"

rb_setup || { not_ok "renewal test bed (backend and tokens)"; finish; exit 1; }
rb_token r200 200
rb_token e400 -400
rb_token pw 30
rb_token lk 30
rb_token idle 30
ck_start 80x24 || { not_ok "kiosk starts"; finish; exit 1; }

# ---- not eligible ---------------------------------------------------------
rb_to_renew
bed_ctl "present=r200"
check "200 days left: too early, and why" ck_wait "证书有效期小于90天时才可办理更新" 10
check "... with no way on to the order form" ck_wait_gone "下一步" 1
ck_keys Enter
check "Enter takes the one way on: back to the menu, no order" ck_wait "请选择业务" 5
bed_ctl "present=none"
rb_to_renew
bed_ctl "present=e400"
check "expired 400 days: too late, and why" ck_wait "已过期超过1年（365天）" 10
check "... and what to do instead: apply anew at this kiosk" ck_wait "可以在本机申请新证书"
ck_keys Escape
ck_wait "请选择业务" 5 >/dev/null
bed_ctl "present=none"

# ---- two UKeys, then one pulled before the PIN -----------------------------
rb_to_renew
bed_ctl "present=pw,r200"
check "two UKeys: the kiosk asks to leave only one" ck_wait "插入了不止一枚UKey" 10
bed_ctl "present=pw"
check "one left: its PIN is asked" ck_wait "* 证书密码" 10
ck_type 4711
bed_ctl "present=none"
check "pulled before the PIN: back to inserting" ck_wait "请插入要更新的UKey" 10
bed_ctl "present=pw"
ck_wait "* 证书密码" 10 >/dev/null
check "put back: the PIN field starts empty" sh -c "! tmux -L $sock capture-pane -p | grep -q '\*\*\*\*'"

# ---- a wrong PIN, then the right one ----------------------------------------
ck_type 000000
ck_keys Enter
check "a wrong PIN is said so, and the UKey is not locked" ck_wait "密码错误，请重试" 10
check "the customer can go on typing" ck_wait "* 证书密码"
ck_type 123456
ck_keys Enter
check "the right PIN then: eligible" ck_wait "此证书可以更新" 10
rb_card pw --login --pin 123456 --list-objects
check "the card's PIN works for other software (pkcs11-tool)" grep -q "Certificate Object" "$work/tool.out"
ck_keys Escape
ck_wait "请选择业务" 5 >/dev/null
bed_ctl "present=none"

# ---- wrong PINs until the UKey locks ------------------------------------------
rb_to_renew
bed_ctl "present=lk"
ck_wait "* 证书密码" 10 >/dev/null
ck_type 000000
ck_keys Enter
ck_wait "密码错误，请重试" 10 >/dev/null
ck_type 000000
ck_keys Enter
check "one try left: the kiosk warns before the last one" ck_wait "只剩最后一次机会" 10
# said once: the PIN state line does not repeat it (test_pin.sh checks it too)
lock_once() { [ "$(tmux -L "$sock" capture-pane -p | tr -d ' \n' | grep -o 锁 | wc -l)" = 1 ]; }
check "... said once, not again in the PIN state line" lock_once
ck_type 000000
ck_keys Enter
check "the last try is asked for first" ck_wait "这是最后一次机会" 5
ck_keys Tab Enter
check "the third wrong PIN locks the UKey, and the kiosk says so" ck_wait "已被锁定" 10
check "... and offers Unlock here, the UKey kept" ck_wait "可以现在就在本机解锁"
rb_card lk --login --pin 123456 --list-objects
check "the card is really locked (pkcs11-tool cannot log in)" grep -q "CKR_PIN_LOCKED" "$work/tool.out"
ck_keys Escape
ck_wait "请选择业务" 5 >/dev/null
bed_ctl "present=none"
rb_to_renew
bed_ctl "present=lk"
check "a locked UKey put in again is known locked before any PIN" ck_wait "已被锁定" 10
check "... and no PIN field is offered" ck_wait_gone "* 证书密码" 1
ck_keys Escape
ck_wait "请选择业务" 5 >/dev/null
bed_ctl "present=none"
check "no PIN reached the log" sh -c "! grep -q -e 123456 -e 000000 '$work/cakiosk.log'"

# ---- walking away in the middle of the order form ------------------------------
tmux -L "$sock" kill-server
sed -i 's/^idle_timeout = .*/idle_timeout = 6/; s/^idle_countdown = .*/idle_countdown = 3/' \
	"$work/cakiosk.conf"
ck_start 80x24 || { not_ok "kiosk starts again"; finish; exit 1; }
secret=walkaway$$@example.cn
mobile=13907310000
rb_to_renew
rb_login idle
ck_wait "此证书可以更新" 10 >/dev/null
ck_keys Enter
ck_wait "* 电子发票邮箱" 5 >/dev/null
ck_type "$secret"
ck_keys Enter
ck_type "$mobile"
check "the form holds what was typed" ck_wait "$secret"
if [ "$(id -u)" = 0 ]; then
	check "... and so does the kiosk's memory" "$tools/memgrep" "$kiosk_pid" "$secret"
else
	ok "# SKIP memory check needs root"
fi
check "left alone: the countdown" ck_wait "您还在吗" 15
check "no answer: the session ends" ck_wait "请按任意键或触摸屏幕开始" 10
if [ "$(id -u)" = 0 ]; then
	check "the e-mail is wiped from the kiosk's memory" mem_gone "$secret"
	check "the mobile number too" mem_gone "$mobile"
else
	ok "# SKIP memory check needs root"
	ok "# SKIP memory check needs root"
fi
ck_keys Space
ck_wait "请选择业务" >/dev/null
ck_keys "$RENEW_ROW"
check "the next customer is asked for the PIN again" ck_wait "* 证书密码" 10
ck_type 123456
ck_keys Enter
ck_wait "此证书可以更新" 10 >/dev/null
ck_keys Enter
ck_wait "* 电子发票邮箱" 5 >/dev/null
check "... and finds an empty form" sh -c "! tmux -L $sock capture-pane -p | grep -q -e '$secret' -e $mobile"
check "no order was made for the walk-away" sh -c "! grep -q 'POST /v1/orders' '$work/cakiosk.log'"

finish
