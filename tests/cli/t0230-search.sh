#!/bin/sh
# cairn runs search: MLflow's filter grammar over metrics, params, tags,
# attributes and datasets; --order-by with missing values last; paging
# with --max and --page-token; MLflow's messages for bad filters.
. "$TEST_DIRECTORY/lib.sh"

Q="'"

# Names of the runs found, in order, space-separated.
found() {
	"$CAIRN" runs search "$@" | awk 'NR > 1 && $1 != "more:" { print $2 }' |
		tr '\n' ' '
}

# Names of the runs found, sorted, space-separated.
found_set() {
	"$CAIRN" runs search "$@" | awk 'NR > 1 && $1 != "more:" { print $2 }' |
		sort | tr '\n' ' '
}

# Page through 'runs list ARGS' and print every name, in order.
page_all() {
	tok= pages=0
	while :; do
		if [ -n "$tok" ]; then
			"$CAIRN" runs list "$@" --page-token "$tok" >page.out || return 1
		else
			"$CAIRN" runs list "$@" >page.out || return 1
		fi
		pages=$((pages + 1))
		[ $pages -le 50 ] || return 1
		awk 'NR > 1 && $1 != "more:" { print $2 }' page.out
		tok=$(sed -n "s/^more: --page-token //p" page.out)
		[ -n "$tok" ] || break
	done
}

test_expect_success 'setup: 10 runs with params, metrics, tags, inputs' '
	mkdir p && cd p && cairn init &&
	printf "a\n1\n" >train.csv && printf "b\n2\n" >eval.csv &&
	cairn data add train.csv && cairn data add eval.csv &&
	for i in 0 1 2 3 4 5 6 7 8 9; do
		id=$(cairn runs start --name r$i) || exit 1
		echo "$id" >id-r$i
		case $((i % 3)) in 0) opt=adam ;; 1) opt=sgd ;; 2) opt=Adam ;; esac
		cairn log param --run $id opt=$opt lr=0.0$i "layers=$((i % 4))" || exit 1
		if [ $i != 9 ]; then
			cairn log metric --run $id acc=0.$i "loss=$((10 - i))" || exit 1
		fi
		if [ $((i % 2)) = 0 ]; then cairn log tag --run $id team=red || exit 1; fi
		if [ $i = 1 ]; then cairn log tag --run $id team=blue || exit 1; fi
		if [ $i -lt 3 ]; then
			cairn log input --run $id --context training train.csv || exit 1
		fi
		if [ $i = 3 ]; then
			cairn log input --run $id --context evaluation eval.csv || exit 1
		fi
		if [ $i -ge 5 ]; then cairn runs end $id || exit 1; fi
		if [ $i = 7 ]; then cairn runs end $id --status FAILED || exit 1; fi
	done &&
	test $(cairn runs list --experiment 0 | wc -l) = 11
'

test_expect_success 'an empty filter finds every run, newest first' '
	cd p && test "$(found "")" = "r9 r8 r7 r6 r5 r4 r3 r2 r1 r0 " &&
	test "$(cairn runs list | awk "NR > 1 { print \$2 }" | tr "\n" " ")" = \
		"r9 r8 r7 r6 r5 r4 r3 r2 r1 r0 "
'

test_expect_success 'metrics: > >= < <= = !=' '
	cd p && test "$(found_set "metrics.acc > 0.5")" = "r6 r7 r8 " &&
	test "$(found_set "metrics.acc >= 0.5")" = "r5 r6 r7 r8 " &&
	test "$(found_set "metrics.loss < 3")" = "r8 " &&
	test "$(found_set "metrics.loss <= 3")" = "r7 r8 " &&
	test "$(found_set "metrics.acc = 0.3")" = "r3 " &&
	test "$(found_set "metrics.acc != 0.3")" = "r0 r1 r2 r4 r5 r6 r7 r8 " &&
	test "$(found_set "metrics.acc > -1e9")" = "r0 r1 r2 r3 r4 r5 r6 r7 r8 " &&
	test "$(found_set "metrics.acc > 5")" = "" &&
	test "$(found_set "metrics.nosuch > 0")" = "" &&
	test "$(found_set "metric.acc > 0.75")" = "r8 "
'

test_expect_success 'metrics compare the latest value' '
	cd p && cairn log metric --run r4 --step 5 acc=0.95 &&
	test "$(found_set "metrics.acc > 0.9")" = "r4 " &&
	cairn log metric --run r4 --step 1 acc=0.05 &&
	test "$(found_set "metrics.acc > 0.9")" = "r4 "
'

test_expect_success 'params: = != and LIKE (case-sensitive) vs ILIKE' '
	cd p && test "$(found_set "params.opt = '"'adam'"'")" = "r0 r3 r6 r9 " &&
	test "$(found_set "params.opt = \"Adam\"")" = "r2 r5 r8 " &&
	test "$(found_set "params.opt != '"'adam'"'")" = "r1 r2 r4 r5 r7 r8 " &&
	test "$(found_set "params.opt LIKE '"'ad%'"'")" = "r0 r3 r6 r9 " &&
	test "$(found_set "params.opt LIKE '"'AD%'"'")" = "" &&
	test "$(found_set "params.opt ILIKE '"'AD%'"'")" = "r0 r2 r3 r5 r6 r8 r9 " &&
	test "$(found_set "params.opt like '"'_gd'"'")" = "r1 r4 r7 " &&
	test "$(found_set "param.lr = '"'0.05'"'")" = "r5 " &&
	test "$(found_set "params.nosuch = '"'x'"'")" = ""
'

test_expect_success 'tags, with quoted keys' '
	cd p && test "$(found_set "tags.team = '"'red'"'")" = "r0 r2 r4 r6 r8 " &&
	test "$(found_set "tags.team != '"'red'"'")" = "r1 " &&
	test "$(found_set "tags.team LIKE '"'%e%'"'")" = "r0 r1 r2 r4 r6 r8 " &&
	test "$(found_set "tags.\`mlflow.runName\` = '"'r3'"'")" = "r3 " &&
	test "$(found_set "tags.\"mlflow.runName\" = '"'r4'"'")" = "r4 "
'

test_expect_success 'attributes: status, run_name, run_id, IN lists' '
	cd p && test "$(found_set "attributes.status = '"'FINISHED'"'")" = "r5 r6 r8 r9 " &&
	test "$(found_set "status = '"'FAILED'"'")" = "r7 " &&
	test "$(found_set "attributes.status != '"'RUNNING'"'")" = "r5 r6 r7 r8 r9 " &&
	test "$(found_set "attributes.run_name = '"'r3'"'")" = "r3 " &&
	test "$(found_set "run_name LIKE '"'r%'"'" --max 100)" = \
		"r0 r1 r2 r3 r4 r5 r6 r7 r8 r9 " &&
	test "$(found_set "attributes.run_id = ${Q}$(cat id-r6)${Q}")" = "r6 " &&
	test "$(found_set "attributes.run_id IN (${Q}$(cat id-r1)${Q}, ${Q}$(cat id-r4)${Q})")" = \
		"r1 r4 " &&
	test "$(found_set "attributes.run_id NOT IN (${Q}$(cat id-r1)${Q}, ${Q}$(cat id-r4)${Q})")" = \
		"r0 r2 r3 r5 r6 r7 r8 r9 " &&
	test "$(found_set "attributes.run_id LIKE ${Q}$(cut -c1-6 id-r2)%${Q}")" = "r2 " &&
	test "$(found_set "attributes.start_time > 0")" = "r0 r1 r2 r3 r4 r5 r6 r7 r8 r9 "
'

test_expect_success 'IN is only for run_id among the attributes' '
	cd p && test_must_fail 1 cairn runs search "attributes.status IN ('"'FINISHED'"')" &&
	test_stderr_contains "Only the '"'run_id'"' attribute supports comparison with a list" &&
	test_must_fail 1 cairn runs search "attributes.run_name IN ('"'r1'"', '"'r2'"')" &&
	test_stderr_contains "Only the '"'run_id'"' attribute"
'

test_expect_success 'datasets: name, context, IN' '
	cd p && test "$(found_set "datasets.name = '"'train.csv'"'")" = "r0 r1 r2 " &&
	test "$(found_set "datasets.name IN ('"'train.csv'"', '"'eval.csv'"')")" = \
		"r0 r1 r2 r3 " &&
	test "$(found_set "dataset.context = '"'evaluation'"'")" = "r3 " &&
	test "$(found_set "datasets.digest LIKE ${Q}%$(sha256sum eval.csv | cut -c1-12)%${Q}")" = "r3 " &&
	test "$(found_set "datasets.name = '"'nope'"'")" = ""
'

test_expect_success 'AND of several clauses, any case' '
	cd p && test "$(found_set "metrics.acc > 0.2 AND params.opt = '"'adam'"' AND tags.team = '"'red'"'")" = \
		"r6 " &&
	test "$(found_set "metrics.acc >= 0.1 and metrics.acc <= 0.5 And status = '"'RUNNING'"'")" = \
		"r1 r2 r3 " &&
	test "$(found_set "params.opt ILIKE '"'adam'"' AND datasets.name = '"'train.csv'"'")" = \
		"r0 r2 "
'

test_expect_success '--experiment narrows; deleted runs need --all/--deleted' '
	cd p && cairn experiments create other && cairn runs start --experiment other --name o1 &&
	cairn log param --run o1 opt=adam &&
	test "$(found_set "params.opt = '"'adam'"'")" = "o1 r0 r3 r6 r9 " &&
	test "$(found_set "params.opt = '"'adam'"'" --experiment other)" = "o1 " &&
	test "$(found_set "params.opt = '"'adam'"'" --experiment 0)" = "r0 r3 r6 r9 " &&
	test "$(found_set "params.opt = '"'adam'"'" --experiment 0 --experiment other)" = \
		"o1 r0 r3 r6 r9 " &&
	cairn runs delete r3 &&
	test "$(found_set "params.opt = '"'adam'"'" --experiment 0)" = "r0 r6 r9 " &&
	test "$(found_set "params.opt = '"'adam'"'" --experiment 0 --all)" = "r0 r3 r6 r9 " &&
	test "$(found_set "params.opt = '"'adam'"'" --deleted)" = "r3 " &&
	cairn runs restore r3 && cairn runs delete o1 &&
	test "$(found_set "params.opt = '"'adam'"'")" = "r0 r3 r6 r9 "
'

test_expect_success '--order-by a metric: ASC, DESC, missing values last' '
	cd p && cairn log metric --run r4 --step 9 acc=0.4 &&
	test "$(found "" --order-by "metrics.acc DESC")" = "r8 r7 r6 r5 r4 r3 r2 r1 r0 r9 " &&
	test "$(found "" --order-by "metrics.acc ASC")" = "r0 r1 r2 r3 r4 r5 r6 r7 r8 r9 " &&
	test "$(found "" --order-by "metrics.acc")" = "r0 r1 r2 r3 r4 r5 r6 r7 r8 r9 " &&
	test "$(found "" --order-by "metrics.loss desc")" = "r0 r1 r2 r3 r4 r5 r6 r7 r8 r9 " &&
	test "$(found "tags.team = '"'red'"'" --order-by "metrics.acc DESC")" = "r8 r6 r4 r2 r0 "
'

test_expect_success '--order-by: NaN after numbers, missing last' '
	cd p && cairn experiments create nan &&
	for x in a:1 b:nan c: d:-inf e:inf f:-2; do
		id=$(cairn runs start --experiment nan --name n-${x%%:*}) || exit 1
		v=${x#*:}
		if [ -n "$v" ]; then cairn log metric --run $id acc=$v || exit 1; fi
	done &&
	test "$(found "" --experiment nan --order-by "metrics.acc ASC")" = \
		"n-d n-f n-a n-e n-b n-c " &&
	test "$(found "" --experiment nan --order-by "metrics.acc DESC")" = \
		"n-e n-a n-f n-d n-b n-c " &&
	test "$(found_set "metrics.acc > 0" --experiment nan)" = "n-a n-e " &&
	test "$(found_set "metrics.acc < 0" --experiment nan)" = "n-d n-f "
'

test_expect_success '--order-by params, tags, attributes, several keys' '
	cd p && test "$(found "" --experiment 0 --order-by "params.opt" --order-by "metrics.acc DESC")" = \
		"r8 r5 r2 r6 r3 r0 r9 r7 r4 r1 " &&
	test "$(found "" --experiment 0 --order-by "tags.team DESC" --order-by "attributes.run_name")" = \
		"r0 r2 r4 r6 r8 r1 r3 r5 r7 r9 " &&
	test "$(found "" --experiment 0 --order-by "attributes.run_name DESC")" = \
		"r9 r8 r7 r6 r5 r4 r3 r2 r1 r0 " &&
	test "$(found "" --experiment 0 --order-by "attributes.start_time ASC")" = \
		"r0 r1 r2 r3 r4 r5 r6 r7 r8 r9 "
'

test_expect_success 'paging: --max and --page-token return every run once' '
	cd p && for order in "" "metrics.acc DESC" "metrics.acc ASC" "params.opt" \
			"tags.team DESC" "attributes.status"; do
		for max in 1 3 4 10; do
			if [ -n "$order" ]; then
				page_all --experiment 0 --max $max --order-by "$order" >all || exit 1
				found "" --experiment 0 --order-by "$order" | tr " " "\n" |
					sed "/^$/d" >want
			else
				page_all --experiment 0 --max $max >all || exit 1
				found "" --experiment 0 | tr " " "\n" | sed "/^$/d" >want
			fi
			test $(wc -l <all) = 10 || exit 1
			test $(sort -u all | wc -l) = 10 || exit 1
			cmp all want || exit 1
		done
	done
'

test_expect_success 'paging with a filter and --json: no token on the last page' '
	cd p && cairn runs search "params.opt = '"'sgd'"'" --max 2 --json >j1 &&
	test $(grep -c "\"run_name\"" j1) = 2 &&
	tok=$(sed -n "s/.*\"next_page_token\": \"\(.*\)\".*/\1/p" j1) && test -n "$tok" &&
	cairn runs search "params.opt = '"'sgd'"'" --max 2 --json --page-token "$tok" >j2 &&
	test $(grep -c "\"run_name\"" j2) = 1 && ! grep next_page_token j2 &&
	cat j1 j2 | sed -n "s/.*\"run_name\": \"\(.*\)\".*/\1/p" | sort | tr "\n" " " >names &&
	test "$(cat names)" = "r1 r4 r7 " &&
	cairn runs search "params.opt = '"'sgd'"'" --max 3 --json >j3 &&
	! grep next_page_token j3 &&
	test "$(cairn runs search "params.opt = '"'sgd'"'" --max 3 | tail -1 | cut -c1-5)" != "more:"
'

test_expect_success '--json has MLflow run entities' '
	cd p && cairn runs search "attributes.run_name = '"'r2'"'" --json >j &&
	grep "\"runs\": \[" j && grep "\"run_id\": \"$(cat id-r2)\"" j &&
	grep -A1 "\"key\": \"opt\"" j | grep "\"value\": \"Adam\"" &&
	grep -A3 "\"key\": \"acc\"" j | grep "\"value\": 0.2" &&
	grep "\"name\": \"train.csv\"" j &&
	if [ -x /usr/bin/python3 ]; then
		/usr/bin/python3 -c "
import json
d = json.load(open(\"j\"))
r, = d[\"runs\"]
assert r[\"info\"][\"run_name\"] == \"r2\"
assert {p[\"key\"]: p[\"value\"] for p in r[\"data\"][\"params\"]}[\"lr\"] == \"0.02\"
assert [i[\"context\"] for i in r[\"inputs\"]] == [\"training\"]
"
	fi
'

test_expect_success '--metric adds columns' '
	cd p && cairn runs search "metrics.acc >= 0.7" --metric acc --metric loss >out &&
	head -1 out | grep "acc  *loss$" && grep " r7 .* 0.7  *3$" out &&
	cairn runs list --metric acc | grep " r9 .* -$"
'

test_expect_success 'bad filters: exit 1 with MLflow messages' '
	cd p &&
	test_must_fail 1 cairn runs search "metrics.acc > 0.1 OR metrics.acc < 0.05" &&
	test_stderr_contains "Invalid clause(s) in filter string: '"'OR'"'" &&
	test_must_fail 1 cairn runs search "metrics.acc >> 0.1" &&
	test_stderr_contains "Invalid comparator '"'>>'"' not one of" &&
	test_must_fail 1 cairn runs search "foo.x = 1" &&
	test_stderr_contains "Invalid entity type '"'foo'"'. Valid values are" &&
	test_must_fail 1 cairn runs search "params.opt = adam" &&
	test_stderr_contains "Parameter value is either not quoted or unidentified quote types used for string value adam" &&
	test_must_fail 1 cairn runs search "metrics.acc > '"'0.5'"'" &&
	test_stderr_contains "Expected numeric value type for metric" &&
	test_must_fail 1 cairn runs search "attributes.nope = '"'x'"'" &&
	test_stderr_contains "Invalid attribute key '"'nope'"' specified" &&
	test_must_fail 1 cairn runs search "metrics.acc LIKE 1" &&
	test_stderr_contains "Invalid comparator '"'LIKE'"'" &&
	test_must_fail 1 cairn runs search "params.opt > '"'a'"'" &&
	test_must_fail 1 cairn runs search "(metrics.acc > 1)" &&
	test_stderr_contains "Invalid clause(s)" &&
	test_must_fail 1 cairn runs search "NOT metrics.acc > 1" &&
	test_must_fail 1 cairn runs search "metrics.acc > 0.1 AND" &&
	test_must_fail 1 cairn runs search "metrics.acc" &&
	test_must_fail 1 cairn runs search "params.opt IN ('"'a'"')"
'

test_expect_success 'bad order-by, page token, --max' '
	cd p && test_must_fail 1 cairn runs search "" --order-by "metrics.acc SIDEWAYS" &&
	test_stderr_contains "Invalid ordering key" &&
	test_must_fail 1 cairn runs list --order-by "foo.acc" &&
	test_must_fail 1 cairn runs list --order-by "metrics.acc" --order-by "metrics.acc DESC" &&
	test_must_fail 1 cairn runs list --page-token "not base64!" &&
	test_stderr_contains "Invalid page token" &&
	test_must_fail 129 cairn runs list --max 0 &&
	test_must_fail 129 cairn runs list --max -1 &&
	test_must_fail 129 cairn runs search &&
	test_must_fail 129 cairn runs list extra
'

test_expect_success 'a search filter never leaks into SQL' '
	cd p && test "$(found_set "params.opt = ${Q}x${Q}${Q} OR 1=1 --${Q}")" = "" &&
	test "$(found_set "tags.\`team; DROP TABLE runs\` = '"'x'"'")" = "" &&
	test $(cairn runs list --experiment 0 | wc -l) = 11
'

test_done
