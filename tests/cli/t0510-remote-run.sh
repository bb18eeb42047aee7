#!/bin/sh
# The cairn CLI against a server, beyond what t0500 compares: `cairn run`
# tracks on the server (its command gets the server's URI and the run, no
# private server), `cairn log` inside it too; MLFLOW_TRACKING_URI when
# CAIRN_TRACKING_URI is unset, CAIRN_TRACKING_URI over it; file: URIs and
# paths as local stores; a directory outside any project; a server that
# is down, an unknown run, a URI of an unknown scheme; data commands stay
# local.
. "$TEST_DIRECTORY/lib.sh"
. "$TEST_DIRECTORY/lib-server.sh"

trap 'server_stop_all; rm -rf "$TRASH"' EXIT

test_expect_success 'setup: a served project, a client project, a server' '
	mkdir srv && (cd srv && cairn init >/dev/null) &&
	mkdir cli && cd cli && cairn init >/dev/null &&
	printf "a,b\n1,2\n" >train.csv && cairn data add train.csv >/dev/null &&
	server_start "$TRASH/srv" srv && server_uri srv >"$TRASH/uri"
'
URI=$(cat "$TRASH/uri" 2>/dev/null)

test_expect_success 'cairn run: the command logs into the run on the server' '
	cd cli && cat >train.sh <<-\SCRIPT &&
	echo "uri $MLFLOW_TRACKING_URI run $MLFLOW_RUN_ID cairn $CAIRN_RUN_ID"
	for step in 0 1 2; do
		curl -sf -X POST -H "Content-Type: application/json" \
			-d "{\"run_id\":\"$MLFLOW_RUN_ID\",\"key\":\"loss\",\"value\":0.$step,\"timestamp\":1,\"step\":$step}" \
			"$MLFLOW_TRACKING_URI/api/2.0/mlflow/runs/log-metric" >/dev/null || exit 1
	done
	"$CAIRN" log param via=cairn-log && echo model >model.txt &&
	"$CAIRN" log artifact model.txt
	SCRIPT
	CAIRN_TRACKING_URI=$URI cairn run --name remote -p lr=0.1 -- sh train.sh >out 2>err &&
	id=$(sed -n "s/^cairn: run \([0-9a-f]*\) started$/\1/p" err) &&
	grep -x "uri $URI run $id cairn $id" out &&
	grep "FINISHED" err &&
	cd "$TRASH/srv" && cairn runs show remote >show &&
	grep "^status     FINISHED$" show && grep "^  lr  *0.1$" show &&
	grep "^  via  *cairn-log$" show && grep "^  loss  *0.2  *step 2$" show &&
	grep "^  cairn.exit_code  *0$" show && grep "^  cairn.command  *sh train.sh$" show &&
	cairn artifacts list remote >arts && grep " model.txt$" arts &&
	cairn artifacts list remote cairn | grep " cairn/output.log$" &&
	cairn artifacts get remote cairn/output.log log && grep -x "uri $URI run $id cairn $id" log &&
	cairn metrics history remote loss --json | grep -c "\"step\"" | grep -x 3 &&
	cd "$TRASH/cli" && ! cairn runs show remote 2>/dev/null
'

test_expect_success 'cairn run: a failing command ends the run FAILED on the server' '
	cd cli && test_must_fail 3 env CAIRN_TRACKING_URI=$URI "$CAIRN" run --name bad -- sh -c "exit 3" &&
	cd "$TRASH/srv" && cairn runs show bad | grep "^status     FAILED$"
'

test_expect_success 'cairn run --input resolves the data in the local project' '
	cd cli && cp -r "$TRASH/cli/train.csv" "$TRASH/srv/" &&
	(cd "$TRASH/srv" && cairn data add train.csv >/dev/null) &&
	CAIRN_TRACKING_URI=$URI cairn run --name withdata --input train.csv -- true 2>err &&
	CAIRN_TRACKING_URI=$URI cairn runs show withdata | grep "^  train.csv@v1 .* training$"
'

test_expect_success 'a data set only the client has: recorded on the server all the same' '
	cd cli && printf "x\n1\n2\n" >other.csv && cairn data add other.csv >/dev/null &&
	id=$(cairn data show other.csv | sed -n "s/^id  *\(sha256:[0-9a-f]*\)$/\1/p") &&
	test -n "$id" &&
	CAIRN_TRACKING_URI=$URI cairn runs start --name foreign >/dev/null &&
	CAIRN_TRACKING_URI=$URI cairn log input --run foreign --context eval other.csv &&
	CAIRN_TRACKING_URI=$URI cairn runs show foreign >show &&
	short=$(echo "$id" | cut -c1-19) && grep "^  other.csv@v1  $short  eval$" show &&
	CAIRN_TRACKING_URI=$URI cairn runs search "datasets.context = '"'"'eval'"'"'" | grep foreign
'

test_expect_success 'MLFLOW_TRACKING_URI when CAIRN_TRACKING_URI is unset' '
	cd cli && MLFLOW_TRACKING_URI=$URI cairn runs start --name viamlflow >/dev/null &&
	(cd "$TRASH/srv" && cairn runs show viamlflow >/dev/null) &&
	test_must_fail 1 cairn runs show viamlflow
'

test_expect_success 'CAIRN_TRACKING_URI wins over MLFLOW_TRACKING_URI' '
	cd cli && CAIRN_TRACKING_URI=$URI MLFLOW_TRACKING_URI=http://127.0.0.1:1 \
		cairn runs show viamlflow >/dev/null &&
	CAIRN_TRACKING_URI= MLFLOW_TRACKING_URI=$URI cairn runs show viamlflow >/dev/null &&
	CAIRN_TRACKING_URI=$TRASH/cli MLFLOW_TRACKING_URI=$URI cairn runs start --name here &&
	cairn runs show here >/dev/null
'

test_expect_success 'file: URIs and paths name a local project' '
	cd cli && CAIRN_TRACKING_URI=file://$TRASH/srv cairn runs show viamlflow >/dev/null &&
	CAIRN_TRACKING_URI=file:$TRASH/srv cairn runs show viamlflow >/dev/null &&
	(cd / && CAIRN_TRACKING_URI=$TRASH/srv "$CAIRN" runs show viamlflow >/dev/null) &&
	test_must_fail 128 env CAIRN_TRACKING_URI=$TRASH/nowhere "$CAIRN" runs list &&
	test_stderr_contains "names no cairn project" &&
	test_must_fail 128 env CAIRN_TRACKING_URI=/ "$CAIRN" runs list &&
	test_stderr_contains "not a cairn project"
'

test_expect_success 'outside any project: tracking works, data does not' '
	mkdir -p "$TRASH/bare" && cd "$TRASH/bare" &&
	CAIRN_TRACKING_URI=$URI cairn experiments list | grep "^0  *Default" &&
	CAIRN_TRACKING_URI=$URI cairn runs show viamlflow >/dev/null &&
	test_must_fail 1 env CAIRN_TRACKING_URI=$URI "$CAIRN" log input --run viamlflow train.csv &&
	test_stderr_contains "not a cairn project" &&
	test_must_fail 128 env CAIRN_TRACKING_URI=$URI "$CAIRN" data ls &&
	test_must_fail 1 env CAIRN_TRACKING_URI=$URI "$CAIRN" run --input x.csv -- true &&
	test_stderr_contains "not a cairn project"
'

test_expect_success 'data commands stay local with a server URI' '
	cd cli && CAIRN_TRACKING_URI=$URI cairn data ls >out && grep "^train.csv" out
'

test_expect_success 'an unknown run: exit 1 and the local message' '
	cd cli && test_must_fail 1 env CAIRN_TRACKING_URI=$URI "$CAIRN" runs show nosuch &&
	test_stderr_contains "error: no run matches '"'"'nosuch'"'"'" &&
	test_must_fail 1 env CAIRN_TRACKING_URI=$URI "$CAIRN" log param --run deadbeef a=1 &&
	test_stderr_contains "no run matches"
'

test_expect_success 'an unknown scheme is refused (128) before anything runs' '
	cd cli && test_must_fail 128 env CAIRN_TRACKING_URI=ftp://example.com "$CAIRN" runs list &&
	test_stderr_contains "fatal: unsupported tracking URI '"'"'ftp://example.com'"'"'" &&
	test_must_fail 128 env MLFLOW_TRACKING_URI=databricks://x "$CAIRN" runs list &&
	test_stderr_contains "unsupported tracking URI" &&
	test_must_fail 128 env MLFLOW_TRACKING_URI=databricks "$CAIRN" runs list &&
	test_stderr_contains "names no cairn project" &&
	test_must_fail 128 env CAIRN_TRACKING_URI=http:// "$CAIRN" runs list &&
	test_stderr_contains "fatal: '"'"'http://'"'"' is not a server URI"
'

test_expect_success 'a server that is down: a clear error, quickly, exit 1' '
	server_start "$TRASH/srv" down && DOWN=$(server_uri down) && server_stop down &&
	cd cli && start=$(date +%s) &&
	test_must_fail 1 env CAIRN_TRACKING_URI=$DOWN "$CAIRN" runs list &&
	test_stderr_contains "error: cannot reach the cairn server at $DOWN" &&
	test_must_fail 1 env CAIRN_TRACKING_URI=$DOWN "$CAIRN" runs show x &&
	test_must_fail 1 env CAIRN_TRACKING_URI=$DOWN "$CAIRN" run -- true &&
	test_stderr_contains "cannot reach the cairn server" &&
	test $(( $(date +%s) - start )) -lt 10
'

test_done
