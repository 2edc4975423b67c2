#!/bin/sh
# test_polish.sh - what a newcomer's walk through the demo found, each one
# proven gone on the real kiosk against the real cakiosk-ra (sandbox):
#
#  - F1 on the payment screen: the payment is still polled under the help
#    (the backend sees the polls), so closing the help shows the renewal
#    going on at once;
#  - a UKey pulled on the payment screen is said at once, honestly: the
#    payment is still open, and the renewal finishes when the same UKey is
#    back.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/renew_lib.sh"

# --verbose: cakiosk-ra logs every call, so the test sees the polls.
RA_OPTS="--verbose"
rb_setup || { not_ok "renewal test bed (backend and tokens)"; finish; exit 1; }
rb_token hp 30
rb_token up 30
ck_start 80x24 || { not_ok "kiosk starts"; finish; exit 1; }

# Payment polls the backend has answered so far.
polls() { grep -c 'GET /v1/payments/' "$work/ra.log"; }
polls_above() { [ "$(polls)" -ge "$1" ]; }
paid_logged() { rb_logged " order [0-9A-Za-z]* paid\$"; }
# Either sign that the paid renewal is going on.
going_on() { _has "支付成功" || _has "请勿拔出UKey" || _has "证书已更新"; }

# ---- F1 while the customer pays ----------------------------------------------
rb_to_renew
rb_login hp
rb_to_pay
url=$(rb_qr_url)
check "the QR code is up" rb_is_pay_url "$url"
rb_key_made hp >/dev/null
ck_keys F1
check "F1 opens the help over the payment screen" ck_wait "任何页面均可使用" 5
rb_mark
p0=$(polls)
check "under the help the kiosk keeps polling the payment (backend saw 2 polls)" \
	_poll 10 polls_above $((p0 + 2))
curl -s -o /dev/null --cacert "$CA/ca.crt" "$url"
check "the payment made under the help is seen under the help" _poll 10 paid_logged
check "... and the help stays up until it is closed" _has "任何页面均可使用"
ck_keys Escape
check "closing the help shows the paid renewal going on at once" _poll 2 going_on
check "... and the renewal finishes" ck_wait "证书已更新" 20
ck_keys Enter
ck_wait "CA证书" 5 >/dev/null
bed_ctl "present=none"

# ---- the UKey pulled while the customer pays ----------------------------------
rb_to_renew
rb_login up
rb_to_pay
url=$(rb_qr_url)
rb_key_made up >/dev/null
bed_ctl "present=none"
check "a UKey pulled during the payment is said at once" ck_wait "UKey已拔出" 3
check "... honestly: the payment is still open" ck_wait "付款仍然有效" 1
check "... the QR code stays up to pay" _has "请用支付宝扫码支付"
check "... and the customer hears what to do: the same UKey back" _has "同一枚UKey"
bed_ctl "present=up"
check "the UKey put back: the warning goes" ck_wait_gone "UKey已拔出" 5
bed_ctl "present=none"
ck_wait "UKey已拔出" 3 >/dev/null
curl -s -o /dev/null --cacert "$CA/ca.crt" "$url"
check "paid while the UKey is out: the kiosk sees the payment" _poll 10 paid_logged
qr_gone_same_ukey() { ck_wait_gone "请用支付宝扫码支付" 10 && _has "同一枚UKey"; }
check "... moves on from the QR code, and asks for the same UKey" qr_gone_same_ukey
bed_ctl "present=up"
ck_wait "证书密码" 10 >/dev/null && ck_type 123456 && ck_keys Enter
check "the same UKey back (and its PIN): the renewal finishes" ck_wait "证书已更新" 30
ck_keys Enter
ck_wait "CA证书" 5 >/dev/null

finish
