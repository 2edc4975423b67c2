#!/bin/sh
# startup.sh - start-up time and peak RSS of cakiosk until its welcome
# screen is drawn, against Debian's `dialog --msgbox` until its box is drawn,
# both on a fresh 80x24 pseudo-terminal, measured in the same run.
#
#   make bench          (or: sh tests/bench/startup.sh build [RUNS])
set -eu
B=${1:-build}
RUNS=${2:-20}
top=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d /tmp/cakiosk-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT

cc -O2 -o "$work/ptyrun" "$top/tests/bench/ptyrun.c"
command -v dialog >/dev/null || { echo "startup.sh: needs Debian's dialog" >&2; exit 1; }
. "$top/tests/bench/bench_conf.sh"
bench_conf "$work/cakiosk.conf"
# Both wait for their first full screen; dialog is ended with Enter, the
# kiosk (which ignores keys as a way out) with SIGTERM.
k=$("$work/ptyrun" -n "$RUNS" "请按任意键或触摸屏幕开始" -- "$top/$B/cakiosk" -c "$work/cakiosk.conf")
d=$("$work/ptyrun" -n "$RUNS" -k "
" "cakiosk bench" -- dialog --msgbox "cakiosk bench" 8 40)

echo "start-up to first full screen, 80x24 pty, $RUNS runs (ms: min median max; peak RSS KiB)"
printf '  %-28s %s\n' "cakiosk (welcome screen)" "$k"
printf '  %-28s %s\n' "dialog --msgbox" "$d"
set -- $k; km=$2 kr=$4
set -- $d; dm=$2 dr=$4
awk -v km="$km" -v dm="$dm" -v kr="$kr" -v dr="$dr" 'BEGIN {
	printf "  ratio cakiosk/dialog: time %.2fx, peak RSS %.2fx\n", km / dm, kr / dr }'
