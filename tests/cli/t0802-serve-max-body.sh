#!/bin/sh
# cairn serve --max-body: the largest request body read. A body over it
# is a 413 with a JSON error, whether its Content-Length says so at once
# or it comes chunked and grows past the limit (then it is read to its
# end and dropped: libmicrohttpd cannot answer earlier); the connection's
# end is never an "internal error". A bad size is a usage error.
. "$TEST_DIRECTORY/lib.sh"
. "$TEST_DIRECTORY/lib-serve.sh"
. "$TEST_DIRECTORY/lib-serve-run.sh"
trap 'serve_stop_all; rm -rf "$TRASH"' EXIT

status_of() {
	curl -s -o out -w "%{http_code}" -H "Content-Type: application/json" "$@"
}

test_expect_success 'setup: an XGBoost model in production' '
	mkdir p && cd p && cairn init >/dev/null &&
	serve_train_xgb m1 && cairn models create churn &&
	cairn models register churn --from m1 >/dev/null &&
	cairn models promote churn 1 --to production --reason first
'

test_expect_success 'a size that is not one is a usage error' '
	(cd p && test_must_fail 129 cairn serve models:/churn@production --max-body 12X) 2>err &&
	test_stderr_contains "max-body must be a size from 1K to 64G" err &&
	(cd p && test_must_fail 129 cairn serve models:/churn@production --max-body 100) 2>err &&
	(cd p && test_must_fail 129 cairn serve models:/churn@production --max-body 65G) 2>err
'

test_expect_success 'serve with a 1 KiB limit' '
	serve_run p s models:/churn@production --max-body 1K &&
	url=$(serve_url s) &&
	test "$(status_of -d "{\"instances\": [[1, 2, 3, 4]]}" $url/invocations)" = 200
'

test_expect_success 'a body announced over the limit is a 413 naming it' '
	url=$(serve_url s) &&
	head -c 1025 /dev/zero | tr "\0" " " >b1025 &&
	test "$(status_of --data-binary @b1025 $url/invocations)" = 413 &&
	serve_json "j[\"error_code\"] == \"BAD_REQUEST\" and \"1024 bytes\" in j[\"message\"] and \"--max-body\" in j[\"message\"]" <out
'

test_expect_success 'a chunked body growing over the limit is a 413 too' '
	url=$(serve_url s) &&
	head -c 1500 /dev/zero | tr "\0" " " >b1500 &&
	head -c 200000 /dev/zero | tr "\0" " " >b200k &&
	for b in b1500 b200k; do
		test "$(status_of -H "Transfer-Encoding: chunked" --data-binary @$b $url/invocations)" = 413 &&
		serve_json "\"exceeds the limit of 1024 bytes\" in j[\"message\"]" <out || return 1
	done &&
	! grep "internal error" s.err &&
	test "$(status_of -d "{\"instances\": [[1, 2, 3, 4]]}" $url/invocations)" = 200 &&
	serve_stop s
'

test_done
