#!/usr/bin/env bash
# `roma s3` against moto (no signature checks) and s3rver: every command,
# multipart with small parts, odd keys, recursive copies, presigned URLs
# fetched with plain curl, --json shapes, exit statuses and messages.
# Signature checks: s3_auth.sh; injected faults: s3_faults.sh.
. "$(dirname "$0")/../lib.sh"

export CURL_HOME=$T_TMP
printf 'max-time = 60\n' >"$CURL_HOME/.curlrc"
head -c 1024 /dev/urandom >"$T_TMP/small"
head -c 12582912 /dev/urandom >"$T_TMP/big" # 12 MiB: 3 parts of 5 MiB
head -c 3000000 /dev/urandom >"$T_TMP/mid"
printf 'hello\n' >"$T_TMP/hello.txt"
mkdir -p "$T_TMP/tree/a/b" "$T_TMP/tree/c"
printf 1 >"$T_TMP/tree/x"
printf 2 >"$T_TMP/tree/a/y"
printf 3 >"$T_TMP/tree/a/b/z w+%.txt"
cp "$T_TMP/mid" "$T_TMP/tree/c/mid"

# rs3 ARGS...: roma s3 against the current server.
rs3() {
	"$ROMA" s3 "$@" --endpoint "$S3_ENDPOINT"
}

sha() {
	sha256sum <"$1" | cut -d' ' -f1
}

# The harness creates empty shared files readable by all; roma warns.
private_files() {
	chmod 600 "$AWS_CONFIG_FILE" "$AWS_SHARED_CREDENTIALS_FILE"
}

# out NAME WANT CMD...: CMD's stdout is exactly WANT.
out() {
	local name=$1 want=$2 got
	shift 2
	got=$("$@" 2>"$T_TMP/err")
	if [ "$got" = "$want" ]; then
		t_ok "$name"
	else
		t_not_ok "$name" "got '$got' want '$want' ($(head -c 300 "$T_TMP/err"))"
	fi
}

# status NAME WANT CMD...: CMD exits WANT.
status() {
	local name=$1 want=$2 rc=0
	shift 2
	"$@" >"$T_TMP/out" 2>"$T_TMP/err" || rc=$?
	if [ "$rc" = "$want" ]; then
		t_ok "$name"
	else
		t_not_ok "$name" "exit $rc, want $want: $(head -c 300 "$T_TMP/err")"
	fi
}

# json_has JSON-FILE PYTHON-EXPR: the expression over `j` holds.
json_has() {
	python3 -c 'import json, sys
j = json.load(open(sys.argv[1]))
assert eval(sys.argv[2]), j' "$1" "$2"
}

suite() {
	local s=$1 b=$2 k
	t_check "$s: mb" sh -c '[ "$("$ROMA" s3 mb "s3://$1" --endpoint "$S3_ENDPOINT")" = "make_bucket: s3://$1" ]' sh "$b"
	t_check "$s: ls lists the bucket" sh -c '"$ROMA" s3 ls --endpoint "$S3_ENDPOINT" | grep -Eq "^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8} $1$"' sh "$b"
	out "$s: cp prints the upload line" "upload: $T_TMP/small to s3://$b/small" \
	    rs3 cp "$T_TMP/small" "s3://$b/small"
	out "$s: cp to a prefix keeps the name" "upload: $T_TMP/hello.txt to s3://$b/dir/hello.txt" \
	    rs3 cp "$T_TMP/hello.txt" "s3://$b/dir/"
	t_check "$s: multipart upload with --part-size 5MiB" rs3 cp --quiet --part-size 5MiB "$T_TMP/big" "s3://$b/big"
	# s3rver's multipart ETag is the whole object's MD5.
	[ "$s" = s3rver ] || t_check "$s: the ETag says 3 parts" sh -c '"$ROMA" s3 head "s3://$1/big" --endpoint "$S3_ENDPOINT" --json | grep -q "\"etag\":\"[0-9a-f]*-3\""' sh "$b"
	status "$s: --part-size under 5MiB is a usage error" 2 rs3 cp --part-size 4MiB "$T_TMP/big" "s3://$b/x"
	rm -f "$T_TMP/got"
	t_check "$s: multipart download is byte-identical" rs3 cp --quiet --part-size 5MiB "s3://$b/big" "$T_TMP/got"
	t_check "$s: sha256 matches" test "$(sha "$T_TMP/got")" = "$(sha "$T_TMP/big")"
	t_check "$s: no temporary file left" sh -c '! ls -a "$1" | grep -q "\.roma-"' sh "$T_TMP"
	t_check "$s: download to stdout" sh -c '"$ROMA" s3 cp "s3://$1/big" - --endpoint "$S3_ENDPOINT" | cmp -s - "$2/big"' sh "$b" "$T_TMP"
	mkdir -p "$T_TMP/dl"
	out "$s: download into a directory keeps the name" "download: s3://$b/dir/hello.txt to $T_TMP/dl/hello.txt" \
	    rs3 cp "s3://$b/dir/hello.txt" "$T_TMP/dl"
	t_check "$s: upload from stdin, multipart" sh -c '"$ROMA" s3 cp --quiet --part-size 5MiB - "s3://$1/stdin" --endpoint "$S3_ENDPOINT" <"$2/big" &&
		"$ROMA" s3 cp "s3://$1/stdin" - --endpoint "$S3_ENDPOINT" | cmp -s - "$2/big"' sh "$b" "$T_TMP"
	t_check "$s: upload from stdin, one PUT" sh -c 'printf abc | "$ROMA" s3 cp --quiet - "s3://$1/stdin-small" --endpoint "$S3_ENDPOINT" &&
		[ "$("$ROMA" s3 cp "s3://$1/stdin-small" - --endpoint "$S3_ENDPOINT")" = abc ]' sh "$b"
	out "$s: S3 to S3 copy" "copy: s3://$b/big to s3://$b/copy/big" rs3 cp "s3://$b/big" "s3://$b/copy/"
	t_check "$s: the copy is identical" sh -c '"$ROMA" s3 cp "s3://$1/copy/big" - --endpoint "$S3_ENDPOINT" | cmp -s - "$2/big"' sh "$b" "$T_TMP"
	t_check "$s: --content-type is stored" sh -c '"$ROMA" s3 cp --quiet --content-type application/x-roma "$2/small" "s3://$1/typed" --endpoint "$S3_ENDPOINT" &&
		"$ROMA" s3 head --json "s3://$1/typed" --endpoint "$S3_ENDPOINT" | grep -q "\"content_type\":\"application/x-roma\""' sh "$b" "$T_TMP"
	t_check "$s: the type is guessed from .txt" sh -c '"$ROMA" s3 head "s3://$1/dir/hello.txt" --endpoint "$S3_ENDPOINT" | grep -q "^content-type  *text/plain"' sh "$b"

	# ls shapes
	t_check "$s: ls shows a PRE line and an object line" sh -c 'o=$("$ROMA" s3 ls "s3://$1" --endpoint "$S3_ENDPOINT") &&
		printf "%s\n" "$o" | grep -qx "                           PRE dir/" &&
		printf "%s\n" "$o" | grep -Eqx "[0-9-]{10} [0-9:]{8}       1024 small"' sh "$b"
	t_check "$s: ls of a prefix shows names below it" sh -c '"$ROMA" s3 ls "s3://$1/dir/" --endpoint "$S3_ENDPOINT" | grep -Eqx "[0-9-]{10} [0-9:]{8}          6 hello.txt"' sh "$b"
	t_check "$s: ls --recursive --human-readable --summarize" sh -c 'o=$("$ROMA" s3 ls --recursive --human-readable --summarize "s3://$1" --endpoint "$S3_ENDPOINT") &&
		printf "%s\n" "$o" | grep -Eq "   12.0 MiB big$" && printf "%s\n" "$o" | grep -Eq " dir/hello.txt$" &&
		printf "%s\n" "$o" | grep -q "^Total Objects: [0-9]" && printf "%s\n" "$o" | grep -q "^   Total Size: .*MiB$"' sh "$b"
	status "$s: ls of a prefix that matches nothing exits 1" 1 rs3 ls "s3://$b/nothing-here"
	rs3 ls --json "s3://$b" >"$T_TMP/ls.json" 2>/dev/null
	t_check "$s: ls --json" json_has "$T_TMP/ls.json" \
	    'j["bucket"] == "'"$b"'" and j["prefixes"] == ["copy/", "dir/"] and any(o["key"] == "small" and o["size"] == 1024 for o in j["objects"]) and j["total_objects"] == len(j["objects"])'
	rs3 ls --json >"$T_TMP/lsb.json" 2>/dev/null
	t_check "$s: ls --json of the buckets" json_has "$T_TMP/lsb.json" 'any(x["name"] == "'"$b"'" and x["created"].endswith("Z") for x in j["buckets"])'
	rs3 head --json "s3://$b/small" >"$T_TMP/head.json" 2>/dev/null
	t_check "$s: head --json" json_has "$T_TMP/head.json" \
	    'j["size"] == 1024 and j["key"] == "small" and len(j["etag"]) == 32 and j["last_modified"].endswith("Z") and j["metadata"] == {}'

	# Odd keys: space, +, %, unicode.
	for k in 'sp ace' 'pl+us' 'per%25cent' 'ü/☃ snow.txt'; do
		t_check "$s: key '$k' round trip" sh -c '"$ROMA" s3 cp --quiet "$2/mid" "s3://$1/odd/$3" --endpoint "$S3_ENDPOINT" &&
			"$ROMA" s3 ls --recursive "s3://$1/odd/" --endpoint "$S3_ENDPOINT" | grep -qF " odd/$3" &&
			"$ROMA" s3 head "s3://$1/odd/$3" --endpoint "$S3_ENDPOINT" | grep -q "^size  *3000000$" &&
			"$ROMA" s3 cp "s3://$1/odd/$3" - --endpoint "$S3_ENDPOINT" | cmp -s - "$2/mid"' sh "$b" "$T_TMP" "$k"
	done
	out "$s: rm of one key" "delete: s3://$b/odd/sp ace" rs3 rm "s3://$b/odd/sp ace"
	status "$s: the deleted key is gone" 1 rs3 head "s3://$b/odd/sp ace"

	# Recursive copies.
	t_check "$s: cp --recursive up" rs3 cp --quiet --recursive "$T_TMP/tree" "s3://$b/tree"
	t_check "$s: cp --recursive down is identical" sh -c '"$ROMA" s3 cp --quiet --recursive "s3://$1/tree" "$2/tree-down" --endpoint "$S3_ENDPOINT" &&
		diff -r "$2/tree" "$2/tree-down"' sh "$b" "$T_TMP"
	t_check "$s: cp --recursive prints one line per file" sh -c '[ "$("$ROMA" s3 cp --recursive "s3://$1/tree/" "$2/tree-2" --endpoint "$S3_ENDPOINT" | grep -c "^download: s3://$1/tree/")" = 4 ]' sh "$b" "$T_TMP"
	t_check "$s: cp --recursive takes the prefix as a directory" sh -c '"$ROMA" s3 cp --quiet "$2/small" "s3://$1/treetop" --endpoint "$S3_ENDPOINT" &&
		"$ROMA" s3 cp --quiet --recursive "s3://$1/tree" "$2/tree-3" --endpoint "$S3_ENDPOINT" && [ ! -e "$2/tree-3/top" ] && [ ! -e "$2/treetop" ]' sh "$b" "$T_TMP"
	rs3 cp --recursive --json "s3://$b/tree" "s3://$b/tree-copy" >"$T_TMP/cp.json" 2>"$T_TMP/cp.err"
	if [ "$s" = s3rver ]; then
		# s3rver decodes '+' in x-amz-copy-source as a space (the AWS
		# CLI fails the same way): three of the four copies succeed.
		t_check "$s: cp --recursive S3 to S3 (--json)" json_has "$T_TMP/cp.json" \
		    'j["succeeded"] == 3 and j["failed"] == 1 and {t["operation"] for t in j["transfers"]} == {"copy"}'
		t_check "$s: a partial failure names the key" grep -q "copy failed: s3://$b/tree/a/b/z w+%.txt to" "$T_TMP/cp.err"
	else
		t_check "$s: cp --recursive S3 to S3 (--json)" json_has "$T_TMP/cp.json" \
		    'j["succeeded"] == 4 and j["failed"] == 0 and j["bytes"] == 3000003 and all(t["error"] is None for t in j["transfers"])'
	fi
	t_check "$s: rm --recursive" sh -c '[ "$("$ROMA" s3 rm --recursive "s3://$1/tree-copy" --endpoint "$S3_ENDPOINT" | grep -c "^delete: ")" -ge 3 ]' sh "$b"
	status "$s: the removed prefix lists nothing" 1 rs3 ls --recursive "s3://$b/tree-copy/"
	rs3 rm --recursive --json "s3://$b/tree" >"$T_TMP/rm.json" 2>/dev/null
	t_check "$s: rm --recursive --json" json_has "$T_TMP/rm.json" 'j["bucket"] == "'"$b"'" and len(j["deleted"]) == 4 and j["failed"] == []'

	# Presigned URLs, fetched with plain curl.
	t_check "$s: presign, fetched with curl" sh -c 'u=$("$ROMA" s3 presign "s3://$1/big" --endpoint "$S3_ENDPOINT") &&
		case $u in *X-Amz-Expires=3600*) ;; *) exit 1 ;; esac &&
		curl -fsS "$u" | cmp -s - "$2/big"' sh "$b" "$T_TMP"
	t_check "$s: presign an odd key, --expires-in 60" sh -c 'u=$("$ROMA" s3 presign --expires-in 60 "s3://$1/odd/ü/☃ snow.txt" --endpoint "$S3_ENDPOINT") &&
		case $u in *X-Amz-Expires=60\&*) ;; *) exit 1 ;; esac && curl -fsS "$u" | cmp -s - "$2/mid"' sh "$b" "$T_TMP"
	rs3 presign --json "s3://$b/small" >"$T_TMP/p.json" 2>/dev/null
	t_check "$s: presign --json" json_has "$T_TMP/p.json" 'j["expires_in"] == 3600 and "X-Amz-Signature=" in j["url"]'
	for bad in 0 604801 x; do
		status "$s: presign --expires-in $bad is a usage error" 2 rs3 presign --expires-in "$bad" "s3://$b/small"
	done

	# Errors and buckets.
	status "$s: download of a missing key exits 1" 1 rs3 cp "s3://$b/missing" "$T_TMP/missing"
	t_check "$s: ... naming it, leaving no file" sh -c 'grep -q "download failed: s3://$1/missing to .*: no such key" "$2/err" && [ ! -e "$2/missing" ] &&
		! ls -a "$2" | grep -q "\.roma-"' sh "$b" "$T_TMP"
	status "$s: ls of a missing bucket exits 1" 1 rs3 ls "s3://no-such-bucket-roma"
	t_check "$s: ... with one line saying so" sh -c '[ "$(wc -l <"$1/err")" = 1 ] && grep -q "no such bucket" "$1/err"' sh "$T_TMP"
	status "$s: rb of a non-empty bucket exits 1" 1 rs3 rb "s3://$b"
	t_check "$s: ... saying it is not empty" grep -q "not empty" "$T_TMP/err"
	t_check "$s: rb --force" sh -c '"$ROMA" s3 rb --force "s3://$1" --endpoint "$S3_ENDPOINT" | tail -n 1 | grep -qx "remove_bucket: s3://$1"' sh "$b"
	status "$s: the bucket is gone" 1 rs3 ls "s3://$b"
	t_check "$s: mb/rb --json" sh -c '"$ROMA" s3 mb --json "s3://$1-j" --endpoint "$S3_ENDPOINT" | grep -qx "{\"bucket\":\"$1-j\",\"created\":true}" &&
		"$ROMA" s3 rb --json "s3://$1-j" --endpoint "$S3_ENDPOINT" | grep -qx "{\"bucket\":\"$1-j\",\"removed\":true,\"objects_deleted\":0}"' sh "$b"
	status "$s: a failure with --json still exits 1" 1 rs3 head --json "s3://no-such-bucket-roma/k"
	t_check "$s: ... with an error document" json_has "$T_TMP/out" 'j["error"]["http_status"] == 404 and j["error"]["message"]'
}

# Usage errors need no server.
for args in "" "cp" "cp a" "cp a b" "cp a b c" "ls a" "ls s3://" "rm s3://b" \
    "head s3://b" "mb s3://b/k" "cp --bogus a s3://b/k" "cp --concurrency 0 a s3://b/k" \
    "cp --recursive - s3://b/k" "cp s3://b/k s3://b/k --json --quiet --read-timeout 0"; do
	# shellcheck disable=SC2086 # the arguments are split on purpose
	status "usage error exits 2: roma s3 $args" 2 "$ROMA" s3 $args
done
t_check "roma s3 --help lists the commands" sh -c '
	for c in ls cp rm head presign mb rb sign; do "$ROMA" s3 --help | grep -q "^  $c " || exit 1; done'
for c in ls cp rm head presign mb rb sign; do
	t_check "roma s3 $c --help" sh -c '"$ROMA" s3 "$1" --help | grep -q "^usage: roma s3 $1"' sh "$c"
done

if t_start_moto; then
	private_files
	suite moto roma-moto
	b=roma-moto-x
	rs3 mb "s3://$b" >/dev/null 2>&1
	# 1024-byte keys (s3rver crashes on them).
	long=$(printf 'k%.0s' $(seq 1 1020))/end
	t_check "moto: a 1024-byte key round trip" sh -c '"$ROMA" s3 cp --quiet "$2/mid" "s3://$1/$3" --endpoint "$S3_ENDPOINT" &&
		"$ROMA" s3 ls --recursive "s3://$1" --endpoint "$S3_ENDPOINT" | grep -qF " $3" &&
		"$ROMA" s3 cp "s3://$1/$3" - --endpoint "$S3_ENDPOINT" | cmp -s - "$2/mid" &&
		"$ROMA" s3 rm --quiet "s3://$1/$3" --endpoint "$S3_ENDPOINT"' sh "$b" "$T_TMP" "$long"
	t_check "moto: copy of a key with +" sh -c '"$ROMA" s3 cp --quiet "$2/small" "s3://$1/a+b" --endpoint "$S3_ENDPOINT" &&
		"$ROMA" s3 cp --quiet "s3://$1/a+b" "s3://$1/c+d" --endpoint "$S3_ENDPOINT" &&
		"$ROMA" s3 cp "s3://$1/c+d" - --endpoint "$S3_ENDPOINT" | cmp -s - "$2/small"' sh "$b" "$T_TMP"
	# More than one page of listing (1000 keys a page).
	mkdir -p "$T_TMP/many"
	for i in $(seq -w 1 1005); do printf '%s' "$i" >"$T_TMP/many/f$i"; done
	t_check "moto: 1005 small files up with --recursive" rs3 cp --quiet --recursive "$T_TMP/many" "s3://$b/many/"
	t_check "moto: ls --recursive pages through all of them" sh -c '[ "$("$ROMA" s3 ls --recursive "s3://$1/many/" --endpoint "$S3_ENDPOINT" | wc -l)" = 1005 ]' sh "$b"
	t_check "moto: rm --recursive deletes them in batches" sh -c '[ "$("$ROMA" s3 rm --recursive "s3://$1/many" --endpoint "$S3_ENDPOINT" | wc -l)" = 1005 ]' sh "$b"
	t_check "moto: rb --force" rs3 rb --force "s3://$b"
else
	t_not_ok "moto starts" "$(tail -n 5 "$T_TMP"/moto-*.log)"
fi

if t_start_s3rver; then
	private_files
	suite s3rver roma-s3rver
else
	t_not_ok "s3rver starts" "$(tail -n 5 "$T_TMP"/s3rver-*.log 2>/dev/null)"
fi
t_done
