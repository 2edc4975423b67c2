#!/bin/sh
# test_pkg.sh - installing like a Debian program: the plain build installs
# no package and keeps the project's flags under a packager's; make install
# puts both programs, the catalogue, the units, the udev rule, the users,
# the examples and the man pages under DESTDIR with their modes, and make
# uninstall takes exactly those away; the generated units pass
# systemd-analyze verify and name only users the sysusers file creates (the
# daily purge's service and timer run cakiosk-ra purge on the server's
# store, as its user); the man pages render without a warning and document
# every option of cakiosk --help, every key of cakiosk --config-reference
# and every command and option of cakiosk-ra --help (a new option without
# its documentation fails here).
#
# The one suite that runs make on $B: install (as built, nothing relinked)
# and the units with test paths, put back at the end.
top=$(cd "$(dirname "$0")/../.." && pwd)
B=${B:-build}
work=$(mktemp -d /tmp/cakiosk-pkg.XXXXXX)
trap 'rm -rf "$work"' EXIT
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
skip() { n=$((n + 1)); echo "ok $n # SKIP $*"; }
check() { d=$1; shift; if "$@"; then ok "$d"; else not_ok "$d"; fi; }
# none DESCRIPTION OFFENDERS: a pass when OFFENDERS is empty, else each named.
none() {
	if [ -n "$2" ]; then
		echo "$2" | sed 's/^/# /'
		not_ok "$1"
	else
		ok "$1"
	fi
}
cd "$top" || exit 1

# --- The build: no package installed, the project's flags kept. ----------
fresh=$work/fresh
make -n B="$fresh" all >"$work/all.n" 2>&1
none "make (all) would run no package installer" "$(grep install-deps "$work/all.n")"
# The installer is the first thing these goals would run: grep stops at it
# (and make with it), so the whole tree is not walked five times.  -B: make
# asan builds in build-asan whatever B says, and under make asan its stamp
# is there already (the installer ran): what counts is that it comes first.
for goal in deps run check asan bench; do
	check "make $goal runs kiosk/install-deps.sh first" sh -c \
		"make -n -B B='$fresh' $goal 2>&1 | grep -m1 -q 'sh kiosk/install-deps.sh'"
done
make -n -B B="$fresh" CPPFLAGS=-DPKG_TEST_FLAG CFLAGS=-O0 "$fresh/src/main.o" >"$work/cc.n" 2>&1
check "a CPPFLAGS on the command line is added to the project's" \
	sh -c "grep -q -- '-DPKG_TEST_FLAG' '$work/cc.n' && grep -q -- '-DNCURSES_WIDECHAR=1' '$work/cc.n' && grep -q -- '-Isrc ' '$work/cc.n'"
check "... and a CFLAGS keeps -std=c11 and -Werror" \
	sh -c "grep -q -- '-O0' '$work/cc.n' && grep -q -- '-std=c11' '$work/cc.n' && grep -q -- '-Werror' '$work/cc.n'"

# --- make install into a DESTDIR. -----------------------------------------
# The default PREFIX (/usr/local), as built: the build is not relinked while
# other suites run its programs.  PREFIX=/usr is looked at with make -n.
make -n B="$B" install DESTDIR=/x PREFIX=/usr >"$work/usr.n" 2>&1
check "with PREFIX=/usr the kiosk is built to find its catalogue in /usr/share/locale" \
	grep -q "'/usr/share/locale' '/etc'" "$work/usr.n"
check "... the units name /usr/bin and /usr/sbin" \
	grep -q "s|@BINDIR@|/usr/bin|g' -e 's|@SBINDIR@|/usr/sbin|g'" "$work/usr.n"
check "... and go to /usr/lib/systemd/system, the programs to /usr/bin and /usr/sbin" sh -c \
	"grep -q ' /x/usr/lib/systemd/system/\$' '$work/usr.n' && grep -q ' /x/usr/bin/cakiosk\$' '$work/usr.n' && grep -q ' /x/usr/sbin/cakiosk-ra\$' '$work/usr.n'"
dest=$work/dest P=/usr/local
make -s B="$B" install DESTDIR="$dest" >"$work/install.out" 2>&1
check "make install DESTDIR=... succeeds" test $? = 0 || sed 's/^/# /' "$work/install.out"
# The expected files and their modes.
list="755 $P/bin/cakiosk
755 $P/sbin/cakiosk-ra
644 $P/share/locale/zh_CN/LC_MESSAGES/cakiosk.mo
644 $P/lib/systemd/system/cakiosk.service
644 $P/lib/systemd/system/cakiosk-ra.service
644 $P/lib/udev/rules.d/90-cakiosk-ukey.rules
644 $P/lib/sysusers.d/cakiosk.conf
644 /etc/cakiosk/cakiosk.conf.example
644 /etc/cakiosk/cakiosk-ra.default.example
644 /etc/cakiosk/cakiosk-ra.conf.example
644 $P/share/man/man1/cakiosk.1
644 $P/share/man/man5/cakiosk.conf.5
644 $P/share/man/man8/cakiosk-ra.8
644 $P/share/doc/cakiosk/LOCKDOWN.md
755 /etc/cakiosk/xinitrc
644 /etc/cakiosk/Xresources
644 /etc/X11/xorg.conf.d/50-cakiosk.conf"
for f in $(find kiosk -name '*.service.in' -o -name '*.timer.in' | sort); do
	list="$list
644 $P/lib/systemd/system/$(basename "$f" .in)"
done
echo "$list" | sort -u -k2 >"$work/list"
while read -r mode path; do
	got=$(stat -c %a "$dest$path" 2>/dev/null)
	check "installed $path, mode $mode" test "$got" = "$mode"
done <"$work/list"
check "the installed cakiosk-ra.conf.example passes cakiosk-ra --check-config" \
	"$B/cakiosk-ra" --check-config --config "$dest/etc/cakiosk/cakiosk-ra.conf.example"
check "the installed kiosk looks for its catalogue where it was installed" \
	grep -q -a $P/share/locale "$dest$P/bin/cakiosk"
none "the installed units name no path left to fill in" \
	"$(grep -n '@[A-Z]*@' "$dest$P"/lib/systemd/system/*.service "$dest$P"/lib/systemd/system/*.timer)"
check "ExecStart of cakiosk.service is $P/bin/cakiosk" \
	grep -q "^ExecStart=$P/bin/cakiosk --config /etc/cakiosk/cakiosk.conf\$" "$dest$P/lib/systemd/system/cakiosk.service"
check "ExecStart of cakiosk-ra.service is $P/sbin/cakiosk-ra serve" \
	grep -q "^ExecStart=$P/sbin/cakiosk-ra serve " "$dest$P/lib/systemd/system/cakiosk-ra.service"
# Both units read the configuration file (the store named there, relative
# to their common working directory); the environment file only adds.
conf=/etc/cakiosk/cakiosk-ra.conf
check "cakiosk-ra.service runs serve with --config $conf" \
	grep -q "^ExecStart=$P/sbin/cakiosk-ra serve --config $conf \\\$CAKIOSK_RA_OPTS\$" "$dest$P/lib/systemd/system/cakiosk-ra.service"
check "cakiosk-ra-purge.service runs $P/sbin/cakiosk-ra purge on the server's store (its file, its directory)" sh -c "
	grep -q '^ExecStart=$P/sbin/cakiosk-ra purge --config $conf ' '$dest$P/lib/systemd/system/cakiosk-ra-purge.service' &&
	grep -q -x 'WorkingDirectory=/var/lib/cakiosk-ra' '$dest$P/lib/systemd/system/cakiosk-ra-purge.service' &&
	grep -q -x 'WorkingDirectory=/var/lib/cakiosk-ra' '$dest$P/lib/systemd/system/cakiosk-ra.service' &&
	grep -q -x 'EnvironmentFile=-/etc/default/cakiosk-ra' '$dest$P/lib/systemd/system/cakiosk-ra.service'"
check "no option of cakiosk-ra.service in an environment variable but the optional override" sh -c "
	! grep -q -- '--db\\|--ca-dir\\|--listen' '$dest$P/lib/systemd/system/cakiosk-ra.service'"
check "... as the server's user, once (Type=oneshot)" sh -c "
	for k in User=cakiosk-ra Group=cakiosk-ra StateDirectory=cakiosk-ra Type=oneshot; do
		grep -q -x \"\$k\" '$dest$P/lib/systemd/system/cakiosk-ra-purge.service' || exit 1
	done"
check "cakiosk-ra-purge.timer starts it daily, and makes up a missed day" sh -c "
	for k in OnCalendar=daily Persistent=true WantedBy=timers.target; do
		grep -q -x \"\$k\" '$dest$P/lib/systemd/system/cakiosk-ra-purge.timer' || exit 1
	done"
none "every installed file is one of the above (nothing unlisted)" \
	"$(cd "$dest" && find . ! -type d | sed 's|^\.||' | grep -v -x -F "$(cut -d' ' -f2 "$work/list")" |
		grep -v "^$P/share/locale/.*/LC_MESSAGES/cakiosk\.mo\$")"

# --- The man pages: they render without a warning. ------------------------
for m in man/cakiosk.1 man/cakiosk.conf.5 man/cakiosk-ra.8; do
	LC_ALL=C.UTF-8 groff -man -Tutf8 -ww -z "$m" >"$work/warn" 2>&1
	none "$m renders with groff -man -Tutf8 -ww and no warning" "$(cat "$work/warn")"
	page=$(basename "$m")
	LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$dest$P/share/man/man${page##*.}/$page" \
		>"$work/man.out" 2>"$work/warn"
	check "man -l shows the installed $page (no warning, a NAME and a SYNOPSIS)" sh -c \
		"test ! -s '$work/warn' && grep -q '^NAME' '$work/man.out' && grep -q '^SYNOPSIS' '$work/man.out'"
done

# text PAGE: the page as plain text on one line, no hyphenation, single
# spaces, for looking up words and phrases.
text() {
	LC_ALL=C groff -man -Tascii -rHY=0 -rLL=250n -P-cbou "$1" 2>/dev/null | tr '\n' ' ' | tr -s ' '
}
# documented PAGE WORD...: the words of WORD... the page lacks.
documented() {
	page=$1; shift
	t=$(text "$page")
	for w in "$@"; do
		case " $t " in
		*"$w"*) ;;
		*) echo "$w" ;;
		esac
	done
}
bin=$top/$B/cakiosk ra=$top/$B/cakiosk-ra
opts=$("$bin" --help | grep -o -- '--[a-z][a-z-]*' | sort -u)
shorts=$("$bin" --help | grep -o -- '^ *-[a-zA-Z],' | tr -d ' ,' | sort -u)
check "cakiosk --help lists options to look up ($(echo $opts | wc -w))" test "$(echo $opts | wc -w)" -ge 10
none "every option of cakiosk --help is in cakiosk(1)" "$(documented man/cakiosk.1 $opts $shorts)"
keys=$("$bin" --config-reference | sed -n 's/^;\{0,1\}\([a-z_0-9]*\) =.*/\1/p' | sort -u)
sections=$("$bin" --config-reference | grep '^\[' | sed 's/ NAME\]$//' | sort -u)
check "cakiosk --config-reference lists keys to look up ($(echo $keys | wc -w))" test "$(echo $keys | wc -w)" -ge 20
none "every key of cakiosk --config-reference is in cakiosk.conf(5)" \
	"$(documented man/cakiosk.conf.5 $keys $sections)"
raopts=$("$ra" --help | grep -o -- '--[a-z][a-z-]*' | sort -u)
# A command: the words at the start of a line under "Commands:" up to the
# first argument in capitals or option ("staff disable|enable", "calls close").
racmds=$("$ra" --help | sed -n '/^Commands:/,/^$/p' | sed -n 's/^  \([a-z][a-z|-]*\( [a-z][a-z|-]*\)*\).*/\1/p' |
	sed 's/ /_/g' | sort -u)
check "cakiosk-ra --help lists commands to look up ($(echo $racmds | wc -w))" test "$(echo $racmds | wc -w)" -ge 15
t=$(text man/cakiosk-ra.8)
missing=
for c in $racmds $raopts; do
	w=$(echo "$c" | sed 's/_/ /g')
	case " $t " in *"$w"*) ;; *) missing="$missing$w
" ;; esac
done
none "every command and option of cakiosk-ra --help is in cakiosk-ra(8)" "$(printf %s "$missing")"
none "the exit statuses of cakiosk --enrol are in cakiosk(1)" \
	"$(documented man/cakiosk.1 'EXIT STATUS' 'fingerprint differs' 'Too many tries')"

# --- The units: systemd-analyze verify, the users they run as. ------------
if ! command -v systemd-analyze >/dev/null 2>&1; then
	skip "systemd-analyze is not installed (kiosk/install-deps.sh installs systemd)"
else
	# The units with programs that exist here: generated by the same rule
	# with BINDIR/SBINDIR pointing into the DESTDIR install.
	make -s B="$B" units BINDIR="$dest$P/bin" SBINDIR="$dest$P/sbin" \
		SYSCONFDIR="$dest/etc" >/dev/null 2>&1
	mkdir -p "$work/units"
	cp "$top/$B"/units/*.service "$top/$B"/units/*.timer "$work/units/"
	make -s B="$B" units >/dev/null 2>&1
	(cd "$work" && MANPATH=$dest$P/share/man systemd-analyze verify "$work"/units/*.service "$work"/units/*.timer) \
		>"$work/verify" 2>&1
	rc=$?
	none "systemd-analyze verify: the units are clean (status $rc, no line)" "$(cat "$work/verify")"
	for u in cakiosk cakiosk-ra cakiosk-ra-purge; do
		systemd-analyze security --offline=yes "$work/units/$u.service" >"$work/sec" 2>&1
		fig=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\) \([A-Z]*\).*/\1 \2/p' "$work/sec")
		check "systemd-analyze security $u.service: exposure $fig (at most 2.0; 2.1 before this round)" \
			awk -v f="${fig%% *}" 'BEGIN { exit !(f != "" && f <= 2.0) }'
	done
fi
units=$dest$P/lib/systemd/system
check "StartLimitIntervalSec and StartLimitBurst are in [Unit], in both units" sh -c "
	for u in '$units/cakiosk.service' '$units/cakiosk-ra.service'; do
		awk '/^\[/{s=\$0} /^StartLimit(IntervalSec|Burst)=/{print s}' \"\$u\" | grep -v -x '\[Unit\]' | grep -q . && exit 1
		test \$(grep -c '^StartLimit\(IntervalSec\|Burst\)=' \"\$u\") = 2 || exit 1
	done; exit 0"
check "cakiosk.service waits for pcscd's socket" grep -q '^Wants=.*pcscd\.socket' "$units/cakiosk.service"
# The first-run setup and the terminal certificate's renewal write beside
# the configuration: a kiosk unit that makes /etc read-only must open it.
for u in cakiosk cakiosk-x; do
	check "$u.service lets the kiosk write /etc/cakiosk (setup, certificate renewal)" sh -c "
		grep -q '^ProtectSystem=\(full\|strict\)' '$units/$u.service' || exit 0
		grep -q -x 'ReadWritePaths=-/etc/cakiosk' '$units/$u.service'"
done
for h in NoNewPrivileges=yes ProtectSystem=strict ProtectHome=yes PrivateTmp=yes CapabilityBoundingSet= \
	SystemCallFilter=@system-service LimitCORE=0 UMask=0077 MemoryDenyWriteExecute=yes; do
	check "the three units keep $h" sh -c "grep -q -x '$h' '$units/cakiosk.service' && grep -q -x '$h' '$units/cakiosk-ra.service' && grep -q -x '$h' '$units/cakiosk-ra-purge.service'"
done
check "cakiosk-ra.service keeps its store in a StateDirectory" grep -q -x 'StateDirectory=cakiosk-ra' "$units/cakiosk-ra.service"
if command -v systemd-sysusers >/dev/null 2>&1; then
	mkdir -p "$work/sysroot/etc"
	systemd-sysusers --root="$work/sysroot" "$dest$P/lib/sysusers.d/cakiosk.conf" >/dev/null 2>&1
	check "systemd-sysusers creates the users from the installed file" \
		grep -q '^cakiosk:' "$work/sysroot/etc/passwd"
	# Every user and group a unit names: made by sysusers (no phantom
	# group Debian never creates, as pcscd once was).
	bad=
	for u in "$units"/*.service; do
		for name in $(sed -n 's/^\(User\|Group\|SupplementaryGroups\)=//p' "$u"); do
			grep -q "^$name:" "$work/sysroot/etc/passwd" "$work/sysroot/etc/group" ||
				bad="$bad$(basename "$u"): $name
"
		done
	done
	none "every User, Group and SupplementaryGroups of the units is created by sysusers" "$bad"
else
	skip "systemd-sysusers is not installed"
fi

# --- The udev rule. --------------------------------------------------------
rules=$dest$P/lib/udev/rules.d/90-cakiosk-ukey.rules
none "every udev rule line matches ACTION!=\"remove\" (a token plugged in before boot counts)" \
	"$(grep -v '^#' "$rules" | grep . | grep -v 'ACTION!="remove"')"
check "hidraw tokens are given to the cakiosk group as well as USB devices" sh -c \
	"grep -q 'SUBSYSTEM==\"hidraw\".*GROUP=\"cakiosk\"' '$rules' && grep -q 'SUBSYSTEM==\"usb\".*GROUP=\"cakiosk\"' '$rules'"

# --- The runtime packages. -------------------------------------------------
rt=$(sh kiosk/install-deps.sh --list-runtime)
check "the runtime list has pcscd and libccid (readers)" sh -c \
	"echo ' $rt ' | tr '\n' ' ' | grep -q ' pcscd ' && echo ' $rt ' | tr '\n' ' ' | grep -q ' libccid '"

# --- LOCKDOWN.md keeps the machine's part of the lock-down. --------------
miss=
for w in consoleblank=0 'kernel.printk' 'quiet loglevel=3' systemd-timesyncd chrony \
	time-sync.target 'grub-mkpasswd-pbkdf2' '--unrestricted' 'USB' 'Secure Boot' \
	pcscd libccid systemd-sysusers 'kiosk/display/'; do
	grep -q -F -- "$w" kiosk/LOCKDOWN.md || miss="$miss$w
"
done
none "LOCKDOWN.md covers blanking, kernel messages, the clock, boot loader, firmware, readers, display" \
	"$(printf %s "$miss")"

# --- make uninstall leaves nothing but empty directories. ------------------
make -s B="$B" uninstall DESTDIR="$dest" >"$work/uninstall.out" 2>&1
check "make uninstall succeeds" test $? = 0
none "after make uninstall the DESTDIR holds no file (only empty directories)" \
	"$(find "$dest" ! -type d | sed "s|^$dest||")"
none "... and no cakiosk directory of its own" \
	"$(find "$dest" -type d -name 'cakiosk*' | sed "s|^$dest||")"

echo "1..$n"
[ "$failed" -eq 0 ]
