#!/bin/sh
# cairn experiments: Default (id 0), create, list, --json, rename, delete,
# restore, tag; the errors MLflow gives for the same mistakes.
. "$TEST_DIRECTORY/lib.sh"

# The NAME column of 'experiments list' (with the given options), as
# "name|name|...|".
exp_names() {
	"$CAIRN" experiments list "$@" | sed -n '2,$p' | cut -c8-39 |
		sed 's/ *$//' | tr '\n' '|'
}

test_expect_success 'setup' '
	mkdir p && cd p && cairn init
'

test_expect_success 'a new project has experiment 0, Default, active' '
	cd p && cairn experiments list >out &&
	test $(wc -l <out) = 2 && head -1 out | grep "^ID  *NAME  *STAGE" &&
	grep "^0  *Default  *active " out &&
	cairn experiments >out2 && cmp out out2
'

test_expect_success 'list --json has MLflow fields' '
	cd p && cairn experiments list --json >out &&
	grep "\"experiment_id\": \"0\"" out && grep "\"name\": \"Default\"" out &&
	grep "\"lifecycle_stage\": \"active\"" out &&
	grep "\"creation_time\": [0-9]\{13\}" out &&
	grep "\"last_update_time\": [0-9]\{13\}" out &&
	if [ -x /usr/bin/python3 ]; then
		/usr/bin/python3 -c "
import json, sys
l = json.load(open(\"out\"))
assert [e[\"experiment_id\"] for e in l] == [\"0\"], l
"
	fi
'

test_expect_success 'create gives ids 1, 2, ... and lists them' '
	cd p && cairn experiments create alpha >out &&
	grep "^created experiment alpha (id 1)$" out &&
	cairn experiments create "with space" >out &&
	grep "(id 2)$" out &&
	test "$(exp_names)" = "Default|alpha|with space|" &&
	cairn experiments list --json >j &&
	test $(grep -c "\"experiment_id\"" j) = 3 &&
	grep "\"name\": \"with space\"" j
'

test_expect_success 'a duplicate name is refused with MLflow message' '
	cd p && test_must_fail 1 cairn experiments create alpha &&
	test_stderr_contains "Experiment(name=alpha) already exists." &&
	test_must_fail 1 cairn experiments create Default &&
	test_stderr_contains "Experiment(name=Default) already exists." &&
	test $(cairn experiments list | grep -c " alpha ") = 1
'

test_expect_success 'an empty or over-long name is refused' '
	cd p && test_must_fail 1 cairn experiments create "" &&
	test_stderr_contains "must not be empty" &&
	long=$(head -c 501 /dev/zero | tr "\\0" n) &&
	test_must_fail 1 cairn experiments create "$long" &&
	test_stderr_contains "exceeded length limit of 500" &&
	ok=$(head -c 500 /dev/zero | tr "\\0" m) &&
	cairn experiments create "$ok"
'

test_expect_success 'rename by name and by id' '
	cd p && cairn experiments rename alpha beta &&
	test "$(exp_names | cut -d"|" -f1-3)" = "Default|beta|with space" &&
	cairn experiments rename 1 gamma &&
	cairn experiments list --json | grep "\"name\": \"gamma\"" &&
	! cairn experiments list | grep -w beta
'

test_expect_success 'rename onto an existing name or of an unknown one fails' '
	cd p && test_must_fail 1 cairn experiments rename gamma Default &&
	test_stderr_contains "Experiment(name=Default) already exists." &&
	test_must_fail 1 cairn experiments rename nosuch x &&
	test_stderr_contains "nosuch" &&
	test_must_fail 1 cairn experiments rename gamma "" &&
	cairn experiments list | grep "^1  *gamma "
'

test_expect_success 'runs go into an experiment by name or id' '
	cd p && cairn runs start --experiment gamma --name g1 >id1 &&
	cairn runs start --experiment 1 --name g2 >id2 &&
	cairn runs list --experiment gamma >out &&
	grep " g1 " out && grep " g2 " out && test $(wc -l <out) = 3 &&
	cairn runs show g1 | grep "^experiment 1$"
'

test_expect_success 'delete is soft: the experiment moves to --deleted' '
	cd p && cairn experiments delete gamma &&
	! cairn experiments list | grep gamma &&
	cairn experiments list --deleted >out &&
	grep "^1  *gamma  *deleted " out && test $(wc -l <out) = 2 &&
	cairn experiments list --all | grep "^1  *gamma  *deleted " &&
	cairn experiments list --all | grep "^0  *Default  *active " &&
	cairn experiments list --deleted --json | grep "\"lifecycle_stage\": \"deleted\"" &&
	cairn runs show g1 | grep "^run "
'

test_expect_success 'no run can start in a deleted experiment' '
	cd p && test_must_fail 1 cairn runs start --experiment gamma &&
	test_stderr_contains "must be in the '"'active'"' state" &&
	test_must_fail 1 cairn run --experiment 1 -- true &&
	test_stderr_contains "must be in the '"'active'"' state" &&
	test $(cairn runs list --experiment gamma --all | grep -c RUNNING) = 2
'

test_expect_success 'deleting twice, renaming a deleted one fail' '
	cd p && test_must_fail 1 cairn experiments delete gamma &&
	test_stderr_contains "already deleted" &&
	test_must_fail 1 cairn experiments rename gamma delta &&
	test_stderr_contains "non-active"
'

test_expect_success 'restore brings it back, with its runs' '
	cd p && cairn experiments restore gamma &&
	cairn experiments list | grep "^1  *gamma  *active " &&
	test "$(cairn experiments list --deleted)" = "" &&
	cairn runs start --experiment gamma --name g3 &&
	test $(cairn runs list --experiment gamma | grep -c " g[123] ") = 3 &&
	test_must_fail 1 cairn experiments restore gamma &&
	test_stderr_contains "already active"
'

test_expect_success 'experiment 0 cannot be deleted, by id or name' '
	cd p && test_must_fail 1 cairn experiments delete 0 &&
	test_stderr_contains "Cannot delete the default experiment '"'0'"'" &&
	test_must_fail 1 cairn experiments delete Default &&
	test_stderr_contains "internally reserved" &&
	cairn experiments list | grep "^0  *Default  *active "
'

test_expect_success 'Default can be renamed and is still id 0' '
	cd p && cairn experiments rename 0 Main &&
	cairn experiments list | grep "^0  *Main  *active " &&
	cairn runs start --name in-main >/dev/null &&
	cairn runs show in-main | grep "^experiment 0$" &&
	cairn experiments rename Main Default
'

test_expect_success 'unknown experiments are errors' '
	cd p && test_must_fail 1 cairn experiments delete nosuch &&
	test_stderr_contains "no experiment with id or name '"'nosuch'"'" &&
	test_must_fail 1 cairn experiments restore 99 &&
	test_stderr_contains "99" &&
	test_must_fail 1 cairn runs start --experiment nosuch &&
	test_stderr_contains "nosuch"
'

test_expect_success 'tag sets a tag; bad keys are refused' '
	cd p && cairn experiments tag gamma team red &&
	cairn experiments tag 1 team blue &&
	cairn experiments tag Default "note/x" "a value with spaces" &&
	if command -v sqlite3 >/dev/null; then
		test "$(sqlite3 .cairn/cairn.db \
			"SELECT value FROM experiment_tags WHERE key = '"'team'"'")" = blue
	fi &&
	test_must_fail 1 cairn experiments tag gamma "bad!key" v &&
	test_stderr_contains "Names may only contain" &&
	test_must_fail 1 cairn experiments tag nosuch k v &&
	test_must_fail 129 cairn experiments tag gamma onlykey
'

test_expect_success 'usage errors exit 129' '
	cd p && test_must_fail 129 cairn experiments frobnicate &&
	test_must_fail 129 cairn experiments create &&
	test_must_fail 129 cairn experiments create a b &&
	test_must_fail 129 cairn experiments rename gamma &&
	test_must_fail 129 cairn experiments list --bogus
'

test_expect_success 'outside a project: an error, not a crash' '
	mkdir np && cd np && test_must_fail any cairn experiments list
'

test_done
