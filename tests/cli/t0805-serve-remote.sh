#!/bin/sh
# cairn serve against a cairn server (CAIRN_TRACKING_URI): the version is
# resolved and downloaded through the server's REST API, verified, and
# served from a directory that holds no project; a promotion made through
# the server is followed; the deployment's events land in the server's
# store.
. "$TEST_DIRECTORY/lib.sh"
. "$TEST_DIRECTORY/lib-server.sh"
. "$TEST_DIRECTORY/lib-serve.sh"
. "$TEST_DIRECTORY/lib-serve-run.sh"
trap 'serve_stop_all; server_stop_all; rm -rf "$TRASH"' EXIT

BODY='{"instances": [[0.5, -1.0, 0.25, 2.0]]}'

test_expect_success 'setup: a cairn server with two versions of a model' '
	mkdir p client && cd p && cairn init >/dev/null &&
	serve_train_xgb m1 && serve_train_xgb m2 other &&
	cairn models create churn &&
	cairn models register churn --from m1 >/dev/null &&
	cairn models register churn --from m2 >/dev/null &&
	cairn models promote churn 1 --to production --reason first &&
	cd .. && server_start p s
'

test_expect_success 'serve through the server, from a directory without a project' '
	CAIRN_TRACKING_URI=$(server_uri s) serve_run client c \
		models:/churn@production --poll-ms 100 &&
	serve_post c /invocations application/json "$BODY" >out &&
	grep -i "^X-Cairn-Model-Version: churn/1" h &&
	serve_json "len(j[\"predictions\"]) == 1" <out
'

test_expect_success 'a promotion in the server'"'"'s store is followed' '
	(cd p && cairn models promote churn 2 --to production --reason better) &&
	serve_wait_for c.err "churn/1 -> churn/2" 5 &&
	serve_post c /invocations application/json "$BODY" >out &&
	grep -i "^X-Cairn-Model-Version: churn/2" h
'

test_expect_success 'the deployment is recorded in the server'"'"'s store' '
	serve_stop c &&
	cd p && cairn deployments show churn >out && cat out &&
	grep "deployment.start" out && grep "deployment.swap" out &&
	grep "deployment.stop" out
'

test_done
