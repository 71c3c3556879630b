#!/usr/bin/env python3
"""rpc.py - a minimal Connect+JSON client for envd, for tests and poking at
tests/e2b-server (or a real envd) by hand.

  rpc.py [options] BASE-URL SANDBOX-ID SERVICE/METHOD [JSON]

Unary methods print the response JSON and exit 0, or print the error JSON and
exit 1.  Server-streaming methods (process.Process/Start, Connect,
filesystem.Filesystem/WatchDir) print one line per frame: "msg <json>" for
messages and "end <json>" for the end-of-stream frame; with --exec, a
process stream is instead turned into the command's stdout/stderr on ours
and its exit code as our exit status (125 when the stream reports an error).

Options: --token T (X-Access-Token), --user U (Basic auth user),
--timeout-ms N (Connect-Timeout-Ms), --keepalive S (Keepalive-Ping-Interval),
--host H (Host header, for <port>-<id>.<domain> routing), --exec.
"""
import base64
import http.client
import json
import struct
import sys
import urllib.parse

STREAMS = {"process.Process/Start", "process.Process/Connect", "filesystem.Filesystem/WatchDir"}


def main(argv):
    opts = {"token": None, "user": None, "timeout-ms": None, "keepalive": None, "host": None}
    exec_mode = False
    args = []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--exec":
            exec_mode = True
        elif a.startswith("--") and a[2:] in opts:
            opts[a[2:]] = argv[i + 1]
            i += 1
        else:
            args.append(a)
        i += 1
    if len(args) < 3:
        sys.stderr.write(__doc__)
        return 2
    base, sid, method = args[0], args[1], args[2]
    body = json.loads(args[3]) if len(args) > 3 else {}
    u = urllib.parse.urlparse(base)
    conn = http.client.HTTPConnection(u.hostname, u.port or 80, timeout=120)
    stream = method in STREAMS
    payload = json.dumps(body).encode()
    headers = {
        "Connect-Protocol-Version": "1",
        "E2b-Sandbox-Id": sid,
        "E2b-Sandbox-Port": "49983",
    }
    if opts["host"]:
        headers["Host"] = opts["host"]
    if opts["token"]:
        headers["X-Access-Token"] = opts["token"]
    if opts["user"]:
        headers["Authorization"] = "Basic " + base64.b64encode((opts["user"] + ":").encode()).decode()
    if stream:
        headers["Content-Type"] = "application/connect+json"
        if opts["timeout-ms"]:
            headers["Connect-Timeout-Ms"] = opts["timeout-ms"]
        if opts["keepalive"]:
            headers["Keepalive-Ping-Interval"] = opts["keepalive"]
        payload = struct.pack(">BI", 0, len(payload)) + payload
    else:
        headers["Content-Type"] = "application/json"
    conn.request("POST", "/" + method, body=payload, headers=headers)
    resp = conn.getresponse()
    if not stream:
        data = resp.read().decode()
        print(data)
        return 0 if resp.status == 200 else 1
    if resp.status != 200:
        print("http %d %s" % (resp.status, resp.read().decode()))
        return 1
    code = None
    while True:
        head = resp.read(5)
        if len(head) < 5:
            print("error: stream ended without an end-of-stream frame")
            return 124
        flags, n = struct.unpack(">BI", head)
        msg = json.loads(resp.read(n) or b"{}")
        if flags & 2:
            if exec_mode:
                if msg.get("error"):
                    sys.stderr.write("stream error: %s\n" % json.dumps(msg["error"]))
                    return 125
                return code if code is not None else 124
            print("end " + json.dumps(msg))
            return 1 if msg.get("error") else 0
        if not exec_mode:
            print("msg " + json.dumps(msg))
            sys.stdout.flush()
            continue
        ev = msg.get("event", {})
        data = ev.get("data")
        if data:
            for k, f in (("stdout", sys.stdout), ("stderr", sys.stderr), ("pty", sys.stdout)):
                if k in data:
                    f.buffer.write(base64.b64decode(data[k]))
                    f.flush()
        if "end" in ev:
            code = int(ev["end"].get("exitCode", 0))
            if code < 0:
                code = 128 + 9


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
