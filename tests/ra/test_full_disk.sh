#!/bin/sh
# test_full_disk.sh - cakiosk-ra's store on a disk that fills up (issue 17):
# a request that cannot be kept answers 503 "unavailable" and leaves
# nothing of itself behind, reads keep working, and once there is room
# again the same request (same Idempotency-Key) goes through and the rest
# continues.
#
# The store lives on a 4 MiB tmpfs mounted in a private mount namespace
# (unshare -m): it goes away with the test, whatever happens to it.  The
# disk is filled with a file of zeros and emptied by removing it.  Without
# unshare or the right to mount (CAP_SYS_ADMIN) the suite skips, and on the
# PostgreSQL store: its disk is the server's, shared by every suite.
if [ "${RA_STORE:-sqlite}" = pg ]; then
	echo "ok 1 # SKIP the store's own small disk is SQLite's: PostgreSQL's data directory is shared by the suites"
	echo "1..1"
	exit 0
fi
. "$(dirname "$0")/smallfs.sh"
smallfs_enter RA_FULL_NS "$0" "$@"
. "$(dirname "$0")/lib.sh"
SMALL=$T/small
smallfs_mount "$SMALL"
trap 'if [ -n "$PID" ]; then kill "$PID" 2>/dev/null; wait "$PID" 2>/dev/null; fi; PID=
	umount "$SMALL" 2>/dev/null; ra_cleanup' EXIT
RA_DB=$SMALL/ra.db ra_start --sandbox
mkfiles

fill() { dd if=/dev/zero of="$SMALL/filler" bs=16k 2>/dev/null; sync; }
room() { rm -f "$SMALL/filler"; }
# orders: how many orders the unit's session sees.
orders() { req GET "/v1/subjects/unit/$UNIT1/orders"; j -n orders; }
FORM='"form":{"email":"agent@example.cn","mobile":"13912345678","address":"湖南省长沙市岳麓区麓山南路1号","postcode":"410082"}'


login unit "$UNIT1" 13912345678 || { not_ok "the unit's SMS session"; done_testing; }
req POST /v1/orders "{\"kind\":\"apply\",\"subject_type\":\"unit\",\"subject_id\":\"$UNIT1\",\"term_years\":1,$FORM}"
is 201 "$STATUS" "with room: an order is made"
OID=$(j order.id)
before=$(orders)
req POST "/v1/orders/$OID/upload-link"
LINK=$(j url)

# ---- the disk full -------------------------------------------------------------
fill
like '^[0-9]+$' "$(df -k "$SMALL" | awk 'NR == 2 {print $4}')" "the store's disk is full ($(df -k "$SMALL" | awk 'NR == 2 {print $4}') KiB free)"
ORDER_JSON="{\"kind\":\"apply\",\"subject_type\":\"unit\",\"subject_id\":\"$UNIT1\",\"term_years\":2,$FORM}"
IDEM=full-order-1 req POST /v1/orders "$ORDER_JSON"
is 503 "$STATUS" "a new order on a full disk: 503"
is unavailable "$(j error.code)" "... with the code a kiosk retries on"
req GET "/v1/orders/$OID"
is 200 "$STATUS" "a read on a full disk: the order is there"
is "$before" "$(orders)" "... and the refused order left nothing behind"
req GET /v1/health
is 200 "$STATUS" "health answers on a full disk"
head -c 600000 /dev/urandom >"$T/big.pdf"
printf '%%PDF-1.4\n' | cat - "$T/big.pdf" >"$T/scan.pdf"
upload "$LINK" business_licence=@"$T/scan.pdf"
is 503 "$STATUS" "an upload of 600 KB on a full disk: 503"
req GET "/v1/orders/$OID/documents"
is 200 "$STATUS" "the order's documents still read"
is 0 "$(j -n documents)" "... and hold no half of the refused upload"
grep -q "no room left" "$T/server.log" && ok "the server's log says why" ||
	not_ok "the server's log says why"

# ---- room again ----------------------------------------------------------------
room
IDEM=full-order-1 req POST /v1/orders "$ORDER_JSON"
is 201 "$STATUS" "room again: the same request (same key) makes the order"
NEW=$(j order.id)
IDEM=full-order-1 req POST /v1/orders "$ORDER_JSON"
is "$NEW" "$(j order.id)" "... once: its retry is the same order"
is $((before + 1)) "$(orders)" "the unit has one order more"
upload "$LINK" business_licence=@"$T/scan.pdf"
is 200 "$STATUS" "the upload goes through"
req GET "/v1/orders/$OID/documents"
is 1 "$(j -n documents)" "... and is there, once"
req POST /v1/orders "{\"kind\":\"apply\",\"subject_type\":\"unit\",\"subject_id\":\"$UNIT1\",\"term_years\":1,$FORM}"
is 201 "$STATUS" "new orders continue"
done_testing
