#!/bin/sh
# test_english.sh - the kiosk in English at 80x24, switched with F2 as a
# customer would: the menu and each service's first screens fit.  Field
# labels and their hints are whole, every step in the step bar has a name
# (none is a bare number), and the guide's summaries are whole.  English
# sentences are longer than the Chinese the screens were first laid out for.
. "$(dirname "$0")/lib.sh"

. "$(dirname "$0")/renew_lib.sh"

rb_setup || { not_ok "renewal test bed (backend and tokens)"; finish; exit 1; }
rb_token r30 30

# bar_named STEPS: the step bar (row 2) numbers STEPS steps and each has a
# name: no number stands bare before " >" or at the end of the row.
bar_named() {
	bar=$(ck_capture | sed -n 2p)
	echo "$bar" | grep -q "$1\\.[^ ]" || { echo "# step bar: $bar" >&2; return 1; }
	if echo "$bar" | grep -Eq '[0-9]\.( >|[[:space:]]*$)'; then
		echo "# a bare number in the step bar: $bar" >&2
		return 1
	fi
}
# whole TEXT: TEXT is on the screen on a row with no "…" (not cut).
whole() { _poll 5 _whole "$1" || { ck_capture | sed 's/^/# | /' >&2; return 1; }; }
_whole() { ck_capture | grep -F -- "$1" | grep -vq '…'; }
# menu ROW: a fresh kiosk, in English, with menu row ROW open.
menu() {
	[ -n "${sock:-}" ] && tmux -L "$sock" kill-server 2>/dev/null
	ck_start 80x24 || return 1
	ck_keys F2
	ck_wait "CA Certificate" 5 >/dev/null || return 1
	ck_keys Space
	ck_wait "Main menu" 5 >/dev/null || return 1
	[ -z "$1" ] || ck_keys "$1"
}

bed_ctl present=none
menu "" || { not_ok "kiosk starts"; finish; exit 1; }
bad=
for row in "1  Apply for a certificate" "2  Renew a certificate" "3  Unlock a UKey" \
	"4  Change the PIN" "5  Replace a lost or damaged UKey" "6  Change certificate details" \
	"7  Track my orders" "8  Check my UKey" "9  Service guide" "0  Staff"; do
	whole "$row" || bad="$bad [$row]"
done
check "the menu in English names its 10 rows, each whole" test -z "$bad"

menu "$APPLY_ROW"
check "Apply: the step bar names all five steps, the last too" bar_named 5
check "... the current step whole" ck_wait "1.Fill in the application >"
ck_keys 1
check "... the unit's field label is whole" whole "* Unified social credit code"
check "... and so is its hint" whole "18 characters, as on the business licence."

menu "$GUIDE_ROW"
check "the guide: each service's summary is whole" \
	whole "A new UKey certificate for a unit or a person"
check "... the long ones too" whole "The old certificate is revoked, a new one posted"
check "... under the service's name" whole "For example after a unit changed its name"

menu "$QUERY_ROW"
check "Order query: the step bar names its steps" bar_named 3
ck_keys 1
check "... the unit's field label is whole" whole "* Unified social credit code"

menu "$UNLOCK_ROW"
check "Unlock: the step bar names its steps" bar_named 4
menu "$PINCHANGE_ROW"
check "PIN change: the step bar names its steps" bar_named 2

menu "$CHANGE_ROW"
check "Change of details: the step bar names its steps" bar_named 4
check "... the question whole" whole "Please insert the UKey whose certificate changes."

menu "$RENEW_ROW"
check "Renewal: the step bar names all five steps" bar_named 5
check "... the first whole" ck_wait "1.Insert UKey and log in >"
bed_ctl present=r30
check "... the PIN label whole" whole "* UKey PIN"
ck_type 123456
ck_keys Enter
ck_wait "This certificate can be renewed." 10 >/dev/null
ck_keys Enter
check "the order form: step 1 is still named" ck_wait "1.Insert UKey" 5
check "... the step bar names every step" bar_named 5
check "... the current step whole" ck_wait "> 2.Order details >"
check "... the e-mail label whole" whole "* E-mail for the e-invoice"
check "... and its hint" whole "The e-invoice is sent to this address."
ck_type "agent@example.cn"
ck_keys Enter Enter Enter
check "the confirm page" ck_wait "Please check the order once more." 5
check "... the step bar names every step" bar_named 5
check "... the current step whole" ck_wait "> 3.Confirm order >"
finish
