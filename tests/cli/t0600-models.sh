#!/bin/sh
# The model registry on the command line: registered models (create,
# list, show, rename, describe, tag, delete), versions registered from a
# run's artifacts and from a directory (MLmodel flavors and signature,
# numbering never reused, semantic versions), stages with
# --archive-existing, aliases and their rules, every models:/ URI form,
# deletes refused without --force, downloads verified byte for byte and a
# tampered pack refused with the file named, the metadata JSON, and gc
# keeping every version's content.
. "$TEST_DIRECTORY/lib.sh"

write_mlmodel() {
	cat >"$1/MLmodel" <<-'EOF'
	artifact_path: model
	flavors:
	  python_function:
	    loader_module: mlflow.sklearn
	  sklearn:
	    sklearn_version: 1.3.0
	signature:
	  inputs: '[{"type": "double", "name": "x"}, {"type": "double", "name":
	    "it''s"}]'
	  outputs: '[{"type": "tensor"}]'
	  params: null
	EOF
}

test_expect_success 'setup: a run with a model directory, data and metrics' '
	mkdir p && cd p && cairn init >/dev/null &&
	echo "a,b" >train.csv && echo "1,2" >>train.csv && cairn data add train.csv >/dev/null &&
	cairn runs start --name train1 >/dev/null &&
	mkdir model && write_mlmodel model && make_random model/weights.bin 3000 &&
	cairn log artifact --run train1 model &&
	cairn log metric --run train1 accuracy=0.93 auc=0.81 &&
	cairn log param --run train1 lr=0.01 &&
	cairn log input --run train1 --context training train.csv &&
	cairn runs end train1 &&
	mkdir other && echo other >other/model.txt
'

test_expect_success 'create, list and show a model' '
	cd p && cairn models create churn --description "predicts churn" --tag team=ml &&
	cairn models list >out && grep "^churn .*predicts churn" out &&
	cairn models show churn >out && grep "^description predicts churn" out &&
	grep "team  *ml" out &&
	cairn models show churn --json >j && grep "\"name\": \"churn\"" j &&
	grep "\"key\": \"team\"" j
'

test_expect_success 'a duplicate or empty name is refused' '
	cd p && test_must_fail 1 cairn models create churn &&
	test_stderr_contains "already exists" &&
	test_must_fail 1 cairn models create "" && test_stderr_contains "cannot be empty" &&
	test_must_fail 1 cairn models create a/b && test_stderr_contains "/"
'

test_expect_success 'register from a run: content pinned, MLmodel read' '
	cd p && cairn models register churn --run train1 --semver 1.0.0 >out &&
	grep "^registered churn version 1, semver 1.0.0 (sha256:.*, 2 files" out &&
	cairn models show models:/churn/1 --json >j &&
	grep "\"source\": \"runs:/.*/model\"" j && grep "\"status\": \"READY\"" j &&
	grep "\"python_function\"" j && grep "\"sklearn\"" j &&
	grep "it'"'"'s" j && grep "\"files\": 2" j
'

test_expect_success 'register from a directory; --bump from the last semver' '
	cd p && cairn models register churn --from other --bump minor >out &&
	grep "^registered churn version 2, semver 1.1.0" out &&
	cairn models register churn --from model --bump major >out &&
	grep "^registered churn version 3, semver 2.0.0" out &&
	cairn models show models:/churn/2 --json >j && grep "\"flavors\": null" j
'

test_expect_success 'bad registrations are refused and change nothing' '
	cd p && test_must_fail 1 cairn models register churn --from model --semver 1.2 &&
	test_stderr_contains "not a semantic version" &&
	test_must_fail 1 cairn models register churn --from model --semver 01.2.3 &&
	test_must_fail 1 cairn models register churn --from model --bump huge &&
	test_must_fail 1 cairn models register nope --from model &&
	test_stderr_contains "Registered Model with name=nope not found" &&
	test_must_fail 1 cairn models register churn --run train1 --path missing &&
	test_stderr_contains "no artifact directory" &&
	test_must_fail 1 cairn models register churn --from model/MLmodel &&
	test_stderr_contains "not a directory" &&
	mkdir bad && printf "flavors: [unclosed\n" >bad/MLmodel &&
	test_must_fail 1 cairn models register churn --from bad &&
	test_stderr_contains "bad/MLmodel" &&
	test_must_fail 129 cairn models register churn --from model --run train1 &&
	cairn models versions churn >out && test $(grep -c "^churn " out) = 3
'

test_expect_success 'version numbers are never reused' '
	cd p && cairn models register churn --from other >/dev/null &&
	cairn models delete churn 4 && cairn models register churn --from other >out &&
	grep "version 5" out &&
	test_must_fail 1 cairn models show models:/churn/4 &&
	test_stderr_contains "version=4) not found"
'

test_expect_success 'stages: transition, --archive-existing, latest' '
	cd p && cairn models stage churn 1 Staging &&
	cairn models stage models:/churn/2 production &&
	cairn models stage churn 3 Production --archive-existing &&
	cairn models latest churn >out &&
	grep "^churn  *3  *Production" out && grep "^churn  *2  *Archived" out &&
	grep "^churn  *1  *Staging" out &&
	test_must_fail 1 cairn models stage churn 1 Bogus &&
	test_stderr_contains "Invalid Model Version stage" &&
	test_must_fail 1 cairn models stage churn 1 None --archive-existing &&
	test_stderr_contains "not an Active stage" &&
	test_must_fail 1 cairn models stage churn 99 Staging &&
	test_stderr_contains "version=99) not found"
'

test_expect_success 'aliases: set, move, rules' '
	cd p && cairn models alias churn champion 1 && cairn models alias churn champion 3 &&
	cairn models alias churn >out && grep "^champion  *3" out &&
	test_must_fail 1 cairn models alias churn latest 1 && test_stderr_contains "reserved" &&
	test_must_fail 1 cairn models alias churn V12 1 && test_stderr_contains "reserved" &&
	test_must_fail 1 cairn models alias churn "a b" 1 &&
	test_stderr_contains "Invalid alias name" &&
	test_must_fail 1 cairn models alias churn good 4 &&
	test_stderr_contains "version=4) not found" &&
	cairn models alias churn --delete nothing-here
'

test_expect_success 'every URI form resolves' '
	cd p && cairn models show models:/churn/3 >a && grep "^version     3" a &&
	cairn models show models:/churn@champion >b && grep "^version     3" b &&
	cairn models show models:/churn/Production >c && grep "^version     3" c &&
	cairn models show models:/churn/staging >d && grep "^version     1" d &&
	cairn models show models:/churn/latest >e && grep "^version     5" e &&
	test_must_fail 1 cairn models show models:/churn@nope &&
	test_stderr_contains "alias nope not found" &&
	test_must_fail 1 cairn models show models:/churn &&
	test_stderr_contains "Not a proper models:/ URI" &&
	test_must_fail 1 cairn models show models:/churn/1/2 &&
	test_must_fail 1 cairn models show models:/nope/1 &&
	test_stderr_contains "not found"
'

test_expect_success 'deleting what is in use needs --force' '
	cd p && test_must_fail 1 cairn models delete churn 3 &&
	test_stderr_contains "holds stage Production, alias '"'"'champion'"'"'" &&
	cairn models show models:/churn/3 >/dev/null &&
	test_must_fail 1 cairn models delete churn && test_stderr_contains "in use" &&
	cairn models alias churn spare 2 &&
	test_must_fail 1 cairn models delete churn 2 && test_stderr_contains "spare" &&
	cairn models delete churn 2 --force &&
	cairn models alias churn >out && ! grep spare out
'

test_expect_success 'download verifies every byte' '
	cd p && cairn models download models:/churn@champion --out dl &&
	cmp dl/weights.bin model/weights.bin && cmp dl/MLmodel model/MLmodel &&
	cairn models verify churn 1 >out && grep "2 files verified" out &&
	test_must_fail 1 cairn models download churn 1 --out dl &&
	test_stderr_contains "already exists"
'

test_expect_success 'later changes to the run or the directory leave versions alone' '
	cd p && echo changed >model/extra.txt && cairn log artifact --run train1 model &&
	cairn models download churn 1 --out dl1 && ! test -e dl1/extra.txt &&
	cairn models download churn 3 --out dl3 && ! test -e dl3/extra.txt
'

test_expect_success 'a tampered object is refused, naming the file' '
	cd p && python3 - <<-EOF
	import glob
	needle = open("model/weights.bin", "rb").read()[:64]
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
	test_must_fail 1 cairn models download churn 1 --out broken &&
	test_stderr_contains "file .weights.bin. is damaged" && ! test -e broken &&
	test_must_fail 1 cairn models verify models:/churn@champion &&
	test_stderr_contains "weights.bin" &&
	test_must_fail 1 cairn fsck && test_stderr_contains "model churn version 1"
'

test_expect_success 'metadata JSON from the registry and the run' '
	cd p && cairn models metadata churn 1 >m.json &&
	python3 -c "
import json
m = json.load(open(\"m.json\"))
assert m[\"model_name\"] == \"churn\" and m[\"model_version\"] == 1, m
assert m[\"semver\"] == \"1.0.0\" and m[\"stage\"] == \"Staging\", m
assert m[\"dataset_version\"] == \"train.csv@v1\", m
assert m[\"metrics\"][\"accuracy\"] == 0.93 and m[\"params\"][\"lr\"] == \"0.01\", m
assert m[\"training_date\"].endswith(\"Z\") and m[\"run_id\"], m
assert m[\"flavors\"] == [\"python_function\", \"sklearn\"], m
assert m[\"datasets\"][0][\"context\"] == \"training\", m
" &&
	cairn models metadata models:/churn/5 --out meta5.json &&
	grep "\"run_id\": null" meta5.json && grep "\"dataset_version\": null" meta5.json
'

test_expect_success 'rename, describe, tag a version, delete a model with --force' '
	cd p && cairn models rename churn churn2 && cairn models show models:/churn2/1 >/dev/null &&
	test_must_fail 1 cairn models show churn &&
	cairn models describe churn2 5 "fifth" && cairn models tag churn2 5 k=v &&
	cairn models show models:/churn2/5 >out && grep "^description fifth" out &&
	grep "^tag         k=v" out && cairn models tag churn2 5 --delete k &&
	cairn models create churn && cairn models register churn --from other >out &&
	grep "version 1 (" out &&
	cairn models delete churn2 --force && test_must_fail 1 cairn models show churn2 &&
	cairn models list >out && ! grep churn2 out
'

test_expect_success 'gc keeps the content of every version' '
	cd p && rm -rf q && mkdir q && cd q && cairn init >/dev/null &&
	cairn models create m && mkdir d && make_random d/w.bin 5000 &&
	cairn models register m --from d >/dev/null && cp d/w.bin w.bin && rm -rf d &&
	cairn gc >/dev/null && cairn models download m 1 --out back && cmp back/w.bin w.bin &&
	cairn fsck
'

test_expect_success 'search filters and paging' '
	cd p/q && cairn models create a1 && cairn models create a2 && cairn models create b1 &&
	cairn models list --filter "name LIKE '"'"'a%'"'"'" >out && test $(wc -l <out) = 3 &&
	cairn models list --max 2 --json >j && grep next_page_token j &&
	test_must_fail 1 cairn models list --filter "creation_timestamp > 0" &&
	test_stderr_contains "Invalid attribute key" &&
	cairn models versions --filter "version_number >= 1 AND name = '"'"'m'"'"'" >out &&
	test $(grep -c "^m " out) = 1
'

test_done
