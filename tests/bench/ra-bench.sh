#!/bin/sh
# ra-bench.sh - figures of the reference backend cakiosk-ra:
#   1. order-status reads (GET /v1/orders/ID over HTTPS with the terminal's
#      client certificate and its X-Terminal-Id, as a kiosk sends them) from
#      50 concurrent kept-alive clients: requests/s, p99 latency, and the
#      server's CPU per read apart from the load generator's (the two
#      share this machine's cores, so the rate and p99 measure queueing
#      as much as the server; the CPU per read is the server's own cost);
#      with RA_BEFORE=path/to/an/earlier/cakiosk-ra, the CPU per read of
#      that server and of this one, turn about;
#   1b. the same reads with 1 and with 2 server threads (--threads), turn
#      about: the ratio of their rates, each side's CPU per read (the load
#      generator's too), and the ceiling the machine's cores allow;
#   2. certificate issuance per second (CSR check + X.509 v3 + signature by
#      the EC P-256 CA key) against `openssl speed ecdsap256` signatures per
#      second, same key type, same run;
#   3. what the access line and the counters cost: the reads of 1 with the
#      access line and --metrics-listen against a peer server with
#      --no-access-log and no metrics listener, turn about, twice each.
# wrk cannot present a TLS client certificate, which every /v1 read needs,
# so the client is ra-tools/loadgen, in its event mode (-E): one thread
# drives the 50 kept-alive connections with epoll and OpenSSL, handshakes
# done before the clock starts.  Its libcurl mode (a thread and a handle
# per connection) took about as much CPU per read as the server itself, so
# that on cores they share, a server that scales could not be told from a
# machine that is full; the event mode takes a fraction of the server's.
#
#   sh tests/bench/ra-bench.sh [BUILD_DIR] [SECONDS]
#   RA_BEFORE=old/cakiosk-ra sh tests/bench/ra-bench.sh
B=${1:-${B:-build}}
SECS=${2:-5}
RA=$B/cakiosk-ra LOADGEN=$B/ra-tools/loadgen JGET=$B/ra-tools/jget
for f in "$RA" "$LOADGEN" "$JGET"; do
	[ -x "$f" ] || { echo "ra-bench: $f is not built" >&2; exit 1; }
done
T=$(mktemp -d "${TMPDIR:-/tmp}/ra-bench.XXXXXX")
PID=
trap '[ -n "$PID" ] && kill "$PID" 2>/dev/null; rm -rf "$T"' EXIT
trap 'exit 1' INT TERM

BENCH=ra-bench
. "$(dirname "$0")/bench_lib.sh"
start() { ra_start "$@"; }
stop() { ra_stop; }
# reads: order-status reads from 50 clients for SECS seconds, as a kiosk.
reads() {
	c0=$(ra_cpu)
	"$LOADGEN" -E -c 50 -d "$SECS" -a "$T/ca/ca.crt" -e "$T/ca/terminal-demo.crt" \
		-k "$T/ca/terminal-demo.key" -H "X-Terminal-Id: $TID" "$URL/v1/orders/$OID" >"$T/reads.out"
	c1=$(ra_cpu)
	awk -v c="$(awk -v x="$c0" -v y="$c1" 'BEGIN {print y - x}')" '{
		for (i = 1; i < NF; i++) v[$i] = $(i + 1)
		printf "%s server_cpu_s %.2f server_cpu_us_per_read %.1f client_cpu_us_per_read %.1f\n",
			$0, c, v["requests"] ? 1e6 * c / v["requests"] : 0,
			v["requests"] ? 1e6 * v["cpu_s"] / v["requests"] : 0
	}' "$T/reads.out"
}
start --metrics-listen 127.0.0.1:0
C="--cacert $T/ca/ca.crt --cert $T/ca/terminal-demo.crt --key $T/ca/terminal-demo.key"
person=$("$RA" demo-data | awk '/^person/ {print $2; exit}')
# new_order: the order the reads read, made on the running server; sets OID.
new_order() {
	curl -s $C -H 'Idempotency-Key: bench-1' -H 'Content-Type: application/json' \
		--data "{\"kind\":\"apply\",\"subject_type\":\"person\",\"subject_id\":\"$person\",\"form\":{\"email\":\"b@example.cn\",\"mobile\":\"13800138001\",\"address\":\"x\",\"postcode\":\"410011\"}}" \
		"$URL/v1/orders" >"$T/order"
	OID=$("$JGET" order.id <"$T/order") || { echo "ra-bench: no order" >&2; exit 1; }
}
new_order

# The terminal id the kiosk sends with every request, as its certificate names it.
TID=$(openssl x509 -in "$T/ca/terminal-demo.crt" -noout -subject -nameopt sep_multiline |
	sed -n 's/^ *CN=//p')
echo "cakiosk-ra benchmark on $(nproc) CPU(s), $(date -u +%Y-%m-%d)"
echo "order-status reads, 50 concurrent clients, ${SECS}s:"
reads | tee "$T/rps.measured" | sed 's/^/  /'
stop
# med FIELD FILE: the median of FIELD in the reads lines of FILE.
med() {
	awk -v f="$1" '{for (i = 1; i < NF; i++) if ($i == f) print $(i + 1)}' "$2" | median
}
# cpu_med FILE: the median server CPU per read of the reads lines in FILE.
cpu_med() { med server_cpu_us_per_read "$1"; }
figure reads_cpu_us "$(cpu_med "$T/rps.measured")"
# The figure of a change: the server CPU per read of an earlier cakiosk-ra
# (RA_BEFORE=path) against this one's, turn about, three rounds each, on
# stores alike, both with their access line and no metrics listener.  Each
# has a store of its own, made by itself with the same order in it: an
# earlier server refuses a store a later one migrated further.
if [ -n "${RA_BEFORE:-}" ]; then
	echo "server CPU per read, this cakiosk-ra (now) against $RA_BEFORE (before), turn about:"
	OID_MAIN=$OID
	for round in 1 2 3; do
		for which in before now; do
			RA_NOW=$RA
			[ $which = now ] || RA=$RA_BEFORE
			DB=$T/$which.db
			start
			if [ $round = 1 ]; then new_order; eval "OID_$which=\$OID"; fi
			eval "OID=\$OID_$which"
			reads | tee -a "$T/cpu.$which" | sed "s/^/  $which: /"
			stop
			RA=$RA_NOW
		done
	done
	DB= OID=$OID_MAIN
	b=$(cpu_med "$T/cpu.before") a=$(cpu_med "$T/cpu.now")
	figure reads_cpu_us_before "$b"
	figure reads_cpu_us "$a"
	awk -v b="$b" -v a="$a" 'BEGIN {
		printf "  median server CPU per read: before %.1f us, now %.1f us: %+.0f%% (goal -25%% or less)\n",
			b, a, 100 * (a - b) / b }'
fi

# Reads with one server thread and with two (--threads), turn about.  The
# load generator runs on the same cores: the machine's ceiling, its cores
# over the server's and the client's CPU per read, tells a server that
# does not scale from a machine that is full.
echo "order-status reads with 1 and 2 server threads (--threads), turn about:"
for round in 1 2 3; do
	for n in 1 2; do
		start --threads $n
		reads | tee -a "$T/threads.$n" | sed "s/^/  $n thread(s): /"
		stop
	done
done
r1=$(med rps "$T/threads.1") r2=$(med rps "$T/threads.2")
s1=$(cpu_med "$T/threads.1") c1=$(med client_cpu_us_per_read "$T/threads.1")
s2=$(cpu_med "$T/threads.2") c2=$(med client_cpu_us_per_read "$T/threads.2")
figure reads_threads "$(awk -v a="$r2" -v b="$r1" 'BEGIN {printf "%.2f", b ? a / b : 0}')"
# The ceiling of 2 threads against 1: the machine's cores over the server's
# and the client's CPU per read at 2 threads.  The server's own scaling: 2
# threads against 1 on cores of their own, its CPU per read at 1 over
# that at 2, twice (what the lanes cost each other, without the client).
figure reads_threads_ceil "$(awk -v r1="$r1" -v s="$s2" -v c="$c2" -v n="$(nproc)" \
	'BEGIN {printf "%.2f", r1 && s + c ? n * 1e6 / (s + c) / r1 : 0}')"
figure reads_threads_own "$(awk -v a="$s1" -v b="$s2" 'BEGIN {printf "%.2f", b ? 2 * a / b : 0}')"
awk -v r1="$r1" -v r2="$r2" -v s="$s1" -v c="$c1" -v s2="$s2" -v c2="$c2" -v n="$(nproc)" 'BEGIN {
	top = s2 + c2 ? n * 1e6 / (s2 + c2) : 0
	printf "  median reads/s: 1 thread %.0f, 2 threads %.0f: %.2fx (goal 1.6x or more)\n",
		r1, r2, r1 ? r2 / r1 : 0
	printf "  CPU per read, 1 thread: server %.1f us, load generator %.1f us; 2 threads: %.1f us, %.1f us\n",
		s, c, s2, c2
	printf "  machine ceiling: %d cores / %.1f us = %.0f reads/s, %.2fx the 1-thread rate\n",
		n, s2 + c2, top, r1 ? top / r1 : 0
	printf "  the server alone, on cores of its own: 2 x %.1f / %.1f us = %.2fx\n",
		s, s2, s2 ? 2 * s / s2 : 0
}'

echo "certificate issuance (EC P-256 CA), 2000 certificates, one thread:"
"$RA" bench-issue --ca-dir "$T/ca" 2000 | sed 's/^/  /'
echo "openssl speed ecdsap256 (signatures per second, one thread):"
openssl speed -seconds 3 ecdsap256 2>/dev/null | awk '/256 bits ecdsa \(nistp256\)/ {print "  sign/s " $(NF-1) ", verify/s " $NF}'

echo "the same reads without the access line and metrics (peer), turn about:"
for opt in --no-access-log "--metrics-listen 127.0.0.1:0" --no-access-log; do
	start $opt
	case $opt in --no-*) f=peer ;; *) f=measured ;; esac
	reads | tee -a "$T/rps.$f" | sed "s/^/  $f: /"
	stop
done
awk -v n="$(grep -c 'event=access' "$T/log")" '
	{ for (i = 1; i < NF; i++) if ($i == "rps") r = $(i + 1) }
	FILENAME ~ /measured$/ { a += r } FILENAME ~ /peer$/ { b += r }
	END {
		printf "  access lines written: %d\n", n
		printf "  requests/s with the access line and metrics / without: %.3f\n", a / b
	}' "$T/rps.measured" "$T/rps.peer"
