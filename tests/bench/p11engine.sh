# p11engine.sh - libp11's pkcs11 engine for `openssl req -engine pkcs11`,
# shared by the benchmarks that make a CSR on a token the way an operator
# would.  Source it; then:
#
#   engine_conf FILE MODULE   write an OPENSSL_CONF loading the engine over
#                             the PKCS#11 MODULE; fails when the engine is
#                             not installed (libengine-pkcs11-openssl)
engine=/usr/lib/x86_64-linux-gnu/engines-3/pkcs11.so

engine_conf() {
	[ -f "$engine" ] || { echo "needs libengine-pkcs11-openssl ($engine)" >&2; return 1; }
	cat >"$1" <<CNF
openssl_conf = init
[init]
engines = engines
[engines]
pkcs11 = pkcs11
[pkcs11]
engine_id = pkcs11
dynamic_path = $engine
MODULE_PATH = $2
init = 0
CNF
}
