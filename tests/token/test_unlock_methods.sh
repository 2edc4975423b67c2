#!/bin/sh
# test_unlock_methods.sh - every identity method of the unlock from every PIN
# state the issue names: the unit's three (legal representative's mobile,
# corporate account 0.01 CNY transfer memo, legal representative's bank
# card) and the person's three (mobile, bank card, bank account transfer
# memo), each from a token whose PIN was forgotten with tries left and from
# a locked one: 12 unlocks.  No screen (the screens' own test is
# tests/screen/test_unlock.sh): the backend's order verified by the method
# as the kiosk's verify step sends it, then the kiosk's own unlock job
# (tests/token/unlockrun.c) against the real cakiosk-ra (sandbox, mTLS) and
# SoftHSM tokens behind the PKCS#11 test module, one escrowed for a unit and
# one for a person.
#
# Before each, pkcs11-tool (through the test module, as a card in a reader)
# shows the PIN state; after each, pkcs11-tool and the staff command, not
# the kiosk's code, show the new user PIN logs in, the escrowed SO PIN logs
# in as SO, the SO PIN of before is refused, and the token's objects are
# byte for byte what they were.  The last line is the matrix.
. "$(dirname "$0")/../screen/lib.sh"
. "$top/tests/token/unlock_lib.sh"
. "$top/tests/screen/unlock_lib.sh"
ul_setup || { not_ok "the bed: cakiosk-ra, the token, its escrow, the SMS session"; finish; exit 1; }
SESS_PERSON=$SESS TOK_PERSON=$L
u_token umu unit 0 || { not_ok "the unit's token"; finish; exit 1; }
sms_session unit "$U_UNIT" "$U_UNIT_AGENT"
SESS_UNIT=$SESS
check "the bed: a token escrowed for the person and one for the unit, both SMS sessions" \
	test -n "$SESS_PERSON" -a -n "$SESS_UNIT"

# The verification as the kiosk's verify step sends it (ORDER in $1).
v_send() { ra POST "/v1/orders/$1/verify" "$2"; }
v_unit_mobile() { v_send "$1" "{\"party\":\"unit\",\"method\":\"mobile\",\"mobile\":\"$U_UNIT_REP\"}" >/dev/null; }
v_unit_bank_card() { v_send "$1" "{\"party\":\"unit\",\"method\":\"bank_card\",\"bank_card\":\"$U_CARD\"}" >/dev/null; }
v_person_mobile() { v_send "$1" "{\"party\":\"person\",\"method\":\"mobile\",\"mobile\":\"$U_PERSON_MOBILE\"}" >/dev/null; }
v_person_bank_card() { v_send "$1" "{\"party\":\"person\",\"method\":\"bank_card\",\"bank_card\":\"$U_CARD\"}" >/dev/null; }
# transfer: 0.01 CNY with a code in the memo, read from the sandbox bank.
v_transfer() {
	st=$(v_send "$1" "{\"party\":\"$2\",\"method\":\"transfer\"}")
	[ "$st" = 202 ] || { echo "# transfer $1: $st $(cat "$work/out")" >&2; return; }
	rb_api GET /v1/sandbox/bank >/dev/null
	memo=$(u_memo "$(jfield transfers.0.account)")
	v_send "$1" "{\"party\":\"$2\",\"method\":\"transfer\",\"memo\":\"$memo\"}" >/dev/null
}
v_unit_transfer() { v_transfer "$1" unit; }
v_person_transfer() { v_transfer "$1" person; }

# The unit's session is its agent's (the SMS code went to the agent's
# mobile): the legal representative's real-name check is not passed by it.
L=umu SERIAL=$(u_serial umu) SESS=$SESS_UNIT
ra POST /v1/orders "{\"kind\":\"unlock\",\"subject_type\":\"unit\",\"subject_id\":\"$U_UNIT\",\"token_serial\":\"$SERIAL\"}" >/dev/null
st=$(v_send "$(jfield order.id)" "{\"party\":\"unit\",\"method\":\"mobile\",\"mobile\":\"$U_UNIT_AGENT\"}")
check "unit: the agent's mobile does not pass the legal representative's check" \
	test "$st.$(jfield error.code)" = 422.verification_failed

# state_is LABEL low|locked: the PIN state as a reader shows it (-L flags).
state_is() {
	rb_card "$1" -L
	awk -v l="$1" '/token label/ {sub(/^[^:]*: */, ""); on = $0 == l} on && /token flags/ {print; exit}' \
		"$work/tool.out" >"$work/flags"
	case $2 in
	low) grep -q 'user PIN count low' "$work/flags" && ! grep -q 'user PIN locked' "$work/flags" ;;
	locked) grep -q 'user PIN locked' "$work/flags" ;;
	esac
}

cells=0 done_ok=0 MATRIX=
for who in person unit; do
	if [ $who = unit ]; then
		L=umu SESS=$SESS_UNIT UL_TYPE=unit UL_ID=$U_UNIT
	else
		L=$TOK_PERSON SESS=$SESS_PERSON UL_TYPE=person UL_ID=$P1
	fi
	SERIAL=$(u_serial "$L") cur=123456
	for method in mobile bank_card transfer; do
		for state in low locked; do
			cells=$((cells + 1)) new=$((300000 + cells)) spent=1
			[ $state = locked ] && spent=3
			bed_ctl "present=*"
			BASE=$(objects $cur)
			old=$(so_now)
			set_wrong_tries "$L" $spent
			what="$who/$method from a PIN $( [ $state = low ] && echo "with tries left" || echo locked)"
			check "$what: the reader shows the state" state_is "$L" $state
			bed_ctl "present=$L"
			UL_VERIFY=v_${who}_$method unlock $new
			echo "# $what: $OUT"
			if case $OUT in outcome=DONE*) verify $new "$old" ;; *) why=" $OUT"; false ;; esac; then
				ok "$what: unlocked; pkcs11-tool: the new PIN, the escrowed SO PIN, the old SO PIN refused, the objects"
				done_ok=$((done_ok + 1)) res=DONE
			else
				not_ok "$what: unlocked; pkcs11-tool:$why"
				res=FAILED
			fi
			MATRIX="$MATRIX $who/$method/$state=$res"
			cur=$new
		done
	done
done
echo "# methods x states: $cells unlocks, $done_ok done:$MATRIX"
check "the matrix is 6 methods x 2 states, all done" test "$cells.$done_ok" = 12.12
finish
