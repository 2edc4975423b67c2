# bench_lib.sh - what the benchmarks share: the figures file that `make
# bench`'s table of the goals reads (tests/bench/goals.sh), and for the
# backend's benchmarks a demo server of their own on a free port and its
# CPU time.
#
#   . tests/bench/bench_lib.sh   (with B set: the build directory)
#   figure NAME VALUE       records a figure in $B/bench/figures
#   ra_start [OPTIONS...]   the server on $DB (default $T/db), CA in $T/ca;
#                           sets PID and URL; its log goes to $T/log
#   ra_stop                 stops it and waits
#   ra_cpu                  its CPU seconds (user + system) so far
#   cpu_ticks PID...        their CPU ticks (user + system, with their
#                           waited-for children's) so far, CLK_TCK a second
#   median [FILE...]        the median of the numbers, one a line (stdin
#                           without FILE)
#   lg_field NAME LINE      a field of loadgen's line ("rps", "cpu_s"...):
#                           the client's CPU is reported by itself
#                           (getrusage), apart from the server's
# The ra_ functions want RA (the server), T (a directory of the run's own)
# and BENCH (the benchmark's name, for messages).

# The figures file, by an absolute path: a benchmark may change directory.
# A benchmark whose B is relative to the tree's top sets FIGURES itself.
case $B in
/*) FIGURES=${FIGURES:-$B/bench/figures} ;;
*) FIGURES=${FIGURES:-$(pwd)/$B/bench/figures} ;;
esac

ra_start() {
	rm -f "$T/port"
	"$RA" serve --listen 127.0.0.1:0 --port-file "$T/port" --db "${DB:-$T/db}" \
		--ca-dir "$T/ca" --demo "$@" 2>>"$T/log" &
	PID=$!
	_i=0
	while [ ! -s "$T/port" ] && [ $_i -lt 400 ]; do
		kill -0 "$PID" 2>/dev/null || break
		sleep 0.05
		_i=$((_i + 1))
	done
	[ -s "$T/port" ] || {
		echo "$BENCH: server did not start" >&2
		cat "$T/log" >&2
		exit 1
	}
	URL=https://127.0.0.1:$(cat "$T/port")
}

ra_stop() {
	kill "$PID"
	wait "$PID" 2>/dev/null
	PID=
}

cpu_ticks() {
	for _p in "$@"; do cat "/proc/$_p/stat"; done 2>/dev/null |
		awk '{ sub(/^.*\) /, ""); t += $12 + $13 + $14 + $15 } END { print t + 0 }'
}

ra_cpu() {
	awk -v t="$(cpu_ticks "$PID")" -v hz="$(getconf CLK_TCK)" 'BEGIN {print t / hz}'
}

lg_field() {
	echo "$2" | awk -v n="$1" '{ for (i = 1; i < NF; i += 2) if ($i == n) print $(i + 1) }'
}

# One line "NAME VALUE" a figure, the last one written winning; the table
# says "not run" for a figure no benchmark wrote.
figure() {
	mkdir -p "$(dirname "$FIGURES")"
	_f=$FIGURES
	touch "$_f"
	grep -v "^$1 " "$_f" >"$_f.new" || true
	echo "$1 $2" >>"$_f.new"
	mv "$_f.new" "$_f"
}

median() {
	sort -n "$@" | awk '{v[NR] = $1} END {m = int((NR + 1) / 2); if (NR % 2) print v[m]; else printf "%.2f\n", (v[m] + v[m + 1]) / 2}'
}
