#!/usr/bin/env bash
# The mount under AddressSanitizer and UBSan: the sanitizer build
# (build/dev/roma) serves a representative subset of the POSIX and data
# tests in the foreground, through tests/faultproxy.py in front of moto
# (so an interrupted read and upload run too); then it is unmounted and
# must exit 0 with no sanitizer report and no leak in its stderr.
# shellcheck source=tests/integration/mount_lib.sh
. "$(dirname "$0")/mount_lib.sh"
m_require_fuse "the mount under ASan and UBSan"

DEV=$T_ROOT/build/dev/roma
if [ ! -x "$DEV" ]; then
	t_not_ok "the sanitizer build exists" "run ./build.sh dev first"
	exit 1
fi
# As tests/run.sh sets them, plus reports where this script looks.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export XDG_CACHE_HOME=$T_TMP/cache

# shellcheck disable=SC2119 # no --auth
if ! t_start_moto || ! t_start_proxy "$S3_ENDPOINT"; then
	t_not_ok "moto and the fault proxy start"
	exit 1
fi
export PROXY_ENDPOINT
b=asan-bkt
t_mkbucket $b
head -c 12000000 /dev/urandom >"$T_TMP/f12" # 3 parts of 5 MiB
printf 'old' >"$T_TMP/old"
m_put $b kept "$T_TMP/old"

# The foreground mount, its stderr in a file; wait until it is mounted.
m=$T_TMP/mnt
mkdir -p "$m"
M_MOUNTS+=("$m")
"$DEV" mount -f --endpoint "$PROXY_ENDPOINT" --part-size 5M --max-parallel 4 \
	--stat-cache-ttl 5m --type-cache-ttl 5m $b "$m" 2>"$T_TMP/asan.err" &
pid=$!
for _ in $(seq 300); do
	grep -qs " $m " /proc/mounts && break
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
done
if ! grep -qs " $m " /proc/mounts; then
	t_not_ok "the sanitizer build mounts" "$(tail -n 20 "$T_TMP/asan.err")"
	exit 1
fi
t_ok "the sanitizer build mounts"

# Files: create, overwrite, append, random write, truncate, O_RDWR edit.
printf 'hello\n' >"$m/f1"
t_check "create then read back" [ "$(cat "$m/f1")" = hello ]
printf 'world\n' >"$m/f1"
printf 'more\n' >>"$m/f1"
t_check "overwrite and append" bash -c '[ "$(m_get "$1" f1)" = "$(printf "world\nmore")" ]' bash $b
printf 'abcdefghij' >"$m/rw"
printf 'XY' | dd of="$m/rw" bs=1 seek=3 conv=notrunc status=none
truncate -s 6 "$m/rw"
t_check "write in the middle, then truncate" bash -c '[ "$(m_get "$1" rw)" = abcXYf ]' bash $b
python3 -c '
import os, sys
fd = os.open(sys.argv[1], os.O_RDWR)
os.pwrite(fd, b"W", 0)
os.lseek(fd, 0, os.SEEK_END)
os.write(fd, b"tail")
os.close(fd)' "$m/f1"
t_check "O_RDWR edit" bash -c '[ "$(m_get "$1" f1)" = "$(printf "World\nmore\ntail")" ]' bash $b

# Multipart: a 12 MB file out and back, sequential and random reads.
cp "$T_TMP/f12" "$m/f12"
t_check "a 12 MB multipart upload" m_same "$T_TMP/f12" $b f12
echo 3 >/proc/sys/vm/drop_caches 2>/dev/null
t_check "read back with readahead" cmp "$T_TMP/f12" "$m/f12"
t_check "random reads" m_random_reads "$T_TMP/f12" "$m/f12" 30
t_check "four writers at once" bash -c '
	for i in 1 2 3 4; do head -c 3000000 "$2" >"$1/c$i" & done; wait
	for i in 1 2 3 4; do cmp <(head -c 3000000 "$2") "$1/c$i" || exit 1; done' bash "$m" "$T_TMP/f12"

# Namespace: rename (file, tree, multipart copy), unlink, mkdir, rmdir, ls.
mkdir -p "$m/d1/sub"
printf 'x' >"$m/d1/a"
printf 'y' >"$m/d1/sub/b"
mv "$m/d1" "$m/d2"
mv "$m/f12" "$m/f12-moved"
t_check "rename a tree and a multipart file" bash -c '
	[ "$(cat "$1/d2/a")$(cat "$1/d2/sub/b")" = xy ] && ! m_exists "$2" d1/a &&
	m_same "$3" "$2" f12-moved' bash "$m" $b "$T_TMP/f12"
rm "$m/f12-moved"
t_check "unlink" bash -c '! m_exists "$1" f12-moved' bash $b
mkdir "$m/empty"
t_check "rmdir: ENOTEMPTY, then an empty one" bash -c '
	! rmdir "$1/d2" 2>/dev/null && rmdir "$1/empty"' bash "$m"
for i in 1 2 3; do
	printf '%s' "$i" >"$T_TMP/p"
	m_put $b "tree/d$i/g" "$T_TMP/p"
done
t_check "find and ls -l over objects put through S3" bash -c '
	[ "$(find "$1/tree" | wc -l)" = 7 ] && ls -lR "$1" >/dev/null' bash "$m"
t_check "user.* xattrs round-trip" python3 -c '
import os, sys
os.setxattr(sys.argv[1], "user.color", b"blue")
assert os.getxattr(sys.argv[1], "user.color") == b"blue"
assert "user.color" in os.listxattr(sys.argv[1])
os.removexattr(sys.argv[1], "user.color")' "$m/kept"

# Faults and interrupts: a read interrupted on a stalled GET, an upload
# failing at close, a close interrupted on a held PUT.
t_fault stall:1000:30 method=GET
t_check "Ctrl-C on cat of a stalled file" bash -c '
	echo 3 >/proc/sys/vm/drop_caches 2>/dev/null
	timeout -s INT 2 cat "$1/kept" >/dev/null; [ $? = 124 ]' bash "$m"
t_fault pass
t_check "... then it reads" bash -c '[ "$(cat "$1/kept")" = old ]' bash "$m"
t_fault 500:1000 method=PUT
t_fail_check "an upload error surfaces at close()" cp "$T_TMP/old" "$m/fails"
t_fault hold:1000:30 method=PUT
t_check "Ctrl-C on a held close()" bash -c '
	timeout -s INT 2 cp "$2" "$1/held"; [ $? = 124 ]' bash "$m" "$T_TMP/old"
t_fault pass

# Unmount: the process exits 0, and said nothing of memory or UB.
t_check "unmount" "$ROMA" umount "$m"
wait "$pid"
st=$?
t_check "the sanitizer build exited 0 (status $st)" [ "$st" -eq 0 ]
t_fail_check "no AddressSanitizer, LeakSanitizer or UBSan report" grep -E \
	"ERROR: (Address|Leak)Sanitizer|runtime error:|SUMMARY: " "$T_TMP/asan.err"
if [ "$T_FAILED" -gt 0 ]; then
	sed 's/^/#   /' "$T_TMP/asan.err" | head -n 60
fi
t_done
