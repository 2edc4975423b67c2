#!/bin/sh
# test_apply_matrix.sh - every way of verifying an application, end to end
# at the real kiosk against the real cakiosk-ra: a unit's three methods
# (legal representative's mobile, corporate account transfer memo, legal
# representative's bank card) with each of the agent's two (mobile, bank
# card), and a person's three (mobile, bank card, bank account transfer
# memo).  Each application goes through the form, confirm order, the
# chosen checks, the documents (the kiosk's scanner folder), the SMS code
# and the payment to "under review"; the stored order is then read through
# the API (the methods held, four or three documents, one payment), and
# staff approval must send the PIN the way the chosen method said: in the
# memo of a transfer, or by SMS to the legal representative or applicant.
# One kiosk serves the nine customers in a row; the backend's clock moves
# on an hour between them (one SMS code a minute, five an hour per
# customer).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/renew_lib.sh"
. "$(dirname "$0")/query_lib.sh"
. "$(dirname "$0")/apply_lib.sh"

ap_bed
ck_start 80x24 || { not_ok "kiosk starts"; finish; exit 1; }
ap_files

# The demo's units (credit code, legal representative's and agent's
# mobiles) and persons (ID number, mobile): `cakiosk-ra demo-data`.
"$RA" demo-data >"$work/demo.txt"
unit_field() { awk -v n="$1" -v f="$2" '$1 == "unit" { if (++i == n) print $f }' "$work/demo.txt"; }
person_field() { awk -v n="$1" -v f="$2" '$1 == "person" { if (++i == n) print $f }' "$work/demo.txt"; }

# memo_for OID: the 6-digit code of the sandbox bank's transfer for OID.
memo_for() {
	rb_api GET /v1/sandbox/bank >/dev/null
	mi=0
	while [ "$mi" -lt "$(jfield -n transfers)" ]; do
		if [ "$(jfield "transfers.$mi.order_id")" = "$1" ]; then
			jfield "transfers.$mi.memo" | sed -n 's/.*\([0-9]\{6\}\)$/\1/p'
			return 0
		fi
		mi=$((mi + 1))
	done
	return 1
}

# verify_by PROMPT FIELD VALUE: on a verify step asking PROMPT, method by
# FIELD: "transfer" (start the 0.01 CNY transfer, type its memo), or the
# field's label and the value typed into it.
verify_by() {
	ck_wait "$1" 10 >/dev/null || return 1
	ck_keys "$2"
	if [ "$3" = transfer ]; then
		ck_wait "发起0.01元打款" 5 >/dev/null || return 1
		ck_keys Enter
		ck_wait "* 打款附言中的验证码" 10 >/dev/null || return 1
		ck_type "$(memo_for "$OID")"
	else
		ck_wait "$3" 5 >/dev/null || return 1
		ck_type "$4"
	fi
	ck_keys Enter
}

# scan KIND...: the kiosk's scanner leaves one file per KIND.
scan() {
	for k in "$@"; do
		case $k in
		business_licence) cp "$work/licence.pdf" "$work/scans/$k.pdf" ;;
		*_front) cp "$work/id-front.jpg" "$work/scans/$k.jpg" ;;
		*_back) cp "$work/id-back.jpg" "$work/scans/$k.jpg" ;;
		*) cp "$work/seal.png" "$work/scans/$k.png" ;;
		esac
	done
}

# The method's name as the backend stores it, by its key on the screen.
unit_method() { case $1 in 1) echo mobile ;; 2) echo transfer ;; 3) echo bank_card ;; esac; }
agent_method() { case $1 in 1) echo mobile ;; 2) echo bank_card ;; esac; }
person_method() { case $1 in 1) echo mobile ;; 2) echo bank_card ;; 3) echo transfer ;; esac; }

# has_verification PARTY METHOD: the stored order ($work/out) holds it.
has_verification() {
	"$top/$B/ra-tools/jget" order.verifications <"$work/out" | tr -d ' \n' |
		grep -q "\"party\":\"$1\",\"method\":\"$2\",\"state\":\"verified\""
}

unit_verified() { has_verification unit "$1" && has_verification agent "$2"; }
person_verified() {
	! "$top/$B/ra-tools/jget" order.verifications <"$work/out" | grep -q agent &&
		has_verification person "$1"
}
# docs_paid N: the stored order holds N documents and one payment.
docs_paid() { [ "$(jfield -n order.documents)" = "$1" ] && rb_one_payment "$OID"; }

# to_review ID: one customer from the welcome screen through the form and
# confirm order to the identity check (OID: the order made).
# FRESH: "yes" if the form came up empty (nothing of the customer before).
to_review() {
	ap_to_form "$1" || return 1
	FRESH=yes
	ck_capture | grep -q -e 麓山南路1号 -e 13912345678 -e 李娜 && FRESH=no
	ap_address || return 1
	ck_keys Enter Enter
	ck_wait "请再次核对订单" 5 >/dev/null || return 1
	ck_keys Enter
	ck_wait "身份核验：请选择一种方式。" 10 >/dev/null || return 1
	OID=$(ap_order)
	[ -n "$OID" ]
}

# finish_visit DOCS... -- MOBILE: documents, the SMS code, pay, done.
finish_visit() {
	ck_wait "请用手机扫码上传申请资料" 10 >/dev/null || return 1
	docs=
	while [ "$1" != -- ]; do docs="$docs $1"; shift; done
	shift
	scan $docs
	ck_wait "资料已齐全。" 15 >/dev/null || return 1
	ck_keys Enter
	ap_sms "$1" || return 1
	ap_pay || return 1
	ck_wait "申请已付款，正在等待审核。" 20 >/dev/null
}

# next_customer: the visit ends (a kiosk left elsewhere by a failed
# check starts again, so the next customer is tried all the same); the
# backend's clock an hour on.
next_customer() {
	ck_keys Enter
	if ! ck_wait "请按任意键或触摸屏幕开始" 5 >/dev/null; then
		tmux -L "$sock" kill-server
		ck_start 80x24 || not_ok "the kiosk starts again"
	fi
	rb_api POST /v1/sandbox/clock '{"advance":3601}' >/dev/null
}

# approved KEY TRANSFER-KEY MOBILE WHO: staff approve $OID; the PIN goes in
# a transfer's memo if the method's key was the transfer's, else by SMS to
# WHO's MOBILE (masked in the order).
approved() {
	q_cli review "$OID" approve
	rb_api GET "/v1/orders/$OID" >/dev/null
	if [ "$1" = "$2" ]; then
		check "... approved: the PIN in the memo of a transfer" \
			sh -c 'case $1 in memo:*) exit 0 ;; esac; exit 1' - "$(jfield order.pin_delivery)"
	else
		want="sms:$(echo "$3" | sed 's/^\(...\)....\(....\)$/\1****\2/')"
		check "... approved: the PIN by SMS to $4 ($want)" [ "$(jfield order.pin_delivery)" = "$want" ]
	fi
}

# ---- a unit: 3 × 2 -------------------------------------------------------------------
# The three demo units take two combinations each.
combo=0
for um in 1 2 3; do
	for am in 1 2; do
		combo=$((combo + 1))
		u=$(((combo + 1) / 2))
		cc=$(unit_field "$u" 2)
		lr_mobile=$(unit_field "$u" 7)
		ag_mobile=$(unit_field "$u" 11)
		what="unit $(unit_method $um) × agent $(agent_method $am)"
		to_review "$cc" || { not_ok "$what: to the identity check"; next_customer; continue; }
		case $um in
		1) verify_by "单位身份核验：请选择一种方式。" 1 "* 法定代表人手机号" "$lr_mobile" ;;
		2) verify_by "单位身份核验：请选择一种方式。" 2 transfer ;;
		3) verify_by "单位身份核验：请选择一种方式。" 3 "* 法定代表人银行卡号" "$CARD" ;;
		esac
		if [ "$am" = 1 ]; then
			verify_by "经办人身份核验：请选择一种方式。" 1 "* 经办人手机号" "$ag_mobile"
		else
			verify_by "经办人身份核验：请选择一种方式。" 2 "* 经办人银行卡号" "$CARD"
		fi
		[ "$combo" = 1 ] || check "$what: the form empty, nothing of the customer before" [ "$FRESH" = yes ]
		check "$what: under review at the kiosk" \
			finish_visit business_licence agent_id_front agent_id_back seal_form -- "$ag_mobile"
		rb_api GET "/v1/orders/$OID" >/dev/null
		check "... the backend: $OID under review, the unit $cc" \
			[ "$(jfield order.state) $(jfield order.subject_id)" = "under_review $cc" ]
		check "... the unit by $(unit_method $um), the agent by $(agent_method $am)" \
			unit_verified "$(unit_method $um)" "$(agent_method $am)"
		check "... four documents, paid once" docs_paid 4
		next_customer
		approved "$um" 2 "$lr_mobile" "the legal representative"
	done
done

# ---- a person: 3 ---------------------------------------------------------------------
for pm in 1 2 3; do
	id=$(person_field "$pm" 2)
	mobile=$(person_field "$pm" 4)
	what="person $(person_method $pm)"
	to_review "$id" || { not_ok "$what: to the identity check"; next_customer; continue; }
	case $pm in
	1) verify_by "个人身份核验：请选择一种方式。" 1 "* 本人手机号" "$mobile" ;;
	2) verify_by "个人身份核验：请选择一种方式。" 2 "* 本人银行卡号" "$CARD" ;;
	3) verify_by "个人身份核验：请选择一种方式。" 3 transfer ;;
	esac
	check "$what: the form empty, nothing of the customer before" [ "$FRESH" = yes ]
	check "$what: under review at the kiosk" finish_visit id_front id_back signature_form -- "$mobile"
	rb_api GET "/v1/orders/$OID" >/dev/null
	check "... the backend: $OID under review, the person $id" \
		[ "$(jfield order.state) $(jfield order.subject_id)" = "under_review $id" ]
	check "... verified by $(person_method $pm), no agent" person_verified "$(person_method $pm)"
	check "... three documents, paid once" docs_paid 3
	next_customer
	approved "$pm" 3 "$mobile" "the applicant"
done
finish
