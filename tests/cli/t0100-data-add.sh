#!/bin/sh
# cairn data add: pointer files, .gitignore, versions, dedup, CSV metadata.
. "$TEST_DIRECTORY/lib.sh"

test_expect_success 'setup' '
	mkdir p && cd p && cairn init &&
	printf "a,b,c\n1,2.5,x\n3,4,y\n" >t.csv &&
	mkdir d d/sub && make_random d/one 5000 && make_random d/sub/two 3000 &&
	printf "hello\n" >d/sub/three.txt
'

test_expect_success 'add a file writes a pointer and a .gitignore entry' '
	cd p && cairn data add t.csv >out &&
	grep "added t.csv as t.csv@v1" out &&
	grep "^path: t.csv$" t.csv.cairn &&
	grep "^id: sha256:$(sha256sum t.csv | cut -c1-64)$" t.csv.cairn &&
	grep "^kind: file$" t.csv.cairn && grep "^dataset_version: 1$" t.csv.cairn &&
	grep -x "/t.csv" .gitignore
'

test_expect_success 'same content again: same version, no new one' '
	cd p && cairn data add t.csv >out && grep "unchanged: t.csv@v1" out &&
	test $(grep -c -x "/t.csv" .gitignore) = 1
'

test_expect_success 'changed content: version 2' '
	cd p && echo "5,6,z" >>t.csv && cairn data add t.csv >out &&
	grep "t.csv@v2" out && grep "^dataset_version: 2$" t.csv.cairn
'

test_expect_success 'back to the first content: version 1 again' '
	cd p && printf "a,b,c\n1,2.5,x\n3,4,y\n" >t.csv && cairn data add t.csv >out &&
	grep "unchanged: t.csv@v1" out
'

test_expect_success 'CSV: rows, columns and types are recorded' '
	cd p && cairn data show t.csv@v2 >out &&
	grep "rows      3" out && grep "a  *integer" out && grep "b  *float" out &&
	grep "c  *string" out &&
	cairn data show --json t.csv@v2 | grep "\"rows\": 3"
'

test_expect_success 'add a directory: tree id, file count, size' '
	cd p && cairn data add d >out && grep "3 files" out &&
	grep "^kind: dir$" d.cairn && grep "^files: 3$" d.cairn &&
	grep "^size: 8006$" d.cairn
'

test_expect_success 'a file of 3 MiB is chunked and its id is its sha256' '
	cd p && make_random big.bin 3145728 && cairn data add big.bin &&
	grep "^id: sha256:$(sha256sum big.bin | cut -c1-64)$" big.bin.cairn
'

test_expect_success 'a large file of repeated content round-trips' '
	cd p && head -c 3145728 /dev/zero >zeros.bin && cairn data add zeros.bin &&
	cp zeros.bin zeros.orig && rm zeros.bin && cairn data checkout zeros.bin &&
	cmp zeros.bin zeros.orig && cairn fsck
'

test_expect_success 'add --name and add from a subdirectory' '
	mkdir -p p/e/sub && cd p/e/sub && printf "x\n" >n.txt &&
	cairn data add --name notes n.txt >out &&
	grep "as notes@v1" out && grep "^dataset: notes$" n.txt.cairn &&
	grep -x "/n.txt" .gitignore
'

test_expect_success 'add --json reports each result' '
	cd p && echo more >m.txt && cairn data add --json m.txt >out &&
	grep "\"created\": true" out && grep "\"version\": 1" out
'

test_expect_success 'data ls and data log list versions' '
	cd p && cairn data ls >out && grep "t.csv" out && grep "notes" out &&
	cairn data log t.csv >out && grep "^v1 " out && grep "^v2 " out &&
	cairn data log --json t.csv | grep -c "\"version\"" | grep 2
'

test_expect_success 'versions by id prefix' '
	cd p && id=$(grep "^id:" big.bin.cairn | cut -c12-19) &&
	cairn data show "$id" | grep "big.bin" &&
	cairn data show "big.bin@$id" | grep "v1"
'

test_expect_success 'a missing path fails cleanly and records nothing' '
	cd p && test_must_fail 1 cairn data add nope.csv &&
	test_stderr_contains "nope.csv" && test ! -e nope.csv.cairn
'

test_expect_success 'paths outside the project are refused' '
	mkdir out && echo x >out/f && cd p &&
	test_must_fail 1 cairn data add ../out/f && test_stderr_contains "outside the project"
'

test_expect_success 'symlinks that leave the project are refused' '
	cd p && mkdir s && ln -s "$TRASH/out/f" s/link &&
	test_must_fail 1 cairn data add s && test_stderr_contains "leaves the project" &&
	test ! -e s.cairn
'

test_expect_success 'a symlink to a file inside the project is stored as the file' '
	cd p && mkdir s2 && echo inside >target.txt && ln -s ../target.txt s2/l &&
	cairn data add s2 && grep "^files: 1$" s2.cairn
'

test_expect_success 'special files are refused' '
	cd p && mkdir f && mkfifo f/pipe &&
	test_must_fail 1 cairn data add f && test_stderr_contains "not a regular file"
'

test_expect_success 'unreadable files are refused with their name' '
	if [ "$(id -u)" = 0 ]; then exit 0; fi
	cd p && mkdir u && echo s >u/secret && chmod 000 u/secret &&
	test_must_fail 1 cairn data add u && test_stderr_contains "u/secret"
'

test_expect_success 'pointer files and the store itself cannot be added' '
	cd p && test_must_fail 1 cairn data add t.csv.cairn &&
	test_must_fail 1 cairn data add .cairn/config &&
	test_must_fail 1 cairn data add .
'

test_expect_success 'a path inside tracked data is refused' '
	cd p && test_must_fail 1 cairn data add d/sub/two &&
	test_stderr_contains "tracked as a whole" && test ! -e d/sub/two.cairn
'

test_done
