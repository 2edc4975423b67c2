#!/bin/sh
# test_setup.sh - the first-run setup: a kiosk started with no
# configuration file goes through the operator's steps on the screen
# (language and idle timeout, the backend's URL, its CA's fingerprint
# checked before anything is sent, the terminal id and enrolment code, a
# PKCS#11 module found on the system and a reader test) against the real
# cakiosk-ra, writes the configuration and opens the welcome screen; the
# files it wrote work over mTLS.  On the way: Esc back, a wrong
# fingerprint refused with the one the backend sent shown, the backend
# down then up, a wrong code then the right one.  Then --setup over the
# working configuration asks first.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/renew_lib.sh"

etc=$work/etc
conf=$etc/cakiosk.conf
mkdir -p "$etc" "$work/mods"
rb_hsm
SOFTHSM2_CONF=$work/softhsm2.conf softhsm2-util --init-token --free --label CARD1 \
	--so-pin 12345678 --pin 123456 >/dev/null 2>&1
printf 'present=none\n' >"$work/ctl"
# The modules the setup finds: the test card's named by a p11-kit module
# file (the only way to it), SoftHSM's, the test card's again through a
# symlink and SoftHSM's again as a copy (the same library twice each:
# listed once).
mkdir -p "$work/p11-kit"
printf '# a p11-kit module file\nmodule: %s\ncritical: no\n' "$P11" >"$work/p11-kit/card.module"
ln -s "$P11" "$work/mods/a-link.so"
cp "$SOFTHSM" "$work/mods/b-copy.so"
scan="$work/p11-kit/*.module:$SOFTHSM:$work/mods/*.so"

# su_start [ARGS]: the kiosk on the configuration path under $etc.
su_start() {
	starts=$((starts + 1))
	sock=ck$$_$starts
	socks="$socks $sock"
	tmux -L "$sock" -f "$work/tmux.conf" new-session -d -x 80 -y 24 \
		-e LANG=C.UTF-8 -e LC_ALL=C.UTF-8 -e TZ=Asia/Shanghai \
		-e CAKIOSK_LOCALEDIR="$top/$B/locale" -e CAKIOSK_PKCS11_SCAN="$scan" \
		-e SOFTHSM2_CONF="$work/softhsm2.conf" -e CAKIOSK_TESTP11_CTL="$work/ctl" \
		"$bin --config $conf $*; echo EXIT=\$?; sleep 600"
	kiosk_pid=$(tmux -L "$sock" display -p '#{pane_pid}')
}
# fp_type FINGERPRINT: replace what the fingerprint field holds.
fp_type() {
	v=$1 i=0
	set --
	while [ $i -lt 100 ]; do i=$((i + 1)); set -- "$@" BSpace; done
	ck_keys "$@"
	ck_type "$v"
}

rb_ra_start || { echo "Bail out! cakiosk-ra did not start"; exit 1; }
port=${RAURL##*:}
FP=$(openssl x509 -in "$CA/ca.crt" -noout -fingerprint -sha256 | cut -d= -f2)
CODE=$("$RA" enrol-code --db "$work/ra.db" T-SETUP)
keep_secret enrol_code "$CODE"

su_start
check "no configuration file: the first-run setup, in both languages" ck_wait "首次设置：本机还没有配置"
check "... First-run setup" ck_wait "First-run setup: this kiosk has no configuration yet."
# A touch on the English row (1-based row and column of its text).
row=$(tmux -L "$sock" capture-pane -p | grep -n '○ English' | cut -d: -f1)
ck_click 10 "$row"
check "English chosen by a touch: the setup speaks English" ck_wait "The kiosk's language:"
ck_keys Enter BSpace BSpace BSpace
ck_type 30
ck_keys Enter
check "an idle timeout under 60 s is refused in a sentence" ck_wait "From 60 to 3600 seconds"
ck_keys BSpace BSpace
ck_type 300
ck_keys Enter
check "step 2: the backend's URL" ck_wait "Type the backend's URL."
ck_keys Escape
check "Esc goes back a step (the language)" ck_wait "The kiosk's language:"
ck_keys Enter Enter
ck_wait "Type the backend's URL." >/dev/null
ck_type "$RAURL/"
ck_keys Enter
check "step 3: the CA's fingerprint" ck_wait "SHA-256 fingerprint of the backend's CA"

# A fingerprint that is not the backend CA's: refused, nothing sent.
fp_type "$(echo "$FP" | tr 'A-F0123' 'a-f3210')"
ck_keys Enter
check "a wrong fingerprint is refused in a sentence" ck_wait "is not the one with this fingerprint"
sent16=$(echo "$FP" | cut -c1-47)
check "... showing the fingerprint the backend sent, as on paper" ck_wait "$sent16"
check "... no key was made" test ! -e "$etc/terminal.key"
check "... and the backend enrolled nothing" sh -c "! grep -q 'enrol:' '$work/ra.log'"

# The backend down, then up again on the same address.
rb_ra_stop
fp_type "$FP"
ck_keys Enter
check "the backend down: a plain sentence, still on the step" ck_wait "cannot be reached"
RA_PORT=$port rb_ra_start || not_ok "cakiosk-ra restarted on its port"
ck_keys Enter
check "the backend up again: Enter goes on to the enrolment" ck_wait "Enrolment code"

ck_type T-SETUP
ck_keys Enter
ck_type 918273645501
ck_keys Enter
check "a wrong code is refused in a sentence" ck_wait "refused the enrolment code"
check "... the code field emptied for typing again" sh -c \
	"tmux -L $sock capture-pane -p | grep -q 'Enrolment code *_'"
check "... no code drawn on the screen" sh -c "! tmux -L $sock capture-pane -p | grep -q 9182"
ck_type "$CODE"
ck_keys Enter
check "the right code: enrolled" ck_wait "Terminal T-SETUP is enrolled" 10
check "the modules found are listed, each library once" ck_wait "None: this kiosk has no UKey reader yet"
shown=$(tmux -L "$sock" capture-pane -p | grep -c -e 'cakiosk test card' -e 'Implementation of PKCS11')
check "... two, the symlink and the copy left out ($shown)" test "$shown" -eq 2
check "... the test card's found through its p11-kit module file (its path, not the link)" \
	ck_wait "(${P11%/*}/"
row=$(tmux -L "$sock" capture-pane -p | sed -n 's/^ *\([0-9]\)  .*cakiosk test card.*/\1/p')
ck_keys "$row"
check "the test card's module: the reader test waits for a card" ck_wait "Insert any card"
printf 'present=CARD1\n' >"$work/ctl"
check "... a card inserted: its reader is named" ck_wait 'seen in reader "cakiosk test reader"'
check "... with the card's label" ck_wait "CARD1"
ck_keys Enter
check "the summary: what will be written" ck_wait "Check what will be written"
check "... the terminal id" ck_wait "Terminal id: T-SETUP"
ck_keys Enter
check "Enter writes the configuration and the kiosk starts: the welcome screen" \
	ck_wait "Press any key or touch the screen to start" 10
check "... with the backend online over the new certificate" ck_wait "Backend: online" 15
check "the enrolment code is gone from the kiosk's memory" mem_gone "$CODE"

check "the configuration is written" test -f "$conf"
check "... naming the terminal, language and idle timeout chosen" sh -c \
	"grep -qx 'terminal_id = T-SETUP' '$conf' && grep -qx 'language = en' '$conf' && grep -qx 'idle_timeout = 300' '$conf'"
check "... and the module chosen" grep -qx "module = $P11" "$conf"
check "... readable by its owner and group only (0640)" test "$(stat -c %a "$conf")" = 640
check "the key file is 0600" test "$(stat -c %a "$etc/terminal.key")" = 600
cn=$(openssl x509 -in "$etc/terminal.pem" -noout -subject -nameopt sep_multiline | sed -n 's/^ *CN=//p')
check "the certificate's CN is the terminal id ($cn)" test "$cn" = T-SETUP
SOFTHSM2_CONF=$work/softhsm2.conf CAKIOSK_TESTP11_CTL=$work/ctl CAKIOSK_LOCALEDIR=$top/$B/locale \
	"$bin" --self-test -c "$conf" >"$work/selftest.out" 2>&1
check "cakiosk --self-test passes on what the setup wrote" test $? -eq 0
check "... its mTLS round trip among them" grep -q '^ok   backend: .* over mTLS' "$work/selftest.out"
mkdir -p "$work/again"
"$bin" --enrol --backend "$RAURL/" --ca-fingerprint "$FP" --code "$CODE" --terminal-id T-SETUP \
	--config "$work/again/cakiosk.conf" >"$work/again.out" 2>&1
check "the code is spent (another enrolment with it: exit 4)" test $? -eq 4
kill -TERM "$(pgrep -n -x cakiosk -P "$kiosk_pid")" 2>/dev/null

# --setup over a working configuration asks first; Esc leaves it.
cp "$conf" "$work/conf.before"
su_start --setup
check "--setup over a working configuration asks first" ck_wait "A working configuration is already at"
ck_keys Escape
check "... Esc leaves it: nothing written" ck_wait "EXIT=0"
check "... the configuration as it was" cmp -s "$conf" "$work/conf.before"
# Set up again, confirmed: the enrolled terminal needs no code.
cp "$etc/terminal.key" "$work/key.before"
cp "$etc/terminal.pem" "$work/cert.before"
su_start --setup
ck_wait "A working configuration is already at" >/dev/null
ck_keys Enter
check "--setup confirmed: the first step" ck_wait "The kiosk's language:"
ck_keys Enter Enter
ck_wait "Type the backend's URL." >/dev/null
ck_type "$RAURL/"
ck_keys Enter
ck_wait "SHA-256 fingerprint of the backend's CA" >/dev/null
ck_type "$FP"
ck_keys Enter
ck_wait "Enrolment code" >/dev/null
ck_type T-OTHER
ck_keys Enter Enter
check "another terminal id with no code: the code is asked for" \
	ck_wait "The 12-digit one-time code made for this terminal."
check "... nothing enrolled for it" sh -c "! grep -q 'T-OTHER' '$work/ra.log'"
ck_keys BTab BSpace BSpace BSpace BSpace BSpace BSpace BSpace
ck_type T-SETUP
ck_keys Enter Enter
check "the enrolled terminal's id with no code: enrolled already" \
	ck_wait "Terminal T-SETUP was enrolled already"
ck_keys "$((shown + 1))"
check "no module chosen: the summary says none" ck_wait "PKCS#11 module: none"
ck_keys Enter
check "Enter: the kiosk starts on the new configuration" \
	ck_wait "Press any key or touch the screen to start" 10
check "... which has no vendor now" sh -c "! grep -q '^\[vendor' '$conf'"
check "... the same key and certificate (no second enrolment)" sh -c \
	"cmp -s '$etc/terminal.key' '$work/key.before' && cmp -s '$etc/terminal.pem' '$work/cert.before'"
kill -TERM "$(pgrep -n -x cakiosk -P "$kiosk_pid")" 2>/dev/null

"$bin" --setup --config "$conf" </dev/null >"$work/notty.out" 2>&1
check "--setup with no terminal: exit 2" test $? -eq 2
check "... saying it runs on a terminal" grep -q 'runs on a terminal' "$work/notty.out"
finish
