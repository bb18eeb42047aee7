/*
 * test_serve_route.c: the routes of `cairn serve` (runtime_route.c):
 * MLflow's fixed paths and their methods, the Open Inference Protocol's
 * model, version, ready and infer paths, version numbers that are not
 * numbers, and paths that are no route at all.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "serve/runtime.h"

static void check(const char *path, enum serve_route_kind kind,
		  const char *method, const char *name, uint64_t version)
{
	struct serve_route r;

	serve_route_parse(&r, path);
	assert_int_equal(r.kind, kind);
	assert_string_equal(r.method, method);
	if (name) {
		assert_non_null(r.name);
		assert_int_equal(r.name_len, strlen(name));
		assert_memory_equal(r.name, name, r.name_len);
	} else {
		assert_null(r.name);
	}
	assert_int_equal(r.version, version);
}

static void test_mlflow(void **state)
{
	(void)state;
	check("/invocations", SERVE_ROUTE_INVOCATIONS, "POST", NULL, 0);
	check("/ping", SERVE_ROUTE_PING, "GET", NULL, 0);
	check("/health", SERVE_ROUTE_PING, "GET", NULL, 0);
	check("/version", SERVE_ROUTE_VERSION, "GET", NULL, 0);
	check("/metrics", SERVE_ROUTE_METRICS, "GET", NULL, 0);
	check("/invocations/", SERVE_ROUTE_NONE, "GET", NULL, 0);
	check("/", SERVE_ROUTE_NONE, "GET", NULL, 0);
	check("", SERVE_ROUTE_NONE, "GET", NULL, 0);
}

static void test_v2(void **state)
{
	struct serve_route r;

	(void)state;
	check("/v2", SERVE_ROUTE_V2_SERVER, "GET", NULL, 0);
	check("/v2/health/live", SERVE_ROUTE_V2_LIVE, "GET", NULL, 0);
	check("/v2/health/ready", SERVE_ROUTE_V2_READY, "GET", NULL, 0);
	check("/v2/models/churn", SERVE_ROUTE_V2_MODEL, "GET", "churn", 0);
	check("/v2/models/churn/ready", SERVE_ROUTE_V2_MODEL_READY, "GET", "churn", 0);
	check("/v2/models/churn/infer", SERVE_ROUTE_V2_INFER, "POST", "churn", 0);
	check("/v2/models/churn/versions/12", SERVE_ROUTE_V2_MODEL, "GET", "churn", 12);
	check("/v2/models/churn/versions/12/infer", SERVE_ROUTE_V2_INFER, "POST",
	      "churn", 12);
	check("/v2/models/churn/versions/3/ready", SERVE_ROUTE_V2_MODEL_READY,
	      "GET", "churn", 3);
	check("/v2/models/", SERVE_ROUTE_NONE, "GET", NULL, 0);
	check("/v2/models//infer", SERVE_ROUTE_NONE, "GET", NULL, 0);
	check("/v2/models/churn/other", SERVE_ROUTE_NONE, "GET", NULL, 0);
	check("/v2/models/churn/versions/1/infer/x", SERVE_ROUTE_NONE, "GET", NULL, 0);
	check("/v2x", SERVE_ROUTE_NONE, "GET", NULL, 0);

	/* A version that is not a number can name no loaded version. */
	serve_route_parse(&r, "/v2/models/churn/versions/abc/infer");
	assert_int_equal(r.kind, SERVE_ROUTE_V2_INFER);
	assert_true(r.bad_version);
	assert_int_equal(r.version, 0);
	serve_route_parse(&r, "/v2/models/churn/versions/0");
	assert_true(r.bad_version);
	serve_route_parse(&r, "/v2/models/churn/versions/1234567890123456789");
	assert_true(r.bad_version);
	assert_true(r.v2);
	serve_route_parse(&r, "/v2/models/nope/zzz");
	assert_true(r.v2); /* its 404 is in the v2 shape */
}

static void test_methods(void **state)
{
	struct serve_route r;

	(void)state;
	serve_route_parse(&r, "/ping");
	assert_true(serve_route_allows(&r, "GET"));
	assert_true(serve_route_allows(&r, "HEAD"));
	assert_false(serve_route_allows(&r, "POST"));
	serve_route_parse(&r, "/invocations");
	assert_true(serve_route_allows(&r, "POST"));
	assert_false(serve_route_allows(&r, "GET"));
	assert_false(serve_route_allows(&r, "HEAD"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mlflow),
		cmocka_unit_test(test_v2),
		cmocka_unit_test(test_methods),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
