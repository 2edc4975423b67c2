#!/bin/sh
# test_orders.sh - cakiosk-ra: orders and their state machine, identity
# verification, the document upload page, payments (pay link, auto-pay),
# e-invoice, review by staff, cancellation and idempotent creation.
. "$(dirname "$0")/lib.sh"
mkfiles
ra_start --sandbox

login unit "$UNIT1" 13912345678 && ok "agent logs in with an SMS code" || not_ok "agent logs in with an SMS code"
FORM='"form":{"email":"agent@example.cn","mobile":"13912345678","address":"湖南省长沙市岳麓区麓山南路1号","postcode":"410082"}'
req POST /v1/orders "{\"kind\":\"apply\",\"subject_type\":\"unit\",\"subject_id\":\"$UNIT1\",\"term_years\":2,$FORM}"
is 201 "$STATUS" "create an apply order for a unit"
OID=$(j order.id)
like '^[0-9]{16}$' "$OID" "... a 16-digit order number"
is draft "$(j order.state)" "... in state draft"
is 70000 "$(j order.price)" "... priced by term (2 years: 700.00 CNY)"
is "湖南湘江建设工程有限公司" "$(j order.form.invoice_title)" "... invoice title fixed to the unit's name"

# ---- a draft's form is its customer's: read back whole, and by nobody else ----
# (made by another terminal, as a draft continued at a second kiosk is)
S_U1=$SESSION
RFORM='"form":{"email":"wf@example.cn","mobile":"13300133001","address":"湖南省长沙市岳麓区麓山南路1号","postcode":"410082","contact_name":"王芳收","region":"湖南省长沙市岳麓区"}'
SESSION= CERT=staff-demo
req POST /v1/orders "{\"kind\":\"apply\",\"subject_type\":\"person\",\"subject_id\":\"$PERSON3\",\"term_years\":3,$RFORM}"
is 201 "$STATUS" "a draft with the region typed apart, made at another terminal"
DOID=$(j order.id)
req POST "/v1/orders/$DOID/verify" '{"party":"person","method":"mobile","mobile":"13300133001"}'
req POST /v1/orders "{\"kind\":\"apply\",\"subject_type\":\"person\",\"subject_id\":\"$PERSON3\",\"form\":{\"email\":\"a@b.cn\",\"mobile\":\"13300133001\",\"address\":\"湖南省长沙市岳麓区麓山南路1号\",\"postcode\":\"410082\",\"region\":\"北京市\"}}"
is invalid_field "$(j error.code)" "a region that is not the start of the address is refused"
is region "$(j error.field)" "... naming the field"
CERT=terminal-demo
req GET "/v1/orders/$DOID"
is session_required "$(j error.code)" "this terminal without the customer's session cannot read the draft"
no_form() { if grep -q 王芳收 "$T/out"; then not_ok "$1"; else ok "$1"; fi; }
no_form "... nothing of its form comes back"
SESSION=$S_U1
req GET "/v1/orders/$DOID"
is 403 "$STATUS" "another customer's session cannot read it"
no_form "... nothing of its form comes back"
login person "$PERSON3" 13300133001
req GET "/v1/orders/$DOID"
is "湖南省长沙市岳麓区|湖南省长沙市岳麓区麓山南路1号|王芳收|3" \
	"$(j order.form.region)|$(j order.form.address)|$(j order.form.contact_name)|$(j order.term_years)" \
	"its customer's session reads the form back as it was typed"
is "person mobile verified" "$(j order.verifications.0.party) $(j order.verifications.0.method) $(j order.verifications.0.state)" \
	"... and which identity checks it passed"
SESSION=$S_U1

req POST /v1/orders "{\"kind\":\"apply\",\"subject_type\":\"unit\",\"subject_id\":\"$UNIT1\",\"form\":{\"email\":\"bad\",\"mobile\":\"13912345678\",\"address\":\"x\",\"postcode\":\"410082\"}}"
is invalid_field "$(j error.code)" "a bad e-mail address is refused"
is email "$(j error.field)" "... naming the field"
req POST /v1/orders "{\"kind\":\"apply\",\"subject_type\":\"unit\",\"subject_id\":\"$UNIT1\",\"form\":{\"email\":\"a@b.cn\"}}"
is 400 "$STATUS" "a missing required field is refused"
req POST /v1/orders "{\"kind\":\"fly\",\"subject_type\":\"unit\",\"subject_id\":\"$UNIT1\"}"
is 400 "$STATUS" "an unknown kind is refused"
req POST /v1/orders "{\"kind\":\"apply\",\"subject_type\":\"unit\",\"subject_id\":\"$UNIT1\",\"term_years\":9,$FORM}"
is 400 "$STATUS" "a term of 9 years is refused"
req GET /v1/orders/0000000000000000
is unknown_order "$(j error.code)" "an unknown order: unknown_order"

req POST "/v1/orders/$OID/confirm"
is 409 "$STATUS" "confirm before identity verification: 409"
is verification_required "$(j error.code)" "... verification_required"
req POST "/v1/orders/$OID/verify" '{"party":"unit","method":"mobile","mobile":"13800138999"}'
is verification_failed "$(j error.code)" "legal rep mobile check with the wrong number fails"
req POST "/v1/orders/$OID/verify" '{"party":"unit","method":"mobile","mobile":"13800138000"}'
is verified "$(j state)" "legal rep mobile real-name check passes"
req POST "/v1/orders/$OID/verify" '{"party":"agent","method":"transfer"}'
is bad_method "$(j error.code)" "an agent cannot verify by transfer (two methods only)"
req POST "/v1/orders/$OID/verify" '{"party":"agent","method":"bank_card","bank_card":"4111111111111112"}'
is invalid_field "$(j error.code)" "a bank card failing the Luhn check is refused"
req POST "/v1/orders/$OID/verify" '{"party":"agent","method":"bank_card","bank_card":"4111111111111111"}'
is verified "$(j state)" "agent bank card check passes"

req POST "/v1/orders/$OID/confirm"
is documents_missing "$(j error.code)" "confirm without documents: documents_missing"
is 4 "$(j -n error.missing)" "... all four unit documents are missing"
req POST "/v1/orders/$OID/upload-link"
is 201 "$STATUS" "a one-time upload link"
LINK=$(j url)
like "^https://127.0.0.1:$PORT/u/[0-9a-f]{32}$" "$LINK" "... on the backend's own upload page"
STATUS=$(curl -s -o "$T/out" -w '%{http_code}' --cacert "$CA/ca.crt" "$LINK")
is 200 "$STATUS" "the upload page opens without a client certificate (a phone)"
grep -q '营业执照' "$T/out" && grep -q 'type="file"' "$T/out" && ok "... it asks for the business licence" || not_ok "... it asks for the business licence"
upload "$LINK" business_licence=@"$T/doc.txt"
is 415 "$STATUS" "a text file is refused by content"
upload "$LINK" business_licence=@"$T/doc.pdf" agent_id_front=@"$T/doc.jpg"
is 200 "$STATUS" "PDF and JPEG are accepted"
# A part that names no field (tests/fuzz/fuzz_ra_form found the server
# crashed on it): dropped, and the server lives on.
printf -- '--xb\r\nContent-Disposition: form-data; filename="x.png"\r\n\r\n\211PNG\r\n\032\nfake\r\n--xb--\r\n' >"$T/nameless"
STATUS=$(curl -s -o "$T/out" -w '%{http_code}' --cacert "$CA/ca.crt" \
	-H 'Content-Type: multipart/form-data; boundary=xb' --data-binary @"$T/nameless" "$LINK")
is 400 "$STATUS" "a form part that names no field is dropped (nothing came: 400)"
req GET /v1/health
is 200 "$STATUS" "... and the server still answers"
req GET "/v1/orders/$OID/documents"
is 2 "$(j -n documents)" "the kiosk sees the two documents that arrived"
is "agent_id_back" "$(j missing.0)" "... and what is still missing"
head -c 6000000 /dev/zero >"$T/big.png"; printf '\211PNG\r\n\032\n' | dd of="$T/big.png" conv=notrunc 2>/dev/null
upload "$LINK" seal_form=@"$T/doc.png" agent_id_back=@"$T/big.png"
is 413 "$STATUS" "a 6 MB file is refused"
grep -q 'id="error"' "$T/out" && ok "... with a page that says so" || not_ok "... with a page that says so"
req GET "/v1/orders/$OID/documents"
is 2 "$(j -n documents)" "... and nothing of that upload is kept"
upload "$LINK" agent_id_back=@"$T/doc.jpg" seal_form=@"$T/doc.png"
grep -q 'id="done"' "$T/out" && ok "with all four the page says the documents are complete" || not_ok "with all four the page says the documents are complete"
STATUS=$(curl -s -o "$T/out" -w '%{http_code}' --cacert "$CA/ca.crt" "$LINK")
is 404 "$STATUS" "the link is closed once everything is in"
req GET "/v1/orders/$OID/documents"
is "image/png" "$(j documents.3.mime)" "the seal sample form is stored as PNG (by content)"
STATUS=$(curl -s -o "$T/form.pdf" -w '%{http_code}' --cacert "$CA/ca.crt" "$URL/forms/seal-sample-unit.pdf")
is 200 "$STATUS" "the seal sample form downloads"
is "%PDF-" "$(head -c 5 "$T/form.pdf")" "... as a PDF"

saved=$SESSION; SESSION=
CERT=staff-demo
req POST "/v1/orders/$OID/confirm"
is session_required "$(j error.code)" "confirm needs the customer's SMS session"
CERT=terminal-demo; SESSION=$saved
req POST "/v1/orders/$OID/confirm"
is 200 "$STATUS" "confirm with verification, documents and session"
is confirmed "$(j order.state)" "... confirmed"
req POST "/v1/orders/$OID/confirm"
is wrong_state "$(j error.code)" "confirming twice: wrong_state"
req POST "/v1/orders/$OID/certificate" '{"csr":"x"}'
is wrong_state "$(j error.code)" "a certificate before payment and review: wrong_state"

req POST "/v1/orders/$OID/payments" '{"channel":"bitcoin"}'
is 400 "$STATUS" "an unknown payment channel is refused"
req POST "/v1/orders/$OID/payments" '{"channel":"wechat"}'
is 201 "$STATUS" "a WeChat payment"
PID_=$(j payment.id); PAYURL=$(j payment.code_url)
is 70000 "$(j payment.amount)" "... for the order's price"
like "^https://127.0.0.1:$PORT/pay/P[0-9a-f]+$" "$PAYURL" "... with a code URL for the QR"
req GET "/v1/payments/$PID_"
is pending "$(j payment.state)" "status polling: pending"
STATUS=$(curl -s -o "$T/out" -w '%{http_code}' --cacert "$CA/ca.crt" "$PAYURL")
is 200 "$STATUS" "opening the pay link pays (sandbox)"
grep -q '支付成功' "$T/out" && ok "... the phone sees 支付成功" || not_ok "... the phone sees 支付成功"
req GET "/v1/payments/$PID_"
is paid "$(j payment.state)" "status polling: paid"
req GET "/v1/orders/$OID"
is under_review "$(j order.state)" "a paid application goes to review"
req GET "/v1/sandbox/mails?order=$OID"
is agent@example.cn "$(j mails.0.to_addr)" "the e-invoice is e-mailed to the address given"
like "700.00" "$(j mails.0.body)" "... for 700.00 CNY"
INVOICE=$(j mails.0.body | sed -n 's/^查看发票：//p')
req GET "/v1/orders/$OID"
is "$INVOICE" "$(j order.invoice_url)" "the order query gives the e-invoice link (for a QR)"
# The lists of the order query, each in the protocol's order (an order's
# view is read in one statement and put in order apart from it).
# list NAME FIELD: the FIELD of every row of order.NAME, space-separated.
list() {
	n=$(j -n "order.$1") i=0 out=
	while [ "$i" -lt "$n" ]; do out="$out${out:+ }$(j "order.$1.$i.$2")"; i=$((i + 1)); done
	echo "$out"
}
is "agent unit" "$(list verifications party)" "... its identity checks in order of party (unit's was first)"
is "bank_card mobile" "$(list verifications method)" "... each with its method"
is "agent_id_back agent_id_front business_licence seal_form" "$(list documents kind)" \
	"... its documents in order of kind"
is "image/jpeg image/jpeg application/pdf image/png" "$(list documents mime)" "... each with its type"
like "^draft confirmed paid under_review$" "$(list events to_state)" "... its events in the order they happened"
is "$PID_ wechat 70000 paid" "$(j order.payment.id) $(j order.payment.channel) $(j order.payment.amount) $(j order.payment.state)" \
	"... and its payment"
STATUS=$(curl -s -o "$T/out" -w '%{http_code}' --cacert "$CA/ca.crt" "$INVOICE")
is 200 "$STATUS" "the e-invoice opens on a phone"
grep -q '湖南湘江建设工程有限公司' "$T/out" && grep -q '¥700.00' "$T/out" && ok "... with the title and the amount" || not_ok "... with the title and the amount"
req GET /v1/terminal/orders
is 70000 "$(j paid_total)" "the terminal's receipts of the day"
req POST "/v1/orders/$OID/cancel"
is wrong_state "$(j error.code)" "a paid order cannot be cancelled"

req POST "/v1/orders/$OID/review" '{"decision":"approve"}'
is 403 "$STATUS" "a terminal cannot review"
CERT=staff-demo
req POST "/v1/orders/$OID/review" '{"decision":"reject"}'
is 400 "$STATUS" "a rejection needs a reason"
req POST "/v1/orders/$OID/review" '{"decision":"approve"}'
is approved "$(j order.state)" "staff approve through the API"
req POST "/v1/orders/$OID/review" '{"decision":"approve"}'
is wrong_state "$(j error.code)" "reviewing twice: wrong_state"
CERT=terminal-demo
req GET "/v1/sandbox/sms?mobile=13912345678"
like "$OID.*审核通过" "$(j messages.0.text)" "the agent gets the result by SMS"
req GET "/v1/sandbox/sms?mobile=13800138000"
like "$OID.*证书密码为[0-9]{8}" "$(j messages.0.text)" "the certificate PIN goes to the legal representative by SMS (mobile verification)"
req GET "/v1/orders/$OID"
is "sms:138****8000" "$(j order.pin_delivery)" "the order says how its PIN is delivered"
grep -q '证书密码' "$T/server.log" && not_ok "the PIN is not in the log" || ok "the PIN is not in the log"
req GET "/v1/subjects/unit/$UNIT1/orders"
is "$OID" "$(j orders.0.id)" "order query lists the order"
is approved "$(j orders.0.state)" "... with its state"
CERT=staff-demo
req POST "/v1/orders/$OID/made"
is made "$(j order.state)" "staff made the token"
req POST "/v1/orders/$OID/posted" '{"tracking":"SF1234567890"}'
is posted "$(j order.state)" "posted"
is SF1234567890 "$(j order.tracking)" "... with the tracking number"
CERT=terminal-demo
req GET "/v1/sandbox/sms?mobile=13912345678"
like "SF1234567890" "$(j messages.0.text)" "the customer gets the tracking number by SMS"

# A second order: rejected with a reason by the subcommand.
unit_order_ready
req POST "/v1/orders/$OID/confirm"
req POST "/v1/orders/$OID/payments" '{"channel":"alipay"}'
curl -s -o /dev/null --cacert "$CA/ca.crt" "$(j payment.code_url)"
"$RA" orders --db "$RA_DB" >"$T/list"
grep -q "^$OID apply unit" "$T/list" && ok "the orders subcommand lists orders under review" || not_ok "the orders subcommand lists orders under review"
"$RA" review --db "$RA_DB" --ca-dir "$CA" "$OID" reject 2>/dev/null; is 1 $? "review reject without --reason fails"
"$RA" review --db "$RA_DB" --ca-dir "$CA" "$OID" reject --reason "营业执照不清晰" >/dev/null 2>&1; is 0 $? "review reject by subcommand"
req GET "/v1/orders/$OID"
is rejected "$(j order.state)" "... the order is rejected"
is "营业执照不清晰" "$(j order.reason)" "... with the reason"
req GET "/v1/sandbox/sms?mobile=13912345678"
like "营业执照不清晰" "$(j messages.0.text)" "... and the customer is told why"
"$RA" review --db "$RA_DB" --ca-dir "$CA" "$OID" approve 2>/dev/null; is 1 $? "a rejected order cannot be approved"
REJECTED=$OID

# Cancel, and idempotent creation.
IDEM=create-once
req POST /v1/orders "{\"kind\":\"apply\",\"subject_type\":\"unit\",\"subject_id\":\"$UNIT1\",$FORM}"
first=$(j order.id)
req POST /v1/orders "{\"kind\":\"apply\",\"subject_type\":\"unit\",\"subject_id\":\"$UNIT1\",$FORM}"
is "$first" "$(j order.id)" "a repeated create returns the same order"
IDEM=
req GET "/v1/subjects/unit/$UNIT1/orders"
is 3 "$(j -n orders)" "... and no second order was made"
req POST "/v1/orders/$first/cancel"
is cancelled "$(j order.state)" "a draft can be cancelled"
req POST "/v1/orders/$first/cancel"
is wrong_state "$(j error.code)" "cancelling twice: wrong_state"
req POST "/v1/orders/$first/payments" '{"channel":"alipay"}'
is wrong_state "$(j error.code)" "a cancelled order cannot be paid"

# A confirmed order cancelled while its payment is open; a payment that expires.
unit_order_ready
req POST "/v1/orders/$OID/confirm"
req POST "/v1/orders/$OID/payments" '{"channel":"alipay"}'
PAYURL=$(j payment.code_url); PID_=$(j payment.id)
req POST "/v1/orders/$OID/cancel"
is cancelled "$(j order.state)" "a confirmed order can be cancelled"
req GET "/v1/payments/$PID_"
is cancelled "$(j payment.state)" "... its open payment is cancelled with it"
STATUS=$(curl -s -o "$T/out" -w '%{http_code}' --cacert "$CA/ca.crt" "$PAYURL")
is 409 "$STATUS" "... and its pay link no longer pays"
unit_order_ready
req POST "/v1/orders/$OID/confirm"
req POST "/v1/orders/$OID/payments" '{"channel":"wechat"}'
PAYURL=$(j payment.code_url); PID_=$(j payment.id)
advance 901
req GET "/v1/payments/$PID_"
is expired "$(j payment.state)" "a payment not made within 15 minutes expires"
STATUS=$(curl -s -o "$T/out" -w '%{http_code}' --cacert "$CA/ca.crt" "$PAYURL")
is 409 "$STATUS" "... its pay link no longer pays"
req GET "/v1/orders/$OID"
is confirmed "$(j order.state)" "... and the order waits for a new payment"
req POST "/v1/orders/$OID/payments" '{"channel":"wechat"}'
is 201 "$STATUS" "a new payment can be made"

ra_stop
ra_start --sandbox --pay-delay 0

# A person: verification by a 0.01 CNY transfer memo; auto-pay.
login person "$PERSON1" 13800138001
req POST /v1/orders "{\"kind\":\"apply\",\"subject_type\":\"person\",\"subject_id\":\"$PERSON1\",\"form\":{\"email\":\"wf@example.cn\",\"mobile\":\"13800138001\",\"address\":\"长沙\",\"postcode\":\"410011\"}}"
POID=$(j order.id)
is 20000 "$(j order.price)" "a person's order costs 200.00 CNY for one year"
req POST "/v1/orders/$POID/verify" '{"party":"unit","method":"mobile","mobile":"13800138001"}'
is bad_method "$(j error.code)" "a person's order has no unit to verify"
req POST "/v1/orders/$POID/verify" '{"party":"person","method":"transfer"}'
is 202 "$STATUS" "transfer verification starts: 202"
is pending "$(j state)" "... pending"
req GET /v1/sandbox/bank?account=6222020000000000011
memo=$(j transfers.0.memo | sed 's/[^0-9]//g')
is 1 "$(j transfers.0.amount)" "the sandbox bank sent 0.01 CNY"
like '^[0-9]{6}$' "$memo" "... with a 6-digit memo"
req POST "/v1/orders/$POID/verify" "{\"party\":\"person\",\"method\":\"transfer\",\"memo\":\"$(printf '%06d' $(( (1$memo + 1) % 1000000 )))\"}"
is code_wrong "$(j error.code)" "a wrong memo: code_wrong"
req POST "/v1/orders/$POID/verify" "{\"party\":\"person\",\"method\":\"transfer\",\"memo\":\"$memo\"}"
is verified "$(j state)" "the right memo verifies the person"
req POST "/v1/orders/$POID/upload-link"
upload "$(j url)" id_front=@"$T/doc.jpg" id_back=@"$T/doc.jpg" signature_form=@"$T/doc.png"
req POST "/v1/orders/$POID/confirm"
is confirmed "$(j order.state)" "the person's order is confirmed"
req POST "/v1/orders/$POID/payments" '{"channel":"alipay"}'
PID_=$(j payment.id)
req GET "/v1/payments/$PID_"
is paid "$(j payment.state)" "with --pay-delay 0 the sandbox pays by itself"
req GET "/v1/orders/$POID"
is under_review "$(j order.state)" "... and the order goes to review"
# That GET wrote (the payment settled): on SQLite it began on a read
# connection, which cannot write, and ran again on the writer; its work is
# kept once.
is 1 "$(db_sql "SELECT count(*) FROM order_events WHERE order_id = '$POID' AND to_state = 'paid'")" \
	"the GET that settled the payment moved the order to paid once"
is 1 "$(db_sql "SELECT count(*) FROM mails WHERE order_id = '$POID'")" "... and sent one mail (the e-invoice)"
is 1 "$(db_sql "SELECT count(*) FROM payments WHERE order_id = '$POID' AND state = 'paid'")" "... for one paid payment"
req GET "/v1/orders/$REJECTED"
is rejected "$(j order.state)" "orders survive a restart"
"$RA" review --db "$RA_DB" "$POID" approve >/dev/null 2>&1; is 1 $? "review without a CA directory fails"
"$RA" review --db "$RA_DB" --ca-dir "$CA" "$POID" approve >/dev/null 2>&1; is 0 $? "review approve by subcommand"
req GET /v1/sandbox/bank?account=6222020000000000011
pin=$(j transfers.0.memo | sed -n 's/^证书密码\([0-9]\{8\}\)$/\1/p')
like '^[0-9]{8}$' "$pin" "transfer-verified customer: the PIN is in the memo of a 0.01 CNY transfer"
req GET "/v1/orders/$POID"
like '^memo:' "$(j order.pin_delivery)" "... and the order says so"
is "token PIN: $pin" "$("$RA" make --db "$RA_DB" --ca-dir "$CA" "$POID" | grep 'token PIN')" "staff making the token get the same PIN"
req GET "/v1/orders/$POID"
is made "$(j order.state)" "... and the order is made"
"$RA" post --db "$RA_DB" --ca-dir "$CA" "$POID" YT9876543210 >/dev/null; is 0 $? "post by subcommand"
req GET "/v1/orders/$POID"
is YT9876543210 "$(j order.tracking)" "... records the tracking number"

done_testing
