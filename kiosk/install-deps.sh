#!/bin/sh
# install-deps.sh - install the Debian packages cakiosk needs to build, run and test.
#
# Idempotent: asks dpkg-query which packages are already installed and calls
# apt-get only for the missing ones, so a second run is a no-op that touches no
# network.  Works as root on a fresh Debian 12; as another user it only reports.
#
#   kiosk/install-deps.sh            build + run + test packages
#   kiosk/install-deps.sh --runtime  only what a production terminal needs
#                                    (with its display: Xorg, libinput for
#                                    touch, xterm, Chinese fonts; kiosk/display/)
#   kiosk/install-deps.sh --list     print the package list and exit
#   kiosk/install-deps.sh --list-runtime  print the runtime list and exit

set -eu

runtime="libncursesw6 libinih1 libjansson4 libp11-3 opensc libcurl4 libqrencode4
libmicrohttpd12 libsqlite3-0 libpq5 libssl3 libpng16-16 libjpeg62-turbo ca-certificates
xserver-xorg-core xserver-xorg-input-libinput xinit xterm x11-xserver-utils
fonts-noto-cjk fonts-dejavu-core
pcscd libccid"

build="make gcc pkg-config libncurses-dev libinih-dev libjansson-dev libp11-dev libpng-dev libjpeg62-turbo-dev
libp11-kit-dev libssl-dev libcurl4-openssl-dev libqrencode-dev libmicrohttpd-dev
libsqlite3-dev libpq-dev libgnutls28-dev gettext"

test="libcmocka-dev tmux locales softhsm2 opensc curl zbar-tools imagemagick
cppcheck clang-format dialog hyperfine time libengine-pkcs11-openssl openssl chromium chromium-driver
sqlite3 clang iproute2 procps strace xvfb xdotool x11-apps
systemd man-db groff-base postgresql"

mode=all
case "${1:-}" in
--runtime) mode=runtime ;;
--list) echo $runtime $build $test; exit 0 ;;
--list-runtime) echo $runtime; exit 0 ;;
"") ;;
*) echo "usage: $0 [--runtime|--list|--list-runtime]" >&2; exit 2 ;;
esac

if [ "$mode" = runtime ]; then
	want=$runtime
else
	want="$runtime $build $test"
fi

missing=
for p in $want; do
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$status" in
	*" installed") ;;
	*) missing="$missing $p" ;;
	esac
done

if [ -z "$missing" ]; then
	exit 0
fi

if [ "$(id -u)" != 0 ]; then
	echo "cakiosk needs these Debian packages:$missing" >&2
	echo "run this script as root (or: sudo apt-get install$missing)" >&2
	exit 1
fi

echo "installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
# A fresh machine has no package lists yet; refresh them once per run.
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
