#!/bin/sh
# test_apply_resume.sh - an application not yet confirmed, continued from
# Order query at a kiosk that did not make it: the draft (made by another
# terminal through the API, verified, its documents in) is found with the
# agent's SMS code, continued at its documents (the kiosk reaches them
# with the customer's session), the agent verified again through the verify
# step, the application confirmed by a new SMS code, paid, and under review
# at the backend.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/renew_lib.sh"
. "$(dirname "$0")/query_lib.sh"
. "$(dirname "$0")/apply_lib.sh"

rb_setup || { not_ok "test bed (backend)"; finish; exit 1; }
q_apply
draft=$OID
SESSION=
check "a draft application made by another terminal" [ "$(q_state "$draft")" = draft ]
ck_start 80x24 || { not_ok "kiosk starts"; finish; exit 1; }
has() { ck_capture | grep -qF -- "$1"; }
rb_api GET "/v1/orders/$draft" >/dev/null
check "this kiosk cannot see it without the customer's session" [ "$(cat "$work/out" | grep -c session_required)" = 1 ]

check "Order query: the agent's SMS code, the orders" q_login 1 "$UNIT" "$AGENT_MOBILE"
check "... the draft among them" ck_wait "$draft" 5
h=$(ck_capture | grep -n "订单（最新的在前" | cut -d: -f1)
r=$(ck_capture | grep -n -- "$draft" | cut -d: -f1)
ck_keys $((r - h))
check "the draft opens" ck_wait "订单号            $draft" 10
check "... it offers to continue the application here" ck_wait "[ 继续办理 ]" 5
check "... saying what comes" has "申请尚未确认，可在本机继续办理"
ck_keys Enter
check "continued at its documents: all four are in" ck_wait "资料已齐全。" 15
check "... its upload link shown (asked with the customer's session)" ap_is_upload_url "$(ap_qr_url)"

# Back from the documents: the agent's verification, asked anew here.
ck_keys Escape
check "Esc: the agent's verification" ck_wait "经办人身份核验：请选择一种方式。" 5
ap_method 1 "* 经办人手机号" "$AGENT_MOBILE"
check "the agent verified again (with the session): the documents" \
	ck_wait "资料已齐全。" 15

# A new code for the same customer waits 60 s: the backend's clock moves.
rb_api POST /v1/sandbox/clock '{"advance": 61}' >/dev/null
ck_keys Enter
check "confirm application: the agent's SMS code" ck_wait "验证码将发送到单位经办人注册的手机号码。" 5
ap_sms "$AGENT_MOBILE"
check "confirmed: the payment, of the order's price" ck_wait "400.00" 10
check "... the backend holds it confirmed" [ "$(q_state "$draft")" = confirmed ]
ap_pay
check "paid: under review" ck_wait "申请已付款，正在等待审核。" 20
check "... the order number" has "订单号：$draft"
check "the backend: under review, paid once" \
	sh -c "[ \"\$1\" = under_review ]" - "$(q_state "$draft")"
check "... charged once" rb_one_payment "$draft"
rb_api GET "/v1/orders/$draft" >/dev/null
check "... still no order of this terminal (the session opened it)" \
	[ "$(cat "$work/out" | grep -c session_required)" = 1 ]
finish
