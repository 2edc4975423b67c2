#!/bin/sh
# test_terminal.sh - cakiosk-ra: a terminal renews its own certificate over
# the one it holds (POST /v1/terminal/renew) and sends its heartbeat (POST
# /v1/terminal/heartbeat); `cakiosk-ra terminals` lists every terminal with
# its state.  Refused: a CSR naming another terminal, a stranger without a
# client certificate, staff's certificate, a revoked terminal (all of its
# certificates, the renewed one too), a fourth renewal within a day.
. "$(dirname "$0")/lib.sh"
ra_start --sandbox

# enrol ID NAME: a terminal enrolled with a code; $CA/NAME.crt and .key.
enrol() {
	c=$("$RA" enrol-code --db "$RA_DB" "$1")
	keep_secret enrol_code "$c"
	newcsr "$2"
	CERT= req POST /v1/enrol "{\"code\":\"$c\",\"csr\":\"$(pem_json "$T/$2.csr")\"}"
	j certificate >"$CA/$2.crt"
	cp "$T/$2.key" "$CA/$2.key"
}
# csr_for NAME CN: key $T/NAME.key and a CSR naming CN.
csr_for() {
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/$1.key" \
		-subj "/OU=terminal/CN=$2" -out "$T/$1.csr" 2>/dev/null
}
serial_of() { openssl x509 -in "$1" -noout -serial | cut -d= -f2; }
terminals() { "$RA" terminals --db "$RA_DB" "$@"; }
# row ID: the terminal's line of `cakiosk-ra terminals`.
row() { terminals | awk -v id="$1" '$1 == id'; }
hb() { req POST /v1/terminal/heartbeat "$1" -H 'Idempotency-Key:'; }

enrol T-R1 tr1
S1=$(serial_of "$CA/tr1.crt")
CERT=tr1
req GET /v1/prices
is 200 "$STATUS" "an enrolled terminal T-R1 works"

# ---- renewal ----
csr_for n1 T-R1
req POST /v1/terminal/renew "{\"csr\":\"$(pem_json "$T/n1.csr")\"}"
is 201 "$STATUS" "T-R1 renews its certificate over its current one"
j certificate >"$CA/tr1b.crt"
cp "$T/n1.key" "$CA/tr1b.key"
S2=$(serial_of "$CA/tr1b.crt")
like '^[0-9A-F]+$' "$S2" "... a new serial"
[ "$S2" != "$S1" ] && ok "... not the old one" || not_ok "... not the old one"
is "$S1" "$(j previous)" "... the answer names the certificate it replaces"
is "CN=T-R1" "$(openssl x509 -in "$CA/tr1b.crt" -noout -subject -nameopt compat | sed 's|.*/CN=|CN=|')" \
	"... its CN is the terminal"
[ "$(openssl x509 -in "$CA/tr1b.crt" -noout -pubkey)" = "$(openssl pkey -in "$T/n1.key" -pubout)" ] &&
	ok "... for the key of the CSR" || not_ok "... for the key of the CSR"
end=$(date -u -d "$(openssl x509 -in "$CA/tr1b.crt" -noout -enddate | cut -d= -f2)" +%s)
[ $((end - $(date +%s))) -gt $((1090 * 86400)) ] && ok "... for 3 years" || not_ok "... for 3 years ($end)"
terminals --json >"$T/out"
is "$S2" "$(j 0.cert_serial)" "the backend records it as the terminal's certificate"
CERT=tr1b
req GET /v1/prices
is 200 "$STATUS" "the new certificate works"
CERT=tr1
req GET /v1/prices
is 200 "$STATUS" "the old one too, until it ends (the kiosk may be cut between the two)"

csr_for other T-R9
req POST /v1/terminal/renew "{\"csr\":\"$(pem_json "$T/other.csr")\"}"
is "403 terminal_mismatch" "$STATUS $(j error.code)" "a CSR naming another terminal is refused"
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/nocn.key" \
	-subj "/O=x" -out "$T/nocn.csr" 2>/dev/null
req POST /v1/terminal/renew "{\"csr\":\"$(pem_json "$T/nocn.csr")\"}"
is "403 terminal_mismatch" "$STATUS $(j error.code)" "... and one naming none"
req POST /v1/terminal/renew '{"csr":"not a csr"}'
is 400 "$STATUS" "... and a CSR that does not parse"
CERT=
req POST /v1/terminal/renew "{\"csr\":\"$(pem_json "$T/n1.csr")\"}"
is "401 client_cert_required" "$STATUS $(j error.code)" "a stranger without a client certificate is refused"
CERT=staff-demo
req POST /v1/terminal/renew "{\"csr\":\"$(pem_json "$T/n1.csr")\"}"
is "403 forbidden" "$STATUS $(j error.code)" "staff's certificate renews no terminal's"
CERT=tr1b
IDEM=again-1
csr_for n2 T-R1
req POST /v1/terminal/renew "{\"csr\":\"$(pem_json "$T/n2.csr")\"}"
S3=$(j serial)
req POST /v1/terminal/renew "{\"csr\":\"$(pem_json "$T/n2.csr")\"}"
is "201 $S3" "$STATUS $(j serial)" "a renewal sent again with its key gets the same certificate back"
j certificate >"$CA/tr1c.crt"
cp "$T/n2.key" "$CA/tr1c.key"
IDEM=
csr_for n3 T-R1
req POST /v1/terminal/renew "{\"csr\":\"$(pem_json "$T/n3.csr")\"}"
is "429 rate_limited" "$STATUS $(j error.code)" "a fourth certificate within a day (enrolment, 2 renewals) is refused"
like '^[0-9]+$' "$(j error.retry_after)" "... saying when to try again"

# ---- heartbeat ----
HB='{"version":"1.2.3","readers":2,"ukey":true,"cert_not_after":1,"last_error":"backend GET /v1/prices: timeout"}'
hb "$HB"
is 200 "$STATUS" "a heartbeat is taken (no Idempotency-Key needed)"
is superseded "$(j certificate.state)" "... over a certificate renewed since, the answer says superseded"
CERT=tr1c
hb "$HB"
is "200 ok $S3" "$STATUS $(j certificate.state) $(j certificate.serial)" "... over the newest, ok, naming it"
r=$(row T-R1)
like '^T-R1 +[0-9-]+ [0-9:]+Z \([0-9]+s ago\) +ok +1\.2\.3 +2, UKey in +[0-9-]+ \(109[0-9]d\) +backend GET /v1/prices: timeout$' \
	"$r" "cakiosk-ra terminals: id, last seen and how long ago, ok, version, readers, expiry, last error"
terminals --json >"$T/out"
is "1.2.3 2 true $S3" "$(j 0.version) $(j 0.readers) $(j 0.ukey) $(j 0.seen_serial)" "... and --json, with the serial it came with"
hb '{"version":"1.2.3","readers":2,"ukey":"yes"}'
is 400 "$STATUS" "a heartbeat with a malformed member is refused"
hb "{\"version\":\"1.2.3\",\"readers\":0,\"ukey\":false,\"last_error\":\"a\\u001b[2Jb\"}"
is 400 "$STATUS" "... and one whose error holds a terminal escape"
CERT=
hb "$HB"
is 401 "$STATUS" "... and one without a client certificate"

# A terminal heard from an hour ago (the sandbox clock), one never heard from.
enrol T-R2 tr2
enrol T-R3 tr3
CERT=tr2
req POST /v1/sandbox/clock "{\"at\":$(($(date +%s) - 3600))}"
hb '{"version":"1.2.3","readers":1,"ukey":false}'
req POST /v1/sandbox/clock '{"at":0,"advance":3600}'
like '^T-R2 .*\((59|60|61)m ago\) +silent +1\.2\.3 +1, UKey none ' "$(row T-R2)" "a terminal not heard from for an hour: silent"
like '^T-R2 .* ok ' "$(terminals --silent-after 90 | awk '$1 == "T-R2"')" "... not with --silent-after 90"
like '^T-R3 +never +never +- +- ' "$(row T-R3)" "an enrolled terminal never heard from: never"

# A certificate that ends in 10 days (signed with the CA's key).
sh "$(dirname "$0")/oldcert.sh" "$CA" "$T/soon" T-R4 "$(date -u -d '-1 day' +%Y%m%d%H%M%SZ)" \
	"$(date -u -d '+10 days' +%Y%m%d%H%M%SZ)"
cp "$T/soon/old.crt" "$CA/tr4.crt"; cp "$T/soon/old.key" "$CA/tr4.key"
CERT=tr4
hb '{"version":"1.2.3","readers":1,"ukey":false}'
is "200 expiring" "$STATUS $(j certificate.state)" "a certificate ending in 10 days: the heartbeat answers expiring"
like '^T-R4 .* expiring .*\((9|10)d\)' "$(row T-R4)" "... and the list says expiring"

# ---- revocation: the terminal and every certificate of it ----
"$RA" revoke --db "$RA_DB" "$S1" >"$T/rv.out" 2>&1
like 'terminal T-R1: 2 more' "$(cat "$T/rv.out")" "revoking T-R1's first certificate revokes its renewed ones too"
CERT=tr1c
req POST /v1/terminal/renew "{\"csr\":\"$(pem_json "$T/n3.csr")\"}"
is "401 client_cert_required revoked" "$STATUS $(j error.code) $(j error.reason)" \
	"a revoked terminal cannot renew (the answer says revoked)"
hb "$HB"
is 401 "$STATUS" "... nor send its heartbeat"
# A POST's revocation is looked up in its handler's transaction too: one
# refused before it (a body that is no JSON, or too large) still says
# revoked first.
req POST /v1/terminal/renew '{"csr":'
is "401 client_cert_required revoked" "$STATUS $(j error.code) $(j error.reason)" \
	"... a body that is no JSON: the answer says revoked, not bad_json"
head -c 70000 /dev/zero | tr '\0' ' ' >"$T/big.json"
req POST /v1/terminal/renew "@$T/big.json"
is "401 client_cert_required revoked" "$STATUS $(j error.code) $(j error.reason)" \
	"... a body over 64 KiB: the answer says revoked, not too_large"
req POST /v1/terminal/renew "@$T/big.json" -H 'Expect:' -H 'Transfer-Encoding: chunked'
is "401 client_cert_required revoked" "$STATUS $(j error.code) $(j error.reason)" \
	"... the same body chunked, its size known only once it is in: revoked"
IDEM=
curl -s -o "$T/out" -w '%{http_code}' --max-time 20 --cacert "$CA/ca.crt" --cert "$CA/tr1c.crt" \
	--key "$CA/tr1c.key" -H 'Content-Type: application/json' --data-binary '{}' \
	"$URL/v1/terminal/renew" >"$T/st"
is "401 client_cert_required revoked" "$(cat "$T/st") $(j error.code) $(j error.reason)" \
	"... a POST without an Idempotency-Key: revoked, not idempotency_key_missing"
IDEM=$(printf '%0200d' 0) req POST /v1/terminal/renew '{}'
is "401 client_cert_required revoked" "$STATUS $(j error.code) $(j error.reason)" \
	"... a POST whose Idempotency-Key is too long: revoked, not bad_request"
# A GET looks the revocation up in its handler's own transaction: the
# same answer, and the request is nobody's in the access line.
req GET /v1/prices
is "401 client_cert_required revoked" "$STATUS $(j error.code) $(j error.reason)" \
	"... nor read the prices (a GET: the answer says revoked)"
rid=$(sed -n 's/.* request_id=\([^ ]*\) terminal=- method=GET route=\/v1\/prices status=401 .*/\1/p' "$T/server.log" | tail -n 1)
like . "$rid" "... and its access line names no terminal"
req GET /v1/prices "" -H "X-Terminal-Id: T-R9"
is "401 client_cert_required revoked" "$STATUS $(j error.code) $(j error.reason)" \
	"... also with an X-Terminal-Id naming another terminal (revoked is said first)"
CERT=tr2
req GET /v1/prices
is 200 "$STATUS" "a terminal not revoked reads the prices"
req GET /v1/prices "" -H "X-Terminal-Id: T-R9"
is "403 terminal_mismatch" "$STATUS $(j error.code)" "... not with an X-Terminal-Id naming another terminal"
like '^T-R1 .* revoked ' "$(row T-R1)" "... and the list says revoked"
"$RA" terminals --db "$RA_DB" extra >/dev/null 2>&1
is 2 "$?" "terminals takes no argument (exit 2)"
done_testing
