#!/usr/bin/env bash
# Every `roma s3` command at the highest debug level (--debug and
# ROMA_LOG=trace) with a session token set, against moto (directly and
# through the fault proxy, so retries and give-ups log too): no output may
# hold the secret key, the session token, an SSE-C key or a signature
# value.  Presigned
# URLs and `sign` print a signature on stdout by design: those stdouts
# are left out, their stderr is checked.
. "$(dirname "$0")/../lib.sh"

SECRET='wJalrXUtnFEMI/K7MDENG+bPxRfiCYr0maSECRETkey'
TOKEN='FwoGZXIvYXdzEr0maSESSIONtoken//+/AbCdEf0123456789=='
PSECRET='pr0fileSECRETkeyFromTheSharedCredentialsFile/+'
LOG=$T_TMP/all
: >"$LOG"
head -c 9437184 /dev/urandom >"$T_TMP/big" # two parts of 8 MiB default
printf 'small\n' >"$T_TMP/small"
mkdir -p "$T_TMP/tree/a"
printf 1 >"$T_TMP/tree/x"
printf 2 >"$T_TMP/tree/a/y"

if ! t_start_moto; then
	t_not_ok "moto starts" "$(tail -n 5 "$T_TMP"/moto-*.log)"
	t_done
	exit
fi
chmod 600 "$AWS_CONFIG_FILE" "$AWS_SHARED_CREDENTIALS_FILE"
export AWS_ACCESS_KEY_ID=AKIA-ROMA-SECRETS-TEST AWS_SECRET_ACCESS_KEY=$SECRET
export AWS_SESSION_TOKEN=$TOKEN ROMA_LOG=trace
EP=$S3_ENDPOINT
B=roma-secrets

# run [--no-stdout] ARGS...: roma s3 ARGS --debug; all output into $LOG
# (stdout left out with --no-stdout).  The exit status is ignored: failures
# log too.
run() {
	local keep=1
	if [ "$1" = --no-stdout ]; then
		keep=0
		shift
	fi
	"$ROMA" s3 "$@" --debug >"$T_TMP/o" 2>"$T_TMP/e" </dev/null
	[ "$keep" = 0 ] || cat "$T_TMP/o" >>"$LOG"
	cat "$T_TMP/e" >>"$LOG"
}

run mb "s3://$B" --endpoint "$EP"
run cp "$T_TMP/small" "s3://$B/small" --endpoint "$EP"
run cp "$T_TMP/big" "s3://$B/big" --endpoint "$EP"
"$ROMA" s3 cp - "s3://$B/stdin" --endpoint "$EP" --debug <"$T_TMP/small" >>"$LOG" 2>&1
run ls --endpoint "$EP"
run ls "s3://$B" --endpoint "$EP"
run ls --recursive --json --summarize "s3://$B" --endpoint "$EP"
run head "s3://$B/big" --endpoint "$EP"
run head --json "s3://$B/small" --endpoint "$EP"
run cp "s3://$B/big" "$T_TMP/got" --endpoint "$EP"
"$ROMA" s3 cp "s3://$B/small" - --endpoint "$EP" --debug 2>>"$LOG" >/dev/null
run cp "s3://$B/big" "s3://$B/copy" --endpoint "$EP"
run cp --recursive "$T_TMP/tree" "s3://$B/tree" --endpoint "$EP"
run cp --recursive --json "s3://$B/tree" "$T_TMP/tree2" --endpoint "$EP"
# SSE-C: keys from files, and one on the command line.
head -c 32 /dev/urandom >"$T_TMP/k.bin"
SSEC_B64=$(base64 <"$T_TMP/k.bin")
SSEC_TEXT=$(head -c 24 /dev/urandom | base64)
chmod 600 "$T_TMP/k.bin"
KB=fileb://$T_TMP/k.bin
run cp "$T_TMP/big" "s3://$B/ssec" --sse-c --sse-c-key "$KB" --endpoint "$EP"
run cp "s3://$B/ssec" "$T_TMP/got-ssec" --sse-c --sse-c-key "$KB" --endpoint "$EP"
run head "s3://$B/ssec" --sse-c --sse-c-key "$KB" --endpoint "$EP"
run cp "s3://$B/ssec" "s3://$B/ssec2" --sse-c-copy-source --sse-c-copy-source-key "$KB" \
    --sse-c --sse-c-key "$SSEC_TEXT" --endpoint "$EP"
run cp "$T_TMP/small" "s3://$B/ssec3" --sse-c --sse-c-key "$SSEC_B64" --endpoint "$EP"
run --no-stdout presign "s3://$B/small" --endpoint "$EP"
run --no-stdout presign --json --expires-in 60 "s3://$B/big" --endpoint "$EP"
run rm "s3://$B/copy" --endpoint "$EP"
run rm --recursive "s3://$B/tree" --endpoint "$EP"
# Failures: a missing key, a refused connection, a bad bucket.
run head "s3://$B/missing" --endpoint "$EP"
run cp "s3://$B/missing" "$T_TMP/nothing" --json --endpoint "$EP"
run ls "s3://$B" --endpoint "http://127.0.0.1:1"
run mb "s3://x" --endpoint "$EP"
# Through the proxy: retries, a give-up, a region redirect, a skewed clock.
if t_start_proxy "$EP"; then
	t_fault 503:2
	run cp "s3://$B/big" "$T_TMP/got2" --endpoint "$PROXY_ENDPOINT"
	t_fault 503:100 method=GET
	run cp "s3://$B/small" "$T_TMP/got3" --endpoint "$PROXY_ENDPOINT"
	t_fault redirect-region:1:eu-west-1
	run ls "s3://$B" --endpoint "$PROXY_ENDPOINT"
	t_fault skew:1:7200
	run cp "$T_TMP/small" "s3://$B/skewed" --endpoint "$PROXY_ENDPOINT"
	t_fault reset-mid-body:2 method=GET
	run cp "s3://$B/big" "$T_TMP/got4" --endpoint "$PROXY_ENDPOINT"
	t_fault pass
else
	t_not_ok "the fault proxy starts"
fi
# Credentials from a profile in the shared file.
printf '[p]\naws_access_key_id = AKIA-ROMA-PROFILE-TEST\naws_secret_access_key = %s\n' \
    "$PSECRET" >"$AWS_SHARED_CREDENTIALS_FILE"
run ls "s3://$B" --profile p --endpoint "$EP"
run cp "$T_TMP/small" "s3://$B/p" --profile p --endpoint "$EP"
printf 'GET /%s/small HTTP/1.1\nHost: 127.0.0.1\n\n' "$B" >"$T_TMP/req"
"$ROMA" s3 sign --debug <"$T_TMP/req" 2>>"$LOG" >/dev/null
"$ROMA" s3 sign --presign 60 --debug <"$T_TMP/req" 2>>"$LOG" >/dev/null
run rb --force "s3://$B" --endpoint "$EP"

t_check "the trace is there (requests and their headers were logged)" \
    grep -q "Authorization: AWS4-HMAC-SHA256 Credential=" "$LOG"
t_check "the trace shows the redaction" grep -q "Signature=<redacted>" "$LOG"
t_check "the secret key appears nowhere" sh -c '! grep -qF -- "$1" "$2"' sh "$SECRET" "$LOG"
t_check "the profile's secret key appears nowhere" sh -c '! grep -qF -- "$1" "$2"' sh "$PSECRET" "$LOG"
t_check "the session token appears nowhere" sh -c '! grep -qF -- "$1" "$2"' sh "$TOKEN" "$LOG"
t_check "SSE-C keys appear nowhere" sh -c '! grep -qF -e "$1" -e "$2" "$3"' sh "$SSEC_B64" "$SSEC_TEXT" "$LOG"
t_check "SSE-C key headers were traced, redacted" grep -q "customer-key: <redacted>" "$LOG"
t_check "no Signature= value appears" sh -c '! grep -Eiq "Signature=[0-9a-f]{6}" "$1"' sh "$LOG"
t_check "no X-Amz-Signature= value appears" sh -c '! grep -Eiq "X-Amz-Signature=[0-9a-f]{6}" "$1"' sh "$LOG"
t_check "no X-Amz-Security-Token value appears" sh -c '! grep -Eiq "X-Amz-Security-Token[:=] *[A-Za-z0-9%]{6}" "$1"' sh "$LOG"
t_done
