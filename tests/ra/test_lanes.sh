#!/bin/sh
# test_lanes.sh - connections that open together are answered by threads
# of their own: two clients that connect at once to a server of two
# threads (--threads 2) each keep one of them busy, rather than both
# waiting on one thread while the other idles.  And more connections at
# once than the server takes (512), from a client that never speaks,
# leave it answering once they are gone, and stopping on SIGTERM; a
# client that says nothing costs no CPU.
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

# health [SECS]: the status of GET /v1/health, within SECS (20) seconds.
health() {
	curl -s -o /dev/null -w '%{http_code}' --max-time "${1:-20}" --cacert "$CA/ca.crt" \
		"$URL/v1/health"
}
# ticks: the server's CPU so far, in clock ticks.
ticks() { awk '{print $14 + $15}' /proc/"$PID"/stat; }
# Three floods of 4000 (the server's threads full, the kernel's queue full,
# connects dropped): a thread that gets more than it may take at once is
# what each flood tries for.
: >"$T/flood"
for r in 1 2 3; do "$B/ra-tools/flood" 127.0.0.1 "$PORT" 4000 500 >>"$T/flood"; done
echo "# floods: $(tr '\n' ';' <"$T/flood")"
is 3 "$(grep -c '^opened 4000 ' "$T/flood")" "three times 4000 connections opened at once, held, closed"
is 200 "$(health)" "... then the server answers"
is 200 "$(health)" "... and again"
# A client that connects and says nothing costs no CPU while it waits (a
# lane polling it in a loop took a whole core).
"$B/ra-tools/flood" 127.0.0.1 "$PORT" 1 3000 >/dev/null &
fl=$!
t0=$(ticks)
wait $fl
t1=$(ticks)
echo "# the server's CPU ticks while one client said nothing for 3 s: $((t1 - t0))"
if [ $((t1 - t0)) -lt 30 ]; then ok "a silent client costs no CPU"; else
	not_ok "a silent client costs no CPU ($((t1 - t0)) ticks in 3 s)"; fi

# Every lane full (125 connections each), the server held still while all
# of them close, then let go: it takes the closes and answers at once
# (libmicrohttpd read them 128 at a time and, given exactly 128, slept
# until its next timeout, 60 s).
conns() { ls /proc/"$PID"/fd | wc -l; }
base=$(conns)
"$B/ra-tools/flood" 127.0.0.1 "$PORT" 600 3000 >/dev/null &
fl=$!
# Until the lanes are full: 250 or more, the same three looks in a row.
i=0 last=0 same=0
while [ $i -lt 50 ] && { [ "$last" -lt $((base + 250)) ] || [ $same -lt 3 ]; }; do
	sleep 0.1
	now=$(conns)
	if [ "$now" = "$last" ]; then same=$((same + 1)); else same=0; fi
	last=$now i=$((i + 1))
done
echo "# connections held by the server: $(($(conns) - base))"
kill -STOP "$PID"
wait $fl
kill -CONT "$PID"
is 200 "$(health 10)" "lanes full, all their clients gone at once: answered within 10 s"

# Stopped by SIGTERM within 15 s (a thread stuck in libmicrohttpd keeps it
# running: it is killed then).
kill -TERM "$PID"
i=0
while kill -0 "$PID" 2>/dev/null && [ $i -lt 150 ]; do sleep 0.1; i=$((i + 1)); done
if kill -0 "$PID" 2>/dev/null; then
	kill -KILL "$PID"
	not_ok "... and stops on SIGTERM"
else
	ok "... and stops on SIGTERM"
fi
wait "$PID" 2>/dev/null
PID=
done_testing
