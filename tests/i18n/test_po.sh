#!/bin/sh
# test_po.sh - every message in the sources has a zh_CN translation, the
# catalogue compiles, format strings agree, and it keeps no message the
# sources dropped.
top=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d /tmp/cakiosk-po.XXXXXX)
trap 'rm -rf "$work"' EXIT
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
check() { d=$1; shift; if "$@"; then ok "$d"; else not_ok "$d"; fi; }

cd "$top" || exit 1
# The kiosk's sources: everything under src/ and screens/ but the backend.
find src screens -path src/ra -prune -o -name '*.[ch]' -print | sort >"$work/files"
xgettext --from-code=UTF-8 -k_ -kN_ -kM_ -ktoken_tr -kC_:1c,2 -o "$work/now.pot" -f "$work/files" 2>"$work/err"
check "messages extract from the sources" test -s "$work/now.pot"
check "zh_CN.po has every message of the sources" msgcmp assets/po/zh_CN.po "$work/now.pot"
# A message the sources no longer have is dead weight a translator keeps
# up for nothing (msgcmp warns "this message is not used").
msgcmp assets/po/zh_CN.po "$work/now.pot" 2>"$work/cmp" >/dev/null
unused=$(grep -c 'this message is not used' "$work/cmp")
check "zh_CN.po holds no message the sources do not use ($unused)" test "$unused" -eq 0
untranslated=$(msgattrib --untranslated --no-obsolete assets/po/zh_CN.po | grep -c '^msgid ' )
check "no message is left untranslated ($untranslated)" test "$untranslated" -le 1
fuzzy=$(msgattrib --only-fuzzy --no-obsolete assets/po/zh_CN.po | grep -c '^msgid ')
check "no fuzzy translation" test "$fuzzy" -eq 0
check "the catalogue compiles with format checks" msgfmt --check -o "$work/zh.mo" assets/po/zh_CN.po
# One word for a locked PIN: 锁定, never 锁死 beside it.
check "a locked UKey is 锁定 everywhere, never 锁死" sh -c "! grep -q 锁死 assets/po/zh_CN.po"
echo "1..$n"
[ "$failed" -eq 0 ]
