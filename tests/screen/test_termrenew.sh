#!/bin/sh
# test_termrenew.sh - the kiosk's own certificate renews itself: a kiosk
# whose terminal certificate ends in 10 days renews it at start (a new key
# in a 0600 file, a certificate for it naming the terminal, the files
# replaced), its next calls present the new one (the backend's record of
# the certificate the heartbeat came with), and the status line never
# shows a problem meanwhile.  A renewal the backend refuses shows "kiosk
# certificate ends in N days" on the status line, in both languages, and
# the self-test warns.  The heartbeat reaches the backend at start
# (cakiosk-ra terminals lists the kiosk with its version).  A replacement
# cut between its renames is finished at the next start.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/renew_lib.sh"

rb_setup || { not_ok "test bed (backend)"; finish; exit 1; }
VERSION=$("$bin" -V | awk '{print $2}')
CHECKING=$(msgattrib --no-obsolete "$top/assets/po/zh_CN.po" 2>/dev/null | grep -A1 '^msgid "checking..."' | sed -n 's/^msgstr "\(.*\)"/\1/p')
terminals() { "$RA" terminals --db "$work/ra.db" "$@"; }
serial() { openssl x509 -in "$1" -noout -serial | cut -d= -f2; }
soon() { date -u -d "$1" +%Y%m%d%H%M%SZ; }
# short TERMINAL DIR: a certificate of TERMINAL ending in 10 days (signed
# with the backend CA's key, as a terminal enrolled long ago would hold),
# as DIR/terminal.pem and DIR/terminal.key, named by the configuration.
short() {
	sh "$top/tests/ra/oldcert.sh" "$CA" "$2/x" "$1" "$(soon '-1000 days')" "$(soon '+10 days')"
	cp "$2/x/old.crt" "$2/terminal.pem"
	cp "$2/x/old.key" "$2/terminal.key"
	chmod 600 "$2/terminal.key"
	sed -i "s|^cert_file = .*|cert_file = $2/terminal.pem|; s|^key_file = .*|key_file = $2/terminal.key|
		s|^terminal_id = .*|terminal_id = $1|" "$work/cakiosk.conf"
}
# Every screen seen while waiting is kept: the status line may not have
# shown a problem in any of them.
seen() { ck_capture >>"$work/seen.txt"; }
renewed() { seen; [ "$(serial "$D/terminal.pem")" != "$OLD" ]; }

D=$work/t1
mkdir -p "$D"
short TEST-01 "$D"
OLD=$(serial "$D/terminal.pem")
cp "$D/terminal.pem" "$work/old.pem"; cp "$D/terminal.key" "$work/old.key"
CK_READY=后台 ck_start 80x24 || { not_ok "kiosk starts"; finish; exit 1; }
check "a certificate ending in 10 days is renewed at start" _poll 15 renewed
NEW=$(serial "$D/terminal.pem")
check "... a new certificate on disk" test -n "$NEW" -a "$NEW" != "$OLD"
check "... naming the terminal" sh -c "openssl x509 -in '$D/terminal.pem' -noout -subject | grep -q 'CN *= *TEST-01'"
end=$(date -u -d "$(openssl x509 -in "$D/terminal.pem" -noout -enddate | cut -d= -f2)" +%s)
check "... for 3 years" test $((end - $(date +%s))) -gt $((1090 * 86400))
check "... for a new key" sh -c "! cmp -s '$D/terminal.key' '$work/old.key'"
check "... which is the certificate's" test "$(openssl x509 -in "$D/terminal.pem" -noout -pubkey)" = \
	"$(openssl pkey -in "$D/terminal.key" -pubout)"
check "... in a 0600 file" test "$(stat -c %a "$D/terminal.key")" = 600
check "... and nothing half-written left beside them" test -z "$(ls "$D" | grep -v '^terminal\.\(pem\|key\)$' | grep -v '^x$')"
check "the status line: online" ck_wait "后台：在线" 10
seen
# Only "online" or "checking" after "后台：" in every screen seen.
calm() { ! grep -o '后台：.*' "$work/seen.txt" | grep -qv "^后台：\($CHECKING\|在线\)"; }
check "... and never a problem while it renewed ($(grep -c '后台：' "$work/seen.txt") screens seen)" calm
# ... nor did any call fail before it (the kiosk logs each call's outcome).
check "... no call to the backend failed" sh -c "grep 'backend [A-Z]* /v1/' '$work/cakiosk.log' | grep -v ': OK (' | grep -q . && exit 1 || exit 0"
check "... the renewal among them" grep -q 'backend POST /v1/terminal/renew: OK (201' "$work/cakiosk.log"
terminals --json >"$work/out"
# The heartbeat after the renewal came over a new connection with the new
# certificate: the backend keeps the serial it came with.
has_new() { terminals --json >"$work/out"; [ "$(jfield 0.seen_serial | tr a-f A-F)" = "$(echo "$NEW" | tr a-f A-F)" ]; }
check "the kiosk's next calls present the new certificate (the backend's record of its heartbeat)" _poll 10 has_new
check "cakiosk-ra terminals lists the kiosk with its version, ok" \
	sh -c "'$RA' terminals --db '$work/ra.db' | grep -Eq '^TEST-01 .*s ago\) +ok +$VERSION '"
grep -q 'renewing it' "$work/cakiosk.log" && grep -q 'terminal certificate renewed' "$work/cakiosk.log" &&
	ok "the kiosk's log says it renewed" || not_ok "the kiosk's log says it renewed"

# ---- a replacement cut short is finished at the next start --------------------
kill -TERM "$kiosk_pid"
ck_wait "EXIT=0" 10 >/dev/null
cp "$D/terminal.pem" "$work/new.pem"; cp "$D/terminal.key" "$work/new.key"
# Stopped between the renames: the new key in place, the new certificate beside it.
cp "$work/old.pem" "$D/terminal.pem"; cp "$work/new.pem" "$D/terminal.pem.next"
CK_READY=后台 ck_start 80x24 || not_ok "kiosk starts after a cut replacement"
check "stopped between the two renames: the kiosk starts (not out of service)" _hasnt "暂停服务"
check "... with the new certificate in place" cmp -s "$D/terminal.pem" "$work/new.pem"
check "... and online" ck_wait "后台：在线" 10
kill -TERM "$kiosk_pid"
ck_wait "EXIT=0" 10 >/dev/null
# Stopped before the renames: both new files written, the old pair in place.
cp "$work/old.pem" "$D/terminal.pem"; cp "$work/old.key" "$D/terminal.key"
cp "$work/new.pem" "$D/terminal.pem.next"; cp "$work/new.key" "$D/terminal.key.next"
CK_READY=后台 ck_start 80x24 || not_ok "kiosk starts after a cut replacement"
check "stopped before the renames: the new pair is put in place at start" sh -c \
	"cmp -s '$D/terminal.pem' '$work/new.pem' && cmp -s '$D/terminal.key' '$work/new.key' && ! ls '$D'/*.next 2>/dev/null"
kill -TERM "$kiosk_pid"
ck_wait "EXIT=0" 10 >/dev/null

# ---- a renewal the backend refuses: the status line warns ----------------------
D=$work/t2
mkdir -p "$D"
short TEST-02 "$D"
# Three certificates within the day use up TEST-02's renewals (429 after).
i=0
while [ $i -lt 3 ]; do
	i=$((i + 1))
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/r.key" \
		-subj /CN=TEST-02 -out "$work/r.csr" 2>/dev/null
	curl -s -o "$work/out" --cacert "$CA/ca.crt" --cert "$D/terminal.pem" --key "$D/terminal.key" \
		-H 'Content-Type: application/json' -H "Idempotency-Key: r$$-$i" \
		--data-binary "{\"csr\":\"$(awk '{printf "%s\\n", $0}' "$work/r.csr")\"}" "$RAURL/v1/terminal/renew"
done
check "TEST-02's renewals are used up for the day" test "$(jfield serial)" != ""
OLD=$(serial "$D/terminal.pem")
CK_READY=后台 ck_start 80x24 || { not_ok "kiosk starts"; finish; exit 1; }
warned() { ck_capture | grep -Eq '后台：本机证书(9|10)天后到期'; }
check "the renewal refused: the status line says the kiosk certificate ends in 9 or 10 days" _poll 15 warned
check "... the certificate on disk unchanged" test "$(serial "$D/terminal.pem")" = "$OLD"
check "... no new key left in place of the old" cmp -s "$D/terminal.key" "$D/x/old.key"
ck_keys F2
check "... in English too" ck_wait "Backend: kiosk certificate ends in" 5
ck_keys F2
grep -q 'renewal failed: .*rate_limited' "$work/cakiosk.log" && ok "... the log says why (rate_limited)" ||
	not_ok "... the log says why (rate_limited)"
beat2() { "$RA" terminals --db "$work/ra.db" | grep -Eq "^TEST-02 .*s ago\) +expiring +$VERSION "; }
check "its heartbeat reached the backend: listed as expiring, with its version" _poll 10 beat2
"$bin" --self-test -c "$work/cakiosk.conf" >"$work/st.out" 2>&1
check "the self-test warns of the expiry (WARN, not FAIL)" grep -Eq '^WARN expiry: (9|10) days left: renewal is due' "$work/st.out"
check "... and does not fail on it" sh -c "! grep -q '^FAIL expiry' '$work/st.out'"
finish
