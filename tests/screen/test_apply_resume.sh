#!/bin/sh
# test_apply_resume.sh - an application not yet confirmed, continued from
# Order query at a kiosk that did not make it: the draft (made by another
# terminal through the API with the region typed apart and a 2-year term,
# the unit verified, the agent not, its documents in) is found with the
# agent's SMS code and continued at its form, everything typed shown again
# (read with the customer's session); the confirm page says the unit's
# check stands and the kiosk makes no second order; the unit is not asked
# again, the agent is; then its documents, the SMS code that confirms it,
# paid, and under review at the backend.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/renew_lib.sh"
. "$(dirname "$0")/query_lib.sh"
. "$(dirname "$0")/apply_lib.sh"

rb_setup || { not_ok "test bed (backend)"; finish; exit 1; }
Q_AGENT=0 q_apply ',"contact_name":"王小明","region":"湖南省长沙市岳麓区"' 2
draft=$OID
SESSION=
check "a draft application made by another terminal" [ "$(q_state "$draft")" = draft ]
ck_start 80x24 || { not_ok "kiosk starts"; finish; exit 1; }
has() { ck_capture | grep -qF -- "$1"; }
hasnt() { ! ck_capture | grep -qF -- "$1"; }
# q_open ORDER: on the list, open ORDER by its row's number.
q_open() {
	ck_wait "$1" 5 >/dev/null || return 1
	h=$(ck_capture | grep -n "订单（最新的在前" | cut -d: -f1)
	r=$(ck_capture | grep -n -- "$1" | cut -d: -f1)
	ck_keys $((r - h))
	ck_wait "订单号            $1" 10 >/dev/null
}
rb_api GET "/v1/orders/$draft" >/dev/null
check "this kiosk cannot see it without the customer's session" [ "$(cat "$work/out" | grep -c session_required)" = 1 ]

check "Order query: the agent's SMS code, the orders" q_login 1 "$UNIT" "$AGENT_MOBILE"
check "the draft opens" q_open "$draft"
check "... it offers to continue the application here" ck_wait "[ 继续办理 ]" 5
check "... saying what comes" has "申请尚未确认，可在本机继续办理：填写过的表单原样保留"
ck_keys Enter
check "continued at its form: the mailing address as typed" ck_wait "UKey 寄到哪里？" 10
both() { has "$1" && has "$2"; }
check "... the recipient and the mobile" both "王小明" 13912345678
check "... the region" has "湖南省长沙市岳麓区"
check "... the street without the region" has "麓山南路1号"
check "... not the whole address in one field" hasnt "岳麓区麓山南路"
check "... the postcode" has 410082
ck_keys Enter Enter Enter Enter Enter
check "on: the e-mail as typed" ck_wait "agent@example.cn" 5
check "... the term of 2 years, at its price" ck_wait "700.00" 5
ck_keys Enter Enter
check "the confirm page" ck_wait "请再次核对订单" 5
check "... says the unit's check stands" has "身份已核验：法定代表人手机实名认证"
check "... and is not asked again" has "此订单之前已通过这些核验，不再重复核验。"
check "... the agent's is not claimed" hasnt "经办人已核验"
ck_keys Enter
check "confirm order: the unit is not asked again, the agent is" \
	ck_wait "经办人身份核验：请选择一种方式。" 10
check "... no second order was made" [ -z "$(ap_order)" ]
ap_method 1 "* 经办人手机号" "$AGENT_MOBILE"
check "the agent verified (with the session): the documents, all in" \
	ck_wait "资料已齐全。" 15
check "... its upload link shown (asked with the customer's session)" ap_is_upload_url "$(ap_qr_url)"

# A new code for the same customer waits 60 s: the backend's clock moves.
rb_api POST /v1/sandbox/clock '{"advance": 61}' >/dev/null
ck_keys Enter
check "confirm application: the agent's SMS code" ck_wait "验证码将发送到单位经办人注册的手机号码。" 5
ap_sms "$AGENT_MOBILE"
check "confirmed: the payment, of the order's price" ck_wait "700.00" 10
check "... the backend holds it confirmed" [ "$(q_state "$draft")" = confirmed ]

# ---- Esc while paying: asked, not cancelled; kept, paid later in Order query ----
ck_wait "支付宝" 10 >/dev/null
ck_keys Escape
check "Esc on the channels: asked first" ck_wait "要离开付款吗？订单已确认" 5
check "... keep, cancel or go on" has "[ 继续付款 ]"
ck_keys Escape
check "go on paying: the channels again" ck_wait_gone "要离开付款吗" 5
check "... the order untouched" [ "$(q_state "$draft")" = confirmed ]
ck_keys 1
ck_wait "请用支付宝扫码支付" 10 >/dev/null
ck_keys Escape
check "Esc on the QR code: asked first" ck_wait "要离开付款吗？订单已确认" 5
ck_keys k
check "kept: said so, nothing charged" ck_wait "订单已保留，未扣费。" 5
check "... where to find it, in words" has "在任一自助终端的菜单中选择“订单查询”"
check "... its number" has "$draft"
check "... the backend still has it confirmed" [ "$(q_state "$draft")" = confirmed ]
ck_keys Enter
check "Finish: the visit ends" ck_wait "请按任意键或触摸屏幕开始" 5
rb_api POST /v1/sandbox/clock '{"advance": 61}' >/dev/null
check "Order query again: the kept order" q_login 1 "$UNIT" "$AGENT_MOBILE"
q_open "$draft" >/dev/null
check "... offers to pay it" ck_wait "[ 立即付款 ]" 10
ck_keys Enter
ck_wait "支付宝" 10 >/dev/null
ck_keys 1
ck_wait "请用支付宝扫码支付" 10 >/dev/null
url=$(rb_qr_url)
ck_keys Escape
check "Esc on Order query's payment: asked too" ck_wait "要离开付款吗？订单已确认" 5
ck_keys k
check "kept: where it stays, in words" ck_wait "订单仍在您的订单列表中" 5
# The phone pays the code it scanned just before: the kiosk still watches.
curl -s -o /dev/null --cacert "$CA/ca.crt" "$url"
check "... paid at the last moment: the kiosk moves on as paid" ck_wait "订单已付款" 20
check "... the order number" has "$draft"
check "the backend: under review, paid once" \
	sh -c "[ \"\$1\" = under_review ]" - "$(q_state "$draft")"
check "... charged once" rb_one_payment "$draft"
rb_api GET "/v1/orders/$draft" >/dev/null
check "... still no order of this terminal (the session opened it)" \
	[ "$(cat "$work/out" | grep -c session_required)" = 1 ]
finish
