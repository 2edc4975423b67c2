#!/bin/sh
# test_pin.sh - the one PIN step keeps the UKey's retry budget: what cannot
# be the PIN is refused at the keyboard and never sent (CJK, emoji, a paste
# holding them, a PIN outside the token's length limits); the final try is
# spent only after an explicit "yes"; a PIN-pad reader gets no field; the
# install/resume login works on a token at its final try (and one put back
# locked lets the visit end, the paid order waiting); and a certificate
# that cannot be renewed is said so before any PIN is asked.  The PKCS#11
# test module's retry counter (CTL.pins) and its call log are the proof.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/renew_lib.sh"

rb_setup || { not_ok "renewal test bed (backend and tokens)"; finish; exit 1; }
for t in cj ln ft fr pp rs rl; do rb_token $t 30 || { not_ok "token $t"; finish; exit 1; }; done
rb_token r200 200
rb_token e400 -400
ck_start 80x24 || { not_ok "kiosk starts"; finish; exit 1; }

p11log=$work/p11.log
# wrong_tries LABEL: the test module's count of wrong user PINs.
wrong_tries() { cat "$work/ctl.pins" 2>/dev/null | awk -v l="$1" '$1 == l {u = $2} END {print u + 0}'; }
# set_wrong_tries LABEL N: as if N wrong PINs had been typed on the card.
set_wrong_tries() {
	{ [ -f "$work/ctl.pins" ] && awk -v l="$1" '$1 != l' "$work/ctl.pins"; echo "$1 $2 0"; } >"$work/pins.new"
	mv "$work/pins.new" "$work/ctl.pins"
}
logins() { cat "$p11log" 2>/dev/null | grep -c '^C_Login'; }
# insert LABEL [CTL...]: the token alone in the reader, its calls logged.
insert() { l=$1; shift; : >"$p11log"; bed_ctl "present=$l" "log=$p11log" "$@"; }
back_to_menu() { ck_keys Escape; ck_wait "请选择业务" 5 >/dev/null; bed_ctl "present=none"; }
pin_field() { ck_wait "* 证书密码" 10; }
# no_try LABEL: the card saw no login and its retry counter did not move.
no_try() {
	check "... the card never saw a login" [ "$(logins)" = 0 ]
	check "... and its retry counter is untouched" [ "$(wrong_tries "$1")" = 0 ]
}
# The screen in one line, spaces out (a CJK sentence may wrap anywhere).
flat() { tmux -L "$sock" capture-pane -p | tr -d ' \n'; }
# one_word: "locked" on the screen is 锁定, never 锁死.
one_word() { flat | grep -q 锁定 && ! flat | grep -q 锁死; }
# said_once TEXT: TEXT is on the screen exactly once.
said_once() {
	c=$(flat | grep -o "$1" | wc -l)
	[ "$c" = 1 ] || { echo "# '$1' on the screen $c times" >&2; return 1; }
}
# say_yes: the final-try dialog up, its "try" chosen.
say_yes() { ck_wait "这是最后一次机会" 5 >/dev/null && ck_keys Tab Enter; }
# log_in DESCRIPTION: the right PIN typed, the verdict shown, back to the menu.
log_in() {
	ck_type 123456
	ck_keys Enter
	check "$1" ck_wait "此证书可以更新" 10
	back_to_menu
}

# ---- not renewable: said before the PIN ------------------------------------------
rb_to_renew
insert r200
check "200 days left: too early, said before any PIN" ck_wait "证书有效期小于90天时才可办理更新" 10
check "... no PIN field is offered" ck_wait_gone "* 证书密码" 1
check "... and no PIN reached the UKey" [ "$(logins)" = 0 ]
back_to_menu
rb_to_renew
insert e400
check "expired 400 days: too late, said before any PIN" ck_wait "已过期超过1年（365天）" 10
check "... no PIN field is offered" ck_wait_gone "* 证书密码" 1
check "... the advice is given once, pointing to Apply at this kiosk" \
	sh -c "[ \$(tmux -L $sock capture-pane -p | grep -c '可以在本机申请新证书') = 1 ]"
check "... and no PIN reached the UKey" [ "$(logins)" = 0 ]
back_to_menu

# ---- CJK and emoji refused at the keyboard --------------------------------------
rb_to_renew
insert cj
pin_field >/dev/null
ck_type "中"
check "a CJK character in the PIN field is refused in a sentence" ck_wait "密码只含英文字母、数字和符号" 5
ck_type "😀"
ck_keys Enter
check "... an emoji too: nothing is in the field to send" ck_wait "此项为必填项" 5
ck_type 9
ck_wait_gone "密码只含英文字母" 5
tmux -L "$sock" set-buffer -b pin "1234中5678"
tmux -L "$sock" paste-buffer -b pin -d
check "a pasted PIN holding CJK is refused" ck_wait "密码只含英文字母、数字和符号" 5
ck_keys Enter
check "... whole, not sent in part: the field is empty" ck_wait "此项为必填项" 5
no_try cj
log_in "the right PIN in plain ASCII then logs in"

# ---- outside the token's PIN length limits ---------------------------------------
rb_to_renew
insert ln min_pin=6 max_pin=8
pin_field >/dev/null
ck_type 1234
ck_keys Enter
check "a PIN shorter than the token's minimum: its limits are said" ck_wait "这枚UKey的密码为6到8位" 5
check "... and it was not sent" ck_wait "没有发送给UKey"
ck_type 123456789
ck_keys Enter
check "a PIN longer than the token's maximum is refused too" ck_wait "您输入了9位" 5
no_try ln
# Two wrong PINs bring it to its final try: the warning is said once, in
# one word for "locked" (锁定), and not again behind the final-try dialog.
ck_type 000000
ck_keys Enter
ck_wait "再输错几次" 10 >/dev/null
ck_type 000000
ck_keys Enter
check "two wrong PINs: the final try is said" ck_wait "只剩最后一次机会" 10
check "... once, not twice on the screen" said_once "锁"
check "... locked is 锁定, never 锁死" one_word
ck_type 123456
ck_keys Enter
check "the final-try dialog" ck_wait "这是最后一次机会" 5
check "... is the one warning on the screen" said_once "锁"
ck_keys Tab Enter
check "a PIN within the limits logs in" ck_wait "此证书可以更新" 10
back_to_menu

# ---- the final try: asked before it is spent -------------------------------------
set_wrong_tries ft 2
rb_to_renew
insert ft
pin_field >/dev/null
check "at the final try the tries left are said in words" ck_wait "再输错一次密码，这枚UKey就会被锁定"
ck_type Kq7pXw
ck_keys Enter
check "the final try is not spent without asking" ck_wait "这是最后一次机会" 5
check "... no is the default" ck_wait "[ 先不试 ]"
if [ "$(id -u)" = 0 ]; then
	check "... the PIN typed is held while the customer decides" "$tools/memgrep" "$kiosk_pid" Kq7pXw
else
	ok "# SKIP memory check needs root"
fi
ck_keys Enter
check "no keeps the try: the dialog closes, nothing sent" ck_wait "这次机会保留着" 5
if [ "$(id -u)" = 0 ]; then
	check "... and the PIN typed is wiped from the kiosk's memory at once" \
		mem_gone Kq7pXw
else
	ok "# SKIP memory check needs root"
fi
check "... the card never saw a login" [ "$(logins)" = 0 ]
check "... its counter still says two wrong tries" [ "$(wrong_tries ft)" = 2 ]
ck_type 000000
ck_keys Enter
say_yes
check "yes spends it: the wrong PIN locks the UKey" ck_wait "已被锁定" 10
check "... the card's counter reached the limit" [ "$(wrong_tries ft)" = 3 ]
check "... and Unlock is offered here at once, the UKey kept" ck_wait "可以现在就在本机解锁"
check "... as a button" ck_wait "[ 证书解锁 ]" 1
back_to_menu
set_wrong_tries fr 2
rb_to_renew
insert fr
pin_field >/dev/null
ck_type 123456
ck_keys Enter
say_yes
check "yes with the right PIN: logged in" ck_wait "此证书可以更新" 10
check "... and the card's counter is reset" [ "$(wrong_tries fr)" = 0 ]
back_to_menu

# ---- a PIN-pad reader -------------------------------------------------------------
rb_to_renew
insert pp pinpad=1 pinpad_pin=123456
check "a PIN-pad reader: the PIN is entered on the reader" ck_wait "在读卡器的键盘上输入密码" 10
check "... and no field is offered" ck_wait_gone "* 证书密码" 1
ck_keys Enter
check "... the reader's PIN logs in" ck_wait "此证书可以更新" 10
back_to_menu

# ---- the install/resume login on a token at its final try --------------------------
rb_to_renew
rb_login rs
rb_to_pay
check "the key is made while paying" rb_key_made rs
bed_ctl "present=rs" "pull_fn=C_CreateObject"
rb_pay
check "pulled during the certificate write: the kiosk asks for it back" \
	ck_wait "证书更新完成前UKey被拔出了" 20
set_wrong_tries rs 2
insert rs
check "put back at its final try: the PIN is asked to finish" ck_wait "请再次输入证书密码" 10
check "... with the tries left in words" ck_wait "再输错一次密码，这枚UKey就会被锁定"
ck_type 123456
ck_keys Enter
check "... the final try is asked for first" ck_wait "这是最后一次机会" 5
ck_keys Tab Enter
check "... and yes logs in and finishes the paid renewal" ck_wait "证书已更新" 30
check "... with the one payment only" rb_one_payment "$(rb_installed_order)"
check "... and the card's counter is reset" [ "$(wrong_tries rs)" = 0 ]
ck_keys Enter
ck_wait "CA证书" 5 >/dev/null
bed_ctl "present=none"

# ---- put back locked: the visit can end, the paid order waits -------------------
rb_to_renew
rb_login rl
rb_to_pay
check "the key is made while paying" rb_key_made rl
bed_ctl "present=rl" "pull_fn=C_CreateObject"
rb_pay
ck_wait "证书更新完成前UKey被拔出了" 20 >/dev/null
set_wrong_tries rl 3
insert rl
check "put back locked: said so, with where it is unlocked" ck_wait "可以现在就在本机解锁" 10
check "... and that the paid order waits for it" ck_wait "UKey解锁后，在任一自助终端插入即可完成"
check "... Unlock is offered by its button (Enter), Finish is Esc" \
	sh -c "tmux -L $sock capture-pane -p | grep -q '\[ 证书解锁 \]' &&
		tmux -L $sock capture-pane -p | grep -q '\[ 完成 \]'"
ck_keys Enter
check "... Enter takes Unlock here, the UKey kept: its state is read and said" \
	ck_wait "因密码输错次数过多已被锁定" 10
check "... on Unlock's own screen" ck_wait "可以在这里解锁" 1
ck_keys Escape
ck_wait_gone "可以在这里解锁" 5
ck_keys Escape
ck_wait "请按任意键或触摸屏幕开始" 5 >/dev/null
bed_ctl "present=none"
rb_to_renew
insert rl
check "the renewal again: the paid order is found, the UKey still locked" \
	ck_wait "UKey解锁后，在任一自助终端插入即可完成" 10
ck_keys Escape
check "... at its locked PIN, Esc (Finish) ends the visit" ck_wait "请按任意键或触摸屏幕开始" 5
bed_ctl "present=none"

check "no PIN reached the log" sh -c "! grep -q -e 123456 -e 000000 -e Kq7pXw '$work/cakiosk.log'"

finish
