#!/bin/sh
# The SLO guard watches the canary too: a slow version promoted to the
# canary's alias breaks the latency budget and the canary's alias (not
# the primary's) is rolled back; the canary then answers with the version
# before it, and the primary never moved.
. "$TEST_DIRECTORY/lib.sh"
. "$TEST_DIRECTORY/lib-serve.sh"
. "$TEST_DIRECTORY/lib-serve-run.sh"
trap 'serve_stop_all; rm -rf "$TRASH"' EXIT

test_expect_success 'setup: production and staging on good versions, a slow one' '
	mkdir p && cd p && cairn init >/dev/null &&
	serve_train_xgb good && serve_broken_model slow slow &&
	cairn models create churn &&
	cairn models register churn --from good >/dev/null &&
	cairn models register churn --from good >/dev/null &&
	cairn models register churn --from slow >/dev/null &&
	cairn models promote churn 1 --to production --reason stable &&
	cairn models promote churn 2 --to staging --reason candidate
'

test_expect_success 'a slow canary is rolled back; the primary stays' '
	serve_run p s models:/churn@production --canary models:/churn@staging=100 \
		--name web --max-p99-ms 100 --window 30s --poll-ms 100 &&
	(cd p && cairn models promote churn 3 --to staging --reason "new candidate") &&
	serve_wait_for s.err "canary models:/churn@staging: churn/2 -> churn/3" &&
	serve_count s 30 >c && cat c &&
	serve_wait_for s.err "canary churn/3 broke its budget (p99 .*): alias .staging. rolled back to version 2" &&
	serve_wait_for s.err "churn/3 -> churn/2 in .* (kept loaded)" &&
	serve_count s 10 >c && grep "^churn/2 10$" c &&
	cd p && cairn models show models:/churn@production >out && grep "^version  *1" out &&
	cairn models show models:/churn@staging >out && grep "^version  *2" out &&
	cd .. && serve_stop s
'

test_done
