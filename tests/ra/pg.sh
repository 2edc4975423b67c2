# pg.sh - a private PostgreSQL server for the cakiosk-ra suites (sourced, POSIX sh).
#
# tests/run.sh starts one server for its whole run (pg_start), exports where
# it is in CAKIOSK_PG_DIR and stops it at the end, even when interrupted; each
# suite run on the PostgreSQL store (RA_STORE=pg, tests/ra/lib.sh) makes its
# own database on it.  One initdb per run, not per suite: initdb costs
# seconds, a database a fraction of one.  The server is Debian's
# (/usr/lib/postgresql/N/bin, package postgresql): its data directory and
# Unix socket are in a temporary directory, it listens on no TCP address and
# trusts local connections as the superuser "postgres"; fsync is off (the
# tests never crash the machine, only the backend).
#
#   pg_bin               where initdb, pg_ctl and psql are (newest version), or ""
#   pg_start             start a server in a new temporary directory; sets
#                        CAKIOSK_PG_DIR, or prints why not and returns 1
#   pg_stop              stop it and remove its directory (nothing if none)
#   pg_createdb NAME     a new, empty database NAME on it
#   pg_dropdb NAME       drop it (its connections closed)
#   pg_uri NAME          the --db URI of database NAME for cakiosk-ra
#   pg_psql NAME SQL     run SQL in NAME; rows on stdout, fields split by "|"

pg_bin() {
	for pb_d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k4,4n -r); do
		[ -x "$pb_d/initdb" ] && [ -x "$pb_d/pg_ctl" ] && [ -x "$pb_d/psql" ] &&
			{ echo "$pb_d"; return 0; }
	done
	return 1
}

# pg_as CMD...: CMD as the owner of the server's files.  initdb refuses to
# run as root: root runs the server as Debian's "postgres" user.
pg_as() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

pg_start() {
	PG_BIN=$(pg_bin) || {
		echo "no PostgreSQL server binaries in /usr/lib/postgresql/*/bin (kiosk/install-deps.sh installs postgresql)"
		return 1
	}
	if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
		echo "no postgres user to run the server as (the postgresql package makes it)"
		return 1
	fi
	ps_dir=$(mktemp -d "${TMPDIR:-/tmp}/ra-pg.XXXXXX") || return 1
	# The socket's directory must be open to the clients, the data
	# directory private to the server (initdb checks it).
	chmod 755 "$ps_dir"
	[ "$(id -u)" = 0 ] && chown postgres: "$ps_dir"
	if ! pg_as "$PG_BIN/initdb" -D "$ps_dir/data" -U postgres -A trust -E UTF8 \
		--no-locale --no-sync >"$ps_dir/initdb.log" 2>&1; then
		echo "initdb failed: $(tail -n 3 "$ps_dir/initdb.log" | tr '\n' ' ')"
		rm -rf "$ps_dir"
		return 1
	fi
	cat >>"$ps_dir/data/postgresql.conf" <<EOF
listen_addresses = ''
unix_socket_directories = '$ps_dir'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
# No DETAIL lines: a unique violation's names the key's value.
log_error_verbosity = terse
EOF
	if ! pg_as "$PG_BIN/pg_ctl" -D "$ps_dir/data" -l "$ps_dir/server.log" -w -t 60 \
		start >/dev/null 2>&1; then
		echo "the PostgreSQL server did not start: $(tail -n 3 "$ps_dir/server.log" 2>/dev/null | tr '\n' ' ')"
		pg_as "$PG_BIN/pg_ctl" -D "$ps_dir/data" -m immediate stop >/dev/null 2>&1
		rm -rf "$ps_dir"
		return 1
	fi
	CAKIOSK_PG_DIR=$ps_dir
	export CAKIOSK_PG_DIR
}

pg_stop() {
	[ -n "${CAKIOSK_PG_DIR:-}" ] && [ -d "$CAKIOSK_PG_DIR/data" ] || return 0
	PG_BIN=${PG_BIN:-$(pg_bin)}
	# Immediate: the data is thrown away, no checkpoint is worth waiting for.
	pg_as "$PG_BIN/pg_ctl" -D "$CAKIOSK_PG_DIR/data" -m immediate -w stop >/dev/null 2>&1
	rm -rf "$CAKIOSK_PG_DIR"
	CAKIOSK_PG_DIR=
}

pg_psql() {
	PG_BIN=${PG_BIN:-$(pg_bin)}
	"$PG_BIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 -h "$CAKIOSK_PG_DIR" -U postgres -d "$1" -c "$2"
}

pg_createdb() { pg_psql postgres "CREATE DATABASE \"$1\""; }
pg_dropdb() { pg_psql postgres "DROP DATABASE IF EXISTS \"$1\" WITH (FORCE)"; }
pg_uri() { echo "postgresql:///$1?host=$CAKIOSK_PG_DIR&user=postgres"; }
