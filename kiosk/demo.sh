#!/bin/sh
# demo.sh - the whole demo on one terminal, called by `make run`:
#
#   - cakiosk-ra, the reference backend, as the demo (--demo: sandbox mode,
#     demo records, terminal and staff certificates) on 127.0.0.1:8443
#     with its SQLite store and CA in build/demo/ra (payments pay
#     themselves after 15 s, or when the QR code's link is opened);
#   - a SoftHSM2 demo UKey "DEMO" (PIN 123456) holding a unit certificate
#     from that CA with 30 days left, so it can be renewed, behind the test
#     PKCS#11 module so it can be "pulled out" and "put back"; a second,
#     "CHANGE", of a unit renamed on the registration platform since; and
#     SoftHSM's free slot as a blank UKey (the test module's blank=2) for
#     staff to personalize for an approved order;
#   - the kiosk full screen, talking mTLS to the backend.
#
# Staff 1001, PIN 123456 (held by the demo backend; the kiosk's own staff
# PIN, for when the backend is down, is 123456 too).  From another terminal:
#   echo present=none > build/demo/ctl    pull the demo UKey out
#   echo present=DEMO > build/demo/ctl    put it back
#   echo present=CHANGE > build/demo/ctl  the UKey of a renamed unit instead
#                                         (信息变更, Change of details)
#   printf 'present=CA*\nblank=2\n' > build/demo/ctl
#                                         a blank UKey instead, for staff to
#                                         make (制作空白UKey); once made it
#                                         stays in as the customer's UKey
#   sh kiosk/demo-phone.sh                the SMS codes and transfer memos
#                                         the demo backend sent
#   build/cakiosk-ra calls --db build/demo/ra/ra.db   open calls (F12)
#   build/cakiosk-ra audit --db build/demo/ra/ra.db   what staff did
# Staff functions -> "Close the kiosk program" stops the kiosk (allowed by the
# demo's configuration); the backend stops with it.
# `rm -rf build/demo` starts the demo afresh.
# For tests: DEMO_DIR (instead of build/demo) and DEMO_PORT (instead of
# 8443; 0 picks a free one, written to DEMO_DIR/ra.port).
set -eu
B=${1:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
demo=${DEMO_DIR:-$top/$B/demo}
port=${DEMO_PORT:-8443}
ra=$demo/ra
softhsm=/usr/lib/softhsm/libsofthsm2.so
mkdir -p "$demo" "$ra" "$demo/tokens"

if [ ! -t 0 ] || [ ! -t 1 ]; then
	echo "demo.sh: the kiosk needs a terminal; run 'make run' in one" >&2
	exit 1
fi

# The backend.
rm -f "$demo/ra.port"
"$top/$B/cakiosk-ra" serve --listen "127.0.0.1:$port" --port-file "$demo/ra.port" \
	--db "$ra/ra.db" --ca-dir "$ra" \
	--demo --pay-delay 15 2>>"$demo/ra.log" &
ra_pid=$!
echo $ra_pid >"$demo/ra.pid"
trap 'kill $ra_pid 2>/dev/null' EXIT INT TERM HUP
i=0
url=
until [ -s "$demo/ra.port" ] && url=https://127.0.0.1:$(cat "$demo/ra.port") &&
	curl -s -o /dev/null --cacert "$ra/ca.crt" "$url/v1/health" 2>/dev/null; do
	i=$((i + 1))
	if [ $i -gt 100 ] || ! kill -0 $ra_pid 2>/dev/null; then
		echo "demo.sh: cakiosk-ra did not start (see $demo/ra.log)" >&2
		exit 1
	fi
	sleep 0.1
done

cat >"$demo/softhsm2.conf" <<CONF
directories.tokendir = $demo/tokens
objectstore.backend = file
log.level = ERROR
slots.removable = true
CONF
export SOFTHSM2_CONF=$demo/softhsm2.conf CAKIOSK_TESTP11_CTL=$demo/ctl
[ -f "$demo/ctl" ] || echo "present=DEMO" >"$demo/ctl"

# The demo UKey, made once.
if ! softhsm2-util --show-slots 2>/dev/null | grep -q 'Label:.*DEMO'; then
	k=$demo/keys
	mkdir -p "$k"
	now=$(date +%s)
	softhsm2-util --init-token --free --label DEMO --so-pin 12345678 --pin 123456 >/dev/null
	# The backend records the UKey the certificate is on (what reissue lists).
	tok=$(pkcs11-tool --module "$softhsm" -L 2>/dev/null |
		awk '/token label *: DEMO *$/ {f = 1} f && /serial num/ {print $4; exit}')
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$k/sign.pem" 2>/dev/null
	openssl req -new -key "$k/sign.pem" -subj /CN=demo -out "$k/sign.csr" 2>/dev/null
	csr=$(awk '{printf "%s\\n", $0}' "$k/sign.csr")
	curl -s --cacert "$ra/ca.crt" --cert "$ra/terminal-demo.crt" --key "$ra/terminal-demo.key" \
		-H 'Content-Type: application/json' -H "Idempotency-Key: demo-$now" \
		--data-binary "{\"subject_type\":\"unit\",\"subject_id\":\"91430100MA4L00011K\",\"csr\":\"$csr\",\"not_before\":$((now - 335 * 86400)),\"not_after\":$((now + 30 * 86400)),\"token_serial\":\"$tok\"}" \
		"$url/v1/sandbox/certificates" >"$k/reply.json"
	"$top/$B/ra-tools/jget" certificate <"$k/reply.json" >"$k/sign.crt"
	openssl pkey -in "$k/sign.pem" -outform DER -out "$k/sign.der"
	openssl pkey -in "$k/sign.pem" -pubout -outform DER -out "$k/sign.pub.der"
	openssl x509 -in "$k/sign.crt" -outform DER -out "$k/sign.crt.der"
	for t in privkey:sign.der pubkey:sign.pub.der cert:sign.crt.der; do
		pkcs11-tool --module "$softhsm" --token-label DEMO --login --pin 123456 \
			--write-object "$k/${t#*:}" --type "${t%%:*}" --id 01 --label sign >/dev/null 2>&1
	done
fi
# A person's certificate whose UKey was lost (王芳, 430102198503150022), to
# walk 丢失补办 (Replace a lost or damaged UKey) with; made once.
if [ ! -f "$demo/keys/person.crt" ]; then
	k=$demo/keys
	mkdir -p "$k"
	now=$(date +%s)
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$k/person.key" \
		-subj /CN=demo -out "$k/person.csr" 2>/dev/null
	csr=$(awk '{printf "%s\\n", $0}' "$k/person.csr")
	curl -s --cacert "$ra/ca.crt" --cert "$ra/terminal-demo.crt" --key "$ra/terminal-demo.key" \
		-H 'Content-Type: application/json' -H "Idempotency-Key: demo-person-$now" \
		--data-binary "{\"subject_type\":\"person\",\"subject_id\":\"430102198503150022\",\"csr\":\"$csr\",\"not_before\":$((now - 100 * 86400)),\"not_after\":$((now + 265 * 86400))}" \
		"$url/v1/sandbox/certificates" >"$k/person.json" &&
		"$top/$B/ra-tools/jget" certificate <"$k/person.json" >"$k/person.crt.tmp" &&
		mv "$k/person.crt.tmp" "$k/person.crt"
fi
# A second UKey "CHANGE" (PIN 123456) for 信息变更 (Change of details): a
# certificate of 长沙麓谷科技有限公司 with an encryption pair beside it,
# and the unit renamed on the registration platform since (the sandbox's
# registry), so the kiosk finds a new name to change to; made once.  The
# demo UKey stays the one in the reader (present=DEMO).
if ! softhsm2-util --show-slots 2>/dev/null | grep -q 'Label:.*CHANGE'; then
	k=$demo/keys-change
	mkdir -p "$k"
	now=$(date +%s)
	lugu=91430100MA4L0002XB
	softhsm2-util --init-token --free --label CHANGE --so-pin 12345678 --pin 123456 >/dev/null
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$k/sign.pem" 2>/dev/null
	openssl req -new -key "$k/sign.pem" -subj /CN=demo -out "$k/sign.csr" 2>/dev/null
	csr=$(awk '{printf "%s\\n", $0}' "$k/sign.csr")
	curl -s --cacert "$ra/ca.crt" --cert "$ra/terminal-demo.crt" --key "$ra/terminal-demo.key" \
		-H 'Content-Type: application/json' -H "Idempotency-Key: demo-change-$now" \
		--data-binary "{\"subject_type\":\"unit\",\"subject_id\":\"$lugu\",\"csr\":\"$csr\",\"not_before\":$((now - 100 * 86400)),\"not_after\":$((now + 265 * 86400))}" \
		"$url/v1/sandbox/certificates" >"$k/reply.json"
	"$top/$B/ra-tools/jget" certificate <"$k/reply.json" >"$k/sign.crt"
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$k/enc.pem" 2>/dev/null
	openssl req -x509 -new -key "$k/enc.pem" -subj "/CN=长沙麓谷科技有限公司 enc" -days 365 \
		-addext keyUsage=critical,keyAgreement -out "$k/enc.crt" 2>/dev/null
	for u in sign enc; do
		id=01; [ $u = enc ] && id=02
		openssl pkey -in "$k/$u.pem" -outform DER -out "$k/$u.der"
		openssl pkey -in "$k/$u.pem" -pubout -outform DER -out "$k/$u.pub.der"
		openssl x509 -in "$k/$u.crt" -outform DER -out "$k/$u.crt.der"
		for t in privkey:$u.der pubkey:$u.pub.der cert:$u.crt.der; do
			pkcs11-tool --module "$softhsm" --token-label CHANGE --login --pin 123456 \
				--write-object "$k/${t#*:}" --type "${t%%:*}" --id $id --label $u >/dev/null 2>&1
		done
	done
	curl -s -o /dev/null --cacert "$ra/ca.crt" --cert "$ra/terminal-demo.crt" --key "$ra/terminal-demo.key" \
		-H 'Content-Type: application/json' -H "Idempotency-Key: demo-rename-$now" \
		--data-binary "{\"subject_type\":\"unit\",\"subject_id\":\"$lugu\",\"name\":\"长沙麓谷智能科技有限公司\"}" \
		"$url/v1/sandbox/registry"
	# Two UKeys now: the demo one stays in the reader.
	if grep -q '^present=\*$' "$demo/ctl"; then echo "present=DEMO" >"$demo/ctl"; fi
fi
# Its SO PIN escrowed for its owner, as staff personalizing it would, so
# that the demo can unlock it (a demo made before gets it now; an escrow
# already there stays: 409).
serial=$(pkcs11-tool --module "$softhsm" -L 2>/dev/null |
	awk '/token label *: DEMO *$/ {f = 1} f && /serial num/ {print $4; exit}')
[ -z "$serial" ] || curl -s -o /dev/null --cacert "$ra/ca.crt" --cert "$ra/staff-demo.crt" \
	--key "$ra/staff-demo.key" -H 'Content-Type: application/json' \
	-H "Idempotency-Key: demo-escrow-$serial" --data-binary \
	"{\"serial\":\"$serial\",\"so_pin\":\"12345678\",\"subject_type\":\"unit\",\"subject_id\":\"91430100MA4L00011K\"}" \
	"$url/v1/tokens"

if [ ! -f "$demo/cakiosk.conf" ]; then
	hash=$(printf '123456\n123456\n' | "$top/$B/cakiosk" --hash-pin)
	cat >"$demo/cakiosk.conf" <<CONF
; Demo configuration, made by kiosk/demo.sh.  Staff PIN: 123456.
[kiosk]
terminal_id = DEMO-T01
language = zh_CN
idle_timeout = 120
idle_countdown = 30
log = file:$demo/cakiosk.log

[backend]
url = $url/
ca_file = $ra/ca.crt
cert_file = $ra/terminal-demo.crt
key_file = $ra/terminal-demo.key

[staff]
pin_hash = $hash
allow_quit = 1

[vendor demo]
display_name = 演示CA
module = $top/$B/tests/p11/cakiosk-testp11.so
CONF
fi

echo "cakiosk demo: UKey DEMO (PIN 123456), staff 1001 PIN 123456; logs in $demo/"
echo "pull the UKey: echo present=none > $demo/ctl; put it back: echo present=DEMO > $demo/ctl"
echo "a renamed unit's UKey (Change of details): echo present=CHANGE > $demo/ctl"
printf '%s\n' "a blank UKey for staff to make: printf 'present=CA*\\nblank=2\\n' > $demo/ctl"
echo "a renewal is kept; rm -rf $demo starts the demo afresh (a UKey with 30 days left)"
echo "SMS codes and transfer memos of the demo: sh $top/kiosk/demo-phone.sh $B"
# A demo made before staff could close the program: let them.
# The backend's address of this run (DEMO_PORT=0 picks another each time).
sed -i "s|^url = .*|url = $url/|" "$demo/cakiosk.conf"
grep -q '^allow_quit' "$demo/cakiosk.conf" ||
	sed -i 's/^\[staff\]$/[staff]\nallow_quit = 1/' "$demo/cakiosk.conf"
CAKIOSK_LOCALEDIR=$top/$B/locale "$top/$B/cakiosk" --config "$demo/cakiosk.conf"
