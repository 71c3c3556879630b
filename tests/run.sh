#!/usr/bin/env bash
# tests/run.sh [PATTERN] - run every test against the builds in build/:
# the cmocka unit tests and fuzz-corpus replays of the sanitizer build
# (build/dev), then the integration scripts against the release binary
# (build/roma).  PATTERN limits the run to names containing it.  Ends with
# the line "N passed, N failed"; exits non-zero when anything failed.
set -u
cd "$(dirname "$0")/.." || exit 1
root=$PWD
pattern=${1:-}
passed=0 failed=0
log=$(mktemp -d "${TMPDIR:-/tmp}/roma-run.XXXXXX")
trap 'rm -rf "$log"' EXIT

export ROMA_TEST_DIR="$root/tests"
export ROMA=${ROMA:-$root/build/roma}
export ASAN_OPTIONS=abort_on_error=1:detect_leaks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

# tally NAME FILE STATUS: count the ok/not ok lines of one suite's output.
tally() {
	local name=$1 out=$2 status=$3 ok bad
	ok=$(grep -c '^ok ' "$out")
	bad=$(grep -c '^not ok ' "$out")
	if [ "$status" -ne 0 ] && [ "$bad" -eq 0 ]; then
		bad=1 # it died without saying why: that is a failure too
		echo "not ok - $name exited with status $status" >>"$out"
	fi
	if [ "$bad" -gt 0 ]; then
		printf 'FAIL %-28s %d passed, %d failed\n' "$name" "$ok" "$bad"
		grep -A3 '^not ok ' "$out" | sed 's/^/     /' | head -n 40
		tail -n 15 "$out" | grep -v '^ok ' | sed 's/^/   | /'
	else
		printf 'ok   %-28s %d passed\n' "$name" "$ok"
	fi
	passed=$((passed + ok))
	failed=$((failed + bad))
}

selected() {
	[ -z "$pattern" ] || [[ $1 == *"$pattern"* ]]
}

for t in build/dev/tests/test_*; do
	[ -x "$t" ] || continue
	name=unit/${t##*/test_}
	selected "$name" || continue
	CMOCKA_MESSAGE_OUTPUT=TAP "$t" >"$log/out" 2>&1
	tally "$name" "$log/out" $?
done

for t in build/dev/tests/fuzz_*; do
	[ -x "$t" ] || continue
	target=${t##*/fuzz_}
	name=fuzz-replay/$target
	selected "$name" || continue
	if "$t" "tests/fuzz/corpus/$target" >"$log/out" 2>&1; then
		echo "ok - corpus replay of $target" >>"$log/out"
		tally "$name" "$log/out" 0
	else
		tally "$name" "$log/out" 1
	fi
done

for t in tests/integration/*.sh; do
	case $t in *_lib.sh) continue ;; esac # sourced by the tests, not one
	[ -f "$t" ] || continue
	name=integration/$(basename "$t" .sh)
	selected "$name" || continue
	bash "$t" >"$log/out" 2>&1
	tally "$name" "$log/out" $?
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
