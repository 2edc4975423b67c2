#!/bin/sh
# test_reissue.sh - cakiosk-ra: reissue after loss or damage (丢失补办), who
# may do what.  Only the certificate's own subject, with their SMS session,
# reissues it; a stranger cannot reissue or revoke another's certificate,
# nor learn whether a serial is someone's.  The certificate list says the
# token and the form the old certificate was ordered with; the old
# certificate is revoked at confirmation (not before, not twice), and the
# next CRL lists it.
. "$(dirname "$0")/lib.sh"
mkfiles
ra_start --sandbox
now=$(date +%s)
P1_MOBILE=13800138001 P2_MOBILE=13500135001
# reissue TYPE ID SERIAL [REASON]: POST /v1/orders of kind reissue; sets XOID.
reissue() {
	rs_reason=
	[ -n "${4:-}" ] && rs_reason=",\"reason\":\"$4\""
	req POST /v1/orders "{\"kind\":\"reissue\",\"subject_type\":\"$1\",\"subject_id\":\"$2\",\"old_serial\":\"$3\"$rs_reason,\"form\":{\"email\":\"a@example.cn\",\"mobile\":\"13912345678\",\"address\":\"湖南省长沙市岳麓区麓山南路1号\",\"postcode\":\"410082\"}}"
	XOID=$(j order.id 2>/dev/null)
}
# status SERIAL: valid or revoked.
status() {
	s=$SESSION; SESSION=
	req GET "/v1/certificates/$1"
	SESSION=$s
	j certificate.status
}

# Person 1's certificate on a known token, person 2's on none.
sandbox_cert p1 $((now - 100 * 86400)) $((now + 200 * 86400)) person "$PERSON1"
S1=$(openssl x509 -in "$T/p1.crt" -noout -serial | cut -d= -f2)
req POST /v1/sandbox/certificates "{\"subject_type\":\"person\",\"subject_id\":\"$PERSON1\",\"csr\":\"$(pem_json "$T/p1.csr")\",\"not_before\":$now,\"not_after\":$((now + 300 * 86400)),\"token_serial\":\"SH-P1\"}"
S1T=$(j serial)
sandbox_cert p2 $((now - 100 * 86400)) $((now + 200 * 86400)) person "$PERSON2"
S2=$(openssl x509 -in "$T/p2.crt" -noout -serial | cut -d= -f2)

# ---- A stranger ----
SESSION=
reissue person "$PERSON1" "$S1"
is 401 "$STATUS" "no session: a reissue is refused"
is session_required "$(j error.code)" "... session_required"
reissue person "$PERSON1" 00DEADBEEF
is session_required "$(j error.code)" "... the same for a serial that is nobody's: no answer says whose a serial is"
login person "$PERSON2" "$P2_MOBILE"; S_P2=$SESSION
reissue person "$PERSON1" "$S1"
is 403 "$STATUS" "person 2's session reissuing person 1's certificate: refused"
is forbidden "$(j error.code)" "... forbidden"
reissue person "$PERSON2" "$S1"
is 404 "$STATUS" "person 2 naming themselves and person 1's serial: refused"
is unknown_certificate "$(j error.code)" "... unknown_certificate: the certificate must belong to the subject"
req POST /v1/orders "{\"kind\":\"reissue\",\"subject_type\":\"person\",\"subject_id\":\"$PERSON2\",\"certificate\":\"$(pem_json "$T/p1.crt")\",\"form\":{\"email\":\"a@example.cn\",\"mobile\":\"13912345678\",\"address\":\"长沙\",\"postcode\":\"410082\"}}"
is unknown_certificate "$(j error.code)" "... nor by sending person 1's certificate itself"
is valid "$(status "$S1")" "person 1's certificate is still valid after all that"
reissue person "$PERSON2" "$S2" stolen
is 400 "$STATUS" "a reason other than lost or damaged: refused"
is reason "$(j error.field)" "... naming reason"

# ---- The owner's draft, and a stranger at its confirmation ----
login person "$PERSON1" "$P1_MOBILE"; S_P1=$SESSION
req GET "/v1/subjects/person/$PERSON1/orders"
is "$S1T $S1" "$(j certificates.0.serial) $(j certificates.1.serial)" "the owner's certificates are listed, newest first"
is SH-P1 "$(j certificates.0.token_serial)" "... with the token one was written onto"
is "" "$(j certificates.1.token_serial 2>/dev/null)" "... and none where the backend does not know it"
reissue person "$PERSON1" "$S1" damaged
is 201 "$STATUS" "the owner reissues a damaged certificate"
is damaged "$(j order.form.reissue_reason)" "... the reason is kept"
is 20000 "$(j order.price)" "... priced as an application (person, 1 year)"
is valid "$(status "$S1")" "a draft revokes nothing"
req POST "/v1/orders/$XOID/verify" '{"party":"person","method":"mobile","mobile":"13800138001"}'
req POST "/v1/orders/$XOID/upload-link"
upload "$(j url)" id_front=@"$T/doc.jpg" id_back=@"$T/doc.jpg" signature_form=@"$T/doc.png"
SESSION=$S_P2
req POST "/v1/orders/$XOID/confirm"
is 403 "$STATUS" "a stranger's session cannot confirm it (and so revoke the certificate)"
SESSION=
req POST "/v1/orders/$XOID/confirm"
is 401 "$STATUS" "... nor the terminal without a session"
CERT=staff-demo
req POST "/v1/orders/$XOID/confirm"
is 401 "$STATUS" "... nor staff without the customer's session"
CERT=terminal-demo
req POST "/v1/orders/$XOID/cancel"
SESSION=$S_P1
is valid "$(status "$S1")" "none of them revoked it"

# A cancelled reissue revokes nothing either.
reissue person "$PERSON1" "$S1"
is lost "$(j order.form.reissue_reason)" "without a reason a reissue is for a lost certificate"
req POST "/v1/orders/$XOID/cancel"
is cancelled "$(j order.state)" "a reissue cancelled as a draft"
is valid "$(status "$S1")" "... revokes nothing"

# ---- Confirmed: revoked now, and listed by the next CRL ----
reissue person "$PERSON1" "$S1" damaged
A=$XOID
reissue person "$PERSON1" "$S1"
B=$XOID
for o in $A $B; do
	req POST "/v1/orders/$o/verify" '{"party":"person","method":"mobile","mobile":"13800138001"}'
	req POST "/v1/orders/$o/upload-link"
	upload "$(j url)" id_front=@"$T/doc.jpg" id_back=@"$T/doc.jpg" signature_form=@"$T/doc.png"
done
req POST "/v1/orders/$A/confirm"
is confirmed "$(j order.state)" "the owner confirms the reissue"
is revoked "$(status "$S1")" "... and the damaged certificate is revoked at once"
is valid "$(status "$S1T")" "... the subject's other certificate stays valid"
req POST "/v1/orders/$B/confirm"
is 409 "$STATUS" "a second reissue of the same certificate cannot be confirmed (paid twice)"
is certificate_revoked "$(j error.code)" "... certificate_revoked"
reissue person "$PERSON1" "$S1"
is certificate_revoked "$(j error.code)" "... nor made anew"
curl -s -o "$T/crl.der" --cacert "$CA/ca.crt" "$URL/crl.der"
openssl crl -inform DER -in "$T/crl.der" -out "$T/crl.pem"
like "Serial Number: $S1" "$(openssl crl -in "$T/crl.pem" -noout -text)" "the next CRL lists it"
is Superseded "$(crl_reason "$T/crl.pem" "$S1")" "... as superseded: a damaged UKey's key was not exposed"
like "certificate revoked" "$(openssl verify -crl_check -CAfile "$CA/ca.crt" -CRLfile "$T/crl.pem" "$T/p1.crt" 2>&1)" "openssl verify -crl_check refuses it"
like ": OK" "$(openssl verify -crl_check -CAfile "$CA/ca.crt" -CRLfile "$T/crl.pem" "$T/p2.crt" 2>&1)" "... and accepts another's valid certificate"

# ---- The new certificate: made by staff, on the same terms ----
req POST "/v1/orders/$A/payments" '{"channel":"alipay"}'
curl -s -o /dev/null --max-time 20 --cacert "$CA/ca.crt" "$(j payment.code_url)"
req GET "/v1/orders/$A"
is under_review "$(j order.state)" "paid: under review"
CERT=staff-demo
req POST "/v1/orders/$A/review" '{"decision":"approve"}'
newcsr new
req POST "/v1/orders/$A/certificate" "{\"csr\":\"$(pem_json "$T/new.csr")\",\"token_serial\":\"SH-NEW1\",\"so_pin\":\"so-pin-new-1\"}"
is 201 "$STATUS" "staff issue the new certificate onto a blank token"
CERT=terminal-demo
req GET "/v1/subjects/person/$PERSON1/orders"
is "SH-NEW1" "$(j certificates.0.token_serial)" "the list says the new token"
is "湖南省长沙市岳麓区麓山南路1号" "$(j certificates.0.form.address)" "... and the form it was ordered with, for the next reissue"
is "" "$(j certificates.0.form.reissue_reason 2>/dev/null)$(j certificates.0.form.invoice_title 2>/dev/null)" "... without what is not typed"
done_testing
