#!/bin/sh
# test_reissue.sh - replacing a lost or damaged UKey (丢失补办) at the real
# kiosk against the real cakiosk-ra (sandbox, mTLS), in one kiosk session:
# a unit's lost certificate from the list (serial, status, the UKey it is
# on), the form read from the old certificate, confirm order, the unit and
# the agent verified, the documents, the agent's SMS code (the certificate
# revoked now: the CRL lists it and openssl verify -crl_check refuses it),
# pay, review by staff (cakiosk-ra review), the new certificate issued by
# staff, which verifies against the same CRL.  Then a person's damaged one
# up to its order, which revokes nothing before it is confirmed.  Who may
# reissue what is tests/ra/test_reissue.sh's.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/renew_lib.sh"
. "$(dirname "$0")/query_lib.sh"
. "$(dirname "$0")/apply_lib.sh"

ap_bed
has() { ck_capture | grep -qF -- "$1"; }
now=$(date +%s)
# old NAME TYPE ID [TOKEN]: a certificate of the subject's (sandbox), its serial.
old() {
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$work/$1.key" -subj /CN=x -out "$work/$1.csr" 2>/dev/null
	csr=$(awk '{printf "%s\\n", $0}' "$work/$1.csr")
	q_req POST /v1/sandbox/certificates "{\"subject_type\":\"$2\",\"subject_id\":\"$3\",\"csr\":\"$csr\",\"not_before\":$((now - 86400)),\"not_after\":$((now + 300 * 86400))${4:+,\"token_serial\":\"$4\"}}" >/dev/null
	jfield certificate >"$work/$1.crt"
	jfield serial
}
# crl_check NAME TEXT: the current CRL fetched; openssl verify -crl_check
# of NAME.crt against it says TEXT (at the backend's time: its sandbox clock
# was moved a minute on).
crl_check() {
	curl -s --cacert "$CA/ca.crt" "$RAURL/crl.der" | openssl crl -inform DER -out "$work/crl.pem" &&
		openssl verify -attime $(($(date +%s) + 120)) -crl_check -CAfile "$CA/ca.crt" -CRLfile "$work/crl.pem" "$work/$1.crt" \
			>"$work/verify.out" 2>&1
	grep -q -- "$2" "$work/verify.out" || { sed 's/^/# /' "$work/verify.out"; return 1; }
}
cert_status() { SESSION= q_req GET "/v1/certificates/$1" >/dev/null; jfield certificate.status; }
# A damaged UKey that still answers, holding an older certificate of the unit.
rb_token DAMAGED 200 ec || { not_ok "test bed (token)"; finish; exit 1; }
D_OLD=$(openssl x509 -in "$work/keys-DAMAGED/sign.crt" -noout -serial | cut -d= -f2)
U_OLD=$(old unit unit "$UNIT" SH-LOST-1)
P_OLD=$(old person person "$PERSON")
ck_start 80x24 || { not_ok "kiosk starts"; finish; exit 1; }

# ---- a unit, lost ------------------------------------------------------------
ck_keys Space
check "the menu offers the reissue" ck_wait "UKey证书丢失补办" 10
rs_to_sms 1 "$UNIT"
ap_sms "$AGENT_MOBILE"
check "the SMS code taken: the unit's certificates" ck_wait "$U_OLD" 10
check "... on the UKey the backend knows" has SH-LOST-1
check "... valid" has "有效"
bed_ctl present=DAMAGED
check "a damaged UKey inserted: the kiosk reads which certificate it held" ck_wait "插入的 UKey 中是标出的证书" 10
ck_keys Enter
check "... the focus on it: Enter takes that one" ck_wait "请选择补办原因" 5
check "... $D_OLD" has "$D_OLD"
ck_keys Escape
bed_ctl present=none
check "pulled: the note goes" ck_wait_gone "插入的 UKey 中是标出的证书" 10
ck_keys Up
ck_keys Enter
check "chosen: lost or damaged?" ck_wait "请选择补办原因" 5
ck_keys 1
check "lost: the form, read from the old certificate (the registered address)" ck_wait "麓山南路1号" 5
check "... and postcode" has 410082
ck_keys Tab
ck_type "$AGENT_MOBILE"
ck_keys Tab Tab Tab Enter
check "the e-invoice and term" ck_wait "* 电子发票邮箱" 5
ck_keys Enter Enter
check "the confirm page names the certificate replaced" ck_wait "$U_OLD" 5
check "... lost, on its UKey" has "UKey SH-LOST-1，丢失"
check "... at a reissue's price" ck_wait "400.00 元" 5
ap_verify_unit
check "confirmed order, unit and agent verified: the documents" test $? -eq 0
OID=$(ap_order)
check "a reissue order of the lost certificate" \
	[ "$(SESSION= q_req GET "/v1/orders/$OID" >/dev/null; echo "$(jfield order.kind) $(jfield order.old_serial) $(jfield order.form.reissue_reason)")" = "reissue $U_OLD lost" ]
check "... revoked nothing yet" [ "$(cert_status "$U_OLD")" = valid ]
ap_scan_unit
check "the documents arrive" ck_wait "资料已齐全。" 15
ck_keys Enter
check "the agent's SMS code confirms the reissue" ck_wait "原证书随即作废" 10
# A minute since the first code (one a minute per customer): the sandbox clock.
rb_api POST /v1/sandbox/clock '{"advance":61}' >/dev/null
ap_sms "$AGENT_MOBILE"
check "confirmed: the payment" ck_wait "支付宝" 10
check "... the lost certificate is revoked now" [ "$(cert_status "$U_OLD")" = revoked ]
check "... the next CRL lists it: openssl verify -crl_check refuses it" crl_check unit 'certificate revoked'
ap_pay
check "paid: under review" ck_wait "补办申请已付款，正在等待审核。" 20
check "... says the old certificate was revoked" has "$U_OLD"
check "... paid once" rb_one_payment "$OID"

# ---- staff: review, the new certificate ----------------------------------------
q_cli review "$OID" approve
check "approved by staff (cakiosk-ra review)" [ "$(q_state "$OID")" = approved ]
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout "$work/new.key" -subj /CN=x -out "$work/new.csr" 2>/dev/null
q_req POST "/v1/orders/$OID/certificate" "{\"csr\":\"$(awk '{printf "%s\\n", $0}' "$work/new.csr")\",\"token_serial\":\"SH-NEW-1\",\"so_pin\":\"so-pin-new-1\"}" >/dev/null
jfield certificate >"$work/new.crt"
check "staff issue the new certificate onto a blank UKey" [ "$(q_state "$OID")" = issued ]
check "... it passes openssl verify -crl_check" crl_check new ': OK'
check "... the lost one still fails it" crl_check unit 'certificate revoked'

# ---- a person, damaged: up to the order ----------------------------------------
ck_keys q
check "Q: Order query follows the reissue" ck_wait "$OID" 10
ck_keys Escape
ck_wait "订单（最新的在前" 10 >/dev/null
ck_keys Escape
check "... and back to the menu" ck_wait "请选择业务" 10
ck_keys Escape
ck_wait "证书申请 · 证书更新" 10 >/dev/null
ck_keys Space
ck_wait "请选择业务" 5 >/dev/null
rs_to_sms 2 "$PERSON"
ap_sms "$PERSON_MOBILE"
check "a person's certificates" ck_wait "$P_OLD" 10
check "... on no UKey the backend knows" has "未登记"
ck_keys Enter
ck_wait "请选择补办原因" 5 >/dev/null
ck_keys 2
check "damaged: the form" ck_wait "UKey 寄到哪里？" 5
ck_keys Tab
ck_type "$PERSON_MOBILE"
ck_keys Tab Tab Tab Enter
ck_wait "* 电子发票邮箱" 5 >/dev/null
ck_keys Enter Enter
check "the confirm page: damaged" ck_wait "未登记，损坏" 5
ck_keys Enter
check "the order made: the person's identity" ck_wait "个人身份核验：请选择一种方式。" 10
POID=$(ap_order)
check "... a reissue, damaged" \
	[ "$(SESSION= q_req GET "/v1/orders/$POID" >/dev/null; echo "$(jfield order.kind) $(jfield order.old_serial) $(jfield order.form.reissue_reason)")" = "reissue $P_OLD damaged" ]
check "... the certificate still valid (not confirmed)" [ "$(cert_status "$P_OLD")" = valid ]
finish
