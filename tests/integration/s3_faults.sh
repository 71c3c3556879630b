#!/usr/bin/env bash
# `roma s3` through tests/faultproxy.py in front of moto: throttling and
# server errors retried to success (counted in the proxy's log), bodies
# reset or truncated mid-way (downloads byte-identical or failing loudly,
# never a partial file under the target name), stalls (bounded), region
# redirects followed with one re-signed retry, clock skew corrected, and
# uploads that complete or leave nothing behind.
. "$(dirname "$0")/../lib.sh"

export CURL_HOME=$T_TMP
printf 'max-time = 60\n' >"$CURL_HOME/.curlrc"
head -c 12582912 /dev/urandom >"$T_TMP/big"
head -c 1000000 /dev/urandom >"$T_TMP/mid"
head -c 1000000 /dev/urandom >"$T_TMP/other"

if ! t_start_moto; then
	t_not_ok "moto starts" "$(tail -n 5 "$T_TMP"/moto-*.log)"
	t_done
	exit
fi
chmod 600 "$AWS_CONFIG_FILE" "$AWS_SHARED_CREDENTIALS_FILE"
MOTO=$S3_ENDPOINT
if ! t_start_proxy "$MOTO"; then
	t_not_ok "the fault proxy starts"
	t_done
	exit
fi
B=roma-faults
export B MOTO

# rp ARGS...: roma s3 through the proxy.
rp() {
	"$ROMA" s3 "$@" --endpoint "$PROXY_ENDPOINT"
}

# faults KIND: how many requests the proxy faulted with KIND.
faults() {
	t_fault_log | awk -F '\t' -v k="$1" '$4 == k' | wc -l
}

# fresh MODE [QUERY]: empty the log and set the mode.
fresh() {
	t_fault pass && t_fault_clear && t_fault "$@"
}

# same FILE: FILE is byte-identical to $T_TMP/big.
same() {
	[ "$(sha256sum <"$1" | cut -d' ' -f1)" = "$(sha256sum <"$T_TMP/big" | cut -d' ' -f1)" ]
}

no_temp() {
	[ -z "$(find "$T_TMP" -maxdepth 1 -name '.*.roma-*')" ]
}
export -f faults same no_temp t_fault t_fault_log t_fault_clear

t_check "setup: bucket and objects" bash -c '"$ROMA" s3 mb "s3://$B" --endpoint "$MOTO" >/dev/null &&
	"$ROMA" s3 cp --quiet "$T_TMP/big" "s3://$B/big" --endpoint "$MOTO" &&
	"$ROMA" s3 cp --quiet "$T_TMP/mid" "s3://$B/mid" --endpoint "$MOTO"'

# --- throttling and server errors ----------------------------------------------
fresh 503:2 method=GET
rm -f "$T_TMP/got"
t_check "503 x2 on GET: the download succeeds" rp cp --quiet "s3://$B/big" "$T_TMP/got"
t_check "... byte-identical" same "$T_TMP/got"
t_check "... after exactly 2 throttled requests" test "$(faults 503)" = 2
fresh 429:3 method=PUT
t_check "429 x3 on PUT: the upload succeeds" rp cp --quiet "$T_TMP/mid" "s3://$B/mid-429"
t_check "... after 3 throttled requests, 4 PUTs in all" bash -c '[ "$(faults 429)" = 3 ] &&
	[ "$(t_fault_log | grep -c "^PUT	/$B/mid-429	")" = 4 ]'
t_check "... and the object is whole" bash -c '"$ROMA" s3 cp "s3://$B/mid-429" - --endpoint "$MOTO" | cmp -s - "$T_TMP/mid"'
fresh 500:2 'method=PUT&match=partNumber'
t_check "500 x2 on upload parts: the multipart upload succeeds" rp cp --quiet --part-size 5MiB "$T_TMP/big" "s3://$B/big-500"
t_check "... byte-identical" bash -c '"$ROMA" s3 cp "s3://$B/big-500" - --endpoint "$MOTO" | cmp -s - "$T_TMP/big" && [ "$(faults 500)" = 2 ]'
fresh drop-connection:2 method=GET
rm -f "$T_TMP/got"
t_check "dropped connections x2: the download succeeds" rp cp --quiet "s3://$B/big" "$T_TMP/got"
t_check "... byte-identical" same "$T_TMP/got"
fresh 503:50 method=GET
rc=0
rp cp "s3://$B/mid" "$T_TMP/throttled" >/dev/null 2>"$T_TMP/err" || rc=$?
t_check "503 without end: exit 1 saying it was throttled" bash -c '[ "$1" = 1 ] && grep -q "throttling" "$T_TMP/err" && [ ! -e "$T_TMP/throttled" ]' sh "$rc"
t_check "... after 5 attempts" test "$(faults 503)" = 5

# --- bodies cut short ----------------------------------------------------------
for mode in reset-mid-body truncate; do
	fresh "$mode:3" method=GET
	rm -f "$T_TMP/got"
	t_check "$mode x3: the parallel download succeeds" rp cp --quiet --part-size 5MiB "s3://$B/big" "$T_TMP/got"
	t_check "$mode x3: byte-identical" same "$T_TMP/got"
	t_check "$mode x3: the faults happened" test "$(faults "$mode")" = 3
	fresh "$mode:2" method=GET
	t_check "$mode x2: to stdout, byte-identical" bash -c '"$ROMA" s3 cp "s3://$B/big" - --endpoint "$PROXY_ENDPOINT" | cmp -s - "$T_TMP/big"'
done
cp "$T_TMP/other" "$T_TMP/target"
fresh reset-mid-body:100 method=GET
rc=0
rp cp "s3://$B/big" "$T_TMP/target" >/dev/null 2>"$T_TMP/err" || rc=$?
t_check "resets without end: the download fails with exit 1" test "$rc" = 1
t_check "... naming the object" grep -q "download failed: s3://$B/big to $T_TMP/target" "$T_TMP/err"
t_check "... the target keeps its old content" cmp -s "$T_TMP/target" "$T_TMP/other"
t_check "... and no temporary file is left" no_temp
fresh reset-mid-body:100 method=GET
rm -f "$T_TMP/new"
t_check "a failed download creates no file" bash -c '! "$ROMA" s3 cp "s3://$B/mid" "$T_TMP/new" --endpoint "$PROXY_ENDPOINT" 2>/dev/null && [ ! -e "$T_TMP/new" ]'

# --- stalls --------------------------------------------------------------------
fresh stall:1:3 method=GET
rm -f "$T_TMP/got"
t_check "a 3 s stall: the download waits and succeeds" rp cp --quiet "s3://$B/big" "$T_TMP/got"
t_check "... byte-identical" same "$T_TMP/got"
# curl averages the speed over about 5 s, so an attempt that stalls after a
# burst of data ends some 6 s later: two attempts here, not the default 5.
fresh stall:100:30 method=GET
start=$SECONDS
rc=0
AWS_MAX_ATTEMPTS=2 rp cp --read-timeout 1 "s3://$B/mid" "$T_TMP/stalled" >/dev/null 2>"$T_TMP/err" || rc=$?
t_check "stalls without end, --read-timeout 1: exit 1" test "$rc" = 1
t_check "... within 25 s (2 attempts)" test $((SECONDS - start)) -lt 25
t_check "... after 2 attempts" test "$(faults stall)" = 2
t_check "... saying it timed out, leaving no file" bash -c 'grep -Eqi "slow|time" "$T_TMP/err" && [ ! -e "$T_TMP/stalled" ]'
t_fault pass

# --- regions and clocks --------------------------------------------------------
fresh redirect-region:1:eu-west-1
t_check "301 to eu-west-1: ls follows it" bash -c '"$ROMA" s3 ls --debug "s3://$B" --endpoint "$PROXY_ENDPOINT" >"$T_TMP/out" 2>"$T_TMP/err" &&
	grep -q " big$" "$T_TMP/out"'
t_check "... re-signed for eu-west-1, once" bash -c '[ "$(faults redirect-region)" = 1 ] && [ "$(t_fault_log | wc -l)" = 2 ] &&
	grep -q "Credential=[^ ]*/eu-west-1/s3/aws4_request" "$T_TMP/err"'
fresh redirect-region:5:eu-west-1
t_check "a redirect that repeats: one retry, then exit 1" bash -c '! "$ROMA" s3 ls "s3://$B" --endpoint "$PROXY_ENDPOINT" 2>"$T_TMP/err" &&
	[ "$(faults redirect-region)" = 2 ] && grep -q "region" "$T_TMP/err"'
fresh auth-region:1:eu-central-1
rm -f "$T_TMP/got"
t_check "400 AuthorizationHeaderMalformed naming eu-central-1: followed" rp cp --quiet "s3://$B/big" "$T_TMP/got"
t_check "... byte-identical, one fault" bash -c 'cmp -s "$T_TMP/got" "$T_TMP/big" && [ "$(faults auth-region)" = 1 ]'
fresh skew:1:7200
t_check "RequestTimeTooSkewed: corrected and retried" rp cp --quiet "$T_TMP/mid" "s3://$B/skewed"
t_check "... once" test "$(faults skew)" = 1
fresh clock:3600
t_check "a server clock an hour ahead: upload, list and download work" bash -c '
	"$ROMA" s3 cp --quiet "$T_TMP/mid" "s3://$B/clock" --endpoint "$PROXY_ENDPOINT" &&
	"$ROMA" s3 ls "s3://$B/clock" --endpoint "$PROXY_ENDPOINT" >/dev/null &&
	"$ROMA" s3 cp "s3://$B/clock" - --endpoint "$PROXY_ENDPOINT" | cmp -s - "$T_TMP/mid"'
t_check "... one correction per command" test "$(faults clock)" = 3
t_fault pass

# --- uploads complete or leave nothing ----------------------------------------
uploads() {
	AWS_MAX_ATTEMPTS=1 AWS_PAGER='' aws --endpoint-url "$MOTO" s3api list-multipart-uploads \
	    --bucket "$B" --query 'length(Uploads || `[]`)' --output text
}
t_check "no pending multipart upload before" test "$(uploads)" = 0
fresh 503:1000 'method=PUT&match=partNumber'
rc=0
rp cp --part-size 5MiB "$T_TMP/big" "s3://$B/never" >/dev/null 2>"$T_TMP/err" || rc=$?
t_check "parts refused without end: the upload fails with exit 1" test "$rc" = 1
t_check "... leaving no object" bash -c '! "$ROMA" s3 head "s3://$B/never" --endpoint "$MOTO" 2>/dev/null'
t_check "... and no pending multipart upload (aborted)" test "$(uploads)" = 0
t_check "... the abort went through the proxy" bash -c 't_fault_log | grep -q "^DELETE	/$B/never?uploadId="'
fresh 503:1000 'method=PUT&match=partNumber'
t_check "a failed multipart overwrite keeps the old object" bash -c '! "$ROMA" s3 cp --part-size 5MiB "$T_TMP/big" "s3://$B/mid" --endpoint "$PROXY_ENDPOINT" 2>/dev/null ||
	exit 1; "$ROMA" s3 cp "s3://$B/mid" - --endpoint "$MOTO" | cmp -s - "$T_TMP/mid"'
fresh 500:1000 method=PUT
t_check "a failed single PUT leaves no object" bash -c '! "$ROMA" s3 cp "$T_TMP/mid" "s3://$B/never2" --endpoint "$PROXY_ENDPOINT" 2>/dev/null &&
	! "$ROMA" s3 head "s3://$B/never2" --endpoint "$MOTO" 2>/dev/null'
fresh 500:1000 method=PUT
t_check "a failed upload from stdin leaves no object nor upload" bash -c '! "$ROMA" s3 cp --part-size 5MiB - "s3://$B/never3" --endpoint "$PROXY_ENDPOINT" <"$T_TMP/big" 2>/dev/null &&
	! "$ROMA" s3 head "s3://$B/never3" --endpoint "$MOTO" 2>/dev/null' && t_check "... none pending" test "$(uploads)" = 0
t_fault pass
t_check "partial failures: cp --recursive reports each failed file, exit 1" bash -c '
	mkdir -p "$T_TMP/up" && cp "$T_TMP/mid" "$T_TMP/up/ok" && cp "$T_TMP/mid" "$T_TMP/up/bad1" && cp "$T_TMP/mid" "$T_TMP/up/bad2" &&
	curl -fsS "$PROXY_ENDPOINT/__fault?mode=500:1000&method=PUT&match=/bad" >/dev/null &&
	! "$ROMA" s3 cp --recursive "$T_TMP/up" "s3://$B/up" --endpoint "$PROXY_ENDPOINT" >"$T_TMP/out" 2>"$T_TMP/err" &&
	[ "$(grep -c "upload failed:" "$T_TMP/err")" = 2 ] && grep -qx "upload: $T_TMP/up/ok to s3://$B/up/ok" "$T_TMP/out"'
t_fault pass
t_done
