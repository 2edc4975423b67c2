#!/bin/sh
# test_renew.sh - the renewal service and the payment screen, end to end:
# the real kiosk under tmux, the real cakiosk-ra (sandbox) over mTLS, and
# SoftHSM tokens behind the PKCS#11 test module holding certificates that
# cakiosk-ra itself issued (its sandbox endpoint, chosen validity).
#
# The payment QR code is read back off the screen and decoded with zbarimg;
# opening the decoded URL is what pays (the sandbox gateway), as a phone
# would.  After the renewal the token is inspected with OpenSC's
# pkcs11-tool and openssl, not with the kiosk's own code.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/renewbed.sh"

# rb_check_token LABEL DAYS_LEFT: the token holds the new certificate with
# the right validity and a key that matches it, the new seal bound to it,
# no old signing key or certificate, the encryption pair, and PIN 123456.
rb_check_token() {
	l=$1 left=$2 k=$work/keys-$1
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
		openssl verify -CAfile "$CA/ca.crt" "$work/new.pem"
	old_end=$(date -d "$(openssl x509 -in "$k/sign.crt" -noout -enddate | cut -d= -f2)" +%s)
	new_end=$(date -d "$(openssl x509 -in "$work/new.pem" -noout -enddate | cut -d= -f2)" +%s)
	new_start=$(date -d "$(openssl x509 -in "$work/new.pem" -noout -startdate | cut -d= -f2)" +%s)
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
	rb_tool --read-object --type pubkey --id "$newid" -o "$work/newkey.der"
	openssl pkey -pubin -inform DER -in "$work/newkey.der" -outform PEM -out "$work/newkey.pem" 2>/dev/null
	openssl x509 -in "$work/new.pem" -noout -pubkey >"$work/certkey.pem"
	check "the key on the token matches the new certificate" cmp -s "$work/newkey.pem" "$work/certkey.pem"
	printf 'renewal proof' >"$work/msg"
	rb_tool --sign --id "$newid" --mechanism SHA256-RSA-PKCS -i "$work/msg" -o "$work/msg.sig"
	check "the private key signs what the certificate verifies" \
		openssl dgst -sha256 -verify "$work/certkey.pem" -signature "$work/msg.sig" "$work/msg"
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

rb_setup || { not_ok "renewal test bed (backend and tokens)"; finish; exit 1; }

# ---- the happy path, 30 days left -------------------------------------
rb_token r30 30
ck_start 80x24 || { not_ok "kiosk starts"; finish; exit 1; }
rb_to_renew
bed_ctl "present=r30"
check "the kiosk shows the certificate's name" ck_wait "证书：湖南湘江建设工程有限公司" 10
check "and the days left" ck_wait "还剩 30 天"
check "the vendor is recognised" ck_wait "厂商：测试CA"
check "the PIN is asked" ck_wait "* 证书密码"
ck_type 123456
ck_keys Enter
check "eligible: fewer than 90 days left" ck_wait "此证书可以更新" 10
check "the new validity continues from the old end date" ck_wait "从原截止日期起顺延"
ck_keys Enter
check "the order form marks required fields" ck_wait "* 电子发票邮箱"
check "and shows the price of the term" ck_wait "1 年价格：300.00 元"
ck_keys Enter Enter Enter
check "the e-mail for the e-invoice is required" ck_wait "此项为必填项" 3
ck_type "agent@example.cn"
ck_keys Enter Enter Enter
check "the confirm page" ck_wait "请再次核对订单" 5
check "it shows the new validity" ck_wait "新有效期"
ck_keys m
check "返回修改 keeps what was typed" ck_wait "agent@example.cn" 5
ck_keys Enter Enter Enter
ck_wait "请再次核对订单" 5 >/dev/null
ck_keys Enter
check "the payment screen: channel choice" ck_wait "支付宝" 10
ck_keys 1
check "the payment QR code is drawn" ck_wait "请用支付宝扫码支付" 10
check "with the amount" ck_wait "300.00"
check "and a countdown" ck_wait "剩余时间"
url=$(rb_qr_url)
check "the drawn QR code decodes to the payment URL" rb_is_pay_url "$url"
ck_screen pay-qr-80x24 >/dev/null 2>&1 || :
curl -s -o /dev/null --cacert "$CA/ca.crt" "$url"
check "paid: the kiosk moves on and finishes" ck_wait "证书已更新" 20
check "the done screen: PIN unchanged" ck_wait "您的证书密码不变"
check "the done screen: the encryption key stays" ck_wait "加密密钥保留"
check "the done screen: the order number" ck_wait "订单号"
ck_keys i
url=$(rb_qr_url)
case $url in "$RAURL"/invoice/*) ok "the e-invoice QR code decodes to its link" ;; *) not_ok "the e-invoice QR code decodes to its link ($url)" ;; esac
ck_keys i
rb_check_token r30 30 || :
ck_keys Enter
check "Finish ends the session" ck_wait "CA证书" 5

finish
