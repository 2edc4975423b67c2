# smallfs.sh - a small disk for the full-disk suites (tests/ra/test_full_disk.sh,
# tests/screen/test_full_disk.sh), sourced first thing:
#
#   smallfs_enter VAR "$0" "$@"  run the suite again in a private mount
#                                namespace (unshare -m) with VAR=1, or skip
#                                it, saying why, where no small tmpfs may
#                                be mounted (no unshare, no CAP_SYS_ADMIN)
#   smallfs_mount DIR            a 4 MiB tmpfs on DIR, gone with the namespace

smallfs_enter() {
	sf_var=$1
	shift
	eval "[ -z \"\${$sf_var:-}\" ]" || return 0
	if command -v unshare >/dev/null && unshare -m --propagation private sh -c \
		'd=$(mktemp -d) && mount -t tmpfs -o size=64k tmpfs "$d" && umount "$d" && rmdir "$d"' \
		2>/dev/null; then
		exec env "$sf_var=1" unshare -m --propagation private sh "$@"
	fi
	echo "1..0 # SKIP cannot mount a small tmpfs in a private mount namespace (needs unshare and CAP_SYS_ADMIN)"
	exit 0
}

smallfs_mount() {
	mkdir -p "$1" && mount -t tmpfs -o size=4m,mode=0700 tmpfs "$1" ||
		{ echo "Bail out! cannot mount the small store's tmpfs"; exit 1; }
}
