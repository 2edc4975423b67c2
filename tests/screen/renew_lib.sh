# renew_lib.sh - the renewal tests' bed, sourced after lib.sh: the real
# cakiosk-ra (sandbox) over mTLS and SoftHSM tokens behind the PKCS#11 test
# module, holding certificates that cakiosk-ra itself issued (its sandbox
# endpoint, chosen validity).
#
#   rb_setup                 start cakiosk-ra, write the kiosk's config
#   rb_token LABEL DAYS [rsa|ec]  a token whose certificate has DAYS left
#   rb_to_renew              welcome -> the renewal's first screen
#   rb_login LABEL           insert LABEL alone, type the PIN, wait for the verdict
#   rb_to_pay                validity -> form -> confirm -> Alipay QR
#   rb_pay                   decode the QR off the screen and open it (pays)
#   rb_check_token LABEL DAYS  inspect the token with pkcs11-tool and openssl
#   rb_check_new LABEL       ... the part a renewal and a change share
#   rb_api METHOD PATH [JSON]  the terminal's own call; jfield reads the reply

RA=$top/$B/cakiosk-ra
P11=$top/$B/tests/p11/cakiosk-testp11.so
SOFTHSM=${SOFTHSM_MODULE:-/usr/lib/softhsm/libsofthsm2.so}

# ---- the bed: cakiosk-ra in sandbox mode and SoftHSM tokens ------------
UNIT=91430100MA4L00011K
CA=$work/ca

# rb_hsm: SoftHSM's configuration, its tokens in $work/tokens.
rb_hsm() {
	mkdir -p "$work/tokens"
	cat >"$work/softhsm2.conf" <<CONF
directories.tokendir = $work/tokens
objectstore.backend = file
log.level = ERROR
slots.removable = true
CONF
}

# rb_setup: start cakiosk-ra, write the kiosk's configuration (mTLS with the
# demo terminal certificate, the test module as the one vendor).
rb_setup() {
	rb_hsm
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
	# [backend] keys above must land in [backend]: move them there; the
	# terminal is the one its certificate names (the backend checks).
	tid=$(openssl x509 -in "$CA/terminal-demo.crt" -noout -subject -nameopt sep_multiline |
		sed -n 's/^ *CN=//p')
	sed -i "s/^terminal_id = .*/terminal_id = $tid/" "$work/cakiosk.conf"
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
	"$RA" serve --listen "127.0.0.1:${RA_PORT:-0}" --port-file "$work/ra.port" --db "${RA_DB:-$work/ra.db}" \
		--ca-dir "$CA" --sandbox ${RA_OPTS:-} 2>>"$work/ra.log" &
	ra_pid=$!
	cleanup_extra="kill \$ra_pid 2>/dev/null; [ -z \"\${KEEP_WORK:-}\" ] || cp -r \$work \$KEEP_WORK"
	# A first start makes the CA and the store: under ASan on a loaded
	# machine that took more than 10 s.  The log says why it did not start.
	if ! _poll 30 test -s "$work/ra.port"; then
		tail -n 20 "$work/ra.log" | sed 's/^/# ra.log: /' >&2
		return 1
	fi
	RAURL=https://127.0.0.1:$(cat "$work/ra.port")
	_poll 30 curl -s -o /dev/null --cacert "$CA/ca.crt" "$RAURL/v1/health"
}
rb_ra_stop() { kill "$ra_pid" 2>/dev/null; wait "$ra_pid" 2>/dev/null || :; }

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
	mkdir -p "$k"
	now=$(date +%s)
	SOFTHSM2_CONF=$work/softhsm2.conf softhsm2-util --init-token --free --label "$l" --so-pin 12345678 --pin 123456 \
		>/dev/null || return 1
	alg="-algorithm RSA -pkeyopt rsa_keygen_bits:2048" enc=keyEncipherment
	[ "${3:-rsa}" = ec ] && alg="-algorithm EC -pkeyopt ec_paramgen_curve:P-256" enc=keyAgreement
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
# rb_card LABEL ARGS: pkcs11-tool on token LABEL through the test module, as a card
# in a reader (its PIN counter and lock), not SoftHSM directly.
rb_card() {
	cl=$1; shift
	SOFTHSM2_CONF=$work/softhsm2.conf CAKIOSK_TESTP11_CTL=$work/ctl \
		pkcs11-tool --module "$P11" --token-label "$cl" "$@" >"$work/tool.out" 2>&1
}
rb_tool() {
	SOFTHSM2_CONF=$work/softhsm2.conf pkcs11-tool --module "$SOFTHSM" --token-label "$l" \
		--login --pin 123456 "$@" >"$work/tool.out" 2>&1
}

# From the welcome screen to the renewal's first screen.
rb_to_renew() {
	ck_keys Space
	ck_wait "请选择业务" >/dev/null || return 1
	ck_keys "$RENEW_ROW"
	ck_wait "请插入要更新的UKey" 5 >/dev/null
}

# rb_login LABEL: with the renewal's first screen up, insert LABEL alone and
# log in with its PIN; then the kiosk asks the CA.
rb_login() {
	bed_ctl "present=$1"
	ck_wait "* 证书密码" 10 >/dev/null || return 1
	ck_type 123456
	ck_keys Enter
}

# From "this certificate can be renewed" through the form (e-mail only) and
# the confirm page to the payment's channel choice (rb_to_channel) or the
# Alipay QR code (rb_to_pay); rb_form the form alone.
rb_to_pay() {
	rb_to_channel || return 1
	ck_keys 1
	ck_wait "请用支付宝扫码支付" 10 >/dev/null
}
rb_to_channel() {
	rb_mark
	ck_wait "此证书可以更新" 10 >/dev/null || return 1
	rb_form || return 1
	ck_keys Enter
	ck_wait "支付宝" 10 >/dev/null
}
# From "this certificate can be renewed" (Enter) to the confirm page.
rb_form() {
	ck_keys Enter
	ck_wait "* 电子发票邮箱" 5 >/dev/null || return 1
	ck_keys Enter Enter Enter
	ck_wait "此项为必填项" 3 >/dev/null || return 1
	ck_type "agent@example.cn"
	ck_keys Enter Enter Enter
	ck_wait "请再次核对订单" 5 >/dev/null
}

# Pay as a phone would: the QR code off the screen, its URL opened.
rb_pay() {
	url=$(rb_qr_url)
	rb_is_pay_url "$url" || return 1
	curl -s -o /dev/null --cacert "$CA/ca.crt" "$url"
}

# rb_pairs LABEL: IDs holding both a certificate and its private key, the
# encryption pair (02) left out: the signing certificates that work.
rb_pairs() {
	l=$1
	rb_tool --list-objects || return 1
	awk '/^Certificate Object/ {t = "c"; next} /^Private Key Object/ {t = "k"; next}
		/^[A-Z]/ {t = ""} t && $1 == "ID:" {print t, $2}' "$work/tool.out" |
		awk '{has[$2] = has[$2] $1} END {for (i in has) if (has[i] ~ /c/ && has[i] ~ /k/ && i != "02") print i}'
}
# Has LABEL a working signing certificate?  One other than the first (01)?
rb_working() { [ -n "$(rb_pairs "$1")" ]; }
rb_new_pair() { rb_pairs "$1" >"$work/pairs" && grep -qv '^01$' "$work/pairs"; }
# The kiosk's log from a mark on: rb_mark, then rb_logged TEXT.  Waiting on
# what the kiosk says it did, rather than asking the token from another
# process while the kiosk writes to it: SoftHSM's file store is not made
# for two processes writing at once (a key generation then fails).
rb_mark() { rb_mark_at=$(wc -l <"$work/cakiosk.log"); }
rb_logged() { tail -n "+$((rb_mark_at + 1))" "$work/cakiosk.log" | grep -q -- "$1"; }
# The key made while the customer pays (after rb_to_pay): made, and on the token.
rb_key_made() {
	_poll 20 rb_logged "renew: key made while paying: OK" && rb_has_new_key "$1"
}
# A key made for the renewal, not yet with its certificate?
rb_has_new_key() { l=$1; rb_tool --list-objects --type privkey && grep -q 'label: *cakiosk-renew' "$work/tool.out"; }
# The order the kiosk last installed, from its log.
rb_installed_order() { sed -n 's/.*renew: order \([0-9A-Za-z]*\) installed.*/\1/p' "$work/cakiosk.log" | tail -1; }
# Was order $1 charged exactly once?
rb_one_payment() {
	rb_api GET "/v1/sandbox/payments?order=$1" >/dev/null &&
		[ "$(jfield -n payments)" = 1 ] && [ "$(jfield payments.0.state)" = paid ]
}

# The payment QR code off the screen: half blocks back to modules, a PBM
# image, decoded by zbarimg.  Prints the text.  Tried again for up to 5 s:
# right after a key the QR may not be drawn yet (a loaded machine).
rb_qr_url() {
	qi=0
	while [ $qi -lt 50 ]; do
		qu=$(_qr_decode)
		[ -n "$qu" ] && break
		sleep 0.1
		qi=$((qi + 1))
	done
	printf '%s\n' "$qu"
}
_qr_decode() {
	tmux -L "$sock" capture-pane -p | grep '[▀▄█]' |
		sed 's/█/B/g; s/▀/T/g; s/▄/L/g' >"$work/qr.txt"
	# The QR is the left part: up to the last module column.
	w=$(awk '{ s = $0; sub(/[^BTL]*$/, "", s); if (length(s) > m) m = length(s) } END { print m }' "$work/qr.txt")
	_qr_pbm "$w"
}
# _qr_pbm WIDTH: $work/qr.txt (B, T, L for the half blocks, WIDTH columns
# of it) as a PBM image with a quiet zone, decoded by zbarimg.
_qr_pbm() {
	awk -v w="$1" -v q=4 -v sc=4 '
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

# rb_check_token LABEL DAYS_LEFT: the token holds the new certificate with
# the right validity and a key that matches it, the new seal bound to it,
# no old signing key or certificate, the encryption pair, and PIN 123456.
rb_check_token() {
	left=$2 k=$work/keys-$1
	rb_check_new "$1" || return 1
	old_end=$(openssl x509 -in "$k/sign.crt" -noout -enddate | cut -d= -f2)
	new_end=$(openssl x509 -in "$work/new.pem" -noout -enddate | cut -d= -f2)
	new_start=$(date -d "$(openssl x509 -in "$work/new.pem" -noout -startdate | cut -d= -f2)" +%s)
	if [ "$left" -gt 0 ]; then
		y=$(echo "$old_end" | awk '{print $4}')
		want=$(echo "$old_end" | sed "s/ $y / $((y + 1)) /")
		check "the new validity continues from the old end date (+1 year)" [ "$new_end" = "$want" ]
	else
		now=$(date +%s)
		check "expired: the new validity starts today" [ $((now - new_start)) -lt 600 ]
		y=$(date -u -d "@$new_start" +%Y)
		want=$(date -u -d "@$new_start" "+%b %e %H:%M:%S $((y + 1)) GMT" | sed 's/  / /')
		check "and runs one year" [ "$(echo "$new_end" | sed 's/  / /')" = "$want" ]
	fi
}
# rb_check_new LABEL: the token after a renewal or change, with pkcs11-tool
# and openssl: the PIN unchanged, the old signing pair gone, the encryption
# pair kept, a new certificate of the CA for the key made on the token, and
# the seal bound to it.  Leaves $work/new.pem, $serial and the seal's JSON
# in $work/out.
rb_check_new() {
	l=$1
	rb_tool --list-objects || { not_ok "the PIN is unchanged (log in with it)"; return 1; }
	ok "the PIN is unchanged (pkcs11-tool logs in with it)"
	cp "$work/tool.out" "$work/objects.txt"
	check "the old signing certificate and key are gone" \
		sh -c "! grep -q 'label: *sign\$' '$work/objects.txt' || [ \$(grep -c 'ID: *01\$' '$work/objects.txt') -eq 0 ]"
	check "the encryption certificate and key stay" \
		sh -c "[ \$(grep -c 'ID: *02\$' '$work/objects.txt') -ge 2 ]"
	newid=$(awk '/Certificate Object/ {c = 1} c && /ID:/ {print $2; c = 0}' "$work/objects.txt" | grep -v '^0[12]$' | head -1)
	rb_tool --read-object --type cert --id "$newid" -o "$work/new.der"
	openssl x509 -inform DER -in "$work/new.der" -out "$work/new.pem" 2>/dev/null
	check "a new certificate is on the token, issued by the CA" \
		sh -c "openssl verify -CAfile '$CA/ca.crt' '$work/new.pem' >/dev/null"
	rb_tool --read-object --type pubkey --id "$newid" -o "$work/newkey.der"
	openssl pkey -pubin -inform DER -in "$work/newkey.der" -outform PEM -out "$work/newkey.pem" 2>/dev/null
	openssl x509 -in "$work/new.pem" -noout -pubkey >"$work/certkey.pem"
	check "the key on the token matches the new certificate" cmp -s "$work/newkey.pem" "$work/certkey.pem"
	printf 'renewal proof' >"$work/msg"
	rb_tool --sign --id "$newid" --mechanism SHA256-RSA-PKCS -i "$work/msg" -o "$work/msg.sig"
	check "the private key signs what the certificate verifies" \
		sh -c 'openssl dgst "$@" >/dev/null' -  -sha256 -verify "$work/certkey.pem" -signature "$work/msg.sig" "$work/msg"
	rb_tool --read-object --type data --label seal --application-label cakiosk-seal -o "$work/seal.der"
	serial=$(openssl x509 -in "$work/new.pem" -noout -serial | cut -d= -f2)
	rb_api GET "/v1/certificates/$serial" >/dev/null
	seal_id=$(jfield certificate.seal_id)
	rb_api GET "/v1/seals/$seal_id" >/dev/null
	jfield der | base64 -d >"$work/seal.want" 2>/dev/null
	check "the renewed seal is on the token, the one bound to the new certificate" \
		cmp -s "$work/seal.der" "$work/seal.want"
	check "the seal names the new certificate" [ "$(jfield seal.property.certSerial)" = "$serial" ]
}

# rb_faultproxy: the backend behind tests/tools/faultproxy (after rb_setup,
# before ck_start); the kiosk goes through it and gives up on a call after
# 2 s (each call is tried 3 times before the customer is told).  fault WORD
# sets what the proxy does with the next requests (pass, hang, ...); its
# log ($work/proxy.log) has a line for each connection and each request.
rb_faultproxy() {
	"$tools/faultproxy" "${RAURL##*:}" "$work/fault" >"$work/proxy.port" 2>"$work/proxy.log" &
	proxy_pid=$!
	cleanup_extra="$cleanup_extra; kill $proxy_pid 2>/dev/null"
	_poll 5 test -s "$work/proxy.port" || return 1
	sed -i "s|^url = .*|url = https://127.0.0.1:$(cat "$work/proxy.port")/|
		s|^connect_timeout = .*|connect_timeout = 2\ntimeout = 2|" "$work/cakiosk.conf"
	fault pass
}
fault() { echo "$1" >"$work/fault"; }
