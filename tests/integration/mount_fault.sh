#!/usr/bin/env bash
# Faults under a real mount, through tests/faultproxy.py in front of moto:
# an upload that fails surfaces at close() and leaves the old object intact,
# a read that fails is EIO, and a daemon killed with SIGKILL leaves a dead
# mount that `roma umount` clears (and that a new mount heals).
# shellcheck source=tests/integration/mount_lib.sh
. "$(dirname "$0")/mount_lib.sh"
m_require_fuse "mount fault handling"

# shellcheck disable=SC2119 # no --auth
if ! t_start_moto || ! t_start_proxy "$S3_ENDPOINT"; then
	t_not_ok "moto and the fault proxy start"
	exit 1
fi
export PROXY_ENDPOINT
export -f t_fault
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
kill -KILL "$MPID"
sleep 0.5
t_check "after SIGKILL the mount is dead (ENOTCONN)" bash -c '
	stat "$1" 2>&1 | grep -q "Transport endpoint is not connected"' bash "$m"
t_check "roma umount clears the dead mount" "$ROMA" umount "$m"
t_check "the mountpoint is a plain directory again" bash -c '
	! grep -qs " $1 " /proc/mounts && ls "$1" >/dev/null' bash "$m"

# A new mount over a dead one heals it.
if m_mount fault fault-bkt; then
	kill -KILL "$MPID"
	sleep 0.5
	if m_mount fault fault-bkt; then
		t_ok "mounting over a dead mount heals it"
		t_check "... and serves the bucket" bash -c '[ "$(cat "$1/kept")" = old ]' bash "$MNT"
		t_check "unmount" m_umount "$MNT"
	else
		t_not_ok "mounting over a dead mount heals it" "$(tail -n 3 "$T_TMP/fault.log")"
	fi
else
	t_not_ok "remount after roma umount"
fi
t_done
