#!/bin/sh
# test_issue.sh - cakiosk-ra: issuing X.509 certificates from CSRs (checks,
# extensions, openssl verify against the CA and CRL), electronic seals,
# installation, renewal rules and proof by the old key, change of name,
# reissue with revocation, unlock authorization + SO PIN escrow, terminal
# enrolment.
. "$(dirname "$0")/lib.sh"
mkfiles
ra_start --sandbox
openssl x509 -in "$CA/ca.crt" -noout -pubkey >"$T/ca.pub"

login unit "$UNIT1" 13912345678
approved_unit_order 1
is approved "$(j order.state)" "an approved unit application"

newcsr good
req POST "/v1/orders/$OID/certificate" '{"csr":"-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n"}'
is csr_invalid "$(j error.code)" "a garbage CSR: csr_invalid"
newcsr small -newkey rsa:1024
req POST "/v1/orders/$OID/certificate" "{\"csr\":\"$(pem_json "$T/small.csr")\"}"
is csr_key_size "$(j error.code)" "an RSA-1024 CSR: csr_key_size"
newcsr p384 -newkey ec -pkeyopt ec_paramgen_curve:P-384
req POST "/v1/orders/$OID/certificate" "{\"csr\":\"$(pem_json "$T/p384.csr")\"}"
is csr_key_size "$(j error.code)" "a P-384 CSR: csr_key_size"
openssl req -in "$T/good.csr" -outform DER -out "$T/good.der"
sz=$(stat -c %s "$T/good.der")
cp "$T/good.der" "$T/bad.der"
printf '\001' | dd of="$T/bad.der" bs=1 seek=$((sz - 3)) conv=notrunc 2>/dev/null
{ echo "-----BEGIN CERTIFICATE REQUEST-----"; openssl base64 -in "$T/bad.der"; echo "-----END CERTIFICATE REQUEST-----"; } >"$T/bad.csr"
req POST "/v1/orders/$OID/certificate" "{\"csr\":\"$(pem_json "$T/bad.csr")\"}"
is csr_signature "$(j error.code)" "a CSR with a broken signature: csr_signature"
req GET "/v1/orders/$OID"
is approved "$(j order.state)" "bad CSRs change nothing"

req POST "/v1/orders/$OID/certificate" "{\"csr\":\"$(pem_json "$T/good.csr")\"}"
is 201 "$STATUS" "a good CSR for an approved order: certificate issued"
j certificate >"$T/unit.crt"
SERIAL=$(j serial); SEAL=$(j seal_id)
like ": OK" "$(openssl verify -CAfile "$CA/ca.crt" "$T/unit.crt" 2>&1)" "openssl verify accepts it against the CA"
text=$(openssl x509 -in "$T/unit.crt" -noout -text)
like "Version: 3" "$text" "X.509 v3"
like "Digital Signature, Non Repudiation" "$text" "key usage: digital signature, non-repudiation"
like "TLS Web Client Authentication, E-mail Protection" "$text" "extended key usage"
like "URI:https://127.0.0.1:$PORT/crl.der" "$text" "CRL distribution point"
like "X509v3 Subject Key Identifier" "$text" "subject key identifier"
like "X509v3 Authority Key Identifier" "$text" "authority key identifier"
is "" "$(exts_like_openssl "$T/good.csr" "$T/unit.crt" CUSTOMER)" \
	"its extensions are byte for byte those openssl x509 -req gives the same request (EC P-256)"
is "" "$(ski_is_key_sha1 "$T/unit.crt")" "... its subject key identifier is the SHA-1 of the key's bits"
is "$(openssl x509 -in "$CA/ca.crt" -noout -ext subjectKeyIdentifier | tail -n 1 | tr -d ' ')" \
	"$(openssl x509 -in "$T/unit.crt" -noout -ext authorityKeyIdentifier | sed -n 's/^ *\(keyid:\)\{0,1\}\([0-9A-F:]\{20,\}\).*/\2/p')" \
	"... its authority key identifier is the CA's subject key identifier"
sandbox_cert rsakey $(($(date +%s) - 100)) $(($(date +%s) + 86400)) person "$PERSON1" -newkey rsa:2048
like ": OK" "$(openssl verify -CAfile "$CA/ca.crt" "$T/rsakey.crt" 2>&1)" "a certificate for an RSA-2048 request verifies against the CA"
is "$(openssl req -in "$T/rsakey.csr" -noout -pubkey)" "$(openssl x509 -in "$T/rsakey.crt" -noout -pubkey)" "... carries the request's key"
is "" "$(exts_like_openssl "$T/rsakey.csr" "$T/rsakey.crt" CUSTOMER)" "... with the extensions openssl x509 -req gives it"
is "" "$(ski_is_key_sha1 "$T/rsakey.crt")" "... and the SHA-1 of its key's bits as subject key identifier"
subj=$(openssl x509 -in "$T/unit.crt" -noout -subject -nameopt utf8,sep_comma_plus)
like "O=湖南湘江建设工程有限公司" "$subj" "subject from the registration record, not the CSR"
like "serialNumber=$UNIT1" "$subj" "... with the credit code"
is "$(openssl req -in "$T/good.csr" -noout -pubkey)" "$(openssl x509 -in "$T/unit.crt" -noout -pubkey)" "the certificate carries the CSR's key"
is "$(plus_years "$(cert_start "$T/unit.crt")" 1)" "$(cert_end "$T/unit.crt")" "valid for the term bought (1 calendar year)"
req POST "/v1/orders/$OID/certificate" "{\"csr\":\"$(pem_json "$T/good.csr")\"}"
is wrong_state "$(j error.code)" "a second certificate for the same order: wrong_state"

req GET "/v1/seals/$SEAL"
is 200 "$STATUS" "the electronic seal of the certificate"
is ES "$(j seal.header.id)" "seal header id ES (GM/T 0031)"
is "$SERIAL" "$(j seal.property.certSerial)" "the seal is bound to the certificate's serial"
is "$(openssl x509 -in "$T/unit.crt" -outform DER | openssl dgst -sha256 -r | cut -c1-64)" "$(j seal.property.certHash)" "... and hash"
is "image/png" "$(j seal.picture.type)" "the picture is the uploaded seal sample form"
j der | openssl base64 -d -A >"$T/seal.der"
openssl asn1parse -inform DER -in "$T/seal.der" >"$T/seal.asn1" 2>&1; is 0 $? "the seal is well-formed DER (GM/T 0031 SESeal)"
grep -q 'IA5STRING *:ES$' "$T/seal.asn1" && grep -q 'ecdsa-with-SHA256' "$T/seal.asn1" && ok "... with header ES and the signature algorithm" || not_ok "... with header ES and the signature algorithm"
# esealInfo is the first element inside the outer SEQUENCE: cut it out by its offsets.
off=$(awk '/d=1/ {sub(/:.*/, "", $1); print $1; exit}' "$T/seal.asn1")
hl=$(awk '/d=1/ {for (i = 1; i <= NF; i++) if ($i ~ /^hl=/) {sub(/hl=/, "", $i); print $i}; exit}' "$T/seal.asn1")
len=$(awk '/d=1/ {for (i = 1; i <= NF; i++) if ($i ~ /^l=/) {v = $i; sub(/l=/, "", v); if (v == "") v = $(i + 1); print v}; exit}' "$T/seal.asn1")
dd if="$T/seal.der" of="$T/sealinfo.der" bs=1 skip="$off" count=$((hl + len)) 2>/dev/null
j signedValue | openssl base64 -d -A >"$T/seal.sig"
like "Verified OK" "$(openssl dgst -sha256 -verify "$T/ca.pub" -signature "$T/seal.sig" "$T/sealinfo.der")" "the seal's signature over esealInfo verifies with the CA key"
req POST "/v1/orders/$OID/installed"
is installed "$(j order.state)" "installation acknowledged"
req POST "/v1/orders/$OID/installed"
is wrong_state "$(j error.code)" "acknowledged twice: wrong_state"

# Renewal rules, with certificates of chosen validity (sandbox).
now=$(date +%s)
renew_order() { # CERTNAME [TERM]
	req POST /v1/orders "{\"kind\":\"renew\",\"subject_type\":\"person\",\"subject_id\":\"$PERSON1\",\"term_years\":${2:-1},\"certificate\":\"$(pem_json "$T/$1.crt")\",\"form\":{\"email\":\"wf@example.cn\"}}"
}
sandbox_cert early $((now - 100 * 86400)) $((now + 120 * 86400)) person "$PERSON1"
renew_order early
is not_eligible "$(j error.code)" "120 days left: not eligible"
is too_early "$(j error.reason)" "... too early"
sandbox_cert old $((now - 800 * 86400)) $((now - 400 * 86400)) person "$PERSON1"
renew_order old
is expired_too_long "$(j error.reason)" "expired 400 days ago: not eligible (apply anew)"
sandbox_cert lapsed $((now - 375 * 86400)) $((now - 10 * 86400)) person "$PERSON1"
renew_order lapsed
is 201 "$STATUS" "expired 10 days ago: renewable"
vf=$(j order.valid_from); vt=$(j order.valid_to)
is 1 "$(( vf >= now && vf - now < 120 ))" "... the new validity starts now"
is "$(plus_years "$vf" 1)" "$vt" "... and lasts a year"
sandbox_cert due $((now - 335 * 86400)) $((now + 30 * 86400)) person "$PERSON1"
renew_order due 2
is 201 "$STATUS" "30 days left: renewable"
ROID=$(j order.id)
is 28000 "$(j order.price)" "renewal priced by term (2 years: 280.00 CNY)"
is "$(plus_years $((now + 30 * 86400)) 2)" "$(j order.valid_to)" "the new validity continues from the old end date"
req POST "/v1/orders/$ROID/confirm"
is confirmed "$(j order.state)" "a renewal is confirmed without an SMS (the token PIN)"
req POST "/v1/orders/$ROID/payments" '{"channel":"alipay"}'
curl -s -o /dev/null --cacert "$CA/ca.crt" "$(j payment.code_url)"
req GET "/v1/orders/$ROID"
is paid "$(j order.state)" "a paid renewal needs no review"
newcsr renewed
req POST "/v1/orders/$ROID/certificate" "{\"csr\":\"$(pem_json "$T/renewed.csr")\"}"
is proof_required "$(j error.code)" "renewal without proof: proof_required"
hash=$(openssl req -in "$T/renewed.csr" -outform DER | openssl dgst -sha256 -r | cut -c1-64)
printf 'cakiosk-renew:%s:%s' "$ROID" "$hash" >"$T/proof.tbs"
openssl dgst -sha256 -sign "$T/early.key" -out "$T/proof.bad" "$T/proof.tbs"
req POST "/v1/orders/$ROID/certificate" "{\"csr\":\"$(pem_json "$T/renewed.csr")\",\"proof\":\"$(openssl base64 -A -in "$T/proof.bad")\"}"
is proof_invalid "$(j error.code)" "proof signed by another key: proof_invalid"
openssl dgst -sha256 -sign "$T/due.key" -out "$T/proof.sig" "$T/proof.tbs"
req POST "/v1/orders/$ROID/certificate" "{\"csr\":\"$(pem_json "$T/renewed.csr")\",\"proof\":\"$(openssl base64 -A -in "$T/proof.sig")\"}"
is 201 "$STATUS" "renewal signed by the old key: issued"
j certificate >"$T/renewed.crt"
is "$(plus_years $((now + 30 * 86400)) 2)" "$(cert_end "$T/renewed.crt")" "the new certificate ends 2 years after the old one"
like ": OK" "$(openssl verify -CAfile "$CA/ca.crt" "$T/renewed.crt" 2>&1)" "... and verifies"
due=$(openssl x509 -in "$T/due.crt" -noout -serial | cut -d= -f2)
req GET "/v1/certificates/$due"
is valid "$(j certificate.status)" "the old certificate is looked up by serial"
is "$ROID" "$(j certificate.pending_install.order_id)" "... an issued, not yet installed renewal is found by the old serial"
is "$(openssl x509 -in "$T/renewed.crt" -noout -serial | cut -d= -f2)" "$(j certificate.pending_install.serial)" "... with the new certificate to finish writing"
req POST "/v1/orders/$ROID/installed"
req GET "/v1/certificates/$due"
is "" "$(j certificate.pending_install.order_id 2>/dev/null)" "once installed nothing is pending"

# Reissue after loss: the old certificate is revoked and in the CRL.
req GET "/v1/subjects/unit/$UNIT1/orders"
is "$SERIAL" "$(j certificates.0.serial)" "the customer's certificates are listed for reissue"
req POST /v1/orders "{\"kind\":\"reissue\",\"subject_type\":\"unit\",\"subject_id\":\"$UNIT1\",\"old_serial\":\"$SERIAL\",\"form\":{\"email\":\"agent@example.cn\",\"mobile\":\"13912345678\",\"address\":\"长沙\",\"postcode\":\"410082\"}}"
is 201 "$STATUS" "a reissue order for the lost certificate"
XOID=$(j order.id)
req POST "/v1/orders/$XOID/verify" '{"party":"unit","method":"mobile","mobile":"13800138000"}'
req POST "/v1/orders/$XOID/verify" '{"party":"agent","method":"mobile","mobile":"13912345678"}'
unit_docs "$XOID"
req POST "/v1/orders/$XOID/confirm"
is confirmed "$(j order.state)" "reissue confirmed"
curl -s -o "$T/crl.der" --cacert "$CA/ca.crt" "$URL/crl.der"
openssl crl -inform DER -in "$T/crl.der" -out "$T/crl.pem"
like "verify OK" "$(openssl crl -in "$T/crl.pem" -CAfile "$CA/ca.crt" -noout 2>&1)" "the CRL is signed by the CA"
like "Serial Number: $SERIAL" "$(openssl crl -in "$T/crl.pem" -noout -text)" "the lost certificate is in the CRL"
is "Key Compromise" "$(crl_reason "$T/crl.pem" "$SERIAL")" "... as a key compromise: the lost UKey holds its key"
like "certificate revoked" "$(openssl verify -crl_check -CAfile "$CA/ca.crt" -CRLfile "$T/crl.pem" "$T/unit.crt" 2>&1)" "openssl verify with the CRL refuses the lost certificate"
like ": OK" "$(openssl verify -crl_check -CAfile "$CA/ca.crt" -CRLfile "$T/crl.pem" "$T/renewed.crt" 2>&1)" "... and accepts a valid one"
req POST /v1/orders "{\"kind\":\"renew\",\"subject_type\":\"unit\",\"subject_id\":\"$UNIT1\",\"certificate\":\"$(pem_json "$T/unit.crt")\",\"form\":{\"email\":\"a@b.cn\"}}"
is certificate_revoked "$(j error.code)" "a revoked certificate cannot be renewed"

# Change of name (renamed in the registry first, reviewed like an
# application): same end date, new subject, old certificate superseded.
login unit "$UNIT2" 13600136000
sandbox_cert lugu $((now - 100 * 86400)) $((now + 200 * 86400)) unit "$UNIT2"
req POST /v1/sandbox/registry "{\"subject_type\":\"unit\",\"subject_id\":\"$UNIT2\",\"name\":\"长沙麓谷智能科技有限公司\"}"
req POST /v1/orders "{\"kind\":\"change\",\"subject_type\":\"unit\",\"subject_id\":\"$UNIT2\",\"certificate\":\"$(pem_json "$T/lugu.crt")\"}"
COID=$(j order.id)
is 20000 "$(j order.price)" "a change of name is priced (unit: 200.00 CNY)"
unit_docs "$COID"
req POST "/v1/orders/$COID/confirm"
req POST "/v1/orders/$COID/payments" '{"channel":"alipay"}'
curl -s -o /dev/null --cacert "$CA/ca.crt" "$(j payment.code_url)"
CERT=staff-demo
req POST "/v1/orders/$COID/review" '{"decision":"approve"}'
CERT=terminal-demo
is approved "$(j order.state)" "... paid and approved by staff"
newcsr changed
hash=$(openssl req -in "$T/changed.csr" -outform DER | openssl dgst -sha256 -r | cut -c1-64)
printf 'cakiosk-renew:%s:%s' "$COID" "$hash" | openssl dgst -sha256 -sign "$T/lugu.key" -out "$T/c.sig"
req POST "/v1/orders/$COID/certificate" "{\"csr\":\"$(pem_json "$T/changed.csr")\",\"proof\":\"$(openssl base64 -A -in "$T/c.sig")\"}"
is 201 "$STATUS" "the changed certificate is issued"
j certificate >"$T/changed.crt"
like "O=长沙麓谷智能科技有限公司" "$(openssl x509 -in "$T/changed.crt" -noout -subject -nameopt utf8,sep_comma_plus)" "... with the new name"
is "$(cert_end "$T/lugu.crt")" "$(cert_end "$T/changed.crt")" "... and the old end date"
lugu=$(openssl x509 -in "$T/lugu.crt" -noout -serial | cut -d= -f2)
curl -s -o "$T/crl2.der" --cacert "$CA/ca.crt" "$URL/crl.der"
openssl crl -inform DER -in "$T/crl2.der" -noout -text >"$T/crl2.txt"
grep -q "Serial Number: $lugu" "$T/crl2.txt" && not_ok "the old certificate stays valid until the new one is installed" || ok "the old certificate stays valid until the new one is installed"
req POST "/v1/orders/$COID/installed"
is installed "$(j order.state)" "the kiosk says the changed certificate is on the token"
curl -s -o "$T/crl2.der" --cacert "$CA/ca.crt" "$URL/crl.der"
openssl crl -inform DER -in "$T/crl2.der" -noout -text >"$T/crl2.txt"
grep -q "Serial Number: $lugu" "$T/crl2.txt" && ok "the superseded certificate is revoked" || not_ok "the superseded certificate is revoked"
openssl crl -inform DER -in "$T/crl2.der" -out "$T/crl2.pem"
is "Affiliation Changed" "$(crl_reason "$T/crl2.pem" "$lugu")" "... for a change of affiliation (the name)"

# Unlock: one-time SO authorization, then escrow of the new SO PIN (the
# owner's rights are tested in test_sec_owner.sh).
CERT=staff-demo
req POST /v1/tokens "{\"serial\":\"SH-0001\",\"so_pin\":\"so-12345678\",\"subject_type\":\"person\",\"subject_id\":\"$PERSON1\"}"
is 201 "$STATUS" "a token's SO PIN is escrowed (staff)"
req POST /v1/tokens "{\"serial\":\"SH-0001\",\"so_pin\":\"other-pin\",\"subject_type\":\"person\",\"subject_id\":\"$PERSON1\"}"
is token_exists "$(j error.code)" "escrow cannot be overwritten outside unlock"
CERT=terminal-demo
login person "$PERSON1" 13800138001
req POST /v1/orders "{\"kind\":\"unlock\",\"subject_type\":\"person\",\"subject_id\":\"$PERSON1\",\"token_serial\":\"SH-0001\"}"
UOID=$(j order.id)
req POST "/v1/orders/$UOID/unlock-authorization"
is wrong_state "$(j error.code)" "no authorization before identity verification"
req POST "/v1/orders/$UOID/confirm"
is verification_required "$(j error.code)" "unlock needs identity verification"
req POST "/v1/orders/$UOID/verify" '{"party":"person","method":"bank_card","bank_card":"6222020000000000000"}'
is verification_failed "$(j error.code)" "a card the sandbox bank does not match: verification_failed"
req POST "/v1/orders/$UOID/verify" '{"party":"person","method":"mobile","mobile":"13800138001"}'
req POST "/v1/orders/$UOID/confirm"
is confirmed "$(j order.state)" "verified unlock order confirmed"
IDEM=unlock-auth-1
req POST "/v1/orders/$UOID/unlock-authorization"
is so-12345678 "$(j so_pin)" "the authorization releases the token's SO PIN"
req POST "/v1/orders/$UOID/unlock-authorization"
is so-12345678 "$(j so_pin)" "a retry with the same key gets the same answer"
IDEM=
req POST "/v1/orders/$UOID/unlock-authorization"
is wrong_state "$(j error.code)" "the authorization is used once"
req POST "/v1/orders/$UOID/so-pin" '{"so_pin":"new-so-87654321"}'
is candidate_required "$(j error.code)" "no SO PIN is escrowed that was not recorded as the candidate first"
req POST "/v1/orders/$UOID/so-pin-candidate" '{"so_pin":"new-so-87654321","token_holds":"current"}'
is true "$(j recorded)" "the candidate SO PIN is recorded before the token is changed"
req POST "/v1/orders/$UOID/so-pin" '{"so_pin":"new-so-87654321"}'
is completed "$(j order.state)" "the new SO PIN is escrowed"
if grep -aq 'so-12345678\|new-so-87654321' $(store_files) "$T/server.log" 2>/dev/null; then
	not_ok "no SO PIN in the store or the log in clear"; else ok "no SO PIN in the store or the log in clear"; fi
req POST /v1/orders "{\"kind\":\"unlock\",\"subject_type\":\"person\",\"subject_id\":\"$PERSON1\",\"token_serial\":\"SH-0001\"}"
U2=$(j order.id)
req POST "/v1/orders/$U2/verify" '{"party":"person","method":"mobile","mobile":"13800138001"}'
req POST "/v1/orders/$U2/confirm"
req POST "/v1/orders/$U2/unlock-authorization"
is new-so-87654321 "$(j so_pin)" "the next unlock releases the rotated SO PIN"
req POST /v1/orders "{\"kind\":\"unlock\",\"subject_type\":\"person\",\"subject_id\":\"$PERSON1\",\"token_serial\":\"NOPE\"}"
U3=$(j order.id)
req POST "/v1/orders/$U3/verify" '{"party":"person","method":"mobile","mobile":"13800138001"}'
req POST "/v1/orders/$U3/confirm"
req POST "/v1/orders/$U3/unlock-authorization"
is unknown_token "$(j error.code)" "a token without escrow: unknown_token"
SESSION=

# Terminal enrolment.
code=$("$RA" enrol-code --db "$RA_DB" T-0042)
like '^[0-9]{12}$' "$code" "enrol-code prints a one-time code"
newcsr term
CERT=
req POST /v1/enrol "{\"code\":\"$code\",\"csr\":\"$(pem_json "$T/term.csr")\"}"
is 201 "$STATUS" "a terminal enrols with the code and its CSR (no client certificate yet)"
j certificate >"$CA/t42.crt"; cp "$T/term.key" "$CA/t42.key"
like "CN ?= ?T-0042" "$(openssl x509 -in "$CA/t42.crt" -noout -subject)" "... its certificate names the terminal"
like "TLS Web Client Authentication" "$(openssl x509 -in "$CA/t42.crt" -noout -text)" "... for TLS client authentication"
is "" "$(exts_like_openssl "$T/term.csr" "$CA/t42.crt" TERMINAL)" "... with the extensions openssl x509 -req gives a client certificate"
like ": OK" "$(openssl verify -CAfile "$CA/ca.crt" "$CA/t42.crt" 2>&1)" "... and verifies against the CA"
req POST /v1/enrol "{\"code\":\"$code\",\"csr\":\"$(pem_json "$T/term.csr")\"}"
is enrol_code_used "$(j error.code)" "the code works once"
req POST /v1/enrol "{\"code\":\"000000000000\",\"csr\":\"$(pem_json "$T/term.csr")\"}"
is enrol_code_invalid "$(j error.code)" "an unknown code is refused"
CERT=t42
req GET "/v1/registry/persons/$PERSON3"
is 200 "$STATUS" "the enrolled terminal is accepted over mTLS"
req GET "/v1/orders/$ROID"
is session_required "$(j error.code)" "another terminal cannot read an order without the customer's session"
t42=$(openssl x509 -in "$CA/t42.crt" -noout -serial | cut -d= -f2)
"$RA" revoke --db "$RA_DB" --reason "terminal stolen" "$t42"; is 0 $? "a terminal's certificate can be revoked"
req GET "/v1/registry/persons/$PERSON3"
is client_cert_required "$(j error.code)" "... and the revoked terminal is refused on its next connection"

# Revocation by hand, the CA certificate, the CRL in PEM.
CERT=terminal-demo
renewed=$(openssl x509 -in "$T/renewed.crt" -noout -serial | cut -d= -f2)
"$RA" revoke --db "$RA_DB" --reason "key compromise" "$renewed"; is 0 $? "revoke subcommand"
"$RA" revoke --db "$RA_DB" "$renewed" 2>/dev/null; is 1 $? "revoking twice fails"
curl -s -o "$T/ca.pem" --cacert "$CA/ca.crt" "$URL/v1/ca"
is "$(openssl x509 -in "$CA/ca.crt" -noout -fingerprint -sha256)" "$(openssl x509 -in "$T/ca.pem" -noout -fingerprint -sha256)" "GET /v1/ca gives the CA certificate"
curl -s -o "$T/crl3.pem" --cacert "$CA/ca.crt" "$URL/v1/crl"
like "certificate revoked" "$(openssl verify -crl_check -CAfile "$CA/ca.crt" -CRLfile "$T/crl3.pem" "$T/renewed.crt" 2>&1)" "GET /v1/crl (PEM) lists the certificate revoked by hand"

done_testing
