#!/bin/sh
# The cairn CLI against a cairn server gives what it gives on a local
# store: one sequence of experiments, runs, logging (params, metrics,
# JSON-lines metrics, tags, inputs, artifacts, checkpoints), reads
# (show, list, search, compare, metric history, artifact listings and
# downloads) and refusals, run once in a project with no tracking URI and
# once with CAIRN_TRACKING_URI naming a server; the outputs, with run ids
# and clock times normalised, must be the same, byte for byte.
. "$TEST_DIRECTORY/lib.sh"
. "$TEST_DIRECTORY/lib-server.sh"

trap 'server_stop_all; rm -rf "$TRASH"' EXIT

# Run a command of the sequence: its stdout and stderr, then its exit code.
step() {
	echo "\$ $*"
	rc=0
	"$CAIRN" "$@" 2>&1 || rc=$?
	echo "[exit $rc]"
}

# The sequence, in the current directory.
sequence() {
	step experiments create exp1
	step experiments create exp2
	step experiments create exp1
	step experiments rename exp2 exp2b
	step experiments tag exp1 team vision
	step experiments delete exp2b
	step experiments list --all
	step experiments list --json
	step experiments restore exp2b
	step experiments delete 0
	step experiments list
	step runs start --experiment exp1 --name r1
	step runs start --experiment exp1 --name r2
	step runs start --experiment exp1 --name kid --parent r1
	step runs start --experiment nosuch --name r3
	step log param --run r1 lr=0.1 opt=adam "space=two words"
	step log param --run r2 lr=0.2 opt=adam
	step log param --run r1 lr=0.3
	step log param --run r1 "bad key!=1"
	step log metric --run r1 --step 1 --timestamp 1000 loss=0.5 acc=0.7
	step log metric --run r1 --step 2 --timestamp 2000 loss=0.25 acc=nan
	printf '{"step": 3, "loss": 0.125, "acc": 0.9}\n{"step": 4, "loss": 0.0625}\n' |
		step log metrics --run r1 -
	step log metric --run r2 --step 1 --timestamp 1000 loss=0.75 acc=-inf
	step log tag --run r1 team=vision note=x
	step log tag --run r1 --delete note
	step log tag --run r1 --delete nosuch
	step log input --run r1 --context training train.csv
	step log input --run r2 train.csv@v1
	step log artifact --run r1 notes.txt tree
	step log artifact --run r1 --path models big.bin
	step log artifact --run r1 --checkpoint 1 --meta '{"epoch": 1, "loss": 0.5}' ckpt.bin
	step log artifact --run r1 --checkpoint 2 ckpt.bin
	step log artifact --run r1 --checkpoint 3 --meta '[1]' ckpt.bin
	step runs show r1
	step runs show r1 --json
	step runs show kid
	step runs show nosuch
	step runs list --experiment exp1
	step runs list --experiment exp1 --order-by metrics.loss --json
	step runs search "metrics.loss < 0.3" --experiment exp1
	step runs search "params.opt = 'adam'" --order-by "params.lr DESC" --max 1
	step runs search "params.opt = 'adam'" --order-by "params.lr DESC" --max 1 \
		--page-token eyJvZmZzZXQiOiAxfQ==
	step runs search "metrics.loss <" --experiment exp1
	step runs search "datasets.context = 'training'"
	step runs compare r1 r2
	step metrics history r1 loss
	step metrics history r1 acc --json
	step metrics history r1 nosuch
	step artifacts list r1
	step artifacts list r1 tree
	step artifacts list r1 models/big.bin
	step artifacts list r1 --json
	step artifacts list r1 nosuch
	step artifacts get r1 tree out-tree
	step artifacts get r1 tree out-tree
	step artifacts get r1 models/big.bin out-big
	step artifacts get r1 ../x out-x
	step runs checkpoints r1
	step runs checkpoints r1 --json
	step runs checkpoint r1 --step 1 --out out-c1
	step runs end r1
	step runs end r2 --status FAILED
	step runs delete r2
	step log param --run r2 late=1
	step log artifact --run r2 notes.txt
	step runs list
	step runs list --all
	step runs restore r2
	step runs list --experiment 1 --max 5
	(cd out-tree && find . -type f | sort | xargs cat)
	cmp out-big big.bin && echo "big.bin round trip ok"
	cmp out-c1 ckpt.bin && echo "checkpoint round trip ok"
}

# Run ids, their 8-digit prefixes, clock times and durations vary.
normalise() {
	sed -E -e 's/[0-9a-f]{32}/RUNID/g' \
	    -e 's/\b[0-9a-f]{8}\b/RUNPFX/g' \
	    -e 's/[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}/TIME/g' \
	    -e 's/"(start_time|end_time|created_ms|creation_time|last_update_time|timestamp)": [0-9]+/"\1": T/g' \
	    -e 's/\([0-9]+\.[0-9] s\)/(D s)/g'
}

# The same data set, files and checkpoint in a new project.
project() {
	mkdir "$1" && cd "$1" && cairn init >/dev/null &&
	printf "a,b\n1,2\n3,4\n" >train.csv && cairn data add train.csv >/dev/null &&
	mkdir -p tree/sub && echo top >tree/a.txt && echo deep >tree/sub/b.txt &&
	echo notes >notes.txt && head -c 3000000 "$TRASH/random" >big.bin &&
	head -c 1500000 "$TRASH/random" >ckpt.bin
}

test_expect_success 'setup: a local project; a served one; a server' '
	make_random random 3000000 &&
	(project local) && (project served) &&
	server_start "$TRASH/served" srv
'

test_expect_success 'the sequence on the local store' '
	cd local && sequence >"$TRASH/local.out" &&
	cd "$TRASH" && grep -q "big.bin round trip ok" local.out &&
	grep -q "checkpoint round trip ok" local.out &&
	grep -q "^  train.csv@v1 .* training$" local.out &&
	grep -q "^  loss  *0.0625  *step 4$" local.out &&
	grep -q "Experiment(name=exp1) already exists" local.out &&
	grep -q "^ *1  .*{\"epoch\": 1, \"loss\": 0.5}$" local.out &&
	test $(grep -c "^\[exit 0\]$" local.out) -ge 50
'

test_expect_success 'the same sequence against the server' '
	cd served && CAIRN_TRACKING_URI=$(server_uri srv) &&
	export CAIRN_TRACKING_URI && sequence >"$TRASH/remote.out"
'

test_expect_success 'gives the same output, byte for byte' '
	normalise <local.out >local.norm && normalise <remote.out >remote.norm &&
	diff -u local.norm remote.norm &&
	test $(grep -c "^\\$ " local.norm) -ge 69
'

test_expect_success 'what went through the server is in the served store' '
	cd served && cairn runs show r1 >out && grep "^name       r1$" out &&
	grep "^  loss  *0.0625  *step 4$" out &&
	cairn artifacts get r1 models/big.bin big.back && cmp big.back big.bin &&
	test $(cairn runs checkpoints r1 | grep -c "^ *[12]  ") = 2
'

test_done
