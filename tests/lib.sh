# shellcheck shell=bash
# tests/lib.sh - the small harness every integration test sources.
#
#   . "$(dirname "$0")/../lib.sh"
#   t_check "name of the check" command args...    # passes when it exits 0
#   t_fail_check "name" command args...            # passes when it exits non-zero
#   t_ok "name" / t_not_ok "name" "why"            # record a result directly
#   t_done                                         # last line: exit status
#
# Each result is one TAP-like line on stdout ("ok - ..." / "not ok - ...");
# tests/run.sh counts them.  ROMA is the binary under test, T_TMP a scratch
# directory removed at exit, T_ROOT the repository root.
set -u
T_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ROMA=${ROMA:-$T_ROOT/build/roma}
T_TMP=$(mktemp -d "${TMPDIR:-/tmp}/roma-test.XXXXXX")
T_FAILED=0
T_PIDS=()
export ROMA T_ROOT T_TMP

t_cleanup() {
	local p
	for p in "${T_PIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	wait 2>/dev/null
	rm -rf "$T_TMP"
}
trap t_cleanup EXIT

t_ok() {
	printf 'ok - %s\n' "$1"
}

t_not_ok() {
	printf 'not ok - %s\n' "$1"
	[ $# -lt 2 ] || printf '#   %s\n' "$2"
	T_FAILED=$((T_FAILED + 1))
}

# t_check NAME CMD...: run CMD, pass on exit 0; on failure show its output.
t_check() {
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then
		t_ok "$name"
	else
		t_not_ok "$name" "exit $?: $(printf '%s' "$out" | tail -n 5 | tr '\n' ' ')"
	fi
}

# t_fail_check NAME CMD...: pass when CMD exits non-zero.
t_fail_check() {
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then
		t_not_ok "$name" "expected failure, got success: $(printf '%s' "$out" | tail -n 3 | tr '\n' ' ')"
	else
		t_ok "$name"
	fi
}

# t_bg CMD...: start a helper server in the background, killed at exit.
t_bg() {
	"$@" &
	T_PIDS+=($!)
}

# t_free_port: an unused TCP port on loopback.
t_free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# t_wait_port PORT [SECONDS]: wait until something listens on 127.0.0.1:PORT.
t_wait_port() {
	local port=$1 tries=$((${2:-10} * 10))
	while [ "$tries" -gt 0 ]; do
		if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			return 0
		fi
		sleep 0.1
		tries=$((tries - 1))
	done
	return 1
}

t_done() {
	[ "$T_FAILED" -eq 0 ]
}

# --- Local S3 servers and the fault proxy (tests/faultproxy.py) ---------------
#
# t_start_moto / t_start_s3rver start a server on a free loopback port and
# export S3_ENDPOINT and the credentials for it (AWS_ACCESS_KEY_ID,
# AWS_SECRET_ACCESS_KEY, region us-east-1); the AWS CLI and roma then find them
# in the environment.  The shared ~/.aws files are hidden (AWS_CONFIG_FILE and
# AWS_SHARED_CREDENTIALS_FILE point into T_TMP), so nothing of the machine's
# own configuration leaks in.  The last server started owns the environment;
# t_s3_use NAME switches back to an earlier one (moto, moto-auth, s3rver).
# Server logs are in $T_TMP/<name>-<port>.log.

declare -gA T_S3_ENV=()

# t_s3_env NAME ENDPOINT KEY SECRET: export one server's environment and
# remember it under NAME.
t_s3_env() {
	T_S3_ENV[$1]="$2 $3 $4"
	export S3_ENDPOINT=$2 AWS_ACCESS_KEY_ID=$3 AWS_SECRET_ACCESS_KEY=$4
	export AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
	export AWS_CONFIG_FILE=$T_TMP/aws-config
	export AWS_SHARED_CREDENTIALS_FILE=$T_TMP/aws-credentials
	export AWS_EC2_METADATA_DISABLED=true
	unset AWS_SESSION_TOKEN AWS_PROFILE AWS_ENDPOINT_URL AWS_ENDPOINT_URL_S3
	: >"$AWS_CONFIG_FILE"
	: >"$AWS_SHARED_CREDENTIALS_FILE"
	# Private, as a real credentials file should be (roma warns otherwise).
	chmod 600 "$AWS_CONFIG_FILE" "$AWS_SHARED_CREDENTIALS_FILE"
}

# t_s3_use NAME: export again the environment of a server started earlier.
t_s3_use() {
	local v=${T_S3_ENV[$1]:-}
	[ -n "$v" ] || { echo "t_s3_use: no server $1" >&2; return 1; }
	# shellcheck disable=SC2086 # three words on purpose
	t_s3_env "$1" $v
}

# t_aws ARGS...: the AWS CLI against $S3_ENDPOINT (quiet, no pager, one try).
t_aws() {
	AWS_MAX_ATTEMPTS=${AWS_MAX_ATTEMPTS:-1} AWS_PAGER='' \
	    aws --endpoint-url "$S3_ENDPOINT" "$@"
}

# t_start_moto [--auth]: moto's server.  Without --auth it accepts any
# credentials (testing/testing are exported).  With --auth it verifies SigV4:
# moto counts unauthenticated actions against INITIAL_NO_AUTH_ACTION_COUNT
# (unlimited by default) and afterwards requires a valid signature from a
# key of one of its IAM users, allowed by that user's policies.  During the
# free actions we create the IAM user roma-test with an inline policy
# allowing s3:* and an access key, then set the count to 0 through moto's
# own control endpoint POST /moto-api/reset-auth (the server-mode form of
# INITIAL_NO_AUTH_ACTION_COUNT, exact however many setup calls were made),
# and export that key pair.  Known moto limit with --auth: it recomputes the
# signature from a decoded URL, so keys or query values that need percent-
# encoding (space, +, %, unicode; delimiter=/) and presigned URLs fail there
# even for correct signers; test those against moto without --auth and s3rver.
t_start_moto() {
	local auth=0 port ep log out ak sk
	[ "${1:-}" = --auth ] && auth=1
	port=$(t_free_port)
	ep=http://127.0.0.1:$port
	log=$T_TMP/moto-$port.log
	t_bg python3 -m moto.server -H 127.0.0.1 -p "$port" >"$log" 2>&1
	if ! t_wait_port "$port" 60; then
		echo "t_start_moto: moto did not start; $(tail -n 5 "$log")" >&2
		return 1
	fi
	t_s3_env moto "$ep" testing testing
	[ "$auth" -eq 1 ] || return 0

	if ! t_aws iam create-user --user-name roma-test >/dev/null ||
	    ! t_aws iam put-user-policy --user-name roma-test --policy-name s3-all \
	    --policy-document '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}' ||
	    ! out=$(t_aws iam create-access-key --user-name roma-test \
	    --query 'AccessKey.[AccessKeyId,SecretAccessKey]' --output text); then
		echo "t_start_moto: IAM setup failed" >&2
		return 1
	fi
	read -r ak sk <<<"$out"
	if [ -z "$ak" ] || [ -z "$sk" ]; then
		echo "t_start_moto: no access key in: $out" >&2
		return 1
	fi
	curl -fsS -X POST -H 'Content-Type: text/plain' --data-binary 0 \
	    "$ep/moto-api/reset-auth" >/dev/null ||
	    { echo "t_start_moto: reset-auth failed" >&2; return 1; }
	t_s3_env moto-auth "$ep" "$ak" "$sk"
}

# t_npm_ci [DIR]: install the npm packages pinned in DIR/package-lock.json
# (DIR defaults to tests/) into DIR/node_modules with npm ci, unless that
# exact lock file is installed already.
t_npm_ci() {
	local dir=${1:-$T_ROOT/tests} stamp sum
	stamp=$dir/node_modules/.roma-lock-sha256
	sum=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1) || return 1
	if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$sum" ]; then
		return 0
	fi
	npm ci --prefix "$dir" --no-audit --no-fund >&2 || return 1
	echo "$sum" >"$stamp"
}

# t_start_s3rver: s3rver (npm, pinned in tests/package.json) with its data in
# a fresh directory under T_TMP.  It checks no SigV4 signature (only the
# V2 ones), so any credentials pass; its default pair S3RVER/S3RVER is
# exported.  Unsigned requests are accepted too.
t_start_s3rver() {
	local port dir log js=$T_ROOT/tests/node_modules/s3rver/bin/s3rver.js
	[ -f "$js" ] || t_npm_ci "$T_ROOT/tests" || { echo "t_start_s3rver: npm ci failed" >&2; return 1; }
	port=$(t_free_port)
	dir=$(mktemp -d "$T_TMP/s3rver.XXXXXX")
	log=$T_TMP/s3rver-$port.log
	# s3rver 3.7's continuation tokens use a cipher Node 17+ hides behind
	# the legacy provider: without it every second listing page is a 500.
	NODE_OPTIONS=--openssl-legacy-provider t_bg node "$js" -d "$dir" \
	    -a 127.0.0.1 -p "$port" --silent >"$log" 2>&1
	if ! t_wait_port "$port" 30; then
		echo "t_start_s3rver: s3rver did not start; $(tail -n 5 "$log")" >&2
		return 1
	fi
	t_s3_env s3rver "http://127.0.0.1:$port" S3RVER S3RVER
}

# t_mkbucket NAME: create a bucket on $S3_ENDPOINT.
t_mkbucket() {
	t_aws s3 mb "s3://$1" >/dev/null
}

# t_start_proxy UPSTREAM [MODE [CERT,KEY]]: tests/faultproxy.py in front of
# UPSTREAM (an http://127.0.0.1:PORT endpoint); exports PROXY_ENDPOINT.  With
# a PEM certificate and key the proxy serves HTTPS (and PROXY_ENDPOINT is
# https://).  Its access log is $T_TMP/proxy-<port>.log.
t_start_proxy() {
	local port log tls=() scheme=http
	port=$(t_free_port)
	log=$T_TMP/proxy-$port.log
	[ -z "${3:-}" ] || { tls=(--tls "$3"); scheme=https; }
	t_bg python3 "$T_ROOT/tests/faultproxy.py" --listen "127.0.0.1:$port" \
	    --upstream "$1" --mode "${2:-pass}" "${tls[@]}" >"$log" 2>&1
	if ! t_wait_port "$port" 20; then
		echo "t_start_proxy: faultproxy did not start; $(tail -n 5 "$log")" >&2
		return 1
	fi
	export PROXY_ENDPOINT=$scheme://127.0.0.1:$port
}

# t_mkca DIR: a throwaway CA, DIR/ca.pem and DIR/ca.key (EC P-256, 2 days).
t_mkca() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
	    -nodes -keyout "$1/ca.key" -out "$1/ca.pem" -days 2 \
	    -subj "/CN=roma test CA" \
	    -addext "basicConstraints=critical,CA:TRUE" \
	    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
}

# t_mkcert DIR NAME SAN: DIR/NAME.pem and DIR/NAME.key, a server certificate
# signed by t_mkca's CA in DIR, e.g. SAN "DNS:localhost,IP:127.0.0.1".
t_mkcert() {
	local f=$1/$2
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	    -keyout "$f.key" -out "$f.csr" -subj "/CN=$2" 2>/dev/null &&
	printf 'subjectAltName=%s\nbasicConstraints=critical,CA:FALSE\n' "$3" >"$f.ext" &&
	openssl x509 -req -in "$f.csr" -CA "$1/ca.pem" -CAkey "$1/ca.key" \
	    -CAcreateserial -days 2 -extfile "$f.ext" -out "$f.pem" 2>/dev/null
}

# t_fault MODE [QUERY]: switch the proxy's fault mode (see tests/faultproxy.py:
# pass, 503:N, 500:N, 429:N, reset-mid-body:N, truncate:N, stall:N:SECONDS,
# redirect-region:N:REGION, auth-region:N:REGION, skew:N[:SECONDS],
# clock:SECONDS, drop-connection:N).  QUERY adds restrictions, e.g.
# "method=PUT" or "match=/bucket/key" (URL-encoded already).
t_fault() {
	curl -fsS "$PROXY_ENDPOINT/__fault?mode=$1${2:+&$2}" >/dev/null
}

# t_fault_log: the proxy's request log, one "METHOD TAB TARGET TAB STATUS TAB
# FAULT" line per request; t_fault_clear empties it.
t_fault_log() {
	curl -fsS "$PROXY_ENDPOINT/__fault/log"
}

t_fault_clear() {
	curl -fsS "$PROXY_ENDPOINT/__fault/clear" >/dev/null
}

# t_curl_s3 CURL-ARGS...: curl with a SigV4 signature (region us-east-1,
# service s3, UNSIGNED-PAYLOAD: S3 wants x-amz-content-sha256 sent, which
# curl does not add itself) from the exported credentials; they go to curl
# through a config file on a pipe, never on its command line.
t_curl_s3() {
	curl --aws-sigv4 "aws:amz:${AWS_REGION:-us-east-1}:s3" \
	    -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' \
	    -K <(printf 'user = "%s:%s"\n' "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY") "$@"
}

# --- Local E2B-compatible server (tests/e2b-server) ---------------------------
#
# t_npm_ci_dir DIR: npm ci in DIR (its package-lock.json), unless that exact
# lock file is already installed there.
t_npm_ci_dir() {
	local dir=$1 stamp sum
	stamp=$dir/node_modules/.roma-lock-sha256
	sum=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1) || return 1
	if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$sum" ]; then
		return 0
	fi
	npm ci --prefix "$dir" --no-audit --no-fund >&2 || return 1
	echo "$sum" >"$stamp"
}

# t_start_e2b [SERVER-ARGS...]: tests/e2b-server/server.js on a free loopback
# port (as root: it makes a mount namespace per sandbox), with a fresh random
# API key and its state under T_TMP.  Exports for the official SDKs and for
# roma: E2B_API_URL and E2B_SANDBOX_URL (both the server), E2B_API_KEY,
# E2B_DOMAIN=localhost:PORT (host routing <port>-<id>.localhost:PORT works
# when the Host header is set; the name does not resolve), and E2B_SERVER,
# the base of the test-only endpoints (/__e2b/fault, /__e2b/requests,
# /__e2b/sandboxes).  E2B_DEBUG is unset.  Log: $T_TMP/e2b-server-<port>.log.
t_start_e2b() {
	local port log key
	port=$(t_free_port)
	key=e2b_$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
	log=$T_TMP/e2b-server-$port.log
	t_bg node "$T_ROOT/tests/e2b-server/server.js" --port "$port" \
	    --state-dir "$T_TMP/e2b-state-$port" --api-key "$key" "$@" >"$log" 2>&1
	if ! t_wait_port "$port" 20; then
		echo "t_start_e2b: the E2B server did not start; $(tail -n 5 "$log")" >&2
		return 1
	fi
	export E2B_API_URL=http://127.0.0.1:$port E2B_SANDBOX_URL=http://127.0.0.1:$port
	export E2B_API_KEY=$key E2B_DOMAIN=localhost:$port E2B_SERVER=http://127.0.0.1:$port
	unset E2B_DEBUG E2B_ACCESS_TOKEN
}

# t_e2b_fault JSON: inject a fault into the E2B server, e.g.
#   t_e2b_fault '{"path":"/v2/sandboxes","method":"POST","status":429,"retryAfter":1,"count":2}'
# (modes: status, stall, stall-stream, reset, delay; see tests/e2b-server/README.md);
# t_e2b_fault_clear removes all pending faults.
t_e2b_fault() {
	curl -fsS -X POST -H 'Content-Type: application/json' --data-binary "$1" \
	    "$E2B_SERVER/__e2b/fault" >/dev/null
}

t_e2b_fault_clear() {
	curl -fsS -X DELETE "$E2B_SERVER/__e2b/fault" >/dev/null
}

# t_want_attrs BUCKET KEY "SSE KMS-KEY-ID CLASS": what the AWS CLI reads back
# of an object's encryption and storage class.
t_want_attrs() {
	local got
	got=$(t_aws s3api head-object --bucket "$1" --key "$2" \
	    --query '[ServerSideEncryption,SSEKMSKeyId,StorageClass]' \
	    --output text | tr '\t' ' ') || return
	[ "$got" = "$3" ] || { echo "$2: got '$got', want '$3'"; return 1; }
}

# t_want_public BUCKET KEY: the object's ACL grants AllUsers READ.
t_want_public() {
	t_aws s3api get-object-acl --bucket "$1" --key "$2" \
	    --query 'Grants[?Grantee.URI==`http://acs.amazonaws.com/groups/global/AllUsers`].Permission' \
	    --output text | grep -qx READ
}
