#!/bin/sh
# test_renew_backend.sh - the renewal when the backend is down, slow, or
# loses its answers, at each call the kiosk makes.  The kiosk reaches
# cakiosk-ra through tests/tools/faultproxy, which refuses, hangs or
# swallows the answer of each request as the test says (TLS passes
# through it untouched).  Every failure must end in a plain sentence and a
# way on, and the retry must never make a second order, payment or charge:
# the answers lost on the way are found again by the idempotency keys.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/renew_lib.sh"

rb_setup || { not_ok "renewal test bed (backend and tokens)"; finish; exit 1; }
rb_token bk 30
rb_faultproxy || { not_ok "fault proxy starts"; finish; exit 1; }
ck_start 80x24 || { not_ok "kiosk starts"; finish; exit 1; }

DOWN="暂时无法连接服务中心"
SLOW="服务中心响应较慢，请再试一次"

# ---- asking the CA about the certificate (before the PIN) --------------------------
fault refuse
rb_to_renew
bed_ctl "present=bk"
check "the CA asked while it is down: a plain sentence" ck_wait "$DOWN" 10
check "... and a way on" ck_wait "[ 重试 ]"
fault hang
ck_keys Enter
check "asked again while it does not answer: it is slow" ck_wait "$SLOW" 20
fault pass
ck_keys Enter
check "asked again when it is back: the PIN is asked" rb_login bk
check "... then eligible" ck_wait "此证书可以更新" 10

# ---- the order (create and confirm), its answers lost -------------------------------
rb_form
fault swallow
ck_keys Enter
check "the order's answers lost: a plain sentence on the confirm page" ck_wait "$SLOW" 30
check "... the order as typed is still there" ck_wait "agent@example.cn"
fault pass
ck_keys Enter
check "confirmed again when the backend answers: the payment screen" ck_wait "支付宝" 15
rb_api GET /v1/terminal/orders >/dev/null
check "one order only, though the kiosk sent it three times and more" \
	test "$(jfield -n orders)" = 1
order=$(jfield orders.0.id)

# ---- the payment, its answer lost --------------------------------------------------------
fault swallow
bed_ctl "present=bk" "latency.C_Sign=1500"
ck_keys 1
check "the payment's answer lost: a plain sentence" ck_wait "$SLOW" 30
check "... and a way on" ck_wait "[ 重试 ]"
fault pass
ck_keys Enter
check "tried again: the QR code" ck_wait "请用支付宝扫码支付" 15
rb_api GET "/v1/sandbox/payments?order=$order" >/dev/null
check "one payment only" test "$(jfield -n payments)" = 1

# ---- polling while the backend hangs; the customer pays meanwhile ----------------------
fault hang
url=$(rb_qr_url)
check "the QR code still decodes" rb_is_pay_url "$url"
curl -s -o /dev/null --cacert "$CA/ca.crt" "$url"
check "polling a backend that hangs: the screen says so, and keeps the QR" \
	ck_wait "与后台的连接较慢，仍在查询" 20
check "... the QR is still up" ck_wait "请用支付宝扫码支付"

# ---- the certificate request, its answer lost ------------------------------------------
fault pass
check "back: the payment is seen, and the kiosk asks for the certificate" \
	ck_wait "正在申请新证书" 20
# The UKey signs slowly (latency on C_Sign), so the request is still being
# made when its answer is set to be lost.
fault swallow
check "the certificate's answer lost: the order stays paid" ck_wait "订单仍为已付款，不会重复扣费" 40
check "... with a plain sentence" ck_wait "$SLOW"
check "... the old certificate still works on the token" rb_working bk
fault pass
ck_keys Enter
check "tried again: the certificate that was issued is fetched and written" ck_wait "证书已更新" 30
rb_check_token bk 30 || :
rb_api GET "/v1/orders/$order" >/dev/null
check "the order is installed" test "$(jfield order.state)" = installed
check "... paid once" rb_one_payment "$order"
rb_api GET /v1/terminal/orders >/dev/null
check "... and it is still the only order" test "$(jfield -n orders)" = 1
check "the log tells the retries with the same key" grep -q "retrying with the same key" "$work/cakiosk.log"

finish
