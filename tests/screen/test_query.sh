#!/bin/sh
# test_query.sh - Order query (订单查询) against the real cakiosk-ra: orders
# of the customer in several states, made by staff (not by this kiosk, so
# the kiosk reaches them with the customer's SMS session only): one rejected
# with a reason, a draft, one under review approved, made and posted with a
# tracking number (cakiosk-ra review / make / post), two confirmed and
# unpaid, and another customer's paid renewal.  The list (newest first, state in words, amount), an order's
# details (its steps on the step bar, how the PIN is delivered, the
# tracking number, the e-invoice QR), cancelling an unpaid order, paying a
# confirmed one here, a paid renewal handed to the renewal, a session the
# backend let expire sending the customer back to the SMS code, and the
# customer's ID number and session gone from the kiosk's memory after.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/renew_lib.sh"
. "$(dirname "$0")/query_lib.sh"

rb_setup || { not_ok "test bed (backend)"; finish; exit 1; }
AGENT=13912345678
UNIT2=91430100MA4L0002XB
AGENT2=13600136000
no_text() { ! ck_capture | grep -qF -- "$1"; }
# q_open ORDER: on the list, open ORDER by its row's number.
q_open() {
	ck_wait "订单（最新的在前" 10 >/dev/null && ck_wait "$1" 5 >/dev/null || return 1
	h=$(ck_capture | grep -n "订单（最新的在前" | cut -d: -f1)
	r=$(ck_capture | grep -n -- "$1" | cut -d: -f1)
	ck_keys $((r - h))
	ck_wait "订单号            $1" 10 >/dev/null
}
# The list's row of ORDER says TEXT.
row_says() { ck_capture | grep -- "$1" | grep -qF -- "$2"; }

# ---- the orders, oldest first -----------------------------------------------------
q_session unit "$UNIT" $AGENT || not_ok "a session for the API calls"
# A tick of the backend's clock between orders: each its own second.
tick() { rb_api POST /v1/sandbox/clock '{"advance": 2}' >/dev/null; }
q_apply; rejected=$OID; tick
q_confirm "$rejected" && q_pay "$rejected"
q_cli review "$rejected" reject --reason "营业执照复印件未加盖公章，请加盖公章后重新上传"
check "an order was rejected by staff with a reason" [ "$(q_state "$rejected")" = rejected ]
q_apply; draft=$OID; tick
q_apply; posted=$OID; tick
q_confirm "$posted" && q_pay "$posted"
q_cli review "$posted" approve && q_cli make "$posted" && q_cli post "$posted" SF1234567890
check "an order went through review, making and posting" [ "$(q_state "$posted")" = posted ]
q_apply; topay=$OID; tick
q_confirm "$topay"
q_apply; tocancel=$OID
q_confirm "$tocancel"
check "two orders are confirmed and unpaid" \
	[ "$(q_state "$topay")" = confirmed -a "$(q_state "$tocancel")" = confirmed ]
SESSION=

# The runs of a session token's shape (64 hex digits) the kiosk holds:
# hex_before before the visit, hex_visit after the login keeps the new ones
# in $work/hexruns; hex_left counts how many of those are still there.
root() { [ "$(id -u)" = 0 ]; }
hex_before() { root && "$tools/memgrep" "$kiosk_pid" --hex64 | sort -u >"$work/hex0"; }
hex_visit() {
	"$tools/memgrep" "$kiosk_pid" --hex64 | sort -u >"$work/hex1"
	comm -13 "$work/hex0" "$work/hex1" >"$work/hexruns"
}
hex_left() {
	left=0
	for t in $(cat "$work/hexruns"); do mem_gone "$t" || left=$((left + 1)); done
	echo "$left"
}

ck_start 80x24 || { not_ok "kiosk starts"; finish; exit 1; }
hex_before
rb_api POST /v1/sandbox/clock '{"advance": 61}' >/dev/null
check "identify, SMS code: the orders" q_login 1 "$UNIT" $AGENT
if root; then
	hex_visit
	check "while the visit lasts, the kiosk holds its session ($(wc -l <"$work/hexruns") candidate)" \
		test -s "$work/hexruns"
fi

# ---- the list ------------------------------------------------------------------------
check "newest first: the last order made is the first row" ck_wait "$tocancel" 5
first=$(ck_capture | grep -n -e "$tocancel" -e "$topay" -e "$posted" -e "$draft" | cut -d: -f1 | tr '\n' ' ')
rows=$(for o in $tocancel $topay $posted $draft; do ck_capture | grep -n -- "$o" | cut -d: -f1; done | tr '\n' ' ')
check "... and the others below it in order ($rows)" [ "$rows" = "$first" ]
check "each row names the service" sh -c "[ \$(printf '%s\n' \"\$1\" | grep -c 证书申请) -ge 4 ]" - "$(ck_capture)"
check "a draft: in plain words" ck_wait "未提交"
check "posted: in plain words" ck_wait "已邮寄"
check "confirmed and unpaid: in plain words" ck_wait "已确认，待付款"
check "the amount" ck_wait "400.00"
check "the customer's certificates are listed" ck_wait "证书"

# ---- one order in detail: posted -----------------------------------------------------------
check "an order opens: its number" q_open "$posted"
check "... its steps on the step bar, from the manual" ck_wait "在线填写申请信息"
check "... the state in words" ck_wait "已邮寄"
check "... how the PIN was delivered: by SMS to the legal representative" \
	ck_wait "短信发送到 138****8000"
check "... the tracking number" ck_wait "SF1234567890"
check "... and the e-invoice is offered as a QR code" ck_wait "按 i 显示电子发票二维码"
check "a posted order cannot be cancelled" no_text "取消订单"
ck_keys i
url=$(rb_qr_url)
check "the e-invoice QR code opens the invoice ($url)" sh -c 'case $1 in */invoice/*) exit 0;; esac; exit 1' - "$url"
check "... which the backend serves" sh -c "curl -s --cacert '$CA/ca.crt' '$url' | grep -q 湖南湘江建设工程有限公司"
ck_keys i
check "... and the order's own page for the phone as another" ck_wait "按 p 显示订单二维码"
ck_keys p
check "P shows that QR code alone, saying what it is" ck_wait "扫码在手机上查看订单进度。" 3
url=$(rb_qr_url)
check "... it decodes to the order's status page ($url)" \
	sh -c 'case $1 in "$2"/s/????????????????????????????????) exit 0;; esac; exit 1' - "$url" "$RAURL"
code=$(curl -s -o "$work/status.html" -w '%{http_code}' --cacert "$CA/ca.crt" "$url")
check "... which answers 200 on a phone (no client certificate)" [ "$code" = 200 ]
check "... posted, with the tracking number, in plain words" \
	sh -c "grep -q 'id=\"tracking\">SF1234567890<' '$work/status.html' && grep -q 'UKey 已寄出' '$work/status.html'"
check "... and no full mobile or credit code" \
	sh -c "! grep -q '13800138000\|13912345678\|$UNIT' '$work/status.html'"
ck_keys p
ck_keys Escape

# ---- a draft application: it continues at its documents (test_apply_resume.sh) ----------------
q_open "$draft"
check "a draft application offers to continue it here" ck_wait "[ 继续办理 ]" 10
ck_keys Escape

# ---- rejected: the reviewer's reason ----------------------------------------------------------
q_open "$rejected"
check "a rejected order: not approved, in plain words" ck_wait "审核未通过" 10
check "... the reviewer's reason" ck_wait "营业执照复印件未加盖公章" 5
check "... the payment goes back, and how to apply again" ck_wait "费用将原路退回" 5
check "... nothing to continue or cancel" sh -c "! tmux -L $sock capture-pane -p | grep -q -e 继续办理 -e 取消订单"
ck_keys Escape

# ---- cancel an unpaid order ----------------------------------------------------------------
q_open "$tocancel"
check "an unpaid order offers to pay it here" ck_wait "[ 立即付款 ]"
check "... and to cancel it" ck_wait "[ 取消订单 ]"
ck_keys c
check "cancelling asks first" ck_wait "要取消这个订单吗" 5
ck_keys k
check "keep it: nothing happens" ck_wait_gone "要取消这个订单吗" 5
check "... the order stays confirmed" [ "$(q_state "$tocancel")" = confirmed ]
ck_keys c
ck_wait "要取消这个订单吗" 5 >/dev/null
ck_keys Enter
check "cancelled: the order says so" ck_wait "已取消" 10
check "... at the backend too" [ "$(q_state "$tocancel")" = cancelled ]
check "... and it no longer offers to pay" no_text "立即付款"
ck_keys Escape
ck_wait "订单（最新的在前" 10 >/dev/null
check "the list shows it cancelled" _poll 5 row_says "$tocancel" "已取消"

# ---- continue a confirmed order: pay it here ------------------------------------------------
q_open "$topay"
ck_keys Enter
check "continue: the payment step of the order" ck_wait "支付宝" 10
ck_keys 1
check "... its QR code" ck_wait "请用支付宝扫码支付" 10
check "... for its amount" ck_wait "400.00"
rb_pay
check "paid: the kiosk says so, and what comes next" ck_wait "订单已付款" 20
check "... the backend has it under review" [ "$(q_state "$topay")" = under_review ]
rb_api GET "/v1/sandbox/payments?order=$topay" >/dev/null
check "... charged once" [ "$(jfield -n payments)" = 1 ]

# ---- the visit ends: nothing of it stays ----------------------------------------------------
ck_keys Enter
ck_wait "CA证书" 5 >/dev/null
if root; then
	check "the credit code typed is gone from the kiosk's memory" mem_gone "$UNIT"
	check "... and so are the order numbers" mem_gone "$topay"
	gone=$(hex_left)
	check "... and the session token (no 64-hex run of the visit is left: $gone)" [ "$gone" = 0 ]
else
	ok "# SKIP memory proofs need root"
fi

# ---- another customer's paid renewal: handed to the renewal ---------------------------------
mkdir -p "$work/r"
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/r/k.pem" \
	-subj /CN=x -out "$work/r/c.csr" 2>/dev/null
now=$(date +%s)
csr=$(awk '{printf "%s\\n", $0}' "$work/r/c.csr")
q_req POST /v1/sandbox/certificates "{\"subject_type\":\"unit\",\"subject_id\":\"$UNIT2\",\"csr\":\"$csr\",\"not_before\":$((now - 300 * 86400)),\"not_after\":$((now + 30 * 86400))}" >/dev/null
pem=$(jfield certificate | awk '{printf "%s\\n", $0}')
q_req POST /v1/orders "{\"kind\":\"renew\",\"subject_type\":\"unit\",\"subject_id\":\"$UNIT2\",\"term_years\":1,\"form\":{\"email\":\"a@example.cn\"},\"certificate\":\"$pem\"}" >/dev/null
renew=$(jfield order.id)
q_confirm "$renew" && q_pay "$renew"
check "a renewal made elsewhere is paid" [ "$(q_state "$renew")" = paid ]
check "its customer logs in" q_login 1 "$UNIT2" $AGENT2
# The backend lets the session go (15 minutes): the next call finds it
# gone and the customer is back at the SMS code, not at an error.
rb_api POST /v1/sandbox/clock '{"advance": 901}' >/dev/null
ck_keys 1
check "an expired session sends the customer back to the SMS code" ck_wait "[ 发送验证码 ]" 10
ck_keys Enter
ck_wait "验证码已发送到" 10 >/dev/null
ck_type "$(q_code $AGENT2)"
ck_keys Enter
check "... and a new code opens the orders again" ck_wait "订单（最新的在前" 10
ck_keys 1
check "the paid renewal: not yet on the UKey" ck_wait "已付款，尚未写入UKey" 10
check "... its steps: those of the renewal" ck_wait "5.下载证书及印章"
check "... finished with the UKey, without paying again" ck_wait "无需再次付款"
ck_keys Enter
check "continue: the renewal asks for the UKey" ck_wait "请插入要更新的UKey" 10

# ---- logged in, then nobody there: the idle timeout wipes the session -----------
tmux -L "$sock" kill-server
sed -i 's/^idle_timeout = .*/idle_timeout = 6/; s/^idle_countdown = .*/idle_countdown = 3/' \
	"$work/cakiosk.conf"
ck_start 80x24 || { not_ok "kiosk starts again"; finish; exit 1; }
hex_before
rb_api POST /v1/sandbox/clock '{"advance": 61}' >/dev/null
check "logged in again (idle test): the orders" q_login 1 "$UNIT2" $AGENT2
if root; then
	hex_visit
	check "... the kiosk holds the visit's session ($(wc -l <"$work/hexruns") candidate)" \
		test -s "$work/hexruns"
	check "... and the credit code" "$tools/memgrep" "$kiosk_pid" "$UNIT2"
fi
check "left alone on the orders: the countdown" ck_wait "您还在吗" 15
check "no answer: the visit ends, the welcome screen" ck_wait "请按任意键或触摸屏幕开始" 10
if root; then
	check "... the credit code is wiped from the kiosk's memory" mem_gone "$UNIT2"
	gone=$(hex_left)
	check "... and the SMS session token (64-hex runs of the visit left: $gone)" [ "$gone" = 0 ]
else
	ok "# SKIP memory proofs need root"
fi

finish
