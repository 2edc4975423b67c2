#!/bin/sh
# test_apply_unit.sh - a unit's application end to end at the real kiosk
# against the real cakiosk-ra (sandbox, mTLS): the unit and its number, the
# record greyed, the form, confirm order, the unit verified by its
# corporate account (the 0.01 CNY transfer's memo read off the sandbox
# bank) and the agent by mobile, Esc back through every step with what was
# typed and verified kept (and the same order), the documents from the
# kiosk's scanner folder, the agent's SMS code, pay, under review, done and
# Order query one key away.  The stored order is checked through the API;
# staff approval then sends the PIN the way the verification chose (the
# memo of a transfer), as the kiosk said it would.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/renew_lib.sh"
. "$(dirname "$0")/query_lib.sh"
. "$(dirname "$0")/apply_lib.sh"

ap_bed
ck_start 80x24 || { not_ok "kiosk starts"; finish; exit 1; }
has() { ck_capture | grep -qF -- "$1"; }

# ---- who, the form, confirm order ------------------------------------------------
check "unit, credit code, the record greyed, the address form" ap_to_form "$UNIT"
ap_address
ck_keys C-u
for i in $(seq 30); do ck_keys BSpace; done
ck_type "finance@xiangjiang.example.cn"
ck_keys Tab BSpace
ck_type 2
ck_keys Enter
check "the confirm page" ck_wait "请再次核对订单。" 5
check "... two years at the backend's price" ck_wait "700.00 元"

# ---- back through the steps: everything kept --------------------------------------
ck_keys m
check "返回修改: the e-mail kept" ck_wait "finance@xiangjiang.example.cn" 5
check "... and the term" ck_wait "2 年价格：700.00 元"
ck_keys Escape
check "Esc: the address form, the street kept" ck_wait "麓山南路1号" 5
check "... and the recipient's mobile" has 13912345678
ck_keys Escape
check "Esc: the identify step, the credit code kept" ck_wait "$UNIT" 5
ck_keys Enter
check "... looked up again: the record" ck_wait "置灰信息来自统一注册平台" 10
ck_keys Enter
check "on again: the address still filled in" ck_wait "麓山南路1号" 5
ck_keys Enter Enter Enter Enter Enter
check "... the e-mail too" ck_wait "finance@xiangjiang.example.cn" 5
ck_keys Enter Enter
ck_wait "请再次核对订单。" 5 >/dev/null

# ---- the order, the unit by its corporate account, the agent by mobile --------------
ck_keys Enter
check "confirm order: the unit's three ways" ck_wait "单位身份核验：请选择一种方式。" 10
check "... the legal representative's mobile, the PIN by SMS to that mobile" \
	ck_wait "证书密码将以短信发到法定代表人手机。"
check "... the corporate account, the PIN in the memo of a transfer" \
	has "证书密码在对公账户收款 0.01 元记录的附言中查询。"
check "... the legal representative's bank card" has "法定代表人银行卡信息认证"
OID=$(ap_order)
check "the order is made (its number in the kiosk's log)" test -n "$OID"
ck_keys 2
check "the corporate account: the kiosk offers the transfer" ck_wait "发起0.01元打款" 5
ck_keys Enter
check "... made: the code from the memo is asked for" ck_wait "* 打款附言中的验证码" 10
rb_api GET /v1/sandbox/bank >/dev/null
memo=$(jfield transfers.0.memo | sed -n 's/.*\([0-9]\{6\}\)$/\1/p')
check "... the sandbox bank sent 0.01 CNY with a code for this order" \
	[ -n "$memo" -a "$(jfield transfers.0.order_id)" = "$OID" ]
ck_type "$memo"
ck_keys Enter
check "verified: the agent's two ways" ck_wait "经办人身份核验：请选择一种方式。" 10
check "... mobile and bank card" sh -c "tmux -L $sock capture-pane -p | grep -q 经办人手机实名认证 &&
	tmux -L $sock capture-pane -p | grep -q 经办人银行卡信息认证"
ck_keys 1
ck_wait "* 经办人手机号" 5 >/dev/null
ck_type "13912345670"
ck_keys Enter
check "a mobile that is not the agent's is refused" ck_wait "与登记的信息不符。" 10
ck_keys C-u
for i in $(seq 12); do ck_keys BSpace; done
ck_type "+86 139 1234 5678"
ck_keys Enter
check "the agent's own mobile (+86 understood): the upload step" \
	ck_wait "请用手机扫码上传申请资料" 10

# Back from the upload step: what was verified stands, the same order.
ck_keys Escape
check "Esc: the agent's step says it is verified" ck_wait "已核验：经办人手机实名认证" 5
ck_keys Escape
check "Esc: so does the unit's, and how the PIN will come" \
	ck_wait "证书密码在对公账户收款 0.01 元记录的附言中查询。" 5
check "... by the corporate account" has "已核验：企业对公账户认证"
ck_keys Escape
check "Esc: the confirm page, as it was" ck_wait "请再次核对订单。" 5
ck_keys Enter
ck_wait "已核验：企业对公账户认证" 10 >/dev/null
ck_keys Enter
ck_wait "已核验：经办人手机实名认证" 5 >/dev/null
ck_keys Enter
check "on again without typing anything: the upload step" \
	ck_wait "请用手机扫码上传申请资料" 10
check "... of the same order (confirming again made no other)" \
	[ "$(sed -n 's/.*apply: order \([0-9A-Za-z]*\) made.*/\1/p' "$work/cakiosk.log" | sort -u)" = "$OID" ]

# ---- the documents from the scanner's folder ---------------------------------------
ap_files
cp "$work/licence.pdf" "$work/scans/old-customer.pdf"
touch -d '1 hour ago' "$work/scans/old-customer.pdf"
cp "$work/licence.pdf" "$work/scans/business_licence.pdf"
cp "$work/id-front.jpg" "$work/scans/agent_id_front.jpg"
cp "$work/id-back.jpg" "$work/scans/agent_id_back.jpg"
cp "$work/seal.png" "$work/scans/seal_form.png"
check "the scanner's four files arrive: the kiosk says so" ck_wait "资料已齐全。" 15
check "... the licence as a PDF of its size" has "已收到：PDF，$(ap_kb "$work/licence.pdf") KB"
check "... the seal sample form as a PNG" has "已收到：PNG，$(ap_kb "$work/seal.png") KB"
check "... the files are removed from the folder once uploaded" \
	sh -c "! ls '$work/scans' | grep -q -e business_licence -e agent_id -e seal_form"
check "... an earlier customer's page is left alone" test -f "$work/scans/old-customer.pdf"
check "... each logged with the order it went to" \
	grep -q "scanner: seal_form.png uploaded to order $OID as seal_form" "$work/cakiosk.log"
check "... never the earlier customer's" sh -c "! grep -q old-customer '$work/cakiosk.log'"

# ---- the agent's SMS code confirms, pay -----------------------------------------------
ck_keys Enter
check "confirm application: an SMS code to the agent" ck_wait "验证码将发送到单位经办人注册的手机号码。" 5
check "... saying what it confirms" has "输入短信验证码即确认申请，随后支付证书费用。"
ap_sms "$AGENT_MOBILE"
check "the code taken: the application is confirmed, the payment asked" ck_wait "支付宝" 10
check "... for two years' price" has "700.00 元"
check "the backend holds the order confirmed" [ "$(q_state "$OID")" = confirmed ]
ap_pay
check "paid: under review, and what happens next" ck_wait "申请已付款，正在等待审核。" 20
check "... the order number" has "订单号：$OID"
check "... review within 3-5 working days, result by SMS" has "3~5 个工作日内审核"
check "... the PIN in the memo of a transfer, as the unit was verified" \
	has "审核通过后：证书密码在对公账户收款 0.01 元记录的附言中查询。"
check "... posted, e-invoice e-mailed" sh -c "tmux -L $sock capture-pane -p | grep -q 'UKey 将寄到您填写的通讯地址' &&
	tmux -L $sock capture-pane -p | grep -q '电子发票将发送到您预留的邮箱'"
check "... the order offered as a QR code for the phone" has "按 i 显示订单二维码，可在手机上查看订单进度。"
ck_keys i
check "... shown alone, saying what it is" ck_wait "扫码在手机上查看订单进度" 3
url=$(rb_qr_url)
ck_keys i
check "... which decodes to the order's status page ($url)" \
	sh -c 'case $1 in "$2"/s/????????????????????????????????) exit 0;; esac; exit 1' - "$url" "$RAURL"
code=$(curl -s -o "$work/status.html" -w '%{http_code}' --cacert "$CA/ca.crt" "$url")
check "... which answers 200 on a phone: this order, under review" \
	sh -c "[ '$code' = 200 ] && grep -q 'id=\"order\">$OID<' '$work/status.html' && grep -q '审核中' '$work/status.html'"

# ---- the stored order, through the API --------------------------------------------
rb_api GET "/v1/orders/$OID" >/dev/null
check "the backend: under review, a unit's application" \
	[ "$(jfield order.state) $(jfield order.kind) $(jfield order.subject_type) $(jfield order.subject_id)" = "under_review apply unit $UNIT" ]
check "... two years, 700.00 CNY" [ "$(jfield order.term_years) $(jfield order.price)" = "2 70000" ]
check "... the form as typed" \
	[ "$(jfield order.form.email)|$(jfield order.form.mobile)|$(jfield order.form.address)|$(jfield order.form.contact_name)" = "finance@xiangjiang.example.cn|13912345678|湖南省长沙市岳麓区麓山南路1号|李娜" ]
check "... the unit verified by transfer, the agent by mobile" \
	sh -c "$top/$B/ra-tools/jget order.verifications <'$work/out' | tr -d ' \n' | grep -q '\"party\":\"unit\",\"method\":\"transfer\",\"state\":\"verified\"' &&
	$top/$B/ra-tools/jget order.verifications <'$work/out' | tr -d ' \n' | grep -q '\"party\":\"agent\",\"method\":\"mobile\",\"state\":\"verified\"'"
check "... four documents" [ "$(jfield -n order.documents)" = 4 ]
check "... paid once" rb_one_payment "$OID"

# ---- Order query, one key away ---------------------------------------------------
ck_keys q
check "Q: the order in Order query (the application's session holds)" ck_wait "审核中" 10
check "... its number" has "$OID"
ck_keys Escape
check "... and the list of the unit's orders" ck_wait "订单（最新的在前" 10
ck_keys Escape Escape
ck_wait "CA证书" 5 >/dev/null

# ---- staff approve: the PIN goes the way the verification chose ---------------------------
q_cli review "$OID" approve
check "approved by staff (cakiosk-ra review)" [ "$(q_state "$OID")" = approved ]
rb_api GET "/v1/orders/$OID" >/dev/null
check "... the PIN went in a transfer's memo, as the kiosk said" \
	sh -c 'case $1 in memo:*) exit 0 ;; esac; exit 1' - "$(jfield order.pin_delivery)"
finish
