#!/bin/sh
# test_personalize_pull.sh - instant issuance at the counter (issue 13)
# survives a card pulled at every PKCS#11 call and a kiosk killed between
# any two stages: the token is either blank or initialized without a
# certificate (and made again) or finished, never a token with a
# certificate the backend thinks is elsewhere.  No screen: the kiosk's own
# job (src/svc/personalize.c) runs in tests/token/pzrun.c against the real
# cakiosk-ra (sandbox, mTLS) with a staff session, on a blank SoftHSM card
# behind the PKCS#11 test module.
#
# Clean runs first: the certificate PIN sent by SMS and by a transfer's
# memo, each ending with a working token; the module's call log of the
# first is the matrix.  Then for every call index N (enumerated, not
# picked), with a new approved order and a new blank card each:
#   resume  the card is pulled at call N (pull_nth), put back, and the same
#           visit runs the job again;
#   after   (calls that write) call N is done by the card, then it is pulled
#           before the answer (pull_after); put back, the visit goes on;
#   visit   the card is pulled at call N and the kiosk gives up; the card is
#           put back and staff start again (a new kiosk process, the same
#           order: the backend's recorded SO PIN opens the half-made card);
# and for every stage boundary the kiosk process is killed there (_exit),
# then a new one finishes.  Each ends checked with pkcs11-tool, curl and
# the staff command, not the kiosk's code (pz_verify).  A second
# personalization of a made order is refused, and a finished card is
# never made again for another order.
#
# By default the call indexes are every call that changes the card
# (C_InitToken, C_InitPIN, C_Login, C_Logout, C_GenerateKeyPair, C_Sign,
# C_CreateObject, C_DestroyObject, C_SetAttributeValue, C_CloseAllSessions)
# and every PZ_STRIDE-th call besides (default 16), each pulled and resumed;
# every PZ_VISIT_STRIDE-th of them (default 4) also started again by a new
# kiosk: about a minute.  PZ_STRIDE=1 PZ_VISIT_STRIDE=1 runs every call
# index both ways (several minutes).
. "$(dirname "$0")/../screen/lib.sh"
. "$top/tests/token/pz_lib.sh"
STRIDE=${PZ_STRIDE:-16}
VSTRIDE=${PZ_VISIT_STRIDE:-4}
WRITES='^(C_InitToken|C_InitPIN|C_Login|C_Logout|C_GenerateKeyPair|C_Sign|C_CreateObject|C_DestroyObject|C_SetAttributeValue|C_CloseAllSessions)$'
pz_setup || { not_ok "the bed: cakiosk-ra, staff login, SMS sessions"; finish; exit 1; }
ok "the bed: cakiosk-ra, staff 1001 logged in at the kiosk"

FAILS=
SKIPCALLS='^(C_GetSlotList|C_GetSlotInfo|C_GetTokenInfo|C_WaitForSlotEvent|C_GetInfo|C_GetFunctionList) '
# ---- clean runs ------------------------------------------------------------------
pz_order; pz_blank
check "an approved order whose PIN came by SMS" test -n "$UPIN"
pz_run PZ_CTL_START="present=*\nblank=2\nlog=$work/calls.log"
case $OUT in outcome=DONE*) ok "a blank card made: $OUT" ;; *) not_ok "a blank card made: $OUT" ;; esac
check "after it: order made, the SMS'd PIN, the escrowed SO PIN, the certificate and seal${why:+ ($why)}" pz_verify
FIRST=$ORDER
CALLS=$(grep -cvE "$SKIPCALLS" "$work/calls.log")
[ "$CALLS" -ge 20 ] && ok "one personalization makes $CALLS counted PKCS#11 calls" || not_ok "counted calls: $CALLS"
grep -vE "$SKIPCALLS" "$work/calls.log" | awk '{print $1}' | uniq -c | awk '{printf "%s%s", $2, ($1 > 1 ? "x" $1 : "") " "}' | sed 's/^/# calls: /'
echo

pz_order transfer; pz_blank
check "an approved order whose PIN came in a transfer's memo" test -n "$UPIN"
pz_run
case $OUT in outcome=DONE*) ok "a blank card made with the memo's PIN: $OUT" ;; *) not_ok "memo: $OUT" ;; esac
check "after it: the memo's PIN opens the token${why:+ ($why)}" pz_verify

# A second personalization of the same (made) order, on a new blank card.
ORDER=$FIRST; pz_blank
pz_run
case $OUT in outcome=REFUSED*) ok "a second personalization of a made order is refused" ;;
*) not_ok "a second personalization of a made order: $OUT" ;; esac
check "... and the new card stays blank" sh -c "! SOFTHSM2_CONF=$work/softhsm2.conf CAKIOSK_TESTP11_CTL=$work/ctl pkcs11-tool --module $P11 -L 2>/dev/null | grep -q 'token initialized'"
# A finished card is not made again for another order.
pz_order; pz_blank
pz_run; pz_verify
DONE_CARD=$ORDER DONE_PIN=$UPIN
pz_order
pz_run
case $OUT in outcome=TOKEN*) ok "a card holding a certificate is not made again: $OUT" ;;
*) not_ok "a finished card made again: $OUT" ;; esac
ORDER=$DONE_CARD UPIN=$DONE_PIN
check "... it still works for its own order${why:+ ($why)}" pz_verify

# ---- the matrix -------------------------------------------------------------------
size=0 resumed=0 afters=0 visits=0 bad=0
tally() { # KIND N
	size=$((size + 1))
	if pz_verify; then
		case $1 in resume) resumed=$((resumed + 1)) ;; after) afters=$((afters + 1)) ;;
		*) visits=$((visits + 1)) ;; esac
	else
		bad=$((bad + 1)); FAILS="$FAILS $1@$2"
		echo "# $1 $2: FAILED:$why: $OUT"
	fi
}
# The indexes: the writes and every STRIDE-th call.
grep -vE "$SKIPCALLS" "$work/calls.log" | awk '{print $1}' >"$work/callnames"
awk -v s="$STRIDE" -v w="$WRITES" '$1 ~ w || (NR - 1) % s == 0 {print NR}' \
	"$work/callnames" >"$work/indexes"
NIDX=$(wc -l <"$work/indexes")
nth=0
for N in $(cat "$work/indexes"); do
	pz_order; pz_blank
	pz_run PZ_CTL_START="present=*\nblank=2\npull_nth=$N" PZ_CTL_AGAIN="present=*\nblank=2"
	tally resume $N
	# A write the card did whose answer was lost: the same visit goes on.
	if sed -n "${N}p" "$work/callnames" | grep -qE "$WRITES"; then
		pz_order; pz_blank
		pz_run PZ_CTL_START="present=*\nblank=2\npull_after=$N" PZ_CTL_AGAIN="present=*\nblank=2"
		tally after $N
	fi
	nth=$((nth + 1))
	[ $(((nth - 1) % VSTRIDE)) -eq 0 ] || continue
	pz_order; pz_blank
	pz_run PZ_CTL_START="present=*\nblank=2\npull_nth=$N" PZ_RUNS=1
	first=$OUT
	bed_ctl "present=*" "blank=2"
	pz_run
	OUT="$first / $OUT"
	tally visit $N
done
kills=0
for stage in INIT KEY ISSUING WRITING CHECKING MADE; do
	pz_order; pz_blank
	pz_run PZ_STOP=$stage
	case $OUT in outcome=STOPPED*) ;; *) echo "# kill before $stage: not stopped: $OUT" ;; esac
	pz_run
	size=$((size + 1))
	if pz_verify; then kills=$((kills + 1))
	else bad=$((bad + 1)); FAILS="$FAILS kill@$stage"; echo "# killed before $stage: FAILED:$why: $OUT"; fi
done
echo "# matrix: $NIDX of $CALLS call indexes (the writes and every $STRIDE) pulled and resumed" \
	"in the visit, every $VSTRIDE of them also pulled and started again by a new kiosk," \
	"each write also done with its answer lost, + 6 kills = $size runs: $resumed resumed," \
	"$afters resumed after a lost answer," \
	"$visits finished by a new start, $kills after a kill, $bad failed"
check "the pull matrix: every pull and kill ends with a working token the backend knows ($size runs;${FAILS:- none failed})" \
	test "$bad" -eq 0
check "the matrix ran its call indexes ($NIDX)" test $((resumed + bad)) -ge "$NIDX" -a "$NIDX" -ge $((CALLS / STRIDE))
if grep -aq "$UPIN" "$work/cakiosk.log" "$work/ra.log" 2>/dev/null; then
	not_ok "no PIN in the kiosk's or the backend's log"
else ok "no PIN in the kiosk's or the backend's log"; fi
finish
