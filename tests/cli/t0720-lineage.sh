#!/bin/sh
# cairn lineage: from a data set version downstream to the runs that used
# it and the model versions registered from them (with their stages and
# aliases now); from a run both ways; from a model version upstream to its
# run and data; tree, json and dot; unknown nodes and bad usage.
. "$TEST_DIRECTORY/lib.sh"

# The edges of a lineage graph as "FROM -> TO [CONTEXT]" lines, sorted,
# with run ids replaced by run names.
edges() {
	"$CAIRN" lineage "$@" --format json | /usr/bin/python3 -c '
import json, sys
g = json.load(sys.stdin)
names = {n["node"]: "run:" + n["name"] for n in g["nodes"] if n["type"] == "run"}
out = []
for e in g["edges"]:
    f, t = names.get(e["from"], e["from"]), names.get(e["to"], e["to"])
    out.append("%s -> %s %s" % (f, t, e.get("context", "")))
print("\n".join(sorted(out)))
'
}

test_expect_success 'setup: data, two runs, a model from each' '
	mkdir p && cd p && cairn init &&
	printf "a,b\n1,2\n3,4\n" >d.csv && cairn data add d.csv &&
	printf "a,b\n5,6\n" >d.csv && cairn data add d.csv &&
	printf "x\n" >e.txt && cairn data add e.txt &&
	mkdir model && echo w >model/w.bin &&
	cairn runs start --name train1 >/dev/null &&
	cairn log param --run train1 lr=0.1 && cairn log metric --run train1 auc=0.91 &&
	cairn log input --run train1 --context training d.csv@v1 &&
	cairn log input --run train1 --context evaluation e.txt &&
	cairn log artifact --run train1 model && cairn runs end train1 &&
	cairn runs start --name train2 >/dev/null &&
	cairn log input --run train2 --context training d.csv@v1 &&
	cairn log input --run train2 --context training d.csv@v2 &&
	cairn log artifact --run train2 model && cairn runs end train2 &&
	cairn runs start --name unrelated >/dev/null &&
	cairn models create churn >/dev/null &&
	cairn models register churn --run train1 --path model >/dev/null &&
	cairn models register churn --run train2 --path model >/dev/null &&
	cairn models alias churn champion 2 >/dev/null &&
	cairn models stage churn 1 Production >/dev/null
'

test_expect_success 'data downstream: every run that used it and their models' '
	cd p && edges data d.csv@v1 --downstream >out &&
	cat >expect <<-\EOF &&
	data:d.csv@v1 -> run:train1 training
	data:d.csv@v1 -> run:train2 training
	run:train1 -> model:churn/1 
	run:train2 -> model:churn/2 
	EOF
	diff expect out &&
	edges data d.csv@v2 --downstream >out &&
	printf "data:d.csv@v2 -> run:train2 training\nrun:train2 -> model:churn/2 \n" >expect &&
	diff expect out
'

test_expect_success 'the tree names stages and aliases held now' '
	cd p && cairn lineage data d.csv@v1 --downstream >out &&
	head -1 out | grep "^data d.csv@v1  sha256:[0-9a-f]\{12\}  12 B, 2 rows$" &&
	grep "^   -> run [0-9a-f]\{12\} \"train1\"  FINISHED  params: lr=0.1  metrics: auc=0.91  \[training\]$" out &&
	grep "^      -> model churn/1  Production  sha256:" out &&
	grep "^      -> model churn/2  None  @champion  sha256:" out &&
	! grep unrelated out
'

test_expect_success 'a run: its data upstream, its model downstream' '
	cd p && edges run train1 >out &&
	cat >expect <<-\EOF &&
	data:d.csv@v1 -> run:train1 training
	data:e.txt@v1 -> run:train1 evaluation
	run:train1 -> model:churn/1 
	EOF
	diff expect out &&
	edges run train1 --upstream >out && test $(wc -l <out) = 2 &&
	edges run train1 --downstream >out &&
	test "$(cat out)" = "run:train1 -> model:churn/1 " &&
	cairn lineage run unrelated >out && test $(wc -l <out) = 1
'

test_expect_success 'a model version upstream, by any URI' '
	cd p && edges models:/churn@champion >out &&
	cat >expect <<-\EOF &&
	data:d.csv@v1 -> run:train2 training
	data:d.csv@v2 -> run:train2 training
	run:train2 -> model:churn/2 
	EOF
	diff expect out &&
	edges model models:/churn/Production >out &&
	grep "run:train1 -> model:churn/1" out &&
	cairn lineage models:/churn/1 >out &&
	head -1 out | grep "^model churn/1  Production" &&
	sed -n 2p out | grep "^   <- run .*\"train1\"" &&
	grep "^      <- data d.csv@v1 .*\[training\]$" out
'

test_expect_success 'json facts: sizes, rows, params, metrics, stage, aliases' '
	cd p && cairn lineage data d.csv@v1 --downstream --format json >j &&
	/usr/bin/python3 - j <<-\EOF
	import json, sys
	g = json.load(open(sys.argv[1]))
	n = {x["node"]: x for x in g["nodes"]}
	assert g["root"] == "data:d.csv@v1", g["root"]
	d = n["data:d.csv@v1"]
	assert d["size"] == 12 and d["rows"] == 2 and d["kind"] == "file", d
	runs = [x for x in g["nodes"] if x["type"] == "run"]
	assert sorted(r["name"] for r in runs) == ["train1", "train2"], runs
	t1 = [r for r in runs if r["name"] == "train1"][0]
	assert t1["params"] == {"lr": "0.1"} and abs(t1["metrics"]["auc"] - 0.91) < 1e-9, t1
	assert n["model:churn/1"]["current_stage"] == "Production"
	assert n["model:churn/2"]["aliases"] == ["champion"]
	EOF
'

test_expect_success 'dot is a digraph with every node and edge' '
	cd p && cairn lineage data d.csv@v1 --downstream --format dot >g.dot &&
	head -1 g.dot | grep "^digraph lineage {$" && tail -1 g.dot | grep "^}$" &&
	test $(grep -c " -> " g.dot) = 4 &&
	grep "\"data:d.csv@v1\" \[label=\"data d.csv@v1\\\\nsha256:" g.dot &&
	grep "shape=cylinder" g.dot && grep "shape=component" g.dot &&
	grep "\\\\\"train1\\\\\"" g.dot &&
	if command -v dot >/dev/null; then dot -Tsvg g.dot >g.svg; fi
'

test_expect_success 'unknown nodes fail; bad usage is 129' '
	cd p && test_must_fail 1 cairn lineage data d.csv@v9 &&
	test_stderr_contains "d.csv@v9" &&
	test_must_fail 1 cairn lineage run nosuchrun &&
	test_must_fail 1 cairn lineage models:/nomodel/1 &&
	test_must_fail 129 cairn lineage &&
	test_must_fail 129 cairn lineage data &&
	test_must_fail 129 cairn lineage table d.csv &&
	test_must_fail 129 cairn lineage run train1 --format png
'

test_done
