# lib.sh: the harness of cairn's end-to-end tests (git's t/test-lib.sh in
# miniature). A test script sources this file, then calls
#
#   test_expect_success 'what it shows' '
#           commands...
#   '
#
# Each test's commands run in a subshell inside the script's own scratch
# directory ($TRASH), with `cairn` the binary under test (set by ctest in
# $CAIRN). A test passes when its commands exit 0 (`set -e` is on inside).
# The script prints "ok N - ..." or "not ok N - ..." per test and ends with
# "N passed, N failed"; it exits 1 if any test failed.

set -u
: "${CAIRN:?CAIRN must name the cairn binary}"
TEST_NAME=$(basename "$0" .sh)
TRASH=$(mktemp -d "${TMPDIR:-/tmp}/cairn-$TEST_NAME.XXXXXX")
trap 'rm -rf "$TRASH"' EXIT
cd "$TRASH" || exit 1
export HOME="$TRASH"
unset CAIRN_TRACKING_URI MLFLOW_TRACKING_URI

test_count=0
test_failed=0

cairn() {
	"$CAIRN" "$@"
}

test_expect_success() {
	test_count=$((test_count + 1))
	# Not inside `if`: a shell ignores set -e in a condition.
	(set -e; cd "$TRASH"; eval "$2") >"$TRASH/.out" 2>&1
	if [ $? -eq 0 ]; then
		echo "ok $test_count - $1"
	else
		test_failed=$((test_failed + 1))
		echo "not ok $test_count - $1"
		sed 's/^/#   /' "$TRASH/.out"
	fi
}

# Run a command that must fail with exit code $1 (default: any non-zero)
# and without a crash (a signal or a sanitizer report).
test_must_fail() {
	want=$1
	shift
	set +e
	"$@" 2>"$TRASH/.err"
	got=$?
	set -e
	cat "$TRASH/.err" >&2
	if [ $got -eq 0 ]; then
		echo "expected failure, got success: $*" >&2
		return 1
	fi
	if [ $got -gt 128 ] && [ $got -ne 129 ]; then
		echo "crashed ($got): $*" >&2
		return 1
	fi
	if grep -q "Sanitizer\|runtime error" "$TRASH/.err"; then
		echo "sanitizer report: $*" >&2
		return 1
	fi
	if [ "$want" != any ] && [ $got -ne "$want" ]; then
		echo "expected exit $want, got $got: $*" >&2
		return 1
	fi
}

# The last failing command's stderr contains a string.
test_stderr_contains() {
	grep -q -- "$1" "$TRASH/.err" || {
		echo "stderr lacks '$1':" >&2
		cat "$TRASH/.err" >&2
		return 1
	}
}

# Random bytes of a given size into a file.
make_random() {
	head -c "$2" /dev/urandom >"$1"
}

test_done() {
	echo "$((test_count - test_failed)) passed, $test_failed failed"
	[ $test_failed -eq 0 ]
}
