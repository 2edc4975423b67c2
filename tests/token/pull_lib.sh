# pull_lib.sh - what the pull matrices of the renewal and the change share
# (tests/token/test_renew_pull.sh, test_change_pull.sh), sourced after
# renew_lib.sh: the clean run's calls counted, the call indexes chosen, the
# matrix's loop, and the token's signing pair checked from outside.
#
#   pull_count LOG               CALLS: the counted PKCS#11 calls of a clean
#                                run (TAP line), and the calls listed
#   pull_indexes LOG STRIDE AT   the call indexes to run ("N write" a line)
#                                into $work/indexes: every STRIDE-th and each
#                                call that writes to the card or logs in; AT
#                                ("N ..."): only those
#   pull_loop RUN PREFIX         for each index: fresh, then RUN with
#                                PREFIX_CTL_START pulling the card at it,
#                                then failing it; at a write also the visit
#                                ending at the pull (PREFIX_TRIES=0); tally
#                                KIND N after each (the caller's)
#   pull_pair LABEL TEXT         the token's one signing pair: the PIN logs
#                                in, one pair but the encryption one (02),
#                                its certificate from the CA, its key signs,
#                                the seal carries it; why says what failed;
#                                ids, $work/cert.der and cert.pem for more

UNCOUNTED='^(C_GetSlotList|C_GetSlotInfo|C_GetTokenInfo|C_WaitForSlotEvent|C_GetInfo|C_GetFunctionList) '
WRITES='^C_(Login|GenerateKeyPair|CreateObject|DestroyObject|SetAttributeValue|SignInit|Sign)$'

pull_count() { # LOG WHAT MS
	CALLS=$(grep -cvE "$UNCOUNTED" "$1")
	[ "$CALLS" -ge 20 ] && ok "$2 makes $CALLS counted PKCS#11 calls ($3 ms)" ||
		not_ok "counted calls: $CALLS"
	grep -vE "$UNCOUNTED" "$1" | awk '{print NR": "$1}' | tr '\n' ' ' | sed 's/^/# calls: /'
	echo
}

pull_indexes() { # LOG STRIDE AT
	grep -vE "$UNCOUNTED" "$1" | awk -v k="$2" -v w="$WRITES" -v at=" $3 " '
		at != "  " { if (index(at, " " NR " ")) print NR, ($1 ~ w); next }
		k == 1 || NR % k == 0 || $1 ~ w {print NR, ($1 ~ w)}' >"$work/indexes"
}

gone=0
pull_loop() { # RUN PREFIX
	while read -r N write; do
		fresh && "$1" "$2_CTL_START=present=*\npull_nth=$N"
		tally pull $N
		fresh && "$1" "$2_CTL_START=present=*\nfail_nth=$N:CKR_DEVICE_ERROR"
		tally error $N
		[ "$write" = 1 ] || continue
		fresh && "$1" "$2_CTL_START=present=*\npull_nth=$N" "$2_TRIES=0"
		gone=$((gone + 1))
		tally gone $N
	done <"$work/indexes"
}

pull_pair() { # LABEL TEXT
	why=
	rb_card "$1" --login --pin 123456 --list-objects || { why=" PIN"; return 1; }
	awk '/^Certificate Object/ {t = "c"; next} /^Private Key Object/ {t = "k"; next}
		/^[A-Z]/ {t = ""} t && $1 == "ID:" {print t, $2}' "$work/tool.out" >"$work/ids"
	ids=$(awk '{has[$2] = has[$2] $1} END {for (i in has) if (has[i] ~ /c/ && has[i] ~ /k/ && i != "02") print i}' "$work/ids")
	[ "$(echo "$ids" | grep -c .)" = 1 ] || { why=" pairs:$(echo $ids)"; return 1; }
	rb_card "$1" --read-object --type cert --id "$ids" -o "$work/cert.der"
	openssl x509 -inform DER -in "$work/cert.der" -out "$work/cert.pem" 2>/dev/null &&
		openssl verify -CAfile "$CA/ca.crt" "$work/cert.pem" >/dev/null 2>&1 || why="$why cert"
	openssl x509 -in "$work/cert.pem" -noout -pubkey >"$work/pub.pem" 2>/dev/null
	printf '%s %s' "$2" "$ids" >"$work/msg"
	openssl dgst -sha256 -binary -out "$work/msg.sha" "$work/msg"
	rb_card "$1" --login --pin 123456 --sign --id "$ids" --mechanism ECDSA \
		--signature-format openssl -i "$work/msg.sha" -o "$work/msg.sig" &&
		openssl dgst -sha256 -verify "$work/pub.pem" -signature "$work/msg.sig" "$work/msg" \
			>/dev/null 2>&1 || why="$why key"
	rb_card "$1" --login --pin 123456 --read-object --type data --label seal \
		--application-label cakiosk-seal -o "$work/seal.der" || why="$why seal-read"
	xxd -p "$work/seal.der" | tr -d '\n' | grep -q "$(xxd -p "$work/cert.der" | tr -d '\n')" ||
		why="$why seal-binding"
	return 0
}
