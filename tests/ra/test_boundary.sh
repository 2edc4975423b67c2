#!/bin/sh
# test_boundary.sh - cakiosk-ra: the renewal window's boundary instants.
#
# The kiosk predicts with the same function (src/common/rules.c, linked into
# both programs), pinned at the same instants by tests/unit/test_rules.c
# (test_boundary_instants): exactly 90 days (in seconds) left is too early
# and one second less is renewable; ended exactly 365 days ago is renewable
# and one second more is not.  The backend's clock is stopped at each instant
# (POST /v1/sandbox/clock {"at"}).
. "$(dirname "$0")/lib.sh"
ra_start --sandbox
DAY=86400
now=$(date +%s)
NA=$((now + 100 * DAY))
sandbox_cert b $((now - 200 * DAY)) $NA person "$PERSON1"
is 201 "$STATUS" "a certificate ending at a chosen second"
# at SECONDS_FROM_NOTAFTER: order a renewal with the clock stopped there;
# sets GOT to the status and the refusal's reason.
at() {
	req POST /v1/sandbox/clock "{\"at\":$((NA + $1))}"
	if [ "$STATUS" != 200 ]; then GOT="clock $STATUS"; return; fi
	req POST /v1/orders "{\"kind\":\"renew\",\"subject_type\":\"person\",\"subject_id\":\"$PERSON1\",\"certificate\":\"$(pem_json "$T/b.crt")\",\"form\":{\"email\":\"renew@example.cn\"}}"
	GOT="$STATUS $(j error.reason)"
}
at $((-90 * DAY - 1)); is "409 too_early" "$GOT" "90 days and 1 s left: too early"
at $((-90 * DAY)); is "409 too_early" "$GOT" "exactly 90 days left: too early"
at $((-90 * DAY + 1)); is "201 " "$GOT" "90 days less 1 s left: renewable"
at $((365 * DAY - 1)); is "201 " "$GOT" "ended 365 days less 1 s ago: renewable"
at $((365 * DAY)); is "201 " "$GOT" "ended exactly 365 days ago: renewable"
at $((365 * DAY + 1)); is "409 expired_too_long" "$GOT" "ended 365 days and 1 s ago: not renewable"
req POST /v1/sandbox/clock '{"at":0}'
like '^[0-9]+$' "$(j time)" "the clock runs again"
done_testing
