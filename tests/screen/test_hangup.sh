#!/bin/sh
# test_hangup.sh - the terminal goes away (its emulator closed, a console
# hung up): whichever screen the kiosk was on - the welcome, the
# out-of-service screen or the first-run setup - it ends within a few
# seconds, and never stays behind spinning on a dead terminal.
#
# Each case starts the kiosk as the only program of its pane (exec, so the
# pane's process is the kiosk), kills the tmux server, and waits for the
# process to be gone; a kiosk still there is measured for CPU before it is
# killed, so a failure says whether it was spinning.
. "$(dirname "$0")/lib.sh"

# hu_start CONF [ARGS]: the kiosk alone in a fresh pane.
hu_start() {
	c=$1; shift
	starts=$((starts + 1))
	sock=ck$$_$starts
	socks="$socks $sock"
	tmux -L "$sock" -f "$work/tmux.conf" new-session -d -x 80 -y 24 \
		-e LANG=C.UTF-8 -e LC_ALL=C.UTF-8 -e TZ=Asia/Shanghai \
		-e CAKIOSK_LOCALEDIR="$top/$B/locale" -e CAKIOSK_PKCS11_SCAN="$work/none" \
		"exec $bin --config $c $*"
	kiosk_pid=$(tmux -L "$sock" display -p '#{pane_pid}')
}
_gone() { ! kill -0 "$kiosk_pid" 2>/dev/null; }
# hu_hangup WHAT: close the terminal; the kiosk must end by itself.
hu_hangup() {
	tmux -L "$sock" kill-server 2>/dev/null
	if _poll 5 _gone; then return 0; fi
	t0=$(awk '{print $14 + $15}' "/proc/$kiosk_pid/stat" 2>/dev/null)
	sleep 1
	t1=$(awk '{print $14 + $15}' "/proc/$kiosk_pid/stat" 2>/dev/null)
	echo "# $1: still running 5 s after the hang-up, ${t0:-?} -> ${t1:-?} ticks in 1 s" >&2
	kill -KILL "$kiosk_pid" 2>/dev/null
	return 1
}

make_config
hu_start "$work/cakiosk.conf"
ck_wait "CA" 10 >/dev/null
check "the welcome screen: the kiosk ends when its terminal goes" hu_hangup welcome

printf '[kiosk]\nterminal_id = HANG-01\nno equals sign here\n' >"$work/broken.conf"
hu_start "$work/broken.conf"
ck_wait "Out of service" 10 >/dev/null
check "the out-of-service screen: ends when its terminal goes" hu_hangup oos

hu_start "$work/absent.conf"
ck_wait "First-run setup" 10 >/dev/null
check "the first-run setup: ends when its terminal goes" hu_hangup setup
check "... having written no configuration" test ! -e "$work/absent.conf"

hu_start "$work/cakiosk.conf" --setup
ck_wait "$work/cakiosk.conf" 10 >/dev/null
check "--setup over a configuration: ends when its terminal goes" hu_hangup setup-again
check "... leaving the configuration as it was" grep -q 'terminal_id = TEST-01' "$work/cakiosk.conf"

finish
