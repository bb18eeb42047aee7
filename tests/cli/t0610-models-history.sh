#!/bin/sh
# Controlled moves of aliases and their record: promote with a reason
# (Archived versions refused, --expect as a compare-and-swap that one of
# two racing promotions loses), history of alias and stage moves with
# actor and reason, "at" answering what held an alias at a time, and
# rollback: one step back after verifying the bytes (--expect: only from
# the holder named), further back when repeated, passing over deleted
# versions, refusing tampered content.
. "$TEST_DIRECTORY/lib.sh"

now_ms() {
	python3 -c 'import time; print(int(time.time() * 1000))'
}

test_expect_success 'setup: a model with four versions' '
	mkdir p && cd p && cairn init >/dev/null && cairn models create m &&
	mkdir d && for i in 1 2 3 4; do
		make_random d/w.bin $((1000 + i)) && cairn models register m --from d >/dev/null
	done && cp d/w.bin w4.bin
'

test_expect_success 'promote needs a reason and moves the alias' '
	cd p && test_must_fail 129 cairn models promote m 1 --to production &&
	test_stderr_contains "needs --reason" &&
	cairn models promote m 1 --to production --reason "first release" >out &&
	grep "^m@production is version 1" out && now_ms >t1 && sleep 0.01 &&
	cairn --user alice models promote m 2 --to production --expect 1 --reason "auc +2%" &&
	cairn models show models:/m@production >out && grep "^version     2" out
'

test_expect_success 'a stale --expect loses: conflict, nothing changed' '
	cd p && test_must_fail 1 cairn models promote m 3 --to production --expect 1 \
		--reason "racing" &&
	test_stderr_contains "held by version 2, not version 1 as expected" &&
	cairn models show models:/m@production >out && grep "^version     2" out &&
	test_must_fail 1 cairn models promote m 3 --to canary --expect 2 --reason r &&
	test_stderr_contains "held by no version" &&
	cairn models promote m 3 --to canary --expect none --reason "canary"
'

test_expect_success 'two concurrent promotions from the same state: one wins' '
	cd p && cairn models promote m 1 --to race --reason start
	( cairn models promote m 3 --to race --expect 1 --reason a >a.out 2>a.err &&
	  echo 0 >a.rc || echo 1 >a.rc ) &
	( cairn models promote m 4 --to race --expect 1 --reason b >b.out 2>b.err &&
	  echo 0 >b.rc || echo 1 >b.rc ) &
	wait
	test "$(cat a.rc)$(cat b.rc)" = 01 -o "$(cat a.rc)$(cat b.rc)" = 10 &&
	cat a.err b.err | grep "as expected"
'

test_expect_success 'Archived versions are not promoted' '
	cd p && cairn models stage m 4 Archived &&
	test_must_fail 1 cairn models promote m 4 --to production --reason r &&
	test_stderr_contains "Archived" && cairn models stage m 4 None
'

test_expect_success 'history: alias and stage moves with actor and reason' '
	cd p && cairn models promote m 3 --to production --reason "new features" &&
	cairn models stage m 3 Production &&
	cairn models history m >out &&
	grep "alice  *model.alias.set  *@production  *v1 -> v2  *auc +2%" out &&
	grep "model.version.stage  *v3 stage  *Production" out &&
	cairn models history m --alias production >out &&
	test $(grep -c "model.alias.set" out) = 3 && ! grep canary out &&
	cairn models history m --alias production --json >j &&
	grep "\"reason\": \"first release\"" j && grep "\"to\": 3" j
'

test_expect_success 'at: what held the alias then' '
	cd p && cairn models at m@production --time "$(cat t1)" >out &&
	grep "was version 1" out &&
	cairn models at models:/m@production --time "$(now_ms)" >out &&
	grep "was version 3" out &&
	cairn models at m@production --time 2020-01-01T00:00Z >out &&
	grep "was not set then" out &&
	test_must_fail 129 cairn models at m@production --time yesterday
'

test_expect_success 'rollback walks back one step at a time, verified' '
	cd p && test_must_fail 1 cairn models rollback m --expect 2 --reason r &&
	test_stderr_contains "held by version 3, not version 2 as expected" &&
	test_must_fail 129 cairn models rollback m --expect none --reason r &&
	cairn models rollback m --expect 3 --reason "latency regression" >out &&
	grep "rolled back to version 2 (verified)" out &&
	cairn models show models:/m@production >out && grep "^version     2" out &&
	test_must_fail 1 cairn models rollback m --expect 3 --reason "again" &&
	test_stderr_contains "held by version 2, not version 3 as expected" &&
	cairn models show models:/m@production >out && grep "^version     2" out &&
	cairn models rollback m --reason "still bad" >out && grep "version 1" out &&
	test_must_fail 1 cairn models rollback m --reason "nothing left" &&
	test_stderr_contains "no earlier holder" &&
	cairn models history m --alias production >out &&
	grep "model.alias.rollback  *@production  *v3 -> v2  *latency regression" out
'

test_expect_success 'rollback passes over a deleted version' '
	cd p && cairn models promote m 2 --to blue --reason a &&
	cairn models promote m 3 --to blue --reason b &&
	cairn models promote m 4 --to blue --reason c &&
	cairn models delete m 3 --force &&
	cairn models rollback m --alias blue --reason r >out &&
	grep "version 2" out
'

test_expect_success 'rollback refuses a previous holder whose bytes changed' '
	cd p && cairn models promote m 4 --to green --reason a &&
	cairn models promote m 1 --to green --reason b &&
	python3 - <<-PY
	import glob
	needle = open("w4.bin", "rb").read()[:64]
	for f in glob.glob(".cairn/objects/pack/*.pack"):
	    data = bytearray(open(f, "rb").read())
	    i = data.find(needle)
	    if i >= 0:
	        data[i + 5] ^= 0xff
	        open(f, "wb").write(bytes(data))
	        break
	else:
	    raise SystemExit("not found")
	PY
	test_must_fail 1 cairn models rollback m --alias green --reason r &&
	test_stderr_contains "w.bin" &&
	cairn models show models:/m@green >out && grep "^version     1" out
'

test_expect_success 'every move is in the audit log, and the chain verifies' '
	cd p && cairn audit log --object model:m >out &&
	grep "model.alias.rollback" out && cairn audit verify
'

test_expect_success 'history, at and rollback follow a model through renames' '
	mkdir q && cd q && cairn init >/dev/null && cairn models create old &&
	mkdir d && for i in 1 2 3; do
		make_random d/w.bin $((2000 + i)) && cairn models register old --from d >/dev/null
	done &&
	cairn models promote old 1 --to production --reason "under the old name" &&
	now_ms >t1 && sleep 0.01 &&
	cairn models rename old new &&
	cairn models promote new 2 --to production --reason "under the new name" &&
	cairn models create old && make_random d/w.bin 9 &&
	cairn models register old --from d >/dev/null &&
	cairn models promote old 1 --to production --reason "another model" &&
	cairn models history new --alias production >out &&
	grep "under the old name" out && grep "under the new name" out &&
	! grep "another model" out &&
	cairn models at new@production --time "$(cat t1)" >out && grep "version 1" out &&
	cairn models rollback new --reason "back across the rename" >out &&
	grep "rolled back to version 1" out
'

test_done
