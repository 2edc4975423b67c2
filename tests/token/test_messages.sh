#!/bin/sh
# test_messages.sh - the token layer's customer sentences (M_ / token_tr in
# src/token*.c) all have a zh_CN translation in tests/token/token.zh_CN.po,
# which compiles with format checks.  Once they are merged into
# assets/po/zh_CN.po and marked N_, tests/i18n/test_po.sh covers them.
top=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d /tmp/cakiosk-tokmsg.XXXXXX)
trap 'rm -rf "$work"' EXIT
n=0 failed=0
check() { d=$1; shift; n=$((n + 1)); if "$@"; then echo "ok $n - $d"; else failed=$((failed + 1)); echo "not ok $n - $d"; fi; }
cd "$top" || exit 1
xgettext --from-code=UTF-8 -kM_ -ktoken_tr -o "$work/token.pot" src/token*.c 2>/dev/null
if [ -s "$work/token.pot" ]; then
	check "token.zh_CN.po has every token message" msgcmp tests/token/token.zh_CN.po "$work/token.pot"
else
	check "token messages are marked N_ now (covered by tests/i18n)" true
fi
check "token.zh_CN.po compiles with format checks" msgfmt --check -o "$work/t.mo" tests/token/token.zh_CN.po
echo "1..$n"
[ "$failed" -eq 0 ]
