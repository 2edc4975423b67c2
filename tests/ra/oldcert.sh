#!/bin/sh
# oldcert.sh CA_DIR OUT_DIR CN [START END] - a terminal certificate that ran
# out: signed by the backend CA in CA_DIR (ca.crt, ca.key), valid only in
# January 2024, as OUT_DIR/old.crt with its key OUT_DIR/old.key.  For the
# tests of an expired terminal certificate (test_status, test_selftest).
# START and END (YYYYMMDDHHMMSSZ) give other dates: one that ends soon.
ca=$1 out=$2 cn=$3 start=${4:-20240101000000Z} end=${5:-20240201000000Z}
mkdir -p "$out" && cd "$out" || exit 1
cat >c.cnf <<CNF
[ca]
default_ca = c
[c]
database = index.txt
new_certs_dir = .
certificate = $ca/ca.crt
private_key = $ca/ca.key
default_md = sha256
policy = p
serial = serial
x509_extensions = ext
[p]
commonName = supplied
organizationalUnitName = supplied
[ext]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
CNF
: >index.txt && echo 01 >serial
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout old.key \
	-subj "/OU=terminal/CN=$cn" -out old.csr 2>/dev/null
openssl ca -batch -config c.cnf -in old.csr -out old.crt -startdate "$start" \
	-enddate "$end" >/dev/null 2>&1
