#!/bin/sh
# startup.sh - start-up time and peak RSS of cakiosk until its welcome
# screen is drawn, against Debian's `dialog --msgbox` until its box is drawn,
# both on a fresh 80x24 pseudo-terminal, measured in the same run.
#
#   make bench          (or: sh tests/bench/startup.sh build [RUNS])
set -eu
B=${1:-build}
RUNS=${2:-20}
RSS_RUNS=${3:-3}
top=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d /tmp/cakiosk-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT

cc -O2 -o "$work/ptyrun" "$top/tests/bench/ptyrun.c"
command -v dialog >/dev/null || { echo "startup.sh: needs Debian's dialog" >&2; exit 1; }
. "$top/tests/bench/bench_conf.sh"
FIGURES=$top/$B/bench/figures
. "$top/tests/bench/bench_lib.sh"
bench_conf "$work/cakiosk.conf"
# Both wait for their first full screen; dialog is ended with Enter, the
# kiosk (which ignores keys as a way out) with SIGTERM.
kiosk() { "$work/ptyrun" "$@" "请按任意键或触摸屏幕开始" -- "$top/$B/cakiosk" -c "$work/cakiosk.conf"; }
dialog_box() { "$work/ptyrun" "$@" -k "
" "cakiosk bench" -- dialog --msgbox "cakiosk bench" 8 40; }
k=$(kiosk -n "$RUNS")
d=$(dialog_box -n "$RUNS")
ks=$(kiosk -n "$RSS_RUNS" -s 5)
ds=$(dialog_box -n "$RSS_RUNS" -s 5)

echo "start-up to first full screen, 80x24 pty, $RUNS runs" \
	"(ms: min median max; KiB: peak RSS, median RSS at the first frame)"
set -- $k; km=$2 kr=$4 kf=$5
printf '  %-28s %s %s %s   %s %s\n' "cakiosk (welcome screen)" "$1" "$2" "$3" "$4" "$5"
set -- $d; dm=$2 dr=$4 df=$5
printf '  %-28s %s %s %s   %s %s\n' "dialog --msgbox" "$1" "$2" "$3" "$4" "$5"
echo "resident set, $RSS_RUNS runs (KiB, median: at the first frame, 5 s after the start)"
set -- $ks; kf5=$5 kl=$6
printf '  %-28s %s %s\n' "cakiosk (welcome screen)" "$kf5" "$kl"
set -- $ds; df5=$5 dl=$6
printf '  %-28s %s %s\n' "dialog --msgbox" "$df5" "$dl"
awk -v km="$km" -v dm="$dm" -v kr="$kr" -v dr="$dr" -v kf="$kf" -v df="$df" \
	-v kl="$kl" -v dl="$dl" 'BEGIN {
	printf "  ratio cakiosk/dialog: time %.2fx, peak RSS %.2fx, RSS at first frame %.2fx, after 5 s %.2fx\n",
		km / dm, kr / dr, kf / df, kl / dl }'
figure startup_ratio "$(awk -v k="$km" -v d="$dm" 'BEGIN {printf "%.2f", k / d}')"
figure startup_rss_first "$kf5"
figure startup_rss_5s "$kl"
