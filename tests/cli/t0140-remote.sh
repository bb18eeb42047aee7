#!/bin/sh
# cairn remote, data push and pull: only missing objects move; a clone
# made of pointer files restores every byte.
. "$TEST_DIRECTORY/lib.sh"

PYTHON=/usr/bin/python3
[ -x "$PYTHON" ] || PYTHON=python3

test_expect_success 'setup' '
	mkdir p && cd p && cairn init &&
	make_random big 3000000 && mkdir d && make_random d/x 1000 && make_random d/y 2000 &&
	cairn data add big d
'

test_expect_success 'remote add, list, remove' '
	cd p && cairn remote add backup ../r && test -f ../r/cairn-remote &&
	cairn remote list | grep "^backup" &&
	cairn remote list --json | grep "\"name\": \"backup\"" &&
	test_must_fail 1 cairn remote add backup ../r2 &&
	test_must_fail 1 cairn remote add "bad name" ../r2 &&
	cairn remote add other ../r2 && cairn remote remove other &&
	! cairn remote list | grep other &&
	test_must_fail 1 cairn remote remove other
'

test_expect_success 'push sends everything once' '
	cd p && cairn data push >out && grep "versions* recorded" out &&
	cairn data push --json >out && grep "\"objects\": 0" out
'

test_expect_success 'a second version pushes only its new chunks' '
	cd p && dd if=/dev/urandom of=big bs=1 count=100 seek=1500000 conv=notrunc 2>/dev/null &&
	cairn data add big && cairn data push --json >out &&
	objects=$(sed -n "s/.*\"objects\": \([0-9]*\).*/\1/p" out) &&
	test "$objects" -ge 1 && test "$objects" -le 6
'

test_expect_success 'a clone with only pointer files pulls and restores' '
	mkdir c && cp p/big.cairn p/d.cairn c/ && cd c && cairn init &&
	cairn remote add backup ../r && cairn data pull >out && grep fetched out && grep "restored big" out &&
	cmp big ../p/big && diff -r d ../p/d &&
	cairn data log big | grep "^v2 "
'

test_expect_success 'pull of an older version by name' '
	cd c && cairn data pull big@v1 && cairn data checkout big@v1 &&
	cairn -C ../p data checkout big@v1 && cmp big ../p/big
'

test_expect_success 'pull with nothing missing moves nothing' '
	cd c && cairn data pull --json >out && grep "\"objects\": 0" out
'

test_expect_success 'push and pull without a remote fail clearly' '
	mkdir n && cd n && cairn init && test_must_fail 1 cairn data push &&
	test_stderr_contains "no remote"
'

# Damage a chunk big.cairn needs (bytes of big from its middle, found in
# the remote's packs), not whatever object a pack happens to end with:
# push copies blobs with two threads, so the last object of a pack may be
# one of d's, which this pull never reads.
test_expect_success 'a damaged object on the remote is refused by pull' '
	mkdir c2 && cp p/big.cairn c2/ && cd c2 && cairn init && cairn remote add backup ../r &&
	chmod -R u+w ../r &&
	$PYTHON - ../p/big ../r/objects/pack <<-\EOF &&
	import glob, os, sys
	with open(sys.argv[1], "rb") as f:
	    f.seek(1000000)
	    needle = f.read(64)
	for path in sorted(glob.glob(os.path.join(sys.argv[2], "*.pack"))):
	    data = bytearray(open(path, "rb").read())
	    i = data.find(needle)
	    if i >= 0:
	        data[i + 10] ^= 0xff
	        open(path, "wb").write(bytes(data))
	        break
	else:
	    sys.exit("bytes of big not found in any pack")
	EOF
	test_must_fail 1 cairn data pull && test_stderr_contains "corrupt"
'

test_done
