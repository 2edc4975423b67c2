#!/bin/sh
# test_renewal.sh - cakiosk-ra: what the kiosk's renewal service relies on
# beyond the rules tested in test_issue.sh: renewal prices by term, a paid
# renewal found by the old certificate's serial (pending_order) and finished
# at another kiosk, the order that issued a certificate, the seal picture of
# a renewed certificate (the old seal's, or a placeholder), the old key's
# proof bound to the order and the CSR, and the rules applied again at
# issuance (sandbox clock).
. "$(dirname "$0")/lib.sh"
mkfiles
ra_start --sandbox
DAY=86400
now=$(date +%s)
serial_of() { openssl x509 -in "$T/$1.crt" -noout -serial | cut -d= -f2; }
# renew NAME TYPE ID [TERM]: a renewal order of certificate $T/NAME.crt.
renew() {
	req POST /v1/orders "{\"kind\":\"renew\",\"subject_type\":\"$2\",\"subject_id\":\"$3\",\"term_years\":${4:-1},\"certificate\":\"$(pem_json "$T/$1.crt")\",\"form\":{\"email\":\"renew@example.cn\"}}"
}
# pay ORDER: confirm, then pay through the sandbox pay link.
pay() {
	req POST "/v1/orders/$1/confirm"
	req POST "/v1/orders/$1/payments" '{"channel":"alipay"}'
	curl -s -o /dev/null --max-time 20 --cacert "$CA/ca.crt" "$(j payment.code_url)"
}
# issue ORDER CSRNAME OLDKEY: the certificate of a paid renewal or change.
issue() {
	req POST "/v1/orders/$1/certificate" "{\"csr\":\"$(pem_json "$T/$2.csr")\",\"proof\":\"$(renew_proof "$3" "$1" "$2")\"}"
}

# A second kiosk, enrolled like a real one.
code=$("$RA" enrol-code --db "$RA_DB" T-0002)
newcsr t2
CERT=
req POST /v1/enrol "{\"code\":\"$code\",\"csr\":\"$(pem_json "$T/t2.csr")\"}"
j certificate >"$CA/t2.crt"; cp "$T/t2.key" "$CA/t2.key"
CERT=terminal-demo
is 201 "$STATUS" "a second kiosk T-0002 is enrolled"

# Prices by term.
sandbox_cert pu $((now - 300 * DAY)) $((now + 30 * DAY)) unit "$UNIT2"
sandbox_cert pp $((now - 300 * DAY)) $((now + 30 * DAY)) person "$PERSON2"
prices=
for t in 1 2 3; do
	renew pu unit "$UNIT2" $t; prices="$prices $(j order.price)"
	renew pp person "$PERSON2" $t; prices="$prices $(j order.price)"
done
is " 30000 15000 55000 28000 80000 40000" "$prices" "renewal prices by term: unit, person for 1, 2, 3 years"

# A paid renewal, found by the old certificate and finished at another kiosk.
# UKeys hold RSA keys: the proof is then PKCS#1 v1.5.
sandbox_cert due $((now - 335 * DAY)) $((now + 30 * DAY)) person "$PERSON1" -newkey rsa:2048
DUE=$(serial_of due)
renew due person "$PERSON1"
ROID=$(j order.id)
req POST "/v1/orders/$ROID/confirm"
req GET "/v1/certificates/$DUE"
is "200 " "$STATUS $(j certificate.pending_order)" "a confirmed, unpaid renewal is not pending"
newcsr renewed
CERT=t2
issue "$ROID" renewed due
is session_required "$(j error.code)" "another kiosk cannot take an unpaid renewal"
CERT=terminal-demo
pay "$ROID"
req GET "/v1/certificates/$DUE"
is "$ROID renew paid 1" "$(j certificate.pending_order.order_id certificate.pending_order.kind certificate.pending_order.state certificate.pending_order.term_years | tr '\n' ' ' | sed 's/ $//')" \
	"the paid renewal is found by the old certificate's serial (pending_order)"
is "" "$(j certificate.pending_install)" "... with nothing to install yet"
CERT=t2
req GET "/v1/certificates/$DUE"
is "$ROID" "$(j certificate.pending_order.order_id)" "... at another kiosk too"
newcsr other
req POST "/v1/orders/$ROID/certificate" "{\"csr\":\"$(pem_json "$T/renewed.csr")\",\"proof\":\"$(renew_proof due "$ROID" other)\"}"
is proof_invalid "$(j error.code)" "a proof made for another CSR: proof_invalid"
req POST "/v1/orders/$ROID/certificate" "{\"csr\":\"$(pem_json "$T/renewed.csr")\",\"proof\":\"$(renew_proof due 2026010100000000 renewed)\"}"
is proof_invalid "$(j error.code)" "a proof made for another order: proof_invalid"
issue "$ROID" renewed due
is 201 "$STATUS" "another kiosk finishes the paid renewal with the old RSA key's proof"
j certificate >"$T/renewed.crt"
NEW=$(j serial) SEAL=$(j seal_id) nb=$(j not_before)
is 1 "$((nb >= now && nb - now < 600))" "... the new certificate is valid from issuance, beside the old one"
is "$(plus_years $((now + 30 * DAY)) 1)" "$(j not_after)" "... until the old end date plus the term"
req GET "/v1/certificates/$DUE"
is "200 " "$STATUS $(j certificate.pending_order)" "once issued the renewal is no longer waiting for a request"
is "$ROID $NEW $SEAL" "$(j certificate.pending_install.order_id) $(j certificate.pending_install.serial) $(j certificate.pending_install.seal_id)" \
	"... but waits to be installed, with its certificate and seal"
req GET "/v1/certificates/$NEW"
is "$ROID renew issued" "$(j certificate.order.id) $(j certificate.order.kind) $(j certificate.order.state)" \
	"the new certificate names the order that issued it, still issued"
is "$SEAL" "$(j certificate.seal_id)" "... and its seal"
req GET "/v1/seals/$SEAL"
is 200 "$STATUS" "the renewal's seal is readable at the other kiosk"
is "image/png 1 1" "$(j seal.picture.type) $(j seal.picture.width) $(j seal.picture.height)" \
	"an old certificate without a seal: the new seal gets the 1x1 placeholder picture"
is "89504e470d0a1a0a0000000d49484452" "$(j seal.picture.data | openssl base64 -d -A | od -An -tx1 -N16 | tr -d ' \n')" \
	"... a PNG"
req POST "/v1/orders/$ROID/installed"
is installed "$(j order.state)" "the other kiosk acknowledges the installation"
req GET "/v1/certificates/$NEW"
is installed "$(j certificate.order.state)" "... and the new certificate's order says installed"
CERT=terminal-demo

# A change of name, once paid and approved, is open to any kiosk as well
# (the rules of a change are tested in test_sec_owner.sh).
login unit "$UNIT2" 13600136000
sandbox_cert lugu $((now - 100 * DAY)) $((now + 200 * DAY)) unit "$UNIT2"
req POST /v1/sandbox/registry "{\"subject_type\":\"unit\",\"subject_id\":\"$UNIT2\",\"name\":\"长沙麓谷智能科技有限公司\"}"
req POST /v1/orders "{\"kind\":\"change\",\"subject_type\":\"unit\",\"subject_id\":\"$UNIT2\",\"term_years\":3,\"certificate\":\"$(pem_json "$T/lugu.crt")\"}"
COID=$(j order.id)
is "1 20000" "$(j order.term_years) $(j order.price)" "a change is one term whatever is asked, at the change price"
unit_docs "$COID"
pay "$COID"
SESSION=
req GET "/v1/certificates/$(serial_of lugu)"
is "" "$(j certificate.pending_order.order_id 2>/dev/null)" "a paid change waiting for review is not pending"
CERT=staff-demo
req POST "/v1/orders/$COID/review" '{"decision":"approve"}'
CERT=terminal-demo
req GET "/v1/certificates/$(serial_of lugu)"
is "$COID change approved" "$(j certificate.pending_order.order_id) $(j certificate.pending_order.kind) $(j certificate.pending_order.state)" \
	"an approved change is pending on the old certificate"
newcsr changed
CERT=t2
issue "$COID" changed lugu
is 201 "$STATUS" "... and another kiosk finishes it"
CERT=terminal-demo

# An application stays with its kiosk; renewing its certificate keeps the
# seal's picture.
login unit "$UNIT1" 13912345678
approved_unit_order 1
newcsr unit
saved=$SESSION SESSION= CERT=t2
req POST "/v1/orders/$OID/certificate" "{\"csr\":\"$(pem_json "$T/unit.csr")\"}"
is session_required "$(j error.code)" "another kiosk cannot finish an approved application"
SESSION=$saved CERT=terminal-demo
req POST "/v1/orders/$OID/certificate" "{\"csr\":\"$(pem_json "$T/unit.csr")\"}"
j certificate >"$T/unit.crt"
USEAL=$(j seal_id)
req GET "/v1/seals/$USEAL"
j seal.picture.data >"$T/unit.pic"
SESSION= CERT=t2
req GET "/v1/seals/$USEAL"
is session_required "$(j error.code)" "... nor read the seal of an application"
CERT=terminal-demo
req POST "/v1/orders/$OID/installed"
advance $((300 * DAY))
S=$(j time)
req POST /v1/orders "{\"kind\":\"renew\",\"subject_type\":\"unit\",\"subject_id\":\"$UNIT1\",\"old_serial\":\"$(serial_of unit)\",\"form\":{\"email\":\"renew@example.cn\"}}"
is 201 "$STATUS" "300 days later: a renewal that names the certificate by old_serial"
UROID=$(j order.id)
pay "$UROID"
newcsr unit2
issue "$UROID" unit2 unit
req GET "/v1/seals/$(j seal_id)"
is "$(cat "$T/unit.pic")" "$(j seal.picture.data)" "the renewed certificate's seal has the old seal's picture"

# The rules again at issuance (the sandbox clock moves on 30 days).
sandbox_cert lapsed $((S - 400 * DAY)) $((S - 10 * DAY)) person "$PERSON3"
sandbox_cert stale $((S - 700 * DAY)) $((S - 350 * DAY)) person "$PERSON3"
renew lapsed person "$PERSON3"
LOID=$(j order.id)
pay "$LOID"
renew stale person "$PERSON3"
is 201 "$STATUS" "expired 350 days ago: renewable when ordered"
SOID=$(j order.id)
pay "$SOID"
advance $((30 * DAY))
S2=$(j time)
newcsr s
issue "$SOID" s stale
is not_eligible "$(j error.code)" "... 380 days by the time of the request: not_eligible at issuance"
req GET "/v1/orders/$SOID"
is paid "$(j order.state)" "... and the order stays paid"
newcsr l
issue "$LOID" l lapsed
is 201 "$STATUS" "an expired certificate renewed 30 days after the order"
nb=$(j not_before) na=$(j not_after)
is 1 "$((nb >= S2 && nb - S2 < 600))" "... runs from issuance, not from the order"
is "$(plus_years "$nb" 1)" "$na" "... for the term"
req GET "/v1/orders/$LOID"
is "$nb $na" "$(j order.valid_from) $(j order.valid_to)" "... and the order's validity is the certificate's"

# Two requests for one paid renewal at once, on two connections: the CA's
# work is done without the store's lock, so both may make a certificate;
# one is kept.  With two Idempotency-Keys the later is wrong_state; with
# one key it gets the first answer again.
# race ORDER TAG KEY1 KEY2: both POSTs at once (one body when the keys are
# one); sets RACE (the two statuses, sorted) and RACE_SERIALS (the serials
# answered, sorted, unique).
race() {
	for i in 1 2; do
		newcsr "race$2$i"
		printf '{"csr":"%s","proof":"%s"}' "$(pem_json "$T/race$2$i.csr")" \
			"$(renew_proof "$2" "$1" "race$2$i")" >"$T/race$2$i.json"
	done
	pids=
	for i in 1 2; do
		eval "key=\$$((i + 2))"
		body=$T/race$2$i.json
		[ "$3" = "$4" ] && body=$T/race$2"1.json"
		curl -s -o "$T/race$2$i.out" -w '%{http_code}' --max-time 20 --cacert "$CA/ca.crt" \
			--cert "$CA/terminal-demo.crt" --key "$CA/terminal-demo.key" \
			-H "Idempotency-Key: $key" -H 'Content-Type: application/json' \
			--data-binary @"$body" "$URL/v1/orders/$1/certificate" >"$T/race$2$i.st" &
		pids="$pids $!"
	done
	wait $pids
	RACE=$(for i in 1 2; do cat "$T/race$2$i.st"; echo; done | sort | tr '\n' ' ' | sed 's/ $//')
	RACE_SERIALS=$(for i in 1 2; do "$JGET" serial <"$T/race$2$i.out" 2>/dev/null; done |
		grep . | sort -u | tr '\n' ' ' | sed 's/ $//')
}
for t in ra rb; do
	sandbox_cert $t $((S2 - 335 * DAY)) $((S2 + 30 * DAY)) person "$PERSON3"
	renew $t person "$PERSON3"
	eval "R_$t=\$(j order.id)"
	pay "$(j order.id)"
done
race "$R_ra" ra race-a1 race-a2
is "201 409" "$RACE" "two requests at once for one renewal (two keys): one certificate, the other wrong_state"
like '^[0-9A-F]+$' "$RACE_SERIALS" "... one serial answered"
req GET "/v1/orders/$R_ra"
is "issued $RACE_SERIALS" "$(j order.state order.cert_serial | tr '\n' ' ' | sed 's/ $//')" "... the order's certificate is that one"
if db_client; then
	is 1 "$(db_sql "SELECT count(*) FROM certificates WHERE order_id = '$R_ra'")" "... and the store holds one certificate for the order"
	is 1 "$(db_sql "SELECT count(*) FROM seals WHERE order_id = '$R_ra'")" "... and one seal"
else
	skip "no sqlite3 to count the order's certificates"; skip "-"
fi
race "$R_rb" rb race-b race-b
is "201 201" "$RACE" "two requests at once for one renewal with one Idempotency-Key: both answered"
like '^[0-9A-F]+$' "$RACE_SERIALS" "... with the same one certificate"
if db_client; then
	is 1 "$(db_sql "SELECT count(*) FROM certificates WHERE order_id = '$R_rb'")" "... the only one the store holds for the order"
else
	skip "no sqlite3 to count the order's certificates"
fi

# A renewal reads the old certificate's seal: by an index, not by a scan
# of every seal in the store.
if ! db_client; then
	skip "no sqlite3 to ask for the query's plan"
elif sqlite_only; then
	like 'USING (COVERING )?INDEX seals_cert' \
		"$(db_sql "EXPLAIN QUERY PLAN SELECT view FROM seals WHERE cert_serial = 'x' ORDER BY created DESC LIMIT 1")" \
		"the seal of a certificate is found by the index seals_cert"
else
	is seals_cert "$(db_sql "SELECT indexname FROM pg_indexes WHERE tablename = 'seals' AND indexname = 'seals_cert'")" \
		"the seals are indexed by certificate (seals_cert)"
fi

done_testing
