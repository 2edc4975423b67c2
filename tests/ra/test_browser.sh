#!/bin/sh
# test_browser.sh - cakiosk-ra: the phone upload page and the sandbox pay
# link in a real browser.  Headless Chromium (Debian's chromium package),
# driven through chromedriver's WebDriver API, opens the upload link, chooses
# files in the page's file inputs and presses its button; the test reads what
# the page then shows and checks what the backend stored, byte for byte.
# Skipped when chromium or chromedriver is not installed.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/webdriver.sh"

if [ -z "$CHROMIUM" ] || [ -z "$CHROMEDRIVER" ]; then
	skip "chromium or chromedriver is not installed (Debian packages chromium, chromium-driver)"
	echo "1..$n"
	exit 0
fi
mkfiles
# What a phone would send: scans of some size with every byte value in
# them, a file name with spaces and Chinese, and a "PDF" that is only text.
{ printf '%%PDF-1.4\n'; openssl rand 200000; printf '\n%%%%EOF\n'; } >"$T/营业执照 扫描.pdf"
{ printf '\377\330\377\340\000\020JFIF\000'; openssl rand 150000; } >"$T/id-front.jpg"
{ printf '\211PNG\r\n\032\n\000\000\000\rIHDR\000\000\000\100\000\000\000\040\010\006\000\000\000'; openssl rand 100000; } >"$T/seal.png"
printf 'This is not a scan, only text named .pdf\n' >"$T/forged.pdf"
sha() { openssl dgst -sha256 -r "$1" | cut -c1-64; }
size() { wc -c <"$1" | tr -d ' '; }
# check DESCRIPTION COMMAND...: ok if COMMAND succeeds; else not ok, and a
# screenshot of the page is kept.
check() {
	d=$1; shift
	if "$@"; then ok "$d"; else not_ok "$d"; wd_keep "fail-$n"; fi
}
# shows CSS EXPECTED DESCRIPTION: the element's rendered text is EXPECTED.
shows() {
	got=$(wd_text "$1")
	is "$2" "$got" "$3"
	[ "$2" = "$got" ] || wd_keep "fail-$n"
}
# submitted: after a click on the button, wait for the answer page (it has a
# #stored or #error line, the page before had neither).
submitted() { wd_click '#send' && wd_wait '#stored, #error' 20; }
# doc KIND FIELD: a field of the document KIND in the last documents answer.
doc() {
	i=0
	while [ $i -lt "$(j -n documents)" ]; do
		[ "$(j documents.$i.kind)" = "$1" ] && { j "documents.$i.$2"; return; }
		i=$((i + 1))
	done
}

ra_start --sandbox
t0=$(date +%s)
if wd_start; then
	ok "chromedriver starts a headless Chromium session"
else
	not_ok "chromedriver starts a headless Chromium session"
	done_testing
fi
echo "# browser up in $(($(date +%s) - t0)) s"

login unit "$UNIT1" 13912345678
req POST /v1/orders "{\"kind\":\"apply\",\"subject_type\":\"unit\",\"subject_id\":\"$UNIT1\",\"form\":{\"email\":\"a@example.cn\",\"mobile\":\"13912345678\",\"address\":\"长沙\",\"postcode\":\"410082\"}}"
OID=$(j order.id)
req POST "/v1/orders/$OID/verify" '{"party":"unit","method":"mobile","mobile":"13800138000"}'
req POST "/v1/orders/$OID/verify" '{"party":"agent","method":"mobile","mobile":"13912345678"}'
req POST "/v1/orders/$OID/upload-link"
LINK=$(j url)

# The phone opens the link.
check "the browser opens the upload link" wd_go "$LINK"
absent=
for k in business_licence agent_id_front agent_id_back seal_form send; do
	wd_find "#$k" || absent="$absent #$k"
done
is "" "$absent" "... a file input for each of the four documents and the Upload button"
shows '#st-business_licence' 未上传 "... the business licence is shown as not yet uploaded"

# Two scans chosen in two inputs, one press of the button.
wd_type '#business_licence' "$T/营业执照 扫描.pdf" &&
	wd_type '#agent_id_front' "$T/id-front.jpg"
check "the files are chosen in the page's file inputs" [ "$WD_STATUS" = 200 ]
check "pressing Upload brings the answer page" submitted
shows '#stored' '已收到 2 个文件' "... it says both files were received"
shows '#st-business_licence' 已收到 "... the business licence now shows as received"
shows '#st-agent_id_front' 已收到 "... and the agent's ID card"
shows '#st-seal_form' 未上传 "... the seal sample form still shows as missing"
req GET "/v1/orders/$OID/documents"
is 2 "$(j -n documents)" "the kiosk's document list has the two uploads"
is application/pdf "$(doc business_licence mime)" "... the licence as a PDF"
is "$(size "$T/营业执照 扫描.pdf")" "$(doc business_licence size)" "... of the size of the file"
is "$(sha "$T/营业执照 扫描.pdf")" "$(doc business_licence sha256)" "... byte for byte (SHA-256)"
is image/jpeg "$(doc agent_id_front mime)" "... the ID card as a JPEG"
is "$(sha "$T/id-front.jpg")" "$(doc agent_id_front sha256)" "... byte for byte (SHA-256)"
is "agent_id_back seal_form" "$(j missing.0) $(j missing.1)" "... and says what is still missing"

# A text file named .pdf (the browser sends it as application/pdf).
check "the upload page opens again" wd_go "$LINK"
wd_type '#seal_form' "$T/forged.pdf"
check "a text file named .pdf is sent" submitted
like '只接受 JPEG、PNG 或 PDF' "$(wd_text '#error')" "... the page says only JPEG, PNG or PDF are accepted"
shows '#st-seal_form' 未上传 "... and still shows the seal sample form as missing"
req GET "/v1/orders/$OID/documents"
is 2 "$(j -n documents)" "... nothing was stored"
is "" "$(doc seal_form kind)" "... no seal sample form in the kiosk's list"
is "seal_form type" "$(j refused.0.kind) $(j refused.0.reason)" "... but the refusal is listed for the kiosk to say (kind, reason)"

# The rest, and the page says everything is in.
wd_go "$LINK"
wd_type '#agent_id_back' "$T/doc.jpg" && wd_type '#seal_form' "$T/seal.png"
check "the last two documents are sent" submitted
like '资料已齐全' "$(wd_text '#done')" "... the page says all documents are in"
req GET "/v1/orders/$OID/documents"
is "4 0" "$(j -n documents) $(j -n missing)" "the kiosk sees all four documents"
is "$(sha "$T/seal.png")" "$(doc seal_form sha256)" "... the seal sample form byte for byte (SHA-256)"
wd_go "$LINK"
shows h1 链接已失效 "the closed link shows that it is no longer valid"

# The sandbox pay link opened in the browser pays.
req POST "/v1/orders/$OID/confirm"
req POST "/v1/orders/$OID/payments" '{"channel":"wechat"}'
PAY=$(j payment.code_url) PAYID=$(j payment.id)
wd_go "$PAY"
shows h1 支付成功 "opening the pay link in the browser pays"
req GET "/v1/payments/$PAYID"
is paid "$(j payment.state)" "... and the kiosk sees it paid"

# The seal made at issuance carries the uploaded picture: the bytes the
# browser sent, read back.
CERT=staff-demo
req POST "/v1/orders/$OID/review" '{"decision":"approve"}'
CERT=terminal-demo
newcsr b
req POST "/v1/orders/$OID/certificate" "{\"csr\":\"$(pem_json "$T/b.csr")\"}"
is 201 "$STATUS" "the approved order gets its certificate"
req GET "/v1/seals/$(j seal_id)"
j seal.picture.data | openssl base64 -d -A >"$T/picture"
check "the seal's picture is the seal sample form the browser uploaded, byte for byte" \
	cmp -s "$T/seal.png" "$T/picture"
is "64 32" "$(j seal.picture.width) $(j seal.picture.height)" "... 64x32 as its PNG header says"

echo "# browser test took $(($(date +%s) - t0)) s"
done_testing
