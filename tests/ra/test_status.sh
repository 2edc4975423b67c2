#!/bin/sh
# test_status.sh - cakiosk-ra: an order's status page for the customer's
# phone (GET /s/{token}): who may make its link, what the page shows as the
# order moves on (state, steps, how the PIN comes, the tracking number), that
# it shows no full ID number or mobile, and that a stranger's, forged,
# expired or closed link is refused and cannot be walked (try limits).
# Also the uploaded file the kiosk previews (GET /v1/orders/{id}/documents/{kind}).
. "$(dirname "$0")/lib.sh"
mkfiles
ra_start --sandbox

# page URL: GET without a client certificate (a phone); STATUS, page in $T/page.
page() {
	STATUS=$(curl -s -o "$T/page" -D "$T/head" -w '%{http_code}' --max-time 20 --cacert "$CA/ca.crt" "$1")
}
has() { grep -q -- "$1" "$T/page"; }

login unit "$UNIT1" 13912345678 || not_ok "login"
unit_order_ready
req POST "/v1/orders/$OID/status-link"
is 201 "$STATUS" "the kiosk asks for the order's status link"
LINK=$(j url)
like "^https://127.0.0.1:$PORT/s/[0-9a-f]{32}$" "$LINK" "... 128 random bits on the backend's own page"
EXP=$(j expires); NOW=$(date +%s)
[ $((EXP - NOW)) -gt $((29 * 86400)) ] && [ $((EXP - NOW)) -le $((30 * 86400 + 60)) ] &&
	ok "... valid for 30 days" || not_ok "... valid for 30 days ($EXP)"
keep_secret status_link "${LINK##*/}"
req POST "/v1/orders/$OID/status-link"
LINK2=$(j url)
[ "$LINK2" != "$LINK" ] && ok "a second link is another one" || not_ok "a second link is another one"

page "$LINK"
is 200 "$STATUS" "the status page opens without a client certificate"
has "id=\"order\">$OID<" && ok "... with the order number" || not_ok "... with the order number"
has '未完成，可在自助终端继续' && has 'Not finished' && ok "... a draft in plain words (Chinese and English)" || not_ok "... a draft in plain words"
has '湖南湘江建设工程有限公司' && ok "... the unit's registered name" || not_ok "... the unit's registered name"
has "$UNIT1" && not_ok "... never the full credit code" || ok "... never the full credit code"
has '13912345678\|13800138000' && not_ok "... never a full mobile" || ok "... never a full mobile"
grep -qi '^cache-control: no-store' "$T/head" && ok "... and is not kept by caches" || not_ok "... and is not kept by caches"
page "$LINK2"
is 200 "$STATUS" "the first link stays valid beside the second"

# Who may make one: the order's terminal, staff, the customer's session;
# not a stranger (no certificate, another terminal, another customer).
saved=$SESSION; SESSION=
CERT=
req POST "/v1/orders/$OID/status-link"
is 401 "$STATUS" "no link without a client certificate"
code=$("$RA" enrol-code --db "$RA_DB" T-OTHER)
newcsr tb
req POST /v1/enrol "{\"code\":\"$code\",\"csr\":\"$(pem_json "$T/tb.csr")\"}"
j certificate >"$CA/tb.crt"
cp "$T/tb.key" "$CA/tb.key"
CERT=tb
req POST "/v1/orders/$OID/status-link"
is 401 "$STATUS" "another terminal without the customer's session gets no link"
login unit "$UNIT2" 13600136000 >/dev/null
req POST "/v1/orders/$OID/status-link"
is 403 "$STATUS" "... nor with another customer's session"
advance 61
login unit "$UNIT1" 13912345678 >/dev/null
req POST "/v1/orders/$OID/status-link"
is 201 "$STATUS" "... but with this customer's session (Order query at any kiosk)"
CERT=terminal-demo; SESSION=$saved
pay_approve "$OID"
page "$LINK"
has '审核通过' && has 'Approved' && ok "the page follows the order: approved" || not_ok "the page follows the order: approved"
has '进度 Steps so far' && has '已支付 Paid' && has '审核中' && ok "... with its steps so far" || not_ok "... with its steps so far"
has '已短信发送至 138\*\*\*\*8000' && ok "... the PIN went by SMS to the masked mobile" || not_ok "... the PIN went by SMS to the masked mobile"
has 'id="invoice" href="/invoice/' && ok "... the e-invoice linked" || not_ok "... the e-invoice linked"
CERT=staff-demo
req POST "/v1/orders/$OID/made"
req POST "/v1/orders/$OID/posted" '{"tracking":"SF2026120200"}'
CERT=terminal-demo
page "$LINK"
has 'id="tracking">SF2026120200<' && has 'UKey 已寄出' && ok "posted: the tracking number shows" || not_ok "posted: the tracking number shows"
has '13912345678\|13800138000' && not_ok "... still no full mobile" || ok "... still no full mobile"
# A PIN would be text on the page: look at the text alone, not at the tags,
# whose links carry random hex that may hold a run of eight digits.
shows_pin() { sed 's/<[^>]*>/ /g' "$1" | grep -q '证书密码为\|[^0-9*][0-9]\{8\}[^0-9]'; }
shows_pin "$T/page" && not_ok "... and no PIN" || ok "... and no PIN"
sed 's|</body>|<p>PIN 20481632 </p></body>|' "$T/page" >"$T/planted"
grep -q 20481632 "$T/planted" && shows_pin "$T/planted" && ok "... (a PIN on the page would be seen)" ||
	not_ok "... (a PIN on the page would be seen)"
sed 's|/invoice/[0-9a-f]*|/invoice/3ad46dae5f0f8103e7485f41748803af|' "$T/page" >"$T/hexlink"
grep -q 41748803af "$T/hexlink" && ! shows_pin "$T/hexlink" && ok "... (nor a link whose hex holds eight digits)" ||
	not_ok "... (nor a link whose hex holds eight digits)"

# A person's order: the ID number masked, the name shown.
login person "$PERSON1" 13800138001 >/dev/null
req POST /v1/orders "{\"kind\":\"apply\",\"subject_type\":\"person\",\"subject_id\":\"$PERSON1\",\"form\":{\"email\":\"p@example.cn\",\"mobile\":\"13912345678\",\"address\":\"湖南省长沙市\",\"postcode\":\"410082\"}}"
POID=$(j order.id)
req POST "/v1/orders/$POID/status-link"
PLINK=$(j url)
page "$PLINK"
is 200 "$STATUS" "a person's order has its page too"
has "$PERSON1" && not_ok "... never the full ID number" || ok "... never the full ID number"
has "$(printf %.6s "$PERSON1")\*\*\*\*\*\*\*\*" && ok "... it is masked as elsewhere" || not_ok "... it is masked as elsewhere"

CERT=staff-demo; s=$SESSION; SESSION=
req POST "/v1/orders/$OID/status-link"
is 201 "$STATUS" "staff may make one"
CERT=terminal-demo; SESSION=$s

# Refused links: a forged one, a truncated one, a closed (superseded) one, an expired one.
BASE=${LINK%/*}
page "$BASE/$(printf '%032d' 0)"
is 404 "$STATUS" "a forged link is refused"
has '链接已失效' && ok "... with a page that says so" || not_ok "... with a page that says so"
has "$OID" && not_ok "... naming no order" || ok "... naming no order"
page "$(printf %.40s "$LINK")"
is 404 "$STATUS" "a cut link is refused"
for i in 1 2 3 4 5 6 7 8; do req POST "/v1/orders/$OID/status-link"; done
page "$LINK"
is 404 "$STATUS" "an order keeps its 8 newest links: an older one is closed"
req POST "/v1/orders/$OID/status-link"
NEW=$(j url)
advance $((30 * 86400 + 1))
page "$NEW"
is 404 "$STATUS" "a link is refused after its 30 days"
advance 3600
# Walking links: failures count per address; the right link too is then refused.
BAD=0
for i in 1 2 3 4 5 6 7 8 9 10; do page "$BASE/$(printf '%032x' "$i")"; [ "$STATUS" = 404 ] && BAD=$((BAD + 1)); done
is 10 "$BAD" "ten guessed links within an hour are refused (404)"
page "$BASE/$(printf '%032x' 99)"
is 429 "$STATUS" "... then the address is shut out"
grep -qi '^retry-after: [0-9]' "$T/head" && ok "... saying when to try again" || not_ok "... saying when to try again"
req POST "/v1/orders/$OID/status-link"
GOOD=$(j url)
page "$GOOD"
is 429 "$STATUS" "... the right link too, for a while"
advance 3601
page "$GOOD"
is 200 "$STATUS" "... and it opens again an hour later"
grep -q '/s/[0-9a-f]\{32\}' "$T/server.log" && not_ok "no status link in the server's log" || ok "no status link in the server's log"

# The file the kiosk previews: the order's terminal only.
login unit "$UNIT1" 13912345678 >/dev/null
unit_order_ready
CERT=terminal-demo
STATUS=$(curl -s -o "$T/file" -w '%{http_code}' --cacert "$CA/ca.crt" --cert "$CA/terminal-demo.crt" \
	--key "$CA/terminal-demo.key" "$URL/v1/orders/$OID/documents/seal_form")
is 200 "$STATUS" "the kiosk fetches an uploaded picture to preview it"
cmp -s "$T/file" "$T/doc.png" && ok "... as it was uploaded" || not_ok "... as it was uploaded"
req GET "/v1/orders/$OID/documents/id_front"
is 404 "$STATUS" "a kind the order has not: 404"
STATUS=$(curl -s -o "$T/file" -w '%{http_code}' --cacert "$CA/ca.crt" "$URL/v1/orders/$OID/documents/seal_form")
is 401 "$STATUS" "... not without a client certificate"
done_testing
