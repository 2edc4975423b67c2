#!/bin/sh
# test_ra_conf.sh - cakiosk-ra's configuration file: a server started from
# the file alone, the command line over the file, --check-config (every
# error with its line, the exit status, opening nothing), unknown keys and
# sections refused, --config-reference round-tripping, a missing --config.
. "$(dirname "$0")/lib.sh"

# conf_start ARGS...: cakiosk-ra serve ARGS, waiting for $T/port (which
# the file names); sets PID and PORT.
conf_start() {
	rm -f "$T/port"
	"$RA" serve "$@" 2>>"$T/server.log" &
	PID=$!
	i=0
	while [ $i -lt 200 ] && [ ! -s "$T/port" ] && kill -0 "$PID" 2>/dev/null; do
		sleep 0.05; i=$((i + 1))
	done
	PORT=$(cat "$T/port" 2>/dev/null)
}

# A free port, from a first start on port 0 (it also makes the CA).
ra_start --sandbox
FREE=$PORT
ra_stop TERM

cat >"$T/ra.conf" <<EOT
# a province's server
[server]
listen = 127.0.0.1:$FREE
db = $RA_DB
ca_dir = $CA
port_file = $T/port
sandbox = yes
EOT
conf_start --config "$T/ra.conf"
is "$FREE" "$PORT" "a server started from the file alone listens on the file's port"
is 200 "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 --cacert "$CA/ca.crt" \
	"https://127.0.0.1:$FREE/v1/sandbox/sms?mobile=1" --cert "$CA/terminal-demo.crt" \
	--key "$CA/terminal-demo.key")" "... and serves, in the file's sandbox mode"
ra_stop TERM
is 0 "$STOP_RC" "... and stops cleanly"

conf_start --config "$T/ra.conf" --listen 127.0.0.1:0
[ -n "$PORT" ] && [ "$PORT" != "$FREE" ] && ok "--listen on the command line wins over the file's listen" ||
	not_ok "--listen on the command line wins over the file's listen (port $PORT)"
ra_stop TERM

# demo = no in the file, --demo on the command line: the demo terminal.
printf '[server]\nca_dir = %s\ndb = %s\nport_file = %s\nlisten = 127.0.0.1:0\nsandbox = yes\ndemo = no\n' \
	"$T/ca2" "$(ra_newdb db2)" "$T/port" >"$T/nodemo.conf"
conf_start --config "$T/nodemo.conf"
[ -n "$PORT" ] && [ ! -e "$T/ca2/terminal-demo.crt" ] && ok "demo = no in the file: no demo terminal" ||
	not_ok "demo = no in the file: no demo terminal"
ra_stop TERM
rm -rf "$T/ca2"
ra_newdb db2 >/dev/null
conf_start --config "$T/nodemo.conf" --demo
[ -n "$PORT" ] && [ -s "$T/ca2/terminal-demo.crt" ] && ok "--demo on the command line wins over demo = no" ||
	not_ok "--demo on the command line wins over demo = no"
ra_stop TERM

# A gateway from the file, and --gateway of the same kind over it.
printf '[server]\nca_dir = %s\ndb = %s\nport_file = %s\nlisten = 127.0.0.1:0\nsandbox = yes\n[gateway]\nsms = exec:/nonexistent/sms\n' \
	"$CA" "$RA_DB" "$T/port" >"$T/gw.conf"
out=$("$RA" serve --config "$T/gw.conf" 2>&1)
like "program \"/nonexistent/sms\" is not" "$out" "[gateway] sms of the file is the SMS gateway"
conf_start --config "$T/gw.conf" --gateway sms=sandbox
[ -n "$PORT" ] && ok "--gateway sms=... on the command line wins over [gateway] sms" ||
	not_ok "--gateway sms=... on the command line wins over [gateway] sms"
ra_stop TERM

# bad NAME LINE3 PATTERN: a file whose third line is LINE3 fails the check
# with exit 1, naming the file and line 3.
bad() {
	printf '; line 1\n[%s]\n%s\n' "${SECTION:-server}" "$2" >"$T/$1.conf"
	out=$("$RA" --check-config --config "$T/$1.conf" 2>&1)
	rc=$?
	is 1 "$rc" "$1: --check-config exits 1"
	like "^cakiosk-ra: $T/$1.conf:3: .*$3" "$out" "$1: the error names FILE:3"
}
bad unknown-key "colour = blue" "\\[server\\] colour: unknown key"
bad bad-number "sms_terminal_limit = lots" "sms_terminal_limit wants 1..100000"
bad out-of-range "sms_terminal_limit = 0" "sms_terminal_limit wants 1..100000"
bad bad-bool "sandbox = perhaps" "sandbox wants yes or no"
bad bad-address "listen = 127.0.0.1" "listen wants HOST:PORT"
bad bad-host "metrics_listen = example.cn:9464" "metrics_listen wants HOST:PORT"
bad bad-instance "instance = ra 1" "instance wants 1 to 64 of"
bad url-comma "public_url = https://ra.example/a,b" "public_url wants http:// or https://, a host"
bad url-no-scheme "public_url = ra.example" "public_url wants http:// or https://, a host"
bad url-no-host "public_url = https:///crl" "public_url wants http:// or https://, a host"
bad not-a-line "just words" "not a \\[section\\]"
SECTION=gateway bad bad-gateway "sms = /usr/bin/true" "sms wants exec:PROGRAM"
bad threads-zero "threads = 0" "threads wants 1..64 threads"
bad threads-absurd "threads = 100000" "threads wants 1..64 threads"
SECTION=sandbox bad pay-ttl "pay_ttl = 1" "pay_ttl wants 5..86400 seconds"
printf '[server]\nlisten = 127.0.0.1:1\n[colours]\n' >"$T/section.conf"
like "section.conf:3: \\[colours\\]: unknown section" "$("$RA" --check-config --config "$T/section.conf" 2>&1)" \
	"an unknown section is refused, even empty"
printf '[server]\ninstance = a\ninstance = b\n' >"$T/twice.conf"
like "twice.conf:3: .*given twice \\(first on line 2\\)" "$("$RA" --check-config --config "$T/twice.conf" 2>&1)" \
	"a key given twice is refused"

printf '[server]\nlisten = nowhere\ndb = %s\nbogus = 1\n[sandbox]\npay_delay = -5\n' "$T/never.db" >"$T/many.conf"
out=$("$RA" --check-config --config "$T/many.conf" 2>&1)
is 3 "$(printf '%s\n' "$out" | grep -c "^cakiosk-ra: $T/many.conf:[246]: ")" \
	"--check-config prints every error, each with its line"
"$RA" serve --config "$T/many.conf" 2>/dev/null
is 1 $? "serve with a bad file exits 1 ..."
[ ! -e "$T/never.db" ] && ok "... opening nothing (no store)" || not_ok "... opening nothing (no store)"
is "ok" "$("$RA" --check-config --config "$T/ra.conf")" "a good file: --check-config prints ok, exit 0"
out=$("$RA" --check-config --config "$T/ra.conf" --pay-ttl 1 2>&1)
is "2 cakiosk-ra: --pay-ttl wants 5..86400 seconds, not \"1\"" "$? $out" "--check-config checks the command line too (exit 2)"
out=$("$RA" --check-config --config "$T/ra.conf" --threads 0 2>&1)
is "2 cakiosk-ra: --threads wants 1..64 threads, not \"0\"" "$? $out" "--check-config refuses --threads 0 in one sentence"

# [server] threads, and --threads over it: the server runs that many
# threads for its requests (the process's other threads stay the same).
tasks() { ls /proc/"$PID"/task | wc -l; }
printf '[server]\nca_dir = %s\ndb = %s\nport_file = %s\nlisten = 127.0.0.1:0\nsandbox = yes\nthreads = 1\n' \
	"$CA" "$RA_DB" "$T/port" >"$T/threads.conf"
conf_start --config "$T/threads.conf"
one=$(tasks)
ra_stop TERM
conf_start --config "$T/threads.conf" --threads 7
seven=$(tasks)
ra_stop TERM
is 6 "$((seven - one))" "threads = 1 in the file, then --threads 7 over it: 6 threads more"

# A line longer than inih's buffer: said so at its line, the rest of it
# not read as a line of its own (the next line keeps its number).
long=$(printf '%0300d' 0)
printf '[server]\ninstance = %s\ncolour = blue\n' "$long" >"$T/long.conf"
out=$("$RA" --check-config --config "$T/long.conf" 2>&1)
is 1 $? "a 300-character line fails the check"
like "^cakiosk-ra: $T/long.conf:2: line too long \\(over [0-9]+ characters\\)$" "$out" \
	"... as too long, at its line"
is 2 "$(printf '%s\n' "$out" | grep -c .)" "... its rest not parsed as a line of its own"
like "long.conf:3: \\[server\\] colour: unknown key" "$out" "... and the next line keeps its number"

# The public URL (links and every certificate's CRL distribution point):
# refused on the command line and in the file, by the check and by serve.
for u in 'https://ra.example/a,b' 'ra.example' 'https://ra example'; do
	out=$("$RA" --check-config --config "$T/ra.conf" --public-url "$u" 2>&1)
	is 2 $? "--check-config --public-url '$u': exit 2"
	like "public-url wants http:// or https://, a host.*not \"$u\"" "$out" "... a plain message naming it"
	timeout 5 "$RA" serve --config "$T/ra.conf" --public-url "$u" 2>/dev/null
	is 2 $? "serve --public-url '$u' refuses to start"
done
for u in 'https://ra.example/a,b' 'ra.example'; do
	printf '[server]\nlisten = 127.0.0.1:0\ndb = %s\nca_dir = %s\nsandbox = yes\npublic_url = %s\n' \
		"$T/never.db" "$CA" "$u" >"$T/url.conf"
	out=$(timeout 5 "$RA" serve --config "$T/url.conf" 2>&1)
	is 1 $? "serve with public_url = $u in the file refuses to start"
	like "url.conf:6: \\[server\\] public_url wants .*not \"$u\"" "$out" "... naming it"
done
[ ! -e "$T/never.db" ] && ok "... opening nothing" || not_ok "... opening nothing"
printf 'public_url = https://ra.example:8443/ra\n' >>"$T/ra.conf"
is "ok" "$("$RA" --check-config --config "$T/ra.conf")" "a good public_url passes the check"
conf_start --config "$T/ra.conf"
URL=https://127.0.0.1:$PORT
newcsr url
req POST /v1/sandbox/certificates "{\"subject_type\":\"person\",\"subject_id\":\"$PERSON1\",\"csr\":\"$(pem_json "$T/url.csr")\",\"not_before\":1700000000,\"not_after\":1800000000}" 2>/dev/null
is 201 "$STATUS" "... and serve with it issues a customer certificate"
j certificate >"$T/url.crt"
like "URI:https://ra.example:8443/ra/crl.der" "$(openssl x509 -in "$T/url.crt" -noout -ext crlDistributionPoints 2>&1)" \
	"... whose CRL distribution point is made of it"
ra_stop TERM

"$RA" --config-reference >"$T/reference.conf"
out=$("$RA" --check-config --config "$T/reference.conf" 2>&1)
is "0 ok" "$? $out" "--config-reference passes --check-config"
missing=
for k in listen public_url db ca_dir port_file instance metrics_listen access_log verbose \
	sms_terminal_limit threads sandbox demo pay_delay pay_ttl sms mail bank pay; do
	grep -Eq "^;?$k =" "$T/reference.conf" || missing="$missing $k"
done
is "" "$missing" "--config-reference has a key for every option of serve"
like "^; .+" "$(grep -B1 '^sms_terminal_limit = 30$' "$T/reference.conf" | head -n 1)" \
	"... each with its default and a line of explanation"

out=$("$RA" serve --config "$T/absent.conf" 2>&1)
is 1 $? "a file named with --config that is missing: exit 1"
like "absent.conf: cannot open" "$out" "... saying which file"
if [ -e /etc/cakiosk/cakiosk-ra.conf ]; then skip "the default file exists here"; else
	is "ok" "$("$RA" --check-config)" "a missing default file is no error"
fi
done_testing
