#!/bin/sh
# test_renew_flow.sh - the renewal's steps where a customer leaves in the
# middle: the UKey pulled while the certificate is written (finish now, or
# later at any kiosk; Esc and the idle timeout end the visit and the next
# customer is served, while the paid order waits for the UKey and is
# finished when the UKey is put in again; staff log in from that screen and
# release the kiosk, asked first), Esc on the order form (asked
# first; "no" keeps what was typed; "yes" leaves and wipes it), and the
# done screen cleared when the UKey is taken out.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/renew_lib.sh"

rb_setup || { not_ok "renewal test bed (backend and tokens)"; finish; exit 1; }
for t in wd wi fe dr; do rb_token $t 30 || { not_ok "token $t"; finish; exit 1; }; done
ck_start 80x24 || { not_ok "kiosk starts"; finish; exit 1; }

WELCOME=请按任意键或触摸屏幕开始
COMPANY=湖南湘江建设工程有限公司
to_qr() {
	rb_to_renew
	rb_login "$1"
	rb_to_pay
}
# The order the kiosk last saw paid, from its log.
paid_order() { sed -n 's/.*order \([0-9A-Za-z]*\) paid.*/\1/p' "$work/cakiosk.log" | tail -1; }
order_state() { rb_api GET "/v1/orders/$1" >/dev/null && jfield order.state; }
# Paid and not yet installed: the backend keeps it for the UKey.
order_open() {
	st=$(order_state "$1")
	case $st in paid | issued) return 0 ;; esac
	echo "# order $1: $st" >&2
	return 1
}
no_company() { ! tmux -L "$sock" capture-pane -p | grep -q "$COMPANY"; }

# ---- pulled while the certificate is written; the customer leaves -----------
to_qr wd
check "the key is made while paying" rb_key_made wd
bed_ctl "present=wd" "pull_fn=C_CreateObject"
rb_pay
check "pulled during the write: the kiosk asks for it back" ck_wait "证书更新完成前UKey被拔出了" 20
check "... or offers to finish later, at any kiosk" ck_wait "下次把这枚UKey插入任意一台自助终端"
check "... with a way out" ck_wait "[ 以后再完成 ]"
order=$(paid_order)
ck_keys Escape
check "Esc: the visit ends, the next customer gets the welcome screen" ck_wait "$WELCOME" 5
check "... with nothing of the last visit on it" no_company
check "the order stays open at the backend (paid, not installed)" order_open "$order"
ck_keys Space
check "the next customer can choose a service" ck_wait "请选择业务" 5
ck_keys Escape
ck_wait "$WELCOME" 5 >/dev/null
bed_ctl "present=wd"
check "that UKey put in again, at the welcome screen: the unfinished renewal is said" \
	ck_wait "有一笔已付款但未完成的证书更新" 15
ck_keys Enter
check "... Enter finishes it: the PIN is asked" ck_wait "请再次输入证书密码" 10
ck_type 123456
ck_keys Enter
ck_wait "有一笔已付款但未完成的证书更新" 10 >/dev/null
# Pulled once more while written, and the customer gone: staff release it.
bed_ctl "present=wd" "pull_fn=C_CreateObject"
ck_keys Enter
check "pulled again while written: the kiosk waits for it" ck_wait "证书更新完成前UKey被拔出了" 20
check "... staff can log in from that screen" ck_wait "[ 工作人员 ]"
ck_keys F11
ck_wait "工号" 5 >/dev/null
ck_type 1001
ck_keys Tab
ck_type 123456
ck_keys Enter
check "... the staff functions offer to release the kiosk" ck_wait "3  释放本机" 10
ck_keys 3
check "... asked first" ck_wait "要释放本机吗" 5
ck_keys Escape
check "... no keeps the staff functions" ck_wait_gone "要释放本机吗" 5
ck_keys 3
ck_wait "要释放本机吗" 5 >/dev/null
ck_keys Enter
check "released: the next customer gets the welcome screen" ck_wait "$WELCOME" 5
check "... with nothing of the last visit on it" no_company
check "... the log says staff released it" grep -q "released by staff" "$work/cakiosk.log"
check "... the order stays paid at the backend" order_open "$order"
bed_ctl "present=wd"
check "the UKey put in later: the paid renewal is offered" \
	ck_wait "有一笔已付款但未完成的证书更新" 15
ck_keys Enter
ck_wait "请再次输入证书密码" 10 >/dev/null
ck_type 123456
ck_keys Enter
ck_wait "有一笔已付款但未完成的证书更新" 10 >/dev/null
ck_keys Enter
check "... and finished" ck_wait "证书已更新" 30
check "... the same order" test "$(rb_installed_order)" = "$order"
check "... with the one payment only" rb_one_payment "$order"
ck_keys Enter
ck_wait "CA证书" 5 >/dev/null
bed_ctl "present=none"

# ---- the order form: Esc asks first -------------------------------------------
secret=formesc$$@example.cn
rb_to_renew
rb_login fe
ck_wait "此证书可以更新" 10 >/dev/null
ck_keys Enter
ck_wait "* 电子发票邮箱" 5 >/dev/null
ck_type "$secret"
ck_keys Escape
check "Esc on the order form asks before leaving the renewal" ck_wait "要离开更新业务吗" 5
ck_keys Escape
check "no: the question goes" ck_wait_gone "要离开更新业务吗" 5
check "... and what was typed is kept" ck_wait "$secret"
if [ "$(id -u)" = 0 ]; then
	check "... the kiosk's memory holds it while the form is open" \
		"$tools/memgrep" "$kiosk_pid" "$secret"
else
	ok "# SKIP memory check needs root"
fi
ck_keys Escape
ck_wait "要离开更新业务吗" 5 >/dev/null
ck_keys Enter
check "yes: out of the renewal, to the menu" ck_wait "请选择业务" 5
if [ "$(id -u)" = 0 ]; then
	check "... and what was typed is wiped from the kiosk's memory" \
		mem_gone "$secret"
else
	ok "# SKIP memory check needs root"
fi
ck_keys "$RENEW_ROW"
ck_wait "证书密码" 10 >/dev/null
ck_keys Escape
ck_wait "请选择业务" 5 >/dev/null
ck_keys Escape
ck_wait "$WELCOME" 5 >/dev/null
bed_ctl "present=none"

# ---- the done screen: the UKey taken ends the visit ----------------------------
to_qr dr
rb_pay
check "renewed" ck_wait "证书已更新" 30
check "the done screen shows the company and the order" ck_wait "订单号"
bed_ctl "present=none"
check "the UKey taken out: the visit ends" ck_wait "$WELCOME" 10
check "... the company name and order number are gone" no_company
check "... so is the order number" sh -c "! tmux -L $sock capture-pane -p | grep -q 订单号"

# ---- pulled while writing, then nobody there: the idle timeout -------------------
tmux -L "$sock" kill-server
sed -i 's/^idle_timeout = .*/idle_timeout = 6/; s/^idle_countdown = .*/idle_countdown = 3/' \
	"$work/cakiosk.conf"
ck_start 80x24 || { not_ok "kiosk starts again"; finish; exit 1; }
to_qr wi
check "the key is made while paying" rb_key_made wi
bed_ctl "present=wi" "pull_fn=C_CreateObject"
rb_pay
check "pulled during the write (idle test)" ck_wait "证书更新完成前UKey被拔出了" 20
order=$(paid_order)
check "left alone: the countdown" ck_wait "您还在吗" 15
check "no answer: the visit ends, the welcome screen" ck_wait "$WELCOME" 10
if [ "$(id -u)" = 0 ]; then
	check "... and the order number is wiped from the kiosk's memory" \
		mem_gone "$order"
else
	ok "# SKIP memory check needs root"
fi
check "the order waits, paid, for the UKey" order_open "$order"

finish
