#!/usr/bin/env bash
# POSIX behaviour of a real mount, against moto and against s3rver: create,
# read, overwrite, append, random write, truncate, rename (file, directory,
# over an existing file), unlink, mkdir, rmdir, ls and find of nested trees,
# special characters, long names, a 1024-byte key (moto: s3rver crashes on
# those), and what goofys accepts without effect (chmod, chown, utimes).
# Each result is checked through the S3 API too, not only through the mount.
# shellcheck source=tests/integration/mount_lib.sh
. "$(dirname "$0")/mount_lib.sh"
m_require_fuse "POSIX behaviour suite"

# content FILE: what FILE (on the mount) holds, as one string.
content() {
	cat "$1"
}

posix_suite() {
	local srv=$1 b=$2 m long name
	if ! m_mount "mnt-$srv" "$b" --stat-cache-ttl 5m --type-cache-ttl 5m; then
		t_not_ok "$srv: mount" "$(tail -n 5 "$T_TMP/mnt-$srv.log" 2>/dev/null)"
		return
	fi
	m=$MNT
	t_ok "$srv: mount"

	# create, read, overwrite
	printf 'hello\n' >"$m/f1"
	t_check "$srv: create then read back" [ "$(content "$m/f1")" = hello ]
	t_check "$srv: created file is in S3 after close" bash -c 'm_get "$1" f1 | grep -qx hello' bash "$b"
	printf 'world\n' >"$m/f1"
	t_check "$srv: overwrite" bash -c '[ "$(cat "$1/f1")" = world ] && m_get "$2" f1 | grep -qx world' bash "$m" "$b"
	: >"$m/empty"
	t_check "$srv: an empty file is an empty object" bash -c '[ "$(m_get "$1" empty | wc -c)" = 0 ]' bash "$b"

	# append, random write, truncate (roma's staging; goofys refuses them)
	printf 'more\n' >>"$m/f1"
	t_check "$srv: append (>>)" bash -c '[ "$(cat "$1/f1")" = "$(printf "world\nmore")" ] &&
		[ "$(m_get "$2" f1)" = "$(printf "world\nmore")" ]' bash "$m" "$b"
	printf 'abcdefghij' >"$m/rw"
	printf 'XY' | dd of="$m/rw" bs=1 seek=3 conv=notrunc status=none
	t_check "$srv: write in the middle (dd conv=notrunc)" bash -c '
		[ "$(cat "$1/rw")" = abcXYfghij ] && [ "$(m_get "$2" rw)" = abcXYfghij ]' bash "$m" "$b"
	printf 'Z' | dd of="$m/rw" bs=1 seek=12 conv=notrunc status=none
	t_check "$srv: write past the end leaves a zero-filled hole" bash -c '
		[ "$(m_get "$1" rw | od -An -c | tr -s " " | tr -d "\n")" = " a b c X Y f g h i j \0 \0 Z" ]' bash "$b"
	truncate -s 4 "$m/rw"
	t_check "$srv: truncate shrinks" bash -c '[ "$(cat "$1/rw")" = abcX ] && [ "$(m_get "$2" rw)" = abcX ]' bash "$m" "$b"
	truncate -s 0 "$m/rw"
	t_check "$srv: truncate to zero" bash -c '[ ! -s "$1/rw" ] && [ "$(m_get "$2" rw | wc -c)" = 0 ]' bash "$m" "$b"
	python3 -c '
import os, sys
fd = os.open(sys.argv[1], os.O_RDWR)
os.lseek(fd, 0, os.SEEK_END)
os.write(fd, b"tail")
os.pwrite(fd, b"W", 0)
os.close(fd)' "$m/f1"
	t_check "$srv: O_RDWR edit (seek to end, write, pwrite at 0)" bash -c '
		[ "$(m_get "$1" f1)" = "$(printf "World\nmore\ntail")" ]' bash "$b"

	# rename
	printf 'one' >"$m/r1"
	mv "$m/r1" "$m/r2"
	t_check "$srv: rename a file" bash -c '[ ! -e "$1/r1" ] && [ "$(cat "$1/r2")" = one ] &&
		! m_exists "$2" r1 && [ "$(m_get "$2" r2)" = one ]' bash "$m" "$b"
	printf 'two' >"$m/r3"
	mv "$m/r3" "$m/r2"
	t_check "$srv: rename over an existing file" bash -c '[ "$(cat "$1/r2")" = two ] &&
		[ "$(m_get "$2" r2)" = two ] && ! m_exists "$2" r3' bash "$m" "$b"
	mkdir -p "$m/d1/sub"
	printf 'x' >"$m/d1/a"
	printf 'y' >"$m/d1/sub/b"
	mv "$m/d1" "$m/d2"
	t_check "$srv: rename a directory tree" bash -c '[ ! -e "$1/d1" ] &&
		[ "$(cat "$1/d2/a")$(cat "$1/d2/sub/b")" = xy ] &&
		[ "$(m_get "$2" d2/sub/b)" = y ] && ! m_exists "$2" d1/a' bash "$m" "$b"
	mkdir "$m/d3"
	t_fail_check "$srv: rename a directory onto a non-empty one fails" mv -T "$m/d3" "$m/d2"
	t_fail_check "$srv: rename a file onto a directory fails" mv -T "$m/r2" "$m/d3"

	# unlink, mkdir, rmdir
	rm "$m/r2"
	t_check "$srv: unlink" bash -c '[ ! -e "$1/r2" ] && ! m_exists "$2" r2' bash "$m" "$b"
	t_fail_check "$srv: unlink of a missing file fails with ENOENT" rm "$m/r2"
	mkdir "$m/newdir"
	t_check "$srv: mkdir writes the dir/ marker" m_exists "$b" newdir/
	t_check "$srv: mkdir of an existing name fails" bash -c '! mkdir "$1/newdir" 2>/dev/null' bash "$m"
	t_check "$srv: rmdir of a non-empty directory is ENOTEMPTY" bash -c '
		rmdir "$1/d2" 2>&1 | grep -q "Directory not empty"' bash "$m"
	t_check "$srv: rmdir of an empty directory" bash -c '
		rmdir "$1/newdir" && [ ! -e "$1/newdir" ] && ! m_exists "$2" newdir/' bash "$m" "$b"
	t_check "$srv: rmdir of a file is ENOTDIR" bash -c '
		rmdir "$1/f1" 2>&1 | grep -q "Not a directory"' bash "$m"

	# ls and find over nested trees, made through the mount and through S3
	mkdir -p "$m/tree"
	for i in 1 2 3; do
		mkdir -p "$m/tree/d$i/e$i"
		for j in 1 2 3; do
			printf '%s' "$i$j" >"$m/tree/d$i/f$j"
			printf '%s' "$i$j" >"$T_TMP/put-$srv"
			m_put "$b" "tree/d$i/e$i/g$j" "$T_TMP/put-$srv"
		done
	done
	t_check "$srv: find over a nested tree (mount + S3 writes)" \
	    bash -c '[ "$(find "$1/tree" | wc -l)" = 25 ]' bash "$m"
	t_check "$srv: ls -R sees objects put through S3" bash -c '
		ls -R "$1/tree" | grep -qx g3 && [ "$(cat "$1/tree/d2/e2/g3")" = 23 ]' bash "$m"
	t_check "$srv: ls -l of a directory gives the modes" bash -c '
		ls -l "$1/tree/d1" | grep -q "^-rw-r--r-- .* f1$" &&
		ls -ld "$1/tree/d1" | grep -q "^drwxr-xr-x"' bash "$m"
	t_check "$srv: an implicit directory (no marker) is a directory" \
	    test -d "$m/tree/d1/e1"

	# names
	for name in "with space" "plus+sign" "percent%20" "amp&eq=" "q?mark" \
	    "hash#tag" "quote'\"" "ünïcødé-名前" "dash-" "a.b.c" "~tilde" "semi;colon"; do
		printf '%s' "$name" >"$m/$name"
		if [ "$(cat "$m/$name")" = "$name" ] && [ "$(m_get "$b" "$name")" = "$name" ]; then
			t_ok "$srv: special name '$name'"
		else
			t_not_ok "$srv: special name '$name'"
		fi
	done
	t_check "$srv: ls lists every special name" \
	    bash -c '[ "$(ls "$1" | grep -c -e "with space" -e "plus+sign" -e "名前")" = 3 ]' bash "$m"
	# s3rver stores a key as a file name with a suffix: 255 bytes is too many.
	if [ "$srv" = moto ]; then
		long=$(printf 'L%.0s' $(seq 255))
		printf 'long' >"$m/$long"
		t_check "$srv: a 255-byte name" bash -c '[ "$(cat "$1/$2")" = long ] && [ "$(m_get "$3" "$2")" = long ]' bash "$m" "$long" "$b"
	fi

	# what goofys accepts without effect
	t_check "$srv: chmod, chown and touch -d succeed" bash -c '
		chmod 600 "$1/f1" && chown 0:0 "$1/f1" && touch -d 2001-01-01 "$1/f1"' bash "$m"
	t_fail_check "$srv: hard links are refused" ln "$m/f1" "$m/hard"
	t_check "$srv: df reports a huge file system" bash -c '
		[ "$(df -k --output=avail "$1" | tail -n 1)" -gt 1000000000 ]' bash "$m"
	t_check "$srv: user.* xattrs round-trip through object metadata" python3 -c '
import os, sys
os.setxattr(sys.argv[1], "user.color", b"blue")
assert os.getxattr(sys.argv[1], "user.color") == b"blue"' "$m/f1"
	t_check "$srv: unmount" m_umount "$m"
}

# shellcheck disable=SC2119 # no --auth
if t_start_moto; then
	t_mkbucket posix-moto
	posix_suite moto posix-moto
	# The 1024-byte key (s3rver crashes on those): x/ + 4 components.
	if m_mount key1024 posix-moto; then
		c=$(printf 'k%.0s' $(seq 255))
		path="x/$c/$c/$c/${c:1}"
		mkdir -p "$MNT/x/$c/$c/$c"
		printf 'deep' >"$MNT/$path"
		t_check "moto: a 1024-byte key" bash -c '[ ${#2} = 1024 ] && [ "$(m_get posix-moto "$2")" = deep ]' bash "$MNT" "$path"
		t_fail_check "moto: a 1025-byte key is refused" touch "$MNT/x/$c/$c/$c/${c}"
		t_check "moto: unmount" m_umount "$MNT"
	else
		t_not_ok "moto: mount for the 1024-byte key"
	fi
else
	t_not_ok "moto starts"
fi

if t_start_s3rver; then
	t_mkbucket posix-s3rver
	posix_suite s3rver posix-s3rver
else
	t_not_ok "s3rver starts"
fi
t_done
