#!/usr/bin/env bash
# FUSE interrupts under a real mount, through tests/faultproxy.py stalling
# the store for far longer than any check waits: a reader, a stat or a
# writer's close() that is signalled (Ctrl-C, or a signal the program
# handles) gets its answer within a few seconds, not when the store answers;
# an interrupted close() does not report success for data the store does
# not have; and the mount works normally as soon as the store does again.
# shellcheck source=tests/integration/mount_lib.sh
. "$(dirname "$0")/mount_lib.sh"
m_require_fuse "FUSE interrupts"

STALL=60 # seconds the proxy holds a request: the mount's stall timeout is 30 s

# shellcheck disable=SC2119 # no --auth
if ! t_start_moto || ! t_start_proxy "$S3_ENDPOINT"; then
	t_not_ok "moto and the fault proxy start"
	exit 1
fi
export PROXY_ENDPOINT
export -f t_aws
t_mkbucket intr-bkt
head -c 3000000 /dev/urandom >"$T_TMP/big"
m_put intr-bkt big "$T_TMP/big"
printf 'small' >"$T_TMP/small"
m_put intr-bkt small "$T_TMP/small"

M_ENDPOINT=$PROXY_ENDPOINT
if ! m_mount intr intr-bkt; then
	t_not_ok "mount through the proxy" "$(tail -n 5 "$T_TMP/intr.log" 2>/dev/null)"
	exit 1
fi
m=$MNT
t_check "a file reads through the proxy" cmp "$T_TMP/small" "$m/small"

# within SECONDS CMD...: CMD succeeds within SECONDS (its output is shown
# only when it fails); "timeout ..." commands succeed by being stopped.
within() {
	local limit=$1 start ms st out
	shift
	start=$(date +%s%N)
	out=$("$@" 2>&1 >/dev/null)
	st=$?
	ms=$((($(date +%s%N) - start) / 1000000))
	[ "$1" = timeout ] && [ "$st" -eq 124 ] && st=0
	echo "exit $st after $ms ms: $out"
	[ -z "${INTR_TIMES:-}" ] || echo "$* -> exit $st after $ms ms" >>"$INTR_TIMES"
	[ "$st" -eq 0 ] && [ "$ms" -le $((limit * 1000)) ]
}
export -f within

# Ctrl-C on cat of a file whose GETs stall: back at once, not in 60 s.
t_fault "stall:1000:$STALL" method=GET
t_check "Ctrl-C stops cat of a stalled file within 5 s" \
	within 5 timeout -s INT 2 cat "$m/big"
t_fault pass
t_check "... and the file reads right after (no stalled get left behind)" \
	within 10 cmp "$T_TMP/big" "$m/big"

# A signal the reader handles: read() itself returns EINTR (Python runs
# the handler, which raises, only when the call came back interrupted).
# Only the object's GETs stall: the signal comes after open(), whose
# lookup (a LIST once the caches are dropped) must not stall.
echo 3 >/proc/sys/vm/drop_caches 2>/dev/null
t_fault "stall:1000:$STALL" "method=GET&match=/intr-bkt/big"
t_check "a handled signal interrupts a stalled read() (EINTR) within 5 s" \
	within 5 python3 -c '
import os, signal, sys
class Gone(Exception):
    pass
def alarm(sig, frame):
    raise Gone()
signal.signal(signal.SIGALRM, alarm)
fd = os.open(sys.argv[1], os.O_RDONLY)
signal.alarm(1)
try:
    os.read(fd, 1 << 20)
except Gone:
    sys.exit(0)
sys.exit("the read finished although the store stalled")' "$m/big"
t_fault pass
t_check "... and the file reads right after" within 10 cmp "$T_TMP/big" "$m/big"

# A lookup whose listing stalls: stat comes back on Ctrl-C.
t_fault "stall:1000:$STALL" method=GET
t_check "Ctrl-C stops a stalled lookup within 5 s" \
	within 5 timeout -s INT 2 stat "$m/not-there"
t_fault pass
t_check "... and lookups work right after" within 10 stat "$m/small"

# A close() whose PUT the store holds: EINTR, not success; nothing stored.
head -c 100000 /dev/urandom >"$T_TMP/new"
t_fault "hold:1000:$STALL" method=PUT
t_check "a handled signal interrupts close() of a held upload: EINTR" \
	within 5 python3 -c '
import os, signal, sys
signal.signal(signal.SIGALRM, lambda sig, frame: None)
data = open(sys.argv[2], "rb").read()
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
os.write(fd, data)
signal.alarm(1)
try:
    os.close(fd)
except InterruptedError:
    sys.exit(0)
sys.exit("close() reported success for an upload the store never got")' \
	"$m/held1" "$T_TMP/new"
t_check "Ctrl-C stops cp at a held close() within 5 s" \
	within 5 timeout -s INT 2 cp "$T_TMP/new" "$m/held2"
# A multipart stream (8 MiB parts, sent while cp writes): its parts are
# held; the interrupted close() makes them give up and aborts the upload.
head -c 12000000 /dev/urandom >"$T_TMP/large"
t_check "Ctrl-C stops cp of a multipart file with held parts within 5 s" \
	within 5 timeout -s INT 3 cp "$T_TMP/large" "$m/held3"
t_fault pass
t_fail_check "the interrupted uploads stored nothing" \
	bash -c 'm_exists intr-bkt held1 || m_exists intr-bkt held2 ||
		m_exists intr-bkt held3'
t_check "the multipart upload was aborted" bash -c '
	[ -z "$(t_aws s3api list-multipart-uploads --bucket intr-bkt \
		--query "Uploads[].Key" --output text | grep -v None)" ]'
t_check "a new upload works right after" \
	within 10 cp "$T_TMP/new" "$m/after"
t_check "... and holds the bytes" m_same "$T_TMP/new" intr-bkt after
# A rename interrupted after its copy: the source's DELETE still goes, so
# the file is moved, never left in both places.
m_put intr-bkt ren-src "$T_TMP/small"
t_fault "hold:1:3" method=DELETE
t_check "Ctrl-C during a rename's DELETE: back once it is done" \
	within 8 timeout -s INT 1 mv "$m/ren-src" "$m/ren-dst"
t_fault pass
t_check "... and the file was moved, not left in both places" bash -c '
	! m_exists intr-bkt ren-src && m_same "$1" intr-bkt ren-dst' bash "$T_TMP/small"

# Twelve reads stalled at once do not hold up the next request: libfuse's
# default of 10 worker threads would (INTERRUPTs queue behind them too).
for i in 01 02 03 04 05 06 07 08 09 10 11 12; do
	m_put intr-bkt "hw$i" "$T_TMP/small"
done
t_fault "hold:1000:20" "method=GET&match=/intr-bkt/hw"
cats=()
for i in 01 02 03 04 05 06 07 08 09 10 11 12; do
	cat "$m/hw$i" >/dev/null 2>&1 &
	cats+=("$!")
done
sleep 2
t_check "a read goes through while 12 others are stalled" within 5 cmp "$T_TMP/small" "$m/small"
start=$(date +%s)
kill -TERM "${cats[@]}" 2>/dev/null # background jobs ignore SIGINT
wait "${cats[@]}"
t_check "... and the 12 stalled readers stop on SIGTERM within 10 s" \
	[ $(($(date +%s) - start)) -le 10 ]
t_fault pass

t_check "the daemon logged no retry give-up for the interrupts" \
	bash -c '! grep -q "giving up" "$1"' bash "$T_TMP/intr.log"
t_check "unmount" m_umount "$m"
t_done
