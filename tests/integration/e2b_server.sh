#!/usr/bin/env bash
# The local E2B-compatible server (tests/e2b-server) proven with E2B's official
# JS SDKs (tests/e2b-sdk/fidelity.mjs, versions pinned in its lock file), then
# the parts the SDK cannot see checked on the wire with curl and
# tests/e2b-server/rpc.py: mount-namespace isolation between sandboxes and
# from the host, the unprivileged user, expiry, injected 429/503 answers,
# host-name routing, Connect framing (keepalives, deadline, end frame),
# envd auth and the NDJSON of /execute.
. "$(dirname "$0")/../lib.sh"

RPC=$T_ROOT/tests/e2b-server/rpc.py
export CURL_HOME=$T_TMP
printf 'max-time = 30\n' >"$CURL_HOME/.curlrc"

if [ "$(id -u)" -ne 0 ]; then
	t_not_ok "e2b server tests need root (mount namespaces, setpriv)"
	t_done
	exit
fi

if t_npm_ci_dir "$T_ROOT/tests/e2b-sdk"; then
	t_ok "npm ci of the pinned E2B SDKs"
else
	t_not_ok "npm ci of the pinned E2B SDKs"
fi

if ! t_start_e2b; then
	t_not_ok "e2b server starts" "$(tail -n 5 "$T_TMP"/e2b-server-*.log)"
	t_done
	exit
fi
t_ok "e2b server starts"

# --- the official SDKs ----------------------------------------------------------
if [ -d "$T_ROOT/tests/e2b-sdk/node_modules/e2b" ]; then
	(cd "$T_ROOT/tests/e2b-sdk" && timeout 110 node fidelity.mjs) >"$T_TMP/fidelity.out" 2>&1
	st=$?
	sed 's/^ok - /ok - sdk: /; s/^not ok - /not ok - sdk: /' "$T_TMP/fidelity.out"
	grep -q '^ok - ' "$T_TMP/fidelity.out" || t_not_ok "sdk: fidelity.mjs ran (exit $st)"
	if [ "$st" -ne 0 ] && ! grep -q '^not ok - ' "$T_TMP/fidelity.out"; then
		t_not_ok "sdk: fidelity.mjs exited with status $st"
	fi
fi

# --- helpers ----------------------------------------------------------------------------
# api CURL-ARGS...: curl to the control plane with the key.
api() {
	curl -sS -H "X-API-Key: $E2B_API_KEY" -H 'Content-Type: application/json' "$@"
}

# jget FIELD: a top-level field of the JSON on stdin.
jget() {
	python3 -c 'import json,sys; v=json.load(sys.stdin).get(sys.argv[1]); print("" if v is None else v)' "$1"
}

# create JSON: make a sandbox; prints "ID TOKEN".
create() {
	local out
	out=$(api -X POST "$E2B_API_URL/v2/sandboxes" -d "$1") || return 1
	printf '%s %s\n' "$(jget sandboxID <<<"$out")" "$(jget envdAccessToken <<<"$out")"
}

# sx ID TOKEN USER COMMAND: run COMMAND with bash in the sandbox through
# process.Process/Start; its output on ours, its exit status ours.
sx() {
	local body
	body=$(python3 -c 'import json,sys; print(json.dumps({"process":{"cmd":"/bin/bash","args":["-c",sys.argv[1]]},"stdin":False}))' "$4")
	python3 "$RPC" --exec --token "$2" --user "$3" "$E2B_SANDBOX_URL" "$1" process.Process/Start "$body"
}

# --- namespace isolation ------------------------------------------------------------------
read -r A ATOK < <(create '{"templateID":"base","timeout":120}')
read -r B BTOK < <(create '{"templateID":"base","timeout":120}')
if [ -n "$A" ] && [ -n "$B" ]; then
	t_ok "two sandboxes created over curl"
else
	t_not_ok "two sandboxes created over curl"
fi
tag=e2biso$$
t_check "root in sandbox A mounts a tmpfs" \
    sx "$A" "$ATOK" root "mkdir -p /mnt/$tag && mount -t tmpfs -o size=1m $tag /mnt/$tag && echo x >/mnt/$tag/f && grep -q ' /mnt/$tag ' /proc/self/mountinfo"
t_check "the mount is visible to a later process in sandbox A" \
    sx "$A" "$ATOK" user "test -f /mnt/$tag/f && grep -q ' /mnt/$tag ' /proc/self/mountinfo"
t_fail_check "the mount is not visible on the host" grep -q " /mnt/$tag " /proc/self/mountinfo
t_fail_check "the mount is not visible in sandbox B" \
    sx "$B" "$BTOK" root "grep -q ' /mnt/$tag ' /proc/self/mountinfo"
t_check "sandbox A writes its /home/user and /tmp" \
    sx "$A" "$ATOK" user "echo a >/home/user/$tag && echo a >/tmp/$tag"
t_fail_check "sandbox B has its own /home/user and /tmp" \
    sx "$B" "$BTOK" user "ls /home/user/$tag /tmp/$tag"
t_fail_check "the host's /tmp does not see sandbox A's" test -e "/tmp/$tag"
t_check "user is unprivileged (uid != 0, mount fails)" \
    sx "$A" "$ATOK" user "[ \"\$(id -u)\" -ne 0 ] && [ \"\$(id -un)\" = user ] && ! mount -t tmpfs x /mnt 2>/dev/null"
t_check "/dev/fuse is there for FUSE mounts" sx "$A" "$ATOK" root "test -c /dev/fuse"

# --- Connect wire details --------------------------------------------------------------------
t_check "stream ends with an end-of-stream frame after the end event" bash -c '
	out=$(python3 "$1" --token "$2" "$E2B_SANDBOX_URL" "$3" process.Process/Start \
	    "{\"process\":{\"cmd\":\"echo\",\"args\":[\"hi\"]}}") &&
	printf "%s\n" "$out" | head -n 1 | grep -q "\"start\": {\"pid\"" &&
	printf "%s\n" "$out" | grep -q "\"stdout\": \"aGkK\"" &&
	printf "%s\n" "$out" | tail -n 2 | head -n 1 | grep -q "\"end\": {\"exited\": true, \"status\": \"exit status 0\"}" &&
	[ "$(printf "%s\n" "$out" | tail -n 1)" = "end {}" ]' _ "$RPC" "$ATOK" "$A"
t_check "keepalive frames while a process is silent" bash -c '
	python3 "$1" --token "$2" --keepalive 1 "$E2B_SANDBOX_URL" "$3" process.Process/Start \
	    "{\"process\":{\"cmd\":\"sleep\",\"args\":[\"2.5\"]}}" | grep -q "\"keepalive\": {}"' _ "$RPC" "$ATOK" "$A"
t_check "Connect-Timeout-Ms ends the stream with deadline_exceeded" bash -c '
	python3 "$1" --token "$2" --timeout-ms 500 "$E2B_SANDBOX_URL" "$3" process.Process/Start \
	    "{\"process\":{\"cmd\":\"sleep\",\"args\":[\"20\"]}}" | tail -n 1 | grep -q "deadline_exceeded"' _ "$RPC" "$ATOK" "$A"
t_check "unary error: HTTP 404 with {code: not_found}" bash -c '
	out=$(curl -sS -w "\n%{http_code}" -H "X-Access-Token: $2" -H "E2b-Sandbox-Id: $3" -H "E2b-Sandbox-Port: 49983" \
	    -H "Content-Type: application/json" -d "{\"path\":\"/nope\"}" "$E2B_SANDBOX_URL/filesystem.Filesystem/Stat") &&
	[ "$(printf "%s\n" "$out" | tail -n 1)" = 404 ] && printf "%s\n" "$out" | head -n 1 | grep -q "\"code\":\"not_found\""' \
    _ "$RPC" "$ATOK" "$A"
t_check "envd without X-Access-Token is 401" bash -c '
	[ "$(curl -sS -o /dev/null -w "%{http_code}" -H "E2b-Sandbox-Id: $1" -H "E2b-Sandbox-Port: 49983" \
	    -H "Content-Type: application/json" -d "{}" "$E2B_SANDBOX_URL/process.Process/List")" = 401 ]' _ "$A"
t_check "host-name routing: 49983-<id>.<domain> reaches envd" bash -c '
	[ "$(curl -sS -o /dev/null -w "%{http_code}" -H "Host: 49983-$1.$E2B_DOMAIN" "$E2B_SANDBOX_URL/health")" = 204 ] &&
	[ "$(curl -sS -H "Host: 49983-$1.$E2B_DOMAIN" -H "X-Access-Token: $2" "$E2B_SANDBOX_URL/files?path=/home/user/'"$tag"'")" = a ]' \
    _ "$A" "$ATOK"
t_check "/execute streams NDJSON: count first, end_of_execution last" bash -c '
	out=$(curl -sS -H "E2b-Sandbox-Id: $1" -H "E2b-Sandbox-Port: 49999" -H "Content-Type: application/json" \
	    -d "{\"code\":\"print(\\\"h\\u00e9\\\")\\n6*7\"}" "$E2B_SANDBOX_URL/execute") &&
	printf "%s\n" "$out" | head -n 1 | grep -q "^{\"type\": \"number_of_executions\", \"execution_count\": 1}$" &&
	printf "%s\n" "$out" | grep -q "^{\"type\": \"stdout\", \"text\": \"h\\\\u00e9\\\\n\", \"timestamp\": " &&
	printf "%s\n" "$out" | grep -q "^{\"type\": \"result\", \"text\": \"42\", \"extra\": {}, \"is_main_result\": true}$" &&
	[ "$(printf "%s\n" "$out" | tail -n 1)" = "{\"type\": \"end_of_execution\"}" ]' _ "$A"

t_check "old create POST /sandboxes: 201, 15 s default, no token unless secure" bash -c '
	out=$(curl -sS -w "\n%{http_code}" -H "X-API-Key: $E2B_API_KEY" -H "Content-Type: application/json" \
	    -d "{\"templateID\":\"base\",\"metadata\":{\"gen\":\"v1\"}}" "$E2B_API_URL/sandboxes") &&
	[ "$(printf "%s\n" "$out" | tail -n 1)" = 201 ] &&
	id=$(printf "%s\n" "$out" | head -n 1 | python3 -c "import json,sys; d=json.load(sys.stdin); assert \"envdAccessToken\" not in d; print(d[\"sandboxID\"])") &&
	curl -sS -H "X-API-Key: $E2B_API_KEY" "$E2B_API_URL/sandboxes?metadata=gen%3Dv1" | python3 -c "
import json, sys, datetime
l = json.load(sys.stdin)
assert [s[\"sandboxID\"] for s in l] == [sys.argv[1]], l
p = lambda t: datetime.datetime.fromisoformat(t.replace(\"Z\", \"+00:00\"))
assert 14 <= (p(l[0][\"endAt\"]) - p(l[0][\"startedAt\"])).total_seconds() <= 16, l" "$id" &&
	[ "$(curl -sS -o /dev/null -w "%{http_code}" -H "E2b-Sandbox-Id: $id" -H "E2b-Sandbox-Port: 49983" \
	    -H "Content-Type: application/json" -d "{}" "$E2B_SANDBOX_URL/process.Process/List")" = 200 ] &&
	[ "$(curl -sS -o /dev/null -w "%{http_code}" -X DELETE -H "X-API-Key: $E2B_API_KEY" "$E2B_API_URL/sandboxes/$id")" = 204 ]'

# --- faults and auth over curl -----------------------------------------------------------------------
t_check "a wrong API key is 401 with E2B's error JSON" bash -c '
	out=$(curl -sS -w "\n%{http_code}" -H "X-API-Key: e2b_00" "$E2B_API_URL/v2/sandboxes") &&
	[ "$(printf "%s\n" "$out" | tail -n 1)" = 401 ] && printf "%s\n" "$out" | head -n 1 | grep -q "^{\"code\":401,\"message\":"'
t_e2b_fault '{"path":"/v2/sandboxes","method":"GET","status":429,"retryAfter":2,"count":1}'
t_check "injected 429 carries Retry-After and the error JSON, once" bash -c '
	curl -sS -i -H "X-API-Key: $E2B_API_KEY" "$E2B_API_URL/v2/sandboxes" >"$T_TMP/r429" &&
	head -n 1 "$T_TMP/r429" | grep -q " 429 " && grep -qi "^Retry-After: 2" "$T_TMP/r429" &&
	grep -q "\"code\":429" "$T_TMP/r429" &&
	[ "$(curl -sS -o /dev/null -w "%{http_code}" -H "X-API-Key: $E2B_API_KEY" "$E2B_API_URL/v2/sandboxes")" = 200 ]'
t_e2b_fault '{"path":"/v2/sandboxes","method":"POST","status":503,"count":1}'
t_check "injected 503 on create, then create works" bash -c '
	[ "$(curl -sS -o /dev/null -w "%{http_code}" -H "X-API-Key: $E2B_API_KEY" -H "Content-Type: application/json" \
	    -d "{\"templateID\":\"base\",\"timeout\":5}" "$E2B_API_URL/v2/sandboxes")" = 503 ] &&
	[ "$(curl -sS -o /dev/null -w "%{http_code}" -H "X-API-Key: $E2B_API_KEY" -H "Content-Type: application/json" \
	    -d "{\"templateID\":\"base\",\"timeout\":5}" "$E2B_API_URL/v2/sandboxes")" = 201 ]'
t_e2b_fault_clear

# --- expiry ------------------------------------------------------------------------------------------------
read -r C CTOK < <(create '{"templateID":"base","timeout":2}')
cpid=$(python3 "$RPC" --token "$CTOK" --timeout-ms 0 "$E2B_SANDBOX_URL" "$C" process.Process/Start \
    '{"process":{"cmd":"sleep","args":["60"]}}' 2>/dev/null | head -n 1 | sed -n 's/.*"pid": \([0-9]*\).*/\1/p')
t_check "a sandbox with a 2 s timeout runs a process" test -n "$cpid"
sleep 2.6
t_check "after its timeout the API answers 404 with code 404" bash -c '
	out=$(curl -sS -w "\n%{http_code}" -H "X-API-Key: $E2B_API_KEY" "$E2B_API_URL/sandboxes/$1") &&
	[ "$(printf "%s\n" "$out" | tail -n 1)" = 404 ] && printf "%s\n" "$out" | head -n 1 | grep -q "\"code\":404"' _ "$C"
t_check "after its timeout envd answers 502 sandbox not found" bash -c '
	out=$(curl -sS -w "\n%{http_code}" -H "E2b-Sandbox-Id: $1" -H "E2b-Sandbox-Port: 49983" "$E2B_SANDBOX_URL/health") &&
	[ "$(printf "%s\n" "$out" | tail -n 1)" = 502 ] && printf "%s\n" "$out" | grep -q "The sandbox was not found"' _ "$C"
t_fail_check "its processes are gone" kill -0 "${cpid:-1}"
# pids of A and B (their holders and every process in their namespaces)
nspids=$(curl -sS "$E2B_SERVER/__e2b/sandboxes" | python3 -c '
import json, sys
print(" ".join(str(p) for s in json.load(sys.stdin) if s["sandboxID"] in sys.argv[1:] for p in s["pids"]))' "$A" "$B")
t_check "sandboxes A and B have processes in their namespaces" test -n "$nspids"
t_check "killing sandboxes A and B" bash -c '
	[ "$(curl -sS -o /dev/null -w "%{http_code}" -X DELETE -H "X-API-Key: $E2B_API_KEY" "$E2B_API_URL/sandboxes/$1")" = 204 ] &&
	[ "$(curl -sS -o /dev/null -w "%{http_code}" -X DELETE -H "X-API-Key: $E2B_API_KEY" "$E2B_API_URL/sandboxes/$2")" = 204 ]' _ "$A" "$B"
t_check "nothing is left running in their namespaces" bash -c '
	sleep 0.3
	for p in $1; do
		if kill -0 "$p" 2>/dev/null && ! grep -q "^State:.*zombie" "/proc/$p/status"; then exit 1; fi
	done' _ "$nspids"

t_done
