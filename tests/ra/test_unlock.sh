#!/bin/sh
# test_unlock.sh - cakiosk-ra: the SO PIN rotation of an unlock is
# crash-safe (PROTOCOL.md section 12).  The kiosk records the SO PIN it is
# about to set as the candidate before it changes the token, and promotes
# it after; a kiosk that stops at any point is followed by a new unlock
# that gets both PINs, and the stopped one can do nothing more.  Each
# crash point is played as the kiosk would leave it (the token's state is
# what the test says the SO login found), then the store is read back with
# the staff command `cakiosk-ra escrow`.
. "$(dirname "$0")/lib.sh"
ra_start --sandbox
P1_MOBILE=13800138001
SERIAL=SH-U001

# escrowed: the escrow of SERIAL as one line ("so_pin X candidate Y").
escrowed() { "$RA" escrow "$SERIAL" --db "$RA_DB" --ca-dir "$CA" | grep -v '^candidate_order' | tr '\n' ' ' | sed 's/ $//'; }
# unlock: a new confirmed unlock order of PERSON1 for SERIAL (UOID).
unlock() {
	req POST /v1/orders "{\"kind\":\"unlock\",\"subject_type\":\"person\",\"subject_id\":\"$PERSON1\",\"token_serial\":\"$SERIAL\"}"
	UOID=$(j order.id)
	req POST "/v1/orders/$UOID/verify" "{\"party\":\"person\",\"method\":\"mobile\",\"mobile\":\"$P1_MOBILE\"}"
	req POST "/v1/orders/$UOID/confirm"
}
# auth: the authorization of UOID; AUTH is "SO_PIN CANDIDATE" ("-": none).
auth() {
	req POST "/v1/orders/$UOID/unlock-authorization"
	AUTH="$(j so_pin) $(j so_pin_candidate 2>/dev/null || :)"
	AUTH=${AUTH% }
	[ "$AUTH" = "${AUTH% *}" ] && AUTH="$AUTH -"
}
cand() { req POST "/v1/orders/$1/so-pin-candidate" "{\"so_pin\":\"$2\",\"token_holds\":\"$3\"}"; }
promote() { req POST "/v1/orders/$1/so-pin" "{\"so_pin\":\"$2\"}"; }

CERT=staff-demo
req POST /v1/tokens "{\"serial\":\"$SERIAL\",\"so_pin\":\"so-orig-1\",\"subject_type\":\"person\",\"subject_id\":\"$PERSON1\"}"
is 201 "$STATUS" "staff escrow the token's SO PIN"
CERT=terminal-demo
login person "$PERSON1" "$P1_MOBILE"

# ---- The order of the steps -------------------------------------------------
unlock; A=$UOID
cand "$A" cand-a-1 current
is wrong_state "$(j error.code)" "no candidate before the authorization"
auth
is "so-orig-1 -" "$AUTH" "the first unlock gets the escrowed SO PIN and no candidate"
promote "$A" cand-a-1
is candidate_required "$(j error.code)" "no promotion of a PIN that was not recorded first"
cand "$A" cand-a-1 maybe
is "400 token_holds" "$STATUS $(j error.field)" "token_holds is current or candidate"
cand "$A" cand-a-1 candidate
is candidate_required "$(j error.code)" "the token cannot hold a candidate nobody recorded"
cand "$A" "bad pin" current
is "400 so_pin" "$STATUS $(j error.field)" "a candidate is 4..32 visible ASCII"
IDEM=cand-key-a
cand "$A" cand-a-1 current
is "200 true" "$STATUS $(j recorded)" "the candidate is recorded before the token is changed"
cand "$A" cand-a-1 current
is "200 true" "$STATUS $(j recorded)" "a retry with the same key gets the same answer"
cand "$A" cand-a-other current
is idempotency_key_reused "$(j error.code)" "... the same key with another PIN is refused"
IDEM=
is "so_pin so-orig-1 candidate cand-a-1" "$(escrowed)" "the store holds the current SO PIN and the candidate"

# ---- Crash point: the kiosk stopped after the candidate was recorded -------
# (before or after it set the token).  The backend restarts meanwhile.
ra_stop KILL
ra_start --sandbox
is "so_pin so-orig-1 candidate cand-a-1" "$(escrowed)" "a killed backend lost neither PIN"
unlock; B=$UOID
auth
is "so-orig-1 cand-a-1" "$AUTH" "the next unlock gets the current SO PIN and the candidate"
promote "$A" cand-a-1
is "409 wrong_state cancelled" "$STATUS $(j error.code) $(j error.state)" "the stopped unlock was cancelled: it cannot promote"
cand "$A" cand-a-2 current
is wrong_state "$(j error.code)" "... nor record another candidate"
# The token held the candidate (its SO login said so).
cand "$B" cand-b-1 candidate
is "so_pin cand-a-1 candidate cand-b-1" "$(escrowed)" "the candidate that opened the token becomes the current SO PIN"
promote "$B" cand-b-2
is candidate_mismatch "$(j error.code)" "only the recorded candidate is promoted"
IDEM=promote-b
promote "$B" cand-b-1
is completed "$(j order.state)" "the candidate set on the token is promoted"
promote "$B" cand-b-1
is "200 completed" "$STATUS $(j order.state)" "the promotion's lost answer is replayed"
IDEM=
is "so_pin cand-b-1" "$(escrowed)" "the store holds the new SO PIN alone"
promote "$B" cand-b-1
is wrong_state "$(j error.code)" "a completed unlock promotes nothing more"
req POST "/v1/orders/$B/unlock-authorization"
is wrong_state "$(j error.code)" "the authorization counts once"

# ---- Crash point: candidate recorded, the token not changed yet ------------
unlock; C=$UOID
auth
is "cand-b-1 -" "$AUTH" "the next unlock gets the rotated SO PIN"
cand "$C" cand-c-1 current
unlock; D=$UOID
auth
is "cand-b-1 cand-c-1" "$AUTH" "after a stop before C_SetPIN: both PINs"
cand "$D" cand-d-1 current
is "so_pin cand-b-1 candidate cand-d-1" "$(escrowed)" "the token held the current PIN: it stays, the new candidate replaces the old"
promote "$D" cand-d-1
is "so_pin cand-d-1" "$(escrowed)" "... and is promoted"

# ---- Crash point: authorized, nothing else ----------------------------------
unlock; E=$UOID
auth
unlock; F=$UOID
auth
is "cand-d-1 -" "$AUTH" "an unlock stopped before its candidate leaves the SO PIN as it was"
cand "$E" cand-e-1 current
is wrong_state "$(j error.code)" "the superseded unlock records nothing"
req GET "/v1/orders/$E"
is cancelled "$(j order.state)" "... it is cancelled"

# ---- Another terminal, another customer ------------------------------------
code=$("$RA" enrol-code --db "$RA_DB" T-OTHER)
newcsr tb
CERT= SESSION_KEEP=$SESSION
SESSION=
req POST /v1/enrol "{\"code\":\"$code\",\"csr\":\"$(pem_json "$T/tb.csr")\"}"
j certificate >"$CA/tb.crt"
cp "$T/tb.key" "$CA/tb.key"
CERT=tb
cand "$F" cand-x-1 current
is 401 "$STATUS" "another terminal cannot record a candidate for this unlock"
advance 61
login person "$PERSON1" "$P1_MOBILE"
cand "$F" cand-x-1 current
is "403 forbidden" "$STATUS $(j error.code)" "... not even with the owner's session taken there"
promote "$F" cand-x-1
is "403 forbidden" "$STATUS $(j error.code)" "... nor promote"
CERT=staff-demo
cand "$F" cand-x-1 current
is "403 forbidden" "$STATUS $(j error.code)" "staff cannot record a kiosk's candidate either"
CERT=terminal-demo
login person "$PERSON2" 13500135001
cand "$F" cand-x-1 current
is 200 "$STATUS" "the terminal's own unlock records (the order is the terminal's, whoever's session)"
SESSION=$SESSION_KEEP
promote "$F" cand-x-1
is "so_pin cand-x-1" "$(escrowed)" "... and promotes"
req POST /v1/orders "{\"kind\":\"unlock\",\"subject_type\":\"person\",\"subject_id\":\"$PERSON2\",\"token_serial\":\"$SERIAL\"}"
is 403 "$STATUS" "another customer's unlock of this token is refused"

if grep -aq 'so-orig-1\|cand-[a-f]-1\|cand-x-1' $(store_files) "$T/server.log" 2>/dev/null; then
	not_ok "no SO PIN or candidate in the store or the log in clear"
else ok "no SO PIN or candidate in the store or the log in clear"; fi
done_testing
