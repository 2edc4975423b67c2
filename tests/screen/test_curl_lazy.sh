#!/bin/sh
# test_curl_lazy.sh - libcurl is no part of the kiosk's start: the welcome
# screen is drawn, and answers keys, while libcurl is not mapped and its
# loading (on the worker, by the first backend call) has not even opened
# the file; after a backend call it is mapped; and a libcurl that cannot be
# loaded is one plain log line, the customer seeing the backend out of
# reach and the kiosk going on.
#
# The kiosk loads the file CAKIOSK_LIBCURL names: a FIFO here, whose open
# blocks the loading worker until the test writes to it.
. "$(dirname "$0")/lib.sh"

# mapped PID: does the process have libcurl mapped?
mapped() { grep -q 'libcurl' "/proc/$1/maps"; }
not_mapped() { ! mapped "$1"; }
logged() { grep -qF -- "$1" "$work/cakiosk.log"; }
# opening_fifo PID: is a thread of PID other than its first (the screen's)
# blocked opening a FIFO (the kernel's wait for the writer)?
opening_fifo() {
	for t in /proc/"$1"/task/*; do
		[ "${t##*/}" != "$1" ] && grep -qx wait_for_partner "$t/wchan" 2>/dev/null &&
			return 0
	done
	return 1
}

# ---- the welcome screen before libcurl -------------------------------------------
mkfifo "$work/libcurl.fifo"
# Whatever happens, nothing stays blocked on the FIFO.
cleanup_extra='exec 9<>"$work/libcurl.fifo" 2>/dev/null; exec 9>&-'
CK_ENV="CAKIOSK_LIBCURL=$work/libcurl.fifo" ck_start 80x24 || {
	not_ok "kiosk starts"
	finish
	exit 1
}
check "the welcome screen is drawn" ck_wait "请按任意键或触摸屏幕开始" 10
check "... with libcurl not mapped (the kiosk is not linked with it)" not_mapped "$kiosk_pid"
# The worker's first backend call (the health check at start) is opening
# the FIFO: the load runs off the screen's thread, which goes on.
check "the first backend call is loading it, on a thread of its own" \
	_poll 10 opening_fifo "$kiosk_pid"
ck_keys Space
check "... while the screen answers keys" ck_wait "请选择业务" 5
check "... and nothing of libcurl is mapped yet" not_mapped "$kiosk_pid"

# ---- a library that cannot be loaded ------------------------------------------------
# Not an ELF file: dlopen fails; so would a missing file or function.
printf 'not a library\n' >"$work/libcurl.fifo"
check "a library that cannot be loaded is logged" \
	_poll 10 logged "backend: cannot load libcurl"
q_query() {
	ck_keys "$QUERY_ROW"
	ck_wait "请选择证书类型" 5 >/dev/null || return 1
	ck_keys 1
	ck_wait "* " 5 >/dev/null || return 1
	ck_type 91430100MA4L00011K
	ck_keys Enter
}
q_query
check "a call shows the customer the backend out of reach" ck_wait "暂时无法连接服务中心" 10
check "... the kiosk still runs" kill -0 "$kiosk_pid"
check "... once logged, not again for each call" \
	[ "$(grep -c 'backend: cannot load libcurl' "$work/cakiosk.log")" -eq 1 ]
check "... libcurl not mapped" not_mapped "$kiosk_pid"
tmux -L "$sock" kill-server

# ---- libcurl after a backend call --------------------------------------------------------
ck_start 80x24 || {
	not_ok "kiosk starts with libcurl"
	finish
	exit 1
}
check "the welcome screen, with the real libcurl" ck_wait "请按任意键或触摸屏幕开始" 10
openssl_flavour() { grep -q '/libcurl\.so\.4' "/proc/$1/maps"; }
check "after the first backend call (the health check) libcurl is mapped" \
	_poll 10 mapped "$kiosk_pid"
check "... Debian's libcurl.so.4, the OpenSSL flavour" openssl_flavour "$kiosk_pid"
check "... its loading logged" logged "backend: libcurl.so.4 loaded"
finish
