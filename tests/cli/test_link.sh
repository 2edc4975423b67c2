#!/bin/sh
# test_link.sh - what the kiosk's start loads: cakiosk is not linked with
# libcurl (nor, through it, Kerberos, LDAP, SASL, GnuTLS), asks the dynamic
# linker for no curl_* function, and the libcurl it loads on its first
# backend call (src/client/curl_lazy.h) is installed.  The start itself,
# without libcurl and with it after a call, is tests/screen/test_curl_lazy.sh.
top=$(cd "$(dirname "$0")/../.." && pwd)
B=${B:-build}
bin=$top/$B/cakiosk
n=0 failed=0
# none DESCRIPTION OFFENDERS: one TAP line, a pass when OFFENDERS is empty
# (else they are shown).
none() {
	n=$((n + 1))
	[ -z "$2" ] && echo "ok $n - $1" && return
	failed=$((failed + 1))
	echo "$2" | sed 's/^/# /'
	echo "not ok $n - $1"
}

libs=$(ldd "$bin") || { echo "not ok 1 - ldd reads $B/cakiosk"; echo "1..1"; exit 1; }
none "ldd $B/cakiosk names no libcurl" "$(echo "$libs" | grep -i curl)"
none "... nor what libcurl brings (Kerberos, LDAP, SASL, GnuTLS, librtmp, ssh2)" \
	"$(echo "$libs" | grep -E 'libgssapi|libkrb5|libldap|liblber|libsasl|libgnutls|librtmp|libssh2|libnghttp2|libpsl|libidn2')"
none "no curl_* function left for the dynamic linker to find at start" \
	"$(nm -D --undefined-only "$bin" | grep -w 'curl_[a-z_]*')"
none "libcurl.so.4 (loaded on the first backend call) is installed" \
	"$(ldconfig -p | grep -q 'libcurl\.so\.4 ' || echo 'not in the linker cache')"
echo "1..$n"
[ "$failed" -eq 0 ]
