#!/bin/sh
# test_idle.sh - left alone, the kiosk asks "still there?", and without an
# answer ends the visit: the welcome screen returns and what was typed is
# gone from the screen and from the process's memory.
. "$(dirname "$0")/lib.sh"

# A countdown long enough for the dialog to be read and answered under load.
IDLE_TIMEOUT=8 IDLE_COUNTDOWN=6 make_config
ck_start 80x24 || { not_ok "kiosk starts"; finish; exit 1; }

secret=40961357
ck_keys Space
ck_wait "请选择业务" >/dev/null
ck_keys "$STAFF_ROW"
ck_wait "工号" >/dev/null
ck_type "$secret"
check "typed text is on the form" ck_wait "$secret"
if [ "$(id -u)" = 0 ]; then
	check "while the visit lasts, the process holds it" "$tools/memgrep" "$kiosk_pid" "$secret"
fi

check "after the idle time the countdown dialog appears" ck_wait "您还在吗" 15
# The stored dialog reads "N 秒后": any second of the countdown matches.
CK_MASK='s/[0-9]+ 秒后/N 秒后/'
check "the dialog counts down" ck_screen idle-dialog-80x24
CK_MASK=
ck_keys x
check "a key keeps the visit, and what was typed" ck_wait "$secret"
check "the dialog is gone" ck_wait_gone "您还在吗"

check "left alone again, the dialog returns" ck_wait "您还在吗" 15
check "no answer: the welcome screen returns" ck_wait "请按任意键或触摸屏幕开始" 10
if [ "$(id -u)" = 0 ]; then
	"$tools/memgrep" "$kiosk_pid" "$secret"
	rc=$?
	check "the typed number is wiped from the kiosk's memory" test "$rc" = 1
else
	ok "# SKIP memory check needs root"
fi
ck_keys Space
ck_wait "请选择业务" >/dev/null
ck_keys "$STAFF_ROW"
check "the staff form starts empty again" ck_wait "工号"
check "nothing of the old visit is on it" sh -c "! tmux -L $sock capture-pane -p | grep -q $secret"
check "the session end is in the log" grep -q "session ended" "$work/cakiosk.log"
check "the log holds no typed digits" sh -c "! grep -q $secret $work/cakiosk.log"
finish
