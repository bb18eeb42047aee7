#!/bin/sh
# cairn server, driven with curl: start on a free loopback port (a taken
# one fails clearly) and a healthy /health soon after; /health, /version;
# the JSON envelopes (404, 405, Content-Type, malformed JSON, 413);
# tracking routes under both prefixes; the artifact proxy (a 20 MB round
# trip, listing, delete, /get-artifact, content types, traversal, a wrong
# experiment, multipart 501) with the CLI using the same store at the same
# time; keep-alive; SIGTERM letting an upload in flight finish.
. "$TEST_DIRECTORY/lib.sh"

trap 'stop_server; rm -rf "$TRASH"' EXIT

# Stop the server of $TRASH/server.pid and keep what it said.
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

# Start `cairn server` in $1 (with any further options) on a free port,
# trying ports from a random base until one binds, and wait for /health.
# Sets $pid; writes $TRASH/port and $TRASH/startup_ms.
start_server() {
	dir=$1
	shift
	base=$(( $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 20000 + 20000 ))
	try=0
	while [ $try -lt 20 ]; do
		port=$((base + try))
		try=$((try + 1))
		start=$(date +%s%N)
		(cd "$dir" && exec "$CAIRN" server --port $port "$@") \
			>"$TRASH/server.out" 2>"$TRASH/server.err" &
		pid=$!
		n=0
		while [ $n -lt 400 ]; do
			if [ "$(curl -s -m 1 "http://127.0.0.1:$port/health")" = OK ]; then
				echo $(( ($(date +%s%N) - start) / 1000000 )) \
					>"$TRASH/startup_ms"
				echo $port >"$TRASH/port"
				return 0
			fi
			kill -0 $pid 2>/dev/null || break
			sleep 0.01
			n=$((n + 1))
		done
		kill $pid 2>/dev/null || :
		wait $pid 2>/dev/null || :
		# Only a port in use is worth another try.
		grep -q "Address already in use" "$TRASH/server.err" || {
			cat "$TRASH/server.err" >&2
			return 1
		}
	done
	echo "no free port from $base" >&2
	return 1
}

url() {
	echo "http://127.0.0.1:$(cat "$TRASH/port")$1"
}

# curl, printing the status; the body lands in body, the headers in headers.
http() {
	curl -s -o "$TRASH/body" -D "$TRASH/headers" -w '%{http_code}' "$@"
}

header() {
	grep -i "^$1:" "$TRASH/headers" | cut -d' ' -f2- | tr -d '\r'
}

body_has() {
	grep -q -- "$1" "$TRASH/body" || {
		echo "body lacks '$1':" >&2
		cat "$TRASH/body" >&2
		return 1
	}
}

test_expect_success 'setup: a project, a run, a server on a free port' '
	mkdir p && cd p && cairn init >/dev/null &&
	cairn runs start --name art >"$TRASH/run" &&
	start_server "$TRASH/p" &&
	echo $pid >"$TRASH/server.pid" &&
	port=$(cat "$TRASH/port") &&
	grep -q "cairn server listening on http://127.0.0.1:$port (store $TRASH/p)" \
		"$TRASH/server.err"
'
echo "# server started, /health answered after $(cat "$TRASH/startup_ms" 2>/dev/null) ms"
RUN=$(cat "$TRASH/run")
A=/api/2.0/mlflow-artifacts/artifacts

test_expect_success 'start to a healthy /health is quick' '
	test "$(cat "$TRASH/startup_ms")" -lt 3000
'

test_expect_success 'a port in use: a clear error, exit 1' '
	cd p && port=$(cat "$TRASH/port") &&
	test_must_fail 1 cairn server --port $port &&
	test_stderr_contains "cannot listen on 127.0.0.1:$port: Address already in use"
'

test_expect_success 'usage and store errors' '
	test_must_fail 129 cairn server --port 70000 &&
	test_must_fail 129 cairn server --workers 0 &&
	test_must_fail 129 cairn server extra &&
	test_must_fail 128 cairn server --store "$TRASH/nowhere" &&
	test_stderr_contains "not a cairn project"
'

test_expect_success '/health and /version are text' '
	test "$(http "$(url /health)")" = 200 && test "$(cat "$TRASH/body")" = OK &&
	header Content-Type | grep -q "^text/plain" &&
	test "$(http "$(url /version)")" = 200 &&
	test "cairn version $(cat "$TRASH/body")" = "$(cairn version)"
'

test_expect_success 'unknown route: 404, JSON envelope' '
	test "$(http "$(url /api/2.0/mlflow/no-such-thing)")" = 404 &&
	test "$(header Content-Type)" = application/json &&
	body_has "\"error_code\":\"ENDPOINT_NOT_FOUND\"" &&
	test "$(http "$(url /nothing/here)")" = 404 &&
	body_has ENDPOINT_NOT_FOUND
'

test_expect_success 'known path, wrong method: 405, JSON envelope, Allow' '
	test "$(http -X POST -H "Content-Type: application/json" -d "{}" \
		"$(url $A)")" = 405 &&
	test "$(header Allow)" = GET && body_has ENDPOINT_NOT_FOUND &&
	test "$(http -X DELETE "$(url /health)")" = 405 &&
	test "$(header Content-Type)" = application/json
'

test_expect_success 'tracking routes under /api/2.0 and /ajax-api/2.0' '
	test "$(http "$(url "/api/2.0/mlflow/experiments/get?experiment_id=0")")" = 200 &&
	body_has "\"name\":\"Default\"" &&
	test "$(http "$(url "/ajax-api/2.0/mlflow/experiments/get?experiment_id=0")")" = 200 &&
	body_has "\"name\":\"Default\""
'

test_expect_success 'POST without Content-Type, or not JSON: 400' '
	mpu=$(url /api/2.0/mlflow-artifacts/mpu/create/0/x/artifacts/f) &&
	test "$(http -X POST -H "Content-Type:" "$mpu")" = 400 &&
	body_has "Bad Request. Content-Type header is missing." &&
	body_has INVALID_PARAMETER_VALUE &&
	test "$(http -H "Content-Type: text/plain" -d "{}" "$mpu")" = 400 &&
	body_has "Content-Type must be one of \[.application/json.\]" &&
	test "$(http -d "{}" "$mpu")" = 400 &&
	test "$(http -H "Content-Type: application/json; charset=utf-8" \
		-d "{\"path\": \"x\"}" "$mpu")" = 501 &&
	body_has "Multipart upload is not supported for the current artifact repository" &&
	body_has NOT_IMPLEMENTED
'

test_expect_success 'malformed JSON: 400 INVALID_PARAMETER_VALUE' '
	test "$(http -H "Content-Type: application/json" -d "{\"name\": " \
		"$(url /api/2.0/mlflow/experiments/create)")" = 400 &&
	body_has INVALID_PARAMETER_VALUE && body_has "Malformed JSON" &&
	test "$(http -H "Content-Type: application/json" -d "[1]" \
		"$(url /api/2.0/mlflow/experiments/create)")" = 400 &&
	body_has INVALID_PARAMETER_VALUE
'

test_expect_success 'a body over 1 MiB: 413 with a JSON envelope' '
	head -c 2000000 /dev/zero | tr "\0" " " >big.json &&
	test "$(http -H "Content-Type: application/json" --data-binary @big.json \
		"$(url /api/2.0/mlflow/experiments/create)")" = 413 &&
	test "$(header Content-Type)" = application/json &&
	body_has "exceeds the limit of 1048576 bytes" &&
	test "$(http -H "Expect:" -H "Content-Type: application/json" \
		--data-binary @big.json "$(url /api/2.0/mlflow/runs/log-batch)")" = 413
'

test_expect_success 'artifact upload and download: 20 MB round trip' '
	make_random big.bin 20971520 &&
	a=$(url "$A/0/$RUN/artifacts/data/big.bin") &&
	test "$(http -T big.bin "$a")" = 200 && test "$(cat "$TRASH/body")" = "{}" &&
	test "$(curl -s -o got.bin -D "$TRASH/headers" -w "%{http_code}" "$a")" = 200 &&
	cmp big.bin got.bin &&
	test "$(header Content-Type)" = application/octet-stream &&
	test "$(header Content-Disposition)" = "attachment; filename=big.bin" &&
	test "$(header X-Content-Type-Options)" = nosniff &&
	test "$(header Content-Length)" = 20971520
'

test_expect_success 'the CLI sees what the server stored, and the other way' '
	cd p && cairn artifacts list art data >out && grep "20.0 MiB  data/big.bin" out &&
	echo from-cli >cli.txt && cairn log artifact --run art --path data cli.txt &&
	test "$(http "$(url "$A?path=0/$RUN/artifacts/data")")" = 200 &&
	body_has "{\"path\":\"big.bin\",\"is_dir\":false,\"file_size\":20971520}" &&
	body_has "{\"path\":\"cli.txt\",\"is_dir\":false,\"file_size\":9}"
'

test_expect_success 'listing: basenames, the levels above, {} for nothing' '
	test "$(http "$(url "$A?path=0/$RUN/artifacts")")" = 200 &&
	body_has "{\"files\":\[{\"path\":\"data\",\"is_dir\":true}\]}" &&
	test "$(http "$(url "$A?path=0/$RUN")")" = 200 &&
	body_has "{\"path\":\"artifacts\",\"is_dir\":true}" &&
	test "$(http "$(url "$A?path=0")")" = 200 &&
	body_has "{\"path\":\"$RUN\",\"is_dir\":true}" &&
	test "$(http "$(url "$A?path=0/$RUN/artifacts/none")")" = 200 &&
	test "$(cat "$TRASH/body")" = "{}" &&
	test "$(http "$(url "$A?path=0/$RUN/artifacts/data/big.bin")")" = 200 &&
	test "$(cat "$TRASH/body")" = "{}"
'

test_expect_success '/get-artifact serves a run artifact' '
	test "$(curl -s -o got2.bin -w "%{http_code}" \
		"$(url "/get-artifact?path=data/big.bin&run_uuid=$RUN")")" = 200 &&
	cmp big.bin got2.bin &&
	test "$(http "$(url "/get-artifact?path=data/none&run_id=$RUN")")" = 404 &&
	body_has RESOURCE_DOES_NOT_EXIST
'

test_expect_success 'content types follow MLflow: text for .txt, MLmodel, .yaml' '
	printf "artifact_path: model\n" >MLmodel &&
	for f in MLmodel notes.txt conda.yaml; do
		cp MLmodel $f 2>/dev/null || :
		a=$(url "$A/0/$RUN/artifacts/model/$f") &&
		test "$(http -T $f "$a")" = 200 &&
		test "$(http "$a")" = 200 && cmp $f "$TRASH/body" &&
		test "$(header Content-Type)" = text/plain &&
		test "$(header Content-Disposition)" = "attachment; filename=$f" || exit 1
	done
'

test_expect_success 'delete an artifact, then it is gone' '
	a=$(url "$A/0/$RUN/artifacts/data/big.bin") &&
	test "$(http -X DELETE "$a")" = 200 && test "$(cat "$TRASH/body")" = "{}" &&
	test "$(http "$a")" = 404 && body_has RESOURCE_DOES_NOT_EXIST &&
	test "$(http -X DELETE "$a")" = 404
'

test_expect_success 'traversal and other unsafe paths: 400 Invalid path' '
	p="$A/0/$RUN/artifacts" &&
	for bad in "../../../x" "a/%2e%2e/%2e%2e/%2e%2e/x" "%252e%252e/x" \
		   "a%5cb" "a%23b" "a%00b" "%2e%2e%5c%2e%2e"; do
		test "$(http --path-as-is "$(url "$p/$bad")")" = 400 &&
		body_has "Invalid path" &&
		test "$(http --path-as-is -T MLmodel "$(url "$p/$bad")")" = 400 &&
		body_has "Invalid path" || exit 1
	done &&
	test "$(http -T MLmodel "$(url "$A/%2Fetc%2Fx")")" = 400 &&
	test "$(http "$(url "$A?path=/etc")")" = 400 &&
	test "$(http "$(url "$A?path=0/..%2F..")")" = 400 &&
	test "$(http "$(url "/get-artifact?path=../x&run_id=$RUN")")" = 400 &&
	body_has "Invalid path"
'

test_expect_success 'a run in another experiment, an unknown run: 4xx' '
	test "$(http "$(url "$A/5/$RUN/artifacts/model/MLmodel")")" = 404 &&
	test "$(http -T MLmodel "$(url "$A/5/$RUN/artifacts/m")")" = 400 &&
	test "$(http -T MLmodel "$(url "$A/0/0123abcd/artifacts/m")")" = 404 &&
	test "$(http -T MLmodel "$(url "$A/0/$RUN/m")")" = 400
'

test_expect_success 'keep-alive: two requests, one connection' '
	curl -s -o /dev/null -o /dev/null -w "%{num_connects}\n" \
		"$(url /health)" "$(url "/api/2.0/mlflow/experiments/get?experiment_id=0")" >conns &&
	test "$(cat conns)" = "$(printf "1\n0")"
'

test_expect_success 'SIGTERM: stops accepting, lets an upload in flight finish, exits 0' '
	stop_server
	start_server "$TRASH/p"
	make_random slow.bin 3000000
	a=$(url "$A/0/$RUN/artifacts/slow.bin")
	# In flight means the server has read the request: it answered
	# "100 Continue", which curl waits for before sending the body. A
	# fixed sleep let a slow start of curl meet an already closed port.
	(curl -sv --limit-rate 2M -H "Expect: 100-continue" \
		--expect100-timeout 60 -T slow.bin "$a" >upload.out 2>upload.err
	 echo $? >upload.rc) &
	up=$!
	n=0
	while ! grep -q "^< HTTP/1.1 100" upload.err 2>/dev/null; do
		n=$((n + 1))
		test $n -lt 3000 || { cat upload.err; exit 1; }
		sleep 0.01
	done
	kill -TERM $pid
	wait $up
	test "$(cat upload.rc)" = 0
	test "$(cat upload.out)" = "{}"
	status=0
	wait $pid || status=$?
	test $status = 0
	grep -q "stopping (SIGTERM)" "$TRASH/server.err"
	test "$(curl -s -m 2 "$(url /health)")" != OK
	cd p && cairn artifacts get art slow.bin back.bin && cmp ../slow.bin back.bin
'

test_expect_success 'the servers reported no sanitizer errors' '
	cat "$TRASH/server.err" >>"$TRASH/servers.log" &&
	grep -q "stopping (SIGTERM)" "$TRASH/servers.log" &&
	! grep -q "Sanitizer\|runtime error" "$TRASH/servers.log"
'

test_done
