#!/bin/sh
# cairn run: a command as a tracked run. Exit status, FINISHED / FAILED /
# KILLED, tags (command, exit code, duration, environment, git), the git
# diff artifact, -p params, inputs (--input and tracked arguments), cairn
# log from inside the command, the output artifact, signals, and commands
# that cannot be run.
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

# The number of runs in the store (deleted ones too).
run_count() {
	"$CAIRN" runs list --all --json | grep -c "\"run_uuid\""
}

# Wait until file $1 contains $2 (at most 20 s).
wait_for() {
	i=0
	while ! grep -q "$2" "$1" 2>/dev/null; do
		i=$((i + 1))
		[ $i -lt 200 ] || return 1
		sleep 0.1
	done
}

PY=/usr/bin/python3

test_expect_success 'setup: a git work tree with a cairn project' '
	mkdir p && cd p &&
	if command -v git >/dev/null; then
		git init -q . && git config user.email t@example.com &&
		git config user.name Tester && git config commit.gpgsign false &&
		printf "%s\n" out err j ins list found "*.log" >>.git/info/exclude
	fi &&
	cairn init && printf "a,b\n1,2\n3,4\n" >train.csv && printf "x\n1\n" >eval.csv &&
	cairn data add train.csv && cairn data add eval.csv &&
	echo "print(1)" >model.py &&
	if command -v git >/dev/null; then
		git add -A && git commit -q -m init &&
		test -z "$(git status --porcelain)"
	fi
'

test_expect_success 'a command that succeeds: exit 0, FINISHED' '
	cd p && cairn run --name ok -- sh -c "echo to-stdout; echo to-stderr >&2" \
		>out 2>err &&
	grep -x "to-stdout" out && grep -x "to-stderr" err &&
	grep "^cairn: run [0-9a-f]\{32\} started$" err &&
	grep "^cairn: run [0-9a-f]\{32\} FINISHED in " err &&
	cairn runs show ok | grep "^status     FINISHED$" &&
	cairn runs show ok | grep "^ended  " &&
	test "$(show_field ok tags cairn.exit_code)" = 0 &&
	test "$(show_field ok tags cairn.command)" = \
		"sh -c '"'"'echo to-stdout; echo to-stderr >&2'"'"'" &&
	show_field ok tags cairn.duration_ms | grep -x "[0-9]\+" &&
	test "$(show_field ok tags mlflow.source.type)" = LOCAL &&
	test "$(show_field ok tags mlflow.source.name)" = sh
'

test_expect_success 'the environment is recorded as cairn.env.* tags' '
	cd p && test "$(show_field ok tags cairn.env.arch)" = "$(uname -m)" &&
	show_field ok tags cairn.env.kernel | grep "$(uname -r)" &&
	test "$(show_field ok tags cairn.env.hostname)" = "$(uname -n)" &&
	show_field ok tags cairn.env.cpu_count | grep -x "[1-9][0-9]*" &&
	show_field ok tags cairn.env.memory_bytes | grep -x "[1-9][0-9]*" &&
	if [ -r /etc/os-release ]; then
		test -n "$(show_field ok tags cairn.env.os)"
	fi
'

test_expect_success 'a command that fails: its exit status, FAILED' '
	cd p && test_must_fail 3 cairn run --name three -- sh -c "exit 3" &&
	test_stderr_contains "FAILED" &&
	cairn runs show three | grep "^status     FAILED$" &&
	test "$(show_field three tags cairn.exit_code)" = 3 &&
	test_must_fail 1 cairn run --name one -- false &&
	test "$(show_field one tags cairn.exit_code)" = 1 &&
	rc=0 && { cairn run --name max -- sh -c "exit 255" || rc=$?; } &&
	test $rc = 255 && test "$(show_field max tags cairn.exit_code)" = 255
'

test_expect_success 'git: commit, branch, clean tree' '
	command -v git >/dev/null || exit 0
	cd p && test "$(show_field ok tags mlflow.source.git.commit)" = "$(git rev-parse HEAD)" &&
	test "$(show_field ok tags mlflow.source.git.branch)" = \
		"$(git rev-parse --abbrev-ref HEAD)" &&
	test "$(show_field ok tags cairn.git.dirty)" = false &&
	test -z "$(show_field ok tags cairn.git.diff)" &&
	test_must_fail 1 cairn artifacts get ok cairn/code.diff x &&
	test ! -e x
'

test_expect_success 'git: a dirty tree, its diff kept as an artifact' '
	command -v git >/dev/null || exit 0
	cd p && echo "print(2)  # changed" >>model.py && echo new >untracked.txt &&
	cairn run --name dirty -- true &&
	test "$(show_field dirty tags cairn.git.dirty)" = true &&
	test "$(show_field dirty tags mlflow.source.git.commit)" = "$(git rev-parse HEAD)" &&
	cairn artifacts list dirty cairn >list && grep "cairn/code.diff$" list &&
	cairn artifacts get dirty cairn/code.diff code.diff &&
	grep "^+print(2)  # changed$" code.diff && grep "untracked.txt" code.diff &&
	test "$(show_field dirty tags cairn.git.diff)" = \
		"sha256:$(sha256sum code.diff | cut -c1-64)" &&
	cp model.py model.py.dirty && git checkout -q model.py &&
	git apply code.diff && cmp model.py model.py.dirty &&
	rm model.py.dirty code.diff list untracked.txt && git checkout -q model.py &&
	test -z "$(git status --porcelain)"
'

test_expect_success 'outside git: no git tags' '
	mkdir ng && cd ng && cairn init && cairn run --name plain -- true &&
	cairn runs show plain >out && ! grep "git" out &&
	grep "cairn.env.arch" out
'

test_expect_success '-p params and --tag tags' '
	cd p && cairn run --name pp -p lr=0.01 -p opt=adam -p "eq=a=b" --tag team=red -- true &&
	test "$(show_field pp params lr)" = 0.01 && test "$(show_field pp params opt)" = adam &&
	test "$(show_field pp params eq)" = a=b && test "$(show_field pp tags team)" = red
'

test_expect_success '-p and --tag need KEY=VALUE' '
	cd p && n=$(run_count) &&
	test_must_fail 129 cairn run -p lr -- touch ran &&
	test_must_fail 129 cairn run --tag t -- touch ran &&
	test_must_fail 129 cairn run --name x &&
	test_stderr_contains "no command" &&
	test ! -e ran && test $(run_count) = $n
'

test_expect_success 'an invalid -p key fails and the command does not run' '
	cd p && test_must_fail 1 cairn run -p "bad!key=1" -- touch ran &&
	test_stderr_contains "Invalid param name: '"'bad!key'"'" && test ! -e ran
'

test_expect_success '--input and --eval-input are recorded as inputs' '
	cd p && cairn run --name inp --input train.csv --eval-input eval.csv -- true &&
	cairn runs show --json inp >j &&
	grep -A3 "\"name\": \"train.csv\"" j | grep "\"context\": \"training\"" &&
	grep -A3 "\"name\": \"eval.csv\"" j | grep "\"context\": \"evaluation\"" &&
	grep "\"id\": \"sha256:$(sha256sum train.csv | cut -c1-64)\"" j &&
	grep -A1 "\"name\": \"train.csv\"" j | grep "\"version\": 1" &&
	cairn run --name inp2 --input train.csv@v1 -- true &&
	cairn runs show inp2 | grep "train.csv@v1 .* training$"
'

test_expect_success 'tracked paths among the arguments are inputs' '
	cd p && cairn run --name auto -- cat train.csv >/dev/null &&
	cairn runs show auto | sed -n "/^inputs/,/^tags/p" >ins &&
	grep "train.csv@v1 .* training$" ins && ! grep eval.csv ins &&
	cairn run --name auto2 -- sh -c "true" --data=eval.csv model.py &&
	cairn runs show auto2 | sed -n "/^inputs/,/^tags/p" >ins &&
	grep "eval.csv@v1" ins && ! grep "model.py" ins && ! grep "train.csv" ins &&
	cairn run --name auto3 -- cat train.csv.cairn >/dev/null &&
	cairn runs show auto3 | grep "train.csv@v1 .* training$" &&
	cairn run --name none -- echo model.py >/dev/null &&
	! cairn runs show none | grep "^inputs"
'

test_expect_success 'a changed data set is recorded at its new version' '
	cd p && echo "5,6" >>train.csv && cairn data add train.csv &&
	cairn run --name v2 -- cat train.csv >/dev/null &&
	cairn runs show v2 | grep "train.csv@v2" &&
	cairn runs search "datasets.name = '"'train.csv'"'" >found &&
	grep " v2 " found && grep " auto " found && grep " inp " found
'

test_expect_success '--input of something untracked is an error' '
	cd p && test_must_fail 1 cairn run --input nope.csv -- touch ran &&
	test_stderr_contains "nope.csv" && test ! -e ran
'

test_expect_success 'cairn log inside the command logs into the same run' '
	cd p && cat >inner.sh <<-\EOF &&
	echo "id=$CAIRN_RUN_ID"
	"$CAIRN" log metric --step 1 inner=5 &&
	"$CAIRN" log param inner=yes &&
	"$CAIRN" log tag inner=tag &&
	echo "{\"step\": 2, \"inner\": 6}" | "$CAIRN" log metrics -
	EOF
	cairn run --name inner -- sh inner.sh >out &&
	id=$(sed -n "s/^id=//p" out) && echo "$id" | grep -x "[0-9a-f]\{32\}" &&
	cairn runs show inner | grep "^run        $id$" &&
	test "$(show_field inner params inner)" = yes &&
	test "$(show_field inner tags inner)" = tag &&
	show_field inner metrics inner | grep "^6  *step 2$" &&
	test $(cairn metrics history inner inner --json | grep -c "\"step\"") = 2 &&
	cairn runs show inner | grep "^status     FINISHED$"
'

test_expect_success 'CAIRN_RUN_ID from outside is replaced for the command' '
	cd p && outer=$(cairn runs start --name outer) &&
	CAIRN_RUN_ID=$outer cairn run --name nested -- sh -c "echo \"\$CAIRN_RUN_ID\"" >out &&
	! grep "$outer" out &&
	cairn runs show nested | grep "^run        $(cat out)$"
'

test_expect_success 'the output is kept as cairn/output.log' '
	cd p && head -c 200000 /dev/urandom | base64 >big.txt &&
	cairn run --name big -- cat big.txt >out &&
	cmp out big.txt &&
	cairn artifacts get big cairn/output.log big.log && cmp big.log big.txt &&
	cairn artifacts list --json big cairn >j &&
	grep -A2 "\"path\": \"cairn/output.log\"" j | grep "\"file_size\": $(wc -c <big.txt)"
'

test_expect_success 'the output log has both streams, bytes as written' '
	cd p && cairn run --name both -- sh -c "echo one; echo two >&2; sleep 0.3; printf tail" \
		>/dev/null 2>&1 &&
	cairn artifacts get both cairn/output.log both.log &&
	grep -x one both.log && grep -x two both.log && test "$(tail -c 4 both.log)" = tail &&
	test $(wc -c <both.log) = 12 &&
	cairn run --name silent -- true &&
	cairn artifacts get silent cairn/output.log silent.log && test ! -s silent.log
'

test_expect_success 'stdin reaches the command' '
	cd p && echo piped | cairn run --name stdin -- cat >out && grep -x piped out
'

test_expect_success 'a command that does not exist: an error and no run' '
	mkdir fresh && cd fresh && cairn init &&
	test_must_fail 1 cairn run -- no-such-command-xyz --flag &&
	test_stderr_contains "'"'no-such-command-xyz'"': command not found" &&
	test_must_fail 1 cairn run -- ./missing.sh &&
	test_stderr_contains "no such file" &&
	echo "echo hi" >noexec.sh && chmod 644 noexec.sh &&
	test_must_fail 1 cairn run -- ./noexec.sh &&
	test_stderr_contains "not an executable file" &&
	mkdir adir && test_must_fail 1 cairn run -- ./adir &&
	cairn runs list >out && grep -x "no runs" out && test $(run_count) = 0
'

test_expect_success 'a relative script path runs' '
	cd p && printf "#!/bin/sh\necho script-ran \"\$@\"\nexit 4\n" >s.sh && chmod +x s.sh &&
	test_must_fail 4 cairn run --name script -- ./s.sh a1 >out &&
	grep -x "script-ran a1" out &&
	test "$(show_field script tags cairn.command)" = "./s.sh a1"
'

test_expect_success 'Python: exit 0 and 3, python tags, logging from Python' '
	[ -x $PY ] || exit 0
	cd p && cat >train.py <<-\EOF &&
	import os, subprocess, sys
	print("python-run", os.environ["CAIRN_RUN_ID"])
	sys.stdout.flush()
	subprocess.run([os.environ["CAIRN"], "log", "metric", "--step", "1",
	                "acc=0.9"], check=True)
	subprocess.run([os.environ["CAIRN"], "log", "param", "lr=" + sys.argv[1]],
	               check=True)
	sys.exit(int(sys.argv[1]))
	EOF
	cairn run --name py0 -- $PY train.py 0 >out &&
	grep "^python-run [0-9a-f]\{32\}$" out &&
	cairn runs show py0 | grep "^status     FINISHED$" &&
	show_field py0 metrics acc | grep "^0.9  *step 1$" &&
	test "$(show_field py0 params lr)" = 0 &&
	test "$(show_field py0 tags mlflow.source.name)" = train.py &&
	test "$(show_field py0 tags cairn.python.version)" = \
		"$($PY -c "import platform; print(platform.python_version())")" &&
	test -n "$(show_field py0 tags cairn.python.executable)" &&
	test_must_fail 3 cairn run --name py3 -- $PY train.py 3 >out &&
	cairn runs show py3 | grep "^status     FAILED$" &&
	test "$(show_field py3 tags cairn.exit_code)" = 3 &&
	test "$(show_field py3 params lr)" = 3
'

test_expect_success 'Python: the package list is an artifact named by its id' '
	[ -x $PY ] || exit 0
	cd p && id=$(show_field py0 tags cairn.python.packages) &&
	if [ -n "$id" ]; then
		cairn artifacts get py0 cairn/python-packages.txt pk.txt &&
		test "$id" = "sha256:$(sha256sum pk.txt | cut -c1-64)"
	fi
'

test_expect_success 'Python: an exception fails the run, traceback kept' '
	[ -x $PY ] || exit 0
	cd p && printf "raise ValueError(\"boom\")\n" >crash.py &&
	test_must_fail 1 cairn run --name crash -- $PY crash.py &&
	test_stderr_contains "ValueError: boom" &&
	cairn runs show crash | grep "^status     FAILED$" &&
	cairn artifacts get crash cairn/output.log crash.log &&
	grep "ValueError: boom" crash.log
'

test_expect_success 'lock files are kept and tagged' '
	cd p && echo "numpy==1.26.0" >requirements.txt &&
	cairn run --name lock -- true &&
	test "$(show_field lock tags cairn.lockfile.requirements.txt)" = \
		"sha256:$(sha256sum requirements.txt | cut -c1-64)" &&
	cairn artifacts get lock cairn/lockfiles/requirements.txt req &&
	cmp req requirements.txt && rm requirements.txt req
'

test_expect_success 'a command killed by a signal: KILLED, 128+N' '
	cd p && rc=0 &&
	{ cairn run --name self9 -- sh -c "echo before; kill -9 \$\$" >out || rc=$?; } &&
	test $rc = 137 &&
	grep -x before out &&
	cairn runs show self9 | grep "^status     KILLED$" &&
	test "$(show_field self9 tags cairn.signal)" = 9 &&
	test -z "$(show_field self9 tags cairn.exit_code)"
'

for sig in INT:2 TERM:15; do
	num=${sig#*:}
	sig=${sig%:*}
	test_expect_success "SIG$sig to cairn run: KILLED, output kept" '
		env --default-signal=INT true 2>/dev/null || exit 0
		cd p || exit 1
		num='"$num"'
		# The job opens out and err itself, maybe only after the
		# waits below first look: what an earlier case left there
		# must not pass for this run having started.
		rm -f out err
		env --default-signal=INT "$CAIRN" run --name sig'"$sig"' -- \
			sh -c "echo started; exec sleep 30" >out 2>err &
		pid=$!
		{
			wait_for out started && wait_for err "run .* started" &&
			kill -'"$sig"' $pid && { wait $pid; rc=$?; } &&
			test $rc = $((128 + num)) && grep "KILLED in" err &&
			cairn runs show sig'"$sig"' | grep "^status     KILLED$" &&
			test "$(show_field sig'"$sig"' tags cairn.signal)" = $num &&
			cairn artifacts get sig'"$sig"' cairn/output.log sig.log &&
			grep -x started sig.log && rm sig.log &&
			ms=$(show_field sig'"$sig"' tags cairn.duration_ms) &&
			test "$ms" -ge 0 && test "$ms" -lt 25000
		} || { kill -KILL $pid 2>/dev/null; cat out err; exit 1; }
	'
done

test_expect_success 'the runs of this script are all ended' '
	cd p && ! cairn runs list --all | grep " RUNNING " | grep -v " outer "
'

test_done
