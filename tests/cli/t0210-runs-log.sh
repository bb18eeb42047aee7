#!/bin/sh
# cairn runs start/end/show/delete/restore and cairn log: params (write-
# once), metrics (NaN, inf, steps, JSON lines), tags, inputs; MLflow's key
# rules and messages; runs named by id, id prefix, name or $CAIRN_RUN_ID.
. "$TEST_DIRECTORY/lib.sh"

# show_field RUN SECTION KEY: KEY's value in a section of 'runs show RUN'
# (SECTION: params, metrics, inputs or tags).
show_field() {
	"$CAIRN" runs show "$1" | awk -v s="$2" -v k="$3" '
		/^[a-z]/ { sec = $1 }
		/^  / && sec == s && $1 == k && !done {
			sub(/^  +[^ ]+ +/, ""); print; done = 1
		}'
}

# A string of N copies of character C.
repeat() {
	head -c "$1" /dev/zero | tr '\0' "$2"
}

test_expect_success 'setup' '
	mkdir p && cd p && cairn init && printf "a,b\n1,2\n" >train.csv &&
	cairn data add train.csv
'

test_expect_success 'runs start prints a 32-hex id; the run is RUNNING' '
	cd p && cairn runs start --name r1 >id && grep -x "[0-9a-f]\{32\}" id &&
	id=$(cat id) && cairn runs show "$id" >out &&
	grep "^run        $id$" out && grep "^name       r1$" out &&
	grep "^experiment 0$" out && grep "^status     RUNNING$" out &&
	! grep "^ended" out && ! grep "^stage" out &&
	grep "mlflow.runName  *r1$" out &&
	cairn runs show --json r1 >j &&
	grep "\"run_id\": \"$id\"" j && grep "\"run_uuid\": \"$id\"" j &&
	grep "\"status\": \"RUNNING\"" j && grep "\"lifecycle_stage\": \"active\"" j &&
	grep "\"start_time\": [0-9]\{13\}" j && ! grep "end_time" j
'

test_expect_success 'a run without --name gets a generated name' '
	cd p && id=$(cairn runs start) &&
	cairn runs show --json "$id" >j &&
	sed -n "s/.*\"run_name\": \"\(.*\)\".*/\1/p" j >name &&
	grep -E -x "[a-z]+-[a-z]+-[0-9]+" name &&
	cairn runs show "$(cat name)" | grep "^run        $id$"
'

test_expect_success 'log param by full id, id prefix and name' '
	cd p && id=$(cat id) && cairn log param --run "$id" lr=0.1 &&
	cairn log param --run "$(echo $id | cut -c1-8)" opt=adam &&
	cairn log param --run "$(echo $id | cut -c1-4)" bs=32 &&
	cairn log param --run r1 eq=a=b "space=two words" &&
	test "$(show_field r1 params lr)" = 0.1 &&
	test "$(show_field r1 params opt)" = adam &&
	test "$(show_field r1 params bs)" = 32 &&
	test "$(show_field r1 params eq)" = a=b &&
	test "$(show_field r1 params space)" = "two words"
'

test_expect_success 'CAIRN_RUN_ID names the run; --run wins over it' '
	cd p && id=$(cat id) && other=$(cairn runs start --name r2) &&
	CAIRN_RUN_ID=$id cairn log tag via=env &&
	CAIRN_RUN_ID=r1 cairn log metric envm=1 &&
	CAIRN_RUN_ID=$id cairn log param --run r2 x=1 &&
	test "$(show_field r1 tags via)" = env &&
	show_field r1 metrics envm | grep "^1 " &&
	test "$(show_field r2 params x)" = 1 && test -z "$(show_field r1 params x)"
'

test_expect_success 'no run at all is a usage error' '
	cd p && test_must_fail 129 env -u CAIRN_RUN_ID "$CAIRN" log param a=1 &&
	test_stderr_contains "no run" &&
	test_must_fail 129 env CAIRN_RUN_ID= "$CAIRN" log param a=1
'

test_expect_success 'params are write-once: the same value again is fine' '
	cd p && cairn log param --run r1 lr=0.1 && cairn log param --run r1 lr=0.1 &&
	test "$(show_field r1 params lr)" = 0.1
'

test_expect_success 'a different value is an error naming both values' '
	cd p && test_must_fail 1 cairn log param --run r1 lr=0.2 &&
	test_stderr_contains "Changing param values is not allowed" &&
	test_stderr_contains "key='"'lr'"' was already logged with value='"'0.1'"'" &&
	test_stderr_contains "new value '"'0.2'"'" &&
	test_stderr_contains "$(cat id)" &&
	test "$(show_field r1 params lr)" = 0.1
'

test_expect_success 'path-like keys are refused with MLflow message' '
	cd p && for k in "a//b" "../x" "/abs" "a/" "./a" "a/./b" "a/../b" "." ".."; do
		for what in param metric tag; do
			test_must_fail 1 cairn log $what --run r1 "$k=1" || exit 1
			test_stderr_contains "Invalid $what name: '"'"'$k'"'"'" || exit 1
			test_stderr_contains "Names may be treated as files in certain cases" ||
				exit 1
		done
	done &&
	! cairn runs show r1 | grep -F "a//b"
'

test_expect_success 'bad characters are refused with MLflow message' '
	cd p && for k in "bad!key" "a*b" "tab	x" "q\"uote" "semi;colon" "é"; do
		for what in param metric tag; do
			test_must_fail 1 cairn log $what --run r1 "$k=1" || exit 1
			test_stderr_contains "Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), colon(:) and slashes (/)." ||
				exit 1
		done
	done
'

test_expect_success 'an empty key is refused' '
	cd p && test_must_fail 1 cairn log param --run r1 =v &&
	test_stderr_contains "key" && test_must_fail 1 cairn log tag --run r1 =v &&
	test_must_fail 1 cairn log param --run r1 novalue &&
	test_stderr_contains "'"'novalue'"' is not KEY=VALUE"
'

test_expect_success 'keys: 250 characters are fine, 251 are not' '
	cd p && k250=$(repeat 250 k) && k251=$(repeat 251 k) &&
	cairn log param --run r1 "$k250=v" && cairn log metric --run r1 "$k250=1" &&
	cairn log tag --run r1 "$k250=v" &&
	for what in param metric tag; do
		test_must_fail 1 cairn log $what --run r1 "$k251=1" || exit 1
		test_stderr_contains "had length 251, which exceeded length limit of 250" ||
			exit 1
	done
'

test_expect_success 'every allowed character works in a key' '
	cd p && cairn log param --run r1 "Az09_-. /:x=1" &&
	cairn log metric --run r1 "m/with:colon.and-dash=2" &&
	cairn runs show --json r1 | grep "\"key\": \"Az09_-. /:x\"" &&
	show_field r1 metrics m/with:colon.and-dash | grep "^2 "
'

test_expect_success 'value limits: param 6000, tag 8000' '
	cd p && cairn log param --run r1 "p6000=$(repeat 6000 v)" &&
	test_must_fail 1 cairn log param --run r1 "p6001=$(repeat 6001 v)" &&
	test_stderr_contains "length 6001, which exceeded length limit of 6000" &&
	cairn log tag --run r1 "t8000=$(repeat 8000 v)" &&
	test_must_fail 1 cairn log tag --run r1 "t8001=$(repeat 8001 v)" &&
	test_stderr_contains "exceeded length limit of 8000" &&
	test $(show_field r1 params p6000 | wc -c) = 6001 &&
	test -z "$(show_field r1 params p6001)"
'

test_expect_success 'tags can be overwritten; params cannot' '
	cd p && cairn log tag --run r1 stage=one && cairn log tag --run r1 stage=two &&
	test "$(show_field r1 tags stage)" = two &&
	cairn log tag --run r1 empty= && cairn runs show --json r1 >j &&
	grep -A1 "\"key\": \"empty\"" j | grep "\"value\": \"\""
'

test_expect_success 'metric values: NaN and +-inf are accepted' '
	cd p && cairn log metric --run r1 n=nan pi=inf ni=-inf big=1e308 neg=-0.5 &&
	cairn log metric --run r1 N2=NaN I2=Infinity &&
	cairn runs show --json r1 >j &&
	grep -A3 "\"key\": \"n\"" j | grep "\"value\": \"NaN\"" &&
	grep -A3 "\"key\": \"pi\"" j | grep "\"value\": \"Infinity\"" &&
	grep -A3 "\"key\": \"ni\"" j | grep "\"value\": \"-Infinity\"" &&
	grep -A3 "\"key\": \"I2\"" j | grep "\"value\": \"Infinity\"" &&
	grep -A3 "\"key\": \"neg\"" j | grep "\"value\": -0.5" &&
	show_field r1 metrics n | grep -i "^nan "
'

test_expect_success 'a tiny (subnormal) metric value is a number' '
	cd p && cairn log metric --run r1 tiny=1e-310 &&
	show_field r1 metrics tiny | grep "^1e-310 "
'

test_expect_success 'a metric value that is not a number is refused' '
	cd p && test_must_fail 1 cairn log metric --run r1 bad=abc &&
	test_stderr_contains "metric '"'bad'"': '"'abc'"' is not a number" &&
	test_must_fail 1 cairn log metric --run r1 bad= &&
	test_must_fail 1 cairn log metric --run r1 bad=1x &&
	test -z "$(show_field r1 metrics bad)"
'

test_expect_success 'metric steps and timestamps; history by step' '
	cd p && cairn log metric --run r1 --step 3 loss=0.3 &&
	cairn log metric --run r1 --step 1 loss=0.9 &&
	cairn log metric --run r1 --step 2 --timestamp 1700000000000 loss=0.5 &&
	cairn log metric --run r1 --step -1 loss=2 &&
	cairn metrics history r1 loss >out &&
	head -1 out | grep "STEP  *loss" &&
	sed -n "2,5p" out | awk "{ print \$1 \":\" \$2 }" | tr "\n" " " >rows &&
	test "$(cat rows)" = "-1:2 1:0.9 2:0.5 3:0.3 " &&
	cairn metrics history r1 loss --json >j &&
	test $(grep -c "\"step\"" j) = 4 &&
	grep -B1 -A1 "\"timestamp\": 1700000000000" j | grep "\"step\": 2" &&
	show_field r1 metrics loss | grep "^0.3  *step 3$"
'

test_expect_success 'the latest value is the one with the highest step' '
	cd p && cairn log metric --run r1 --step 10 late=1 &&
	cairn log metric --run r1 --step 4 late=9 &&
	show_field r1 metrics late | grep "^1  *step 10$"
'

test_expect_success 'bad --step and --timestamp are usage errors' '
	cd p && test_must_fail 129 cairn log metric --run r1 --step x m=1 &&
	test_must_fail 129 cairn log metric --run r1 --timestamp -5 m=1 &&
	test_must_fail 129 cairn log metric --run r1 --step 1.5 m=1 &&
	test -z "$(show_field r1 metrics m)"
'

test_expect_success 'log metrics -: JSON lines, several metrics a line' '
	cd p && cairn runs start --name jl >/dev/null &&
	printf "%s\n" "{\"step\": 0, \"loss\": 1.0, \"acc\": 0.5}" "" \
		"{\"step\": 1, \"loss\": 0.5, \"acc\": 0.75, \"timestamp\": 1700000000001}" \
		"  " "{\"step\": 2, \"loss\": \"NaN\", \"acc\": \"0.875\"}" \
		"{\"loss\": 7}" |
		cairn log metrics --run jl - &&
	cairn metrics history jl loss --json >j && test $(grep -c "\"step\"" j) = 4 &&
	cairn metrics history jl acc --json >k && test $(grep -c "\"step\"" k) = 3 &&
	grep "\"value\": 0.875" k && grep "\"value\": \"NaN\"" j &&
	grep -A1 "\"timestamp\": 1700000000001" j | grep "\"value\": 0.5" &&
	cairn metrics history jl loss | sed -n 2p | grep "^  *0  *1$" &&
	cairn metrics history jl loss | sed -n 3p | grep "^  *0  *7$"
'

test_expect_success 'log metrics -: many points from one process' '
	cd p && seq 1 500 | awk "{ printf \"{\\\"step\\\": %d, \\\"s\\\": %d}\\n\", \$1, \$1 }" |
		cairn log metrics --run jl - &&
	test $(cairn metrics history jl s --json | grep -c "\"step\"") = 500 &&
	show_field jl metrics s | grep "^500  *step 500$"
'

test_expect_success 'log metrics -: a malformed line is a clear error' '
	cd p && cairn runs start --name bad >/dev/null &&
	printf "%s\n" "{\"step\": 1, \"q\": 1}" "{\"step\": 2, \"q\": 2}" "{oops" \
		"{\"step\": 4, \"q\": 4}" >in &&
	test_must_fail 1 cairn log metrics --run bad - <in &&
	test_stderr_contains "stdin line 3: not a JSON object" &&
	test $(cairn metrics history bad q --json | grep -c "\"step\"") = 2 &&
	echo "[1, 2]" >in && test_must_fail 1 cairn log metrics --run bad - <in &&
	test_stderr_contains "stdin line 1: not a JSON object" &&
	echo "{\"step\": \"x\", \"q\": 5}" >in &&
	test_must_fail 1 cairn log metrics --run bad - <in &&
	test_stderr_contains "'"'step'"' must be an integer" &&
	echo "{\"step\": 1.5, \"q\": 5}" >in &&
	test_must_fail 1 cairn log metrics --run bad - <in &&
	echo "{\"step\": 5, \"q\": true}" >in &&
	test_must_fail 1 cairn log metrics --run bad - <in &&
	test_stderr_contains "metric '"'q'"' is not a number" &&
	echo "{\"step\": 5, \"q\": \"abc\"}" >in &&
	test_must_fail 1 cairn log metrics --run bad - <in &&
	echo "{\"step\": 5, \"a//b\": 1}" >in &&
	test_must_fail 1 cairn log metrics --run bad - <in &&
	test_stderr_contains "Names may be treated as files" &&
	test $(cairn metrics history bad q --json | grep -c "\"step\"") = 2
'

test_expect_success 'log metrics takes only -' '
	cd p && test_must_fail 129 cairn log metrics --run jl &&
	test_must_fail 129 cairn log metrics --run jl file.json
'

test_expect_success 'metrics history: table with a chart, --json, errors' '
	cd p && cairn metrics history jl s >out &&
	test $(sed -n "2,501p" out | grep -c "^ *[0-9]\+  *[0-9]\+$") = 500 &&
	grep "step 1 .. 500" out && grep "|" out &&
	test_must_fail 1 cairn metrics history jl nosuch &&
	test_stderr_contains "has no metric '"'nosuch'"'" &&
	test_must_fail any cairn metrics history nosuchrun s &&
	test_must_fail 129 cairn metrics history jl &&
	test_must_fail 129 cairn metrics nope jl s
'

test_expect_success 'runs end: FINISHED by default, end time set' '
	cd p && cairn runs start --name e1 >/dev/null && cairn runs end e1 &&
	cairn runs show e1 | grep "^status     FINISHED$" &&
	cairn runs show e1 | grep "^ended  " &&
	cairn runs show --json e1 | grep "\"end_time\": [0-9]\{13\}" &&
	cairn runs start --name e2 >/dev/null && cairn runs end e2 --status FAILED &&
	cairn runs show e2 | grep "^status     FAILED$" &&
	cairn runs start --name e3 >/dev/null && cairn runs end e3 --status KILLED &&
	cairn runs show e3 | grep "^status     KILLED$" &&
	test_must_fail 129 cairn runs end e3 --status DONE &&
	test_must_fail 129 cairn runs end &&
	test_must_fail any cairn runs end nosuchrun
'

test_expect_success 'an ended run can still be logged to (MLflow)' '
	cd p && cairn log metric --run e1 after=1 && cairn log param --run e1 k=v &&
	show_field e1 metrics after | grep "^1 "
'

test_expect_success 'runs delete: hidden from list, nothing can be logged' '
	cd p && id=$(cairn runs start --name doomed) &&
	cairn log param --run doomed before=1 && cairn runs delete doomed &&
	! cairn runs list | grep " doomed " &&
	cairn runs list --all | grep " doomed " &&
	cairn runs list --deleted >out && grep " doomed " out && test $(wc -l <out) = 2 &&
	cairn runs show doomed | grep "^stage      deleted$" &&
	cairn runs show --json doomed | grep "\"lifecycle_stage\": \"deleted\"" &&
	for what in param metric tag; do
		test_must_fail 1 cairn log $what --run "$id" after=1 || exit 1
		test_stderr_contains "must be in the '"'active'"' state. Current state is deleted." ||
			exit 1
	done &&
	echo "{\"step\": 1, \"m\": 1}" >in &&
	test_must_fail 1 cairn log metrics --run doomed - <in &&
	test_must_fail 1 cairn log input --run doomed train.csv &&
	test_must_fail 1 env CAIRN_RUN_ID=$id "$CAIRN" log metric m=1 &&
	test_must_fail 1 cairn runs end doomed &&
	test_stderr_contains "deleted" &&
	test "$(show_field doomed params before)" = 1 &&
	test -z "$(show_field doomed params after)"
'

test_expect_success 'runs restore brings it back' '
	cd p && cairn runs restore doomed &&
	cairn runs list | grep " doomed " &&
	! cairn runs show doomed | grep "^stage" &&
	cairn log param --run doomed after=2 &&
	test "$(show_field doomed params after)" = 2
'

test_expect_success 'an unknown run is an error' '
	cd p && test_must_fail 1 cairn log param --run nosuchrun a=1 &&
	test_stderr_contains "no run matches '"'nosuchrun'"'" &&
	test_must_fail 1 cairn log param --run 0123456789abcdef0123456789abcdef a=1 &&
	test_must_fail 1 env CAIRN_RUN_ID=ffffffff "$CAIRN" log metric a=1 &&
	test_must_fail any cairn runs show nosuchrun &&
	test_stderr_contains "no run matches" &&
	test_must_fail any cairn runs delete nosuchrun &&
	test_must_fail any cairn runs restore nosuchrun
'

test_expect_success 'a prefix is at least 4 hex digits' '
	cd p && id=$(cat id) &&
	test_must_fail 1 cairn log param --run "$(echo $id | cut -c1-3)" a=1 &&
	test_stderr_contains "no run matches"
'

test_expect_success 'an ambiguous name or prefix is an error' '
	cd p && cairn runs start --name twin >/dev/null &&
	cairn runs start --name twin >/dev/null &&
	test_must_fail 1 cairn log param --run twin a=1 &&
	test_stderr_contains "'"'twin'"' matches several runs" &&
	test_must_fail any cairn runs show twin &&
	test_stderr_contains "matches several runs" &&
	pre=$(cut -c1-6 id) && cairn runs start --name "$pre" >/dev/null &&
	test_must_fail 1 cairn log param --run "$pre" a=1 &&
	test_stderr_contains "'"'"'$pre'"'"' matches several runs" &&
	cairn log param --run "$(cut -c1-10 id)" unambiguous=1
'

test_expect_success 'log input: tracked path, NAME@vN, --context' '
	cd p && cairn runs start --name withdata >/dev/null &&
	cairn log input --run withdata train.csv &&
	cairn log input --run withdata --context evaluation "train.csv@v1" &&
	cairn runs show withdata | sed -n "/^inputs/,/^tags/p" >out &&
	grep "train.csv@v1  sha256:" out && grep "evaluation$" out &&
	cairn runs show --json withdata | grep "\"id\": \"sha256:$(sha256sum train.csv | cut -c1-64)\"" &&
	test_must_fail 1 cairn log input --run withdata nope.csv &&
	test_stderr_contains "nope.csv" &&
	test_must_fail 1 cairn log input --run withdata train.csv@v9
'

test_expect_success 'nested runs: --parent sets parent_run_id' '
	cd p && pid=$(cairn runs start --name mom) &&
	cairn runs start --name kid --parent mom >/dev/null &&
	cairn runs show kid | grep "^parent     $pid$" &&
	cairn runs show --json kid | grep "\"parent_run_id\": \"$pid\"" &&
	test "$(show_field kid tags mlflow.parentRunId)" = "$pid" &&
	test_must_fail any cairn runs start --parent nosuchrun
'

test_expect_success 'runs compare marks differing params' '
	cd p && cairn runs start --name c1 >/dev/null && cairn runs start --name c2 >/dev/null &&
	cairn log param --run c1 same=1 diff=a && cairn log param --run c2 same=1 diff=b &&
	cairn log metric --run c1 acc=0.5 && cairn log metric --run c2 acc=0.75 &&
	cairn runs compare c1 c2 >out &&
	grep "^\* diff  *a  *b" out && grep "^  same  *1  *1" out &&
	grep "acc  *0.5  *0.75 (+0.25)" out &&
	cairn runs compare --json c1 c2 >j && grep -A2 "params_differing" j | grep "\"diff\"" &&
	! grep -A3 "params_differing" j | grep "\"same\"" &&
	test_must_fail 129 cairn runs compare c1
'

test_expect_success 'usage errors exit 129' '
	cd p && test_must_fail 129 cairn log &&
	test_must_fail 129 cairn log frob --run r1 a=1 &&
	test_must_fail 129 cairn log param --run r1 &&
	test_must_fail 129 cairn runs frob &&
	test_must_fail 129 cairn runs start extra &&
	test_must_fail 129 cairn runs show
'

test_expect_success 'log tag --delete removes a tag; an unknown one is an error' '
	cd p && run=$(cairn runs start --name tagdel) &&
	cairn log tag --run "$run" stage=dev &&
	cairn runs show "$run" | grep "stage  *dev" &&
	cairn log tag --run "$run" --delete stage &&
	! cairn runs show "$run" | grep "stage  *dev" &&
	test_must_fail 1 cairn log tag --run "$run" --delete stage &&
	test_stderr_contains "stage"
'

test_done
