#!/usr/bin/env bash
# The mount's command line as goofys users type it: usage errors with
# goofys's messages and exit status 1, --help/--version, the `goofys` name,
# daemon mode (the parent returns 0 only once mounted, 1 with the reason),
# roma umount, and the fstab shapes through mount.fuse3.
# shellcheck source=tests/integration/mount_lib.sh
. "$(dirname "$0")/mount_lib.sh"

mkdir -p "$T_TMP/bin" "$T_TMP/empty"
ln -s "$ROMA" "$T_TMP/bin/goofys"
GOOFYS=$T_TMP/bin/goofys

# out_has NAME PATTERN CMD...: CMD exits 1 and its stderr has PATTERN.
exits1_with() {
	local name=$1 pat=$2 out st
	shift 2
	out=$("$@" 2>&1 >/dev/null)
	st=$?
	if [ "$st" -eq 1 ] && printf '%s\n' "$out" | grep -qF -- "$pat"; then
		t_ok "$name"
	else
		t_not_ok "$name" "exit $st: $(printf '%s' "$out" | head -n 3 | tr '\n' ' ')"
	fi
}

# --- No server needed ------------------------------------------------------------
exits1_with "unknown flag: goofys's message, exit 1" \
    'Incorrect Usage. flag provided but not defined: -no-such-flag' \
    "$GOOFYS" --no-such-flag b "$T_TMP/empty"
exits1_with "unknown flag is followed by the help" 'GLOBAL OPTIONS:' \
    "$GOOFYS" -no-such-flag b "$T_TMP/empty"
exits1_with "flags after the positionals: exactly two arguments" \
    'Error: goofys takes exactly two arguments.' \
    "$GOOFYS" b "$T_TMP/empty" --region us-east-1
exits1_with "a bare duration is refused as Go does" \
    'invalid value "300" for flag -stat-cache-ttl' \
    "$ROMA" mount --stat-cache-ttl 300 b "$T_TMP/empty"
exits1_with "a boolean takes no separate value" \
    'Error: roma mount takes exactly two arguments.' \
    "$ROMA" mount -f false b "$T_TMP/empty"
exits1_with "no arguments" 'takes exactly two arguments' "$GOOFYS"
t_check "--help prints the goofys help" bash -c '"$1" --help | grep -q "^   --stat-cache-ttl value"' bash "$GOOFYS"
t_check "roma mount --help lists roma's own flags" bash -c '"$1" mount --help | grep -q -- "--memory-limit"' bash "$ROMA"
t_check "goofys --version" bash -c '"$1" --version 2>&1 | grep -q "^goofys version 0.24.0"' bash "$GOOFYS"
exits1_with "missing mountpoint" 'does-not-exist' \
    "$GOOFYS" bucket "$T_TMP/does-not-exist"
exits1_with "mountpoint is a file" 'not a directory' \
    "$GOOFYS" bucket "$T_TMP/bin/goofys"
t_fail_check "roma umount of a directory that is not mounted fails" \
    "$ROMA" umount "$T_TMP/empty"
t_check "roma umount without arguments is a usage error (2)" \
    bash -c '"$1" umount; [ $? -eq 2 ]' bash "$ROMA"

m_require_fuse "mount daemon and fstab checks"

# shellcheck disable=SC2119 # no --auth
if ! t_start_moto; then
	t_not_ok "moto starts"
	exit 1
fi
t_mkbucket cli-bkt

# --- Daemon mode ------------------------------------------------------------------
exits1_with "daemon: a missing bucket fails with a clear message, exit 1" \
    'bucket no-such-bucket does not exist' \
    "$ROMA" mount --endpoint "$S3_ENDPOINT" no-such-bucket "$T_TMP/empty"
t_fail_check "daemon: nothing is left mounted after the failure" \
    grep -qs " $T_TMP/empty " /proc/mounts
exits1_with "daemon: no credentials fails with a clear message" \
    'credentials' env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY \
    "$ROMA" mount --endpoint "$S3_ENDPOINT" cli-bkt "$T_TMP/empty"

if m_mount daemon cli-bkt; then
	t_ok "daemon: the parent exits 0"
	# The parent returned: the mount must answer right now, no sleep.
	t_check "daemon: mounted when the parent returns" \
	    bash -c 'grep -q " $1 fuse.goofys " /proc/mounts && stat -f -c %T "$1" | grep -qi fuse' bash "$MNT"
	t_check "daemon: a write right after mounting lands in S3" bash -c '
		echo ready >"$1/first" && m_get cli-bkt first | grep -qx ready' bash "$MNT"
	t_check "daemon: mount | grep goofys finds it (the guide's check)" \
	    bash -c 'mount | grep goofys | grep -q "$1"' bash "$MNT"
	t_check "daemon: the pid file names a live daemon" kill -0 "$MPID"
	exits1_with "daemon: mounting on a live mount again is refused" 'busy' \
	    "$ROMA" mount --endpoint "$S3_ENDPOINT" cli-bkt "$MNT"
	t_check "roma umount unmounts" m_umount "$MNT"
	t_check "the daemon exits after the unmount" bash -c '
		for i in $(seq 50); do kill -0 "$1" 2>/dev/null || exit 0; sleep 0.1; done; exit 1' bash "$MPID"
else
	t_not_ok "daemon: the parent exits 0" "$(tail -n 5 "$T_TMP/daemon.log" 2>/dev/null)"
fi

# --- SIGTERM unmounts cleanly ---------------------------------------------------------
if m_mount sigterm cli-bkt; then
	echo data >"$MNT/sigterm-file"
	kill -TERM "$MPID"
	t_check "SIGTERM: the daemon unmounts and exits" bash -c '
		for i in $(seq 100); do
			kill -0 "$1" 2>/dev/null || { ! grep -qs " $2 " /proc/mounts; exit; }
			sleep 0.1
		done; exit 1' bash "$MPID" "$MNT"
	t_check "SIGTERM: what was written is in S3" bash -c 'm_get cli-bkt sigterm-file | grep -qx data'
else
	t_not_ok "SIGTERM: mount"
fi

# --- fstab forms through mount.fuse3 ---------------------------------------------------
if ! command -v mount.fuse3 >/dev/null; then
	t_not_ok "mount.fuse3 is installed (apt-get install fuse3)"
else
	mkdir -p "$T_TMP/fstab1" "$T_TMP/fstab2"
	M_MOUNTS+=("$T_TMP/fstab1" "$T_TMP/fstab2")
	# goofys#bucket /mnt fuse _netdev,allow_other,--file-mode=0666 0 0
	t_check "fstab goofys#bucket form mounts (mount.fuse3)" env PATH="$T_TMP/bin:$PATH" \
	    mount.fuse3 "goofys#cli-bkt" "$T_TMP/fstab1" \
	    -o "_netdev,allow_other,--file-mode=0666,--dir-mode=0777,--endpoint=$S3_ENDPOINT"
	t_check "fstab goofys# form: --file-mode from the options applies" bash -c '
		echo x >"$1/fstab-file" && [ "$(stat -c %a "$1/fstab-file")" = 666 ] &&
		[ "$(stat -c %a "$1")" = 777 ]' bash "$T_TMP/fstab1"
	t_check "fstab goofys# form: allow_other reached the kernel" \
	    bash -c 'grep " $1 " /proc/mounts | grep -q allow_other' bash "$T_TMP/fstab1"
	t_check "fstab goofys# form: unmount" m_umount "$T_TMP/fstab1"
	# bucket /mnt fuse.roma _netdev,... : mount.fuse3 runs `roma bucket /mnt -o ...`
	mkdir -p "$T_TMP/romabin"
	ln -s "$ROMA" "$T_TMP/romabin/roma"
	t_check "fstab fuse.roma form mounts (mount.fuse3 -t fuse.roma)" env PATH="$T_TMP/romabin:$PATH" \
	    mount.fuse3 cli-bkt "$T_TMP/fstab2" -t fuse.roma \
	    -o "_netdev,nofail,ro,--endpoint=$S3_ENDPOINT,--stat-cache-ttl=5m"
	t_check "fstab fuse.roma form: the bucket is there, read-only" bash -c '
		grep -qx data "$1/sigterm-file" && ! touch "$1/ro-file" 2>/dev/null' bash "$T_TMP/fstab2"
	t_check "fstab fuse.roma form: unmount" m_umount "$T_TMP/fstab2"
fi
t_done
