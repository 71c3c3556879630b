#!/usr/bin/env bash
# Faults under a real mount, through tests/faultproxy.py in front of moto:
# an upload that fails surfaces at close() and leaves the old object intact,
# a read that fails is EIO, and a daemon killed with SIGKILL leaves a dead
# mount that `roma umount` clears (and that a new mount heals), and a
# staging dir that `roma umount` or the next mount removes (never a live
# mount's).
# shellcheck source=tests/integration/mount_lib.sh
. "$(dirname "$0")/mount_lib.sh"
m_require_fuse "mount fault handling"
# The default staging base, $XDG_CACHE_HOME/roma, inside the test's dir.
export XDG_CACHE_HOME=$T_TMP/cache
export STG=$XDG_CACHE_HOME/roma

# stg_of PID: the staging dir whose lock file names PID (empty: none).
stg_of() {
	local l
	for l in "$STG"/staging.*/lock; do
		[ -f "$l" ] && [ "$(cat "$l")" = "$1" ] && dirname "$l"
	done
}
export -f stg_of

# exited PID: wait up to 10 s for the process to be gone.
exited() {
	local _
	for _ in $(seq 100); do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.1
	done
	return 1
}

# shellcheck disable=SC2119 # no --auth
if ! t_start_moto || ! t_start_proxy "$S3_ENDPOINT"; then
	t_not_ok "moto and the fault proxy start"
	exit 1
fi
export PROXY_ENDPOINT
export -f t_fault t_fault_log
t_mkbucket fault-bkt
printf 'old' >"$T_TMP/old"
m_put fault-bkt kept "$T_TMP/old"
head -c 3000000 /dev/urandom >"$T_TMP/obj"
m_put fault-bkt unread "$T_TMP/obj"

M_ENDPOINT=$PROXY_ENDPOINT
if ! m_mount fault fault-bkt --http-timeout 5s; then
	t_not_ok "mount through the proxy" "$(tail -n 5 "$T_TMP/fault.log" 2>/dev/null)"
	t_done
	exit
fi
m=$MNT
t_check "a file reads through the proxy" bash -c '[ "$(cat "$1/kept")" = old ]' bash "$m"

# A shell redirect (open, dup2 onto 1, close the first, write, close) is
# one PUT: the close of the first descriptor is not the writer's last.
t_fault_clear
t_check "echo > file stores the file in one PUT, no empty one first" bash -c '
	echo redirected >"$1/redir" && m_get fault-bkt redir | grep -qx redirected &&
	[ "$(t_fault_log | grep -c "^PUT	/fault-bkt/redir	")" = 1 ]' bash "$m"

# Every PUT fails (500 after all retries): close() must say so.
t_fault 500:1000 method=PUT
t_check "an upload error surfaces at close()" python3 -c '
import errno, os, sys
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_TRUNC)
os.write(fd, b"new content that never arrives")
try:
    os.close(fd)
except OSError as e:
    sys.exit(0)
sys.exit("close() returned 0 although the upload failed")' "$m/kept"
t_fault pass
t_check "the failed upload left the old object intact" bash -c '[ "$(m_get fault-bkt kept)" = old ]'

# GETs fail: a read is EIO, not a short or empty file.
t_fault 500:1000 method=GET
t_check "a read error is EIO" python3 -c '
import errno, os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
try:
    os.read(fd, 65536)
except OSError as e:
    sys.exit(0 if e.errno == errno.EIO else "errno %d, not EIO" % e.errno)
sys.exit("read succeeded")' "$m/unread"
t_fault pass
t_check "the same read works once the server is back" cmp "$T_TMP/obj" "$m/unread"

# Resets and truncated bodies in the middle of reads are retried.
t_fault reset-mid-body:3 method=GET
t_check "reads survive connection resets mid-body" bash -c 'echo 3 >/proc/sys/vm/drop_caches 2>/dev/null; cmp "$1" "$2/unread"' bash "$T_TMP/obj" "$m"
t_fault pass

# SIGKILL: a dead mount, cleared by roma umount.
dead=$(stg_of "$MPID")
t_check "the daemon's staging dir holds a lock naming it" [ -n "$dead" ]
kill -KILL "$MPID"
sleep 0.5
t_check "after SIGKILL the mount is dead (ENOTCONN)" bash -c '
	stat "$1" 2>&1 | grep -q "Transport endpoint is not connected"' bash "$m"
t_check "... and its staging dir is left behind" [ -d "$dead" ]
t_check "roma umount clears the dead mount" "$ROMA" umount "$m"
t_check "... and removes the dead mount's staging dir" [ ! -e "$dead" ]
t_check "the mountpoint is a plain directory again" bash -c '
	! grep -qs " $1 " /proc/mounts && ls "$1" >/dev/null' bash "$m"

# A new mount over a dead one heals it.  Beside it a live mount, whose
# staging dir nobody may touch.
m_mount live fault-bkt
live=$(stg_of "$MPID")
live_mnt=$MNT
live_pid=$MPID
t_check "a second live mount has its own staging dir" \
	bash -c '[ -n "$1" ] && [ "$1" != "$2" ] && [ -d "$1" ]' bash "$live" "$dead"
if m_mount fault fault-bkt; then
	dead=$(stg_of "$MPID")
	kill -KILL "$MPID"
	sleep 0.5
	if m_mount fault fault-bkt; then
		t_ok "mounting over a dead mount heals it"
		t_check "... and serves the bucket" bash -c '[ "$(cat "$1/kept")" = old ]' bash "$MNT"
		t_check "... and removes the dead mount's staging dir" \
			bash -c '[ -n "$1" ] && [ ! -e "$1" ]' bash "$dead"
		t_check "... but not the live mount's" [ -d "$live" ]
		t_check "... and has its own" bash -c '[ -n "$(stg_of "$1")" ]' bash "$MPID"
		printf 'x' >>"$live_mnt/kept-live"
		t_check "the live mount still stages (append)" \
			bash -c 'printf y >>"$1" && [ "$(cat "$1")" = xy ]' bash "$live_mnt/kept-live"
		t_check "unmount" m_umount "$MNT"
		t_check "roma umount leaves the live mount's staging dir" [ -d "$live" ]
		t_check "unmount the live mount" m_umount "$live_mnt"
		exited "$MPID"
		exited "$live_pid"
		t_check "a clean unmount removes its own staging dir" \
			bash -c '[ -z "$(ls -A "$1")" ]' bash "$STG"
	else
		t_not_ok "mounting over a dead mount heals it" "$(tail -n 3 "$T_TMP/fault.log")"
	fi
else
	t_not_ok "remount after roma umount"
fi
t_done
