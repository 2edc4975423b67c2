#!/bin/sh
# test_group_commit.sh - cakiosk-ra: the SQLite store's group commit.
# A burst of concurrent writes is made durable by fewer syncs of the WAL
# than there were commits; every answer to a write goes out only after a
# sync of the WAL that began after the write's commit (seen in the
# server's own system calls); a SIGKILL right after the answers loses
# none of them.  On PostgreSQL (whose server shares its flushes itself)
# the commits are counted and no sync of the server's.
. "$(dirname "$0")/lib.sh"

BODY="{\"kind\":\"apply\",\"subject_type\":\"person\",\"subject_id\":\"$PERSON2\",\"form\":{\"email\":\"gc@example.cn\",\"mobile\":\"13500135002\",\"address\":\"株洲\",\"postcode\":\"412000\"}}"
# burst TAG N: N orders posted at once; waits for the clients only.
burst() {
	b_pids=
	b_i=0
	while [ $b_i -lt "$2" ]; do
		post_order "$1$b_i" "$1-$b_i" &
		b_pids="$b_pids $!"
		b_i=$((b_i + 1))
	done
	wait $b_pids
}
answered() { cat "$T"/s.$1* 2>/dev/null | grep -o 201 | wc -l | tr -d ' '; }
metrics_url() { sed -n 's|.*metrics on \(http://[^ ]*\)/metrics$|\1|p' "$T/server.log" | tail -n 1; }
metric() { curl -s --max-time 5 "$(metrics_url)/metrics" | awk -v k="$1" '$1 == k { print $2 }'; }

# ---- fewer syncs than commits ----------------------------------------------
ra_start --sandbox --metrics-listen 127.0.0.1:0
c0=$(metric cakiosk_ra_store_commits_total) s0=$(metric cakiosk_ra_store_syncs_total)
like '^[0-9]+$' "$c0" "GET /metrics counts the store's commits"
like '^[0-9]+$' "$s0" "... and its syncs"
# Sharing needs the requests to meet in the server: on a loaded machine the
# 24 clients may start one by one and each commit get a sync of its own.
# So up to 5 bursts; the first in which commits shared a sync counts, and
# every burst must be answered in full and counted as commits.
try=1 all=0 commits=0 syncs=0
while [ $try -le 5 ]; do
	burst a$try 24
	all=$((all + $(answered a$try)))
	c1=$(metric cakiosk_ra_store_commits_total) s1=$(metric cakiosk_ra_store_syncs_total)
	commits=$((c1 - c0)) syncs=$((s1 - s0))
	[ $commits -ge 24 ] || break
	sqlite_only || break
	[ $syncs -ge $commits ] || break
	c0=$c1 s0=$s1 try=$((try + 1))
done
is $((24 * (try > 5 ? 5 : try))) "$all" "every burst of 24 orders at once is answered 201 ($try bursts)"
is 1 "$((commits >= 24))" "every order is a commit that wrote ($commits)"
if sqlite_only; then
	is 1 "$((syncs >= 1 && syncs < commits))" \
		"a burst's $commits commits shared $syncs syncs of the WAL"
else
	is 0 "$syncs" "PostgreSQL: no sync of the server's own ($commits commits)"
fi
ra_stop

# ---- no answer before the sync that covers its commit -----------------------
# The server under strace: its threads' writes to the WAL (a commit's
# frames), fdatasync calls, and sends on sockets (answers), with their
# times.  For every thread, after the WAL write of a commit its next send
# must come after an fdatasync of the WAL (by any thread) that began after
# that write ended and returned before the send.
if ! sqlite_only; then
	skip "the WAL's syncs: SQLite's alone"
elif ! command -v strace >/dev/null; then
	skip "strace is not installed (kiosk/install-deps.sh)"
else
	rm -f "$T/port"
	strace -f -y -ttt -T -qq -o "$T/trace" \
		-e trace=pwrite64,write,fdatasync,fsync,sendto,sendmsg,writev \
		"$RA" serve --listen 127.0.0.1:0 --port-file "$T/port" --db "$RA_DB" \
		--ca-dir "$CA" --sandbox 2>>"$T/server.log" &
	SPID=$!
	i=0
	while [ ! -s "$T/port" ] && [ $i -lt 400 ] && kill -0 "$SPID" 2>/dev/null; do
		sleep 0.05
		i=$((i + 1))
	done
	URL=https://127.0.0.1:$(cat "$T/port")
	burst b 16
	is 16 "$(answered b)" "under strace: a burst of 16 orders is answered 201"
	PID=$(pgrep -P "$SPID" | head -n 1)
	ra_stop
	wait "$SPID" 2>/dev/null
	# Each line: TID START NAME(FD<PATH>...) ... <DURATION>; a call
	# another thread interrupted is split in two, "<unfinished ...>" and
	# "<... NAME resumed>", joined here by thread.
	verdict=$(awk '
		function wal(s) { return s ~ /^[a-z0-9_]+\([0-9]+<[^>]*-wal>/ }
		function sock(s) { return s ~ /^(write|writev|sendto|sendmsg)\([0-9]+<(socket|TCP)/ }
		{
			tid = $1; t = $2 + 0; $1 = $2 = ""; sub(/^ +/, "")
			if ($0 ~ /<unfinished \.\.\.>$/) { part[tid] = $0; start[tid] = t; next }
			if ($0 ~ /^<\.\.\. [a-z0-9_]+ resumed>/) {
				if (!(tid in part)) next
				call = part[tid]; t0 = start[tid]; delete part[tid]
			} else { call = $0; t0 = t }
			d = $NF; gsub(/[<>]/, "", d); t1 = t0 + d
			if (call ~ /^fdatasync\(/ && wal(call)) { ns++; sb[ns] = t0; se[ns] = t1 }
			else if (call ~ /^pwrite64\(/ && wal(call)) { pend[tid] = t1; commits++ }
			else if (sock(call) && (tid in pend)) {
				ok = 0
				for (k = 1; k <= ns; k++) if (sb[k] >= pend[tid] && se[k] <= t0) { ok = 1; break }
				checked++
				if (!ok) bad++
				delete pend[tid]
			}
		}
		END { printf "%d %d %d\n", checked, bad + 0, ns }' "$T/trace")
	set -- $verdict
	is 1 "$(($1 >= 16))" "strace saw the answers that followed a commit ($1, $3 syncs of the WAL)"
	is 0 "$2" "no answer left before a sync of the WAL that began after its commit"
fi

# ---- SIGKILL right after the answers ----------------------------------------
ra_start --sandbox
pids=
i=0
while [ $i -lt 40 ]; do post_order k$i kill-$i & pids="$pids $!"; i=$((i + 1)); done
i=0
while [ "$(answered k)" -lt 3 ] && [ $i -lt 1500 ]; do sleep 0.01; i=$((i + 1)); done
kill -9 "$PID"; wait "$PID" 2>/dev/null; PID=
wait $pids
got=$(answered k)
is 1 "$((got >= 3))" "orders were answered before the SIGKILL ($got of 40)"
ra_start --sandbox
lost=0 checked=0
for s in "$T"/s.k*; do
	k=${s##*/s.}
	[ "$(cat "$s")" = 201 ] && [ -s "$T/r.$k" ] || continue
	oid=$("$JGET" order.id <"$T/r.$k")
	req GET "/v1/orders/$oid"
	checked=$((checked + 1))
	[ "$STATUS" = 200 ] && [ "$(j order.id)" = "$oid" ] || lost=$((lost + 1))
done
is 0 "$lost" "after SIGKILL and restart every answered order is there ($checked checked)"

done_testing
