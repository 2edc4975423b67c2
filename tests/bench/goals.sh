#!/bin/sh
# goals.sh - the last table of `make bench`: every speed goal, the figure the
# benchmarks of this run measured for it, and whether it is met.  Each
# benchmark writes its figures to B/bench/figures ("NAME VALUE" lines,
# tests/bench/bench_lib.sh); `make bench` empties the file first, so a goal
# whose benchmark did not run (or failed) says so instead of showing an
# older figure.
#
#   sh tests/bench/goals.sh [B]
B=${1:-${B:-build}}
F=$B/bench/figures
[ -f "$F" ] || : >"$F" 2>/dev/null

# val NAME: the figure, or nothing.
val() { awk -v n="$1" '$1 == n {v = $2} END {print v}' "$F" 2>/dev/null; }

# row GOAL FIGURE-TEXT VALUE OP LIMIT: one line of the table; VALUE empty
# means the benchmark did not run.
row() {
	if [ -z "$3" ]; then
		printf '  %-44s %-26s %s\n' "$1" "not run" "-"
		return
	fi
	met=$(awk -v v="$3" -v op="$4" -v l="$5" 'BEGIN {
		ok = op == ">=" ? v >= l : v <= l
		print ok ? "met" : "not met" }')
	printf '  %-44s %-26s %s\n' "$1" "$2" "$met"
}

echo
echo "speed goals, $(nproc) CPU(s), load average $(cut -d' ' -f1-3 /proc/loadavg):"
printf '  %-44s %-26s %s\n' "goal" "measured" "met?"
v=$(val renew_ec_total)
row "renewal peer/kiosk, EC total >= 5x" "${v}x" "$v" ">=" 5
v=$(val renew_rsa_nokey)
row "renewal peer/kiosk, RSA without key >= 6x" "${v}x" "$v" ">=" 6
v=$(val startup_ratio)
row "start-up <= 1.5x dialog" "${v}x" "$v" "<=" 1.5
f=$(val startup_rss_first) l=$(val startup_rss_5s)
[ -z "$f" ] || printf '  %-44s %-26s %s\n' "  (RSS: at the first frame, after 5 s)" "$f KiB, $l KiB" ""
v=$(val issue_inproc_pct)
row "issuance in process >= 30% of the floor" "${v}%" "$v" ">=" 30
m=$(val issue_machine_2v1)
[ -z "$m" ] || printf '  %-44s %-26s %s\n' "(the machine: 2 signing processes vs 1)" "${m}x" ""
v=$(val issue_https_disk)
row "HTTPS issuance 2 conns >= 1.6x 1 (disk)" "${v}x" "$v" ">=" 1.6
c=$(val issue_https_disk_ceil)
[ -z "$c" ] || printf '  %-44s %-26s %s\n' "  (the machine's ceiling, 2 conns vs 1)" "${c}x" ""
v=$(val issue_https_shm)
row "HTTPS issuance 2 conns >= 1.6x 1 (/dev/shm)" "${v}x" "$v" ">=" 1.6
c=$(val issue_https_shm_ceil)
[ -z "$c" ] || printf '  %-44s %-26s %s\n' "  (the machine's ceiling, 2 conns vs 1)" "${c}x" ""
a=$(val reads_cpu_us) b=$(val reads_cpu_us_before)
if [ -n "$a" ] && [ -n "$b" ]; then
	d=$(awk -v a="$a" -v b="$b" 'BEGIN {printf "%.0f", 100 * (a - b) / b}')
	row "reads: server CPU per read -25% or less" "$b -> $a us ($d%)" "$d" "<=" -25
elif [ -n "$a" ]; then
	printf '  %-44s %-26s %s\n' "reads: server CPU per read -25% or less" "$a us, no before" \
		"- (RA_BEFORE=old cakiosk-ra)"
else
	row "reads: server CPU per read -25% or less" "" "" "" ""
fi
v=$(val reads_threads)
row "reads: 2 server threads >= 1.6x 1" "${v}x" "$v" ">=" 1.6
c=$(val reads_threads_ceil) o=$(val reads_threads_own)
[ -z "$c" ] || printf '  %-44s %-26s %s\n' "  (the machine's ceiling; the server alone)" "${c}x; ${o}x" ""
v=$(val idle_pct) m=$(val idle_module_pct)
row "idle <= 0.1% of a core (one UKey in)" "${v}% (module ${m}%)" "$v" "<=" 0.1
