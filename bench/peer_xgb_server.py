#!/usr/bin/python3
"""bench/peer_xgb_server.py: the peer of bench/serve.sh, a Python scoring
server for an XGBoost model as `mlflow models serve` would be one (MLflow
itself cannot be installed here).

It answers what MLflow's scoring server answers for the benchmark's bodies:
POST /invocations with a JSON body in MLflow's "dataframe_split" form
({"dataframe_split": {"columns": [...], "data": [[...], ...]}}), answered
{"predictions": [...]}, the probability of class 1 per row; and GET /ping.
The model is read from an MLflow model directory (MODEL_DIR/model.json or
model.ubj, as lib-serve.sh writes it) into an xgboost.Booster once, and
each request is JSON decoding, a float64 numpy array (columns put in the
model's feature order), Booster.inplace_predict() and JSON encoding: the
work MLflow's pyfunc does for this flavor, without its pandas DataFrame,
so the peer is if anything faster than MLflow.

Serving: http.server.ThreadingHTTPServer (a thread per connection) with
HTTP/1.1 keep-alive and TCP_NODELAY, the friendliest set-up the standard
library has (its default HTTP/1.0 would close the connection after every
request; MLflow's gunicorn sync workers close it too). Run it with Debian's /usr/bin/python3,
which has python3-xgboost.

Usage: peer_xgb_server.py MODEL_DIR PORT   (PORT 0: any free port)
Prints "listening on http://127.0.0.1:PORT" on stderr once it accepts
connections; stops on SIGTERM or SIGINT.
"""

import json
import os
import signal
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# Debian's python3-pandas-lib without python3-pandas leaves a namespace
# package "pandas" that has no DataFrame and breaks xgboost's data checks.
try:
    import pandas
    pandas.DataFrame
except (ImportError, AttributeError):
    sys.modules["pandas"] = None

import numpy as np
import xgboost

MAX_BODY = 64 << 20


def load(model_dir):
    for name in ("model.json", "model.ubj"):
        path = os.path.join(model_dir, name)
        if os.path.exists(path):
            booster = xgboost.Booster()
            booster.load_model(path)
            return booster
    sys.exit(f"peer: no model.json or model.ubj in {model_dir}")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes: without TCP_NODELAY the
    # second waits for the client's delayed ACK (40 ms a request).
    disable_nagle_algorithm = True
    booster = None
    features = None

    def log_message(self, fmt, *args):  # no access log, as with --no-log
        pass

    def answer(self, status, obj):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def error(self, status, message):
        self.answer(status, {"error_code": "BAD_REQUEST", "message": message})

    def do_GET(self):
        if self.path in ("/ping", "/health"):
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()
        else:
            self.error(404, "not found")

    def do_POST(self):
        if self.path != "/invocations":
            return self.error(404, "not found")
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            return self.error(413, "body too large")
        try:
            req = json.loads(self.rfile.read(length))
            split = req["dataframe_split"]
            x = np.asarray(split["data"], dtype=np.float64)
            if x.ndim != 2:
                raise ValueError("data is not a list of rows")
            columns = split.get("columns")
            if columns and self.features and columns != self.features:
                x = x[:, [columns.index(f) for f in self.features]]
        except (ValueError, KeyError, TypeError) as e:
            return self.error(400, f"bad input: {e}")
        y = self.booster.inplace_predict(x)
        self.answer(200, {"predictions": y.tolist()})


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: peer_xgb_server.py MODEL_DIR PORT")
    Handler.booster = load(sys.argv[1])
    Handler.features = Handler.booster.feature_names
    server = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[2])), Handler)
    server.daemon_threads = True

    def stop(signum, frame):
        threading.Thread(target=server.shutdown).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"listening on http://127.0.0.1:{server.server_address[1]}",
          file=sys.stderr, flush=True)
    server.serve_forever()
    server.server_close()


if __name__ == "__main__":
    main()
