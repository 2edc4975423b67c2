#!/bin/sh
# test_two_instances.sh - cakiosk-ra: two server processes on one store
# behave as one.  Bursts of renewals (order, confirmation, payment, the pay
# page, the certificate) and of an unlock (order, verification,
# confirmation, the SO PIN's release) from concurrent clients, each request
# sent to both instances at once with the same Idempotency-Key, as a client
# retrying through a load balancer does; then the store and the API are
# checked for one order per key, one paid payment and one invoice per order,
# one certificate per order and one release of the SO PIN.  In a second
# burst one instance is killed with SIGKILL halfway: the clients retry on
# the survivor with the same keys, every renewal finishes and the same
# invariants hold.  The store is RA_DB (a SQLite file or a PostgreSQL
# database), so the script runs on both stores.
. "$(dirname "$0")/lib.sh"
mkfiles
ra_start --sandbox
URL1=$URL
DAY=86400
now=$(date +%s)

# ---- the second instance ----------------------------------------------------
# inst2_start OPTIONS...: a second server on the same store and CA
# directory, its own port and log; sets PID2 and URL2.
PID2=
inst2_start() {
	rm -f "$T/port2"
	"$RA" serve --listen 127.0.0.1:0 --port-file "$T/port2" --db "${RA_DB:-$T/db}" \
		--ca-dir "$CA" "$@" 2>>"$T/server2.log" &
	PID2=$!
	i=0
	while [ $i -lt 200 ]; do
		if [ -s "$T/port2" ]; then
			URL2=https://127.0.0.1:$(cat "$T/port2")
			curl -s -o /dev/null --max-time 2 --cacert "$CA/ca.crt" "$URL2/v1/health" && return 0
		fi
		kill -0 "$PID2" 2>/dev/null || break
		sleep 0.05
		i=$((i + 1))
	done
	echo "Bail out! the second cakiosk-ra did not start"; cat "$T/server2.log"; exit 1
}
trap 'if [ -n "$PID2" ]; then kill -9 "$PID2" 2>/dev/null; wait "$PID2" 2>/dev/null; fi; ra_cleanup' EXIT
inst2_start --sandbox

# q SQL: one value from the store, whichever it is.
q() { db_sql "$1"; }

# ---- clients ----------------------------------------------------------------
# send OUT METHOD PATH KEY BODY URL...: one request as a client makes it:
# to the first URL, and while the answer is no answer or a 5xx, again with
# the same key to the next one (round the list), for at most 30 s; the
# customer's session when there is one.  The status goes to OUT.code, the
# body to OUT.
send() {
	s_out=$1 s_m=$2 s_p=$3 s_k=$4 s_b=$5
	shift 5
	s_end=$(($(date +%s) + 30))
	while :; do
		for s_u in "$@"; do
			s_code=$(curl -s -o "$s_out" -w '%{http_code}' --max-time 10 \
				--cacert "$CA/ca.crt" --cert "$CA/$CERT.crt" --key "$CA/$CERT.key" \
				${SESSION:+-H "Authorization: Bearer $SESSION"} -H "Idempotency-Key: $s_k" \
				-H 'Content-Type: application/json' -X "$s_m" \
				${s_b:+--data-binary "$s_b"} "$s_u$s_p")
			echo "$s_code" >"$s_out.code"
			case $s_code in 000 | 5*) ;; *) return 0 ;; esac
			echo "$s_m $s_p $s_k: $s_code on $s_u" >>"$T/retries"
			[ "$(date +%s)" -lt "$s_end" ] || return 1
		done
		sleep 0.1
	done
}
# both OUT METHOD PATH KEY [BODY]: the same request (same key) to both
# instances at once, each falling back on the other; OUT.1 and OUT.2.
both() {
	send "$1.1" "$2" "$3" "$4" "${5:-}" "$URL1" "$URL2" &
	b_p=$!
	send "$1.2" "$2" "$3" "$4" "${5:-}" "$URL2" "$URL1"
	wait "$b_p"
}
# val FILE PATH: a member of a stored answer ("" when none).
val() { "$JGET" "$2" <"$1" 2>/dev/null || :; }

# renewal DIR N C: the whole renewal of certificate $T/old-C.crt, every
# step sent to both instances; the certificate's request also comes a third
# time with a key of its own (another kiosk finishing the same order).  What
# each step answered stays in DIR/N.*, the order's id in DIR/N.done at the end.
renewal() {
	d=$1/$2 k=${1##*/}-$2
	both "$d.order" POST /v1/orders "$k-order" "{\"kind\":\"renew\",\"subject_type\":\"person\",\"subject_id\":\"$PERSON2\",\"term_years\":1,\"certificate\":\"$(pem_json "$T/old-$3.crt")\",\"form\":{\"email\":\"renew@example.cn\"}}"
	oid=$(val "$d.order.1" order.id)
	[ -n "$oid" ] || oid=$(val "$d.order.2" order.id)
	both "$d.confirm" POST "/v1/orders/$oid/confirm" "$k-confirm"
	both "$d.pay" POST "/v1/orders/$oid/payments" "$k-pay" '{"channel":"alipay"}'
	pid=$(val "$d.pay.1" payment.id)
	[ -n "$pid" ] || pid=$(val "$d.pay.2" payment.id)
	# The customer's phone opens the pay page: on both.
	both "$d.page" GET "/pay/$pid" "-"
	newcsr "new-$k"
	body="{\"csr\":\"$(pem_json "$T/new-$k.csr")\",\"proof\":\"$(renew_proof "old-$3" "$oid" "new-$k")\"}"
	send "$d.cert.3" POST "/v1/orders/$oid/certificate" "$k-cert-other" "$body" "$URL2" "$URL1" &
	r_p=$!
	both "$d.cert" POST "/v1/orders/$oid/certificate" "$k-cert" "$body"
	wait "$r_p"
	echo "$oid" >"$d.done"
}
# burst DIR N FIRST: N renewals at once, of certificates FIRST.., in the
# background (their processes added to JOBS; the servers are jobs too).
JOBS=
burst() {
	mkdir "$1"
	b_i=1
	while [ $b_i -le "$2" ]; do
		renewal "$1" $b_i $(($3 + b_i - 1)) &
		JOBS="$JOBS $!"
		b_i=$((b_i + 1))
	done
}
# count DIR SUFFIX: files of DIR whose names end in SUFFIX.
count() { ls "$1" | grep -c -- "$2\$"; }
# burst_wait DIR N SECONDS: until N renewals of DIR are done; false at the deadline.
burst_wait() {
	w_end=$(($(date +%s) + $3))
	while [ "$(count "$1" .done)" -lt "$2" ]; do
		[ "$(date +%s)" -lt "$w_end" ] || return 1
		sleep 0.1
	done
}

# check_renewals DIR N FIRST: the invariants of DIR's N renewals, over the
# API and in the store; the ones broken, named.
check_renewals() {
	bad=
	c_i=1
	while [ $c_i -le "$2" ]; do
		d=$1/$c_i old=$(cat "$T/old-$(($3 + c_i - 1)).serial")
		o1=$(val "$d.order.1" order.id) o2=$(val "$d.order.2" order.id)
		c="$(cat "$d.order.1.code") $(cat "$d.order.2.code")"
		[ "$c" = "201 201" ] && [ -n "$o1" ] && [ "$o1" = "$o2" ] ||
			bad="$bad order-$c_i($c $o1 $o2)"
		[ "$(q "SELECT count(*) FROM orders WHERE old_serial = '$old'")" = 1 ] ||
			bad="$bad orders-of-key-$c_i"
		p1=$(val "$d.pay.1" payment.id) p2=$(val "$d.pay.2" payment.id)
		[ -n "$p1" ] && [ "$p1" = "$p2" ] || bad="$bad payment-$c_i($p1 $p2)"
		c="$(cat "$d.page.1.code") $(cat "$d.page.2.code")"
		[ "$c" = "200 200" ] || bad="$bad page-$c_i($c)"
		[ "$(q "SELECT count(*) FROM payments WHERE order_id = '$o1' AND state = 'paid'")" = 1 ] ||
			bad="$bad paid-$c_i"
		[ "$(q "SELECT count(*) FROM payments WHERE order_id = '$o1'")" = 1 ] ||
			bad="$bad payments-$c_i"
		[ "$(q "SELECT count(*) FROM invoices WHERE order_id = '$o1'")" = 1 ] ||
			bad="$bad invoice-$c_i"
		# The certificate: every 201 names one serial, the store holds it alone.
		serials=$(for k in 1 2 3; do
			[ "$(cat "$d.cert.$k.code")" != 201 ] || val "$d.cert.$k" serial
		done | sort -u)
		[ -n "$serials" ] && [ "$(echo "$serials" | wc -l)" = 1 ] ||
			bad="$bad cert-answers-$c_i($(cat "$d.cert.1.code" "$d.cert.2.code" "$d.cert.3.code" | tr '\n' ' '))"
		[ "$(q "SELECT count(*) FROM certificates WHERE order_id = '$o1'")" = 1 ] ||
			bad="$bad certs-$c_i"
		[ "$(q "SELECT serial FROM certificates WHERE order_id = '$o1'")" = "$serials" ] ||
			bad="$bad cert-serial-$c_i"
		c_i=$((c_i + 1))
	done
	echo "${bad# }"
}

# ---- the bed ----------------------------------------------------------------
N1=4 N2=6
i=1
while [ $i -le $((N1 + N2)) ]; do
	sandbox_cert "old-$i" $((now - 300 * DAY)) $((now + 30 * DAY)) person "$PERSON2"
	j serial >"$T/old-$i.serial"
	i=$((i + 1))
done
is 201 "$STATUS" "$((N1 + N2)) certificates to renew"
SERIAL=SH-TWO1
P1_MOBILE=13800138001
CERT=staff-demo
keep_secret so_pin so-two-1
req POST /v1/tokens "{\"serial\":\"$SERIAL\",\"so_pin\":\"so-two-1\",\"subject_type\":\"person\",\"subject_id\":\"$PERSON1\"}"
is 201 "$STATUS" "staff escrow a token's SO PIN"
CERT=terminal-demo
login person "$PERSON1" "$P1_MOBILE"
URL=$URL2
req GET "/v1/sandbox/sms?mobile=$P1_MOBILE"
is 200 "$STATUS" "the second instance serves the same store"
URL=$URL1

# ---- pay pages on one instance while the other writes ----------------------
# The pay page is a GET that writes (it pays).  Its reads begin a snapshot;
# when the other instance commits before the page's first write, SQLite
# refuses the write (SQLITE_BUSY_SNAPSHOT) whatever the busy timeout: the
# page must then run again holding the write lock, not say "paid" for a
# payment it did not keep.
M=40
sandbox_cert pp $((now - 300 * DAY)) $((now + 30 * DAY)) person "$PERSON3"
# pending K: M/4 renewal orders confirmed with a payment pending; the
# payments' ids in $T/pp.ids.K (four of these at once).
pending() {
	p_i=1
	while [ $p_i -le $((M / 4)) ]; do
		o=$T/pp.$1
		send "$o" POST /v1/orders "pp-$1-$p_i" "{\"kind\":\"renew\",\"subject_type\":\"person\",\"subject_id\":\"$PERSON3\",\"term_years\":1,\"certificate\":\"$(pem_json "$T/pp.crt")\",\"form\":{\"email\":\"renew@example.cn\"}}" "$URL1"
		p_o=$(val "$o" order.id)
		send "$o" POST "/v1/orders/$p_o/confirm" "pp-$1-$p_i-c" "" "$URL1"
		send "$o" POST "/v1/orders/$p_o/payments" "pp-$1-$p_i-p" '{"channel":"alipay"}' "$URL1"
		val "$o" payment.id >>"$T/pp.ids.$1"
		p_i=$((p_i + 1))
	done
}
pp=
for k in 1 2 3 4; do
	pending $k &
	pp="$pp $!"
done
wait $pp
is $M "$(q "SELECT count(*) FROM payments WHERE state = 'pending'")" "$M payments pending"
# Instance 1 makes orders as fast as it can meanwhile.
"$B/ra-tools/loadgen" -c 4 -d 4 -a "$CA/ca.crt" -e "$CA/$CERT.crt" -k "$CA/$CERT.key" \
	-p "{\"kind\":\"apply\",\"subject_type\":\"person\",\"subject_id\":\"$PERSON1\",\"form\":{\"email\":\"b@example.cn\",\"mobile\":\"13800138001\",\"address\":\"x\",\"postcode\":\"410011\"}}" \
	"$URL1/v1/orders" >"$T/writes" &
lg=$!
# the writer's first orders in (its run lasts 4 s)
w_end=$(($(date +%s) + 4))
while [ "$(q "SELECT count(*) FROM orders WHERE kind = 'apply'")" -lt 20 ] && [ "$(date +%s)" -lt "$w_end" ]; do
	sleep 0.05
done
pages=
cat "$T"/pp.ids.? >"$T/pp.ids"
for p in $(cat "$T/pp.ids"); do
	curl -s -o "$T/pp.$p" -w '%{http_code}' --max-time 20 --cacert "$CA/ca.crt" "$URL2/pay/$p" >"$T/pp.$p.code" &
	pages="$pages $!"
done
wait $pages
wait $lg
like "^requests [1-9]" "$(cat "$T/writes")" "instance 1 wrote meanwhile"
said=0
for p in $(cat "$T/pp.ids"); do
	[ "$(cat "$T/pp.$p.code")" != 200 ] || said=$((said + 1))
done
is "$M $M" "$said $(q "SELECT count(*) FROM payments WHERE state = 'paid'")" \
	"every pay page opened on instance 2 said paid, and the store holds each payment paid"
is "" "$(grep -F ' error: ' "$T/server2.log" | head -3)" "... without a store error on instance 2"

# ---- burst 1: both instances up ---------------------------------------------
burst "$T/b1" $N1 1
# The unlock, meanwhile: every step on both; the authorization a third
# time with a key of its own.
mkdir "$T/u1"
u=$T/u1/u
(
	both "$u.order" POST /v1/orders u1-order "{\"kind\":\"unlock\",\"subject_type\":\"person\",\"subject_id\":\"$PERSON1\",\"token_serial\":\"$SERIAL\"}"
	uoid=$(val "$u.order.1" order.id)
	both "$u.verify" POST "/v1/orders/$uoid/verify" u1-verify "{\"party\":\"person\",\"method\":\"mobile\",\"mobile\":\"$P1_MOBILE\"}"
	both "$u.confirm" POST "/v1/orders/$uoid/confirm" u1-confirm
	send "$u.auth.3" POST "/v1/orders/$uoid/unlock-authorization" u1-auth-other "" "$URL2" "$URL1" &
	a_p=$!
	both "$u.auth" POST "/v1/orders/$uoid/unlock-authorization" u1-auth
	wait "$a_p"
	echo "$uoid" >"$u.done"
) &
JOBS="$JOBS $!"
burst_wait "$T/b1" $N1 120 && burst_wait "$T/u1" 1 60
is 0 $? "burst 1: $N1 renewals and an unlock, every request on both instances, finish"
wait $JOBS
JOBS=
is "" "$(check_renewals "$T/b1" $N1 1)" "burst 1: one order per key, one paid payment, one invoice and one certificate per order"

UOID=$(cat "$u.done")
is "201 201 $(val "$u.order.1" order.id)" "$(cat "$u.order.1.code" "$u.order.2.code" | tr '\n' ' ')$(val "$u.order.2" order.id)" \
	"burst 1: the unlock order is one order on both instances"
# One key gets the SO PIN: the same key's two requests both (one of them
# replayed), or the other key's alone and the two are refused.
codes="$(cat "$u.auth.1.code") $(cat "$u.auth.2.code") $(cat "$u.auth.3.code")"
like "^(200 200 409|409 409 200)$" "$codes" "burst 1: the SO PIN is released to one key only, whichever instance each request reached"
pins=$(for k in 1 2 3; do [ "$(cat "$u.auth.$k.code")" != 200 ] || val "$u.auth.$k" so_pin; done | sort -u)
is so-two-1 "$pins" "... every answer that gives it gives the escrowed one"
refused=$(for k in 1 2 3; do [ "$(cat "$u.auth.$k.code")" = 200 ] || val "$u.auth.$k" error.code; done | sort -u)
is wrong_state "$refused" "... the others are refused: the order is authorized already"
is 1 "$(q "SELECT count(*) FROM orders WHERE kind = 'unlock'")" "burst 1: one unlock order in the store"
is 1 "$(q "SELECT count(*) FROM order_events WHERE order_id = '$UOID' AND to_state = 'authorized'")" \
	"burst 1: the store records one release"
is "$UOID" "$(q "SELECT holder FROM tokens WHERE serial = '$SERIAL'")" "burst 1: the order holds the token"
URL=$URL2
req GET "/v1/orders/$(cat "$T/b1/1.done")"
is issued "$(j order.state)" "burst 1: the other instance shows a renewal issued"
URL=$URL1

# ---- burst 2: one instance killed halfway ------------------------------------
: >"$T/retries"
burst "$T/b2" $N2 $((N1 + 1))
# Halfway: once half the renewals have their payment, instance 2 is killed.
k_end=$(($(date +%s) + 60))
while [ "$(count "$T/b2" .pay.2.code)" -lt $((N2 / 2)) ] && [ "$(date +%s)" -lt "$k_end" ]; do
	sleep 0.05
done
kill -KILL "$PID2"
wait "$PID2" 2>/dev/null
PID2=
left=$((N2 - $(count "$T/b2" .done)))
burst_wait "$T/b2" $N2 120
is 0 $? "burst 2: instance 2 killed with $left of $N2 renewals under way; they all finish"
wait $JOBS
like "on $URL2" "$(cat "$T/retries")" "burst 2: the clients' requests to the killed instance were sent again to the survivor"
is "" "$(check_renewals "$T/b2" $N2 $((N1 + 1)))" "burst 2: one order per key, one paid payment, one invoice and one certificate per order"
is $((N1 + N2)) "$(q "SELECT count(*) FROM certificates WHERE order_id IS NOT NULL")" "no certificate more than the renewals"
is $((M + N1 + N2)) "$(q "SELECT count(*) FROM payments WHERE state = 'paid'")" "no payment more than the orders"
req GET /v1/health
is 200 "$STATUS" "the survivor still serves"
if grep -Eq 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$T/server2.log" 2>/dev/null; then
	not_ok "no sanitizer report from the second instance"; sed 's/^/# /' "$T/server2.log" | head -60
else ok "no sanitizer report from the second instance"; fi
done_testing
