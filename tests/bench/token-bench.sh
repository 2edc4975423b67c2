#!/bin/sh
# token-bench.sh - the kiosk's token layer (libp11 + the module's own
# function list, tests/token/tokbench.c) against OpenSC's pkcs11-tool, with
# openssl req (libp11's pkcs11 engine) and openssl x509 where pkcs11-tool
# cannot, doing the same on the same SoftHSM2 token, timed with hyperfine.
#
#   sh tests/bench/token-bench.sh [B] [RUNS]
#
# Rounds, each one process start to finish:
#   login + read   log in and read everything: certificates, keys, data
#                  objects (pkcs11-tool --login --list-objects)
#   renew EC/RSA   generate a key pair on the token, a CSR signed by it, a
#                  certificate from the test CA written beside the key, and
#                  the pair deleted again so every round starts the same
#                  (pkcs11-tool --keypairgen; openssl req -engine pkcs11;
#                  openssl x509 -req; pkcs11-tool --write-object; three
#                  pkcs11-tool --delete-object)
# Both sides load SoftHSM directly (no test module).  The ratio is
# peer time / kiosk time: above 1 means the kiosk is faster.  Each round is
# a whole process, as pkcs11-tool works; the kiosk pays its start-up (it
# links ncurses, libcurl, ...) once a day, so "start only" is shown too.
set -eu
B=${1:-build}
RUNS=${2:-10}
top=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d /tmp/cakiosk-tokbench.XXXXXX)
trap 'rm -rf "$work"' EXIT
softhsm=/usr/lib/softhsm/libsofthsm2.so
. "$top/tests/bench/p11engine.sh"

for t in hyperfine pkcs11-tool openssl python3; do
	command -v $t >/dev/null || { echo "token-bench.sh: needs $t" >&2; exit 1; }
done
engine_conf "$work/openssl.cnf" "$softhsm"

make -s -C "$top" B="$B" "$B/tests/tokbench" "$B/tools/mkseal" >/dev/null
B=$B sh "$top/tests/token/mkbed.sh" "$work/bed" >/dev/null
export SOFTHSM2_CONF="$work/bed/softhsm2.conf"

tb=$top/$B/tests/tokbench
ca=$work/bed/ca
p11="pkcs11-tool --module $softhsm --token-label rsa200 --login --pin 123456"

# peer_renew KEYTYPE: the same round with the usual tools.
cat >"$work/peer-renew.sh" <<EOF
set -e
cd "$work"
$p11 --keypairgen --key-type \$1 --id b0b0 --label bench >/dev/null 2>&1
OPENSSL_CONF=$work/openssl.cnf openssl req -new -engine pkcs11 -keyform engine \\
	-key "pkcs11:token=rsa200;object=bench;type=private;pin-value=123456" \\
	-subj "/C=CN/CN=bench" -out req.pem 2>/dev/null
openssl x509 -req -in req.pem -CA $ca/ca.pem -CAkey $ca/ca.key -set_serial 9000 \\
	-days 365 -outform DER -out cert.der 2>/dev/null
$p11 --write-object cert.der --type cert --id b0b0 --label bench >/dev/null 2>&1
$p11 --delete-object --type cert --id b0b0 >/dev/null 2>&1
$p11 --delete-object --type pubkey --id b0b0 >/dev/null 2>&1
$p11 --delete-object --type privkey --id b0b0 >/dev/null 2>&1
EOF

# Each side once first: both must work before anything is timed.
"$tb" "$softhsm" rsa200 read 123456 >/dev/null
"$tb" "$softhsm" rsa200 renew ec 123456 "$ca"
sh "$work/peer-renew.sh" EC:prime256v1
$p11 --list-objects >/dev/null 2>&1

bench() { # NAME KIOSK-COMMAND PEER-COMMAND [HYPERFINE-OPTION]
	hyperfine -N ${4:-} --warmup 1 --runs "$RUNS" --export-json "$work/$1.json" \
		-n kiosk "$2" -n peer "$3" >/dev/null 2>&1 ||
		hyperfine ${4:-} --warmup 1 --runs "$RUNS" --export-json "$work/$1.json" \
			-n kiosk "$2" -n peer "$3" >/dev/null
	python3 - "$work/$1.json" "$1" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
k, p = r["kiosk"], r["peer"]
print("  %-14s kiosk %7.1f ms ± %5.1f   peer %7.1f ms ± %5.1f   ratio peer/kiosk %.2fx"
      % (sys.argv[2], k["mean"] * 1e3, k["stddev"] * 1e3, p["mean"] * 1e3,
         p["stddev"] * 1e3, p["mean"] / k["mean"]))
PY
}

echo "token layer vs pkcs11-tool + openssl, SoftHSM2 token, $RUNS runs each (hyperfine)"
# For scale: starting each program and doing nothing (the kiosk's test
# program links everything the kiosk links; the kiosk itself starts once).
bench "start only" "$tb" "pkcs11-tool --help" --ignore-failure
bench "login+read" "$tb $softhsm rsa200 read 123456" "$p11 --list-objects"
bench "renew EC" "$tb $softhsm rsa200 renew ec 123456 $ca" "sh $work/peer-renew.sh EC:prime256v1"
bench "renew RSA" "$tb $softhsm rsa200 renew rsa 123456 $ca" "sh $work/peer-renew.sh rsa:2048"
