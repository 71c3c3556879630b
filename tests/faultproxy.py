#!/usr/bin/env python3
"""faultproxy.py - a fault-injecting HTTP proxy in front of an S3 server.

    python3 tests/faultproxy.py --listen 127.0.0.1:PORT --upstream http://127.0.0.1:UP
                                [--mode MODE] [--quiet] [--tls CERT,KEY]

With --tls the proxy speaks HTTPS to its clients (PEM certificate and key)
and still plain HTTP to the upstream: an S3 server behind TLS.

Every request is forwarded to the upstream unchanged: method, request target
(path and query exactly as sent), every header including Host as the client
sent it (SigV4 signs Host), and the body (Content-Length or chunked, streamed).
The response comes back unchanged too, unless a fault mode says otherwise.

Modes (the COUNT next matching requests get the fault, then the proxy passes
again; "pass" cancels a pending fault):

    pass                       forward everything
    503:N  500:N  429:N        answer with that status and an S3 <Error> body
                               (SlowDown, InternalError, TooManyRequests)
    reset-mid-body:N           GETs answered 2xx with a body (objects, ranges,
                               listings): send the headers and half the body,
                               then reset the connection (RST)
    truncate:N                 such GETs: the full Content-Length but only
                               half the bytes, then close (FIN)
    stall:N:SECONDS            such GETs: send half, stop for SECONDS, then
                               send the rest
                               (other requests pass these three by, uncounted)
    redirect-region:N:REGION   301 PermanentRedirect naming REGION (body and
                               x-amz-bucket-region header)
    auth-region:N:REGION       400 AuthorizationHeaderMalformed with <Region>
    skew:N[:SECONDS]           403 RequestTimeTooSkewed; ServerTime and Date
                               are the proxy's clock plus SECONDS (default 0)
    clock:SECONDS              until the mode changes: the proxy's clock runs
                               SECONDS ahead; requests whose X-Amz-Date (or
                               Date) is more than 15 minutes off get 403
                               RequestTimeTooSkewed, the others pass
    drop-connection:N          read the request, then close without a reply
    hold:N:SECONDS             read the request, wait SECONDS (a server that
                               does not answer), then forward it, unless the
                               client went away meanwhile (then drop it)

Control endpoint, answered by the proxy itself (never forwarded):

    GET /__fault?mode=MODE[&method=M][&match=S]   set the mode; method and
                          match restrict it to requests with that method and
                          whose request target contains S
    GET /__fault          the current mode
    GET /__fault/log      one line per forwarded or faulted request:
                          METHOD TAB TARGET TAB STATUS TAB FAULT ("-" when none;
                          STATUS 000 when no status line was sent)
    GET /__fault/clear    empty the log (and the header log)

Header log (opt-in: nothing is recorded until names are given):

    GET /__fault/headers?names=N1,N2   from now on, record those request
                          headers (any case) of each request
    GET /__fault/headers  one line per request since then: METHOD TAB TARGET,
                          then TAB "name: value" for each named header present
"""

import argparse
import calendar
import email.utils
import http.client
import http.server
import socket
import ssl
import struct
import sys
import threading
import time
import urllib.parse
import uuid

CHUNK = 1 << 20
MAX_SKEW = 15 * 60

ERRORS = {
    "503": (503, "Slow Down", "SlowDown", "Please reduce your request rate."),
    "500": (500, "Internal Server Error", "InternalError",
            "We encountered an internal error. Please try again."),
    "429": (429, "Too Many Requests", "TooManyRequests",
            "Please reduce your request rate."),
}
BODY_FAULTS = ("reset-mid-body", "truncate", "stall")


class Mode:
    """The current fault, parsed from its text form."""

    def __init__(self, text="pass", method=None, match=None):
        self.text = text
        self.method = method.upper() if method else None
        self.match = match
        parts = text.split(":")
        self.kind = parts[0]
        self.count = 0
        self.arg = None
        if self.kind == "pass":
            return
        if self.kind == "clock":
            if len(parts) != 2:
                raise ValueError("clock:SECONDS")
            self.arg = float(parts[1])
            return
        known = tuple(ERRORS) + BODY_FAULTS + (
            "redirect-region", "auth-region", "skew", "drop-connection", "hold")
        if self.kind not in known or len(parts) < 2:
            raise ValueError("unknown mode %r" % text)
        self.count = int(parts[1])
        if self.count < 0:
            raise ValueError("negative count")
        if self.kind in ("stall", "hold"):
            if len(parts) != 3:
                raise ValueError("%s:N:SECONDS" % self.kind)
            self.arg = float(parts[2])
        elif self.kind in ("redirect-region", "auth-region"):
            if len(parts) != 3 or not parts[2]:
                raise ValueError("%s:N:REGION" % self.kind)
            self.arg = parts[2]
        elif self.kind == "skew":
            if len(parts) > 3:
                raise ValueError("skew:N[:SECONDS]")
            self.arg = float(parts[2]) if len(parts) == 3 else 0.0
        elif len(parts) != 2:
            raise ValueError("%s:N" % self.kind)

    def applies(self, method, target):
        if self.method and method != self.method:
            return False
        if self.match and self.match not in target:
            return False
        return True


class State:
    def __init__(self, mode):
        self.lock = threading.Lock()
        self.mode = mode
        self.log = []
        self.header_names = []  # lower-case; empty: no header log
        self.header_log = []

    def take(self, method, target, body_fault_ok):
        """The fault for this request (a Mode) or None; consumes one count.
        Body faults are only taken when body_fault_ok (a GET response with a
        body); other requests pass them by."""
        with self.lock:
            m = self.mode
            if m.kind == "pass" or not m.applies(method, target):
                return None
            if m.kind == "clock":
                return m
            if m.kind in BODY_FAULTS and not body_fault_ok:
                return None
            if m.count <= 0:
                return None
            m.count -= 1
            if m.count == 0:
                self.mode = Mode("pass")
            return m

    def peek_body_fault(self, method, target):
        with self.lock:
            m = self.mode
            return (m.kind in BODY_FAULTS and m.count > 0 and method == "GET"
                    and m.applies(method, target))

    def record(self, method, target, status, fault):
        with self.lock:
            self.log.append("%s\t%s\t%s\t%s" % (method, target, status, fault or "-"))

    def record_headers(self, method, target, headers):
        with self.lock:
            if not self.header_names:
                return
            fields = [method, target]
            for name in self.header_names:
                for v in headers.get_all(name) or []:
                    fields.append("%s: %s" % (name, v))
            self.header_log.append("\t".join(fields))


def error_xml(code, message, extra=""):
    rid = uuid.uuid4().hex[:16].upper()
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>%s</Code>'
            "<Message>%s</Message>%s<RequestId>%s</RequestId>"
            "<HostId>faultproxy</HostId></Error>" % (code, message, extra, rid)).encode()


def amz_date(t):
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(t))


def iso_date(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def request_time(headers):
    """The client's signing time in seconds since the epoch, or None."""
    v = headers.get("X-Amz-Date")
    if v:
        try:
            return float(calendar.timegm(time.strptime(v, "%Y%m%dT%H%M%SZ")))
        except ValueError:
            return None
    v = headers.get("Date")
    if v:
        try:
            return email.utils.parsedate_to_datetime(v).timestamp()
        except (TypeError, ValueError):
            return None
    return None


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "faultproxy"
    state = None  # set in main
    upstream = None  # (host, port)
    quiet = False

    def setup(self):
        super().setup()
        # Headers and body go out in separate writes: without NODELAY, Nagle
        # holds the body until the client's delayed ACK (40 ms) arrives.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, fmt, *args):  # noqa: D102 - http.server hook
        if not self.quiet:
            sys.stderr.write("faultproxy: %s\n" % (fmt % args))

    # Every method goes through one handler.
    def do_GET(self):
        self.handle_any()

    do_PUT = do_POST = do_DELETE = do_HEAD = do_OPTIONS = do_PATCH = do_GET

    # --- control endpoint ---------------------------------------------------

    def control(self):
        u = urllib.parse.urlsplit(self.path)
        q = urllib.parse.parse_qs(u.query)
        status, text = 200, ""
        st = self.state
        if u.path == "/__fault":
            if "mode" in q:
                try:
                    m = Mode(q["mode"][0], q.get("method", [None])[0],
                             q.get("match", [None])[0])
                except ValueError as e:
                    status, text = 400, "bad mode: %s\n" % e
                else:
                    with st.lock:
                        st.mode = m
                    text = "mode %s\n" % m.text
            else:
                with st.lock:
                    m = st.mode
                    text = "mode %s count %d\n" % (m.text, m.count)
        elif u.path == "/__fault/log":
            with st.lock:
                text = "".join(line + "\n" for line in st.log)
        elif u.path == "/__fault/clear":
            with st.lock:
                st.log.clear()
                st.header_log.clear()
            text = "cleared\n"
        elif u.path == "/__fault/headers":
            with st.lock:
                if "names" in q:
                    st.header_names = [n.strip().lower()
                                       for n in q["names"][0].split(",") if n.strip()]
                    text = "recording %s\n" % ",".join(st.header_names)
                else:
                    text = "".join(line + "\n" for line in st.header_log)
        else:
            status, text = 404, "unknown control path\n"
        self.drain_body()
        body = text.encode()
        self.send_response_only(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    # --- request body -------------------------------------------------------

    def body_chunks(self):
        """The request body as raw bytes to forward, framing included for
        chunked bodies (yielded piece by piece)."""
        te = self.headers.get("Transfer-Encoding", "")
        if "chunked" in te.lower():
            while True:
                line = self.rfile.readline(65537)
                if not line:
                    raise ConnectionError("client closed in chunked body")
                yield line
                size = int(line.split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while True:  # trailers, then the empty line
                        t = self.rfile.readline(65537)
                        if not t:
                            raise ConnectionError("client closed in trailers")
                        yield t
                        if t in (b"\r\n", b"\n"):
                            return
                left = size + 2  # data and its CRLF
                while left:
                    b = self.rfile.read(min(left, CHUNK))
                    if not b:
                        raise ConnectionError("client closed in chunk")
                    left -= len(b)
                    yield b
        else:
            left = int(self.headers.get("Content-Length") or 0)
            while left > 0:
                b = self.rfile.read(min(left, CHUNK))
                if not b:
                    raise ConnectionError("client closed in body")
                left -= len(b)
                yield b

    def drain_body(self):
        for _ in self.body_chunks():
            pass

    # --- replies made up by the proxy ------------------------------------------

    def reply(self, status, reason, body, headers=()):
        self.send_response_only(status, reason)
        self.send_header("Date", email.utils.formatdate(usegmt=True))
        self.send_header("x-amz-request-id", uuid.uuid4().hex[:16].upper())
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Type", "application/xml")
        if self.command == "HEAD":
            self.send_header("Content-Length", "0")
            self.end_headers()
        else:
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    def fault_reply(self, m):
        """Answer a request for which an error-type fault was taken."""
        kind = m.kind
        if kind in ERRORS:
            status, reason, code, msg = ERRORS[kind]
            self.reply(status, reason, error_xml(code, msg))
            return status
        if kind == "redirect-region":
            host = self.headers.get("Host", "")
            extra = "<Endpoint>%s</Endpoint><Bucket>%s</Bucket>" % (
                host, self.bucket())
            self.reply(301, "Moved Permanently", error_xml(
                "PermanentRedirect",
                "The bucket you are attempting to access must be addressed "
                "using the specified endpoint. Please send all future "
                "requests to this endpoint.", extra),
                [("x-amz-bucket-region", m.arg)])
            return 301
        if kind == "auth-region":
            got = self.signed_region() or "us-east-1"
            self.reply(400, "Bad Request", error_xml(
                "AuthorizationHeaderMalformed",
                "The authorization header is malformed; the region '%s' is "
                "wrong; expecting '%s'" % (got, m.arg),
                "<Region>%s</Region>" % m.arg),
                [("x-amz-bucket-region", m.arg)])
            return 400
        if kind in ("skew", "clock"):
            now = time.time() + (m.arg or 0)
            rt = request_time(self.headers)
            extra = "<RequestTime>%s</RequestTime><ServerTime>%s</ServerTime>" \
                "<MaxAllowedSkewMilliseconds>900000</MaxAllowedSkewMilliseconds>" % (
                    amz_date(rt) if rt is not None else "", iso_date(now))
            body = error_xml(
                "RequestTimeTooSkewed",
                "The difference between the request time and the current "
                "time is too large.", extra)
            self.send_response_only(403, "Forbidden")
            self.send_header("Date", email.utils.formatdate(now, usegmt=True))
            self.send_header("Content-Type", "application/xml")
            if self.command == "HEAD":
                self.send_header("Content-Length", "0")
                self.end_headers()
            else:
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            return 403
        raise AssertionError(kind)

    def bucket(self):
        path = urllib.parse.urlsplit(self.path).path
        return path.lstrip("/").split("/", 1)[0]

    def signed_region(self):
        auth = self.headers.get("Authorization", "")
        cred = auth.partition("Credential=")[2].partition(",")[0]
        parts = cred.split("/")
        if len(parts) >= 3:
            return parts[2]
        q = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
        parts = q.get("X-Amz-Credential", [""])[0].split("/")
        return parts[2] if len(parts) >= 3 else None

    def reset(self):
        """Close the client connection with a TCP reset."""
        try:
            self.wfile.flush()
        except OSError:
            pass
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
        except OSError:
            pass
        self.close_connection = True
        try:  # the socket's fd closes (and the RST goes out) with its last file
            self.rfile.close()
            self.connection.close()
        except OSError:
            pass

    def hard_close(self):
        """Close the client connection normally (FIN) after what was sent."""
        try:
            self.wfile.flush()
        except OSError:
            pass
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    # --- forwarding -------------------------------------------------------------

    def handle_any(self):
        method, target = self.command, self.path
        if target.startswith("/__fault"):
            self.control()
            return
        st = self.state
        st.record_headers(method, target, self.headers)

        # Faults decided before the request is forwarded.
        m = st.take(method, target, body_fault_ok=False)
        if m is not None and m.kind == "clock":
            rt = request_time(self.headers)
            if rt is not None and abs(rt - (time.time() + m.arg)) <= MAX_SKEW:
                m = None  # in time: forward it
        body = None
        if m is not None and m.kind == "hold":
            try:
                body = b"".join(self.body_chunks())
            except (ConnectionError, ValueError):
                self.close_connection = True
                st.record(method, target, "000", m.kind)
                return
            time.sleep(m.arg)
            if self.client_gone():
                self.close_connection = True
                st.record(method, target, "000", m.kind)
                return
            m = None
        if m is not None:
            try:
                self.drain_body()
            except (ConnectionError, ValueError):
                self.close_connection = True
                st.record(method, target, "000", m.kind)
                return
            if m.kind == "drop-connection":
                st.record(method, target, "000", m.kind)
                self.hard_close()
                return
            status = self.fault_reply(m)
            st.record(method, target, status, m.kind)
            return

        try:
            resp, conn = self.forward(method, target, body)
        except (ConnectionError, OSError, ValueError) as e:
            self.log_message("upstream: %s", e)
            st.record(method, target, "502", "upstream-error")
            body = error_xml("BadGateway", "faultproxy: upstream failed: %s" % e)
            self.close_connection = True
            try:
                self.reply(502, "Bad Gateway", body, [("Connection", "close")])
            except OSError:
                pass
            return
        try:
            self.relay(method, target, resp)
        finally:
            conn.close()

    def client_gone(self):
        """Whether the client closed its end (EOF waiting to be read)."""
        try:
            return self.connection.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b""
        except BlockingIOError:
            return False
        except OSError:
            return True

    def forward(self, method, target, body=None):
        host, port = self.upstream
        conn = http.client.HTTPConnection(host, port, timeout=600)
        conn.connect()
        conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        conn.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
        for k, v in self.headers.items():
            conn.putheader(k, v)
        conn.endheaders()
        for piece in self.body_chunks() if body is None else (body,):
            conn.send(piece)
        return conn.getresponse(), conn

    def relay(self, method, target, resp):
        st = self.state
        headers = [(k, v) for k, v in resp.getheaders()
                   if k.lower() not in ("connection", "keep-alive", "transfer-encoding")]
        length = resp.getheader("Content-Length")
        chunked = "chunked" in (resp.getheader("Transfer-Encoding") or "").lower()
        no_body = method == "HEAD" or resp.status in (204, 304) or 100 <= resp.status < 200
        fault = None
        if (not no_body and method == "GET" and 200 <= resp.status < 300
                and st.peek_body_fault(method, target)):
            if length is None:  # read it all so it has a length to break
                data = resp.read()
                length = str(len(data))
                headers.append(("Content-Length", length))
                resp = _Buffered(data)
                chunked = False
            if int(length) > 0:
                fault = st.take(method, target, body_fault_ok=True)

        self.send_response_only(resp.status, resp.reason)
        for k, v in headers:
            self.send_header(k, v)
        if no_body:
            self.end_headers()
            st.record(method, target, resp.status, None)
            return
        if length is None:
            if chunked:
                self.send_header("Transfer-Encoding", "chunked")
            else:
                self.send_header("Connection", "close")
        self.end_headers()

        if fault is None:
            self.copy_body(resp, length, chunked)
            st.record(method, target, resp.status, None)
            return

        total = int(length)
        half = max(1, total // 2)
        self.copy_exact(resp, half)
        st.record(method, target, resp.status, fault.kind)
        if fault.kind == "reset-mid-body":
            self.reset()
        elif fault.kind == "truncate":
            self.hard_close()
        elif fault.kind == "stall":
            try:
                self.wfile.flush()
            except OSError:
                pass
            time.sleep(fault.arg)
            try:
                self.copy_exact(resp, total - half)
            except OSError:
                self.close_connection = True

    def copy_exact(self, resp, n):
        while n > 0:
            b = resp.read(min(n, CHUNK))
            if not b:
                raise ConnectionError("upstream body ended early")
            self.wfile.write(b)
            n -= len(b)

    def copy_body(self, resp, length, chunked):
        if length is not None:
            self.copy_exact(resp, int(length))
            return
        while True:
            b = resp.read1(CHUNK) if hasattr(resp, "read1") else resp.read(CHUNK)
            if not b:
                break
            if chunked:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(b), b))
            else:
                self.wfile.write(b)
        if chunked:
            self.wfile.write(b"0\r\n\r\n")
        else:
            self.close_connection = True


class _Buffered:
    """A fully read response body, read like an http.client response."""

    def __init__(self, data):
        self.data = data
        self.pos = 0

    def read(self, n=-1):
        if n < 0:
            n = len(self.data) - self.pos
        b = self.data[self.pos:self.pos + n]
        self.pos += len(b)
        return b


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if isinstance(exc, (OSError, ValueError)):
            return  # a client that went away
        super().handle_error(request, client_address)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--listen", required=True, help="HOST:PORT to listen on")
    ap.add_argument("--upstream", required=True, help="http://HOST:PORT of the S3 server")
    ap.add_argument("--mode", default="pass", help="initial fault mode")
    ap.add_argument("--quiet", action="store_true", help="no access log on stderr")
    ap.add_argument("--tls", metavar="CERT,KEY", help="serve HTTPS with this PEM pair")
    a = ap.parse_args()
    u = urllib.parse.urlsplit(a.upstream)
    if u.scheme != "http" or not u.hostname:
        ap.error("--upstream must be http://HOST:PORT")
    lhost, _, lport = a.listen.rpartition(":")
    Handler.state = State(Mode(a.mode))
    Handler.upstream = (u.hostname, u.port or 80)
    Handler.quiet = a.quiet
    srv = Server((lhost or "127.0.0.1", int(lport)), Handler)
    if a.tls:
        cert, _, key = a.tls.partition(",")
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
