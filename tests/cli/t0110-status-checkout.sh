#!/bin/sh
# cairn data status, checkout (current and older versions, conflicts), diff.
. "$TEST_DIRECTORY/lib.sh"

test_expect_success 'setup: a file and a directory, two versions each' '
	mkdir p && cd p && cairn init &&
	make_random f.bin 2500000 && cp f.bin f.v1 && cairn data add f.bin &&
	mkdir d && make_random d/a 100 && make_random d/b 200 && mkdir d/s &&
	make_random d/s/c 300 && cp -r d d.v1 && cairn data add d &&
	dd if=/dev/urandom of=f.bin bs=1 count=1000 seek=1000000 conv=notrunc 2>/dev/null &&
	cp f.bin f.v2 && cairn data add f.bin &&
	rm d/a && make_random d/b 250 && make_random d/new 10 && cp -r d d.v2 &&
	cairn data add d
'

test_expect_success 'status: clean' '
	cd p && cairn data status >out && grep "data matches its pointer files" out
'

test_expect_success 'status: modified and missing, with per-file counts' '
	cd p && make_random d/s/c 301 && make_random d/extra 5 && rm f.bin &&
	cairn data status >out &&
	grep "modified:  d (1 added, 0 removed, 1 modified)" out &&
	grep "missing:   f.bin" out &&
	cairn data status --json >out && grep "\"state\": \"missing\"" out
'

test_expect_success 'status of one path' '
	cd p && cairn data status d >out && grep "modified:  d" out && ! grep f.bin out
'

test_expect_success 'checkout restores a missing file exactly' '
	cd p && cairn data checkout f.bin >out && grep "restored f.bin" out &&
	cmp f.bin f.v2
'

test_expect_success 'checkout refuses to overwrite local changes' '
	cd p && test_must_fail 1 cairn data checkout d &&
	test_stderr_contains "local changes" && test -e d/extra
'

test_expect_success 'checkout refuses the whole batch when one path conflicts' '
	cd p && rm f.bin && test_must_fail 1 cairn data checkout f.bin d &&
	test ! -e f.bin
'

test_expect_success 'checkout --force overwrites and removes extra files' '
	cd p && cairn data checkout --force d f.bin && diff -r d d.v2 && cmp f.bin f.v2
'

test_expect_success 'checkout PATH@v1 restores the old bytes and moves the pointer' '
	cd p && cairn data checkout f.bin@v1 d@v1 && cmp f.bin f.v1 && diff -r d d.v1 &&
	grep "^dataset_version: 1$" f.bin.cairn && grep "^dataset_version: 1$" d.cairn &&
	cairn data status | grep "data matches"
'

test_expect_success 'checkout through the pointer path and back to v2' '
	cd p && cairn data checkout f.bin.cairn@v2 && cmp f.bin f.v2
'

test_expect_success 'checkout with no arguments restores everything tracked' '
	cd p && cairn data checkout d@v2 && rm -r d f.bin && cairn data checkout &&
	cmp f.bin f.v2 && diff -r d d.v2
'

test_expect_success 'checkout of an unknown version fails cleanly' '
	cd p && test_must_fail 1 cairn data checkout f.bin@v9 &&
	test_stderr_contains "v9" && cmp f.bin f.v2
'

test_expect_success 'checkout of an untracked path fails cleanly' '
	cd p && test_must_fail 1 cairn data checkout nothing && test_stderr_contains "not tracked"
'

test_expect_success 'diff between versions: added, removed, modified' '
	cd p && cairn data diff d v1 v2 >out &&
	grep "^D  a  (100 B)" out && grep "^M  b  (200 B -> 250 B)" out &&
	grep "^A  new  (10 B)" out && ! grep " s/c" out
'

test_expect_success 'diff against the working tree, and --json' '
	cd p && echo x >d/s/c && cairn data diff d >out && grep "^M  s/c" out &&
	cairn data diff --json d v1 | grep "\"change\"" &&
	cairn data checkout --force d
'

test_expect_success 'diff of a file between versions' '
	cd p && cairn data diff f.bin v1 v2 >out && grep "^M  \." out
'

test_expect_success 'status reports a broken pointer file and keeps going' '
	cd p && printf "version: 1\npath: [\n" >broken.cairn &&
	cairn data status >out && grep "broken:    broken.cairn" out &&
	rm broken.cairn
'

test_expect_success 'truncated and garbage pointer files get clear errors' '
	cd p && head -c 40 f.bin.cairn >g.bin.cairn && touch g.bin &&
	test_must_fail 1 cairn data checkout g.bin && test_stderr_contains "g.bin.cairn" &&
	head -c 300 /dev/urandom >h.bin.cairn &&
	test_must_fail 1 cairn data checkout h.bin && test_stderr_contains "h.bin.cairn" &&
	rm g.bin.cairn h.bin.cairn g.bin
'

test_done
