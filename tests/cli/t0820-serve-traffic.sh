#!/bin/sh
# cairn serve's traffic: a canary answers its percent of requests (at
# random, or sticky per routing key), `cairn deployments set` changes the
# percent of the running server, and a shadow sees a copy of every request
# the primary answered (not of those refused), its agreement counted in
# /metrics and in the deployment's stop record.
. "$TEST_DIRECTORY/lib.sh"
. "$TEST_DIRECTORY/lib-serve.sh"
. "$TEST_DIRECTORY/lib-serve-run.sh"
trap 'serve_stop_all; rm -rf "$TRASH"' EXIT

# The count of answers by $2 in serve_count's output $1 (0 if none).
count_of() {
	awk -v v="$2" '$1 == v { print $2; found = 1 } END { if (!found) print 0 }' "$1"
}

# Wait until all of 20 requests are answered by $2 (at most 2 s).
wait_all() {
	n=0
	while [ $n -lt 40 ]; do
		serve_count "$1" 20 >all && test "$(count_of all "$2")" = 20 && return 0
		sleep 0.05
		n=$((n + 1))
	done
	cat all >&2
	return 1
}

test_expect_success 'setup: version 1 in production, version 2 in staging' '
	mkdir p && cd p && cairn init >/dev/null &&
	serve_train_xgb m1 && serve_train_xgb m2 other &&
	cairn models create churn &&
	cairn models register churn --from m1 >/dev/null &&
	cairn models register churn --from m2 >/dev/null &&
	cairn models promote churn 1 --to production --reason first &&
	cairn models promote churn 2 --to staging --reason candidate
'

test_expect_success 'a 30% canary answers about 30% of requests' '
	serve_run p s models:/churn@production --canary models:/churn@staging=30 \
		--name web --poll-ms 100 &&
	serve_count s 400 >c && cat c &&
	! grep failed c &&
	test "$(count_of c churn/2)" -ge 70 && test "$(count_of c churn/2)" -le 170 &&
	test $(( $(count_of c churn/1) + $(count_of c churn/2) )) = 400
'

test_expect_success 'a routing key always lands on the same version' '
	serve_count s 200 keys >k && cat k | tail -3 &&
	! grep "unsticky\|failed" k &&
	test "$(count_of k churn/2)" -ge 30 && test "$(count_of k churn/2)" -le 90
'

test_expect_success '/metrics shows the traffic split' '
	curl -s "$(serve_url s)/metrics" >m &&
	grep "^cairn_serve_traffic_percent{.*role=\"canary\".*} 30" m &&
	grep "^cairn_serve_traffic_percent{.*role=\"primary\".*} 70" m
'

test_expect_success 'deployments set changes the percent of the running server' '
	cd p && cairn deployments set web --canary-percent 100 --reason "all in" &&
	wait_all s churn/2 &&
	cairn deployments set web --canary-percent 0 --reason "all out" &&
	wait_all s churn/1 &&
	serve_wait_for ../s.err "deployment web changed: .* at 0%" &&
	cairn deployments show web >out && grep "deployment.traffic" out &&
	grep "all in" out && grep "all out" out
'

test_expect_success 'raising the percent only moves keys to the canary' '
	cd p && cairn deployments set web --canary-percent 20 --reason r &&
	serve_wait_for ../s.err "at 20%" &&
	$SERVE_PY - "$(serve_url s)" >before <<-\PY &&
	import http.client, sys, urllib.parse
	u = urllib.parse.urlparse(sys.argv[1])
	c = http.client.HTTPConnection(u.hostname, u.port)
	for i in range(100):
	    c.request("POST", "/invocations", "{\"instances\": [[1, 2, 3, 4]]}",
	              {"Content-Type": "application/json", "X-Cairn-Routing-Key": "k%d" % i})
	    r = c.getresponse(); r.read()
	    print(i, r.getheader("X-Cairn-Model-Version"))
	PY
	cairn deployments set web --canary-percent 50 --reason r &&
	serve_wait_for ../s.err "at 50%" &&
	sleep 0.2 &&
	$SERVE_PY - "$(serve_url s)" >after <<-\PY &&
	import http.client, sys, urllib.parse
	u = urllib.parse.urlparse(sys.argv[1])
	c = http.client.HTTPConnection(u.hostname, u.port)
	for i in range(100):
	    c.request("POST", "/invocations", "{\"instances\": [[1, 2, 3, 4]]}",
	              {"Content-Type": "application/json", "X-Cairn-Routing-Key": "k%d" % i})
	    r = c.getresponse(); r.read()
	    print(i, r.getheader("X-Cairn-Model-Version"))
	PY
	join before after | awk "\$2 == \"churn/2\" && \$3 != \"churn/2\" { bad = 1 } END { exit bad }" &&
	test "$(grep -c churn/2 after)" -gt "$(grep -c churn/2 before)"
'

test_expect_success 'a shadow sees every request; the primary answers' '
	serve_stop s &&
	serve_run p t models:/churn@production --shadow models:/churn@staging \
		--name mirror --poll-ms 100 &&
	serve_count t 50 >c && test "$(count_of c churn/1)" = 50 &&
	n=0 && until curl -s "$(serve_url t)/metrics" >m &&
		grep -q "^cairn_serve_shadow_requests_total 50" m; do
		n=$((n + 1)); test $n -lt 100; sleep 0.05; done &&
	grep "^cairn_serve_shadow_agreed_total 0" m &&
	grep "^cairn_serve_shadow_dropped_total 0" m &&
	grep "^cairn_serve_shadow_agreement_ratio 0" m &&
	grep "^cairn_serve_requests_total{.*version=\"2\".*role=\"shadow\".*} 50" m
'

test_expect_success 'only requests the primary answered are mirrored' '
	cairn help serve | tr "\n" " " | grep "copy of each request the primary answered" &&
	for i in 1 2 3; do
		serve_post t /invocations application/json "{\"instances\": [[1, 2]]}" >out &&
		grep -i "^HTTP/1.1 400" h || return 1
	done &&
	serve_count t 1 >c &&
	n=0 && until curl -s "$(serve_url t)/metrics" >m &&
		test "$(sed -n "s/^cairn_serve_shadow_requests_total //p" m)" -ge 51; do
		n=$((n + 1)); test $n -lt 100; sleep 0.05; done &&
	sleep 0.2 && curl -s "$(serve_url t)/metrics" >m &&
	grep "^cairn_serve_shadow_requests_total 51$" m
'

test_expect_success 'a shadow of the same model agrees, and the stop record sums it up' '
	cd p && cairn deployments set mirror --shadow models:/churn/1 --reason same &&
	serve_wait_for ../t.err "shadow models:/churn/1: churn/2 -> churn/1" &&
	cd .. && serve_count t 30 >c &&
	n=0 && until curl -s "$(serve_url t)/metrics" >m &&
		grep -q "^cairn_serve_shadow_requests_total 81" m; do
		n=$((n + 1)); test $n -lt 100; sleep 0.05; done &&
	grep "^cairn_serve_shadow_agreed_total 30" m &&
	serve_stop t &&
	cd p && cairn deployments show mirror --json >j &&
	$SERVE_PY -c "
import json
j = json.load(open(\"j\"))
stop = [e for e in j[\"events\"] if e.get(\"event\", e.get(\"action\")) == \"deployment.stop\"][-1]
d = stop[\"details\"] if isinstance(stop[\"details\"], dict) else json.loads(stop[\"details\"])
assert d[\"shadow\"][\"requests\"] == 81 and d[\"shadow\"][\"agreed\"] == 30, d
old = [v for v in d[\"served\"] if v[\"version\"] == \"churn/2\"][0]
assert old[\"requests\"] == 51 and old[\"mean_ms\"] > 0 and old[\"p99_ms\"] > 0, d
"
'

test_done
