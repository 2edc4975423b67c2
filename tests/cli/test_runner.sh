#!/bin/sh
# test_runner.sh - tests/run.sh counts what its suites say: passes, failures,
# skips, a suite that dies without a word or does not keep to its plan, and
# the one case it runs a suite twice (LeakSanitizer's own tracer crashing
# at exit after every test passed).  A real leak report, a "not ok" or a
# suite cut short beside that crash still fails.
# The suites here are small scripts in a copy of the runner's tree.
top=$(cd "$(dirname "$0")/../.." && pwd)
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
check() { d=$1; shift; if "$@"; then ok "$d"; else not_ok "$d"; fi; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/tests/fake" "$tmp/state"
cp "$top/tests/run.sh" "$tmp/tests/run.sh"
TRACER='Tracer caught signal 11: addr=0x1c000008d0 pc=0x7fb0ef4e80f0
==1==LeakSanitizer has encountered a fatal error.'

# suite NAME BODY: a fake suite; it counts its runs in state/NAME.
suite() {
	{
		echo 'st=$(dirname "$0")/../../state/'"$1"
		echo 'echo x >>"$st"; runs=$(wc -l <"$st")'
		echo "TRACER='$TRACER'"
		echo "$2"
	} >"$tmp/tests/fake/test_$1.sh"
}
suite plain 'echo "ok 1 - a"; echo "ok 2 - b # SKIP no reader"; echo "not ok 3 - c"; exit 1'
suite silent 'exit 3'
suite flaky 'echo "ok 1 - a"; echo "1..1"; if [ "$runs" -eq 1 ]; then echo "$TRACER" >&2; exit 1; fi'
suite always 'echo "ok 1 - a"; echo "1..1"; echo "$TRACER" >&2; exit 1'
suite leak 'echo "ok 1 - a"; echo "1..1"; echo "ERROR: LeakSanitizer: detected memory leaks" >&2; exit 1'
suite notok 'echo "not ok 1 - a"; echo "1..1"; echo "$TRACER" >&2; exit 1'
suite leakcrash 'echo "ok 1 - a"; echo "1..1"; echo "ERROR: LeakSanitizer: detected memory leaks" >&2; echo "$TRACER" >&2; exit 1'
suite cut 'echo "ok 1 - a"; echo "$TRACER" >&2; exit 1'
suite overrun 'echo "ok 1 - a"; echo "ok 2 - b"; echo "ok 2 - c"; echo "1..2"'
suite under 'echo "1..3"; echo "ok 1 - a"; echo "ok 2 - b"'
suite whole 'echo "1..2"; echo "ok 1 - a"; echo "ok 2 - b # SKIP c"'
suite short 'echo "ok 1 - a"; echo "1..2"; echo "$TRACER" >&2; exit 1'

out=$(cd "$tmp" && B=build JOBS=2 SUITES=fake sh tests/run.sh 2>&1)
echo "$out" | sed 's/^/# /'
# says SUITE PATTERN: the runner's line for SUITE matches PATTERN.
says() { echo "$out" | grep -E "^fake/test_$1 " | grep -q -E "$2"; }
runs() { wc -l <"$tmp/state/$1" | tr -d ' '; }

check "a suite's passes, skips and failures are counted" \
	says plain '1 passed +1 failed +1 skipped'
check "a suite that dies without a word counts as one failure" \
	says silent '0 passed +1 failed'
check "a suite whose only fault is LeakSanitizer's tracer crashing runs again and passes" \
	says flaky '1 passed +0 failed .* ok \(run twice'
check "... and ran exactly twice, keeping the first run's errors" \
	test "$(runs flaky)" -eq 2 -a -n "$(grep -l 'fatal error' "$tmp/build/test-logs/fake-test_flaky.err.first")"
check "a tracer crash on the second run too is a failure" \
	test "$(says always '1 passed +1 failed' && runs always)" = 2
check "a leak report is a failure, never run again" \
	test "$(says leak '1 failed' && runs leak)" = 1
check "a \"not ok\" beside a tracer crash is a failure, never run again" \
	test "$(says notok '0 passed +1 failed' && runs notok)" = 1
check "a leak report beside a tracer crash is a failure, never run again" \
	test "$(says leakcrash '1 passed +1 failed' && runs leakcrash)" = 1
check "a tracer crash in a suite cut short (no plan) is a failure, never run again" \
	test "$(says cut '1 passed +1 failed' && runs cut)" = 1
check "... nor one whose plan has more tests than passed" \
	test "$(says short '1 passed +1 failed' && runs short)" = 1
check "a suite reporting more tests than its plan fails" says overrun '3 passed +1 failed'
check "... and one reporting fewer" says under '2 passed +1 failed'
check "... and one that keeps its plan, skips counted, passes" says whole '1 passed +0 failed +1 skipped'
check "the summary line adds them all up" \
	test "$(echo "$out" | tail -n 1)" = "13 passed, 10 failed, 2 skipped"
echo "1..$n"
[ "$failed" -eq 0 ]
