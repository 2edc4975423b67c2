# query_lib.sh - Order query's tests, sourced after lib.sh and renew_lib.sh
# (the real cakiosk-ra in sandbox mode over mTLS):
#
#   q_to_identify              welcome -> menu -> Order query's first screen
#   q_identify KIND NUMBER     1 unit / 2 person, type NUMBER, look it up
#   q_sms_count MOBILE         how many texts the sandbox sent to MOBILE
#   q_code MOBILE              the code of the newest text to MOBILE
#   q_login KIND NUMBER MOBILE identify, send the code, type it: the orders

q_to_identify() {
	ck_keys Space
	ck_wait "请选择业务" >/dev/null || return 1
	ck_keys "$QUERY_ROW"
	ck_wait "请选择证书类型" 5 >/dev/null
}

q_identify() {
	ck_keys "$1"
	ck_wait "* " 5 >/dev/null || return 1
	ck_type "$2"
	ck_keys Enter
}

q_sms_count() {
	rb_api GET "/v1/sandbox/sms?mobile=$1" >/dev/null && jfield -n messages
}
q_code() {
	rb_api GET "/v1/sandbox/sms?mobile=$1" >/dev/null &&
		jfield messages.0.text | sed -n 's/.*验证码为\([0-9]\{6\}\).*/\1/p'
}
# A code that is not the one sent.
q_wrong() { echo "$1" | awk '{ printf "%06d\n", ($1 + 1) % 1000000 }'; }

q_login() {
	q_to_identify || return 1
	q_identify "$1" "$2"
	ck_wait "置灰信息来自统一注册平台" 10 >/dev/null || return 1
	ck_keys Enter
	ck_wait "发送验证码" 5 >/dev/null || return 1
	ck_keys Enter
	ck_wait "验证码已发送到" 10 >/dev/null || return 1
	ck_type "$(q_code "$3")"
	ck_keys Enter
	ck_wait "订单（最新的在前" 10 >/dev/null
}

# ---- orders in chosen states, made through the API as staff would ----------
# (made by the staff certificate, not by the kiosk's terminal: the kiosk
# sees them only with the customer's session, as at another kiosk)
#   q_req METHOD PATH [JSON]   as staff, with $SESSION when set; body in $work/out
#   q_session TYPE ID MOBILE   a customer session for the API calls: $SESSION
#   q_apply [FORM [TERM]]      a draft apply order of $UNIT, verified, documents in: $OID
#                              (FORM: more form members, ',"region":"..."'; Q_AGENT=0:
#                              the agent not verified)
#   q_confirm / q_pay ORDER    confirmed / paid on the sandbox pay page
#   q_cli ARGS                 cakiosk-ra's staff commands on the store
q_req() {
	set -- -s -o "$work/out" -w '%{http_code}' --cacert "$CA/ca.crt" \
		--cert "$CA/staff-demo.crt" --key "$CA/staff-demo.key" -X "$1" "$RAURL$2" \
		${SESSION:+-H "Authorization: Bearer $SESSION"} \
		${3:+-H 'Content-Type: application/json' -H "Idempotency-Key: q$$-$(date +%s%N)" --data-binary "$3"}
	curl "$@"
}
q_session() {
	SESSION=
	q_req POST /v1/sms "{\"subject_type\":\"$1\",\"subject_id\":\"$2\"}" >/dev/null
	c=$(q_code "$3")
	[ "$(q_req POST /v1/sessions "{\"subject_type\":\"$1\",\"subject_id\":\"$2\",\"code\":\"$c\"}")" = 201 ] &&
		SESSION=$(jfield session)
		keep_secret session "$SESSION"
}
q_apply() {
	q_req POST /v1/orders "{\"kind\":\"apply\",\"subject_type\":\"unit\",\"subject_id\":\"$UNIT\",\"term_years\":${2:-1},\"form\":{\"email\":\"agent@example.cn\",\"mobile\":\"13912345678\",\"address\":\"湖南省长沙市岳麓区麓山南路1号\",\"postcode\":\"410082\"${1:-}}}" >/dev/null
	OID=$(jfield order.id)
	q_req POST "/v1/orders/$OID/verify" '{"party":"unit","method":"mobile","mobile":"13800138000"}' >/dev/null
	[ "${Q_AGENT:-1}" = 0 ] ||
		q_req POST "/v1/orders/$OID/verify" '{"party":"agent","method":"bank_card","bank_card":"4111111111111111"}' >/dev/null
	q_req POST "/v1/orders/$OID/upload-link" '{}' >/dev/null
	printf '%%PDF-1.4\n%%fake\n' >"$work/doc.pdf"
	printf '\377\330\377\340\0\020JFIFfake' >"$work/doc.jpg"
	printf '\211PNG\r\n\032\n\0\0\0\rIHDRfake' >"$work/doc.png"
	curl -s -o /dev/null --cacert "$CA/ca.crt" -F business_licence=@"$work/doc.pdf" \
		-F agent_id_front=@"$work/doc.jpg" -F agent_id_back=@"$work/doc.jpg" \
		-F seal_form=@"$work/doc.png" "$(jfield url)"
}
q_confirm() { [ "$(q_req POST "/v1/orders/$1/confirm" '{}')" = 200 ]; }
q_pay() {
	q_req POST "/v1/orders/$1/payments" '{"channel":"alipay"}' >/dev/null &&
		curl -s -o /dev/null --cacert "$CA/ca.crt" "$(jfield payment.code_url)"
}
q_cli() { "$RA" "$@" --db "$work/ra.db" --ca-dir "$CA" >>"$work/cli.log" 2>&1; }
q_state() { SESSION= q_req GET "/v1/orders/$1" >/dev/null; jfield order.state; }
