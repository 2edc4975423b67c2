#!/bin/sh
# test_staff.sh - cakiosk-ra: counter staff held by the backend (PROTOCOL.md
# section 17).  Accounts made with `cakiosk-ra staff`, their PIN kept only
# as a hash; a kiosk's login with staff number and PIN buys a staff session
# bound to that terminal; wrong PINs lock the account (in the store: a
# restart, the clock and other terminals do not reset it, `staff reset`
# does); a disabled account; a terminal's walk over staff numbers; calls
# for staff (one open call per terminal; listed and closed only by staff);
# the day's orders with totals per channel; and the audit lines, each with
# the real staff number.  Tried as a stranger would: another terminal, a
# customer's session, no session.
. "$(dirname "$0")/lib.sh"
mkfiles
ra_start --sandbox

PIN_A=24681357 PIN_B=97531864 PIN_C=11223344
keep_secret staff_pin "$PIN_A"; keep_secret staff_pin "$PIN_B"; keep_secret staff_pin "$PIN_C"
staff() { "$RA" staff --db "$RA_DB" "$@" 2>&1; }

enrol_term ta T-STAFF-A
enrol_term tb T-STAFF-B

# slogin NUMBER PIN: POST /v1/staff/login; sets STATUS, SSN on success.
slogin() {
	s=$SESSION; SESSION=
	req POST /v1/staff/login "{\"staff_no\":\"$1\",\"pin\":\"$2\"}"
	SESSION=$s
	SSN=
	[ "$STATUS" = 201 ] && SSN=$(j session) && keep_secret staff_session "$SSN"
	return 0
}
# as SESSION CMD...: a command with SESSION set to a staff or customer session.
as() { s=$SESSION; SESSION=$1; shift; "$@"; SESSION=$s; }

# ---- accounts ---------------------------------------------------------------
like '^1001 active failures=0 ' "$(staff list)" "the demo's staff member 1001 is there"
printf '%s\n' "$PIN_A" | staff add 2001 --name 'Li Lei' >/dev/null
is 0 $? "staff add 2001, the PIN from standard input"
printf '%s\n' "$PIN_B" | staff add 2002 >/dev/null
printf '%s\n' "$PIN_C" | staff add 2003 >/dev/null
printf '%s\n' "$PIN_A" | staff add 2001 >/dev/null 2>&1
is 1 $? "... a number that exists already is refused"
printf '12a4\n' | staff add 2009 >/dev/null 2>&1
is 1 $? "... a PIN that is not 4 to 12 digits is refused"
grep -aq "$PIN_A" $(store_files) 2>/dev/null && not_ok "the store holds no PIN in clear" || ok "the store holds no PIN in clear"
cat $(store_files) 2>/dev/null | grep -aEq 'pbkdf2-sha256\$200000\$[0-9a-f]{32}\$[0-9a-f]{64}' &&
	ok "... only a salted PBKDF2 hash" || not_ok "... only a salted PBKDF2 hash"

# ---- login --------------------------------------------------------------------
slogin 2001 "$PIN_A"
is 201 "$STATUS" "the right number and PIN: a staff session"
like '^[0-9a-f]{64}$' "$SSN" "... 64 hex digits"
is "Li Lei" "$(j name)" "... with the staff member's name"
is 5 "$(j lock_after)" "... and the lockout rule stated: 5 wrong PINs"
is 15 "$(j lock_minutes)" "... lock for 15 minutes"
S2001=$SSN
slogin 9999 "$PIN_A"
is 403 "$STATUS" "an unknown staff number: 403"
is staff_auth_failed "$(j error.code)" "... staff_auth_failed"
slogin 2001 12345678
is staff_auth_failed "$(j error.code)" "a wrong PIN: the same answer as a wrong number"
slogin 2001 12ab
is invalid_field "$(j error.code)" "a PIN that is not digits is refused before any check"
slogin 2001 "$PIN_A"
is 201 "$STATUS" "a right PIN ends a run of wrong ones"

# A session is the terminal's that asked for it.
CERT=ta as "$S2001" req GET /v1/calls
is staff_session_invalid "$(j error.code)" "another terminal cannot use the staff session"
as "$S2001" req GET /v1/calls
is 200 "$STATUS" "... the terminal that asked can"

# ---- disabled ---------------------------------------------------------------------
slogin 2003 "$PIN_C"
S2003=$SSN
staff disable 2003 >/dev/null
is 0 $? "staff disable 2003"
like '^2003 disabled ' "$(staff list | grep ^2003)" "... listed as disabled"
as "$S2003" req GET /v1/calls
is staff_session_invalid "$(j error.code)" "... its open session ends with it"
slogin 2003 "$PIN_C"
is staff_disabled "$(j error.code)" "... its right PIN: staff_disabled"
slogin 2003 12345678
is staff_auth_failed "$(j error.code)" "... a wrong PIN says nothing of the account"
staff enable 2003 >/dev/null
slogin 2003 "$PIN_C"
is 201 "$STATUS" "staff enable: it logs in again"

# ---- lockout --------------------------------------------------------------------------
i=0
while [ $i -lt 4 ]; do slogin 2002 12345678; i=$((i + 1)); done
is staff_auth_failed "$(j error.code)" "4 wrong PINs in a row: still refused as wrong"
slogin 2002 12345678
is 429 "$STATUS" "the 5th wrong PIN locks the account: 429"
is staff_locked "$(j error.code)" "... staff_locked"
is 900 "$(j error.retry_after)" "... for 15 minutes (retry_after 900)"
slogin 2002 "$PIN_B"
is staff_locked "$(j error.code)" "... the right PIN is refused while locked"
CERT=ta slogin 2002 "$PIN_B"
is staff_locked "$(j error.code)" "... from another terminal too"
ra_stop TERM
ra_start --sandbox
slogin 2002 "$PIN_B"
is staff_locked "$(j error.code)" "a restart of the backend keeps the lock"
like '^2002 locked failures=5' "$(staff list | grep ^2002)" "... staff list says so"
advance 901
slogin 2002 12345678
is staff_locked "$(j error.code)" "after the lock a wrong PIN locks again at once (the count is kept)"
n_lock=6
while [ $n_lock -lt 10 ]; do advance 901; slogin 2002 12345678; n_lock=$((n_lock + 1)); done
is true "$(j error.until_reset)" "10 wrong PINs in a row: locked until reset"
advance 3600
slogin 2002 "$PIN_B"
is staff_locked "$(j error.code)" "... time does not open it"
like '^2002 locked-until-reset failures=10' "$(staff list | grep ^2002)" "... staff list says so"
staff reset 2002 >/dev/null
is 0 $? "staff reset 2002"
slogin 2002 "$PIN_B"
is 201 "$STATUS" "... and the right PIN logs in again"

# ---- a terminal walking over staff numbers --------------------------------------------
i=0 bad=0
while [ $i -lt 20 ]; do
	CERT=tb slogin "$((3000 + i))" 12345678
	[ "$STATUS" = 403 ] && bad=$((bad + 1))
	i=$((i + 1))
done
is 20 "$bad" "20 guesses from one terminal, each refused"
CERT=tb slogin 1001 123456
is rate_limited "$(j error.code)" "then that terminal is stopped, even with a right number and PIN"
is terminal "$(j error.scope)" "... scope terminal"
slogin 1001 123456
is 201 "$STATUS" "... other terminals are not"
S1001=$SSN

# ---- calls for staff ---------------------------------------------------------------
req POST /v1/calls '{"screen":"apply/step-form"}'
is 201 "$STATUS" "a terminal calls staff (F12) with the screen the customer is on"
C1=$(j call.id)
is DEMO-T01 "$(j call.terminal)" "... the call names the terminal"
req POST /v1/calls '{"screen":"menu"}'
is 200 "$STATUS" "a second press: no second call"
is "$C1" "$(j call.id)" "... the open call is answered"
is true "$(j again)" "... marked again"
req POST /v1/calls '{"screen":"<b>"}'
is invalid_field "$(j error.code)" "a screen name that is not a name is refused"
CERT=ta req POST /v1/calls '{"screen":"pay"}'
C2=$(j call.id)
is 201 "$STATUS" "another terminal's call is its own"
req GET /v1/calls
is staff_session_required "$(j error.code)" "a terminal without a staff session cannot list calls"
req POST "/v1/calls/$C1/close"
is staff_session_required "$(j error.code)" "... nor close one"
login unit "$UNIT1" 13912345678
CUST=$SESSION
req GET /v1/calls
is staff_session_invalid "$(j error.code)" "a customer's session is not a staff session"
SESSION=
as "$S1001" req GET /v1/calls
is 2 "$(j -n calls)" "staff see the open calls of every terminal"
is "apply/step-form" "$(j calls.0.screen)" "... with the screen"
as "$S1001" req POST "/v1/calls/$C2/close"
is 200 "$STATUS" "staff at one kiosk close another kiosk's call"
is 1001 "$(j call.closed_by)" "... closed by the real staff number"
as "$S1001" req POST "/v1/calls/$C2/close"
is call_closed "$(j error.code)" "a closed call cannot be closed again"
as "$S1001" req POST /v1/calls/99999/close
is unknown_call "$(j error.code)" "an unknown call: unknown_call"
CERT=ta req POST /v1/calls '{"screen":"menu"}'
is 201 "$STATUS" "once closed, the terminal can call again"
C3=$(j call.id)
CERT=staff-demo req GET /v1/calls
is 2 "$(j -n calls)" "a staff certificate lists the calls"
like "^$C1 DEMO-T01 apply/step-form " "$("$RA" calls --db "$RA_DB" | head -n 1)" "cakiosk-ra calls lists the open ones"
"$RA" calls --db "$RA_DB" close "$C1" >/dev/null 2>&1
is 0 $? "cakiosk-ra calls close ID"
"$RA" calls --db "$RA_DB" close "$C1" >/dev/null 2>&1
is 1 $? "... not twice"
is 1 "$("$RA" calls --db "$RA_DB" | wc -l)" "... one call left open"

# ---- actions, the day's orders, logout --------------------------------------------------
as "$S1001" req POST /v1/staff/actions '{"action":"release"}'
is 201 "$STATUS" "staff report an action from the kiosk"
as "$S1001" req POST /v1/staff/actions '{"action":"format_disk"}'
is invalid_field "$(j error.code)" "... only the actions the protocol names"
req POST /v1/staff/actions '{"action":"release"}'
is staff_session_required "$(j error.code)" "... never without a staff session"
SESSION=$CUST
unit_order_ready
pay_approve "$OID"
SESSION=
as "$S1001" req GET /v1/terminal/orders
is 200 "$STATUS" "the day's orders at this terminal, with the staff session"
is alipay "$(j orders.0.channel)" "... each with the channel it was paid through"
is alipay "$(j totals.0.channel)" "... totals per channel"
is 40000 "$(j totals.0.amount)" "... the channel's amount"
is 1 "$(j totals.0.count)" "... and count"
as "$S2003" req GET /v1/terminal/orders
is 200 "$STATUS" "... a session that is no staff session is not refused there (not audited)"
as "$S1001" req POST /v1/staff/logout
is 200 "$STATUS" "staff log out"
as "$S1001" req GET /v1/calls
is staff_session_invalid "$(j error.code)" "... and the session is gone"

# ---- the audit ------------------------------------------------------------------------------
"$RA" audit --db "$RA_DB" >"$T/audit"
grep -q "staff=2001 terminal=DEMO-T01 login$" "$T/audit" && ok "audit: a login, with the staff number and the terminal" || not_ok "audit: a login"
grep -q "staff=2001 terminal=DEMO-T01 login_failed wrong PIN (1 in a row)" "$T/audit" && ok "audit: a wrong PIN" || not_ok "audit: a wrong PIN"
grep -q "staff=9999 terminal=DEMO-T01 login_failed unknown staff number" "$T/audit" && ok "audit: an unknown number" || not_ok "audit: an unknown number"
grep -q "staff=2002 terminal=T-STAFF-A login_refused locked" "$T/audit" && ok "audit: a refusal while locked" || not_ok "audit: a refusal while locked"
grep -q "staff=2003 terminal=DEMO-T01 login_refused account disabled" "$T/audit" && ok "audit: a disabled account's login" || not_ok "audit: a disabled account's login"
grep -q "staff=1001 terminal=DEMO-T01 call_closed call $C2 from T-STAFF-A at pay" "$T/audit" && ok "audit: a call closed by staff 1001" || not_ok "audit: a call closed"
grep -q "staff=admin terminal=- call_closed call $C1 " "$T/audit" && ok "audit: a call closed by the administrator" || not_ok "audit: a call closed by the administrator"
grep -q "staff=1001 terminal=DEMO-T01 release$" "$T/audit" && ok "audit: an action the kiosk reported" || not_ok "audit: an action the kiosk reported"
grep -q "staff=1001 terminal=DEMO-T01 orders_viewed$" "$T/audit" && ok "audit: the day's orders viewed" || not_ok "audit: the day's orders viewed"
grep -q "staff=2003 terminal=DEMO-T01 orders_viewed" "$T/audit" && not_ok "a session that is no staff session is not audited as staff" || ok "a session that is no staff session is not audited as staff"
grep -q "staff=1001 terminal=DEMO-T01 logout$" "$T/audit" && ok "audit: a logout" || not_ok "audit: a logout"
grep -q "staff=admin terminal=- staff_disable 2003" "$T/audit" && ok "audit: the administrator's staff disable" || not_ok "audit: staff disable"
grep -q "staff=admin terminal=- staff_reset 2002" "$T/audit" && ok "audit: the administrator's staff reset" || not_ok "audit: staff reset"
grep -q "staff=cert:staff-demo" "$T/audit" && not_ok "listing calls is no audited action" || ok "listing calls is no audited action"
grep -aq -e "$PIN_A" -e "$PIN_B" -e "$PIN_C" "$T/server.log" "$T/audit" && not_ok "no staff PIN in the server's log or the audit" || ok "no staff PIN in the server's log or the audit"
done_testing
