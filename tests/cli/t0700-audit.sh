#!/bin/sh
# cairn audit log: what each change of the store records (experiments,
# runs, data set versions added and pulled, the data a run used), with its
# actor (the OS user or --user), before and after; what is not recorded
# (params, tags, metrics; a change that failed); the filters; and the
# chain recomputed from 'audit log --json' by an independent program, by
# the rules of docs/internals/audit.md.
. "$TEST_DIRECTORY/lib.sh"

# The "ACTION OBJECT" of every event, one per line.
actions() {
	"$CAIRN" audit log --json "$@" | /usr/bin/python3 -c '
import json, sys
for e in json.load(sys.stdin):
    print(e["action"], e["object"])
'
}

test_expect_success 'setup: a project with no events' '
	mkdir p && cd p && cairn init &&
	cairn audit log >out && test ! -s out &&
	cairn audit log --json >out && test "$(cat out)" = "[]" &&
	cairn audit verify >out && grep "intact: 0 events" out
'

test_expect_success 'experiment changes are recorded with before and after' '
	cd p && cairn experiments create alpha &&
	cairn experiments rename alpha beta &&
	cairn experiments tag beta team vision &&
	cairn experiments tag beta team nlp &&
	cairn experiments delete beta && cairn experiments restore beta &&
	actions >out &&
	cat >expect <<-EOF &&
	experiment.create experiment:1
	experiment.rename experiment:1
	experiment.tag.set experiment:1
	experiment.tag.set experiment:1
	experiment.delete experiment:1
	experiment.restore experiment:1
	EOF
	diff expect out &&
	cairn audit log >text &&
	grep "^2  .*experiment.rename  *experiment:1$" text &&
	grep "{\"name\":\"alpha\"} -> {\"name\":\"beta\"}" text &&
	grep "{\"key\":\"team\",\"value\":\"vision\"} -> {\"key\":\"team\",\"value\":\"nlp\"}" text &&
	grep "{\"lifecycle_stage\":\"active\"} -> {\"lifecycle_stage\":\"deleted\"}" text
'

test_expect_success 'the actor is the OS user, or --user' '
	cd p && me=$(id -un) &&
	cairn audit log --action experiment.create | grep " $me  *experiment.create" &&
	cairn --user alice experiments create gamma &&
	cairn audit log --action experiment.create | grep "  alice  *experiment.create  *experiment:2$" &&
	test_must_fail 128 cairn --user "" experiments create delta &&
	test_stderr_contains "actor" &&
	test_must_fail 129 cairn --user
'

test_expect_success 'a change that fails records nothing' '
	cd p && n=$(actions | wc -l) &&
	test_must_fail 1 cairn experiments create gamma &&
	test_must_fail 1 cairn experiments delete 0 &&
	test_must_fail 1 cairn experiments restore gamma &&
	test $(actions | wc -l) = $n
'

test_expect_success 'run lifecycle is recorded; params, tags and metrics are not' '
	cd p && id=$(cairn runs start --experiment beta --name r1) &&
	cairn log param --run r1 lr=0.1 && cairn log metric --run r1 loss=0.5 &&
	cairn log tag --run r1 note=x &&
	cairn runs end r1 --status FAILED &&
	cairn runs delete r1 && cairn runs restore r1 &&
	actions --object run:$id >out &&
	cat >expect <<-EOF &&
	run.create run:$id
	run.status run:$id
	run.delete run:$id
	run.restore run:$id
	EOF
	diff expect out &&
	cairn audit log --object run:$id >text &&
	grep "\"status\":\"RUNNING\"" text &&
	grep "\"status\":\"FAILED\"" text
'

test_expect_success 'data set versions and the data a run used are recorded' '
	cd p && printf "a,b\n1,2\n3,4\n" >d.csv && cairn data add d.csv &&
	printf "a,b\n5,6\n" >d.csv && cairn data add d.csv &&
	cairn data add d.csv &&
	id=$(cairn runs start --name r2) && cairn log input --run r2 d.csv@v1 &&
	actions --object dataset:d.csv >out &&
	printf "dataset.version.add dataset:d.csv@v1\ndataset.version.add dataset:d.csv@v2\n" >expect &&
	diff expect out &&
	cairn audit log --object dataset:d.csv@v1 --json >j &&
	grep "\"rows\":2" j && grep "\"path\":\"d.csv\"" j &&
	actions --action run.input >out &&
	test "$(cat out)" = "run.input run:$id" &&
	cairn audit log --action run.input | grep "\"dataset\":\"d.csv\",.*\"version\":1"
'

test_expect_success 'versions learnt from a remote are recorded as imports' '
	cd p && cairn remote add origin ../r && cairn data push &&
	mkdir ../c && cp d.csv.cairn ../c/ && cd ../c && cairn init &&
	cairn remote add origin ../r && cairn data fetch &&
	actions >out &&
	printf "dataset.version.import dataset:d.csv@v1\ndataset.version.import dataset:d.csv@v2\n" >expect &&
	diff expect out && cairn audit verify
'

test_expect_success 'filters: action prefix, time range; bad times are usage errors' '
	cd p && actions --action run. >out &&
	test $(grep -c "^run\." out) = $(wc -l <out) && test $(wc -l <out) -ge 5 &&
	cairn audit log --since 2000-01-01 >all && test -s all &&
	cairn audit log --until 2000-01-01T00:00Z >none && test ! -s none &&
	cairn audit log --since 9999-01-01 >none && test ! -s none &&
	now=$(date +%s)000 && cairn audit log --until $now | grep experiment.create &&
	test_must_fail 129 cairn audit log --since yesterday &&
	test_stderr_contains "is not a time" &&
	test_must_fail 129 cairn audit log --until 2026-02-30 &&
	test_must_fail 129 cairn audit bogus &&
	test_must_fail 129 cairn audit
'

test_expect_success 'the chain recomputes from the JSON by the documented rules' '
	cd p && cairn audit log --json >j &&
	/usr/bin/python3 - j <<-\EOF
	import hashlib, json, re, sys
	prev = "0" * 64
	events = json.load(open(sys.argv[1]))
	assert len(events) > 10, len(events)
	for n, e in enumerate(events, 1):
	    assert e["seq"] == n and e["prev_hash"] == prev, e
	    body = {k: e[k] for k in ("action", "actor", "after", "before",
	                              "object", "reason", "seq", "time")}
	    canon = json.dumps(body, sort_keys=True, separators=(",", ":"),
	                       ensure_ascii=True)
	    canon = re.sub(r"\\u([0-9a-f]{4})", lambda m: "\\u" + m.group(1).upper(), canon)
	    h = hashlib.sha256((prev + canon).encode()).hexdigest()
	    assert h == e["hash"], (n, canon)
	    prev = h
	EOF
'

test_expect_success 'verify: intact, the head hash, --json' '
	cd p && cairn audit verify >out &&
	n=$(actions | wc -l) &&
	grep "^audit log intact: $n events$" out &&
	last=$(cairn audit log --json | /usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin)[-1][\"hash\"])") &&
	grep "^head: event $n $last$" out &&
	cairn audit verify --json >j &&
	grep "\"ok\": true" j && grep "\"problem\": \"ok\"" j &&
	grep "\"head_checked\": true" j && grep "\"head_hash\": \"$last\"" j
'

test_done
