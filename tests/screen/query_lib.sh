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
