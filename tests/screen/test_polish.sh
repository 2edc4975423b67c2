#!/bin/sh
# test_polish.sh - what a newcomer's walk through the demo found, each one
# proven gone on the real kiosk against the real cakiosk-ra (sandbox):
#
#  - F1 on the payment screen: the payment is still polled under the help
#    (the backend sees the polls), so closing the help shows the renewal
#    going on at once;
#  - a UKey pulled on the payment screen is said at once, honestly: the
#    payment is still open, and the renewal finishes when the same UKey is
#    back;
#  - the seal: "renewed" only where there was one, "written" where there
#    was none, and a placeholder picture (a seal from before pictures) is
#    not drawn on Check my UKey as a red block;
#  - the welcome screen and its F1 name the services the menu offers, and
#    the guide to an offered service does not send the customer away;
#  - the order form: +86 understood, a long paste cut where it is said,
#    and a term of 5 years answered with what the term may be.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/renew_lib.sh"

# --verbose: cakiosk-ra logs every call, so the test sees the polls.
RA_OPTS="--verbose"
rb_setup || { not_ok "renewal test bed (backend and tokens)"; finish; exit 1; }
rb_token hp 30
rb_token up 30
rb_token ns 30
rb_tool --delete-object --type data --label seal --application-label cakiosk-seal
rb_token ff 30
ck_start 80x24 || { not_ok "kiosk starts"; finish; exit 1; }

# ---- the welcome screen promises what the menu offers ---------------------------
check "the welcome screen names the services offered" ck_wait "证书申请 · 证书更新 · 证书解锁 · 修改证书密码" 5
check "... over two lines, the change of details among them" _has "UKey证书丢失补办 · UKey证书信息变更 · 订单查询 · 查看我的UKey"
ck_keys F1
check "its F1 names them too" ck_wait "本机可办理：证书申请、证书更新" 5
check "... and sends anything else to the counter" _has "其他证书业务请到柜台办理"
check "... the change of details too, now that the menu offers it" _has "信息变更"
ck_keys Escape
ck_wait_gone "本机可办理" 5 >/dev/null
ck_keys Space
ck_wait "请选择业务" 5 >/dev/null
ck_keys "$GUIDE_ROW"
ck_wait "服务指南" 5 >/dev/null
# The sixth service of the guide, changing a certificate's details, is offered now.
ck_keys 6
check "the guide to the change of details" ck_wait "先到统一注册平台" 5
check "... does not send the customer to the counter" _hasnt "本机暂不办理"
ck_keys Escape
ck_wait "续期UKey中的证书" 5 >/dev/null
ck_keys 2
ck_wait "90" 5 >/dev/null
check "... nor does the guide to another one it offers" _hasnt "本机暂不办理"
ck_keys Escape Escape Escape
ck_wait "请按任意键或触摸屏幕开始" 5 >/dev/null

# Payment polls the backend has answered so far.
polls() { grep -c 'method=GET route=/v1/payments/' "$work/ra.log"; }
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
check "a UKey that had a seal: the seal was renewed" ck_wait "电子印章已一并更新" 3
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

# ---- the seal on a UKey that had none -----------------------------------------
bed_ctl "present=none"
rb_to_renew
rb_login ns
rb_to_pay
rb_pay
check "renewed: a UKey without a seal" ck_wait "证书已更新" 30
check "... is told a seal was written, there was none" ck_wait "已写入电子印章（原先没有）" 3
check "... and not that it was renewed" _hasnt "电子印章已一并更新"
ck_keys Enter
ck_wait "CA证书" 5 >/dev/null
bed_ctl "present=none"
ck_wait "UKey：未插入" 5 >/dev/null
bed_ctl "present=ns"
check "Check my UKey shows the new seal" ck_wait "电子印章：" 10
check "... whose placeholder picture is not drawn, and says so" ck_wait "此印章没有可显示的图案" 3
check "... no block of colour stands for it" sh -c "! tmux -L $sock capture-pane -p | grep -q '[▀▄█]'"

# ---- the order form says what it expects ------------------------------------------
bed_ctl "present=none"
ck_wait "请插入您的UKey" 5 >/dev/null
ck_keys Escape
ck_wait "请选择业务" 5 >/dev/null
ck_keys Escape
ck_wait "请按任意键或触摸屏幕开始" 5 >/dev/null
rb_to_renew
rb_login ff
ck_wait "此证书可以更新" 10 >/dev/null
ck_keys Enter
ck_wait "* 电子发票邮箱" 5 >/dev/null
ck_type "agent@example.cn"
ck_keys Tab
ck_type "+8613800138000"
ck_keys Tab
check "+86 before a mobile number is understood: the number stays whole" ck_wait "13800138000" 3
check "... written plain once the field is left" _hasnt "+8613800138000"
no_mobile_error() { _hasnt "手机号码为11位" && _hasnt "13至19开头" && _hasnt "格式不对"; }
check "... and not refused" no_mobile_error
long=$(printf '%0500d' 0 | tr 0 a)
ck_type "$long"
check "a 500-character paste is cut, and the form says so and to what length" \
	ck_wait "此处最多可填20个字符，超出部分未录入" 5
ck_keys Tab
ck_type 5
ck_keys Tab
check "a term of 5 years: the form says what the term may be" ck_wait "请选择 1、2 或 3 年" 3
check "... not that the format is wrong" _hasnt "格式不对"
ck_keys Up Up Up
for i in 1 2 3 4 5 6 7 8 9 10 11; do ck_keys BSpace; done
ck_type "12800138000"
ck_keys Tab
check "a mobile number no mobile has: the form says how one starts" ck_wait "大陆手机号码以13至19开头" 3

finish
