#!/bin/sh
# upload-mem.sh - memory of cakiosk-ra under unauthenticated uploads: N
# parallel uploads of 10 MB (two files of 5 MB, each within the per-file
# limit; multipart, as a phone's browser sends it, without waiting for
# 100-continue) to bogus /u/ tokens, with no client certificate.  Prints the server's resident memory when idle and its peak
# (VmHWM) after the uploads, and how long they took.  Several build
# directories are measured one after the other in one run, so a build of
# an older commit can be set beside the current one.
#
#   sh tests/bench/upload-mem.sh [BUILD_DIR...]      (default: build)
#   N=20 SIZE_MB=10 sh tests/bench/upload-mem.sh /tmp/old/build build
[ $# -eq 0 ] && set -- "${B:-build}"
N=${N:-20}
SIZE_MB=${SIZE_MB:-10}
T=$(mktemp -d "${TMPDIR:-/tmp}/upload-mem.XXXXXX")
PID=
trap '[ -n "$PID" ] && kill "$PID" 2>/dev/null; rm -rf "$T"' EXIT
trap 'exit 1' INT TERM

head -c $((SIZE_MB * 1024 * 1024 / 2)) /dev/zero >"$T/file.png"
printf '\211PNG\r\n\032\n' | dd of="$T/file.png" conv=notrunc 2>/dev/null
kb() { awk -v k="$1:" '$1 == k {print $2}' "/proc/$PID/status"; }
mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

echo "cakiosk-ra memory, $N parallel ${SIZE_MB} MB uploads to bogus tokens, no client certificate"
for b in "$@"; do
	ra=$b/cakiosk-ra
	[ -x "$ra" ] || { echo "upload-mem: $ra is not built" >&2; exit 1; }
	rm -rf "$T/ca" "$T/db" "$T/db-wal" "$T/db-shm" "$T/port"
	"$ra" serve --listen 127.0.0.1:0 --port-file "$T/port" --db "$T/db" --ca-dir "$T/ca" \
		--sandbox 2>"$T/log" &
	PID=$!
	i=0
	while [ $i -lt 200 ]; do
		[ -s "$T/port" ] && curl -s -o /dev/null --max-time 2 --cacert "$T/ca/ca.crt" \
			"https://127.0.0.1:$(cat "$T/port")/v1/health" && break
		sleep 0.05; i=$((i + 1))
	done
	URL=https://127.0.0.1:$(cat "$T/port")
	idle=$(kb VmRSS)
	t0=$(date +%s%N)
	pids=
	i=0
	while [ $i -lt "$N" ]; do
		curl -s -o /dev/null --max-time 120 --cacert "$T/ca/ca.crt" -H 'Expect:' \
			-F "business_licence=@$T/file.png" -F "seal_form=@$T/file.png" "$URL/u/$(printf '%064x' "$i")" &
		pids="$pids $!"; i=$((i + 1))
	done
	wait $pids
	t1=$(date +%s%N)
	peak=$(kb VmHWM)
	printf '  %-40s idle RSS %6s MB, peak RSS %6s MB, uploads done in %s ms\n' "$ra" \
		"$(mb "$idle")" "$(mb "$peak")" $(((t1 - t0) / 1000000))
	kill "$PID"; wait "$PID" 2>/dev/null; PID=
done
