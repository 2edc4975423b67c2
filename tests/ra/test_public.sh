#!/bin/sh
# test_public.sh - cakiosk-ra's listeners and their certificates: the
# terminal API's certificate and key from files (--tls-cert/--tls-key),
# checked at start; the public pages on a listener of their own with a
# certificate of their own and no client certificate asked, the terminal
# API answering 404 there; links made of the public URL; port 0 known
# before anything is served; no start with a CA whose certificates cannot
# carry their fixed extensions; the configuration file's keys for all of
# it, for terminals and purge, and the negations of its yes/no keys.
. "$(dirname "$0")/lib.sh"

# A CA of the operator's (a "public" one) and a server certificate of it
# for 127.0.0.1, as a publicly trusted certificate would be.
P=$T/pub
mkdir -p "$P"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$P/ca.key" \
	-out "$P/ca.crt" -subj "/CN=Public Test CA" -days 30 2>/dev/null
# leaf NAME: $P/NAME.key and $P/NAME.crt, for 127.0.0.1, issued by $P/ca.
leaf() {
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$P/$1.key" \
		-subj "/CN=127.0.0.1" -out "$P/$1.csr" 2>/dev/null
	printf 'subjectAltName = IP:127.0.0.1\nextendedKeyUsage = serverAuth\n' >"$P/ext"
	openssl x509 -req -in "$P/$1.csr" -CA "$P/ca.crt" -CAkey "$P/ca.key" -set_serial "$2" \
		-days 10 -extfile "$P/ext" -out "$P/$1.crt" 2>/dev/null
}
leaf api 1
leaf public 2
leaf other 3
# An expired one, through openssl ca (which takes dates).
printf '[ca]\ndefault_ca = d\n[d]\ndatabase = %s/index.txt\nnew_certs_dir = %s\nserial = %s/serial\ndefault_md = sha256\npolicy = p\n[p]\ncommonName = supplied\n' \
	"$P" "$P" "$P" >"$P/ca.cnf"
: >"$P/index.txt"; echo 10 >"$P/serial"
openssl ca -batch -config "$P/ca.cnf" -cert "$P/ca.crt" -keyfile "$P/ca.key" -in "$P/api.csr" \
	-startdate 20200101000000Z -enddate 20210101000000Z -out "$P/expired.crt" >/dev/null 2>&1

# serve_fails NAME OPTIONS...: serve must stop at once, exit 1, with one
# sentence matching $PATTERN; nothing listens and no store is made.
serve_fails() {
	nm=$1; shift
	rm -rf "$T/never.db" "$T/nca"
	out=$(timeout 10 "$RA" serve --listen 127.0.0.1:0 --db "$T/never.db" --ca-dir "$T/nca" --sandbox "$@" 2>&1)
	rc=$?
	is 1 "$rc" "$nm: serve exits 1"
	like "^cakiosk-ra: $PATTERN" "$out" "$nm: says so"
	is 1 "$(printf '%s\n' "$out" | grep -c .)" "$nm: in one line"
	[ ! -e "$T/never.db" ] && ok "$nm: before opening the store" || not_ok "$nm: before opening the store"
}
chmod 000 "$P/other.key"
if [ -r "$P/other.key" ]; then skip "unreadable key: running as root"; skip ""; skip ""; skip ""; else
	PATTERN="cannot read the terminal API's key $P/other.key: Permission denied$" \
		serve_fails "--tls-key unreadable" --tls-cert "$P/other.crt" --tls-key "$P/other.key"
fi
chmod 600 "$P/other.key"
PATTERN="the terminal API's key $P/other.key is not the key of its certificate $P/api.crt$" \
	serve_fails "--tls-key of another certificate" --tls-cert "$P/api.crt" --tls-key "$P/other.key"
PATTERN="the terminal API's certificate $P/expired.crt expired on 2021-01-01$" \
	serve_fails "an expired --tls-cert" --tls-cert "$P/expired.crt" --tls-key "$P/api.key"
PATTERN="cannot read the public listener's certificate $T/absent.crt: No such file" \
	serve_fails "a missing public certificate" --public-listen 127.0.0.1:0 \
	--public-tls-cert "$T/absent.crt" --public-tls-key "$P/public.key"
PATTERN="the public listener's certificate $P/api.key holds no PEM certificate$" \
	serve_fails "a key given as the public certificate" --public-listen 127.0.0.1:0 \
	--public-tls-cert "$P/api.key" --public-tls-key "$P/public.key"
out=$("$RA" serve --listen 127.0.0.1:0 --db "$T/never.db" --ca-dir "$T/nca" --tls-cert "$P/api.crt" 2>&1)
is "2 cakiosk-ra: --tls-cert and --tls-key go together: give both" "$? $out" "--tls-cert alone: a usage error"
out=$("$RA" serve --listen 127.0.0.1:0 --db "$T/never.db" --ca-dir "$T/nca" --public-listen 127.0.0.1:0 2>&1)
like "^cakiosk-ra: --public-listen needs --public-tls-cert and --public-tls-key" "$out" \
	"--public-listen without its certificate: refused"

# start_own OPTIONS...: serve (not through ra_start: its client trusts the
# server's own CA) until the port file is there; sets PID, PORT, URL, PUB.
start_own() {
	rm -f "$T/port"
	"$RA" serve --listen 127.0.0.1:0 --port-file "$T/port" --db "${RA_DB:-$T/db}" --ca-dir "$CA" "$@" \
		2>>"$T/server.log" &
	PID=$!
	i=0
	while [ $i -lt 200 ] && [ ! -s "$T/port" ] && kill -0 "$PID" 2>/dev/null; do sleep 0.05; i=$((i + 1)); done
	PORT=$(cat "$T/port" 2>/dev/null)
	URL=https://127.0.0.1:$PORT
	PUB=$(sed -n 's|.*public pages on \(https://[^ ]*\) (links: .*|\1|p' "$T/server.log" | tail -n 1)
}
# client_ca_asked PORT: whether the TLS server at PORT asks for a client certificate.
client_ca_asked() {
	openssl s_client -connect "127.0.0.1:$1" -CAfile "$P/ca.crt" </dev/null 2>/dev/null |
		grep -q "Acceptable client certificate CA names"
}

# ---- the terminal API with its certificate from files, the public pages apart ----
start_own --sandbox --tls-cert "$P/api.crt" --tls-key "$P/api.key" --public-listen 127.0.0.1:0 \
	--public-tls-cert "$P/public.crt" --public-tls-key "$P/public.key"
like '^https://127\.0\.0\.1:[0-9]+$' "$PUB" "the log says where the public pages are served"
[ -n "$PORT" ] && [ "${PUB##*:}" != "$PORT" ] && ok "... on a port of their own" || not_ok "... on a port of their own"
is "serial=01" "$(openssl s_client -connect "127.0.0.1:$PORT" </dev/null 2>/dev/null | openssl x509 -noout -serial)" \
	"the terminal API presents the certificate of --tls-cert"
get() { curl -s -o "$T/out" -w '%{http_code}' --max-time 10 --cacert "$P/ca.crt" "$@"; }
is 200 "$(get --cert "$CA/terminal-demo.crt" --key "$CA/terminal-demo.key" "$URL/v1/prices")" \
	"... and serves a terminal that trusts the operator's CA, with its terminal certificate"
is 401 "$(get "$URL/v1/prices")" "... and refuses a client without a terminal certificate (mTLS kept)"
client_ca_asked "$PORT" && ok "... asking for a client certificate" || not_ok "... asking for a client certificate"
is "serial=02" "$(openssl s_client -connect "127.0.0.1:${PUB##*:}" </dev/null 2>/dev/null | openssl x509 -noout -serial)" \
	"the public listener presents the certificate of --public-tls-cert"
is 200 "$(get "$PUB/v1/health")" "the public listener: health, to a client trusting only the public CA"
is 404 "$(get "$PUB/v1/prices")" "... the terminal API is not there (404)"
is 404 "$(get --cert "$CA/terminal-demo.crt" --key "$CA/terminal-demo.key" "$PUB/v1/prices")" \
	"... not even with a terminal certificate"
is 404 "$(get -X POST -H 'Idempotency-Key: x' "$PUB/v1/enrol")" "... nor enrolment (404, not 405)"
is 404 "$(get "$PUB/v1/sandbox/sms")" "... nor the sandbox's inspection"
is 404 "$(get "$PUB/v1/ca")" "... nor the CA's certificate for terminals"
is 200 "$(get "$PUB/crl.der")" "... the CRL is there"
client_ca_asked "${PUB##*:}" && not_ok "... and no client certificate is asked for" ||
	ok "... and no client certificate is asked for"
ra_stop TERM
is 0 "$STOP_RC" "the server with both listeners stops cleanly"

# ---- links: made of the public listener's URL, opened there ----
: >"$T/server.log"
ra_start --sandbox --public-listen 127.0.0.1:0 --public-tls-cert "$P/public.crt" --public-tls-key "$P/public.key"
PUB=$(sed -n 's|.*public pages on \(https://[^ ]*\) (links: .*|\1|p' "$T/server.log" | tail -n 1)
like "links: $PUB)\$" "$(grep 'public pages on' "$T/server.log")" "the links are the public listener's"
login unit "$UNIT1" 13912345678 || not_ok "the unit's agent logs in"
mkfiles
req POST /v1/orders "{\"kind\":\"apply\",\"subject_type\":\"unit\",\"subject_id\":\"$UNIT1\",\"term_years\":1,\"form\":{\"email\":\"agent@example.cn\",\"mobile\":\"13912345678\",\"address\":\"湖南省长沙市岳麓区麓山南路1号\",\"postcode\":\"410082\"}}"
OID=$(j order.id)
req POST "/v1/orders/$OID/verify" '{"party":"unit","method":"mobile","mobile":"13800138000"}'
req POST "/v1/orders/$OID/verify" '{"party":"agent","method":"bank_card","bank_card":"4111111111111111"}'
req POST "/v1/orders/$OID/upload-link"
UP=$(j url)
like "^$PUB/u/[A-Za-z0-9_-]+\$" "$UP" "an upload link is on the public listener (its real port)"
is 200 "$(get "$UP")" "... and opens there with only the public CA trusted"
is 200 "$(curl -s -o /dev/null -w '%{http_code}' --cacert "$CA/ca.crt" "$URL/u/${UP##*/}")" \
	"the same page is still served on the terminal listener (links handed out before)"
is 200 "$(curl -s -o /dev/null -w '%{http_code}' --cacert "$P/ca.crt" -F business_licence=@"$T/doc.pdf" \
	-F agent_id_front=@"$T/doc.jpg" -F agent_id_back=@"$T/doc.jpg" -F seal_form=@"$T/doc.png" "$UP")" \
	"... and takes the documents there"
req POST "/v1/orders/$OID/confirm"
req POST "/v1/orders/$OID/payments" '{"channel":"alipay"}'
like "^$PUB/pay/" "$(j payment.code_url)" "a payment link is on the public listener"
is 200 "$(get "$(j payment.code_url)")" "... and opens there"
newcsr pc
req POST /v1/sandbox/certificates "{\"subject_type\":\"person\",\"subject_id\":\"$PERSON1\",\"csr\":\"$(pem_json "$T/pc.csr")\",\"not_before\":1700000000,\"not_after\":1800000000}"
j certificate >"$T/pc.crt"
like "URI:$PUB/crl.der" "$(openssl x509 -in "$T/pc.crt" -noout -ext crlDistributionPoints 2>&1)" \
	"a customer certificate's CRL distribution point is on the public listener"
ra_stop TERM

# ---- port 0: the links carry the port bound, from the first request on ----
: >"$T/server.log"
ra_start --sandbox
req POST "/v1/orders/$OID/status-link"
like "^https://127\\.0\\.0\\.1:$PORT/s/" "$(j url)" "without a public listener, links carry the terminal listener's real port"
grep -q "127.0.0.1:0/" "$T/server.log" && not_ok "no URL with port 0 anywhere in the log" ||
	ok "no URL with port 0 anywhere in the log"
ra_stop TERM

# ---- a CA whose certificates cannot carry their fixed extensions ----
# Without a subject key identifier no certificate can name its issuer's key.
mkdir -p "$T/noski"
chmod 700 "$T/noski"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/noski/ca.key" \
	-out "$T/noski/ca.crt" -subj "/C=CN/O=x/CN=No SKI Root" -days 30 \
	-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
	-addext subjectKeyIdentifier=none -addext authorityKeyIdentifier=none 2>/dev/null
openssl x509 -in "$T/noski/ca.crt" -noout -ext subjectKeyIdentifier 2>/dev/null | grep -q . &&
	skip "this openssl cannot leave the subject key identifier out" ||
	{
		out=$(timeout 10 "$RA" serve --listen 127.0.0.1:0 --db "$T/noski.db" --ca-dir "$T/noski" --sandbox --no-demo 2>&1)
		is "1" "$?" "serve refuses to start with a CA certificate that has no subject key identifier"
		like "^cakiosk-ra: " "$out" "... saying why ($(printf '%s' "$out" | head -n 1))"
	}

# ---- the configuration file ----
cat >"$T/pub.conf" <<EOC
[server]
listen = 127.0.0.1:0
db = $RA_DB
ca_dir = $CA
port_file = $T/port
sandbox = yes
verbose = yes
tls_cert = $P/api.crt
tls_key = $P/api.key
[public]
listen = 127.0.0.1:0
tls_cert = $P/public.crt
tls_key = $P/public.key
url = https://pay.example.cn
[terminals]
silent_after = 30
[purge]
documents_days = never
EOC
is "ok" "$("$RA" --check-config --config "$T/pub.conf" 2>&1)" "a file with [public], tls_cert, [terminals] and [purge] passes the check"
: >"$T/server.log"
start_own --config "$T/pub.conf" --no-verbose
is "serial=01" "$(openssl s_client -connect "127.0.0.1:$PORT" </dev/null 2>/dev/null | openssl x509 -noout -serial)" \
	"[server] tls_cert: the terminal API's certificate"
like "links: https://pay\\.example\\.cn)\$" "$(grep 'public pages on' "$T/server.log")" "[public] url: the links' base"
is 404 "$(get "$PUB/v1/prices")" "[public] listen: the terminal API is not there"
grep -q 'DEBUG\|debug' "$T/server.log" && not_ok "--no-verbose wins over verbose = yes" || ok "--no-verbose wins over verbose = yes"
is 200 "$(get --cert "$CA/terminal-demo.crt" --key "$CA/terminal-demo.key" "$URL/v1/sandbox/sms")" "sandbox = yes in the file: sandbox mode"
ra_stop TERM
start_own --config "$T/pub.conf" --no-sandbox --db "$T/prod.db" --ca-dir "$T/prodca" --gateway sms=exec:/bin/true \
	--gateway mail=exec:/bin/true --gateway bank=exec:/bin/true --gateway pay=exec:/bin/true
get "$PUB/v1/health" >/dev/null
like '"sandbox":false' "$(cat "$T/out")" "--no-sandbox wins over sandbox = yes"
ra_stop TERM
printf '[server]\npublic_url = https://a.example\n[public]\nurl = https://b.example\n' >"$T/twourl.conf"
like "twourl.conf:4: \\[public\\] url: the same as \\[server\\] public_url, given on line 2" \
	"$("$RA" --check-config --config "$T/twourl.conf" 2>&1)" "[server] public_url and [public] url: one of them"
printf '[terminals]\nsilent_after = -1\n' >"$T/silent.conf"
printf '[purge]\ndocuments_days = 0\n' >"$T/days.conf"
like "silent.conf:2: \\[terminals\\] silent_after wants 0..100000" "$("$RA" --check-config --config "$T/silent.conf" 2>&1; "$RA" --check-config --config "$T/silent.conf" --silent-after x 2>&1)" \
	"[terminals] silent_after is checked like --silent-after"
like "days.conf:2: \\[purge\\] documents_days wants 1..36500 days" "$("$RA" --check-config --config "$T/days.conf" 2>&1)" \
	"[purge] documents_days is checked like --documents-days"
"$RA" --config-reference >"$T/ref.conf"
missing=
for k in tls_cert tls_key url silent_after documents_days; do grep -Eq "^;?$k =" "$T/ref.conf" || missing="$missing $k"; done
for s in public terminals purge; do grep -q "^\\[$s\\]\$" "$T/ref.conf" || missing="$missing [$s]"; done
is "" "$missing" "--config-reference has the new keys and sections"
out=$("$RA" --check-config --config "$T/ref.conf" 2>&1)
is "0 ok" "$? $out" "... and still passes the check"
# [terminals] silent_after and [purge] documents_days reach their commands.
printf '[server]\ndb = %s\n[purge]\ndocuments_days = never\n' "$RA_DB" >"$T/purge.conf"
like "documents.*(never|kept)" "$("$RA" purge --config "$T/purge.conf" --dry-run 2>&1)" \
	"[purge] documents_days = never reaches cakiosk-ra purge"
done_testing
