# apply_lib.sh - the application tests' bed, sourced after lib.sh and
# renew_lib.sh (its cakiosk-ra in sandbox mode over mTLS) and query_lib.sh
# (the sandbox's texts):
#
#   ap_bed                    the backend, and a scanner folder in the kiosk's config
#   ap_to_form ID             welcome -> Apply -> unit or person -> ID -> the record -> the address form
#   ap_fill_address [STREET]  fill the address form (valid)
#   ap_address [STREET]       ... and go on
#   ap_to_confirm [ID]        ... through the e-mail and term to the confirm page
#   ap_verify_unit            confirm order -> the unit (legal rep's mobile) -> the agent (bank card)
#   ap_verify_person          confirm order -> the person (own mobile)
#   ap_to_upload [ID]         ... all of it to the upload step (a unit's, or a person's)
#   ap_sms MOBILE             the SMS code step: send, read the sandbox's text, type it
#   ap_pay                    Alipay, the QR off the screen opened (the sandbox pays)
#   ap_qr_url                 the QR code on the left of the screen, decoded
#   ap_order                  the order number the kiosk made (its log)
#   ap_kb FILE                a file's size as the kiosk says it: KB, rounded up
#   ap_scan_unit              a unit's four documents into the scanner's folder (ap_files)

PERSON=430102198503150022
LEGAL_REP_MOBILE=13800138000
AGENT_MOBILE=13912345678
PERSON_MOBILE=13800138001
CARD=4111111111111111

# The backend (sandbox, mTLS) and the kiosk's scanner folder ($work/scans);
# the test ends at once if the backend does not start.
ap_bed() {
	rb_setup || { not_ok "test bed (backend)"; finish; exit 1; }
	mkdir -p "$work/scans"
	sed -i "s|^\[kiosk\]\$|[kiosk]\nscan_dir = $work/scans|" "$work/cakiosk.conf"
}

# Is ID a unit's credit code (letters in it) rather than a resident ID?
ap_is_unit() { case $1 in *[A-WYZa-wyz]*) return 0 ;; esac; return 1; }

# welcome -> Apply -> unit or person -> ID typed -> the record greyed ->
# the address form.
ap_to_form() {
	ck_keys Space
	ck_wait "请选择业务" >/dev/null || return 1
	ck_keys "$APPLY_ROW"
	ck_wait "请选择证书类型" 5 >/dev/null || return 1
	if ap_is_unit "$1"; then ck_keys 1; else ck_keys 2; fi
	ck_wait "* " 5 >/dev/null || return 1
	ck_type "$1"
	ck_keys Enter
	ck_wait "置灰信息来自统一注册平台" 10 >/dev/null || return 1
	ck_keys Enter
	ck_wait "UKey 寄到哪里？" 5 >/dev/null
}

# The address form filled in (the postcode comes from the record; the
# street "麓山南路1号" unless given), and sent.
ap_fill_address() {
	ck_type "李娜"
	ck_keys Tab
	ck_type "13912345678"
	ck_keys Tab
	ck_type "湖南省长沙市岳麓区"
	ck_keys Tab
	ck_type "${1:-麓山南路1号}"
}
ap_address() {
	ap_fill_address "$@"
	ck_keys Tab Enter
	ck_wait "* 电子发票邮箱" 5 >/dev/null
}

# To the confirm page (the e-mail and term as the record and default give).
ap_to_confirm() {
	ap_to_form "${1:-$UNIT}" || return 1
	ap_address || return 1
	ck_keys Enter Enter
	ck_wait "请再次核对订单" 5 >/dev/null
}

# ap_method N FIELD VALUE: the verify step's method N, its field typed.
ap_method() {
	ck_keys "$1"
	ck_wait "$2" 5 >/dev/null || return 1
	ck_type "$3"
	ck_keys Enter
}
# From the confirm page: the order made, the unit verified by its legal
# representative's mobile (or ap_verify_unit N FIELD VALUE: the unit's
# method N), the agent by a bank card: the upload step.
ap_verify_unit() {
	ck_keys Enter
	ck_wait "单位身份核验：请选择一种方式。" 10 >/dev/null || return 1
	ap_method "${1:-1}" "${2:-* 法定代表人手机号}" "${3:-$LEGAL_REP_MOBILE}" || return 1
	ck_wait "经办人身份核验：请选择一种方式。" 10 >/dev/null || return 1
	ap_method 2 "* 经办人银行卡号" "$CARD" || return 1
	ck_wait "请用手机扫码上传申请资料" 10 >/dev/null
}
ap_verify_person() {
	ck_keys Enter
	ck_wait "个人身份核验：请选择一种方式。" 10 >/dev/null || return 1
	ap_method 1 "* 本人手机号" "$PERSON_MOBILE" || return 1
	ck_wait "请用手机扫码上传申请资料" 10 >/dev/null
}

# All the way to the upload step's QR code.
ap_to_upload() {
	ap_to_confirm "${1:-$UNIT}" || return 1
	if ap_is_unit "${1:-$UNIT}"; then ap_verify_unit; else ap_verify_person; fi
}

# ap_sms MOBILE: on the SMS step, send the code and type the one the
# sandbox's SMS gateway holds for MOBILE.
ap_sms() {
	ck_wait "发送验证码" 10 >/dev/null || return 1
	ck_keys Enter
	ck_wait "验证码已发送到" 10 >/dev/null || return 1
	ck_type "$(q_code "$1")"
	ck_keys Enter
}

# On the payment's channel choice: Alipay, the QR code paid as a phone would.
ap_pay() {
	ck_wait "支付宝" 10 >/dev/null || return 1
	ck_keys 1
	ck_wait "请用支付宝扫码支付" 10 >/dev/null || return 1
	rb_pay
}

# The QR code at the left of the body, read as a phone would: each line's
# run of half blocks and spaces up to the first other character (the list
# beside it), back to modules, a PBM image, zbarimg.  Tried for up to 5 s.
ap_qr_url() {
	qi=0
	while [ $qi -lt 50 ]; do
		qu=$(_ap_qr_decode)
		[ -n "$qu" ] && break
		sleep 0.1
		qi=$((qi + 1))
	done
	printf '%s\n' "$qu"
}
_ap_qr_decode() {
	tmux -L "$sock" capture-pane -p | sed -n '4,$p' | grep '[▀▄█]' |
		sed 's/█/B/g; s/▀/T/g; s/▄/L/g; s/[^ BTL].*//' >"$work/qr.txt"
	w=$(awk '{ s = $0; sub(/ *$/, "", s); if (length(s) > m) m = length(s) } END { print m }' "$work/qr.txt")
	_qr_pbm "$w"
}
ap_is_upload_url() {
	case $1 in "$RAURL"/u/????????????????????????????????) return 0 ;; esac
	echo "# decoded: '$1'" >&2
	return 1
}

ap_order() { sed -n 's/.*apply: order \([0-9A-Za-z]*\) made.*/\1/p' "$work/cakiosk.log" | tail -1; }
ap_kb() { echo $((($(wc -c <"$1") + 1023) / 1024)); }

# Scans as a phone would send them: a PDF, JPEGs, a PNG, each of some size
# with every byte value in it, and a text file named .pdf.  The ID card's
# portrait side is a real photo (a blue card on white, made with
# ImageMagick): the kiosk shows a preview of it; the others only start like
# their type.
ap_files() {
	{ printf '%%PDF-1.4\n'; openssl rand 200000; printf '\n%%%%EOF\n'; } >"$work/licence.pdf"
	convert -size 856x540 xc:white -fill '#2050b0' -draw 'roundrectangle 50,50 806,490 30,30' \
		+noise Gaussian -quality 85 "$work/id-front.jpg"
	{ printf '\377\330\377\340\000\020JFIF\000'; openssl rand 90000; } >"$work/id-back.jpg"
	{ printf '\211PNG\r\n\032\n\000\000\000\rIHDR\000\000\000\100\000\000\000\040\010\006\000\000\000'; openssl rand 100000; } >"$work/seal.png"
	printf 'This is not a scan, only text named .pdf\n' >"$work/forged.pdf"
}
# A unit's four documents, made by ap_files, into the scanner's folder.
ap_scan_unit() {
	ap_files
	cp "$work/licence.pdf" "$work/scans/business_licence.pdf"
	cp "$work/id-front.jpg" "$work/scans/agent_id_front.jpg"
	cp "$work/id-back.jpg" "$work/scans/agent_id_back.jpg"
	cp "$work/seal.png" "$work/scans/seal_form.png"
}
