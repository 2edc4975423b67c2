#!/bin/sh
# test_prices.sh - cakiosk-ra: GET /v1/prices, the table a kiosk shows before
# an order exists, agrees with what orders cost, and needs the terminal's
# certificate (the kiosk's background check relies on that to see an
# expired or revoked one).
. "$(dirname "$0")/lib.sh"
ra_start --sandbox
DAY=86400
now=$(date +%s)

req GET /v1/prices
is 200 "$STATUS" "the prices are there for a terminal"
is CNY "$(j currency)" "in CNY"
is 22 "$(j -n prices)" "one row per kind, subject type and term (unlock and change: one term)"
# price KIND TYPE TERM: the table's price.
price() {
	i=0
	while [ $i -lt 22 ]; do
		if [ "$(j prices.$i.kind)/$(j prices.$i.subject_type)/$(j prices.$i.term_years)" = "$1/$2/$3" ]; then
			j prices.$i.price; return
		fi
		i=$((i + 1))
	done
}
table=
for t in 1 2 3; do table="$table $(price renew unit $t) $(price renew person $t)"; done
is " 30000 15000 55000 28000 80000 40000" "$table" "renewal prices by term: unit, person"
is "40000 20000 0" "$(price apply unit 1) $(price apply person 1) $(price unlock unit 1)" "apply and unlock"

sandbox_cert pu $((now - 300 * DAY)) $((now + 30 * DAY)) unit "$UNIT2"
for t in 1 2 3; do
	req GET /v1/prices; want=$(price renew unit $t)
	req POST /v1/orders "{\"kind\":\"renew\",\"subject_type\":\"unit\",\"subject_id\":\"$UNIT2\",\"term_years\":$t,\"certificate\":\"$(pem_json "$T/pu.crt")\",\"form\":{\"email\":\"renew@example.cn\"}}"
	is "$want" "$(j order.price)" "a $t-year renewal order costs what the table says"
done

CERT=
req GET /v1/prices
is "401 client_cert_required" "$STATUS $(j error.code)" "without a terminal certificate: refused"
req GET /v1/health
is 200 "$STATUS" "the health answer stays public"
done_testing
