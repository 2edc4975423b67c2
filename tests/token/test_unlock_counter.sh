#!/bin/sh
# test_unlock_counter.sh - the two unlocks the kiosk cannot do and sends to
# the counter (issue 11): a UKey the backend has no SO PIN escrowed for
# (never escrowed by staff: "not issued by this CA") and a UKey whose SO
# PIN is itself locked.  No screen (the screen's sentence is checked in
# tests/screen/test_unlock_counter.sh): the kiosk's own unlock job
# (tests/token/unlockrun.c) against the real cakiosk-ra (sandbox, mTLS) and
# SoftHSM tokens behind the PKCS#11 test module, whose call log shows what
# the kiosk did to the card.
#
# Each must end at once (one run, no retry) with the counter outcome and its
# sentence, and leave the card as it was: pkcs11-tool shows the same PIN
# flags before and after, no login, C_InitPIN or C_SetPIN reached the card;
# the unknown token's order is never authorized and nothing is escrowed
# for it; the locked one's authorization is released once (a second ask is
# refused) and its escrow is what it was, with no candidate recorded.
. "$(dirname "$0")/../screen/lib.sh"
. "$top/tests/token/unlock_lib.sh"
. "$top/tests/screen/unlock_lib.sh"
ul_setup || { not_ok "the bed: cakiosk-ra, the token, its escrow, the SMS session"; finish; exit 1; }
rb_token unk 200 ec || { not_ok "the bed: a token nobody escrowed"; finish; exit 1; }
KNOWN=$L KNOWN_SERIAL=$SERIAL
ok "the bed: token $SERIAL escrowed, one not escrowed, the owner's SMS session"

# flags LABEL: the token's flags as a reader shows them (pkcs11-tool -L).
flags() {
	rb_card "$1" -L
	awk -v l="$1" '/token label/ {sub(/^[^:]*: */, ""); on = $0 == l} on && /token flags/ {print; exit}' \
		"$work/tool.out"
}
# touched LOG CALLS: which of the PIN calls CALLS (C_ left off, | between)
# reached the card in the job's call log.
touched() { grep -E "^C_($2) " "$1" | tr '\n' ' '; }
# counter WHAT PIN STAGE CALLS SENTENCE: the job on $L alone in the reader
# (its calls logged) must end at once, at STAGE, in the counter outcome
# with SENTENCE; none of the PIN calls CALLS reached the card; pkcs11-tool
# shows the flags of before ($before).
counter() {
	bed_ctl "present=$L"
	unlock "$2" UNLOCK_CTL_START="present=$L\nlog=$work/calls-$L.log"
	echo "# $1: $OUT"
	case $OUT in
	"outcome=COUNTER stage=$3 runs=1 "*"reason=\"$5\"") r=0 ;;
	*) r=1 ;;
	esac
	check "$1: the counter at once, with its sentence" test $r = 0 -a -s "$work/calls-$L.log"
	check "... none of C_$4 reached the card ($(touched "$work/calls-$L.log" "$4"))" \
		test -z "$(touched "$work/calls-$L.log" "$4")"
	bed_ctl "present=*"
	check "... pkcs11-tool: the PIN state is what it was ($(flags "$L"))" test "$(flags "$L")" = "$before"
}

# ---- a token the backend does not know ---------------------------------------
L=unk SERIAL=$(u_serial unk)
set_wrong_tries unk 2 # the customer forgot the PIN: one try left
before=$(flags unk)
echo "# unknown token $SERIAL before: $before"
counter "unknown token" 246810 AUTHORIZING 'Login|InitPIN|SetPIN|InitToken' \
	"This UKey was not issued by this CA, or not to you. Please go to the counter of this hall."
check "... its order was never authorized ($(auths))" test "$(auths)" = 0
check "... and nothing is escrowed for it" sh -c "! \"$RA\" escrow \"$SERIAL\" --db \"$work/ra.db\" --ca-dir \"$CA\" 2>/dev/null | grep -q so_pin"
check "... the old PIN still logs in (pkcs11-tool)" card --login --pin 123456 --list-objects

# ---- a token whose SO PIN is locked ------------------------------------------
L=$KNOWN SERIAL=$KNOWN_SERIAL
set_wrong_tries "$L" 3 # the customer's PIN locked
esc=$(escrow)
for i in 1 2 3; do
	card --login --login-type so --so-pin 87654321 --change-pin --new-pin 87654321
done
check "the SO PIN locked by three wrong SO logins (pkcs11-tool): the right one is refused" \
	sh -c "! SOFTHSM2_CONF=$work/softhsm2.conf CAKIOSK_TESTP11_CTL=$work/ctl pkcs11-tool --module $P11 \
		--token-label $L --login --login-type so --so-pin $(so_now) --change-pin --new-pin $(so_now) >/dev/null 2>&1"
before=$(flags "$L")
check "... the reader shows both locked ($before)" sh -c "echo '$before' | grep 'user PIN locked' | grep -q 'SO PIN locked'"
counter "SO PIN locked" 135799 SO_LOGIN 'InitPIN|SetPIN|InitToken' \
	"The kiosk cannot unlock this UKey. Please take it to the counter of this hall: the staff unlock it there."
check "... its authorization released once ($(auths))" test "$(auths)" = 1
st=$(ra POST "/v1/orders/$ORDER/unlock-authorization" "{}")
check "... and not a second time ($st $(jfield error.code))" test "$st.$(jfield error.code)" = 409.wrong_state
check "... the escrow is what it was: the same SO PIN, no candidate" test "$(escrow)" = "$esc"
finish
