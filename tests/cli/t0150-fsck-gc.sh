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
	mkdir ../x && cairn -C ../x init && make_random ../x/orphan 5000 &&
	cairn -C ../x data add orphan &&
	# what an add killed after publishing its objects leaves behind:
	cp ../x/.cairn/objects/pack/pack-* .cairn/objects/pack/ &&
	cairn gc --dry-run >out && grep "would remove 1 of" out &&
	cairn gc >out && grep "removed 1 of" out &&
	test $(ls .cairn/objects/pack/*.pack | wc -l) = 1 &&
	cairn fsck && cp big big.v2 && rm -r big d && cairn data checkout &&
	cmp big big.v2 && cairn data status | grep "data matches"
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
	cd q && packs=$(ls .cairn/objects/pack) && test_must_fail 1 cairn gc &&
	test_stderr_contains "gc stopped without removing anything" &&
	test "$(ls .cairn/objects/pack)" = "$packs"
'

test_expect_success 'fsck reports objects missing under a version' '
	mkdir m && cd m && cairn init && make_random big 2000000 && cairn data add big &&
	dd if=/dev/urandom of=big bs=1 count=100 seek=1000000 conv=notrunc 2>/dev/null &&
	cairn data add big && first=$(ls -tr .cairn/objects/pack/*.idx | head -1) &&
	rm "$first" && test_must_fail 1 cairn fsck &&
	test_stderr_contains "missing, referenced by data set big@v2"
'

test_expect_success 'a version whose data was never fetched is not a fault' '
	cd m && rm .cairn/objects/pack/*.idx && cairn fsck
'

test_expect_success 'a corrupt pack index is refused, not misread' '
	cp -r p i && cd i && for f in .cairn/objects/pack/*.idx; do
		chmod u+w "$f"; printf "XXXX" | dd of="$f" bs=1 seek=20 conv=notrunc 2>/dev/null; done &&
	test_must_fail any cairn fsck && test_stderr_contains "corrupt"
'

test_done
