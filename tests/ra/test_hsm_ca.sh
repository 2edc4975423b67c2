#!/bin/sh
# test_hsm_ca.sh - cakiosk-ra with the CA's issuing key in a PKCS#11 token
# (SoftHSM, its tokens in the test's directory): ca init and its refusals
# (nothing left behind), the key sensitive and not extractable, serving
# through the token (a certificate, the CRL and a seal verified against root
# + intermediate, issuances at once from several threads), and a clear
# error at start-up for a wrong or missing PIN, a token or key gone and a
# missing module.
. "$(dirname "$0")/lib.sh"
P11=${SOFTHSM_MODULE:-/usr/lib/softhsm/libsofthsm2.so}
P11ATTR=$B/ra-tools/p11attr
for t in softhsm2-util pkcs11-tool; do
	command -v $t >/dev/null || { echo "Bail out! $t is missing (kiosk/install-deps.sh)"; exit 1; }
done
[ -r "$P11" ] || { echo "Bail out! no SoftHSM module at $P11"; exit 1; }
[ -x "$P11ATTR" ] || { echo "Bail out! $P11ATTR is not built"; exit 1; }

mkdir "$T/tokens"
printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\nlog.level = ERROR\n' "$T" >"$T/softhsm2.conf"
export SOFTHSM2_CONF="$T/softhsm2.conf"
PIN=314159
softhsm2-util --init-token --free --label CA --so-pin 27182818 --pin "$PIN" >/dev/null ||
	{ echo "Bail out! softhsm2-util cannot make a token"; exit 1; }
keep_secret pin "$PIN"
printf '%s\n' "$PIN" >"$T/pin"
printf '999999\n' >"$T/badpin"
# objects: the number of key objects on the token.
objects() {
	pkcs11-tool --module "$P11" --token-label CA --login --pin "$PIN" -O 2>/dev/null | grep -c 'Key Object'
}
# init [OPTIONS...]: ca init into $CA; output in $T/init.out, status in RC.
init() {
	"$RA" ca init --ca-dir "$CA" "$@" >"$T/init.out" 2>&1
	RC=$?
}
# leftovers: what a refused ca init left in $T (the CA directory or its stage).
leftovers() { ls -d "$CA" "$CA".init-* 2>/dev/null; }

# ---- ca init's refusals: one sentence, nothing left behind ----
init --module "$P11" --token CA
like "PIN is needed.*--pin-file" "$(cat "$T/init.out")" "ca init without a PIN: asks for --pin-file or CAKIOSK_RA_PIN"
init --module "$T/none.so" --token CA --pin-file "$T/pin"
is "cakiosk-ra: cannot load the PKCS#11 module $T/none.so: No such file or directory" "$(cat "$T/init.out")" "a missing module: one sentence"
init --module "$P11" --token NOPE --pin-file "$T/pin"
is "cakiosk-ra: no token labelled \"NOPE\" in $P11" "$(cat "$T/init.out")" "a missing token: one sentence"
init --module "$P11" --token CA --pin-file "$T/badpin"
is "cakiosk-ra: the token \"CA\" refused the PIN" "$(cat "$T/init.out")" "a wrong PIN: one sentence"
is 1 "$RC" "... and a non-zero exit"
init --module "$P11" --token CA --pin-file "$T/pin" --subject "$(printf 'a\tb')"
is "cakiosk-ra: --subject wants an organisation's name (1..48 characters)" "$(cat "$T/init.out")" "a subject with a control character: refused"
is "" "$(leftovers)" "the refusals leave no CA directory, whole or half"
is 0 "$(objects)" "... and no key in the token"

# ---- ca init ----
init --module "$P11" --token CA --pin-file "$T/pin" --subject "cakiosk Demo"
is 0 "$RC" "ca init makes the CA"
ID=$(sed -n 's/^key_id = //p' "$CA/hsm.conf")
like "^[0-9a-f]{32}$" "$ID" "hsm.conf names the key by its id"
is "module = $P11|token = CA" "$(grep -E '^(module|token) =' "$CA/hsm.conf" | paste -sd '|')" "... the module and the token"
is "" "$(grep -rl "$PIN" "$CA" "$T/init.out")" "the PIN is written nowhere"
is "ca.crt chain.pem hsm.conf root.crt" "$(ls "$CA" | paste -sd ' ')" "the CA directory: the root, the intermediate, the chain, hsm.conf; no key file"
is 2 "$(objects)" "the key pair is in the token"
CAKIOSK_RA_PIN=$PIN "$P11ATTR" "$P11" CA "$ID" >"$T/attr" 2>&1
is "sensitive=1 extractable=0 always_sensitive=1 never_extractable=1" \
	"$(grep -v '^value' "$T/attr" | paste -sd ' ')" "the key is sensitive and not extractable, since its generation"
is "value=refused" "$(grep '^value' "$T/attr")" "the token refuses to give the key's value (C_GetAttributeValue of CKA_VALUE)"
like ": OK" "$(openssl verify -CAfile "$CA/root.crt" "$CA/ca.crt" 2>&1)" "the intermediate verifies against the root"
like "CA:TRUE, pathlen:0" "$(openssl x509 -in "$CA/ca.crt" -noout -ext basicConstraints)" "... a CA that issues end entities only"
is "$(openssl x509 -in "$CA/ca.crt" -noout -pubkey)" \
	"$(pkcs11-tool --module "$P11" --token-label CA --read-object --type pubkey --id "$ID" 2>/dev/null | openssl pkey -pubin -inform DER 2>/dev/null)" \
	"... for the token's key"
is "$(cat "$CA/ca.crt" "$CA/root.crt")" "$(cat "$CA/chain.pem")" "chain.pem: the intermediate then the root"
sum=$(cat "$CA"/* | openssl dgst -sha256 -r)
init --module "$P11" --token CA --pin-file "$T/pin"
like "is not empty" "$(cat "$T/init.out")" "ca init never overwrites a CA directory"
is "$sum" "$(cat "$CA"/* | openssl dgst -sha256 -r)" "... which stays as it was"
is 2 "$(objects)" "... and makes no key"

# ---- serving through the token ----
ra_start --sandbox --pin-file "$T/pin"
like '"status":"ok"' "$(curl -s --max-time 10 --cacert "$CA/root.crt" "$URL/v1/health")" \
	"a client trusting the root alone reaches the server (it sends the intermediate)"
curl -s --max-time 10 --cacert "$CA/root.crt" -o "$T/chain" "$URL/v1/ca"
is "$(cat "$CA/chain.pem")" "$(cat "$T/chain")" "GET /v1/ca gives the chain"
like ": OK" "$(openssl verify -CAfile "$CA/root.crt" -untrusted "$CA/ca.crt" "$CA/terminal-demo.crt" 2>&1)" \
	"the terminal certificate made at start verifies against root + intermediate"

mkfiles
login unit "$UNIT1" 13912345678
approved_unit_order 1
newcsr good
req POST "/v1/orders/$OID/certificate" "{\"csr\":\"$(pem_json "$T/good.csr")\"}"
is 201 "$STATUS" "a certificate issued through the API, signed in the token"
j certificate >"$T/unit.crt"
SERIAL=$(j serial); SEAL=$(j seal_id)
like ": OK" "$(openssl verify -CAfile "$CA/root.crt" -untrusted "$CA/ca.crt" "$T/unit.crt" 2>&1)" \
	"... passes openssl verify against root + intermediate"
openssl verify -CAfile "$CA/root.crt" "$T/unit.crt" >/dev/null 2>&1
is 2 "$?" "... and not against the root alone (the intermediate signed it)"

req GET "/v1/seals/$SEAL"
is 200 "$STATUS" "the certificate's electronic seal"
j der | openssl base64 -d -A >"$T/seal.der"
openssl asn1parse -inform DER -in "$T/seal.der" >"$T/seal.asn1"
off=$(awk '/d=1/ {sub(/:.*/, "", $1); print $1; exit}' "$T/seal.asn1")
hl=$(awk '/d=1/ {for (i = 1; i <= NF; i++) if ($i ~ /^hl=/) {sub(/hl=/, "", $i); print $i}; exit}' "$T/seal.asn1")
len=$(awk '/d=1/ {for (i = 1; i <= NF; i++) if ($i ~ /^l=/) {v = $i; sub(/l=/, "", v); if (v == "") v = $(i + 1); print v}; exit}' "$T/seal.asn1")
dd if="$T/seal.der" of="$T/sealinfo.der" bs=1 skip="$off" count=$((hl + len)) 2>/dev/null
j signedValue | openssl base64 -d -A >"$T/seal.sig"
openssl x509 -in "$CA/ca.crt" -noout -pubkey >"$T/ca.pub"
like "Verified OK" "$(openssl dgst -sha256 -verify "$T/ca.pub" -signature "$T/seal.sig" "$T/sealinfo.der")" \
	"the seal's signature verifies with the intermediate's key"

"$RA" revoke --db "$RA_DB" --reason "lost token" "$SERIAL" >/dev/null
curl -s --max-time 10 --cacert "$CA/root.crt" -o "$T/crl.der" "$URL/crl.der"
openssl crl -inform DER -in "$T/crl.der" -out "$T/crl.pem"
like "verify OK" "$(openssl crl -in "$T/crl.pem" -CAfile "$CA/ca.crt" -noout 2>&1)" "the CRL verifies against the intermediate"
like "certificate revoked" "$(openssl verify -crl_check -CAfile "$CA/root.crt" -untrusted "$CA/ca.crt" -CRLfile "$T/crl.pem" "$T/unit.crt" 2>&1)" \
	"... and revokes the certificate"

# Issuances at once: the server's threads take turns at the token.
i=0
while [ $i -lt 8 ]; do newcsr "p$i"; i=$((i + 1)); done
now=$(date +%s)
i=0 pids=
while [ $i -lt 8 ]; do
	curl -s -o "$T/p$i.json" --max-time 30 --cacert "$CA/ca.crt" --cert "$CA/terminal-demo.crt" \
		--key "$CA/terminal-demo.key" -H "Idempotency-Key: par-$$-$i" -H 'Content-Type: application/json' \
		--data-binary "{\"subject_type\":\"person\",\"subject_id\":\"$PERSON1\",\"csr\":\"$(pem_json "$T/p$i.csr")\",\"not_before\":$now,\"not_after\":$((now + 86400))}" \
		"$URL/v1/sandbox/certificates" &
	pids="$pids $!"
	i=$((i + 1))
done
# Each curl has its deadline (--max-time); the server is not waited for.
for p in $pids; do wait "$p"; done
good=0 i=0
while [ $i -lt 8 ]; do
	"$JGET" certificate <"$T/p$i.json" >"$T/p$i.crt" 2>/dev/null
	if openssl verify -CAfile "$CA/root.crt" -untrusted "$CA/ca.crt" "$T/p$i.crt" >/dev/null 2>&1; then
		good=$((good + 1))
	else echo "# issuance $i: $(head -c 300 "$T/p$i.json")"; fi
	i=$((i + 1))
done
is 8 "$good" "8 issuances at once: 8 certificates that verify"
ra_stop TERM
is 0 "$STOP_RC" "the server stops cleanly"
export CAKIOSK_RA_PIN="$PIN"
ra_start --sandbox
like '"status":"ok"' "$(curl -s --max-time 10 --cacert "$CA/root.crt" "$URL/v1/health")" \
	"serve takes the PIN from the environment too"
ra_stop TERM
unset CAKIOSK_RA_PIN

# ---- start-up errors: one sentence, a non-zero exit ----
# serve_err PIN CADIR: a start that must fail, with the PIN in the
# environment; its stderr in $T/serve.err, status in RC (timeout: 124).
serve_err() {
	CAKIOSK_RA_PIN=$1 timeout 30 "$RA" serve --listen 127.0.0.1:0 --db "$RA_DB" \
		--sandbox --ca-dir "$2" >/dev/null 2>"$T/serve.err"
	RC=$?
	cat "$T/serve.err" >>"$T/server.log"
}
serve_err 999999 "$CA"
is "cakiosk-ra: the token \"CA\" refused the PIN|1" "$(cat "$T/serve.err")|$RC" "serve with a wrong PIN (environment): one sentence, exit 1"
serve_err "" "$CA"
like "PIN is needed" "$(cat "$T/serve.err")" "serve without a PIN: one sentence"
cp -r "$CA" "$T/ca2"
sed -i "s/^key_id = .*/key_id = 00112233/" "$T/ca2/hsm.conf"
serve_err "$PIN" "$T/ca2"
is "cakiosk-ra: no key with id 00112233 on the token \"CA\"|1" "$(cat "$T/serve.err")|$RC" "a key not on the token: one sentence, exit 1"
sed -i "s|^module = .*|module = $T/none.so|" "$T/ca2/hsm.conf"
serve_err "$PIN" "$T/ca2"
is "cakiosk-ra: cannot load the PKCS#11 module $T/none.so: No such file or directory|1" "$(cat "$T/serve.err")|$RC" "a missing module: one sentence, exit 1"
mv "$T/tokens" "$T/tokens.away"
mkdir "$T/tokens"
serve_err "$PIN" "$CA"
is "cakiosk-ra: no token labelled \"CA\" in $P11|1" "$(cat "$T/serve.err")|$RC" "the token removed: one sentence, exit 1"
rmdir "$T/tokens"
mv "$T/tokens.away" "$T/tokens"
is "" "$(grep -l "$PIN" "$T"/*.log "$T"/*.err 2>/dev/null)" "the PIN is in no log"
done_testing
