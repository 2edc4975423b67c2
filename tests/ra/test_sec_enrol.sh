#!/bin/sh
# test_sec_enrol.sh - cakiosk-ra: POST /v1/enrol (public, no client
# certificate) has a try limit.  Failed enrolments count per source address
# (10 an hour) and across all addresses (30 a minute); after the limit even
# the right code is refused, and neither another code nor a restart resets
# it.  Tried as an attacker would, from several loopback addresses.
. "$(dirname "$0")/lib.sh"

ra_start --sandbox
newcsr term
CSR=$(pem_json "$T/term.csr")
C1=$("$RA" enrol-code --db "$RA_DB" T-E1)
C2=$("$RA" enrol-code --db "$RA_DB" T-E2)
C3=$("$RA" enrol-code --db "$RA_DB" T-E3)
C4=$("$RA" enrol-code --db "$RA_DB" T-E4)
like '^[0-9]{12}$' "$C1" "an enrolment code has 12 digits"

# enrol FROM CODE: POST /v1/enrol from loopback address FROM, no certificate.
enrol() {
	s=$CERT; CERT=
	req POST /v1/enrol "{\"code\":\"$2\",\"csr\":\"$CSR\"}" --interface "$1"
	CERT=$s
}
# guesses FROM N: N wrong codes from FROM; counts the 403s in BAD.
guesses() {
	g=0 BAD=0
	while [ $g -lt "$2" ]; do
		g=$((g + 1))
		enrol "$1" "$(printf '9%011d' "$g")"
		[ "$STATUS" = 403 ] && BAD=$((BAD + 1))
	done
}

# ---- per source address ----------------------------------------------------
guesses 127.0.0.1 10
is 10 "$BAD" "10 wrong codes from one address, each refused 403"
is enrol_code_invalid "$(j error.code)" "... enrol_code_invalid"
enrol 127.0.0.1 "$C1"
is 429 "$STATUS" "then the right code from that address is refused"
is rate_limited "$(j error.code)" "... rate_limited"
is address "$(j error.scope)" "... the address is locked"
like '^[0-9]+$' "$(j error.retry_after)" "... with retry_after seconds"
enrol 127.0.0.1 "$C2"
is 429 "$STATUS" "another right code from that address is refused too"

ra_stop TERM
ra_start --sandbox
enrol 127.0.0.1 "$C1"
is 429 "$STATUS" "a restart does not reset the address's failures"

enrol 127.0.0.2 "$C2"
is 201 "$STATUS" "another address enrols with its right code meanwhile"
is T-E2 "$(j terminal_id)" "... as the code's terminal"
guesses 127.0.0.2 9
enrol 127.0.0.2 "$C3"
is 201 "$STATUS" "a successful enrolment does not reset the failures before it"
enrol 127.0.0.2 "$(printf '9%011d' 42)"
enrol 127.0.0.2 "$C4"
is 429 "$STATUS" "... the 10th failure of that address locks it"

advance 3601
enrol 127.0.0.1 "$C1"
is 201 "$STATUS" "an hour after its failures the address enrols again"

# ---- across all addresses ----------------------------------------------------
guesses 127.0.0.3 10
guesses 127.0.0.4 10
guesses 127.0.0.5 10
is 10 "$BAD" "30 wrong codes within a minute from three addresses"
enrol 127.0.0.6 "$C4"
is 429 "$STATUS" "then a fresh address's right code is refused"
is global "$(j error.scope)" "... the global ceiling"
ra=$(j error.retry_after)
if [ -n "$ra" ] && [ "$ra" -ge 1 ] && [ "$ra" -le 60 ]; then
	ok "... the global back-off is short ($ra s)"
else not_ok "... the global back-off is short (got '$ra')"; fi
advance 61
enrol 127.0.0.6 "$C4"
is 201 "$STATUS" "after the back-off the fresh address enrols"

done_testing
