#!/usr/bin/env bash
# bench/mount.sh [FS...] - goofys's benchmark suite (bench/bench.sh in the
# goofys repository) on FUSE mounts of a local s3rver: roma, Debian's s3fs,
# rclone, and goofys when GOOFYS names a binary.  FS defaults to all of them
# (roma s3fs rclone [goofys]).
#
# Operations, as goofys times them: create 100 files (one by one, then in
# parallel), unlink them (both ways), `ls` of 1000 files on a fresh mount,
# `find` over a 9x9x9 tree (820 entries), write 1 GB of pseudo-random data
# (generation and md5 included, as goofys does), read it back (md5
# checked), and the time to the first byte.  Plus, counted on the server
# side through tests/faultproxy.py in pass mode: S3 requests per operation;
# and the mount process's peak RSS (VmHWM).
#
# Beside the file systems, the 1 GB rows have columns without FUSE, to show
# where the time goes (see bench/README.md): raw (curl PUT of a local file,
# curl GET into md5sum), raw mpu (curl, a multipart upload of that file in
# 8 MiB parts, 8 at a time), s3 cp (`roma s3 cp` of that file, and to stdout
# into md5sum), gen+s3 cp (the file systems' generator piped into
# `roma s3 cp -`) and local (the generator alone; md5sum of the local file).
#
# Environment:
#   BENCH_MOUNT_MB    size of the large file, MB of 10^6 bytes (1000)
#   BENCH_FILES       files created and unlinked (100)
#   BENCH_LS          files in the ls test (1000)
#   BENCH_ITER        iterations of each operation (3; goofys uses 10)
#   BENCH_TIMEOUT     seconds allowed for one operation (600)
#   BENCH_ONLY        groups to run, of: files (create, unlink), ls, find,
#                     big (write, read, first byte, and the columns without
#                     FUSE), raw (only the columns without FUSE); default
#                     all.  E.g. BENCH_ONLY="files ls find"
#   BENCH_LATENCY_MS  delay added to every request on its way to the server,
#                     as S3's round trip would (0: none; loopback has none).
#                     A small forwarder before s3rver waits that long before
#                     passing on each request's first bytes
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
ONLY=${BENCH_ONLY:-files ls find big}
LATENCY=${BENCH_LATENCY_MS:-0}
OUT=${BENCH_OUT:-$T_ROOT/bench/results/mount.md}
read -r -a ROMA_EXTRA <<<"${ROMA_ARGS:-}"
FSES=("$@")
if [ ${#FSES[@]} -eq 0 ]; then
	FSES=(roma s3fs rclone)
	[ -n "${GOOFYS:-}" ] && FSES+=(goofys)
fi
RES=$T_TMP/results.tsv # fs op iter seconds requests ("fail" for seconds)
NOTES=$T_TMP/notes     # lines for the table's footnotes
: >"$RES"
: >"$NOTES"
FAILED=0
FSPID=

say() {
	printf 'bench: %s\n' "$*" >&2
}

read -r -a ONLY_G <<<"${ONLY//,/ }"
for g in "${ONLY_G[@]}"; do
	case $g in
	files | ls | find | big | create | create_parallel | rm | rm_parallel | \
	    write | read | ttfb | raw) ;;
	*) echo "bench/mount.sh: unknown BENCH_ONLY group $g (files ls find big raw)" >&2; exit 2 ;;
	esac
done

# want GROUP: whether BENCH_ONLY selects it (operation names work too).
want() {
	local g
	for g in "${ONLY_G[@]}"; do
		case $g in
		create | create_parallel | rm | rm_parallel | seen) g=files ;;
		write | write_file | read | ttfb) g=big ;;
		esac
		[ "$g" = "$1" ] && return 0
	done
	return 1
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

loadavg() {
	cut -d' ' -f1-3 /proc/loadavg
}
LOAD0=$(loadavg)
DATE0=$(date -u '+%Y-%m-%d %H:%M')

# --- server, proxy, buckets ----------------------------------------------------------
# start_delay UPSTREAM-PORT: a TCP forwarder that holds each request's
# first bytes LATENCY ms (the first bytes from the client after the server
# last spoke), on port DPORT.
start_delay() {
	local port
	port=$(t_free_port)
	DPORT=$port
	t_bg python3 -c '
import socket, sys, threading, time
lport, uport, delay = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]) / 1e3

def pump(src, dst, st, up):
    try:
        while True:
            b = src.recv(1 << 16)
            if not b:
                break
            if up and st["replied"]:
                st["replied"] = False
                time.sleep(delay)
            elif not up:
                st["replied"] = True
            dst.sendall(b)
    except OSError:
        pass
    for s in (src, dst):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

def serve(c):
    try:
        u = socket.create_connection(("127.0.0.1", uport))
    except OSError:
        c.close()
        return
    for s in (c, u):
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    st = {"replied": True}
    threading.Thread(target=pump, args=(c, u, st, True), daemon=True).start()
    pump(u, c, st, False)

ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", lport))
ls.listen(256)
while True:
    c, _ = ls.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
' "$port" "$1" "$LATENCY" >"$T_TMP/delay.log" 2>&1
	t_wait_port "$port" 20
}

t_start_s3rver || exit 1
RAW=$S3_ENDPOINT
UP=$RAW
if [ "$LATENCY" != 0 ]; then
	start_delay "${RAW##*:}" || { say "the delay forwarder did not start"; exit 1; }
	UP=http://127.0.0.1:$DPORT
fi
t_start_proxy "$UP" pass || exit 1
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
		    --endpoint "$EP" "${ROMA_EXTRA[@]}" "$b" "$dir" >>"$T_TMP/$fs.log" 2>&1 &
		;;
	goofys)
		"$GOOFYS" -f --stat-cache-ttl 1s --type-cache-ttl 1s \
		    --endpoint "$EP" "$b" "$dir" >>"$T_TMP/$fs.log" 2>&1 &
		;;
	s3fs)
		s3fs "$b" "$dir" -f -o url="$EP" -o use_path_request_style \
		    -o stat_cache_expire=1 -o passwd_file="$T_TMP/passwd" \
		    >>"$T_TMP/$fs.log" 2>&1 &
		;;
	rclone)
		env -u AWS_CA_BUNDLE rclone mount ":s3:$b" "$dir" --s3-provider Other \
		    --s3-endpoint "$EP" --s3-force-path-style --s3-env-auth \
		    --vfs-cache-mode off --dir-cache-time 1s --attr-timeout 1s \
		    >>"$T_TMP/$fs.log" 2>&1 &
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

# failed FS OP ITER WHY: record a failed operation (its cell says FAIL).
failed() {
	say "$1: $2 failed${4:+: $4}"
	FAILED=1
	printf '%s\t%s\t%s\tfail\t0\n' "$1" "$2" "$3" >>"$RES"
}

# timed FS OP ITER CMD...: run CMD (under the timeout), record the seconds
# and the requests the proxy forwarded meanwhile.
timed() {
	local fs=$1 op=$2 it=$3 t0 t1 n
	shift 3
	t_fault_clear
	t0=$(now)
	if ! timeout "$TMO" bash -c '"$@"' bash "$@"; then
		failed "$fs" "$op" "$it"
		return 1
	fi
	t1=$(now)
	n=$(t_fault_log | wc -l)
	[ -n "$FSPID" ] && note_rss
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
# Not goofys's: how long a listing hides a name.  After `ls` of the
# directory (outside the timing) a key is put beside the mount, through the
# S3 API; then `stat` through the mount, every 10 ms, until it answers.
seen_prep() {
	ls >/dev/null && curl -fsS -T /etc/hostname "$EP/$1/test_dir/$2" -o /dev/null
}
seen_poll() {
	local i
	for i in $(seq 1000); do
		stat "$1" >/dev/null 2>&1 && return 0
		sleep 0.01
	done
	return 1
}
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
# The data: MB x 10^6 bytes of AES-CTR keystream, the same every time.
gen_data() {
	head -c "$((MB * 1000000))" /dev/zero |
	    openssl enc -aes-256-ctr -pbkdf2 -pass pass:roma-bench -nosalt 2>/dev/null
}
# gen_md5 CMD...: the data into CMD (its stdin), its md5 into md5.write;
# returns once both are done (the md5sum in the process substitution is
# not the shell's child: wait for its file).
gen_md5() {
	rm -f "$T_TMP/md5.write"
	gen_data | tee >(md5sum | cut -d' ' -f1 >"$T_TMP/md5.tmp" &&
	    mv "$T_TMP/md5.tmp" "$T_TMP/md5.write") | "$@" || return 1
	while [ ! -s "$T_TMP/md5.write" ]; do sleep 0.01; done
}
write_md5() {
	gen_md5 dd of=largefile bs=1M status=none || return 1
	sync
}
# The same bytes from a local file already in the page cache: the file
# system's share of a write, without the generator's CPU (the columns raw,
# raw mpu and s3 cp write this file too).
write_file() {
	dd if="$T_TMP/raw" of=largefile bs=1M status=none || return 1
	sync
}
read_md5() {
	[ "$(md5sum <largefile | cut -d' ' -f1)" = "$(cat "$T_TMP/md5.write")" ]
}
read_first_byte() {
	dd if=largefile of=/dev/null bs=1 count=1 status=none
}

# --- the columns without FUSE --------------------------------------------------------
# local: the generator alone, and md5sum of the data from the page cache.
local_gen() {
	gen_md5 cat >/dev/null
}
local_md5() {
	[ "$(md5sum <"$T_TMP/raw" | cut -d' ' -f1)" = "$(cat "$T_TMP/md5.raw")" ]
}
# raw: curl, one unsigned PUT of the local file, one GET into md5sum.
raw_put() {
	curl -fsS -T "$T_TMP/raw" "$EP/bench-raw/largefile" -o /dev/null
}
raw_get_md5() {
	[ "$(curl -fsS "$EP/bench-raw/largefile" | md5sum | cut -d' ' -f1)" = \
	    "$(cat "$T_TMP/md5.raw")" ]
}
# raw mpu: curl, a multipart upload of the same file, split beforehand into
# 8 MiB parts (roma s3 cp's default) sent 8 at a time: the ceiling for any
# client that streams a file of unknown size, since s3rver reads and copies
# every part again at completion, which one PUT does not pay.
raw_mpu_put() {
	local id url=$EP/bench-raw/mpu
	id=$(curl -fsS -X POST "$url?uploads" |
	    sed -n 's:.*<UploadId>\([^<]*\)</UploadId>.*:\1:p') && [ -n "$id" ] || return 1
	find "$T_TMP/parts" -type f -name 'p*' ! -name '*.h' -printf '%f\n' |
	    xargs -P 8 -I{} bash -c 'curl -fsS -T "$1/$2" -D "$1/$2.h" -o /dev/null \
	        "$3?partNumber=$((10#${2#p} + 1))&uploadId=$4"' _ "$T_TMP/parts" {} "$url" "$id" ||
	    return 1
	raw_mpu_xml | curl -fsS -X POST --data-binary @- "$url?uploadId=$id" |
	    grep -q CompleteMultipartUploadResult
}
# The completion's body, from the ETags each part's reply headers gave.
raw_mpu_xml() {
	local h n
	echo "<CompleteMultipartUpload>"
	for h in "$T_TMP"/parts/p*.h; do
		n=${h##*/p}
		printf '<Part><PartNumber>%d</PartNumber><ETag>%s</ETag></Part>\n' \
		    $((10#${n%.h} + 1)) "$(tr -d '\r' <"$h" | sed -n 's/^[Ee][Tt][Aa][Gg]: *//p')"
	done
	echo "</CompleteMultipartUpload>"
}
# Two bytes: s3rver 3.7.1 sends the whole object for "bytes=0-0" (it reads
# an end of 0 as none).
raw_first_byte() {
	curl -fsS -r 0-1 "$EP/bench-raw/largefile" -o /dev/null
}
# s3 cp: roma's own client (signed, multipart, parallel) without FUSE.
s3cp_put() {
	"$ROMA" s3 cp --quiet --no-progress --endpoint "$EP" "$T_TMP/raw" \
	    s3://bench-raw/s3cp
}
s3cp_get_md5() {
	[ "$("$ROMA" s3 cp --quiet --no-progress --endpoint "$EP" \
	    s3://bench-raw/s3cp - | md5sum | cut -d' ' -f1)" = "$(cat "$T_TMP/md5.raw")" ]
}
# gen+s3 cp: what a file system's write row does, minus FUSE.
gen_s3cp_put() {
	gen_md5 "$ROMA" s3 cp --quiet --no-progress --endpoint "$EP" - \
	    s3://bench-raw/pipe
}

export MB NFILES T_TMP EP ROMA
export -f create_files rm_files create_files_parallel rm_files_parallel \
    create_n_parallel seen_poll ls_files create_tree_parallel find_files gen_data \
    gen_md5 write_md5 write_file read_md5 read_first_byte local_gen local_md5 raw_put \
    raw_mpu_put raw_mpu_xml raw_get_md5 raw_first_byte s3cp_put s3cp_get_md5 gen_s3cp_put

# fresh_run FS BUCKET DIR SUBDIR OP ITER CMD...: mount, time CMD in SUBDIR,
# unmount.  A SUBDIR that is not there is this operation's failure only.
fresh_run() {
	local fs=$1 b=$2 dir=$3 sub=$4 op=$5 it=$6 r=0
	shift 6
	fs_mount "$fs" "$b" "$dir" || { failed "$fs" "$op" "$it" "no mount"; return 1; }
	if cd "$dir/$sub"; then
		timed "$fs" "$op" "$it" "$@" || r=1
	else
		failed "$fs" "$op" "$it" "$sub is not visible"
		r=1
	fi
	cd "$T_ROOT" || exit 1
	fs_umount "$dir"
	return "$r"
}

# tree_dirs: the directories of the find tree, as keys ("tree/1/2/").
tree_dirs() {
	local i j
	echo tree/
	for i in $(seq 9); do
		echo "tree/$i/"
		for j in $(seq 9); do echo "tree/$i/$j/"; done
	done
}

# add_markers FS BUCKET: s3rver 3.7.1 leaves a common prefix out of a
# delimiter listing when every key under it is two or more levels deeper
# (its directory walk prunes them: listObjects in lib/stores/filesystem.js),
# so a tree stored without directory markers, as rclone stores it, cannot be
# seen from its root on this server although S3 would list it.  Add the
# marker objects roma and s3fs create anyway, outside the timing, so that
# every file system's find walks the same keys.
add_markers() {
	local fs=$1 b=$2 d n=0
	for d in $(tree_dirs); do
		curl -fsS -o /dev/null -I "$RAW/$b/$d" 2>/dev/null && continue
		curl -fsS -o /dev/null -X PUT --data-binary '' "$RAW/$b/$d" || return 1
		n=$((n + 1))
	done
	[ "$n" -eq 0 ] && return 0
	say "$fs: added $n directory markers to its find tree"
	echo "- $fs stores no directory markers: the script added $n (\`tree/\`, \`tree/i/\`, \`tree/i/j/\`, empty) after it made the find tree, because s3rver 3.7.1 does not list implicit directories two levels down; its find then walks the same keys as the others'." >>"$NOTES"
}

# The files rows: create and unlink, one by one and in parallel.
run_files() {
	local fs=$1 it
	for it in $(seq "$ITER"); do
		say "$fs: round $it"
		drop_caches
		timed "$fs" create "$it" create_files
		timed "$fs" rm "$it" rm_files
		timed "$fs" create_parallel "$it" create_files_parallel
		timed "$fs" rm_parallel "$it" rm_files_parallel
		if seen_prep "bench-$fs" "new$it"; then
			timed "$fs" seen "$it" seen_poll "new$it"
		else
			failed "$fs" seen "$it" "the PUT beside the mount failed"
		fi
		curl -fsS -X DELETE "$EP/bench-$fs/test_dir/new$it" -o /dev/null
	done
}

# The 1 GB rows on one mount, cwd its test_dir.
run_big() {
	local fs=$1 it
	for it in $(seq "$ITER"); do
		drop_caches
		timed "$fs" write "$it" write_md5 || continue
		drop_caches
		cat "$T_TMP/raw" >/dev/null
		timed "$fs" write_file "$it" write_file
		drop_caches
		timed "$fs" read "$it" read_md5
		drop_caches
		timed "$fs" ttfb "$it" read_first_byte
	done
}

run_fs() {
	local fs=$1 b=bench-$1 dir=$T_TMP/mnt-$1 it
	RSS=0
	curl -fsS -X PUT "$RAW/$b" >/dev/null || { say "cannot create $b"; return 1; }
	if want files || want ls || want find; then
		fs_mount "$fs" "$b" "$dir" || { FAILED=1; return 1; }
		mkdir -p "$dir/test_dir" "$dir/tree"
		cd "$dir/test_dir" || return 1
		want files && run_files "$fs"
		want ls && timed "$fs" setup_ls 0 create_n_parallel "$NLS"
		if want find; then
			cd ../tree || return 1
			timed "$fs" setup_tree 0 create_tree_parallel
		fi
		cd "$T_ROOT" || return 1
		fs_umount "$dir"
	fi
	want find && add_markers "$fs" "$b"
	# Each ls and find on a fresh mount (cold caches), as goofys's ls_ls.
	for it in $(seq "$ITER"); do
		want ls && fresh_run "$fs" "$b" "$dir" test_dir ls "$it" ls_files "$NLS"
		want find && fresh_run "$fs" "$b" "$dir" tree find "$it" find_files
	done
	if want big; then
		fs_mount "$fs" "$b" "$dir" || { FAILED=1; return 1; }
		# rclone keeps an empty directory in memory only: make it again.
		if mkdir -p "$dir/test_dir" && cd "$dir/test_dir"; then
			run_big "$fs"
		else
			failed "$fs" write 1 "test_dir is not visible"
		fi
		cd "$T_ROOT" || return 1
		note_rss
		fs_umount "$dir"
	fi
	printf '%s\trss\t0\t%s\t0\n' "$fs" "$RSS" >>"$RES"
}

# The columns without FUSE, through the same proxy.  Caches are dropped
# before each step as for the file systems (so the server reads its store
# from disk), then the local source file is read back into the page cache.
run_raw() {
	local it
	FSPID=
	curl -fsS -X PUT "$RAW/bench-raw" >/dev/null
	mkdir -p "$T_TMP/parts"
	split -b 8388608 -d -a 4 "$T_TMP/raw" "$T_TMP/parts/p"
	for it in $(seq "$ITER"); do
		say "without FUSE: round $it"
		drop_caches
		timed local write "$it" local_gen
		cat "$T_TMP/raw" >/dev/null
		timed local read "$it" local_md5
		drop_caches
		cat "$T_TMP/raw" >/dev/null
		timed raw write_file "$it" raw_put
		drop_caches
		cat "$T_TMP"/parts/p* >/dev/null
		timed "raw mpu" write_file "$it" raw_mpu_put
		drop_caches
		timed raw read "$it" raw_get_md5
		drop_caches
		timed raw ttfb "$it" raw_first_byte
		drop_caches
		cat "$T_TMP/raw" >/dev/null
		[ -x "$ROMA" ] || continue
		timed "s3 cp" write_file "$it" s3cp_put
		drop_caches
		timed "s3 cp" read "$it" s3cp_get_md5
		drop_caches
		timed "gen+s3 cp" write "$it" gen_s3cp_put
	done
	rm -rf "$T_TMP/raw" "$T_TMP/parts"
}

# The local file of the rows "from a file" and the columns without FUSE.
if want big || want raw; then
	gen_data >"$T_TMP/raw"
	md5sum <"$T_TMP/raw" | cut -d' ' -f1 >"$T_TMP/md5.raw"
fi
for fs in "${FSES[@]}"; do
	case $fs in
	roma) [ -x "$ROMA" ] || { say "no $ROMA"; continue; } ;;
	s3fs) need_pkg s3fs s3fs || { say "s3fs unavailable"; continue; } ;;
	rclone) need_pkg rclone rclone || { say "rclone unavailable"; continue; } ;;
	goofys) [ -x "${GOOFYS:-}" ] || { say "GOOFYS is not a binary"; continue; } ;;
	*) echo "bench/mount.sh: unknown file system $fs" >&2; exit 2 ;;
	esac
	{ want files || want ls || want find || want big; } && run_fs "$fs"
done
{ want big || want raw; } && run_raw

# --- the table -------------------------------------------------------------------------------
python3 - "$RES" "$OUT" "$MB" "$NFILES" "$NLS" "$ITER" "${FSES[*]}" \
    "$DATE0" "$LOAD0" "$(loadavg)" "$NOTES" "$LATENCY" <<'PY'
import statistics, sys
res, out, mb, nfiles, nls, it, fses, date0, load0, load1, notes, latency = sys.argv[1:]
cols = fses.split() + ["raw", "raw mpu", "s3 cp", "gen+s3 cp", "local"]
rows, failed = {}, set()
for line in open(res):
    fs, op, i, sec, req = line.rstrip("\n").split("\t")
    if sec == "fail":
        failed.add((fs, op))
        continue
    rows.setdefault((fs, op), []).append((float(sec), int(req)))
ops = [("create", f"Create {nfiles} files", int(nfiles)),
       ("create_parallel", f"Create {nfiles} files (parallel)", int(nfiles)),
       ("rm", f"Unlink {nfiles} files", int(nfiles)),
       ("rm_parallel", f"Unlink {nfiles} files (parallel)", int(nfiles)),
       ("seen", "New key seen after ls", 1),
       ("ls", f"ls with {nls} files", 1),
       ("find", "find with 820 entries", 1),
       ("write", f"Write {mb} MB", 1),
       ("write_file", f"Write {mb} MB from a file", 1),
       ("read", f"Read {mb} MB", 1),
       ("ttfb", "Time to 1st byte", 1)]
have = [f for f in cols if any(k[0] == f for k in rows) or any(k[0] == f for k in failed)]
ops = [o for o in ops if any((f, o[0]) in rows or (f, o[0]) in failed for f in have)]
def cell(fs, op):
    v = rows.get((fs, op))
    if not v:
        return "FAIL" if (fs, op) in failed else "n/a"
    s = [x[0] for x in v]
    m = statistics.mean(s)
    if len(s) > 2:
        sd = statistics.pstdev(s)
        s = [x for x in s if abs(x - m) <= 2 * sd] or s
        m = statistics.mean(s)
    t = f"{m:.3f} ({min(s):.3f}-{max(s):.3f})" if len(s) > 1 else f"{m:.3f}"
    return t + (" FAIL" if (fs, op) in failed else "")
def reqs(fs, op, per):
    v = rows.get((fs, op))
    if not v:
        return "FAIL" if (fs, op) in failed else "n/a"
    r = statistics.median(x[1] for x in v)
    return f"{r / per:.2f}" if per > 1 else f"{r:.0f}"
lines = [f"# Mount benchmark (goofys's suite) against s3rver on loopback",
         "", f"Run {date0} UTC; load average {load0} at the start, {load1} at the end"
         + (f"; {latency} ms added to every request." if latency != "0" else "."),
         "", f"Seconds, mean (min-max) of {it} round(s); 1 MB = 10^6 bytes.", "",
         "| operation | " + " | ".join(have) + " |",
         "|---|" + "---|" * len(have)]
for op, label, _ in ops:
    lines.append(f"| {label} | " + " | ".join(cell(f, op) for f in have) + " |")
lines += ["", "S3 requests per operation (per file for create/unlink), counted by the proxy:", "",
          "| operation | " + " | ".join(have) + " |", "|---|" + "---|" * len(have)]
for op, label, per in ops:
    lines.append(f"| {label} | " + " | ".join(reqs(f, op, per) for f in have) + " |")
mounts = [f for f in have if f in fses.split()]
if mounts:
    lines += ["", "| peak RSS of the mount process (VmHWM) | " +
              " | ".join(f"{int(rows[(f, 'rss')][0][0]) // 1024} MiB" if (f, 'rss') in rows else "n/a"
                         for f in mounts) + " |"]
legend = {
    "seen": "New key seen after ls: `ls` of the directory, then a key put beside the mount through the S3 API, then `stat` of it through the mount every 10 ms until it answers (not goofys's; the PUT is outside the timing): how long the mount's listing cache hides a new name.",
    "from a file": "Write ... from a file: `dd` of the same bytes from a local file already in the page cache, then `sync`: the row to compare with raw, raw mpu and s3 cp, which write that file too. Write (the goofys row) generates the bytes and their md5 on the fly, as gen+s3 cp and local do.",
    "raw": "raw: curl through the same proxy; write from a file: one unsigned PUT of the local file (no generation, no md5); read: one GET into md5sum; first byte: a GET of 2 bytes.",
    "raw mpu": "raw mpu: curl through the same proxy, a multipart upload of the same local file split beforehand into 8 MiB parts, 8 at a time, then the completion, at which s3rver reads and copies every part again: the server's ceiling for a client that streams (a file system does not know the size before close).",
    "s3 cp": "s3 cp: `roma s3 cp` of the same local file (multipart, its default 8 MiB parts 8 at a time; payloads unsigned, as to any loopback endpoint), and to stdout into md5sum: roma's S3 client without FUSE.",
    "gen+s3 cp": "gen+s3 cp: the file systems' generator and md5 (`openssl ... | tee >(md5sum)`) piped into `roma s3 cp - s3://...`: a write row without FUSE.",
    "local": "local: no S3; write: the generator and md5 alone (`openssl ... | tee >(md5sum) | cat > /dev/null`, cat in the place of the file systems' dd); read: md5sum of the data from the page cache.",
}
row_notes = {"seen": "seen", "from a file": "write_file"}  # legend: row
extra = ([legend[k] for k, op in row_notes.items() if any(o[0] == op for o in ops)]
         + [legend[c] for c in have if c in legend]
         + [l.rstrip("\n") for l in open(notes)])
if extra:
    lines += [""] + [x if x.startswith("- ") else f"- {x}" for x in extra]
text = "\n".join(lines) + "\n"
open(out, "w").write(text)
print(text)
PY
exit "$FAILED"
