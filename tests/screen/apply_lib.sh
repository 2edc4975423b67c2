# apply_lib.sh - the application tests' bed, sourced after lib.sh and
# renew_lib.sh (its cakiosk-ra in sandbox mode over mTLS):
#
#   ap_to_form ID             welcome -> Apply -> ID -> the record -> the address form
#   ap_address                fill the address form (valid) and go on
#   ap_to_upload [ID]         ... through the e-mail, term and confirm to the upload step
#   ap_qr_url                 the QR code on the left of the screen, decoded
#   ap_order                  the order number the kiosk made (its log)
#   ap_kb FILE                a file's size as the kiosk says it: KB, rounded up

PERSON=430102198503150022

# welcome -> Apply -> ID typed -> the registration record -> address form.
ap_to_form() {
	ck_keys Space
	ck_wait "请选择业务" >/dev/null || return 1
	ck_keys "$APPLY_ROW"
	ck_wait "* 信用代码或身份证号" 5 >/dev/null || return 1
	ck_type "$1"
	ck_keys Enter
	ck_wait "您的注册信息" 10 >/dev/null || return 1
	ck_keys Enter
	ck_wait "UKey 寄到哪里？" 5 >/dev/null
}

# The address form filled in (the postcode comes from the record) and sent.
ap_address() {
	ck_type "李娜"
	ck_keys Tab
	ck_type "13912345678"
	ck_keys Tab
	ck_type "湖南省长沙市岳麓区"
	ck_keys Tab
	ck_type "麓山南路1号"
	ck_keys Tab Enter
	ck_wait "* 电子发票邮箱" 5 >/dev/null
}

# All the way to the upload step's QR code.
ap_to_upload() {
	ap_to_form "${1:-$UNIT}" || return 1
	ap_address || return 1
	ck_keys Enter Enter
	ck_wait "请再次核对订单" 5 >/dev/null || return 1
	ck_keys Enter
	ck_wait "请用手机扫码上传申请资料" 10 >/dev/null
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
# with every byte value in it, and a text file named .pdf.
ap_files() {
	{ printf '%%PDF-1.4\n'; openssl rand 200000; printf '\n%%%%EOF\n'; } >"$work/licence.pdf"
	{ printf '\377\330\377\340\000\020JFIF\000'; openssl rand 150000; } >"$work/id-front.jpg"
	{ printf '\377\330\377\340\000\020JFIF\000'; openssl rand 90000; } >"$work/id-back.jpg"
	{ printf '\211PNG\r\n\032\n\000\000\000\rIHDR\000\000\000\100\000\000\000\040\010\006\000\000\000'; openssl rand 100000; } >"$work/seal.png"
	printf 'This is not a scan, only text named .pdf\n' >"$work/forged.pdf"
}
