#!/usr/bin/env bash
# bench/e2b.sh - latency of `roma e2b run-python` against E2B's official JS SDK
# (@e2b/code-interpreter, pinned in tests/e2b-sdk), both talking to the local
# E2B-compatible server (tests/e2b-server) on loopback, in one run.
#
# Two cases, each timed as whole commands by wall clock from process start
# to process exit (what a caller pays, node's start-up included):
#   existing  print(1) in a sandbox that already runs:
#             roma e2b run-python --sandbox ID 'print(1)'
#             node: Sandbox.connect(ID), then runCode('print(1)')
#   create    a new sandbox, print(1), then the sandbox killed:
#             roma e2b run-python 'print(1)'   (creates, runs, kills)
#             node: Sandbox.create(), runCode('print(1)'), kill()
# The server's own time for each run (the sum of the durations of the
# requests it served, from its request log, /__e2b/requests) is taken away
# from the wall time to give the client's overhead: start-up, its own work,
# and the waits between requests.  `node -e 0` (node's bare start-up) is
# shown for reference.  The clients take turns, in a rotating order, so a
# busy moment of the machine slows all of them.  Every run's output is
# checked.
#
# Prints a Markdown table (median, p90 and min wall ms, median client CPU ms,
# server ms, overhead ms, and the ratios roma/SDK) on stdout and writes it to
# bench/results/e2b.md.  Progress goes to stderr.  Exits non-zero when a run
# failed or printed the wrong thing.  See bench/README.md.
#
# Environment:
#   BENCH_E2B_RUNS     timed runs per client and case (10)
#   BENCH_E2B_OUT      the Markdown file written (bench/results/e2b.md)
#   BENCH_TIMEOUT      seconds allowed for one command (60)
#   ROMA               the roma binary (build/roma)
# Needs root (the server makes a mount namespace per sandbox), node and npm
# (npm ci --prefix tests/e2b-sdk on first use), python3 and curl.
set -u
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh

RUNS=${BENCH_E2B_RUNS:-10}
OUT=${BENCH_E2B_OUT:-$T_ROOT/bench/results/e2b.md}
TMO=${BENCH_TIMEOUT:-60}
SDK_DIR=$T_ROOT/tests/e2b-sdk
D=$T_TMP/bench-e2b
RES=$D/results.tsv
FAILED=0

say() {
	printf 'bench: %s\n' "$*" >&2
}

die() {
	say "$*"
	exit 1
}

case $RUNS in
'' | *[!0-9]* | 0) die "BENCH_E2B_RUNS must be a positive integer, not '$RUNS'" ;;
esac
[ "$(id -u)" -eq 0 ] || die "needs root: the E2B server makes a mount namespace per sandbox"
for tool in node npm python3 curl; do
	command -v "$tool" >/dev/null || die "needs $tool"
done
[ -x "$ROMA" ] || die "no roma binary at $ROMA: run ./build.sh or set ROMA"
"$ROMA" e2b --help >/dev/null 2>&1 || die "$ROMA has no e2b applet"

mkdir -p "$D/log"
: >"$RES"
say "npm ci of the pinned SDKs in $SDK_DIR (once)"
t_npm_ci_dir "$SDK_DIR" || die "npm ci --prefix $SDK_DIR failed"
t_start_e2b --quiet || die "the E2B server did not start"
export E2B_SDK_DIR=$SDK_DIR XDG_STATE_HOME=$D/state
# Every client runs in an empty directory: no stray .env is read.
cd "$D" || exit 1

# The SDK client.  createRequire loads the package from tests/e2b-sdk exactly
# as `import ... from '@e2b/code-interpreter'` there does (the package has
# no "exports", so both take its CommonJS build).  process.exit makes the
# process end when the result is printed, not when idle keep-alive sockets
# time out.
cat >"$D/sdk.mjs" <<'EOF'
import { createRequire } from 'node:module';
const require = createRequire(`${process.env.E2B_SDK_DIR}/package.json`);
const { Sandbox } = require('@e2b/code-interpreter');
const [mode, id] = process.argv.slice(2);
const sbx = mode === 'existing' ? await Sandbox.connect(id) : await Sandbox.create();
const ex = await sbx.runCode('print(1)');
if (mode === 'create') await sbx.kill();
process.stdout.write(JSON.stringify({ stdout: ex.logs.stdout, error: ex.error ?? null }) + '\n');
process.exit(ex.error ? 1 : 0);
EOF

# expected TOOL: a fixed string every good run's output contains.
expected() {
	case $1 in
	roma) printf '%s' '"stdout": ["1\n"]' ;;
	sdk) printf '%s' '{"stdout":["1\n"],"error":null}' ;;
	node) printf '' ;;
	esac
}

# cmd_of CASE TOOL: the command line of one client, in the array CMD.
cmd_of() {
	case $1/$2 in
	existing/roma) CMD=("$ROMA" e2b run-python --sandbox "$SBX" 'print(1)') ;;
	existing/sdk) CMD=(node "$D/sdk.mjs" existing "$SBX") ;;
	create/roma) CMD=("$ROMA" e2b run-python 'print(1)') ;;
	create/sdk) CMD=(node "$D/sdk.mjs" create) ;;
	*/node) CMD=(node -e 0) ;;
	esac
}

# run CASE TOOL ROUND: time one command and record it with the server's
# request log of it; ROUND 0 is a warm-up (checked, not recorded).
run() {
	local m=$D/log/$1-$2-$3 status wall user sys want
	cmd_of "$1" "$2"
	curl -fsS -X DELETE "$E2B_SERVER/__e2b/requests" >/dev/null ||
	    die "cannot clear the server's request log"
	python3 "$T_ROOT/bench/measure.py" "$m.time" timeout "$TMO" "${CMD[@]}" \
	    >"$m.out" 2>"$m.err"
	status=$?
	curl -fsS "$E2B_SERVER/__e2b/requests" >"$m.requests" ||
	    die "cannot read the server's request log"
	read -r wall user sys _ <"$m.time" || { wall=0 user=0 sys=0; }
	want=$(expected "$2")
	if [ "$status" -ne 0 ] || { [ -n "$want" ] && ! grep -qF -- "$want" "$m.out"; }; then
		say "$1 $2 round $3 FAILED (exit $status): $(tr '\n' ' ' <"$m.err" | cut -c1-200) $(head -c 200 "$m.out")"
		FAILED=$((FAILED + 1))
		status=FAIL
	else
		status=ok
	fi
	[ "$3" -eq 0 ] || printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' \
	    "$1" "$2" "$3" "$wall" "$user" "$sys" "$status" "$m.requests" >>"$RES"
}

# rounds CASE TOOL...: a warm-up, then RUNS timed rounds; the order of the
# tools rotates from round to round.
rounds() {
	local c=$1 i j n k what
	shift
	n=$#
	local tools=("$@")
	for ((i = 0; i <= RUNS; i++)); do
		what="round $i of $RUNS"
		[ "$i" -gt 0 ] || what="warm-up"
		say "$c: $what"
		for ((j = 0; j < n; j++)); do
			k=$(((i + j) % n))
			run "$c" "${tools[$k]}" "$i"
		done
	done
}

LOAD_BEFORE=$(uptime | sed 's/^ *//')
say "creating the sandbox for the 'existing' case"
SBX=$("$ROMA" e2b sandbox create --template code-interpreter-v1 --timeout 3600 2>"$D/log/create.err") ||
    die "roma e2b sandbox create failed: $(cat "$D/log/create.err")"
rounds existing roma sdk node
rounds create roma sdk
"$ROMA" e2b sandbox kill "$SBX" >/dev/null 2>&1
LOAD_AFTER=$(uptime | sed 's/^ *//')

# --- the report ------------------------------------------------------------------
ver() {
	python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["version"])' "$1" 2>/dev/null || echo '?'
}
{
	printf '# E2B client latency: roma vs the official JS SDK\n\n'
	pre=
	[ "$ROMA" = "$T_ROOT/build/roma" ] || pre="ROMA=$ROMA "
	printf '`%sBENCH_E2B_RUNS=%s bench/e2b.sh`, %s.\n\n' "$pre" "$RUNS" "$(date -u '+%Y-%m-%d %H:%M UTC')"
	printf -- '- server: tests/e2b-server on node %s, 127.0.0.1 (E2B_API_URL and E2B_SANDBOX_URL)\n' "$(node --version)"
	printf -- '- machine: %s cores, Linux %s\n' "$(nproc)" "$(uname -r)"
	printf -- '- load (`uptime`) before: %s\n' "$LOAD_BEFORE"
	printf -- '- load (`uptime`) after: %s\n' "$LOAD_AFTER"
	printf -- '- roma: %s (`%s`)\n' "$("$ROMA" version 2>/dev/null | head -n 1)" "$ROMA"
	printf -- '- SDK: @e2b/code-interpreter %s, e2b %s, node %s\n' \
	    "$(ver "$SDK_DIR/node_modules/@e2b/code-interpreter/package.json")" \
	    "$(ver "$SDK_DIR/node_modules/e2b/package.json")" "$(node --version)"
	printf -- '- each row: %s timed runs after one untimed warm-up; wall = process start to exit\n\n' "$RUNS"
} >"$D/header.md"

python3 - "$RES" "$D/header.md" >"$D/table.md" <<'EOF'
import json
import math
import sys

res, header = sys.argv[1], sys.argv[2]
CASES = [
    ("existing", "print(1) in a running sandbox"),
    ("create", "create sandbox + print(1) + kill"),
]
TOOLS = [
    ("roma", "roma e2b run-python"),
    ("sdk", "JS SDK (node)"),
    ("node", "`node -e 0` (start-up only)"),
]
rows = {}
for line in open(res):
    c, t, _, wall, user, sys_, st, log = line.rstrip("\n").split("\t")
    reqs = json.load(open(log))
    rows.setdefault((c, t), []).append({
        "wall": float(wall) * 1000, "cpu": (float(user) + float(sys_)) * 1000, "ok": st == "ok",
        "server": float(sum(r.get("ms") or 0 for r in reqs)), "reqs": len(reqs)})


def median(v):
    v = sorted(v)
    n = len(v)
    return (v[(n - 1) // 2] + v[n // 2]) / 2


def p90(v):
    v = sorted(v)
    return v[max(0, math.ceil(0.9 * len(v)) - 1)]


def ms(x):
    return "%.0f" % x if abs(x) >= 100 else "%.1f" % x


def stats(c, t):
    r = rows.get((c, t))
    if not r:
        return None
    ok = [x for x in r if x["ok"]]
    s = {"n": len(ok), "fail": len(r) - len(ok)}
    if ok:
        w = [x["wall"] for x in ok]
        over = [x["wall"] - x["server"] for x in ok]
        s.update(med=median(w), p90=p90(w), min=min(w), cpu=median([x["cpu"] for x in ok]),
                 server=median([x["server"] for x in ok]), over=median(over),
                 reqs=median([x["reqs"] for x in ok]))
    return s


print(open(header).read(), end="")
print("| case | client | runs ok | median ms | p90 ms | min ms | client CPU ms | requests | server ms | overhead ms |")
print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
summary = []
for c, cname in CASES:
    for t, tname in TOOLS:
        s = stats(c, t)
        if s is None:
            continue
        if s["n"] == 0:
            print("| %s | %s | 0 of %d | – | – | – | – | – | – | – |" % (cname, tname, s["fail"]))
            continue
        print("| %s | %s | %d%s | %s | %s | %s | %s | %g | %s | %s |" % (
            cname, tname, s["n"], " (%d failed)" % s["fail"] if s["fail"] else "",
            ms(s["med"]), ms(s["p90"]), ms(s["min"]), ms(s["cpu"]), s["reqs"],
            ms(s["server"]) if t != "node" else "–", ms(s["over"]) if t != "node" else "–"))
    r, k = stats(c, "roma"), stats(c, "sdk")
    if r and k and r["n"] and k["n"]:
        summary.append("| %s | %.2f | %.2f | %.2f | %s |" % (
            cname, r["med"] / k["med"], r["p90"] / k["p90"], r["cpu"] / k["cpu"],
            "%.2f" % (r["over"] / k["over"]) if k["over"] > 0 else "–"))
print()
print("| case | roma/SDK wall (median) | roma/SDK wall (p90) | roma/SDK client CPU | roma/SDK overhead |")
print("|---|---:|---:|---:|---:|")
for s in summary:
    print(s)
print()
print("*overhead* = wall time minus *server ms*, the sum of the durations (whole ms) of the")
print("requests the server logged for that run: the client's start-up, its own work and its")
print("waits between requests. Each value is the median over the runs.")
EOF
[ -s "$D/table.md" ] || die "no table: $(cat "$RES")"
cat "$D/table.md"
mkdir -p "$(dirname "$OUT")"
cp "$D/table.md" "$OUT"
say "table written to $OUT"
[ "$FAILED" -eq 0 ]
