#!/bin/sh
# demo-phone.sh - the demo customer's phone and bank statement: what the
# demo backend (`make run`, sandbox) sent by SMS and the 0.01 CNY transfers
# it made, newest first, so one person can go through the SMS code and a
# transfer memo at the demo kiosk.  From another terminal, while the demo
# runs:
#
#   sh kiosk/demo-phone.sh [B]        (B: the build directory, default build;
#                                     DEMO_DIR as for demo.sh)
set -eu
B=${1:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
demo=${DEMO_DIR:-$top/$B/demo}
ra=$demo/ra
[ -f "$ra/terminal-demo.crt" ] || { echo "demo-phone.sh: no demo in $demo (make run first)" >&2; exit 1; }
port=$(cat "$demo/ra.port" 2>/dev/null || echo 8443)
get() {
	curl -s --cacert "$ra/ca.crt" --cert "$ra/terminal-demo.crt" --key "$ra/terminal-demo.key" \
		"https://127.0.0.1:$port/v1/sandbox/$1" ||
		{ echo "demo-phone.sh: the demo backend does not answer (is make run running?)" >&2; exit 1; }
}
# newest LIST WHO WHAT LABEL: one line per item of LIST (the newest 5): its
# WHO, then LABEL and its WHAT.
newest() {
	i=0
	while [ $i -lt 5 ] && w=$("$top/$B/ra-tools/jget" "$1.$i.$2" <"$ra/phone.json" 2>/dev/null); do
		printf '  %s  %s%s\n' "$w" "$4" "$("$top/$B/ra-tools/jget" "$1.$i.$3" <"$ra/phone.json")"
		i=$((i + 1))
	done
	[ $i -gt 0 ] || echo "  none"
}
get sms >"$ra/phone.json"
echo "SMS (newest first):"
newest messages mobile text ""
get bank >"$ra/phone.json"
echo "Bank transfers of 0.01 CNY (newest first):"
newest transfers account memo "memo: "
rm -f "$ra/phone.json"
