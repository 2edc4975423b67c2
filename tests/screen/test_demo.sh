#!/bin/sh
# test_demo.sh - the demo of `make run` (kiosk/demo.sh) lets one person
# lock the demo UKey with wrong PINs and unlock it, as README says: the
# demo started under tmux in a private directory and on a free port
# (DEMO_DIR, DEMO_PORT=0), three wrong PINs at Change the PIN, Unlock taken
# from the locked PIN step with the UKey left in, the unit's credit code,
# the SMS code and the transfer memo read with kiosk/demo-phone.sh, a new
# PIN; then pkcs11-tool through the demo's module logs in with it.  Then
# the demo's other UKey, of a unit renamed on the registration platform,
# at Change of details: the new name to change to; and the blank UKey the
# README's control line puts in, for staff to make.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/renew_lib.sh"
. "$(dirname "$0")/unlock_lib.sh"
for t in tmux pkcs11-tool softhsm2-util openssl curl; do
	command -v $t >/dev/null || { echo "1..0 # SKIP needs $t"; exit 0; }
done
make -s -C "$top" B="$B" all "$B/tests/p11/cakiosk-testp11.so" >/dev/null
demo=$work/demo
cleanup_extra='[ -s "$demo/ra.pid" ] && kill "$(cat "$demo/ra.pid")" 2>/dev/null'
sock=ck$$_demo
socks="$socks $sock"
tmux -L "$sock" -f "$work/tmux.conf" new-session -d -x 80 -y 24 \
	-e LANG=C.UTF-8 -e LC_ALL=C.UTF-8 -e TZ=Asia/Shanghai -e DEMO_DIR="$demo" -e DEMO_PORT=0 \
	"sh $top/kiosk/demo.sh $B; echo EXIT=\$?; sleep 600"
check "the demo starts: the welcome screen, the demo UKey in" ck_wait "UKey：演示CA的UKey" 60
phone() { DEMO_DIR=$demo sh "$top/kiosk/demo-phone.sh" "$B"; }
# The demo's backend, for unlock_lib.sh's sandbox reads.
CA=$demo/ra RAURL=https://127.0.0.1:$(cat "$demo/ra.port")

# ---- locked by wrong PINs -------------------------------------------------------
ck_keys Space
ck_wait "请选择业务" 5 >/dev/null
ck_keys "$PINCHANGE_ROW"
ck_wait "* 证书密码" 10 >/dev/null
ck_type 111111
ck_keys Enter
ck_wait "密码错误" 10 >/dev/null
ck_type 222222
ck_keys Enter
ck_wait "只剩最后一次机会" 10 >/dev/null
ck_type 333333
ck_keys Enter
ck_wait "这是最后一次机会" 10 >/dev/null
ck_keys Tab Enter
check "three wrong PINs lock the demo UKey, and Unlock is offered" ck_wait "[ 证书解锁 ]" 10

# ---- unlocked at the kiosk ----------------------------------------------------------
ck_keys Enter
check "Unlock takes the UKey as it is: locked, said" ck_wait "可以在这里解锁" 10
check "the unit's credit code, the SMS code to its agent: the methods are offered" \
	u_from_state 1 91430100MA4L00011K "$U_UNIT_AGENT"
check "... that code is what demo-phone.sh shows" sh -c "DEMO_DIR=$demo sh $top/kiosk/demo-phone.sh $B |
	grep -q '$U_UNIT_AGENT .*验证码为$(u_code "$U_UNIT_AGENT")'"
ck_keys 2
ck_wait "发起0.01元打款" 5 >/dev/null
ck_keys Enter
ck_wait "请输入打款附言中的6位验证码" 10 >/dev/null
memo=$(phone | sed -n 's/.*memo: .*\([0-9]\{6\}\)$/\1/p' | head -1)
check "demo-phone.sh shows the transfer memo" test -n "$memo"
ck_type "$memo"
ck_keys Enter
check "the memo verifies the unit" ck_wait "确认后即获取" 10
ck_keys Enter
ck_wait "* 新密码" 10 >/dev/null
ck_type 135790
ck_keys Enter
ck_type 135790
ck_keys Enter
check "the demo UKey is unlocked with the new PIN" ck_wait "新密码已可使用；证书和电子印章均未改动" 30
check "pkcs11-tool through the demo's module: the new PIN logs in" \
	sh -c "SOFTHSM2_CONF=$demo/softhsm2.conf CAKIOSK_TESTP11_CTL=$demo/ctl pkcs11-tool \
		--module $top/$B/tests/p11/cakiosk-testp11.so --token-label DEMO --login --pin 135790 \
		--list-objects 2>/dev/null | grep -q Object"

# ---- a person's lost UKey: the demo's certificate to replace ---------------------------
ck_keys Enter
ck_wait "证书申请 · 证书更新" 10 >/dev/null
ck_keys Space
ck_wait "请选择业务" 5 >/dev/null
rs_to_sms 2 430102198503150022
ck_wait "发送验证码" 10 >/dev/null
ck_keys Enter
ck_wait "验证码已发送到" 10 >/dev/null
ck_type "$(phone | sed -n 's/.*13800138001 .*验证码为\([0-9]\{6\}\).*/\1/p' | head -1)"
ck_keys Enter
# The demo UKey holds another certificate: the prompt says so, or says
# only how to choose while the UKey is still being read.
check "丢失补办 in the demo: 王芳's certificate, valid, to choose" ck_wait "请选择需要补办的证书" 10
check "... valid, on no UKey the backend knows" sh -c "tmux -L $sock capture-pane -p | grep -q 有效 &&
	tmux -L $sock capture-pane -p | grep -q 未登记"

# ---- a renamed unit's UKey: the change of details has a new name to take ---------------
ctl() { printf '%s\n' "$1" >"$demo/ctl.new" && mv "$demo/ctl.new" "$demo/ctl"; }
ck_keys Escape
ck_wait "请选择业务" 10 >/dev/null
ctl present=none
ck_wait "UKey：未插入" 10 >/dev/null
ck_keys "$CHANGE_ROW"
ck_wait "请插入要变更信息的UKey" 10 >/dev/null
ctl present=CHANGE
check "信息变更 in the demo: the UKey CHANGE of 长沙麓谷科技有限公司, its PIN" ck_wait "证书：长沙麓谷科技有限公司" 15
ck_type 123456
ck_keys Enter
check "... the registration record's new name beside it" ck_wait "长沙麓谷智能科技有限公司" 15
check "... what changes: the unit's name" sh -c "tmux -L $sock capture-pane -p | grep -q 变更内容：单位名称"

# ---- a blank UKey for staff to make ------------------------------------------------------
# README's line for the control file; the one card then is the blank one.
printf 'present=CA*\nblank=2\n' >"$demo/ctl.new" && mv "$demo/ctl.new" "$demo/ctl"
SOFTHSM2_CONF=$demo/softhsm2.conf CAKIOSK_TESTP11_CTL=$demo/ctl pkcs11-tool \
	--module "$top/$B/tests/p11/cakiosk-testp11.so" -L >"$work/slots" 2>&1
check "the demo has a blank UKey: the one card in the reader, uninitialized" \
	test "$(grep -c 'token state: *uninitialized' "$work/slots")/$(grep -c 'token label' "$work/slots")" = 1/0
grep -q "present=CA\*.nblank=2" "$top/README.md" && ok "README says how to put it in" ||
	not_ok "README says how to put it in"
finish
