#!/bin/sh
# test_renew_resume.sh - a paid renewal that is interrupted is finished
# later without a second payment, and the UKey never ends without a working
# certificate.  The PKCS#11 test module pulls the card at a chosen call:
# while the key is made during the payment, during the certificate write,
# after it (the seal being replaced), and half-way through removing the
# old pair.  The kiosk is killed
# in the middle of the request and started again; and killed after the old
# pair is gone but before the backend heard "installed" (the backend down
# at that moment), then both started again.  Each time the token is then
# inspected with pkcs11-tool and openssl, and the order has one payment.
# A renewal made and paid at another terminal is found in Order query,
# which asks for its UKey and finishes it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/renew_lib.sh"
. "$(dirname "$0")/query_lib.sh"

rb_setup || { not_ok "renewal test bed (backend and tokens)"; finish; exit 1; }
for t in kg oq cw aw ac kk kf; do rb_token $t 30 || { not_ok "token $t"; finish; exit 1; }; done
ck_start 80x24 || { not_ok "kiosk starts"; finish; exit 1; }

# put_back LABEL: the card in again, the PIN typed, the renewal finished.
put_back() {
	bed_ctl "present=$1"
	check "put back: the kiosk asks for the PIN to finish" ck_wait "请再次输入证书密码" 10
	ck_type 123456
	ck_keys Enter
	check "... and finishes the paid renewal" ck_wait "证书已更新" 30
	o=$(rb_installed_order)
	check "... with the one payment only" rb_one_payment "$o"
	rb_check_token "$1" 30 || :
	ck_keys Enter
	ck_wait "CA证书" 5 >/dev/null
	bed_ctl "present=none"
}
# From the welcome screen to the QR code with LABEL in.
to_qr() {
	rb_to_renew
	rb_login "$1"
	rb_to_pay
}

# ---- pulled while the key is made (during the payment) -----------------------
rb_to_renew
rb_login kg
bed_ctl "present=kg" "pull_fn=C_GenerateKeyPair"
rb_to_pay
check "pulled while the key is made: the payment screen stays up" ck_wait "请用支付宝扫码支付" 5
check "... the old certificate still works" rb_working kg
rb_pay
check "paid without the UKey: the kiosk asks for it back" ck_wait "证书更新完成前UKey被拔出了" 20
check "... the same one, only that one" ck_wait "请重新插入同一枚UKey"
# Put back, but the customer leaves at the PIN: the order is paid and its
# certificate not yet asked for.  Check my UKey says that it waits, and
# not that the certificate "can be renewed" (a second order, paid again).
bed_ctl "present=kg"
ck_wait "请再次输入证书密码" 10 >/dev/null
ck_keys Escape
check "Esc at the PIN of a paid renewal: the visit ends" ck_wait "请按任意键或触摸屏幕开始" 5
bed_ctl "present=none"
ck_wait "UKey：未插入" 5 >/dev/null
bed_ctl "present=kg"
check "Check my UKey: the paid renewal waits" ck_wait "有一笔已付款但未完成的证书更新" 15
check "... not 'can be renewed'" _hasnt "此证书可以更新"
ck_keys Enter
check "... Enter leads to it" ck_wait "请再次输入证书密码" 10
ck_type 123456
ck_keys Enter
ck_wait "有一笔已付款但未完成的证书更新" 10 >/dev/null
ck_keys Enter
check "... and finishes the paid renewal" ck_wait "证书已更新" 30
check "... with the one payment only" rb_one_payment "$(rb_installed_order)"
rb_check_token kg 30 || :
ck_keys Enter
ck_wait "CA证书" 5 >/dev/null
bed_ctl "present=none"

# ---- paid at another terminal, found in Order query: the UKey asked, finished ----
pem=$(awk '{printf "%s\\n", $0}' "$work/keys-oq/sign.crt")
q_req POST /v1/orders "{\"kind\":\"renew\",\"subject_type\":\"unit\",\"subject_id\":\"$UNIT\",\"term_years\":1,\"form\":{\"email\":\"agent@example.cn\"},\"certificate\":\"$pem\"}" >/dev/null
oq=$(jfield order.id)
q_confirm "$oq" && q_pay "$oq"
check "a renewal made and paid at another terminal ($oq)" [ "$(q_state "$oq")" = paid ]
check "Order query: the agent's SMS code, the orders" q_login 1 "$UNIT" 13912345678
ck_wait "$oq" 5 >/dev/null
h=$(ck_capture | grep -n "订单（最新的在前" | cut -d: -f1)
r=$(ck_capture | grep -n -- "$oq" | cut -d: -f1)
ck_keys $((r - h))
check "the paid renewal opens: not yet on the UKey" ck_wait "已付款，尚未写入UKey" 10
check "... it offers to finish it with the UKey" ck_wait "[ 插入UKey完成 ]" 5
ck_keys Enter
check "continue: the UKey is asked" ck_wait "请插入要更新的UKey" 10
bed_ctl "present=oq"
ck_wait "* 证书密码" 10 >/dev/null
ck_type 123456
ck_keys Enter
check "the UKey in, its PIN typed: the paid renewal is found on it" \
	ck_wait "有一笔已付款但未完成的证书更新" 15
check "... no second payment is asked" ck_wait "无需再次付"
ck_keys Enter
check "... and it is finished" ck_wait "证书已更新" 30
check "... that order, with its one payment" sh -c '[ "$1" = "$2" ]' - "$(rb_installed_order)" "$oq"
check "... paid once" rb_one_payment "$oq"
check "the backend: installed" [ "$(q_state "$oq")" = installed ]
check "the done page leads to Order query" ck_wait "[ 订单查询 ]" 1
rb_check_token oq 30 || :
ck_keys Enter
ck_wait "CA证书" 5 >/dev/null
bed_ctl "present=none"

# ---- pulled during the certificate write ---------------------------------------
to_qr cw
check "the key is made while paying" rb_key_made cw
bed_ctl "present=cw" "pull_fn=C_CreateObject"
rb_pay
check "pulled during the certificate write: the kiosk asks for it back" ck_wait "证书更新完成前UKey被拔出了" 20
check "... the old certificate still works" rb_working cw
put_back cw

# ---- pulled after the write, while the old pair is removed ---------------------------
to_qr aw
check "the key is made while paying" rb_key_made aw
bed_ctl "present=aw" "pull_fn=C_DestroyObject"
rb_pay
check "pulled after the write: the kiosk asks for it back" ck_wait "证书更新完成前UKey被拔出了" 20
check "... a working certificate is on it (old or new)" rb_working aw
check "... the new one already is" rb_new_pair aw
put_back aw

# ---- pulled half-way through removing the old pair ------------------------------
to_qr ac
check "the key is made while paying" rb_key_made ac
bed_ctl "present=ac" "pull_fn=C_DestroyObject:3"
rb_pay
check "pulled while the old pair is removed: the kiosk asks for it back" \
	ck_wait "证书更新完成前UKey被拔出了" 20
check "... the new certificate works" rb_new_pair ac
put_back ac

# ---- the kiosk killed while it asks for the certificate, then restarted -------
to_qr kk
check "the key is made while paying" rb_key_made kk
bed_ctl "present=kk" "latency.C_Sign=3000"
rb_pay
check "paid: the kiosk asks for the certificate" ck_wait "正在申请新证书" 20
kill -9 "$kiosk_pid"
check "the kiosk is killed in the middle" _poll 5 sh -c "! kill -0 $kiosk_pid 2>/dev/null"
check "... the old certificate still works" rb_working kk
tmux -L "$sock" kill-server
bed_ctl "present=none"
ck_start 80x24 || { not_ok "kiosk starts again"; finish; exit 1; }
rb_to_renew
rb_login kk
check "started again: the paid renewal is found on the UKey" ck_wait "有一笔已付款但未完成的证书更新" 10
check "... no second payment is asked" ck_wait "无需再次付"
ck_keys Enter
check "... and it is finished" ck_wait "证书已更新" 30
check "... with the one payment only" rb_one_payment "$(rb_installed_order)"
rb_check_token kk 30 || :
ck_keys Enter
ck_wait "CA证书" 5 >/dev/null
bed_ctl "present=none"

# ---- old pair gone, backend down before "installed", kiosk killed ---------------
to_qr kf
check "the key is made while paying" rb_key_made kf
bed_ctl "present=kf" "latency.C_DestroyObject=1000"
rb_pay
check "paid: the kiosk removes the old pair" ck_wait "正在删除旧证书" 20
port=$(cat "$work/ra.port")
rb_ra_stop
check "the backend down at the last call: a clear sentence" ck_wait "暂时无法连接服务中心" 20
check "... the order stays paid" ck_wait "订单仍为已付款，不会重复扣费"
check "... and the new certificate works" rb_working kf
kill -9 "$kiosk_pid"
tmux -L "$sock" kill-server
bed_ctl "present=none"
RA_PORT=$port rb_ra_start || { not_ok "backend starts again"; finish; exit 1; }
ck_start 80x24 || { not_ok "kiosk starts again"; finish; exit 1; }
rb_to_renew
rb_login kf
check "both started again: the unfinished renewal is found by the new certificate" \
	ck_wait "有一笔已付款但未完成的证书更新" 10
ck_keys Enter
check "... and it is finished" ck_wait "证书已更新" 30
check "... with the one payment only" rb_one_payment "$(rb_installed_order)"
rb_check_token kf 30 || :

finish
