# lib.sh - shared by the cakiosk-ra test suites (sourced, POSIX sh).
#
# Starts a private cakiosk-ra on a free loopback port with a temporary store
# and CA directory, talks to it over real HTTPS with curl and the demo
# terminal certificate, and prints TAP.  Needs: curl, openssl; no jq: JSON
# fields are read with the small jget tool that ra.mk builds.

B=${B:-build}
RA=$B/cakiosk-ra
JGET=$B/ra-tools/jget
for f in "$RA" "$JGET"; do
	[ -x "$f" ] || { echo "Bail out! $f is not built (make $f)"; exit 1; }
done
# A server older than its sources is not the code under test (a stale
# build once showed a fixed defect as open).
stale=$(ra=$(cd "$B" && pwd)/cakiosk-ra && cd "$(dirname "$0")/../.." &&
	find src/ra src/common/*.c -name '*.[ch]' -newer "$ra" 2>/dev/null | head -n 1)
[ -z "$stale" ] || { echo "Bail out! $RA is older than $stale (make)"; exit 1; }
T=$(mktemp -d "${TMPDIR:-/tmp}/ra-test.XXXXXX")
CA=$T/ca
PID=
n=0
failures=0

. "$(dirname "$0")/../secrets/keep.sh"
. "$(dirname "$0")/pg.sh"
ra_cleanup() {
	if [ -n "$PID" ]; then kill "$PID" 2>/dev/null; wait "$PID" 2>/dev/null; fi
	ra_drop_stores
	keep_logs "$T"
	rm -rf "$T"
}
trap ra_cleanup EXIT
trap 'exit 1' INT TERM

# ra_newdb NAME: the --db of another store of the suite, new and empty
# (a file $T/NAME.db, or a database of its own); again, emptied.
ra_newdb() {
	if [ "$RA_STORE" = pg ]; then
		pg_dropdb "${PG_DB}_$1" >/dev/null 2>&1
		pg_createdb "${PG_DB}_$1" && pg_uri "${PG_DB}_$1"
	else
		rm -f "$T/$1.db" "$T/$1.db-wal" "$T/$1.db-shm"
		echo "$T/$1.db"
	fi
}
# ra_drop_stores: the suite's databases dropped (its server stopped if it
# started one).
ra_drop_stores() {
	if [ -n "$PG_OWN" ]; then pg_stop; return 0; fi
	[ -n "$PG_DB" ] || return 0
	for d in $(pg_psql postgres "SELECT datname FROM pg_database WHERE datname LIKE '$PG_DB%'"); do
		pg_dropdb "$d" >/dev/null 2>&1
	done
}
# db_sql SQL [DB]: run SQL on the suite's store (or on another, DB as given
# to --db), rows on stdout with fields split by "|", as both sqlite3 and
# psql print them.
db_sql() {
	if [ "$RA_STORE" = pg ]; then
		ds_db=${2:-$RA_DB}
		ds_db=${ds_db#postgresql:///}
		pg_psql "${ds_db%%\?*}" "$1"
	else
		sqlite3 -cmd '.timeout 5000' "${2:-$RA_DB}" "$1"
	fi
}
# db_client: whether db_sql can run (sqlite3 is a test package; psql comes
# with the server).
db_client() { [ "$RA_STORE" = pg ] || command -v sqlite3 >/dev/null; }
# db_tables: the names of the store's tables, sorted.
db_tables() {
	if [ "$RA_STORE" = pg ]; then
		db_sql "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name"
	else
		db_sql "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
	fi
}
# store_files: files holding what the store holds, for a search for secrets
# in clear: SQLite's file and journal, or a dump of the database.
store_files() {
	if [ "$RA_STORE" = pg ]; then
		"$PG_BIN/pg_dump" -h "$CAKIOSK_PG_DIR" -U postgres -d "$PG_DB" >"$T/store.dump" 2>/dev/null
		echo "$T/store.dump"
	else
		echo "$RA_DB" "$RA_DB-wal"
	fi
}
# sqlite_only: true on the SQLite store; else false, for a test of what only
# SQLite has (a file's mode, a full disk, a lock held by another process).
sqlite_only() { [ "$RA_STORE" = sqlite ]; }
# The store the suite runs on: RA_STORE=sqlite (the default), the file
# $T/db; RA_STORE=pg, a database of the suite's own on the private
# PostgreSQL server tests/run.sh started and exported (CAKIOSK_PG_DIR), or
# on one started for this suite alone when it runs by itself.  RA_DB is what
# the server and every admin command of the suite get as --db.
RA_STORE=${RA_STORE:-sqlite}
PG_OWN=
PG_DB=
case $RA_STORE in
sqlite) RA_DB=$T/db ;;
pg)
	# A suite that cannot run here says so, counted as skipped, rather
	# than passing on nothing.
	if [ -n "${CAKIOSK_PG_SKIP:-}" ]; then
		echo "ok 1 # SKIP PostgreSQL store: $CAKIOSK_PG_SKIP"; echo "1..1"; exit 0
	fi
	if [ -z "${CAKIOSK_PG_DIR:-}" ]; then
		pg_start >"$T/pg.why" ||
			{ echo "ok 1 # SKIP PostgreSQL store: $(cat "$T/pg.why")"; echo "1..1"; exit 0; }
		PG_OWN=1
	fi
	PG_BIN=$(pg_bin)
	PG_DB=$(basename "$0" .sh | tr 'A-Z-' 'a-z_')_$$
	pg_createdb "$PG_DB" || { echo "Bail out! cannot make database $PG_DB"; exit 1; }
	RA_DB=$(pg_uri "$PG_DB") ;;
*) echo "Bail out! RA_STORE is sqlite or pg, not '$RA_STORE'"; exit 1 ;;
esac

ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failures=$((failures + 1)); echo "not ok $n - $1"; }
skip() { n=$((n + 1)); echo "ok $n # SKIP $1"; }
# is EXPECTED ACTUAL DESCRIPTION
is() {
	if [ "$1" = "$2" ]; then ok "$3"; else
		not_ok "$3"; echo "#   expected: '$1'"; echo "#        got: '$2'"
		[ -f "$T/out" ] && echo "#   last body: $(head -c 400 "$T/out")"
	fi
}
# like PATTERN ACTUAL DESCRIPTION (grep -E)
like() {
	if printf '%s' "$2" | grep -Eq -- "$1"; then ok "$3"; else
		not_ok "$3"; echo "#   expected to match: '$1'"; echo "#   got: '$2'"
	fi
}
# crl_reason CRL-PEM SERIAL: the reason code the CRL gives SERIAL
# ("Key Compromise", "Superseded", ...), empty if none.
crl_reason() {
	openssl crl -in "$1" -noout -text | awk -v s="Serial Number: $2" '
		index($0, s) { on = 1; next }
		on && /Serial Number:/ { exit }
		on && want { sub(/^ +/, ""); print; exit }
		on && /CRL Reason Code/ { want = 1 }'
}
done_testing() {
	if [ -n "$PID" ]; then ra_stop TERM; is 0 "$STOP_RC" "the server stops cleanly on SIGTERM"; fi
	if grep -Eq 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$T/server.log" 2>/dev/null; then
		not_ok "no sanitizer report from the server"; sed 's/^/# /' "$T/server.log" | head -60
	else ok "no sanitizer report from the server"; fi
	echo "1..$n"
	[ "$failures" -eq 0 ]
	exit $?
}

# ra_start [OPTIONS...]: start the server (store and CA survive restarts);
# on RA_LISTEN (127.0.0.1:0), reached at RA_HOST (127.0.0.1; "[::1]" for IPv6).
ra_start() {
	rm -f "$T/port"
	"$RA" serve --listen "${RA_LISTEN:-127.0.0.1:0}" --port-file "$T/port" --db "$RA_DB" \
		--ca-dir "$CA" "$@" 2>>"$T/server.log" &
	PID=$!
	i=0
	while [ $i -lt 200 ]; do
		if [ -s "$T/port" ]; then
			PORT=$(cat "$T/port")
			URL=https://${RA_HOST:-127.0.0.1}:$PORT
			if curl -s -o /dev/null --max-time 2 --cacert "$CA/ca.crt" "$URL/v1/health"; then
				return 0
			fi
		fi
		kill -0 "$PID" 2>/dev/null || break
		sleep 0.05
		i=$((i + 1))
	done
	echo "Bail out! cakiosk-ra did not start"; cat "$T/server.log"; exit 1
}

# ra_stop [SIGNAL]: stop the server and wait for it; sets STOP_RC.
ra_stop() {
	kill -"${1:-TERM}" "$PID" 2>/dev/null
	wait "$PID"; STOP_RC=$?
	PID=
}

CERT=terminal-demo
SESSION=
idem_seq=0
# req METHOD PATH [JSON] [CURL ARGS...]: sets STATUS, body in $T/out.
# POSTs get a fresh Idempotency-Key unless IDEM is set.
req() {
	m=$1 p=$2; shift 2
	data=
	if [ $# -gt 0 ]; then data=$1; shift; fi
	set -- -s -o "$T/out" -w '%{http_code}' --max-time 20 --cacert "$CA/ca.crt" \
		-X "$m" "$@"
	if [ -n "$CERT" ]; then set -- "$@" --cert "$CA/$CERT.crt" --key "$CA/$CERT.key"; fi
	if [ -n "$SESSION" ]; then set -- "$@" -H "Authorization: Bearer $SESSION"; fi
	if [ "$m" = POST ]; then
		idem_seq=$((idem_seq + 1))
		set -- "$@" -H "Idempotency-Key: ${IDEM:-k$$-$idem_seq}"
	fi
	if [ -n "$data" ]; then set -- "$@" -H 'Content-Type: application/json' --data-binary "$data"; fi
	STATUS=$(curl "$@" "$URL$p")
}
# j PATH...: fields of the last answer.
j() { "$JGET" "$@" <"$T/out"; }

# Demo records (as printed by cakiosk-ra demo-data).
"$RA" demo-data >"$T/demo"
UNIT1=$(awk '/^unit/ {print $2; exit}' "$T/demo")
UNIT2=$(awk '/^unit/ {c++; if (c == 2) {print $2; exit}}' "$T/demo")
PERSON1=$(awk '/^person/ {print $2; exit}' "$T/demo")
PERSON2=$(awk '/^person/ {c++; if (c == 2) {print $2; exit}}' "$T/demo")
PERSON3=$(awk '/^person/ {c++; if (c == 3) {print $2; exit}}' "$T/demo")

# last_code MOBILE: the code in the newest sandbox SMS to MOBILE.
last_code() {
	req GET "/v1/sandbox/sms?mobile=$1"
	j messages.0.text | sed -n 's/.*验证码为\([0-9]\{6\}\).*/\1/p'
}
# login TYPE ID MOBILE: SMS code + session; sets SESSION.
login() {
	SESSION=
	req POST /v1/sms "{\"subject_type\":\"$1\",\"subject_id\":\"$2\"}"
	[ "$STATUS" = 201 ] || { echo "# login: sms $STATUS $(cat "$T/out")"; return 1; }
	code=$(last_code "$3")
	keep_secret sms_code "$code"
	req POST /v1/sessions "{\"subject_type\":\"$1\",\"subject_id\":\"$2\",\"code\":\"$code\"}"
	[ "$STATUS" = 201 ] || { echo "# login: session $STATUS $(cat "$T/out")"; return 1; }
	SESSION=$(j session)
	keep_secret session "$SESSION"
}
# advance SECONDS: move the sandbox clock.
advance() {
	s=$SESSION; SESSION=
	req POST /v1/sandbox/clock "{\"advance\":$1}"
	SESSION=$s
}

# Small files of each kind the upload page accepts (and one it refuses).
mkfiles() {
	printf '\211PNG\r\n\032\n\0\0\0\rIHDRfake' >"$T/doc.png"
	printf '\377\330\377\340\0\020JFIFfake' >"$T/doc.jpg"
	printf '%%PDF-1.4\n%%fake\n' >"$T/doc.pdf"
	printf 'just text, not a scan\n' >"$T/doc.txt"
}
# upload URL FIELD=@FILE...: multipart POST to the phone upload page (no
# client certificate, like a phone); sets STATUS, page in $T/out.
upload() {
	u=$1; shift
	set -- -s -o "$T/out" -w '%{http_code}' --cacert "$CA/ca.crt" $(for f in "$@"; do printf -- '-F %s ' "$f"; done)
	STATUS=$(curl "$@" "$u")
}
# unit_order_ready: a draft apply order of UNIT1, verified, documents in.
# Sets OID.  Needs SESSION for UNIT1.
unit_order_ready() {
	req POST /v1/orders "{\"kind\":\"apply\",\"subject_type\":\"unit\",\"subject_id\":\"$UNIT1\",\"term_years\":${1:-1},\"form\":{\"email\":\"agent@example.cn\",\"mobile\":\"13912345678\",\"address\":\"湖南省长沙市岳麓区麓山南路1号\",\"postcode\":\"410082\"}}"
	OID=$(j order.id)
	req POST "/v1/orders/$OID/verify" '{"party":"unit","method":"mobile","mobile":"13800138000"}'
	req POST "/v1/orders/$OID/verify" '{"party":"agent","method":"bank_card","bank_card":"4111111111111111"}'
	unit_docs "$OID"
}
# unit_docs ORDER: a unit's four documents, through the order's upload link.
unit_docs() {
	req POST "/v1/orders/$1/upload-link"
	upload "$(j url)" business_licence=@"$T/doc.pdf" agent_id_front=@"$T/doc.jpg" \
		agent_id_back=@"$T/doc.jpg" seal_form=@"$T/doc.png"
}

# enrol_term NAME ID: a terminal enrolled like a real one ($CA/NAME.crt).
enrol_term() {
	code=$("$RA" enrol-code --db "$RA_DB" "$2")
	newcsr "$1"
	s=$CERT; CERT=
	req POST /v1/enrol "{\"code\":\"$code\",\"csr\":\"$(pem_json "$T/$1.csr")\"}"
	j certificate >"$CA/$1.crt"; cp "$T/$1.key" "$CA/$1.key"
	CERT=$s
}
# pem_json FILE: the file as a JSON string body (newlines escaped).
pem_json() { awk '{printf "%s\\n", $0}' "$1"; }
# newcsr NAME [KEYARGS...]: key $T/NAME.key and CSR $T/NAME.csr (EC P-256 by default).
newcsr() {
	nm=$1; shift
	[ $# -eq 0 ] && set -- -newkey ec -pkeyopt ec_paramgen_curve:P-256
	openssl req -new "$@" -nodes -keyout "$T/$nm.key" -subj "/CN=ignored" -out "$T/$nm.csr" 2>/dev/null
}
# plus_years EPOCH N: N calendar years later (GNU date).
plus_years() { date -u -d "$(date -u -d "@$1" '+%Y-%m-%d %H:%M:%S') UTC + $2 years" +%s; }
# sandbox_cert NAME NOT_BEFORE NOT_AFTER SUBJECT_TYPE SUBJECT_ID [KEYARGS...]:
# a customer certificate of chosen validity in $T/NAME.crt, key $T/NAME.key.
sandbox_cert() {
	sc_name=$1 sc_nb=$2 sc_na=$3 sc_type=$4 sc_id=$5
	shift 5
	newcsr "$sc_name" "$@"
	req POST /v1/sandbox/certificates "{\"subject_type\":\"$sc_type\",\"subject_id\":\"$sc_id\",\"csr\":\"$(pem_json "$T/$sc_name.csr")\",\"not_before\":$sc_nb,\"not_after\":$sc_na}"
	j certificate >"$T/$sc_name.crt"
}
# renew_proof KEYNAME ORDER CSRNAME: the proof of a renewal or change, base64:
# the old key's signature over "cakiosk-renew:ORDER:<hex SHA-256 of the CSR DER>".
renew_proof() {
	rp_hash=$(openssl req -in "$T/$3.csr" -outform DER | openssl dgst -sha256 -r | cut -c1-64)
	printf 'cakiosk-renew:%s:%s' "$2" "$rp_hash" |
		openssl dgst -sha256 -sign "$T/$1.key" | openssl base64 -A
}
# exts_like_openssl CSR CRT CUSTOMER|TERMINAL: the extensions of CRT are,
# byte for byte and in order, those `openssl x509 -req` gives the same
# request with the profile's configuration (customer: key identifiers,
# basic constraints, key usage, EKU, CRL distribution point).  Empty when
# they are; else the difference.
exts_like_openssl() {
	{
		echo "subjectKeyIdentifier = hash"
		echo "authorityKeyIdentifier = keyid:always"
		echo "basicConstraints = critical,CA:FALSE"
		if [ "$3" = CUSTOMER ]; then
			echo "keyUsage = critical,digitalSignature,nonRepudiation"
			echo "extendedKeyUsage = clientAuth,emailProtection"
			echo "crlDistributionPoints = URI:$URL/crl.der"
		else
			echo "keyUsage = critical,digitalSignature"
			echo "extendedKeyUsage = clientAuth"
		fi
	} >"$T/ref.cnf"
	openssl x509 -req -in "$1" -CA "$CA/ca.crt" -CAkey "$CA/ca.key" -set_serial 1 -days 1 \
		-extfile "$T/ref.cnf" -out "$T/ref.crt" 2>/dev/null || { echo "openssl x509 -req failed"; return; }
	for c in "$T/ref.crt" "$2"; do
		# from [3] (the extensions) to the signature's algorithm, offsets left out
		openssl asn1parse -in "$c" | sed -n '/cont \[ 3 \]/,/d=1 /p' | sed '$d; s/^ *[0-9]*://' >"$c.ext"
	done
	[ -s "$2.ext" ] || echo "no extensions in $2"
	diff "$T/ref.crt.ext" "$2.ext" | head -8
}
# ski_is_key_sha1 CRT: empty when the subject key identifier of CRT is the
# SHA-1 of its subjectPublicKey's bits (RFC 5280 4.2.1.2 (1)); else both.
ski_is_key_sha1() {
	openssl x509 -in "$1" -noout -pubkey | openssl pkey -pubin -outform DER -out "$T/spki.der"
	bs=$(openssl asn1parse -inform DER -in "$T/spki.der" | awk '/BIT STRING/ {sub(/:.*/, "", $1); o = $1; for (i = 1; i <= NF; i++) if ($i ~ /^hl=/) {sub(/hl=/, "", $i); print o + $i + 1}; exit}')
	want=$(tail -c +$((bs + 1)) "$T/spki.der" | openssl dgst -sha1 -r | cut -c1-40)
	got=$(openssl x509 -in "$1" -noout -ext subjectKeyIdentifier | tail -n 1 | tr -d ' :\n' | tr 'A-F' 'a-f')
	[ "$want" = "$got" ] || echo "sha1 $want, SKI $got"
}
# cert_end / cert_start FILE: the certificate's validity, seconds since the epoch.
cert_end() { date -u -d "$(openssl x509 -in "$1" -noout -enddate | cut -d= -f2)" +%s; }
cert_start() { date -u -d "$(openssl x509 -in "$1" -noout -startdate | cut -d= -f2)" +%s; }
# pay_order ORDER: the draft order confirmed (with SESSION) and paid on the
# sandbox pay page.
pay_order() {
	req POST "/v1/orders/$1/confirm"
	req POST "/v1/orders/$1/payments" '{"channel":"alipay"}'
	curl -s -o /dev/null --max-time 20 --cacert "$CA/ca.crt" "$(j payment.code_url)"
}
# pay_approve ORDER [REVIEW-BODY]: the draft order paid and approved by
# staff (or decided as REVIEW-BODY says).
pay_approve() {
	pay_order "$1"
	c=$CERT; CERT=staff-demo
	rv=${2:-}
	[ -n "$rv" ] || rv='{"decision":"approve"}'
	req POST "/v1/orders/$1/review" "$rv"
	CERT=$c
}
# approved_unit_order: an apply order of UNIT1 paid and approved by staff; sets OID.
approved_unit_order() {
	unit_order_ready "$@"
	pay_approve "$OID"
}

# post_order N KEY: POST $BODY to /v1/orders as the demo terminal with
# Idempotency-Key KEY; the answer in $T/r.N, its HTTP status in $T/s.N.
post_order() { # N KEY
	curl -s -o "$T/r.$1" -w '%{http_code}' --max-time 20 --cacert "$CA/ca.crt" \
		--cert "$CA/terminal-demo.crt" --key "$CA/terminal-demo.key" \
		-H "Idempotency-Key: $2" -H 'Content-Type: application/json' \
		--data-binary "$BODY" "$URL/v1/orders" >"$T/s.$1" 2>/dev/null
}
