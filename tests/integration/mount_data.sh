#!/usr/bin/env bash
# Data paths of a real mount: large files with tiny part sizes (multipart
# upload; multipart copy on moto, s3rver lacks UploadPartCopy, also forced
# below 5 GiB with --copy-threshold 5MiB), concurrent
# writers, a forked child closing a shared descriptor (the upload happens
# when the writer closes), objects changed behind the mount (visible at once
# even with 5m TTLs), the peak RSS under --memory-limit, and the setup
# guide's exact goofys command line.
# shellcheck source=tests/integration/mount_lib.sh
. "$(dirname "$0")/mount_lib.sh"
m_require_fuse "mount data paths"

head -c 23000000 /dev/urandom >"$T_TMP/big"  # 23 MB: 5 parts of 5 MiB
head -c 3000000 /dev/urandom >"$T_TMP/mid"
head -c 12000000 /dev/urandom >"$T_TMP/f12" # 12 MB: 3 parts of 5 MiB
head -c 12000000 /dev/urandom >"$T_TMP/g12"

data_suite() {
	local srv=$1 b=$2 m i
	if ! m_mount "data-$srv" "$b" --part-size 5M --max-parallel 4 \
	    --stat-cache-ttl 5m --type-cache-ttl 5m; then
		t_not_ok "$srv: mount" "$(tail -n 5 "$T_TMP/data-$srv.log" 2>/dev/null)"
		return
	fi
	m=$MNT
	cp "$T_TMP/big" "$m/big"
	t_check "$srv: a 23 MB file is uploaded whole" m_same "$T_TMP/big" "$b" big
	# s3rver gives a completed multipart upload a plain MD5 ETag (it
	# stores the joined parts as one object): the "-N" form is moto's.
	if [ "$srv" = moto ]; then
		t_check "$srv: ... as a multipart upload" bash -c '
			t_curl_s3 -fsSI "$(m_url "$1" big)" | tr -d "\r" | grep -qi "^etag: \"[0-9a-f]*-[0-9]*\""' bash "$b"
	else
		t_ok "$srv: ... as a multipart upload # SKIP $srv's ETags do not show parts"
	fi
	t_check "$srv: read back through the mount" cmp "$T_TMP/big" "$m/big"
	t_check "$srv: random reads return the right bytes" \
	    m_random_reads "$T_TMP/big" "$m/big" 50
	mv "$m/big" "$m/big-renamed"
	t_check "$srv: rename of a multipart file keeps its bytes" m_same "$T_TMP/big" "$b" big-renamed
	t_check "$srv: ... and removes the old key" bash -c '! m_exists "$1" big' bash "$b"
	printf 'appended' >>"$m/big-renamed"
	t_check "$srv: append to a large file" bash -c '
		{ cat "$1"; printf appended; } | cmp -s - <(m_get "$2" big-renamed)' bash "$T_TMP/big" "$b"

	# Concurrent writers: 8 files at once, each intact.  Wait for exactly
	# these jobs: a bare `wait` also waits for the S3 server (t_bg).
	local pids=()
	for i in 1 2 3 4 5 6 7 8; do
		(head -c 2000000 /dev/urandom >"$T_TMP/c$srv$i" && cp "$T_TMP/c$srv$i" "$m/conc$i") &
		pids+=("$!")
	done
	wait "${pids[@]}"
	t_check "$srv: 8 concurrent writers, every object intact" bash -c '
		for i in 1 2 3 4 5 6 7 8; do m_same "$1/c$2$i" "$3" "conc$i" || exit 1; done' bash "$T_TMP" "$srv" "$b"

	# A forked child closing the shared descriptor uploads nothing.
	t_check "$srv: a forked child's close does not upload; the writer's does" python3 -c '
import os, subprocess, sys
path, b = sys.argv[1], sys.argv[2]
def exists():
    return subprocess.run(["bash", "-c", "m_exists \"$0\" forked", b]).returncode == 0
fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
os.write(fd, b"part1 ")
pid = os.fork()
if pid == 0:
    os.close(fd)
    os._exit(0)
os.waitpid(pid, 0)
assert not exists(), "uploaded when the child closed"
os.write(fd, b"part2")
os.close(fd)
out = subprocess.run(["bash", "-c", "m_get \"$0\" forked", b], capture_output=True).stdout
assert out == b"part1 part2", out' "$m/forked" "$b"

	# A dup closed while the writer keeps another: nothing stored yet (a
	# shell's `cmd > f` closes the first descriptor after dup2, and an
	# empty object would show in between); the last close uploads.  With
	# a second open of the file, or only an O_PATH descriptor left, the
	# close is the handle's last and uploads at once.
	t_check "$srv: closing a dup stores nothing; the writer's last close does" python3 -c '
import os, subprocess, sys
m, b = sys.argv[1], sys.argv[2]
def get(k):
    r = subprocess.run(["bash", "-c", "m_get \"$0\" \"$1\"", b, k], capture_output=True)
    return r.stdout if r.returncode == 0 else None
fd = os.open(m + "/dup", os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
d = os.dup(fd)
os.close(fd)
assert get("dup") is None, "stored when a dup closed"
os.write(d, b"via dup")
os.close(d)
assert get("dup") == b"via dup", get("dup")
fd = os.open(m + "/two", os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
r = os.open(m + "/two", os.O_RDONLY)
os.write(fd, b"two opens")
os.close(fd)
assert get("two") == b"two opens", get("two")
os.close(r)
fd = os.open(m + "/opath", os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
p = os.open(m + "/opath", os.O_PATH)
os.write(fd, b"o_path")
os.close(fd)
assert get("opath") == b"o_path", get("opath")
os.close(p)' "$m" "$b"

	# Objects changed behind the mount are seen at once despite 5m TTLs.
	printf 'v1' >"$m/ext"
	cat "$m/ext" >/dev/null
	ls "$m" >/dev/null
	printf 'v2-longer' >"$T_TMP/ext-$srv"
	m_put "$b" ext "$T_TMP/ext-$srv"
	t_check "$srv: an object replaced through S3 reads new at once (5m TTL)" \
	    bash -c '[ "$(cat "$1/ext")" = v2-longer ]' bash "$m"
	printf 'fresh' >"$T_TMP/new-$srv"
	m_put "$b" brand-new "$T_TMP/new-$srv"
	t_check "$srv: a key put right after a listing is readable at once" \
	    bash -c '[ "$(cat "$1/brand-new")" = fresh ]' bash "$m"
	t_curl_s3 -fsS -X DELETE "$(m_url "$b" brand-new)" >/dev/null
	t_check "$srv: an object deleted through S3 is gone on the next open" \
	    bash -c '! cat "$1/brand-new" 2>/dev/null' bash "$m"
	t_check "$srv: unmount" m_umount "$m"
}

# memory_suite SRV BUCKET: --memory-limit is a hard bound on the daemon's
# buffers: its peak RSS (VmHWM) stays under the limit plus the binary's own
# fixed needs (libfuse's request buffers, curl's; M_FIXED_MIB), with
# concurrent multipart writers and readers pressing on it.  No staging dir,
# so nothing can move to disk (8 writers: fewer than libfuse's 10 workers,
# or writers waiting for memory could hold them all).
M_LIMIT_MIB=16
M_FIXED_MIB=12
memory_suite() {
	local srv=$1 b=$2 m i hwm pids=()
	if ! m_mount "mem-$srv" "$b" --memory-limit "${M_LIMIT_MIB}M" --part-size 8M \
	    --staging-dir=; then
		t_not_ok "$srv: mount with --memory-limit" "$(tail -n 5 "$T_TMP/mem-$srv.log" 2>/dev/null)"
		return
	fi
	m=$MNT
	for i in 1 2 3 4 5 6 7 8; do
		cp "$T_TMP/big" "$m/mem$i" &
		pids+=("$!")
	done
	wait "${pids[@]}"
	t_check "$srv: 8 writers of 23 MB under a 16 MiB limit, every object intact" bash -c '
		for i in 1 2 3 4 5 6 7 8; do m_same "$1" "$2" "mem$i" || exit 1; done' bash "$T_TMP/big" "$b"
	t_check "$srv: 4 readers under the limit, every byte right" bash -c '
		p=(); for i in 1 2 3 4; do cmp "$1" "$2/mem$i" & p+=("$!"); done
		for j in "${p[@]}"; do wait "$j" || exit 1; done' bash "$T_TMP/big" "$m"
	hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$MPID/status")
	t_check "$srv: peak RSS ${hwm:-?} KiB within the limit + ${M_FIXED_MIB} MiB" \
	    test "${hwm:-999999999}" -le $(((M_LIMIT_MIB + M_FIXED_MIB) * 1024))
	t_check "$srv: unmount (memory)" m_umount "$m"
}

# copy_suite SRV BUCKET: rename by multipart copy (UploadPartCopy) with a
# tiny --copy-threshold, so CI runs it without a 5 GiB file (moto only).
copy_suite() {
	local srv=$1 b=$2 m want
	if ! m_mount "copy-$srv" "$b" --copy-threshold 5MiB --part-size 5MiB; then
		t_not_ok "$srv: mount with --copy-threshold" "$(tail -n 5 "$T_TMP/copy-$srv.log" 2>/dev/null)"
		return
	fi
	m=$MNT
	want=$(sha256sum <"$T_TMP/f12" | cut -d' ' -f1)
	mkdir -p "$m/cp-src" "$m/cp-dst"
	cp "$T_TMP/f12" "$m/cp-src/f12"
	t_check "$srv: mv of a 12 MB file to another directory" mv "$m/cp-src/f12" "$m/cp-dst/f12"
	t_check "$srv: ... same sha256 through the mount" bash -c '
		[ "$(sha256sum <"$1" | cut -d" " -f1)" = "$2" ]' bash "$m/cp-dst/f12" "$want"
	t_check "$srv: ... same sha256 through the S3 API" bash -c '
		[ "$(m_get "$1" cp-dst/f12 | sha256sum | cut -d" " -f1)" = "$2" ]' bash "$b" "$want"
	t_check "$srv: ... the old key is gone" bash -c '! m_exists "$1" cp-src/f12' bash "$b"
	t_check "$srv: ... and not listed" bash -c '[ -z "$(ls -A "$1/cp-src")" ]' bash "$m"
	# Put as one PUT (a plain MD5 ETag): after the rename, a "-3" ETag
	# proves the copy was multipart (3 parts of 5 MiB), not CopyObject.
	m_put "$b" cp-src/g12 "$T_TMP/g12"
	t_check "$srv: mv of an object put through S3" mv "$m/cp-src/g12" "$m/cp-dst/g12"
	t_check "$srv: ... copied by UploadPartCopy in 3 parts" bash -c '
		t_curl_s3 -fsSI "$(m_url "$1" cp-dst/g12)" | tr -d "\r" | grep -qi "^etag: \"[0-9a-f]*-3\""' bash "$b"
	t_check "$srv: ... its bytes intact, the old key gone" bash -c '
		m_same "$1" "$2" cp-dst/g12 && ! m_exists "$2" cp-src/g12 && cmp -s "$1" "$3"' bash "$T_TMP/g12" "$b" "$m/cp-dst/g12"
	t_check "$srv: unmount (copy)" m_umount "$m"
}

# shellcheck disable=SC2119 # no --auth
if t_start_moto; then
	t_mkbucket data-moto
	data_suite moto data-moto
	copy_suite moto data-moto
else
	t_not_ok "moto starts"
fi

if t_start_s3rver; then
	t_mkbucket data-s3rver
	data_suite s3rver data-s3rver
	t_mkbucket mem-s3rver
	memory_suite s3rver mem-s3rver

	# The guide's exact command line, through a `goofys` link, plus --endpoint.
	mkdir -p "$T_TMP/bin" "$T_TMP/guide"
	ln -s "$ROMA" "$T_TMP/bin/goofys"
	M_MOUNTS+=("$T_TMP/guide")
	t_mkbucket guide-bkt
	if "$T_TMP/bin/goofys" --endpoint "$S3_ENDPOINT" --region us-east-1 \
	    --stat-cache-ttl 5m --type-cache-ttl 5m --max-idle-handles 1000 \
	    --dir-mode 0755 --file-mode 0644 guide-bkt "$T_TMP/guide" 2>"$T_TMP/guide.err"; then
		t_ok "the guide's goofys command line mounts"
		t_check "guide: --max-idle-handles only warns" grep -q 'max-idle-handles' "$T_TMP/guide.err"
		t_check "guide: write, read, list at once" bash -c '
			mkdir -p "$1/executions/e1/logs" && echo test >"$1/executions/e1/logs/test.txt" &&
			[ "$(cat "$1/executions/e1/logs/test.txt")" = test ] && ls -la "$1/executions/" | grep -q e1' bash "$T_TMP/guide"
		ls "$T_TMP/guide" >/dev/null
		m_put guide-bkt after-listing "$T_TMP/mid"
		t_check "guide: a file put through S3 right after a listing is readable" \
		    cmp "$T_TMP/mid" "$T_TMP/guide/after-listing"
		t_check "guide: modes are 0755/0644" bash -c '
			[ "$(stat -c %a "$1/executions")" = 755 ] && [ "$(stat -c %a "$1/after-listing")" = 644 ]' bash "$T_TMP/guide"
		t_check "guide: unmount" m_umount "$T_TMP/guide"
	else
		t_not_ok "the guide's goofys command line mounts" "$(cat "$T_TMP/guide.err")"
	fi
else
	t_not_ok "s3rver starts"
fi
t_done
