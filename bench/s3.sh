#!/usr/bin/env bash
# bench/s3.sh [TOOL...] - S3 transfer benchmark against s3rver on loopback.
#
# Uploads and downloads one large object (1 GiB) and many small ones (1000 x
# 4 KiB) with each TOOL (default: curl aws roma) and prints a Markdown table
# of MiB/s, requests/s and client CPU seconds per GiB, with the ratios
# roma/curl and roma/aws from the same run; the table also goes to
# bench/results/latest.md.  Every transfer is checked by sha256: uploads by a
# plain curl GET of what the server stored, downloads against the source.
# A tool that fails its smoke check (roma before `roma s3 cp` exists) is
# reported as n/a.  See bench/README.md.
#
# Environment:
#   BENCH_SIZE_MB      size of the large object in MiB (1024)
#   BENCH_SMALL_COUNT  number of small objects (1000)
#   BENCH_SMALL_KB     size of each small object in KiB (4)
#   BENCH_PARALLEL     curl's --parallel-max for the small objects (16)
#   BENCH_REPEAT       rounds (3); each row shows the median round
#   BENCH_TIMEOUT      seconds allowed for one transfer command (600)
#   BENCH_OUT          the Markdown file written (bench/results/latest.md)
#   ROMA               the roma binary (build/roma); ROMA_ARGS extra flags
#                      for `roma s3 cp` (split on spaces)
#   TMPDIR             where the data and the server's store go (needs about
#                      3 x BENCH_SIZE_MB free)
set -u
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh

SIZE_MB=${BENCH_SIZE_MB:-1024}
COUNT=${BENCH_SMALL_COUNT:-1000}
SMALL_KB=${BENCH_SMALL_KB:-4}
PAR=${BENCH_PARALLEL:-16}
TMO=${BENCH_TIMEOUT:-600}
REPEAT=${BENCH_REPEAT:-3}
OUT=${BENCH_OUT:-$T_ROOT/bench/results/latest.md}
read -r -a ROMA_EXTRA <<<"${ROMA_ARGS:-}"
TOOLS=("$@")
[ ${#TOOLS[@]} -gt 0 ] || TOOLS=(curl aws roma)
BUCKET=bench
D=$T_TMP/bench
RES=$D/results.tsv
FAILED=0

say() {
	printf 'bench: %s\n' "$*" >&2
}

for tool in "${TOOLS[@]}"; do
	case $tool in
	curl | aws | roma) ;;
	*)
		echo "bench/s3.sh: unknown tool $tool (curl, aws, roma)" >&2
		exit 2
		;;
	esac
done

# --- the server and the data --------------------------------------------------------
t_start_s3rver || exit 1
curl -fsS -X PUT "$S3_ENDPOINT/$BUCKET" >/dev/null || { say "cannot create the bucket"; exit 1; }

mkdir -p "$D/src/small" "$D/log" "$D/cfg"
: >"$RES"
say "making $SIZE_MB MiB and $COUNT x $SMALL_KB KiB of random data in $D"
head -c $((SIZE_MB * 1048576)) /dev/urandom >"$D/src/big"
head -c $((COUNT * SMALL_KB * 1024)) /dev/urandom |
    split -b $((SMALL_KB * 1024)) -d -a 6 - "$D/src/small/obj-"
BIG_SHA=$(sha256sum <"$D/src/big" | cut -d' ' -f1)
(cd "$D/src/small" && sha256sum obj-*) >"$D/src/small.sha256"
BIG_BYTES=$((SIZE_MB * 1048576))
SMALL_BYTES=$((COUNT * SMALL_KB * 1024))

# --- helpers -----------------------------------------------------------------------------

# curl_cfg FILE DIRECTION PREFIX DIR: a curl config that moves every small
# object between DIR and s3://bench/PREFIX/ (DIRECTION up or down).
curl_cfg() {
	local f
	: >"$1"
	for f in "$D"/src/small/obj-*; do
		f=${f##*/}
		if [ "$2" = up ]; then
			printf 'upload-file = "%s/%s"\nurl = "%s/%s/%s%s"\n' \
			    "$4" "$f" "$S3_ENDPOINT" "$BUCKET" "$3" "$f" >>"$1"
		else
			printf 'url = "%s/%s/%s%s"\noutput = "%s/%s"\n' \
			    "$S3_ENDPOINT" "$BUCKET" "$3" "$f" "$4" "$f" >>"$1"
		fi
	done
}

# curl_parallel CFG: run a transfer config, up to PAR at once.
curl_parallel() {
	curl -fsS -H 'Expect:' --parallel --parallel-max "$PAR" -K "$1"
}

# check_big KEY: the stored object KEY has the source's sha256 (plain curl).
check_big() {
	[ "$(curl -fsS "$S3_ENDPOINT/$BUCKET/$1" | sha256sum | cut -d' ' -f1)" = "$BIG_SHA" ]
}

# check_small_dir DIR: DIR holds exactly the small objects, byte-identical.
check_small_dir() {
	[ "$(find "$1" -type f | wc -l)" -eq "$COUNT" ] &&
	    (cd "$1" && sha256sum -c --quiet --strict "$D/src/small.sha256") >/dev/null 2>&1
}

# check_small PREFIX: the stored small objects under PREFIX are identical.
check_small() {
	local dir=$D/verify ok=0
	rm -rf "$dir"
	mkdir -p "$dir"
	curl_cfg "$D/cfg/verify" down "$1" "$dir"
	curl_parallel "$D/cfg/verify" >/dev/null 2>&1 && check_small_dir "$dir" && ok=1
	rm -rf "$dir"
	[ "$ok" -eq 1 ]
}

# check_big_file FILE: FILE has the source's sha256.
check_big_file() {
	[ "$(sha256sum <"$1" | cut -d' ' -f1)" = "$BIG_SHA" ]
}

# result CASE TOOL BYTES REQS WALL USER SYS STATUS NOTE: one line of results.
result() {
	local IFS=$'\t'
	printf '%s\n' "$*" >>"$RES"
}

# run CASE TOOL BYTES REQS CHECK ARG CMD...: time CMD (with its CPU), then
# check the data with the function CHECK ARG.
run() {
	local cname=$1 tool=$2 bytes=$3 reqs=$4 check=$5 arg=$6 m status wall user sys
	shift 6
	m=$D/log/$cname-$tool
	m=${m// /_}
	say "$cname: $tool"
	python3 "$T_ROOT/bench/measure.py" "$m.time" timeout "$TMO" "$@" >"$m.log" 2>&1
	status=$?
	read -r wall user sys _ <"$m.time" || { wall=0 user=0 sys=0; }
	if [ "$status" -ne 0 ]; then
		result "$cname" "$tool" "$bytes" "$reqs" "$wall" "$user" "$sys" FAIL \
		    "exit $status: $(tail -n 2 "$m.log" | tr '\t\n|' '   ' | cut -c1-120)"
		FAILED=$((FAILED + 1))
		return 1
	fi
	if "$check" "$arg"; then
		result "$cname" "$tool" "$bytes" "$reqs" "$wall" "$user" "$sys" ok "sha256 ok"
	else
		result "$cname" "$tool" "$bytes" "$reqs" "$wall" "$user" "$sys" FAIL "sha256 mismatch"
		FAILED=$((FAILED + 1))
		return 1
	fi
}

# na TOOL WHY: the tool is skipped in every case.
na() {
	local c
	for c in "$CASE_BIG_UP" "$CASE_BIG_DOWN" "$CASE_SMALL_UP" "$CASE_SMALL_DOWN"; do
		result "$c" "$1" 0 0 0 0 0 n/a "$2"
	done
}

# The aws and roma command lines.
aws_cp() {
	aws --endpoint-url "$S3_ENDPOINT" s3 cp --only-show-errors "$@"
}
roma_cp() {
	"$ROMA" s3 cp --endpoint "$S3_ENDPOINT" "${ROMA_EXTRA[@]}" "$@"
}

# smoke TOOL: a 4 KiB object up and back with TOOL.
smoke() {
	local f=$D/src/small/obj-000000 back=$D/smoke-$1 key=smoke/$1
	rm -f "$back"
	case $1 in
	curl) curl -fsS -T "$f" "$S3_ENDPOINT/$BUCKET/$key" && curl -fsS -o "$back" "$S3_ENDPOINT/$BUCKET/$key" ;;
	aws) aws_cp "$f" "s3://$BUCKET/$key" && aws_cp "s3://$BUCKET/$key" "$back" ;;
	roma) [ -x "$ROMA" ] && roma_cp "$f" "s3://$BUCKET/$key" && roma_cp "s3://$BUCKET/$key" "$back" ;;
	esac >"$D/log/smoke-$1.log" 2>&1 && cmp -s "$f" "$back"
}

CASE_BIG_UP="$SIZE_MB MiB upload"
CASE_BIG_DOWN="$SIZE_MB MiB download"
CASE_SMALL_UP="$COUNT x $SMALL_KB KiB upload"
CASE_SMALL_DOWN="$COUNT x $SMALL_KB KiB download"

# --- the runs ------------------------------------------------------------------------------
RUN_TOOLS=()
for tool in "${TOOLS[@]}"; do
	if smoke "$tool"; then
		RUN_TOOLS+=("$tool")
	else
		why=$(tail -n 1 "$D/log/smoke-$tool.log" | tr '\t|' '  ' | cut -c1-80)
		say "$tool: smoke check failed, skipped (${why:-no output})"
		na "$tool" "smoke check failed${why:+: $why}"
	fi
done
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
# Rounds interleave the tools, so a slow patch of the machine hits them all.
for ((round = 1; round <= REPEAT; round++)); do
	for tool in "${RUN_TOOLS[@]}"; do
		say "round $round of $REPEAT: $tool"
		big=$tool/big small=$tool/small/ dl=$D/dl-$tool
		rm -rf "$dl"
		mkdir -p "$dl/small"
		case $tool in
		curl)
			curl_cfg "$D/cfg/up" up "$small" "$D/src/small"
			curl_cfg "$D/cfg/down" down "$small" "$dl/small"
			up_big=(curl -fsS -H 'Expect:' -T "$D/src/big" "$S3_ENDPOINT/$BUCKET/$big")
			down_big=(curl -fsS -o "$dl/big" "$S3_ENDPOINT/$BUCKET/$big")
			up_small=(curl -fsS -H 'Expect:' --parallel --parallel-max "$PAR" -K "$D/cfg/up")
			down_small=(curl -fsS --parallel --parallel-max "$PAR" -K "$D/cfg/down")
			;;
		aws)
			a=(aws --endpoint-url "$S3_ENDPOINT" s3 cp --only-show-errors)
			up_big=("${a[@]}" "$D/src/big" "s3://$BUCKET/$big")
			down_big=("${a[@]}" "s3://$BUCKET/$big" "$dl/big")
			up_small=("${a[@]}" --recursive "$D/src/small" "s3://$BUCKET/$small")
			down_small=("${a[@]}" --recursive "s3://$BUCKET/$small" "$dl/small")
			;;
		roma)
			r=("$ROMA" s3 cp --endpoint "$S3_ENDPOINT" "${ROMA_EXTRA[@]}")
			up_big=("${r[@]}" "$D/src/big" "s3://$BUCKET/$big")
			down_big=("${r[@]}" "s3://$BUCKET/$big" "$dl/big")
			up_small=("${r[@]}" --recursive "$D/src/small" "s3://$BUCKET/$small")
			down_small=("${r[@]}" --recursive "s3://$BUCKET/$small" "$dl/small")
			;;
		esac
		if run "$CASE_BIG_UP" "$tool" "$BIG_BYTES" 1 check_big "$big" "${up_big[@]}"; then
			run "$CASE_BIG_DOWN" "$tool" "$BIG_BYTES" 1 check_big_file "$dl/big" "${down_big[@]}"
		else
			result "$CASE_BIG_DOWN" "$tool" 0 0 0 0 0 n/a "upload failed"
		fi
		rm -f "$dl/big"
		curl -fsS -X DELETE "$S3_ENDPOINT/$BUCKET/$big" >/dev/null 2>&1
		if run "$CASE_SMALL_UP" "$tool" "$SMALL_BYTES" "$COUNT" check_small "$small" "${up_small[@]}"; then
			run "$CASE_SMALL_DOWN" "$tool" "$SMALL_BYTES" "$COUNT" check_small_dir "$dl/small" "${down_small[@]}"
		else
			result "$CASE_SMALL_DOWN" "$tool" 0 0 0 0 0 n/a "upload failed"
		fi
		rm -rf "$dl"
	done
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

# --- the report ------------------------------------------------------------------------------
ver() {
	"$@" 2>&1 | head -n 1
}
roma_ver=n/a
[ -x "$ROMA" ] && roma_ver=$("$ROMA" --version 2>/dev/null | head -n 1)
{
	echo "# S3 client benchmark"
	echo
	echo "\`bench/s3.sh ${TOOLS[*]}\` with BENCH_SIZE_MB=$SIZE_MB BENCH_SMALL_COUNT=$COUNT" \
	    "BENCH_SMALL_KB=$SMALL_KB BENCH_PARALLEL=$PAR BENCH_REPEAT=$REPEAT," \
	    "$(date -u '+%Y-%m-%d %H:%M UTC')."
	echo
	echo "- server: s3rver $(node -p 'require("./tests/node_modules/s3rver/package.json").version')" \
	    "on node $(node --version), 127.0.0.1, data on $(df -P "$T_TMP" | awk 'NR == 2 { print $1 }')"
	echo "- machine: $(nproc) cores, $(uname -sr), $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo) RAM;" \
	    "load average $LOAD_BEFORE before, $LOAD_AFTER after"
	echo "- curl: $(ver curl --version | cut -d' ' -f1-2) (unsigned PUT/GET; small objects with --parallel-max $PAR)"
	echo "- aws: $(ver aws --version | cut -d' ' -f1)"
	echo "- roma: $roma_ver"
} >"$D/header.md"
mkdir -p "$(dirname "$OUT")"
python3 "$T_ROOT/bench/report.py" "$RES" "$D/header.md" >"$D/report.md" || exit 1
cp "$D/report.md" "$OUT"
cat "$D/report.md"
[ "$FAILED" -eq 0 ]
