#!/usr/bin/env bash
# The binary itself: static linking, dispatch, help, version, stdout errors.
. "$(dirname "$0")/../lib.sh"

t_check "build/roma is a static executable" \
    sh -c 'file -L "$ROMA" | grep -q "statically linked"'

out=$("$ROMA" version)
for lib in musl mbedtls curl zlib cjson libfuse3 expat; do
	if printf '%s\n' "$out" | grep -Eq "^  $lib +[0-9]"; then
		t_ok "version lists $lib"
	else
		t_not_ok "version lists $lib" "$out"
	fi
done
t_check "version names the pinned versions" sh -c '
	"$ROMA" version | grep -Eq "^  musl +1\.2\.5$" &&
	"$ROMA" version | grep -Eq "^  mbedtls +3\.6\.6$" &&
	"$ROMA" version | grep -Eq "^  curl +8\.14\.1$"'
t_check "--version is version" sh -c '[ "$("$ROMA" --version)" = "$("$ROMA" version)" ]'
t_check "version --json is stable JSON" sh -c '
	"$ROMA" version --json | python3 -c "
import json, sys
j = json.load(sys.stdin)
assert set(j) == {\"version\", \"commit\", \"libraries\"}, j
assert set(j[\"libraries\"]) == {\"musl\", \"mbedtls\", \"curl\", \"zlib\", \"cjson\", \"libfuse3\", \"expat\"}, j
"'

t_check "help lists every applet" sh -c '
	for a in http s3 version; do "$ROMA" help | grep -q "^  $a " || exit 1; done'
t_check "no argument: usage on stderr, exit 2" sh -c '
	"$ROMA" >"$T_TMP/o" 2>"$T_TMP/e"; [ $? -eq 2 ] && [ ! -s "$T_TMP/o" ] && grep -q usage "$T_TMP/e"'
t_check "unknown applet: one line, exit 2" sh -c '
	"$ROMA" frobnicate 2>"$T_TMP/e"; [ $? -eq 2 ] && [ "$(wc -l <"$T_TMP/e")" -eq 1 ] &&
	grep -q "frobnicate" "$T_TMP/e"'
for a in $("$ROMA" help | awk '/^  [a-z]/ { print $1 }'); do
	t_check "$a --help exits 0 with usage" sh -c "\"\$ROMA\" $a --help | grep -qi usage"
	t_check "help $a is $a --help" sh -c "[ \"\$(\"\$ROMA\" help $a)\" = \"\$(\"\$ROMA\" $a --help)\" ]"
done
t_check "a bad option exits 2" sh -c '"$ROMA" version --bogus 2>/dev/null; [ $? -eq 2 ]'

t_check "a write error on stdout is reported, exit 1" sh -c '
	"$ROMA" version >/dev/full 2>"$T_TMP/e"; [ $? -eq 1 ] && grep -q "writing to stdout" "$T_TMP/e"'
t_check "a closed pipe is quiet" sh -c '
	"$ROMA" help 2>"$T_TMP/e" | true; [ ! -s "$T_TMP/e" ]'

ln -s "$ROMA" "$T_TMP/version"
t_check "the invoked name selects the applet" sh -c '
	[ "$("$T_TMP/version")" = "$("$ROMA" version)" ]'
t_done
