#!/bin/sh
# test_unlock_pull.sh - the unlock survives a pulled card at every PKCS#11
# call and a kiosk killed between any two stages (issue 11, PROTOCOL.md
# section 12).  No screen: the kiosk's own unlock job (src/svc/unlock.c)
# runs in tests/token/unlockrun.c against the real cakiosk-ra (sandbox,
# mTLS) and a SoftHSM token behind the PKCS#11 test module, which holds a
# signing and an encryption pair with certificates and a seal object.
#
# One clean unlock is run with the module's call log on: its counted calls
# are the matrix.  Then for every call index N (enumerated, not picked):
#   resume  the card is pulled at call N (pull_nth), put back, and the same
#           visit runs the job again;
#   after   call N is done by the card, then it is pulled before the answer
#           (a write that happened, its answer lost); put back, run again;
#   visit   the card is pulled at call N and the kiosk gives up; the card is
#           put back and the customer starts a new unlock (a new order, a
#           new authorization, a new PIN) at the kiosk;
# and for every stage boundary the kiosk process is killed there (_exit),
# then a new unlock runs.  Each run continues from the token and escrow the
# one before left.  After each, checked with pkcs11-tool and the staff
# command, not the kiosk's code: the new user PIN logs in, the escrowed SO
# PIN logs in as SO and no candidate is left, the SO PIN of before is
# refused once it was rotated, and the token's objects are byte for byte
# what they were (certificates and seal read back; SoftHSM's object files,
# private keys included, unchanged).
#
# UNLOCK_STRIDE=K (default 1: the whole matrix) runs every K-th call index
# only, for a quick look.
. "$(dirname "$0")/../screen/lib.sh"
. "$top/tests/token/unlock_lib.sh"
STRIDE=${UNLOCK_STRIDE:-1}
ul_setup || { not_ok "the bed: cakiosk-ra, the token, its escrow, the SMS session"; finish; exit 1; }
ok "the bed: token $SERIAL escrowed, the owner's SMS session"

FAILS=
# ---- the clean run: how many calls -------------------------------------------
BASE=$(objects 123456)
[ "$(echo "$BASE" | wc -l)" -ge 5 ] && ok "the token's objects are fingerprinted ($(echo "$BASE" | wc -l))" ||
	not_ok "the token's objects are fingerprinted"
old=$(so_now)
unlock 200000 UNLOCK_CTL_START="present=*\nlog=$work/calls.log"
case $OUT in outcome=DONE*) ok "a clean unlock: $OUT" ;; *) not_ok "a clean unlock: $OUT" ;; esac
check "after it: the new PIN, the escrowed SO PIN, the objects" verify 200000 "$old"
CALLS=$(grep -cvE '^(C_GetSlotList|C_GetSlotInfo|C_GetTokenInfo|C_WaitForSlotEvent|C_GetInfo|C_GetFunctionList) ' "$work/calls.log")
[ "$CALLS" -ge 10 ] && ok "one unlock makes $CALLS counted PKCS#11 calls" || not_ok "counted calls: $CALLS"
grep -vE '^(C_GetSlotList|C_GetSlotInfo|C_GetTokenInfo|C_WaitForSlotEvent|C_GetInfo|C_GetFunctionList) ' \
	"$work/calls.log" | awk '{print NR": "$1}' | tr '\n' ' ' | sed 's/^/# calls: /'
echo

# ---- the matrix ---------------------------------------------------------------
pin=200000 size=0 resumed=0 afters=0 visits=0 bad=0
tally() { # KIND N: count the outcome of the last run, verified
	size=$((size + 1))
	if verify "$pin" "$old"; then
		case $1 in resume) resumed=$((resumed + 1)) ;; after) afters=$((afters + 1)) ;;
		*) visits=$((visits + 1)) ;; esac
		echo "# $1 $2: $OUT"
	else
		bad=$((bad + 1)); FAILS="$FAILS $1@$2"
		echo "# $1 $2: FAILED:$why: $OUT"
		bed_ctl "present=*"
	fi
}
N=1
while [ $N -le "$CALLS" ]; do
	old=$(so_now) pin=$((pin + 1))
	unlock $pin UNLOCK_CTL_START="present=*\npull_nth=$N" UNLOCK_CTL_AGAIN="present=*"
	tally resume $N
	old=$(so_now) pin=$((pin + 1))
	unlock $pin UNLOCK_CTL_START="present=*\npull_after=$N" UNLOCK_CTL_AGAIN="present=*"
	tally after $N
	# The kiosk gives up after the pull; the customer comes back.
	old=$(so_now)
	unlock $((pin + 500)) UNLOCK_CTL_START="present=*\npull_nth=$N" UNLOCK_RUNS=1
	bed_ctl "present=*"
	pin=$((pin + 500))
	unlock $pin UNLOCK_CTL_START="present=*"
	tally visit $N
	pin=$((pin - 500)) N=$((N + STRIDE))
done
kills=0
for stage in SO_LOGIN INIT_PIN RECORDING SETTING_SO PROMOTING PROVING; do
	old=$(so_now) pin=$((pin + 1))
	unlock $((pin + 700)) UNLOCK_STOP=$stage
	case $OUT in outcome=STOPPED*) ;; *) echo "# kill before $stage: not stopped: $OUT" ;; esac
	unlock $pin
	size=$((size + 1))
	if verify "$pin" "$old"; then kills=$((kills + 1)); echo "# killed before $stage, new visit: $OUT"
	else bad=$((bad + 1)); FAILS="$FAILS kill@$stage"; echo "# killed before $stage: FAILED:$why: $OUT"; fi
done
cands=$(grep -c 'the token holds the candidate SO PIN' "$work/cakiosk.log")
echo "# matrix: $CALLS calls x 3 (pulled before / after the call and resumed, new visit)" \
	"every $STRIDE + 6 kills = $size runs: $resumed resumed, $afters resumed after a lost" \
	"answer, $visits finished by a new visit, $kills after a kill, $bad failed;" \
	"$cands times the token held the candidate of a stopped unlock"
check "some stops left the token holding the candidate, and it was found ($cands)" test "$cands" -ge 1
check "the pull matrix: every pull and kill ends with a usable token whose SO PIN the backend knows ($size runs;${FAILS:- none failed})" \
	test "$bad" -eq 0
check "the matrix ran every call index" test $((size - 6)) -ge $((3 * ((CALLS + STRIDE - 1) / STRIDE)))
if grep -aq "$(so_now)" "$work/cakiosk.log" "$work/ra.log" 2>/dev/null; then
	not_ok "no SO PIN in the kiosk's or the backend's log"
else ok "no SO PIN in the kiosk's or the backend's log"; fi
finish
