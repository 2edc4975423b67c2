#!/bin/sh
# test_testp11.sh - the PKCS#11 test module (tests/p11/testp11.c) seen
# through OpenSC's pkcs11-tool, not through the kiosk: tokens in and out,
# a PIN that locks after three wrong tries and is reset by the SO, PIN
# length limits, a PIN-pad flag, latency, failing calls.
top=$(cd "$(dirname "$0")/../.." && pwd)
B=${B:-build}
case $B in /*) bdir=$B ;; *) bdir=$top/$B ;; esac
mod=$bdir/tests/p11/cakiosk-testp11.so
work=$(mktemp -d /tmp/cakiosk-testp11.XXXXXX)
trap 'rm -rf "$work"' EXIT
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
check() { d=$1; shift; if "$@" >/dev/null 2>&1; then ok "$d"; else not_ok "$d"; fi; }
check_not() { d=$1; shift; if "$@" >/dev/null 2>&1; then not_ok "$d"; else ok "$d"; fi; }

[ -f "$mod" ] || { echo "not ok 1 - no test module at $mod"; echo "1..1"; exit 1; }
B=$B sh "$top/tests/token/mkbed.sh" "$work/bed" >"$work/bed.log" 2>&1 ||
	{ echo "not ok 1 - mkbed.sh"; echo "1..1"; exit 1; }
export SOFTHSM2_CONF=$work/bed/softhsm2.conf CAKIOSK_TESTP11_CTL=$work/ctl
ctl() { printf '%s\n' "$@" >"$work/ctl.new" && mv "$work/ctl.new" "$work/ctl"; }
tool() { pkcs11-tool --module "$mod" "$@"; }
has() { tool "$@" 2>&1 | grep -q "$want"; }
count_tokens() { tool -L 2>/dev/null | grep -c "token label\|token state"; }

ctl "present=rsa200"
check "one token in the reader" test "$(count_tokens)" -eq 1
want="rsa200"; check "its label" has -L
want="TestCard"; check "the test card's model" has -L
ctl "present=none"
check "pulled: no token" test "$(count_tokens)" -eq 0
check_not "pulled: no login" tool --token-label rsa200 --login --pin 123456 -O
ctl "present=rsa200,ec30"
check "two tokens" test "$(count_tokens)" -eq 2
ctl "present=*"
check "all eight" test "$(count_tokens)" -eq 8
ctl "present=*" "blank=1"
check "and the blank one" test "$(count_tokens)" -eq 9

ctl "present=rsa30"
check "right PIN" tool --login --pin 123456 -O
check_not "wrong PIN" tool --login --pin 000000 -O
want="user PIN count low"; check "COUNT_LOW after one wrong PIN" has -L
check_not "wrong PIN again" tool --login --pin 000000 -O
want="final user PIN try"; check "FINAL_TRY after two" has -L
check_not "third wrong PIN" tool --login --pin 000000 -O
want="user PIN locked"; check "LOCKED after three" has -L
check_not "locked: the right PIN is refused" tool --login --pin 123456 -O
want="CKR_PIN_LOCKED"; check "with CKR_PIN_LOCKED" has --login --pin 123456 -O
check "SO sets a new user PIN" tool --login --login-type so --so-pin 12345678 --init-pin --new-pin 654321
check "which works" tool --login --pin 654321 -O
want="user PIN locked"; check_not "and the lock is gone" has -L

ctl "present=rsa30" "min_pin=6" "max_pin=8"
want="pin min/max        : 6/8"; check "PIN limits as a real card's" has -L
want="CKR_PIN_LEN_RANGE"; check "a short PIN is refused" has --login --pin 1234 -O
ctl "present=rsa30" "pinpad=1"
want="PIN pad present"; check "PIN-pad reader flag" has -L

ctl "present=rsa30" "latency.C_Login=700"
t0=$(date +%s%N)
tool --login --pin 654321 -O >/dev/null 2>&1
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
check "latency is added to a chosen call (${ms} ms)" test "$ms" -ge 700
ctl "present=rsa30" "latency_ms=100"
t0=$(date +%s%N)
tool -L >/dev/null 2>&1
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
check "and to every call (${ms} ms)" test "$ms" -ge 300
ctl "present=rsa30" "fail_fn=C_FindObjectsInit:CKR_DEVICE_MEMORY"
want="CKR_DEVICE_MEMORY"; check "a chosen function fails with a chosen code" has --login --pin 654321 -O
ctl "present=rsa30" "pull_nth=3" "log=$work/calls"
check_not "pulled at the third call" tool --login --pin 654321 -O
check "and then absent, for other processes too" test "$(count_tokens)" -eq 0
want="present=none"; check "the control file says so" grep -q "$want" "$work/ctl"
check "calls are logged" grep -q "^C_Login" "$work/calls"
ctl "present=rsa30" "pull_fn=C_FindObjects:2" "log=$work/calls2"
check_not "pulled at the second call of a chosen function" tool --login --pin 654321 -O
check "... after the first one went through" test "$(grep -c "^C_FindObjects " "$work/calls2")" -ge 1
check "and then absent" test "$(count_tokens)" -eq 0
check "the control file no longer asks for the pull" sh -c "! grep -q pull_fn '$work/ctl'"

# A card rewritten by another program while it is out of the reader (a
# seal replaced with pkcs11-tool on SoftHSM itself) is read whole once it is
# put back, by a process that kept the module loaded and looked all along:
# the module must not read a card that is out (SoftHSM in that process,
# reading the token just as the other one writes it, would hold it broken
# for good).
words() { printf '%s\n' $1 | sort | tr '\n' ' '; }
poll_has() { # LABELS SECONDS: the poller sees just these (any order) within SECONDS
	ph_end=$(($(date +%s) + $2))
	while [ "$(date +%s)" -le "$ph_end" ]; do
		[ "$(words "$(tail -n 1 "$work/poll.out" 2>/dev/null)")" = "$(words "$1")" ] &&
			return 0
		sleep 0.05
	done
	return 1
}
ctl "present=ec200"
"$bdir/tools/p11poll" "$mod" 2 >"$work/poll.out" 2>&1 &
poller=$!
check "a process that keeps looking sees the card in" poll_has "ec200" 10
for i in $(seq 16); do
	for a in "--delete-object" "--write-object $work/bed/keys/ec30-seal.der"; do
		pkcs11-tool --module "${SOFTHSM_MODULE:-/usr/lib/softhsm/libsofthsm2.so}" \
			--token-label ec30 --login --pin 123456 $a --type data --label seal \
			--application-label cakiosk-seal >/dev/null 2>&1
	done
done
ctl "present=ec200,ec30"
check "a card rewritten elsewhere while out is read when put back" poll_has "ec200 ec30" 10
kill "$poller" 2>/dev/null
wait "$poller" 2>/dev/null
check_not "... and was never read half-written" grep -q "!0x" "$work/poll.out"
echo "1..$n"
[ "$failed" -eq 0 ]
