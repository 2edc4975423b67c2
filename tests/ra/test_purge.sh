#!/bin/sh
# test_purge.sh - cakiosk-ra purge (PROTOCOL.md, "Retention"): real data
# made through the API (orders in progress and finished with their
# documents, sessions, staff sessions, SMS codes, links, enrolment codes,
# failed checks), some of it backdated in the store to be past its life;
# then exactly what went and what stayed, per kind.  --dry-run deletes
# nothing; orders, certificates, escrowed SO PINs, payments, the audit and
# every row a try limit or a lockout reads survive (no limit opens sooner
# for a purge); a purge runs while the server serves; a missing or broken
# store is a plain message and status 1.
. "$(dirname "$0")/lib.sh"

db_client || { echo "1..0 # SKIP no sqlite3 (kiosk/install-deps.sh installs it)"; exit 0; }
mkfiles
ra_start --sandbox
# q SQL: one value (or rows) from the store, beside the running server.
q() { db_sql "$1"; }
# purge [OPTIONS]: cakiosk-ra purge on the test store; output in $T/purge,
# status in PRC.
purge() { "$RA" purge --db "$RA_DB" "$@" >"$T/purge" 2>"$T/purge.err"; PRC=$?; }
# said KIND: the number purge gave for KIND.
said() { awk -v k="$1" '$1 == k { print $2 }' "$T/purge"; }
NOW=$(date +%s)
OLD=$((NOW - 40 * 86400))
PIN_A=24681357 PIN_B=97531864
keep_secret staff_pin "$PIN_A"; keep_secret staff_pin "$PIN_B"

# ---- orders: finished and in progress, each with documents ---------------
login unit "$UNIT1" 13912345678 || not_ok "login"
LIVE=$SESSION
unit_order_ready; O_REJ=$OID
pay_approve "$O_REJ" '{"decision":"reject","reason":"blurred scan"}'
is rejected "$(j order.state)" "a rejected order (its documents in)"
unit_order_ready; O_CAN=$OID
req POST "/v1/orders/$O_CAN/upload-link"
upload "$(j url)" business_licence=@"$T/doc.txt"
is 415 "$STATUS" "... a cancelled one with a refused upload too"
req POST "/v1/orders/$O_CAN/cancel"
unit_order_ready; O_NEW=$OID
req POST "/v1/orders/$O_NEW/cancel"
is cancelled "$(j order.state)" "... one cancelled today"
approved_unit_order; O_ISS=$OID
newcsr iss
req POST "/v1/orders/$O_ISS/certificate" "{\"csr\":\"$(pem_json "$T/iss.csr")\"}"
is 201 "$STATUS" "... an issued one"
unit_order_ready; O_DRAFT=$OID
unit_order_ready; O_REV=$OID
pay_order "$O_REV"
req GET "/v1/orders/$O_REV"
is under_review "$(j order.state)" "... and in progress: a draft and one under review"
for o in $O_REJ $O_CAN $O_NEW $O_ISS $O_DRAFT $O_REV; do
	is 4 "$(q "SELECT count(*) FROM documents WHERE order_id = '$o'")" "order $o holds 4 documents"
done
# All but the one cancelled today reached their state 40 days ago.
q "UPDATE orders SET created = $OLD, updated = $OLD WHERE id IN ('$O_REJ', '$O_CAN', '$O_ISS', '$O_DRAFT', '$O_REV');
   UPDATE documents SET created = $OLD WHERE order_id != '$O_NEW';
   UPDATE upload_refusals SET at = $OLD"

# ---- sessions, staff sessions ---------------------------------------------
login unit "$UNIT2" 13600136000 || not_ok "login of $UNIT2"
DEAD=$SESSION
SESSION=$LIVE
q "UPDATE sessions SET expires = $((NOW - 1)) WHERE token_hash = '$(printf %s "$DEAD" | sha256sum | cut -c1-64)'"
printf '%s\n' "$PIN_A" | "$RA" staff add 2001 --db "$RA_DB" >/dev/null 2>&1
printf '%s\n' "$PIN_B" | "$RA" staff add 2002 --db "$RA_DB" >/dev/null 2>&1
# slogin NUMBER PIN: POST /v1/staff/login; sets SSN on success.
slogin() {
	s=$SESSION; SESSION=
	req POST /v1/staff/login "{\"staff_no\":\"$1\",\"pin\":\"$2\"}"
	SESSION=$s SSN=
	[ "$STATUS" = 201 ] && SSN=$(j session) && keep_secret staff_session "$SSN"
	return 0
}
slogin 2001 "$PIN_A"; SS_DEAD=$SSN
slogin 2001 "$PIN_A"; SS_LIVE=$SSN
q "UPDATE staff_sessions SET expires = $((NOW - 1)) WHERE token_hash = '$(printf %s "$SS_DEAD" | sha256sum | cut -c1-64)'"
# 2002 locked by wrong PINs (the lockout is the account's).
for i in 1 2 3 4 5; do slogin 2002 1111000$i; done
slogin 2002 "$PIN_B"
is staff_locked "$(j error.code)" "5 wrong PINs lock staff 2002 (the right PIN refused)"
LOCKED_STAFF=$(q "SELECT failures || ' ' || locked_until FROM staff WHERE number = '2002'")

# ---- SMS codes: the hourly limit counts expired codes ---------------------
# Five codes to PERSON1, each moved 10 minutes back after it was sent (the
# 60 s between codes passed): all expired, all within the hour.
i=0
while [ $i -lt 5 ]; do
	i=$((i + 1))
	req POST /v1/sms "{\"subject_type\":\"person\",\"subject_id\":\"$PERSON1\"}"
	q "UPDATE sms_codes SET created = created - 600, expires = expires - 600 WHERE subject_id = '$PERSON1'"
done
req POST /v1/sms "{\"subject_type\":\"person\",\"subject_id\":\"$PERSON1\"}"
is 429 "$STATUS" "5 SMS codes to one customer within the hour: a 6th is refused"
# And one code from two hours ago, long expired: past its life.
req POST /v1/sms "{\"subject_type\":\"person\",\"subject_id\":\"$PERSON2\"}"
q "UPDATE sms_codes SET created = created - 7200, expires = expires - 7200 WHERE subject_id = '$PERSON2'"

# ---- failed checks: one order locked now, another's failures a day old ----
FORM='"form":{"email":"c@example.cn","mobile":"13100000000","address":"长沙","postcode":"410011"}'
s=$SESSION; SESSION=
for who in "$PERSON2" "$PERSON3"; do
	req POST /v1/orders "{\"kind\":\"apply\",\"subject_type\":\"person\",\"subject_id\":\"$who\",$FORM}"
	o=$(j order.id)
	for g in 1 2 3; do
		req POST "/v1/orders/$o/verify" "{\"party\":\"person\",\"method\":\"mobile\",\"mobile\":\"1390000000$g\"}"
	done
	[ "$who" = "$PERSON2" ] && O_LOCK=$o || O_AGED=$o
done
SESSION=$s
q "UPDATE failures SET at = at - 90000 WHERE order_id = '$O_AGED'"

# ---- idempotency answers, links, enrolment codes, an escrowed SO PIN -----
IDEM=purge-old-$$ req POST "/v1/orders/$O_DRAFT/status-link"
IDEM=purge-new-$$ req POST "/v1/orders/$O_DRAFT/status-link"
S_LIVE=$(j url)
q "UPDATE idempotency SET created = created - 90000 WHERE key = 'purge-old-$$'"
req POST "/v1/orders/$O_ISS/status-link"
S_DEAD=$(j url)
q "UPDATE status_links SET expires = $((NOW - 1)) WHERE order_id = '$O_ISS'"
q "UPDATE upload_links SET expires = $((NOW - 1)) WHERE order_id != '$O_DRAFT'"
req POST "/v1/orders/$O_DRAFT/upload-link"
U_LIVE=$(j url)
"$RA" enrol-code --db "$RA_DB" T-OLD >/dev/null
"$RA" enrol-code --db "$RA_DB" T-NEW >/dev/null
q "UPDATE enrol_codes SET expires = $((NOW - 1)) WHERE terminal_id = 'T-OLD'"
CERT=staff-demo
req POST /v1/tokens "{\"serial\":\"PURGE-0001\",\"so_pin\":\"12345678\",\"subject_type\":\"unit\",\"subject_id\":\"$UNIT1\"}"
CERT=terminal-demo
is 201 "$STATUS" "an escrowed SO PIN"
keep_secret so_pin 12345678

# What must go, counted in the store before the purge.
EXP_IDEM=1 EXP_SESS=1 EXP_SSESS=1 EXP_SMS=1 EXP_ENROL=1 EXP_STATUS=1 EXP_FAIL=3
EXP_UPLOAD=$(q "SELECT count(*) FROM upload_links WHERE expires <= $NOW")
EXP_DOCS=12 EXP_REFUSED=1
KEEP="orders order_events verifications payments invoices certificates seals tokens staff audit calls terminals"
# snapshot FILE: the number of rows of every table.
snapshot() {
	for t in $(db_tables); do
		echo "$t $(q "SELECT count(*) FROM $t")"
	done >"$1"
}
snapshot "$T/before"
like '^certificates [1-9]' "$(grep '^certificates ' "$T/before")" "the store holds certificates before the purge"

# ---- --dry-run: counts, deletes nothing -------------------------------------
purge --dry-run
is 0 "$PRC" "purge --dry-run: status 0"
snapshot "$T/dry"
if cmp -s "$T/before" "$T/dry"; then ok "... deletes nothing"; else not_ok "... deletes nothing"; diff "$T/before" "$T/dry" | sed 's/^/# /'; fi
like 'would be deleted' "$(cat "$T/purge")" "... and says what would be deleted"
for k in idempotency:$EXP_IDEM sessions:$EXP_SESS staff_sessions:$EXP_SSESS sms_codes:$EXP_SMS \
	enrol_codes:$EXP_ENROL upload_links:$EXP_UPLOAD status_links:$EXP_STATUS failures:$EXP_FAIL \
	documents:$EXP_DOCS upload_refusals:$EXP_REFUSED; do
	is "${k#*:}" "$(said "${k%%:*}")" "dry run: ${k%%:*} ${k#*:}"
done
purge --dry-run --documents-days 41
is 0 "$(said documents)" "--documents-days 41: no document of orders finished 40 days ago"
purge --dry-run --documents-days never
is 0 "$(said documents)" "--documents-days never: no document"
for bad in 0 -1 x 36501 ''; do
	purge --documents-days "$bad"
	is 2 "$PRC" "--documents-days '$bad' is refused (status 2)"
done
like 'documents-days wants 1..36500 days or "never"' "$(cat "$T/purge.err")" "... with a plain message"

# ---- the purge ----------------------------------------------------------------
purge
is 0 "$PRC" "purge: status 0"
is 11 "$(wc -l <"$T/purge")" "... one line per kind"
for k in idempotency:$EXP_IDEM sessions:$EXP_SESS staff_sessions:$EXP_SSESS sms_codes:$EXP_SMS \
	enrol_codes:$EXP_ENROL upload_links:$EXP_UPLOAD status_links:$EXP_STATUS failures:$EXP_FAIL \
	documents:$EXP_DOCS upload_refusals:$EXP_REFUSED; do
	is "${k#*:}" "$(said "${k%%:*}")" "purge deleted ${k%%:*}: ${k#*:}"
done
snapshot "$T/after"
# gone TABLE N: the table lost exactly N rows.
gone() {
	b=$(awk -v t="$1" '$1 == t { print $2 }' "$T/before")
	a=$(awk -v t="$1" '$1 == t { print $2 }' "$T/after")
	is "$2" "$((b - a))" "$1: $2 rows fewer in the store"
}
gone idempotency $EXP_IDEM
gone sessions $EXP_SESS
gone staff_sessions $EXP_SSESS
gone sms_codes $EXP_SMS
gone enrol_codes $EXP_ENROL
gone upload_links $EXP_UPLOAD
gone status_links $EXP_STATUS
gone failures $EXP_FAIL
gone documents $EXP_DOCS
gone upload_refusals $EXP_REFUSED
for t in $KEEP; do gone "$t" 0; done

# What went is the right rows.
is 0 "$(q "SELECT count(*) FROM idempotency WHERE key = 'purge-old-$$'")" "the day-old idempotency answer went"
IDEM=purge-new-$$ req POST "/v1/orders/$O_DRAFT/status-link"
is "$S_LIVE" "$(j url)" "... the fresh one still replays"
is 0 "$(q "SELECT count(*) FROM sms_codes WHERE subject_id = '$PERSON2'")" "the SMS code of two hours ago went"
is 0 "$(q "SELECT count(*) FROM enrol_codes WHERE terminal_id = 'T-OLD'")" "the expired enrolment code went"
is 1 "$(q "SELECT count(*) FROM enrol_codes WHERE terminal_id = 'T-NEW'")" "... the live one stayed"
for o in $O_REJ $O_CAN $O_ISS; do
	is 0 "$(q "SELECT count(*) FROM documents WHERE order_id = '$o'")" \
		"$(q "SELECT state FROM orders WHERE id = '$o'") 40 days ago: its documents went"
done
is 0 "$(q "SELECT count(*) FROM upload_refusals")" "... and the record of its refused upload"
is 4 "$(q "SELECT count(*) FROM documents WHERE order_id = '$O_NEW'")" "cancelled today: its documents stay"
is 4 "$(q "SELECT count(*) FROM documents WHERE order_id = '$O_DRAFT'")" "a draft untouched for 40 days: its documents stay"
is 4 "$(q "SELECT count(*) FROM documents WHERE order_id = '$O_REV'")" "under review for 40 days: its documents stay"

# What stayed still works.
req GET "/v1/subjects/unit/$UNIT1/orders"
is 200 "$STATUS" "the live session still works"
SESSION=$DEAD
req GET "/v1/subjects/unit/$UNIT2/orders"
is 401 "$STATUS" "... the expired one does not"
SESSION=$LIVE
s=$SESSION; SESSION=$SS_LIVE req GET /v1/calls; SESSION=$s
is 200 "$STATUS" "the live staff session still works"
req GET "/v1/orders/$O_REV/documents/seal_form"
is 200 "$STATUS" "a document of an order in progress can be read"
upload "$U_LIVE" seal_form=@"$T/doc.png"
is 200 "$STATUS" "the live upload link still takes a file"
CERT= req GET "${S_LIVE#"$URL"}"
is 200 "$STATUS" "the live status link still shows the order"
CERT= req GET "${S_DEAD#"$URL"}"
is 404 "$STATUS" "... the expired one does not"
req GET "/v1/orders/$O_ISS"
is issued "$(j order.state)" "the issued order is still there, issued"
like '^[0-9A-F]+$' "$(j order.cert_serial)" "... with its certificate"
is 1 "$(q "SELECT count(*) FROM tokens WHERE serial = 'PURGE-0001' AND so_pin_enc != ''")" "the escrowed SO PIN stayed"

# No try limit or lockout opens for the purge.
req POST /v1/sms "{\"subject_type\":\"person\",\"subject_id\":\"$PERSON1\"}"
is 429 "$STATUS" "the hourly SMS limit of a customer still holds (its expired codes kept)"
is 5 "$(q "SELECT count(*) FROM sms_codes WHERE subject_id = '$PERSON1'")" "... its 5 codes are in the store"
s=$SESSION; SESSION=
req POST "/v1/orders/$O_LOCK/verify" '{"party":"person","method":"mobile","mobile":"13500135001"}'
is 429 "$STATUS" "an order locked by 3 wrong mobiles stays locked (its failures kept)"
is 3 "$(q "SELECT count(*) FROM failures WHERE order_id = '$O_LOCK'")" "... its 3 failures are in the store"
is 0 "$(q "SELECT count(*) FROM failures WHERE order_id = '$O_AGED'")" "failures older than the 24-hour window went"
req POST "/v1/orders/$O_AGED/verify" '{"party":"person","method":"mobile","mobile":"13300133001"}'
is verified "$(j state)" "... the order they locked opens, as its window has passed"
SESSION=$s
slogin 2002 "$PIN_B"
is staff_locked "$(j error.code)" "the locked staff account stays locked"
is "$LOCKED_STAFF" "$(q "SELECT failures || ' ' || locked_until FROM staff WHERE number = '2002'")" "... its wrong PINs and lock are unchanged"

# ---- a second purge finds nothing -------------------------------------------
purge
is 0 "$(awk '{ s += $2 } END { print s }' "$T/purge")" "a second purge at once deletes nothing"

# ---- a purge while the server serves ---------------------------------------
# 20000 expired sessions (in 40 batches), and a kiosk asking all along.
q "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)
   INSERT INTO sessions SELECT 'bulk' || i, 'unit', '$UNIT1', 'DEMO-T01', $OLD, $OLD + 900 FROM n"
: >"$T/loop"
(
	k=0
	while [ ! -f "$T/stop" ] && [ $k -lt 2000 ]; do
		k=$((k + 1))
		curl -s -o /dev/null -w '%{http_code}\n' --max-time 20 --cacert "$CA/ca.crt" \
			--cert "$CA/terminal-demo.crt" --key "$CA/terminal-demo.key" \
			-H "Authorization: Bearer $LIVE" -H "Idempotency-Key: loop$$-$k" \
			-X POST "$URL/v1/orders/$O_DRAFT/upload-link" >>"$T/loop"
	done
) &
LOOP=$!
i=0
while [ ! -s "$T/loop" ] && [ $i -lt 400 ]; do sleep 0.05; i=$((i + 1)); done
before=$(wc -l <"$T/loop")
purge
during=$(($(wc -l <"$T/loop") - before))
touch "$T/stop"; wait $LOOP
is 0 "$PRC" "a purge beside a busy server: status 0"
is 20000 "$(said sessions)" "... 20000 sessions deleted"
is 0 "$(q "SELECT count(*) FROM sessions WHERE token_hash LIKE 'bulk%'")" "... none left"
like '^[1-9]' "$during" "... while the kiosk's requests went on ($during during the purge)"
none=$(grep -v -x 201 "$T/loop" | sort | uniq -c | tr '\n' ' ')
is "" "$none" "... every one answered 201 (no busy store, no 503)"

# ---- a bad store ----------------------------------------------------------------
if sqlite_only; then
	"$RA" purge --db "$T/none.db" >"$T/purge" 2>"$T/purge.err"
	is 1 $? "purge of a store that does not exist: status 1"
	like 'no store at .*none\.db' "$(cat "$T/purge.err")" "... a plain message"
	test -e "$T/none.db" && not_ok "... and no store made" || ok "... and no store made"
	printf 'not a database, just words\n%.0s' $(seq 1 200) >"$T/junk.db"
	"$RA" purge --db "$T/junk.db" >"$T/purge" 2>"$T/purge.err"
	is 1 $? "purge of a file that is no store: status 1"
	like 'not a database' "$(cat "$T/purge.err")" "... a plain message"
else
	# A database that is not there: said, and not made.
	"$RA" purge --db "$(pg_uri "${PG_DB}_none")" >"$T/purge" 2>"$T/purge.err"
	is 1 $? "purge of a store that does not exist: status 1"
	like "${PG_DB}_none" "$(cat "$T/purge.err")" "... a plain message"
	is "" "$(pg_psql postgres "SELECT datname FROM pg_database WHERE datname = '${PG_DB}_none'")" "... and no store made"
	skip "a file that is no store is SQLite's"; skip "-"
fi

done_testing
