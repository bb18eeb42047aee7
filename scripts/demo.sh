#!/bin/sh
# demo.sh: a guided session in a temporary project, run by `make demo`:
# data versioning, tracked runs, the MLflow-compatible server, the model
# registry (promotion and rollback), serving that follows the registry,
# lineage and the audit log. Every step
# is a real cairn command on real files; the session ends by checking the
# store with fsck.
set -eu

CAIRN=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
work=$(mktemp -d "${TMPDIR:-/tmp}/cairn-demo.XXXXXX")
trap 'rm -rf "$work"' EXIT

step() {
	printf '\n\033[1m== %s\033[0m\n' "$*"
}
run() {
	printf '$ %s\n' "$*"
	"$@"
}
cairn() {
	"$CAIRN" "$@"
}

cd "$work"
mkdir project
cd project

step "A new project: cairn keeps its store in .cairn/, like git's .git/"
run cairn init

step "Some data: a CSV table and a directory of 200 small files"
awk 'BEGIN { srand(7); print "id,age,income,churned";
	for (i = 1; i <= 5000; i++)
		printf "%d,%d,%.2f,%s\n", i, 18 + int(rand() * 60),
		       20000 + rand() * 80000, rand() < 0.2 ? "true" : "false" }' > customers.csv
mkdir images
i=0
while [ $i -lt 200 ]; do
	head -c 2048 /dev/urandom > "images/img_$i.bin"
	i=$((i + 1))
done
ls -l customers.csv | awk '{ print $5, "bytes in customers.csv" }'

step "Version them: pointer files for git, the bytes in the store"
run cairn data add customers.csv images
run cat customers.csv.cairn
run cat .gitignore

step "cairn reads the table: rows, columns and their types"
run cairn data show customers.csv

step "New data arrives: 100 more rows, and one image changes"
awk 'BEGIN { for (i = 5001; i <= 5100; i++) printf "%d,%d,%.2f,false\n", i, 30, 50000 }' >> customers.csv
head -c 2048 /dev/urandom > images/img_7.bin
run cairn data status

step "Record the new versions; only the changed bytes are stored"
run cairn data add customers.csv images
run cairn data log images
run cairn data diff images v1 v2

step "Restore the exact bytes of version 1, then come back"
run cairn data checkout customers.csv@v1
wc -l < customers.csv | awk '{ print $1 - 1, "rows in customers.csv now" }'
run cairn data checkout customers.csv@v2
wc -l < customers.csv | awk '{ print $1 - 1, "rows in customers.csv now" }'

step "Share through a remote (a local directory here)"
run cairn remote add backup "$work/remote"
run cairn data push

step "A teammate's clone: pointer files from git, data from the remote"
mkdir "$work/clone"
cp customers.csv.cairn images.cairn .gitignore "$work/clone/"
cd "$work/clone"
run cairn init
run cairn remote add backup "$work/remote"
run cairn data pull
run cairn data status
run cairn data log customers.csv

step "Train on it as a tracked run: code, data, params, metrics, output"
cd "$work/project"
cat > train.sh <<'TRAIN'
#!/bin/sh
# A stand-in for a training script: fits a churn threshold on age over a
# few epochs and logs its progress with `cairn log`.
data=$1
epochs=$2
epoch=1
while [ "$epoch" -le "$epochs" ]; do
	acc=$(awk -F, -v e="$epoch" 'NR > 1 { pred = ($2 > 50 + 5 * e) ? "true" : "false";
		ok += (pred == $4) } END { printf "%.4f", ok / (NR - 1) }' "$data")
	echo "epoch $epoch: accuracy $acc"
	cairn log metric --step "$epoch" accuracy="$acc"
	epoch=$((epoch + 1))
done
echo "threshold model, $epochs epochs" > model.txt
cairn log artifact --path model model.txt
TRAIN
export PATH="$(dirname "$CAIRN"):$PATH"
run cairn run --experiment churn --name short -p epochs=2 -- sh train.sh customers.csv 2
run cairn run --experiment churn --name long -p epochs=5 -- sh train.sh customers.csv 5
run cairn runs list --experiment churn --order-by "metrics.accuracy DESC" --metric accuracy
run cairn runs show long
run cairn runs compare short long
run cairn metrics history long accuracy
run cairn runs search "metrics.accuracy > 0.7 AND datasets.name = 'customers.csv'"

step "An MLflow client's view: cairn server speaks MLflow's REST API"
"$CAIRN" server --port 0 2>"$work/server.log" &
server=$!
for i in $(seq 1 50); do
	url=$(sed -n 's/.*listening on \(http:[^ ]*\).*/\1/p' "$work/server.log")
	[ -n "$url" ] && break
	sleep 0.1
done
echo "cairn server is up at $url (MLFLOW_TRACKING_URI=$url works unchanged)"
run curl -s -X POST -H 'Content-Type: application/json' \
	-d '{"experiment_ids": ["1"], "filter": "metrics.accuracy > 0.7", "max_results": 5}' \
	"$url/api/2.0/mlflow/runs/search" -o "$work/search.json"
awk 'BEGIN { RS = "\"run_name\":\"" } NR > 1 { split($0, a, "\""); print "found run: " a[1] }' "$work/search.json"
echo "The same cairn commands work against the server:"
echo "\$ CAIRN_TRACKING_URI=$url cairn runs list --experiment churn --metric accuracy"
CAIRN_TRACKING_URI=$url "$CAIRN" runs list --experiment churn --metric accuracy
kill -TERM "$server"
wait "$server" || true

step "Register the models, promote one to production, and roll back"
run cairn models create churn --description "Predicts churn from age"
run cairn models register churn --run short --path model --semver 1.0.0
run cairn models register churn --run long --path model --bump minor
run cairn models promote churn 1 --to production --reason "first release"
run cairn models promote churn 2 --to production --reason "better accuracy"
run cairn models rollback churn --reason "complaints from the field"
run cairn models history churn --alias production
run cairn lineage models:/churn@production

step "A real model: XGBoost trained on the table, logged as MLflow lays it out"
cat > train_xgb.py <<'TRAIN'
# Trains an XGBoost churn classifier on customers.csv (age, income) and
# writes it as MLflow's xgboost flavor does: model.json beside an MLmodel.
import csv, os, sys
import numpy as np
import xgboost as xgb
depth = int(sys.argv[1])
rows = list(csv.DictReader(open("customers.csv")))
x = np.array([[float(r["age"]), float(r["income"])] for r in rows])
y = np.array([r["churned"] == "true" for r in rows], dtype=int)
model = xgb.XGBClassifier(n_estimators=20, max_depth=depth, n_jobs=1)
model.fit(x, y)
model.get_booster().feature_names = ["age", "income"]
os.makedirs("xgb", exist_ok=True)
model.save_model("xgb/model.json")
open("xgb/MLmodel", "w").write("""flavors:
  xgboost:
    data: model.json
    model_class: xgboost.sklearn.XGBClassifier
    model_format: json
    xgb_version: %s
signature:
  inputs: '[{"type": "double", "name": "age"}, {"type": "double", "name": "income"}]'
  outputs: '[{"type": "double"}]'
""" % xgb.__version__)
print("trained depth", depth, "accuracy", (model.predict(x) == y).mean())
TRAIN
python=${CAIRN_PYTHON:-/usr/bin/python3}
cat > train_xgb.sh <<TRAIN
#!/bin/sh
$python train_xgb.py "\$1" && cairn log artifact --path model xgb/model.json xgb/MLmodel
TRAIN
run cairn run --experiment churn --name xgb-d2 -p max_depth=2 -- sh train_xgb.sh 2
run cairn run --experiment churn --name xgb-d4 -p max_depth=4 -- sh train_xgb.sh 4
run cairn models create churn-xgb --description "XGBoost churn classifier"
run cairn models register churn-xgb --run xgb-d2 --path model
run cairn models register churn-xgb --run xgb-d4 --path model
run cairn models promote churn-xgb 1 --to production --reason "first release"

step "Serve the production model; it follows the registry, live"
"$CAIRN" serve models:/churn-xgb@production --port 0 2>"$work/serve.log" &
serve=$!
for i in $(seq 1 50); do
	surl=$(sed -n 's/.* on \(http:[^ ]*\).*/\1/p' "$work/serve.log")
	[ -n "$surl" ] && break
	sleep 0.1
done
predict() {
	printf '$ curl -d '"'"'{"dataframe_split": {"columns": ["age", "income"], "data": [[62, 30000]]}}'"'"' %s/invocations\n' "$surl"
	curl -s -D "$work/headers" -H 'Content-Type: application/json' \
		-d '{"dataframe_split": {"columns": ["age", "income"], "data": [[62, 30000]]}}' \
		"$surl/invocations"
	echo
	grep -i '^x-cairn-model-version' "$work/headers"
}
predict
run cairn models promote churn-xgb 2 --to production --reason "deeper trees"
sleep 1
predict
run cairn models rollback churn-xgb --reason "demo: back to version 1"
sleep 1
predict
kill -TERM "$serve"
wait "$serve" || true
cat "$work/serve.log"
run cairn deployments show churn-xgb

step "Who changed what, and has anyone edited the record since?"
run cairn audit log --object model:churn
run cairn audit verify

step "Every object verified"
run cairn fsck

printf '\nDone: the demo project was in %s (now removed).\n' "$work"
