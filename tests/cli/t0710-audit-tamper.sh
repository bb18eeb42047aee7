#!/bin/sh
# cairn audit verify against a database edited behind cairn's back (with
# SQLite through /usr/bin/python3, after dropping the triggers that make
# the table append-only): a field modified, an event deleted, a forged
# event inserted, two events swapped, the tail truncated, the whole chain
# rewritten consistently. Each is caught with exit 1 and a message that
# names the first bad event; the head record's absence is a warning.
. "$TEST_DIRECTORY/lib.sh"

# Run SQL on the project's database in the current directory.
sql() {
	/usr/bin/python3 -c '
import sqlite3, sys
c = sqlite3.connect(".cairn/cairn.db")
c.executescript(sys.argv[1])
c.commit()
' "$1"
}

untrigger="DROP TRIGGER audit_events_no_update; DROP TRIGGER audit_events_no_delete;"

# A fresh copy of the base project, named $1.
copy() {
	cp -r base "$1"
}

test_expect_success 'setup: a project with ten events' '
	mkdir base && cd base && cairn init &&
	for e in a b c d e; do cairn experiments create $e; done &&
	cairn experiments rename a a2 && cairn experiments delete b &&
	cairn runs start --name r1 >/dev/null && cairn runs end r1 &&
	printf "x\n" >f && cairn data add f >/dev/null &&
	cairn audit verify >out && grep "intact: 10 events" out
'

test_expect_success 'the table refuses changes through SQLite' '
	copy t0 && cd t0 &&
	! sql "UPDATE audit_events SET actor = \"mallory\" WHERE seq = 3" 2>err &&
	grep "append-only" err &&
	! sql "DELETE FROM audit_events WHERE seq = 3" 2>err &&
	grep "append-only" err &&
	cairn audit verify
'

test_expect_success 'a modified field is named' '
	copy t1 && cd t1 &&
	sql "$untrigger UPDATE audit_events SET actor = \"mallory\" WHERE seq = 4" &&
	test_must_fail 1 cairn audit verify &&
	test_stderr_contains "audit log modified at event 4: event 4 was modified" &&
	test_stderr_contains "(3 events before it verified)"
'

test_expect_success 'a modified before/after is named' '
	copy t2 && cd t2 &&
	sql "$untrigger UPDATE audit_events SET after = replace(after, \"a2\", \"zz\") WHERE seq = 6" &&
	test_must_fail 1 cairn audit verify &&
	test_stderr_contains "event 6 was modified" &&
	test_must_fail 1 cairn audit verify --json >j &&
	grep "\"problem\": \"modified\"" j && grep "\"seq\": 6" j &&
	grep "\"ok\": false" j
'

test_expect_success 'a deleted event is named' '
	copy t3 && cd t3 &&
	sql "$untrigger DELETE FROM audit_events WHERE seq = 5" &&
	test_must_fail 1 cairn audit verify &&
	test_stderr_contains "audit log removed at event 5: event 5 was removed"
'

test_expect_success 'a deleted event with the rest renumbered is named' '
	copy t4 && cd t4 &&
	sql "$untrigger DELETE FROM audit_events WHERE seq = 5;
	     UPDATE audit_events SET seq = seq - 1 WHERE seq > 5" &&
	test_must_fail 1 cairn audit verify &&
	test_stderr_contains "audit log removed at event 5"
'

test_expect_success 'a forged event inserted in the middle is named' '
	copy t5 && cd t5 &&
	sql "$untrigger UPDATE audit_events SET seq = seq + 100 WHERE seq >= 7;
	     UPDATE audit_events SET seq = seq - 99 WHERE seq >= 107;
	     INSERT INTO audit_events SELECT 7, time, \"mallory\", \"run.delete\",
	       \"run:x\", NULL, NULL, NULL, hash, hash FROM audit_events WHERE seq = 6" &&
	test_must_fail 1 cairn audit verify &&
	test_stderr_contains "audit log inserted at event 7: event 7 was inserted"
'

test_expect_success 'a forged event appended at the end is named' '
	copy t6 && cd t6 &&
	sql "INSERT INTO audit_events SELECT 11, time + 1, \"mallory\", \"run.delete\",
	       \"run:x\", NULL, NULL, NULL, hash, hash FROM audit_events WHERE seq = 10" &&
	test_must_fail 1 cairn audit verify &&
	test_stderr_contains "audit log inserted at event 11"
'

test_expect_success 'two swapped events are named' '
	copy t7 && cd t7 &&
	sql "$untrigger UPDATE audit_events SET seq = 100 WHERE seq = 3;
	     UPDATE audit_events SET seq = 3 WHERE seq = 4;
	     UPDATE audit_events SET seq = 4 WHERE seq = 100" &&
	test_must_fail 1 cairn audit verify &&
	test_stderr_contains "audit log reordered at event 3: event 3 was reordered: it was recorded as event 4"
'

test_expect_success 'a truncated tail is caught by the head record' '
	copy t8 && cd t8 &&
	sql "$untrigger DELETE FROM audit_events WHERE seq > 8" &&
	test_must_fail 1 cairn audit verify &&
	test_stderr_contains "audit log truncated at event 9" &&
	test_stderr_contains "ends at event 8 but the head record names event 10"
'

test_expect_success 'a chain rewritten consistently is caught by the head record' '
	copy t9 && cd t9 &&
	cairn audit log --json >j &&
	/usr/bin/python3 - j >rewrite.sql <<-\EOF &&
	import hashlib, json, sys
	prev = "0" * 64
	for e in json.load(open(sys.argv[1])):
	    if e["seq"] == 2:
	        e["actor"] = "mallory"
	    body = {k: e[k] for k in ("action", "actor", "after", "before",
	                              "object", "reason", "seq", "time")}
	    canon = json.dumps(body, sort_keys=True, separators=(",", ":"))
	    h = hashlib.sha256((prev + canon).encode()).hexdigest()
	    print("UPDATE audit_events SET actor = %s, prev = %s, hash = %s WHERE seq = %d;"
	          % (json.dumps(e["actor"]), json.dumps(prev), json.dumps(h), e["seq"]))
	    prev = h
	EOF
	sql "$untrigger $(cat rewrite.sql)" &&
	cairn audit log --action experiment.create | grep mallory &&
	test_must_fail 1 cairn audit verify &&
	test_stderr_contains "event 10 was modified: its hash differs from the head record"
'

test_expect_success 'without the head record: intact, with a warning' '
	copy t10 && cd t10 && rm .cairn/audit-head &&
	cairn audit verify >out 2>err && grep "intact: 10 events" out &&
	grep "warning: no head record" err &&
	cairn experiments create f && test -f .cairn/audit-head &&
	cairn audit verify 2>err && test ! -s err
'

test_expect_success '--expect: the head hash kept elsewhere catches a rewrite with its head record' '
	head=$(cd base && cairn audit verify | sed -n "s/^head: event \([0-9]*\) \([0-9a-f]*\)$/\1:\2/p") &&
	test -n "$head" &&
	(cd base && cairn audit verify --expect "$head") &&
	copy t11 && cd t11 &&
	cairn audit log --json >j &&
	/usr/bin/python3 - j >rewrite.sql <<-\EOF &&
	import hashlib, json, sys
	prev = "0" * 64
	for e in json.load(open(sys.argv[1])):
	    if e["seq"] == 2:
	        e["actor"] = "mallory"
	    body = {k: e[k] for k in ("action", "actor", "after", "before",
	                              "object", "reason", "seq", "time")}
	    canon = json.dumps(body, sort_keys=True, separators=(",", ":"))
	    h = hashlib.sha256((prev + canon).encode()).hexdigest()
	    print("UPDATE audit_events SET actor = %s, prev = %s, hash = %s WHERE seq = %d;"
	          % (json.dumps(e["actor"]), json.dumps(prev), json.dumps(h), e["seq"]))
	    prev = h
	print("-- head %d %s" % (e["seq"], h))
	EOF
	sql "$untrigger $(cat rewrite.sql)" &&
	new=$(sed -n "s/^-- head [0-9]* //p" rewrite.sql) &&
	printf "%020d %s\n" 10 "$new" >.cairn/audit-head &&
	cairn audit verify &&
	test_must_fail 1 cairn audit verify --expect "$head" &&
	test_stderr_contains "audit log rewritten: event 10 has hash"
'

test_expect_success '--expect catches a tail cut with its head record' '
	head=$(cd base && cairn audit verify | sed -n "s/^head: event \([0-9]*\) \([0-9a-f]*\)$/\1:\2/p") &&
	copy t12 && cd t12 &&
	sql "$untrigger DELETE FROM audit_events WHERE seq > 8" &&
	last=$(cairn audit log --json | /usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin)[-1][\"hash\"])") &&
	printf "%020d %s\n" 8 "$last" >.cairn/audit-head &&
	cairn audit verify &&
	test_must_fail 1 cairn audit verify --expect "$head" &&
	test_stderr_contains "audit log truncated: event 10" &&
	test_stderr_contains "it ends at event 8"
'

test_expect_success '--expect: an earlier head still matches after more events' '
	head=$(cd base && cairn audit verify | sed -n "s/^head: event \([0-9]*\) \([0-9a-f]*\)$/\1:\2/p") &&
	copy t13 && cd t13 && cairn experiments create later &&
	cairn audit verify --expect "$head" &&
	test_must_fail 129 cairn audit verify --expect 10 &&
	test_must_fail 129 cairn audit verify --expect 0:$(printf "%064d" 0) &&
	test_must_fail 129 cairn audit verify --expect x:abc
'

test_done
