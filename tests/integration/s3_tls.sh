#!/usr/bin/env bash
# S3 over HTTPS: s3rver (which checks every SigV4 signature) behind
# tests/faultproxy.py serving TLS with a throwaway CA.  `roma s3 cp` and a
# mount upload and read back one PUT, a multipart upload and a copy; the
# header log shows which payload hash each upload was signed with:
# UNSIGNED-PAYLOAD over TLS and to loopback, the body's SHA-256 over plain
# HTTP to another address (skipped when the machine has none).
. "$(dirname "$0")/mount_lib.sh"

cd "$T_TMP" || exit 1
if ! t_mkca . || ! t_mkcert . localhost "DNS:localhost,IP:127.0.0.1"; then
	t_not_ok "make a test CA and a server certificate with openssl"
	t_done
	exit
fi
CA=$T_TMP/ca.pem
if ! t_start_s3rver; then
	t_not_ok "s3rver starts"
	t_done
	exit
fi
UP=$S3_ENDPOINT
t_start_proxy "$UP" pass "$T_TMP/localhost.pem,$T_TMP/localhost.key" || exit 1
TLS=$PROXY_ENDPOINT
t_start_proxy "$UP" || exit 1
PLAIN=$PROXY_ENDPOINT
t_mkbucket tls

head -c 1000 /dev/urandom >small
head -c 12000000 /dev/urandom >big # 3 parts of 5 MiB

# rs3 ENDPOINT ARGS...: roma s3 against ENDPOINT, trusting the test CA.
rs3() {
	local ep=$1
	shift
	"$ROMA" s3 "$@" --endpoint "$ep" --ca-bundle "$CA"
}

# hashes ENDPOINT: turn on the header log of that proxy and empty it;
# hlog ENDPOINT prints "METHOD TAB TARGET TAB x-amz-content-sha256: V".
hashes() {
	curl -fsS --cacert "$CA" "$1/__fault/headers?names=x-amz-content-sha256" >/dev/null &&
	    curl -fsS --cacert "$CA" "$1/__fault/clear" >/dev/null
}
hlog() {
	curl -fsS --cacert "$CA" "$1/__fault/headers"
}

# unsigned_uploads ENDPOINT: the log holds parts or PUTs with a body, each
# signed UNSIGNED-PAYLOAD; requests without a body carry the empty string's
# hash, which costs nothing; no other hash appears.
EMPTY=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
unsigned_uploads() {
	hlog "$1" | awk -F'\t' -v empty="x-amz-content-sha256: $EMPTY" '
		$3 == "x-amz-content-sha256: UNSIGNED-PAYLOAD" { if ($1 == "PUT") n++; next }
		$3 != empty { print "signed: " $0; bad++ }
		END { exit !(n > 0 && bad == 0) }'
}

# hashed_put ENDPOINT HEX: the one PUT in the log was signed with HEX.
hashed_put() {
	[ "$(hlog "$1" | awk -F'\t' '$1 == "PUT" { print $3 }')" = "x-amz-content-sha256: $2" ]
}

# same_get ENDPOINT KEY FILE: roma s3 cp of the object to stdout gives FILE.
same_get() {
	rs3 "$1" cp "s3://tls/$2" - | cmp -s "$3" -
}

hashes "$TLS"
t_check "roma s3 cp uploads one PUT over https" rs3 "$TLS" cp small s3://tls/small
t_check "roma s3 cp uploads a multipart upload over https" \
	rs3 "$TLS" cp big s3://tls/big --part-size 5MiB
t_check "roma s3 cp copies an object over https" rs3 "$TLS" cp s3://tls/big s3://tls/big2
t_check "the uploads over https are whole" \
	bash -c 'm_same small tls small && m_same big tls big && m_same big tls big2'
t_check "roma s3 cp downloads over https" same_get "$TLS" big big
t_check "uploads over https are signed with UNSIGNED-PAYLOAD (TLS keeps the body intact)" \
	unsigned_uploads "$TLS"
t_fail_check "without the test CA, https is refused" \
	"$ROMA" s3 ls s3://tls --endpoint "$TLS"

hashes "$PLAIN"
t_check "roma s3 cp uploads over plain http to loopback" \
	rs3 "$PLAIN" cp big s3://tls/plain --part-size 5MiB
t_check "uploads to a loopback endpoint are signed with UNSIGNED-PAYLOAD (no network in between)" \
	unsigned_uploads "$PLAIN"

# Plain HTTP across a network: the proxy on all addresses, reached through
# this machine's first global address.
ADDR=$(ip -4 -o addr show scope global 2>/dev/null | awk '{ sub(/\/.*/, "", $4); print $4; exit }')
if [ -n "$ADDR" ]; then
	port=$(t_free_port)
	t_bg python3 "$T_ROOT/tests/faultproxy.py" --listen "0.0.0.0:$port" --upstream "$UP" \
	    >"$T_TMP/proxy-net.log" 2>&1
	t_wait_port "$port" 20
	NET=http://$ADDR:$port
	hashes "$NET"
	t_check "roma s3 cp uploads over plain http to $ADDR" rs3 "$NET" cp small s3://tls/net
	want=$(sha256sum small | cut -d' ' -f1)
	t_check "over plain http across a network the upload is signed with its SHA-256" \
	    hashed_put "$NET" "$want"
else
	t_ok "plain http across a network # SKIP no global IPv4 address"
fi

if [ ! -c /dev/fuse ]; then
	t_ok "a mount over https # SKIP /dev/fuse is missing"
	t_done
	exit
fi
hashes "$TLS"
if M_ENDPOINT=$TLS m_mount m tls --ca-bundle "$CA" --part-size 5M; then
	t_ok "roma mount over https"
	t_check "a small write through the mount over https" cp small "$MNT/msmall"
	t_check "a multipart write through the mount over https" \
	    dd if=big of="$MNT/mbig" bs=1M status=none
	t_check "a rename (copy and delete) through the mount over https" \
	    mv "$MNT/mbig" "$MNT/mbig2"
	t_check "the mount's uploads are whole" \
	    bash -c 'm_same small tls msmall && m_same big tls mbig2 && ! m_exists tls mbig'
	t_check "reads through the mount over https" cmp big "$MNT/big"
	t_check "the mount's uploads are signed with UNSIGNED-PAYLOAD" unsigned_uploads "$TLS"
	t_check "roma umount" m_umount "$MNT"
else
	t_not_ok "roma mount over https" "$(tail -n 5 "$T_TMP/m.log")"
fi
t_done
