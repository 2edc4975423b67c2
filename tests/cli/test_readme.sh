#!/bin/sh
# test_readme.sh - the README's picture of the main menu is the menu the
# kiosk draws: the screen test's stored screen (tests/screen/expected/
# menu-80x24.txt, which test_shell.sh compares with the real kiosk at
# 80x24), so a menu row added or renamed cannot leave the README behind.
top=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d /tmp/cakiosk-readme.XXXXXX)
trap 'rm -rf "$work"' EXIT
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
check() { d=$1; shift; if "$@"; then ok "$d"; else not_ok "$d"; fi; }

stored=$top/tests/screen/expected/menu-80x24.txt
# The fenced block after the sentence that introduces the picture.
awk '/^The main menu at 80x24/ {p = 1; next}
	p && /^```/ {if (in_block) exit; in_block = 1; next}
	in_block {print}' "$top/README.md" >"$work/readme-menu.txt"
check "the README has a picture of the main menu" test -s "$work/readme-menu.txt"
check "... equal to the stored screen of the real menu at 80x24" \
	cmp -s "$work/readme-menu.txt" "$stored"
rows=$(grep -cE '^ +[0-9]+  ' "$stored")
check "... which has the menu's $rows rows" \
	test "$(grep -cE '^ +[0-9]+  ' "$work/readme-menu.txt")" -eq "$rows"
echo "1..$n"
[ "$failed" -eq 0 ]
