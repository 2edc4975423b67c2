#!/bin/sh
# idle.sh - CPU time the kiosk uses while nobody touches it, over a window
# (default 60 s), with one UKey in: the test module over SoftHSM, the UKey
# watcher polling it.  The peer, measured in the same run, is the same
# kiosk with no PKCS#11 module configured (no watcher, no module): the
# difference is the module's share with the watcher's (the watcher's own
# code is a few microseconds a look, the rest is the module).  The watcher
# thread ("ukey-watch") is also measured on its own: the module's share
# directly, the rest of the kiosk apart.  The module's
# call log over the window says how many looks and token-info reads that
# was.  Each kiosk is measured by its own pid (the pane's process).
#
# CPU time is the scheduler's own count per thread (schedstat, in ns),
# summed over the kiosk's threads: at 0.1% of a core a 20 s window holds
# only two clock ticks, so /proc's tick counts (printed beside it) say
# little.  Its wake-ups (times a thread was put on a CPU) are counted too:
# idle, they are most of the cost.
#
#   sh tests/bench/idle.sh [BUILD] [SECONDS]
#
# IDLE_MODULE=PATH measures another build of the test module (a before and
# after of a change to it, turn about on one machine).  IDLE_BASE=DIR
# measures DIR/cakiosk too, another build of the kiosk with the same
# module, in the same window: a before and after of a change to the kiosk
# under the same load.
set -eu
B=${1:-build}
SECS=${2:-60}
top=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d /tmp/cakiosk-idle.XXXXXX)
sock=idle$$
# The kiosks end on the hangup after the server is gone: wait for them (2 s
# at most) before removing what they may still be writing to.
cleanup() {
	tmux -L "$sock" kill-server 2>/dev/null
	for p in ${with:-} ${without:-} ${base:-}; do
		i=0
		while kill -0 "$p" 2>/dev/null && [ $i -lt 40 ]; do
			sleep 0.05
			i=$((i + 1))
		done
	done
	rm -rf "$work"
}
trap cleanup EXIT

sh "$top/tests/token/mkbed.sh" "$work/bed" >/dev/null 2>&1
echo "present=rsa30" >"$work/bed/ctl"
printf 'set -g default-terminal "xterm-256color"\nset -g status off\n' >"$work/tmux.conf"
hz=$(getconf CLK_TCK)
FIGURES=$top/$B/bench/figures
. "$top/tests/bench/bench_lib.sh"

# run NAME WITH_MODULE: start a kiosk in its own tmux window; prints its pid.
run() {
	{
		cat <<CONF
[kiosk]
terminal_id = IDLE
idle_timeout = 3600
idle_countdown = 30
log = none
[backend]
url = https://127.0.0.1:9/
CONF
		[ "$2" = 0 ] || printf '[vendor test]\nmodule = %s\n' \
			"${IDLE_MODULE:-$top/$B/tests/p11/cakiosk-testp11.so}"
	} >"$work/$1.conf"
	if tmux -L "$sock" has-session 2>/dev/null; then
		tmux -L "$sock" new-window -d -n "$1" -P -F '#{pane_pid}' \
			"exec '${BIN:-$top/$B/cakiosk}' --config '$work/$1.conf'"
	else
		tmux -L "$sock" -f "$work/tmux.conf" new-session -d -x 80 -y 24 \
			-e LANG=C.UTF-8 -e SOFTHSM2_CONF="$work/bed/softhsm2.conf" \
			-e CAKIOSK_TESTP11_CTL="$work/bed/ctl" \
			-e CAKIOSK_LOCALEDIR="$top/$B/locale" -n "$1" -P -F '#{pane_pid}' \
			"exec '$top/$B/cakiosk' --config '$work/$1.conf'"
	fi
}
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# A thread's CPU time in clock ticks and its wake-ups, from the scheduler's
# own count (schedstat: ns on a CPU, waiting, times run), summed over the
# kiosk's threads whose name matches $2 (an awk pattern; "." all of them).
cpu() {
	for t in /proc/"$1"/task/*; do
		echo "$(cat "$t/comm") $(cat "$t/schedstat")"
	done | awk -v hz="$hz" -v re="$2" '$1 ~ re {s += $2; r += $4}
		END {printf "%.3f %d\n", s * hz / 1e9, r}'
}
# snap NAME PID: a kiosk's counts now into $work/NAME: its ticks, then CPU
# ticks and wake-ups of all its threads, then of the watcher thread
# ("ukey-watch": its looks, nearly all of it time in the module).
snap() {
	echo "$(ticks "$2") $(cpu "$2" .) $(cpu "$2" '^ukey-watch$')" >"$work/$1"
}
# report LABEL A B: what a kiosk used between snapshots A and B.
report() {
	paste -d' ' "$work/$2" "$work/$3" | awk -v hz="$hz" -v s="$SECS" -v l="$1" '{
		printf "%s: %.4f s (%.3f%% of one core; %d ticks), %d wake-ups\n",
			l, ($7 - $2) / hz, 100 * ($7 - $2) / hz / s, $6 - $1, $8 - $3
		printf "  of which the watcher thread (PKCS#11 module): %.4f s (%.3f%%), %d wake-ups; the rest: %.3f%%\n",
			($9 - $4) / hz, 100 * ($9 - $4) / hz / s, $10 - $5,
			100 * ($7 - $2 - $9 + $4) / hz / s }'
}
# field SNAP N: the Nth count of a snapshot.
field() { cut -d' ' -f"$2" "$work/$1"; }

with=$(run with 1)
without=$(run without 0)
base=
[ -z "${IDLE_BASE:-}" ] || base=$(BIN=$IDLE_BASE/cakiosk run base 1)
# Let them settle (the inserted token opens "Check my UKey").
sleep 3
echo "log=$work/calls" >>"$work/bed/ctl"
snap w0 "$with"
snap n0 "$without"
[ -z "$base" ] || snap b0 "$base"
sleep "$SECS"
snap w1 "$with"
snap n1 "$without"
[ -z "$base" ] || snap b1 "$base"
# Both kiosks with the module write to the one call log: halve it.
share=1
[ -z "$base" ] || share=2
lists=$(($(grep -c '^C_GetSlotList ' "$work/calls" || true) / share))
infos=$(($(grep -c '^C_GetTokenInfo ' "$work/calls" || true) / share))
echo "idle CPU over $SECS s, load average $(cut -d' ' -f1-3 /proc/loadavg)"
report "kiosk, one UKey in, watcher polling" w0 w1
[ -z "$base" ] || report "base kiosk ($IDLE_BASE), the same, in the same window" b0 b1
report "peer, no PKCS#11 module" n0 n1
awk -v w0="$(field w0 2)" -v w1="$(field w1 2)" -v n0="$(field n0 2)" -v n1="$(field n1 2)" \
	-v t0="$(field w0 4)" -v t1="$(field w1 4)" \
	-v hz="$hz" -v s="$SECS" -v lists="$lists" -v infos="$infos" 'BEGIN {
	w = w1 - w0; n = n1 - n0; t = t1 - t0
	printf "difference (watcher and module, by the peer): %.3f%% of one core\n",
		100 * (w - n) / hz / s
	printf "module calls: %d C_GetSlotList, %d C_GetTokenInfo (%.2f per look)\n",
		lists, infos, lists ? infos / lists : 0
	printf "watcher thread per look: %.0f us\n", lists ? t / hz * 1e6 / lists : 0
	printf "ratio with/without module: %.2f\n", n ? w / n : 0 }'
figure idle_pct "$(awk -v a="$(field w0 2)" -v b="$(field w1 2)" -v hz="$hz" -v s="$SECS" 'BEGIN {printf "%.3f", 100 * (b - a) / hz / s}')"
figure idle_module_pct "$(awk -v a="$(field w0 4)" -v b="$(field w1 4)" -v hz="$hz" -v s="$SECS" 'BEGIN {printf "%.3f", 100 * (b - a) / hz / s}')"
