#!/bin/sh
# test_apply_upload.sh - documents from the phone, end to end: the real
# kiosk under tmux on its upload step, the real cakiosk-ra (sandbox) over
# mTLS, and a real headless Chromium as the customer's phone.  The upload
# link is read off the kiosk's screen (its QR code, decoded with zbarimg);
# the browser opens it, chooses each document in the page's file inputs and
# presses Upload; the test waits for each to appear on the kiosk's screen.
# A text file named .pdf is refused on both sides.  The stored documents
# are checked through the API, not the kiosk's code.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/renew_lib.sh"
. "$(dirname "$0")/query_lib.sh"
. "$(dirname "$0")/apply_lib.sh"

# The browser harness of the backend tests, on this test's directory.
T=$work
JGET=$top/$B/ra-tools/jget
failures=0
ra_cleanup() { cleanup; }
. "$top/tests/ra/webdriver.sh"
if [ -z "$CHROMIUM" ] || [ -z "$CHROMEDRIVER" ]; then
	echo "ok 1 # SKIP chromium or chromedriver is not installed"
	echo "1..1"
	exit 0
fi
done_now() { failures=$failed; finish; exit; }

rb_setup || { not_ok "test bed (backend)"; done_now; }
ap_files
ck_start 80x24 || { not_ok "kiosk starts"; done_now; }
check "the kiosk reaches the confirm page of a unit's application" ap_to_confirm
check "... the unit verified by its legal representative's bank card, then the agent" \
	ap_verify_unit 3 "* 法定代表人银行卡号" "$CARD"
OID=$(ap_order)
rb_api GET "/v1/orders/$OID" >/dev/null
check "... the backend holds the unit verified by bank_card" \
	sh -c "$top/$B/ra-tools/jget order.verifications <'$work/out' | tr -d ' \n' | grep -q '\"party\":\"unit\",\"method\":\"bank_card\",\"state\":\"verified\"'"
check "the order was made as a draft (its number in the kiosk's log)" test -n "$OID"
check "it lists the four documents of a unit, none received yet" \
	ck_wait "还缺 4 份资料（共 4 份）。"
check "... by name" sh -c "tmux -L $sock capture-pane -p | grep -q '营业执照（加盖公章）' &&
	tmux -L $sock capture-pane -p | grep -q '印章采样表'"
url=$(ap_qr_url)
check "the QR code on the screen decodes to the order's upload page" ap_is_upload_url "$url"

if wd_start; then ok "headless Chromium starts (the phone)"; else not_ok "headless Chromium starts"; done_now; fi
check "the phone opens the link" wd_go "$url"

# upload KIND FILE: choose FILE for KIND in the page and press Upload; the
# page's answer (its #stored or #error line) is awaited.
upload() {
	wd_go "$url" && wd_type "#$1" "$2" && wd_click '#send' && wd_wait '#stored, #error' 20
}
# arrives KIND FILE TYPE LABEL: uploaded, the kiosk shows it within 5 s.
arrives() {
	upload "$1" "$2" || { not_ok "the phone uploads the $4"; return; }
	ok "the phone uploads the $4"
	check "... the kiosk shows it arrived: $3, $(ap_kb "$2") KB" \
		ck_wait "已收到：$3，$(ap_kb "$2") KB" 5
}
arrives business_licence "$work/licence.pdf" PDF "business licence"
check "... the list counts one less missing" ck_wait "还缺 3 份资料（共 4 份）。"
arrives agent_id_front "$work/id-front.jpg" JPEG "agent's ID card (portrait side)"
# preview LABEL: the document's two lines carry a half-block picture at their right.
preview() {
	tmux -L "$sock" capture-pane -p | grep -A1 -F -- "$1" | grep -c '▀▀▀▀▀▀▀▀▀▀▀▀ *$' | grep -qx 2
}
check "... a photo: its small preview beside it (half blocks)" _poll 5 preview "经办人身份证头像面"
check "... in the photo's colours (the blue card)" sh -c "tmux -L $sock capture-pane -p -e | grep -F '经办人身份证头像面' | grep -q '[34]8;5;\\(2[4-7]\\|3[1-3]\\|6[0-9]\\|10[3-5]\\|11[01]\\)m'"
check "... the PDF has none" sh -c "! tmux -L $sock capture-pane -p | grep -A1 -F '营业执照（加盖公章）' | grep -q '▀ *\$'"
arrives agent_id_back "$work/id-back.jpg" JPEG "agent's ID card (emblem side)"
check "... one is still missing" ck_wait "还缺 1 份资料（共 4 份）。"
check "... a file that only starts like a JPEG shows no preview" \
	sh -c "! tmux -L $sock capture-pane -p | grep -A1 -F '经办人身份证国徽面' | grep -q '▀ *\$'"
check "... said only in the log" grep -q "no preview of agent_id_back" "$work/cakiosk.log"

# A text file named .pdf: refused by the page, said at the kiosk.
upload seal_form "$work/forged.pdf"
said=$(wd_text '#error')
check "the page refuses a text file named .pdf" \
	sh -c 'case $1 in *"只接受 JPEG、PNG 或 PDF"*) exit 0 ;; esac; exit 1' - "$said"
check "... and the kiosk says so" ck_wait "“印章采样表”的文件被拒收：只接受" 5
check "... naming the types it takes" ck_wait "JPEG、PNG 或 PDF 文件。"
check "... the seal sample form is still missing there" ck_wait "还缺 1 份资料（共 4 份）。"
rb_api GET "/v1/orders/$OID/documents" >/dev/null
check "... and nothing of it was stored" [ "$(jfield -n documents)" = 3 ]

arrives seal_form "$work/seal.png" PNG "seal sample form"
check "the refusal is no longer said once a good file came" ck_wait_gone "被拒收" 3
check "all four in: the kiosk says so" ck_wait "资料已齐全。"
check "... and offers to confirm the application" ck_wait "[ 确认申请 ]"

rb_api GET "/v1/orders/$OID/documents" >/dev/null
check "the backend holds the four documents, none missing" \
	[ "$(jfield -n documents) $(jfield -n missing)" = "4 0" ]
sha() { openssl dgst -sha256 -r "$1" | cut -c1-64; }
i=0 same=0
while [ $i -lt 4 ]; do
	case $(jfield documents.$i.kind) in
	business_licence) f=licence.pdf ;; agent_id_front) f=id-front.jpg ;;
	agent_id_back) f=id-back.jpg ;; seal_form) f=seal.png ;; *) f=none ;;
	esac
	[ "$(jfield documents.$i.sha256)" = "$(sha "$work/$f")" ] && same=$((same + 1))
	i=$((i + 1))
done
check "... each byte for byte what the phone sent (SHA-256)" [ "$same" = 4 ]
rb_api GET "/v1/orders/$OID" >/dev/null
check "... on the order the kiosk made, still a draft of a unit's application" \
	[ "$(jfield order.kind) $(jfield order.state) $(jfield order.subject_id)" = "apply draft $UNIT" ]

# The sample form: its own QR code, which downloads the PDF.
ck_keys Escape
ck_wait "已核验：经办人银行卡信息认证" 5 >/dev/null
ck_keys Enter
ck_wait "请用手机扫码上传申请资料" 10 >/dev/null
check "back on the step, what was uploaded is still shown" ck_wait "资料已齐全。" 5
ck_keys s
check "S shows the seal sample form's download code" ck_wait "扫码下载印章采样表。"
surl=$(ap_qr_url)
check "... it decodes to the form on the backend" [ "$surl" = "$RAURL/forms/seal-sample-unit.pdf" ]
check "... which is a PDF" sh -c "curl -s --cacert '$CA/ca.crt' '$surl' | head -c 5 | grep -q '%PDF-'"
check "the kiosk logged each arrival with its order" \
	grep -q "upload: order $OID: seal_form arrived" "$work/cakiosk.log"
done_now
