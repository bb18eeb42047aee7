#!/bin/sh
# cairn server under bad input and load (issue 4): 1,000 keep-alive
# connections held open at once, each answered twice; slow clients that
# send half a request and stall do not hold up the others; a burst of
# malformed bodies (broken JSON, non-objects, wrong types, huge numbers,
# NUL bytes, invalid UTF-8, deep nesting) to many routes gets 4xx JSON
# envelopes only; SIGKILL under a load of log-metric requests loses
# nothing that was acknowledged. The clients are small python3 programs
# (standard library only) written into the scratch directory.
. "$TEST_DIRECTORY/lib.sh"

trap 'stop_server; rm -rf "$TRASH"' EXIT

PYTHON=/usr/bin/python3
[ -x "$PYTHON" ] || PYTHON=python3

# Stop the server of $TRASH/server.pid (SIGTERM) and keep what it said.
stop_server() {
	if [ -f "$TRASH/server.pid" ]; then
		spid=$(cat "$TRASH/server.pid")
		rm -f "$TRASH/server.pid"
		kill -TERM $spid 2>/dev/null || :
		n=0
		while kill -0 $spid 2>/dev/null && [ $n -lt 1000 ]; do
			sleep 0.01
			n=$((n + 1))
		done
		cat "$TRASH/server.err" >>"$TRASH/servers.log"
	fi
}

# Start `cairn server --port 0` on the store $1, read the port it printed
# and wait for /health. Writes $TRASH/server.pid and $TRASH/port.
start_server() {
	# Empty now: the child's redirection may come after the first read.
	: >"$TRASH/server.err"
	(cd "$1" && exec "$CAIRN" server --port 0) \
		>"$TRASH/server.out" 2>"$TRASH/server.err" &
	echo $! >"$TRASH/server.pid"
	n=0
	while [ $n -lt 1000 ]; do
		port=$(sed -n 's|^cairn server listening on http://127\.0\.0\.1:\([0-9]*\) .*|\1|p' \
			"$TRASH/server.err")
		if [ -n "$port" ] &&
		   [ "$(curl -s -m 2 "http://127.0.0.1:$port/health")" = OK ]; then
			echo $port >"$TRASH/port"
			return 0
		fi
		kill -0 $(cat "$TRASH/server.pid") 2>/dev/null || break
		sleep 0.01
		n=$((n + 1))
	done
	cat "$TRASH/server.err" >&2
	return 1
}

url() {
	echo "http://127.0.0.1:$(cat "$TRASH/port")$1"
}

# The server answers a normal request.
still_serving() {
	test "$(curl -s -m 30 "$(url /health)")" = OK &&
	curl -s -m 30 -o "$TRASH/body" -w "%{http_code}" \
		"$(url "/api/2.0/mlflow/experiments/get?experiment_id=0")" >code &&
	test "$(cat code)" = 200 && grep -q "\"name\":\"Default\"" "$TRASH/body"
}

# many.py PORT N: open N connections, all held open; then twice over,
# send GET /health on every one (keep-alive) and read every answer.
cat >"$TRASH/many.py" <<'EOF'
import resource, selectors, socket, sys, time

port, n = int(sys.argv[1]), int(sys.argv[2])
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
if soft != resource.RLIM_INFINITY and soft < n + 64:
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, n + 256), hard))
socks = [socket.create_connection(("127.0.0.1", port), timeout=20)
         for _ in range(n)]
req = b"GET /health HTTP/1.1\r\nHost: cairn\r\nConnection: keep-alive\r\n\r\n"
for rnd in (1, 2):
    for s in socks:
        s.setblocking(True)
        s.sendall(req)
    sel = selectors.DefaultSelector()
    got = {}
    for i, s in enumerate(socks):
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ, i)
        got[i] = b""
    # No fixed time for the round: a loaded machine answers slowly. Give
    # up only after a minute without one answer (the server drops a
    # connection idle that long, so one it ignores shows by then).
    done, end = 0, time.monotonic() + 60
    while done < n and time.monotonic() < end:
        for key, _ in sel.select(1):
            i = key.data
            d = key.fileobj.recv(4096)
            if not d:
                sys.exit("round %d: connection %d closed by the server"
                         % (rnd, i))
            got[i] += d
            head, sep, body = got[i].partition(b"\r\n\r\n")
            if sep and len(body) >= 2:
                sel.unregister(key.fileobj)
                done += 1
                end = time.monotonic() + 60
    sel.close()
    bad = [i for i in got if not (got[i].startswith(b"HTTP/1.1 200 ")
                                  and got[i].endswith(b"\r\n\r\nOK"))]
    if bad:
        sys.exit("round %d: %d of %d not answered OK, e.g. %r"
                 % (rnd, len(bad), n, got[bad[0]][:200]))
print("%d connections held open, each answered twice" % n)
for s in socks:
    s.close()
EOF

# slow.py PORT: stall 8 clients, each after part of a request, then check
# 20 normal requests are answered at once, then finish the stalled ones.
cat >"$TRASH/slow.py" <<'EOF'
import http.client, socket, sys, time

port = int(sys.argv[1])
body = b'{"name": "slow-%d"}'
parts = []
for i in range(8):
    b = body % i
    req = (b"POST /api/2.0/mlflow/experiments/create HTTP/1.1\r\n"
           b"Host: cairn\r\nContent-Type: application/json\r\n"
           b"Content-Length: %d\r\n\r\n%s" % (len(b), b))
    # Nothing sent yet, cut in the request line, the headers or the body.
    cut = (0, 40, 70, len(req) - len(b) + 3)[i % 4] + i
    parts.append((req[:cut], req[cut:]))
stalled = []
for first, _ in parts:
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(first)
    stalled.append(s)
time.sleep(0.3)
# A request held up by the stalled clients would wait until the server's
# 60 s idle timeout drops them (they send nothing more until these 20
# are answered), so 20 s tells that apart from a loaded machine's pace.
for i in range(20):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    t = time.monotonic()
    path = ("/health", "/api/2.0/mlflow/experiments/get?experiment_id=0")[i % 2]
    c.request("GET", path)
    r = c.getresponse()
    r.read()
    if r.status != 200:
        sys.exit("%s while clients stall: %d" % (path, r.status))
    if time.monotonic() - t > 20:
        sys.exit("%s took %.1f s while clients stall"
                 % (path, time.monotonic() - t))
    c.close()
for s, (_, rest) in zip(stalled, parts):
    s.sendall(rest)
for i, s in enumerate(stalled):
    f = s.makefile("rb")
    line = f.readline()
    if not line.startswith(b"HTTP/1.1 200 "):
        sys.exit("stalled client %d then got %r" % (i, line))
    s.close()
print("20 requests answered while 8 clients stalled; those then answered")
EOF

# bad.py PORT RUN: malformed bodies to many routes; every answer must be a
# 4xx JSON error envelope on a connection that goes on serving.
cat >"$TRASH/bad.py" <<'EOF'
import http.client, json, sys

port, run = int(sys.argv[1]), sys.argv[2].encode()
R = b'"run_id": "' + run + b'", '
# Bodies no route accepts.
broken = [
    b'{', b'}', b'{"name": ', b'{"name": "x",}', b"{'name': 'x'}",
    b'{"name": "x"} trailing', b'{"name": undefined}', b'nul',
    b'{"a": 1}{"b": 2}', b'{"name": "unterminated', b'{"name" "x"}',
    b'[]', b'[{"name": "x"}]', b'"a string"', b'"{\\"name\\": "',
    b'42', b'-0.5', b'true', b'false',
    b'{"name": 1e999}', b'{"n": 99999999999999999999999999999999}',
    b'{"n": -1e400}', b'{"n": 9223372036854775808}',
    b'\x00', b'{"name": "a\x00b"}', b'{"name": "x"}\x00',
    b'\x00{"name": "x"}', b'{"run_id": "ab\x00cd"}',
    b'{"name": "\xff\xfe"}', b'{"name": "\xc0\xaf"}',
    b'{"name": "\xed\xa0\x80"}', b'{"name": "\xf8\x88\x80\x80\x80"}',
    b'\xef\xbb\xbf\xff{}', b'\xff\xfe{\x00}\x00',
    b'{"name": "\\ud800"}', b'{"name": "\\udc00x"}', b'{"name": "\\u00"}',
    b'{"name": "\\q"}', b'{"name": "\\u0000"}',
    b'[' * 20000 + b']' * 20000, b'{"a":' * 5000 + b'1' + b'}' * 5000,
    b'{"name": "' + b'x' * 600000,
]
# Well-formed JSON with a wrong type, a huge number or a missing field.
typed = {
    "experiments/create": [
        b'{}', b'{"name": 5}', b'{"name": {"x": 1}}', b'{"name": true}',
        b'{"name": ""}', b'{"name": "t", "tags": 7}',
        b'{"name": "t", "tags": [5]}', b'{"name": "t", "tags": "x"}',
    ],
    "experiments/update": [
        b'{}', b'{"experiment_id": {"a": 1}, "new_name": "n"}',
        b'{"experiment_id": "0", "new_name": 5}',
        b'{"experiment_id": "9999999", "new_name": "n"}',
    ],
    "runs/create": [
        b'{"experiment_id": {"a": 1}}', b'{"experiment_id": true}',
        b'{"experiment_id": "0", "start_time": "soon"}',
        b'{"experiment_id": "0", "start_time": 1e300}',
        b'{"experiment_id": "0", "tags": "x"}',
        b'{"experiment_id": "0", "tags": [{"key": 5, "value": "v"}]}',
    ],
    "runs/log-metric": [
        b'{}', b'{"run_id": 5, "key": "k", "value": 1, "timestamp": 1}',
        R + b'"key": 5, "value": 1, "timestamp": 1}',
        R + b'"key": {"k": 1}, "value": 1, "timestamp": 1}',
        R + b'"key": "k", "value": {"v": 1}, "timestamp": 1}',
        R + b'"key": "k", "value": "abc", "timestamp": 1}',
        R + b'"key": "k", "value": true, "timestamp": 1}',
        R + b'"key": "k", "value": 1, "timestamp": true}',
        R + b'"key": "k", "value": 1, "timestamp": "x"}',
        R + b'"key": "k", "value": 1, "timestamp": 1e300}',
        R + b'"key": "k", "value": 1, "timestamp": 1, "step": "abc"}',
        R + b'"key": "k", "value": 1, "timestamp": 1, "step": 1e30}',
        R + b'"key": "k", "value": 1, "timestamp": 1, "step": 1.5}',
        R + b'"value": 1, "timestamp": 1}',
        R + b'"key": "k", "timestamp": 1}',
    ],
    "runs/log-batch": [
        R + b'"metrics": 5}', R + b'"metrics": [5]}',
        R + b'"metrics": [{"key": 1, "value": 1, "timestamp": 1}]}',
        R + b'"metrics": [{"key": "k", "value": "x", "timestamp": 1}]}',
        R + b'"metrics": [{"key": "k", "value": 1, "timestamp": 1e40}]}',
        R + b'"params": {"key": "a", "value": "b"}}',
        R + b'"params": [{"key": "a", "value": {"b": 1}}]}',
        R + b'"tags": "x"}', R + b'"tags": [{"key": ["a", "b"]}]}',
    ],
    "runs/set-tag": [
        b'{}', R + b'"key": {"k": 1}, "value": "v"}',
        R + b'"key": "k", "value": {"v": 1}}', R + b'"value": "v"}',
    ],
    "runs/log-parameter": [
        R + b'"key": 5, "value": "v"}', R + b'"key": "p", "value": {}}',
        R + b'"value": "v"}',
    ],
    "runs/update": [
        b'{}', R + b'"status": {"s": 1}, "end_time": "late"}',
        R + b'"end_time": {"t": 1}}',
    ],
    "runs/delete": [b'{}', b'{"run_id": 5}', b'{"run_id": {"r": 1}}'],
    "experiments/delete": [b'{}', b'{"experiment_id": {"e": 1}}'],
    "experiments/search": [
        b'{"max_results": "many"}', b'{"max_results": 1e300}',
        b'{"max_results": {"n": 1}}', b'{"filter": 5}',
        b'{"filter": "name = "}', b'{"order_by": "name"}',
    ],
    "runs/search": [
        b'{"experiment_ids": {"e": 1}}', b'{"experiment_ids": [{"e": 1}]}',
        b'{"experiment_ids": ["0"], "filter": 5}',
        b'{"experiment_ids": ["0"], "filter": "metrics.x >"}',
        b'{"experiment_ids": ["0"], "max_results": "many"}',
        b'{"experiment_ids": ["0"], "max_results": -1}',
    ],
}
n = fails = 0
statuses = {}
def conn():
    return http.client.HTTPConnection("127.0.0.1", port, timeout=20)
c = conn()
for route in sorted(typed):
    for prefix in ("/api/2.0/mlflow/", "/ajax-api/2.0/mlflow/"):
        for b in broken + typed[route]:
            n += 1
            what = "%s%s %r" % (prefix, route, b[:70])
            try:
                c.request("POST", prefix + route, body=b,
                          headers={"Content-Type": "application/json"})
                r = c.getresponse()
                data = r.read()
            except (OSError, http.client.HTTPException) as e:
                print("%s: %s" % (what, e))
                fails += 1
                c.close()
                c = conn()
                continue
            statuses[r.status] = statuses.get(r.status, 0) + 1
            why = None
            if not 400 <= r.status < 500:
                why = "status %d" % r.status
            elif r.getheader("Content-Type") != "application/json":
                why = "Content-Type %r" % r.getheader("Content-Type")
            else:
                try:
                    j = json.loads(data)
                except ValueError:
                    j = None
                if not (isinstance(j, dict)
                        and isinstance(j.get("error_code"), str)
                        and isinstance(j.get("message"), str)):
                    why = "not a JSON error envelope"
            if why:
                fails += 1
                print("%s: %s: %r" % (what, why, data[:200]))
            if r.will_close:
                c.close()
                c = conn()
print("%d malformed requests, %d answered wrongly; statuses %r"
      % (n, fails, sorted(statuses.items())))
sys.exit(1 if fails else 0)
EOF

# mixed.py PORT RUN GONE: 8 clients at once, each on its own keep-alive
# connection, interleave writes that must succeed (metrics at their own
# steps, params of their own) with writes that must fail (a run that does
# not exist, a deleted run, a param logged again with another value, a bad
# key), so that failing writes share group commits with good ones. Every
# answer must be the one the write gets alone, and afterwards exactly the
# good writes are stored.
cat >"$TRASH/mixed.py" <<'EOF'
import http.client, json, sys, threading, urllib.parse

port, run, gone = int(sys.argv[1]), sys.argv[2], sys.argv[3]
N, ROUNDS = 8, 40
errors = []

def post(c, route, obj):
    c.request("POST", "/api/2.0/mlflow/" + route, body=json.dumps(obj),
              headers={"Content-Type": "application/json"})
    r = c.getresponse()
    return r.status, json.loads(r.read() or b"{}")

def client(k):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        for i in range(ROUNDS):
            cases = [
                ("runs/log-metric", {"run_id": run, "key": "mixed-%d" % k,
                  "value": i + 0.5, "timestamp": 5000 + i, "step": i},
                 200, None),
                ("runs/log-metric", {"run_id": "f" * 32, "key": "m",
                  "value": 1, "timestamp": 1}, 404, "RESOURCE_DOES_NOT_EXIST"),
                ("runs/log-metric", {"run_id": gone, "key": "m", "value": 1,
                  "timestamp": 1}, 400, "INVALID_PARAMETER_VALUE"),
                ("runs/log-parameter", {"run_id": run,
                  "key": "p-%d-%d" % (k, i), "value": "v%d" % i}, 200, None),
                ("runs/log-parameter", {"run_id": run, "key": "fixed",
                  "value": "other-%d" % k}, 400, "INVALID_PARAMETER_VALUE"),
                ("runs/set-tag", {"run_id": run, "key": "bad//key",
                  "value": "x"}, 400, "INVALID_PARAMETER_VALUE"),
                ("runs/set-tag", {"run_id": run, "key": "t-%d" % k,
                  "value": str(i)}, 200, None),
            ]
            for route, obj, want, code in cases[i % 3:] + cases[:i % 3]:
                status, body = post(c, route, obj)
                if status != want or body.get("error_code") != code:
                    errors.append("client %d: %s %r: %d %r"
                                  % (k, route, obj, status, body))
    except (OSError, http.client.HTTPException) as e:
        errors.append("client %d: %s" % (k, e))

threads = [threading.Thread(target=client, args=(k,)) for k in range(N)]
for t in threads:
    t.start()
for t in threads:
    t.join()
if errors:
    sys.exit("%d wrong answers, e.g. %s" % (len(errors), errors[0]))

def get(route, **q):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    c.request("GET", "/api/2.0/mlflow/%s?%s" % (route,
                                                urllib.parse.urlencode(q)))
    return json.loads(c.getresponse().read())

data = get("runs/get", run_id=run)["run"]["data"]
params = {p["key"]: p["value"] for p in data.get("params", [])}
tags = {t["key"]: t["value"] for t in data.get("tags", [])}
for k in range(N):
    hist = get("metrics/get-history", run_id=run,
               metric_key="mixed-%d" % k).get("metrics", [])
    if sorted(m["step"] for m in hist) != list(range(ROUNDS)):
        sys.exit("client %d: metric steps %r" % (k, [m["step"] for m in hist]))
    for i in range(ROUNDS):
        if params.get("p-%d-%d" % (k, i)) != "v%d" % i:
            sys.exit("client %d: param p-%d-%d is %r"
                     % (k, k, i, params.get("p-%d-%d" % (k, i))))
    if tags.get("t-%d" % k) != str(ROUNDS - 1):
        sys.exit("client %d: tag is %r" % (k, tags.get("t-%d" % k)))
if params.get("fixed") != "original" or "bad//key" in tags:
    sys.exit("a failed write left a trace: %r" % params.get("fixed"))
if get("runs/get", run_id=gone)["run"]["data"].get("metrics"):
    sys.exit("a metric was logged to the deleted run")
print("%d writes from %d clients at once, each answered as alone"
      % (N * ROUNDS * 7, N))
EOF

# load.py PORT RUN C: client C logs metric "load-C" at steps 0, 1, ...
# over one keep-alive connection, appending each step answered 200 to
# ack-C (flushed before the next request), until the server goes away.
cat >"$TRASH/load.py" <<'EOF'
import http.client, json, os, sys

port, run, cl = int(sys.argv[1]), sys.argv[2], sys.argv[3]
fd = os.open("ack-%s" % cl, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
c = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
for step in range(20000):
    body = json.dumps({"run_id": run, "key": "load-" + cl,
                       "value": step * 0.5, "timestamp": 1000 + step,
                       "step": step})
    try:
        c.request("POST", "/api/2.0/mlflow/runs/log-metric", body=body,
                  headers={"Content-Type": "application/json"})
        r = c.getresponse()
        data = r.read()
    except (OSError, http.client.HTTPException):
        break
    if r.status != 200 or data != b"{}":
        sys.exit("step %d: %d %r" % (step, r.status, data))
    os.write(fd, b"%d\n" % step)
EOF

# check.py PORT RUN C...: every step in ack-C is in the history of load-C,
# with its value and timestamp, and nothing is there twice.
cat >"$TRASH/check.py" <<'EOF'
import json, sys, urllib.parse, urllib.request

port, run = int(sys.argv[1]), sys.argv[2]
total = stored = 0
for cl in sys.argv[3:]:
    acked = [int(l) for l in open("ack-" + cl)]
    q = urllib.parse.urlencode({"run_id": run, "metric_key": "load-" + cl})
    with urllib.request.urlopen("http://127.0.0.1:%d/api/2.0/mlflow/"
                                "metrics/get-history?%s" % (port, q),
                                timeout=20) as r:
        hist = json.load(r).get("metrics", [])
    steps = [m["step"] for m in hist]
    if len(steps) != len(set(steps)):
        sys.exit("client %s: a step stored twice" % cl)
    have = {m["step"]: m for m in hist}
    lost = [s for s in acked if s not in have]
    if lost:
        sys.exit("client %s: %d acknowledged points lost, e.g. step %d "
                 "(%d acked, %d stored)" % (cl, len(lost), lost[0],
                                            len(acked), len(hist)))
    for s in acked:
        m = have[s]
        if m["value"] != s * 0.5 or m["timestamp"] != 1000 + s:
            sys.exit("client %s: step %d stored as %r" % (cl, s, m))
    if len(hist) > len(acked) + 1:
        sys.exit("client %s: %d stored, only %d sent"
                 % (cl, len(hist), len(acked) + 1))
    total += len(acked)
    stored += len(hist)
print("%d acknowledged points, all present after SIGKILL (%d stored)"
      % (total, stored))
EOF

test_expect_success 'setup: a project, a run, a server on port 0' '
	mkdir p && cd p && cairn init >/dev/null &&
	cairn runs start --name faults >"$TRASH/run" &&
	cairn runs start --name load >"$TRASH/loadrun" &&
	start_server "$TRASH/p"
'
RUN=$(cat "$TRASH/run")
LOADRUN=$(cat "$TRASH/loadrun")

test_expect_success '1,000 keep-alive connections held open at once, all answered' '
	$PYTHON "$TRASH/many.py" $(cat "$TRASH/port") 1000 &&
	still_serving
'

test_expect_success 'clients stalled mid-request do not hold up the others' '
	$PYTHON "$TRASH/slow.py" $(cat "$TRASH/port") &&
	cd p && cairn experiments list >list &&
	for i in 0 1 2 3 4 5 6 7; do grep -q " slow-$i " list || exit 1; done &&
	still_serving
'

test_expect_success 'malformed bodies to many routes: 4xx JSON envelopes, never 5xx' '
	$PYTHON "$TRASH/bad.py" $(cat "$TRASH/port") $RUN &&
	still_serving &&
	cd p && cairn runs show $RUN >show &&
	grep -q "^status  *RUNNING" show && ! grep -q "^metrics" show
'

test_expect_success 'concurrent writes: a failing one fails alone, the others are stored' '
	(cd p && cairn runs start --name mixed >"$TRASH/mixedrun" &&
	 cairn runs start --name gone >"$TRASH/gonerun" &&
	 cairn log param --run $(cat "$TRASH/mixedrun") fixed=original) &&
	curl -sf -X POST -H "Content-Type: application/json" \
		--data-binary "{\"run_id\":\"$(cat "$TRASH/gonerun")\"}" \
		"$(url /api/2.0/mlflow/runs/delete)" >/dev/null &&
	$PYTHON "$TRASH/mixed.py" $(cat "$TRASH/port") $(cat "$TRASH/mixedrun") \
		$(cat "$TRASH/gonerun")
'

test_expect_success 'SIGKILL under load: every acknowledged point survives' '
	port=$(cat "$TRASH/port") &&
	for c in 1 2 3 4; do
		: >ack-$c &&
		{ $PYTHON "$TRASH/load.py" $port $LOADRUN $c 2>load-$c.err;
		  echo $? >load-$c.rc; } &
	done &&
	n=0 &&
	while [ $(cat ack-1 ack-2 ack-3 ack-4 | wc -l) -lt 400 ]; do
		test $n -lt 3000 || { echo "no load after 30 s" >&2; exit 1; }
		sleep 0.01
		n=$((n + 1))
	done &&
	kill -KILL $(cat "$TRASH/server.pid") &&
	wait &&
	for c in 1 2 3 4; do
		cat load-$c.err >&2
		test "$(cat load-$c.rc)" = 0 || exit 1
	done &&
	cat "$TRASH/server.err" >>"$TRASH/servers.log" &&
	rm "$TRASH/server.pid" &&
	echo "acked: $(cat ack-1 ack-2 ack-3 ack-4 | wc -l)" &&
	start_server "$TRASH/p" &&
	$PYTHON "$TRASH/check.py" $(cat "$TRASH/port") $LOADRUN 1 2 3 4 \
		>"$TRASH/load.summary" &&
	cd p && cairn metrics history $LOADRUN load-1 --json >h1 &&
	test $(grep -c "\"step\":" h1) -ge $(wc -l <../ack-1) &&
	still_serving
'

echo "# $(cat "$TRASH/load.summary" 2>/dev/null)"

test_expect_success 'the servers reported no sanitizer errors' '
	stop_server &&
	grep -q "stopping (SIGTERM)" "$TRASH/servers.log" &&
	! grep -q "Sanitizer\|runtime error" "$TRASH/servers.log"
'

test_done
