#!/bin/sh
# cairn init, finding the project, global options, help and usage errors.
. "$TEST_DIRECTORY/lib.sh"

test_expect_success 'init creates the store' '
	mkdir p && cd p &&
	cairn init >out &&
	grep "Initialized empty cairn project" out &&
	test -f .cairn/config && test -f .cairn/cairn.db && test -d .cairn/objects/pack &&
	grep -q "formatversion = 1" .cairn/config &&
	grep -q "avg = 65536" .cairn/config
'

test_expect_success 'init twice is refused' '
	cd p && test_must_fail 1 cairn init && test_stderr_contains "already a cairn project"
'

test_expect_success 'commands find the project from a subdirectory' '
	mkdir -p p/a/b && cd p/a/b && cairn data ls >out && grep "no data sets" out
'

test_expect_success '-C runs in another directory' '
	cairn -C p data ls >out && grep "no data sets" out
'

test_expect_success 'outside a project: fatal, exit 128' '
	mkdir -p np && cd np && test_must_fail 128 cairn data ls &&
	test_stderr_contains "not a cairn project"
'

test_expect_success 'init with custom chunking, validated' '
	mkdir q && cairn -C q init --chunk-min 4096 --chunk-avg 16384 --chunk-max 65536 &&
	grep -q "min = 4096" q/.cairn/config &&
	mkdir r && test_must_fail 1 cairn -C r init --chunk-avg 1000 &&
	test ! -e r/.cairn/config &&
	test_must_fail 129 cairn -C r init --chunk-min abc
'

test_expect_success '--version, help and help COMMAND' '
	cairn --version | grep "^cairn version [0-9]" &&
	cairn help | grep "data" &&
	cairn help data | grep "cairn data checkout" &&
	cairn data --help | grep "cairn data add"
'

test_expect_success 'usage errors exit 129' '
	test_must_fail 129 cairn frobnicate &&
	test_must_fail 129 cairn --bogus &&
	cd p && test_must_fail 129 cairn data frob &&
	test_must_fail 129 cairn data add
'

test_expect_success 'a damaged config is refused with its name' '
	mkdir d && cairn -C d init && echo "[core" >d/.cairn/config &&
	test_must_fail 128 cairn -C d data ls && test_stderr_contains "config"
'

test_done
