#!/usr/bin/env python3
"""measure.py OUT CMD [ARG...] - run CMD and write "WALL USER SYS STATUS" to OUT.

WALL is elapsed seconds; USER and SYS are the CPU seconds of CMD and of every
process it started and waited for (getrusage of the reaped child, so curl's
threads, the AWS CLI's worker threads or xargs' children all count; this
script's own startup does not).  STATUS is CMD's exit status (128+signal).
CMD's stdin, stdout and stderr are this script's.  Exits with CMD's status.
"""

import os
import sys
import time


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__.split("\n", 1)[0])
    out, cmd = sys.argv[1], sys.argv[2:]
    t0 = time.monotonic()
    try:
        pid = os.posix_spawnp(cmd[0], cmd, os.environ)
    except OSError as e:
        sys.stderr.write("measure.py: %s: %s\n" % (cmd[0], e))
        with open(out, "w") as f:
            f.write("0 0 0 127\n")
        sys.exit(127)
    _, status, ru = os.wait4(pid, 0)
    wall = time.monotonic() - t0
    code = os.waitstatus_to_exitcode(status)
    if code < 0:
        code = 128 - code
    with open(out, "w") as f:
        f.write("%.6f %.6f %.6f %d\n" % (wall, ru.ru_utime, ru.ru_stime, code))
    sys.exit(code)


if __name__ == "__main__":
    main()
