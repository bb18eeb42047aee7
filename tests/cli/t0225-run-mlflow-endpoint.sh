#!/bin/sh
# cairn run gives the command an MLflow endpoint (a private server on a
# loopback port) and the run's id, so MLflow-instrumented scripts log into
# the run cairn created without any set-up.
. "$TEST_DIRECTORY/lib.sh"

test_expect_success 'setup' '
	mkdir p && cd p && cairn init
'

test_expect_success 'the command sees MLFLOW_TRACKING_URI and MLFLOW_RUN_ID' '
	cd p && cairn run --name env -- sh -c "echo \$MLFLOW_TRACKING_URI \$MLFLOW_RUN_ID" >out &&
	grep "^http://127.0.0.1:[0-9]* [0-9a-f]\{32\}$" out &&
	id=$(cut -d" " -f2 out) && cairn runs show env | grep "$id"
'

test_expect_success 'REST calls of the MLflow protocol land in the run' '
	cd p && cat >log.sh <<-\SCRIPT &&
	for step in 0 1 2; do
		curl -sf -X POST -H "Content-Type: application/json" \
			-d "{\"run_id\":\"$MLFLOW_RUN_ID\",\"key\":\"rest_loss\",\"value\":$step.5,\"timestamp\":1,\"step\":$step}" \
			"$MLFLOW_TRACKING_URI/api/2.0/mlflow/runs/log-metric" >/dev/null || exit 1
	done
	curl -sf -X POST -H "Content-Type: application/json" \
		-d "{\"run_id\":\"$MLFLOW_RUN_ID\",\"key\":\"via\",\"value\":\"rest\"}" \
		"$MLFLOW_TRACKING_URI/api/2.0/mlflow/runs/log-parameter" >/dev/null
	SCRIPT
	cairn run --name rest -- sh log.sh &&
	cairn runs show rest >out && grep "via  *rest" out && grep "rest_loss  *2.5 .*step 2" out &&
	cairn metrics history rest rest_loss --json | grep -c "\"step\"" | grep 3
'

test_done
