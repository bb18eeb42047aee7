#!/bin/sh
# What `cairn serve` needs, against a cairn server (CAIRN_TRACKING_URI)
# from a directory with no project: a model URI resolved, a version
# downloaded and verified against its content id on the client (executable
# files keep their mode; a damaged store on the server, or files altered
# on the way by a proxy (lib-tamper-proxy.py), leave nothing behind), an alias rolled back, and deployments set, listed,
# shown and their events recorded, all landing in the server's store and
# its audit log exactly as local calls would.
. "$TEST_DIRECTORY/lib.sh"
. "$TEST_DIRECTORY/lib-server.sh"

trap 'server_stop_all; rm -rf "$TRASH"' EXIT

# remote CMD...: cairn in the client directory, against the server.
remote() {
	(cd "$TRASH/client" && CAIRN_TRACKING_URI=$(server_uri s) "$CAIRN" "$@")
}

test_expect_success 'setup: a served project with three versions' '
	mkdir p client && cd p && cairn init >/dev/null &&
	mkdir -p v1/sub v2 v3 &&
	make_random v1/model.bin 3000 && make_random v1/sub/extra.bin 70000 &&
	echo "flavors: {}" >v1/MLmodel &&
	make_random v2/model.bin 100 && make_random v3/model.bin 100 &&
	cairn models create iris &&
	cairn models register iris --from v1 >/dev/null &&
	cairn models register iris --from v2 >/dev/null &&
	cairn models register iris --from v3 >/dev/null &&
	cairn models promote iris 1 --to production --reason "first" &&
	cairn models promote iris 2 --to production --reason "second" &&
	cd .. && server_start p s
'

test_expect_success 'a version downloaded from the server is verified and whole' '
	remote models download models:/iris@production --out got2 >out &&
	grep "iris version 2 -> got2 (1 files verified)" out &&
	cmp client/got2/model.bin p/v2/model.bin &&
	remote models download iris 1 --out got1 >out &&
	cmp client/got1/model.bin p/v1/model.bin &&
	cmp client/got1/sub/extra.bin p/v1/sub/extra.bin &&
	cmp client/got1/MLmodel p/v1/MLmodel &&
	test_must_fail 1 remote models download iris 1 --out got1 &&
	test_stderr_contains "already exists" &&
	test_must_fail 1 remote models download models:/iris@nope --out x &&
	test_stderr_contains "alias nope not found" &&
	test_must_fail 1 remote models download models:/iris/9 --out x &&
	test_stderr_contains "not found" &&
	test_must_fail 129 remote models download iris --out x &&
	test "$(ls -A client | tr "\n" " ")" = "got1 got2 "
'

test_expect_success 'an executable file keeps its mode, and the content id' '
	mkdir -p p/v4 && make_random p/v4/run.sh 50 && chmod +x p/v4/run.sh &&
	make_random p/v4/data.bin 50 &&
	(cd p && cairn models register iris --from v4 >/dev/null) &&
	remote models download iris 4 --out got4 &&
	test -x client/got4/run.sh && ! test -x client/got4/data.bin &&
	cmp client/got4/run.sh p/v4/run.sh &&
	rm -rf client/got4
'

test_expect_success 'files altered on the way are refused, nothing written' '
	/usr/bin/python3 "$TEST_DIRECTORY/lib-tamper-proxy.py" "$(server_uri s)" tamper.port &
	echo $! >tamper.pid &&
	n=0 && while ! test -f tamper.port && test $n -lt 500; do sleep 0.01; n=$((n + 1)); done &&
	rc=0 && (cd client && CAIRN_TRACKING_URI=http://127.0.0.1:$(cat ../tamper.port) \
		"$CAIRN" models download iris 2 --out bad) 2>err || rc=$?
	kill $(cat tamper.pid) && cat err && test $rc -eq 1 &&
	grep "the files received have content id sha256:.*, not the version.s sha256:" err &&
	grep "nothing written" err &&
	test "$(ls -A client | tr "\n" " ")" = "got1 got2 "
'

test_expect_success 'a damaged store on the server: the download fails, nothing left' '
	for f in $(find p/.cairn/objects -type f); do
		chmod u+w "$f"; printf x | dd of="$f" bs=1 seek=60 conv=notrunc 2>/dev/null
	done &&
	test_must_fail 1 remote models download iris 3 --out got3 &&
	test "$(ls -A client | tr "\n" " ")" = "got1 got2 "
'

test_expect_success 'rollback through the server, recorded there' '
	server_stop s && rm -rf p && mkdir p && cd p && cairn init >/dev/null &&
	mkdir v1 v2 && make_random v1/m.bin 10 && make_random v2/m.bin 10 &&
	cairn models create iris &&
	cairn models register iris --from v1 >/dev/null &&
	cairn models register iris --from v2 >/dev/null &&
	cairn models promote iris 1 --to production --reason "first" &&
	cairn models promote iris 2 --to production --reason "second" &&
	cd .. && server_start p s &&
	test_must_fail 1 remote models rollback iris --expect 1 --reason "stale" &&
	test_stderr_contains "held by version 2, not version 1 as expected" &&
	remote models rollback iris --expect 2 --reason "v2 is broken" >out &&
	grep "rolled back to version 1" out &&
	(cd p && cairn models show models:/iris@production --json) | grep "\"version\": \"1\"" &&
	(cd p && cairn audit log --action model.alias.rollback) | grep "reason: v2 is broken" &&
	test_must_fail 1 remote models rollback iris --reason more &&
	test_stderr_contains "no earlier holder" &&
	test_must_fail 1 remote models rollback nope --reason x &&
	test_stderr_contains "not found"
'

test_expect_success 'deployments against the server: set, list, show' '
	remote --user ann deployments set web --model models:/iris@production \
		--reason "go live" >out &&
	grep "deployment web created (generation 1)" out &&
	remote deployments set web --canary models:/iris/2=20 >out &&
	grep "generation 2" out &&
	remote deployments set web --canary-percent 20 >out &&
	grep "unchanged (generation 2)" out &&
	test_must_fail 1 remote deployments set web --shadow bad &&
	test_stderr_contains "shadow: Not a proper models:/ URI" &&
	test_must_fail 1 remote deployments set nope --canary-percent 5 &&
	test_stderr_contains "create it with --model" &&
	test_must_fail 1 remote deployments show nope &&
	test_stderr_contains "no deployment named" &&
	(cd p && cairn deployments show web --json) >j &&
	grep "\"canary_percent\": 20" j &&
	(cd p && cairn audit log --object deployment:web) >log &&
	grep "ann .*deployment.create" log && grep "reason: go live" log
'

test_expect_success 'a serving layer records its events through the server' '
	remote deployments record web start --model iris/1 \
		--details "{\"role\": \"primary\", \"traffic\": 80}" >out &&
	grep "recorded deployment.start on web" out &&
	remote deployments record web start --model iris/2 \
		--details "{\"role\": \"canary\", \"traffic\": 20}" &&
	remote deployments record web rollback --model iris/1 \
		--details "{\"error_rate\": 0.25}" --reason "error rate 25% > 1%" &&
	test_must_fail 1 remote deployments record web explode &&
	test_stderr_contains "unknown deployment event" &&
	test_must_fail 1 remote deployments record nope stop &&
	test_stderr_contains "no deployment named" &&
	test_must_fail 1 remote deployments record web start --model iris/1 --details "[1]" &&
	test_stderr_contains "must be a JSON object" &&
	test_must_fail 129 remote deployments record web start --model iris &&
	remote deployments show web >out && cat out &&
	grep "^model:   models:/iris@production  serving iris/1" out &&
	grep "^canary:  models:/iris/2  20%  serving iris/2" out &&
	grep "deployment.rollback  *iris/1 .* error rate 25% > 1%" out &&
	(cd p && cairn audit log --action deployment.rollback) | grep "error_rate"
'

test_expect_success 'the same answers remotely as locally' '
	(cd p && CAIRN_TRACKING_URI=$(server_uri s) "$CAIRN" deployments list) >remote.out &&
	(cd p && cairn deployments list) >local.out &&
	test_cmp() { diff -u "$1" "$2"; } && test_cmp local.out remote.out &&
	remote deployments show web --json >remote.json &&
	(cd p && cairn deployments show web --json) >local.json &&
	test_cmp local.json remote.json &&
	(cd p && cairn audit verify)
'

test_done
