#!/bin/sh
# test_personalize.sh - the counter's staff screens for issue 13 against
# the real cakiosk-ra (sandbox) and a blank SoftHSM card behind the PKCS#11
# test module: staff log in, make a blank UKey for an approved application
# picked from the list of orders waiting (later the order number typed, as
# a scanner types the order's QR), see whose it
# is and how the customer got the PIN, and the UKey works (checked from
# outside: pkcs11-tool, the escrow, the order made); the diagnostics show
# what the UKey holds, the readers attached and the backend's view of it; a
# UKey pulled while the certificate is written is said, and Enter after putting it back finishes
# it; a made order is refused.  The job's every-call pull matrix is
# tests/token/test_personalize_pull.sh.
. "$(dirname "$0")/lib.sh"
. "$top/tests/token/pz_lib.sh"
# The order number as a scanner types it: not a secret (ck_type would keep
# it for the log scan, whose 12 to 19 digits look like a bank account).
type_order() { ck_keys -l "$1"; }

pz_setup || { not_ok "the bed: cakiosk-ra, staff login, SMS sessions"; finish; exit 1; }
pz_order; pz_blank
ck_start 80x24 || { not_ok "kiosk starts"; finish; exit 1; }
check "staff log in" ck_staff_login
check "the staff screen offers making a blank UKey" ck_wait "5  制作空白UKey（现场制证）"
check "... and the diagnostics" ck_wait "6  UKey诊断"
ck_keys 5
check "it asks for a blank UKey and the order" ck_wait "请插入一个空白UKey"
check "... listing the approved application waiting, with its holder" \
	ck_wait " 1  证书申请  王芳 (个人) " 15
ck_capture | sed 's/^/# /'
# The card is pulled when the certificate is written (the first object
# created on it); SoftHSM has one blank card per process, so the same one
# is put back.  "CA*" (the demo's line): the card it becomes stays in.
bed_ctl "present=CA*" "blank=2" "pull_fn=C_CreateObject"
ck_keys Down Enter
check "pulled while writing: the screen says it stopped and that Enter goes on" \
	ck_wait "已完成的部分不会丢失" 60
check "... the UKey was removed" ck_wait "UKey已被拔出"
ck_capture | sed 's/^/# /'
# Enter only once the kiosk has seen the UKey go and come back (a slow
# watcher under ASan): before that, the retry would find no UKey again.
ck_wait "UKey：未插入" 20 >/dev/null
bed_ctl "present=*" "blank=2"
ck_wait "UKey：测试CA的UKey" 20 >/dev/null
ck_keys Enter
# Generous: the key is made on SoftHSM, slow under ASan beside another suite.
check "put back, Enter: the UKey is made" ck_wait "UKey已制作完成" 90
check "... for the order's holder" ck_wait "持有人：王芳"
check "... the PIN went by SMS, masked" ck_wait "短信发送至 138****8001"
ck_capture | sed 's/^/# /'
pz_verify; check "from outside: order made, the SMS'd PIN, the escrowed SO PIN, certificate and seal" test -z "$why"
[ -z "$why" ] || echo "# $why"
ck_keys Enter
check "Done: back to the staff functions" ck_wait "6  UKey诊断" 10

ck_keys 6
check "diagnostics: the UKey is initialized" ck_wait "已初始化。" 15
check "... its certificate with its key type" ck_wait "：EC 256，王芳"
check "... the seal's data object" ck_wait "数据对象 seal（cakiosk-seal）"
check "... the backend's view: escrowed" ck_wait "管理员PIN已托管。" 15
check "... owned by the person, the number masked" \
	ck_wait "持有人： 个人 $(echo "$P1" | sed 's/^\(......\)........\(....\)$/\1********\2/')"
check "... never in full" sh -c "! tmux -L $sock capture-pane -p | grep -q '$P1'"
check "... the order that made its certificate" ck_wait "订单 $ORDER：made"
check "... the readers attached: the test module's, the UKey in it" \
	ck_wait "cakiosk test reader (cakiosk-testp11.so): 已插入UKey"
ck_capture | sed 's/^/# /'
ck_keys Escape
ck_wait "6  UKey诊断" 10 >/dev/null

ck_keys 5
check "made: no order is waiting any more" ck_wait "现在没有等待制作UKey" 15
type_order "$ORDER"
ck_keys Enter
check "the made order again: refused" ck_wait "此订单不在等待制作UKey" 30
ck_keys Escape
check "Back: the order number again" ck_wait "请插入一个空白UKey" 10
pz_verify; check "the UKey still works" test -z "$why"
if grep -aq "$UPIN" "$work/cakiosk.log" "$work/ra.log" 2>/dev/null; then
	not_ok "no PIN in the kiosk's or the backend's log"
else ok "no PIN in the kiosk's or the backend's log"; fi
finish
