#!/bin/sh
# test_apply_form.sh - the application's form at the real kiosk against the
# real cakiosk-ra (sandbox): unit or person at the identify step, the
# number checked as typed, the registration record shown greyed, every
# field checked as typed with a sentence of what is expected (mobile with
# and without +86, e-mail, postcode, term), the price from the backend,
# "返回修改" keeping everything, and the order the kiosk made read back
# through the API; a subject the registry does not know.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/renew_lib.sh"
. "$(dirname "$0")/query_lib.sh"
. "$(dirname "$0")/apply_lib.sh"

rb_setup || { not_ok "test bed (backend)"; finish; exit 1; }
ck_start 80x24 || { not_ok "kiosk starts"; finish; exit 1; }
scr() { tmux -L "$sock" capture-pane -p; }

# ---- who, and the registration record ---------------------------------------
ck_keys Space
ck_wait "请选择业务" >/dev/null
check "the menu offers the application" ck_wait "证书申请"
ck_keys "$APPLY_ROW"
check "it asks whether a unit or a person applies" ck_wait "请选择证书类型" 5
check "... in the manual's words" ck_wait "个人数字证书"
ck_keys 1
check "a unit: the credit code, marked required" ck_wait "* 统一社会信用代码" 5
ck_type "91430100MA4L00012K"
check "a credit code with a wrong check character is refused as typed" \
	ck_wait "号码校验不通过" 3
ck_keys Enter
no_record() { ! _poll 1 _has "置灰信息来自统一注册平台"; }
check "... and Enter does not look it up" no_record
ck_keys BSpace BSpace
ck_type "1k"
ck_keys Enter
check "the unit's registration record is shown" ck_wait "置灰信息来自统一注册平台" 10
check "... with its name" ck_wait "湖南湘江建设工程有限公司"
check "... and its agent, mobile masked" ck_wait "李娜  430105********0044  139****5678"
check "... and the sentence that it is changed on the registration platform first" \
	ck_wait "统一注册平台修改"
ck_keys Enter
check "the address form marks its fields required" ck_wait "* 收件人" 5
check "... the postcode comes from the record" ck_wait "410082"

# ---- the fields, as typed -----------------------------------------------------
ck_type "李娜"
ck_keys Tab
ck_type "1391234567"
ck_keys Tab
check "a mobile of 10 digits: what a mobile number is" ck_wait "手机号码为11位数字（可带+86）。" 3
ck_keys BTab
ck_keys BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace
ck_type "12912345678"
ck_keys Tab
check "a mobile starting 12: where mobile numbers start" ck_wait "大陆手机号码以13至19开头。" 3
ck_keys BTab
ck_keys BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace
ck_type "+86 139 1234 5678"
ck_keys Tab
check "with +86 and spaces it is understood" ck_wait_gone "手机号码为" 3
check "... and kept as the plain number" ck_wait "13912345678" 3
ck_type "湖南省长沙市岳麓区"
ck_keys Tab
ck_type "麓山南路1号"
ck_keys Tab BSpace
ck_keys Tab
check "a postcode of 5 digits: what a postcode is" ck_wait "邮政编码为6位数字。" 3
ck_keys BTab
ck_type "2"
ck_keys Enter
check "the e-invoice and term form" ck_wait "* 电子发票邮箱" 5
check "... the invoice title is the unit's name, greyed" ck_wait "发票抬头为证书使用单位或个人的名称，不支持修改。"
check "... with the price of one year from the backend" ck_wait "1 年价格：400.00 元"
ck_keys C-u
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30; do
	ck_keys BSpace
done
ck_type "finance@"
ck_keys Tab
check "an e-mail without a domain: what an address looks like" \
	ck_wait "邮箱地址请写成 name@example.cn 的样式。" 3
ck_keys BTab
ck_type "xiangjiang.example.cn"
ck_keys Tab BSpace
ck_type "5"
ck_keys Enter
check "a term of 5 years: which terms there are" ck_wait "1、2 或 3" 3
ck_keys BSpace
ck_type "2"
check "the price follows the term: two years" ck_wait "2 年价格：700.00 元" 3
ck_keys Enter

# ---- confirm, back to edit, confirm --------------------------------------------
check "the confirm page" ck_wait "请再次核对订单。" 5
check "... the mobile as a plain number" ck_wait "13912345678"
check "... the whole address" ck_wait "湖南省长沙市岳麓区麓山南路1号"
check "... the e-mail" ck_wait "finance@xiangjiang.example.cn"
check "... the price of two years" ck_wait "700.00 元"
ck_keys m
check "返回修改 goes back with the e-mail kept" ck_wait "finance@xiangjiang.example.cn" 5
check "... and the term" sh -c "tmux -L $sock capture-pane -p | grep -q '2 年价格：700.00 元'"
ck_keys Escape
check "back once more: the address kept" ck_wait "麓山南路1号" 5
check "... and the mobile" ck_wait "13912345678"
ck_keys Enter Enter Enter Enter Enter
ck_wait "* 电子发票邮箱" 5 >/dev/null
ck_keys Enter Enter
ck_wait "请再次核对订单。" 5 >/dev/null
ck_keys Enter
check "confirming the order leads to verifying the unit" ck_wait "单位身份核验：请选择一种方式。" 10
OID=$(ap_order)
rb_api GET "/v1/orders/$OID" >/dev/null
check "the backend holds the order: a draft application of the unit" \
	[ "$(jfield order.kind) $(jfield order.state) $(jfield order.subject_type) $(jfield order.subject_id)" = "apply draft unit $UNIT" ]
check "... for two years at the backend's price" [ "$(jfield order.term_years) $(jfield order.price)" = "2 70000" ]
check "... the mobile without +86" [ "$(jfield order.form.mobile)" = 13912345678 ]
check "... the address, the postcode, the recipient" \
	[ "$(jfield order.form.address)|$(jfield order.form.postcode)|$(jfield order.form.contact_name)" = "湖南省长沙市岳麓区麓山南路1号|410082|李娜" ]
check "... the e-mail" [ "$(jfield order.form.email)" = finance@xiangjiang.example.cn ]
check "... and the invoice title the registered name" [ "$(jfield order.form.invoice_title)" = 湖南湘江建设工程有限公司 ]
rb_api GET "/v1/sandbox/payments?order=$OID" >/dev/null
check "going back and forth made one order (the log names one)" \
	[ "$(grep -c 'apply: order .* made' "$work/cakiosk.log")" -ge 1 ] 
check "... and every confirm gave the same number" \
	[ "$(sed -n 's/.*apply: order \([0-9A-Za-z]*\) made.*/\1/p' "$work/cakiosk.log" | sort -u | wc -l)" = 1 ]

# ---- a person the registry does not know ---------------------------------------
# A resident ID number with the right check digit (GB 11643) and no record.
id17=43010219900101123
chk=$(echo "$id17" | awk '{ split("7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2", w, " ");
	s = 0; for (i = 1; i <= 17; i++) s += substr($0, i, 1) * w[i];
	print substr("10X98765432", s % 11 + 1, 1) }')
# Back step by step: verify, confirm, e-mail and term, address, the
# record, unit or person, out of the application.
if [ "$(id -u)" = 0 ]; then
	check "while the application is open, the kiosk holds what was typed" \
		"$tools/memgrep" "$kiosk_pid" finance@xiangjiang.example.cn
else
	ok "# SKIP memory check needs root"
fi
esc_to() { ck_keys Escape; ck_wait "$1" 5 >/dev/null; }
esc_to "请再次核对订单。" && esc_to "* 电子发票邮箱" && esc_to "UKey 寄到哪里？"
check "Esc back to the identify step: the credit code kept" esc_to "* 统一社会信用代码  $UNIT"
esc_to "请选择证书类型"
ck_keys Escape
check "Esc back to the start leaves the application" ck_wait "请选择业务" 5
# Out of the middle of the service: its part of the session (the forms)
# and its order are wiped at once, not at the end of the visit.
if [ "$(id -u)" = 0 ]; then
	check "left: the e-mail typed is wiped from the kiosk's memory" \
		mem_gone finance@xiangjiang.example.cn
	check "... the mobile" mem_gone 13912345678
	check "... the address" mem_gone 湖南省长沙市岳麓区麓山南路1号
	check "... the recipient" mem_gone 李娜
	check "... and the order number" mem_gone "$OID"
else
	ok "# SKIP memory check needs root"
fi
ck_keys "$APPLY_ROW"
check "in the same visit the application starts with the number given" \
	ck_wait "* 统一社会信用代码  $UNIT" 5
esc_to "请选择证书类型"
ck_keys 2
ck_wait "* 身份证号码" 5 >/dev/null
ck_type "$id17$chk"
ck_keys Enter
check "a person the registry does not know: said" \
	ck_wait "统一注册平台上没有这个身份证号码" 10
check "... and what to do" ck_wait "请先到统一注册平台注册"
finish
