# renewbed.sh - the renewal test bed: cakiosk-ra in sandbox mode over mTLS,
# and SoftHSM tokens behind the PKCS#11 test module holding certificates
# that cakiosk-ra itself issued (its sandbox endpoint, chosen validity).
# Shared by tests/screen/test_renew.sh and tests/bench/renew-bench.sh;
# source it after lib.sh (it uses $top, $B, $work, _poll and make_config).
#
#   rb_setup                 start cakiosk-ra, write the kiosk's config
#   rb_token LABEL DAYS      a fresh token with a certificate of the CA
#   rb_api METHOD PATH [J]   the terminal's call; body in $work/out
#   rb_tool ARGS...          pkcs11-tool on token $l (SoftHSM directly)
#   rb_to_renew, rb_qr_url   drive the kiosk to the renewal, read the QR

RA=$top/$B/cakiosk-ra
P11=$top/$B/tests/p11/cakiosk-testp11.so
SOFTHSM=${SOFTHSM_MODULE:-/usr/lib/softhsm/libsofthsm2.so}

# ---- the bed: cakiosk-ra in sandbox mode and SoftHSM tokens ------------
UNIT=91430100MA4L00011K
CA=$work/ca

# rb_setup: start cakiosk-ra, write the kiosk's configuration (mTLS with the
# demo terminal certificate, the test module as the one vendor).
rb_setup() {
	mkdir -p "$work/tokens"
	cat >"$work/softhsm2.conf" <<CONF
directories.tokendir = $work/tokens
objectstore.backend = file
log.level = ERROR
slots.removable = true
CONF
	rb_ra_start || return 1
	BACKEND_URL=$RAURL/ make_config
	cat >>"$work/cakiosk.conf" <<CONF
ca_file = $CA/ca.crt
cert_file = $CA/terminal-demo.crt
key_file = $CA/terminal-demo.key

[vendor test]
display_name = 测试CA
module = $P11
CONF
	# [backend] keys above must land in [backend]: move them there.
	awk '/^ca_file|^cert_file|^key_file/ {next} {print} /^connect_timeout/ {
		print "ca_file = '"$CA"'/ca.crt"
		print "cert_file = '"$CA"'/terminal-demo.crt"
		print "key_file = '"$CA"'/terminal-demo.key" }' \
		"$work/cakiosk.conf" >"$work/c.tmp" && mv "$work/c.tmp" "$work/cakiosk.conf"
	printf 'present=none\n' >"$work/ctl"
	CK_ENV="SOFTHSM2_CONF=$work/softhsm2.conf CAKIOSK_TESTP11_CTL=$work/ctl"
}
bed_ctl() {
	printf '%s\n' "$@" >"$work/ctl.new" && mv "$work/ctl.new" "$work/ctl"
}

rb_ra_start() {
	rm -f "$work/ra.port"
	"$RA" serve --listen 127.0.0.1:0 --port-file "$work/ra.port" --db "$work/ra.db" \
		--ca-dir "$CA" --sandbox ${RA_OPTS:-} 2>>"$work/ra.log" &
	ra_pid=$!
	cleanup_extra="kill \$ra_pid 2>/dev/null; [ -z \"\${KEEP_WORK:-}\" ] || cp -r \$work \$KEEP_WORK"
	_poll 10 test -s "$work/ra.port" || return 1
	RAURL=https://127.0.0.1:$(cat "$work/ra.port")
	_poll 10 curl -s -o /dev/null --cacert "$CA/ca.crt" "$RAURL/v1/health"
}
rb_ra_stop() { kill "$ra_pid" 2>/dev/null; wait "$ra_pid" 2>/dev/null; }

# rb_api METHOD PATH [JSON]: the terminal's call; body in $work/out.
rb_api() {
	set -- -s -o "$work/out" -w '%{http_code}' --cacert "$CA/ca.crt" \
		--cert "$CA/terminal-demo.crt" --key "$CA/terminal-demo.key" \
		-X "$1" "$RAURL$2" ${3:+-H 'Content-Type: application/json' -H "Idempotency-Key: t$$-$(date +%s%N)" --data-binary "$3"}
	curl "$@"
}
jfield() { "$top/$B/ra-tools/jget" "$@" <"$work/out"; }

# rb_token LABEL DAYS_LEFT [rsa|ec]: a fresh token with a signing key (RSA
# 2048, or EC P-256) and a certificate from cakiosk-ra valid until now +
# DAYS_LEFT days (negative: expired), an encryption key and certificate of
# the same type, and an old seal object.
rb_token() {
	l=$1 left=$2 k=$work/keys-$1
	alg="-algorithm RSA -pkeyopt rsa_keygen_bits:2048" enc=keyEncipherment
	[ "${3:-rsa}" = ec ] && alg="-algorithm EC -pkeyopt ec_paramgen_curve:P-256" enc=keyAgreement
	mkdir -p "$k"
	now=$(date +%s)
	SOFTHSM2_CONF=$work/softhsm2.conf softhsm2-util --init-token --free --label "$l" --so-pin 12345678 --pin 123456 \
		>/dev/null || return 1
	openssl genpkey $alg -out "$k/sign.pem" 2>/dev/null
	openssl req -new -key "$k/sign.pem" -subj /CN=x -out "$k/sign.csr" 2>/dev/null
	csr=$(awk '{printf "%s\\n", $0}' "$k/sign.csr")
	st=$(rb_api POST /v1/sandbox/certificates "{\"subject_type\":\"unit\",\"subject_id\":\"$UNIT\",\"csr\":\"$csr\",\"not_before\":$((now + (left - 335) * 86400)),\"not_after\":$((now + left * 86400))}")
	[ "$st" = 201 ] || { echo "# sandbox certificate: $st $(cat "$work/out")" >&2; return 1; }
	jfield certificate >"$k/sign.crt"
	openssl genpkey $alg -out "$k/enc.pem" 2>/dev/null
	openssl req -x509 -new -key "$k/enc.pem" -subj "/CN=$l enc" -days 30 \
		-addext keyUsage=critical,$enc -out "$k/enc.crt" 2>/dev/null
	for u in sign enc; do
		id=01; [ $u = enc ] && id=02
		openssl pkey -in "$k/$u.pem" -outform DER -out "$k/$u.der"
		openssl pkey -in "$k/$u.pem" -pubout -outform DER -out "$k/$u.pub.der"
		openssl x509 -in "$k/$u.crt" -outform DER -out "$k/$u.crt.der"
		for t in privkey:$u.der pubkey:$u.pub.der cert:$u.crt.der; do
			rb_tool --write-object "$k/${t#*:}" --type "${t%%:*}" --id $id --label $u || return 1
		done
	done
	printf 'old seal' >"$k/seal.bin"
	rb_tool --write-object "$k/seal.bin" --type data --label seal --application-label cakiosk-seal
}
rb_tool() {
	SOFTHSM2_CONF=$work/softhsm2.conf pkcs11-tool --module "$SOFTHSM" --token-label "$l" \
		--login --pin 123456 "$@" >"$work/tool.out" 2>&1
}

# From the welcome screen to the renewal's first screen.
rb_to_renew() {
	ck_keys Space
	ck_wait "请选择业务" >/dev/null || return 1
	ck_keys 1
	ck_wait "请插入要更新的UKey" 5 >/dev/null
}

# The payment QR code off the screen: half blocks back to modules, a PBM
# image, decoded by zbarimg.  Prints the text.
rb_qr_url() {
	tmux -L "$sock" capture-pane -p | grep '[▀▄█]' |
		sed 's/█/B/g; s/▀/T/g; s/▄/L/g' >"$work/qr.txt"
	# The QR is the left part: up to the last module column.
	w=$(awk '{ s = $0; sub(/[^BTL]*$/, "", s); if (length(s) > m) m = length(s) } END { print m }' "$work/qr.txt")
	awk -v w="$w" -v q=4 -v sc=4 '
		{ line[NR] = substr($0 "                                                                                ", 1, w) }
		END {
			rows = 2 * NR; W = (w + 2 * q) * sc; H = (rows + 2 * q) * sc
			print "P1"; print W, H
			for (y = 0; y < rows + 2 * q; y++) {
				r = ""
				for (x = 0; x < w + 2 * q; x++) {
					d = 0; ty = y - q; tx = x - q
					if (ty >= 0 && ty < rows && tx >= 0 && tx < w) {
						c = substr(line[int(ty / 2) + 1], tx + 1, 1)
						if (c == "B" || (c == "T" && ty % 2 == 0) || (c == "L" && ty % 2 == 1)) d = 1
					}
					for (k = 0; k < sc; k++) r = r (d ? "1 " : "0 ")
				}
				for (k = 0; k < sc; k++) print r
			}
		}' "$work/qr.txt" >"$work/qr.pbm"
	zbarimg -q --raw "$work/qr.pbm" 2>/dev/null
}
rb_is_pay_url() { case $1 in "$RAURL"/pay/P*) return 0 ;; esac; echo "# decoded: '$1'" >&2; return 1; }
