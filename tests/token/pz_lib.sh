# pz_lib.sh - the bed of instant issuance without a screen
# (tests/token/test_personalize_pull.sh, tests/bench/personalize-bench.sh),
# sourced after tests/screen/lib.sh: cakiosk-ra (sandbox, mTLS), staff 1001
# logged in at the demo terminal (the kiosk's), approved applications of
# the demo's persons, and a blank SoftHSM card behind the PKCS#11 test
# module (blank=2: the one card in the reader).
#
#   pz_setup            all of the above; STAFF (the staff session)
#   pz_order [transfer] a new approved application of the first person
#                       (verified by mobile; with transfer: the second
#                       person, by a 0.01 CNY transfer's memo): ORDER, and
#                       UPIN, the certificate PIN as the SMS or memo brought it
#   pz_blank            a fresh blank card in the reader (nothing else)
#   pz_run [ENV...]     the kiosk's job (tests/token/pzrun.c) on ORDER; OUT
#   pz_verify           the state after it, from outside the kiosk: the
#                       order made, the token's user PIN is UPIN, the SO
#                       PIN the backend escrowed for it logs in as SO, one
#                       certificate (the order's) beside its private key,
#                       the seal; why says what failed
#   pcard ARGS          pkcs11-tool on the card through the test module

. "$top/tests/token/unlock_lib.sh"
PZRUN=$top/$B/tests/pzrun
P2=$("$RA" demo-data | awk '/^person/ {c++; if (c == 2) {print $2; exit}}')
P2_ACCOUNT=6222020000000000029

pz_setup() {
	make -s -C "$top" B="$B" all "$B/tests/pzrun" "$B/tests/p11/cakiosk-testp11.so" >/dev/null
	rb_setup || return 1
	sed -i 's/^log_level = debug/log_level = info/' "$work/cakiosk.conf"
	printf '\211PNG\r\n\032\n\0\0\0\rIHDRfake' >"$work/doc.png"
	printf '\377\330\377\340\0\020JFIFfake' >"$work/doc.jpg"
	SESS= ra POST /v1/staff/login '{"staff_no":"1001","pin":"123456"}' >/dev/null
	STAFF=$(jfield session)
	keep_secret staff_session "$STAFF"
	sms_session person "$P1" $P1_MOBILE
	S1=$SESS
	sms_session person "$P2" 13500135001
	S2=$SESS
	[ -n "$STAFF" ] && [ -n "$S1" ] && [ -n "$S2" ]
}
pz_order() {
	if [ "${1:-}" = transfer ]; then who=$P2 SESS=$S2 mob=13500135001
	else who=$P1 SESS=$S1 mob=$P1_MOBILE; fi
	ra POST /v1/orders "{\"kind\":\"apply\",\"subject_type\":\"person\",\"subject_id\":\"$who\",\"term_years\":1,\"form\":{\"email\":\"p@example.cn\",\"mobile\":\"$mob\",\"address\":\"湖南省长沙市岳麓区麓山南路1号\",\"postcode\":\"410082\"}}" >/dev/null
	ORDER=$(jfield order.id)
	if [ "${1:-}" = transfer ]; then
		ra POST "/v1/orders/$ORDER/verify" '{"party":"person","method":"transfer"}' >/dev/null
		ra GET "/v1/sandbox/bank?account=$P2_ACCOUNT" >/dev/null
		memo=$(jfield transfers.0.memo | sed 's/[^0-9]//g')
		ra POST "/v1/orders/$ORDER/verify" "{\"party\":\"person\",\"method\":\"transfer\",\"memo\":\"$memo\"}" >/dev/null
	else
		ra POST "/v1/orders/$ORDER/verify" "{\"party\":\"person\",\"method\":\"mobile\",\"mobile\":\"$mob\"}" >/dev/null
	fi
	ra POST "/v1/orders/$ORDER/upload-link" "{}" >/dev/null
	curl -s -o /dev/null --cacert "$CA/ca.crt" -F id_front=@"$work/doc.jpg" \
		-F id_back=@"$work/doc.jpg" -F signature_form=@"$work/doc.png" "$(jfield url)"
	ra POST "/v1/orders/$ORDER/confirm" '{}' >/dev/null
	ra POST "/v1/orders/$ORDER/payments" '{"channel":"alipay"}' >/dev/null
	curl -s -o /dev/null --max-time 20 --cacert "$CA/ca.crt" "$(jfield payment.code_url)"
	CERT=staff-demo ra POST "/v1/orders/$ORDER/review" '{"decision":"approve"}' >/dev/null
	UPIN=
	if [ "${1:-}" = transfer ]; then
		ra GET "/v1/sandbox/bank?account=$P2_ACCOUNT" >/dev/null
		UPIN=$(jfield transfers.0.memo | sed -n 's/^证书密码\([0-9]\{8\}\)$/\1/p')
	else
		ra GET "/v1/sandbox/sms?mobile=$mob" >/dev/null
		k=0
		while [ -z "$UPIN" ] && [ $k -lt 6 ]; do
			UPIN=$(jfield "messages.$k.text" 2>/dev/null | sed -n "s/.*订单$ORDER的证书密码为\([0-9]\{8\}\).*/\1/p")
			k=$((k + 1))
		done
	fi
	keep_secret cert_pin "$UPIN"
	SESS=
}
pz_blank() {
	rm -rf "$work/tokens" && mkdir -p "$work/tokens"
	rm -f "$work/ctl.pins"
	bed_ctl "present=*" "blank=2"
}
pz_run() {
	OUT=$(env SOFTHSM2_CONF="$work/softhsm2.conf" CAKIOSK_TESTP11_CTL="$work/ctl" \
		PZ_CTL="$work/ctl" "$@" "$PZRUN" "$work/cakiosk.conf" "$ORDER" "$STAFF" 2>>"$work/run.err")
}
pcard() { SOFTHSM2_CONF=$work/softhsm2.conf CAKIOSK_TESTP11_CTL=$work/ctl \
	pkcs11-tool --module "$P11" "$@" 2>/dev/null; }
pz_verify() {
	bed_ctl "present=*" "blank=2"
	why=
	CERT=staff-demo SESS= ra GET "/v1/orders/$ORDER" >/dev/null
	[ "$(jfield order.state)" = made ] || why="$why order-$(jfield order.state)"
	want=$(jfield order.cert_serial)
	tserial=$(pcard -L | sed -n 's/^ *serial num *: *//p' | head -1)
	ntok=$(pcard -L | grep -c 'token label')
	[ "$ntok" = 1 ] || why="$why tokens-$ntok"
	pcard --login --pin "$UPIN" -O >"$work/objs" || why="$why user-PIN"
	[ "$(grep -c '^Certificate Object' "$work/objs")" = 1 ] || why="$why certs-$(grep -c '^Certificate Object' "$work/objs")"
	[ "$(grep -c '^Private Key Object' "$work/objs")" = 1 ] || why="$why keys-$(grep -c '^Private Key Object' "$work/objs")"
	grep -q "label: *'seal'" "$work/objs" || why="$why no-seal"
	got=$(pcard --login --pin "$UPIN" --read-object --type cert --label sign |
		openssl x509 -inform DER -noout -serial 2>/dev/null | sed 's/^serial=//')
	[ -n "$want" ] && [ "$(echo "$got" | sed 's/^0*//')" = "$(echo "$want" | tr a-f A-F | sed 's/^0*//')" ] || why="$why cert-serial"
	# The staff command opens the store beside the running server: a busy
	# store is asked again.
	so= k=0
	while [ -z "$so" ] && [ $k -lt 5 ]; do
		so=$("$RA" escrow "$tserial" --db "$work/ra.db" --ca-dir "$CA" 2>>"$work/escrow.err" | sed -n 's/^so_pin //p')
		k=$((k + 1))
	done
	keep_secret so_pin "$so"
	[ -n "$so" ] || why="$why no-escrow"
	[ -n "$so" ] && { pcard --login --login-type so --so-pin "$so" --change-pin --new-pin "$so" >/dev/null || why="$why SO-PIN"; }
	[ -z "$why" ]
}
