#!/bin/sh
# cairn serve: a real XGBoost model trained in the set-up, registered,
# promoted and served. Predictions match what Python's xgboost computes
# from the same files, in every input format of MLflow's scoring
# protocol, CSV and the Open Inference Protocol v2; every answer names
# its version; bad input gets the right status (400, 404, 405, 413, 415)
# and a JSON error; /metrics counts it all; SIGTERM stops it cleanly and
# the deployment records the start and the stop.
. "$TEST_DIRECTORY/lib.sh"
. "$TEST_DIRECTORY/lib-serve.sh"
. "$TEST_DIRECTORY/lib-serve-run.sh"
trap 'serve_stop_all; rm -rf "$TRASH"' EXIT

ROWS='[[0.5, -1.0, 0.25, 2.0], [-1.5, 0.3, 1.0, -0.5]]'

# The predictions on stdin equal Python's for ROWS (want.json), within 1e-6.
same_as_python() {
	$SERVE_PY -c '
import json, sys
got = json.load(sys.stdin)
got = got["predictions"] if isinstance(got, dict) and "predictions" in got else got
want = json.load(open("'"$TRASH"'/want.json"))
assert len(got) == len(want), (got, want)
for g, w in zip(got, want):
    assert abs(g - w) < 1e-6, (got, want)
'
}

test_expect_success 'setup: an XGBoost model registered and in production' '
	mkdir p && cd p && cairn init >/dev/null &&
	serve_train_xgb m1 && serve_predict_py m1 "$ROWS" >../want.json &&
	cairn models create churn &&
	cairn models register churn --from m1 >/dev/null &&
	cairn models promote churn 1 --to production --reason first
'

test_expect_success 'serve starts, prints its URL and answers ping, health, version' '
	serve_run p s models:/churn@production &&
	grep "deployment churn serving churn/1 (models:/churn@production) on http://127.0.0.1:" s.err &&
	url=$(serve_url s) &&
	test "$(curl -s -o body -w "%{http_code}" $url/ping)" = 200 && test "$(cat body)" = "" &&
	test "$(curl -s -o /dev/null -w "%{http_code}" $url/health)" = 200 &&
	curl -s $url/version | grep "^[0-9]*\.[0-9]*\.[0-9]*$"
'

test_expect_success 'dataframe_split predicts what Python predicts' '
	serve_post s /invocations application/json \
		"{\"dataframe_split\": {\"columns\": [\"f0\",\"f1\",\"f2\",\"f3\"], \"data\": $ROWS}}" >out &&
	same_as_python <out &&
	grep -i "^X-Cairn-Model-Version: churn/1" h
'

test_expect_success 'dataframe_records, instances, inputs (rows and columns)' '
	serve_post s /invocations application/json "{\"dataframe_records\": [
		{\"f0\": 0.5, \"f1\": -1.0, \"f2\": 0.25, \"f3\": 2.0},
		{\"f3\": -0.5, \"f2\": 1.0, \"f1\": 0.3, \"f0\": -1.5}]}" | same_as_python &&
	serve_post s /invocations application/json "{\"instances\": $ROWS}" | same_as_python &&
	serve_post s /invocations "application/json; charset=utf-8" "{\"inputs\": $ROWS}" | same_as_python &&
	serve_post s /invocations application/json "{\"inputs\": {\"f0\": [0.5, -1.5],
		\"f1\": [-1.0, 0.3], \"f2\": [0.25, 1.0], \"f3\": [2.0, -0.5]}}" | same_as_python
'

test_expect_success 'CSV with a header line, columns in any order' '
	printf "f3,f2,f1,f0\n2.0,0.25,-1.0,0.5\n-0.5,1.0,0.3,-1.5\n" >rows.csv &&
	curl -s -H "Content-Type: text/csv" --data-binary @rows.csv \
		"$(serve_url s)/invocations" | same_as_python
'

test_expect_success 'Open Inference Protocol v2: health, metadata, infer' '
	url=$(serve_url s) &&
	test "$(curl -s -o /dev/null -w "%{http_code}" $url/v2/health/live)" = 200 &&
	test "$(curl -s -o /dev/null -w "%{http_code}" $url/v2/health/ready)" = 200 &&
	curl -s $url/v2/models/churn | serve_json "j[\"name\"] == \"churn\" and j[\"versions\"] == [\"1\"] and j[\"platform\"] == \"xgboost\" and [i[\"name\"] for i in j[\"inputs\"]] == [\"f0\", \"f1\", \"f2\", \"f3\"] and j[\"outputs\"]" &&
	curl -s $url/v2/models/churn/versions/1 | serve_json "j[\"versions\"] == [\"1\"]" &&
	serve_post s /v2/models/churn/infer application/json "{\"id\": \"r1\", \"inputs\": [
		{\"name\": \"x\", \"shape\": [2, 4], \"datatype\": \"FP64\", \"data\": $ROWS}]}" >out &&
	grep -i "^X-Cairn-Model-Version: churn/1" h &&
	serve_json "j[\"model_name\"] == \"churn\" and j[\"model_version\"] == \"1\" and j[\"id\"] == \"r1\" and j[\"outputs\"][0][\"shape\"][0] == 2" <out &&
	$SERVE_PY -c "import json; print(json.dumps(json.load(open(\"out\"))[\"outputs\"][0][\"data\"]))" | same_as_python &&
	serve_post s /v2/models/churn/versions/1/infer application/json "{\"inputs\": [
		{\"name\": \"f0\", \"shape\": [2], \"datatype\": \"FP64\", \"data\": [0.5, -1.5]},
		{\"name\": \"f1\", \"shape\": [2], \"datatype\": \"FP64\", \"data\": [-1.0, 0.3]},
		{\"name\": \"f2\", \"shape\": [2], \"datatype\": \"FP64\", \"data\": [0.25, 1.0]},
		{\"name\": \"f3\", \"shape\": [2], \"datatype\": \"FP64\", \"data\": [2.0, -0.5]}]}" >out &&
	$SERVE_PY -c "import json; print(json.dumps(json.load(open(\"out\"))[\"outputs\"][0][\"data\"]))" | same_as_python
'

test_expect_success 'v2: an unknown model or a version not loaded is a 404' '
	url=$(serve_url s) &&
	test "$(curl -s -o out -w "%{http_code}" $url/v2/models/nope)" = 404 &&
	serve_json "\"nope\" in j[\"error\"]" <out &&
	test "$(curl -s -o out -w "%{http_code}" $url/v2/models/churn/versions/7)" = 404 &&
	test "$(curl -s -o out -w "%{http_code}" -d "{}" $url/v2/models/churn/versions/7/infer)" = 404 &&
	serve_json "\"not loaded\" in j[\"error\"]" <out
'

status_of() {
	curl -s -o out -w "%{http_code}" "$@"
}

test_expect_success 'bad input: 400 with a JSON error naming the problem' '
	url=$(serve_url s) &&
	test "$(status_of -H "Content-Type: application/json" -d "{not json" $url/invocations)" = 400 &&
	serve_json "j[\"error_code\"] == \"BAD_REQUEST\"" <out &&
	test "$(status_of -H "Content-Type: application/json" -d "{\"instances\": [[1, 2, 3]]}" $url/invocations)" = 400 &&
	serve_json "\"4\" in j[\"message\"] and \"3\" in j[\"message\"]" <out &&
	test "$(status_of -H "Content-Type: application/json" -d "{\"instances\": [[1, \"a\", 3, 4]]}" $url/invocations)" = 400 &&
	test "$(status_of -H "Content-Type: application/json" -d "{\"dataframe_records\": [{\"f0\": 1}]}" $url/invocations)" = 400 &&
	serve_json "\"f1\" in j[\"message\"]" <out &&
	test "$(status_of -H "Content-Type: application/json" -d "" $url/invocations)" = 400 &&
	test "$(status_of -H "Content-Type: application/json" -d "[[1,2,3,4]]" $url/invocations)" = 400
'

test_expect_success 'wrong method 405, unknown path 404, other content type 415' '
	url=$(serve_url s) &&
	test "$(curl -s -D h -o out -w "%{http_code}" $url/invocations)" = 405 &&
	grep -i "^Allow: POST" h && serve_json "j[\"error_code\"]" <out &&
	test "$(status_of -X POST $url/ping)" = 405 &&
	test "$(status_of $url/nowhere)" = 404 &&
	test "$(status_of -H "Content-Type: text/plain" -d "1,2,3,4" $url/invocations)" = 415 &&
	test "$(status_of -H "Content-Type: application/json; charset=latin-1" -d "{}" $url/invocations)" = 415
'

test_expect_success 'a body over 16 MiB (the default limit) is a 413, and the server goes on' '
	url=$(serve_url s) &&
	truncate -s 16777217 big.json &&
	test "$(status_of -H "Content-Type: application/json" --data-binary @big.json $url/invocations)" = 413 &&
	serve_json "\"limit\" in j[\"message\"]" <out &&
	serve_post s /invocations application/json "{\"instances\": $ROWS}" | same_as_python
'

test_expect_success '/metrics counts requests and client errors by version' '
	curl -s "$(serve_url s)/metrics" >m &&
	grep "^cairn_serve_requests_total{.*model=\"churn\".*version=\"1\"" m &&
	grep "^cairn_serve_client_errors_total{.*version=\"1\".*} [1-9]" m &&
	grep "^cairn_serve_loaded_versions" m &&
	grep "^cairn_serve_request_duration_seconds_bucket" m
'

test_expect_success 'SIGTERM stops it with status 0 and records start and stop' '
	serve_stop s &&
	grep "stopping (SIGTERM)" s.err &&
	cd p && cairn deployments show churn >out &&
	grep "start" out && grep "stop" out
'

test_expect_success 'a model name that cannot name a deployment is made one' '
	(cd p && cairn models create "churn v2" &&
	 cairn models register "churn v2" --from m1 >/dev/null &&
	 cairn models promote "churn v2" 1 --to production --reason r) &&
	serve_run p u "models:/churn v2@production" &&
	grep "deployment churn-v2 serving churn v2/1" u.err &&
	serve_stop u && cd p && cairn deployments show churn-v2 >out &&
	grep "deployment.stop" out
'

test_expect_success 'an unknown model, a bad URI and a guard on a stage fail clearly' '
	cd p &&
	test_must_fail 1 cairn serve --port 0 models:/nope@production &&
	test_stderr_contains "nope" &&
	test_must_fail 1 cairn serve --port 0 "models:/churn" &&
	test_must_fail 129 cairn serve --port 0 models:/churn@production --canary x &&
	test_must_fail 129 cairn serve --port 0 models:/churn@production --max-error-rate lots &&
	cairn models stage churn 1 Production &&
	test_must_fail 1 cairn serve --port 0 models:/churn/Production --max-error-rate 1% &&
	test_stderr_contains "aliases only"
'

test_done
