#!/bin/sh
# A deployment deleted while its `cairn serve` runs (docs/deployments.md,
# "Deleting a deployment"): the server keeps answering with the version
# it had and keeps following its alias, says once that it cannot read the
# deployment, and what it does meanwhile is not recorded; setting the
# deployment again re-creates it with a higher generation, and the server
# records again. show tells the whole story: old life, delete, new life.
. "$TEST_DIRECTORY/lib.sh"
. "$TEST_DIRECTORY/lib-serve.sh"
. "$TEST_DIRECTORY/lib-serve-run.sh"
trap 'serve_stop_all; rm -rf "$TRASH"' EXIT

BODY='{"instances": [[0.5, -1.0, 0.25, 2.0]]}'

# The version answering now.
serving() {
	serve_post s /invocations application/json "$BODY" >/dev/null &&
	sed -n 's/^[Xx]-[Cc]airn-[Mm]odel-[Vv]ersion: *\([^[:space:]]*\).*/\1/p' \
		"$TRASH/h"
}

# Wait until version $1 answers (fails after 5 s).
wait_serving() {
	n=0
	while [ "$(serving)" != "$1" ]; do
		n=$((n + 1))
		if [ $n -gt 250 ]; then
			echo "still $(serving), not $1" >&2
			return 1
		fi
		sleep 0.02
	done
}

test_expect_success 'setup: two versions, 1 in production' '
	mkdir p && cd p && cairn init >/dev/null &&
	serve_train_xgb m1 && serve_train_xgb m2 other &&
	cairn models create churn &&
	cairn models register churn --from m1 >/dev/null &&
	cairn models register churn --from m2 >/dev/null &&
	cairn models promote churn 1 --to production --reason first
'

test_expect_success 'serve it as web' '
	serve_run p s models:/churn@production --name web --poll-ms 50 &&
	test "$(serving)" = churn/1
'

test_expect_success 'deleted while serving: it keeps serving and following, unrecorded' '
	cd p && cairn deployments delete web --reason "retired" &&
	serve_wait_for "$TRASH/s.err" "cannot read deployment .web." &&
	test "$(serving)" = churn/1 &&
	cairn models promote churn 2 --to production --reason second &&
	wait_serving churn/2 &&
	serve_wait_for "$TRASH/s.err" "cannot record .swap." &&
	test $(grep -c "cannot read deployment" "$TRASH/s.err") -eq 1 &&
	cairn deployments show web >out && cat out &&
	grep "^deployment web (deleted .*: retired)" out &&
	tail -1 out | grep "deployment.delete .* deleted .* retired" &&
	! grep "deployment.swap" out
'

test_expect_success 'set again: re-created above the old generation; recorded again' '
	cd p &&
	cairn deployments set web --model models:/churn@production \
		--reason "back" >out &&
	grep "deployment web created (generation 2)" out &&
	cairn models promote churn 1 --to production --reason third &&
	wait_serving churn/1 &&
	serve_stop s &&
	cairn deployments show web >out && cat out &&
	grep "^deployment web (generation 2" out &&
	grep "deployment.delete .* retired" out &&
	grep "deployment.create .* back" out &&
	grep "deployment.swap  *churn/1 " out &&
	tail -1 out | grep "deployment.stop .* stopped" &&
	cairn audit verify
'

test_done
