#!/usr/bin/env bash
# roma e2b against the local E2B-compatible server (tests/e2b-server): every
# command, the scenarios of the SDK fidelity run (tests/e2b-sdk/fidelity.mjs)
# with the same expected results, and the failure cases: a sandbox expiring
# mid-session, 429 with Retry-After, 503 on create, a stalled stream,
# multibyte output split across chunks, a 10 MB file, and the API key,
# --env values, stdin data and file contents absent from all output at
# ROMA_LOG=trace.
. "$(dirname "$0")/../lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	t_not_ok "e2b tests need root (the server makes mount namespaces)"
	t_done
	exit
fi
if ! t_start_e2b; then
	t_not_ok "e2b server starts" "$(tail -n 5 "$T_TMP"/e2b-server-*.log)"
	t_done
	exit
fi
export XDG_STATE_HOME=$T_TMP/state ROMA_LOG=warn
cd "$T_TMP" || exit 1
RUN=r$$
OUT=$T_TMP/out ERR=$T_TMP/err

# e2b ARGS...: roma e2b with stdout in $OUT and stderr in $ERR; its status.
e2b() {
	"$ROMA" e2b "$@" >"$OUT" 2>"$ERR"
}

# expect NAME WANT JQ-FILTER: the filter applied to $OUT must print WANT.
expect() {
	local got
	got=$(jq -c "$3" <"$OUT" 2>&1)
	if [ "$got" = "$2" ]; then
		t_ok "$1"
	else
		t_not_ok "$1" "got $got, want $2; stderr: $(head -c 300 "$ERR")"
	fi
}

# status NAME WANT CMD...: CMD's exit status must be WANT.
status() {
	local name=$1 want=$2 st
	shift 2
	"$@"
	st=$?
	if [ "$st" -eq "$want" ]; then
		t_ok "$name"
	else
		t_not_ok "$name" "exit $st, want $want: $(head -c 300 "$ERR")"
	fi
}

# ok_if NAME WHY TEST...: pass when TEST succeeds, else say WHY.
ok_if() {
	local name=$1 why=$2
	shift 2
	if "$@"; then
		t_ok "$name"
	else
		t_not_ok "$name" "$why"
	fi
}

# --- control plane -----------------------------------------------------------
status "sandbox create" 0 e2b sandbox create --json --template code-interpreter-v1 \
    --metadata run=$RUN --metadata role=main --env FOO=bar --timeout 120
SBX=$(jq -r .sandboxID <"$OUT")
expect "create: template and no token printed" '["code-interpreter-v1",false]' \
    '[.templateID, has("envdAccessToken")]'
status "sandbox info" 0 e2b sandbox info "$SBX" --json
expect "info: metadata and state" '[{"run":"'$RUN'","role":"main"},"running"]' '[.metadata, .state]'
status "sandbox timeout" 0 e2b sandbox timeout "$SBX" 600
e2b sandbox info "$SBX" --json
left=$(($(date -d "$(jq -r .endAt <"$OUT")" +%s) - $(date +%s)))
ok_if "timeout moves endAt" "$left s left" sh -c "[ $left -gt 590 ] && [ $left -le 601 ]"
status "sandbox timeout: a duration" 0 e2b sandbox timeout "$SBX" 11m
e2b sandbox info "$SBX" --json
left=$(($(date -d "$(jq -r .endAt <"$OUT")" +%s) - $(date +%s)))
ok_if "timeout 11m moves endAt" "$left s left" sh -c "[ $left -gt 650 ] && [ $left -le 661 ]"
status "sandbox timeout without SECONDS is a usage error" 2 e2b sandbox timeout "$SBX"
t_fail_check "missing SECONDS: no I/O error" grep -q 'I/O error' "$ERR"
t_check "missing SECONDS: says so, with the sandbox usage" \
    sh -c "grep -q 'missing SECONDS' '$ERR' && grep -q 'roma e2b sandbox timeout' '$ERR' && ! grep -q 'roma e2b exec' '$ERR'"
status "sandbox timeout with bad SECONDS is a usage error" 2 e2b sandbox timeout "$SBX" abc
t_check "bad SECONDS: named, no I/O error" sh -c "grep -q \"'abc'\" '$ERR' && ! grep -q 'I/O error' '$ERR'"
status "sandbox timeout with a stray argument" 2 e2b sandbox timeout "$SBX" 60 61
e2b sandbox create --metadata run=$RUN --metadata role=other
OTHER=$(cat "$OUT")
e2b sandbox create --metadata run=$RUN --metadata role=third
THIRD=$(cat "$OUT")
status "sandbox list" 0 e2b sandbox list --metadata run=$RUN --json
expect "list: all three by metadata" "$(printf '%s\n' "$SBX" "$OTHER" "$THIRD" | sort | jq -R . | jq -sc .)" \
    '[.[].sandboxID] | sort'
expect "create: default template code-interpreter-v1, as everywhere" '["code-interpreter-v1"]' \
    "[.[] | select(.sandboxID == \"$OTHER\") | .templateID]"
curl -fsS -X DELETE "$E2B_SERVER/__e2b/requests" >/dev/null
status "sandbox list --limit 2" 0 e2b sandbox list --metadata run=$RUN --limit 2 --json
expect "list --limit: a cap on what is printed" '2' 'length'
n=$(curl -fsS "$E2B_SERVER/__e2b/requests" |
    jq -c '[.[] | select(.method == "GET" and .path == "/v2/sandboxes") | (.query | test("limit=2(&|$)"))]')
ok_if "list --limit: one request of 2, no paging past the cap" "requests: $n" [ "$n" = '[true]' ]
e2b sandbox list --metadata run=$RUN --limit 1
ok_if "list --limit 1 (text): one line" "$(wc -l <"$OUT") lines" [ "$(wc -l <"$OUT")" -eq 1 ]
e2b sandbox list --metadata run=$RUN --metadata role=other --json
expect "list: metadata AND filter" "[\"$OTHER\"]" '[.[].sandboxID]'
e2b sandbox list --metadata run=$RUN --state paused --json
expect "list: none paused" '0' 'length'
status "kill third" 0 e2b sandbox kill "$THIRD"
E2B_TEMPLATE_ID=base e2b sandbox create --json --timeout 30
expect "create: E2B_TEMPLATE_ID is the default" '"base"' .templateID
"$ROMA" e2b sandbox kill "$(jq -r .sandboxID <"$OUT")" >/dev/null 2>&1
status "pause" 0 e2b sandbox pause "$OTHER"
e2b sandbox list --metadata run=$RUN --state paused --json
expect "list: the paused one" "[\"$OTHER\"]" '[.[].sandboxID]'
status "pausing a paused sandbox fails" 1 e2b sandbox pause "$OTHER"
status "resume" 0 e2b sandbox resume "$OTHER"
status "command after resume" 0 e2b exec --sandbox "$OTHER" echo back
expect "command after resume: output" '"back\n"' .stdout
status "kill" 0 e2b sandbox kill "$OTHER"
status "second kill fails" 1 e2b sandbox kill "$OTHER"
t_check "second kill says not found" grep -q "Sandbox $OTHER not found" "$ERR"
status "info of a killed sandbox fails" 1 e2b sandbox info "$OTHER"

# --- commands ------------------------------------------------------------------
status "exec with sandbox and call envs" 0 e2b exec --sandbox "$SBX" --env BAR=baz \
    'echo "$FOO $BAR"; echo warn >&2'
expect "exec: run_command shape" \
    "{\"success\":true,\"exit_code\":0,\"stdout\":\"bar baz\\n\",\"stderr\":\"warn\\n\",\"sandbox_id\":\"$SBX\"}" .
status "exec: non-zero exit is the exit status" 3 e2b exec --sandbox "$SBX" 'echo out; echo err >&2; exit 3'
expect "exec: failing command's JSON" '[false,3,"out\n","err\n"]' '[.success, .exit_code, .stdout, .stderr]'
status "exec: several words are quoted, not re-split" 3 e2b exec --sandbox "$SBX" sh -c 'exit 3'
e2b exec --sandbox "$SBX" printf '%s|' 'a b' "it's" '$HOME' ''
expect "exec: each word reaches the command as it was" '"a b|it'"'"'s|$HOME||"' .stdout
e2b exec --sandbox "$SBX" 'echo $((1 + 2)) | tr 3 x'
expect "exec: one word is a shell command line" '"x\n"' .stdout
e2b exec --sandbox "$SBX" 'whoami; pwd; echo $HOME'
expect "exec: default user" '"user\n/home/user\n/home/user\n"' .stdout
e2b exec --sandbox "$SBX" --user root 'whoami; id -u'
expect "exec: root on request" '"root\n0\n"' .stdout
e2b exec --sandbox "$SBX" --cwd /tmp pwd
expect "exec: cwd" '"/tmp\n"' .stdout
e2b exec --sandbox "$SBX" "printf 'a\\xc3'; sleep 0.3; printf '\\xa9b\\n'"
expect "exec: multibyte character split across chunks" '"aéb\n"' .stdout
status "exec --stream" 0 e2b exec --sandbox "$SBX" --stream "printf 'a\\xc3'; sleep 0.3; printf '\\xa9b\\n'"
t_check "exec --stream: live output" cmp -s "$OUT" <(printf 'a\xc3\xa9b\n')
t0=$(date +%s)
status "exec --timeout kills a long command" 1 e2b exec --sandbox "$SBX" --timeout 1 'sleep 30'
t_check "exec --timeout: bounded and said so" sh -c "[ $(($(date +%s) - t0)) -lt 8 ] && grep -q 'timeout' '$OUT'"
status "exec: no 60 s kill by default (2 s command)" 0 e2b exec --sandbox "$SBX" 'sleep 2; echo slept'
echo hello | "$ROMA" e2b exec --sandbox "$SBX" --stdin 'cat; echo done' >"$OUT" 2>"$ERR"
expect "exec --stdin: SendInput and CloseStdin" '"hello\ndone\n"' .stdout

# --- files ---------------------------------------------------------------------
printf 'hello file' >"$T_TMP/a.txt"
status "files put" 0 e2b files put --sandbox "$SBX" "$T_TMP/a.txt" /home/user/dir/a.txt
expect "files put: upload_file shape" \
    "[true,\"Uploaded 10 bytes\",10,\"$SBX\"]" '[.success, .message, .size_bytes, .sandbox_id]'
status "files cat" 0 e2b files cat --sandbox "$SBX" /home/user/dir/a.txt
t_check "files cat: content" grep -qx 'hello file' "$OUT"
status "files cat: relative path" 0 e2b files cat --sandbox "$SBX" dir/a.txt
e2b exec --sandbox "$SBX" 'cat /home/user/dir/a.txt; stat -c %U dir/a.txt'
expect "files: seen by a command, owned by user" '"hello fileuser\n"' .stdout
status "files mkdir" 0 e2b files mkdir --sandbox "$SBX" /home/user/multi/sub
status "files mkdir again (like mkdir -p)" 0 e2b files mkdir --sandbox "$SBX" /home/user/multi/sub
e2b files put --sandbox "$SBX" "$T_TMP/a.txt" /home/user/multi/1.txt
e2b files put --sandbox "$SBX" "$T_TMP/a.txt" /home/user/multi/sub/2.txt
status "files ls" 0 e2b files ls --sandbox "$SBX" --json /home/user/multi
expect "files ls: depth 1" '["1.txt:FILE_TYPE_FILE","sub:FILE_TYPE_DIRECTORY"]' '[.[] | "\(.name):\(.type)"] | sort'
e2b files ls --sandbox "$SBX" --depth 2 --json /home/user/multi
expect "files ls --depth 2" '["/home/user/multi/1.txt","/home/user/multi/sub","/home/user/multi/sub/2.txt"]' '[.[].path] | sort'
status "files mv" 0 e2b files mv --sandbox "$SBX" /home/user/dir/a.txt /home/user/multi/b.txt
status "files rm" 0 e2b files rm --sandbox "$SBX" /home/user/multi
status "files get of a removed file fails" 1 e2b files get --sandbox "$SBX" /home/user/multi/b.txt "$T_TMP/nope"
t_check "files get: not found, no local file left" sh -c "grep -q 'no such file' '$ERR' && [ ! -e '$T_TMP/nope' ]"
head -c $((10 * 1024 * 1024)) /dev/urandom >"$T_TMP/big.bin"
status "files put 10 MB as root" 0 e2b files put --sandbox "$SBX" --user root "$T_TMP/big.bin" /root/big.bin
status "files get 10 MB as root" 0 e2b files get --sandbox "$SBX" --user root /root/big.bin "$T_TMP/big.back"
t_check "10 MB round trip is identical" cmp "$T_TMP/big.bin" "$T_TMP/big.back"

# --- code interpreter and sessions -------------------------------------------------
status "run-python in a session" 0 e2b run-python --session s1 'x = 41
print("set")'
expect "run-python: ROMA shape" '["success","results","stdout","stderr","error","sandbox_id"]' 'keys_unsorted'
expect "run-python: stdout list, no result" '[true,[],["set\n"],[],null]' '[.success, .results, .stdout, .stderr, .error]'
S1=$(jq -r .sandbox_id <"$OUT")
status "run-python keeps state across calls" 0 e2b run-python --session s1 'x + 1'
expect "run-python: the result text, same sandbox" "[[\"42\"],\"$S1\"]" '[.results, .sandbox_id]'
echo '"a string"' >"$T_TMP/code.py"
e2b run-python --session s1 -f "$T_TMP/code.py"
expect "run-python -f: quotes stripped like E2B" '["a string"]' .results
printf 'def f():\n    return 1/0\nf()\n' | "$ROMA" e2b run-python --session s1 - >"$OUT" 2>"$ERR"
st=$?
ok_if "run-python: exit 1 when the code raised" "exit $st" [ "$st" -eq 1 ]
expect "run-python: success true, the exception in error" '[true,true,true]' \
    '[.success, (.error | startswith("ExecutionError(name='"'"'ZeroDivisionError'"'"', value='"'"'division by zero'"'"'")), (.error | contains("1/0"))]'
e2b run-python --session s1 'class H:
    def _repr_html_(self):
        return "<b>hi</b>"
display(H())
{"k": [1, 2]}'
expect "run-python: a display result next to the main result" "[true,\"{'k': [1, 2]}\"]" \
    '[(.results[0] | startswith("<__main__.H object")), .results[1]]'
e2b run-python --session s1 'display({"image/png": "iVBORw0KGgo="}, raw=True)
display({"text/html": "<b>x</b>", "image/png": "iVBORw0KGgo="}, raw=True)
display({"text/html": "<i>y</i>"}, raw=True)
display({"text/markdown": "# h", "text/latex": "$x$"}, raw=True)
None'
expect "run-python: results without text as ROMA labels them" \
    '["[PNG image output]","[PNG image output]","[HTML output]","Result(Formats: markdown, latex)"]' .results
e2b run-python --session s1 --stream 'display({"text/html": "<i>y</i>"}, raw=True)'
t_check "run-python --stream: the same label" grep -qx '\[HTML output\]' "$OUT"
e2b run-python --session s1 --env CELL=c1 'import os, sys
print("e", file=sys.stderr)
print(os.environ.get("CELL"))'
expect "run-python: stderr and cell envs" '[["e\n"],"c1\n"]' '[.stderr, (.stdout | join(""))]'
status "run-python --stream" 1 e2b run-python --session s1 --stream 'print("live")
raise ValueError("v")'
t_check "run-python --stream: live stdout, traceback on stderr" sh -c "grep -qx live '$OUT' && grep -q ValueError '$ERR'"
status "status of the session" 0 e2b status --session s1
expect "status: get_sandbox_status shape" "[true,\"running\",\"$S1\",300,23.5,\"code-interpreter-v1\"]" \
    '[.success, .status, .sandbox_id, .timeout, .max_lifetime_hours, .template]'
status "status of an unknown session" 0 e2b status --session none
expect "status: no_sandbox" '"no_sandbox"' .status
e2b context create --session s1 --cwd /tmp
CTX=$(jq -r .id <"$OUT")
e2b run-python --session s1 --context "$CTX" 'y = 5'
e2b run-python --session s1 --context "$CTX" 'import os
(y * 2, os.getcwd())'
expect "context: own state and cwd" "[\"(10, '/tmp')\"]" .results
e2b run-python --session s1 'y'
expect "context: the default one does not see y" 'true' '.error | startswith("ExecutionError(name='"'"'NameError'"'"'")'
status "context list" 0 e2b context list --session s1
expect "context list: has it" 'true' "any(.[]; .id == \"$CTX\")"
status "context restart" 0 e2b context restart --session s1 "$CTX"
status "context rm" 0 e2b context rm --session s1 "$CTX"

status "sandbox create --session on a live session fails" 1 e2b sandbox create --session s1
t_check "create on a live session: says why and what to do" \
    sh -c "grep -q 'already has sandbox $S1' '$ERR' && grep -q 'sandbox kill --session s1' '$ERR'"
e2b status --session s1
expect "create on a live session: the session keeps its sandbox" "\"$S1\"" .sandbox_id
status "sandbox create --session NAME" 0 e2b sandbox create --session cs
CS=$(cat "$OUT")
"$ROMA" e2b sandbox kill "$CS" >/dev/null 2>&1
status "sandbox create --session on a session whose sandbox is gone" 0 e2b sandbox create --session cs
CS2=$(cat "$OUT")
t_check "gone session sandbox: replaced, said so" sh -c "[ '$CS2' != '$CS' ] && grep -q 'was gone' '$ERR'"
e2b status --session cs
expect "create --session: recorded with the default template" "[\"$CS2\",\"code-interpreter-v1\",300]" \
    '[.sandbox_id, .template, .timeout]'
status "sandbox timeout --session NAME SECONDS" 0 e2b sandbox timeout --session cs 2m
e2b sandbox info --session cs --json
left=$(($(date -d "$(jq -r .endAt <"$OUT")" +%s) - $(date +%s)))
ok_if "timeout --session: the session's sandbox" "$left s left" sh -c "[ $left -gt 110 ] && [ $left -le 121 ]"
status "kill --session cs" 0 e2b sandbox kill --session cs

e2b exec --session tk --sandbox-timeout 15m 'true'
e2b exec --session tk 'true'
e2b status --session tk
expect "session timeout: kept by a call without --sandbox-timeout" '900' .timeout
e2b sandbox info --session tk --json
left=$(($(date -d "$(jq -r .endAt <"$OUT")" +%s) - $(date +%s)))
ok_if "session timeout: the sandbox still ends 15 min out" "$left s left" [ "$left" -gt 800 ]
"$ROMA" e2b sandbox kill --session tk >/dev/null 2>&1

# Concurrent first calls share one sandbox.
pids=()
for i in 1 2 3; do
	"$ROMA" e2b exec --session s2 'echo hi' >"$T_TMP/c$i" 2>&1 &
	pids+=($!)
done
wait "${pids[@]}"
t_check "concurrent callers share one session sandbox" \
    sh -c "[ \$(jq -r .sandbox_id '$T_TMP'/c[123] | sort -u | wc -l) -eq 1 ]"

# A session whose sandbox expires is replaced, with a notice.
e2b run-python --session short --sandbox-timeout 2 'z = 1'
SHORT=$(jq -r .sandbox_id <"$OUT")
sleep 3
status "sandbox gone after its timeout" 1 e2b sandbox info "$SHORT"
e2b run-python --session short --sandbox-timeout 2 'z'
expect "expired session: new sandbox, notice, state lost" '[true,true,true]' \
    "[(.sandbox_id != \"$SHORT\"), (.notice | contains(\"$SHORT\")), (.error | contains(\"NameError\"))]"
t_check "expired session: notice on stderr too" grep -q "was gone" "$ERR"
status "kill a session's sandbox" 0 e2b sandbox kill --session short
e2b status --session short
expect "killed session has no sandbox" '"no_sandbox"' .status

# --- errors and faults ----------------------------------------------------------
E2B_API_KEY=e2b_0000bad e2b sandbox list
t_check "wrong API key: AuthenticationError message" grep -q 'Unauthorized, please check your credentials' "$ERR"
curl -fsS -X DELETE "$E2B_SERVER/__e2b/requests" >/dev/null
t_e2b_fault '{"path":"/v2/sandboxes","method":"POST","status":429,"retryAfter":1,"count":2}'
t0=$(date +%s%N)
status "429 with Retry-After is retried" 0 e2b sandbox create --metadata run=$RUN
dt=$((($(date +%s%N) - t0) / 1000000))
ok_if "429: waited Retry-After twice" "$dt ms" [ "$dt" -ge 1900 ]
"$ROMA" e2b sandbox kill "$(cat "$OUT")" >/dev/null 2>&1
t_e2b_fault '{"path":"/v2/sandboxes","method":"POST","status":429,"retryAfter":0,"count":5}'
status "429 beyond the retries fails" 1 e2b sandbox create
t_check "429: RateLimitError message" grep -q 'Rate limit exceeded' "$ERR"
t_e2b_fault_clear
curl -fsS -X DELETE "$E2B_SERVER/__e2b/requests" >/dev/null
t_e2b_fault '{"path":"/v2/sandboxes","method":"POST","status":503,"count":1}'
status "503 on create fails (not idempotent)" 1 e2b sandbox create
t_check "503: ServiceBusyError message" grep -q 'Service temporarily unavailable' "$ERR"
n=$(curl -fsS "$E2B_SERVER/__e2b/requests" | jq '[.[] | select(.method == "POST" and .path == "/v2/sandboxes")] | length')
ok_if "503 on create: one attempt" "$n POSTs" [ "$n" = 1 ]
t_e2b_fault '{"path":"/sandboxes/*","method":"GET","status":503,"count":2}'
status "503 on an idempotent call is retried" 0 e2b sandbox info "$SBX"
t_e2b_fault '{"path":"/process.Process/Start","mode":"stall-stream","count":1}'
t0=$(date +%s)
status "stalled stream fails" 1 e2b exec --sandbox "$SBX" --stall-timeout 3s 'echo never seen'
dt=$(($(date +%s) - t0))
ok_if "stalled stream: bounded wait" "$dt s" [ "$dt" -lt 15 ]
expect "stalled stream: clear error" 'true' '.error | contains("stalled")'
t_e2b_fault_clear

E2B_CA_BUNDLE=$T_TMP/no-such-ca.pem e2b sandbox list
t_check "a bad E2B_CA_BUNDLE is named as such" \
    sh -c "grep -q 'E2B_CA_BUNDLE=$T_TMP/no-such-ca.pem' '$ERR' && ! grep -q -- '--ca-bundle' '$ERR'"
status "exec --help" 0 e2b exec --help
t_check "exec --help: exec's usage only" sh -c "grep -q 'roma e2b exec' '$OUT' && ! grep -q 'roma e2b files' '$OUT'"
status "run-python -h" 0 e2b run-python -h
t_check "run-python usage: --language, --timeout, --env" \
    sh -c "grep -q -- '--language' '$OUT' && grep -q -- '--timeout' '$OUT' && grep -q -- '--env' '$OUT' && ! grep -q 'sandbox create' '$OUT'"
status "sandbox create --help" 0 e2b sandbox create --help
t_check "sandbox --help: the sandbox usage" sh -c "grep -q 'sandbox list' '$OUT' && ! grep -q 'run-python' '$OUT'"
E2B_DEBUG=true status "status in debug mode" 0 e2b status --session s1
expect "status in debug mode: the debug sandbox, as run-python" '["debug_sandbox_id","debug"]' '[.sandbox_id, .template]'
t_check "status in debug mode: says the session is ignored" grep -q 'debug mode.*--session s1 is ignored' "$ERR"

# --- secrets ------------------------------------------------------------------------
all=$T_TMP/all-output
secret=s3cr3t$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
# The commands check the value by its hash: the value itself in a command
# line would be logged as part of the command.
hash=$(printf %s "$secret" | sha256sum | cut -c1-64)
printf 'file %s\n' "$secret" >"$T_TMP/secret.txt"
{
	ROMA_LOG=trace "$ROMA" e2b sandbox list --json
	ROMA_LOG=trace "$ROMA" e2b exec --sandbox "$SBX" 'echo $E2B_SANDBOX_ID'
	ROMA_LOG=trace "$ROMA" e2b exec --sandbox "$SBX" --env SECRETVAR="$secret" \
	    '[ "$(printf %s "$SECRETVAR" | sha256sum | cut -c1-64)" = '"$hash"' ] && echo env-arrived'
	echo "stdin $secret" | ROMA_LOG=trace "$ROMA" e2b exec --sandbox "$SBX" --stdin \
	    --env SECRETVAR="$secret" 'cat >/dev/null; echo stdin-read'
	ROMA_LOG=trace "$ROMA" e2b run-python --session s1 --env SECRETVAR="$secret" \
	    'import hashlib, os; print("py-env", hashlib.sha256(os.environ["SECRETVAR"].encode()).hexdigest() == "'"$hash"'")'
	ROMA_LOG=trace "$ROMA" e2b run-python --env SECRETVAR="$secret" --sandbox-timeout 30 'print(2)'
	ROMA_LOG=trace "$ROMA" e2b files put --sandbox "$SBX" "$T_TMP/secret.txt" /tmp/secret.txt
	ROMA_LOG=trace "$ROMA" e2b files cat --sandbox "$SBX" /etc/hostname
	ROMA_LOG=trace "$ROMA" e2b sandbox create --timeout 30 --env SECRETVAR="$secret"
	ROMA_LOG=trace "$ROMA" e2b sandbox create --json --timeout 30
} >"$all" 2>&1
t_check "trace output is there" grep -q 'X-API-Key' "$all"
t_check "debug lines of envd requests are there" grep -q 'envd /process.Process/Start' "$all"
t_check "the secret env values did arrive" \
    sh -c "grep -q env-arrived '$all' && grep -q stdin-read '$all' && grep -q 'py-env True' '$all'"
t_fail_check "the API key never appears at ROMA_LOG=trace" grep -qF "$E2B_API_KEY" "$all"
t_fail_check "no --env value, stdin or file content at ROMA_LOG=trace" grep -qF "$secret" "$all"
t_fail_check "no access token printed" grep -qi '"envdAccessToken"' "$all"

status "kill the main sandbox" 0 e2b sandbox kill "$SBX"
t_done
