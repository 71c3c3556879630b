#!/usr/bin/env bash
# bench/mount.sh [FS...] - goofys's benchmark suite (bench/bench.sh in the
# goofys repository) on FUSE mounts of a local s3rver: roma, Debian's s3fs,
# rclone, and goofys when GOOFYS names a binary.  FS defaults to all of them
# (roma s3fs rclone [goofys]).
#
# Operations, as goofys times them: create 100 files (one by one, then in
# parallel), unlink them (both ways), `ls` of 1000 files on a fresh mount,
# `find` over a 9x9x9 tree (820 entries), write 1 GB of pseudo-random data
# (generation included, as goofys does), read it back (md5 checked), and
# the time to the first byte.  Plus, counted on the server side through
# tests/faultproxy.py in pass mode: S3 requests per operation; and the
# mount process's peak RSS (VmHWM).  The raw server (curl PUT/GET of the
# same bytes) gives the ceiling for the 1 GB rows.
#
# Environment:
#   BENCH_MOUNT_MB    size of the large file, MB of 10^6 bytes (1000)
#   BENCH_FILES       files created and unlinked (100)
#   BENCH_LS          files in the ls test (1000)
#   BENCH_ITER        iterations of each operation (3; goofys uses 10)
#   BENCH_TIMEOUT     seconds allowed for one operation (600)
#   BENCH_OUT         the Markdown file written (bench/results/mount.md)
#   ROMA              the roma binary (build/roma); ROMA_ARGS extra flags
#   GOOFYS            a goofys binary to compare with (optional)
# A quick run: BENCH_MOUNT_MB=100 BENCH_LS=200 BENCH_ITER=1 bench/mount.sh
# shellcheck disable=SC2317,SC2012 # operations run through timeout bash -c
set -u
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh

MB=${BENCH_MOUNT_MB:-1000}
NFILES=${BENCH_FILES:-100}
NLS=${BENCH_LS:-1000}
ITER=${BENCH_ITER:-3}
TMO=${BENCH_TIMEOUT:-600}
OUT=${BENCH_OUT:-$T_ROOT/bench/results/mount.md}
read -r -a ROMA_EXTRA <<<"${ROMA_ARGS:-}"
FSES=("$@")
if [ ${#FSES[@]} -eq 0 ]; then
	FSES=(roma s3fs rclone)
	[ -n "${GOOFYS:-}" ] && FSES+=(goofys)
fi
RES=$T_TMP/results.tsv # fs op iter seconds requests
: >"$RES"
FAILED=0
FSPID=

say() {
	printf 'bench: %s\n' "$*" >&2
}

need_pkg() {
	command -v "$1" >/dev/null && return 0
	say "installing $2"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null 2>&1
}

now() {
	date +%s.%N
}

drop_caches() {
	sync
	echo 3 >/proc/sys/vm/drop_caches 2>/dev/null
	sleep 1
}

# --- server, proxy, buckets ----------------------------------------------------------
t_start_s3rver || exit 1
RAW=$S3_ENDPOINT
t_start_proxy "$RAW" pass || exit 1
EP=$PROXY_ENDPOINT
printf '%s:%s\n' "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY" >"$T_TMP/passwd"
chmod 600 "$T_TMP/passwd"

# --- mounting each file system -------------------------------------------------------
# fs_mount FS BUCKET DIR: start FS in the foreground (background job), wait
# until DIR is in /proc/mounts; FSPID is its process.
fs_mount() {
	local fs=$1 b=$2 dir=$3 i
	mkdir -p "$dir"
	case $fs in
	roma)
		"$ROMA" mount -f --stat-cache-ttl 1s --type-cache-ttl 1s \
		    --endpoint "$EP" "${ROMA_EXTRA[@]}" "$b" "$dir" 2>>"$T_TMP/$fs.log" &
		;;
	goofys)
		"$GOOFYS" -f --stat-cache-ttl 1s --type-cache-ttl 1s \
		    --endpoint "$EP" "$b" "$dir" 2>>"$T_TMP/$fs.log" &
		;;
	s3fs)
		s3fs "$b" "$dir" -f -o url="$EP" -o use_path_request_style \
		    -o stat_cache_expire=1 -o passwd_file="$T_TMP/passwd" \
		    2>>"$T_TMP/$fs.log" &
		;;
	rclone)
		env -u AWS_CA_BUNDLE rclone mount ":s3:$b" "$dir" --s3-provider Other \
		    --s3-endpoint "$EP" --s3-force-path-style --s3-env-auth \
		    --vfs-cache-mode off --dir-cache-time 1s --attr-timeout 1s \
		    2>>"$T_TMP/$fs.log" &
		;;
	esac
	FSPID=$!
	for i in $(seq 300); do
		grep -qs " $dir " /proc/mounts && return 0
		kill -0 "$FSPID" 2>/dev/null || break
		sleep 0.1
	done
	say "$fs did not mount: $(tail -n 3 "$T_TMP/$fs.log")"
	return 1
}

fs_umount() {
	local dir=$1 i
	fusermount3 -u "$dir" 2>/dev/null || umount "$dir" 2>/dev/null ||
	    umount -l "$dir" 2>/dev/null
	for i in $(seq 100); do
		kill -0 "$FSPID" 2>/dev/null || return 0
		sleep 0.1
	done
	kill "$FSPID" 2>/dev/null
}

RSS=0
note_rss() {
	local r
	r=$(awk '/^VmHWM:/ { print $2 }' "/proc/$FSPID/status" 2>/dev/null)
	[ -n "$r" ] && [ "$r" -gt "$RSS" ] && RSS=$r
}

# timed FS OP ITER CMD...: run CMD (under the timeout), record the seconds
# and the requests the proxy forwarded meanwhile.
timed() {
	local fs=$1 op=$2 it=$3 t0 t1 n
	shift 3
	t_fault_clear
	t0=$(now)
	if ! timeout "$TMO" bash -c '"$@"' bash "$@"; then
		say "$fs: $op failed"
		FAILED=1
		return 1
	fi
	t1=$(now)
	n=$(t_fault_log | wc -l)
	note_rss
	printf '%s\t%s\t%s\t%s\t%s\n' "$fs" "$op" "$it" \
	    "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", b - a }')" "$n" >>"$RES"
}

# --- goofys's operations (bench/bench.sh) ----------------------------------------------
create_files() {
	local i
	for i in $(seq "$NFILES"); do echo "$i" >"file$i"; done
}
rm_files() {
	local i
	for i in $(seq "$NFILES"); do rm "file$i"; done
}
# The parallel steps run in a subshell so `wait` waits for their own jobs,
# not for the servers and daemons this script started in the background.
create_files_parallel() (
	local i
	for i in $(seq "$NFILES"); do echo "$i" >"file$i" & done
	wait
)
rm_files_parallel() (
	local i
	for i in $(seq "$NFILES"); do rm "file$i" & done
	wait
)
create_n_parallel() (
	local i
	for i in $(seq "$1"); do echo "$i" >"ls$i" & done
	wait
)
ls_files() {
	[ "$(ls -1 --color=always | wc -l)" -eq "$1" ]
}
create_tree_parallel() (
	local i j k
	for i in $(seq 9); do
		mkdir "$i"
		for j in $(seq 9); do
			mkdir "$i/$j"
			for k in $(seq 9); do touch "$i/$j/$k" & done
		done
	done
	wait
)
find_files() {
	[ "$(find . | wc -l)" -eq 820 ]
}
write_md5() {
	head -c "$((MB * 1000000))" /dev/zero |
	    openssl enc -aes-256-ctr -pbkdf2 -pass pass:roma-bench -nosalt 2>/dev/null |
	    tee >(md5sum | cut -d' ' -f1 >"$T_TMP/md5.write") |
	    dd of=largefile bs=1M status=none
	sync
}
read_md5() {
	[ "$(md5sum <largefile | cut -d' ' -f1)" = "$(cat "$T_TMP/md5.write")" ]
}
read_first_byte() {
	dd if=largefile of=/dev/null bs=1 count=1 status=none
}

# fresh_run FS BUCKET DIR SUBDIR OP ITER CMD...: mount, time CMD in SUBDIR,
# unmount.
fresh_run() {
	local fs=$1 b=$2 dir=$3 sub=$4 op=$5 it=$6
	shift 6
	fs_mount "$fs" "$b" "$dir" || { FAILED=1; return 1; }
	cd "$dir/$sub" || return 1
	timed "$fs" "$op" "$it" "$@"
	cd "$T_ROOT" || return 1
	fs_umount "$dir"
}

export MB NFILES T_TMP
export -f create_files rm_files create_files_parallel rm_files_parallel \
    create_n_parallel ls_files create_tree_parallel find_files write_md5 \
    read_md5 read_first_byte

run_fs() {
	local fs=$1 b=bench-$1 dir=$T_TMP/mnt-$1 it
	RSS=0
	curl -fsS -X PUT "$RAW/$b" >/dev/null || { say "cannot create $b"; return 1; }
	fs_mount "$fs" "$b" "$dir" || { FAILED=1; return 1; }
	mkdir -p "$dir/test_dir"
	cd "$dir/test_dir" || return 1
	for it in $(seq "$ITER"); do
		say "$fs: round $it"
		drop_caches
		timed "$fs" create "$it" create_files
		timed "$fs" rm "$it" rm_files
		timed "$fs" create_parallel "$it" create_files_parallel
		timed "$fs" rm_parallel "$it" rm_files_parallel
	done
	timed "$fs" setup_ls 0 create_n_parallel "$NLS"
	mkdir -p ../tree && cd ../tree || return 1
	timed "$fs" setup_tree 0 create_tree_parallel
	cd "$T_ROOT" || return 1
	fs_umount "$dir"
	# Each ls and find on a fresh mount (cold caches), as goofys's ls_ls.
	for it in $(seq "$ITER"); do
		fresh_run "$fs" "$b" "$dir" test_dir ls "$it" ls_files "$NLS" || return 1
		fresh_run "$fs" "$b" "$dir" tree find "$it" find_files || return 1
	done
	fs_mount "$fs" "$b" "$dir" || { FAILED=1; return 1; }
	cd "$dir/test_dir" || return 1
	for it in $(seq "$ITER"); do
		drop_caches
		timed "$fs" write "$it" write_md5
		drop_caches
		timed "$fs" read "$it" read_md5
		drop_caches
		timed "$fs" ttfb "$it" read_first_byte
	done
	cd "$T_ROOT" || return 1
	note_rss
	printf '%s\trss\t0\t%s\t0\n' "$fs" "$RSS" >>"$RES"
	fs_umount "$dir"
}

# The ceiling: the raw server, one unsigned PUT and one GET of the same size.
run_raw() {
	local it
	head -c "$((MB * 1000000))" /dev/zero |
	    openssl enc -aes-256-ctr -pbkdf2 -pass pass:roma-bench -nosalt 2>/dev/null \
	    >"$T_TMP/raw"
	curl -fsS -X PUT "$RAW/bench-raw" >/dev/null
	for it in $(seq "$ITER"); do
		timed raw write "$it" curl -fsS -T "$T_TMP/raw" "$EP/bench-raw/largefile" -o /dev/null
		timed raw read "$it" sh -c 'curl -fsS "$1" | md5sum >/dev/null' sh "$EP/bench-raw/largefile"
	done
	rm -f "$T_TMP/raw"
}

for fs in "${FSES[@]}"; do
	case $fs in
	roma) [ -x "$ROMA" ] || { say "no $ROMA"; continue; } ;;
	s3fs) need_pkg s3fs s3fs || { say "s3fs unavailable"; continue; } ;;
	rclone) need_pkg rclone rclone || { say "rclone unavailable"; continue; } ;;
	goofys) [ -x "${GOOFYS:-}" ] || { say "GOOFYS is not a binary"; continue; } ;;
	*) echo "bench/mount.sh: unknown file system $fs" >&2; exit 2 ;;
	esac
	run_fs "$fs"
done
run_raw

# --- the table -------------------------------------------------------------------------------
python3 - "$RES" "$OUT" "$MB" "$NFILES" "$NLS" "$ITER" "${FSES[*]}" <<'PY'
import statistics, sys
res, out, mb, nfiles, nls, it, fses = sys.argv[1:]
fses = fses.split() + ["raw"]
rows = {}
for line in open(res):
    fs, op, i, sec, req = line.rstrip("\n").split("\t")
    rows.setdefault((fs, op), []).append((float(sec), int(req)))
ops = [("create", f"Create {nfiles} files", int(nfiles)),
       ("create_parallel", f"Create {nfiles} files (parallel)", int(nfiles)),
       ("rm", f"Unlink {nfiles} files", int(nfiles)),
       ("rm_parallel", f"Unlink {nfiles} files (parallel)", int(nfiles)),
       ("ls", f"ls with {nls} files", 1),
       ("find", "find with 820 entries", 1),
       ("write", f"Write {mb} MB", 1),
       ("read", f"Read {mb} MB", 1),
       ("ttfb", "Time to 1st byte", 1)]
have = [f for f in fses if any(k[0] == f for k in rows)]
def cell(fs, op):
    v = rows.get((fs, op))
    if not v:
        return "n/a"
    s = [x[0] for x in v]
    m = statistics.mean(s)
    if len(s) > 2:
        sd = statistics.pstdev(s)
        s = [x for x in s if abs(x - m) <= 2 * sd] or s
        m = statistics.mean(s)
    return f"{m:.3f} ({min(s):.3f}-{max(s):.3f})" if len(s) > 1 else f"{m:.3f}"
def reqs(fs, op, per):
    v = rows.get((fs, op))
    if not v:
        return "n/a"
    r = statistics.median(x[1] for x in v)
    return f"{r / per:.2f}" if per > 1 else f"{r:.0f}"
lines = [f"# Mount benchmark (goofys's suite) against s3rver on loopback",
         "", f"Seconds, mean (min-max) of {it} round(s); 1 MB = 10^6 bytes.", "",
         "| operation | " + " | ".join(have) + " |",
         "|---|" + "---|" * len(have)]
for op, label, _ in ops:
    lines.append(f"| {label} | " + " | ".join(cell(f, op) for f in have) + " |")
lines += ["", "S3 requests per operation (per file for create/unlink), counted by the proxy:", "",
          "| operation | " + " | ".join(have) + " |", "|---|" + "---|" * len(have)]
for op, label, per in ops:
    lines.append(f"| {label} | " + " | ".join(reqs(f, op, per) for f in have) + " |")
lines += ["", "| peak RSS of the mount process (VmHWM) | " +
          " | ".join(f"{int(rows[(f, 'rss')][0][0]) // 1024} MiB" if (f, 'rss') in rows else "n/a"
                     for f in have) + " |"]
text = "\n".join(lines) + "\n"
open(out, "w").write(text)
print(text)
PY
exit "$FAILED"
