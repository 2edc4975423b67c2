#!/bin/sh
# test_full_disk.sh - the kiosk's side of a backend whose disk is full
# (issue 17): a renewal at the screen when cakiosk-ra cannot keep what it
# is asked to (503 "unavailable", tests/ra/test_full_disk.sh for the
# backend's side).  The customer reads a plain sentence - the service is
# briefly unavailable, nothing was done or charged, try again - and can go
# on; once there is room again the same order goes through to the new
# certificate, with one payment, as the backend's store says.
#
# cakiosk-ra's store is on a 4 MiB tmpfs in a private mount namespace
# (unshare -m), filled with a file of zeros and emptied by removing it.
# Without unshare or the right to mount (CAP_SYS_ADMIN) the suite skips.
. "$(dirname "$0")/../ra/smallfs.sh"
smallfs_enter CK_FULL_NS "$0" "$@"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/renew_lib.sh"

SMALL=$work/small
smallfs_mount "$SMALL"
RA_DB=$SMALL/ra.db rb_setup || { not_ok "renewal test bed (backend and tokens)"; finish; exit 1; }
cleanup_extra="$cleanup_extra; umount \"$SMALL\" 2>/dev/null"
rb_token fd 30 ec
ck_start 80x24 || { not_ok "kiosk starts"; finish; exit 1; }

fill() { dd if=/dev/zero of="$SMALL/filler" bs=16k 2>/dev/null; sync; }
room() { rm -f "$SMALL/filler"; }
BUSY="服务中心暂时无法处理此请求"
NOT_DONE="此步骤未执行，也未因此扣费"
# orders: how many orders the backend's store holds.
orders() { sqlite3 "$SMALL/ra.db" "SELECT count(*) FROM orders"; }

rb_to_renew
rb_login fd
ck_wait "此证书可以更新" 10 >/dev/null
before=$(orders)
check "the order form filled in: the confirm page" rb_form

# ---- the order on a full disk -------------------------------------------------
fill
ck_keys Enter
check "the order on a full disk: the service is briefly unavailable" ck_wait "$BUSY" 20
check "... nothing was done or charged" ck_wait "$NOT_DONE"
check "... and the customer can try again" ck_wait "请稍后重试"
check "... the order as typed is still there" ck_wait "agent@example.cn"
check "the backend kept no order" test "$(orders)" = "$before"

# ---- the payment on a full disk -------------------------------------------------
room
ck_keys Enter
check "room again: tried again, the payment's channels" ck_wait "支付宝" 15
check "... one order made" test "$(orders)" = $((before + 1))
fill
ck_keys 1
check "the payment on a full disk: the same sentence" ck_wait "$BUSY" 20
check "... nothing charged" ck_wait "$NOT_DONE"
check "... with a way on" ck_wait "[ 重试 ]"

# ---- room again: the same order, paid once, installed ------------------------------
room
ck_keys Enter
check "room again: the QR code" ck_wait "请用支付宝扫码支付" 15
check "paid from the phone" rb_pay
check "the new certificate written" ck_wait "证书已更新" 60
oid=$(rb_installed_order)
check "one order more than before in all, the one installed ($oid)" test "$(orders)" = $((before + 1))
check "... with exactly one payment, paid (the backend's store)" rb_one_payment "$oid"
rb_api GET "/v1/orders/$oid" >/dev/null
check "... installed" test "$(jfield order.state)" = installed
finish
