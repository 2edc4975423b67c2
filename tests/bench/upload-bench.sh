#!/bin/sh
# upload-bench.sh - a document from the customer's phone: the time from the
# file chosen and sent to the kiosk showing it accepted, against the upload
# alone, measured in the same run.
#
#   sh tests/bench/upload-bench.sh [B] [RUNS]      (default: build, 20)
#
# The bed is the screen tests' (tests/screen/apply_lib.sh): cakiosk-ra in
# sandbox mode on loopback over mTLS, the real kiosk under tmux at 80x24 on
# the upload step of a unit's application (its order made, the unit and its
# agent verified), the upload link read off the kiosk's QR code.
#
# kiosk  curl posts a PDF (multipart, as the phone's page sends it) to the
#        upload link as the business licence; the clock runs from before
#        curl starts until the kiosk's screen shows "已收到：PDF，N KB" with
#        that file's size (each round's file has its own size).  The screen
#        is read with tmux capture-pane in a loop (about 10 ms a look on
#        this machine: that is the resolution).
# peer   the same curl posting a file of the same size, timed alone: what
#        the upload itself costs, which no kiosk can beat.
# The difference is the kiosk's part: its poll of the order's documents
# (every 300 ms, on the worker) and the redraw.  Rounds alternate kiosk and
# peer (after a peer's upload the kiosk is let show it, untimed); one of
# each first is not counted.  Figures: median and p99 (nearest rank: of
# 20, the slowest but none) in milliseconds.

B=${1:-${B:-build}}
RUNS=${2:-20}
case $RUNS in '' | *[!0-9]*) echo "upload-bench.sh: RUNS must be a number" >&2; exit 2 ;; esac
[ "$RUNS" -ge 1 ] || { echo "upload-bench.sh: RUNS must be at least 1" >&2; exit 2; }
export B
. "$(dirname "$0")/../screen/lib.sh"
. "$top/tests/screen/renew_lib.sh"
. "$top/tests/screen/query_lib.sh"
. "$top/tests/screen/apply_lib.sh"

rb_setup || { echo "upload-bench.sh: the backend did not come up" >&2; exit 1; }
ck_start 80x24 || { echo "upload-bench.sh: the kiosk did not start" >&2; exit 1; }
ap_to_upload "$UNIT" >/dev/null 2>&1 || { echo "upload-bench.sh: no upload step" >&2; exit 1; }
url=$(ap_qr_url)
ap_is_upload_url "$url" || { echo "upload-bench.sh: no upload link on the screen" >&2; exit 1; }

ms_now() { date +%s%N | cut -c1-13; }
# pdf KB: a PDF of KB kilobytes (every byte value in it).
pdf() {
	{ printf '%%PDF-1.4\n'; head -c $(($1 * 1024 - 20)) /dev/urandom; printf '\n%%%%EOF\n'; } >"$work/doc.pdf"
}
post() {
	curl -s -o /dev/null -w '%{http_code}' --cacert "$CA/ca.crt" \
		-F "business_licence=@$work/doc.pdf;type=application/pdf" "$url"
}
shown() { tmux -L "$sock" capture-pane -p | grep -qF "已收到：PDF，$1 KB"; }
# wait_shown KB: until the kiosk shows it (10 s at most).
wait_shown() {
	end=$(($(ms_now) + 10000))
	until shown "$1"; do
		[ "$(ms_now)" -lt "$end" ] || return 1
	done
}
kiosk() {
	pdf "$1"
	t=$(ms_now)
	st=$(post)
	wait_shown "$(ap_kb "$work/doc.pdf")" || { echo "kiosk: $1 KB never shown ($st)" >&2; return 1; }
	KIOSK_MS=$(($(ms_now) - t))
	[ "$st" = 200 ] || { echo "kiosk: upload answered $st" >&2; return 1; }
}
peer() {
	pdf "$1"
	t=$(ms_now)
	st=$(post)
	PEER_MS=$(($(ms_now) - t))
	[ "$st" = 200 ] || { echo "peer: upload answered $st" >&2; return 1; }
	wait_shown "$(ap_kb "$work/doc.pdf")" # untimed: the next round starts clean
}
median() { sort -n | awk '{a[NR] = $1} END {m = int((NR + 1) / 2); if (NR % 2) print a[m]; else printf "%.1f\n", (a[m] + a[m + 1]) / 2}'; }
p99() { sort -n | awk '{a[NR] = $1} END {r = int(NR * 0.99); if (r < NR * 0.99) r++; print a[r]}'; }

kb=200
kiosk $kb && peer $((kb + 1)) || exit 1 # warm-up, not counted
: >"$work/k"; : >"$work/p"
i=0
while [ $i -lt "$RUNS" ]; do
	kb=$((kb + 2))
	kiosk $kb || exit 1
	peer $((kb + 1)) || exit 1
	echo "$KIOSK_MS" >>"$work/k"
	echo "$PEER_MS" >>"$work/p"
	i=$((i + 1))
done
size=$(ls -l "$work/doc.pdf" | awk '{print $5}')
echo "phone upload to shown on the kiosk, $RUNS rounds, PDF of ~$((size / 1024)) KB (ms):"
printf '  %-44s median %6s  p99 %6s\n' "kiosk (file sent -> shown accepted)" \
	"$(median <"$work/k")" "$(p99 <"$work/k")"
printf '  %-44s median %6s  p99 %6s\n' "peer (curl posting the same size, alone)" \
	"$(median <"$work/p")" "$(p99 <"$work/p")"
echo "  kiosk rounds: $(sort -n "$work/k" | tr '\n' ' ')"
echo "  peer rounds:  $(sort -n "$work/p" | tr '\n' ' ')"
