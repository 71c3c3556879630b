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
