#!/bin/sh
# mkbed.sh - make the token test bed: a test CA and SoftHSM2 tokens holding
# keys, certificates of chosen validity and an electronic seal.
#
#   sh tests/token/mkbed.sh DIR
#
# DIR/ca/            the test CA (ca.pem, ca.key) and its openssl ca files
# DIR/tokens/        SoftHSM2 token store; copy it per test for a fresh token
# DIR/softhsm2.conf  points at DIR/tokens (tests write their own for copies)
# DIR/keys/          the key files the tokens were loaded from
#
# Tokens (user PIN 123456, SO PIN 12345678), each with a signing certificate
# (id 01, digitalSignature+nonRepudiation) and an encryption certificate
# (id 02, keyEncipherment or keyAgreement), both with their key pairs, and a
# data object "seal" of application "cakiosk-seal" (keys/LABEL-seal.der: a
# SESeal made by $(B)/tools/mkseal for the signing certificate, or a stand-in
# when that tool is not built; MKSEAL=path overrides):
#
#   rsa200 rsa30 rsaexp100 rsaexp400    RSA-2048, 200/30 days left,
#   ec200  ec30  ecexp100  ecexp400     EC P-256, expired 100/400 days
#
# The certificates are issued when this runs: days left are exact today.
# Loading goes through OpenSC's pkcs11-tool and SoftHSM directly, not through
# the kiosk's own code, so the tests check the kiosk against another reader.
set -eu

dir=$1
softhsm=${SOFTHSM_MODULE:-/usr/lib/softhsm/libsofthsm2.so}
rm -rf "$dir"
mkdir -p "$dir/ca/new" "$dir/tokens" "$dir/keys"
dir=$(cd "$dir" && pwd)

# A run of the suites (tests/run.sh) makes one bed and names it in
# CAKIOSK_BED_CACHE; a suite then takes a copy of it, its paths mended,
# instead of making its own (keys, 16 certificates, 8 seals and 56 objects
# loaded: some 5 s of CPU a bed, and most suites make one).  Days left stay
# exact for a day: token_days_left rounds up, and down for expired ones.
cache=${CAKIOSK_BED_CACHE:-}
[ -z "$cache" ] || cache=$(cd "$cache" 2>/dev/null && pwd) || cache=
if [ -n "$cache" ] && [ -f "$cache/made" ] && [ "$cache" != "$dir" ]; then
	cp -R "$cache/." "$dir/"
	rm -f "$dir/made"
	from=$(printf '%s/\n' "$cache" | sed 's/[][\\.*^$|]/\\&/g')
	to=$(printf '%s/\n' "$dir" | sed 's/[\\&|]/\\&/g')
	sed -i "s|$from|$to|g" "$dir/softhsm2.conf" "$dir/ca/ca.cnf"
	exit 0
fi
: >"$dir/ca/index.txt"
echo 1000 >"$dir/ca/serial"

cat >"$dir/softhsm2.conf" <<EOF
directories.tokendir = $dir/tokens
objectstore.backend = file
log.level = ERROR
slots.removable = true
EOF
export SOFTHSM2_CONF="$dir/softhsm2.conf"

cat >"$dir/ca/ca.cnf" <<EOF
[ca]
default_ca = tca
[tca]
dir = $dir/ca
database = \$dir/index.txt
new_certs_dir = \$dir/new
serial = \$dir/serial
default_md = sha256
policy = pol
unique_subject = no
preserve = yes
email_in_dn = no
utf8 = yes
string_mask = utf8only
[pol]
countryName = optional
stateOrProvinceName = optional
organizationName = optional
commonName = supplied
serialNumber = optional
[sign_ext]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature, nonRepudiation
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[enc_rsa]
basicConstraints = CA:FALSE
keyUsage = critical, keyEncipherment, dataEncipherment
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[enc_ec]
basicConstraints = CA:FALSE
keyUsage = critical, keyAgreement
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[req]
distinguished_name = dn
[dn]
EOF

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout "$dir/ca/ca.key" -out "$dir/ca/ca.pem" -days 7300 \
	-subj "/C=CN/O=cakiosk test CA/CN=cakiosk Test CA" 2>/dev/null

# Two key pairs per key type, shared by the tokens of that type.
for t in rsa ec; do
	for use in sign enc; do
		k=$dir/keys/$t-$use
		if [ $t = rsa ]; then
			openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$k.pem" 2>/dev/null
		else
			openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$k.pem" 2>/dev/null
		fi
		openssl pkey -in "$k.pem" -outform DER -out "$k.der"
		openssl pkey -in "$k.pem" -pubout -outform DER -out "$k.pub.der"
	done
done

now=$(date -u +%s)
gtime() { date -u -d "@$1" +%Y%m%d%H%M%SZ; }

# issue KEYFILE EXT LEFT_DAYS SUBJECT OUT
issue() {
	left=$3
	start=$((now + (left - 365) * 86400))
	end=$((now + left * 86400))
	openssl req -new -key "$1" -utf8 -subj "$4" -config "$dir/ca/ca.cnf" \
		-out "$5.csr" 2>/dev/null
	openssl ca -batch -config "$dir/ca/ca.cnf" -cert "$dir/ca/ca.pem" \
		-keyfile "$dir/ca/ca.key" -in "$5.csr" -out "$5.pem" -notext \
		-startdate "$(gtime $start)" -enddate "$(gtime $end)" \
		-extensions "$2" 2>/dev/null
	openssl x509 -in "$5.pem" -outform DER -out "$5.der"
}

tool() {
	pkcs11-tool --module "$softhsm" --token-label "$label" --login --pin 123456 "$@" \
		>/dev/null 2>&1
}

# The electronic seal: a real SESeal bound to the signing certificate and
# signed by the test CA, made by the tree's mkseal tool when it is built, else a stand-in blob (the
# token layer only stores and reads it).
top=$(cd "$(dirname "$0")/../.." && pwd)
case ${B:-build} in
/*) mkseal=${MKSEAL:-$B/tools/mkseal} ;;
*) mkseal=${MKSEAL:-$top/${B:-build}/tools/mkseal} ;;
esac
# seal HOLDER CERT.der LEFT_DAYS OUT
seal() {
	if [ -x "$mkseal" ]; then
		"$mkseal" "$1" "$2" $((now + ($3 - 365) * 86400)) $((now + $3 * 86400)) \
			"$dir/ca/ca.key" "$dir/ca/ca.pem" >"$4"
	else
		printf 'SES_Seal test seal for cakiosk\n' >"$4"
		head -c 3000 /dev/urandom >>"$4"
	fi
}

for t in rsa ec; do
	for v in 200 30 exp100 exp400; do
		label=$t$v
		case $v in
		exp*) left=-${v#exp} ;;
		*) left=$v ;;
		esac
		softhsm2-util --init-token --free --label "$label" --so-pin 12345678 \
			--pin 123456 >/dev/null
		subj="/C=CN/ST=湖南省/O=湖南测试科技有限公司/CN=湖南测试科技有限公司/serialNumber=91430100MA4L16JQ9B"
		[ $t = ec ] && subj="/C=CN/ST=湖南省/CN=张三/serialNumber=430102199003070936"
		issue "$dir/keys/$t-sign.pem" sign_ext "$left" "$subj" "$dir/keys/$label-sign"
		issue "$dir/keys/$t-enc.pem" "enc_$t" "$left" "$subj" "$dir/keys/$label-enc"
		tool --write-object "$dir/keys/$t-sign.der" --type privkey --id 01 --label sign
		tool --write-object "$dir/keys/$t-sign.pub.der" --type pubkey --id 01 --label sign
		tool --write-object "$dir/keys/$label-sign.der" --type cert --id 01 --label sign
		tool --write-object "$dir/keys/$t-enc.der" --type privkey --id 02 --label enc
		tool --write-object "$dir/keys/$t-enc.pub.der" --type pubkey --id 02 --label enc
		tool --write-object "$dir/keys/$label-enc.der" --type cert --id 02 --label enc
		holder=湖南测试科技有限公司
		[ $t = ec ] && holder=张三
		seal "$holder" "$dir/keys/$label-sign.der" "$left" "$dir/keys/$label-seal.der"
		tool --write-object "$dir/keys/$label-seal.der" --type data --label seal \
			--application-label cakiosk-seal
	done
done
# Made in full: a run's copies may be taken from it (see above).
: >"$dir/made"
