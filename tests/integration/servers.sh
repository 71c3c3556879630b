#!/usr/bin/env bash
# The test infrastructure itself, proven with the AWS CLI and curl: moto (with
# and without signature checks), s3rver and tests/faultproxy.py in each of its
# modes.  When these fail, the S3 tests that rely on them mean nothing.
. "$(dirname "$0")/../lib.sh"

head -c 3000000 /dev/urandom >"$T_TMP/obj"   # 3 MB: one PUT
head -c 20000000 /dev/urandom >"$T_TMP/big"  # 20 MB: a multipart upload
printf 'small object\n' >"$T_TMP/small"
# No curl below may hang the suite (an explicit --max-time wins).
export CURL_HOME=$T_TMP
printf 'max-time = 60\n' >"$CURL_HOME/.curlrc"
# The checks below run in bash -c children: give them the helpers.
export -f t_aws t_curl_s3 t_fault t_fault_log t_fault_clear

# same FILE1 FILE2: byte-identical files.
same() {
	cmp -s "$1" "$2"
}

# roundtrip NAME BUCKET: create BUCKET, put, list, get back and compare, with
# the AWS CLI against $S3_ENDPOINT.
roundtrip() {
	local name=$1 b=$2
	t_check "$name: create bucket $b" t_mkbucket "$b"
	t_check "$name: put an object" t_aws s3 cp --quiet "$T_TMP/obj" "s3://$b/dir/obj"
	t_check "$name: multipart upload" t_aws s3 cp --quiet "$T_TMP/big" "s3://$b/big"
	t_check "$name: list shows both" sh -c '
		out=$(aws --endpoint-url "$S3_ENDPOINT" s3 ls --recursive "s3://$1/") &&
		printf "%s\n" "$out" | grep -Eq " 3000000 dir/obj$" &&
		printf "%s\n" "$out" | grep -Eq " 20000000 big$"' sh "$b"
	rm -f "$T_TMP/got" "$T_TMP/got-big"
	t_check "$name: get back byte-identical" sh -c '
		aws --endpoint-url "$S3_ENDPOINT" s3 cp --quiet "s3://$1/dir/obj" "$2/got" &&
		aws --endpoint-url "$S3_ENDPOINT" s3 cp --quiet "s3://$1/big" "$2/got-big" &&
		cmp "$2/obj" "$2/got" && cmp "$2/big" "$2/got-big"' sh "$b" "$T_TMP"
	t_check "$name: head reports the length" sh -c '
		[ "$(aws --endpoint-url "$S3_ENDPOINT" s3api head-object --bucket "$1" --key dir/obj \
		    --query ContentLength --output text)" = 3000000 ]' sh "$b"
	t_check "$name: delete" t_aws s3 rm --quiet "s3://$b/dir/obj"
	t_fail_check "$name: deleted object is gone" t_aws s3api head-object --bucket "$b" --key dir/obj
}

# --- moto, no signature checks -----------------------------------------------
if t_start_moto; then
	t_ok "moto starts"
	roundtrip moto roma-moto
	t_check "moto: signed curl GET" bash -c '
		t_curl_s3 -fsS "$S3_ENDPOINT/roma-moto/big" -o "$T_TMP/curl-big" &&
		cmp "$T_TMP/curl-big" "$T_TMP/big"'
	MOTO=$S3_ENDPOINT
else
	t_not_ok "moto starts" "$(tail -n 5 "$T_TMP"/moto-*.log)"
	MOTO=
fi

# --- moto verifying SigV4 --------------------------------------------------------
if t_start_moto --auth; then
	t_ok "moto --auth starts with an IAM key"
	roundtrip moto-auth roma-auth
	t_check "moto --auth: the key is not the default test key" \
	    test "$AWS_ACCESS_KEY_ID" != testing
	t_check "moto --auth: a wrong secret is refused with SignatureDoesNotMatch" sh -c '
		out=$(AWS_SECRET_ACCESS_KEY=wrong-secret aws --endpoint-url "$S3_ENDPOINT" \
		    s3api list-objects-v2 --bucket roma-auth 2>&1) && exit 1
		printf "%s\n" "$out" | grep -q SignatureDoesNotMatch'
	t_check "moto --auth: the refusal is HTTP 403" bash -c '
		code=$(AWS_SECRET_ACCESS_KEY=wrong-secret t_curl_s3 -s -o "$T_TMP/err.xml" \
		    -w "%{http_code}" "$S3_ENDPOINT/roma-auth/big") &&
		[ "$code" = 403 ] && grep -q "<Code>SignatureDoesNotMatch</Code>" "$T_TMP/err.xml"'
	t_check "moto --auth: an unknown key is refused with InvalidAccessKeyId" sh -c '
		out=$(AWS_ACCESS_KEY_ID=AKIA-ROMA-TEST-UNKNOWN aws --endpoint-url "$S3_ENDPOINT" \
		    s3api list-objects-v2 --bucket roma-auth 2>&1) && exit 1
		printf "%s\n" "$out" | grep -q InvalidAccessKeyId'
	t_check "moto --auth: unsigned requests are refused" sh -c '
		code=$(curl -s -o /dev/null -w "%{http_code}" "$S3_ENDPOINT/roma-auth/big")
		[ "$code" != 200 ]'
	t_check "moto --auth: the right key signed by curl passes" bash -c '
		t_curl_s3 -fsS -o "$T_TMP/curl-auth" "$S3_ENDPOINT/roma-auth/big" &&
		cmp "$T_TMP/curl-auth" "$T_TMP/big"'

	# Signed requests through the proxy: Host, path and body must arrive
	# exactly as signed, or moto refuses them.
	if t_start_proxy "$S3_ENDPOINT"; then
		t_check "proxy forwards signed requests: upload through it" \
		    env S3_ENDPOINT="$PROXY_ENDPOINT" bash -c '
			t_aws s3 cp --quiet "$1/obj" s3://roma-auth/via-proxy &&
			t_aws s3 cp --quiet "$1/big" s3://roma-auth/big-via-proxy' sh "$T_TMP"
		t_check "proxy forwards signed requests: download through it" \
		    env S3_ENDPOINT="$PROXY_ENDPOINT" bash -c '
			t_aws s3 cp --quiet s3://roma-auth/big-via-proxy "$1/got-proxy" &&
			cmp "$1/big" "$1/got-proxy" &&
			t_aws s3 ls --recursive s3://roma-auth/ | grep -q " via-proxy$"' sh "$T_TMP"
		t_check "proxy forwards a chunked signed upload" bash -c '
			t_curl_s3 -fsS -T - "$PROXY_ENDPOINT/roma-auth/chunked" <"$T_TMP/small" &&
			t_curl_s3 -fsS "$PROXY_ENDPOINT/roma-auth/chunked" | cmp - "$T_TMP/small"'
		t_check "proxy passes the signature refusal through" sh -c '
			out=$(AWS_SECRET_ACCESS_KEY=wrong-secret aws --endpoint-url "$PROXY_ENDPOINT" \
			    s3api list-objects-v2 --bucket roma-auth 2>&1) && exit 1
			printf "%s\n" "$out" | grep -q SignatureDoesNotMatch'
		t_check "proxy log names the forwarded requests" bash -c '
			t_fault_log | grep -Eq "^PUT	/roma-auth/via-proxy	200	-$" &&
			t_fault_log | grep -Eq "^POST	/roma-auth/big-via-proxy\?uploads	200	-$"'
	else
		t_not_ok "proxy starts in front of moto --auth"
	fi
else
	t_not_ok "moto --auth starts with an IAM key" "$(tail -n 5 "$T_TMP"/moto-*.log)"
fi

# --- s3rver ----------------------------------------------------------------------
if t_start_s3rver; then
	t_ok "s3rver starts"
	roundtrip s3rver roma-s3rver
	t_check "s3rver: unsigned curl PUT and GET" sh -c '
		curl -fsS -T "$T_TMP/small" "$S3_ENDPOINT/roma-s3rver/unsigned" &&
		curl -fsS "$S3_ENDPOINT/roma-s3rver/unsigned" | cmp - "$T_TMP/small"'
	if t_start_proxy "$S3_ENDPOINT"; then
		t_check "s3rver through the proxy" env S3_ENDPOINT="$PROXY_ENDPOINT" bash -c '
			t_aws s3 cp --quiet "$1/big" s3://roma-s3rver/via-proxy &&
			t_aws s3 cp --quiet s3://roma-s3rver/via-proxy "$1/got-s3rver-proxy" &&
			cmp "$1/big" "$1/got-s3rver-proxy"' sh "$T_TMP"
	else
		t_not_ok "proxy starts in front of s3rver"
	fi
else
	t_not_ok "s3rver starts" "$(tail -n 5 "$T_TMP"/s3rver-*.log 2>/dev/null)"
fi

# --- each fault mode, seen by curl -------------------------------------------------
[ -n "$MOTO" ] || { t_not_ok "fault modes need moto"; t_done; exit; }
t_s3_use moto
t_start_proxy "$MOTO" || { t_not_ok "proxy starts in front of moto"; t_done; exit; }
t_ok "proxy starts in front of moto"
URL=$PROXY_ENDPOINT/roma-moto/big
export URL

# codes N: the HTTP status of N signed GETs of $URL, space-separated.
codes() {
	local i out=
	for ((i = 0; i < $1; i++)); do
		out+="$(t_curl_s3 -s -o /dev/null -w '%{http_code}' "$URL") "
	done
	printf '%s\n' "${out% }"
}

# fault_code MODE N WANT: after t_fault MODE, N GETs answer with WANT.
fault_code() {
	local got
	t_fault_clear && t_fault "$1" || return 1
	got=$(codes "$2")
	[ "$got" = "$3" ] || { echo "mode $1: got '$got', want '$3'"; return 1; }
}
export -f codes fault_code

t_check "pass: signed curl GET is byte-identical" bash -c '
	t_curl_s3 -fsS -o "$T_TMP/p" "$URL" && cmp "$T_TMP/p" "$T_TMP/big"'
t_check "503:2 answers 503 twice, then 200" fault_code 503:2 3 "503 503 200"
t_check "500:1 answers 500 once, then 200" fault_code 500:1 2 "500 200"
t_check "429:3 answers 429 three times, then 200" fault_code 429:3 4 "429 429 429 200"
t_check "503 body is S3's SlowDown error XML" bash -c '
	t_fault 503:1 &&
	t_curl_s3 -s "$URL" | grep -q "<Error><Code>SlowDown</Code>"'
t_check "the log counts the 503s and the retry" bash -c '
	t_fault_clear && t_fault 503:2 &&
	for i in 1 2 3; do t_curl_s3 -s -o /dev/null "$URL"; done &&
	[ "$(t_fault_log | grep -c "	503	503$")" = 2 ] &&
	[ "$(t_fault_log | grep -c "	200	-$")" = 1 ]'
t_check "the AWS CLI retries through 503:2 and succeeds" bash -c '
	t_fault_clear && t_fault 503:2 &&
	AWS_MAX_ATTEMPTS=5 aws --endpoint-url "$PROXY_ENDPOINT" s3 cp --quiet \
	    s3://roma-moto/big "$T_TMP/retried" && cmp "$T_TMP/retried" "$T_TMP/big" &&
	[ "$(t_fault_log | grep -c "	503	503$")" = 2 ]'
t_check "method filter: 503:1 for PUT leaves GETs alone" bash -c '
	t_fault 503:1 method=PUT &&
	[ "$(codes 1)" = 200 ] &&
	[ "$(t_curl_s3 -s -o /dev/null -w "%{http_code}" -T "$T_TMP/small" \
	    "$PROXY_ENDPOINT/roma-moto/put-503")" = 503 ] &&
	[ "$(t_curl_s3 -s -o /dev/null -w "%{http_code}" -T "$T_TMP/small" \
	    "$PROXY_ENDPOINT/roma-moto/put-503")" = 200 ]'

t_check "truncate: curl reports a short transfer (18)" bash -c '
	t_fault truncate:1 &&
	{ t_curl_s3 -s -o /dev/null "$URL"; [ $? = 18 ]; } && [ "$(codes 1)" = 200 ]'
t_check "reset-mid-body: curl sees the connection reset (56)" bash -c '
	t_fault reset-mid-body:1 &&
	{ t_curl_s3 -s -o "$T_TMP/part" "$URL"; [ $? = 56 ]; } &&
	size=$(stat -c %s "$T_TMP/part") && [ "$size" -gt 0 ] && [ "$size" -lt 20000000 ] &&
	[ "$(codes 1)" = 200 ]'
t_check "stall:1:4: curl --max-time 1 times out (28)" bash -c '
	t_fault stall:1:4 &&
	{ t_curl_s3 -s -o /dev/null --max-time 1 "$URL"; [ $? = 28 ]; }'
t_check "stall:1:1: a patient client gets every byte" bash -c '
	t_fault stall:1:1 && start=$(date +%s%N) &&
	t_curl_s3 -fsS -o "$T_TMP/stalled" --max-time 20 "$URL" &&
	cmp "$T_TMP/stalled" "$T_TMP/big" && [ $(( ($(date +%s%N) - start) / 1000000 )) -ge 1000 ]'
t_check "body faults skip bodiless requests (HEAD passes, GET is hit)" bash -c '
	t_fault truncate:1 &&
	t_curl_s3 -fsS -I -o /dev/null "$URL" &&
	{ t_curl_s3 -s -o /dev/null "$URL"; [ $? = 18 ]; }'
t_check "drop-connection: curl gets an empty reply (52)" bash -c '
	t_fault drop-connection:1 &&
	{ t_curl_s3 -s -o /dev/null "$URL"; [ $? = 52 ]; } && [ "$(codes 1)" = 200 ]'
t_check "redirect-region: 301 PermanentRedirect naming the region" bash -c '
	t_fault redirect-region:1:eu-west-1 &&
	t_curl_s3 -s -D "$T_TMP/h" -o "$T_TMP/b" "$URL" &&
	head -n 1 "$T_TMP/h" | grep -q " 301 " &&
	grep -qi "^x-amz-bucket-region: eu-west-1" "$T_TMP/h" &&
	grep -q "<Code>PermanentRedirect</Code>" "$T_TMP/b" && [ "$(codes 1)" = 200 ]'
t_check "redirect-region: a HEAD gets 301 and the header, no body" bash -c '
	t_fault redirect-region:1:ap-south-1 &&
	t_curl_s3 -s -I "$URL" >"$T_TMP/h" && head -n 1 "$T_TMP/h" | grep -q " 301 " &&
	grep -qi "^x-amz-bucket-region: ap-south-1" "$T_TMP/h"'
t_check "auth-region: 400 AuthorizationHeaderMalformed with <Region>" bash -c '
	t_fault auth-region:1:eu-central-1 &&
	[ "$(t_curl_s3 -s -o "$T_TMP/b" -w "%{http_code}" "$URL")" = 400 ] &&
	grep -q "<Code>AuthorizationHeaderMalformed</Code>" "$T_TMP/b" &&
	grep -q "<Region>eu-central-1</Region>" "$T_TMP/b" &&
	grep -q "the region .us-east-1. is wrong" "$T_TMP/b"'
t_check "skew: 403 RequestTimeTooSkewed with ServerTime" bash -c '
	t_fault skew:1:7200 &&
	[ "$(t_curl_s3 -s -o "$T_TMP/b" -w "%{http_code}" "$URL")" = 403 ] &&
	grep -q "<Code>RequestTimeTooSkewed</Code>" "$T_TMP/b" &&
	st=$(sed -n "s|.*<ServerTime>\([^<]*\)</ServerTime>.*|\1|p" "$T_TMP/b") &&
	d=$(( $(date -d "$st" +%s) - $(date +%s) )) && [ "$d" -gt 7100 ] && [ "$d" -lt 7300 ] &&
	[ "$(codes 1)" = 200 ]'
t_check "clock:3600: requests signed with our clock are refused, in-time ones pass" bash -c '
	t_fault clock:3600 &&
	[ "$(codes 2)" = "403 403" ] &&
	[ "$(t_curl_s3 -s -o /dev/null -w "%{http_code}" \
	    -H "x-amz-date: $(date -u -d @$(( $(date +%s) + 3600 )) +%Y%m%dT%H%M%SZ)" "$URL")" = 200 ] &&
	t_fault pass && [ "$(codes 1)" = 200 ]'
t_check "control endpoint refuses an unknown mode" sh -c '
	! curl -fsS -o /dev/null "$PROXY_ENDPOINT/__fault?mode=bogus:1"'
t_check "pass cancels a pending fault" bash -c '
	t_fault 503:5 && t_fault pass && [ "$(codes 1)" = 200 ]'

t_done
