# shellcheck shell=bash
# tests/integration/mount_lib.sh - helpers the mount*.sh tests source (run on
# its own it has nothing to test).
#
#   . "$(dirname "$0")/mount_lib.sh"
#   m_require_fuse "what this file tests"   # SKIP line and exit without /dev/fuse
#   m_mount NAME BUCKET [FLAGS...]          # roma mount in the background at
#                                           # $T_TMP/NAME; sets MNT and MPID
#   m_umount DIR                            # roma umount, checked
#   m_get BUCKET KEY                        # the object's bytes on stdout (curl)
#   m_put BUCKET KEY FILE                   # put through the S3 API (curl)
#   m_exists BUCKET KEY                     # HEAD succeeds
#
# Every mount is undone at exit (before T_TMP is removed), dead ones too.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	echo "ok - mount_lib.sh is a helper library # SKIP nothing to run"
	exit 0
fi
# shellcheck source=tests/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

M_MOUNTS=()
export CURL_HOME=$T_TMP
printf 'max-time = 120\n' >"$CURL_HOME/.curlrc"

m_cleanup() {
	local m
	for m in "${M_MOUNTS[@]}"; do
		if grep -qs " $m " /proc/mounts; then
			"$ROMA" umount "$m" >/dev/null 2>&1 ||
			    "$ROMA" umount -l "$m" >/dev/null 2>&1 ||
			    umount -l "$m" >/dev/null 2>&1
		fi
	done
}
trap 'm_cleanup; t_cleanup' EXIT

# m_require_fuse WHAT: without /dev/fuse, one SKIP line and exit 0.
m_require_fuse() {
	if [ ! -c /dev/fuse ]; then
		echo "ok - $1 # SKIP /dev/fuse is missing"
		exit 0
	fi
}

# m_mount NAME BUCKET [FLAGS...]: mount BUCKET at $T_TMP/NAME in the
# background against $S3_ENDPOINT (the daemon's log: $T_TMP/NAME.log, its pid
# in MPID; M_ENDPOINT, when set, replaces $S3_ENDPOINT).  Returns the mount's exit status; MNT is the mountpoint.
m_mount() {
	local name=$1 bucket=$2
	shift 2
	MNT=$T_TMP/$name
	mkdir -p "$MNT"
	M_MOUNTS+=("$MNT")
	rm -f "$T_TMP/$name.pid"
	"$ROMA" mount --endpoint "${M_ENDPOINT:-$S3_ENDPOINT}" --log-file "$T_TMP/$name.log" \
	    --pid-file "$T_TMP/$name.pid" "$@" "$bucket" "$MNT" || return
	# shellcheck disable=SC2034 # read by the scripts that source this
	MPID=$(cat "$T_TMP/$name.pid" 2>/dev/null)
}

# m_umount DIR: unmount, and check nothing is mounted there any more.
m_umount() {
	"$ROMA" umount "$1" && ! grep -qs " $1 " /proc/mounts
}

# m_url BUCKET KEY: the object's URL, the key percent-encoded.
m_url() {
	local k
	k=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe="/"))' "$2")
	printf '%s/%s/%s' "$S3_ENDPOINT" "$1" "$k"
}

m_get() {
	t_curl_s3 -fsS "$(m_url "$1" "$2")"
}

# A Content-Type is given: curl's default for --data-binary is a form, which
# moto (Werkzeug) parses as one and so stores an empty object.
m_put() {
	t_curl_s3 -fsS -X PUT -H 'Content-Type: application/octet-stream' \
	    --data-binary "@$3" "$(m_url "$1" "$2")" >/dev/null
}

m_exists() {
	t_curl_s3 -fsS -I "$(m_url "$1" "$2")" >/dev/null 2>&1
}

# m_same FILE BUCKET KEY: the object holds exactly FILE's bytes.
m_same() {
	m_get "$2" "$3" | cmp -s "$1" -
}

# m_random_reads LOCAL MOUNTED N: N preads at random offsets and lengths of
# MOUNTED return LOCAL's bytes.
m_random_reads() {
	python3 -c '
import os, random, sys
a = open(sys.argv[1], "rb").read()
fd = os.open(sys.argv[2], os.O_RDONLY)
for _ in range(int(sys.argv[3])):
    off = random.randrange(len(a)); n = random.randrange(1, 300000)
    assert os.pread(fd, n, off) == a[off:off + n], off
os.close(fd)' "$@"
}

# m_rss PID: the process's peak resident set, in KiB.
m_rss() {
	awk '/^VmHWM:/ { print $2 }' "/proc/$1/status" 2>/dev/null
}

export -f t_curl_s3 m_url m_get m_put m_exists m_same
