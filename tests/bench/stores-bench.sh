#!/bin/sh
# stores-bench.sh - cakiosk-ra on its stores, in one run:
#   (a) renewals per second: each one the order, its confirmation, its
#       payment, the sandbox pay page and the certificate (CSR + the old
#       key's proof): 5 HTTPS requests, as a kiosk and a phone make them;
#   (b) order-status reads per second (GET /v1/orders/ID, as a kiosk polls);
# on SQLite with one instance and with two on the same file, on PostgreSQL
# with one instance and with two on the same database (on this machine; the
# clients split between the instances).
#
# Each line: the rate, p50 and p99 of one renewal (all five requests) or
# one read, and CPU seconds per 1000 HTTP requests: of the cakiosk-ra
# processes and of the PostgreSQL server's (utime + stime from /proc before
# and after, the backends' of exited ones counted through the postmaster),
# and of the client apart (getrusage of ra-tools/loadgen): on one machine
# the client's share is not the server's.
#
# PostgreSQL: the suites' private server (tests/ra/pg.sh: initdb in a
# temporary directory, a Unix socket there, no TCP) made as durable as
# SQLite's synchronous=FULL (fsync, synchronous_commit and full-page writes
# on again) for the measures.  Without PostgreSQL binaries, or with a
# cakiosk-ra that cannot open a postgresql:// store, its lines say why.
#
#   sh tests/bench/stores-bench.sh [BUILD_DIR] [SECONDS] [CLIENTS]
B=${1:-${B:-build}}
SECS=${2:-5}
CLIENTS=${3:-8}
RA=$B/cakiosk-ra LOADGEN=$B/ra-tools/loadgen JGET=$B/ra-tools/jget
for f in "$RA" "$LOADGEN" "$JGET"; do
	[ -x "$f" ] || { echo "stores-bench: $f is not built" >&2; exit 1; }
done
T=$(mktemp -d "${TMPDIR:-/tmp}/stores-bench.XXXXXX")
PIDS= PGPID=
. "$(dirname "$0")/../ra/pg.sh"
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	pg_stop
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
TCK=$(getconf CLK_TCK)
BENCH=stores-bench
. "$(dirname "$0")/bench_lib.sh"

# pg_up: the private server, durable; false with the reason in PGWHY.
pg_up() {
	pg_start >"$T/pg.why" || { PGWHY=$(cat "$T/pg.why"); return 1; }
	pg_psql postgres "ALTER SYSTEM SET fsync = on" &&
		pg_psql postgres "ALTER SYSTEM SET synchronous_commit = on" &&
		pg_psql postgres "ALTER SYSTEM SET full_page_writes = on" &&
		pg_psql postgres "SELECT pg_reload_conf()" >/dev/null || { PGWHY="cannot configure it"; return 1; }
	pg_createdb probe >/dev/null 2>&1
	PGWHY=$("$RA" orders --db "$(pg_uri probe)" 2>&1 >/dev/null) ||
		{ PGWHY="cakiosk-ra cannot open a postgresql:// store: $(echo "$PGWHY" | head -n 1)"; return 1; }
	PGPID=$(head -n 1 "$CAKIOSK_PG_DIR/data/postmaster.pid")
}

# ---- the servers ------------------------------------------------------------
# start N DB: N instances of cakiosk-ra (sandbox) on store DB, one CA
# directory; URLS their addresses, RAPIDS their processes.
start() {
	URLS= RAPIDS=
	s_i=1
	while [ $s_i -le "$1" ]; do
		rm -f "$T/port"
		"$RA" serve --listen 127.0.0.1:0 --port-file "$T/port" --db "$2" --ca-dir "$T/ca" \
			--sandbox --no-access-log 2>>"$T/ra.log" &
		p=$!
		PIDS="$PIDS $p" RAPIDS="$RAPIDS $p"
		w=0
		while [ ! -s "$T/port" ] && [ $w -lt 200 ] && kill -0 "$p" 2>/dev/null; do
			sleep 0.05
			w=$((w + 1))
		done
		[ -s "$T/port" ] || return 1
		URLS="$URLS https://127.0.0.1:$(cat "$T/port")"
		s_i=$((s_i + 1))
	done
}
stop() {
	for p in $RAPIDS; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	PIDS= RAPIDS=
}
# pg_cpu: the PostgreSQL server's ticks, postmaster and backends.
pg_cpu() {
	if [ -n "${PGPID:-}" ]; then cpu_ticks "$PGPID" $(pgrep -P "$PGPID"); else echo 0; fi
}

C="--cacert $T/ca/ca.crt --cert $T/ca/terminal-demo.crt --key $T/ca/terminal-demo.key"
LG="-a $T/ca/ca.crt -e $T/ca/terminal-demo.crt -k $T/ca/terminal-demo.key"
# setup: on the first instance, a certificate to renew (its key
# $T/old.key) and the order the reads ask for ($OID); the renewal's body
# in $T/order.json.
setup() {
	u=${URLS# }
	u=${u%% *}
	now=$(date +%s)
	curl -s $C -H "Idempotency-Key: sc-$now-$$" -H 'Content-Type: application/json' \
		--data "{\"subject_type\":\"person\",\"subject_id\":\"$PERSON\",\"csr\":\"$(awk '{printf "%s\\n", $0}' "$T/old.csr")\",\"not_before\":$((now - 300 * 86400)),\"not_after\":$((now + 30 * 86400))}" \
		"$u/v1/sandbox/certificates" >"$T/sc"
	"$JGET" certificate <"$T/sc" >"$T/old.crt" || return 1
	printf '{"kind":"renew","subject_type":"person","subject_id":"%s","term_years":1,"certificate":"%s","form":{"email":"b@example.cn"}}' \
		"$PERSON" "$(awk '{printf "%s\\n", $0}' "$T/old.crt")" >"$T/order.json"
	curl -s $C -H "Idempotency-Key: o-$now-$$" -H 'Content-Type: application/json' \
		--data @"$T/order.json" "$u/v1/orders" >"$T/order"
	OID=$("$JGET" order.id <"$T/order")
}
# measure NAME KIND: one loadgen run (KIND renewals or reads) against every
# instance at once; one line of the table.
measure() {
	r0=$(cpu_ticks $RAPIDS) d0=$(pg_cpu)
	if [ "$2" = renewals ]; then
		"$LOADGEN" -c "$CLIENTS" -d "$SECS" $LG -f "$T/order.json" -q "$T/new.csr" -s "$T/old.key" $URLS
	else
		"$LOADGEN" -c "$CLIENTS" -d "$SECS" $LG -H "X-Terminal-Id: DEMO-T01" \
			$(for u in $URLS; do echo "$u/v1/orders/$OID"; done)
	fi >"$T/lg"
	r1=$(cpu_ticks $RAPIDS) d1=$(pg_cpu)
	awk -v name="$1" -v kind="$2" -v ra=$((r1 - r0)) -v db=$((d1 - d0)) -v tck="$TCK" '
		{ for (i = 1; i < NF; i += 2) v[$i] = $(i + 1) }
		END {
			k = v["http"] > 0 ? 1000 / v["http"] : 0
			printf "%-22s %-9s %8.1f %9.2f %9.2f %7d %8.3f %8.3f %8.3f\n", name, kind,
				v["rps"], v["p50_ms"], v["p99_ms"], v["errors"],
				ra / tck * k, db / tck * k, v["cpu_s"] * k
		}' "$T/lg"
}
# row NAME N DB: both measures with N instances on DB.
row() {
	if ! start "$2" "$3" || ! setup; then
		printf '%-22s (cakiosk-ra did not serve: %s)\n' "$1" "$(grep -v ' info: ' "$T/ra.log" | tail -n 1)"
		stop
		return
	fi
	measure "$1" renewals
	measure "$1" reads
	stop
}

PERSON=$("$RA" demo-data | awk '/^person/ {print $2; exit}')
for k in old new; do
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/$k.key" \
		-subj /CN=bench -out "$T/$k.csr" 2>/dev/null
done
echo "cakiosk-ra stores benchmark on $(nproc) CPU(s), $(date -u '+%Y-%m-%d %H:%M'), $CLIENTS clients, ${SECS}s each"
echo "renewals: order + confirm + payment + pay page + certificate (5 requests); reads: GET /v1/orders/ID"
echo "CPU: seconds per 1000 HTTP requests (cakiosk-ra processes, PostgreSQL processes, the client apart)"
printf '%-22s %-9s %8s %9s %9s %7s %8s %8s %8s\n' store what "per_s" p50_ms p99_ms errors ra_cpu pg_cpu cli_cpu
row "sqlite, 1 instance" 1 "$T/one.db"
row "sqlite, 2 instances" 2 "$T/two.db"
if pg_up; then
	echo "postgresql: $(pg_psql postgres "SELECT 'fsync ' || current_setting('fsync') || ', synchronous_commit ' || current_setting('synchronous_commit')")"
	pg_createdb bench1 && row "postgresql, 1 instance" 1 "$(pg_uri bench1)"
	pg_createdb bench2 && row "postgresql, 2 instances" 2 "$(pg_uri bench2)"
else
	printf '%-22s (%s)\n' "postgresql" "$PGWHY"
fi
