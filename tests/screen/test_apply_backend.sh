#!/bin/sh
# test_apply_backend.sh - a unit's application when the backend is down or
# loses its answers, at each call the Apply flow makes: the draft order,
# the identity checks, the upload link, the document list, the SMS code and
# its session, the confirmation, the payment and its poll, the order's state
# after the payment.  The kiosk reaches cakiosk-ra through
# tests/tools/faultproxy, which refuses, hangs or swallows the answer of
# each new connection as the test says (TLS passes through untouched).
# Every failure must end in a plain sentence and a state the customer can go
# on from; the retries find the lost answers again by their idempotency
# keys: one order and one payment in the end, checked through the API.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/renew_lib.sh"
. "$(dirname "$0")/query_lib.sh"
. "$(dirname "$0")/apply_lib.sh"

rb_setup || { not_ok "test bed (backend)"; finish; exit 1; }
ap_files
rb_faultproxy || { not_ok "fault proxy starts"; finish; exit 1; }
ck_start 80x24 || { not_ok "kiosk starts"; finish; exit 1; }
has() { ck_capture | grep -qF -- "$1"; }
has_re() { ck_capture | grep -qE -- "$1"; }

DOWN="暂时无法连接服务中心"
SLOW="服务中心响应较慢，请再试一次"
orders() { rb_api GET /v1/terminal/orders >/dev/null && jfield -n orders; }

# ---- the draft order: lost, then down ------------------------------------------------
check "to the confirm page" ap_to_confirm
fault swallow
ck_keys Enter
check "the order's answer lost: a plain sentence on the confirm page" ck_wait "$SLOW" 20
fault refuse
ck_keys Enter
check "the backend down: a plain sentence" ck_wait "$DOWN" 20
fault pass
ck_keys Enter
check "back: on to the identity check" ck_wait "单位身份核验：请选择一种方式。" 10
check "... one order, made by the lost answer's key" [ "$(orders)" = 1 ]
OID=$(rb_api GET /v1/terminal/orders >/dev/null && jfield orders.0.id)

# ---- the identity checks -------------------------------------------------------------------
fault swallow
ap_method 1 "* 法定代表人手机号" "$LEGAL_REP_MOBILE"
check "the unit's check lost: a plain sentence" ck_wait "$SLOW" 20
check "... and a way on" has "[ 重试 ]"
fault pass
ck_keys Enter
check "tried again when it answers: on to the agent" ck_wait "经办人身份核验：请选择一种方式。" 10
fault refuse
ap_method 2 "* 经办人银行卡号" "$CARD"
check "the agent's check with the backend down: a plain sentence" ck_wait "$DOWN" 20
check "... and a way on" has "[ 重试 ]"

# ---- the upload link, lost right after the agent's check ------------------------------------
fault "after 1 swallow"
ck_keys Enter
check "the agent verified; the upload link's answer lost: a plain sentence" ck_wait "$SLOW" 20
check "... and a way on" has "[ 重试 ]"
fault pass
ck_keys Enter
check "tried again: the upload page's QR code" ck_wait "请用手机扫码上传申请资料" 10
url=$(ap_qr_url)
check "... which is the order's upload page" ap_is_upload_url "$url"

# ---- the document list while the backend does not answer ------------------------------------
phone() { curl -s -o /dev/null -w '%{http_code}' --cacert "$CA/ca.crt" -F "$1=@$2" "$url"; }
# The list must have come once for there to be one to keep.
ck_wait "还缺 4 份资料（共 4 份）。" 10 >/dev/null
fault hang
check "the phone uploads (straight to the backend)" [ "$(phone business_licence "$work/licence.pdf")" = 200 ]
check "the list not answering: the screen says so" ck_wait "网络较慢，仍在查询。" 20
# The poll that began before the fault may still bring the licence in: the
# list is kept either way.
check "... and keeps the list" has_re "还缺 [34] 份资料（共 4 份）。"
fault pass
check "back: the document shows" ck_wait "已收到：PDF" 10
for f in agent_id_front:id-front.jpg agent_id_back:id-back.jpg seal_form:seal.png; do
	phone "${f%%:*}" "$work/${f#*:}" >/dev/null
done
check "all four in" ck_wait "资料已齐全。" 10

# ---- the SMS code, its answer lost; the session's answer lost ---------------------------------
sms_count() { rb_api GET "/v1/sandbox/sms?mobile=$AGENT_MOBILE" >/dev/null && jfield -n messages; }
before=$(sms_count)
ck_keys Enter
ck_wait "发送验证码" 10 >/dev/null
fault swallow
ck_keys Enter
check "the SMS code's answer lost: a plain sentence" ck_wait "$SLOW" 20
check "... the backend did send it" [ "$(sms_count)" = $((before + 1)) ]
fault pass
ck_keys Enter
check "sent again: the kiosk asks for the code" ck_wait "验证码已发送到" 10
check "... and that is still the one SMS (the lost answer's key)" [ "$(sms_count)" = $((before + 1)) ]
code=$(q_code "$AGENT_MOBILE")
fault swallow
ck_type "$code"
ck_keys Enter
check "the code's session lost: a plain sentence" ck_wait "$SLOW" 20

# ---- the confirmation, lost right after the session --------------------------------------------
fault "after 1 swallow"
ck_type "$code"
ck_keys Enter
# The code page still shows the sentence of the session lost: the page of
# the confirmation lost is told by its button, then its sentence is read.
check "the same code again: the session found again; the confirmation's answer lost: a way on" \
	ck_wait "[ 重试 ]" 20
check "... and a plain sentence" has "$SLOW"
check "... the backend holds the order confirmed" [ "$(q_state "$OID")" = confirmed ]
fault pass
ck_keys Enter
check "tried again: the payment" ck_wait "支付宝" 15

# ---- the payment, lost; its poll while the backend hangs ---------------------------------------
fault swallow
ck_keys 1
check "the payment's answer lost: a plain sentence" ck_wait "$SLOW" 20
check "... and a way on" has "[ 重试 ]"
fault pass
ck_keys Enter
check "tried again: the QR code" ck_wait "请用支付宝扫码支付" 15
rb_api GET "/v1/sandbox/payments?order=$OID" >/dev/null
check "... one payment" [ "$(jfield -n payments)" = 1 ]
fault hang
url=$(rb_qr_url)
check "the QR code decodes" rb_is_pay_url "$url"
curl -s -o /dev/null --cacert "$CA/ca.crt" "$url"
check "polling a backend that hangs: the screen says so" ck_wait "与后台的连接较慢，仍在查询" 20
check "... and keeps the QR code" has "请用支付宝扫码支付"

# ---- the order's state after the payment, lost ---------------------------------------------------
fault "after 1 swallow"
check "the payment seen; the order's state lost: a plain sentence, the payment safe" \
	ck_wait "款项已支付，重试只是查询订单状态。" 30
fault pass
ck_keys Enter
check "tried again: done, under review" ck_wait "申请已付款，正在等待审核。" 15
check "... the order's number" has "订单号：$OID"
check "one order in all" [ "$(orders)" = 1 ]
check "... under review" [ "$(q_state "$OID")" = under_review ]
check "... paid once" rb_one_payment "$OID"
check "the log tells the retries with the same key" grep -q "retrying with the same key" "$work/cakiosk.log"
finish
