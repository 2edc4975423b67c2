#!/bin/sh
# run.sh - run the test suites and print one summary line over all of them.
#
# Every suite speaks TAP ("ok N - what", "not ok N - what", "ok N # SKIP why"):
# the cmocka unit tests through CMOCKA_MESSAGE_OUTPUT=TAP, the shell suites by
# themselves.  A suite that dies without reporting counts as one failure.
#
#   B=build SUITES="unit screen" sh tests/run.sh
#   B=build SUITES="screen secrets" sh tests/run.sh   (the scan of their logs)
#   JOBS=1 sh tests/run.sh                            (one suite at a time)
#
# Suites run JOBS at a time (default: one more than the number of
# processors; make asan runs as many as there are processors): each has its
# own temporary directory, tmux server, backend port and tokens, and most of
# their time is spent waiting on a screen or a server.  A line is
# printed as each suite ends; the last line is "N passed, N failed, N skipped".

B=${B:-build}
# secrets last: it reads the logs every suite before it wrote.
SUITES=${SUITES:-"unit cli i18n token ra screen display fuzz soak secrets"}
top=$(cd "$(dirname "$0")/.." && pwd)
log=$top/$B/test-logs

# run.sh --one NAME KIND FILE: run one suite, keep its TAP, errors, exit
# status and seconds in the logs, and print its line.
if [ "${1:-}" = --one ]; then
	name=$2 kind=$3 t=$4
	file=$(echo "$name" | tr / -)
	out=$log/$file.tap err=$log/$file.err
	start=$(date +%s)
	one() {
		if [ "$kind" = unit ]; then
			CMOCKA_MESSAGE_OUTPUT=TAP "$t" >"$out" 2>"$err"
		elif [ "$kind" = pg ]; then
			RA_STORE=pg B=$B sh "$t" >"$out" 2>"$err"
		else
			B=$B sh "$t" >"$out" 2>"$err"
		fi
	}
	one
	rc=$?
	again=
	# LeakSanitizer's own tracer sometimes crashes at exit, after every test
	# passed (google/sanitizers#1353): that is no leak and no failure of
	# ours, so such a suite runs once more, saying so.  Only when its plan
	# ("1..N") is there with N passes: a leak report ("detected memory
	# leaks"), any "not ok" or a suite cut short is never run again.
	plan=$(sed -n 's/^1\.\.\([0-9][0-9]*\).*/\1/p' "$out" | tail -n 1)
	if [ "$rc" -ne 0 ] && [ -n "$plan" ] &&
		[ "$(grep -c -E '^ok [0-9]+' "$out")" -eq "$plan" ] &&
		! grep -q -E '^not ok' "$out" &&
		! grep -q 'detected memory leaks' "$err" &&
		grep -q 'LeakSanitizer has encountered a fatal error' "$err"; then
		cp "$err" "$err.first"
		one
		rc=$?
		echo "# run twice: LeakSanitizer's tracer crashed the first time ($file.err.first)" >>"$err"
		again=" (run twice: LeakSanitizer's tracer crashed)"
	fi
	secs=$(($(date +%s) - start))
	p=$(grep -c -E '^ok [0-9]+' "$out" | tr -d ' ')
	s=$(grep -c -E '^ok [0-9]+.*# ?[Ss][Kk][Ii][Pp]' "$out" | tr -d ' ')
	f=$(grep -c -E '^not ok [0-9]+' "$out" | tr -d ' ')
	p=$((p - s))
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
		echo "not ok - $name exited with status $rc" >>"$out"
	fi
	# The plan is the suite's own count: one that reports more or fewer
	# tests than it planned (cut short, or its counter overwritten) fails.
	plan=$(sed -n 's/^1\.\.\([0-9][0-9]*\).*/\1/p' "$out" | tail -n 1)
	if [ -n "$plan" ] && [ $((p + s + f)) -ne "$plan" ] && [ "$f" -eq 0 ]; then
		f=1
		echo "not ok - $name reported $((p + s)) tests where its plan says $plan" >>"$out"
	fi
	echo "$p $f $s" >"$log/$file.sum"
	status=ok
	[ "$f" -gt 0 ] && status=FAIL
	printf '%-28s %4d passed %3d failed %3d skipped %4ds  %s%s\n' "$name" "$p" "$f" "$s" "$secs" "$status" "$again"
	exit 0
fi

mkdir -p "$log"
# The suites keep their logs and the secrets they typed here
# (tests/secrets/keep.sh); a run starts afresh unless it only scans.
CAKIOSK_KEEP_LOGS=$log/kept
export CAKIOSK_KEEP_LOGS
[ "$(echo $SUITES)" = secrets ] || rm -rf "$CAKIOSK_KEEP_LOGS"
rm -f "$log"/*.sum

JOBS=${JOBS:-$(($(nproc 2>/dev/null || echo 1) + 1))}
[ "$JOBS" -ge 1 ] 2>/dev/null || JOBS=1
export B

# The backend's suites run on each store of RA_STORES: "ra/test_x" on
# SQLite, "ra@pg/test_x" on PostgreSQL (tests/ra/pg.sh).
RA_STORES=${RA_STORES:-"sqlite pg"}

# list SUITE...: "NAME KIND FILE" lines, one per suite.
list() {
	for suite in "$@"; do
		case $suite in
		unit)
			for t in "$top/$B"/tests/test_*; do
				[ -x "$t" ] && echo "unit/$(basename "$t") unit $t"
			done ;;
		ra)
			for st in $RA_STORES; do
				for t in "$top"/tests/ra/test_*.sh; do
					case $st in
					sqlite) echo "ra/$(basename "$t" .sh) sh $t" ;;
					pg) echo "ra@pg/$(basename "$t" .sh) pg $t" ;;
					esac
				done
			done ;;
		*)
			for t in "$top"/tests/"$suite"/test_*.sh; do
				[ -f "$t" ] && echo "$suite/$(basename "$t" .sh) sh $t"
			done ;;
		esac
	done
}

# run LIST-FILE: its suites, JOBS at a time, the token suites first (their
# pull matrices are the longest suites), then the long screen suites
# (their order in the list) so that the short ones fill in beside them.
run() {
	xargs -L 1 -P "$JOBS" sh "$0" --one <"$1"
}

# One PostgreSQL server for the whole run, each suite on it in a database
# of its own; stopped at the end, also when the run is interrupted.  Where
# it cannot run (no server binaries), the suites on it say why in a SKIP;
# a store that fails is a failure.
case " $SUITES  $RA_STORES " in *" ra "*" pg "*)
	. "$top/tests/ra/pg.sh"
	trap pg_stop EXIT
	trap 'exit 1' INT TERM
	CAKIOSK_PG_SKIP=
	if dir=$(pg_start >"$log/pg.why" && echo "$CAKIOSK_PG_DIR"); then
		CAKIOSK_PG_DIR=$dir
		export CAKIOSK_PG_DIR
	else
		CAKIOSK_PG_SKIP=$(cat "$log/pg.why")
	fi
	export CAKIOSK_PG_SKIP ;;
esac

# The token bed, made once for the run: the suites' beds are copies of it
# (tests/token/mkbed.sh).  Where it cannot be made, each suite makes its own
# and says why it cannot.
CAKIOSK_BED_CACHE=$log/bed
export CAKIOSK_BED_CACHE
rm -rf "$CAKIOSK_BED_CACHE"
case " $SUITES " in *" unit "* | *" token "* | *" screen "*)
	sh "$top/tests/token/mkbed.sh" "$CAKIOSK_BED_CACHE" >"$log/bed.log" 2>&1 ||
		rm -rf "$CAKIOSK_BED_CACHE" ;;
esac

order=$log/suites.list
main=$(echo " $SUITES " | sed 's/ secrets / /g')
ordered=
for s in token screen ra soak fuzz; do
	case " $main " in *" $s "*) ordered="$ordered $s" ;; esac
done
for s in $main; do
	case " $ordered " in *" $s "*) ;; *) ordered="$ordered $s" ;; esac
done
list $ordered >"$order"
[ -s "$order" ] && run "$order"
# The PostgreSQL server's log is the backend's too: scanned for secrets.
if [ -n "${CAKIOSK_PG_DIR:-}" ]; then
	mkdir -p "$CAKIOSK_KEEP_LOGS/logs"
	cp "$CAKIOSK_PG_DIR/server.log" "$CAKIOSK_KEEP_LOGS/logs/postgresql.log" 2>/dev/null
fi
case " $SUITES " in *" secrets "*)
	list secrets >"$order"
	[ -s "$order" ] && run "$order" ;;
esac

pass=0 fail=0 skip=0
failed_names=
for suite in $SUITES; do
	list "$suite"
done >"$order"
while read -r name kind t; do
	file=$(echo "$name" | tr / -)
	if [ -f "$log/$file.sum" ]; then
		read -r p f s <"$log/$file.sum"
	else
		p=0 f=1 s=0
	fi
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
	[ "$f" -gt 0 ] || continue
	failed_names="$failed_names $name"
	echo "FAIL $name"
	grep -E '^not ok' "$log/$file.tap" 2>/dev/null | sed 's/^/    /'
	tail -n 30 "$log/$file.err" 2>/dev/null | sed 's/^/    | /'
done <"$order"

[ -n "$failed_names" ] && echo "failed suites:$failed_names (logs in $B/test-logs/)"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
