#!/bin/sh
# The cairn CLI against a flaky path to a server: a small HTTP relay
# (python3, standard library) in front of a real `cairn server` answers
# some requests itself, as a failing proxy or server would. Transient
# failures (503, a connection dropped before the answer) are retried and
# the command succeeds; a server that keeps failing gives a clear error
# after four attempts; a 4xx is never retried; a request that appends a
# record (a deployment's event) is not sent again once the server may have
# carried it out; the calls of one command share one connection; an
# MLflow server (no cairn routes) is named as not a cairn server.
. "$TEST_DIRECTORY/lib.sh"
. "$TEST_DIRECTORY/lib-server.sh"

trap 'kill $(cat "$TRASH/relay.pid" 2>/dev/null) 2>/dev/null; server_stop_all; rm -rf "$TRASH"' EXIT

PYTHON=/usr/bin/python3
[ -x "$PYTHON" ] || PYTHON=python3

# The relay: forwards to the server on port argv[1], unless the first
# word of the file "mode" says otherwise for this request:
#   pass        forward
#   503 N       answer 503 (text) to the next N requests, then forward
#   400         answer 400 with an MLflow error body
#   mlflow      answer 404 to cairn's own routes, as an MLflow server does
#   drop N      close the next N connections without an answer
#   lose N      forward the next N requests, then close without the answer
# Each request appends "CONN METHOD PATH STATUS" to the file "requests".
cat >"$TRASH/relay.py" <<\PY
import http.client, http.server, sys, threading

backend = int(sys.argv[1])
lock = threading.Lock()
conns = [0]

def take_mode():
    with lock:
        words = open("mode").read().split()
        if words and words[0] in ("503", "drop", "lose"):
            n = int(words[1])
            with open("mode", "w") as f:
                f.write("%s %d" % (words[0], n - 1) if n > 1 else "pass")
        return words[0] if words else "pass"

class Relay(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self):
        super().setup()
        with lock:
            conns[0] += 1
            self.conn_id = conns[0]

    def log_message(self, *args):
        pass

    def note(self, status):
        with lock:
            with open("requests", "a") as f:
                f.write("%d %s %s %s\n" % (self.conn_id, self.command,
                                          self.path.split("?")[0], status))

    def reply(self, status, body, ctype):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.note(status)

    def relay(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else None
        mode = take_mode()
        if mode == "drop":
            self.note("dropped")
            self.close_connection = True
            self.connection.close()
            return
        if mode == "503":
            return self.reply(503, b"Service Unavailable", "text/plain")
        if mode == "mlflow" and self.path.startswith("/api/2.0/cairn/"):
            return self.reply(404, b'{"error_code": "ENDPOINT_NOT_FOUND", '
                              b'"message": "Not found"}', "application/json")
        if mode == "400":
            return self.reply(400, b'{"error_code": "INVALID_PARAMETER_VALUE", '
                              b'"message": "refused by the relay"}', "application/json")
        c = http.client.HTTPConnection("127.0.0.1", backend)
        headers = {}
        if self.headers.get("Content-Type"):
            headers["Content-Type"] = self.headers["Content-Type"]
        c.request(self.command, self.path, body, headers)
        r = c.getresponse()
        answer = r.read()
        c.close()
        if mode == "lose":
            self.note("lost")
            self.close_connection = True
            self.connection.close()
            return
        self.reply(r.status, answer, r.getheader("Content-Type") or "text/plain")

    do_GET = do_POST = do_PUT = do_DELETE = relay

s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Relay)
open("relay.port.tmp", "w").write(str(s.server_address[1]))
import os
os.rename("relay.port.tmp", "relay.port")
s.serve_forever()
PY

# Set the relay's mode and forget the requests it saw.
mode() {
	echo "$*" >"$TRASH/mode" && : >"$TRASH/requests"
}

test_expect_success 'setup: a server, a relay in front of it, a run' '
	mkdir srv && (cd srv && cairn init >/dev/null) &&
	server_start "$TRASH/srv" srv && mode pass &&
	($PYTHON relay.py "$(cat srv.port)" >relay.log 2>&1 & echo $! >relay.pid) &&
	n=0 && while [ ! -f relay.port ] && [ $n -lt 500 ]; do sleep 0.01; n=$((n + 1)); done &&
	echo "http://127.0.0.1:$(cat relay.port)" >relay.uri &&
	CAIRN_TRACKING_URI=$(cat relay.uri) cairn runs start --name r1 >/dev/null &&
	CAIRN_TRACKING_URI=$(cat relay.uri) cairn log param --run r1 lr=0.1
'
R=$(cat "$TRASH/relay.uri" 2>/dev/null)

test_expect_success 'one command, one connection' '
	mode pass && CAIRN_TRACKING_URI=$R cairn runs show r1 >out &&
	grep "^  lr  *0.1$" out && test $(wc -l <requests) -ge 2 &&
	test $(cut -d" " -f1 requests | sort -u | wc -l) = 1
'

test_expect_success 'two 503s are retried; the command succeeds' '
	mode 503 2 && CAIRN_TRACKING_URI=$R cairn experiments list >out &&
	grep "^0  *Default" out &&
	test "$(cut -d" " -f4 requests | tr "\n" " ")" = "503 503 200 "
'

test_expect_success 'a connection dropped before the answer is retried' '
	mode drop 1 && CAIRN_TRACKING_URI=$R cairn log metric --run r1 loss=0.5 &&
	test "$(cut -d" " -f4 requests | tr "\n" " ")" = "dropped 200 200 " &&
	CAIRN_TRACKING_URI=$R cairn runs show r1 | grep "^  loss  *0.5 "
'

test_expect_success 'an event whose answer is lost is not recorded twice' '
	mode pass && CAIRN_TRACKING_URI=$R cairn deployments set web \
		--model models:/m@production --reason "go live" &&
	mode lose 1 && test_must_fail 1 env CAIRN_TRACKING_URI=$R "$CAIRN" \
		deployments record web start --details "{\"role\": \"primary\"}" &&
	test_stderr_contains "may have carried the request out, so it is not sent again" &&
	test "$(cut -d" " -f4 requests | tr "\n" " ")" = "lost " &&
	mode pass && CAIRN_TRACKING_URI=$R cairn deployments show web >out &&
	test $(grep -c "deployment.start" out) = 1
'

test_expect_success 'a server that keeps failing: four attempts, a clear error' '
	mode 503 100 && test_must_fail 1 env CAIRN_TRACKING_URI=$R "$CAIRN" experiments list &&
	test_stderr_contains "error: the cairn server at $R answered HTTP 503" &&
	test $(wc -l <requests) = 4
'

test_expect_success 'a 4xx is not retried, and its message is shown' '
	mode 400 && test_must_fail 1 env CAIRN_TRACKING_URI=$R "$CAIRN" experiments list &&
	test_stderr_contains "error: refused by the relay" &&
	test $(wc -l <requests) = 1
'

test_expect_success 'log metrics - from a file: batches of 1000 points' '
	awk "BEGIN { for (i = 1; i <= 2500; i++) printf \"{\\\"step\\\": %d, \\\"m\\\": %d}\\n\", i, i }" >points &&
	test $(wc -l <points) = 2500 &&
	mode pass && CAIRN_TRACKING_URI=$R cairn log metrics --run r1 - <points &&
	test $(grep -c "log-batch 200" requests) = 3 &&
	CAIRN_TRACKING_URI=$R cairn metrics history r1 m --json >h &&
	test $(grep -c "\"step\"" h) = 2500
'

test_expect_success 'log metrics -: a bad line stops there, what came before lands' '
	awk "BEGIN { for (i = 1; i <= 1500; i++) printf \"{\\\"step\\\": %d, \\\"n\\\": %d}\\n\", i, i;
		print \"{\\\"step\\\": 1501, \\\"a//b\\\": 1}\" }" >points &&
	mode pass && test_must_fail 1 env CAIRN_TRACKING_URI=$R "$CAIRN" log metrics --run r1 - <points &&
	test_stderr_contains "stdin line 1501: Invalid metric name" &&
	CAIRN_TRACKING_URI=$R cairn metrics history r1 n --json >h &&
	test $(grep -c "\"step\"" h) = 1500
'

test_expect_success 'a server without cairn routes is named as such' '
	mode mlflow && CAIRN_TRACKING_URI=$R cairn experiments list >/dev/null &&
	test_must_fail 1 env CAIRN_TRACKING_URI=$R "$CAIRN" runs show r1 &&
	test_stderr_contains "$R has no route /api/2.0/cairn/runs/resolve: is it a cairn server?"
'

test_done
