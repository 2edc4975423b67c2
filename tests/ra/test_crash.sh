#!/bin/sh
# test_crash.sh - cakiosk-ra: kill -9 in the middle of a burst of orders,
# restart, nothing committed is lost and idempotency keys still hold;
# concurrent duplicates of one POST make one order.
. "$(dirname "$0")/lib.sh"
ra_start --sandbox

BODY="{\"kind\":\"apply\",\"subject_type\":\"person\",\"subject_id\":\"$PERSON2\",\"form\":{\"email\":\"ly@example.cn\",\"mobile\":\"13500135001\",\"address\":\"株洲\",\"postcode\":\"412000\"}}"

# Ten copies of one POST at once: one order.
# (wait only for the clients: a bare wait would wait for the server too)
pids=
i=0
while [ $i -lt 10 ]; do post_order dup$i same-key & pids="$pids $!"; i=$((i + 1)); done
wait $pids
ids=$(for i in 0 1 2 3 4 5 6 7 8 9; do "$JGET" order.id <"$T/r.dup$i"; done | sort -u)
is 1 "$(echo "$ids" | wc -l | tr -d ' ')" "ten concurrent copies of one POST answer with one order"
like '^[0-9]{16}$' "$ids" "... a real order"

# A burst of 60 orders, killed with SIGKILL part-way.
pids=
i=0
while [ $i -lt 60 ]; do post_order $i burst-$i & pids="$pids $!"; i=$((i + 1)); done
deadline=0
while [ $deadline -lt 1500 ]; do
	done_n=$(cat "$T"/s.[0-9]* 2>/dev/null | grep -o 201 | wc -l)
	[ "$done_n" -ge 5 ] && break
	sleep 0.01; deadline=$((deadline + 1))
done
kill -9 "$PID"; wait "$PID" 2>/dev/null; PID=
wait $pids
answered=$(cat "$T"/s.[0-9]* 2>/dev/null | grep -o 201 | wc -l | tr -d ' ')
is 1 "$(( answered >= 5 ))" "orders were answered 201 before the kill ($answered of 60)"
ra_start --sandbox
lost=0 checked=0
for s in "$T"/s.[0-9]*; do
	k=${s##*/s.}
	[ "$(cat "$s")" = 201 ] || continue
	# killed between the status line and the body: the client never
	# learnt the order, so it is no answered order
	[ -s "$T/r.$k" ] || continue
	oid=$("$JGET" order.id <"$T/r.$k")
	req GET "/v1/orders/$oid"
	checked=$((checked + 1))
	[ "$STATUS" = 200 ] && [ "$(j order.id)" = "$oid" ] || lost=$((lost + 1))
done
is 0 "$lost" "after kill -9 and restart every answered order is there ($checked checked)"
k=$(for s in "$T"/s.[0-9]*; do [ "$(cat "$s")" = 201 ] && [ -s "$T/r.${s##*/s.}" ] && { echo "${s##*/s.}"; break; }; done)
first=$("$JGET" order.id <"$T/r.$k")
post_order again "burst-$k"
is "$first" "$("$JGET" order.id <"$T/r.again")" "a retried POST after the crash gets the same order"
req POST /v1/orders "$BODY"
is 201 "$STATUS" "the restarted store takes new orders"

done_testing
