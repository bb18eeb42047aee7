#!/bin/sh
# cairn serve's SLO guard: a deliberately slow version promoted over a
# good one breaks its latency budget and is rolled back by the server
# itself, which keeps serving; the registry's history, the audit log and
# the deployment say why, with the measured figures. A version reached by
# the rollback is not rolled back further. (t0835: an error budget.)
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

test_expect_success 'setup: a good XGBoost version and a slow one' '
	mkdir p && cd p && cairn init >/dev/null &&
	serve_train_xgb good && serve_broken_model slow slow &&
	cairn models create churn &&
	for m in good slow; do cairn models register churn --from $m >/dev/null; done &&
	cairn models promote churn 1 --to production --reason "good one"
'

test_expect_success 'serve with a latency budget' '
	serve_run p s models:/churn@production --name web \
		--max-p99-ms 100 --window 30s --poll-ms 100 &&
	test "$(serving s)" = churn/1
'

test_expect_success 'a slow version promoted is rolled back by the guard' '
	cd p && cairn models promote churn 2 --to production --reason "faster, they said" &&
	cd .. && n=0 && until test "$(serving s)" = churn/2; do
		n=$((n + 1)); test $n -lt 100; sleep 0.02; done &&
	hammer_until s churn/1 15 &&
	grep "primary churn/2 broke its budget (p99 .* > 100 ms.*): alias .production. rolled back to version 1" s.err
'

test_expect_success 'the registry, the audit log and the deployment say why' '
	cd p && cairn models history churn --alias production >h && cat h &&
	grep "rollback.*SLO guard of deployment web: p99" h &&
	cairn audit log --object deployment:web >a && grep "deployment.rollback" a &&
	cairn deployments show web --json >j &&
	$SERVE_PY -c "
import json
j = json.load(open(\"j\"))
rb = [e for e in j[\"events\"] if e.get(\"event\", e.get(\"action\")) == \"deployment.rollback\"]
assert len(rb) == 1, j
e = rb[0]
d = e[\"details\"] if isinstance(e[\"details\"], dict) else json.loads(e[\"details\"])
assert d[\"from\"] == 2 and d[\"to\"] == 1 and d[\"p99_ms\"] > 100, d
assert d[\"requests\"] >= 20 and d[\"max_p99_ms\"] == 100, d
assert \"p99\" in e[\"reason\"], e
"
'

test_expect_success 'the version rolled back to keeps serving, unguarded' '
	sleep 0.5 && test "$(serving s)" = churn/1 &&
	test "$(grep -c "broke its budget" s.err)" = 1 &&
	curl -s "$(serve_url s)/metrics" | grep "^cairn_serve_rollbacks_total 1" &&
	serve_stop s
'

test_done
