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

. "$(dirname "$0")/renew_lib.sh"

rb_setup || { not_ok "renewal test bed (backend and tokens)"; finish; exit 1; }

# ---- the happy path, 30 days left -------------------------------------
# SoftHSM lists the tokens it found when the kiosk loaded it: make them all first.
rb_token r30 30
rb_token e100 -100
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
end=$(openssl x509 -in "$work/keys-r30/sign.crt" -noout -enddate | cut -d= -f2)
old=$(TZ=Asia/Shanghai date -d "$end" +%Y-%m-%d)
new=$(TZ=Asia/Shanghai date -d "$end + 1 year" +%Y-%m-%d)
today=$(TZ=Asia/Shanghai date +%Y-%m-%d)
check "... with the dates the certificate will carry: today to a year after the old end" \
	ck_wait "新证书有效期：$today 至 $new（原截止日期 $old"
ck_keys Enter
check "the order form marks required fields" ck_wait "* 电子发票邮箱"
check "and shows the price of the term" ck_wait "1 年价格：300.00 元"
ck_keys Enter Enter Enter
check "the e-mail for the e-invoice is required" ck_wait "此项为必填项" 3
ck_type "agent@example.cn"
ck_keys Enter Enter Enter
check "the confirm page" ck_wait "请再次核对订单" 5
check "it shows the new validity, the same dates" ck_wait "$today 至 $new"
ck_keys m
check "返回修改 keeps what was typed" ck_wait "agent@example.cn" 5
ck_keys Enter Enter Enter
ck_wait "请再次核对订单" 5 >/dev/null
ck_keys Enter
check "the payment screen: channel choice" ck_wait "支付宝" 10
ck_keys 1
check "the payment QR code is drawn" ck_wait "请用支付宝扫码支付" 10
check "with the amount, no space after the full-width colon" ck_wait "金额：300.00 元"
check "and a countdown" ck_wait "剩余时间"
url=$(rb_qr_url)
check "the drawn QR code decodes to the payment URL" rb_is_pay_url "$url"
check "under the QR code the footer offers Esc to cancel, not Enter" \
	sh -c "tmux -L $sock capture-pane -p | tail -1 | grep -q 'Esc 取消' && ! tmux -L $sock capture-pane -p | tail -1 | grep -q 'Enter'"
curl -s -o /dev/null --cacert "$CA/ca.crt" "$url"
check "paid: the kiosk moves on and finishes" ck_wait "证书已更新" 20
check "the done screen: PIN unchanged" ck_wait "您的证书密码不变"
check "... and a reminder to take the UKey" ck_wait "请取走您的UKey"
check "the done screen: the encryption key stays" ck_wait "加密密钥保留"
check "the done screen: the order number" ck_wait "订单号"
check "the done screen: the same dates as promised" ck_wait "新有效期：$today 至 $new"
check "the step bar names the last step, every step done" ck_wait "5.下载证书及印章"
check "... and no step is left a bare number" sh -c "! tmux -L $sock capture-pane -p | sed -n 2p | grep -q '[0-9]\. '"
ck_keys i
ck_wait "[ 返回 ]" 5 >/dev/null
check "the e-invoice QR code shown alone says what it is" ck_wait "扫码查看电子发票" 3
url=$(rb_qr_url)
case $url in "$RAURL"/invoice/*) ok "the e-invoice QR code decodes to its link" ;; *) not_ok "the e-invoice QR code decodes to its link ($url)" ;; esac
ck_keys i
rb_check_token r30 30 || :
order=$(rb_installed_order)
if [ "$(id -u)" = 0 ]; then
	check "while the done screen shows it, the kiosk holds the order number" \
		"$tools/memgrep" "$kiosk_pid" "$order"
else
	ok "# SKIP memory check needs root"
fi
ck_keys Enter
check "Finish ends the session" ck_wait "CA证书" 5
ck_wait "请按任意键或触摸屏幕开始" 5 >/dev/null
if [ "$(id -u)" = 0 ]; then
	check "after the renewal the e-mail is wiped from the kiosk's memory" \
		mem_gone agent@example.cn
	check "... and the order number" mem_gone "$order"
	# The session's idempotency keys (order, confirm, payment, certificate,
	# installed): the backend recorded each one the kiosk sent.
	sqlite3 "$work/ra.db" "SELECT DISTINCT key FROM idempotency" >"$work/idem-keys"
	left=
	for k in $(cat "$work/idem-keys"); do mem_gone "$k" || left="$left $k"; done
	check "... and its $(wc -l <"$work/idem-keys") idempotency keys${left:+ (left:$left)}" \
		test -s "$work/idem-keys" -a -z "$left"
else
	ok "# SKIP memory check needs root"
	ok "# SKIP memory check needs root"
	ok "# SKIP memory check needs root"
fi

# ---- the happy path, expired 100 days ---------------------------------
bed_ctl "present=none"
rb_to_renew
bed_ctl "present=e100"
check "expired: the screen says since when" ck_wait "已过期 100 天" 10
rb_login e100
check "expired 100 days: eligible" ck_wait "此证书可以更新" 10
check "expired: the new validity starts on the day it is written" ck_wait "从写入UKey之日起计算"
rb_to_pay
check "expired: paid the same way" rb_pay
check "expired: the kiosk finishes" ck_wait "证书已更新" 20
rb_check_token e100 -100 || :
ck_keys Enter
check "Finish ends the session" ck_wait "CA证书" 5

finish
