#!/bin/sh
# unlock-bench.sh - machine time of an unlock from "authorization received"
# to "the new PIN works", the kiosk against the same steps done with public
# tools in the same run; then what a customer waits at the kiosk in a whole
# visit, from insertion to done, against the same visit with public tools.
#
#   sh tests/bench/unlock-bench.sh [B] [RUNS]      (make bench runs it too)
#
# The bed is the pull matrix's (tests/token/unlock_lib.sh): cakiosk-ra in
# sandbox mode on loopback over mTLS, one SoftHSM2 token behind the PKCS#11
# test module (no latency set) with two key pairs, their certificates and a
# seal; its SO PIN escrowed.  Every round is a new unlock order of the
# token's owner, verified and confirmed, and its authorization asked, before
# the timing; the rounds continue on the same token (its SO PIN rotates).
#
# kiosk  tests/token/unlockrun.c with UNLOCK_TIMES: the kiosk's unlock job
#        (src/svc/unlock.c) stage by stage on its worker thread, in a
#        process that has loaded the module and read the token, as the
#        kiosk has when the customer typed the new PIN.  Timed inside:
#        SO login (which SO PIN the token holds), C_InitPIN, the new SO PIN
#        made and recorded with cakiosk-ra, C_SetPIN of the SO PIN, the
#        promotion, the user login.
# peer   the same steps as the issue names them with pkcs11-tool: `--login
#        --login-type so --init-pin`, `--change-pin` as SO for the SO PIN, a
#        user `--login` (listing the objects: pkcs11-tool does nothing with
#        a login alone), and curl for the two calls to cakiosk-ra; the new
#        SO PIN from /dev/urandom.  Each a process, as those tools work;
#        timed with date around the whole.
# Where the two differ: the kiosk logs in as SO once more (to learn which
# of the escrowed PINs the token holds, which the peer is simply told),
# and logs out and releases its slots after each SO step.
#
# Rounds alternate kiosk and peer; one of each first is not counted.
# Figures are medians over RUNS; ratio = peer / kiosk (above 1: the kiosk is
# faster).
set -eu
B=${1:-${B:-build}}
RUNS=${2:-10}
case $RUNS in '' | *[!0-9]*) echo "unlock-bench.sh: RUNS must be a number" >&2; exit 2 ;; esac
[ "$RUNS" -ge 1 ] || { echo "unlock-bench.sh: RUNS must be at least 1" >&2; exit 2; }
. "$(dirname "$0")/../screen/lib.sh"
. "$top/tests/token/unlock_lib.sh"
ul_setup || { echo "unlock-bench.sh: the bed did not come up" >&2; exit 1; }

ms_now() { date +%s%N | cut -c1-13; }
# authorized: a new order and its authorization (not timed); AUTH_SO.
authorized() {
	order
	ra POST "/v1/orders/$ORDER/unlock-authorization" "{}" >/dev/null
	AUTH_SO=$(jfield so_pin)
	[ -n "$AUTH_SO" ]
}
# kiosk PIN: the job after its authorization; KIOSK_MS, KIOSK_LINE.
kiosk() {
	order
	KIOSK_LINE=$(env SOFTHSM2_CONF="$work/softhsm2.conf" CAKIOSK_TESTP11_CTL="$work/ctl" \
		UNLOCK_TIMES=1 "$RUN" "$work/cakiosk.conf" "$ORDER" "$SESS" "$1")
	case $KIOSK_LINE in *outcome=DONE*) ;; *) echo "kiosk: $KIOSK_LINE" >&2; return 1 ;; esac
	KIOSK_MS=$(echo "$KIOSK_LINE" | sed -n 's/.*work=\([0-9.]*\).*/\1/p')
}
# peer PIN: the same with pkcs11-tool and curl; PEER_MS.
peer() {
	authorized
	t=$(ms_now)
	peer_steps "$1"
	PEER_MS=$(($(ms_now) - t))
	[ "$st" = 200 ] && [ "$(so_now)" = "$new" ] || { echo "peer: not rotated ($st)" >&2; return 1; }
}
# peer_steps PIN: from the authorization (AUTH_SO) to the new PIN proven.
peer_steps() {
	new=$(head -c 64 /dev/urandom | tr -dc 'A-Za-z0-9' | head -c 16)
	card --login --login-type so --so-pin "$AUTH_SO" --init-pin --pin "$1"
	ra POST "/v1/orders/$ORDER/so-pin-candidate" "{\"so_pin\":\"$new\",\"token_holds\":\"current\"}" >/dev/null
	card --login --login-type so --so-pin "$AUTH_SO" --change-pin --new-pin "$new"
	st=$(ra POST "/v1/orders/$ORDER/so-pin" "{\"so_pin\":\"$new\"}")
	card --login --pin "$1" --list-objects
}
median() { sort -n | awk '{a[NR] = $1} END {m = int((NR + 1) / 2); if (NR % 2) print a[m]; else printf "%.2f\n", (a[m] + a[m + 1]) / 2}'; }

pin=300000
kiosk $pin && peer $((pin + 1)) # warm-up, not counted
: >"$work/k" ; : >"$work/p"; : >"$work/stages"
i=0
while [ $i -lt "$RUNS" ]; do
	pin=$((pin + 2))
	kiosk $pin
	echo "$KIOSK_MS" >>"$work/k"
	echo "$KIOSK_LINE" >>"$work/stages"
	peer $((pin + 1))
	echo "$PEER_MS" >>"$work/p"
	i=$((i + 1))
done
k=$(median <"$work/k") p=$(median <"$work/p")
echo "unlock, authorization received -> new PIN works, median of $RUNS (ms):"
for s in SO_LOGIN INIT_PIN RECORDING SETTING_SO PROMOTING PROVING; do
	printf '  kiosk %-11s %s\n' "$s" \
		"$(sed -n "s/.*$s=\([0-9.]*\).*/\1/p" "$work/stages" | median)"
done
echo "  kiosk total       $k"
echo "  peer  total       $p   (pkcs11-tool x3 + curl x2)"
awk -v k="$k" -v p="$p" 'BEGIN { printf "  ratio peer/kiosk  %.1f\n", p / k }'

# ---- the customer's wait: the whole visit ------------------------------------
# kiosk  the real kiosk under tmux (tests/screen/lib.sh), driven as a person
#        would with instant typing: menu -> Unlock, the locked UKey
#        inserted (the clock starts), its state, person, ID number, SMS code
#        (read from the sandbox's outbox), the order, the mobile real-name
#        check (sandbox: identity verified, the second mark), the
#        authorization confirmed, the new PIN twice, "新密码已可使用" (the
#        clock stops).  What remains is the kiosk's and the backend's time,
#        plus the driver's (tmux keys, a 50 ms poll of the screen per step).
# peer   the same visit with pkcs11-tool and curl: the token read (-L), the
#        registry record, the SMS code and session, the order, its check
#        (identity verified), its confirmation and authorization, then the
#        peer's steps above.
# Each the same customer (the person P1) with a locked UKey of the same kind.
# Every visit is a new SMS code: the backend's clock moves 15 minutes on
# before each (a customer gets 5 codes an hour).
command -v tmux >/dev/null || { echo "unlock-bench.sh: no tmux: the visit not measured"; exit 0; }
bed_ctl "present=none"
. "$top/tests/screen/unlock_lib.sh"
u_token uw person 3
u_token uwp person 3
L=uwp SERIAL=$(u_serial uwp)
ck_start 80x24
# visit PIN: one visit at the kiosk; VISIT_MS, AFTER_MS (identity verified -> done).
visit() {
	rb_api POST /v1/sandbox/clock '{"advance":900}' >/dev/null
	set_wrong_tries uw 3
	ck_keys Space
	ck_wait "请选择业务" >/dev/null
	ck_keys "$UNLOCK_ROW"
	ck_wait "请插入要解锁的UKey" 5 >/dev/null
	t=$(ms_now)
	bed_ctl "present=uw"
	u_from_state 2 "$U_PERSON" "$U_PERSON_MOBILE" >/dev/null
	ck_keys 1
	ck_wait "* " 5 >/dev/null
	ck_type "$U_PERSON_MOBILE"
	ck_keys Enter
	ck_wait "确认后即获取" 10 >/dev/null
	tv=$(ms_now)
	u_finish "$1" >/dev/null
	td=$(ms_now)
	VISIT_MS=$((td - t)) AFTER_MS=$((td - tv))
	bed_ctl "present=none"
	ck_wait "欢迎" 10 >/dev/null
}
# peer_visit PIN: the same with pkcs11-tool and curl, on a token of its own
# (uwp, made as uw: a SoftHSM token changed by another process keeps its old
# SO PIN in the kiosk's memory).  The kiosk is paused meanwhile (SIGSTOP),
# so it neither sees the token come nor takes CPU.
peer_visit() {
	kill -STOP "$kiosk_pid"
	peer_visit_run "$1"
	rc=$?
	kill -CONT "$kiosk_pid"
	return $rc
}
peer_visit_run() {
	rb_api POST /v1/sandbox/clock '{"advance":900}' >/dev/null
	set_wrong_tries uwp 3
	bed_ctl "present=uwp"
	t=$(ms_now)
	rb_card uwp -L
	SESS=
	ra GET "/v1/registry/persons/$U_PERSON" >/dev/null
	sms_session person "$U_PERSON" "$U_PERSON_MOBILE"
	ra POST /v1/orders "{\"kind\":\"unlock\",\"subject_type\":\"person\",\"subject_id\":\"$U_PERSON\",\"token_serial\":\"$SERIAL\"}" >/dev/null
	ORDER=$(jfield order.id)
	vst=$(ra POST "/v1/orders/$ORDER/verify" "{\"party\":\"person\",\"method\":\"mobile\",\"mobile\":\"$U_PERSON_MOBILE\"}")
	tv=$(ms_now)
	ra POST "/v1/orders/$ORDER/confirm" "{}" >/dev/null
	ra POST "/v1/orders/$ORDER/unlock-authorization" "{}" >/dev/null
	AUTH_SO=$(jfield so_pin)
	peer_steps "$1"
	td=$(ms_now)
	VISIT_MS=$((td - t)) AFTER_MS=$((td - tv))
	bed_ctl "present=none"
	[ "$vst.$st" = 200.200 ] && [ "$(so_now)" = "$new" ] ||
		{ echo "peer visit: not verified or not rotated ($vst $st)" >&2; return 1; }
}
visit 310000 && peer_visit 310001 # warm-up, not counted
: >"$work/kv"; : >"$work/ka"; : >"$work/pv"; : >"$work/pa"
i=0
while [ $i -lt "$RUNS" ]; do
	pin=$((pin + 2))
	visit $((pin + 10000))
	echo $VISIT_MS >>"$work/kv"
	echo $AFTER_MS >>"$work/ka"
	peer_visit $((pin + 10001))
	echo $VISIT_MS >>"$work/pv"
	echo $AFTER_MS >>"$work/pa"
	i=$((i + 1))
done
echo "unlock, the customer's wait at the kiosk, median of $RUNS (ms; instant typing, sandbox checks):"
echo "  kiosk insertion -> done           $(median <"$work/kv")"
echo "  kiosk identity verified -> done   $(median <"$work/ka")"
echo "  peer  insertion -> done           $(median <"$work/pv")   (pkcs11-tool x4 + curl x11)"
echo "  peer  identity verified -> done   $(median <"$work/pa")"
