#!/usr/bin/python3
"""run.py: the end-to-end runner of the REST corpus in tests/api/cases.

Starts one `cairn server` on a free loopback port (--port 0; the port is
read back from the server's "listening on" line) over a fresh store
(`cairn init` in a temporary directory), waits for GET /health to answer
OK, then plays every case NNNN-name.req in name order over HTTP and
compares the answer with NNNN-name.expect as tests/api/README.md says.
It prints "ok N - name" or "not ok N - name" and the differences, one
more line for the server's shutdown (SIGTERM, exit status 0, no sanitizer
report on its stderr), and "N passed, M failed"; it exits 1 when anything
failed.

    run.py [--cairn BIN] [--cases DIR] [--tmp DIR] [-v]
    run.py [--cairn BIN] [--tmp DIR] --exec CMD [ARG...]

The second form starts the server the same way, runs CMD with
CAIRN_URL=http://127.0.0.1:PORT (and CAIRN_STORE) in its environment,
passes its output through, stops the server and exits with CMD's status
(1 if the server did not stop cleanly). The other API tests use it, and
import Server from here.

The binary is --cairn, else $CAIRN, else build/cairn. Python 3 standard
library only.
"""

import http.client
import json
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REQUEST_TIMEOUT = 30.0  # seconds, per request (a sanitized server is slow)
START_TIMEOUT = 20.0
STOP_TIMEOUT = 20.0


class ServerError(Exception):
    pass


class Server:
    """A `cairn server` of its own over a fresh store in workdir."""

    def __init__(self, cairn, workdir):
        self.cairn = cairn
        self.workdir = workdir
        self.store = os.path.join(workdir, "store")
        self.errpath = os.path.join(workdir, "server.err")
        self.proc = None
        self.port = None
        self.host = "127.0.0.1"
        self.env = dict(os.environ)
        self.env["HOME"] = workdir
        for k in ("CAIRN_TRACKING_URI", "MLFLOW_TRACKING_URI"):
            self.env.pop(k, None)

    @property
    def url(self):
        return "http://%s:%d" % (self.host, self.port)

    def start(self):
        os.makedirs(self.store, exist_ok=True)
        init = subprocess.run([self.cairn, "init"], cwd=self.store,
                              env=self.env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, timeout=30)
        if init.returncode != 0:
            raise ServerError("cairn init failed (%d): %s" % (
                init.returncode, init.stdout.decode(errors="replace")))
        self.errfile = open(self.errpath, "wb")
        self.proc = subprocess.Popen(
            [self.cairn, "server", "--host", self.host, "--port", "0",
             "--store", self.store],
            cwd=self.workdir, env=self.env, stdin=subprocess.DEVNULL,
            stdout=self.errfile, stderr=self.errfile)
        deadline = time.monotonic() + START_TIMEOUT
        pat = re.compile(r"listening on http://[^:/\s]+:(\d+)")
        while self.port is None:
            m = pat.search(self.stderr())
            if m:
                self.port = int(m.group(1))
                break
            self._check_alive("before listening")
            if time.monotonic() > deadline:
                raise ServerError("no 'listening on' line after %gs:\n%s"
                                  % (START_TIMEOUT, self.stderr()))
            time.sleep(0.02)
        while True:
            try:
                c = http.client.HTTPConnection(self.host, self.port,
                                               timeout=2)
                c.request("GET", "/health")
                r = c.getresponse()
                body = r.read()
                c.close()
                if r.status == 200 and body.strip() == b"OK":
                    return
            except OSError:
                pass
            self._check_alive("before /health answered")
            if time.monotonic() > deadline:
                raise ServerError("/health did not answer OK after %gs"
                                  % START_TIMEOUT)
            time.sleep(0.02)

    def _check_alive(self, when):
        if self.proc.poll() is not None:
            raise ServerError("the server exited (%d) %s:\n%s" % (
                self.proc.returncode, when, self.stderr()))

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def died(self):
        """After a failed request: has it exited (given a second to)?"""
        try:
            self.proc.wait(1)
        except subprocess.TimeoutExpired:
            return False
        return True

    def stderr(self):
        try:
            with open(self.errpath, "rb") as f:
                return f.read().decode(errors="replace")
        except OSError:
            return ""

    def stop(self):
        """SIGTERM; a list of problems (empty when it exited 0 cleanly)."""
        problems = []
        if self.proc is None:
            return ["the server never started"]
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                problems.append("still running %gs after SIGTERM; killed"
                                % STOP_TIMEOUT)
                self.proc.kill()
                self.proc.wait()
        else:
            problems.append("it had already exited before SIGTERM")
        self.errfile.close()
        rc = self.proc.returncode
        if rc != 0:
            problems.append("exit status %d, expected 0" % rc)
        err = self.stderr()
        if "Sanitizer" in err or "runtime error" in err:
            problems.append("sanitizer report on its stderr")
        if problems:
            problems.append("its stderr:\n" + err.rstrip())
        return problems


class Client:
    """One keep-alive connection, reopened when the server closes it."""

    def __init__(self, server, blocksize=1 << 20):
        self.server = server
        self.blocksize = blocksize
        self.conn = None

    def _open(self):
        self.conn = http.client.HTTPConnection(
            self.server.host, self.server.port, timeout=REQUEST_TIMEOUT,
            blocksize=self.blocksize)

    def close(self):
        if self.conn:
            self.conn.close()
            self.conn = None

    def request(self, method, target, body=None, headers=None):
        """(status, headers as a dict with lower-case names, body bytes)."""
        headers = dict(headers or {})
        for attempt in (0, 1):
            if self.conn is None:
                self._open()
            sent = False
            try:
                if hasattr(body, "seek"):
                    body.seek(0)
                self.conn.request(method, target, body=body, headers=headers)
                sent = True
                r = self.conn.getresponse()
                data = r.read()
            except (http.client.RemoteDisconnected, BrokenPipeError,
                    ConnectionResetError) as e:
                # A keep-alive connection the server had closed: once more
                # on a new one, as clients do.
                self.close()
                if attempt or not self.server.alive():
                    raise ConnectionError("%s %s: %s%s" % (
                        method, target, type(e).__name__,
                        "" if sent else " while sending"))
                continue
            except Exception:
                self.close()
                raise
            hdrs = {k.lower(): v for k, v in r.getheaders()}
            if r.will_close:
                self.close()
            return r.status, hdrs, data
        raise AssertionError("unreachable")


# ---- the corpus -----------------------------------------------------------

class CaseError(Exception):
    pass


PLACEHOLDER = re.compile(r"\$\{([^}]*)\}")


def substitute(text, captured):
    def one(m):
        name = m.group(1)
        if name not in captured:
            raise CaseError("nothing captured '%s'" % name)
        return captured[name]
    return PLACEHOLDER.sub(one, text)


def is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def show(v):
    s = json.dumps(v, sort_keys=True)
    return s if len(s) <= 300 else s[:300] + "..."


def capture_text(v):
    if isinstance(v, str):
        return v
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float) and math.isfinite(v) and v == int(v):
        return str(int(v))
    return repr(v)


def match(exp, got, where, diffs, captures):
    """Compare one value; differences appended to diffs."""
    if isinstance(exp, str) and exp == "*":
        return  # present: the caller saw the key
    if isinstance(exp, str) and exp.startswith("$capture:"):
        if isinstance(got, str) or is_number(got):
            captures[exp[len("$capture:"):]] = capture_text(got)
        else:
            diffs.append("%s: expected a string or number to capture, got %s"
                         % (where, show(got)))
        return
    if isinstance(exp, dict):
        if not isinstance(got, dict):
            diffs.append("%s: expected an object, got %s" % (where, show(got)))
            return
        if not exp:
            if got:
                diffs.append("%s: expected {}, got %s" % (where, show(got)))
            return
        for key, e in exp.items():
            sub = "%s.%s" % (where, key)
            if e == "$absent":
                if key in got:
                    diffs.append("%s: should be absent, got %s"
                                 % (sub, show(got[key])))
            elif key not in got:
                diffs.append("%s: missing, expected %s" % (sub, show(e)))
            else:
                match(e, got[key], sub, diffs, captures)
        return
    if isinstance(exp, list):
        if not isinstance(got, list):
            diffs.append("%s: expected an array, got %s" % (where, show(got)))
            return
        if len(got) != len(exp):
            diffs.append("%s: expected %d elements, got %d: %s"
                         % (where, len(exp), len(got), show(got)))
            return
        for i, (e, g) in enumerate(zip(exp, got)):
            match(e, g, "%s[%d]" % (where, i), diffs, captures)
        return
    if is_number(exp):
        if is_number(got) and (exp == got or (isinstance(exp, float) and
                                              math.isnan(exp) and
                                              isinstance(got, float) and
                                              math.isnan(got))):
            return
    elif type(exp) is type(got) and exp == got:
        return  # strings, booleans, null
    diffs.append("%s: expected %s, got %s" % (where, show(exp), show(got)))


def read_case(casedir, name, captured):
    try:
        with open(os.path.join(casedir, name + ".req"),
                  encoding="utf-8") as f:
            req = substitute(f.read(), captured)
        with open(os.path.join(casedir, name + ".expect"),
                  encoding="utf-8") as f:
            expect = substitute(f.read(), captured)
    except OSError as e:
        raise CaseError("cannot read the case: %s" % e)
    first, _, body = req.partition("\n")
    parts = first.split()
    if len(parts) != 2:
        raise CaseError("bad request line %r" % first)
    method, target = parts
    body = body if body.strip() else None
    if body is not None:
        try:
            json.loads(body)
        except ValueError as e:
            raise CaseError("the request body is not JSON: %s" % e)
    sline, _, ebody = expect.partition("\n")
    try:
        status = int(sline.strip())
        exp = json.loads(ebody)
    except ValueError as e:
        raise CaseError("bad .expect file: %s" % e)
    if not isinstance(exp, dict):
        raise CaseError("the expectation is not a JSON object")
    return method, target, body, status, exp


def run_case(client, casedir, name, captured):
    """A list of differences; empty when the case passed."""
    method, target, body, status, exp = read_case(casedir, name, captured)
    headers = {}
    data = None
    if body is not None:
        headers["Content-Type"] = "application/json"
        data = body.encode("utf-8")
    got_status, hdrs, raw = client.request(method, target, data, headers)
    text = raw.decode("utf-8", errors="replace")
    diffs = []
    try:
        got = json.loads(text)
    except ValueError:
        got = None
    if got_status != status:
        diffs.append("status %d, expected %d" % (got_status, status))
    if not isinstance(got, dict):
        diffs.append("the body is not a JSON object: %r" % text[:500])
    ctype = hdrs.get("content-type", "")
    if ctype.split(";")[0].strip() != "application/json":
        diffs.append("Content-Type %r, expected application/json" % ctype)
    if diffs:
        if isinstance(got, dict):
            diffs.append("body: %s" % text.strip()[:1000])
        return diffs
    captures = {}
    match(exp, got, "body", diffs, captures)
    captured.update(captures)
    if diffs and not diffs[0].startswith("body: expected"):
        diffs.append("body: %s" % json.dumps(got, sort_keys=True)[:1500])
    return diffs


def case_names(casedir):
    return sorted(f[:-4] for f in os.listdir(casedir) if f.endswith(".req"))


def emit(ok, n, name, lines=()):
    print("%s %d - %s" % ("ok" if ok else "not ok", n, name))
    for line in lines:
        for part in str(line).splitlines():
            print("#   " + part)
    sys.stdout.flush()


def find_cairn(arg):
    cairn = arg or os.environ.get("CAIRN") or os.path.join(
        HERE, "..", "..", "build", "cairn")
    if not os.access(cairn, os.X_OK):
        sys.exit("run.py: no cairn binary at '%s' (use --cairn or $CAIRN)"
                 % cairn)
    return os.path.abspath(cairn)


def run_corpus(server, casedir, verbose):
    names = case_names(casedir)
    captured = {}
    client = Client(server)
    passed = failed = n = 0
    dead = None
    for name in names:
        n += 1
        if dead:
            emit(False, n, name, ["not run: " + dead])
            failed += 1
            continue
        t0 = time.monotonic()
        try:
            diffs = run_case(client, casedir, name, captured)
        except CaseError as e:
            diffs = [str(e)]
        except (OSError, http.client.HTTPException) as e:
            diffs = ["request failed: %s: %s" % (type(e).__name__, e)]
            client.close()
            if server.died():
                dead = "the server died (exit %s)" % server.proc.returncode
                diffs.append(dead)
                diffs.append(server.stderr()[-3000:])
        if verbose:
            print("# %s: %.0f ms" % (name, (time.monotonic() - t0) * 1000))
        emit(not diffs, n, name, diffs)
        if diffs:
            failed += 1
        else:
            passed += 1
    client.close()
    if not names:
        emit(False, n + 1, "cases in %s" % casedir, ["no case found"])
        failed += 1
    return passed, failed, n


def main(argv):
    cairn = casedir = tmp = None
    verbose = False
    exec_cmd = None
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--exec":
            exec_cmd = argv[i + 1:]
            break
        if a in ("--cairn", "--cases", "--tmp") and i + 1 < len(argv):
            if a == "--cairn":
                cairn = argv[i + 1]
            elif a == "--cases":
                casedir = argv[i + 1]
            else:
                tmp = argv[i + 1]
            i += 2
            continue
        if a == "-v":
            verbose = True
            i += 1
            continue
        sys.exit(__doc__.split("\n\n")[2])
    cairn = find_cairn(cairn)
    casedir = casedir or os.path.join(HERE, "cases")
    if exec_cmd is None and not os.path.isdir(casedir):
        sys.exit("run.py: no case directory '%s'" % casedir)
    workdir = tempfile.mkdtemp(prefix="cairn-api-", dir=tmp)
    server = Server(cairn, workdir)
    try:
        try:
            t0 = time.monotonic()
            server.start()
        except ServerError as e:
            print("not ok 1 - start cairn server")
            for line in str(e).splitlines():
                print("#   " + line)
            server.stop()
            print("0 passed, 1 failed")
            return 1
        print("# cairn server on %s, /health after %.0f ms"
              % (server.url, (time.monotonic() - t0) * 1000))
        sys.stdout.flush()
        if exec_cmd is not None:
            env = dict(server.env)
            env["CAIRN_URL"] = server.url
            env["CAIRN_STORE"] = server.store
            try:
                rc = subprocess.call(exec_cmd, env=env)
            except OSError as e:
                print("run.py: cannot run %s: %s" % (exec_cmd[0], e))
                rc = 127
            problems = server.stop()
            if problems:
                print("# the server did not stop cleanly:")
                for p in problems:
                    for line in p.splitlines():
                        print("#   " + line)
                return rc or 1
            return rc
        passed, failed, n = run_corpus(server, casedir, verbose)
        problems = server.stop()
        emit(not problems, n + 1,
             "the server stops on SIGTERM with status 0, no sanitizer report",
             problems)
        if problems:
            failed += 1
        else:
            passed += 1
        print("%d passed, %d failed" % (passed, failed))
        return 1 if failed else 0
    finally:
        if server.alive():
            server.proc.kill()
            server.proc.wait()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
