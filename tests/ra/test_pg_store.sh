#!/bin/sh
# test_pg_store.sh - cakiosk-ra on PostgreSQL, what the store itself does, on
# a private server of this suite's (it is restarted): two servers on one
# database given the same POST at once (one Idempotency-Key) make one order
# and both answer it (the transaction that loses the race runs again and
# replays the winner's); a restart of the database costs no request; the
# subcommands take the URI; its password is never said.  PostgreSQL only
# (ra@pg/test_pg_store).
. "$(dirname "$0")/lib.sh"

if sqlite_only; then
	skip "the PostgreSQL store's own suite: ra@pg/test_pg_store"
	done_testing
fi
PID2=
pg_cleanup() {
	if [ -n "$PID2" ]; then kill "$PID2" 2>/dev/null; wait "$PID2" 2>/dev/null; fi
	ra_cleanup
}
trap pg_cleanup EXIT
# A server of the suite's own, not the run's shared one: it is restarted.
if [ -z "$PG_OWN" ]; then
	pg_dropdb "$PG_DB" >/dev/null 2>&1
	pg_start >"$T/pg.why" || { skip "no PostgreSQL server: $(cat "$T/pg.why")"; done_testing; }
	PG_OWN=1
	pg_createdb "$PG_DB" >/dev/null
fi
DB=$(pg_uri "$PG_DB")
PW=Pw-$$-never-said
metrics_url() { sed -n 's|.*metrics on \(http://[^ ]*\)/metrics$|\1|p' "$T/server.log" | tail -n 1; }

# Two servers, one store and one CA; the second is given a password
# (the server trusts local users: it is sent and ignored).
RA_DB=$DB ra_start --sandbox --metrics-listen 127.0.0.1:0
PID1=$PID URL1=$URL M1=$(metrics_url)
RA_DB="$DB&password=$PW" ra_start --sandbox --metrics-listen 127.0.0.1:0
PID2=$PID URL2=$URL M2=$(metrics_url)
PID=$PID1 URL=$URL1
[ "$URL1" != "$URL2" ] && ok "two servers on one database" || not_ok "two servers on one database"

login unit "$UNIT1" 13912345678 || not_ok "login"
# race KEY PATH BODY: the same POST to both servers at once; statuses in
# $T/st1, $T/st2, bodies in $T/b1, $T/b2.
race() {
	for i in 1 2; do
		eval "u=\$URL$i"
		curl -s -o "$T/b$i" -w '%{http_code}' --max-time 30 --cacert "$CA/ca.crt" \
			--cert "$CA/terminal-demo.crt" --key "$CA/terminal-demo.key" \
			-H "Authorization: Bearer $SESSION" -H "Idempotency-Key: $1" \
			-H 'Content-Type: application/json' --data-binary "$3" -X POST "$u$2" >"$T/st$i" &
		eval "c$i=\$!"
	done
	wait "$c1" "$c2"
}
ORDER="{\"kind\":\"apply\",\"subject_type\":\"unit\",\"subject_id\":\"$UNIT1\",\"term_years\":1,\"form\":{\"email\":\"agent@example.cn\",\"mobile\":\"13912345678\",\"address\":\"湖南省长沙市岳麓区麓山南路1号\",\"postcode\":\"410082\"}}"
bad=0 k=0
while [ $k -lt 20 ]; do
	k=$((k + 1))
	race "race-$$-$k" /v1/orders "$ORDER"
	o1=$("$JGET" order.id <"$T/b1") o2=$("$JGET" order.id <"$T/b2")
	if [ "$(cat "$T/st1") $(cat "$T/st2")" != "201 201" ] || [ -z "$o1" ] || [ "$o1" != "$o2" ]; then
		bad=$((bad + 1))
		echo "# key race-$$-$k: $(cat "$T/st1") $o1 / $(cat "$T/st2") $o2: $(head -c 200 "$T/b2")"
	fi
done
is 0 "$bad" "20 POSTs sent to both servers at once: both answer 201 with the same order"
is 20 "$(pg_psql "$PG_DB" "SELECT count(*) FROM orders")" "... and the store holds one order per key"
is 20 "$(pg_psql "$PG_DB" "SELECT count(DISTINCT key) FROM idempotency WHERE key LIKE 'race-$$-%'")" \
	"... and one recorded answer per key"
r=0
for m in "$M1" "$M2"; do
	curl -s -o "$T/metrics" --max-time 10 "$m/metrics"
	r=$((r + $(awk '$1 == "cakiosk_ra_store_busy_retries_total" { print $2 }' "$T/metrics")))
done
echo "# runs again after a lost race: $r"
[ "$r" -gt 0 ] && ok "the losers ran again (counted as store retries)" ||
	not_ok "the losers ran again (counted as store retries)"

# The database restarts under the servers: the next requests work.
pg_as "$PG_BIN/pg_ctl" -D "$CAKIOSK_PG_DIR/data" -m fast -w restart >/dev/null 2>&1
bad=0 k=0
while [ $k -lt 8 ]; do
	k=$((k + 1))
	req GET "/v1/orders/$o1"
	[ "$STATUS" = 200 ] || { bad=$((bad + 1)); echo "# after the restart: $STATUS $(head -c 200 "$T/out")"; }
done
is 0 "$bad" "after a restart of the database every request is answered"
URL=$URL2
req GET "/v1/orders/$o1"
is 200 "$STATUS" "... by the other server too"
# Down: the request is refused, the servers stay, and it comes back.
pg_as "$PG_BIN/pg_ctl" -D "$CAKIOSK_PG_DIR/data" -m fast -w stop >/dev/null 2>&1
req GET "/v1/orders/$o1"
like "^5" "$STATUS" "with the database down a request is answered 5xx"
pg_as "$PG_BIN/pg_ctl" -D "$CAKIOSK_PG_DIR/data" -l "$CAKIOSK_PG_DIR/server.log" -w start >/dev/null 2>&1
req GET "/v1/orders/$o1"
is 200 "$STATUS" "... and once it is back, 200 again"

# The subcommands take the URI.
"$RA" purge --dry-run --db "$DB" >"$T/purge" 2>&1
is 0 $? "purge --dry-run --db postgresql://..."
like "^idempotency +0" "$(cat "$T/purge")" "... counts the rows it would delete"
like "^[0-9]{12}$" "$("$RA" enrol-code --db "$DB" T-PG-1 2>&1)" "enrol-code --db postgresql://..."
"$RA" orders --db "postgresql://postgres:$PW@/nosuchdb?host=$CAKIOSK_PG_DIR" >"$T/nodb" 2>&1
is 1 $? "a database that is not there: exit 1"
like "nosuchdb" "$(cat "$T/nodb")" "... saying which"
if grep -q -- "$PW" "$T/nodb" "$T/server.log"; then not_ok "the password is never said"; else ok "the password is never said"; fi

kill "$PID2"; wait "$PID2"; is 0 $? "the second server stops cleanly"; PID2=
done_testing
