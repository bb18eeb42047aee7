#!/bin/sh
# Faults: SIGKILL and SIGINT in the middle of add and push, a full disk.
# Each leaves the store valid and loses nothing stored before.
. "$TEST_DIRECTORY/lib.sh"

test_expect_success 'setup: a project with one version' '
	mkdir p && cd p && cairn init && make_random keep 100000 && cairn data add keep
'

for sig in KILL INT; do
	case $sig in KILL) num=9 ;; INT) num=2 ;; esac
	test_expect_success "SIG$sig during add leaves the store valid" '
		cd p
		make_random big 200000000
		# A background job of a script starts with SIGINT ignored: perl
		# puts it back to its default before running cairn.
		perl -e '"'"'$SIG{INT} = "DEFAULT"; exec @ARGV or die'"'"' \
			"$CAIRN" data add big >/dev/null 2>&1 &
		pid=$!
		sleep 0.3
		kill -'"$sig"' $pid
		rc=0
		wait $pid || rc=$?
		test $rc -eq $((128 + '"$num"'))
		cairn fsck
		cairn data checkout --force keep
		cairn data status keep | grep "data matches"
		cairn data add big
		cairn fsck
		rm -f big big.cairn
	'
done

test_expect_success 'SIGKILL during push leaves both sides valid' '
	cd p
	make_random big2 150000000
	cairn data add big2
	cairn remote add r ../r
	"$CAIRN" data push >/dev/null 2>&1 &
	pid=$!
	sleep 0.2
	kill -KILL $pid
	rc=0
	wait $pid || rc=$?
	test $rc -eq 137
	cairn fsck
	cairn data push
	mkdir ../c && cp big2.cairn ../c && cd ../c
	cairn init && cairn remote add r ../r && cairn data pull && cairn data checkout
	cmp big2 ../p/big2
'

test_expect_success 'a full disk fails add cleanly and keeps the store valid' '
	if [ "$(id -u)" != 0 ]; then exit 0; fi
	mkdir small && mount -t tmpfs -o size=8m tmpfs small || exit 0
	rc=0
	(
		set -e
		cd small && cairn init && make_random a 100000 && cairn data add a &&
		make_random b 5000000 &&
		test_must_fail 1 cairn data add b && test_stderr_contains "No space left" &&
		! ls .cairn/objects/pack | grep -q "^tmp-" &&
		cairn fsck && rm a && cairn data checkout a && test ! -e b.cairn
	) || rc=$?
	umount small
	exit $rc
'

test_done
