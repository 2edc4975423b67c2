#!/bin/sh
# ra-bench.sh - figures of the reference backend cakiosk-ra:
#   1. order-status reads (GET /v1/orders/ID over HTTPS with the terminal's
#      client certificate and its X-Terminal-Id, as a kiosk sends them) from
#      50 concurrent kept-alive clients: requests/s and p99 latency;
#   2. certificate issuance per second (CSR check + X.509 v3 + signature by
#      the EC P-256 CA key) against `openssl speed ecdsap256` signatures per
#      second, same key type, same run;
#   3. what the access line and the counters cost: the reads of 1 with the
#      access line and --metrics-listen against a peer server with
#      --no-access-log and no metrics listener, turn about, twice each.
# wrk cannot present a TLS client certificate, which every /v1 read needs,
# so the clients are ra-tools/loadgen (libcurl, one connection per thread).
#
#   sh tests/bench/ra-bench.sh [BUILD_DIR] [SECONDS]
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

# start OPTIONS...: the demo server on a free port; sets URL.
start() {
	rm -f "$T/port"
	"$RA" serve --listen 127.0.0.1:0 --port-file "$T/port" --db "$T/db" --ca-dir "$T/ca" \
		--demo "$@" 2>>"$T/log" &
	PID=$!
	i=0
	while [ ! -s "$T/port" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
	[ -s "$T/port" ] || { echo "ra-bench: server did not start" >&2; cat "$T/log"; exit 1; }
	URL=https://127.0.0.1:$(cat "$T/port")
}
stop() { kill "$PID"; wait "$PID" 2>/dev/null; PID=; }
# reads: order-status reads from 50 clients for SECS seconds, as a kiosk.
reads() {
	"$LOADGEN" -c 50 -d "$SECS" -a "$T/ca/ca.crt" -e "$T/ca/terminal-demo.crt" \
		-k "$T/ca/terminal-demo.key" -H "X-Terminal-Id: $TID" "$URL/v1/orders/$OID"
}
start --metrics-listen 127.0.0.1:0
C="--cacert $T/ca/ca.crt --cert $T/ca/terminal-demo.crt --key $T/ca/terminal-demo.key"
person=$("$RA" demo-data | awk '/^person/ {print $2; exit}')
curl -s $C -H 'Idempotency-Key: bench-1' -H 'Content-Type: application/json' \
	--data "{\"kind\":\"apply\",\"subject_type\":\"person\",\"subject_id\":\"$person\",\"form\":{\"email\":\"b@example.cn\",\"mobile\":\"13800138001\",\"address\":\"x\",\"postcode\":\"410011\"}}" \
	"$URL/v1/orders" >"$T/order"
OID=$("$JGET" order.id <"$T/order") || { echo "ra-bench: no order" >&2; exit 1; }

# The terminal id the kiosk sends with every request, as its certificate names it.
TID=$(openssl x509 -in "$T/ca/terminal-demo.crt" -noout -subject -nameopt sep_multiline |
	sed -n 's/^ *CN=//p')
echo "cakiosk-ra benchmark on $(nproc) CPU(s), $(date -u +%Y-%m-%d)"
echo "order-status reads, 50 concurrent clients, ${SECS}s:"
reads | tee "$T/rps.measured" | sed 's/^/  /'
stop

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
