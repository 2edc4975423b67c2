# bench_conf.sh - what the start-up benchmarks share: the kiosk's
# configuration (no log, a backend that refuses at once) and environment.
#
#   . tests/bench/bench_conf.sh; bench_conf FILE
bench_conf() {
	cat >"$1" <<CONF
[kiosk]
terminal_id = BENCH
log = none
[backend]
url = https://127.0.0.1:9/
CONF
	LANG=C.UTF-8 CAKIOSK_LOCALEDIR=$top/$B/locale
	export LANG CAKIOSK_LOCALEDIR
}
