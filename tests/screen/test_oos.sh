#!/bin/sh
# test_oos.sh - a kiosk whose configuration or own checks fail shows
# "暂停服务 / Out of service" with its terminal id instead of a black
# screen, ignores the keyboard, and starts properly once fixed (checked
# again every 30 s, or at once on SIGHUP); SIGTERM ends it cleanly.
. "$(dirname "$0")/lib.sh"

make_config
cp "$work/cakiosk.conf" "$work/good.conf"
sed -i 's/^terminal_id = .*/terminal_id = HN-OOS-07/; s/^idle_timeout = .*/idle_timeout = soon/' \
	"$work/cakiosk.conf"
CK_READY=暂停服务 ck_start 80x24 || { not_ok "a broken configuration shows 暂停服务"; finish; exit 1; }
ok "a broken configuration: the screen says 暂停服务"
check "... and Out of service" ck_wait "Out of service"
check "... with the terminal id in both languages" sh -c \
	"tmux -L $sock capture-pane -p | grep -q '终端 HN-OOS-07' && tmux -L $sock capture-pane -p | grep -q 'Terminal HN-OOS-07'"
check "... and no word of the failure on the screen" ck_wait_gone "idle_timeout" 5
ck_keys C-c
ck_keys Escape q Enter C-backslash
ck_keys -l x
check "keys (Ctrl-C, Esc, q, Enter, Ctrl-\\) end nothing" ck_wait "Out of service"
check "... the kiosk is still running" ck_alive

cp "$work/good.conf" "$work/cakiosk.conf"
kill -HUP "$kiosk_pid"
check "fixed and told (SIGHUP): the kiosk starts" ck_wait "请按任意键或触摸屏幕开始" 10
check "... the same process" ck_alive
kill -TERM "$kiosk_pid"
check "SIGTERM ends it cleanly" ck_wait "EXIT=0" 10

# The terminal's certificate names another terminal: its own check fails.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
	-keyout "$work/t.key" -subj /CN=SOMEONE-ELSE -out "$work/t.crt" 2>/dev/null
sed -i "s|^connect_timeout|cert_file = $work/t.crt\nkey_file = $work/t.key\nconnect_timeout|" \
	"$work/cakiosk.conf"
CK_READY=暂停服务 ck_start 80x24 || not_ok "a certificate of another terminal: out of service"
check "a certificate of another terminal: out of service, TEST-01 shown" ck_wait "Terminal TEST-01"
kill -TERM "$kiosk_pid"
check "SIGTERM on the out-of-service screen ends it with status 0" ck_wait "EXIT=0" 10
finish
