#!/usr/bin/env bash
# build.sh - the one entry point for building and testing roma.
#
#   ./build.sh [release]        static musl binary: build/roma
#   ./build.sh dev              glibc + ASan/UBSan build in build/dev (unit tests too)
#   ./build.sh test             both builds, then every test (tests/run.sh)
#   ./build.sh fetch [--to DIR] download and verify the pinned sources (offline cache)
#   ./build.sh lint             clang-format and shellcheck (also part of test)
#   ./build.sh clean            remove build/ (the source cache is kept)
#   ./build.sh help
#
# Sources are pinned in vendor/manifest and verified by sha256.  They and the
# libraries built from them are cached outside the work tree, in
# $ROMA_VENDOR_CACHE (default ~/.cache/roma-vendor), keyed by the manifest and
# the library recipe, so warm rebuilds take seconds.
set -euo pipefail
shopt -s inherit_errexit # failures inside $(...) stop the build too
trap 'echo "build.sh: line $LINENO failed: $BASH_COMMAND" >&2' ERR
cd "$(dirname "$0")"
ROMA_VERSION=0.1.0
CACHE=${ROMA_VENDOR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/roma-vendor}
JOBS=$(nproc 2>/dev/null || echo 2)

BUILD_PKGS=(gcc libc6-dev make cmake meson ninja-build pkg-config bzip2 xz-utils tar gzip
    linux-libc-dev file git patch)
TEST_PKGS=(libcmocka-dev openssl shellcheck clang-format python3 curl fuse3
    util-linux bsdutils)

# Progress goes to stderr: stdout carries values between functions.
step() {
	if [ -t 2 ]; then
		printf '\033[1m==> %s\033[0m\n' "$*" >&2
	else
		printf '==> %s\n' "$*" >&2
	fi
}

die() {
	printf 'build.sh: %s\n' "$*" >&2
	exit 1
}

# ensure_packages PKG...: install missing Debian packages as root, or name
# them and stop.
ensure_packages() {
	local missing=() p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		    missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	if [ "$(id -u)" -ne 0 ]; then
		die "missing Debian packages: ${missing[*]}; install them with: sudo apt-get install -y ${missing[*]}"
	fi
	step "installing ${missing[*]}"
	apt-get update -qq >/dev/null || die "apt-get update failed"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	    "${missing[@]}" >/dev/null || die "apt-get install ${missing[*]} failed"
}

manifest() {
	grep -v -e '^#' -e '^[[:space:]]*$' vendor/manifest
}

sha256_of() {
	sha256sum "$1" | cut -d' ' -f1
}

# archive_uris: the Debian archive and security URIs of this machine's apt
# configuration (no host name is ever written in the repository).
archive_uris() {
	local f
	# One-line .list files and deb822 .sources files; either may be absent.
	{
		for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
			[ ! -f "$f" ] || awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /:\/\//) { print $i; break } }' "$f"
		done
		for f in /etc/apt/sources.list.d/*.sources; do
			[ ! -f "$f" ] || awk '$1 == "URIs:" { for (i = 2; i <= NF; i++) print $i }' "$f"
		done
	} | awk '/\/debian(-security)?\/?$/ { sub(/\/$/, ""); if (!seen[$0]++) print }'
}

# apt_setup DIR: a private apt configuration for Debian trixie in DIR, so the
# machine's own apt state is left alone.  Prints the apt options to use.
apt_setup() {
	local dir=$1 uri suite list="$1/sources.list" keyring
	mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial"
	keyring=/usr/share/keyrings/debian-archive-keyring.gpg
	: >"$list"
	for uri in $(archive_uris); do
		case $uri in
		*-security) suite="trixie-security" ;;
		*) suite="trixie trixie-updates" ;;
		esac
		for s in $suite; do
			echo "deb-src [signed-by=$keyring] $uri $s main" >>"$list"
			echo "deb [signed-by=$keyring] $uri $s main" >>"$list"
		done
	done
	[ -s "$list" ] || die "no Debian archive found in /etc/apt: cannot fetch sources (copy a cache made by './build.sh fetch --to DIR' and set ROMA_VENDOR_CACHE=DIR)"
	echo "-o Dir::Etc::SourceList=$list -o Dir::Etc::SourceParts=/dev/null" \
	    "-o Dir::State::Lists=$dir/lists -o Dir::Cache=$dir/cache" \
	    "-o Dir::State::status=/dev/null -o APT::Sandbox::User=root"
}

# src_versions OPTS PKG FILE: Debian versions of source PKG that ship FILE.
src_versions() {
	# shellcheck disable=SC2086
	apt-cache $1 showsrc "$2" 2>/dev/null | awk -v f="$3" '
		/^Package:/ { v = "" }
		/^Version:/ { v = $2 }
		index($0, " " f) && v != "" { print v; v = "" }'
}

# fetch_one OPTS NAME VERSION KIND PKG FILE SHA: download FILE into the cache.
fetch_one() {
	local opts=$1 name=$2 version=$3 kind=$4 pkg=$5 file=$6 sha=$7 tmp v got
	tmp=$(mktemp -d)
	if [ "$kind" = deb ]; then
		# shellcheck disable=SC2086
		(cd "$tmp" && apt-get $opts download "$pkg=$version" >/dev/null 2>&1) || true
	else
		for v in $(src_versions "$opts" "$pkg" "$file"); do
			# shellcheck disable=SC2086
			(cd "$tmp" && apt-get $opts source --download-only "$pkg=$v" >/dev/null 2>&1) || true
			[ -f "$tmp/$file" ] && break
		done
	fi
	[ -f "$tmp/$file" ] || fetch_from_pool "$pkg" "$file" "$sha" "$tmp"
	[ -f "$tmp/$file" ] || { rm -rf "$tmp"; die "cannot download $file ($name $version) from the Debian archive: is it still there? (apt-cache showsrc $pkg)"; }
	got=$(sha256_of "$tmp/$file")
	if [ "$got" != "$sha" ]; then
		rm -rf "$tmp"
		die "sha256 mismatch for $file: vendor/manifest pins $sha, the archive gave $got; refusing to build"
	fi
	mv "$tmp/$file" "$CACHE/dl/$file"
	rm -rf "$tmp"
}

# fetch_from_pool PKG FILE SHA DIR: when no index of the suites lists FILE
# any more (a newer Debian revision replaced it) it may still be in the pool;
# apt's own downloader fetches it there and checks the hash.
fetch_from_pool() {
	local pkg=$1 file=$2 sha=$3 dir=$4 sub uri
	case $pkg in
	lib?*) sub=${pkg:0:4} ;;
	*) sub=${pkg:0:1} ;;
	esac
	for uri in $(archive_uris); do
		/usr/lib/apt/apt-helper download-file "$uri/pool/main/$sub/$pkg/$file" \
		    "$dir/$file" "SHA256:$sha" >/dev/null 2>&1 && return 0
		rm -f "$dir/$file"
	done
	return 1
}

cmd_fetch() {
	local name version kind pkg file sha rest opts="" aptdir
	if [ "${1:-}" = "--to" ]; then
		[ -n "${2:-}" ] || die "fetch --to needs a directory"
		mkdir -p "$2"
		CACHE=$(cd "$2" && pwd)
	fi
	mkdir -p "$CACHE/dl"
	aptdir="$CACHE/apt"
	while read -r name version kind pkg file sha rest; do
		if [ -f "$CACHE/dl/$file" ]; then
			[ "$(sha256_of "$CACHE/dl/$file")" = "$sha" ] && continue
			die "sha256 mismatch for cached $CACHE/dl/$file; delete it to fetch it again"
		fi
		if [ -z "$opts" ]; then
			step "fetching pinned sources from the Debian archive"
			opts=$(apt_setup "$aptdir")
			# shellcheck disable=SC2086
			apt-get $opts update -qq >/dev/null 2>&1 || die "apt-get update of the trixie lists failed"
		fi
		printf '  %-8s %s\n' "$name" "$file" >&2
		fetch_one "$opts" "$name" "$version" "$kind" "$pkg" "$file" "$sha"
	done < <(manifest)
	rm -rf "$aptdir"
}

# libs FLAVOR: the cached library prefix for FLAVOR, building it if needed.
libs() {
	local flavor=$1 key prefix
	ensure_packages "${BUILD_PKGS[@]}"
	key=$( { cat vendor/manifest vendor/build-libs.sh; find vendor/patches -type f -exec cat {} +; gcc -dumpfullversion; } | sha256sum | cut -c1-16)
	prefix="$CACHE/$flavor-$key"
	mkdir -p "$CACHE"
	# Two builds at once (two checkouts, or dev and release) share the cache.
	exec 9>"$CACHE/.lock-$flavor"
	flock 9
	if [ ! -f "$prefix/.done" ]; then
		cmd_fetch
		step "building the $flavor libraries (once; cached in $prefix)"
		rm -rf "$prefix"
		vendor/build-libs.sh "$flavor" "$prefix" "$CACHE/dl" >&2 ||
		    die "building the $flavor libraries failed"
		touch "$prefix/.done"
		# Libraries of older manifests or recipes are dead weight now.
		find "$CACHE" -maxdepth 1 -name "$flavor-*" ! -name "$flavor-$key*" \
		    -exec rm -rf {} +
	fi
	exec 9>&-
	echo "$prefix"
}

# gen: files generated from the pinned sources, shared by both flavours.
gen() {
	local deb tmp
	mkdir -p build/gen
	deb="$CACHE/dl/$(manifest | awk '$1 == "cacerts" { print $5 }')"
	if [ ! -f build/gen/cabundle.z ] || [ "$deb" -nt build/gen/cabundle.z ]; then
		tmp=$(mktemp -d)
		dpkg-deb -x "$deb" "$tmp"
		# gzip -n: no name or time in the header, so the bytes are reproducible.
		find "$tmp/usr/share/ca-certificates/mozilla" -name '*.crt' | LC_ALL=C sort |
		    xargs cat | gzip -9 -n >build/gen/cabundle.z.tmp
		mv build/gen/cabundle.z.tmp build/gen/cabundle.z
		rm -rf "$tmp"
	fi
}

# build_info OUT LIBC: the version header, rewritten only when it changes.
build_info() {
	local out=$1 libc=$2 commit new
	if [ -n "${ROMA_COMMIT:-}" ]; then
		commit=$ROMA_COMMIT
	else
		commit=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
		if [ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ]; then
			commit="$commit-dirty"
		fi
	fi
	new=$(
		printf '#define ROMA_VERSION "%s"\n' "$ROMA_VERSION"
		printf '#define ROMA_COMMIT "%s"\n' "$commit"
		printf '#define ROMA_LIBC "%s"\n' "$libc"
		manifest | awk '{ printf "#define ROMA_PIN_%s \"%s\"\n", toupper($1), $2 }'
	)
	mkdir -p "$(dirname "$out")"
	if [ ! -f "$out" ] || [ "$(cat "$out")" != "$new" ]; then
		printf '%s\n' "$new" >"$out"
	fi
}

cmd_release() {
	local prefix
	prefix=$(libs musl)
	ln -sfn "$prefix" build/sysroot
	gen
	build_info build/release/gen/build_info.h "musl $(manifest | awk '$1 == "musl" { print $2 }')"
	step "building build/roma (static, musl)"
	make -s -j"$JOBS" -f src/build.mk O=build/release FLAVOR=release \
	    CC="$prefix/bin/musl-gcc" SYSROOT="$prefix" roma
	cp build/release/roma build/roma
	strip build/roma
}

cmd_dev() {
	local prefix
	prefix=$(libs glibc)
	ln -sfn "$prefix" build/sysroot-dev
	gen
	build_info build/dev/gen/build_info.h "glibc $(ldd --version | awk 'NR == 1 { print $NF }')"
	step "building build/dev (glibc, ASan+UBSan) and the unit tests"
	make -s -j"$JOBS" -f src/build.mk O=build/dev FLAVOR=dev CC=gcc \
	    SYSROOT="$prefix" all
	cat build/dev/compile_commands.d/*.json 2>/dev/null |
	    awk 'BEGIN { print "[" } NR > 1 { print "," } { print } END { print "]" }' \
	    >build/compile_commands.json
}

cmd_lint() {
	local files
	step "lint: clang-format and shellcheck"
	files=$(git ls-files -co --exclude-standard -- 'src/*.[ch]' 'tests/*.[ch]')
	# shellcheck disable=SC2086
	clang-format --dry-run -Werror $files
	# shellcheck disable=SC2046
	shellcheck -x build.sh vendor/build-libs.sh $(git ls-files -co --exclude-standard -- 'tests/*.sh' '.ci/*' bench/'*.sh')
}

cmd_test() {
	ensure_packages "${BUILD_PKGS[@]}" "${TEST_PKGS[@]}"
	# Node may come from elsewhere than Debian (with its own npm): only
	# install Debian's when there is none at all.
	command -v npm >/dev/null || ensure_packages nodejs npm
	cmd_release
	cmd_dev
	step "running every test"
	tests/run.sh
}

mkdir -p build
case ${1:-release} in
release) cmd_release ;;
dev) cmd_dev ;;
test) cmd_test ;;
fetch) shift; cmd_fetch "$@" ;;
lint) cmd_lint ;;
clean) rm -rf build ;;
help | -h | --help) sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//' ;;
*) die "unknown command '$1'; see ./build.sh help" ;;
esac
