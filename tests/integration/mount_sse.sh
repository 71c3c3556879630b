#!/usr/bin/env bash
# goofys's S3 write flags in a real mount against moto.  --sse, --sse-kms,
# --storage-class and --acl: checked on the stored objects with the AWS CLI
# after a PUT, a multipart upload, a rename by CopyObject and one by
# multipart copy (UploadPartCopy).  --sse-c and --requester-pays, which moto
# ignores: checked on the wire through tests/faultproxy.py's header log.
# Then the flags' error paths, and the SSE-C key never in the daemon's log
# (trace and --debug) nor left in its argv.
# shellcheck source=tests/integration/mount_lib.sh
. "$(dirname "$0")/mount_lib.sh"
m_require_fuse "mount encryption, ACL and storage class flags"

head -c 12000000 /dev/urandom >"$T_TMP/big" # 3 parts of 5 MiB
head -c 200000 /dev/urandom >"$T_TMP/mid"   # over 128 KiB
head -c 1000 /dev/urandom >"$T_TMP/tiny"
KEY=$(head -c 32 /dev/urandom | base64)
KEY_MD5=$(printf '%s' "$KEY" | base64 -d | openssl dgst -md5 -binary | base64)
printf '%s\n' "$KEY" >"$T_TMP/key"
chmod 600 "$T_TMP/key"
mkdir -p "$T_TMP/mp"

# refused DESC PATTERN FLAGS...: the mount exits 1 before doing anything,
# saying PATTERN, never the key.
refused() {
	local desc=$1 pat=$2 rc=0
	shift 2
	"$ROMA" mount "$@" no-bucket "$T_TMP/mp" >"$T_TMP/out" 2>"$T_TMP/err" || rc=$?
	if [ "$rc" = 1 ] && grep -qF -- "$pat" "$T_TMP/err" &&
	    ! grep -qF -- "$KEY" "$T_TMP/err"; then
		t_ok "$desc"
	else
		t_not_ok "$desc" "exit $rc: $(head -c 300 "$T_TMP/err")"
	fi
}

refused "--acl with a value S3 does not know" \
	"--acl public: not a canned ACL; use one of: private, public-read," --acl public
refused "--storage-class with a value S3 does not know" \
	"--storage-class standard: not a storage class; use one of: STANDARD," \
	--storage-class standard
refused "--sse-c with a 16-byte key" "is 16 bytes once decoded; AES-256 needs 32" \
	--sse-c "$(head -c 16 /dev/urandom | base64)"
refused "--sse-c that is not base64" "the SSE-C key is not base64" --sse-c 'not-a-key!'
refused "--sse-c-file missing" "--sse-c-file $T_TMP/none: No such file or directory" \
	--sse-c-file "$T_TMP/none"
refused "--sse-c-file unreadable (a directory)" "--sse-c-file $T_TMP: Is a directory" \
	--sse-c-file "$T_TMP"
: >"$T_TMP/empty"
refused "--sse-c-file empty" "is empty" --sse-c-file "$T_TMP/empty"
refused "--sse-c with --sse" "cannot be combined with --sse or --sse-kms" \
	--sse --sse-c-file "$T_TMP/key"
refused "--sse-c and --sse-c-file together" "use one" \
	--sse-c "$KEY" --sse-c-file "$T_TMP/key"

# shellcheck disable=SC2119 # no --auth
if ! t_start_moto; then
	t_not_ok "moto starts" "$(tail -n 5 "$T_TMP"/moto-*.log)"
	t_done
	exit
fi


# write_all NAME BUCKET FLAGS...: mount; write tiny (PUT), mid (PUT), big
# (multipart); rename tiny (CopyObject) and big (multipart copy); check the
# bytes; unmount.
write_all() {
	local name=$1 b=$2 m
	shift 2
	t_mkbucket "$b"
	if ! m_mount "$name" "$b" --part-size 5M --copy-threshold 5M "$@"; then
		t_not_ok "$name: mount" "$(tail -n 5 "$T_TMP/$name.log" 2>/dev/null)"
		return 1
	fi
	m=$MNT
	cp "$T_TMP/tiny" "$T_TMP/mid" "$T_TMP/big" "$m/" &&
	    mv "$m/tiny" "$m/tiny2" && mv "$m/big" "$m/big2"
	t_check "$name: written, renamed, bytes intact" bash -c '
		m_same "$1/tiny" "$2" tiny2 && m_same "$1/mid" "$2" mid &&
		m_same "$1/big" "$2" big2' bash "$T_TMP" "$b"
	t_check "$name: unmount" m_umount "$m"
}

# Objects written through every path: PUT, multipart, the two copies.
KEYS=(mid tiny2 big2)

if write_all sse sse-b --sse; then
	for k in "${KEYS[@]}"; do
		t_check "--sse: $k is AES256" t_want_attrs sse-b "$k" "AES256 None None"
	done
fi

if write_all kms kms-b --sse-kms roma-test-key; then
	for k in "${KEYS[@]}"; do
		t_check "--sse-kms ID: $k is aws:kms with that key" \
			t_want_attrs kms-b "$k" "aws:kms roma-test-key None"
	done
fi

if write_all kms0 kms0-b --sse-kms=; then
	t_check "--sse-kms '': aws:kms with the account's key" \
		t_want_attrs kms0-b big2 "aws:kms None None"
fi

if write_all ia ia-b --storage-class STANDARD_IA --acl public-read; then
	t_check "--storage-class STANDARD_IA: PUT over 128 KiB" t_want_attrs ia-b mid "None None STANDARD_IA"
	t_check "... multipart, then multipart copy" t_want_attrs ia-b big2 "None None STANDARD_IA"
	t_check "... under 128 KiB written as STANDARD, as goofys" t_want_attrs ia-b tiny2 "None None None"
	for k in "${KEYS[@]}"; do
		t_check "--acl public-read: $k is readable by all users" t_want_public ia-b "$k"
	done
fi

if write_all std std-b; then
	t_check "no flags: STANDARD, no encryption" t_want_attrs std-b big2 "None None None"
	t_fail_check "no flags: no public grant" t_want_public std-b mid
fi

# --- On the wire: SSE-C and requester pays ---------------------------------

if ! t_start_proxy "$S3_ENDPOINT"; then
	t_not_ok "faultproxy starts"
	t_done
	exit
fi
HDRS=x-amz-server-side-encryption-customer-algorithm,x-amz-server-side-encryption-customer-key
HDRS=$HDRS,x-amz-server-side-encryption-customer-key-md5,x-amz-copy-source
HDRS=$HDRS,x-amz-copy-source-server-side-encryption-customer-algorithm
HDRS=$HDRS,x-amz-copy-source-server-side-encryption-customer-key
HDRS=$HDRS,x-amz-copy-source-server-side-encryption-customer-key-md5
HDRS=$HDRS,x-amz-request-payer,x-amz-server-side-encryption,x-amz-acl,x-amz-storage-class
curl -fsS "$PROXY_ENDPOINT/__fault/headers?names=$HDRS" >/dev/null
hlog() {
	curl -fsS "$PROXY_ENDPOINT/__fault/headers"
}

# check_ssec BUCKET: in the header log, every request on an object but a
# DELETE carries the key, its MD5 and the algorithm; copies carry them as
# the source's too; nothing asks for SSE-S3; each kind of write was seen.
check_ssec() {
	hlog | python3 -c '
import sys
b, key, md5 = sys.argv[1:]

def fields(p):
    return {p + "server-side-encryption-customer-algorithm: AES256",
            p + "server-side-encryption-customer-key: " + key,
            p + "server-side-encryption-customer-key-md5: " + md5}

kinds, bad = set(), []
for line in sys.stdin.read().splitlines():
    method, target, *hdrs = line.split("\t")
    hdrs = set(hdrs)
    if not target.startswith("/%s/" % b):
        continue
    copy = any(h.startswith("x-amz-copy-source: ") for h in hdrs)
    kind = method
    for q, name in (("uploads=", " create"), ("partNumber=", " part"),
                    ("uploadId=", " complete")):
        if q in target:
            kind += name
            break
    kinds.add(kind + (" copy" if copy else ""))
    if any(h.startswith("x-amz-server-side-encryption: ") for h in hdrs):
        bad.append("SSE-S3 asked: " + line[:200])
    need = fields("x-amz-") | (fields("x-amz-copy-source-") if copy else set())
    if method != "DELETE" and not need <= hdrs:
        bad.append("no key: " + line[:200])
need = {"HEAD", "PUT", "POST create", "PUT part", "POST complete",
        "PUT copy", "PUT part copy"}
if not need <= kinds:
    bad.append("not seen: %s" % sorted(need - kinds))
print("\n".join(bad[:5]))
sys.exit(1 if bad else 0)' "$1" "$KEY" "$KEY_MD5"
}

# Every request, object or bucket, carries x-amz-request-payer.
check_payer() {
	local log bad
	log=$(hlog)
	[ -n "$log" ] || { echo "empty header log"; return 1; }
	bad=$(grep -v $'\tx-amz-request-payer: requester' <<<"$log")
	[ -z "$bad" ] || { echo "without it: ${bad:0:300}"; return 1; }
}

M_ENDPOINT=$PROXY_ENDPOINT
curl -fsS "$PROXY_ENDPOINT/__fault/clear" >/dev/null
if ROMA_LOG=trace write_all ssec ssec-b --sse-c-file "$T_TMP/key" --requester-pays; then
	t_check "--sse-c: the key on PUT, HEAD, multipart and copies (both sides)" check_ssec ssec-b
	t_check "--requester-pays: on every request" check_payer
	t_check "--sse-c: the key is not in the trace log" bash -c '
		grep -q "customer-key: <redacted>" "$1" && ! grep -qF -- "$2" "$1"' bash "$T_TMP/ssec.log" "$KEY"
fi

# Read back with the key on the command line: blanked in argv, never logged.
curl -fsS "$PROXY_ENDPOINT/__fault/clear" >/dev/null
if m_mount ssec2 ssec-b --debug --sse-c "$KEY" 2>"$T_TMP/ssec2.err"; then
	t_check "--sse-c KEY: read back through a new mount" cmp "$T_TMP/big" "$MNT/big2"
	t_check "... GET and HEAD carry the key" bash -c '
		grep -q "^GET	/ssec-b/big2	.*customer-key: $1" <<<"$2" &&
		grep -q "^HEAD	/ssec-b/big2	.*customer-key-md5: $3" <<<"$2"' bash "$KEY" "$(hlog)" "$KEY_MD5"
	t_check "... warned about on stderr" grep -q "warning: --sse-c puts the key" "$T_TMP/ssec2.err"
	t_check "... not left in the daemon's argv" bash -c '
		[ -n "$1" ] && tr "\0" " " <"/proc/$1/cmdline" | grep -q -- "--sse-c \*\*\*" &&
		! grep -qF -- "$2" "/proc/$1/cmdline"' bash "$MPID" "$KEY"
	t_check "... not in the --debug log" bash -c '
		[ -s "$1" ] && ! grep -qF -- "$2" "$1"' bash "$T_TMP/ssec2.log" "$KEY"
	t_check "unmount (ssec2)" m_umount "$MNT"
else
	t_not_ok "mount with --sse-c KEY" "$(cat "$T_TMP/ssec2.err")"
fi
t_done
