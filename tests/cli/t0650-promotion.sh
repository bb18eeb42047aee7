#!/bin/sh
# Controlled promotion on the command line: policies parsed strictly (a
# bad one changes nothing), gates that pass and fail with the failing gate
# named and nothing moved (a plain alias set and a stage move too), compare-and-swap (two concurrent promotions:
# exactly one wins), approvals (the requester cannot approve, N distinct
# approvers, one vote each, rejection, an approval used up), and
# everything in an intact audit log afterwards. (Promote itself, history,
# at and rollback: t0610.)
. "$TEST_DIRECTORY/lib.sh"

# make_run NAME ACCURACY AUC CONTEXT: a finished run with a model directory.
make_run() {
	cairn runs start --name "$1" >/dev/null &&
	mkdir -p "m-$1/model" && make_random "m-$1/model/weights.bin" 2000 &&
	(cd "m-$1" && cairn log artifact --run "$1" model) &&
	cairn log metric --run "$1" accuracy="$2" auc="$3" &&
	cairn log input --run "$1" --context "$4" eval.csv &&
	cairn runs end "$1"
}

test_expect_success 'setup: four runs, four versions' '
	mkdir p && cd p && cairn init >/dev/null &&
	echo "x,y" >eval.csv && echo "1,2" >>eval.csv && cairn data add eval.csv >/dev/null &&
	make_run r1 0.91 0.80 evaluation &&
	make_run r2 0.871 0.85 evaluation &&
	make_run r3 0.95 0.70 training &&
	make_run r4 0.93 0.86 evaluation &&
	cairn models create iris &&
	for r in r1 r2 r3 r4; do cairn models register iris --run $r >/dev/null || exit 1; done
'

test_expect_success 'a first promotion, without a policy' '
	cd p && cairn models promote iris 1 --to production --reason "first release" &&
	cairn models show models:/iris@production --json >j && grep "\"version\": \"1\"" j
'

test_expect_success 'a policy that does not parse is refused and changes nothing' '
	cd p && test_must_fail 1 cairn models policy set iris production "metrics.accuracy >>= 0.9" &&
	test_stderr_contains "policy line 1" &&
	test_must_fail 1 cairn models policy set iris production "metrics.accuracy >= nan" &&
	test_stderr_contains "finite decimal" &&
	test_must_fail 1 cairn models policy set iris production "bogus gate" &&
	test_stderr_contains "unknown gate" &&
	test_must_fail 1 cairn models policy set iris production --approvals 0 &&
	test_stderr_contains "approvals takes a number" &&
	test_must_fail 1 cairn models policy set iris production &&
	test_stderr_contains "empty policy" &&
	test_must_fail 1 cairn models policy set iris "no good" "approvals 1" &&
	test_stderr_contains "Invalid alias name" &&
	test_must_fail 1 cairn models policy set nope production "approvals 1" &&
	test_stderr_contains "nope not found" &&
	cairn models policy show iris production >out && grep "no policy" out
'

test_expect_success 'policy set, show, in canonical form' '
	cd p && cairn models policy set iris production "metrics.accuracy >= 0.90" \
		--not-worse-than-current metrics.auc --require-input-context evaluation \
		--reason "release rules" &&
	cairn models policy show iris production >out &&
	grep "^  metrics.accuracy >= 0.9$" out && grep "^  metrics.auc >= current$" out &&
	grep "^  input-context evaluation$" out &&
	cairn models policy show iris --json >j && grep "\"target\": \"production\"" j &&
	cairn audit log --action model.policy.set >log && grep "release rules" log &&
	grep "model:iris" log
'

test_expect_success 'a failing gate is named with the reason; nothing moves' '
	cd p && test_must_fail 1 cairn models promote iris 2 --to production --reason r &&
	test_stderr_contains "gate .metrics.accuracy >= 0.9. failed: run [0-9a-f]\{8\} has accuracy 0.871" &&
	test_must_fail 1 cairn models promote iris 3 --to production --reason r &&
	test_stderr_contains "gate .metrics.auc >= current. failed: run [0-9a-f]\{8\} has auc 0.7, the current holder (version 1" &&
	test_stderr_contains "gate .input-context evaluation. failed: run [0-9a-f]\{8\} has no data set input with context .evaluation." &&
	test_must_fail 1 cairn models alias iris production 2 &&
	test_stderr_contains "gate .metrics.accuracy >= 0.9. failed" &&
	cairn models show models:/iris@production --json >j && grep "\"version\": \"1\"" j
'

test_expect_success 'the Production stage is gated by the production policy too' '
	cd p && test_must_fail 1 cairn models stage models:/iris/2 Production &&
	test_stderr_contains "gate .metrics.accuracy >= 0.9. failed" &&
	cairn models show models:/iris/2 >out && grep "^stage  *None" out &&
	cairn models stage models:/iris/2 Staging &&
	cairn models show models:/iris/2 >out && grep "^stage  *Staging" out &&
	cairn models stage models:/iris/1 Production &&
	cairn models show models:/iris/1 >out && grep "^stage  *Production" out
'

test_expect_success 'when every gate passes, the promotion happens' '
	cd p && cairn models promote iris 4 --to production --reason "better auc" &&
	cairn models show models:/iris@production --json >j && grep "\"version\": \"4\"" j &&
	cairn models policy unset iris production --reason "done" &&
	test_must_fail 1 cairn models policy unset iris production &&
	test_stderr_contains "no policy"
'

test_expect_success 'two concurrent promotions of one alias: exactly one wins' '
	cd p && cairn models promote iris 1 --to champion --reason a
	holder() {
		cairn models show models:/iris@champion | sed -n "s/^version  *//p"
	}
	for round in 1 2 3; do
		cur=$(holder)
		a=2; b=3
		if [ "$cur" = 2 ]; then a=1; fi
		if [ "$cur" = 3 ]; then b=1; fi
		(set +e; cairn models promote iris $a --to champion --expect $cur --reason A \
			>a.out 2>a.err; echo $? >a.rc) &
		(set +e; cairn models promote iris $b --to champion --expect $cur --reason B \
			>b.out 2>b.err; echo $? >b.rc) &
		wait
		rcs="$(cat a.rc) $(cat b.rc)"
		[ "$rcs" = "0 1" ] || [ "$rcs" = "1 0" ] || { echo "exit codes $rcs"; exit 1; }
		[ "$(cat a.err b.err | grep -c "not version $cur as expected")" = 1 ]
		now=$(holder)
		if [ "$(cat a.rc)" = 0 ]; then [ "$now" = $a ]; else [ "$now" = $b ]; fi
	done
'

test_expect_success 'approvals: the requester cannot approve; N distinct approvers' '
	cd p && cairn models policy set iris canary "approvals 2" &&
	cairn --user alice models request iris 4 --to canary --reason "ship it" >out &&
	grep "^request 1: promote version 4 of iris to canary" out &&
	test_must_fail 1 cairn --user alice models request iris 4 --to canary --reason again &&
	test_stderr_contains "already pending" &&
	test_must_fail 1 cairn models promote iris 4 --to canary --reason r &&
	test_stderr_contains "gate .approvals 2. failed: no approved request to promote version 4 to canary (request 1 is pending)" &&
	test_must_fail 1 cairn --user alice models approve 1 &&
	test_stderr_contains "alice requested request 1 and cannot approve it" &&
	cairn --user bob models approve 1 --reason lgtm >out && grep "1 of 2" out &&
	test_must_fail 1 cairn --user bob models approve 1 &&
	test_stderr_contains "bob has already voted on request 1" &&
	cairn --user carol models approve 1 >out && grep "approved (2 of 2)" out &&
	test_must_fail 1 cairn --user dave models approve 1 &&
	test_stderr_contains "request 1 is approved" &&
	cairn --user dave models promote iris 4 --to canary --reason "approved by two" &&
	cairn models requests iris >out && grep "^1  *iris  *4  *canary  *promoted  *2/2  *alice" out &&
	cairn models requests --json >j && grep "\"status\": \"promoted\"" j &&
	cairn models alias iris --delete canary &&
	test_must_fail 1 cairn models promote iris 4 --to canary --reason again &&
	test_stderr_contains "no approved request"
'

test_expect_success 'rejection needs a reason and ends the request' '
	cd p && cairn --user alice models request iris 2 --to canary --reason "try 2" &&
	test_must_fail 1 cairn --user bob models reject 2 &&
	test_stderr_contains "needs a reason" &&
	cairn --user bob models reject 2 --reason "accuracy too low" >out && grep "rejected" out &&
	test_must_fail 1 cairn --user carol models approve 2 &&
	test_stderr_contains "request 2 is rejected" &&
	test_must_fail 1 cairn models approve 99 && test_stderr_contains "no promotion request 99" &&
	cairn audit log --action model.request. >log &&
	[ "$(grep -c "^[0-9].*model.request" log)" = 5 ]
'

test_expect_success 'the audit log is intact after all of it' '
	cd p && cairn audit verify >out && grep "intact" out
'

test_done
