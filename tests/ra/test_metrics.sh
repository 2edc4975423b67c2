#!/bin/sh
# test_metrics.sh - cakiosk-ra: the access line of every request (its
# fields, the route pattern instead of the path, no secret of a path, a
# query or a header), X-Request-Id, GET /metrics on its own listener only
# (Prometheus text format 0.0.4, counters that move by exactly the requests
# made, cumulative histograms), --no-access-log, --instance, IPv6 listeners.
. "$(dirname "$0")/lib.sh"

# scrape: the metrics into $T/metrics; sets MSTATUS.
scrape() {
	MSTATUS=$(curl -s -o "$T/metrics" -w '%{http_code}' --max-time 10 "$MURL/metrics")
}
# metric NAME{LABELS}: its value in $T/metrics (0 when it is absent).
metric() {
	awk -v k="$1" '$1 == k { v = $2 } END { print v == "" ? 0 : v }' "$T/metrics"
}
# access_line ID: the access line of the request with this X-Request-Id.
access_line() { grep -F "request_id=$1 " "$T/server.log"; }
# request_id: the X-Request-Id of the answer whose headers are in $T/hdr.
request_id() { sed -n 's/^[Xx]-[Rr]equest-[Ii]d: *\([^[:space:]]*\).*/\1/p' "$T/hdr"; }
# metrics_url: the metrics listener's URL from the server's log.
metrics_url() {
	sed -n 's|.*metrics on \(http://[^ ]*\)/metrics$|\1|p' "$T/server.log" | tail -n 1
}
# wait_metric NAME VALUE: until the metric has that value (5 s at most).
wait_metric() {
	wm_i=0
	while [ $wm_i -lt 100 ]; do
		scrape
		[ "$(metric "$1")" = "$2" ] && return 0
		sleep 0.05
		wm_i=$((wm_i + 1))
	done
	return 1
}

"$RA" serve --instance 'bad name' --db "$T/x.db" --ca-dir "$T/x" 2>/dev/null
is 2 $? "an --instance with a space is a usage error"
"$RA" serve --metrics-listen nonsense --db "$T/x.db" --ca-dir "$T/x" 2>/dev/null
is 2 $? "a bad --metrics-listen is a usage error"
"$RA" serve --listen ::1:8443 --db "$T/x.db" --ca-dir "$T/x" 2>/dev/null
is 2 $? "an IPv6 --listen without brackets is a usage error"

ra_start --sandbox --instance ra-test-1 --metrics-listen 127.0.0.1:0
MURL=$(metrics_url)
like '^http://127\.0\.0\.1:[0-9]+$' "$MURL" "the log says where the metrics are served"

# ---- the access line ----
CERT=
req GET /v1/health '' -D "$T/hdr"
RID=$(request_id)
like '^[0-9a-f]{8}-[0-9]+$' "$RID" "an answer carries an X-Request-Id"
LINE=$(access_line "$RID")
like '^time=20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z event=access instance=ra-test-1 request_id=[0-9a-f]{8}-[0-9]+ terminal=- method=GET route=/v1/health status=200 duration_ms=[0-9]+\.[0-9]{3}$' \
	"$LINE" "the access line has every field, in order (public route: terminal -)"
req GET /v1/health '' -D "$T/hdr"
[ -n "$RID" ] && [ "$(request_id)" != "$RID" ] && ok "each request has its own id" ||
	not_ok "each request has its own id"
CERT=terminal-demo
req GET /v1/orders/ORDSECRET4711 '' -D "$T/hdr"
LINE=$(access_line "$(request_id)")
like ' terminal=DEMO-T01 method=GET route=/v1/orders/\{id\} status=404 ' "$LINE" \
	"a terminal's request: its CN and the route pattern, not the path"
req GET "/v1/sandbox/sms?mobile=13999990000" '' -D "$T/hdr"
LINE=$(access_line "$(request_id)")
like ' route=/v1/sandbox/sms status=200 ' "$LINE" "a request with a query string is logged by its route"
req GET /no/such/SECRETPATH42 '' -D "$T/hdr"
like ' route=- status=404 ' "$(access_line "$(request_id)")" "a path no route fits is logged as route=-"
CERT=
req GET /u/tokSECRETabc123def456 '' -D "$T/hdr"
like ' route=/u/\{token\} ' "$(access_line "$(request_id)")" "a public page is logged by its pattern"
CERT=terminal-demo

# A client that goes away in the middle of its body: status 0.
printf 'POST /v1/sandbox/clock HTTP/1.1\r\nHost: x\r\nIdempotency-Key: gone-1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"adv' |
	openssl s_client -quiet -no_ign_eof -connect "127.0.0.1:$PORT" -CAfile "$CA/ca.crt" \
		-cert "$CA/terminal-demo.crt" -key "$CA/terminal-demo.key" >/dev/null 2>&1
i=0
while [ $i -lt 100 ] && ! grep -q 'terminal=DEMO-T01 method=POST route=/v1/sandbox/clock status=0 ' "$T/server.log"; do
	sleep 0.05; i=$((i + 1))
done
[ $i -lt 100 ] && ok "a request the client abandons is logged with status 0" ||
	not_ok "a request the client abandons is logged with status 0"

# A real upload link, session, SMS code and payment link: none in the log.
login unit "$UNIT1" 13912345678 || not_ok "the unit's agent logs in"
mkfiles
unit_order_ready
req POST "/v1/orders/$OID/upload-link"
UPURL=$(j url)
upload "$UPURL" seal_form=@"$T/doc.png"
[ "$STATUS" = 200 ] && ok "a document uploaded through a real link" || not_ok "a document uploaded through a real link ($STATUS)"
scrape
PAID0=$(metric 'cakiosk_ra_payments{state="paid"}')
req POST "/v1/orders/$OID/confirm"
req POST "/v1/orders/$OID/payments" '{"channel":"alipay"}'
PAYURL=$(j payment.code_url)
curl -s -o /dev/null --max-time 20 --cacert "$CA/ca.crt" "$PAYURL"
scrape
is $((PAID0 + 1)) "$(metric 'cakiosk_ra_payments{state="paid"}')" "payments by state: the payment made is counted as paid"
leaks=
for s in "${UPURL##*/}" "${PAYURL##*/}" "$SESSION" 13999990000 SECRETPATH42 tokSECRETabc123def456; do
	[ -n "$s" ] && grep -qF -- "$s" "$T/server.log" && leaks="$leaks $s"
done
is "" "$leaks" "no link token, session, query or path in the log"
grep 'event=access' "$T/server.log" >"$T/access"
for s in "$OID" "${PAYURL##*/}" ORDSECRET4711 "$UNIT1"; do
	[ -n "$s" ] && grep -qF -- "$s" "$T/access" && leaks="$leaks $s"
done
is "" "$leaks" "no order number, payment or registry id in an access line"
grep -q 'route=/u/{token} status=[0-9]' "$T/server.log" && grep -q 'route=/pay/{token} status=' "$T/server.log" &&
	ok "the upload and pay pages were logged (by pattern)" || not_ok "the upload and pay pages were logged (by pattern)"
grep -v '^time=' "$T/server.log" | grep -q 'event=access' && not_ok "every access line starts with time=" ||
	ok "every access line starts with time="

# ---- /metrics on its own listener only ----
scrape
is 200 "$MSTATUS" "GET /metrics answers on the metrics listener"
CT=$(curl -s -o /dev/null -w '%{content_type}' "$MURL/metrics")
is "text/plain; version=0.0.4; charset=utf-8" "$CT" "... as Prometheus text 0.0.4"
is 404 "$(curl -s -o /dev/null -w '%{http_code}' "$MURL/v1/health")" "the metrics listener answers nothing else (404)"
req GET /metrics
is 404 "$STATUS" "GET /metrics on the terminal listener: 404"
CERT=
req GET /metrics
is 404 "$STATUS" "... also without a client certificate"
CERT=terminal-demo
is 000 "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$PORT/metrics")" \
	"the terminal listener speaks no plain HTTP"

# The counters move by exactly the requests made (scrapes are not counted).
scrape
cp "$T/metrics" "$T/m0"
H='cakiosk_ra_http_requests_total{method="GET",route="/v1/health",status="200"}'
U='cakiosk_ra_http_requests_total{method="GET",route="/v1/registry/units/{id}",status="200"}'
N='cakiosk_ra_http_requests_total{method="-",route="-",status="404"}'
HC='cakiosk_ra_http_request_duration_seconds_count{method="GET",route="/v1/health"}'
H0=$(metric "$H") U0=$(metric "$U") N0=$(metric "$N") HC0=$(metric "$HC")
for i in 1 2 3; do req GET /v1/health; done
for i in 1 2; do req GET "/v1/registry/units/$UNIT1"; done
req GET /nowhere
scrape; scrape
is $((H0 + 3)) "$(metric "$H")" "requests_total: health +3"
is $((U0 + 2)) "$(metric "$U")" "requests_total: unit lookups +2"
is $((N0 + 1)) "$(metric "$N")" "requests_total: an unknown path +1 under route -"
is $((HC0 + 3)) "$(metric "$HC")" "the duration histogram's _count moved with them"

# Histograms: buckets cumulative (le ascending), +Inf = _count = the sum of
# requests_total of that route.
HIST=$(awk '
	/^#/ { next }
	{ split($1, a, "{"); name = a[1]; lab = $1; sub(/^[^{]*/, "", lab) }
	name == "cakiosk_ra_http_requests_total" {
		k = lab; sub(/,status="[^"]*"}$/, "}", k); total[k] += $2 }
	name == "cakiosk_ra_http_request_duration_seconds_bucket" {
		k = lab; sub(/,le="[^"]*"}$/, "}", k)
		if (k in last && $2 < last[k]) bad = bad " decreasing:" k
		last[k] = $2; if (lab ~ /le="\+Inf"/) inf[k] = $2; nb[k]++ }
	name == "cakiosk_ra_http_request_duration_seconds_count" { cnt[lab] = $2 }
	END {
		for (k in cnt) {
			if (inf[k] != cnt[k]) bad = bad " inf!=count:" k
			if (total[k] != cnt[k]) bad = bad " count!=total:" k
			if (nb[k] != 12) bad = bad " buckets:" k
			n++
		}
		for (k in total) if (!(k in cnt)) bad = bad " nohist:" k
		print (n > 3 ? "" : "too few histograms") bad
	}' "$T/metrics")
is "" "$HIST" "histograms are cumulative, +Inf = _count = the route's requests"

# The text format, line by line: HELP and TYPE before a family's samples,
# every sample "name{labels} value" of a declared family.
FMT=$(awk '
	/^# HELP / { help[$3] = 1; next }
	/^# TYPE / {
		if (!($3 in help)) print "TYPE before HELP: " $3
		if ($4 !~ /^(counter|gauge|histogram|summary|untyped)$/) print "bad type: " $0
		if ($3 in type) print "TYPE twice: " $3
		type[$3] = $4; next }
	/^#/ { print "stray comment: " $0; next }
	/^$/ { print "empty line"; next }
	{
		if ($0 !~ /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="[^"\\]*"(,[a-zA-Z_][a-zA-Z0-9_]*="[^"\\]*")*\})? -?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$/)
			print "bad sample: " $0
		split($1, a, "{"); name = a[1]; fam = name
		if (!(fam in type)) { fam = name; sub(/_(bucket|sum|count)$/, "", fam)
			if (type[fam] != "histogram") fam = name }
		if (!(fam in type)) print "no TYPE for " name
		if (fam in done && fam != prev) print "family not together: " fam
		done[fam] = 1; prev = fam; samples++ }
	END { if (samples < 20) print "only " samples " samples" }' "$T/metrics")
is "" "$FMT" "the exposition parses as Prometheus text, every family with HELP and TYPE"
for f in cakiosk_ra_certificates_issued_total cakiosk_ra_payments cakiosk_ra_store_errors_total \
	cakiosk_ra_store_busy_retries_total cakiosk_ra_open_connections cakiosk_ra_idempotent_replays_total; do
	grep -q "^# TYPE $f " "$T/metrics" || missing="$missing $f"
done
is "" "$missing" "issuances, payments, store errors and retries, connections, replays are there"
like 'cakiosk_ra_info\{name="ra-test-1",version="[^"]+"\} 1' "$(cat "$T/metrics")" "the instance's name and version"

# Issuances, replays, connections, store retries.
C='cakiosk_ra_certificates_issued_total{profile="customer"}'
TM='cakiosk_ra_certificates_issued_total{profile="terminal"}'
R=cakiosk_ra_idempotent_replays_total
C0=$(metric "$C") TM0=$(metric "$TM") R0=$(metric "$R")
now=$(date +%s)
sandbox_cert mc $((now - 86400)) $((now + 86400)) person "$PERSON1"
enrol_term term2 METRICS-T02
IDEM=replay-me-1
req POST /v1/sandbox/clock '{"advance":0}'
req POST /v1/sandbox/clock '{"advance":0}'
IDEM=
scrape
is $((C0 + 1)) "$(metric "$C")" "a customer certificate signed: issued{customer} +1"
is $((TM0 + 1)) "$(metric "$TM")" "a terminal enrolled: issued{terminal} +1"
is $((R0 + 1)) "$(metric "$R")" "a repeated POST: replays +1"

# Counted once per certificate kept: one order's certificate asked for on
# twelve connections at once (one Idempotency-Key, as a kiosk retrying
# after a timeout): the CA may sign for more than one of them without the
# store's lock; one is committed, the others are replayed.
approved_unit_order
newcsr par
scrape
C0=$(metric "$C")
set --
for i in 1 2 3 4 5 6 7 8 9 10 11 12; do set -- "$@" -o "$T/par$i.out" "$URL/v1/orders/$OID/certificate"; done
curl -s --parallel --parallel-immediate --parallel-max 12 -w '%{http_code}\n' --max-time 20 \
	--cacert "$CA/ca.crt" --cert "$CA/terminal-demo.crt" --key "$CA/terminal-demo.key" \
	-H "Authorization: Bearer $SESSION" -H "Idempotency-Key: par-$OID" \
	-H 'Content-Type: application/json' --data-binary "{\"csr\":\"$(pem_json "$T/par.csr")\"}" \
	"$@" >"$T/par.codes" 2>/dev/null
is 12 "$(grep -c '^201$' "$T/par.codes")" "twelve requests for one certificate at once: all answered with it"
is 1 "$(for i in 1 2 3 4 5 6 7 8 9 10 11 12; do "$JGET" serial <"$T/par$i.out"; echo; done | sort -u | grep -c .)" "... one certificate"
scrape
is $((C0 + 1)) "$(metric "$C")" "... counted once: issued{customer} +1 (not once per signature)"

wait_metric cakiosk_ra_open_connections 0 && ok "no connection open when idle" || not_ok "no connection open when idle"
mkfifo "$T/hold"
openssl s_client -quiet -connect "127.0.0.1:$PORT" -CAfile "$CA/ca.crt" <"$T/hold" >/dev/null 2>&1 &
SC=$!
exec 3>"$T/hold"
wait_metric cakiosk_ra_open_connections 1 && ok "an open connection is counted" || not_ok "an open connection is counted ($(metric cakiosk_ra_open_connections))"
exec 3>&-
kill "$SC" 2>/dev/null; wait "$SC" 2>/dev/null
wait_metric cakiosk_ra_open_connections 0 && ok "... and uncounted when it closes" || not_ok "... and uncounted when it closes"

# Another process holds the store's write lock for a moment: the server
# waits, counts its tries, and answers.  A lock on the whole file is
# SQLite's.
if sqlite_only; then
	B0=$(metric cakiosk_ra_store_busy_retries_total)
	rm -f "$T/locked"
	(printf "BEGIN IMMEDIATE;\nSELECT 'locked';\n"; while [ ! -e "$T/release" ]; do sleep 0.05; done; printf 'COMMIT;\n') |
		sqlite3 "$RA_DB" >"$T/locked" &
	LK=$!
	i=0; while [ $i -lt 100 ] && ! grep -q locked "$T/locked"; do sleep 0.05; i=$((i + 1)); done
	# Held 2 s: long enough for the request to reach the lock on a loaded
	# machine (0.3 s was not), well inside the server's 5 s of waiting.
	(sleep 2; touch "$T/release") &
	req POST /v1/sandbox/clock '{"advance":0}'
	wait "$LK"
	is 200 "$STATUS" "a write waits for another process's lock"
	scrape
	B1=$(metric cakiosk_ra_store_busy_retries_total)
	[ "$B1" -gt "$B0" ] && ok "store busy retries counted ($B0 -> $B1)" || not_ok "store busy retries counted ($B0 -> $B1)"
else
	skip "a lock held on the store's file is SQLite's"; skip "-"
fi

# --no-access-log: no line.
ra_stop TERM
: >"$T/server.log"
ra_start --sandbox --no-access-log
req GET /v1/health
grep -q 'event=access' "$T/server.log" && not_ok "--no-access-log: no access line" || ok "--no-access-log: no access line"
ra_stop TERM

# IPv6: both listeners on ::1 (a store and CA of their own: the server's
# certificate names the address it was first started on).
if grep -q '^0\{31\}1 ' /proc/net/if_inet6 2>/dev/null; then
	CA=$T/ca6 RA_DB=$(ra_newdb db6) RA_LISTEN='[::1]:0' RA_HOST='[::1]'
	export RA_DB RA_LISTEN RA_HOST
	ra_start --sandbox --metrics-listen '[::1]:0'
	req GET /v1/registry/units/$UNIT1
	is 200 "$STATUS" "IPv6: the terminal listener answers on [::1]"
	MURL=$(metrics_url)
	like '^http://\[::1\]:[0-9]+$' "$MURL" "IPv6: the metrics listener is on [::1]"
	scrape
	is 1 "$(metric 'cakiosk_ra_http_requests_total{method="GET",route="/v1/registry/units/{id}",status="200"}')" \
		"IPv6: /metrics answers and counted the request"
	# A wrong enrolment code over IPv6 counts against the client's /64:
	# a host picking a fresh address in its /64 for every try is one client.
	req POST /v1/enrol '{"code":"wrong-code-0000","csr":"x"}'
	is 403 "$STATUS" "IPv6: a wrong enrolment code is refused"
	is "::/64" "$(db_sql "SELECT subject FROM failures WHERE check_name = 'enrol'")" \
		"IPv6: ... and its failure counts against the client's /64, not its address"
else
	for i in 1 2 3 4 5; do skip "IPv6: the machine has no ::1"; done
fi

done_testing
