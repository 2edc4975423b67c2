#!/bin/sh
# test_reads.sh - cakiosk-ra on SQLite: requests that only read run on read
# connections of their own, beside a request holding the writer (a GET is
# not queued behind a long write).
. "$(dirname "$0")/lib.sh"

# scrape: the metrics into $T/metrics.
scrape() { curl -s -o "$T/metrics" --max-time 10 "$MURL/metrics"; }
# metric NAME: its value in $T/metrics (0 when it is absent).
metric() {
	awk -v k="$1" '$1 == k { v = $2 } END { print v == "" ? 0 : v }' "$T/metrics"
}

if ! sqlite_only || ! command -v sqlite3 >/dev/null; then
	for i in 1 2 3 4; do skip "read connections are SQLite's (and the test holds its file lock)"; done
	done_testing
fi

ra_start --sandbox --metrics-listen 127.0.0.1:0
MURL=$(sed -n 's|.*metrics on \(http://[^ ]*\)/metrics$|\1|p' "$T/server.log" | tail -n 1)

# Another process holds the file's write lock until told: a write request
# (the sandbox clock) waits for it inside the server, holding the writer.
scrape
B0=$(metric cakiosk_ra_store_busy_retries_total)
rm -f "$T/locked" "$T/release"
(printf "BEGIN IMMEDIATE;\nSELECT 'locked';\n"; while [ ! -e "$T/release" ]; do sleep 0.05; done; printf 'COMMIT;\n') |
	sqlite3 "$RA_DB" >"$T/locked" &
LK=$!
i=0; while [ $i -lt 100 ] && ! grep -q locked "$T/locked"; do sleep 0.05; i=$((i + 1)); done
curl -s -o /dev/null -w '%{http_code}' --max-time 20 --cacert "$CA/ca.crt" \
	--cert "$CA/$CERT.crt" --key "$CA/$CERT.key" -X POST -H "Idempotency-Key: clock$$" \
	-H 'Content-Type: application/json' --data-binary '{"advance":0}' \
	"$URL/v1/sandbox/clock" >"$T/post.status" &
POST=$!
# The write is in once the server has waited for the lock at least once.
i=0
while [ $i -lt 60 ]; do
	scrape
	[ "$(metric cakiosk_ra_store_busy_retries_total)" -gt "$B0" ] && break
	sleep 0.05; i=$((i + 1))
done
[ $i -lt 60 ] && ok "a write request waits for the store's write lock" ||
	not_ok "a write request waits for the store's write lock"

# Reads meanwhile: a terminal's GET (its certificate checked against the
# store too) and a public page, each answered well before the write is.
GS=$(curl -s -o "$T/get.out" -w '%{http_code}' --max-time 3 --cacert "$CA/ca.crt" \
	--cert "$CA/$CERT.crt" --key "$CA/$CERT.key" "$URL/v1/registry/units/$UNIT1")
HS=$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 --cacert "$CA/ca.crt" "$URL/v1/health")
kill -0 "$POST" 2>/dev/null && waiting=yes || waiting=no
is "200 200 yes" "$GS $HS $waiting" "GETs are answered while a write request holds the writer"
like "\"id\":\"$UNIT1\"" "$(cat "$T/get.out")" "... with the record asked for"

touch "$T/release"
wait "$LK"
wait "$POST"
is 200 "$(cat "$T/post.status")" "... and the write is answered once the lock is free"

ra_stop TERM
done_testing
