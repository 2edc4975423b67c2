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
# Where this process may not be traced (not our child), nothing was read.
if [ ! -s "$work/polls" ]; then
	ok "# SKIP strace cannot attach to the kiosk"
	finish
	exit
fi
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
# minute.  The loop's wake-up for it (a poll that times out at the turn) must
# redraw at once (a write to the terminal before the next poll): a health
# check's tick, seconds later, would otherwise be what turns it.
now=$(date +%s)
turn=$(((now / 60 + 1) * 60))
want=$(TZ=Asia/Shanghai date -d "@$turn" +%H:%M)
timeout $((turn - now + 2)) strace -qq -ttt -p "$kiosk_pid" -e trace=poll,ppoll,write \
	-o "$work/turn" 2>/dev/null
clock_shows() { tmux -L "$sock" capture-pane -p | head -n 1 | grep -qF " $want "; }
check "the header's clock turns to $want with the minute" _poll 3 clock_shows
# The loop's polls watch several descriptors; curses' own (fd 0 alone,
# no wait) are not the loop's.
after=$(awk -v turn="$turn" '
	$2 !~ /^write\(1,/ && !/^[0-9.]+ p?poll\(\[\{fd=0, events=POLLIN\}, / { next }
	woke && $2 ~ /^p?poll\(/ { print "poll"; exit }
	woke { print "write"; exit }
	/ = 0 \(Timeout\)/ && match($0, /\], [0-9]+, [0-9]+\)/) {
		# the line has the time the call began: it ended its timeout later
		split(substr($0, RSTART, RLENGTH), a, ", ")
		if ($1 + a[3] / 1000 >= turn - 0.1) woke = 1
	}
	END { if (!woke) print "no wake-up" }' "$work/turn")
echo "# after the wake-up at the turn of the minute: $after"
check "the wake-up at the turn redraws the clock" test "$after" = write
check "the kiosk is still up" ck_alive
finish
