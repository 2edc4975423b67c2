#!/bin/sh
# renew-bench.sh - machine time of a renewal from "PIN accepted" to
# "certificate installed", the kiosk against the same work done with public
# tools in the same run, and the kiosk's peak RSS over a whole session.
#
#   sh tests/bench/renew-bench.sh [B] [RUNS]      (make bench runs it too)
#
# The bed is the renewal test bed (tests/screen/renew_lib.sh): cakiosk-ra in
# sandbox mode on loopback over mTLS, and SoftHSM2 tokens behind the PKCS#11
# test module (a pass-through with no latency set), each holding a signing
# certificate that cakiosk-ra issued with 30 days left, an encryption pair
# and an old seal.  Every round gets a fresh token in a store of its own,
# made before the timing.  Key types: RSA-2048 and EC P-256 (KEYS="rsa ec");
# the new key is of the old one's type.
#
# kiosk  tests/bench/renewbench.c: the kiosk's own jobs (src/svc/renew.c, the
#        payment screen's backend calls and key, the token layer) on its
#        worker thread, in a process that has already loaded the module,
#        read the token and logged in, as the kiosk has when the PIN is
#        accepted.  Timed inside, step by step.
# peer   the same steps with pkcs11-tool (key pair, proof signature by the
#        old key, certificate and seal written, certificate read back, old
#        pair deleted), openssl req -engine pkcs11 (the CSR) and curl (every
#        call the kiosk makes to cakiosk-ra), each a process as those tools
#        work, with the shell glue (sed, base64) between them.  Timed with
#        date around each step.
# Both sides: the customer's part (the form, opening the pay link) is not
# machine time; the pay link is timed apart and left out of the total.  The
# kiosk makes the key while the customer pays, so a customer waits less
# than its total; the total counts it anyway, as the peer's does.  Where
# the two differ: the kiosk's install job reads the whole token twice (what
# is on it, then the read-back) where the peer reads back the certificate
# only, and the kiosk's payment step makes the QR code the peer does not.
#
# Rounds alternate kiosk and peer; one of each first is not counted (the
# peer's measures its processes' peak RSS with /usr/bin/time).  Figures
# are medians over RUNS; the ratio is peer / kiosk (above 1: the kiosk is
# faster).  total-key is the total without the key step: an RSA key is
# SoftHSM's random prime search on both sides, whose time swings widely.  Last, the real cakiosk goes through one whole renewal under
# tmux (start, menu, PIN, form, payment, install, finish) and its VmHWM is
# read just before it is stopped.
set -eu
B=${1:-${B:-build}}
RUNS=${2:-10}
KEYS=${KEYS:-rsa ec}
case $RUNS in '' | *[!0-9]*) echo "renew-bench.sh: RUNS must be a number" >&2; exit 2 ;; esac
[ "$RUNS" -ge 1 ] || { echo "renew-bench.sh: RUNS must be at least 1" >&2; exit 2; }
for t in tmux softhsm2-util pkcs11-tool openssl curl zbarimg base64; do
	command -v $t >/dev/null || { echo "renew-bench.sh: needs $t" >&2; exit 1; }
done
[ -x /usr/bin/time ] || { echo "renew-bench.sh: needs /usr/bin/time (Debian's time)" >&2; exit 1; }

# The screen-test harness gives $top, $work (removed on exit), the tmux
# driving and the bed.
. "$(dirname "$0")/../screen/lib.sh"
. "$top/tests/screen/renew_lib.sh"
. "$top/tests/bench/p11engine.sh"
FIGURES=$top/$B/bench/figures
. "$top/tests/bench/bench_lib.sh"
# lib.sh's cleanup, run without set -e: a step of it that fails (the
# backend already gone) must not leave $work behind.
trap 'set +e; cleanup' EXIT INT TERM
make -s -C "$top" B="$B" all "$B/tests/renewbench" "$B/tests/p11/cakiosk-testp11.so" >/dev/null
RB=$top/$B/tests/renewbench
PIN=123456
EMAIL=agent@example.cn

rb_setup
# The kiosk's configuration as a terminal would run it (info, not debug).
sed -i 's/^log_level = debug/log_level = info/' "$work/cakiosk.conf"
printf 'present=*\n' >"$work/ctl-all"
engine_conf "$work/openssl.cnf" "$P11"

# mktoken LABEL rsa|ec: a fresh token in a store of its own, $work/s-LABEL.
mktoken() {
	rb_token "$1" 30 "$2" >/dev/null
	mkdir -p "$work/s-$1/tokens"
	mv "$work"/tokens/* "$work/s-$1/tokens/"
	sed "s|$work/tokens|$work/s-$1/tokens|" "$work/softhsm2.conf" >"$work/s-$1/softhsm2.conf"
}
# use_token LABEL: what the next round's processes see: that token alone.
use_token() {
	export SOFTHSM2_CONF="$work/s-$1/softhsm2.conf" CAKIOSK_TESTP11_CTL="$work/ctl-all"
	l=$1
}

echo "renew-bench: making tokens: 2 x $((RUNS + 1)) for each of $KEYS, and one more..." >&2
for kt in $KEYS; do
	i=0
	while [ $i -le "$RUNS" ]; do
		mktoken k$kt$i $kt
		mktoken p$kt$i $kt
		i=$((i + 1))
	done
done
rb_token sess 30 rsa >/dev/null

# ---- the peer: one renewal with pkcs11-tool, openssl and curl -----------
now() { date +%s%N; }
# What one now costs (median of 20): each peer step is timed between two,
# so one is taken off each step.
i=0
while [ $i -le 20 ]; do
	t=$(now)
	echo "$t"
	i=$((i + 1))
done >"$work/dates"
date_ns=$(awk 'NR > 1 {print $1 - p} {p = $1}' "$work/dates" | sort -n | sed -n 10p)
# get FILE KEY: the first string member KEY of the JSON in FILE.
get() { grep -o "\"$2\":\"[^\"]*\"" "$1" | head -1 | cut -d'"' -f4; }

peer_round() {
	d=$work/peer-$l
	mkdir -p "$d"
	T=${WRAP:-}
	P="$T pkcs11-tool --module $P11 --token-label $l --login --pin $PIN"
	C="$T curl -s -f --cacert $CA/ca.crt --cert $CA/terminal-demo.crt --key $CA/terminal-demo.key"
	H="Content-Type: application/json"
	# Before the PIN (the kiosk reads the token before it asks): the
	# certificate to renew, and a new CKA_ID as the kiosk makes one.
	pkcs11-tool --module "$P11" --token-label "$l" --read-object --type cert --id 01 \
		-o "$d/old.der" >/dev/null 2>&1
	openssl x509 -inform DER -in "$d/old.der" -out "$d/old.pem"
	serial=$(openssl x509 -in "$d/old.pem" -noout -serial | cut -d= -f2)
	subj=$(openssl x509 -in "$d/old.pem" -noout -subject -nameopt sep_multiline,utf8,-esc_msb)
	cn=$(echo "$subj" | sed -n 's/^ *CN=//p')
	sid=$(echo "$subj" | sed -n 's/^ *serialNumber=//p')
	newid=$(od -An -N20 -tx1 /dev/urandom | tr -d ' \n')
	uid=$(echo "$newid" | sed 's/../%&/g')

	t_check=$(now)
	$C "$RAURL/v1/certificates/$serial" >"$d/cert.json"
	if grep -q '"pending_' "$d/cert.json"; then return 1; fi
	t_order=$(now)
	pem=$(awk '{printf "%s\\n", $0}' "$d/old.pem")
	$C -H "$H" -H "Idempotency-Key: o-$newid" --data-binary \
		"{\"kind\":\"renew\",\"subject_type\":\"unit\",\"subject_id\":\"$sid\",\"term_years\":1,\"form\":{\"email\":\"$EMAIL\"},\"certificate\":\"$pem\"}" \
		"$RAURL/v1/orders" >"$d/order.json"
	oid=$(get "$d/order.json" id)
	$C -H "$H" -H "Idempotency-Key: c-$newid" --data-binary '{}' \
		"$RAURL/v1/orders/$oid/confirm" >/dev/null
	t_payment=$(now)
	$C -H "$H" -H "Idempotency-Key: p-$newid" --data-binary '{"channel":"alipay"}' \
		"$RAURL/v1/orders/$oid/payments" >"$d/pay.json"
	pid=$(get "$d/pay.json" id)
	url=$(get "$d/pay.json" code_url)
	t_key=$(now)
	$P --keypairgen --key-type "$keygen" --id "$newid" --label cakiosk-renew >/dev/null 2>&1
	t_pay=$(now)
	curl -s -f --cacert "$CA/ca.crt" "$url" >/dev/null
	t_poll=$(now)
	$C "$RAURL/v1/payments/$pid" | grep -q '"state":"paid"'
	t_install=$(now)
	$C "$RAURL/v1/certificates/$serial" | grep -q '"pending_order"'
	OPENSSL_CONF=$work/openssl.cnf $T openssl req -new -engine pkcs11 -keyform engine \
		-key "pkcs11:token=$l;id=$uid;type=private;pin-value=$PIN" \
		-utf8 -subj "/C=CN/CN=$cn" -out "$d/csr.pem" 2>/dev/null
	sed '/-----/d' "$d/csr.pem" | base64 -d >"$d/csr.der"
	printf 'cakiosk-renew:%s:%s' "$oid" "$(sha256sum "$d/csr.der" | cut -c1-64)" >"$d/tbs"
	tbs=$d/tbs
	if [ "$prehash" = 1 ]; then # SoftHSM signs ECDSA over a digest only
		openssl dgst -sha256 -binary -out "$d/tbs.sha256" "$d/tbs"
		tbs=$d/tbs.sha256
	fi
	$P --sign --id 01 $sign -i "$tbs" -o "$d/proof" >/dev/null 2>&1
	$C -H "$H" -H "Idempotency-Key: r-$newid" --data-binary \
		"{\"csr\":\"$(awk '{printf "%s\\n", $0}' "$d/csr.pem")\",\"proof\":\"$(base64 -w0 "$d/proof")\"}" \
		"$RAURL/v1/orders/$oid/certificate" >"$d/issued.json"
	get "$d/issued.json" certificate | sed 's/-----[A-Z ]*-----//g; s/\\n//g' | base64 -d >"$d/new.der"
	seal=$(get "$d/issued.json" seal_id)
	$P --write-object "$d/new.der" --type cert --id "$newid" --label sign >/dev/null 2>&1
	$P --read-object --type cert --id "$newid" -o "$d/back.der" >/dev/null 2>&1
	cmp -s "$d/new.der" "$d/back.der"
	$C "$RAURL/v1/seals/$seal" >"$d/seal.json"
	get "$d/seal.json" der | base64 -d >"$d/seal.der"
	$P --delete-object --type data --label seal --application-label cakiosk-seal >/dev/null 2>&1
	$P --write-object "$d/seal.der" --type data --label seal \
		--application-label cakiosk-seal >/dev/null 2>&1
	for t in cert privkey pubkey; do
		$P --delete-object --type $t --id 01 >/dev/null 2>&1
	done
	$C -H "$H" -H "Idempotency-Key: i-$newid" --data-binary '{}' \
		"$RAURL/v1/orders/$oid/installed" >/dev/null
	t_end=$(now)
	# Same output as renewbench: each step in ms, total without pay.
	echo "$t_check $t_order $t_payment $t_key $t_pay $t_poll $t_install $t_end $oid" |
		awk -v d="$date_ns" '{
		split("check order payment key pay poll install", n, " ")
		for (i = 1; i <= 7; i++) {
			ms = ($(i + 1) - $i - d) / 1e6
			printf "%s=%.2f ", n[i], ms
			if (i != 5) tot += ms
		}
		printf "total=%.2f order_id=%s\n", tot, $9 }'
}

kiosk_round() { "$RB" "$work/cakiosk.conf" "$PIN" "$EMAIL"; }

# check_round ORDER: the order is installed at the backend, and the token
# holds the new pair and seal, the encryption pair, and nothing of the old.
check_round() {
	rb_api GET "/v1/orders/$1" >/dev/null
	[ "$(jfield order.state)" = installed ] || { echo "renew-bench: order $1 not installed" >&2; return 1; }
	pkcs11-tool --module "$P11" --token-label "$l" --login --pin $PIN --list-objects \
		>"$work/objects.txt" 2>&1
	awk '/^[A-Z]/ {t = $1} /ID:/ {print t, $2} /label:/ && t == "Data" {print "data", $2}' \
		"$work/objects.txt" | sort >"$work/objects.sum"
	grep -q ' 01$' "$work/objects.sum" && { echo "renew-bench: $l: old pair left" >&2; return 1; }
	[ "$(grep -c ' 02$' "$work/objects.sum")" -eq 3 ] &&
		[ "$(grep -c '^Certificate ' "$work/objects.sum")" -eq 2 ] &&
		[ "$(grep -c '^Private ' "$work/objects.sum")" -eq 2 ] &&
		[ "$(grep -c "^data 'seal'" "$work/objects.sum")" -eq 1 ] ||
		{ echo "renew-bench: $l: unexpected objects:" >&2; cat "$work/objects.txt" >&2; return 1; }
}

# round SIDE KEYTYPE I: one renewal on its token, its line kept.
round() {
	use_token "$(echo "$1" | cut -c1)$2$3"
	keygen=rsa:2048 sign="--mechanism SHA256-RSA-PKCS" prehash=0
	if [ "$2" = ec ]; then
		keygen=EC:prime256v1 sign="--mechanism ECDSA --signature-format openssl" prehash=1
	fi
	"$1_round" >"$work/line"
	check_round "$(sed 's/.*order_id=//' "$work/line")"
	# Also the total without the key: RSA key generation is SoftHSM's
	# random prime search on both sides, and its time swings widely.
	[ "$3" -eq 0 ] || awk '{ for (i = 1; i <= NF; i++) { split($i, f, "="); v[f[1]] = f[2] }
		printf "%s nokey=%.2f\n", $0, v["total"] - v["key"] }' "$work/line" >>"$work/$1-$2.txt"
}

: >"$work/peer-rss"
for kt in $KEYS; do
	echo "renew-bench: $kt: a warm-up round each (not counted), then $RUNS each..." >&2
	round kiosk $kt 0
	WRAP="/usr/bin/time -a -o $work/peer-rss -f %M:%C"
	round peer $kt 0
	WRAP=
	i=1
	while [ $i -le "$RUNS" ]; do
		round kiosk $kt $i
		round peer $kt $i
		i=$((i + 1))
	done
done

# ---- one whole session of the real kiosk, for its peak RSS ---------------
bed_ctl present=none
ck_start 80x24
rb_to_renew
bed_ctl present=sess
ck_wait "* 证书密码" 10 >/dev/null
ck_type "$PIN"
ck_keys Enter
ck_wait "此证书可以更新" 10 >/dev/null
ck_keys Enter
ck_wait "* 电子发票邮箱" 5 >/dev/null
ck_type "$EMAIL"
ck_keys Enter Enter Enter
ck_wait "请再次核对订单" 5 >/dev/null
ck_keys Enter
ck_wait "支付宝" 10 >/dev/null
ck_keys 1
ck_wait "请用支付宝扫码支付" 10 >/dev/null
url=$(rb_qr_url)
rb_is_pay_url "$url"
curl -s -o /dev/null --cacert "$CA/ca.crt" "$url"
ck_wait "证书已更新" 30 >/dev/null
ck_keys Enter
ck_wait "CA证书" 5 >/dev/null
[ "$(cat "/proc/$kiosk_pid/comm")" = cakiosk ] || { echo "renew-bench: no cakiosk process" >&2; exit 1; }
hwm=$(awk '/^VmHWM:/ {print $2}' "/proc/$kiosk_pid/status")
kill "$kiosk_pid"

# ---- figures ---------------------------------------------------------------
med() { # FILE NAME: median of NAME= over the lines of FILE
	sed -n "s/.*\\<$2=\\([0-9.]*\\).*/\\1/p" "$1" | sort -n |
		awk '{v[NR] = $1} END { print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
echo "renewal, PIN accepted to certificate installed: cakiosk vs pkcs11-tool + openssl + curl"
echo "SoftHSM2 tokens, cakiosk-ra on loopback (mTLS), $(nproc) CPU(s), $RUNS runs, median ms"
for kt in $KEYS; do
	name="RSA-2048 key"
	[ $kt = ec ] && name="EC P-256 key"
	printf '  %-14s %9s %9s %11s\n' "$name" kiosk peer peer/kiosk
	for s in check order payment key poll install total nokey pay; do
		k=$(med "$work/kiosk-$kt.txt" $s) p=$(med "$work/peer-$kt.txt" $s)
		label=$s
		[ $s = pay ] && label="(pay link)"
		[ $s = nokey ] && label="total-key"
		awk -v s="$label" -v k="$k" -v p="$p" 'BEGIN {
			printf "    %-12s %9.1f %9.1f", s, k, p
			if (s ~ /link/) print ""; else printf " %10.2fx\n", (k > 0 ? p / k : 0) }'
		r=$(awk -v k="$k" -v p="$p" 'BEGIN {printf "%.2f", (k > 0 ? p / k : 0)}')
		[ "$kt$s" != ectotal ] || figure renew_ec_total "$r"
		[ "$kt$s" != rsanokey ] || figure renew_rsa_nokey "$r"
	done
done
echo "  (pay link: the customer's phone paying, not machine time, not in the total;"
awk -v d="$date_ns" 'BEGIN { printf "  peer steps less the date call timing each, %.1f ms)\n", d / 1e6 }'
peer_rss=$(awk -F: '{ split($2, w, " "); if ($1 > m[w[1]]) m[w[1]] = $1 }
	END { for (t in m) printf "%s %d KiB, ", t, m[t] }' "$work/peer-rss" | sed 's/, $//')
echo "peak RSS: cakiosk over one whole session (start, renewal, finish) $hwm KiB;"
echo "  peer, largest process of each tool over its warm-up renewals: $peer_rss"
