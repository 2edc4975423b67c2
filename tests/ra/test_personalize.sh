#!/bin/sh
# test_personalize.sh - cakiosk-ra: instant issuance at the counter by staff
# logged in at a kiosk (PROTOCOL.md sections 9 and 12): the SO PIN of the
# blank token recorded before the kiosk sets it and answered again to a
# kiosk that starts over, the certificate PIN the customer was sent, the
# issuance that escrows exactly that SO PIN for the order's subject, the
# order made, and the backend's view of a token for the diagnostics.
# Tried as a stranger would: a terminal without a staff login, a
# customer's session, another terminal's staff session, a logged-out one,
# another SO PIN, a second personalization of the same order.
. "$(dirname "$0")/lib.sh"
mkfiles
ra_start --sandbox

PIN=123456
keep_secret staff_pin "$PIN"
# slogin: staff 1001 at the terminal CERT; SSN.
slogin() {
	s=$SESSION; SESSION=
	req POST /v1/staff/login "{\"staff_no\":\"1001\",\"pin\":\"$PIN\"}"
	SESSION=$s
	SSN=$(j session)
	keep_secret staff_session "$SSN"
}
as() { s=$SESSION; SESSION=$1; shift; "$@"; SESSION=$s; }
enrol_term tb T-PERS-B

login unit "$UNIT1" 13912345678 || exit 1
CUST=$SESSION
approved_unit_order 1
SESSION=
req GET "/v1/sandbox/sms?mobile=13800138000"
UPIN=$(j messages.0.text | sed -n 's/.*证书密码为\([0-9]\{8\}\).*/\1/p')
keep_secret cert_pin "$UPIN"
like '^[0-9]{8}$' "$UPIN" "the approved order's certificate PIN went to the legal representative"
SO1=Kx7pQ2mW9rT4vB8n SO2=Zz9yY8xX7wW6vV5u
keep_secret so_pin "$SO1"; keep_secret so_pin "$SO2"

# ---- a terminal without a staff login gets nothing -------------------------------
req POST "/v1/orders/$OID/personalize" "{\"so_pin\":\"$SO1\"}"
is "401 staff_session_required" "$STATUS $(j error.code)" "a terminal without a staff login: no personalization"
as "$CUST" req POST "/v1/orders/$OID/personalize" "{\"so_pin\":\"$SO1\"}"
is "401 staff_session_invalid" "$STATUS $(j error.code)" "... nor with the customer's own session"
newcsr t1
req POST "/v1/orders/$OID/certificate" "{\"csr\":\"$(pem_json "$T/t1.csr")\",\"token_serial\":\"PZ-0001\",\"so_pin\":\"$SO1\"}"
is "403 forbidden" "$STATUS $(j error.code)" "... it cannot escrow an SO PIN with the issuance"
as "$CUST" req POST "/v1/orders/$OID/certificate" "{\"csr\":\"$(pem_json "$T/t1.csr")\",\"token_serial\":\"PZ-0001\",\"so_pin\":\"$SO1\"}"
is 403 "$STATUS" "... not with the customer's session either"
req POST "/v1/orders/$OID/made"
is "401 staff_session_required" "$STATUS $(j error.code)" "... nor mark the order made"
req GET /v1/tokens/PZ-0001
is 401 "$STATUS" "... nor read the backend's view of a token"
req GET /v1/staff/orders
is "401 staff_session_required" "$STATUS $(j error.code)" "... nor list the orders waiting for a token"
as "$CUST" req GET /v1/staff/orders
is "401 staff_session_invalid" "$STATUS $(j error.code)" "... nor with the customer's session"
grep -q "$OID" "$T/out" && not_ok "... which gets no order" || ok "... which gets no order"
CERT=staff-demo slogin
CERT=terminal-demo
as "$SSN" req POST "/v1/orders/$OID/personalize" "{\"so_pin\":\"$SO1\"}"
is "401 staff_session_invalid" "$STATUS $(j error.code)" "another terminal's staff session is no staff session here"
CERT=tb slogin
as "$SSN" req POST "/v1/orders/$OID/personalize" "{\"so_pin\":\"$SO1\"}"
is 401 "$STATUS" "... nor a session of a terminal enrolled later"
req GET "/v1/orders/$OID"
is "approved" "$(j order.state)" "the order is untouched"
"$RA" escrow PZ-0001 --db "$RA_DB" --ca-dir "$CA" >"$T/esc" 2>&1
grep -q "^so_pin" "$T/esc" && not_ok "no SO PIN escrowed by any of them" || ok "no SO PIN escrowed by any of them"

# ---- staff logged in at this kiosk -------------------------------------------------
slogin; STAFF=$SSN
as "$STAFF" req GET /v1/staff/orders
is "200 $OID apply unit approved" "$STATUS $(j orders.0.id) $(j orders.0.kind) $(j orders.0.subject_type) $(j orders.0.state)" "staff list the approved orders waiting for a token"
like '.' "$(j orders.0.name)" "... with the registered name"
like '^[0-9]+$' "$(j orders.0.approved)" "... and when it was approved"
is "$(printf %.6s "$UNIT1")********$(printf %s "$UNIT1" | tail -c 4)" "$(j orders.0.subject_id_masked)" "... the number masked"
grep -q "$UNIT1\|13800138000" "$T/out" && not_ok "... never a full number or mobile" || ok "... never a full number or mobile"
as "$STAFF" req POST "/v1/orders/$OID/personalize" '{"so_pin":"ab"}'
is "400 invalid_field" "$STATUS $(j error.code)" "an SO PIN of 2 characters is refused"
as "$STAFF" req POST "/v1/orders/$OID/personalize" "{\"so_pin\":\"$SO1\"}"
is 200 "$STATUS" "staff start the personalization"
is "$SO1" "$(j so_pin)" "... the SO PIN is recorded before the token is touched"
is "$UPIN" "$(j user_pin)" "... the user PIN to set is the one the legal representative was sent"
is "approved unit $UNIT1" "$(j state) $(j subject_type) $(j subject_id)" "... for the order's subject"
is "sms:138****8000" "$(j pin_delivery)" "... saying how the customer got it"
as "$STAFF" req POST "/v1/orders/$OID/personalize" "{\"so_pin\":\"$SO2\"}"
is "$SO1" "$(j so_pin)" "starting over gets the recorded SO PIN, not a new one"
grep -aq "$SO1" $(store_files) 2>/dev/null && not_ok "the store holds no SO PIN in clear" || ok "the store holds no SO PIN in clear"

newcsr t2
as "$STAFF" req POST "/v1/orders/$OID/certificate" "{\"csr\":\"$(pem_json "$T/t2.csr")\",\"token_serial\":\"PZ-0001\",\"so_pin\":\"$SO2\"}"
is "409 so_pin_mismatch" "$STATUS $(j error.code)" "an issuance escrowing another SO PIN than the recorded one is refused"
req GET "/v1/orders/$OID"
is "approved" "$(j order.state)" "... nothing issued"
as "$STAFF" req POST "/v1/orders/$OID/certificate" "{\"csr\":\"$(pem_json "$T/t2.csr")\",\"token_serial\":\"PZ-0001\",\"so_pin\":\"$SO1\"}"
is 201 "$STATUS" "staff logged in at the kiosk issue onto the blank token"
is "PZ-0001 unit $UNIT1" "$(j token.serial) $(j token.owner.subject_type) $(j token.owner.subject_id)" "... escrowing its SO PIN for the order's subject"
SERIAL=$(j serial)
like '^[0-9A-F]+$' "$SERIAL" "... a certificate serial"
is "$SO1" "$("$RA" escrow PZ-0001 --db "$RA_DB" --ca-dir "$CA" | sed -n 's/^so_pin //p')" "the escrow holds the recorded SO PIN"

as "$STAFF" req POST "/v1/orders/$OID/personalize" "{\"so_pin\":\"$SO2\"}"
is "200 issued $SO1" "$STATUS $(j state) $(j so_pin)" "a kiosk that lost the token after issuance resumes: the same SO PIN"
is "$SERIAL PZ-0001" "$(j serial) $(j token_serial)" "... the certificate issued and where the backend thinks it is"
like "BEGIN CERTIFICATE" "$(j certificate)" "... with its PEM"
like '.' "$(j seal_id)" "... and its seal"

req POST "/v1/orders/$OID/made"
is 401 "$STATUS" "the terminal alone still cannot mark it made"
as "$STAFF" req POST "/v1/orders/$OID/made"
is "200 made" "$STATUS $(j order.state)" "staff mark the order made"
as "$STAFF" req GET /v1/staff/orders
grep -q "$OID" "$T/out" && not_ok "... it leaves the list of orders waiting" || ok "... it leaves the list of orders waiting"
as "$STAFF" req POST "/v1/orders/$OID/personalize" "{\"so_pin\":\"$SO2\"}"
is "409 wrong_state" "$STATUS $(j error.code)" "a second personalization of the same order is refused"
newcsr t3
as "$STAFF" req POST "/v1/orders/$OID/certificate" "{\"csr\":\"$(pem_json "$T/t3.csr")\",\"token_serial\":\"PZ-0002\",\"so_pin\":\"$SO2\"}"
is "409 wrong_state" "$STATUS $(j error.code)" "... and a second certificate for it"

# ---- the backend's view of a token ----------------------------------------------------
as "$STAFF" req GET /v1/tokens/PZ-0001
is "200 true unit $UNIT1" "$STATUS $(j escrowed) $(j owner.subject_type) $(j owner.subject_id)" "staff see a token's owner"
is "$SERIAL valid $OID made" "$(j certificates.0.serial) $(j certificates.0.status) $(j certificates.0.order_id) $(j certificates.0.order_state)" "... its certificate and the order that made it"
grep -q "$SO1" "$T/out" && not_ok "... never its SO PIN" || ok "... never its SO PIN"
as "$STAFF" req GET /v1/tokens/NOPE-1
is "404 unknown_token" "$STATUS $(j error.code)" "an unknown token: 404"
as "$CUST" req GET /v1/tokens/PZ-0001
is 401 "$STATUS" "a customer's session sees nothing"

# ---- an order that is not an application or a reissue ------------------------------
req POST /v1/orders "{\"kind\":\"unlock\",\"subject_type\":\"unit\",\"subject_id\":\"$UNIT1\",\"token_serial\":\"PZ-0001\"}"
as "$STAFF" req POST "/v1/orders/$(j order.id)/personalize" "{\"so_pin\":\"$SO2\"}"
is "409 wrong_kind" "$STATUS $(j error.code)" "an unlock order gets no new token"

# ---- logged out ---------------------------------------------------------------------
as "$STAFF" req POST /v1/staff/logout '{}'
as "$STAFF" req GET /v1/tokens/PZ-0001
is 401 "$STATUS" "after the logout the staff session opens nothing"

"$RA" audit --db "$RA_DB" >"$T/audit"
grep -q "staff=1001 terminal=DEMO-T01 personalize order $OID (started)" "$T/audit" && ok "audit: the personalization, with the staff number" || not_ok "audit: the personalization"
grep -q "staff=1001 terminal=DEMO-T01 token_issued PZ-0001" "$T/audit" && ok "audit: the issuance onto the token" || not_ok "audit: the issuance onto the token"
grep -q "staff=1001 terminal=DEMO-T01 made $OID" "$T/audit" && ok "audit: the order made" || not_ok "audit: the order made"
grep -aq "$SO1\|$UPIN" "$T/server.log" "$T/audit" && not_ok "no SO PIN or PIN in the log or the audit" || ok "no SO PIN or PIN in the log or the audit"
done_testing
