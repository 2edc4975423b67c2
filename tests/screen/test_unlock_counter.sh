#!/bin/sh
# test_unlock_counter.sh - Unlock of a UKey the CA never issued (the
# backend has no SO PIN escrowed for its serial) at the kiosk, against the
# real cakiosk-ra (sandbox) and a SoftHSM token behind the PKCS#11 test
# module: after identity verification, the authorization and the new PIN,
# the screen says in a plain sentence that the UKey was not issued by this
# CA and sends the customer to the counter, with a way on: Back (Esc) to
# Unlock's first step, Esc there (the UKey taken out) to the menu, and Esc
# again gives the next customer the welcome screen.
# The job's side (no SO login, the token untouched) is
# tests/token/test_unlock_counter.sh.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/renew_lib.sh"
. "$(dirname "$0")/unlock_lib.sh"

rb_setup || { not_ok "test bed (backend and tokens)"; finish; exit 1; }
# Made before the kiosk starts (SoftHSM finds its tokens when it is
# loaded), and never escrowed by staff.
rb_token unk 200 || { not_ok "token unk"; finish; exit 1; }
set_wrong_tries unk 3
ck_start 80x24 || { not_ok "kiosk starts"; finish; exit 1; }

check "an unknown UKey: the kiosk takes it to identity verification" u_to_verify unk person
ck_keys 1
ck_wait "* " 5 >/dev/null
ck_type "$U_PERSON_MOBILE"
ck_keys Enter
check "... verified, the authorization confirmed, the new PIN typed twice" u_newpin 135790
check "the sentence: not issued by this CA" ck_wait "这枚UKey不是本CA签发的" 30
check "... and the way on: the counter of this hall" ck_wait "请到本大厅柜台办理"
ck_capture >"$work/counter.txt"
sed 's/^/# /' "$work/counter.txt"
check "... and a Back button" grep -q "返回" "$work/counter.txt"
ck_keys Escape
check "Back leaves the sentence" ck_wait_gone "这枚UKey不是本CA签发的" 10
bed_ctl "present=none"
check "... for Unlock's first step: the UKey taken out, it asks for one" ck_wait "请插入要解锁的UKey" 15
ck_keys Escape
check "Esc there: back to the menu" ck_wait "请选择业务" 10
ck_keys Escape
check "Esc again: the next customer gets the welcome screen" ck_wait "欢迎" 15
ck_keys Space
check "... and the menu" ck_wait "请选择业务" 5
finish
