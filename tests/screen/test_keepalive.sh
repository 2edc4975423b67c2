#!/bin/sh
# test_keepalive.sh - the kiosk keeps its connection to the backend: a
# renewal's calls (the certificate, the order, its confirmation, the
# payment and its polls) go over one mTLS connection, not one each; the
# backend restarted between two calls costs the customer nothing (the dead
# connection is dialled again, the call goes through, no sentence shows);
# and the end of the visit closes the connection, so nothing of it stays
# open for the next customer.  The connections and requests are counted by
# tests/tools/faultproxy in front of cakiosk-ra (TLS passes through it).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/renew_lib.sh"

rb_setup || { not_ok "renewal test bed (backend and tokens)"; finish; exit 1; }
rb_token ka 30
rb_faultproxy || { not_ok "fault proxy starts"; finish; exit 1; }
ck_start 80x24 || { not_ok "kiosk starts"; finish; exit 1; }
connections() { grep -c '^connection' "$work/proxy.log"; }
requests() { grep -c '^request' "$work/proxy.log"; }

# ---- a renewal to its payment: many calls, one connection ----------------------------
rb_to_renew
bed_ctl "present=ka"
check "the PIN, then eligible" rb_login ka
ck_wait "此证书可以更新" 10 >/dev/null
c0=$(connections) r0=$(requests)
check "to the payment's QR code" rb_to_pay
# Let the payment be polled a few times.
_poll 10 sh -c "[ \$(grep -c '^request' '$work/proxy.log') -ge $((r0 + 6)) ]"
c1=$(connections) r1=$(requests)
check "the order, its confirmation, the payment and its polls: $((r1 - r0)) requests over $((c1 - c0)) new connection(s)" \
	[ $((r1 - r0)) -ge 6 -a $((c1 - c0)) -le 1 ]

# ---- the backend restarted between two calls -----------------------------------------------
port=$(cat "$work/ra.port")
rb_ra_stop
RA_PORT=$port rb_ra_start || { not_ok "backend starts again"; finish; exit 1; }
rb_pay
check "restarted while the payment is polled: the payment is seen and the renewal finishes" \
	ck_wait "证书已更新" 60
check "... over a connection dialled again by itself" [ "$(connections)" -gt "$c1" ]

# ---- the end of the visit closes it ---------------------------------------------------------
# kiosk_ports: the kiosk's ends of its established connections to the proxy.
kiosk_ports() {
	ss -tnH state established "( dport = :$(cat "$work/proxy.port") )" |
		awk '{ sub(/.*:/, "", $3); print $3 }' | sort -u
}
kiosk_ports >"$work/ports.visit"
check "during the visit the kiosk holds its connection" test -s "$work/ports.visit"
ck_keys Enter
check "the visit ends" ck_wait "请按任意键或触摸屏幕开始" 10
gone() { kiosk_ports | grep -qxFf "$work/ports.visit" && return 1; return 0; }
check "... and its connection is closed (the next call dials anew)" _poll 10 gone
finish
