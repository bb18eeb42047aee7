#!/bin/sh
# cairn serve's SLO guard on errors: a version whose worker crashes on
# every prediction (500s, counted at the front door) is promoted over a
# good one, breaks the error budget and is rolled back by the server
# itself; the deployment says why, with the measured error rate. Then a
# version whose predict() raises on valid input: MLflow's status (400) is
# kept, but the error is the model's, not the client's, and it is rolled
# back the same way; its worker logs the traceback once, not per request.
. "$TEST_DIRECTORY/lib.sh"
. "$TEST_DIRECTORY/lib-serve.sh"
. "$TEST_DIRECTORY/lib-serve-run.sh"
trap 'serve_stop_all; rm -rf "$TRASH"' EXIT

BODY='{"dataframe_split": {"columns": ["f0","f1","f2","f3"], "data": [[0.5, -1.0, 0.25, 2.0]]}}'

serving() {
	curl -s -D - -o /dev/null -H "Content-Type: application/json" \
		--data-binary "$BODY" "$(serve_url "$1")/invocations" |
	sed -n 's/^[Xx]-[Cc]airn-[Mm]odel-[Vv]ersion: *\([^[:space:]]*\).*/\1/p'
}

# Send requests until the server names version $2 again (at most $3 s).
# The guard judges after 20 requests, and each one to the crashing
# version costs a worker crash and restart: seconds apiece on a loaded
# machine, so the deadline is generous; the test ends as soon as the
# rollback is seen.
hammer_until() {
	t0=$(date +%s)
	while [ "$(serving "$1")" != "$2" ]; do
		if [ $(( $(date +%s) - t0 )) -gt "$3" ]; then
			echo "still not $2 after $3 s" >&2
			cat "$TRASH/$1.err" >&2
			return 1
		fi
	done
}

test_expect_success 'setup: a good XGBoost version, a crashing one, a raising one' '
	mkdir p && cd p && cairn init >/dev/null &&
	serve_train_xgb good && serve_broken_model crash crash &&
	serve_broken_model raise raise &&
	cairn models create churn &&
	for m in good crash raise; do cairn models register churn --from $m >/dev/null; done &&
	cairn models promote churn 1 --to production --reason "good one"
'

test_expect_success 'a version whose worker crashes breaks an error budget' '
	serve_run p t models:/churn@production --name api \
		--max-error-rate 10% --window 30s --poll-ms 100 &&
	cd p && cairn models promote churn 2 --to production --reason "another try" &&
	cd .. && n=0 && until test "$(serving t)" = churn/2; do
		n=$((n + 1)); test $n -lt 1500; sleep 0.02; done &&
	hammer_until t churn/1 120 &&
	grep "primary churn/2 broke its budget (error rate" t.err &&
	cd p && cairn deployments show api >out && grep "deployment.rollback" out &&
	grep "error rate" out
'

test_expect_success 'a version whose predict() raises is rolled back too' '
	cd p && cairn models promote churn 3 --to production --reason "it raises" &&
	cd .. && n=0 && until test "$(serving t)" = churn/3; do
		n=$((n + 1)); test $n -lt 100; sleep 0.02; done &&
	code=$(curl -s -o body -w "%{http_code}" -H "Content-Type: application/json" \
		--data-binary "$BODY" "$(serve_url t)/invocations") &&
	test "$code" = 400 && grep "broken on purpose" body &&
	hammer_until t churn/1 15 &&
	grep "primary churn/3 broke its budget (error rate" t.err &&
	cd p && cairn models history churn --alias production >h &&
	grep "rollback.*SLO guard of deployment api: error rate" h &&
	cairn deployments show api --json >j &&
	$SERVE_PY -c "
import json
j = json.load(open(\"j\"))
rb = [e for e in j[\"events\"] if e.get(\"event\", e.get(\"action\")) == \"deployment.rollback\"]
assert len(rb) == 2, j
d = rb[-1][\"details\"]
d = d if isinstance(d, dict) else json.loads(d)
assert d[\"from\"] == 3 and d[\"to\"] == 1 and d[\"errors\"] >= 2, d
" && cd .. &&
	curl -s "$(serve_url t)/metrics" >m &&
	grep "^cairn_serve_errors_total{.*version=\"3\"" m &&
	serve_stop t
'

test_expect_success 'the worker logs one traceback, then a line per failure' '
	test "$(grep -c "^Traceback" t.err)" = 1 &&
	grep "^ValueError: this model is broken on purpose" t.err &&
	test "$(grep -c "^cairn worker: prediction failed: ValueError: this model is broken on purpose (traceback above)" t.err)" -ge 2
'

test_done
