#!/usr/bin/env bash
# vendor/build-libs.sh FLAVOR PREFIX DLDIR
#
# Builds roma's pinned libraries from the verified tarballs in DLDIR into
# PREFIX (include/, lib/).  FLAVOR "musl" first builds musl itself and then
# everything with its musl-gcc wrapper, for the static release binary;
# FLAVOR "glibc" builds the same libraries with the host gcc, for the
# sanitizer (dev) build.  build.sh calls this; the cache key covers this
# file, so editing it rebuilds the libraries.
set -euo pipefail

flavor=$1 prefix=$2 dl=$3
jobs=$(nproc 2>/dev/null || echo 2)
work=$(mktemp -d "${TMPDIR:-/tmp}/roma-libs.XXXXXX")
trap 'rm -rf "$work"' EXIT
log="$prefix.log"
: >"$log"

say() { printf '  %-8s %s\n' "$1" "$2"; }

patches=$(cd "$(dirname "$0")" && pwd)/patches

# unpack NAME FILE: unpack a tarball into $work/NAME (top directory
# stripped) and apply vendor/patches/NAME/*.patch in name order.
unpack() {
	local p
	mkdir -p "$work/$1"
	tar -xf "$dl/$2" -C "$work/$1" --strip-components=1
	for p in "$patches/$1"/*.patch; do
		[ -f "$p" ] || continue
		patch -d "$work/$1" -p1 -s <"$p"
	done
}

run() {
	if ! "$@" >>"$log" 2>&1; then
		echo "build-libs: '$*' failed; the last lines of $log:" >&2
		tail -n 25 "$log" >&2
		exit 1
	fi
}

mkdir -p "$prefix/include" "$prefix/lib"
# Fixed paths and no timestamps, so the same sources give the same bytes.
export SOURCE_DATE_EPOCH=1700000000
base_ldflags=""
base_cflags="-O2 -fPIE -ffunction-sections -fdata-sections -ffile-prefix-map=$work=vendor"

build_musl() {
	say musl "1.2.5"
	unpack musl musl_1.2.5.orig.tar.gz
	# The wrapper is built only where configure sees glibc headers: ask.
	(cd "$work/musl" && run ./configure --prefix="$prefix" --disable-shared --enable-wrapper=gcc \
	    CFLAGS="$base_cflags" && run make -j"$jobs" && run make install)
	# musl-gcc hides the host's headers; the libraries need the kernel's.
	for d in linux asm-generic; do
		cp -a "/usr/include/$d" "$prefix/include/"
	done
	cp -a "/usr/include/$(gcc -print-multiarch)/asm" "$prefix/include/"
}

build_zlib() {
	say zlib "1.3.1"
	unpack zlib zlib_1.3.dfsg+really1.3.1.orig.tar.gz
	(cd "$work/zlib" && CFLAGS="$base_cflags" run ./configure --static \
	    --prefix="$prefix" && run make -j"$jobs" libz.a && run make install)
}

build_mbedtls() {
	local cfg
	say mbedtls "3.6.6"
	unpack mbedtls mbedtls_3.6.6.orig.tar.bz2
	cfg="$work/mbedtls/include/mbedtls/mbedtls_config.h"
	# curl and the FUSE daemon use TLS from many threads.
	sed -i -e 's|^//#define MBEDTLS_THREADING_C$|#define MBEDTLS_THREADING_C|' \
	    -e 's|^//#define MBEDTLS_THREADING_PTHREAD$|#define MBEDTLS_THREADING_PTHREAD|' "$cfg"
	grep -q '^#define MBEDTLS_THREADING_PTHREAD$' "$cfg"
	# AES-NI and PCLMUL: the assembly path, picked at run time by CPUID,
	# so the binary still runs on CPUs without them.
	grep -q '^#define MBEDTLS_AESNI_C$' "$cfg"
	(cd "$work/mbedtls" && run make -j"$jobs" -C library CC="$CC" AR=ar \
	    CFLAGS="$base_cflags" static)
	cp -a "$work/mbedtls/include/mbedtls" "$work/mbedtls/include/psa" "$prefix/include/"
	cp "$work/mbedtls/library/"lib*.a "$prefix/lib/"
}

build_curl() {
	say curl "8.14.1"
	unpack curl curl_8.14.1.orig.tar.gz
	(cd "$work/curl" && run ./configure --prefix="$prefix" \
	    --disable-shared --enable-static --with-pic \
	    --with-mbedtls="$prefix" --with-zlib="$prefix" \
	    --enable-http --disable-ftp --disable-file --disable-ldap --disable-ldaps \
	    --disable-rtsp --disable-dict --disable-telnet --disable-tftp \
	    --disable-pop3 --disable-imap --disable-smb --disable-smtp \
	    --disable-gopher --disable-mqtt --disable-ipfs --disable-websockets \
	    --disable-manual --disable-docs --disable-ntlm --disable-kerberos-auth \
	    --disable-negotiate-auth --disable-aws --disable-netrc \
	    --enable-threaded-resolver --disable-ares \
	    --without-libpsl --without-brotli --without-zstd --without-nghttp2 \
	    --without-nghttp3 --without-ngtcp2 --without-libidn2 --without-libssh2 \
	    --without-librtmp --without-ca-bundle --without-ca-path \
	    --without-ca-fallback --disable-unix-sockets \
	    CFLAGS="$base_cflags" CPPFLAGS="-I$prefix/include" LDFLAGS="-L$prefix/lib $base_ldflags" \
	    && run make -j"$jobs" -C lib && run make -C lib install \
	    && run make -C include install)
}

build_cjson() {
	say cjson "1.7.18"
	unpack cjson cjson_1.7.18.orig.tar.gz
	# shellcheck disable=SC2086
	(cd "$work/cjson" && run "$CC" $base_cflags -std=c89 -c cJSON.c -o cJSON.o \
	    && run ar rcs "$prefix/lib/libcjson.a" cJSON.o)
	mkdir -p "$prefix/include/cjson"
	cp "$work/cjson/cJSON.h" "$prefix/include/cjson/"
}

build_expat() {
	say expat "2.8.3"
	unpack expat expat_2.8.3.orig.tar.gz
	(cd "$work/expat/expat" && run cmake -S . -B bld -G Ninja \
	    -DCMAKE_C_COMPILER="$CC" -DCMAKE_BUILD_TYPE=Release \
	    -DCMAKE_C_FLAGS="$base_cflags" -DCMAKE_EXE_LINKER_FLAGS="$base_ldflags" -DCMAKE_INSTALL_PREFIX="$prefix" \
	    -DCMAKE_INSTALL_LIBDIR=lib -DEXPAT_SHARED_LIBS=OFF \
	    -DEXPAT_BUILD_TOOLS=OFF -DEXPAT_BUILD_EXAMPLES=OFF \
	    -DEXPAT_BUILD_TESTS=OFF -DEXPAT_BUILD_DOCS=OFF \
	    -DEXPAT_BUILD_PKGCONFIG=OFF -DEXPAT_BUILD_FUZZERS=OFF \
	    && run ninja -C bld install)
}

build_fuse3() {
	say fuse3 "3.17.2"
	unpack fuse3 fuse3_3.17.2.orig.tar.gz
	(cd "$work/fuse3" && CFLAGS="$base_cflags" LDFLAGS="$base_ldflags" run meson setup bld \
	    --prefix="$prefix" --libdir=lib --buildtype=release \
	    --default-library=static -Dutils=false -Dexamples=false \
	    -Dtests=false -Duseroot=false -Dinitscriptdir= \
	    && run ninja -C bld install)
}

case $flavor in
musl)
	build_musl
	export CC="$prefix/bin/musl-gcc"
	# musl is installed static-only: configure's test programs must be too.
	base_ldflags="-static"
	;;
glibc)
	export CC=gcc
	;;
*)
	echo "build-libs: unknown flavor '$flavor'" >&2
	exit 2
	;;
esac
build_zlib
build_mbedtls
build_curl
build_cjson
build_expat
build_fuse3
