#!/bin/sh
# test_jobs.sh - slow work runs on the worker: the screen keeps moving,
# shows a spinner, and the work can be cancelled.  The backend connection
# test against a port that never answers (a full accept queue) and against
# one that refuses.
. "$(dirname "$0")/lib.sh"

"$tools/tarpit" 60 >"$work/port" &
tarpit_pid=$!
cleanup_extra="kill $tarpit_pid 2>/dev/null"
_poll 5 test -s "$work/port" || { not_ok "tarpit starts"; finish; exit 1; }
port=$(cat "$work/port")

BACKEND_URL=https://127.0.0.1:$port/ CONNECT_TIMEOUT=20 make_config
ck_start 80x24 || { not_ok "kiosk starts"; finish; exit 1; }
check "staff log in" ck_staff_login

ck_keys 2
check "the connection test shows it is working" ck_wait "正在连接"
first=$(ck_capture | grep "正在连接")
# The spinner and the seconds move while the worker waits.
_changed() { [ "$(ck_capture | grep "正在连接")" != "$first" ]; }
check "the screen keeps moving while it waits" _poll 3 _changed
ck_keys Down
check "keys still work while it waits" ck_wait "正在连接"
ck_keys Escape
check "Esc cancels it" ck_wait "测试已取消"
check "the kiosk is alive and responsive after the cancel" ck_alive
ck_keys 2
check "it can be run again" ck_wait "正在连接"
ck_keys Escape
ck_wait "测试已取消" >/dev/null
ck_keys Escape
ck_wait "请选择业务" >/dev/null
kill -TERM "$kiosk_pid"
ck_wait "EXIT=0" >/dev/null
kill -TERM "$kiosk_pid" 2>/dev/null

# A port where nothing listens: refused, said in a sentence.
rm -f "$work/cakiosk.conf"
BACKEND_URL=https://127.0.0.1:9/ make_config
ck_start 80x24 || { not_ok "kiosk starts again"; finish; exit 1; }
check "the status line says the backend cannot be reached" ck_wait "后台：无法连接" 10
ck_staff_login
ck_keys 2
check "a refused connection is explained" ck_wait "连不上它的地址和端口" 10
finish
