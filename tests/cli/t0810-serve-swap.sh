#!/bin/sh
# cairn serve follows its alias: a promotion from another process is
# served within a second, a rollback is a pointer flip to the version
# still loaded, and a client hammering the server all along sees no
# failure. A version whose bytes were tampered with in the store is not
# swapped in: the old version keeps serving and "load-failed" is recorded.
#
# The hammering client is paced by what it sees, not by the clock: the
# rollback waits until it has been answered by the promoted version, and
# once told to stop it sends ten more requests, so a slow or loaded
# machine only makes the test slower.
. "$TEST_DIRECTORY/lib.sh"
. "$TEST_DIRECTORY/lib-serve.sh"
. "$TEST_DIRECTORY/lib-serve-run.sh"
trap 'touch "$TRASH/stop-load"; serve_stop_all; rm -rf "$TRASH"' EXIT

BODY='{"instances": [[0.5, -1.0, 0.25, 2.0]]}'

# The version answering now.
serving() {
	curl -s -D - -o /dev/null -H "Content-Type: application/json" \
		--data-binary "$BODY" "$(serve_url s)/invocations" |
	sed -n 's/^[Xx]-[Cc]airn-[Mm]odel-[Vv]ersion: *\([^[:space:]]*\).*/\1/p'
}

# Milliseconds until the version answering is $1 (fails after 1 s).
wait_serving() {
	t0=$(date +%s%N)
	while :; do
		test "$(serving)" = "$1" && break
		elapsed=$(( ($(date +%s%N) - t0) / 1000000 ))
		if [ $elapsed -gt 1000 ]; then
			echo "still $(serving) after $elapsed ms, not $1" >&2
			return 1
		fi
		sleep 0.01
	done
	echo $(( ($(date +%s%N) - t0) / 1000000 ))
}

# Wait (up to 30 s, however loaded the machine) until file $1 exists.
wait_file() {
	n=0
	until test -f "$1"; do
		n=$((n + 1))
		if [ $n -gt 3000 ]; then
			echo "no $1 after 30 s" >&2
			return 1
		fi
		sleep 0.01
	done
}

test_expect_success 'setup: versions 1 and 2 (they predict differently), 3 to be damaged' '
	mkdir p && cd p && cairn init >/dev/null &&
	serve_train_xgb m1 && serve_train_xgb m2 other &&
	cp -r m1 m3 && make_random m3/weights.bin 4000 && cp m3/weights.bin ../w3.bin &&
	cairn models create churn &&
	for m in m1 m2 m3; do cairn models register churn --from $m >/dev/null; done &&
	cairn models promote churn 1 --to production --reason first
'

test_expect_success 'serve the production alias, with a client hammering it' '
	serve_run p s models:/churn@production --poll-ms 100 &&
	test "$(serving)" = churn/1 &&
	$SERVE_PY - "$(serve_url s)" "$TRASH" >"$TRASH/hammer.out" 2>&1 <<-\PY &
	import http.client, os, sys, urllib.parse
	url, trash = urllib.parse.urlparse(sys.argv[1]), sys.argv[2]
	body = "{\"instances\": [[0.5, -1.0, 0.25, 2.0]]}"
	conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
	total, failed, versions, after_stop = 0, [], set(), 0
	while after_stop < 10:
	    if os.path.exists(os.path.join(trash, "stop-load")):
	        after_stop += 1
	    try:
	        conn.request("POST", "/invocations", body,
	                     {"Content-Type": "application/json"})
	        r = conn.getresponse()
	        r.read()
	        if r.status != 200:
	            failed.append(r.status)
	        v = r.getheader("X-Cairn-Model-Version")
	        if v and v not in versions:
	            open(os.path.join(trash, "seen-" + v.replace("/", "-")),
	                 "w").close()
	        versions.add(v)
	    except Exception as e:
	        failed.append(repr(e))
	        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
	    total += 1
	    if total == 10:
	        open(os.path.join(trash, "hammering"), "w").close()
	print("requests", total, "failed", len(failed), failed[:5],
	      "versions", sorted(versions))
	PY
	wait_file hammering
'

test_expect_success 'a promotion is served within a second' '
	cd p && cairn models promote churn 2 --to production --reason better &&
	ms=$(wait_serving churn/2) && echo "promotion served after $ms ms" &&
	serve_wait_for ../s.err "primary models:/churn@production: churn/1 -> churn/2 in .* (loaded and verified)" &&
	wait_file ../seen-churn-2
'

test_expect_success 'a rollback is a pointer flip to the version kept loaded' '
	cd p && cairn models rollback churn --alias production --reason worse &&
	ms=$(wait_serving churn/1) && echo "rollback served after $ms ms" &&
	serve_wait_for ../s.err "churn/2 -> churn/1 in .* (kept loaded)"
'

test_expect_success 'not one request failed during the swaps' '
	touch stop-load &&
	n=0 && until grep -q "^requests" hammer.out; do
		n=$((n + 1)); test $n -lt 3000; sleep 0.01; done &&
	cat hammer.out &&
	grep "^requests [0-9]* failed 0 .*versions \[.churn/1., .churn/2.\]" hammer.out
'

test_expect_success 'a tampered version is not swapped in, and that is recorded' '
	cd p && $SERVE_PY - <<-EOF &&
	import glob
	needle = open("../w3.bin", "rb").read()[:64]
	for f in glob.glob(".cairn/objects/pack/*.pack"):
	    data = bytearray(open(f, "rb").read())
	    i = data.find(needle)
	    if i >= 0:
	        data[i + 10] ^= 0xff
	        open(f, "wb").write(bytes(data))
	        break
	else:
	    raise SystemExit("weights not found in any pack")
	EOF
	cairn models alias churn production 3 &&
	serve_wait_for ../s.err "churn/3 was not swapped in (churn/1 keeps serving).*weights.bin" &&
	test "$(serving)" = churn/1 &&
	sleep 0.5 && test "$(grep -c "churn/3 was not swapped in" ../s.err)" = 1 &&
	cairn deployments show churn >out && grep "load-failed" out
'

test_expect_success '/metrics counts the swaps and the failed load' '
	curl -s "$(serve_url s)/metrics" >m &&
	grep "^cairn_serve_swaps_total 2" m &&
	grep "^cairn_serve_load_failures_total 1" m
'

test_expect_success 'the swaps are recorded with their swap time' '
	cd p && cairn deployments show churn --json >j &&
	$SERVE_PY -c "
import json
j = json.load(open(\"j\"))
events = j[\"events\"] if isinstance(j, dict) else j
swaps = [e for e in events if e.get(\"event\", e.get(\"action\")) == \"deployment.swap\"]
assert len(swaps) == 2, events
for e in swaps:
    d = e[\"details\"] if isinstance(e[\"details\"], dict) else json.loads(e[\"details\"])
    assert d[\"swap_ms\"] < 1000, d
"
'

test_expect_success 'stop' '
	serve_stop s
'

test_done
