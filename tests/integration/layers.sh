#!/usr/bin/env bash
# The layering rules of docs/architecture.md, checked on every #include:
# calls go downward only, and each vendored library is wrapped by one place.
. "$(dirname "$0")/../lib.sh"
cd "$T_ROOT" || exit 1

# allowed LAYER: the roma directories a file in LAYER may include.
allowed() {
	case $1 in
	util) echo "util" ;;
	net) echo "net util" ;;
	s3) echo "s3 net util" ;;
	objstore) echo "objstore s3 net util" ;;
	e2b) echo "e2b net util" ;;
	storage) echo "storage objstore util" ;;
	fs) echo "fs storage objstore util" ;;
	setup) echo "setup fs storage e2b objstore s3 net util" ;;
	cmd) echo "cmd setup fs storage e2b objstore s3 net util" ;;
	esac
}

bad=""
for f in src/*/*.[ch]; do
	layer=$(basename "$(dirname "$f")")
	ok=" $(allowed "$layer") "
	while read -r inc; do
		[[ $ok == *" $inc "* ]] || bad="$bad $f->$inc"
	done < <(sed -n 's/^#include "\([a-z0-9_]*\)\/.*"/\1/p' "$f")
done
if [ -z "$bad" ]; then
	t_ok "includes go downward only"
else
	t_not_ok "includes go downward only" "$bad"
fi

# vendor HEADER_REGEX FILE_REGEX: only files matching FILE_REGEX include it.
vendor() {
	local hits
	hits=$(grep -l -E "^#include <($1)" src/*.c src/*/*.[chS] | grep -v -E "$2" || true)
	if [ -z "$hits" ]; then
		t_ok "only $2 includes <$1>"
	else
		t_not_ok "only $2 includes <$1>" "$hits"
	fi
}
vendor 'curl/' '^src/net/'
vendor 'mbedtls/|psa/' '^src/util/'
vendor 'cJSON|zlib\.h' '^src/util/'
vendor 'expat' '^src/s3/xml[a-z]*\.c$'
vendor 'fuse' '^src/fs/fuseop[a-z]*\.c$'

t_check "sigv4 is pure: util only, no clock, no I/O" sh -c '
	! grep -E "^#include \"net/|^#include \"s3/[^s]" src/s3/sigv4.c &&
	! grep -E "\b(time|getenv|fopen|open|read|write|clock_gettime)\(" src/s3/sigv4.c'

# Only cmd/ and main.c end the process (a forked child's _exit after a
# failed exec is not an exit of roma).
hits=$(grep -n -E '(^|[^_[:alnum:]])exit\(' src/*/*.c | grep -v -E '^src/cmd/' || true)
if [ -z "$hits" ]; then
	t_ok "only cmd/ exits"
else
	t_not_ok "only cmd/ exits" "$hits"
fi

big=$(wc -l src/*/*.[ch] | awk '$2 != "total" && $1 > 900 { print $2 " (" $1 " lines)" }')
if [ -z "$big" ]; then
	t_ok "no source file over 900 lines"
else
	t_not_ok "no source file over 900 lines" "$big"
fi
t_done
