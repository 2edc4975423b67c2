#!/bin/sh
# run.sh - run libFuzzer harnesses for a while each (make fuzz FUZZ_SECONDS=N).
#
#   sh tests/fuzz/run.sh BINDIR SECONDS NAME...
#
# Each harness starts from its committed seeds (tests/fuzz/corpus/NAME) and
# a working corpus kept beside the binaries (BINDIR/../corpus/NAME), which
# grows from run to run; a crash is written to BINDIR/../artifacts/ and
# stops that harness.  One line per harness: executions, seconds, corpus.
# FUZZ_JOBS=2 runs two harnesses at a time.

bin=$1 secs=$2
shift 2
top=$(cd "$(dirname "$0")/../.." && pwd)
work=$(cd "$bin/.." && pwd)
jobs=${FUZZ_JOBS:-1}
status=0

one() {
	name=$1
	corpus=$work/corpus/$name log=$work/logs/$name.log
	mkdir -p "$corpus" "$work/artifacts" "$work/logs"
	start=$(date +%s)
	"$bin/fuzz_$name" -max_total_time="$secs" -print_final_stats=1 \
	    -artifact_prefix="$work/artifacts/$name-" \
	    "$corpus" "$top/tests/fuzz/corpus/$name" >"$log" 2>&1
	rc=$?
	end=$(date +%s)
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	n=$(find "$corpus" -type f | wc -l | tr -d ' ')
	if [ "$rc" -eq 0 ]; then
		printf '%-10s %10s executions in %5d s, working corpus %d\n' \
		    "$name" "${execs:-?}" "$((end - start))" "$n"
	else
		printf '%-10s CRASHED after %d s (log %s):\n' "$name" "$((end - start))" "$log"
		grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error)' "$log" | head -n 5 | sed 's/^/    /'
		return 1
	fi
}

set -- "$@"
while [ $# -gt 0 ]; do
	pids=
	i=0
	while [ $# -gt 0 ] && [ "$i" -lt "$jobs" ]; do
		one "$1" &
		pids="$pids $!"
		shift
		i=$((i + 1))
	done
	for p in $pids; do
		wait "$p" || status=1
	done
done
exit $status
