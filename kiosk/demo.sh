#!/bin/sh
# demo.sh - start the demo: the kiosk full screen on this terminal, with a
# demo configuration in the build directory.  Called by `make run`.
#
# Staff PIN of the demo: 123456.
set -eu
B=${1:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
demo=$top/$B/demo
mkdir -p "$demo"

if [ ! -f "$demo/cakiosk.conf" ]; then
	hash=$(printf '123456\n123456\n' | "$top/$B/cakiosk" --hash-pin)
	cat >"$demo/cakiosk.conf" <<CONF
; Demo configuration, made by kiosk/demo.sh.  Staff PIN: 123456.
[kiosk]
terminal_id = DEMO-0001
language = zh_CN
idle_timeout = 120
idle_countdown = 30
log = file:$demo/cakiosk.log

[backend]
url = https://127.0.0.1:8443/

[staff]
pin_hash = $hash
CONF
fi

if [ ! -t 0 ] || [ ! -t 1 ]; then
	echo "demo.sh: the kiosk needs a terminal; run 'make run' in one" >&2
	exit 1
fi
echo "cakiosk demo: staff PIN 123456; the log is $demo/cakiosk.log"
echo "to stop it, from another terminal: pkill -TERM -x cakiosk"
sleep 1
CAKIOSK_LOCALEDIR=$top/$B/locale exec "$top/$B/cakiosk" --config "$demo/cakiosk.conf"
