#!/bin/sh
# idle.sh - CPU time the kiosk uses while nobody touches it, over a window
# (default 60 s), with the UKey watcher polling a PKCS#11 module: the
# test module over SoftHSM with one token inserted.  Prints CPU seconds and
# the share of one core.
#
#   sh tests/bench/idle.sh [BUILD] [SECONDS]
set -eu
B=${1:-build}
SECS=${2:-60}
top=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d /tmp/cakiosk-idle.XXXXXX)
sock=idle$$
trap 'tmux -L $sock kill-server 2>/dev/null; rm -rf "$work"' EXIT

sh "$top/tests/token/mkbed.sh" "$work/bed" >/dev/null 2>&1
echo "present=rsa30" >"$work/bed/ctl"
cat >"$work/cakiosk.conf" <<CONF
[kiosk]
terminal_id = IDLE
idle_timeout = 3600
idle_countdown = 30
log = none
[backend]
url = https://127.0.0.1:9/
[vendor test]
module = $top/$B/tests/p11/cakiosk-testp11.so
CONF
printf 'set -g default-terminal "xterm-256color"\nset -g status off\n' >"$work/tmux.conf"
tmux -L "$sock" -f "$work/tmux.conf" new-session -d -x 80 -y 24 -e LANG=C.UTF-8 \
	-e SOFTHSM2_CONF="$work/bed/softhsm2.conf" -e CAKIOSK_TESTP11_CTL="$work/bed/ctl" \
	-e CAKIOSK_LOCALEDIR="$top/$B/locale" \
	"$top/$B/cakiosk --config $work/cakiosk.conf"
pid=
for i in $(seq 50); do
	pid=$(pgrep -n -x cakiosk) && break
	sleep 0.1
done
# Let it settle on the "Check my UKey" screen the inserted token opens.
sleep 3
ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
hz=$(getconf CLK_TCK)
t0=$(ticks)
sleep "$SECS"
t1=$(ticks)
awk -v d=$((t1 - t0)) -v hz="$hz" -v s="$SECS" 'BEGIN {
	printf "idle CPU over %d s, watcher polling, one UKey in: %.2f s (%.3f%% of one core)\n",
		s, d / hz, 100 * d / hz / s }'
