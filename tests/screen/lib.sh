# lib.sh - the screen-test harness: the real cakiosk under tmux.
#
# Each test file sources this, then drives the kiosk like a person would:
#
#   ck_start [COLSxROWS]         start cakiosk in a private tmux server
#   ck_keys KEY...               tmux send-keys (names like Enter, F2, Down)
#   ck_type TEXT                 send literal text
#   ck_click COL ROW             SGR mouse press+release at 1-based COL,ROW
#   ck_wait TEXT [SECONDS]       poll the screen until TEXT shows (deadline)
#   ck_wait_gone TEXT [SECONDS]  ... until it no longer shows
#   ck_screen NAME               compare with tests/screen/expected/NAME.txt
#   ok / not_ok / check          TAP lines
#
# Never a bare sleep: every wait polls capture-pane with a deadline and, on
# timeout, keeps the failing screen in $B/test-logs/screens/.  The clock in
# the header is masked before comparing.  UPDATE_SCREENS=1 rewrites the
# stored screens from what the kiosk shows now.

top=$(cd "$(dirname "$0")/../.." && pwd)
B=${B:-build}
bin=$top/$B/cakiosk
tools=$top/$B/tools
expected=$top/tests/screen/expected
faildir=$top/$B/test-logs/screens
mkdir -p "$faildir"

work=$(mktemp -d /tmp/cakiosk-screen.XXXXXX)
sock=ck$$
socks=
starts=0
n=0
failed=0

. "$top/tests/secrets/keep.sh"
cleanup() {
	for s in $socks; do tmux -L "$s" kill-server 2>/dev/null; done
	[ -n "${cleanup_extra:-}" ] && eval "$cleanup_extra"
	keep_logs "$work"
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

cat >"$work/tmux.conf" <<'CONF'
set -g default-terminal "xterm-256color"
set -g status off
set -g escape-time 0
CONF

# The main menu's rows: apply, renew, unlock, change the PIN (in Unlock's
# group), reissue, change of details, order query, check my UKey, the
# guide, staff (the tenth row: its key is 0).
APPLY_ROW=1
RENEW_ROW=2
UNLOCK_ROW=3
PINCHANGE_ROW=4
REISSUE_ROW=5
CHANGE_ROW=6
QUERY_ROW=7
CHECK_ROW=8
GUIDE_ROW=9
STAFF_ROW=0

# ck_identify 1|2 ID: on the identify step, a unit (1) or a person (2)
# with that number, its record taken.
ck_identify() {
	ck_wait "请选择证书类型" 5 >/dev/null || return 1
	ck_keys "$1"
	ck_wait "* " 5 >/dev/null || return 1
	ck_type "$2"
	ck_keys Enter
	ck_wait "置灰信息来自统一注册平台" 10 >/dev/null || return 1
	ck_keys Enter
}
# rs_to_sms 1|2 ID: on the menu, 丢失补办 (Replace a lost or damaged UKey)
# for that unit or person: on the SMS code step.
rs_to_sms() {
	ck_keys "$REISSUE_ROW"
	ck_identify "$@"
}

ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
# check DESCRIPTION COMMAND...: one TAP line from a command's status.
check() {
	desc=$1; shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}
finish() {
	echo "1..$n"
	[ "$failed" -eq 0 ]
}

# A demo-like configuration; callers may append to $work/cakiosk.conf.
make_config() {
	hash=$(printf '123456\n123456\n' | "$bin" --hash-pin 2>/dev/null)
	cat >"$work/cakiosk.conf" <<CONF
[kiosk]
terminal_id = TEST-01
language = zh_CN
idle_timeout = ${IDLE_TIMEOUT:-120}
idle_countdown = ${IDLE_COUNTDOWN:-30}
log = file:$work/cakiosk.log
log_level = debug

[backend]
url = ${BACKEND_URL:-https://127.0.0.1:9/}
connect_timeout = ${CONNECT_TIMEOUT:-5}

[staff]
pin_hash = $hash
CONF
}

# ck_start [COLSxROWS]: start the kiosk; the pane's shell reports its exit.
ck_start() {
	size=${1:-80x24}
	cols=${size%x*} rows=${size#*x}
	[ -f "$work/cakiosk.conf" ] || make_config
	# A fresh tmux server per start: reusing a socket just killed races.
	starts=$((starts + 1))
	sock=ck$$_$starts
	socks="$socks $sock"
	# Extra environment for the pane: CK_ENV="NAME=value NAME=value".
	set --
	for kv in ${CK_ENV:-}; do set -- "$@" -e "$kv"; done
	tmux -L "$sock" -f "$work/tmux.conf" new-session -d -x "$cols" -y "$rows" \
		-e LANG=C.UTF-8 -e LC_ALL=C.UTF-8 -e TZ=Asia/Shanghai "$@" \
		-e CAKIOSK_LOCALEDIR="$top/$B/locale" \
		"$bin --config $work/cakiosk.conf; echo EXIT=\$?; stty -a | tr ' ' '\n' | grep -x -e icanon -e -icanon; sleep 600"
	# CK_READY: what shows once it is up (the title's "CA" by default).
	ck_wait "${CK_READY:-CA}" 10 || return 1
	kiosk_pid=$(pgrep -n -x cakiosk -P "$(tmux -L "$sock" display -p '#{pane_pid}')" 2>/dev/null ||
		tmux -L "$sock" display -p '#{pane_pid}')
}

ck_keys() { tmux -L "$sock" send-keys "$@"; }
# What is typed is kept for the no-secret suite, which judges what a secret is.
ck_type() {
	keep_secret typed "$1"
	tmux -L "$sock" send-keys -l "$1"
}
ck_click() {
	tmux -L "$sock" send-keys -l "$(printf '\033[<0;%d;%dM' "$1" "$2")"
	tmux -L "$sock" send-keys -l "$(printf '\033[<0;%d;%dm' "$1" "$2")"
}
ck_resize() { tmux -L "$sock" resize-window -x "${1%x*}" -y "${1#*x}"; }

# The screen as text, with the header clock masked.
# CK_MASK: a further sed -E script for what changes by itself (a countdown).
# One sed for both: the waits below run this 20 times a second.
ck_capture() {
	if [ -n "${CK_MASK:-}" ]; then
		tmux -L "$sock" capture-pane -p |
			sed -E -e 's/[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}/YYYY-MM-DD hh:mm/' -e "$CK_MASK"
	else
		tmux -L "$sock" capture-pane -p |
			sed -E 's/[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}/YYYY-MM-DD hh:mm/'
	fi
}

# _clock: _cs, the system's monotonic clock in centiseconds, read by the
# shell itself (/proc/uptime): a poll that ran date twice a turn spent
# more on starting it than on looking at the screen.
_clock() {
	read -r _up _idle </proc/uptime
	_cs=${_up%.*}${_up#*.}
}
# Poll every 50 ms until cond holds or the deadline passes.
_poll() {
	secs=$1; shift
	_clock
	end=$((_cs + secs * 100))
	while :; do
		"$@" && return 0
		_clock
		[ "$_cs" -ge "$end" ] && return 1
		sleep 0.05
	done
}
# _has TEXT: the screen shows TEXT.  The clock's mask changes only digits
# into Y, M, D, h and m: without CK_MASK, TEXT with none of those is found
# on the masked screen exactly where on the bare one, read without the sed.
_has() {
	if [ -z "${CK_MASK:-}" ]; then
		case $1 in
		*[0-9YMDhm]*) ;;
		*) tmux -L "$sock" capture-pane -p | grep -qF -- "$1"; return ;;
		esac
	fi
	ck_capture | grep -qF -- "$1"
}
_hasnt() { ! _has "$1"; }

ck_wait() {
	if _poll "${2:-5}" _has "$1"; then return 0; fi
	ck_capture >"$faildir/wait-$n.txt"
	echo "# timed out waiting for: $1 (screen kept in $faildir/wait-$n.txt)" >&2
	sed 's/^/# | /' "$faildir/wait-$n.txt" >&2
	return 1
}
ck_wait_gone() {
	if _poll "${2:-5}" _hasnt "$1"; then return 0; fi
	ck_capture >"$faildir/gone-$n.txt"
	echo "# still showing: $1" >&2
	return 1
}

_same() { ck_capture >"$work/actual.txt" && cmp -s "$work/actual.txt" "$1"; }

# ck_screen NAME: wait (deadline) until the screen equals the stored one.
ck_screen() {
	want=$expected/$1.txt
	if [ "${UPDATE_SCREENS:-0}" = 1 ]; then
		sleep 0.3 # only when recording, to let the screen settle
		ck_capture >"$want"
		return 0
	fi
	if [ ! -f "$want" ]; then
		ck_capture >"$faildir/$1.actual"
		echo "# no stored screen $want; this one kept in $faildir/$1.actual" >&2
		return 1
	fi
	if _poll "${2:-5}" _same "$want"; then return 0; fi
	cp "$work/actual.txt" "$faildir/$1.actual"
	echo "# screen $1 differs (kept in $faildir/$1.actual):" >&2
	diff "$want" "$faildir/$1.actual" | sed 's/^/# /' >&2
	return 1
}

# The token test bed: SoftHSM tokens behind the PKCS#11 test module, which
# the test steers through a control file (see tests/p11/testp11.c).
#   bed_setup            make the bed, add a vendor to the config, set CK_ENV
#   bed_ctl LINE...      replace the control file (present=..., latency_ms=...)
bed_setup() {
	sh "$top/tests/token/mkbed.sh" "$work/bed" >"$work/bed.log" 2>&1 || return 1
	bed_ctl "present=none"
	[ -f "$work/cakiosk.conf" ] || make_config
	# The bed's CA signed its seals: the kiosk checks them against it.
	grep -q '^ca_file' "$work/cakiosk.conf" ||
		sed -i "s|^\[backend\]\$|&\nca_file = $work/bed/ca/ca.pem|" "$work/cakiosk.conf"
	cat >>"$work/cakiosk.conf" <<CONF

[vendor test]
display_name = 测试CA
module = $top/$B/tests/p11/cakiosk-testp11.so
CONF
	CK_ENV="SOFTHSM2_CONF=$work/bed/softhsm2.conf CAKIOSK_TESTP11_CTL=$work/bed/ctl"
}
bed_ctl() {
	printf '%s\n' "$@" >"$work/bed/ctl.new" && mv "$work/bed/ctl.new" "$work/bed/ctl"
}

# From the welcome screen to the staff functions (demo staff PIN).
ck_staff_login() {
	ck_keys Space
	ck_wait "请选择业务" >/dev/null || return 1
	ck_keys "$STAFF_ROW"
	ck_wait "工号" >/dev/null || return 1
	ck_type 1001
	ck_keys Tab
	ck_type 123456
	ck_keys Enter
	ck_wait "测试与后台的连接" 10 >/dev/null
}

# Is the kiosk process still running?
ck_alive() { kill -0 "$kiosk_pid" 2>/dev/null; }

# mem_gone STRING: the kiosk's memory holds STRING nowhere (memgrep said
# "not found"; a kiosk gone or memory unreadable is no proof, and fails).
mem_gone() {
	"$tools/memgrep" "$kiosk_pid" "$1"
	[ $? -eq 1 ]
}
