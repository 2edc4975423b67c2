#!/bin/sh
# test_change.sh - the change of a certificate's details (信息变更) at the
# real kiosk against the real cakiosk-ra (sandbox, mTLS) with a SoftHSM
# UKey holding a unit's signing pair, an encryption pair and an old seal:
# refused while the registration record still holds the certificate's name;
# then, the unit renamed on the registration platform, the new name shown
# beside the old, the agent's SMS code, the order at the change's price,
# the documents, the payment (the new key made meanwhile), review.  Staff
# approve while the customer is gone; the UKey put in again at the welcome
# screen finishes it.  Then pkcs11-tool and openssl: the new subject, the
# new seal bound to the new certificate, the old signing certificate
# revoked (only now), the decryption key kept, the PIN unchanged.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/renew_lib.sh"
. "$(dirname "$0")/query_lib.sh"
. "$(dirname "$0")/apply_lib.sh"

ap_bed
has() { ck_capture | grep -qF -- "$1"; }
# Wrapped text: the lines joined, their indent dropped.
says() { ck_capture | sed 's/^ *//; s/ *$//' | tr -d '\n' | grep -qF -- "$1"; }
# 长沙麓谷科技有限公司, whose agent is 13600136000, renamed later.
LUGU=$("$RA" demo-data | awk '$3 == "长沙麓谷科技有限公司" {print $2}')
OLD_NAME=长沙麓谷科技有限公司 NEW_NAME=长沙麓谷智能科技有限公司 LUGU_AGENT=13600136000
UNIT=$LUGU rb_token CHG 200 || { not_ok "test bed (token)"; finish; exit 1; }
OLD=$(openssl x509 -in "$work/keys-CHG/sign.crt" -noout -serial | cut -d= -f2)
cert_status() { SESSION= q_req GET "/v1/certificates/$1" >/dev/null; jfield certificate.status; }
change_order() { sed -n 's/.*change: order \([0-9A-Za-z]*\) made.*/\1/p' "$work/cakiosk.log" | tail -1; }
ck_start 80x24 || { not_ok "kiosk starts"; finish; exit 1; }

# ---- the registry still holds the certificate's name: refused --------------
ck_keys Space
check "the menu offers the change of details" ck_wait "UKey证书信息变更" 10
ck_keys "$CHANGE_ROW"
check "it asks for the UKey" ck_wait "请插入要变更信息的UKey" 5
bed_ctl present=CHG
check "the UKey's certificate and the PIN" ck_wait "* 证书密码" 10
check "... whose certificate: $OLD_NAME" has "证书：$OLD_NAME"
ck_type 123456
ck_keys Enter
check "the record holds the same name: nothing to change" ck_wait "没有需要变更的信息" 10
check "... change it on the registration platform first" says "请先到统一注册平台修改"
check "... and no order was made" [ -z "$(change_order)" ]

# ---- renamed on the registration platform ---------------------------------
st=$(rb_api POST /v1/sandbox/registry "{\"subject_type\":\"unit\",\"subject_id\":\"$LUGU\",\"name\":\"$NEW_NAME\"}")
check "the unit renamed on the registration platform (sandbox)" [ "$st" = 200 ]
ck_keys Escape
ck_wait "请选择业务" 10 >/dev/null
ck_keys "$CHANGE_ROW"
check "the UKey still in: straight to its PIN" ck_wait "* 证书密码" 10
ck_type 123456
ck_keys Enter
check "the record's new name beside the certificate's" ck_wait "$NEW_NAME" 10
check "... the certificate's old one" has "证书上"
check "... what changes: the unit's name" has "变更内容：单位名称"
ck_keys Enter
ap_sms "$LUGU_AGENT"
check "the agent's SMS code taken: the order" ck_wait "请再次核对订单" 10
check "... at the change's price (the backend's table)" ck_wait "200.00 元" 10
check "... the old end date kept" has "$(TZ=Asia/Shanghai date -d "$(openssl x509 -in "$work/keys-CHG/sign.crt" -noout -enddate | cut -d= -f2)" +%Y-%m-%d)"
ck_keys Enter
check "the order made: the documents" ck_wait "请用手机扫码上传" 10
OID=$(change_order)
SESSION= q_req GET "/v1/orders/$OID" >/dev/null
check "a change order of the certificate, the new name from the registry" \
	[ "$(jfield order.kind) $(jfield order.old_serial) $(jfield order.form.new_name)" = "change $OLD $NEW_NAME" ]
ap_scan_unit
check "the documents arrive" ck_wait "资料已齐全。" 15
rb_mark
ck_keys Enter
ap_pay
check "the new key made while paying" _poll 20 rb_logged "renew: key made while paying: OK"
check "paid: under review" ck_wait "变更已付款，正在等待审核。" 20
check "... paid once" rb_one_payment "$OID"
check "... the old certificate still valid" [ "$(cert_status "$OLD")" = valid ]

# ---- approved while the customer is away; the UKey in again finishes it ---
bed_ctl present=none
check "the UKey taken: the visit ends" ck_wait "请按任意键或触摸屏幕开始" 10
q_cli review "$OID" approve
check "approved by staff (cakiosk-ra review)" [ "$(q_state "$OID")" = approved ]
bed_ctl present=CHG
check "the UKey in at the welcome screen: the approved change is found" ck_wait "证书变更已审核通过" 15
ck_keys Enter
check "... its PIN" ck_wait "* 证书密码" 10
ck_type 123456
ck_keys Enter
check "... approved and paid: not charged again" ck_wait "已审核通过并已付款" 10
ck_keys Enter
check "the new certificate and seal written" ck_wait "证书信息已变更。" 30
check "... with the new name" has "新名称：$NEW_NAME"
check "... the encryption key kept, and why" has "原证书加密的投标文件仍可解密"
check "the order installed" [ "$(q_state "$OID")" = installed ]
check "... the old certificate revoked now" [ "$(cert_status "$OLD")" = revoked ]
bed_ctl present=none
ck_wait "请按任意键或触摸屏幕开始" 10 >/dev/null

# ---- the token, with pkcs11-tool and openssl ------------------------------
rb_check_new CHG
subj=$(openssl x509 -in "$work/new.pem" -noout -subject -nameopt utf8,sep_comma_plus)
check "the new certificate's subject: the new name (O and CN)" sh -c "echo '$subj' | grep -q 'O=$NEW_NAME' && echo '$subj' | grep -q 'CN=$NEW_NAME'"
check "... the same credit code" sh -c "echo '$subj' | grep -q '$LUGU'"
check "... the old end date" [ "$(openssl x509 -in "$work/new.pem" -noout -enddate)" = "$(openssl x509 -in "$work/keys-CHG/sign.crt" -noout -enddate)" ]
check "the new seal: in the new name" [ "$(jfield seal.property.name)" = "$NEW_NAME" ]
openssl x509 -in "$work/new.pem" -outform DER -out "$work/new.cert.der"
check "... whose certList holds the new certificate's DER" \
	sh -c "hex() { od -An -tx1 -v \"\$1\" | tr -d ' \n'; }; hex '$work/seal.der' | grep -q \"\$(hex '$work/new.cert.der')\""
curl -s --cacert "$CA/ca.crt" "$RAURL/crl.der" | openssl crl -inform DER -out "$work/crl.pem"
openssl verify -attime $(($(date +%s) + 120)) -crl_check -CAfile "$CA/ca.crt" -CRLfile "$work/crl.pem" \
	"$work/keys-CHG/sign.crt" >"$work/verify.out" 2>&1
check "the old signing certificate is on the CRL (openssl verify -crl_check)" grep -q "certificate revoked" "$work/verify.out"
openssl verify -attime $(($(date +%s) + 120)) -crl_check -CAfile "$CA/ca.crt" -CRLfile "$work/crl.pem" \
	"$work/new.pem" >"$work/verify.out" 2>&1
check "... the new one passes it" grep -q ": OK" "$work/verify.out"
finish
