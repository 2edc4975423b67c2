#!/bin/sh
# test_check.sh - "Check my UKey" on real SoftHSM tokens behind the PKCS#11
# test module: insertion opens it by itself, removal, two UKeys, an expired
# certificate, the seal's signature checked against the CA (a forged seal
# and an altered one), a slow card read and cancelled, a card pulled while
# reading, and a PIN locked by wrong tries.
. "$(dirname "$0")/lib.sh"

bed_setup || { not_ok "token test bed"; finish; exit 1; }
ck_start 80x24 || { not_ok "kiosk starts"; finish; exit 1; }

check "no UKey: the status line says so" ck_wait "UKey：未插入"
bed_ctl "present=rsa30"
check "a UKey put in at the welcome screen opens Check my UKey" ck_wait "签名证书  湖南测试科技有限公司" 10
check "the vendor is recognised by itself" ck_wait "厂商：测试CA"
check "days left are counted" ck_wait "还剩 30 天"
check "both certificates are listed" ck_wait "加密证书  湖南测试科技有限公司"
check "the PIN state is said in words" ck_wait "密码状态：正常"
check "the electronic seal is shown with its holder" ck_wait "电子印章：湖南测试科技有限公司"
check "... and, its CA's signature checked, its validity" ck_wait "电子印章：湖南测试科技有限公司，有效期至"
check "and it is bound to the signing certificate" ck_wait "与上面的签名证书绑定"
check "renewal is offered: fewer than 90 days left" ck_wait "此证书可以更新"
check "the status line names the vendor" ck_wait "UKey：测试CA的UKey"
# The seal's picture has a column of its own: no text runs into it, even
# in the longer English lines at 80 columns.
pic_apart() {
	ck_capture | grep '▀' >"$work/pic.txt" && [ -s "$work/pic.txt" ] &&
		! grep -qv ' ▀' "$work/pic.txt"
}
ck_keys F2
ck_wait "Electronic seal" 5 >/dev/null
check "the seal picture stands apart from the text (English, 80x24)" pic_apart
ck_keys F2
ck_wait "电子印章" 5 >/dev/null

# A reader that fails to answer for a moment does not drop the UKey; one
# that keeps failing does.
stays() { ! _poll "$2" _hasnt "$1"; }
bed_ctl "present=rsa30" "fail_fn=C_GetTokenInfo:CKR_DEVICE_ERROR"
check "a reader error for a moment: the UKey stays on the screen" stays "签名证书" 1
bed_ctl "present=rsa30"
check "... and nothing started over" stays "签名证书" 1
bed_ctl "present=rsa30" "fail_fn=C_GetTokenInfo:CKR_DEVICE_ERROR"
# Seen at the next full look (every 4 s), gone 3 s later.
check "a reader that keeps failing: the UKey counts as gone" ck_wait "请插入您的UKey" 10
check "... and the log says what happened" grep -q "does not answer" "$work/cakiosk.log"
bed_ctl "present=rsa30"
ck_wait "签名证书" 10 >/dev/null

bed_ctl "present=none"
check "pulled out: it asks for the UKey again" ck_wait "请插入您的UKey" 5
check "and the certificate is no longer shown" ck_wait_gone "湖南测试科技有限公司"

bed_ctl "present=rsa30,ec200"
check "two UKeys: it asks to leave only one" ck_wait "插入了不止一枚UKey" 5
check "the status line counts them" ck_wait "2"

bed_ctl "present=ecexp100"
check "an expired certificate says how long ago" ck_wait "已过期 100 天" 10
check "and that it can still be renewed" ck_wait "此证书已过期，仍可更新"
check "EC keys are named" ck_wait "EC 256"

bed_ctl "present=ecexp400"
check "expired over a year: apply anew" ck_wait "不能再更新" 10
check "... here at this kiosk, now that it takes applications" ck_wait "可以在本机申请新证书"

bed_ctl "present=rsa200"
check "200 days left: too early to renew" ck_wait "现在还不能更新" 10

# A seal the CA did not make (mkseal signs it with a key of its own) and
# one altered after the CA signed it: never "valid", and said so.  Both
# cards are rewritten while they are out of the reader, as an issuer's
# station would; the test module never reads a card that is out, so the
# kiosk's SoftHSM cannot catch them half-written (tests/p11/testp11_ctl.c).
reseal() { # LABEL FILE: the token's seal replaced, through SoftHSM itself
	for a in "--delete-object" "--write-object $2"; do
		SOFTHSM2_CONF=$work/bed/softhsm2.conf pkcs11-tool --module \
			"${SOFTHSM_MODULE:-/usr/lib/softhsm/libsofthsm2.so}" --token-label "$1" \
			--login --pin 123456 $a --type data --label seal \
			--application-label cakiosk-seal >/dev/null 2>&1
	done
}
bed_ctl "present=none"
ck_wait "请插入您的UKey" >/dev/null
now=$(date +%s)
"$tools/mkseal" 湖南测试科技有限公司 "$work/bed/keys/ec200-sign.der" "$now" \
	$((now + 200 * 86400)) >"$work/forged.der"
reseal ec200 "$work/forged.der"
# The good seal of ec30 (张三's) with its holder's surname changed.
perl -0777 -pe 's/\xe5\xbc\xa0\xe4\xb8\x89/\xe6\x9d\x8e\xe4\xb8\x89/' \
	"$work/bed/keys/ec30-seal.der" >"$work/altered.der"
reseal ec30 "$work/altered.der"
bed_ctl "present=ec200"
check "a forged seal: its signature does not check out" ck_wait "此印章的签名核验不通过" 10
check "... and no validity is claimed for it" ck_wait_gone "有效期至" 1
bed_ctl "present=none"
ck_wait "请插入您的UKey" >/dev/null
bed_ctl "present=ec30"
check "an altered seal (张三 -> 李三): its signature does not check out" ck_wait "此印章的签名核验不通过" 10
check "... the altered holder is what it shows, unvouched" ck_wait "电子印章：李三" 1

# A slow card: the screen keeps moving, Esc cancels.
bed_ctl "present=none"
ck_wait "请插入您的UKey" >/dev/null
bed_ctl "present=rsa30" "latency_ms=400"
check "a slow card: the screen says it is reading" ck_wait "正在读取" 5
ck_keys Escape
check "Esc cancels the reading" ck_wait "已取消" 5
check "the kiosk is alive" ck_alive
ck_keys Enter
check "Enter reads it again" ck_wait "正在读取" 5

# Pulled out while it is being read.
bed_ctl "present=none" "latency_ms=400"
check "pulled while reading: back to asking for the UKey" ck_wait "请插入您的UKey" 10
bed_ctl "present=rsa30"
check "put back: read in full" ck_wait "还剩 30 天" 15

# Three wrong PINs (typed with OpenSC's pkcs11-tool through the same
# module) lock it; the kiosk says so and where it is unlocked.
for i in 1 2 3; do
	SOFTHSM2_CONF=$work/bed/softhsm2.conf CAKIOSK_TESTP11_CTL=$work/bed/ctl \
		pkcs11-tool --module "$top/$B/tests/p11/cakiosk-testp11.so" \
		--token-label rsa30 --login --pin 000000 -O >/dev/null 2>&1
done
bed_ctl "present=none"
ck_wait "请插入您的UKey" >/dev/null
bed_ctl "present=rsa30"
check "a locked PIN is said in plain words" ck_wait "多次输错已被锁定" 10
check "Unlock is offered here, as a button" ck_wait "[ 证书解锁 ]"
ck_keys Enter
check "taken: Unlock reads the UKey kept in and says its PIN is locked" ck_wait "可以在这里解锁" 10
check "... the UKey's serial named" ck_wait "UKey序列号：" 1

finish
