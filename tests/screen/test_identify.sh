#!/bin/sh
# test_identify.sh - the identify step and the SMS-code step, through Order
# query, against the real cakiosk-ra (sandbox: its outbox holds the codes
# sent).  Numbers typed at the real field: a resident ID with a lower-case
# x (shown as X), a wrong check digit, a credit code in lower case and one
# with a wrong check character; a number the registry does not know; the
# registration record shown greyed with the manual's sentence.  Codes: the
# agent's masked mobile, a wrong code (tries left), the resend countdown
# (no code sent while it runs, a new one once it is over), the backend's rate limit (429) counted
# down, a code the backend let expire, a code typed wrong until it is
# spent, and the right code opening the customer's orders.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/renew_lib.sh"
. "$(dirname "$0")/query_lib.sh"

rb_setup || { not_ok "test bed (backend)"; finish; exit 1; }
ck_start 80x24 || { not_ok "kiosk starts"; finish; exit 1; }
AGENT=13912345678
no_text() { ! ck_capture | grep -qF -- "$1"; }
# sent_after N MOBILE: after a second, MOBILE has still N texts.
sent_still() { _poll 1 false; [ "$(q_sms_count "$2")" = "$1" ]; }
PERSON=430102198503150022
PERSON_MOBILE=13800138001

# ---- identify: the numbers as typed ------------------------------------------
ck_keys Space
check "the menu offers Order query" ck_wait "订单查询"

ck_keys "$QUERY_ROW"
check "Order query asks whose certificate it is" ck_wait "请选择证书类型" 5
check "... unit or person, in the manual's words" ck_wait "个人数字证书"
q_identify 2 11010519491231002x
check "a lower-case x is taken and shown as X" ck_wait "11010519491231002X" 3
check "... and the number checks out (no complaint)" ck_wait_gone "号码校验不通过" 2
check "not in the registry: a plain sentence" ck_wait "统一注册平台上没有这个身份证号码" 10
check "... and what to do" ck_wait "请先到统一注册平台注册"
ck_keys BSpace
ck_type 1
check "a wrong check digit is said as it is typed" ck_wait "号码校验不通过，请对照证件核对" 3
ck_keys Enter
check "... and Enter does not look it up" ck_wait_gone "正在查询注册信息" 1
ck_keys Escape
ck_wait "请选择证书类型" 5 >/dev/null
q_identify 1 91430100MA4L00011A
check "a credit code with a wrong check character is said at once" ck_wait "号码校验不通过" 3
ck_keys BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace
ck_type "ma4l00011k"
check "a credit code typed in lower case shows in capitals" ck_wait "91430100MA4L00011K" 3
ck_keys Enter
check "the registration record is shown" ck_wait "湖南湘江建设工程有限公司" 10
check "... with the masked numbers only" ck_wait "139****5678"
check "... greyed, with the manual's sentence" ck_wait "置灰信息来自统一注册平台，此处不可修改"
check "the full mobile is never shown" no_text 13912345678

# ---- the SMS code ---------------------------------------------------------------
ck_keys Enter
check "the SMS step says whose mobile the code goes to" ck_wait "单位经办人注册的手机号码" 5
before=$(q_sms_count $AGENT)
ck_keys Enter
check "sent: to the agent's mobile, masked as the backend gives it" ck_wait "验证码已发送到 139****5678" 10
check "... one text went out" [ "$(q_sms_count $AGENT)" = $((before + 1)) ]
check "the code's expiry counts down" ck_wait "有效时间还剩 4:" 3
check "a new code waits for the backend's rate limit, counted down" ck_wait "后可重新获取" 3
t1=$(ck_capture | sed -n 's/.* \([0-9]:[0-9][0-9]\) 后可重新获取.*/\1/p')
_poll 4 no_text "$t1 后可重新获取"
t2=$(ck_capture | sed -n 's/.* \([0-9]:[0-9][0-9]\) 后可重新获取.*/\1/p')
check "... the countdown moves ($t1 then $t2)" test -n "$t2" -a "$t1" != "$t2"
ck_keys r
check "... and r sends nothing while it runs" sent_still $((before + 1)) $AGENT
code=$(q_code $AGENT)
ck_type "$(q_wrong "$code")"
ck_keys Enter
check "a wrong code says the tries left" ck_wait "验证码不正确，还可以再试4次" 10
check "... and the field is empty again" no_text "$(q_wrong "$code")"
check "once the countdown is over, a new code can be asked for" ck_wait "[ 重新获取验证码 ]" 65
ck_keys r
check "... r sends it" ck_wait "有效时间还剩 4:5" 10
check "... one more text went out" [ "$(q_sms_count $AGENT)" = $((before + 2)) ]
old=$code
code=$(q_code $AGENT)
check "... with a new code" [ -n "$code" -a "$code" != "$old" ]
rb_api POST /v1/sandbox/clock '{"advance": 301}' >/dev/null
ck_type "$code"
ck_keys Enter
check "a code the backend let expire: said plainly" ck_wait "验证码已过期（有效期5分钟）" 10

# The backend's own limit: a code asked for elsewhere a moment ago.
ck_keys Escape
check "back from the code: the number given is there again" ck_wait "91430100MA4L00011K" 5
ck_keys Enter
ck_wait "置灰信息" 10 >/dev/null
rb_api POST /v1/sms '{"subject_type":"unit","subject_id":"'"$UNIT"'"}' >/dev/null
ck_keys Enter
ck_wait "[ 发送验证码 ]" 5 >/dev/null
ck_keys Enter
check "a 429 from the backend is said with when to ask again" \
	ck_wait "获取验证码过于频繁，暂时不能发送。0:5" 10
check "... and nothing was sent" no_text "验证码已发送到"
ck_keys Escape
ck_wait "[ 查询 ]" 5 >/dev/null
ck_keys Escape
ck_wait "请选择证书类型" 5 >/dev/null
ck_keys Escape
ck_wait "请选择业务" 5 >/dev/null
ck_keys Escape
ck_wait "CA证书" 5 >/dev/null

# ---- a code typed wrong until it is spent ---------------------------------------
q_to_identify
q_identify 2 $PERSON
ck_wait "王芳" 10 >/dev/null
ck_keys Enter
check "a person's code goes to their own mobile" ck_wait "您注册的手机号码" 5
ck_keys Enter
ck_wait "验证码已发送到 138****8001" 10 >/dev/null
code=$(q_code $PERSON_MOBILE)
wrong=$(q_wrong "$code")
for i in 1 2 3 4; do
	ck_type "$wrong"
	ck_keys Enter
	ck_wait "还可以再试$((5 - i))次" 10 >/dev/null
done
check "one try left is said as such" ck_wait "还可以再试1次"
ck_type "$wrong"
ck_keys Enter
check "the fifth wrong code: the code no longer works" ck_wait "验证码输错次数过多，已经失效" 10
ck_type "$code"
ck_keys Enter
check "... not even the right one (the backend refuses it too)" \
	ck_wait "验证码已过期（有效期5分钟）" 5
ck_keys Escape Escape Escape Escape
ck_wait "CA证书" 5 >/dev/null

# ---- the right code: the orders ----------------------------------------------------
rb_api POST /v1/sandbox/clock '{"advance": 61}' >/dev/null
check "the right code opens the customer's orders" q_login 1 "$UNIT" $AGENT
check "... under the customer's registered name" ck_wait "单位：湖南湘江建设工程有限公司"
check "... with the certificates" ck_wait "证书"
check "the kiosk's log never holds the ID numbers typed" \
	sh -c "! grep -q -e '$UNIT' -e '$PERSON' -e 11010519491231002X '$work/cakiosk.log'"

finish
