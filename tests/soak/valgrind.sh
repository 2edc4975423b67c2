#!/bin/sh
# valgrind.sh - one renewal visit of the kiosk under valgrind's memcheck
# (issue 17), run on demand (not in make check: a few minutes).
#
#   B=build sh tests/soak/valgrind.sh [VISITS]
#
# The kiosk is tests/soak/soakrun.c (the kiosk's own start, jobs, worker
# and UKey watcher threads, backend connection and end of a visit) through
# one renewal from the UKey's insertion to the done page (VISITS: other
# visits, as soakrun reads them, e.g. "check esc idle renew"; one renewal,
# last: the UKey is renewed once),
# against the real cakiosk-ra and SoftHSM behind the PKCS#11 test module,
# then its orderly end.  memcheck with --leak-check=full: checks no
# definitely lost block, no invalid read or write, no use of an
# uninitialised value (ERROR SUMMARY 0).  No suppressions: SoftHSM, libp11,
# OpenSSL, libcurl and GnuTLS report nothing here; were one to, its
# suppression would go in a file beside this with the reason it is not the
# kiosk's.  valgrind's report is kept in $B/test-logs/valgrind.log.
. "$(dirname "$0")/../screen/lib.sh"
. "$top/tests/screen/renew_lib.sh"
for t in valgrind pkcs11-tool softhsm2-util openssl curl; do
	command -v $t >/dev/null || { echo "1..0 # SKIP needs $t"; exit 0; }
done
VISITS=${1:-renew}
RUN=$top/$B/tests/soakrun
report=$top/$B/test-logs/valgrind.log
mkdir -p "$top/$B/test-logs"

make -s -C "$top" B="$B" all "$B/tests/soakrun" "$B/tests/p11/cakiosk-testp11.so" >/dev/null
rb_setup || { not_ok "the bed: cakiosk-ra"; finish; exit 1; }
sed -i 's/^log_level = debug/log_level = info/' "$work/cakiosk.conf"
rb_token vg 30 ec >/dev/null || { not_ok "the bed: the token"; finish; exit 1; }
bed_ctl "present=*"

# Slow under memcheck: the backend's and the module's deadlines are the
# kiosk's own (connect 5 s, requests 20 s), which valgrind stays within.
{ printf '%s\n' $VISITS; echo quit; } >"$work/visits"
t0=$(date +%s)
env SOFTHSM2_CONF="$work/softhsm2.conf" CAKIOSK_TESTP11_CTL="$work/ctl" SOAK_CTL="$work/ctl" \
	valgrind --tool=memcheck --leak-check=full --show-leak-kinds=definite,possible \
	--errors-for-leak-kinds=definite --track-origins=yes --num-callers=30 \
	--log-file="$report" \
	"$RUN" "$work/cakiosk.conf" 123456 agent@example.cn <"$work/visits" >"$work/answers" \
	2>"$work/soak.err"
rc=$?
secs=$(($(date +%s) - t0))
grep -v '^ready$' "$work/answers" | sed 's/^/# /'
check "every visit under valgrind as it should end ($secs s)" \
	test "$(grep -c '^ok ' "$work/answers")" = "$(echo $VISITS | wc -w)"
check "the kiosk ended cleanly (status $rc)" test "$rc" = 0
summary=$(grep 'ERROR SUMMARY' "$report" | tail -n 1 | sed 's/^==[0-9]*== //')
echo "# $summary"
grep -A6 'LEAK SUMMARY' "$report" | sed 's/^==[0-9]*== /# /'
check "no error: no invalid read or write, no uninitialised value, no definite leak" \
	grep -q 'ERROR SUMMARY: 0 errors' "$report"
check "definitely lost: 0 bytes" sh -c \
	"! grep -q 'definitely lost: [1-9]' '$report'"
check "no invalid read" sh -c "! grep -q 'Invalid read' '$report'"
finish
