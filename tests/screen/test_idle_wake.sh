#!/bin/sh
# test_idle_wake.sh - a kiosk nobody uses sleeps until something is due:
# on the welcome screen its event loop waits in poll() for seconds at a
# time (the next health check, the clock's next minute), not for a second
# as a fixed tick did, and the header's clock still turns with the minute.
# The UI thread's polls are read with strace.
. "$(dirname "$0")/lib.sh"

command -v strace >/dev/null || { echo "1..0 # SKIP needs strace"; exit 0; }
ck_start 80x24 || { not_ok "kiosk starts"; finish; exit 1; }
check "the welcome screen shows" ck_wait "请按任意键或触摸屏幕开始"

# -p without -f: the UI thread alone (the pid is the main thread's).  poll's
# last argument is its timeout in ms; ppoll's a timespec.
timeout 8 strace -qq -p "$kiosk_pid" -e trace=poll,ppoll -o "$work/polls" 2>/dev/null
longest=$(awk '
	/^poll\(/ { t = $0; sub(/.*, /, "", t); sub(/\).*/, "", t); t += 0 }
	/^ppoll\(/ { t = 0
		if (match($0, /tv_sec=[0-9]+/)) t = substr($0, RSTART + 7, RLENGTH - 7) * 1000
		if (match($0, /tv_nsec=[0-9]+/)) t += int(substr($0, RSTART + 8, RLENGTH - 8) / 1e6) }
	/^p?poll\(/ && t > max { max = t }
	END { print max + 0 }' "$work/polls")
waits=$(grep -c '^p\?poll(\[{fd=0, events=POLLIN}, ' "$work/polls" || true)
echo "# the UI thread's longest wait in 8 s: $longest ms, $waits waits"
check "the idle loop sleeps for more than a second at a time" test "$longest" -gt 1500
check "it waits fewer than 8 times in 8 s" test "$waits" -lt 8

# The clock (hours and minutes, the kiosk's TZ) at the next turn of the
# minute, shown within 2 s of it.
now=$(date +%s)
turn=$(((now / 60 + 1) * 60))
want=$(TZ=Asia/Shanghai date -d "@$turn" +%H:%M)
clock_shows() { tmux -L "$sock" capture-pane -p | head -n 1 | grep -qF " $want "; }
check "the header's clock turns to $want with the minute" _poll $((turn - now + 2)) clock_shows
check "the kiosk is still up" ck_alive
finish
