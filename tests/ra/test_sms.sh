#!/bin/sh
# test_sms.sh - cakiosk-ra: SMS verification codes (6 digits, 5 minutes,
# 5 tries, one use, bound to the terminal), rate limits per customer and per
# terminal, and the sessions a code buys.
. "$(dirname "$0")/lib.sh"

ra_start --sandbox --sms-terminal-limit 8
AGENT1=13912345678

req POST /v1/sms "{\"subject_type\":\"unit\",\"subject_id\":\"$UNIT1\",\"purpose\":\"query\"}"
is 201 "$STATUS" "send a code to a unit's agent"
is "139****5678" "$(j sent_to)" "... the answer names the masked number"
is 300 "$(j expires_in)" "... valid for 5 minutes"
code=$(last_code $AGENT1)
like '^[0-9]{6}$' "$code" "the sandbox outbox holds a 6-digit code for the agent's mobile"
req POST /v1/sms "{\"subject_type\":\"unit\",\"subject_id\":\"$UNIT1\"}"
is 429 "$STATUS" "a second code within 60 s is refused"
is rate_limited "$(j error.code)" "... rate_limited"
like '^[1-9][0-9]?$' "$(j error.retry_after)" "... with retry_after seconds"

wrong=$(printf '%06d' $(( (1$code + 1) % 1000000 )))
req POST /v1/sessions "{\"subject_type\":\"unit\",\"subject_id\":\"$UNIT1\",\"code\":\"$wrong\"}"
is 422 "$STATUS" "a wrong code: 422"
is code_wrong "$(j error.code)" "... code_wrong"
is 4 "$(j error.tries_left)" "... 4 tries left"
CERT=staff-demo
req POST /v1/sessions "{\"subject_type\":\"unit\",\"subject_id\":\"$UNIT1\",\"code\":\"$code\"}"
is code_not_found "$(j error.code)" "a code cannot be used at another terminal"
CERT=terminal-demo
req POST /v1/sessions "{\"subject_type\":\"unit\",\"subject_id\":\"$UNIT1\",\"code\":\"$code\"}"
is 201 "$STATUS" "the right code opens a session"
like '^[0-9a-f]{64}$' "$(j session)" "... a 256-bit session token"
is "湖南湘江建设工程有限公司" "$(j subject.name)" "... for the customer"
req POST /v1/sessions "{\"subject_type\":\"unit\",\"subject_id\":\"$UNIT1\",\"code\":\"$code\"}"
is 409 "$STATUS" "a replayed code: 409"
is code_used "$(j error.code)" "... code_used"

advance 61
req POST /v1/sms "{\"subject_type\":\"unit\",\"subject_id\":\"$UNIT1\"}"
is 201 "$STATUS" "after 60 s a new code may be sent"
code=$(last_code $AGENT1)
advance 301
req POST /v1/sessions "{\"subject_type\":\"unit\",\"subject_id\":\"$UNIT1\",\"code\":\"$code\"}"
is 422 "$STATUS" "after 5 minutes: 422"
is code_expired "$(j error.code)" "... code_expired"

req POST /v1/sms "{\"subject_type\":\"unit\",\"subject_id\":\"$UNIT1\"}"
code=$(last_code $AGENT1)
wrong=$(printf '%06d' $(( (1$code + 7) % 1000000 )))
for i in 1 2 3 4; do
	req POST /v1/sessions "{\"subject_type\":\"unit\",\"subject_id\":\"$UNIT1\",\"code\":\"$wrong\"}"
done
is 1 "$(j error.tries_left)" "after 4 wrong tries 1 is left"
req POST /v1/sessions "{\"subject_type\":\"unit\",\"subject_id\":\"$UNIT1\",\"code\":\"$wrong\"}"
is code_exhausted "$(j error.code)" "the 5th wrong try uses the code up"
req POST /v1/sessions "{\"subject_type\":\"unit\",\"subject_id\":\"$UNIT1\",\"code\":\"$code\"}"
is code_exhausted "$(j error.code)" "... and then even the right code is refused"

advance 61
req POST /v1/sms "{\"subject_type\":\"unit\",\"subject_id\":\"$UNIT1\"}"
first=$(last_code $AGENT1)
advance 61
req POST /v1/sms "{\"subject_type\":\"unit\",\"subject_id\":\"$UNIT1\"}"
is 201 "$STATUS" "the 5th code within an hour is sent"
if [ "$first" = "$(last_code $AGENT1)" ]; then skip "codes happened to be equal"; else
	req POST /v1/sessions "{\"subject_type\":\"unit\",\"subject_id\":\"$UNIT1\",\"code\":\"$first\"}"
	is code_wrong "$(j error.code)" "a new code replaces the older one"
fi
advance 61
req POST /v1/sms "{\"subject_type\":\"unit\",\"subject_id\":\"$UNIT1\"}"
is 429 "$STATUS" "the 6th code within an hour is refused"
is 3600 "$(j error.retry_after)" "... per-customer limit, retry in an hour"

req POST /v1/sms "{\"subject_type\":\"person\",\"subject_id\":\"$PERSON1\",\"purpose\":\"renew\"}"
is 201 "$STATUS" "a code to a person (6th from this terminal)"
is "138****8001" "$(j sent_to)" "... to the person's own mobile"
advance 61
req POST /v1/sms "{\"subject_type\":\"person\",\"subject_id\":\"$PERSON1\"}"
advance 61
req POST /v1/sms "{\"subject_type\":\"person\",\"subject_id\":\"$PERSON1\"}"
is 201 "$STATUS" "the 8th code from this terminal"
req POST /v1/sms "{\"subject_type\":\"person\",\"subject_id\":\"$PERSON2\"}"
is 429 "$STATUS" "the 9th code from this terminal within an hour is refused"
CERT=staff-demo
req POST /v1/sms "{\"subject_type\":\"person\",\"subject_id\":\"$PERSON2\"}"
is 201 "$STATUS" "... while another terminal may still send"
CERT=terminal-demo

req POST /v1/sms "{\"subject_type\":\"unit\",\"subject_id\":\"$UNIT2\",\"purpose\":\"bogus\"}"
is 400 "$STATUS" "an unknown purpose: 400"
req POST /v1/sms '{"subject_type":"unit","subject_id":"91430100MA4L00011J"}'
is invalid_id "$(j error.code)" "a credit code with a bad check character: invalid_id"
req POST /v1/sessions "{\"subject_type\":\"unit\",\"subject_id\":\"$UNIT1\",\"code\":\"12345\"}"
is code_wrong "$(j error.code)" "a 5-digit code is simply wrong"

advance 3601
login person "$PERSON1" 13800138001 || true
req GET "/v1/subjects/person/$PERSON1/orders"
is 200 "$STATUS" "the session lists the customer's orders"
is 0 "$(j -n orders)" "... none yet"
req GET "/v1/subjects/person/$PERSON2/orders"
is 403 "$STATUS" "a session cannot list another customer's orders"
saved=$SESSION; SESSION=$(echo "$saved" | tr 0-9a-f 1-9a-f0)
req GET "/v1/subjects/person/$PERSON1/orders"
is session_invalid "$(j error.code)" "a forged session token: session_invalid"
SESSION=
req GET "/v1/subjects/person/$PERSON1/orders"
is session_required "$(j error.code)" "no session: session_required"
advance 901
SESSION=$saved
req GET "/v1/subjects/person/$PERSON1/orders"
is session_expired "$(j error.code)" "after 15 minutes the session has expired"
SESSION=

done_testing
