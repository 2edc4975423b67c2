#!/bin/sh
# test_status.sh - the status line says what the backend is, on every
# screen, within 10 s: the background health check (GET /v1/health and
# GET /v1/prices over mTLS, through the client) runs on the menu and in a
# service's form as on the welcome screen.  The backend killed: "cannot be
# reached" within 10 s; started again: "online" within 10 s; this kiosk's
# certificate revoked at the backend: said as such, not "cannot be reached",
# on the status line and by staff's connection test.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/renew_lib.sh"

rb_setup || { not_ok "test bed (backend)"; finish; exit 1; }
RA_PORT=${RAURL##*:}
# A terminal enrolled like a real one, so that staff can revoke it.
code=$("$RA" enrol-code --db "$work/ra.db" TEST-01)
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/t.key" \
	-subj /CN=x -out "$work/t.csr" 2>/dev/null
csr=$(awk '{printf "%s\\n", $0}' "$work/t.csr")
curl -s -o "$work/out" --cacert "$CA/ca.crt" -H 'Content-Type: application/json' \
	-H "Idempotency-Key: e$$" --data-binary "{\"code\":\"$code\",\"csr\":\"$csr\"}" "$RAURL/v1/enrol"
jfield certificate >"$work/t.crt"
serial=$(jfield serial)
check "a terminal certificate TEST-01 is enrolled" test -n "$serial"
sed -i "s|^cert_file = .*|cert_file = $work/t.crt|; s|^key_file = .*|key_file = $work/t.key|
	s|^terminal_id = .*|terminal_id = TEST-01|" "$work/cakiosk.conf"
ck_start 80x24 || { not_ok "kiosk starts"; finish; exit 1; }

check "welcome: online" ck_wait "后台：在线" 10
ck_keys Space
ck_wait "请选择业务" 5 >/dev/null
# elapsed_since T0: whole seconds since T0 (date +%s).
since() { echo $(($(date +%s) - $1)); }

rb_ra_stop
t0=$(date +%s)
check "menu: the backend killed, the status line says it cannot be reached" \
	ck_wait "后台：无法连接" 10
took=$(since "$t0")
check "... within 10 s (took $took s)" test "$took" -le 10
check "... and nothing else on the menu changed" _has "请选择业务"

RA_PORT=$RA_PORT rb_ra_start
t0=$(date +%s)
check "menu: the backend back, online again" ck_wait "后台：在线" 10
took=$(since "$t0")
check "... within 10 s (took $took s)" test "$took" -le 10

# In the renewal's first screen (a service, not the shell), the same.
rb_to_renew
rb_ra_stop
check "renewal: the backend killed, cannot be reached" ck_wait "后台：无法连接" 10
check "... the renewal's screen still up" _has "请插入要更新的UKey"
RA_PORT=$RA_PORT rb_ra_start
check "renewal: online again" ck_wait "后台：在线" 10

# This kiosk's certificate revoked at the backend (a stolen kiosk): the
# backend answers, but refuses it; the status line says so.
"$RA" revoke --db "$work/ra.db" "$serial" 2>>"$work/ra.log"
check "the kiosk's certificate revoked: said as such" ck_wait "后台：本机证书已吊销" 10
check "... not as 'cannot be reached'" _hasnt "后台：无法连接"
# Staff's connection test asks the same way (mTLS): it names the refused
# certificate rather than "the backend answered".
ck_keys Escape
ck_wait "请选择业务" 5 >/dev/null
ck_keys "$STAFF_ROW"
ck_wait "工号" 5 >/dev/null
ck_type 1001
ck_keys Tab
ck_type 123456
ck_keys Enter
ck_wait "测试与后台的连接" 10 >/dev/null
ck_keys 2
check "staff's connection test: the revoked certificate is named" ck_wait "后台拒绝本机的证书" 10
check "... not taken for a working line" _hasnt "后台已响应"

# A certificate of another terminal (DEMO-T01) for this one (TEST-01): the
# kiosk's own check at start finds it, and it is out of service.
kill -TERM "$kiosk_pid"
ck_wait "EXIT=0" 10 >/dev/null
sed -i "s|^cert_file = .*|cert_file = $CA/terminal-demo.crt|; s|^key_file = .*|key_file = $CA/terminal-demo.key|" \
	"$work/cakiosk.conf"
CK_READY=暂停服务 ck_start 80x24 || not_ok "another terminal's certificate: out of service"
check "another terminal's certificate: out of service, as this terminal" ck_wait "Terminal TEST-01" 10

# A terminal certificate that ran out (signed by the backend CA, ended in
# 2024): the backend refuses it, and the kiosk knows its own end date.
kill -TERM "$kiosk_pid"
ck_wait "EXIT=0" 10 >/dev/null
sh "$top/tests/ra/oldcert.sh" "$CA" "$work/x" TEST-01
check "an expired terminal certificate is made" test -s "$work/x/old.crt"
sed -i "s|^cert_file = .*|cert_file = $work/x/old.crt|; s|^key_file = .*|key_file = $work/x/old.key|" \
	"$work/cakiosk.conf"
ck_start 80x24 || { not_ok "kiosk starts again"; finish; exit 1; }
ck_keys Space
ck_wait "请选择业务" 5 >/dev/null
check "the kiosk's certificate expired: said as such" ck_wait "后台：本机证书已过期" 10
finish
