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
# depend on either.
RA_DB=$T/data/ra.db
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
	[ "$(mode "$f")" = 600 ] || bad="$bad $(basename "$f"):$(mode "$f")"
done
is "" "$bad" "every file of the CA and the store is 0600 (umask 000)"
for f in ra.db ra.db-wal ra.db-shm; do
	[ -e "$T/data/$f" ] && ok "$f exists" || not_ok "$f exists"
done
is 600 "$(mode "$T/port")" "the port file is 0600"

# secret_at_rest WHAT TEXT: TEXT must be nowhere in the store's files.
secret_at_rest() {
	if grep -aqF "$2" "$T/data/ra.db" "$T/data/ra.db-wal"; then
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
done_testing
