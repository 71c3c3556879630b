#!/usr/bin/env bash
# The credential chain end to end through `roma creds`: environment, shared
# files, credential_process, and the HTTP sources (STS web identity,
# container, EC2 IMDSv2) against a python3 stdlib server on loopback.  No
# secret may appear in any output, even at trace level.
. "$(dirname "$0")/../lib.sh"

SECRET=wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY
TOKEN=FwoGZXIvYXdzEXAMPLETOKEN/+==

if ! "$ROMA" creds --help >/dev/null 2>&1; then
	t_ok "# SKIP roma creds is not in applets.def yet"
	t_done
	exit
fi

cat >"$T_TMP/server.py" <<'PY'
import json, sys
from http.server import BaseHTTPRequestHandler, HTTPServer

SECRET, TOKEN, LOG = sys.argv[2], sys.argv[3], sys.argv[4]
CREDS = {"AccessKeyId": "", "SecretAccessKey": SECRET, "Token": TOKEN,
         "Expiration": "2030-01-01T00:00:00Z", "Code": "Success"}

class H(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def reply(self, code, body):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(code)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def record(self, body=b""):
        with open(LOG, "a") as f:
            f.write("%s %s\n%s\n%s\n" % (self.command, self.path,
                    self.headers, body.decode(errors="replace")))

    def creds(self, akid):
        return json.dumps(dict(CREDS, AccessKeyId=akid))

    def do_PUT(self):
        self.record()
        if self.path == "/latest/api/token":
            return self.reply(200, "imds-token")
        self.reply(404, "")

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.record(body)
        res = {"Credentials": dict(CREDS, AccessKeyId="ASIASTS",
               SessionToken=TOKEN, Expiration=1893456000)}
        self.reply(200, json.dumps({"AssumeRoleWithWebIdentityResponse":
                   {"AssumeRoleWithWebIdentityResult": res}}))

    def do_GET(self):
        self.record()
        base = "/latest/meta-data/iam/security-credentials/"
        if self.path == "/container":
            if self.headers.get("Authorization") != "ctoken":
                return self.reply(403, "")
            return self.reply(200, self.creds("ASIACONT"))
        if self.path == base:
            if self.headers.get("X-aws-ec2-metadata-token") != "imds-token":
                return self.reply(401, "")
            return self.reply(200, "role1")
        if self.path == base + "role1":
            return self.reply(200, self.creds("ASIAIMDS"))
        self.reply(404, "")

HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PY

port=$(t_free_port)
t_bg python3 "$T_TMP/server.py" "$port" "$SECRET" "$TOKEN" "$T_TMP/requests"
t_wait_port "$port" || t_not_ok "test server starts"
url=http://127.0.0.1:$port

# roma_env VAR=VALUE... -- ARGS: run roma creds in a clean environment,
# output in $T_TMP/out and $T_TMP/err, status in $rc.
roma_env() {
	local vars=()
	while [ "$1" != -- ]; do
		vars+=("$1")
		shift
	done
	shift
	env -i PATH="$PATH" HOME="$T_TMP" ROMA_LOG=trace \
	    AWS_SHARED_CREDENTIALS_FILE="$T_TMP/credentials" \
	    AWS_CONFIG_FILE="$T_TMP/config" AWS_EC2_METADATA_DISABLED=true \
	    "${vars[@]}" "$ROMA" creds "$@" >"$T_TMP/out" 2>"$T_TMP/err"
	rc=$?
}

# expect NAME PATTERN: the last run succeeded, printed PATTERN, leaked
# nothing.
expect() {
	if [ "$rc" -ne 0 ]; then
		t_not_ok "$1" "exit $rc: $(tail -n 3 "$T_TMP/err")"
	elif ! grep -q -- "$2" "$T_TMP/out"; then
		t_not_ok "$1" "no '$2' in: $(cat "$T_TMP/out")"
	elif grep -qF -e "$SECRET" -e "$TOKEN" "$T_TMP/out" "$T_TMP/err"; then
		t_not_ok "$1" "a secret leaked into the output"
	else
		t_ok "$1"
	fi
}

roma_env AWS_ACCESS_KEY_ID=AKIDENV AWS_SECRET_ACCESS_KEY="$SECRET" \
    AWS_SESSION_TOKEN="$TOKEN" -- --json
expect "environment credentials" '"source":"env","access_key_id":"AKIDENV"'

printf '[dev]\naws_access_key_id = AKIDFILE\naws_secret_access_key = %s\n' \
    "$SECRET" >"$T_TMP/credentials"
chmod 600 "$T_TMP/credentials"
printf '[profile dev]\nregion = eu-west-3\n' >"$T_TMP/config"
roma_env AWS_ACCESS_KEY_ID=AKIDENV AWS_SECRET_ACCESS_KEY="$SECRET" -- \
    --profile dev
expect "--profile outranks the environment" 'shared-credentials-file (profile dev)'
expect "the profile's region" 'region *eu-west-3 (profile)'

chmod 644 "$T_TMP/credentials"
roma_env AWS_PROFILE=dev -- --json
expect "AWS_PROFILE selects the profile" '"access_key_id":"AKIDFILE"'
t_check "a readable credentials file draws a warning" \
    grep -q "readable by other users" "$T_TMP/err"
: >"$T_TMP/credentials"

printf '#!/bin/sh\nprintf %s\n' \
    "'{\"Version\":1,\"AccessKeyId\":\"AKIDPROC\",\"SecretAccessKey\":\"$SECRET\"}'" \
    >"$T_TMP/helper"
chmod 700 "$T_TMP/helper"
printf '[default]\ncredential_process = %s\n' "$T_TMP/helper" >"$T_TMP/config"
roma_env -- --json
expect "credential_process" '"source":"credential_process (profile default)"'

printf 'eyJ.token\n' >"$T_TMP/wit"
: >"$T_TMP/config"
roma_env AWS_WEB_IDENTITY_TOKEN_FILE="$T_TMP/wit" \
    AWS_ROLE_ARN=arn:aws:iam::1:role/r AWS_ENDPOINT_URL_STS="$url" -- --json
expect "web identity through STS" '"source":"web-identity","access_key_id":"ASIASTS"'
t_check "STS got the token and the role" \
    grep -q "RoleArn=arn%3Aaws%3Aiam%3A%3A1%3Arole%2Fr&.*WebIdentityToken=eyJ.token" \
    "$T_TMP/requests"

roma_env AWS_CONTAINER_CREDENTIALS_FULL_URI="$url/container" \
    AWS_CONTAINER_AUTHORIZATION_TOKEN=ctoken -- --json
expect "container credentials" '"source":"container","access_key_id":"ASIACONT"'

roma_env AWS_EC2_METADATA_DISABLED=false \
    AWS_EC2_METADATA_SERVICE_ENDPOINT="$url" -- --json
expect "EC2 instance metadata (IMDSv2)" '"source":"imds","access_key_id":"ASIAIMDS"'
t_check "IMDS was asked for a token first" \
    grep -q "^PUT /latest/api/token" "$T_TMP/requests"

roma_env -- --no-sign-request --endpoint http://127.0.0.1:9000
expect "anonymous access" 'source *anonymous'
expect "the --endpoint flag" 'endpoint *http://127.0.0.1:9000 (--endpoint)'

roma_env AWS_REGION=ap-south-1 AWS_ENDPOINT_URL_S3=http://minio:9000 -- \
    --no-sign-request --json
expect "region and endpoint from the environment" \
    '"region":"ap-south-1","region_source":"AWS_REGION","endpoint":"http://minio:9000"'

roma_env -- --json
t_check "no credentials: exit 1, one line naming the fixes" sh -c '
	[ '"$rc"' -eq 1 ] && [ ! -s "$T_TMP/out" ] &&
	grep -q "aws configure" "$T_TMP/err" && grep -q -- "--profile" "$T_TMP/err" &&
	[ "$(grep -c "roma creds:" "$T_TMP/err")" -eq 1 ]'

roma_env -- --profile nosuch
t_check "an unknown profile is named" sh -c '
	[ '"$rc"' -eq 1 ] && grep -q "profile nosuch" "$T_TMP/err"'
t_done
