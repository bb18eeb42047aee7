#!/bin/sh
# cairn models card: the Markdown model card of a version, with the nine
# sections of Mitchell et al. 2019. A version registered from a run made
# by `cairn run` (params, metrics, a training and an evaluation input, a
# git commit with uncommitted changes, the environment) shows each of
# those facts in its section; a version registered from a directory says
# "unknown" wherever cairn has no record; card.* tags fill sections, the
# version's over the model's; unknown models and versions are errors.
. "$TEST_DIRECTORY/lib.sh"
. "$TEST_DIRECTORY/lib-server.sh"

trap 'server_stop_all; rm -rf "$TRASH"' EXIT

# section FILE TITLE: the lines of section "## TITLE" of a card.
section() {
	awk -v t="## $2" '$0 == t { on = 1; next } /^## / { on = 0 } on' "$1"
}

test_expect_success 'setup: a model trained by cairn run in a dirty git tree' '
	mkdir p && cd p && cairn init >/dev/null &&
	printf "a,b\n1,2\n3,4\n5,6\n" >train.csv && printf "a,b\n7,8\n" >eval.csv &&
	cairn data add train.csv eval.csv >/dev/null &&
	if command -v git >/dev/null; then
		git init -q . && git config user.email t@example.com &&
		git config user.name Tester && git config commit.gpgsign false &&
		echo "print(1)" >train.py && git add train.py && git commit -q -m init &&
		echo "print(2)" >train.py
	fi &&
	cat >train.sh <<-\EOF &&
	mkdir -p model && printf "flavors:\n  sklearn: {}\n" >model/MLmodel &&
	echo weights >model/w.bin &&
	"$CAIRN" log artifact model &&
	"$CAIRN" log metric accuracy=0.93 auc=0.81
	EOF
	cairn run --name train1 -p lr=0.01 -p "odd=a|b" --input train.csv \
		--eval-input eval.csv -- sh train.sh >/dev/null &&
	cairn models create churn --description "predicts churn" >/dev/null &&
	cairn models register churn --run train1 --semver 1.2.0 >/dev/null &&
	cairn models alias churn champion 1 &&
	cairn models register churn --from model >/dev/null
'

test_expect_success 'the card has the nine sections, in order' '
	cd p && cairn models card churn 1 >card.md &&
	head -1 card.md | grep -x "# Model card: churn, version 1" &&
	grep "^## " card.md >titles &&
	cat >expect <<-\EOF &&
	## Model details
	## Intended use
	## Factors
	## Metrics
	## Evaluation data
	## Training data
	## Quantitative analyses
	## Ethical considerations
	## Caveats and recommendations
	EOF
	cmp expect titles
'

test_expect_success 'model details: registry facts, source run, code, environment' '
	cd p && section card.md "Model details" >s &&
	grep -x -- "- Model: churn" s && grep -x -- "- Version: 1" s &&
	grep -x -- "- Semantic version: 1.2.0" s &&
	grep -x -- "- Description: predicts churn" s &&
	grep -x -- "- Registered: 20[0-9-]*T[0-9:]*Z by .*" s &&
	grep -x -- "- Aliases: champion" s && grep -x -- "- Stage: None" s &&
	grep -x -- "- Content id: sha256:[0-9a-f]\{64\} (2 files, [0-9]* bytes)" s &&
	grep -x -- "- Flavors: sklearn" s && grep -x -- "- Signature: unknown" s &&
	run=$(cairn runs list --json | sed -n "s/.*\"run_uuid\": \"\([0-9a-f]*\)\".*/\1/p") &&
	grep -x -- "- Source run: $run (train1, experiment 0)" s &&
	grep -x -- "- Source: runs:/$run/model" s &&
	grep -x -- "  - [a-z_]*: .*" s &&
	grep "^| lr | 0.01 |$" s && grep "^| odd | a\\\\|b |$" s &&
	if command -v git >/dev/null; then
		grep -x -- "- Code: git commit $(git rev-parse HEAD), uncommitted changes: yes" s &&
		section card.md "Caveats and recommendations" | grep "uncommitted changes"
	fi
'

test_expect_success 'data: evaluation and training inputs with ids, sizes, rows' '
	cd p && train=$(cairn data log train.csv --json | sed -n "s/.*\"id\": \"\(sha256:[0-9a-f]*\)\".*/\1/p" | head -1) &&
	section card.md "Training data" >s &&
	grep "^| train.csv | 1 | training | $train | 16 | 1 | 3 |$" s &&
	! grep eval.csv s &&
	section card.md "Evaluation data" >s &&
	grep "^| eval.csv | 1 | evaluation | sha256:[0-9a-f]* | 8 | 1 | 1 |$" s &&
	! grep train.csv s
'

test_expect_success 'metrics and quantitative analyses from the run' '
	cd p && section card.md Metrics | grep -x "Recorded by the source run: \`accuracy\`, \`auc\`" &&
	section card.md "Quantitative analyses" >s &&
	grep -x "| accuracy | 0.93 | 0 |" s && grep -x "| auc | 0.81 | 0 |" s
'

test_expect_success 'what cairn does not know is "unknown"' '
	cd p && for t in "Intended use" Factors "Ethical considerations"; do
		section card.md "$t" | grep -x unknown || exit 1
	done &&
	cairn models card models:/churn/2 >card2.md &&
	head -1 card2.md | grep -x "# Model card: churn, version 2" &&
	grep -x -- "- Source run: unknown" card2.md &&
	grep -x -- "- Semantic version: unknown" card2.md &&
	grep -x -- "- Code: git commit unknown, uncommitted changes: unknown" card2.md &&
	grep -x -- "- Environment: unknown" card2.md &&
	grep -x -- "- Aliases: none" card2.md &&
	for t in Metrics "Evaluation data" "Training data" "Quantitative analyses" \
		 "Caveats and recommendations"; do
		section card2.md "$t" | grep -x unknown || exit 1
	done &&
	section card2.md "Model details" | grep -x -A2 "### Parameters" | grep -x unknown
'

test_expect_success 'card.* tags fill sections, the version'"'"'s over the model'"'"'s' '
	cd p && cairn models tag churn "card.intended_use=Rank customers for offers." \
		"card.caveats=Model-wide caveat." "card.factors=Region and age." &&
	cairn models tag churn 1 "card.caveats=Not for use outside the EU." \
		"card.metrics=Accuracy on held-out customers." &&
	cairn models card churn 1 >card.md &&
	section card.md "Intended use" >s && grep -x "Rank customers for offers." s &&
	! grep -x unknown s &&
	section card.md Factors | grep -x "Region and age." &&
	section card.md "Caveats and recommendations" >s &&
	grep -x "Not for use outside the EU." s && ! grep "Model-wide" s &&
	section card.md Metrics >s && grep -x "Accuracy on held-out customers." s &&
	grep "Recorded by the source run" s &&
	cairn models card churn 2 >card2.md &&
	section card2.md "Caveats and recommendations" | grep -x "Model-wide caveat." &&
	section card2.md "Ethical considerations" | grep -x unknown
'

test_expect_success '--out writes the card to a file; an alias URI works' '
	cd p && cairn models card models:/churn@champion --out out.md >msg &&
	grep "^churn version 1: model card written to out.md$" msg &&
	cmp card.md out.md
'

test_expect_success 'GET /api/2.0/cairn/models/card answers the same card' '
	cd p && server_start "$TRASH/p" srv &&
	curl -s "$(server_uri srv)/api/2.0/cairn/models/card?name=churn&version=1" >j &&
	/usr/bin/python3 -c "import json, sys; sys.stdout.write(json.load(open(\"j\"))[\"markdown\"])" \
		>rest.md &&
	cmp card.md rest.md &&
	server_stop srv
'

test_expect_success 'unknown models and versions, bad arguments' '
	cd p && test_must_fail 1 cairn models card churn 9 &&
	test_stderr_contains "name=churn, version=9" &&
	test_must_fail 1 cairn models card nope 1 && test_stderr_contains "nope" &&
	test_must_fail 1 cairn models card models:/churn@nobody &&
	test_must_fail 129 cairn models card churn x &&
	test_must_fail 129 cairn models card &&
	test_must_fail 129 cairn models card churn 1 extra &&
	test ! -e nope.md
'

test_done
