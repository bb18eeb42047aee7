#!/usr/bin/python3
"""lib-tamper-proxy.py: an HTTP proxy for the tests that stands between a
cairn client and a cairn server and alters one byte of every registered
model file it passes on (GET .../mlflow-artifacts/artifacts/registered-models/...),
as a broken cache or a tampering middlebox would; everything else passes
unchanged.

    lib-tamper-proxy.py UPSTREAM PORTFILE

Listens on a free loopback port, written to PORTFILE once it accepts
connections. GET only (what a download uses). Standard library only.
"""

import http.server
import os
import sys
import urllib.error
import urllib.request

UPSTREAM, PORTFILE = sys.argv[1], sys.argv[2]


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        try:
            with urllib.request.urlopen(UPSTREAM + self.path) as r:
                body, status, ctype = r.read(), r.status, r.headers.get("Content-Type")
        except urllib.error.HTTPError as e:
            body, status, ctype = e.read(), e.code, e.headers.get("Content-Type")
        if "/mlflow-artifacts/artifacts/registered-models/" in self.path and body:
            body = bytes([body[0] ^ 1]) + body[1:]
        self.send_response(status)
        self.send_header("Content-Type", ctype or "application/octet-stream")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
with open(PORTFILE + ".tmp", "w") as f:
    f.write(str(server.server_port))
os.rename(PORTFILE + ".tmp", PORTFILE)
server.serve_forever()
