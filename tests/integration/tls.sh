#!/bin/bash
# tests/integration/tls.sh - roma's CA trust against a throwaway CA: each
# trust source, refusals (unknown CA, wrong name), clear one-line errors for
# unusable sources, precedence, and what --show-ca reports.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

# Only what each check sets may decide trust, and no proxy may intervene.
unset AWS_CA_BUNDLE SSL_CERT_FILE SSL_CERT_DIR CURL_CA_BUNDLE
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY

cd "$T_TMP" || exit 1

if ! t_mkca . || ! t_mkcert . localhost "DNS:localhost,IP:127.0.0.1" ||
    ! t_mkcert . other "DNS:other.example"; then
	t_not_ok "make a test CA and server certificates with openssl"
	t_done
	exit
fi
mkdir certs && cp ca.pem certs/ && (openssl rehash certs || c_rehash certs) >/dev/null 2>&1
: >empty.pem

cat >server.py <<'PY'
import http.server, ssl, sys

class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"hello over tls\n"
        self.send_response(404 if self.path == "/missing" else 200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass

port, cert, key = int(sys.argv[1]), sys.argv[2], sys.argv[3]
srv = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
srv.serve_forever()
PY

PORT=$(t_free_port)
PORT2=$(t_free_port)
t_bg python3 server.py "$PORT" localhost.pem localhost.key
t_bg python3 server.py "$PORT2" other.pem other.key
if ! t_wait_port "$PORT" || ! t_wait_port "$PORT2"; then
	t_not_ok "start the python3 HTTPS servers"
	t_done
	exit
fi
URL=https://127.0.0.1:$PORT
CA=$T_TMP/ca.pem

# fetches [VAR=value...] -- ARGS...: roma http exits 0 and prints the body.
fetches() {
	local envs=() out
	while [ "$1" != "--" ]; do
		envs+=("$1")
		shift
	done
	shift
	out=$(env "${envs[@]}" "$ROMA" http "$@") && [ "$out" = "hello over tls" ]
}

# fails STATUS PATTERN [VAR=value...] -- ARGS...: roma http exits STATUS
# and says, on one stderr line starting "roma http: ", something matching
# PATTERN (grep -E).
fails() {
	local want=$1 pat=$2 envs=() err rc
	shift 2
	while [ "$1" != "--" ]; do
		envs+=("$1")
		shift
	done
	shift
	err=$(env "${envs[@]}" "$ROMA" http "$@" 2>&1 >/dev/null)
	rc=$?
	if [ "$rc" -ne "$want" ]; then
		echo "exit $rc, want $want: $err"
		return 1
	fi
	if [ "$(printf '%s\n' "$err" | wc -l)" -ne 1 ] ||
	    ! printf '%s\n' "$err" | grep -Eq "^roma http: .*($pat)"; then
		echo "unexpected message: $err"
		return 1
	fi
}

# shows EXPECTED [VAR=value...] -- ARGS...: --show-ca prints EXPECTED.
shows() {
	local want=$1 envs=() out
	shift
	while [ "$1" != "--" ]; do
		envs+=("$1")
		shift
	done
	shift
	out=$(env "${envs[@]}" "$ROMA" http --show-ca "$@") || return 1
	[ "$out" = "$want" ] || { echo "got: $out"; return 1; }
}

# Each trust source accepts the test CA.
t_check "trusted via --ca-bundle" fetches -- --ca-bundle "$CA" "$URL/"
t_check "trusted via AWS_CA_BUNDLE" fetches AWS_CA_BUNDLE="$CA" -- "$URL/"
t_check "trusted via SSL_CERT_FILE" fetches SSL_CERT_FILE="$CA" -- "$URL/"
t_check "trusted via SSL_CERT_DIR" fetches SSL_CERT_DIR="$T_TMP/certs" -- "$URL/"
t_check "trusted via CURL_CA_BUNDLE" fetches CURL_CA_BUNDLE="$CA" -- "$URL/"
t_check "trusted by DNS name localhost" fetches -- --ca-bundle "$CA" \
    "https://localhost:$PORT/"

# Without the CA, or for another name, the server is refused.
t_check "refused with the default trust (unknown CA)" \
    fails 1 "--ca-bundle FILE or AWS_CA_BUNDLE" -- "$URL/"
t_check "refused when the name does not match the certificate" \
    fails 1 "CA: --ca-bundle" -- --ca-bundle "$CA" "https://127.0.0.1:$PORT2/"
t_check "refused for localhost with another name's certificate" \
    fails 1 "not trusted|verif|match|CN" -- --ca-bundle "$CA" \
    "https://localhost:$PORT2/"
t_check "refused with a CA bundle that does not hold the CA" \
    fails 1 "--ca-bundle FILE" -- --ca-bundle "$T_TMP/other.pem" "$URL/"

# Unusable sources the user named are errors, never a silent fallback.
t_check "empty AWS_CA_BUNDLE is a clear error" \
    fails 1 "AWS_CA_BUNDLE is empty" AWS_CA_BUNDLE= -- "$URL/"
t_check "empty --ca-bundle is a clear error" \
    fails 1 "--ca-bundle is empty" -- --ca-bundle "" "$URL/"
t_check "a directory as --ca-bundle is a clear error" \
    fails 1 "certs: is a directory" -- --ca-bundle "$T_TMP/certs" "$URL/"
t_check "a directory as SSL_CERT_FILE is a clear error" \
    fails 1 "SSL_CERT_FILE=.*is a directory" SSL_CERT_FILE="$T_TMP/certs" -- "$URL/"
t_check "a file as SSL_CERT_DIR is a clear error" \
    fails 1 "SSL_CERT_DIR=.*not a directory" SSL_CERT_DIR="$CA" -- "$URL/"
t_check "a missing CURL_CA_BUNDLE is a clear error" \
    fails 1 "CURL_CA_BUNDLE=/nonexistent/ca.pem: No such file" \
    CURL_CA_BUNDLE=/nonexistent/ca.pem -- "$URL/"
t_check "an empty bundle file is a clear error" \
    fails 1 "empty.pem: file is empty" AWS_CA_BUNDLE="$T_TMP/empty.pem" -- "$URL/"
t_check "a file without certificates is a clear error" \
    fails 1 "no PEM certificate" SSL_CERT_FILE="$T_TMP/ca.key" -- "$URL/"
t_check "a bad AWS_CA_BUNDLE does not fall through to SSL_CERT_FILE" \
    fails 1 "AWS_CA_BUNDLE=" AWS_CA_BUNDLE=/nonexistent/ca.pem \
    SSL_CERT_FILE="$CA" -- "$URL/"

# Precedence: the flag wins and the environment is not even looked at.
t_check "--ca-bundle wins over a bad AWS_CA_BUNDLE" \
    fetches AWS_CA_BUNDLE=/nonexistent/ca.pem -- --ca-bundle "$CA" "$URL/"
t_check "AWS_CA_BUNDLE wins over a bad SSL_CERT_FILE" \
    fetches AWS_CA_BUNDLE="$CA" SSL_CERT_FILE=/nonexistent -- "$URL/"

# --show-ca names the source in use.
t_check "--show-ca: --ca-bundle" shows "ca: --ca-bundle $CA" -- --ca-bundle "$CA"
t_check "--show-ca: AWS_CA_BUNDLE" shows "ca: AWS_CA_BUNDLE $CA" AWS_CA_BUNDLE="$CA" --
t_check "--show-ca: SSL_CERT_FILE" shows "ca: SSL_CERT_FILE $CA" SSL_CERT_FILE="$CA" --
t_check "--show-ca: SSL_CERT_DIR" shows "ca: SSL_CERT_DIR $T_TMP/certs" \
    SSL_CERT_DIR="$T_TMP/certs" --
t_check "--show-ca: CURL_CA_BUNDLE" shows "ca: CURL_CA_BUNDLE $CA" CURL_CA_BUNDLE="$CA" --
t_check "--show-ca --json" \
    shows "{\"source\":\"SSL_CERT_FILE\",\"path\":\"$CA\"}" SSL_CERT_FILE="$CA" -- --json
default=$("$ROMA" http --show-ca 2>&1)
case $default in
"ca: system /"* | "ca: embedded ("*" certificates)") t_ok "--show-ca: default ($default)" ;;
*) t_not_ok "--show-ca: default" "got: $default" ;;
esac
t_fail_check "--show-ca reports an unusable source" \
    env AWS_CA_BUNDLE= "$ROMA" http --show-ca

# The applet's other duties: status, -o, -v, usage.
t_check "HTTP 404 exits 1 naming the status" \
    fails 1 "404 Not Found" -- --ca-bundle "$CA" "$URL/missing"
t_check "-o writes the body to a file" \
    sh -c '"$ROMA" http --ca-bundle "$1" -o "$2" "$3" && [ "$(cat "$2")" = "hello over tls" ]' \
    sh "$CA" "$T_TMP/out.txt" "$URL/"
t_check "-v reports the CA and the status line on stderr" \
    sh -c '"$ROMA" http -v --ca-bundle "$1" "$2" 2>&1 >/dev/null |
	grep -q "^\* ca: --ca-bundle $1\$" &&
	"$ROMA" http -v --ca-bundle "$1" "$2" 2>&1 >/dev/null | grep -q "^< HTTP/1.[01] 200 OK"' \
    sh "$CA" "$URL/"
t_check "a missing URL is a usage error (exit 2)" \
    sh -c '"$ROMA" http --ca-bundle "$1" 2>&1 | grep -q "^roma http: missing URL$";
	"$ROMA" http --ca-bundle "$1" 2>/dev/null; [ $? -eq 2 ]' sh "$CA"
t_check "an unknown option is a usage error (exit 2)" \
    sh -c '"$ROMA" http --no-such-option "$1" 2>/dev/null; [ $? -eq 2 ]' sh "$URL/"

t_done
