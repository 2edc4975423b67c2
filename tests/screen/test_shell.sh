#!/bin/sh
# test_shell.sh - the kiosk shell under tmux at 80x24 and 132x43: welcome,
# menu, help, language switch, clicks, forms, resize, too small, keys that
# must not end a kiosk, and a clean exit on SIGTERM.
. "$(dirname "$0")/lib.sh"

ck_start 80x24 || { not_ok "kiosk starts"; finish; exit 1; }
check "welcome screen in Chinese at 80x24" ck_screen welcome-80x24

ck_keys Space
check "any key opens the main menu" ck_screen menu-80x24

ck_keys F1
check "F1 shows the menu's help" ck_screen help-menu-80x24
ck_keys Escape
check "Esc closes the help, back on the menu" ck_screen menu-80x24

ck_keys F2
check "F2 switches to English at once" ck_screen menu-en-80x24
ck_keys F2
check "F2 again: back to Chinese" ck_wait "请选择业务"

# The footer's labels are buttons: F2 is at columns 33-42 of the last row.
ck_click 36 24
check "a click on the footer's F2 label switches language" ck_wait "Choose a service"
ck_click 36 24
ck_wait "请选择业务" >/dev/null

# A click on the guide's menu row (rows are 2 lines apart from line 5 at
# 80x24: the menu leaves its gaps out when every row would not fit).
ck_click 20 $((5 + 2 * (GUIDE_ROW - 1)))
check "a click on a menu row opens it" ck_screen guide-80x24
ck_keys 2
check "the guide shows the service's steps in the step bar" \
	ck_wait "1.插入UKey并登录 > 2.录入更新信息 > 3.确认订单 > 4.付款结算"
ck_keys Escape Escape
ck_wait "请选择业务" >/dev/null

# Staff login: a form with a masked field.
ck_keys "$STAFF_ROW"
ck_wait "工号" >/dev/null
ck_type "1234"
ck_keys Tab
ck_type "9999"
check "typed PIN is masked" ck_screen staff-login-typed-80x24
# A click on the staff number field moves the cursor there.
ck_click 22 7
ck_type "5"
check "a click on a field focuses it" ck_wait "12345"
ck_keys BSpace
ck_click 22 9
check "the PIN digits are not on the screen" sh -c "! tmux -L $sock capture-pane -p | grep -q 9999"
ck_keys F2
check "F2 on a form keeps what was typed" ck_screen staff-login-typed-en-80x24
ck_keys F2
ck_keys Enter
check "wrong staff PIN says so and empties the PIN" ck_wait "工号或密码不正确" 10
ck_type "123456"
ck_keys Enter
check "right staff PIN opens the staff functions" ck_wait "测试与后台的连接" 10
check "the backend's URL after the full-width colon, no space between" ck_wait "后台：https://" 3
check "the kiosk cannot be closed by staff unless the operator allows it" \
	ck_wait_gone "关闭自助服务程序" 1
ck_keys 1
check "assist mode turns on and shows in the status line" ck_wait "工作人员协助模式"
ck_keys Escape
check "Esc goes back to the customer's menu" ck_wait "请选择业务"
check "... with assist mode kept for the visit" ck_wait "工作人员协助模式"
ck_keys Escape
check "the visit ends at the welcome screen, and assist mode with it" ck_wait_gone "工作人员协助模式"
ck_keys Space
ck_wait "请选择业务" >/dev/null

# Keys that end ordinary programs do nothing here.
ck_keys C-c
ck_keys C-z
ck_keys 'C-\'
ck_keys C-d
# Keys are handled in order: once F2 has acted, the control keys were read.
ck_keys F2
check "Ctrl-C, Ctrl-Z, Ctrl-\\ and Ctrl-D do not end the kiosk" ck_wait "Choose a service"
check "the kiosk process is still the same one" ck_alive
ck_keys F2
ck_wait "请选择业务" >/dev/null

# Resize: bigger lays out again, smaller asks to enlarge, back restores.
ck_resize 132x43
check "re-laid out at 132x43" ck_screen menu-132x43
ck_resize 70x20
check "below 80x24 the kiosk asks for a larger window" ck_screen too-small-70x20
ck_keys Enter
ck_resize 80x24
check "back at 80x24 the same screen returns untouched" ck_screen menu-80x24

# F12 with no backend: no "staff have been called", but where to go.
ck_keys F12
check "F12 with the backend unreachable says the call did not reach staff" \
	ck_wait "呼叫未能送达工作人员" 10
check "... and never that staff were called" _hasnt "已呼叫工作人员"
ck_keys Enter
ck_wait_gone "呼叫未能送达工作人员" >/dev/null

# Esc on the menu ends the visit.
ck_keys Escape
check "Esc on the menu returns to the welcome screen" ck_screen welcome-80x24

kill -TERM "$kiosk_pid"
check "SIGTERM ends the kiosk with status 0" ck_wait "EXIT=0"
check "the terminal is restored (canonical mode) after SIGTERM" ck_wait "icanon"
check "and it is not left in raw mode" sh -c "! tmux -L $sock capture-pane -p | grep -qx -- -icanon"

# Where the operator allows it (a demo), staff close the program cleanly.
printf '[staff]\nallow_quit = 1\n' >>"$work/cakiosk.conf"
ck_start 80x24 || { not_ok "kiosk starts with allow_quit"; finish; exit 1; }
ck_staff_login
check "allowed: the staff functions offer to close the program" ck_wait "5  关闭自助服务程序"
ck_keys 5
check "closing is asked first" ck_wait "要关闭自助服务程序吗" 5
check "... the program still runs" ck_alive
ck_keys Escape
check "... Esc keeps it running" ck_wait_gone "要关闭自助服务程序吗" 5
check "... still the staff functions" _has "5  关闭自助服务程序"
ck_keys 5
ck_wait "要关闭自助服务程序吗" 5 >/dev/null
ck_keys Enter
check "staff close the program: status 0" ck_wait "EXIT=0" 5
check "... and the terminal is restored" ck_wait "icanon"
check "... and the log says who closed it" grep -q "closed by staff" "$work/cakiosk.log"

# A crash restores the terminal too.
kill -TERM "$kiosk_pid" 2>/dev/null
ck_start 80x24 || { not_ok "kiosk starts again"; finish; exit 1; }
ck_keys Space
ck_wait "请选择业务" >/dev/null
kill -SEGV "$kiosk_pid"
check "a crash ends the kiosk with the signal's status" ck_wait "EXIT=139"
check "and the terminal is back in canonical mode" ck_wait "icanon"
check "not raw" sh -c "! tmux -L $sock capture-pane -p | grep -qx -- -icanon"
finish
