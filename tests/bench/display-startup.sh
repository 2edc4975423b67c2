#!/bin/sh
# display-startup.sh - start-up of the kiosk inside its display stack
# (kiosk/display/xinitrc: the maximized xterm with the shipped resources, on
# Xvfb at 1920x1080) until its first frame is drawn, against
# `dialog --msgbox` started the same way, in the same run.
#
#   make bench          (or: sh tests/bench/display-startup.sh build [RUNS])
#   BENCH_KEEP_MISS=/tmp/miss sh ...   keeps the screen of a run that never
#                       showed the settled frame, and the settled hashes
#
# "Drawn" is read from the screen itself: Xvfb keeps its frame buffer in a
# file (-fbdir), and a run ends when the band of text lines between the
# header line (the kiosk's clock) and the last two lines (the kiosk's status
# line, which changes when the backend answers) holds, byte for byte, what
# it held once the program had settled in a first, untimed run.  The same
# test for both; it polls as fast as the shell can hash the band.  The
# same xterm printing one line shows what the terminal itself takes.
set -eu
B=${1:-build}
RUNS=${2:-7}
top=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d /tmp/cakiosk-bench.XXXXXX)
. "$top/tests/display/x_lib.sh"
trap 'x_stop; rm -rf "$work"' EXIT

for p in Xvfb xterm xdotool dialog; do
	command -v "$p" >/dev/null || { echo "display-startup.sh: needs $p" >&2; exit 1; }
done
. "$top/tests/bench/bench_conf.sh"
bench_conf "$work/cakiosk.conf"

mkdir "$work/fb"
x_start 1920x1080 -fbdir "$work/fb" -br || { echo "display-startup.sh: Xvfb did not start" >&2; exit 1; }
fb=$work/fb/Xvfb_screen0

# The cell's size, from a 40x3 xterm with the resources.
x_xterm cakiosk "$xres" 40x3+0+0 sleep 600
set -- $(x_geom "$x_pid")
cw=$(($1 / 40)) ch=$(($2 / 3))
kill "$x_pid"

# The frame buffer is an XWD file: a header, a colour map, the pixels.
be32() { od -An -tu1 -j "$1" -N 4 "$fb" | awk '{ print (($1 * 256 + $2) * 256 + $3) * 256 + $4 }'; }
pix=$(($(be32 0) + 12 * $(be32 76)))
bpl=$(be32 48)
rows=$((1080 / ch))
start=$((pix + ch * bpl)) len=$(((rows - 3) * ch * bpl))
band() {
	dd if="$fb" bs=1M iflag=skip_bytes,count_bytes skip="$start" count="$len" status=none |
		md5sum | cut -c1-32
}
now() { date +%s%N | cut -c1-13; }

empty=
# wait_band HASH SECONDS: until the band holds HASH.
wait_band() {
	end=$(($(now) + $2 * 1000))
	until [ "$(band)" = "$1" ]; do
		[ "$(now)" -lt "$end" ] || return 1
	done
}
# launch CMD...: the display stack's xterm running CMD; its pid in $xt.
launch() {
	sh "$xinitrc" "$@" >/dev/null 2>>"$work/xterm.err" &
	xt=$!
}
stop() {
	kill "$xt" 2>/dev/null || true
	wait "$xt" 2>/dev/null || true
	wait_band "$empty" 10 || { echo "display-startup.sh: the screen did not clear" >&2; exit 1; }
}
# settle CMD...: the band once xterm has taken the whole screen (it opens
# at 80x24 first) and the band has stayed the same for two seconds.
settle() {
	launch "$@"
	end=$(($(now) + 20000))
	until [ "$(x_geom "$xt")" = "1920 1080 " ] || [ "$(now)" -ge "$end" ]; do :; done
	last= since=$(now)
	while [ "$(now)" -lt "$end" ]; do
		h=$(band)
		if [ "$h" != "$last" ]; then
			last=$h since=$(now)
		elif [ "$h" != "$empty" ] && [ $(($(now) - since)) -ge 2000 ]; then
			break
		fi
	done
	stop
	[ -z "${BENCH_KEEP_MISS:-}" ] || echo "$last $1" >>"$BENCH_KEEP_MISS.settled"
	echo "$last"
}
# timed HASH CMD...: milliseconds from the launch to the band holding HASH.
timed() {
	want=$1
	shift
	t0=$(now)
	launch "$@"
	# A run that never shows the settled frame is counted, not timed.
	if wait_band "$want" 20; then
		t1=$(now)
		echo $((t1 - t0))
	else
		echo "$1" >>"$work/missed"
		[ -z "${BENCH_KEEP_MISS:-}" ] || convert "xwd:$fb" "png:$BENCH_KEEP_MISS.$(now).png"
	fi
	stop
}

# Xvfb draws the pointer into its frame buffer: keep it below the band.
xdotool mousemove 1919 1079
empty=$(band)
kiosk="$top/$B/cakiosk --config $work/cakiosk.conf"
msg="CA证书与电子签章自助服务  请按任意键或触摸屏幕开始"
# shellcheck disable=SC2086
kh=$(settle $kiosk)
dh=$(settle dialog --msgbox "$msg" 8 60)
# The terminal alone: the same xterm printing a line (its fonts, its window).
ph=$(settle sh -c 'printf "\n%s" "$0"; exec sleep 600' "$msg")
: >"$work/k" && : >"$work/d" && : >"$work/p"
i=0
while [ "$i" -lt "$RUNS" ]; do
	# shellcheck disable=SC2086
	timed "$kh" $kiosk >>"$work/k"
	timed "$dh" dialog --msgbox "$msg" 8 60 >>"$work/d"
	timed "$ph" sh -c 'printf "\n%s" "$0"; exec sleep 600' "$msg" >>"$work/p"
	i=$((i + 1))
done

# stats FILE: min median max.
stats() { sort -n "$1" | awk '{ v[NR] = $1 } END { printf "%d %d %d", v[1], v[int((NR + 1) / 2)], v[NR] }'; }
k=$(stats "$work/k") d=$(stats "$work/d") p=$(stats "$work/p")
echo "start-up to first frame on the display stack (xinitrc: xterm on Xvfb 1920x1080," \
	"${cw}x${ch}-pixel cells), $RUNS runs each, alternated (ms: min median max)"
printf '  %-32s %s\n' "cakiosk (welcome screen)" "$k"
printf '  %-32s %s\n' "dialog --msgbox" "$d"
printf '  %-32s %s\n' "xterm printing one line" "$p"
[ -s "$work/missed" ] && echo "  runs that never showed the settled frame:" $(sort "$work/missed" | uniq -c)
set -- $k
km=$2
set -- $d
dm=$2
awk -v km="$km" -v dm="$dm" 'BEGIN { printf "  ratio cakiosk/dialog (medians): %.2fx\n", km / dm }'
