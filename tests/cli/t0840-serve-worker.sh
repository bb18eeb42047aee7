#!/bin/sh
# cairn serve with worker models: a scikit-learn model (joblib, MLflow's
# sklearn + python_function flavors) answers through the Python worker
# what scikit-learn answers; a swap moves between the in-process XGBoost
# flavor and the worker; a worker that crashes is a 500 and is restarted,
# one that hangs is a 504 after --timeout, and the server keeps serving.
. "$TEST_DIRECTORY/lib.sh"
. "$TEST_DIRECTORY/lib-serve.sh"
. "$TEST_DIRECTORY/lib-serve-run.sh"
trap 'serve_stop_all; rm -rf "$TRASH"' EXIT

ROWS='[[0.5, -1.0, 0.25, 2.0], [-1.5, 0.3, 1.0, -0.5], [2.0, 1.0, -1.0, 0.0]]'

test_expect_success 'setup: a scikit-learn model, an XGBoost one, broken ones' '
	mkdir p && cd p && cairn init >/dev/null &&
	serve_train_sklearn sk && serve_train_xgb xgb &&
	serve_broken_model crash crash && serve_broken_model hang hang &&
	serve_broken_model load load &&
	cairn models create iris &&
	for m in sk xgb crash hang load; do cairn models register iris --from $m >/dev/null; done &&
	cairn models promote iris 1 --to production --reason sklearn
'

test_expect_success 'a scikit-learn model answers what scikit-learn answers' '
	serve_run p s models:/iris@production --poll-ms 100 --timeout 1000 &&
	serve_post s /invocations application/json "{\"instances\": $ROWS}" >out &&
	grep -i "^X-Cairn-Model-Version: iris/1" h &&
	serve_predict_py p/sk "$ROWS" >want &&
	$SERVE_PY -c "
import json
got = json.load(open(\"out\"))[\"predictions\"]
want = json.load(open(\"want\"))
assert [float(g) for g in got] == [float(w) for w in want], (got, want)
" &&
	curl -s "$(serve_url s)/v2/models/iris" | serve_json "j[\"platform\"] in (\"sklearn\", \"python_function\")"
'

test_expect_success 'swaps move between the worker and XGBoost in process' '
	cd p && cairn models promote iris 2 --to production --reason xgb &&
	serve_wait_for ../s.err "iris/1 -> iris/2" &&
	cd .. && serve_post s /invocations application/json "{\"instances\": $ROWS}" >/dev/null &&
	grep -i "^X-Cairn-Model-Version: iris/2" h &&
	cd p && cairn models rollback iris --alias production --reason back &&
	serve_wait_for ../s.err "iris/2 -> iris/1 in .* (kept loaded)" &&
	cd .. && serve_post s /invocations application/json "{\"instances\": $ROWS}" >/dev/null &&
	grep -i "^X-Cairn-Model-Version: iris/1" h
'

test_expect_success 'a model that does not load is not swapped in' '
	cd p && cairn models promote iris 5 --to production --reason broken &&
	serve_wait_for ../s.err "iris/5 was not swapped in (iris/1 keeps serving)" &&
	cd .. && serve_post s /invocations application/json "{\"instances\": $ROWS}" >/dev/null &&
	grep -i "^X-Cairn-Model-Version: iris/1" h
'

test_expect_success 'a crashing worker is a 500, a hung one a 504; serving goes on' '
	cd p && cairn models promote iris 3 --to production --reason crash &&
	serve_wait_for ../s.err "iris/1 -> iris/3" && cd .. &&
	test "$(curl -s -o out -w "%{http_code}" -H "Content-Type: application/json" \
		-d "{\"instances\": $ROWS}" "$(serve_url s)/invocations")" = 500 &&
	serve_json "j[\"error_code\"]" <out &&
	curl -s "$(serve_url s)/metrics" >m &&
	grep "^cairn_serve_errors_total{model=\"iris\",version=\"3\".*} 1" m &&
	cd p && cairn models promote iris 4 --to production --reason hang &&
	serve_wait_for ../s.err "iris/3 -> iris/4" && cd .. &&
	test "$(curl -s -o out -w "%{http_code}" -H "Content-Type: application/json" \
		-d "{\"instances\": $ROWS}" "$(serve_url s)/invocations")" = 504 &&
	cd p && cairn models promote iris 1 --to production --reason back &&
	serve_wait_for ../s.err "iris/4 -> iris/1" && cd .. &&
	serve_post s /invocations application/json "{\"instances\": $ROWS}" >out &&
	grep "^HTTP/1.1 200" h &&
	serve_stop s
'

test_done
