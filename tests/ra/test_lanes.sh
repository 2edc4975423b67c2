#!/bin/sh
# test_lanes.sh - connections that open together are answered by threads
# of their own: two clients that connect at once to a server of two
# threads (--threads 2) each keep one of them busy, rather than both
# waiting on one thread while the other idles.
. "$(dirname "$0")/lib.sh"

# busy: the CPU ticks of each of the server's HTTP threads (libmicrohttpd's,
# named MHD-...), one a line.
busy() { awk '$2 ~ /^\(MHD-/ { print $1, $14 + $15 }' /proc/"$PID"/task/*/stat; }

ra_start --sandbox --threads 2
busy >"$T/before"
"$B/ra-tools/loadgen" -c 2 -d 2 -a "$CA/ca.crt" -e "$CA/$CERT.crt" -k "$CA/$CERT.key" \
	"$URL/v1/health" >"$T/load"
busy >"$T/after"
like "errors 0 " "$(cat "$T/load")" "two clients, kept-alive connections: every request answered"
# What each thread spent while they ran, the most first.
awk 'NR == FNR { b[$1] = $2; next } { print $2 - b[$1] }' "$T/before" "$T/after" |
	sort -rn >"$T/spent"
first=$(sed -n 1p "$T/spent") second=$(sed -n 2p "$T/spent")
echo "# ticks spent by the busiest threads: $first, ${second:-none}"
is 2 "$(wc -l <"$T/spent")" "two threads answer requests"
if [ "${first:-0}" -gt 0 ] && [ "${second:-0}" -ge $((first / 4)) ] && [ "${second:-0}" -gt 0 ]; then
	ok "each connection has a thread of its own (the second busiest did at least a quarter of the busiest's work)"
else
	not_ok "each connection has a thread of its own (ticks: $first, ${second:-none})"
fi
done_testing
