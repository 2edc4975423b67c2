#!/bin/sh
# test_browser.sh - cakiosk-ra: the phone upload page and the sandbox pay
# link in a real browser (headless Chromium from Debian's chromium package).
# Skipped when chromium is not installed.
. "$(dirname "$0")/lib.sh"

CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROMIUM" ]; then
	skip "chromium is not installed (Debian package chromium)"
	echo "1..$n"
	exit 0
fi
mkfiles
ra_start --sandbox
browse() { # URL: the DOM after load, in $T/dom
	timeout 60 "$CHROMIUM" --headless --no-sandbox --disable-gpu --ignore-certificate-errors \
		--user-data-dir="$T/chrome" --dump-dom "$1" >"$T/dom" 2>"$T/chrome.log"
}

login unit "$UNIT1" 13912345678
req POST /v1/orders "{\"kind\":\"apply\",\"subject_type\":\"unit\",\"subject_id\":\"$UNIT1\",\"form\":{\"email\":\"a@example.cn\",\"mobile\":\"13912345678\",\"address\":\"长沙\",\"postcode\":\"410082\"}}"
OID=$(j order.id)
req POST "/v1/orders/$OID/upload-link"
LINK=$(j url)
browse "$LINK"
grep -q 'id="business_licence"' "$T/dom" && ok "the browser renders the upload form" || not_ok "the browser renders the upload form"
grep -q '未上传' "$T/dom" && ok "... showing what is not yet uploaded" || not_ok "... showing what is not yet uploaded"
upload "$LINK" business_licence=@"$T/doc.pdf"
browse "$LINK"
grep -q 'id="st-business_licence" class="ok"' "$T/dom" && ok "after an upload the page shows it as received" || not_ok "after an upload the page shows it as received"
req POST "/v1/orders/$OID/verify" '{"party":"unit","method":"mobile","mobile":"13800138000"}'
req POST "/v1/orders/$OID/verify" '{"party":"agent","method":"mobile","mobile":"13912345678"}'
upload "$LINK" agent_id_front=@"$T/doc.jpg" agent_id_back=@"$T/doc.jpg" seal_form=@"$T/doc.png"
req POST "/v1/orders/$OID/confirm"
req POST "/v1/orders/$OID/payments" '{"channel":"wechat"}'
PAY=$(j payment.code_url); PID_=$(j payment.id)
browse "$PAY"
grep -q '支付成功' "$T/dom" && ok "opening the pay link in a browser pays" || not_ok "opening the pay link in a browser pays"
req GET "/v1/payments/$PID_"
is paid "$(j payment.state)" "... and the kiosk sees it paid"

done_testing
