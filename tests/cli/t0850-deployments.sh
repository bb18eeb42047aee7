#!/bin/sh
# Deployments on the command line and over the REST API: set creates and
# changes a deployment, recorded with its reason (a set of what is set
# records nothing; bad names, URIs and percents change nothing); a
# server's events (start, swap, rollback, load-failed, stop) posted to
# /cairn/deployments/record show in `deployments show` as a timeline and
# in `deployments list` as what serves now; bad records are 4xx; lineage
# of a model version reaches the deployments that served it, and lineage
# of a deployment the versions and runs behind it; the audit log stays
# intact. (`cairn serve` itself records its events: t08[0-4]0.)
. "$TEST_DIRECTORY/lib.sh"
. "$TEST_DIRECTORY/lib-server.sh"

trap 'server_stop_all; rm -rf "$TRASH"' EXIT

events() {
	cairn audit log --json | grep -c '"seq"' || :
}

# post ROUTE JSON: POST to the server, the status on the last line.
post() {
	curl -s -w '\n%{http_code}\n' -X POST -H 'Content-Type: application/json' \
		--data "$2" "$(server_uri s)/api/2.0/cairn/deployments/$1"
}

test_expect_success 'setup: a model with two versions, one in production' '
	mkdir p && cd p && cairn init >/dev/null &&
	cairn runs start --name train >/dev/null &&
	mkdir -p m1/model m2 && make_random m1/model/w.bin 100 && make_random m2/w.bin 100 &&
	(cd m1 && cairn log artifact --run train model) && cairn runs end train &&
	cairn models create iris &&
	cairn models register iris --run train >/dev/null &&
	cairn models register iris --from m2 >/dev/null &&
	cairn models promote iris 1 --to production --reason "first release"
'

test_expect_success 'set creates a deployment, recorded with its reason' '
	cd p && n=$(events) &&
	cairn deployments set web --model models:/iris@production --reason "go live" >out &&
	grep "deployment web created (generation 1)" out &&
	test $(events) -eq $((n + 1)) &&
	cairn audit log --object deployment:web >log &&
	grep "deployment.create" log && grep "reason: go live" log
'

test_expect_success 'a new deployment needs --model; bad input changes nothing' '
	cd p && n=$(events) &&
	test_must_fail 1 cairn deployments set api --canary-percent 5 &&
	test_stderr_contains "create it with --model" &&
	test_must_fail 1 cairn deployments set "bad name" --model models:/iris/1 &&
	test_stderr_contains "invalid deployment name" &&
	test_must_fail 1 cairn deployments set api --model iris &&
	test_stderr_contains "Not a proper models:/ URI" &&
	test_must_fail 1 cairn deployments set web --canary models:/iris/Nope=5 &&
	test_stderr_contains "canary: Invalid Model Version stage" &&
	test_must_fail 1 cairn deployments set web --canary-percent 5 &&
	test_stderr_contains "needs a canary model URI" &&
	test_must_fail 129 cairn deployments set web --canary models:/iris/2=101 &&
	test_stderr_contains "URI=PERCENT" &&
	test_must_fail 129 cairn deployments set web --canary-percent x &&
	test_must_fail 129 cairn deployments set web --no-canary --canary-percent 3 &&
	test_must_fail 129 cairn deployments set web --shadow models:/iris/2 --no-shadow &&
	test_must_fail 129 cairn deployments set &&
	test_must_fail 129 cairn deployments bogus &&
	test_must_fail 1 cairn deployments show nope &&
	test_stderr_contains "no deployment named" &&
	test $(events) -eq $n
'

test_expect_success 'serve and deployments set take the same percents' '
	cd p && n=$(events) &&
	test_must_fail 129 cairn serve --canary models:/iris@staging=10% &&
	test_stderr_contains "which model?" &&
	test_must_fail 129 cairn serve --canary models:/iris@staging=10 &&
	test_stderr_contains "which model?" &&
	for bad in 10.5 101 -1 " 5" 5%% x ""; do
		test_must_fail 129 cairn serve models:/iris/1 \
			--canary "models:/iris@staging=$bad" &&
		test_stderr_contains "with a whole percent from 0 to 100" &&
		grep "^error:" "$TRASH/.err" >a &&
		test_must_fail 129 cairn deployments set web \
			--canary "models:/iris@staging=$bad" &&
		grep "^error:" "$TRASH/.err" >b && cmp a b &&
		test_must_fail 129 cairn deployments set web --canary-percent "$bad" &&
		test_stderr_contains "takes a whole percent from 0 to 100" || exit 1
	done &&
	test $(events) -eq $n
'

test_expect_success 'traffic changes count generations; setting what is set does nothing' '
	cd p &&
	cairn deployments set web --canary models:/iris/2=10 --reason "try v2" >out &&
	grep "generation 2" out &&
	n=$(events) &&
	cairn deployments set web --canary-percent 10 >out &&
	grep "unchanged (generation 2)" out && test $(events) -eq $n &&
	cairn deployments set web --canary-percent 25% --shadow models:/iris/2 >out &&
	grep "generation 3" out &&
	cairn deployments show web --json >j &&
	grep "\"canary_percent\": 25" j && grep "\"shadow_uri\": \"models:/iris/2\"" j &&
	grep "\"generation\": 3" j
'

test_expect_success 'set warns about a URI that does not resolve yet, and records it' '
	cd p && n=$(events) &&
	cairn deployments set later --model models:/nosuch@x \
		--shadow models:/iris/2 >out 2>err &&
	grep "deployment later created" out &&
	grep "^warning: models:/nosuch@x does not resolve (.*nosuch.*); servers of this deployment keep serving what they serve until it does$" err &&
	! grep "iris/2" err &&
	cairn deployments set later --canary models:/iris@nope=5 >out 2>err &&
	grep -c "^warning:" err >count && test "$(cat count)" = 2 &&
	grep "^warning: models:/iris@nope does not resolve" err &&
	cairn deployments set later --model models:/iris/1 --no-canary >out 2>err &&
	test ! -s err &&
	test $(events) -eq $((n + 3)) &&
	cairn deployments show later >out && grep "models:/iris/1" out
'

test_expect_success 'the REST API: get, list, set' '
	server_start p s &&
	curl -s "$(server_uri s)/api/2.0/cairn/deployments/get?name=web" >j &&
	grep "\"canary_percent\":25" j &&
	curl -s "$(server_uri s)/api/2.0/cairn/deployments/list" >j &&
	grep "\"name\":\"web\"" j &&
	post set "{\"name\": \"api\", \"model_uri\": \"models:/iris/1\", \"reason\": \"rest\", \"user\": \"ann\"}" >out &&
	tail -1 out | grep 200 && grep "\"generation\":1" out &&
	post set "{\"name\": \"api\", \"model_uri\": \"models:/iris/1\", \"canary_percent\": 150}" >out &&
	tail -1 out | grep 400 && grep INVALID_PARAMETER_VALUE out &&
	post set "{\"name\": \"api\", \"model_uri\": \"nope\"}" >out &&
	tail -1 out | grep 400 &&
	curl -s -w "\n%{http_code}\n" "$(server_uri s)/api/2.0/cairn/deployments/get?name=zzz" >out &&
	tail -1 out | grep 404 && grep RESOURCE_DOES_NOT_EXIST out &&
	(cd p && cairn audit log --object deployment:api) >log &&
	grep "ann" log && grep "reason: rest" log
'

test_expect_success 'a server records start, swap, rollback, load-failed and stop' '
	post record "{\"name\": \"web\", \"action\": \"start\", \"model\": \"iris\", \"version\": 1, \"details\": {\"role\": \"primary\", \"traffic\": 75}}" >out &&
	tail -1 out | grep 200 &&
	post record "{\"name\": \"web\", \"action\": \"start\", \"model\": \"iris\", \"version\": \"2\", \"details\": {\"role\": \"canary\", \"traffic\": 25}}" >out &&
	tail -1 out | grep 200 &&
	post record "{\"name\": \"web\", \"action\": \"swap\", \"model\": \"iris\", \"version\": 2, \"details\": {\"role\": \"primary\", \"from\": 1, \"to\": 2, \"swap_ms\": 3.5}, \"reason\": \"alias moved\"}" >out &&
	tail -1 out | grep 200 &&
	post record "{\"name\": \"web\", \"action\": \"load-failed\", \"model\": \"iris\", \"version\": 2, \"details\": \"{\\\"error\\\": \\\"bad bytes\\\"}\", \"reason\": \"content id mismatch\"}" >out &&
	tail -1 out | grep 200 &&
	post record "{\"name\": \"web\", \"action\": \"rollback\", \"model\": \"iris\", \"version\": 1, \"details\": {\"error_rate\": 0.2}, \"reason\": \"error rate 20% over 1%\"}" >out &&
	tail -1 out | grep 200
'

test_expect_success 'bad records are 4xx and record nothing' '
	n=$(cd p && events) &&
	post record "{\"name\": \"web\", \"action\": \"explode\"}" >out &&
	tail -1 out | grep 400 && grep "unknown deployment event" out &&
	post record "{\"name\": \"nope\", \"action\": \"stop\"}" >out &&
	tail -1 out | grep 404 &&
	post record "{\"name\": \"web\", \"action\": \"start\", \"model\": \"iris\"}" >out &&
	tail -1 out | grep 400 &&
	post record "{\"name\": \"web\", \"action\": \"start\", \"model\": \"iris\", \"version\": 1, \"details\": [1]}" >out &&
	tail -1 out | grep 400 &&
	post record "{\"name\": \"web\", \"action\": \"start\", \"model\": \"iris\", \"version\": 1, \"details\": \"{no\"}" >out &&
	tail -1 out | grep 400 &&
	post record "{\"name\": \"web\", \"action\": \"start\", \"model\": \"iris\", \"version\": -3}" >out &&
	tail -1 out | grep 400 &&
	post record "not json" >out && tail -1 out | grep 400 &&
	test $(cd p && events) -eq $n
'

test_expect_success 'show: what served when, with how much traffic, and why' '
	cd p && cairn deployments show web >out &&
	cat out &&
	grep "^model:   models:/iris@production  serving iris/1" out &&
	grep "^canary:  models:/iris/2  25%  serving iris/2" out &&
	grep "deployment.create  *-  *primary 100%  .* go live" out &&
	grep "deployment.traffic  *-  *primary 90% canary 10%  .* try v2" out &&
	grep "deployment.traffic  *-  *primary 75% canary 25% +shadow  " out &&
	grep "deployment.start  *iris/1  *primary 75%  " out &&
	grep "deployment.start  *iris/2  *canary 25%  " out &&
	grep "deployment.swap  *iris/2  *primary 75%  .* alias moved" out &&
	grep "deployment.load-failed  *iris/2  *not loaded  .* content id mismatch" out &&
	grep "deployment.rollback  *iris/1  *primary 75%  .* error rate 20% over 1%" out &&
	cairn deployments show web --json >j &&
	grep "\"event\": \"deployment.swap\"" j && grep "\"swap_ms\": 3.5" j &&
	grep "\"error\": \"bad bytes\"" j &&
	curl -s "$(server_uri s)/api/2.0/cairn/deployments/events?name=web" >j &&
	grep "\"event\":\"deployment.rollback\"" j
'

test_expect_success 'list: each deployment and what it serves now; stop clears it' '
	cd p && cairn deployments list >out && cat out &&
	grep "^api  *models:/iris/1  *-  *-  *-" out &&
	grep "^web  *models:/iris@production  *iris/1  *models:/iris/2=25% (iris/2)  *models:/iris/2" out &&
	cairn deployments list --json >j &&
	grep -A3 "\"primary\": {" j | grep "\"version\": 1" &&
	post record "{\"name\": \"web\", \"action\": \"stop\"}" >/dev/null &&
	cairn deployments list >out && grep "^web  *models:/iris@production  *-  " out &&
	cairn deployments show web >out &&
	tail -1 out | grep "deployment.stop  *-  *stopped  "
'

test_expect_success 'lineage: model version -> deployment, and back' '
	cd p && cairn lineage models:/iris/1 --downstream >out && cat out &&
	grep -- "-> deployment web  follows models:/iris@production  \[primary\]" out &&
	cairn lineage models:/iris/1 --upstream >out && ! grep deployment out &&
	cairn lineage run train --downstream >out && grep "deployment web" out &&
	cairn lineage deployment web >out && cat out &&
	grep "^deployment web" out && grep "<- model iris/1" out && grep "<- model iris/2" out &&
	grep "<- run " out &&
	cairn lineage deployment web --format dot | grep "shape=house" &&
	test_must_fail 1 cairn lineage deployment nope &&
	test_stderr_contains "no deployment named"
'

test_expect_success 'delete removes a deployment; its record stays' '
	cd p && n=$(events) &&
	test_must_fail 1 cairn deployments delete nope &&
	test_stderr_contains "no deployment named .nope." &&
	test_must_fail 129 cairn deployments delete &&
	test_must_fail 129 cairn deployments delete gone extra &&
	test $(events) -eq $n &&
	cairn deployments set gone --model models:/iris/1 \
		--canary models:/iris/2=10 >/dev/null &&
	cairn deployments set gone --canary-percent 20 >/dev/null &&
	cairn deployments delete gone --reason "retired" >out &&
	grep "deployment gone deleted" out &&
	test $(events) -eq $((n + 3)) &&
	cairn deployments list >out && ! grep "^gone " out &&
	test_must_fail 1 cairn deployments set gone --canary-percent 5 &&
	cairn audit log --object deployment:gone >log &&
	grep "deployment.delete" log && grep "reason: retired" log &&
	cairn deployments show gone >out && cat out &&
	grep "^deployment gone (deleted .* UTC by .*: retired)$" out &&
	grep "deployment.create  *-  *primary 90% canary 10%  " out &&
	tail -1 out | grep "deployment.delete  *-  *deleted  .* retired$" &&
	cairn deployments show gone --json >j &&
	grep "\"deleted\": true" j && grep "\"event\": \"deployment.delete\"" j &&
	test_must_fail 1 cairn deployments delete gone &&
	test_must_fail 1 cairn deployments record gone start --model iris/1 &&
	test_stderr_contains "no deployment named" &&
	test $(events) -eq $((n + 3))
'

test_expect_success 'a deleted deployment set again continues its generations' '
	cd p &&
	cairn deployments set gone --model models:/iris/1 >out &&
	grep "deployment gone created (generation 3)" out &&
	cairn deployments show gone >out &&
	grep "^deployment gone (generation 3" out &&
	grep "deployment.delete .* retired" out &&
	cairn deployments list >out && grep "^gone " out
'

test_expect_success 'delete over the REST API, and from a client of it' '
	curl -s -w "\n%{http_code}\n" -X DELETE -H "Content-Type: application/json" \
		--data "{\"name\": \"gone\", \"reason\": \"rest\", \"user\": \"ann\"}" \
		"$(server_uri s)/api/2.0/cairn/deployments/delete" >out &&
	tail -1 out | grep 200 &&
	curl -s -w "\n%{http_code}\n" "$(server_uri s)/api/2.0/cairn/deployments/get?name=gone" >out &&
	tail -1 out | grep 404 &&
	curl -s "$(server_uri s)/api/2.0/cairn/deployments/events?name=gone" >j &&
	grep "\"event\":\"deployment.delete\",.*\"reason\":\"rest\"" j &&
	(cd p && cairn audit log --object deployment:gone) | grep -B3 "reason: rest" | grep ann &&
	CAIRN_TRACKING_URI=$(server_uri s) cairn deployments delete api --reason remote >out &&
	grep "deployment api deleted" out &&
	CAIRN_TRACKING_URI=$(server_uri s) cairn deployments show api >out &&
	grep "^deployment api (deleted .*: remote)" out &&
	test_must_fail 1 env CAIRN_TRACKING_URI=$(server_uri s) "$CAIRN" deployments delete api &&
	test_stderr_contains "no deployment named"
'

test_expect_success 'the audit log is intact' '
	cd p && cairn audit verify
'

test_done
