#!/usr/bin/env bash
# tests/fresh-build.sh [SUITE] - the from-scratch build, as Dockerfile.static
# does it, without a Docker engine: debootstrap a minimal Debian (default
# trixie, the Dockerfile's base) into a temporary directory, copy the
# committed tree in, run build.sh there with an empty source cache, and check
# the binary.  Needs root and the Debian archive; not part of every CI run
# (it takes minutes).  Prints the time each stage took; KEEP=1 keeps the
# system afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
suite=${1:-trixie}
[ "$(id -u)" -eq 0 ] || { echo "fresh-build: run as root (debootstrap, chroot)" >&2; exit 1; }
command -v debootstrap >/dev/null || apt-get install -y -qq debootstrap >/dev/null
mirror=$({ cat /etc/apt/sources.list /etc/apt/sources.list.d/* 2>/dev/null || true; } |
    grep -o -E '[a-z]+://[^ ]*/debian/?( |$)' | awk 'NR == 1 { print $1 }')
[ -n "$mirror" ] || { echo "fresh-build: no Debian archive in /etc/apt" >&2; exit 1; }

root=$(mktemp -d /var/tmp/roma-fresh.XXXXXX)
cleanup() {
	umount -l "$root/proc" "$root/dev" 2>/dev/null || true
	# KEEP=1 leaves the system for a look inside.
	[ "${KEEP:-0}" = 1 ] || rm -rf "$root"
}
trap cleanup EXIT

t0=$(date +%s)
debootstrap --variant=minbase "$suite" "$root" "$mirror" >"$root.log" 2>&1 ||
    { tail -n 20 "$root.log" >&2; exit 1; }
t1=$(date +%s)
echo "debootstrap $suite: $((t1 - t0)) s"

mount -t proc proc "$root/proc"
mount --bind /dev "$root/dev"
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
mkdir -p "$root/src"
git archive HEAD | tar -x -C "$root/src"
# minbase has neither git nor the archive keyring's apt sources of deb-src:
# build.sh must install what it needs and make its own source list.
ROMA_COMMIT=$(git rev-parse --short=12 HEAD) chroot "$root" /bin/bash -c \
    'cd /src && apt-get update -qq && ./build.sh' 2>&1 |
    tee "$root.build.log" | grep '^==>' || true
t2=$(date +%s)
echo "cold build in a fresh $suite: $((t2 - t1)) s"
file "$root/src/build/roma"
file "$root/src/build/roma" | grep -q 'statically linked'
"$root/src/build/roma" version
chroot "$root" /bin/bash -c 'cd /src && time ./build.sh' 2>&1 | tail -n 3
echo "fresh-build: ok"
