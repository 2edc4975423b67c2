#!/bin/sh
# test_group_commit.sh - cakiosk-ra: the SQLite store's group commit.
# A burst of concurrent writes is made durable by fewer syncs of the WAL
# than there were commits; every answer to a write goes out only after a
# sync of the WAL that began after the write's commit (seen in the
# server's own system calls), and every answer to a read on a read
# connection only after a sync that covers the commits it read; a SIGKILL
# right after the answers loses none of them.  A transaction's end waits
# for the sync of what it saw when its answer goes out (store_unlock), not
# when its run is thrown away (store_unlock_discard), except for its own
# commits.  On PostgreSQL (whose server shares its flushes itself) the
# commits are counted and no sync of the server's.
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
# 24 clients post orders at once on kept-alive connections for 2 seconds:
# at most two syncs are under way at a time (GC_SYNCS), so the commits made
# meanwhile share the next ones.  (Clients that each start a process, as
# curl does, arrive one by one: each commit may then find a sync of its own
# free, and nothing shows the sharing.)
ra_start --sandbox --metrics-listen 127.0.0.1:0
c0=$(metric cakiosk_ra_store_commits_total) s0=$(metric cakiosk_ra_store_syncs_total)
like '^[0-9]+$' "$c0" "GET /metrics counts the store's commits"
like '^[0-9]+$' "$s0" "... and its syncs"
"$B/ra-tools/loadgen" -c 24 -d 2 -a "$CA/ca.crt" -e "$CA/terminal-demo.crt" \
	-k "$CA/terminal-demo.key" -p "$BODY" "$URL/v1/orders" >"$T/burst"
echo "# $(cat "$T/burst")"
posted=$(awk '{print $2}' "$T/burst")
c1=$(metric cakiosk_ra_store_commits_total) s1=$(metric cakiosk_ra_store_syncs_total)
commits=$((c1 - c0)) syncs=$((s1 - s0))
like '^requests [0-9]+ errors 0 ' "$(cat "$T/burst")" "24 clients posting orders at once: every one answered 2xx"
is 1 "$((${posted:-0} >= 24 && commits >= posted))" "every order is a commit that wrote ($posted orders, $commits commits)"
if sqlite_only; then
	is 1 "$((syncs >= 1 && syncs < commits))" \
		"$commits commits shared $syncs syncs of the WAL"
else
	is 0 "$syncs" "PostgreSQL: no sync of the server's own ($commits commits)"
fi
ra_stop

# ---- no answer before the sync that covers its commit -----------------------
# The server under strace: its threads' writes and reads of the WAL,
# fdatasync calls, and sends on sockets (answers), with their times.  A
# thread's next send must come after an fdatasync of the WAL (by any
# thread) that began after, and returned before the send:
#  - the end of the WAL write of a commit the thread made (a POST);
#  - the end of the WAL write that last put there a frame the thread then
#    read (a GET on a read connection that saw another request's commit).
# trace_start: the server under strace (SPID), its URL.
trace_start() {
	rm -f "$T/port" "$T/trace"
	strace -f -y -ttt -T -qq -s 0 -o "$T/trace" \
		-e trace=pwrite64,pread64,write,fdatasync,fsync,sendto,sendmsg,writev \
		"$RA" serve --listen 127.0.0.1:0 --port-file "$T/port" --db "$RA_DB" \
		--ca-dir "$CA" --sandbox 2>>"$T/server.log" &
	SPID=$!
	i=0
	while [ ! -s "$T/port" ] && [ $i -lt 400 ] && kill -0 "$SPID" 2>/dev/null; do
		sleep 0.05
		i=$((i + 1))
	done
	URL=https://127.0.0.1:$(cat "$T/port")
}
# trace_stop: the server stopped, its trace complete.
trace_stop() {
	PID=$(pgrep -P "$SPID" | head -n 1)
	ra_stop
	wait "$SPID" 2>/dev/null
}
# trace_verdict: "WRITES BAD_WRITES READS BAD_READS SYNCS MOST": the sends
# that followed a commit of their thread, those of them before a covering
# sync, the same for sends that followed a read of a frame another thread
# wrote, the syncs of the WAL, and the most of them under way at once.  Each line of the trace: TID START
# NAME(FD<PATH>, ...) = RET <DURATION>; a call another thread interrupted is
# split in two, "<unfinished ...>" and "<... NAME resumed>", joined here by
# thread.
trace_verdict() {
	awk '
		function wal(s) { return s ~ /^[a-z0-9_]+\([0-9]+<[^>]*-wal>/ }
		function sock(s) { return s ~ /^(write|writev|sendto|sendmsg)\([0-9]+<(socket|TCP)/ }
		# the COUNT and OFFSET of a pread64 or pwrite64 (the buffer is
		# printed empty, -s 0): into cnt and off
		function range(s,   a) {
			sub(/ *(\) += .*|<unfinished \.\.\.>)$/, "", s)
			split(s, a, /, */)
			cnt = a[3] + 0; off = a[4] + 0
		}
		{
			tid = $1; t = $2 + 0; $1 = $2 = ""; sub(/^ +/, "")
			if ($0 ~ /<unfinished \.\.\.>$/) { part[tid] = $0; start[tid] = t; next }
			if ($0 ~ /^<\.\.\. [a-z0-9_]+ resumed>/) {
				if (!(tid in part)) next
				call = part[tid]; t0 = start[tid]; delete part[tid]
			} else { call = $0; t0 = t }
			d = $NF; gsub(/[<>]/, "", d); t1 = t0 + d
			if (call ~ /^fdatasync\(/ && wal(call)) { ns++; sb[ns] = t0; se[ns] = t1 }
			else if (call ~ /^pwrite64\(/ && wal(call)) {
				range(call)
				nw++; wo[nw] = off; wn[nw] = cnt; we[nw] = t1; wt[nw] = tid
				pend[tid] = t1; kind[tid] = "w"
			} else if (call ~ /^pread64\(/ && wal(call)) {
				# the last write of these bytes done before the read began
				range(call)
				seen = 0
				for (k = nw; k >= 1; k--)
					if (we[k] <= t0 && wo[k] < off + cnt && off < wo[k] + wn[k]) { seen = k; break }
				if (seen && wt[seen] != tid && (!(tid in pend) || we[seen] > pend[tid])) {
					pend[tid] = we[seen]
					if (kind[tid] != "w") kind[tid] = "r"
				}
			} else if (sock(call) && (tid in pend)) {
				ok = 0
				for (k = 1; k <= ns; k++) if (sb[k] >= pend[tid] && se[k] <= t0) { ok = 1; break }
				checked[kind[tid]]++
				if (!ok) bad[kind[tid]]++
				delete pend[tid]; delete kind[tid]
			}
		}
		END {
			# the most syncs of the WAL under way at once: at the
			# start of each, those begun before it and not yet done
			most = 0
			for (k = 1; k <= ns; k++) {
				n = 0
				for (i = 1; i <= ns; i++) if (sb[i] <= sb[k] && sb[k] < se[i]) n++
				if (n > most) most = n
			}
			printf "%d %d %d %d %d %d\n", checked["w"], bad["w"] + 0, checked["r"], bad["r"] + 0, ns, most
		}' "$T/trace"
}
# post_get N KEY: post_order, then GET the order it made (the answer's
# status in $T/g.N).
post_get() {
	post_order "$1" "$2"
	pg_oid=$("$JGET" order.id <"$T/r.$1" 2>/dev/null)
	curl -s -o "$T/gr.$1" -w '%{http_code}' --max-time 20 --cacert "$CA/ca.crt" \
		--cert "$CA/terminal-demo.crt" --key "$CA/terminal-demo.key" \
		"$URL/v1/orders/$pg_oid" >"$T/g.$1" 2>/dev/null
	[ -n "$pg_oid" ] && [ "$("$JGET" order.id <"$T/gr.$1" 2>/dev/null)" = "$pg_oid" ] ||
		echo "not the order posted" >>"$T/g.$1"
}
if ! sqlite_only; then
	for i in 1 2 3; do skip "the WAL's syncs: SQLite's alone"; done
elif ! command -v strace >/dev/null; then
	for i in 1 2 3; do skip "strace is not installed (kiosk/install-deps.sh)"; done
else
	trace_start
	burst b 16
	is 16 "$(answered b)" "under strace: a burst of 16 orders is answered 201"
	trace_stop
	set -- $(trace_verdict)
	is 1 "$(($1 >= 16))" "strace saw the answers that followed a commit ($1, $5 syncs of the WAL)"
	is 0 "$2" "no answer left before a sync of the WAL that began after its commit"
	is 1 "$(($6 >= 1 && $6 <= 2))" "at most two syncs of the WAL under way at once ($6)"

	# Reads on read connections: clients each post an order and read it
	# back, 12 at once, while 4 others read an order 40 times each on a
	# kept connection, so that GETs see commits of other requests whose
	# sync is still to come.
	trace_start
	oid=$("$JGET" order.id <"$T/r.b0")
	pids=
	i=0
	while [ $i -lt 4 ]; do
		set --
		j=0; while [ $j -lt 40 ]; do set -- "$@" -o /dev/null "$URL/v1/orders/$oid"; j=$((j + 1)); done
		curl -s -w '%{http_code}\n' --max-time 60 --cacert "$CA/ca.crt" \
			--cert "$CA/terminal-demo.crt" --key "$CA/terminal-demo.key" "$@" >"$T/reader.$i" &
		pids="$pids $!"
		i=$((i + 1))
	done
	i=0
	while [ $i -lt 12 ]; do
		(j=0; while [ $j -lt 3 ]; do post_get "g$i-$j" "g-$i-$j"; j=$((j + 1)); done) &
		pids="$pids $!"
		i=$((i + 1))
	done
	wait $pids
	is 160 "$(cat "$T"/reader.* | grep -c '^200$')" "under strace: 4 clients read an order 40 times each (200)"
	is "36 36" "$(answered g) $(for f in "$T"/g.g*; do [ "$(cat "$f")" = 200 ] && echo; done | wc -l | tr -d ' ')" \
		"under strace: 36 orders posted and each read back (200, the order) by 12 clients"
	trace_stop
	set -- $(trace_verdict)
	is 1 "$(($3 >= 1))" "strace saw answers that followed a read of another request's commit ($3, $5 syncs)"
	is 0 "$4" "no GET answered before a sync of the WAL that began after the commits it read"
fi

# ---- which ends wait for the sync ------------------------------------------
# gcwait: a read beside an unsynced commit, thrown away then answered, and
# a writer's run with a commit thrown away; the syncs after each.
if sqlite_only; then want="0 1 1 2"; else want="0 0 0 0"; fi
got=$("$B/ra-tools/gcwait" "$RA_DB" 2>>"$T/gcwait.log" | awk '{print $2, $4, $6, $8}')
is "$want" "$got" "a run thrown away waits for no sync but its own commit's; an answer for what it saw"

# ---- two syncs at once, no more ----------------------------------------------
# A commit made while the disk finishes another's sync starts one of its
# own beside it, up to two at once (GC_SYNCS); later ones share the next.
# gcwait's 4 writers, every fdatasync 30 ms slower: exactly two under way
# at once (one alone, or one for every writer, each fails it).
if sqlite_only; then
	rm -f "$T/overlap.db"*
	set -- $("$B/ra-tools/gcwait" "$T/overlap.db" overlap 2>>"$T/gcwait.log")
	is "most 2" "$1 $2" "slow syncs: a second sync starts beside the first, never a third ($*)"
	is 1 "$((${4:-0} >= 1 && ${4:-0} < ${6:-0}))" "... and the commits made meanwhile share them ($4 syncs, $6 commits)"
else
	skip "the WAL's syncs: SQLite's alone"
	skip "the WAL's syncs: SQLite's alone"
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
