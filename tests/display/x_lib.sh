# x_lib.sh - the kiosk's display stack on a virtual screen (Xvfb).
#
# Sourced by tests/display/ and tests/bench/display-startup.sh after $work
# (a private directory) and $top are set.  Every wait has a deadline.
#
#   x_start WxH [ARG...]      Xvfb on a free display number; sets DISPLAY
#   x_stop                    stop it (and every client still on it)
#   x_shot FILE               the whole screen as PNG
#   x_crop IN X Y W H OUT     a rectangle of a PNG, black and white
#   x_diff A B                how many pixels of two crops differ
#   x_xterm NAME RES GEOM CMD...  an xterm with a resources file, in the
#                             background; its pid in $x_pid
#   x_geom PID                "W H" of the window an xterm of ours opened

xres=$top/kiosk/display/Xresources
xinitrc=$top/kiosk/display/xinitrc
x_pids=

x_start() {
	: >"$work/xdisplay"
	x_size=$1
	shift
	# -displayfd: the server picks a free number and says which.
	Xvfb -displayfd 5 -screen 0 "${x_size}x24" -dpi 96 -nolisten tcp -nolisten local "$@" \
		5>"$work/xdisplay" 2>"$work/xvfb.err" &
	xvfb_pid=$!
	i=0
	while ! grep -q '[0-9]' "$work/xdisplay" 2>/dev/null; do
		i=$((i + 1))
		[ "$i" -le 100 ] || return 1
		kill -0 "$xvfb_pid" 2>/dev/null || return 1
		sleep 0.1
	done
	DISPLAY=:$(tr -dc 0-9 <"$work/xdisplay")
	export DISPLAY
}

x_stop() {
	for p in $x_pids; do kill "$p" 2>/dev/null || :; done
	if [ -n "${xvfb_pid:-}" ]; then
		kill "$xvfb_pid" 2>/dev/null || :
		wait "$xvfb_pid" 2>/dev/null || :
	fi
	xvfb_pid=
}

x_shot() { xwd -root -silent | convert xwd:- "png:$1"; }

# Black and white: the glyphs' shapes whatever their colour.
x_crop() {
	convert "$1" -crop "${4}x${5}+${2}+${3}" +repage -colorspace gray -auto-level \
		-threshold 50% "png:$6"
}

x_diff() { compare -metric AE "$1" "$2" null: 2>&1 | cut -d' ' -f1; }

# How many white (ink) pixels a black-and-white crop holds.
x_ink() { convert "$1" -format '%[fx:int(mean*w*h+0.5)]' info:; }

x_xterm() {
	x_name=$1 x_res=$2 x_g=$3
	shift 3
	XENVIRONMENT=$x_res LANG=C.UTF-8 xterm -name "$x_name" -geometry "$x_g" -e "$@" \
		2>>"$work/xterm.err" &
	x_pid=$!
	x_pids="$x_pids $x_pid"
}

# x_geom PID: the size of the top window that process opened.
x_geom() {
	i=0
	while :; do
		x_w=$(xdotool search --onlyvisible --pid "$1" 2>/dev/null | head -n 1)
		[ -n "$x_w" ] && break
		i=$((i + 1))
		[ "$i" -le 50 ] || return 1
		sleep 0.1
	done
	xdotool getwindowgeometry --shell "$x_w" | sed -n 's/^WIDTH=//p; s/^HEIGHT=//p' | tr '\n' ' '
}
