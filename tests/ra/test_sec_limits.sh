#!/bin/sh
# test_sec_limits.sh - cakiosk-ra: the try limits of every guessable check
# (mobile checks, bank-card checks, transfer memos, SMS codes) hold per
# order, per customer and per terminal; a new order, transfer or SMS does
# not reset them, nor does a restart; and the full mobile never leaves the
# backend.  Tried as an attacker would: wrong guesses, then the right one.
. "$(dirname "$0")/lib.sh"

UNIT3=$(awk '/^unit/ {c++; if (c == 3) {print $2; exit}}' "$T/demo")
ra_start --sandbox

# rq: req, keeping every answer that is not a sandbox inspection in $T/all
# (checked at the end for full mobile numbers).
: >"$T/all"
rq() {
	req "$@"
	cat "$T/out" >>"$T/all"
	echo >>"$T/all"
}
FORM='"form":{"email":"c@example.cn","mobile":"13100000000","address":"长沙","postcode":"410011"}'
# new_order TYPE ID: a draft apply order; sets OID.
new_order() {
	rq POST /v1/orders "{\"kind\":\"apply\",\"subject_type\":\"$1\",\"subject_id\":\"$2\",$FORM}"
	OID=$(j order.id)
}
# guess PARTY MOBILE: a mobile check on $OID.
guess() { rq POST "/v1/orders/$OID/verify" "{\"party\":\"$1\",\"method\":\"mobile\",\"mobile\":\"$2\"}"; }
# burn TYPE ID PARTY N: a new order and N wrong mobile checks on it.
burn() {
	new_order "$1" "$2"
	b=0
	while [ $b -lt "$4" ]; do
		b=$((b + 1))
		guess "$3" "1390000000$b"
	done
}

# ---- mobile checks: per order, per customer, per terminal ----------------
new_order person "$PERSON1"
guess person 13900000001
is verification_failed "$(j error.code)" "a wrong mobile: verification_failed"
is 2 "$(j error.tries_left)" "... 2 tries left on this order"
guess person 13900000002
guess person 13900000003
is 0 "$(j error.tries_left)" "the 3rd wrong mobile on one order leaves no try"
guess person 13800138001
is 429 "$STATUS" "then even the right mobile is refused on that order"
is rate_limited "$(j error.code)" "... rate_limited"
is order "$(j error.scope)" "... the order is locked"
like '^[0-9]+$' "$(j error.retry_after)" "... with retry_after seconds"

new_order person "$PERSON1"
guess person 13900000004
is 1 "$(j error.tries_left)" "a new order of the same customer: tries left are the customer's"
guess person 13900000005
new_order person "$PERSON1"
guess person 13800138001
is 429 "$STATUS" "5 wrong mobiles of one customer: a third order's right mobile is refused"
is subject "$(j error.scope)" "... the customer is locked"

burn person "$PERSON2" person 3
burn person "$PERSON2" person 2
burn person "$PERSON3" person 3
burn person "$PERSON3" person 2
burn unit "$UNIT1" unit 3
burn unit "$UNIT1" agent 2
is verification_failed "$(j error.code)" "20 wrong mobiles from one terminal, each refused"
new_order unit "$UNIT2"
guess unit 13700137000
is 429 "$STATUS" "then a fresh customer's right mobile is refused at that terminal"
is terminal "$(j error.scope)" "... the terminal is locked"
CERT=staff-demo
new_order unit "$UNIT2"
guess unit 13700137000
is verified "$(j state)" "another terminal still verifies that customer"
CERT=terminal-demo

ra_stop TERM
ra_start --sandbox
new_order person "$PERSON1"
guess person 13800138001
is 429 "$STATUS" "after a restart the customer is still locked"
new_order unit "$UNIT3"
guess agent 13300133000
is 429 "$STATUS" "after a restart the terminal is still locked"

# The rest from the staff certificate (a terminal with no failures yet).
CERT=staff-demo

# ---- bank-card checks ---------------------------------------------------
new_order person "$PERSON2"
for c in 1 2 3; do
	rq POST "/v1/orders/$OID/verify" '{"party":"person","method":"bank_card","bank_card":"6222020000000000000"}'
done
is verification_failed "$(j error.code)" "3 cards the bank does not match"
is 0 "$(j error.tries_left)" "... leave no try on the order"
rq POST "/v1/orders/$OID/verify" '{"party":"person","method":"bank_card","bank_card":"4111111111111111"}'
is 429 "$STATUS" "then a matching card is refused on that order"
new_order person "$PERSON2"
rq POST "/v1/orders/$OID/verify" '{"party":"person","method":"bank_card","bank_card":"6222020000000000000"}'
rq POST "/v1/orders/$OID/verify" '{"party":"person","method":"bank_card","bank_card":"6222020000000000000"}'
new_order person "$PERSON2"
rq POST "/v1/orders/$OID/verify" '{"party":"person","method":"bank_card","bank_card":"4111111111111111"}'
is 429 "$STATUS" "5 unmatched cards of one customer: a new order's matching card is refused"

# ---- transfer memos -----------------------------------------------------
new_order person "$PERSON3"
rq POST "/v1/orders/$OID/verify" '{"party":"person","method":"transfer"}'
is 202 "$STATUS" "a transfer is sent"
req GET /v1/sandbox/bank?account=6222020000000000037
memo=$(j transfers.0.memo | sed 's/[^0-9]//g')
wrong=$(printf '%06d' $(( (1$memo + 1) % 1000000 )))
for i in 1 2 3 4 5; do
	rq POST "/v1/orders/$OID/verify" "{\"party\":\"person\",\"method\":\"transfer\",\"memo\":\"$wrong\"}"
done
is 422 "$STATUS" "5 wrong memos are refused"
rq POST "/v1/orders/$OID/verify" '{"party":"person","method":"transfer"}'
is 429 "$STATUS" "a new transfer is refused while the memo tries are spent"
rq POST "/v1/orders/$OID/verify" "{\"party\":\"person\",\"method\":\"transfer\",\"memo\":\"$memo\"}"
is 429 "$STATUS" "... and the right memo of the transfer is refused"
req GET /v1/sandbox/bank?account=6222020000000000037
is 1 "$(j -n transfers)" "... no second transfer was made"

# ---- SMS codes ----------------------------------------------------------
# sms_burn: a code to UNIT3's agent and 5 wrong tries of it.
sms_burn() {
	rq POST /v1/sms "{\"subject_type\":\"unit\",\"subject_id\":\"$UNIT3\"}"
	[ "$STATUS" = 201 ] || return 0
	code=$(last_code 13300133000)
	wrong=$(printf '%06d' $(( (1$code + 3) % 1000000 )))
	for i in 1 2 3 4 5; do
		rq POST /v1/sessions "{\"subject_type\":\"unit\",\"subject_id\":\"$UNIT3\",\"code\":\"$wrong\"}"
	done
}
sms_burn
is code_exhausted "$(j error.code)" "5 wrong codes use a code up"
advance 61
sms_burn
is code_exhausted "$(j error.code)" "a new code: 5 wrong tries again"
advance 61
rq POST /v1/sms "{\"subject_type\":\"unit\",\"subject_id\":\"$UNIT3\"}"
is 429 "$STATUS" "10 wrong codes of one customer: no new code is sent"
is subject "$(j error.scope)" "... the customer is locked"
CERT=terminal-demo
rq POST /v1/sms "{\"subject_type\":\"unit\",\"subject_id\":\"$UNIT3\"}"
is 429 "$STATUS" "... at every terminal"
CERT=staff-demo

# ---- the windows close ----------------------------------------------------
advance 86401
rq POST /v1/sms "{\"subject_type\":\"unit\",\"subject_id\":\"$UNIT3\"}"
is 201 "$STATUS" "a day later a code is sent again"
code=$(last_code 13300133000)
rq POST /v1/sessions "{\"subject_type\":\"unit\",\"subject_id\":\"$UNIT3\",\"code\":\"$code\"}"
is 201 "$STATUS" "... and the right one opens a session"
CERT=terminal-demo
new_order person "$PERSON1"
guess person 13800138001
is verified "$(j state)" "a day later the right mobile verifies again"

# ---- the full mobile never leaves the backend -------------------------------
# A whole application of UNIT1, from lookup to installation, every answer
# kept (the mobiles typed are never echoed; the form's contact is another).
mkfiles
rq GET "/v1/registry/units/$UNIT1"
rq GET "/v1/registry/persons/$PERSON1"
rq POST /v1/sms "{\"subject_type\":\"unit\",\"subject_id\":\"$UNIT1\"}"
code=$(last_code 13912345678)
rq POST /v1/sessions "{\"subject_type\":\"unit\",\"subject_id\":\"$UNIT1\",\"code\":\"$code\"}"
SESSION=$(j session)
new_order unit "$UNIT1"
guess unit 13800138000
guess agent 13912345678
is verified "$(j state)" "a whole application: verified by mobile"
rq POST "/v1/orders/$OID/upload-link"
upload "$(j url)" business_licence=@"$T/doc.pdf" agent_id_front=@"$T/doc.jpg" \
	agent_id_back=@"$T/doc.jpg" seal_form=@"$T/doc.png"
cat "$T/out" >>"$T/all"
rq GET "/v1/orders/$OID/documents"
rq POST "/v1/orders/$OID/confirm"
rq POST "/v1/orders/$OID/payments" '{"channel":"alipay"}'
PAY=$(j payment.id)
curl -s --cacert "$CA/ca.crt" "$(j payment.code_url)" >>"$T/all"
rq GET "/v1/payments/$PAY"
CERT=staff-demo
rq POST "/v1/orders/$OID/review" '{"decision":"approve"}'
CERT=terminal-demo
is sms:138****8000 "$(j order.pin_delivery)" "... approved, the PIN sent to the masked mobile"
newcsr walk
rq POST "/v1/orders/$OID/certificate" "{\"csr\":\"$(pem_json "$T/walk.csr")\"}"
serial=$(j serial)
rq POST "/v1/orders/$OID/installed"
is installed "$(j order.state)" "... installed"
rq GET "/v1/orders/$OID"
rq GET "/v1/certificates/$serial"
rq GET "/v1/subjects/unit/$UNIT1/orders"
rq GET /v1/terminal/orders
SESSION=
leaks=
tr ' ' '\n' <"$T/demo" | grep -Ex '1[3-9][0-9]{9}' >"$T/mobiles"
is 9 "$(wc -l <"$T/mobiles" | tr -d ' ')" "the demo records' 9 mobiles are known to the test"
for m in $(cat "$T/mobiles"); do
	grep -q "$m" "$T/all" && leaks="$leaks $m"
done
is "" "$leaks" "no answer outside the sandbox inspection held a registered mobile"

done_testing
