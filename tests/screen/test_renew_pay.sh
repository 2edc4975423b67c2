#!/bin/sh
# test_renew_pay.sh - the payment screen when the customer does not pay:
# cancelled with Esc, or left until the payment runs out (cakiosk-ra's
# sandbox --pay-ttl makes that 10 seconds).  Either way the order is
# cancelled at the backend, nothing is charged, the key made on the UKey
# while paying is removed again, the old payment link no longer pays, and
# the customer can go back and pay a new order.  A customer who pays at
# the very moment they press Esc is not asked again: the backend's word
# counts and the renewal goes on.  Going back from the channel choice
# cancels the confirmed order too.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/renew_lib.sh"

RA_OPTS="--pay-ttl 10"
rb_setup || { not_ok "renewal test bed (backend and tokens)"; finish; exit 1; }
rb_token pc 30
rb_token pt 30
rb_token pl 30
rb_token pe 30
ck_start 80x24 || { not_ok "kiosk starts"; finish; exit 1; }

# rb_keys LABEL: the private keys on the token, one label per line.
rb_keys() {
	rb_card "$1" --login --pin 123456 --list-objects --type privkey &&
		sed -n 's/^ *label: *//p' "$work/tool.out"
}
no_new_key() { rb_keys "$1" >"$work/keys.txt" && ! grep -qx cakiosk-renew "$work/keys.txt"; }
# Once the kiosk says it removed the unpaid key, it is gone from the token.
key_removed() { _poll 10 rb_logged "unpaid key discarded: OK" && no_new_key "$1"; }
# The order of the last payment that ended unpaid, or was paid, from the
# kiosk's log.
last_order() { sed -n 's/.*order \([0-9A-Za-z]*\): payment .*/\1/p' "$work/cakiosk.log" | tail -1; }
paid_order() { sed -n 's/.* order \([0-9A-Za-z]*\) paid$/\1/p' "$work/cakiosk.log" | tail -1; }
order_state() { rb_api GET "/v1/orders/$1" >/dev/null && jfield order.state; }
payment_state() { rb_api GET "/v1/payments/$1" >/dev/null && jfield payment.state; }

# ---- cancelled ----------------------------------------------------------------
rb_to_renew
rb_login pc
rb_to_pay
url1=$(rb_qr_url)
check "the QR code is up" rb_is_pay_url "$url1"
check "while the customer pays, the new key is made on the UKey" rb_key_made pc
ck_keys Escape
check "Esc cancels: nothing was charged" ck_wait "支付已取消，未扣任何费用" 10
check "... and the key made while paying is removed" key_removed pc
check "... the old signing key stays" grep -qx sign "$work/keys.txt"
o1=$(last_order)
check "the order is cancelled at the backend" [ "$(order_state "$o1")" = cancelled ]
p1=${url1##*/}
curl -s -o /dev/null --cacert "$CA/ca.crt" "$url1"
check "the cancelled payment's link no longer pays" [ "$(payment_state "$p1")" = cancelled ]
check "... and the order stays cancelled" [ "$(order_state "$o1")" = cancelled ]
ck_keys Enter
check "Back returns to the confirm page with the order as typed" ck_wait "agent@example.cn" 5
ck_keys Enter
ck_wait "支付宝" 10 >/dev/null
ck_keys 1
ck_wait "请用支付宝扫码支付" 10 >/dev/null
url2=$(rb_qr_url)
check "confirming again makes a new payment" test -n "$url2" -a "$url2" != "$url1"
rb_pay
check "paying it renews" ck_wait "证书已更新" 20
o2=$(paid_order)
check "a new order was paid, not the cancelled one" test -n "$o2" -a "$o2" != "$o1"
check "... and installed" [ "$(rb_installed_order)" = "$o2" ]
check "the cancelled order was never charged" [ "$(order_state "$o1")" = cancelled ]
rb_api GET "/v1/sandbox/payments?order=$o1" >/dev/null
check "... its one payment is cancelled" \
	test "$(jfield -n payments)" = 1 -a "$(jfield payments.0.state)" = cancelled
ck_keys Enter
ck_wait "CA证书" 5 >/dev/null
bed_ctl "present=none"

# ---- the payment runs out -------------------------------------------------------
rb_to_renew
rb_login pt
rb_to_channel
ck_keys 2
check "WeChat Pay: the customer is told to scan with WeChat" ck_wait "请用微信扫码支付" 10
url3=$(rb_qr_url)
check "the countdown starts from the payment's expiry" ck_wait "剩余时间" 3
check "the key is made while paying" rb_key_made pt
check "left unpaid, the payment runs out with a clear sentence" ck_wait "支付超时，本次支付已取消，未扣任何费用" 20
check "... and the key made while paying is removed" key_removed pt
o3=$(last_order)
check "the order is cancelled at the backend" [ "$(order_state "$o3")" = cancelled ]
curl -s -o /dev/null --cacert "$CA/ca.crt" "$url3"
p3=${url3##*/}
check "the expired payment's link no longer pays" sh -c "[ \"\$1\" != paid ]" - "$(payment_state "$p3")"
ck_keys Enter
check "Back returns to the confirm page" ck_wait "请再次核对订单" 5
ck_keys Escape
ck_wait "电子发票邮箱" 5 >/dev/null
ck_keys Escape
ck_wait "离开更新业务" 5 >/dev/null
ck_keys Enter
ck_wait_gone "电子发票邮箱" 5
ck_keys Escape
ck_wait "请选择业务" 5 >/dev/null
bed_ctl "present=none"

# ---- paid at the moment of cancelling --------------------------------------------
rb_to_renew
rb_login pl
rb_to_pay
rb_pay
ck_keys Escape
check "paid just before Esc: the renewal goes on, no second payment" ck_wait "证书已更新" 20
o4=$(rb_installed_order)
check "... and the order is installed" test -n "$o4" -a "$(order_state "$o4")" = installed
check "... with one payment, and that one paid" rb_one_payment "$o4"
ck_keys Enter
ck_wait "CA证书" 5 >/dev/null
bed_ctl "present=none"

# ---- back from the channel choice, before any QR code -----------------------------
rb_to_renew
rb_login pe
rb_to_channel
ck_keys Escape
check "back from the channel choice: the order is cancelled, nothing charged" \
	ck_wait "支付已取消，未扣任何费用" 10
o5=$(last_order)
check "... at the backend too" test -n "$o5" -a "$(order_state "$o5")" = cancelled
ck_keys Enter
check "... and the confirm page is back, as typed" ck_wait "agent@example.cn" 5

finish
