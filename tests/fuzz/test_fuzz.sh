#!/bin/sh
# test_fuzz.sh - every libFuzzer harness over its committed seed corpus
# (tests/fuzz/corpus/NAME, which holds the regression input of every crash
# a harness found) and then fuzzing for FUZZ_CHECK_SECONDS (3) more: one
# TAP line per harness with its executions.  The corpus is only read; new
# inputs go to a scratch directory.  Harnesses are built by make check when
# clang is there (tests/fuzz/fuzz.mk); without them this suite skips.

B=${B:-build}
top=$(cd "$(dirname "$0")/../.." && pwd)
bin=$top/$B/fuzz/bin
secs=${FUZZ_CHECK_SECONDS:-3}
n=0 failures=0

tmp=$(mktemp -d "${TMPDIR:-/tmp}/cakiosk-fuzz.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

names=$(cd "$top/tests/fuzz/corpus" && ls)
if ! command -v "${FUZZ_CC:-clang}" >/dev/null 2>&1 || [ ! -d "$bin" ]; then
	echo "1..1"
	echo "ok 1 # SKIP no clang: the fuzz harnesses are not built"
	exit 0
fi
echo "1..$(echo "$names" | wc -w | tr -d ' ')"
for name in $names; do
	n=$((n + 1))
	h=$bin/fuzz_$name
	seeds=$(find "$top/tests/fuzz/corpus/$name" -type f | wc -l | tr -d ' ')
	if [ ! -x "$h" ]; then
		echo "not ok $n - fuzz_$name: not built ($h)"
		failures=$((failures + 1))
		continue
	fi
	mkdir -p "$tmp/$name"
	start=$(date +%s)
	"$h" -max_total_time="$secs" -timeout=20 -print_final_stats=1 \
	    -artifact_prefix="$tmp/$name-" "$tmp/$name" "$top/tests/fuzz/corpus/$name" \
	    >"$tmp/$name.log" 2>&1
	rc=$?
	end=$(date +%s)
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$tmp/$name.log" | tail -n 1)
	if [ "$rc" -eq 0 ] && [ -n "$execs" ] && [ "$execs" -ge "$seeds" ]; then
		echo "ok $n - fuzz_$name: $seeds seeds and $((end - start)) s, $execs executions"
	else
		echo "not ok $n - fuzz_$name: status $rc after $((end - start)) s (${execs:-no} executions)"
		grep -E '==ERROR|SUMMARY|runtime error|answered' "$tmp/$name.log" | head -n 5 | sed 's/^/# /'
		for a in "$tmp/$name"-*; do
			[ -f "$a" ] && echo "# input: $(od -An -c "$a" | head -n 4 | tr -s ' ')"
		done
		failures=$((failures + 1))
	fi
done
exit $((failures > 0))
