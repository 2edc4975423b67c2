#!/bin/sh
# test_cli.sh - the command line and the refusal to start half-configured.
top=$(cd "$(dirname "$0")/../.." && pwd)
B=${B:-build}
bin=$top/$B/cakiosk
work=$(mktemp -d /tmp/cakiosk-cli.XXXXXX)
trap 'rm -rf "$work"' EXIT
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
check() { d=$1; shift; if "$@"; then ok "$d"; else not_ok "$d"; fi; }

"$bin" --help >"$work/out" 2>&1
check "--help exits 0" test $? = 0
check "--help names every option" sh -c "grep -q -- --config '$work/out' && grep -q -- --lang '$work/out' && grep -q -- --check-config '$work/out' && grep -q -- --hash-pin '$work/out' && grep -q -- --version '$work/out' && grep -q -- --enrol '$work/out' && grep -q -- --ca-fingerprint '$work/out' && grep -q -- --self-test '$work/out'"
"$bin" --version >"$work/out"
check "--version prints the version" grep -qE '^cakiosk [0-9]+\.[0-9]+\.[0-9]+$' "$work/out"
"$bin" --bogus >/dev/null 2>"$work/err"
check "an unknown option exits 2 with the usage" sh -c "test $? = 2 && grep -q usage '$work/err'"
"$bin" --lang fr >/dev/null 2>"$work/err"
check "--lang fr is refused with a sentence" sh -c "test $? = 2 && grep -q 'must be zh_CN or en' '$work/err'"
"$bin" extra-arg >/dev/null 2>"$work/err"
check "a stray argument is refused" test $? = 2

printf '[kiosk]\nterminal_id = T1\n[backend]\nurl = https://127.0.0.1:8443/\n' >"$work/good.conf"
"$bin" --check-config -c "$work/good.conf" >"$work/out" 2>&1
check "--check-config accepts a good file" sh -c "test $? = 0 && grep -q 'configuration OK' '$work/out'"

printf '[kiosk]\nterminal_id = T1\nidle_timeout = soon\n[backend]\nurl = https://127.0.0.1:8443/\n' >"$work/bad.conf"
"$bin" -c "$work/bad.conf" </dev/null >"$work/out" 2>"$work/err"
rc=$?
check "a broken file stops the kiosk (status 1)" test $rc = 1
check "the sentence names file, line and key" grep -q "bad.conf:3: \[kiosk\] idle_timeout = soon: must be a whole number" "$work/err"
check "and says it is not starting" grep -q "not starting" "$work/err"
check "nothing was drawn on stdout" test ! -s "$work/out"

"$bin" -c "$work/none.conf" </dev/null >/dev/null 2>"$work/err"
check "a missing file is named" sh -c "test $? = 1 && grep -q 'none.conf: cannot open' '$work/err'"

printf '1234\n1234\n' | "$bin" --hash-pin >"$work/out" 2>/dev/null
check "--hash-pin prints a PBKDF2 hash" grep -qE '^pbkdf2-sha256\$200000\$[0-9a-f]{32}\$[0-9a-f]{64}$' "$work/out"
check "the hash does not contain the PIN in the clear" sh -c "! grep -q 1234 '$work/out' || grep -qE '\\\$[0-9a-f]*1234' '$work/out'"
printf '1234\n4321\n' | "$bin" --hash-pin >/dev/null 2>"$work/err"
check "--hash-pin refuses two different PINs" sh -c "test $? = 1 && grep -q differ '$work/err'"
printf '12\n12\n' | "$bin" --hash-pin >/dev/null 2>"$work/err"
check "--hash-pin refuses a short PIN" sh -c "test $? = 1 && grep -q '4 to 12' '$work/err'"
printf '[staff]\npin_hash = %s\n' "$(printf '5678\n5678\n' | "$bin" --hash-pin 2>/dev/null)" >>"$work/good.conf"
check "a made hash is accepted by --check-config" "$bin" --check-config -c "$work/good.conf"

"$bin" --config-reference >"$work/ref"
check "--config-reference lists every section" sh -c "grep -q '^\[kiosk\]' '$work/ref' && grep -q '^\[backend\]' '$work/ref' && grep -q '^\[staff\]' '$work/ref' && grep -q '^\[vendor NAME\]' '$work/ref'"
check "the example configuration in kiosk/ is valid apart from its files" sh -c "sed 's|^module = .*|module = /usr/lib/softhsm/libsofthsm2.so|' '$top/kiosk/cakiosk.conf.example' >'$work/ex.conf' && '$bin' --check-config -c '$work/ex.conf' >/dev/null"

# Not on a terminal (a unit started without its tty, a pipe): a plain
# sentence and an exit, not a loop round a standard input at its end.
timeout 10 "$bin" -c "$work/good.conf" </dev/null >"$work/out" 2>"$work/err"
rc=$?
check "stdin not a terminal: exits at once with status 1 (got $rc)" test $rc = 1
check "... saying the kiosk needs a terminal" grep -q "standard input is not a terminal" "$work/err"
check "... and nothing drawn on stdout" test ! -s "$work/out"

# A configuration that is no text file: an endless one, a NUL, escapes.
ln -s /dev/zero "$work/zero.conf"
timeout 10 "$bin" --check-config -c "$work/zero.conf" >/dev/null 2>"$work/err"
rc=$?
check "a configuration linked to /dev/zero is refused at once (got $rc)" test $rc = 1
check "... naming line 1 and the NUL" grep -q "zero.conf:1: .*NUL" "$work/err"
printf '[kiosk]\nterminal_id = T1\n[backend]\nurl = https://127.0.0.1:8443/ ;\0\n[staff]\nallow_quit = 1\n' >"$work/nul.conf"
"$bin" --check-config -c "$work/nul.conf" >/dev/null 2>"$work/err"
check "a NUL in a line is an error naming the line" sh -c "test $? = 1 && grep -q 'nul.conf:4: .*NUL' '$work/err'"
esc=$(printf '\033')
c1=$(printf '\302\233')
printf '[kiosk]\nterminal_id = T1\n\033]0;owned\007\033[2J = 1\nlanguage = \302\2332J\033[31mfr\n' >"$work/esc.conf"
"$bin" --check-config -c "$work/esc.conf" >/dev/null 2>"$work/err"
check "an escape sequence in a key is refused" sh -c "test $? = 1 && grep -q 'esc.conf:3: .*unknown key' '$work/err'"
check "... and reaches stderr without ESC, BEL or C1 bytes" sh -c "! grep -q '$esc' '$work/err' && ! grep -q '$c1' '$work/err' && ! tr -d -c '\007' <'$work/err' | grep -q ."
"$bin" "$(printf '\033[2J\302\233H')" >/dev/null 2>"$work/err"
check "a stray argument with escapes is echoed clean" sh -c "test $? = 2 && grep -q 'unexpected argument' '$work/err' && ! grep -q '$esc' '$work/err' && ! grep -q '$c1' '$work/err'"
"$bin" -c "$(printf '/nonexistent/\033[2J.conf')" </dev/null >/dev/null 2>"$work/err"
check "a config path with escapes is echoed clean" sh -c "test $? = 1 && grep -q 'cannot open' '$work/err' && ! grep -q '$esc' '$work/err'"

# make install and uninstall: tests/cli/test_pkg.sh.

echo "1..$n"
[ "$failed" -eq 0 ]
