#!/bin/sh
# cairn fsck finds damaged and missing objects and names what uses them;
# cairn gc removes only what nothing references.
. "$TEST_DIRECTORY/lib.sh"

test_expect_success 'setup' '
	mkdir p && cd p && cairn init &&
	make_random big 2000000 && mkdir d && make_random d/x 1000 && make_random d/y 2000 &&
	cairn data add big && cairn data add d
'

test_expect_success 'fsck of a healthy store' '
	cd p && cairn fsck >out && grep "ok$" out &&
	cairn fsck --json | grep "\"problems\": \[\]"
'

test_expect_success 'gc --dry-run with nothing to remove' '
	cd p && cairn gc --dry-run >out && grep "would remove 0 of" out
'

test_expect_success 'unreferenced objects are removed by gc, referenced ones kept' '
	cd p && make_random big 2000000 && cairn data add big &&
	make_random tmp 5000 && cairn data add tmp &&
	packs=$(ls .cairn/objects/pack/*.pack | wc -l) && test "$packs" -ge 3 &&
	cairn gc >out && grep "removed 0 of" out &&
	test $(ls .cairn/objects/pack/*.pack | wc -l) = 1 &&
	cairn fsck && rm -f big d/x && cairn data checkout --force && cmp big big 
'

test_expect_success 'gc keeps every version (all are referenced)' '
	cd p && cairn data checkout big@v1 && cairn data checkout big@v2 && cairn fsck
'

test_expect_success 'debris of an interrupted add is removed by gc' '
	cd p && head -c 1000 /dev/urandom >.cairn/objects/pack/tmp-abcdef &&
	head -c 1000 /dev/urandom >.cairn/objects/pack/pack-0000000000000000000000000000000000000000.pack &&
	cairn fsck && cairn gc && test ! -e .cairn/objects/pack/tmp-abcdef &&
	test ! -e .cairn/objects/pack/pack-0000000000000000000000000000000000000000.pack
'

corrupt_last_bytes() {
	for f in .cairn/objects/pack/*.pack; do
		size=$(stat -c %s "$f")
		printf "\377\377\377\377\377" | dd of="$f" bs=1 seek=$((size - 40)) conv=notrunc 2>/dev/null
	done
}

test_expect_success 'fsck reports a damaged object with its referrer; exit 1' '
	mkdir q && cd q && cairn init && mkdir d && make_random d/x 1000 &&
	make_random d/y 2000 && cairn data add d && corrupt_last_bytes &&
	test_must_fail 1 cairn fsck && test_stderr_contains "referenced by data set" &&
	test_stderr_contains "sha256:"
'

test_expect_success 'checkout refuses damaged data and leaves the old file alone' '
	cd q && echo keep >d/x.keep && rm -f d/y && test_must_fail 1 cairn data checkout --force d &&
	test_stderr_contains "corrupt" && test -e d/x.keep
'

test_expect_success 'gc refuses to sweep when a tree is damaged' '
	cd q && test_must_fail 1 cairn gc 2>/dev/null || true
'

test_expect_success 'fsck reports a missing pack as missing objects' '
	cp -r p m && cd m && rm .cairn/objects/pack/*.idx &&
	test_must_fail 1 cairn fsck && test_stderr_contains "missing"
'

test_expect_success 'a corrupt pack index is refused, not misread' '
	cp -r p i && cd i && for f in .cairn/objects/pack/*.idx; do
		chmod u+w "$f"; printf "XXXX" | dd of="$f" bs=1 seek=20 conv=notrunc 2>/dev/null; done &&
	test_must_fail any cairn fsck && test_stderr_contains "corrupt"
'

test_done
