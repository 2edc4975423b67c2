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
#   sh tests/bench/idle.sh [BUILD] [SECONDS]
#
# IDLE_MODULE=PATH measures another build of the test module (a before and
# after of a change to it, turn about on one machine).
set -eu
B=${1:-build}
SECS=${2:-60}
top=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d /tmp/cakiosk-idle.XXXXXX)
sock=idle$$
trap 'tmux -L $sock kill-server 2>/dev/null; rm -rf "$work"' EXIT

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
			"exec '$top/$B/cakiosk' --config '$work/$1.conf'"
	else
		tmux -L "$sock" -f "$work/tmux.conf" new-session -d -x 80 -y 24 \
			-e LANG=C.UTF-8 -e SOFTHSM2_CONF="$work/bed/softhsm2.conf" \
			-e CAKIOSK_TESTP11_CTL="$work/bed/ctl" \
			-e CAKIOSK_LOCALEDIR="$top/$B/locale" -n "$1" -P -F '#{pane_pid}' \
			"exec '$top/$B/cakiosk' --config '$work/$1.conf'"
	fi
}
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# The watcher thread's CPU time in clock ticks: its looks, nearly all of it
# time in the module.  Taken from the scheduler's own count (schedstat, in
# ns): a look takes well under a tick, and at 0.1% of a core a minute holds
# only six ticks, so counting ticks would say little.
wticks() {
	for t in /proc/"$1"/task/*; do
		[ "$(cat "$t/comm")" != ukey-watch ] || awk '{print $1}' "$t/schedstat"
	done | awk -v hz="$hz" '{s += $1} END {printf "%.3f\n", s * hz / 1e9}'
}

with=$(run with 1)
without=$(run without 0)
# Let both settle (the inserted token opens "Check my UKey").
sleep 3
echo "log=$work/calls" >>"$work/bed/ctl"
w0=$(ticks "$with")
t0=$(wticks "$with")
n0=$(ticks "$without")
sleep "$SECS"
w1=$(ticks "$with")
t1=$(wticks "$with")
n1=$(ticks "$without")
lists=$(grep -c '^C_GetSlotList ' "$work/calls" || true)
infos=$(grep -c '^C_GetTokenInfo ' "$work/calls" || true)
awk -v w=$((w1 - w0)) -v t="$(echo "$t1 $t0" | awk '{print $1 - $2}')" -v n=$((n1 - n0)) -v hz="$hz" -v s="$SECS" \
	-v lists="$lists" -v infos="$infos" 'BEGIN {
	printf "idle CPU over %d s, one UKey in, watcher polling: %.2f s (%.3f%% of one core)\n",
		s, w / hz, 100 * w / hz / s
	printf "  of which the watcher thread (PKCS#11 module): %.2f s (%.3f%%), the rest: %.3f%%\n",
		t / hz, 100 * t / hz / s, 100 * (w - t) / hz / s
	printf "peer, no PKCS#11 module: %.2f s (%.3f%% of one core)\n",
		n / hz, 100 * n / hz / s
	printf "difference (watcher and module, by the peer): %.3f%% of one core\n",
		100 * (w - n) / hz / s
	printf "module calls: %d C_GetSlotList, %d C_GetTokenInfo (%.2f per look)\n",
		lists, infos, lists ? infos / lists : 0
	printf "watcher thread per look: %.0f us\n", lists ? t / hz * 1e6 / lists : 0
	printf "ratio with/without module: %.2f\n", n ? w / n : 0 }'
figure idle_pct "$(awk -v w=$((w1 - w0)) -v hz="$hz" -v s="$SECS" 'BEGIN {printf "%.3f", 100 * w / hz / s}')"
figure idle_module_pct "$(awk -v t="$t1" -v t0="$t0" -v hz="$hz" -v s="$SECS" 'BEGIN {printf "%.3f", 100 * (t - t0) / hz / s}')"
