#!/bin/sh
# test_outbox.sh - cakiosk-ra: a message to a real provider (exec:PROGRAM)
# leaves once, and only for a request whose transaction was kept.
#
# A handler runs again from the start when its transaction lost a race; on
# PostgreSQL two concurrent requests with one Idempotency-Key make the
# loser run again (its idempotency record meets the winner's), and an
# adaptor that records that same key in the store while it sends makes a
# request fail after sending, deterministically.  Every SMS the provider got
# must carry a code that opens a session: one from a run that was rolled
# back would not.  Then the outbox itself: a failed send is retried with the
# same message id, a message left when the server stopped leaves after the
# next start, the log never holds the text, the metrics count what waits,
# and purge removes what was sent.
. "$(dirname "$0")/lib.sh"

db_client || { echo "1..0 # SKIP no sqlite3 (kiosk/install-deps.sh installs it)"; exit 0; }
q() { db_sql "$1"; }

# The operator's adaptor: logs each call; sms and mail wait 1 s while
# $T/slow exists; every call fails while $T/fail exists; with $T/clash an
# SMS also records the Idempotency-Key "clash" in the store (PostgreSQL).
PSQL=
[ "$RA_STORE" = pg ] && PSQL="$PG_BIN/psql -X -q -h $CAKIOSK_PG_DIR -U postgres -d $PG_DB"
cat >"$T/gw.sh" <<GW
#!/bin/sh
in=\$(cat)
if [ -e "$T/fail" ]; then printf '%s %s\\n' "\$1" "\$in" >>"$T/gw.fail"; exit 1; fi
printf '%s %s\\n' "\$1" "\$in" >>"$T/gw.log"
if [ "\$1" = sms ] && [ -e "$T/clash" ]; then
	rm -f "$T/clash"
	$PSQL -c "INSERT INTO idempotency(key, terminal, method, path, req_hash, status, body, created) SELECT 'clash', terminal, method, path, 'other', 201, '{}', 0 FROM idempotency WHERE path = '/v1/sms' LIMIT 1" >/dev/null 2>&1
fi
[ -e "$T/slow" ] && sleep 1
echo '{}'
GW
chmod 700 "$T/gw.sh"
: >"$T/gw.log"
ra_start --sandbox --metrics-listen 127.0.0.1:0 --gateway sms=exec:"$T/gw.sh" \
	--gateway mail=exec:"$T/gw.sh" --gateway bank=exec:"$T/gw.sh"
MURL=$(sed -n 's|.*metrics on \(http://[^ ]*\)/metrics$|\1|p' "$T/server.log" | tail -n 1)

# sms_count: SMS the provider got.
sms_count() { grep -c '^sms ' "$T/gw.log"; }
# codes_work TYPE ID: every code the provider got opens a session of
# TYPE ID (one from a rolled-back run would not): "yes" or the bad codes.
codes_work() {
	cw_bad=
	for c in $(sed -n 's/^sms .*验证码为\([0-9]\{6\}\).*/\1/p' "$T/gw.log"); do
		keep_secret sms_code "$c"
		req POST /v1/sessions "{\"subject_type\":\"$1\",\"subject_id\":\"$2\",\"code\":\"$c\"}"
		[ "$STATUS" = 201 ] || cw_bad="$cw_bad $c:$STATUS"
	done
	echo "${cw_bad:-yes}"
}
# wait_log PATTERN COUNT: until the provider got COUNT calls matching
# PATTERN (15 s at most); prints how many it got.
wait_log() {
	wl_end=$(($(date +%s) + 15))
	while [ "$(grep -c "$1" "$T/gw.log")" -lt "$2" ] && [ "$(date +%s)" -lt "$wl_end" ]; do
		sleep 0.1
	done
	grep -c "$1" "$T/gw.log"
}

# ---- a rerun sends nothing twice ---------------------------------------------
: >"$T/slow"
body="{\"subject_type\":\"person\",\"subject_id\":\"$PERSON1\"}"
for i in 1 2; do
	curl -s -o "$T/race$i" -w '%{http_code}' --max-time 20 --cacert "$CA/ca.crt" \
		--cert "$CA/$CERT.crt" --key "$CA/$CERT.key" -H 'Idempotency-Key: race-1' \
		-H 'Content-Type: application/json' --data-binary "$body" "$URL/v1/sms" >"$T/race$i.code" &
	eval "race$i=\$!"
done
wait "$race1" "$race2"
rm -f "$T/slow"
is "201 201" "$(cat "$T/race1.code") $(cat "$T/race2.code")" \
	"two concurrent requests with one key: both answered 201 (one replayed)"
is 1 "$(wait_log '^sms ' 1)" "... and the provider got one SMS, not one per run"
is yes "$(codes_work person "$PERSON1")" "... whose code opens a session"

# ---- a request that fails after sending sends nothing -------------------------
if [ "$RA_STORE" = pg ]; then
	: >"$T/gw.log"
	: >"$T/clash"
	IDEM=clash req POST /v1/sms "{\"subject_type\":\"person\",\"subject_id\":\"$PERSON2\"}"
	IDEM=
	like '^(201|422)$' "$STATUS" "a request whose key another recorded meanwhile: $STATUS"
	n_sent=$(wait_log '^sms ' 1)
	if [ "$STATUS" = 422 ]; then
		is 0 "$n_sent" "... failed after its handler ran: the provider got nothing"
	else
		is 1 "$n_sent" "... kept: the provider got its one SMS"
	fi
	is yes "$(codes_work person "$PERSON2")" "... every code the provider got opens a session"
else
	skip "a failure after sending is made on PostgreSQL (another connection records the key)"
	skip "..."
	skip "..."
fi

# ---- the message id, retries, and the log ------------------------------------
: >"$T/gw.log"
: >"$T/fail"
req POST /v1/sms "{\"subject_type\":\"person\",\"subject_id\":\"$PERSON3\"}"
is 201 "$STATUS" "a provider that fails: the request is answered all the same"
is 1 "$(grep -c '^sms ' "$T/gw.fail")" "... the send was tried once at once"
curl -s "$MURL/metrics" >"$T/metrics"
like 'cakiosk_ra_outbox\{state="pending"\} 1' "$(cat "$T/metrics")" "... a metric counts it pending"
id1=$(sed -n 's/^sms .*"message_id":"\([^"]*\)".*/\1/p' "$T/gw.fail" | head -n 1)
like '^[A-Za-z0-9_-]{16,}$' "$id1" "the adaptor gets a message id"
rm -f "$T/fail"
is 1 "$(wait_log '^sms ' 1)" "the background sender sends it once the provider is back"
id2=$(sed -n 's/^sms .*"message_id":"\([^"]*\)".*/\1/p' "$T/gw.log" | head -n 1)
is "$id1" "$id2" "... with the same message id"
code=$(sed -n 's/^sms .*验证码为\([0-9]\{6\}\).*/\1/p' "$T/gw.log")
keep_secret sms_code "$code"
grep -q "$code" "$T/server.log" && not_ok "the log never holds the text" || ok "the log never holds the text"
like 'outbox: .* failed' "$(cat "$T/server.log")" "... but says a send failed"
is 0 "$(q "SELECT count(*) FROM outbox WHERE state = 'sent' AND body <> ''")" \
	"a sent message's text is not kept"

# ---- a message given up after its last try -----------------------------------
: >"$T/fail"
: >"$T/gw.fail"
q "INSERT INTO outbox(id, op, body, state, tries, next_at, claimed_until, created) VALUES('m-last-1', 'sms', '{\"mobile\":\"13800000000\",\"text\":\"x\"}', 'pending', 7, 0, 0, 0)"
end=$(($(date +%s) + 10))
while [ "$(date +%s)" -lt "$end" ] && [ "$(q "SELECT state FROM outbox WHERE id = 'm-last-1'")" = pending ]; do sleep 0.1; done
is "failed " "$(q "SELECT state, body FROM outbox WHERE id = 'm-last-1'" | tr '|' ' ')" \
	"a message that failed its 8th try is given up, its text deleted"
like 'outbox: sms message m-last-1 failed \(try 8 of 8, given up\)' "$(cat "$T/server.log")" "... and the log says so"
curl -s "$MURL/metrics" >"$T/metrics"
like 'cakiosk_ra_outbox\{state="failed"\} 1' "$(cat "$T/metrics")" "... and a metric counts it"
rm -f "$T/fail"

# ---- a message left when the server stopped ---------------------------------
: >"$T/gw.log"
: >"$T/fail"
req POST /v1/sms "{\"subject_type\":\"unit\",\"subject_id\":\"$UNIT1\"}"
is 201 "$STATUS" "a message the provider refused ..."
ra_stop TERM
rm -f "$T/fail"
ra_start --sandbox --gateway sms=exec:"$T/gw.sh" --gateway mail=exec:"$T/gw.sh" \
	--gateway bank=exec:"$T/gw.sh"
is 1 "$(wait_log '^sms ' 1)" "... leaves after the next start"

# ---- two instances do not both send one message -------------------------------
ra_stop TERM
: >"$T/gw.log"
ra_start --sandbox --gateway sms=exec:"$T/gw.sh" --gateway mail=exec:"$T/gw.sh" \
	--gateway bank=exec:"$T/gw.sh"
P1=$PID
rm -f "$T/port"
PID=
ra_start --sandbox --gateway sms=exec:"$T/gw.sh" --gateway mail=exec:"$T/gw.sh" \
	--gateway bank=exec:"$T/gw.sh"
q "INSERT INTO outbox(id, op, body, state, tries, next_at, claimed_until, created) VALUES('m-two-1', 'sms', '{\"mobile\":\"13800000000\",\"text\":\"x\"}', 'pending', 0, 0, 0, 0)"
wait_log m-two-1 1 >/dev/null
end=$(($(date +%s) + 3))
while [ "$(date +%s)" -lt "$end" ] && [ "$(q "SELECT state FROM outbox WHERE id = 'm-two-1'")" != sent ]; do sleep 0.1; done
is 1 "$(grep -c m-two-1 "$T/gw.log")" "two instances on one store: one message sent once"
kill "$P1"; wait "$P1"
ra_stop TERM

# ---- purge ------------------------------------------------------------------
NOW=$(date +%s)
q "UPDATE outbox SET created = $((NOW - 3 * 86400)), sent_at = $((NOW - 3 * 86400)) WHERE state = 'sent'"
q "INSERT INTO outbox(id, op, body, state, tries, next_at, claimed_until, created) VALUES('m-pending', 'sms', '{}', 'pending', 0, 0, 0, $((NOW - 3 * 86400)))"
sent=$(q "SELECT count(*) FROM outbox WHERE state = 'sent'")
"$RA" purge --db "$RA_DB" >"$T/purge" 2>"$T/purge.err"
is "outbox $sent deleted" "$(awk '$1 == "outbox" {print $1, $2, $3}' "$T/purge")" "purge deletes the sent messages"
is "0 1" "$(q "SELECT count(*) FROM outbox WHERE state = 'sent'") $(q "SELECT count(*) FROM outbox WHERE id = 'm-pending'")" \
	"... and keeps one still to send"
done_testing
