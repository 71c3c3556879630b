# repl.py - the per-context Python interpreter behind the emulated code
# interpreter (POST /execute).  codeint.js starts it inside the sandbox as
# `python3 -u -c <this file>` with four pipes: fd 0 carries requests (one JSON
# object per line: {"code": ..., "env_vars": {...}}), fd 1 and fd 2 catch
# output written at the OS level (subprocesses), fd 3 receives the NDJSON
# lines of the /execute stream, formatted like the E2B server (Python
# json.dumps), and a line {"type": "__done__"} after each request.
#
# Like a Jupyter kernel: one persistent globals dict, stdout/stderr captured
# and sent in batches, the value of a final expression as the main result
# (text/plain and rich _repr_*_ forms), display() for extra results, the
# error's name, value and traceback, an execution counter, "!cmd" lines run
# in a shell, and matplotlib figures shown as PNG at the end of a cell.
import ast
import base64
import datetime
import json
import linecache
import os
import signal
import sys
import threading
import traceback

REQ = os.fdopen(os.dup(0), "rb")
_null = os.open(os.devnull, os.O_RDONLY)
os.dup2(_null, 0)
os.close(_null)
os.set_inheritable(3, False)
OUT_FD = 3
_out_lock = threading.Lock()


def emit(obj):
    data = (json.dumps(obj) + "\n").encode()
    with _out_lock:
        view = memoryview(data)
        while view:
            n = os.write(OUT_FD, view)
            view = view[n:]


def now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class Capture:
    """A text stream that batches writes into stdout/stderr messages."""

    def __init__(self, name, fd):
        self.name = name
        self._fd = fd
        self._buf = []
        self._lock = threading.Lock()

    encoding = "utf-8"
    errors = "replace"

    def write(self, s):
        if not isinstance(s, str):
            raise TypeError("write() argument must be str, not %s" % type(s).__name__)
        if s:
            with self._lock:
                self._buf.append(s)
                big = sum(len(x) for x in self._buf) > 65536
            if big:
                self.flush()
        return len(s)

    def writelines(self, lines):
        for line in lines:
            self.write(line)

    def flush(self):
        with self._lock:
            text = "".join(self._buf)
            self._buf = []
        if text:
            emit({"type": self.name, "text": text, "timestamp": now()})

    def isatty(self):
        return False

    def writable(self):
        return True

    def readable(self):
        return False

    def fileno(self):
        return self._fd


STDOUT = Capture("stdout", 1)
STDERR = Capture("stderr", 2)
sys.stdout = STDOUT
sys.stderr = STDERR


def _flusher():
    import time
    while True:
        time.sleep(0.1)
        try:
            STDOUT.flush()
            STDERR.flush()
        except Exception:
            pass


threading.Thread(target=_flusher, daemon=True).start()

RESULT_KEYS = [
    ("text/plain", "text"), ("text/html", "html"), ("text/markdown", "markdown"),
    ("image/svg+xml", "svg"), ("image/png", "png"), ("image/jpeg", "jpeg"),
    ("application/pdf", "pdf"), ("text/latex", "latex"), ("application/json", "json"),
    ("application/javascript", "javascript"), ("e2b/data", "data"), ("e2b/chart", "chart"),
]
REPR_METHODS = [
    ("_repr_html_", "text/html"), ("_repr_markdown_", "text/markdown"),
    ("_repr_svg_", "image/svg+xml"), ("_repr_png_", "image/png"),
    ("_repr_jpeg_", "image/jpeg"), ("_repr_pdf_", "application/pdf"),
    ("_repr_latex_", "text/latex"), ("_repr_json_", "application/json"),
    ("_repr_javascript_", "application/javascript"),
]


def mime_bundle(obj):
    bundle = {}
    try:
        import pprint
        bundle["text/plain"] = pprint.pformat(obj) if isinstance(obj, (dict, list, tuple, set)) else repr(obj)
    except Exception as e:  # a broken __repr__ still gives something
        bundle["text/plain"] = "<repr failed: %s>" % e
    if type(obj).__module__.startswith("matplotlib") and type(obj).__name__ == "Figure":
        import io
        b = io.BytesIO()
        obj.savefig(b, format="png", bbox_inches="tight")
        bundle["image/png"] = base64.b64encode(b.getvalue()).decode()
    for meth, mime in REPR_METHODS:
        f = getattr(obj, meth, None)
        if f is None or not callable(f) or isinstance(obj, type):
            continue
        try:
            v = f()
        except Exception:
            continue
        if v is None:
            continue
        if isinstance(v, tuple):
            v = v[0]
        if isinstance(v, bytes):
            v = base64.b64encode(v).decode()
        bundle[mime] = v
    f = getattr(obj, "_repr_mimebundle_", None)
    if f is not None and callable(f) and not isinstance(obj, type):
        try:
            v = f()
            if isinstance(v, tuple):
                v = v[0]
            if isinstance(v, dict):
                bundle.update(v)
        except Exception:
            pass
    return bundle


def emit_result(bundle, main):
    data = dict(bundle)
    msg = {"type": "result"}
    text = data.pop("text/plain", None)
    if text is not None:
        if text.startswith("'") and text.endswith("'") and len(text) >= 2:
            text = text[1:-1]
        msg["text"] = text
    for mime, key in RESULT_KEYS[1:]:
        if mime in data:
            msg[key] = data.pop(mime)
    msg["extra"] = data
    msg["is_main_result"] = main
    STDOUT.flush()
    STDERR.flush()
    emit(msg)


def display(*objs, **kwargs):
    for obj in objs:
        if kwargs.get("raw") and isinstance(obj, dict):
            emit_result(obj, False)
        else:
            emit_result(mime_bundle(obj), False)


def _system(cmd):
    import subprocess
    STDOUT.flush()
    p = subprocess.run(cmd, shell=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    sys.stdout.write(p.stdout.decode("utf-8", "replace"))
    STDOUT.flush()
    return None


G = {"__name__": "__main__", "__builtins__": __builtins__, "display": display, "__e2b_system__": _system}
COUNT = [0]


def preprocess(code):
    out = []
    for line in code.split("\n"):
        stripped = line.lstrip()
        indent = line[: len(line) - len(stripped)]
        if stripped.startswith("!"):
            line = indent + "__e2b_system__(%r)" % stripped[1:]
        elif stripped.startswith("%pip ") or stripped.startswith("%conda "):
            line = indent + "__e2b_system__(%r + ' -m pip ' + %r)" % (sys.executable, stripped.split(" ", 1)[1])
        out.append(line)
    return "\n".join(out)


def show_figures():
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is None:
        return
    try:
        for num in plt.get_fignums():
            display(plt.figure(num))
        plt.close("all")
    except Exception:
        pass


def report_error(e, fname):
    STDOUT.flush()
    STDERR.flush()
    tb = e.__traceback__
    while tb is not None and not tb.tb_frame.f_code.co_filename.startswith("<cell"):
        tb = tb.tb_next
    if isinstance(e, SyntaxError):
        text = "".join(traceback.format_exception_only(type(e), e))
    else:
        text = "".join(traceback.format_exception(type(e), e, tb))
    emit({"type": "error", "name": type(e).__name__, "value": str(e), "traceback": text})


def run(code):
    COUNT[0] += 1
    emit({"type": "number_of_executions", "execution_count": COUNT[0]})
    fname = "<cell-%d>" % COUNT[0]
    src = preprocess(code)
    linecache.cache[fname] = (len(src), None, src.splitlines(True), fname)
    try:
        tree = ast.parse(src, fname, "exec")
        last = None
        if tree.body and isinstance(tree.body[-1], ast.Expr) and not code.rstrip().endswith(";"):
            last = tree.body.pop()
        exec(compile(tree, fname, "exec"), G)
        if last is not None:
            value = eval(compile(ast.Expression(last.value), fname, "eval"), G)
            if value is not None:
                G["_"] = value
                emit_result(mime_bundle(value), True)
    except BaseException as e:  # KeyboardInterrupt too: the client went away
        report_error(e, fname)
    show_figures()
    STDOUT.flush()
    STDERR.flush()


def main():
    signal.signal(signal.SIGINT, signal.default_int_handler)
    while True:
        line = REQ.readline()
        if not line:
            break
        try:
            req = json.loads(line)
        except ValueError:
            continue
        env = req.get("env_vars") or {}
        saved = {k: os.environ.get(k) for k in env}
        os.environ.update({k: str(v) for k, v in env.items()})
        try:
            run(req.get("code", ""))
        except KeyboardInterrupt:
            pass
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
        emit({"type": "__done__"})


main()
