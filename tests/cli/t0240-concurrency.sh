#!/bin/sh
# Several cairn processes at once on one store: writers logging metrics,
# params and tags into their own runs and into one shared run, runs being
# created, and readers searching all the while. Every command succeeds (no
# "database is locked") and every point is there afterwards.
. "$TEST_DIRECTORY/lib.sh"

WORKERS="1 2 3 4"
POINTS=300

# JSON lines for 'log metrics -': steps 0..POINTS-1 of metric $1 (value =
# step), plus metric "w$2" on the same line when $2 is given.
points() {
	seq 0 $((POINTS - 1)) | awk -v m="$1" -v w="${2:-}" '{
		printf "{\"step\": %d, \"%s\": %d", $1, m, $1
		if (w != "") printf ", \"w%s\": %d", w, $1 * 2
		printf "}\n"
	}'
}

# Count the points of metric KEY in RUN.
npoints() {
	"$CAIRN" metrics history "$1" "$2" --json | grep -c "\"step\""
}

# Run "$@" and record a failure (and its stderr) in fail.log.
check() {
	"$@" >/dev/null 2>>stderr.log || echo "failed ($?): $*" >>fail.log
}

test_expect_success 'setup: a shared run and one run per worker' '
	mkdir p && cd p && cairn init && cairn runs start --name shared >/dev/null &&
	for w in $WORKERS; do cairn runs start --name w$w >/dev/null || exit 1; done &&
	cairn experiments create busy
'

test_expect_success 'writers with log metrics - and a reader, all at once' '
	cd p && : >fail.log && : >stderr.log &&
	for w in $WORKERS; do
		(
			points m $w | check "$CAIRN" log metrics --run w$w -
			points s$w | check "$CAIRN" log metrics --run shared -
		) &
	done
	(
		for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15; do
			check "$CAIRN" runs search "metrics.m >= 0" --order-by "metrics.m DESC"
			check "$CAIRN" metrics history shared s1 --json
		done
	) &
	wait
	cat fail.log stderr.log &&
	test ! -s fail.log && ! grep -i "locked\|busy" stderr.log &&
	for w in $WORKERS; do
		test $(npoints w$w m) = $POINTS || exit 1
		test $(npoints w$w w$w) = $POINTS || exit 1
		test $(npoints shared s$w) = $POINTS || exit 1
	done
'

test_expect_success 'the points are intact: values and latest values' '
	cd p && for w in $WORKERS; do
		cairn metrics history w$w w$w >h || exit 1
		awk "NF == 0 { exit } NR > 1 && \$2 != 2 * \$1 { bad = 1 } END { exit bad }" h ||
			exit 1
		cairn runs show w$w | grep "^  m  *$((POINTS - 1))  *step $((POINTS - 1))$" ||
			exit 1
	done &&
	test "$(cairn runs search "metrics.m = $((POINTS - 1))" | grep -c " w[1-4] ")" = 4
'

test_expect_success 'one command per point: metrics, params, tags, new runs' '
	cd p && : >fail.log && : >stderr.log &&
	for w in $WORKERS; do
		(
			for s in $(seq 1 25); do
				check "$CAIRN" log metric --run shared --step $s one$w=$s
				check "$CAIRN" log param --run w$w p$s=$s
				check "$CAIRN" log tag --run shared t$w=$s
				check "$CAIRN" runs start --experiment busy --name b$w-$s
			done
		) &
	done
	(
		for i in 1 2 3 4 5 6 7 8 9 10; do
			check "$CAIRN" runs search "params.p1 = '"'1'"'"
			check "$CAIRN" runs show shared --json
			check "$CAIRN" runs list --experiment busy
		done
	) &
	wait
	cat fail.log stderr.log &&
	test ! -s fail.log && ! grep -i "locked\|busy" stderr.log &&
	for w in $WORKERS; do
		test $(npoints shared one$w) = 25 || exit 1
		test $(cairn runs show --json w$w | grep -c "\"key\": \"p[0-9]*\"") = 25 ||
			exit 1
		cairn runs show shared | grep "^  t$w  *25$" || exit 1
	done &&
	test $(cairn runs list --experiment busy --max 1000 | wc -l) = 101 &&
	test $(cairn runs search "params.p25 = '"'25'"'" | grep -c " w[1-4] ") = 4
'

test_expect_success 'one param key raced from several processes: one value wins' '
	cd p && cairn runs start --name race >/dev/null && : >fail.log &&
	for w in $WORKERS; do
		(
			rc=0
			"$CAIRN" log param --run race k=v$w 2>err$w || rc=$?
			echo $rc >rc$w
		) &
	done
	wait
	test $(cat rc1 rc2 rc3 rc4 | grep -c "^0$") = 1 &&
	test $(cat rc1 rc2 rc3 rc4 | grep -c "^1$") = 3 &&
	test $(cat err1 err2 err3 err4 | grep -c "Changing param values is not allowed") = 3 &&
	! grep -i locked err1 err2 err3 err4 &&
	test $(cairn runs show --json race | grep -c "\"key\": \"k\"") = 1
'

test_expect_success 'the same experiment created at once: one wins' '
	cd p && for w in $WORKERS; do
		(
			rc=0
			"$CAIRN" experiments create same >/dev/null 2>xerr$w || rc=$?
			echo $rc >xrc$w
		) &
	done
	wait
	test $(cat xrc1 xrc2 xrc3 xrc4 | grep -c "^0$") = 1 &&
	test $(cat xerr1 xerr2 xerr3 xerr4 | grep -c "already exists") = 3 &&
	test $(cairn experiments list | grep -c " same ") = 1
'

test_expect_success 'tracking commands keep working while gc runs' '
	cd p && : >fail.log && : >stderr.log && rm -f done &&
	cairn runs start --name during-gc >/dev/null &&
	echo x >art0 && cairn log artifact --run during-gc art0 || exit 1
	(
		# A new pack for each gc to fold in and delete.
		for j in $(seq 1 20); do
			echo $j >art$j
			check "$CAIRN" log artifact --run during-gc art$j
		done
		touch done
	) &
	( while [ ! -e done ]; do check "$CAIRN" gc; done ) &
	(
		s=0
		while [ ! -e done ]; do
			s=$((s + 1))
			check "$CAIRN" log metric --run during-gc --step $s g=$s
			check "$CAIRN" runs show during-gc
		done
		echo $s >steps
	) &
	wait
	cat fail.log stderr.log &&
	test ! -s fail.log && test ! -s stderr.log &&
	test $(npoints during-gc g) = $(cat steps) &&
	test $(cairn artifacts list during-gc | wc -l) = 21
'

test_expect_success 'the store is sound afterwards' '
	cd p && cairn fsck
'

test_done
