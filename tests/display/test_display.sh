#!/bin/sh
# test_display.sh - the kiosk's display stack (kiosk/display/) on a virtual
# screen: Xvfb at 1920x1080, the shipped xinitrc starting the real xterm
# with the shipped Xresources, running the real cakiosk.  A touch on the
# welcome screen opens the menu; a screenshot shows the menu's Chinese drawn
# in the font's glyphs (a crop of a menu row against the same text printed
# by a second xterm with the same resources), not as boxes (against the
# same text in a font without Chinese, and distinct characters drawn
# distinct); a touch on the guide's row opens the guide; Ctrl+click opens
# no xterm menu and another window's selection is not pasted.
#
# The screenshots are kept in $B/test-logs/display-*.png.
# DISPLAY_XRES=FILE runs the kiosk and the reference with other resources
# (a font without Chinese must make this suite fail).
. "$(dirname "$0")/../screen/lib.sh"
. "$(dirname "$0")/x_lib.sh"

logs=$top/$B/test-logs
kres=${DISPLAY_XRES:-$xres}
cleanup_extra='x_stop'

# The same xterm with a font that has no Chinese and no fallback: boxes.
sed -e 's/^cakiosk\*faceNameDoublesize:.*/cakiosk*faceNameDoublesize: DejaVu Sans Mono/' \
	"$xres" >"$work/boxes.res"
echo 'cakiosk*limitFontsets: 0' >>"$work/boxes.res"

x_start 1920x1080 || { not_ok "Xvfb starts"; finish; exit 1; }

# The menu's layout at the kiosk's size comes from the same kiosk under
# tmux (below); the pixels of a cell from a 10x2 xterm with the resources.
row_text="续期UKey中的证书"
other="证书内容有效期等"
x_xterm cakiosk "$kres" 40x3+0+0 sh -c 'printf "%s\n%s" "$0" "$1"; exec sleep 600' "$row_text" "$other"
ref_pid=$x_pid
x_xterm cakiosk "$work/boxes.res" 40x3+0+200 sh -c 'printf "%s" "$0"; exec sleep 600' "$row_text"
box_pid=$x_pid
geom=$(x_geom "$ref_pid") || { not_ok "the reference xterm shows"; finish; exit 1; }
x_geom "$box_pid" >/dev/null
set -- $geom
cw=$(($1 / 40)) ch=$(($2 / 3))
check "a cell of the xterm is ${cw}x${ch} pixels" [ "$cw" -ge 8 -a "$ch" -ge 16 ]
# The row is 16 columns wide: 6 Chinese characters and "UKey".
cropw=$((16 * cw))
deadline=$(($(date +%s) + 10))
while :; do
	x_shot "$work/ref.png"
	x_crop "$work/ref.png" 0 0 "$cropw" "$ch" "$work/ref-desc.png"
	x_crop "$work/ref.png" 0 "$ch" "$cropw" "$ch" "$work/ref-other.png"
	x_crop "$work/ref.png" 0 200 "$cropw" "$ch" "$work/ref-box.png"
	[ "$(x_ink "$work/ref-desc.png")" -gt 0 ] && [ "$(x_ink "$work/ref-box.png")" -gt 0 ] &&
		[ "$(x_ink "$work/ref-other.png")" -gt 0 ] && break
	[ "$(date +%s)" -lt "$deadline" ] || break
done
kill $ref_pid $box_pid 2>/dev/null

# The display stack as cakiosk-x.service starts it.
make_config
sed "s|^log = .*|log = file:$work/x.log|" "$work/cakiosk.conf" >"$work/x.conf"
CAKIOSK_XRESOURCES=$kres LANG=C.UTF-8 CAKIOSK_LOCALEDIR="$top/$B/locale" TZ=Asia/Shanghai \
	sh "$xinitrc" "$bin" --config "$work/x.conf" 2>"$work/xinit.err" &
kiosk_xterm=$!
x_pids="$x_pids $kiosk_xterm"

# x_wait_log TEXT SECONDS: the kiosk's log says TEXT.
x_wait_log() {
	deadline=$(($(date +%s) + $2))
	until grep -q "$1" "$work/x.log" 2>/dev/null; do
		[ "$(date +%s)" -lt "$deadline" ] || return 1
		sleep 0.1
	done
}
check "the kiosk starts inside xterm on the X display" x_wait_log "screen welcome" 15
# xterm opens at 80x24, then takes the whole screen (-maximized).
deadline=$(($(date +%s) + 10))
until [ "$(x_geom "$kiosk_xterm")" = "1920 1080 " ]; do
	[ "$(date +%s)" -lt "$deadline" ] || break
	sleep 0.1
done
set -- $(x_geom "$kiosk_xterm")
check "xterm fills the 1920x1080 screen (${1:-?}x${2:-?})" [ "${1:-0}" -eq 1920 -a "${2:-0}" -eq 1080 ]
cols=$((1920 / cw)) rows=$((1080 / ch))

# A touch anywhere on the welcome screen opens the menu, once the screen
# is drawn (xterm has then taken the kiosk's request for mouse reports).
deadline=$(($(date +%s) + 10))
while :; do
	x_shot "$work/welcome.png"
	x_crop "$work/welcome.png" 0 $((4 * ch)) 1920 $((20 * ch)) "$work/welcome-band.png"
	[ "$(x_ink "$work/welcome-band.png")" -gt 1000 ] && break
	[ "$(date +%s)" -lt "$deadline" ] || break
done
xdotool mousemove 960 540 click 1
check "a touch on the welcome screen opens the menu" x_wait_log "screen menu" 10

# Where the rows are at this size: the same kiosk under tmux.
ck_start "${cols}x${rows}" || not_ok "the kiosk starts under tmux at ${cols}x${rows}"
ck_keys Space
ck_wait "请选择业务" 5 >/dev/null
ck_capture >"$work/layout.txt"
tmux -L "$sock" kill-server
cp "$work/layout.txt" "$logs/display-layout.txt"
# line_col TEXT: "LINE COL" (0-based) of TEXT, whose line starts in ASCII.
line_col() {
	awk -v t="$1" 'i = index($0, t) { print NR - 1, i - 1; exit }' "$work/layout.txt"
}
set -- $(line_col "$row_text")
dl=${1:-0} dc=${2:-0}
set -- $(line_col "服务指南")
gl=${1:-0} gc=${2:-0}
check "the menu's rows found in the layout (line $dl and $gl)" [ "$dl" -gt 0 -a "$gl" -gt 0 ]

# The menu drawn: the row's crop like the reference's, with a deadline.
deadline=$(($(date +%s) + 10))
while :; do
	x_shot "$logs/display-menu.png"
	x_crop "$logs/display-menu.png" $((dc * cw)) $((dl * ch)) "$cropw" "$ch" "$work/desc.png"
	d_ref=$(x_diff "$work/desc.png" "$work/ref-desc.png")
	[ "$d_ref" -le 40 ] 2>/dev/null && break
	[ "$(date +%s)" -lt "$deadline" ] || break
done
ink=$(x_ink "$work/ref-desc.png")
d_other=$(x_diff "$work/desc.png" "$work/ref-other.png")
d_box=$(x_diff "$work/desc.png" "$work/ref-box.png")
echo "# crop ${cropw}x${ch} at $((dc * cw)),$((dl * ch)): $ink ink pixels in the reference;" \
	"differs from it by $d_ref, from other text by $d_other, from boxes by $d_box"
check "the menu row's Chinese is drawn as the font draws it ($d_ref pixels differ)" \
	[ "$d_ref" -le 40 ]
check "the comparison tells other Chinese text apart ($d_other pixels differ)" \
	[ "$d_other" -gt $((ink / 4)) ]
check "the row is not drawn as boxes ($d_box pixels differ from boxes)" \
	[ "$d_box" -gt $((ink / 4)) ]
# Boxes are all alike: the row's first two Chinese characters must not be.
x_crop "$work/desc.png" 0 0 $((2 * cw)) "$ch" "$work/c1.png"
x_crop "$work/desc.png" $((2 * cw)) 0 $((2 * cw)) "$ch" "$work/c2.png"
d_cells=$(x_diff "$work/c1.png" "$work/c2.png")
check "two different characters are drawn differently ($d_cells pixels differ)" \
	[ "$d_cells" -gt 20 ]

# A touch on the guide's row (服务指南) opens the guide.
xdotool mousemove $(((gc + 2) * cw)) $((gl * ch + ch / 2)) click 1
check "a touch on the guide's menu row opens the guide" x_wait_log "screen guide" 10
x_shot "$logs/display-guide.png"
echo "# screenshots: $logs/display-menu.png $logs/display-guide.png"

# Ctrl with any button opens no xterm menu (a new top-level window).
tops() { xdotool search --onlyvisible --maxdepth 1 --name '' 2>/dev/null | wc -l; }
before=$(tops) menus=0
xdotool mousemove 1910 1070
for b in 1 2 3; do
	xdotool keydown ctrl mousedown "$b"
	deadline=$(($(date +%s) + 1))
	while [ "$(tops)" -le "$before" ] && [ "$(date +%s)" -le "$deadline" ]; do sleep 0.1; done
	[ "$(tops)" -gt "$before" ] && menus=$((menus + 1))
	xdotool mouseup "$b" keyup ctrl
done
check "Ctrl+click opens none of xterm's menus ($menus of 3 buttons did)" [ "$menus" -eq 0 ]

# Nothing selected elsewhere pastes into the kiosk.  Another xterm (its
# own default resources) in the corner holds "2" as the selection; on the
# guide, a typed 2 shows that service's steps, a pasted one must not.
x_xterm helper /dev/null 4x1+1800+1040 sh -c 'printf 2; exec sleep 600'
helper=$x_pid
x_geom "$helper" >/dev/null
xdotool mousemove 1808 1056 click --repeat 2 1
# guide_band FILE: the guide's text lines, clear of the clock and helper.
guide_band() {
	x_shot "$work/g.png"
	x_crop "$work/g.png" 0 "$ch" 1700 $((20 * ch)) "$1"
}
# changes_within SECONDS: the band differs from $work/g0.png.
changes_within() {
	deadline=$(($(date +%s) + $1))
	while :; do
		guide_band "$work/g1.png"
		[ "$(x_diff "$work/g0.png" "$work/g1.png")" -gt 0 ] && return 0
		[ "$(date +%s)" -lt "$deadline" ] || return 1
	done
}
no_change_within() { ! changes_within "$1"; }
guide_band "$work/g0.png"
xdotool mousemove 960 700 key shift+Insert
xdotool keydown shift click 2 keyup shift
check "the selection is not pasted (Shift+Insert, Shift+middle button)" no_change_within 2
xdotool type 2
check "... while a typed 2 shows that service's steps" changes_within 5
kill "$helper" 2>/dev/null

finish
