#!/bin/sh
# test_sec_prod.sh - cakiosk-ra at rest and in production: every file the
# server writes is 0600 in a 0700 directory whatever the umask, secrets are
# not kept in plain text (not even in the idempotency table); production
# mode has no free door (no pay page, sandbox bank or demo credentials) and
# does not start without real gateways.  Tried as an attacker with a shell
# on the machine (another user) or a terminal would.
. "$(dirname "$0")/lib.sh"

# mode PATH: the permission bits, octal.
mode() { stat -c %a "$1"; }

# ---- data at rest ---------------------------------------------------------
# A careless umask and a CA directory made too open: the server must not
# depend on either.  (On PostgreSQL the store's files are the server's.)
sqlite_only && RA_DB=$T/data/ra.db
mkdir -m 700 "$T/data"
mkdir -m 755 "$CA"
umask 000
ra_start --sandbox
umask 077
IDEM=session-1
login person "$PERSON1" 13800138001
IDEM=
first=$SESSION
mkfiles
unit_order_ready
is 0700 "0$(mode "$CA")" "the CA directory is made 0700"
bad=
for f in "$CA"/* "$T/data"/*; do
	[ -e "$f" ] || continue
	[ "$(mode "$f")" = 600 ] || bad="$bad $(basename "$f"):$(mode "$f")"
done
is "" "$bad" "every file of the CA and the store is 0600 (umask 000)"
for f in ra.db ra.db-wal ra.db-shm; do
	if ! sqlite_only; then skip "$f: the store's files are PostgreSQL's"
	elif [ -e "$T/data/$f" ]; then ok "$f exists"; else not_ok "$f exists"; fi
done
is 600 "$(mode "$T/port")" "the port file is 0600"

# secret_at_rest WHAT TEXT: TEXT must be nowhere in the store's files.
secret_at_rest() {
	if grep -aqF "$2" $(store_files); then
		not_ok "$1 is nowhere in the store's files"
	else ok "$1 is nowhere in the store's files"; fi
}
secret_at_rest "the session token" "$first"
req POST "/v1/orders/$OID/upload-link"
secret_at_rest "an upload link's token" "$(j url | sed 's,.*/u/,,')"
body='{"serial":"SEC-0001","so_pin":"so-pin-4711"}'
req POST /v1/tokens "$body"
secret_at_rest "an escrowed SO PIN" "so-pin-4711"
# A plain digest of a request that holds a secret could be guessed offline
# (a short PIN, a mobile behind its mask): the idempotency table keeps a
# keyed one.
secret_at_rest "the plain SHA-256 of the escrow request" \
	"$(printf '%s' "$body" | sha256sum | cut -c1-64)"

# A replayed POST /v1/sessions gets the first answer back, session and all
# (kept encrypted), and has no second effect.
code=$(last_code 13800138001)
IDEM=session-1
req POST /v1/sessions "{\"subject_type\":\"person\",\"subject_id\":\"$PERSON1\",\"code\":\"$code\"}"
IDEM=
is 201 "$STATUS" "a replayed session request: 201 again"
is "$first" "$(j session)" "... with the same session"
SESSION=$first
req GET "/v1/subjects/person/$PERSON1/orders"
is 200 "$STATUS" "... which works"
SESSION=
ra_stop TERM
# A store an older version left readable by all is made private at start.
if sqlite_only; then
	chmod 644 "$T/data"/ra.db*
	ra_start --sandbox
	bad=
	for f in "$T/data"/*; do
		[ "$(mode "$f")" = 600 ] || bad="$bad $(basename "$f"):$(mode "$f")"
	done
	is "" "$bad" "a store left 0644 is 0600 again after a start"
	ra_stop TERM
else
	skip "a store file's mode is SQLite's"
fi
DEMO_CA=$CA DEMO_DB=$RA_DB
# The production store, new.
P_DB=$(ra_newdb p)

# ---- production: no start without real gateways -----------------------------
# refuse ARGS...: a server that should not start; sets RC (exit status, or
# "started") and keeps its complaint in $T/refused.
refuse() {
	rm -f "$T/port"
	"$RA" serve --listen 127.0.0.1:0 --port-file "$T/port" "$@" 2>"$T/refused" &
	rp=$!
	i=0
	while kill -0 "$rp" 2>/dev/null && [ ! -s "$T/port" ] && [ $i -lt 200 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	if [ -s "$T/port" ] || kill -0 "$rp" 2>/dev/null; then
		kill "$rp"; wait "$rp"; RC=started
	else wait "$rp"; RC=$?; fi
}
refuse --db "$P_DB" --ca-dir "$T/pca"
is 1 "$RC" "production without gateways does not start"
like 'SMS, mail, bank, payment' "$(cat "$T/refused")" "... and says which gateways are missing"
like 'exec:PROGRAM' "$(cat "$T/refused")" "... and how to give them"
[ -e "$T/pca" ] && not_ok "... having made no CA" || ok "... having made no CA"
refuse --db "$P_DB" --ca-dir "$T/pca" --gateway sms=sandbox
like 'sandbox SMS gateway .* only with --sandbox' "$(cat "$T/refused")" \
	"the sandbox SMS gateway is refused in production"
refuse --db "$P_DB" --ca-dir "$T/pca" --gateway bank=sandbox
like 'sandbox bank gateway .* only with --sandbox' "$(cat "$T/refused")" \
	"... and so is the sandbox bank"
refuse --db "$P_DB" --ca-dir "$T/pca" --gateway pay=exec:gw.sh
like 'payment gateway.*full path' "$(cat "$T/refused")" \
	"a provider program must be given by its full path"

# An adaptor program of the operator's, as the gateways' provider: it logs
# each call; its bank knows one card and hangs on another; its payments are paid once $T/paid exists.
cat >"$T/gw.sh" <<GW
#!/bin/sh
in=\$(cat)
printf '%s %s\\n' "\$1" "\$in" >>"$T/gw.log"
case \$1 in
card-check) case \$in in *'"card":"4111111111111111"'*) echo '{"match":true}' ;;
	*'"card":"4000000000000002"'*) exec sleep 60 ;;
	*'"card":"4000000000000010"'*) echo '{"match":true}'; exec >&-; exec sleep 60 ;;
	*) echo '{"match":false}' ;; esac ;;
pay-start) echo '{"code_url":"https://pay.example.cn/q/1"}' ;;
pay-status) if [ -e "$T/paid" ]; then echo '{"state":"paid"}'; else echo '{"state":"pending"}'; fi ;;
*) echo '{}' ;;
esac
GW
chmod 700 "$T/gw.sh"
GWS="--gateway sms=exec:$T/gw.sh --gateway mail=exec:$T/gw.sh --gateway bank=exec:$T/gw.sh --gateway pay=exec:$T/gw.sh"

# ---- the demo's credentials exist only in the demo ---------------------------
refuse --db "$P_DB" --ca-dir "$DEMO_CA" $GWS
like "the demo's" "$(cat "$T/refused")" "production refuses the demo's CA directory (its keys are public)"
refuse --db "$P_DB" --ca-dir "$DEMO_CA" --sandbox --no-demo
like "the demo's" "$(cat "$T/refused")" "... and so does --no-demo"
refuse --db "$DEMO_DB" --ca-dir "$T/pca" $GWS
like "the demo's records" "$(cat "$T/refused")" "production refuses the demo's store"

CA=$T/nodemo RA_DB=$(ra_newdb nodemo)
ra_start --sandbox --no-demo
is "" "$(ls "$CA" | grep -i demo)" "--no-demo: no demo terminal or staff certificate or key"
ra_stop TERM

CA=$T/pca RA_DB=$P_DB
# shellcheck disable=SC2086
ra_start $GWS
is "" "$(ls "$CA" | grep -i demo)" "production: no demo terminal or staff certificate or key"
like 'CN ?= ?cakiosk-ra Root CA' "$(openssl x509 -in "$CA/ca.crt" -noout -subject)" \
	"production: the root is not named Demo"
CERT=
req GET /v1/health
is false "$(j sandbox)" "production: health says sandbox false"
req GET /pay/P0123456789abcdef01234567
is not_found "$(j error.code)" "production: no pay page"
for p in sms mails bank payments; do
	req GET "/v1/sandbox/$p"
	is 404 "$STATUS" "production: no /v1/sandbox/$p"
done
req POST /v1/sandbox/clock '{"advance":1}'
is 404 "$STATUS" "production: no sandbox clock"
# The demo's terminal certificate (from the demo's CA) is a stranger here.
cp "$DEMO_CA/terminal-demo.crt" "$DEMO_CA/terminal-demo.key" "$T/"
CERT=../terminal-demo
req GET /v1/terminal/orders
is 401 "$STATUS" "production: the demo terminal certificate is refused"
# A terminal enrolled with a code from staff works.
code=$("$RA" enrol-code --db "$RA_DB" T-PROD-1)
newcsr t1
CERT=
req POST /v1/enrol "{\"code\":\"$code\",\"csr\":\"$(pem_json "$T/t1.csr")\"}"
j certificate >"$T/t1.crt"
CERT=../t1
req GET /v1/terminal/orders
is 200 "$STATUS" "production: an enrolled terminal is served"
req GET "/v1/registry/units/$UNIT1"
is unknown_subject "$(j error.code)" "production: no demo records"
ra_stop TERM

# ---- the gateways' interface, with a real provider in the demo ----------------
CA=$DEMO_CA RA_DB=$DEMO_DB CERT=terminal-demo
# shellcheck disable=SC2086
ra_start --demo --gateway sms=exec:$T/gw.sh --gateway bank=exec:$T/gw.sh --gateway pay=exec:$T/gw.sh
: >"$T/gw.log"
req POST /v1/sms "{\"subject_type\":\"person\",\"subject_id\":\"$PERSON2\"}"
is 201 "$STATUS" "an SMS through the provider"
code=$(sed -n 's/^sms .*验证码为\([0-9]\{6\}\).*/\1/p' "$T/gw.log")
like '^[0-9]{6}$' "$code" "... the provider got the code (on its standard input)"
req GET /v1/sandbox/sms?mobile=13500135001
is 0 "$(j -n messages)" "... and the sandbox outbox did not"
req POST /v1/sessions "{\"subject_type\":\"person\",\"subject_id\":\"$PERSON2\",\"code\":\"$code\"}"
is 201 "$STATUS" "... and the code opens a session"
SESSION=$(j session)
req POST /v1/orders "{\"kind\":\"apply\",\"subject_type\":\"person\",\"subject_id\":\"$PERSON2\",\"form\":{\"email\":\"c@example.cn\",\"mobile\":\"13100000000\",\"address\":\"长沙\",\"postcode\":\"410011\"}}"
OID=$(j order.id)
req POST "/v1/orders/$OID/verify" '{"party":"person","method":"bank_card","bank_card":"5555555555554444"}'
is verification_failed "$(j error.code)" "a card the provider's bank does not know is refused"
grep -q '^card-check .*"name":"刘洋"' "$T/gw.log" && ok "... the bank was asked with the holder's name" || not_ok "... the bank was asked with the holder's name"
t0=$(date +%s)
req POST "/v1/orders/$OID/verify" '{"party":"person","method":"bank_card","bank_card":"4000000000000002"}'
is unavailable "$(j error.code)" "a bank that does not answer: 503 unavailable"
like '^(9|1[0-4])$' "$(($(date +%s) - t0))" "... after the 10 s the provider is given"
t0=$(date +%s)
req POST "/v1/orders/$OID/verify" '{"party":"person","method":"bank_card","bank_card":"4000000000000010"}'
is unavailable "$(j error.code)" "a provider that answers but does not end: 503 unavailable"
like '^(9|1[0-4])$' "$(($(date +%s) - t0))" "... after its 10 s"
req POST "/v1/orders/$OID/verify" '{"party":"person","method":"bank_card","bank_card":"4111111111111111"}'
is verified "$(j state)" "... the card it knows verifies"
req POST "/v1/orders/$OID/upload-link"
upload "$(j url)" id_front=@"$T/doc.jpg" id_back=@"$T/doc.jpg" signature_form=@"$T/doc.png"
req POST "/v1/orders/$OID/confirm"
req POST "/v1/orders/$OID/payments" '{"channel":"wechat"}'
is https://pay.example.cn/q/1 "$(j payment.code_url)" "a payment's QR is the provider's page"
PAY=$(j payment.id)
req GET "/v1/payments/$PAY"
is pending "$(j payment.state)" "... pending while the provider says so"
: >"$T/paid"
req GET "/v1/payments/$PAY"
is paid "$(j payment.state)" "... paid when the provider says so"
req GET "/v1/orders/$OID"
is under_review "$(j order.state)" "... and the order moves on"
SESSION=

done_testing
