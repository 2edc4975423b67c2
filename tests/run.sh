#!/bin/sh
# run.sh - run the test suites and print one summary line over all of them.
#
# Every suite speaks TAP ("ok N - what", "not ok N - what", "ok N # SKIP why"):
# the cmocka unit tests through CMOCKA_MESSAGE_OUTPUT=TAP, the shell suites by
# themselves.  A suite that dies without reporting counts as one failure.
#
#   B=build SUITES="unit screen" sh tests/run.sh
#   B=build SUITES="screen secrets" sh tests/run.sh   (the scan of their logs)
#
# The last line is "N passed, N failed, N skipped".

B=${B:-build}
# secrets last: it reads the logs every suite before it wrote.
SUITES=${SUITES:-"unit cli i18n token ra screen fuzz secrets"}
top=$(cd "$(dirname "$0")/.." && pwd)
log=$top/$B/test-logs
mkdir -p "$log"
# The suites keep their logs and the secrets they typed here
# (tests/secrets/keep.sh); a run starts afresh unless it only scans.
CAKIOSK_KEEP_LOGS=$log/kept
export CAKIOSK_KEEP_LOGS
[ "$(echo $SUITES)" = secrets ] || rm -rf "$CAKIOSK_KEEP_LOGS"

pass=0 fail=0 skip=0
failed_names=

# run_suite NAME COMMAND...: run one TAP suite, add up its results.
run_suite() {
	name=$1; shift
	file=$(echo "$name" | tr / -)
	out=$log/$file.tap err=$log/$file.err
	"$@" >"$out" 2>"$err"
	rc=$?
	p=$(grep -c -E '^ok [0-9]+' "$out" | tr -d ' ')
	s=$(grep -c -E '^ok [0-9]+.*# ?[Ss][Kk][Ii][Pp]' "$out" | tr -d ' ')
	f=$(grep -c -E '^not ok [0-9]+' "$out" | tr -d ' ')
	p=$((p - s))
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
		echo "not ok - $name exited with status $rc" >>"$out"
	fi
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
	status=ok
	[ "$f" -gt 0 ] && { status=FAIL; failed_names="$failed_names $name"; }
	printf '%-28s %4d passed %3d failed %3d skipped  %s\n' "$name" "$p" "$f" "$s" "$status"
	if [ "$f" -gt 0 ]; then
		grep -E '^not ok' "$out" | sed 's/^/    /'
		tail -n 30 "$err" | sed 's/^/    | /'
	fi
}

for suite in $SUITES; do
	case $suite in
	unit)
		for t in "$top/$B"/tests/test_*; do
			[ -x "$t" ] || continue
			CMOCKA_MESSAGE_OUTPUT=TAP run_suite "unit/$(basename "$t")" "$t"
		done ;;
	*)
		for t in "$top"/tests/"$suite"/test_*.sh; do
			[ -f "$t" ] || continue
			B=$B run_suite "$suite/$(basename "$t" .sh)" sh "$t"
		done ;;
	esac
done

[ -n "$failed_names" ] && echo "failed suites:$failed_names (logs in $B/test-logs/)"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
