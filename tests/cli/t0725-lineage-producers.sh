#!/bin/sh
# The run that produced a data set version: recorded by `cairn data add`
# inside `cairn run` ($CAIRN_RUN_ID) or with --run; the first producer is
# kept when the same content is added again; carried by push and pull;
# followed by cairn lineage upstream (model <- run <- data <- producing run
# <- its data) and downstream, in tree, json and dot, without looping on
# a run that used its own output.
. "$TEST_DIRECTORY/lib.sh"

# The edges of a lineage graph as sorted "FROM -> TO KIND" lines, with
# run ids replaced by run names.
edges() {
	"$CAIRN" lineage "$@" --format json | /usr/bin/python3 -c '
import json, sys
g = json.load(sys.stdin)
names = {n["node"]: "run:" + n.get("name", "?") for n in g["nodes"] if n["type"] == "run"}
out = []
for e in g["edges"]:
    f, t = names.get(e["from"], e["from"]), names.get(e["to"], e["to"])
    out.append("%s -> %s %s" % (f, t, e["kind"]))
print("\n".join(sorted(out)))
'
}

# The value of key in a data set version's JSON.
field() {
	"$CAIRN" data show --json "$1" | /usr/bin/python3 -c '
import json, sys
print(json.load(sys.stdin).get(sys.argv[1], "-"))' "$2"
}

run_id() {
	"$CAIRN" runs list --all --json | /usr/bin/python3 -c '
import json, sys
d = json.load(sys.stdin)
runs = d["runs"] if isinstance(d, dict) else d
print([r["info"]["run_id"] for r in runs if r["info"]["run_name"] == sys.argv[1]][0])' "$1"
}

test_expect_success 'setup: raw data, a prep run writing features, a training run' '
	mkdir p && cd p && cairn init &&
	printf "a,b\n1,2\n3,4\n" >raw.csv && cairn data add raw.csv &&
	cairn run --name prep --input raw.csv -- sh -c \
		"printf \"f\n3\n7\n\" >features.csv && \"\$CAIRN\" data add features.csv" &&
	cairn run --name train --input features.csv -- sh -c \
		"mkdir -p model && echo w >model/w.bin && \"\$CAIRN\" log artifact model" &&
	cairn models create churn >/dev/null &&
	cairn models register churn --run train --path model >/dev/null
'

test_expect_success 'data add inside cairn run records the run' '
	cd p && prep=$(run_id prep) &&
	test "$(field features.csv@v1 run_id)" = "$prep" &&
	test "$(field raw.csv@v1 run_id)" = "-" &&
	cairn data show features.csv | grep "^run       $prep$" &&
	! cairn data show raw.csv | grep "^run " &&
	cairn data log features.csv | grep "^v1 .* $(echo $prep | cut -c1-12)$" &&
	cairn data log raw.csv | grep "^v1 .* -$"
'

test_expect_success 'the audit event names the producing run' '
	cd p && prep=$(run_id prep) &&
	cairn audit log --json --object dataset:features.csv@v1 >out &&
	grep "run_id.*$prep" out
'

test_expect_success 'lineage of the model: model <- train <- features <- prep <- raw' '
	cd p && edges models:/churn/1 >out &&
	cat >expect <<-\EOF &&
	data:features.csv@v1 -> run:train input
	data:raw.csv@v1 -> run:prep input
	run:prep -> data:features.csv@v1 produced
	run:train -> model:churn/1 registered
	EOF
	diff expect out &&
	cairn lineage models:/churn/1 >out &&
	sed -n 2p out | grep "^   <- run [0-9a-f]\{12\} \"train\"" &&
	sed -n 3p out | grep "^      <- data features.csv@v1 " &&
	sed -n 4p out | grep "^         <- run [0-9a-f]\{12\} \"prep\"" &&
	sed -n 5p out | grep "^            <- data raw.csv@v1 " &&
	test $(wc -l <out) = 5
'

test_expect_success 'downstream from raw data and from the prep run' '
	cd p && edges data raw.csv@v1 --downstream >out &&
	cat >expect <<-\EOF &&
	data:features.csv@v1 -> run:train input
	data:raw.csv@v1 -> run:prep input
	run:prep -> data:features.csv@v1 produced
	run:train -> model:churn/1 registered
	EOF
	diff expect out &&
	cairn lineage run prep --downstream >out &&
	sed -n 2p out | grep "^   -> data features.csv@v1 " &&
	sed -n 3p out | grep "^      -> run .*\"train\"" &&
	sed -n 4p out | grep "^         -> model churn/1 " &&
	edges data features.csv@v1 --upstream >out &&
	cat >expect <<-\EOF &&
	data:raw.csv@v1 -> run:prep input
	run:prep -> data:features.csv@v1 produced
	EOF
	diff expect out
'

test_expect_success 'json and dot show the produced edge' '
	cd p && cairn lineage models:/churn/1 --format json >j &&
	/usr/bin/python3 - j <<-\EOF &&
	import json, sys
	g = json.load(open(sys.argv[1]))
	n = {x["node"]: x for x in g["nodes"]}
	f = n["data:features.csv@v1"]
	assert f["rows"] == 2 and f["run_id"] in [x["run_id"] for x in g["nodes"] if x.get("name") == "prep"], f
	assert [e for e in g["edges"] if e["kind"] == "produced" and e["to"] == "data:features.csv@v1"]
	EOF
	cairn lineage models:/churn/1 --format dot >g.dot &&
	test $(grep -c " -> " g.dot) = 4 &&
	grep "\"run:$(run_id prep)\" -> \"data:features.csv@v1\";" g.dot
'

test_expect_success 'the same content again keeps its first producer' '
	cd p && prep=$(run_id prep) &&
	cairn run --name again -- sh -c "\"\$CAIRN\" data add features.csv" >out &&
	grep "unchanged: features.csv@v1" out &&
	test "$(field features.csv@v1 run_id)" = "$prep" &&
	cairn runs start --name manual >/dev/null &&
	cairn data add --run manual features.csv &&
	test "$(field features.csv@v1 run_id)" = "$prep" &&
	test "$(cairn data log features.csv | grep -c "^v")" = 1
'

test_expect_success '--run names the producer; an unknown run adds nothing' '
	cd p && manual=$(run_id manual) &&
	printf "x\n" >other.txt && cairn data add --run manual other.txt &&
	test "$(field other.txt@v1 run_id)" = "$manual" &&
	printf "y\n" >other.txt &&
	test_must_fail 1 cairn data add --run nosuchrun other.txt &&
	test_stderr_contains "nosuchrun" &&
	test_must_fail 1 env CAIRN_RUN_ID=nosuchrun "$CAIRN" data add other.txt &&
	test "$(cairn data log other.txt | grep -c "^v")" = 1 &&
	test_must_fail 129 cairn data add --run "" other.txt &&
	CAIRN_RUN_ID=$manual cairn data add --run prep other.txt &&
	test "$(field other.txt@v2 run_id)" = "$(run_id prep)"
'

test_expect_success 'a run that used its own output does not loop' '
	cd p && cairn run --name loop -- sh -c \
		"printf \"z\n1\n\" >loop.csv && \"\$CAIRN\" data add loop.csv && \"\$CAIRN\" log input loop.csv" &&
	edges run loop >out &&
	cat >expect <<-\EOF &&
	data:loop.csv@v1 -> run:loop input
	run:loop -> data:loop.csv@v1 produced
	EOF
	diff expect out &&
	cairn lineage run loop >out && grep "(see above)" out &&
	test $(wc -l <out) -le 5 &&
	cairn lineage data loop.csv@v1 --format dot >g.dot && tail -1 g.dot | grep "^}$"
'

test_expect_success 'pull carries the producer; a run not in this store is named' '
	cd p && prep=$(run_id prep) && cairn remote add backup ../r &&
	cairn data push >/dev/null &&
	mkdir ../c && cp features.csv.cairn ../c/ && cd ../c && cairn init &&
	cairn remote add backup ../r && cairn data pull >/dev/null &&
	test "$(field features.csv@v1 run_id)" = "$prep" &&
	cairn lineage data features.csv@v1 >out &&
	grep "^   <- run $prep (not in this store)$" out &&
	cairn lineage data features.csv@v1 --format json | grep "\"in_store\": false" &&
	cairn lineage data features.csv@v1 --format dot | grep "(not in this store)"
'

test_expect_success 'an old remote list without run_id still pulls' '
	grep -q "\"run_id\"" r/versions.jsonl &&
	/usr/bin/python3 - r/versions.jsonl <<-\EOF &&
	import json, sys
	lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
	for o in lines:
	    o.pop("run_id", None)
	open(sys.argv[1], "w").write("".join(json.dumps(o) + "\n" for o in lines))
	EOF
	! grep -q "\"run_id\"" r/versions.jsonl &&
	mkdir d && cp p/features.csv.cairn d/ && cd d && cairn init &&
	cairn remote add backup ../r && cairn data pull >/dev/null &&
	cmp features.csv ../p/features.csv &&
	test "$(field features.csv@v1 run_id)" = "-"
'

test_done
