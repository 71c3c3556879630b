#!/usr/bin/env bash
# The AWS CLI's object flags of `roma s3` against moto: --sse, --sse-kms-key-id,
# --storage-class and --acl checked on the stored objects with the AWS CLI
# after one PUT, a multipart upload, a copy and a recursive upload.  SSE-C
# and --request-payer, which moto ignores, checked on the wire through
# tests/faultproxy.py's header log, SSE-C keys also against the AWS CLI's
# own requests (same key, same headers).  Then the usage errors, and the
# key never in --debug output nor left in argv.
. "$(dirname "$0")/../lib.sh"

head -c 1000 /dev/urandom >"$T_TMP/small"
head -c 12000000 /dev/urandom >"$T_TMP/big" # 3 parts of 5 MiB
mkdir -p "$T_TMP/tree/a"
head -c 300 /dev/urandom >"$T_TMP/tree/x"
head -c 700 /dev/urandom >"$T_TMP/tree/a/y"
# The AWS CLI's keys are 32 raw bytes: binary from fileb://, text from
# file:// (here with a newline, which roma drops) or the command line.
head -c 32 /dev/urandom >"$T_TMP/k.bin"
KEY_B64=$(base64 <"$T_TMP/k.bin")
KEY_MD5=$(openssl dgst -md5 -binary <"$T_TMP/k.bin" | base64)
TKEY=$(head -c 24 /dev/urandom | base64) # 32 printable bytes
printf '%s\n' "$TKEY" >"$T_TMP/k.txt"
TKEY_B64=$(printf '%s' "$TKEY" | base64)
TKEY_MD5=$(printf '%s' "$TKEY" | openssl dgst -md5 -binary | base64)
chmod 600 "$T_TMP/k.bin" "$T_TMP/k.txt"
head -c 16 /dev/urandom >"$T_TMP/k16"
EP=http://127.0.0.1:9

# rs3 ARGS...: roma s3 against $EP.
rs3() {
	"$ROMA" s3 "$@" --endpoint "$EP"
}

# usage DESC PATTERN ARGS...: roma s3 ARGS exits 2 before any request, the
# first line after any warning saying PATTERN, no key anywhere.
usage() {
	local desc=$1 pat=$2 rc=0
	shift 2
	rs3 "$@" >"$T_TMP/out" 2>"$T_TMP/err" || rc=$?
	if [ "$rc" = 2 ] &&
	    grep -v '^roma s3 [a-z]*: warning: ' "$T_TMP/err" | head -n 1 | grep -qF -- "$pat" &&
	    ! grep -qF -e "$TKEY" -e "$KEY_B64" "$T_TMP/err"; then
		t_ok "$desc"
	else
		t_not_ok "$desc" "exit $rc: $(head -c 400 "$T_TMP/err")"
	fi
}

S=$T_TMP/small
KB=fileb://$T_TMP/k.bin
usage "--sse with a value S3 does not know" "--sse wants AES256|aws:kms, not 'AES128'" \
	cp "$S" s3://b/k --sse AES128
usage "a bare --sse takes the next word for its value, as in the AWS CLI" \
	"--sse wants AES256|aws:kms, not '$S'" cp --sse "$S" s3://b/k
usage "--sse-c without --sse-c-key" "--sse-c needs --sse-c-key" cp "$S" s3://b/k --sse-c
usage "--sse-c-key without --sse-c" "--sse-c-key needs --sse-c AES256" cp "$S" s3://b/k --sse-c-key "$KB"
usage "--sse-c-copy-source without its key" "--sse-c-copy-source needs --sse-c-copy-source-key" \
	cp s3://b/k s3://b/k2 --sse-c-copy-source
usage "--sse with --sse-c" "--sse and --sse-c cannot be combined" \
	cp "$S" s3://b/k --sse-c --sse-c-key "$KB" --sse
usage "--sse-kms-key-id without --sse aws:kms" "--sse-kms-key-id needs --sse aws:kms" \
	cp "$S" s3://b/k --sse AES256 --sse-kms-key-id roma-test-key
usage "--acl with a value S3 does not know" \
	"--acl public: not a canned ACL for objects; use one of: private, public-read," \
	cp "$S" s3://b/k --acl public
usage "--storage-class with a value S3 does not know" \
	"--storage-class standard: not a storage class; use one of: STANDARD," \
	cp "$S" s3://b/k --storage-class standard
usage "--request-payer with another value" "--request-payer wants requester, not 'owner'" \
	cp "$S" s3://b/k --request-payer owner
usage "a 16-byte key" "--sse-c-key: the key is 16 bytes; AES256 needs exactly 32, raw (not base64)" \
	cp "$S" s3://b/k --sse-c --sse-c-key "fileb://$T_TMP/k16"
usage "a base64 key (goofys's form) on the command line" "--sse-c-key: the key is 44 bytes" \
	cp "$S" s3://b/k --sse-c --sse-c-key "$KEY_B64"
usage "a missing key file" "--sse-c-key fileb://$T_TMP/none: No such file or directory" \
	cp "$S" s3://b/k --sse-c --sse-c-key "fileb://$T_TMP/none"
usage "--sse-c-copy-source on an upload" "--sse-c-copy-source is for S3-to-S3 copies" \
	cp "$S" s3://b/k --sse-c-copy-source --sse-c-copy-source-key "$KB"
usage "--sse-c-copy-source on a download" "--sse-c-copy-source is for S3-to-S3 copies" \
	cp s3://b/k "$T_TMP/x" --sse-c-copy-source --sse-c-copy-source-key "$KB"
usage "ls --request-payer takes the next word too" "--request-payer wants requester, not 's3://b'" \
	ls --request-payer s3://b
usage "rm has no --sse-c" "unknown option '--sse-c'" rm s3://b/k --sse-c
usage "head --sse-c without its key" "--sse-c needs --sse-c-key" head s3://b/k --sse-c

if ! t_start_moto; then
	t_not_ok "moto starts" "$(tail -n 5 "$T_TMP"/moto-*.log)"
	t_done
	exit
fi
chmod 600 "$AWS_CONFIG_FILE" "$AWS_SHARED_CREDENTIALS_FILE"
EP=$S3_ENDPOINT
B=roma-sse
t_mkbucket "$B"

want_attrs() { t_want_attrs "$B" "$@"; }
want_public() { t_want_public "$B" "$@"; }

# up NAME FLAGS...: small as NAME/small (one PUT), big as NAME/big (three
# parts), both with FLAGS.
up() {
	local n=$1
	shift
	rs3 cp --quiet "$T_TMP/small" "s3://$B/$n/small" "$@" &&
	    rs3 cp --quiet --part-size 5MiB "$T_TMP/big" "s3://$B/$n/big" "$@"
}

# up_check NAME WANT FLAGS...: up, then both objects read back as WANT.
up_check() {
	local n=$1 want=$2 k
	shift 2
	if ! up "$n" "$@" 2>"$T_TMP/err"; then
		t_not_ok "$*: uploaded" "$(head -c 300 "$T_TMP/err")"
		return
	fi
	for k in small big; do
		t_check "$*: $k ($([ $k = big ] && echo multipart || echo PUT)) is '$want'" \
			want_attrs "$n/$k" "$want"
	done
}

up_check sse "AES256 None None" --sse
up_check sse2 "AES256 None None" --sse AES256
up_check kms "aws:kms roma-test-key None" --sse aws:kms --sse-kms-key-id roma-test-key
up_check kms0 "aws:kms None None" --sse=aws:kms
up_check ia "None None STANDARD_IA" --storage-class STANDARD_IA --acl public-read
for k in small big; do
	t_check "--acl public-read: ia/$k is readable by all users" want_public "ia/$k"
done
up_check plain "None None None"
t_fail_check "no flags: no public grant" want_public plain/big

t_check "copy with --sse --storage-class GLACIER_IR --acl public-read" \
	rs3 cp --quiet "s3://$B/plain/small" "s3://$B/copy/small" --sse --storage-class GLACIER_IR \
	--acl public-read
t_check "... the copy is AES256, GLACIER_IR" want_attrs copy/small "AES256 None GLACIER_IR"
t_check "... and public" want_public copy/small
t_check "cp --recursive with --sse aws:kms --storage-class ONEZONE_IA" \
	rs3 cp --quiet --recursive "$T_TMP/tree" "s3://$B/tree" --sse aws:kms --storage-class ONEZONE_IA
for k in x a/y; do
	t_check "... tree/$k is aws:kms, ONEZONE_IA" want_attrs "tree/$k" "aws:kms None ONEZONE_IA"
done
rm -f "$T_TMP/got"
t_check "a download with --acl: warned, ignored" bash -c '
	"$ROMA" s3 cp --quiet "s3://$1/kms/big" "$2/got" --acl private --endpoint "$3" 2>"$2/err" &&
	cmp "$2/got" "$2/big" && grep -q "warning: --acl sets how objects are written to S3; a download ignores it" "$2/err"' \
	bash "$B" "$T_TMP" "$EP"

# --- On the wire: SSE-C and requester pays ----------------------------------

if ! t_start_proxy "$S3_ENDPOINT"; then
	t_not_ok "faultproxy starts"
	t_done
	exit
fi
P=x-amz-server-side-encryption-customer
HDRS=$P-algorithm,$P-key,$P-key-md5,x-amz-copy-source
HDRS=$HDRS,x-amz-copy-source-server-side-encryption-customer-algorithm
HDRS=$HDRS,x-amz-copy-source-server-side-encryption-customer-key
HDRS=$HDRS,x-amz-copy-source-server-side-encryption-customer-key-md5
HDRS=$HDRS,x-amz-request-payer,x-amz-server-side-encryption
curl -fsS "$PROXY_ENDPOINT/__fault/headers?names=$HDRS" >/dev/null
EP=$PROXY_ENDPOINT
hlog() {
	curl -fsS "$PROXY_ENDPOINT/__fault/headers"
}

# keyed PREFIX B64 MD5 KINDS: in the header log, every request on a key
# under PREFIX carries the key, its MD5 and the algorithm (as the source's
# too on copies: SRC-B64 SRC-MD5 in $5 $6), never SSE-S3's header; each of
# KINDS (comma-separated: "PUT", "POST create", "GET", ...) was seen.
keyed() {
	hlog | python3 -c '
import sys
pfx, key, md5, kinds = sys.argv[1:5]
src = sys.argv[5:7]

def fields(p, k, m):
    return {p + "server-side-encryption-customer-algorithm: AES256",
            p + "server-side-encryption-customer-key: " + k,
            p + "server-side-encryption-customer-key-md5: " + m}

seen, bad = set(), []
for line in sys.stdin.read().splitlines():
    method, target, *hdrs = line.split("\t")
    hdrs = set(hdrs)
    if not target.startswith(pfx):
        continue
    copy = any(h.startswith("x-amz-copy-source: ") for h in hdrs)
    kind = method
    for q, name in (("uploads", " create"), ("partNumber=", " part"),
                    ("uploadId=", " complete")):
        if q in target:
            kind += name
            break
    seen.add(kind + (" copy" if copy else ""))
    if any(h.startswith("x-amz-server-side-encryption: ") for h in hdrs):
        bad.append("SSE-S3 asked: " + line[:200])
    need = fields("x-amz-", key, md5)
    if copy and src:
        need |= fields("x-amz-copy-source-", *src)
    if not need <= hdrs:
        bad.append("no key: " + line[:200])
want = set(kinds.split(","))
if not want <= seen:
    bad.append("not seen: %s (seen %s)" % (sorted(want - seen), sorted(seen)))
print("\n".join(bad[:5]))
sys.exit(1 if bad else 0)' "/$B/$1" "$2" "$3" "$4" "${@:5}"
}

clear_log() {
	curl -fsS "$PROXY_ENDPOINT/__fault/clear" >/dev/null
}

SSEC=(--sse-c --sse-c-key "$KB")
clear_log
if up c "${SSEC[@]}" 2>"$T_TMP/err"; then
	t_check "--sse-c-key fileb://: the key on the PUT and every multipart request" \
		keyed c/ "$KEY_B64" "$KEY_MD5" "PUT,POST create,PUT part,POST complete"
else
	t_not_ok "SSE-C uploads" "$(head -c 300 "$T_TMP/err")"
fi
clear_log
rm -f "$T_TMP/got"
t_check "SSE-C download (3 ranges) with the key" rs3 cp --quiet --part-size 5MiB "s3://$B/c/big" "$T_TMP/got" "${SSEC[@]}"
t_check "... byte-identical" cmp "$T_TMP/got" "$T_TMP/big"
t_check "... the key on the HEAD and every GET" keyed c/big "$KEY_B64" "$KEY_MD5" "HEAD,GET"
clear_log
t_check "SSE-C download to stdout, and --recursive (a GET without HEAD)" bash -c '
	"$ROMA" s3 cp "s3://$1/c/small" - --sse-c --sse-c-key "$2" --endpoint "$3" | cmp - "$4/small" &&
	"$ROMA" s3 cp --quiet --recursive "s3://$1/c" "$4/cdir" --sse-c --sse-c-key "$2" --endpoint "$3" &&
	cmp "$4/cdir/small" "$4/small" && cmp "$4/cdir/big" "$4/big"' bash "$B" "$KB" "$EP" "$T_TMP"
t_check "... the key on all of them" keyed c/ "$KEY_B64" "$KEY_MD5" "HEAD,GET"
clear_log
t_check "head --sse-c: the object's size" bash -c '
	"$ROMA" s3 head "s3://$1/c/big" --sse-c --sse-c-key "$2" --endpoint "$3" | grep -qx "size  *12000000"' \
	bash "$B" "$KB" "$EP"
t_check "... the key on the HEAD" keyed c/big "$KEY_B64" "$KEY_MD5" "HEAD"

# The AWS CLI, given the same key in the same forms, sends the same lines.
clear_log
t_check "the AWS CLI reads roma's SSE-C object with fileb:// (the same key)" bash -c '
	AWS_MAX_ATTEMPTS=1 aws --endpoint-url "$1" s3 cp "s3://$2/c/small" - --sse-c AES256 \
	    --sse-c-key "$3" | cmp - "$4/small"' bash "$EP" "$B" "$KB" "$T_TMP"
t_check "... its requests carry roma's key and MD5" keyed c/small "$KEY_B64" "$KEY_MD5" "HEAD,GET"
clear_log
t_check "file:// (text, newline dropped) and the AWS CLI's literal key agree" bash -c '
	"$ROMA" s3 cp --quiet "$1/small" "s3://$2/t/small" --sse-c --sse-c-key "file://$1/k.txt" --endpoint "$3" &&
	AWS_MAX_ATTEMPTS=1 aws --endpoint-url "$3" s3 cp "s3://$2/t/small" - --sse-c AES256 \
	    --sse-c-key "$4" | cmp - "$1/small"' bash "$T_TMP" "$B" "$EP" "$TKEY"
t_check "... one key on the PUT, HEAD and GET" keyed t/ "$TKEY_B64" "$TKEY_MD5" "PUT,HEAD,GET"

# A copy from one key to another: the source's key on its HEAD and as the
# copy source's, the copy's own key on the copy.
clear_log
t_check "S3-to-S3 copy of an SSE-C object to another key" rs3 cp --quiet "s3://$B/c/small" \
	"s3://$B/c2/small" --sse-c-copy-source --sse-c-copy-source-key "$KB" --sse-c --sse-c-key \
	"file://$T_TMP/k.txt"
t_check "... HEAD of the source with its key" keyed c/small "$KEY_B64" "$KEY_MD5" "HEAD"
t_check "... the copy with both keys" keyed c2/ "$TKEY_B64" "$TKEY_MD5" "PUT copy" "$KEY_B64" "$KEY_MD5"
clear_log
t_check "S3-to-S3 copy of an SSE-C object to a plain one" rs3 cp --quiet "s3://$B/c/small" \
	"s3://$B/c3/small" --sse-c-copy-source AES256 --sse-c-copy-source-key "$KB"
t_check "... the source's key only as the copy source's" bash -c '
	l=$(grep "^PUT	/$1/c3/small	" <<<"$2") &&
	grep -q "copy-source-server-side-encryption-customer-key: $3" <<<"$l" &&
	! grep -q "	x-amz-server-side-encryption-customer-key:" <<<"$l"' bash "$B" "$(hlog)" "$KEY_B64"

# Requester pays: every request of cp, ls, head and rm; none without it.
payer_all() {
	rs3 cp "$T_TMP/small" "s3://$B/rp/a" --request-payer &&
	    rs3 cp "$T_TMP/small" "s3://$B/rp/b" --request-payer requester &&
	    rs3 cp "s3://$B/rp/a" "$T_TMP/rp" --request-payer &&
	    rs3 ls "s3://$B/rp/" --request-payer && rs3 head "s3://$B/rp/a" --request-payer &&
	    rs3 rm "s3://$B/rp/a" --request-payer &&
	    rs3 rm --recursive "s3://$B/rp" --request-payer=requester
}

# payer_everywhere: at least 8 requests logged, each with requester pays.
payer_everywhere() {
	local log
	log=$(hlog) || return
	[ "$(wc -l <<<"$log")" -ge 8 ] || { echo "log: $log"; return 1; }
	! grep -v $'\tx-amz-request-payer: requester' <<<"$log"
}

clear_log
t_check "--request-payer on cp (up, down), ls, head, rm, rm --recursive" payer_all
t_check "... on every request" payer_everywhere
clear_log
rs3 ls "s3://$B/c/" >/dev/null
t_check "... and on none without it" bash -c '[ -n "$1" ] && ! grep -q "request-payer" <<<"$1"' bash "$(hlog)"

# --- The key never shown -----------------------------------------------------

clear_log
rs3 cp --quiet --part-size 5MiB "$T_TMP/big" "s3://$B/d/big" --sse-c --sse-c-key "$KB" --debug 2>"$T_TMP/debug"
rs3 cp --quiet "s3://$B/d/big" "$T_TMP/got2" --sse-c --sse-c-key "$KB" --debug 2>>"$T_TMP/debug"
rs3 cp --quiet "s3://$B/d/big" "s3://$B/d/big2" --sse-c-copy-source --sse-c-copy-source-key "$KB" \
	--sse-c --sse-c-key "file://$T_TMP/k.txt" --debug 2>>"$T_TMP/debug"
t_check "--debug traces the key headers, redacted" grep -q "customer-key: <redacted>" "$T_TMP/debug"
t_check "... and shows neither key" bash -c '! grep -qF -e "$1" -e "$2" -e "$3" "$4"' \
	bash "$KEY_B64" "$TKEY" "$TKEY_B64" "$T_TMP/debug"

# A key on the command line: warned about, blanked in argv while roma runs
# (here waiting on its stdin), never in the --debug output.
mkfifo "$T_TMP/fifo"
"$ROMA" s3 cp - "s3://$B/lit" --sse-c --sse-c-key "$TKEY" --debug --endpoint "$EP" \
	<"$T_TMP/fifo" >/dev/null 2>"$T_TMP/lit.err" &
pid=$!
exec 3>"$T_TMP/fifo"
cmdline=
for _ in $(seq 1 50); do
	cmdline=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)
	case $cmdline in *"--sse-c-key ****"*) break ;; esac
	sleep 0.1
done
t_check "a literal key is blanked in roma's argv" bash -c '
	case $1 in *"--sse-c-key ********************************"*) ;; *) exit 1 ;; esac &&
	! grep -qF -- "$2" <<<"$1"' bash "$cmdline" "$TKEY"
printf 'abc' >&3
exec 3>&-
rc=0
wait "$pid" || rc=$?
t_check "... the upload completes" test "$rc" = 0
t_check "... with the key on the PUT" keyed lit "$TKEY_B64" "$TKEY_MD5" "PUT"
t_check "... after a warning" grep -q "warning: --sse-c-key puts the key on the command line" "$T_TMP/lit.err"
t_check "... and the key is not in the --debug output" bash -c '
	grep -q "customer-key: <redacted>" "$3" && ! grep -qF -e "$1" -e "$2" "$3"' \
	bash "$TKEY" "$TKEY_B64" "$T_TMP/lit.err"
t_done
