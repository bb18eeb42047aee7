#!/bin/sh
# Run artifacts and checkpoints: log artifact (file, directory, --path),
# artifacts list / --json / get, path checks, checkpoints with metadata
# fetched back byte for byte, chunks shared between checkpoints, fsck and
# gc keeping everything a run refers to, concurrent logging into one run.
. "$TEST_DIRECTORY/lib.sh"

# Kilobytes used by the object store.
store_kb() {
	du -sk .cairn/objects | cut -f1
}

# Flip a few bytes of file $1 at offset $2.
poke() {
	printf 'edit-%s' "$2" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}

test_expect_success 'setup: a run and some files' '
	mkdir p && cd p && cairn init && cairn runs start --name a >/dev/null &&
	mkdir -p d/sub d/empty && echo one >d/one.txt && make_random d/sub/two.bin 100000 &&
	printf "#!/bin/sh\necho hi\n" >d/run.sh && chmod +x d/run.sh &&
	echo model >model.txt && : >zero.txt
'

test_expect_success 'log a file; list shows it' '
	cd p && cairn log artifact --run a model.txt &&
	cairn artifacts list a >out && grep "^ *6 B  model.txt$" out &&
	test $(wc -l <out) = 1 &&
	cairn artifacts list a --json >j &&
	grep "\"path\": \"model.txt\"" j && grep "\"is_dir\": false" j &&
	grep "\"file_size\": 6" j
'

test_expect_success 'log a directory under --path' '
	cd p && cairn log artifact --run a --path models d &&
	cairn artifacts list a >out && grep "  models/$" out && grep "  model.txt$" out &&
	cairn artifacts list a models >out && grep "  models/d/$" out &&
	cairn artifacts list a models/d --json >j &&
	grep -A1 "\"path\": \"models/d/one.txt\"" j | grep "\"is_dir\": false" &&
	grep -A1 "\"path\": \"models/d/sub\"" j | grep "\"is_dir\": true" &&
	grep -A1 "\"path\": \"models/d/empty\"" j | grep "\"is_dir\": true" &&
	grep -A2 "\"path\": \"models/d/run.sh\"" j | grep "\"file_size\": 18" &&
	cairn artifacts list a models/d/sub/two.bin | grep "models/d/sub/two.bin$"
'

test_expect_success 'get a file and a directory back' '
	cd p && cairn artifacts get a model.txt m.out && cmp m.out model.txt &&
	cairn artifacts get a models/d d.out && diff -r d d.out &&
	test -d d.out/empty && test -x d.out/run.sh && test ! -x d.out/one.txt &&
	cairn artifacts get a models m2.out && diff -r d m2.out/d &&
	cairn artifacts get a models/d/sub/two.bin two.out && cmp two.out d/sub/two.bin
'

test_expect_success 'get into an existing destination is refused' '
	cd p && echo keep >exists && test_must_fail 1 cairn artifacts get a model.txt exists &&
	test_stderr_contains "'"'exists'"' already exists" && test "$(cat exists)" = keep &&
	mkdir edir && test_must_fail 1 cairn artifacts get a models/d edir &&
	test -z "$(ls edir)" &&
	test_must_fail 1 cairn artifacts get a model.txt nodir/x && test ! -e nodir
'

test_expect_success 'artifact paths with . or .. are refused' '
	cd p && test_must_fail 1 cairn log artifact --run a --path ../x model.txt &&
	test_stderr_contains "may not contain" &&
	test_must_fail 1 cairn log artifact --run a --path a/../../b model.txt &&
	test_must_fail 1 cairn log artifact --run a --path ./x model.txt &&
	test_must_fail 1 cairn log artifact --run a --path /abs model.txt &&
	test_stderr_contains "must be relative" &&
	test_must_fail 1 cairn artifacts get a ../model.txt x1 && test ! -e x1 &&
	test_must_fail 1 cairn artifacts get a models/../model.txt x2 && test ! -e x2 &&
	test_must_fail 1 cairn artifacts list a ../.. &&
	test "$(cairn artifacts list a | wc -l)" = 2
'

test_expect_success 'unknown artifacts and runs are errors' '
	cd p && test_must_fail 1 cairn artifacts get a nope.txt x3 &&
	test_stderr_contains "the run has no artifact '"'nope.txt'"'" && test ! -e x3 &&
	test_must_fail 1 cairn artifacts list a models/nope &&
	test_must_fail 1 cairn artifacts list a model.txt/below &&
	test_must_fail any cairn artifacts list nosuchrun &&
	test_must_fail 1 cairn log artifact --run nosuchrun model.txt &&
	test_must_fail 1 cairn log artifact --run a missing-file &&
	test_must_fail 129 cairn artifacts get a model.txt &&
	test_must_fail 129 cairn artifacts frob a
'

test_expect_success 'a run without artifacts lists nothing' '
	cd p && cairn runs start --name bare >/dev/null &&
	test -z "$(cairn artifacts list bare)" &&
	cairn artifacts list bare --json | grep "\"files\": \[\]"
'

test_expect_success 'logging again replaces; empty files and directories' '
	cd p && echo model-v2 >model.txt && cairn log artifact --run a model.txt &&
	cairn artifacts get a model.txt v2.out && test "$(cat v2.out)" = model-v2 &&
	cairn log artifact --run a zero.txt && cairn artifacts get a zero.txt z.out &&
	test -f z.out && test ! -s z.out &&
	cairn log artifact --run a --path deep/er/still d/one.txt &&
	cairn artifacts get a deep/er/still/one.txt deep.out && cmp deep.out d/one.txt
'

test_expect_success 'identical content is stored once' '
	cd p && make_random big.bin 1048576 && cp big.bin big-copy.bin &&
	before=$(store_kb) && cairn log artifact --run a big.bin &&
	mid=$(store_kb) && cairn log artifact --run a --path copy big-copy.bin &&
	cairn log artifact --run bare big.bin &&
	after=$(store_kb) &&
	test $((mid - before)) -ge 1000 && test $((after - mid)) -lt 100
'

test_expect_success 'a deleted run: artifacts readable, nothing logged' '
	cd p && cairn runs start --name gone >/dev/null && cairn log artifact --run gone model.txt &&
	cairn runs delete gone &&
	test_must_fail 1 cairn log artifact --run gone zero.txt &&
	test_stderr_contains "must be in the '"'active'"' state" &&
	cairn artifacts list gone | grep "model.txt$" &&
	cairn artifacts get gone model.txt gone.out && cmp gone.out model.txt
'

test_expect_success 'checkpoints: three of a 2 MB file, with metadata' '
	cd p && cairn runs start --name train >/dev/null &&
	make_random ckpt.bin 2097152 && start=$(store_kb) &&
	for s in 1 2 3; do
		cairn log artifact --run train --checkpoint $s \
			--meta "{\"epoch\": $s, \"loss\": 0.$((9 - s))}" ckpt.bin || exit 1
		cp ckpt.bin ckpt-$s.bin
		poke ckpt.bin $((s * 600000))
	done &&
	end=$(store_kb) && echo "store grew by $((end - start)) KiB" &&
	test $((end - start)) -lt 3072 &&
	! cmp -s ckpt-1.bin ckpt-2.bin && ! cmp -s ckpt-2.bin ckpt-3.bin
'

test_expect_success 'runs checkpoints lists them with their metadata' '
	cd p && cairn runs checkpoints train >out &&
	head -1 out | grep "STEP .* SIZE .* META" &&
	test $(wc -l <out) = 4 &&
	grep "^ *1 .*2.0 MiB .*{\"epoch\": 1, \"loss\": 0.8}$" out &&
	grep "^ *3 .*{\"epoch\": 3, \"loss\": 0.6}$" out &&
	cairn runs checkpoints train --json >j &&
	test $(grep -c "\"step\"" j) = 3 && grep "\"path\": \"checkpoints/step-2/ckpt.bin\"" j &&
	grep "\"size\": 2097152" j && grep "\"epoch\": 3" j &&
	cairn artifacts list train checkpoints | grep "checkpoints/step-3/$" &&
	cairn runs checkpoints bare | grep -x "no checkpoints"
'

test_expect_success 'runs checkpoint --step N and --latest are byte-identical' '
	cd p && cairn runs checkpoint train --step 2 --out c2 >out &&
	grep "wrote checkpoint of step 2 to c2" out && cmp c2 ckpt-2.bin &&
	cairn runs checkpoint train --step 1 --out c1 && cmp c1 ckpt-1.bin &&
	cairn runs checkpoint train --latest --out c3 && cmp c3 ckpt-3.bin &&
	cairn runs checkpoint train --out c3b && cmp c3b ckpt-3.bin &&
	cairn artifacts get train checkpoints/step-3/ckpt.bin c3c && cmp c3c ckpt-3.bin
'

test_expect_success 'checkpoint errors' '
	cd p && test_must_fail 1 cairn runs checkpoint train --step 9 --out c9 &&
	test_stderr_contains "no checkpoint at step 9" && test ! -e c9 &&
	test_must_fail 1 cairn runs checkpoint train --step 1 --out c1 &&
	test_stderr_contains "already exists" && cmp c1 ckpt-1.bin &&
	test_must_fail 1 cairn runs checkpoint bare --latest --out cx &&
	test_stderr_contains "no checkpoints" &&
	test_must_fail 129 cairn runs checkpoint train --step 1 &&
	test_must_fail 129 cairn runs checkpoint train --step x --out cy &&
	test_must_fail 1 cairn log artifact --run train --checkpoint 4 --meta "{bad" ckpt.bin &&
	test_stderr_contains "must be a JSON object" &&
	test_must_fail 1 cairn log artifact --run train --checkpoint 4 --meta "[1]" ckpt.bin &&
	test_must_fail 1 cairn log artifact --run train --checkpoint 4 d &&
	test_stderr_contains "is not" &&
	test_must_fail 129 cairn log artifact --run train --checkpoint x ckpt.bin &&
	test_must_fail 129 cairn log artifact --run train --checkpoint 4 ckpt.bin model.txt &&
	test $(cairn runs checkpoints train --json | grep -c "\"step\"") = 3
'

test_expect_success 'a checkpoint without --meta; a later one is the latest' '
	cd p && cairn log artifact --run train --checkpoint 10 model.txt &&
	cairn runs checkpoint train --latest --out l10 && cmp l10 model.txt &&
	cairn runs checkpoints train | grep "^ *10 " &&
	cairn runs checkpoints train --json | grep -A5 "\"step\": 10" >c10 && ! grep meta c10
'

test_expect_success 'a logged checkpoint can be fetched by its step' '
	cd p && cairn runs start --name negative >/dev/null &&
	if cairn log artifact --run negative --checkpoint -1 model.txt; then
		cairn runs checkpoint negative --step -1 --out neg.out &&
		cmp neg.out model.txt
	fi
'

test_expect_success 'fsck is clean' '
	cd p && cairn fsck >out && grep "ok$" out
'

test_expect_success 'gc keeps every artifact and checkpoint' '
	cd p && cairn gc && cairn fsck &&
	rm -rf d.out m.out c1 c2 c3 two.out gone.out &&
	cairn artifacts get a models/d d.out && diff -r d d.out &&
	cairn artifacts get a model.txt m.out && cmp m.out model.txt &&
	cairn runs checkpoint train --step 1 --out c1 && cmp c1 ckpt-1.bin &&
	cairn runs checkpoint train --step 2 --out c2 && cmp c2 ckpt-2.bin &&
	cairn runs checkpoint train --step 3 --out c3 && cmp c3 ckpt-3.bin &&
	cairn artifacts get gone model.txt gone.out && cmp gone.out model.txt &&
	cairn artifacts get bare big.bin bb.out && cmp bb.out big.bin
'

test_expect_success 'a deleted run keeps its artifacts through gc (restore works)' '
	cd p && cairn runs start --name later >/dev/null &&
	make_random only-here.bin 300000 && cairn log artifact --run later only-here.bin &&
	cairn runs delete later && cairn gc && cairn runs restore later &&
	cairn artifacts get later only-here.bin oh.out && cmp oh.out only-here.bin
'

test_expect_success 'artifacts of cairn run survive gc' '
	cd p && cairn run --name wrapped -- sh -c "echo wrapped-output" >/dev/null &&
	cairn gc && cairn artifacts get wrapped cairn/output.log w.out &&
	grep -x wrapped-output w.out
'

test_expect_success 'four processes logging into one run lose nothing' '
	cd p && cairn runs start --name shared >/dev/null &&
	for w in 1 2 3 4; do
		mkdir -p src$w &&
		for j in 1 2 3 4 5 6 7 8; do echo "$w-$j" >src$w/f$w-$j || exit 1; done
	done &&
	for w in 1 2 3 4; do
		(
			for j in 1 2 3 4 5 6 7 8; do
				"$CAIRN" log artifact --run shared --path many src$w/f$w-$j ||
					echo "failed $w-$j" >>fail.log
			done
		) &
	done
	wait
	test ! -e fail.log &&
	test $(cairn artifacts list shared many | wc -l) = 32 &&
	cairn artifacts get shared many many.out &&
	cat src1/* src2/* src3/* src4/* | sort >want &&
	cat many.out/* | sort >got && cmp want got
'

test_expect_success 'reading artifacts while another process logs them' '
	cd p && cairn runs start --name live >/dev/null && rm -f done rfail.log &&
	echo 0 >l0 && cairn log artifact --run live --path l l0 || exit 1
	(
		for j in $(seq 1 40); do
			echo $j >l$j
			"$CAIRN" log artifact --run live --path l l$j ||
				echo "log $j failed" >>rfail.log
		done
		touch done
	) &
	for r in 1 2; do
		(
			n=0
			while [ ! -e done ]; do
				n=$((n + 1))
				"$CAIRN" artifacts list live l >/dev/null 2>>rerr.log ||
					echo "list failed" >>rfail.log
				rm -rf got$r
				"$CAIRN" artifacts get live l got$r 2>>rerr.log ||
					echo "get failed" >>rfail.log
			done
			echo "reader $r: $n rounds"
		) &
	done
	wait
	{ test ! -e rfail.log || { sort rfail.log | uniq -c; sort rerr.log | uniq -c; false; }; } &&
	test $(cairn artifacts list live l | wc -l) = 41
'

test_expect_success 'gc running while artifacts are logged loses nothing' '
	cd p && cairn runs start --name busy >/dev/null &&
	for j in 1 2 3 4 5 6 7 8 9 10 11 12; do make_random g$j.bin 50000 || exit 1; done ||
		exit 1
	(
		for j in 1 2 3 4 5 6 7 8 9 10 11 12; do
			"$CAIRN" log artifact --run busy --path g g$j.bin || echo "failed $j" >>gfail.log
		done
	) &
	(
		for k in 1 2 3 4 5; do
			"$CAIRN" gc >/dev/null || echo "gc failed" >>gfail.log
		done
	) &
	wait
	test ! -e gfail.log && cairn gc && cairn fsck &&
	for j in 1 2 3 4 5 6 7 8 9 10 11 12; do
		cairn artifacts get busy g/g$j.bin g$j.out && cmp g$j.out g$j.bin || exit 1
	done
'

test_done
