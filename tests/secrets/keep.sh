# keep.sh - what the suites keep for the no-secret-in-any-log suite
# (tests/secrets/test_no_secret.sh), which make check runs last.
#
# tests/run.sh exports CAKIOSK_KEEP_LOGS ($B/test-logs/kept); without it
# these do nothing.  Sourced by the suites' libraries:
#
#   keep_logs DIR           before DIR is removed: the logs in it (*.log,
#                           *.err, the PKCS#11 test module's "calls") are
#                           copied to $CAKIOSK_KEEP_LOGS/logs/
#   keep_secret KIND VALUE  a secret the test typed or was handed (a PIN, an
#                           SMS code, a session, an SO PIN), for the scan

keep_logs() {
	[ -n "${CAKIOSK_KEEP_LOGS:-}" ] && [ -d "$1" ] || return 0
	kl_to=$CAKIOSK_KEEP_LOGS/logs/$(basename "$0" .sh)-$$
	mkdir -p "$kl_to"
	find "$1" -type f \( -name '*.log' -o -name '*.err' -o -name calls \) |
		while IFS= read -r kl_f; do
			kl_rel=${kl_f#"$1"/}
			cp "$kl_f" "$kl_to/$(printf '%s' "$kl_rel" | tr / _)"
		done
}

keep_secret() {
	[ -n "${CAKIOSK_KEEP_LOGS:-}" ] && [ -n "$2" ] || return 0
	mkdir -p "$CAKIOSK_KEEP_LOGS/secrets"
	printf '%s %s\n' "$1" "$2" >>"$CAKIOSK_KEEP_LOGS/secrets/$(basename "$0" .sh)-$$"
}
