/*
 * test_api_tracking.c: the MLflow tracking handlers (api_tracking.c,
 * api_experiments.c, api_runs.c) called directly through
 * api_tracking_routes[], as the HTTP layer calls them, on a fresh project
 * per test: every route's successes, its MLflow-shaped responses (ids as
 * strings, int64 as numbers, enums by name, unset fields omitted) and its
 * client errors (always 4xx, with MLflow's error codes and messages).
 *
 * The last test replays the data-driven REST corpus tests/api/cases (see
 * tests/api/README.md) through the same handlers, so the corpus the
 * end-to-end runner uses is known to agree with them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ctype.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "server/api.h"
#include "server/http.h"
#include "util/buf.h"
#include "util/fs.h"

struct fixture {
	char dir[64];
	cairn_repo *repo;
	struct api_result res;
	json_t *resp; /* the last response: the body, or the error envelope */
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/cairn-test-api-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	assert_int_equal(cairn_repo_init(&f->repo, f->dir, NULL), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	json_decref(f->resp);
	cairn_repo_free(f->repo);
	fs_remove_tree(f->dir);
	free(f);
	return 0;
}

/* The route of method and path; its path captures go into params. */
static const struct api_route *route(const char *method, const char *path,
				     json_t *params)
{
	const struct api_route *r;

	for (r = api_tracking_routes; r->method; r++)
		if (!strcmp(r->method, method) &&
		    http_route_match(r->path, path, NULL) == 1) {
			if (params)
				http_route_match(r->path, path, params);
			return r;
		}
	return NULL;
}

/* Call a route with params (taken over); the HTTP status. */
static int call(struct fixture *f, const char *method, const char *path,
		json_t *params)
{
	const struct api_route *r;
	int ret;

	assert_non_null(params);
	if (!(r = route(method, path, params)))
		fail_msg("no route %s %s", method, path);
	json_decref(f->resp);
	f->resp = NULL;
	memset(&f->res, 0, sizeof(f->res));
	f->res.status = 200;
	ret = r->fn(f->repo, params, &f->res);
	json_decref(params);
	if (ret < 0) {
		assert_int_equal(ret, -1);
		assert_true(f->res.status >= 400 && f->res.status < 600);
		assert_non_null(f->res.error_code);
		assert_null(f->res.body);
		f->resp = json_pack("{s:s, s:s}", "error_code", f->res.error_code,
				    "message", f->res.message);
	} else {
		assert_int_equal(ret, 0);
		assert_int_equal(f->res.status, 200);
		assert_null(f->res.error_code);
		f->resp = f->res.body ? f->res.body : json_object();
	}
	return f->res.status;
}

#define POST(f, path, ...) call(f, "POST", "/mlflow/" path, json_pack(__VA_ARGS__))
#define GET(f, path, ...) call(f, "GET", "/mlflow/" path, json_pack(__VA_ARGS__))

/* A value by a dotted path, "run.info.tags.0.key"; NULL if absent. */
static json_t *at(json_t *v, const char *path)
{
	char buf[256], *save = NULL, *part;

	snprintf(buf, sizeof(buf), "%s", path);
	for (part = strtok_r(buf, ".", &save); part && v;
	     part = strtok_r(NULL, ".", &save)) {
		if (json_is_array(v))
			v = json_array_get(v, strtoul(part, NULL, 10));
		else
			v = json_object_get(v, part);
	}
	return v;
}

static const char *str(struct fixture *f, const char *path)
{
	json_t *v = at(f->resp, path);

	if (!json_is_string(v))
		fail_msg("'%s' is not a string in the response", path);
	return json_string_value(v);
}

static long long num(struct fixture *f, const char *path)
{
	json_t *v = at(f->resp, path);

	if (!json_is_integer(v))
		fail_msg("'%s' is not an integer in the response", path);
	return json_integer_value(v);
}

static size_t len(struct fixture *f, const char *path)
{
	json_t *v = at(f->resp, path);

	return json_is_array(v) ? json_array_size(v) : 0;
}

#define assert_error(f, st, code)                                            \
	do {                                                                 \
		assert_int_equal((f)->res.status, st);                       \
		assert_string_equal((f)->res.error_code, code);              \
	} while (0)

#define assert_absent(f, path) assert_null(at((f)->resp, path))
#define assert_message_has(f, text) \
	assert_non_null(strstr((f)->res.message, text))

static char *create_experiment(struct fixture *f, const char *name)
{
	assert_int_equal(POST(f, "experiments/create", "{s:s}", "name", name), 200);
	return strdup(str(f, "experiment_id"));
}

static char *create_run(struct fixture *f, const char *exp, const char *name)
{
	assert_int_equal(POST(f, "runs/create", "{s:s, s:s, s:I, s:s}",
			      "experiment_id", exp, "run_name", name, "start_time",
			      (json_int_t)1700000000000LL, "user_id", "tester"), 200);
	return strdup(str(f, "run.info.run_id"));
}

static void log_metric(struct fixture *f, const char *run, const char *key,
		       double value, long long ts, long long step)
{
	assert_int_equal(POST(f, "runs/log-metric", "{s:s, s:s, s:f, s:I, s:I}",
			      "run_id", run, "key", key, "value", value,
			      "timestamp", (json_int_t)ts, "step", (json_int_t)step),
			 200);
}

/* The value of a tag in the run of the last response, or NULL. */
static const char *tag_of(struct fixture *f, const char *prefix, const char *key)
{
	char path[128];
	size_t i;

	snprintf(path, sizeof(path), "%s.data.tags", prefix);
	for (i = 0; i < len(f, path); i++) {
		json_t *t = json_array_get(at(f->resp, path), i);

		if (!strcmp(json_string_value(json_object_get(t, "key")), key))
			return json_string_value(json_object_get(t, "value"));
	}
	return NULL;
}

/* -------------------------------------------------------- route table */

static void test_routes(void **state)
{
	static const char *const expected[] = {
		"POST /mlflow/experiments/create", "GET /mlflow/experiments/get",
		"GET /mlflow/experiments/get-by-name",
		"POST /mlflow/experiments/search", "GET /mlflow/experiments/search",
		"POST /mlflow/experiments/update", "POST /mlflow/experiments/delete",
		"POST /mlflow/experiments/restore",
		"POST /mlflow/experiments/set-experiment-tag",
		"POST /mlflow/experiments/delete-experiment-tag",
		"POST /mlflow/runs/create", "POST /mlflow/runs/update",
		"POST /mlflow/runs/delete", "POST /mlflow/runs/restore",
		"GET /mlflow/runs/get", "POST /mlflow/runs/log-metric",
		"POST /mlflow/runs/log-parameter", "POST /mlflow/runs/set-tag",
		"POST /mlflow/runs/delete-tag", "POST /mlflow/runs/log-batch",
		"POST /mlflow/runs/log-model", "POST /mlflow/runs/log-inputs",
		"POST /mlflow/runs/search", "GET /mlflow/metrics/get-history",
		"GET /mlflow/metrics/get-history-bulk",
		"GET /mlflow/metrics/get-history-bulk-interval",
		"GET /mlflow/artifacts/list",
		"POST /mlflow/experiments/search-datasets",
		"POST /mlflow/runs/outputs", "POST /mlflow/logged-models",
		"POST /mlflow/logged-models/search",
		"GET /mlflow/logged-models/{model_id}",
		"PATCH /mlflow/logged-models/{model_id}",
		"DELETE /mlflow/logged-models/{model_id}",
		"PATCH /mlflow/logged-models/{model_id}/tags",
		"DELETE /mlflow/logged-models/{model_id}/tags/{tag_key}",
		"GET /mlflow/logged-models/{model_id}/artifacts/directories",
		"POST /mlflow/logged-models/{model_id}/params",
	};
	const struct api_route *r, *s;
	size_t i, n = 0;

	(void)state;
	for (r = api_tracking_routes; r->method; r++, n++) {
		assert_non_null(r->path);
		assert_non_null(r->fn);
		for (s = api_tracking_routes; s < r; s++)
			assert_false(!strcmp(s->method, r->method) &&
				     !strcmp(s->path, r->path));
	}
	assert_int_equal(n, sizeof(expected) / sizeof(*expected));
	for (i = 0; i < n; i++) {
		char method[8], path[128];

		assert_int_equal(sscanf(expected[i], "%7s %127s", method, path), 2);
		r = route(method, path, NULL);
		assert_non_null(r);
		assert_string_equal(r->path, path);
	}
}

/* -------------------------------------------------------- experiments */

static void test_experiment_create(void **state)
{
	struct fixture *f = *state;
	char long_name[502];
	char *id;

	id = create_experiment(f, "exp-a");
	assert_string_equal(id, "1");
	/* Tags are accepted (they cannot be read back: see the report). */
	assert_int_equal(POST(f, "experiments/create", "{s:s, s:[{s:s, s:s}]}",
			      "name", "exp-b", "tags", "key", "team", "value", "ml"),
			 200);
	assert_string_equal(str(f, "experiment_id"), "2");

	assert_int_equal(POST(f, "experiments/create", "{s:s}", "name", "exp-a"), 400);
	assert_error(f, 400, "RESOURCE_ALREADY_EXISTS");
	assert_int_equal(POST(f, "experiments/create", "{}"), 400);
	assert_error(f, 400, "INVALID_PARAMETER_VALUE");
	assert_string_equal(f->res.message,
			    "Missing value for required parameter 'name'. See the API "
			    "docs for more information about request parameters.");
	assert_int_equal(POST(f, "experiments/create", "{s:s}", "name", ""), 400);
	assert_int_equal(POST(f, "experiments/create", "{s:i}", "name", 5), 400);
	assert_message_has(f, "Hint: Value was of type 'int'");
	memset(long_name, 'n', 501);
	long_name[501] = '\0';
	assert_int_equal(POST(f, "experiments/create", "{s:s}", "name", long_name), 400);
	assert_error(f, 400, "INVALID_PARAMETER_VALUE");

	/* artifact_location: checked as MLflow does, then not used. */
	assert_int_equal(POST(f, "experiments/create", "{s:s, s:s}", "name", "loc",
			      "artifact_location", "runs:/abc/model"), 400);
	assert_message_has(f, "runs:/");
	assert_int_equal(POST(f, "experiments/create", "{s:s, s:s}", "name", "loc",
			      "artifact_location", "s3://b/p#frag"), 400);
	assert_int_equal(POST(f, "experiments/create", "{s:s, s:s}", "name", "loc",
			      "artifact_location", "s3://b/p;params"), 400);
	assert_int_equal(POST(f, "experiments/create", "{s:s, s:s}", "name", "loc",
			      "artifact_location", "s3://b/p?x=%252E%252E/y"), 400);
	assert_string_equal(f->res.message, "Invalid query string");
	assert_int_equal(POST(f, "experiments/create", "{s:s, s:s}", "name", "loc",
			      "artifact_location", "s3://b/p?x=1"), 200);

	/* A bad tag refuses the whole request: no experiment is created. */
	assert_int_equal(POST(f, "experiments/create", "{s:s, s:[{s:s, s:s}]}",
			      "name", "bad-tags", "tags", "key", "../x", "value", "v"),
			 400);
	assert_int_equal(POST(f, "experiments/create", "{s:s, s:[i]}", "name",
			      "bad-tags", "tags", 5), 400);
	assert_int_equal(POST(f, "experiments/create", "{s:s, s:s}", "name",
			      "bad-tags", "tags", "x"), 400);
	assert_int_equal(GET(f, "experiments/get-by-name", "{s:s}", "experiment_name",
			     "bad-tags"), 404);
	free(id);
}

static void test_experiment_get(void **state)
{
	struct fixture *f = *state;
	char *id = create_experiment(f, "exp-a");
	char *named = create_experiment(f, "9"); /* a name that looks like an id */

	assert_int_equal(GET(f, "experiments/get", "{s:s}", "experiment_id", id), 200);
	assert_string_equal(str(f, "experiment.experiment_id"), "1");
	assert_string_equal(str(f, "experiment.name"), "exp-a");
	assert_string_equal(str(f, "experiment.artifact_location"),
			    "mlflow-artifacts:/1");
	assert_string_equal(str(f, "experiment.lifecycle_stage"), "active");
	assert_true(num(f, "experiment.creation_time") > 1600000000000LL);
	assert_true(num(f, "experiment.last_update_time") >=
		    num(f, "experiment.creation_time"));
	assert_absent(f, "experiment.tags");

	/* A JSON number is an id; a list where one value belongs is not. */
	assert_int_equal(GET(f, "experiments/get", "{s:i}", "experiment_id", 1), 200);
	assert_string_equal(str(f, "experiment.name"), "exp-a");
	assert_int_equal(GET(f, "experiments/get", "{s:[s]}", "experiment_id", "0"), 400);

	assert_int_equal(GET(f, "experiments/get", "{s:s}", "experiment_id", "999"), 404);
	assert_error(f, 404, "RESOURCE_DOES_NOT_EXIST");
	assert_string_equal(f->res.message, "No Experiment with id=999 exists");
	/* Names never stand for ids: "exp-a", nor "9" (which is id 2). */
	assert_int_equal(GET(f, "experiments/get", "{s:s}", "experiment_id", "exp-a"), 404);
	assert_int_equal(GET(f, "experiments/get", "{s:s}", "experiment_id", "9"), 404);
	assert_int_equal(GET(f, "experiments/get", "{}"), 400);
	assert_error(f, 400, "INVALID_PARAMETER_VALUE");
	assert_int_equal(GET(f, "experiments/get", "{s:b}", "experiment_id", 1), 400);

	/* get-by-name: the name, never an id. */
	assert_int_equal(GET(f, "experiments/get-by-name", "{s:s}", "experiment_name",
			     "exp-a"), 200);
	assert_string_equal(str(f, "experiment.experiment_id"), id);
	assert_int_equal(GET(f, "experiments/get-by-name", "{s:s}", "experiment_name",
			     "9"), 200);
	assert_string_equal(str(f, "experiment.experiment_id"), named);
	assert_int_equal(GET(f, "experiments/get-by-name", "{s:s}", "experiment_name",
			     "1"), 404);
	assert_string_equal(f->res.message, "Could not find experiment with name '1'");
	assert_int_equal(GET(f, "experiments/get-by-name", "{s:s}", "experiment_name",
			     "nope"), 404);
	assert_int_equal(GET(f, "experiments/get-by-name", "{}"), 400);

	/* Deleted experiments are found, marked deleted. */
	assert_int_equal(POST(f, "experiments/delete", "{s:s}", "experiment_id", id), 200);
	assert_int_equal(GET(f, "experiments/get", "{s:s}", "experiment_id", id), 200);
	assert_string_equal(str(f, "experiment.lifecycle_stage"), "deleted");
	assert_int_equal(GET(f, "experiments/get-by-name", "{s:s}", "experiment_name",
			     "exp-a"), 200);
	assert_string_equal(str(f, "experiment.lifecycle_stage"), "deleted");
	free(id);
	free(named);
}

static void test_experiment_search(void **state)
{
	struct fixture *f = *state;
	char *a = create_experiment(f, "alpha");
	char *b = create_experiment(f, "Beta");
	char *c = create_experiment(f, "gamma");
	char *token;

	/* Default order: creation_time DESC, then experiment_id ASC. */
	assert_int_equal(POST(f, "experiments/search", "{s:i}", "max_results", 100), 200);
	assert_int_equal(len(f, "experiments"), 4);
	assert_absent(f, "next_page_token");

	assert_int_equal(POST(f, "experiments/search", "{s:i, s:[s]}", "max_results", 10,
			      "order_by", "name ASC"), 200);
	assert_int_equal(len(f, "experiments"), 4);
	assert_string_equal(str(f, "experiments.0.name"), "Beta");
	assert_string_equal(str(f, "experiments.1.name"), "Default");
	assert_string_equal(str(f, "experiments.2.name"), "alpha");
	assert_string_equal(str(f, "experiments.3.name"), "gamma");
	assert_int_equal(POST(f, "experiments/search", "{s:i, s:[s]}", "max_results", 10,
			      "order_by", "attribute.experiment_id desc"), 200);
	assert_string_equal(str(f, "experiments.0.experiment_id"), c);
	assert_string_equal(str(f, "experiments.3.experiment_id"), "0");
	assert_int_equal(POST(f, "experiments/search", "{s:i, s:[s, s]}", "max_results",
			      10, "order_by", "creation_time ASC", "name DESC"), 200);
	assert_string_equal(str(f, "experiments.0.name"), "Default");

	/* Filters. */
	assert_int_equal(POST(f, "experiments/search", "{s:i, s:s}", "max_results", 10,
			      "filter", "name = 'alpha'"), 200);
	assert_int_equal(len(f, "experiments"), 1);
	assert_string_equal(str(f, "experiments.0.experiment_id"), a);
	assert_int_equal(POST(f, "experiments/search", "{s:i, s:s}", "max_results", 10,
			      "filter", "name LIKE 'b%'"), 200);
	assert_absent(f, "experiments"); /* LIKE is case-sensitive */
	assert_int_equal(POST(f, "experiments/search", "{s:i, s:s}", "max_results", 10,
			      "filter", "attribute.name ilike 'b%'"), 200);
	assert_int_equal(len(f, "experiments"), 1);
	assert_string_equal(str(f, "experiments.0.experiment_id"), b);
	assert_int_equal(POST(f, "experiments/search", "{s:i, s:s, s:[s]}",
			      "max_results", 10, "filter",
			      "name != \"alpha\" AND name LIKE '%a' and creation_time > 0",
			      "order_by", "name"), 200);
	assert_int_equal(len(f, "experiments"), 2);
	assert_string_equal(str(f, "experiments.0.name"), "Beta");
	assert_string_equal(str(f, "experiments.1.name"), "gamma");
	assert_int_equal(POST(f, "experiments/search", "{s:i, s:s}", "max_results", 10,
			      "filter", "`name` LIKE 'g_mm_'"), 200);
	assert_int_equal(len(f, "experiments"), 1);
	assert_int_equal(POST(f, "experiments/search", "{s:i, s:s}", "max_results", 10,
			      "filter", "last_update_time <= 0"), 200);
	assert_int_equal(json_object_size(f->resp), 0);

	/* Pages: MLflow's tokens, base64 {"offset": N}. */
	assert_int_equal(POST(f, "experiments/search", "{s:i, s:[s]}", "max_results", 3,
			      "order_by", "name ASC"), 200);
	assert_int_equal(len(f, "experiments"), 3);
	token = strdup(str(f, "next_page_token"));
	assert_string_equal(token, "eyJvZmZzZXQiOiAzfQ==");
	assert_int_equal(POST(f, "experiments/search", "{s:i, s:[s], s:s}",
			      "max_results", 3, "order_by", "name ASC", "page_token",
			      token), 200);
	assert_int_equal(len(f, "experiments"), 1);
	assert_string_equal(str(f, "experiments.0.name"), "gamma");
	assert_absent(f, "next_page_token");
	free(token);

	/* GET: everything is a string, a repeated key a list. */
	assert_int_equal(call(f, "GET", "/mlflow/experiments/search",
			      json_pack("{s:s, s:s, s:s}", "max_results", "2",
					"order_by", "name DESC", "view_type", "ALL")),
			 200);
	assert_int_equal(len(f, "experiments"), 2);
	assert_string_equal(str(f, "experiments.0.name"), "gamma");

	/* View types, by name or number; an unknown one is ignored. */
	assert_int_equal(POST(f, "experiments/delete", "{s:s}", "experiment_id", c), 200);
	assert_int_equal(POST(f, "experiments/search", "{s:i, s:s}", "max_results", 10,
			      "view_type", "DELETED_ONLY"), 200);
	assert_int_equal(len(f, "experiments"), 1);
	assert_string_equal(str(f, "experiments.0.lifecycle_stage"), "deleted");
	assert_int_equal(POST(f, "experiments/search", "{s:i, s:i}", "max_results", 10,
			      "view_type", 3), 200);
	assert_int_equal(len(f, "experiments"), 4);
	assert_int_equal(POST(f, "experiments/search", "{s:i, s:s}", "max_results", 10,
			      "view_type", "2"), 200);
	assert_int_equal(len(f, "experiments"), 1);
	assert_int_equal(POST(f, "experiments/search", "{s:i, s:s}", "max_results", 10,
			      "view_type", "BOGUS"), 200);
	assert_int_equal(len(f, "experiments"), 3);

	/* Errors. */
	assert_int_equal(POST(f, "experiments/search", "{}"), 400);
	assert_string_equal(f->res.message, "Invalid value for max_results. It must be "
			    "a positive integer, but got 0");
	assert_int_equal(POST(f, "experiments/search", "{s:i}", "max_results", -1), 400);
	assert_int_equal(POST(f, "experiments/search", "{s:i}", "max_results", 50001), 400);
	assert_message_has(f, "at most 50000");
	assert_int_equal(POST(f, "experiments/search", "{s:s}", "max_results", "x"), 400);
	{
		static const char *const bad[] = {
			"name > 'a'", "creation_time LIKE 1", "name = alpha",
			"creation_time = 'x'", "name = 'a' OR name = 'b'",
			"color = 'red'", "metrics.x = 1", "name IN ('a')",
			"name = 'a' AND", "name = 'open", "name", "= 'a'",
			"name = 'a' name = 'b'", "creation_time > 1x",
		};
		size_t i;

		for (i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
			if (POST(f, "experiments/search", "{s:i, s:s}", "max_results",
				 10, "filter", bad[i]) != 400)
				fail_msg("filter \"%s\" was accepted", bad[i]);
			assert_error(f, 400, "INVALID_PARAMETER_VALUE");
		}
	}
	{
		static const char *const bad[] = {
			"name NULLS LAST", "tags.x", "bogus", "name ASC DESC", "",
		};
		size_t i;

		for (i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
			if (POST(f, "experiments/search", "{s:i, s:[s]}", "max_results",
				 10, "order_by", bad[i]) != 400)
				fail_msg("order_by \"%s\" was accepted", bad[i]);
		}
	}
	assert_int_equal(POST(f, "experiments/search", "{s:i, s:[s, s]}", "max_results",
			      10, "order_by", "name", "name DESC"), 400);
	assert_message_has(f, "duplicate");
	assert_int_equal(POST(f, "experiments/search", "{s:i, s:[i]}", "max_results",
			      10, "order_by", 5), 400);
	assert_int_equal(POST(f, "experiments/search", "{s:i, s:s}", "max_results", 10,
			      "page_token", "!!"), 400);
	assert_string_equal(f->res.message,
			    "Invalid page token, could not base64-decode");
	assert_int_equal(POST(f, "experiments/search", "{s:i, s:s}", "max_results", 10,
			      "page_token", "e30="), 400); /* {} */
	/* Tag filters: nothing has the tag yet. */
	assert_int_equal(POST(f, "experiments/search", "{s:i, s:s}", "max_results", 10,
			      "filter", "tags.team = 'ml'"), 200);
	assert_int_equal(POST(f, "experiments/search", "{s:i, s:s}", "max_results", 10,
			      "filter", "tags.team > 'ml'"), 400);
	free(a);
	free(b);
	free(c);
}

static void test_experiment_changes(void **state)
{
	struct fixture *f = *state;
	char *a = create_experiment(f, "exp-a");
	char *b = create_experiment(f, "exp-b");
	char *run = create_run(f, a, "r1");
	char big[5002];

	/* update */
	assert_int_equal(POST(f, "experiments/update", "{s:s, s:s}", "experiment_id",
			      a, "new_name", "exp-renamed"), 200);
	assert_int_equal(json_object_size(f->resp), 0);
	assert_int_equal(GET(f, "experiments/get", "{s:s}", "experiment_id", a), 200);
	assert_string_equal(str(f, "experiment.name"), "exp-renamed");
	assert_int_equal(POST(f, "experiments/update", "{s:s, s:s}", "experiment_id",
			      a, "new_name", "exp-b"), 400);
	assert_error(f, 400, "RESOURCE_ALREADY_EXISTS");
	assert_int_equal(POST(f, "experiments/update", "{s:s}", "experiment_id", a), 400);
	assert_int_equal(POST(f, "experiments/update", "{s:s, s:s}", "experiment_id",
			      "77", "new_name", "x"), 404);
	assert_int_equal(POST(f, "experiments/update", "{s:s, s:s}", "experiment_id",
			      "exp-b", "new_name", "x"), 404);

	/* set-experiment-tag */
	assert_int_equal(POST(f, "experiments/set-experiment-tag", "{s:s, s:s, s:s}",
			      "experiment_id", a, "key", "owner", "value", "me"), 200);
	assert_int_equal(POST(f, "experiments/set-experiment-tag", "{s:s, s:s}",
			      "experiment_id", a, "key", "empty"), 200);
	assert_int_equal(POST(f, "experiments/set-experiment-tag", "{s:s, s:s}",
			      "experiment_id", a, "value", "v"), 400);
	assert_int_equal(POST(f, "experiments/set-experiment-tag", "{s:s, s:s, s:s}",
			      "experiment_id", a, "key", "a//b", "value", "v"), 400);
	memset(big, 'v', 5001);
	big[5001] = '\0';
	assert_int_equal(POST(f, "experiments/set-experiment-tag", "{s:s, s:s, s:s}",
			      "experiment_id", a, "key", "big", "value", big), 400);
	assert_message_has(f, "5000");
	assert_int_equal(POST(f, "experiments/set-experiment-tag", "{s:s, s:s, s:s}",
			      "experiment_id", "77", "key", "k", "value", "v"), 404);

	/* delete-experiment-tag: once, then it is gone */
	assert_int_equal(POST(f, "experiments/delete-experiment-tag", "{s:s, s:s}",
			      "experiment_id", a, "key", "owner"), 200);
	assert_int_equal(POST(f, "experiments/delete-experiment-tag", "{s:s, s:s}",
			      "experiment_id", a, "key", "owner"), 404);
	assert_error(f, 404, "RESOURCE_DOES_NOT_EXIST");
	assert_int_equal(POST(f, "experiments/delete-experiment-tag", "{s:s}",
			      "experiment_id", a), 400);
	assert_int_equal(POST(f, "experiments/delete-experiment-tag", "{s:s, s:s}",
			      "experiment_id", "77", "key", "owner"), 404);

	/* delete: the runs follow; a deleted experiment is read-only */
	assert_int_equal(POST(f, "experiments/delete", "{s:s}", "experiment_id", a), 200);
	assert_int_equal(GET(f, "runs/get", "{s:s}", "run_id", run), 200);
	assert_string_equal(str(f, "run.info.lifecycle_stage"), "deleted");
	assert_int_equal(POST(f, "experiments/delete", "{s:s}", "experiment_id", a), 404);
	assert_error(f, 404, "RESOURCE_DOES_NOT_EXIST");
	assert_int_equal(POST(f, "experiments/delete", "{s:s}", "experiment_id", "77"), 404);
	assert_int_equal(POST(f, "experiments/delete", "{}"), 400);
	assert_int_equal(POST(f, "experiments/delete", "{s:s}", "experiment_id", "0"), 400);
	assert_error(f, 400, "INVALID_PARAMETER_VALUE");
	assert_int_equal(POST(f, "experiments/update", "{s:s, s:s}", "experiment_id",
			      a, "new_name", "again"), 400);
	assert_error(f, 400, "INVALID_PARAMETER_VALUE");
	assert_int_equal(POST(f, "experiments/set-experiment-tag", "{s:s, s:s, s:s}",
			      "experiment_id", a, "key", "k", "value", "v"), 400);
	assert_string_equal(f->res.message, "The experiment 1 must be in the "
			    "'active' state. Current state is deleted.");
	assert_int_equal(POST(f, "experiments/delete-experiment-tag", "{s:s, s:s}",
			      "experiment_id", a, "key", "owner"), 400);
	assert_int_equal(POST(f, "runs/create", "{s:s}", "experiment_id", a), 400);
	assert_message_has(f, "must be in the 'active' state");
	/* The name stays taken while deleted. */
	assert_int_equal(POST(f, "experiments/create", "{s:s}", "name", "exp-renamed"),
			 400);
	assert_error(f, 400, "RESOURCE_ALREADY_EXISTS");

	/* restore */
	assert_int_equal(POST(f, "experiments/restore", "{s:s}", "experiment_id", a), 200);
	assert_int_equal(GET(f, "runs/get", "{s:s}", "run_id", run), 200);
	assert_string_equal(str(f, "run.info.lifecycle_stage"), "active");
	assert_int_equal(POST(f, "experiments/restore", "{s:s}", "experiment_id", a), 404);
	assert_int_equal(POST(f, "experiments/restore", "{s:s}", "experiment_id", b), 404);
	assert_int_equal(POST(f, "experiments/restore", "{s:s}", "experiment_id", "x"), 404);
	assert_int_equal(POST(f, "experiments/restore", "{}"), 400);
	free(a);
	free(b);
	free(run);
}

/* --------------------------------------------------------------- runs */

static void test_run_create(void **state)
{
	struct fixture *f = *state;
	char *exp = create_experiment(f, "exp");
	char *run, *child, uri[128];
	json_t *tags;
	size_t i;

	assert_int_equal(POST(f, "runs/create", "{s:s, s:s, s:s, s:I, s:[{s:s, s:s}]}",
			      "experiment_id", exp, "user_id", "alice", "run_name",
			      "first", "start_time", (json_int_t)1700000000000LL, "tags",
			      "key", "mlflow.source.type", "value", "LOCAL"), 200);
	run = strdup(str(f, "run.info.run_id"));
	assert_int_equal(strlen(run), 32);
	assert_int_equal(strspn(run, "0123456789abcdef"), 32);
	assert_string_equal(str(f, "run.info.run_uuid"), run);
	assert_string_equal(str(f, "run.info.run_name"), "first");
	assert_string_equal(str(f, "run.info.experiment_id"), exp);
	assert_string_equal(str(f, "run.info.user_id"), "alice");
	assert_string_equal(str(f, "run.info.status"), "RUNNING");
	assert_int_equal(num(f, "run.info.start_time"), 1700000000000LL);
	assert_absent(f, "run.info.end_time");
	snprintf(uri, sizeof(uri), "mlflow-artifacts:/%s/%s/artifacts", exp, run);
	assert_string_equal(str(f, "run.info.artifact_uri"), uri);
	assert_string_equal(str(f, "run.info.lifecycle_stage"), "active");
	assert_true(json_is_object(at(f->resp, "run.inputs")));
	assert_int_equal(json_object_size(at(f->resp, "run.inputs")), 0);
	assert_absent(f, "run.data.metrics");
	assert_absent(f, "run.data.params");
	assert_int_equal(len(f, "run.data.tags"), 3);
	assert_string_equal(tag_of(f, "run", "mlflow.runName"), "first");
	assert_string_equal(tag_of(f, "run", "mlflow.user"), "alice");
	assert_string_equal(tag_of(f, "run", "mlflow.source.type"), "LOCAL");

	/* No name: a generated one, mirrored into mlflow.runName; no user tag. */
	assert_int_equal(POST(f, "runs/create", "{s:i}", "experiment_id", 1), 200);
	assert_true(strchr(str(f, "run.info.run_name"), '-') != NULL);
	assert_string_equal(tag_of(f, "run", "mlflow.runName"),
			    str(f, "run.info.run_name"));
	assert_null(tag_of(f, "run", "mlflow.user"));
	assert_true(num(f, "run.info.start_time") > 1600000000000LL);

	/* The name from the tag; a known parent becomes the parent. */
	assert_int_equal(POST(f, "runs/create", "{s:s, s:[{s:s, s:s}, {s:s, s:s}]}",
			      "experiment_id", exp, "tags", "key", "mlflow.runName",
			      "value", "child", "key", "mlflow.parentRunId", "value", run),
			 200);
	child = strdup(str(f, "run.info.run_id"));
	assert_string_equal(str(f, "run.info.run_name"), "child");
	assert_string_equal(tag_of(f, "run", "mlflow.parentRunId"), run);
	/* An unknown parent stays a plain tag. */
	assert_int_equal(POST(f, "runs/create", "{s:s, s:[{s:s, s:s}]}",
			      "experiment_id", exp, "tags", "key", "mlflow.parentRunId",
			      "value", "feedfacefeedfacefeedfacefeedface"), 200);
	assert_string_equal(tag_of(f, "run", "mlflow.parentRunId"),
			    "feedfacefeedfacefeedfacefeedface");
	/* The same name twice is fine. */
	assert_int_equal(POST(f, "runs/create", "{s:s, s:s, s:[{s:s, s:s}]}",
			      "experiment_id", exp, "run_name", "same", "tags", "key",
			      "mlflow.runName", "value", "same"), 200);

	/* More than a batch of tags. */
	tags = json_array();
	for (i = 0; i < 150; i++)
		json_array_append_new(tags, json_pack("{s:o, s:s}", "key",
						      json_sprintf("t%zu", i), "value", "v"));
	assert_int_equal(call(f, "POST", "/mlflow/runs/create",
			      json_pack("{s:s, s:o}", "experiment_id", exp, "tags",
					tags)), 200);
	assert_int_equal(len(f, "run.data.tags"), 151);

	/* Errors, none of which creates a run. */
	assert_int_equal(POST(f, "runs/create", "{s:s, s:s, s:[{s:s, s:s}]}",
			      "experiment_id", exp, "run_name", "a", "tags", "key",
			      "mlflow.runName", "value", "b"), 400);
	assert_message_has(f, "Both 'run_name' argument and 'mlflow.runName' tag");
	assert_int_equal(POST(f, "runs/create", "{s:s, s:[{s:s, s:s}]}",
			      "experiment_id", exp, "tags", "key", "bad key!", "value",
			      "x"), 400);
	assert_int_equal(POST(f, "runs/create", "{s:s, s:[{s:s}]}", "experiment_id",
			      exp, "tags", "value", "x"), 400);
	assert_int_equal(POST(f, "runs/create", "{s:s, s:[s]}", "experiment_id", exp,
			      "tags", "x"), 400);
	assert_int_equal(POST(f, "runs/create", "{s:s}", "experiment_id", "404"), 404);
	assert_error(f, 404, "RESOURCE_DOES_NOT_EXIST");
	assert_int_equal(POST(f, "runs/create", "{s:s}", "experiment_id", "exp"), 404);
	assert_int_equal(POST(f, "runs/create", "{s:s}", "run_name", "x"), 400);
	assert_error(f, 400, "INVALID_PARAMETER_VALUE");
	assert_int_equal(POST(f, "runs/create", "{s:s, s:s}", "experiment_id", exp,
			      "start_time", "soon"), 400);
	assert_int_equal(POST(f, "runs/search", "{s:[s], s:s}", "experiment_ids", exp,
			      "run_view_type", "ALL"), 200);
	assert_int_equal(len(f, "runs"), 6);
	free(exp);
	free(run);
	free(child);
}

static void test_run_update_delete_get(void **state)
{
	struct fixture *f = *state;
	char *exp = create_experiment(f, "exp");
	char *run = create_run(f, exp, "r1");

	assert_int_equal(POST(f, "runs/update", "{s:s, s:s, s:s, s:I}", "run_id", run,
			      "run_uuid", run, "status", "FINISHED", "end_time",
			      (json_int_t)1700000005000LL), 200);
	assert_string_equal(str(f, "run_info.run_id"), run);
	assert_string_equal(str(f, "run_info.status"), "FINISHED");
	assert_int_equal(num(f, "run_info.end_time"), 1700000005000LL);
	assert_absent(f, "run");
	/* An unparseable status is ignored, as MLflow 2.9.2 does. */
	assert_int_equal(POST(f, "runs/update", "{s:s, s:s}", "run_id", run, "status",
			      "BOGUS"), 200);
	assert_string_equal(str(f, "run_info.status"), "FINISHED");
	assert_int_equal(num(f, "run_info.end_time"), 1700000005000LL);
	/* A rename reaches mlflow.runName too; a status by number. */
	assert_int_equal(POST(f, "runs/update", "{s:s, s:s}", "run_uuid", run,
			      "run_name", "renamed"), 200);
	assert_string_equal(str(f, "run_info.run_name"), "renamed");
	assert_string_equal(str(f, "run_info.status"), "FINISHED");
	assert_int_equal(POST(f, "runs/update", "{s:s, s:i}", "run_id", run, "status",
			      5), 200);
	assert_string_equal(str(f, "run_info.status"), "KILLED");
	assert_int_equal(POST(f, "runs/update", "{s:s, s:s}", "run_id", run, "status",
			      "FAILED"), 200);
	assert_string_equal(str(f, "run_info.status"), "FAILED");
	assert_true(num(f, "run_info.end_time") > 1700000005000LL);
	assert_int_equal(GET(f, "runs/get", "{s:s}", "run_id", run), 200);
	assert_string_equal(tag_of(f, "run", "mlflow.runName"), "renamed");

	assert_int_equal(POST(f, "runs/update", "{s:s, s:{}}", "run_id", run,
			      "status"), 400);
	assert_int_equal(POST(f, "runs/update", "{s:s, s:s}", "run_id", run,
			      "end_time", "later"), 400);
	assert_int_equal(POST(f, "runs/update", "{s:s}", "status", "FINISHED"), 400);
	assert_string_equal(f->res.message, "Missing value for required parameter "
			    "'run_id'. See the API docs for more information about "
			    "request parameters.");
	assert_int_equal(POST(f, "runs/update", "{s:s, s:s}", "run_id", "0000",
			      "status", "FINISHED"), 404);
	assert_string_equal(f->res.message, "Run with id=0000 not found");

	/* get */
	assert_int_equal(GET(f, "runs/get", "{s:s, s:s}", "run_id", run, "run_uuid",
			     run), 200);
	assert_string_equal(str(f, "run.info.run_id"), run);
	assert_int_equal(GET(f, "runs/get", "{s:[s]}", "run_uuid", run), 400);
	assert_int_equal(GET(f, "runs/get", "{s:s}", "run_id", "nope"), 404);
	assert_error(f, 404, "RESOURCE_DOES_NOT_EXIST");
	assert_string_equal(f->res.message, "Run with id=nope not found");
	assert_int_equal(GET(f, "runs/get", "{}"), 400);
	assert_int_equal(GET(f, "runs/get", "{s:i}", "run_id", 5), 400);

	/* delete and restore */
	assert_int_equal(POST(f, "runs/delete", "{s:s}", "run_id", run), 200);
	assert_int_equal(json_object_size(f->resp), 0);
	assert_int_equal(GET(f, "runs/get", "{s:s}", "run_id", run), 200);
	assert_string_equal(str(f, "run.info.lifecycle_stage"), "deleted");
	assert_int_equal(POST(f, "runs/delete", "{s:s}", "run_id", run), 200);
	assert_int_equal(POST(f, "runs/update", "{s:s, s:s}", "run_id", run, "status",
			      "FINISHED"), 400);
	assert_message_has(f, "must be in the 'active' state");
	assert_int_equal(POST(f, "runs/restore", "{s:s}", "run_id", run), 200);
	assert_int_equal(GET(f, "runs/get", "{s:s}", "run_id", run), 200);
	assert_string_equal(str(f, "run.info.lifecycle_stage"), "active");
	assert_int_equal(POST(f, "runs/delete", "{s:s}", "run_id", "nope"), 404);
	assert_int_equal(POST(f, "runs/restore", "{s:s}", "run_id", "nope"), 404);
	assert_int_equal(POST(f, "runs/delete", "{}"), 400);
	assert_int_equal(POST(f, "runs/restore", "{}"), 400);
	free(exp);
	free(run);
}

static void test_log_metric_param_tag(void **state)
{
	struct fixture *f = *state;
	char *exp = create_experiment(f, "exp");
	char *run = create_run(f, exp, "r1");
	char big[6002];

	/* log-metric: numbers or strings, NaN and infinities. */
	log_metric(f, run, "loss", 0.5, 1700000000100LL, 1);
	assert_int_equal(json_object_size(f->resp), 0);
	assert_int_equal(POST(f, "runs/log-metric", "{s:s, s:s, s:s, s:s, s:s, s:s}",
			      "run_id", run, "run_uuid", run, "key", "loss", "value",
			      "0.25", "timestamp", "1700000000200", "step", "2"), 200);
	assert_int_equal(POST(f, "runs/log-metric", "{s:s, s:s, s:s, s:I}", "run_id",
			      run, "key", "nan", "value", "NaN", "timestamp",
			      (json_int_t)5), 200);
	assert_int_equal(POST(f, "runs/log-metric", "{s:s, s:s, s:s, s:I}", "run_id",
			      run, "key", "inf", "value", "-Infinity", "timestamp",
			      (json_int_t)5), 200);
	assert_int_equal(POST(f, "runs/log-metric", "{s:s, s:s, s:i, s:I}", "run_id",
			      run, "key", "int", "value", 3, "timestamp",
			      (json_int_t)5), 200);
	assert_int_equal(GET(f, "runs/get", "{s:s}", "run_id", run), 200);
	assert_int_equal(len(f, "run.data.metrics"), 4);
	assert_string_equal(str(f, "run.data.metrics.0.key"), "inf");
	assert_string_equal(str(f, "run.data.metrics.0.value"), "-Infinity");
	assert_string_equal(str(f, "run.data.metrics.2.key"), "loss");
	assert_true(json_real_value(at(f->resp, "run.data.metrics.2.value")) == 0.25);
	assert_int_equal(num(f, "run.data.metrics.2.step"), 2);
	assert_int_equal(num(f, "run.data.metrics.2.timestamp"), 1700000000200LL);
	assert_string_equal(str(f, "run.data.metrics.3.value"), "NaN");
	assert_int_equal(num(f, "run.data.metrics.3.step"), 0);

	assert_int_equal(POST(f, "runs/log-metric", "{s:s, s:s, s:f}", "run_id", run,
			      "key", "loss", "value", 1.0), 400);
	assert_string_equal(f->res.message, "Missing value for required parameter "
			    "'timestamp'. See the API docs for more information about "
			    "request parameters.");
	assert_int_equal(POST(f, "runs/log-metric", "{s:s, s:s, s:I}", "run_id", run,
			      "key", "loss", "timestamp", (json_int_t)1), 400);
	assert_int_equal(POST(f, "runs/log-metric", "{s:s, s:f, s:I}", "run_id", run,
			      "value", 1.0, "timestamp", (json_int_t)1), 400);
	assert_int_equal(POST(f, "runs/log-metric", "{s:s, s:s, s:s, s:I}", "run_id",
			      run, "key", "loss", "value", "lots", "timestamp",
			      (json_int_t)1), 400);
	assert_int_equal(POST(f, "runs/log-metric", "{s:s, s:s, s:f, s:s}", "run_id",
			      run, "key", "loss", "value", 1.0, "timestamp", "soon"), 400);
	assert_int_equal(POST(f, "runs/log-metric", "{s:s, s:s, s:f, s:I}", "run_id",
			      run, "key", "../loss", "value", 1.0, "timestamp",
			      (json_int_t)1), 400);
	assert_message_has(f, "Invalid metric name");
	assert_int_equal(POST(f, "runs/log-metric", "{s:s, s:s, s:f, s:I}", "run_id",
			      run, "key", "l$ss", "value", 1.0, "timestamp",
			      (json_int_t)1), 400);
	assert_int_equal(POST(f, "runs/log-metric", "{s:s, s:s, s:f, s:I}", "run_id",
			      run, "key", "loss", "value", 1.0, "timestamp",
			      (json_int_t)-1), 400);
	assert_int_equal(POST(f, "runs/log-metric", "{s:s, s:s, s:f, s:I}", "run_id",
			      "nope", "key", "loss", "value", 1.0, "timestamp",
			      (json_int_t)1), 404);
	assert_int_equal(POST(f, "runs/log-metric", "{s:s, s:f, s:I}", "key", "loss",
			      "value", 1.0, "timestamp", (json_int_t)1), 400);

	/* log-parameter: write-once. */
	assert_int_equal(POST(f, "runs/log-parameter", "{s:s, s:s, s:s}", "run_id", run,
			      "key", "lr", "value", "0.01"), 200);
	assert_int_equal(POST(f, "runs/log-parameter", "{s:s, s:s, s:s}", "run_id", run,
			      "key", "lr", "value", "0.01"), 200);
	assert_int_equal(POST(f, "runs/log-parameter", "{s:s, s:s, s:s}", "run_id", run,
			      "key", "lr", "value", "0.02"), 400);
	assert_error(f, 400, "INVALID_PARAMETER_VALUE");
	assert_message_has(f, "Changing param values is not allowed");
	assert_int_equal(POST(f, "runs/log-parameter", "{s:s, s:s}", "run_id", run,
			      "key", "empty"), 200);
	assert_int_equal(POST(f, "runs/log-parameter", "{s:s, s:s}", "run_id", run,
			      "value", "v"), 400);
	assert_int_equal(POST(f, "runs/log-parameter", "{s:s, s:s, s:f}", "run_id", run,
			      "key", "num", "value", 0.5), 400);
	memset(big, 'v', 6001);
	big[6001] = '\0';
	assert_int_equal(POST(f, "runs/log-parameter", "{s:s, s:s, s:s}", "run_id", run,
			      "key", "big", "value", big), 400);
	big[6000] = '\0';
	assert_int_equal(POST(f, "runs/log-parameter", "{s:s, s:s, s:s}", "run_id", run,
			      "key", "big", "value", big), 200);
	assert_int_equal(POST(f, "runs/log-parameter", "{s:s, s:s, s:s}", "run_id",
			      "nope", "key", "k", "value", "v"), 404);

	/* set-tag and delete-tag */
	assert_int_equal(POST(f, "runs/set-tag", "{s:s, s:s, s:s}", "run_id", run,
			      "key", "stage", "value", "dev"), 200);
	assert_int_equal(POST(f, "runs/set-tag", "{s:s, s:s, s:s}", "run_id", run,
			      "key", "stage", "value", "prod"), 200);
	assert_int_equal(POST(f, "runs/set-tag", "{s:s, s:s, s:s}", "run_id", run,
			      "key", "mlflow.runName", "value", "by-tag"), 200);
	assert_int_equal(GET(f, "runs/get", "{s:s}", "run_id", run), 200);
	assert_string_equal(tag_of(f, "run", "stage"), "prod");
	assert_string_equal(str(f, "run.info.run_name"), "by-tag");
	assert_int_equal(len(f, "run.data.params"), 3);
	assert_int_equal(POST(f, "runs/set-tag", "{s:s, s:s}", "run_id", run, "value",
			      "v"), 400);
	assert_int_equal(POST(f, "runs/set-tag", "{s:s, s:s, s:s}", "run_id", "nope",
			      "key", "k", "value", "v"), 404);
	assert_int_equal(POST(f, "runs/delete-tag", "{s:s, s:s}", "run_id", run, "key",
			      "stage"), 200);
	assert_int_equal(POST(f, "runs/delete-tag", "{s:s, s:s}", "run_id", run, "key",
			      "stage"), 404);
	assert_error(f, 404, "RESOURCE_DOES_NOT_EXIST");
	assert_true(!strncmp(f->res.message, "No tag with name: stage in run with id ",
			     39));
	assert_int_equal(POST(f, "runs/delete-tag", "{s:s, s:s}", "run_id", "nope",
			      "key", "stage"), 404);
	assert_string_equal(f->res.message, "Run with id=nope not found");
	assert_int_equal(POST(f, "runs/delete-tag", "{s:s}", "run_id", run), 400);

	/* Nothing is logged to a deleted run; a finished one still takes it. */
	assert_int_equal(POST(f, "runs/update", "{s:s, s:s}", "run_id", run, "status",
			      "FINISHED"), 200);
	log_metric(f, run, "late", 1, 1700000009000LL, 0);
	assert_int_equal(POST(f, "runs/delete", "{s:s}", "run_id", run), 200);
	assert_int_equal(POST(f, "runs/log-metric", "{s:s, s:s, s:f, s:I}", "run_id",
			      run, "key", "loss", "value", 1.0, "timestamp",
			      (json_int_t)1), 400);
	assert_message_has(f, "must be in the 'active' state. Current state is deleted.");
	assert_int_equal(POST(f, "runs/log-parameter", "{s:s, s:s, s:s}", "run_id", run,
			      "key", "k", "value", "v"), 400);
	assert_int_equal(POST(f, "runs/set-tag", "{s:s, s:s, s:s}", "run_id", run,
			      "key", "k", "value", "v"), 400);
	assert_int_equal(POST(f, "runs/delete-tag", "{s:s, s:s}", "run_id", run, "key",
			      "mlflow.user"), 400);
	free(exp);
	free(run);
}

static json_t *metrics_list(size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(a, json_pack("{s:s, s:f, s:I, s:I}", "key", "m",
						   "value", (double)i, "timestamp",
						   (json_int_t)(1000 + i), "step",
						   (json_int_t)i));
	return a;
}

static json_t *kv_list(const char *prefix, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(a, json_pack("{s:o, s:s}", "key",
						   json_sprintf("%s%zu", prefix, i), "value", "v"));
	return a;
}

static void test_log_batch(void **state)
{
	struct fixture *f = *state;
	char *exp = create_experiment(f, "exp");
	char *run = create_run(f, exp, "r1");
	char *big;

	assert_int_equal(POST(f, "runs/log-batch",
			      "{s:s, s:[{s:s, s:f, s:I, s:I}, {s:s, s:s, s:s}],"
			      " s:[{s:s, s:s}], s:[{s:s, s:s}]}",
			      "run_id", run,
			      "metrics", "key", "acc", "value", 0.9, "timestamp",
			      (json_int_t)1700000000300LL, "step", (json_int_t)0,
			      "key", "loss", "value", "0.1", "timestamp", "1700000000400",
			      "params", "key", "batch_size", "value", "32",
			      "tags", "key", "note", "value", "batch"), 200);
	assert_int_equal(json_object_size(f->resp), 0);
	assert_int_equal(GET(f, "runs/get", "{s:s}", "run_id", run), 200);
	assert_int_equal(len(f, "run.data.metrics"), 2);
	assert_int_equal(num(f, "run.data.metrics.1.step"), 0);
	assert_string_equal(str(f, "run.data.params.0.key"), "batch_size");
	assert_string_equal(tag_of(f, "run", "note"), "batch");
	/* Empty batches are fine. */
	assert_int_equal(POST(f, "runs/log-batch", "{s:s}", "run_id", run), 200);
	assert_int_equal(POST(f, "runs/log-batch", "{s:s, s:[], s:[], s:[]}", "run_id",
			      run, "metrics", "params", "tags"), 200);
	/* The limits, with MLflow's messages. */
	assert_int_equal(call(f, "POST", "/mlflow/runs/log-batch",
			      json_pack("{s:s, s:o}", "run_id", run, "metrics",
					metrics_list(1000))), 200);
	assert_int_equal(call(f, "POST", "/mlflow/runs/log-batch",
			      json_pack("{s:s, s:o}", "run_id", run, "metrics",
					metrics_list(1001))), 400);
	assert_string_equal(f->res.message, "A batch logging request can contain at "
			    "most 1000 metrics. Got 1001 metrics. Please split up "
			    "metrics across multiple requests and try again.");
	assert_int_equal(call(f, "POST", "/mlflow/runs/log-batch",
			      json_pack("{s:s, s:o}", "run_id", run, "params",
					kv_list("p", 101))), 400);
	assert_message_has(f, "at most 100 params. Got 101 params.");
	assert_int_equal(call(f, "POST", "/mlflow/runs/log-batch",
			      json_pack("{s:s, s:o}", "run_id", run, "tags",
					kv_list("t", 101))), 400);
	assert_message_has(f, "at most 100 tags. Got 101 tags.");
	assert_int_equal(call(f, "POST", "/mlflow/runs/log-batch",
			      json_pack("{s:s, s:o, s:o}", "run_id", run, "metrics",
					metrics_list(950), "params", kv_list("q", 51))),
			 400);
	assert_message_has(f, "at most 1000 metrics, params, and tags. Got 1001");
	big = malloc(1000001);
	memset(big, 'x', 1000000);
	big[1000000] = '\0';
	assert_int_equal(POST(f, "runs/log-batch", "{s:s, s:s}", "run_id", run, "pad",
			      big), 400);
	assert_message_has(f, "must be at most 1000000 bytes");
	/* Under the limit, though a cheap bound (6 bytes a character) is not. */
	big[900000] = '\0';
	assert_int_equal(POST(f, "runs/log-batch", "{s:s, s:s}", "run_id", run, "pad",
			      big), 200);
	free(big);

	/* Malformed entries; none of these writes anything. */
	assert_int_equal(POST(f, "runs/log-batch", "{s:s, s:[{s:s, s:s}, {s:s, s:s}]}",
			      "run_id", run, "params", "key", "a", "value", "1", "key",
			      "a", "value", "1"), 400);
	assert_string_equal(f->res.message, "Duplicate parameter keys have been "
			    "submitted: ['a']. Please ensure the request contains only "
			    "one param value per param key.");
	assert_int_equal(POST(f, "runs/log-batch", "{s:s, s:[{s:s, s:I}]}", "run_id",
			      run, "metrics", "key", "x", "timestamp", (json_int_t)1), 400);
	assert_message_has(f, "'value'");
	assert_int_equal(POST(f, "runs/log-batch", "{s:s, s:[{s:s, s:f}]}", "run_id",
			      run, "metrics", "key", "x", "value", 1.0), 400);
	assert_message_has(f, "'timestamp'");
	assert_int_equal(POST(f, "runs/log-batch", "{s:s, s:[i]}", "run_id", run,
			      "metrics", 1), 400);
	assert_int_equal(POST(f, "runs/log-batch", "{s:s, s:{}}", "run_id", run,
			      "params"), 400);
	assert_int_equal(POST(f, "runs/log-batch", "{s:s, s:[{s:s}]}", "run_id", run,
			      "tags", "value", "v"), 400);
	assert_int_equal(POST(f, "runs/log-batch", "{s:s, s:[{s:s, s:s}]}", "run_id",
			      run, "tags", "key", "bad/../key", "value", "v"), 400);
	/* A param that changes fails the whole batch: its metric is not kept. */
	assert_int_equal(POST(f, "runs/log-batch",
			      "{s:s, s:[{s:s, s:f, s:I}], s:[{s:s, s:s}]}", "run_id",
			      run, "metrics", "key", "atomic", "value", 1.0, "timestamp",
			      (json_int_t)1, "params", "key", "batch_size", "value",
			      "64"), 400);
	assert_error(f, 400, "INVALID_PARAMETER_VALUE");
	assert_int_equal(GET(f, "metrics/get-history", "{s:s, s:s}", "run_id", run,
			     "metric_key", "atomic"), 200);
	assert_int_equal(json_object_size(f->resp), 0);
	assert_int_equal(POST(f, "runs/log-batch", "{s:s}", "run_id", "nope"), 404);
	assert_int_equal(POST(f, "runs/log-batch", "{}"), 400);
	free(exp);
	free(run);
}

static void test_log_model(void **state)
{
	struct fixture *f = *state;
	char *exp = create_experiment(f, "exp");
	char *run = create_run(f, exp, "r1");
	const char *model = "{\"run_id\": \"r\", \"artifact_path\": \"model\", "
			    "\"utc_time_created\": \"2024-01-01 00:00:00.000000\", "
			    "\"flavors\": {\"python_function\": {}}}";
	json_t *history;

	assert_int_equal(POST(f, "runs/log-model", "{s:s, s:s}", "run_id", run,
			      "model_json", model), 200);
	assert_int_equal(POST(f, "runs/log-model", "{s:s, s:s}", "run_uuid", run,
			      "model_json", model), 200);
	assert_int_equal(GET(f, "runs/get", "{s:s}", "run_id", run), 200);
	history = json_loads(tag_of(f, "run", "mlflow.log-model.history"), 0, NULL);
	assert_true(json_is_array(history));
	assert_int_equal(json_array_size(history), 2);
	assert_string_equal(json_string_value(json_object_get(
				    json_array_get(history, 1), "artifact_path")),
			    "model");
	json_decref(history);

	assert_int_equal(POST(f, "runs/log-model", "{s:s, s:s}", "run_id", run,
			      "model_json", "{\"artifact_path\": \"m\"}"), 400);
	assert_string_equal(f->res.message, "Model json is missing mandatory fields: "
			    "{'flavors', 'run_id', 'utc_time_created'}");
	assert_int_equal(POST(f, "runs/log-model", "{s:s, s:s}", "run_id", run,
			      "model_json", "{oops"), 400);
	assert_message_has(f, "is not a valid JSON");
	assert_int_equal(POST(f, "runs/log-model", "{s:s, s:s}", "run_id", run,
			      "model_json", "[1]"), 400);
	assert_int_equal(POST(f, "runs/log-model", "{s:s}", "run_id", run), 400);
	assert_int_equal(POST(f, "runs/log-model", "{s:s, s:s}", "run_id", "nope",
			      "model_json", model), 404);
	assert_int_equal(POST(f, "runs/delete", "{s:s}", "run_id", run), 200);
	assert_int_equal(POST(f, "runs/log-model", "{s:s, s:s}", "run_id", run,
			      "model_json", model), 400);
	free(exp);
	free(run);
}

static void test_log_inputs(void **state)
{
	struct fixture *f = *state;
	char *exp = create_experiment(f, "exp");
	char *run = create_run(f, exp, "r1");
	char *path = path_join(f->dir, "train.csv"), prefix[16], big[600];
	cairn_data_version *v = NULL;
	char oid[CAIRN_OID_STRLEN + 1];

	assert_int_equal(fs_write_atomic(path, "a,b\n1,2\n", 8, 0644), 0);
	assert_int_equal(cairn_data_add(f->repo, path, NULL, NULL, NULL), 0);
	assert_int_equal(cairn_data_lookup(&v, f->repo, "train.csv"), 0);
	cairn_oid_fmt(oid, &v->oid);
	snprintf(prefix, sizeof(prefix), "%.10s", oid + 7);

	/* A cairn data set version, by "v1" or by an id prefix. */
	assert_int_equal(POST(f, "runs/log-inputs",
			      "{s:s, s:[{s:[{s:s, s:s}], s:{s:s, s:s, s:s, s:s}}]}",
			      "run_id", run, "datasets", "tags", "key",
			      "mlflow.data.context", "value", "training", "dataset",
			      "name", "train.csv", "digest", "v1", "source_type",
			      "local", "source", "{}"), 200);
	assert_int_equal(json_object_size(f->resp), 0);
	assert_int_equal(POST(f, "runs/log-inputs",
			      "{s:s, s:[{s:{s:s, s:s, s:s, s:s, s:s}}]}",
			      "run_id", run, "datasets", "dataset", "name", "train.csv",
			      "digest", prefix, "source_type", "local", "source", "{}",
			      "schema", "{}"), 200);
	assert_int_equal(GET(f, "runs/get", "{s:s}", "run_id", run), 200);
	assert_int_equal(len(f, "run.inputs.dataset_inputs"), 2);
	assert_string_equal(str(f, "run.inputs.dataset_inputs.0.dataset.name"),
			    "train.csv");
	assert_string_equal(str(f, "run.inputs.dataset_inputs.0.dataset.digest"), oid);
	assert_string_equal(str(f, "run.inputs.dataset_inputs.0.dataset.source_type"),
			    "cairn");
	assert_string_equal(str(f, "run.inputs.dataset_inputs.0.dataset.source"),
			    "{\"uri\":\"cairn:train.csv@v1\"}");
	/* One of the two has the training context (their order is the store's). */
	assert_true(len(f, "run.inputs.dataset_inputs.0.tags") +
		    len(f, "run.inputs.dataset_inputs.1.tags") == 1);
	assert_int_equal(POST(f, "runs/search", "{s:[s], s:s}", "experiment_ids", exp,
			      "filter", "datasets.name = 'train.csv'"), 200);
	assert_int_equal(len(f, "runs"), 1);

	/* Any other dataset is an MLflow dataset record, shown back as given. */
	assert_int_equal(POST(f, "runs/log-inputs",
			      "{s:s, s:[{s:[{s:s, s:s}], s:{s:s, s:s, s:s, s:s, s:s}}]}",
			      "run_id", run, "datasets", "tags", "key",
			      "mlflow.data.context", "value", "eval", "dataset", "name",
			      "iris", "digest", "abcd1234", "source_type", "local",
			      "source", "{}", "profile", "{\"rows\": 3}"), 200);
	/* The same (name, digest) again, with other fields: nothing changes. */
	assert_int_equal(POST(f, "runs/log-inputs",
			      "{s:s, s:[{s:[{s:s, s:s}], s:{s:s, s:s, s:s, s:s}}]}",
			      "run_id", run, "datasets", "tags", "key", "k", "value",
			      "v", "dataset", "name", "iris", "digest", "abcd1234",
			      "source_type", "s3", "source", "{\"x\": 1}"), 200);
	/* A version the cairn data set does not have is a record too. */
	assert_int_equal(POST(f, "runs/log-inputs", "{s:s, s:[{s:{s:s, s:s, s:s, s:s}}]}",
			      "run_id", run, "datasets", "dataset", "name", "train.csv",
			      "digest", "v7", "source_type", "cairn", "source", "{}"), 200);
	assert_int_equal(GET(f, "runs/get", "{s:s}", "run_id", run), 200);
	assert_int_equal(len(f, "run.inputs.dataset_inputs"), 4);
	assert_string_equal(str(f, "run.inputs.dataset_inputs.2.dataset.name"), "iris");
	assert_string_equal(str(f, "run.inputs.dataset_inputs.2.dataset.source_type"),
			    "local");
	assert_string_equal(str(f, "run.inputs.dataset_inputs.2.dataset.source"), "{}");
	assert_string_equal(str(f, "run.inputs.dataset_inputs.2.dataset.profile"),
			    "{\"rows\": 3}");
	assert_absent(f, "run.inputs.dataset_inputs.2.dataset.schema");
	assert_int_equal(len(f, "run.inputs.dataset_inputs.2.tags"), 1);
	assert_string_equal(str(f, "run.inputs.dataset_inputs.2.tags.0.value"), "eval");
	assert_string_equal(str(f, "run.inputs.dataset_inputs.3.dataset.digest"), "v7");
	assert_absent(f, "run.inputs.dataset_inputs.3.tags");
	/* search-datasets: records and cairn versions, sorted, distinct. */
	assert_int_equal(POST(f, "experiments/search-datasets", "{s:[s]}",
			      "experiment_ids", exp), 200);
	assert_int_equal(len(f, "dataset_summaries"), 4);
	assert_string_equal(str(f, "dataset_summaries.0.name"), "iris");
	assert_string_equal(str(f, "dataset_summaries.0.context"), "eval");
	assert_string_equal(str(f, "dataset_summaries.0.experiment_id"), exp);
	assert_string_equal(str(f, "dataset_summaries.1.digest"), oid);
	assert_absent(f, "dataset_summaries.1.context");
	assert_string_equal(str(f, "dataset_summaries.2.context"), "training");
	assert_string_equal(str(f, "dataset_summaries.3.digest"), "v7");
	assert_int_equal(POST(f, "experiments/search-datasets", "{s:[s]}",
			      "experiment_ids", "0"), 200);
	assert_int_equal(json_object_size(f->resp), 0);
	assert_int_equal(POST(f, "experiments/search-datasets", "{s:[]}",
			      "experiment_ids"), 400);
	assert_int_equal(POST(f, "experiments/search-datasets", "{}"), 400);
	assert_int_equal(POST(f, "runs/log-inputs", "{s:s, s:[{s:s}]}", "run_id", run,
			      "models", "model_id", "m-1"), 404);
	/* Malformed. */
	assert_int_equal(POST(f, "runs/log-inputs", "{s:s, s:[{s:{s:s, s:s, s:s}}]}",
			      "run_id", run, "datasets", "dataset", "name", "d",
			      "source_type", "local", "source", "{}"), 400);
	assert_int_equal(POST(f, "runs/log-inputs", "{s:s, s:[{}]}", "run_id", run,
			      "datasets"), 400);
	assert_int_equal(POST(f, "runs/log-inputs", "{s:s, s:[i]}", "run_id", run,
			      "datasets", 1), 400);
	memset(big, 'n', 501);
	big[501] = '\0';
	assert_int_equal(POST(f, "runs/log-inputs", "{s:s, s:[{s:{s:s, s:s, s:s, s:s}}]}",
			      "run_id", run, "datasets", "dataset", "name", big,
			      "digest", "v1", "source_type", "local", "source", "{}"), 400);
	assert_string_equal(f->res.message,
			    "Dataset name exceeds the maximum length of 500");
	assert_int_equal(POST(f, "runs/log-inputs", "{s:s, s:[{s:{s:s, s:s, s:s, s:s}}]}",
			      "run_id", run, "datasets", "dataset", "name", "d",
			      "digest", "0123456789012345678901234567890123456",
			      "source_type", "local", "source", "{}"), 400);
	assert_int_equal(POST(f, "runs/log-inputs",
			      "{s:s, s:[{s:[{s:s, s:s}], s:{s:s, s:s, s:s, s:s}}]}",
			      "run_id", run, "datasets", "tags", "key", "k", "value", big,
			      "dataset", "name", "train.csv", "digest", "v1",
			      "source_type", "local", "source", "{}"), 400);
	assert_string_equal(f->res.message,
			    "InputTag value exceeds the maximum length of 500");
	assert_int_equal(POST(f, "runs/log-inputs",
			      "{s:s, s:[{s:[{s:s}], s:{s:s, s:s, s:s, s:s}}]}",
			      "run_id", run, "datasets", "tags", "key", "k", "dataset",
			      "name", "train.csv", "digest", "v1", "source_type", "local",
			      "source", "{}"), 400);
	assert_int_equal(POST(f, "runs/log-inputs", "{s:s, s:[]}", "run_id", "nope",
			      "datasets"), 404);
	assert_int_equal(POST(f, "runs/log-inputs", "{}"), 400);
	assert_int_equal(POST(f, "runs/delete", "{s:s}", "run_id", run), 200);
	assert_int_equal(POST(f, "runs/log-inputs", "{s:s, s:[]}", "run_id", run,
			      "datasets"), 400);
	assert_int_equal(GET(f, "runs/get", "{s:s}", "run_id", run), 200);
	assert_int_equal(len(f, "run.inputs.dataset_inputs"), 4);
	cairn_data_version_free(v);
	free(path);
	free(exp);
	free(run);
}

/* ----------------------------------------------------- metric history */

static void test_metric_history(void **state)
{
	struct fixture *f = *state;
	char *exp = create_experiment(f, "exp");
	char *run = create_run(f, exp, "r1");
	char *token;

	log_metric(f, run, "loss", 0.3, 300, 0);
	log_metric(f, run, "loss", 0.5, 100, 2);
	log_metric(f, run, "loss", 0.4, 200, 1);
	log_metric(f, run, "loss", 0.2, 200, 1);

	/* Ordered by timestamp, step, value. */
	assert_int_equal(GET(f, "metrics/get-history", "{s:s, s:s, s:s}", "run_id", run,
			     "run_uuid", run, "metric_key", "loss"), 200);
	assert_int_equal(len(f, "metrics"), 4);
	assert_int_equal(num(f, "metrics.0.timestamp"), 100);
	assert_int_equal(num(f, "metrics.1.timestamp"), 200);
	assert_true(json_real_value(at(f->resp, "metrics.1.value")) == 0.2);
	assert_true(json_real_value(at(f->resp, "metrics.2.value")) == 0.4);
	assert_int_equal(num(f, "metrics.3.step"), 0);
	assert_string_equal(str(f, "metrics.3.key"), "loss");
	assert_absent(f, "next_page_token");

	/* Pages when max_results is given. */
	assert_int_equal(GET(f, "metrics/get-history", "{s:s, s:s, s:s}", "run_id", run,
			     "metric_key", "loss", "max_results", "3"), 200);
	assert_int_equal(len(f, "metrics"), 3);
	token = strdup(str(f, "next_page_token"));
	assert_int_equal(GET(f, "metrics/get-history", "{s:s, s:s, s:s, s:s}", "run_id",
			     run, "metric_key", "loss", "max_results", "3", "page_token",
			     token), 200);
	assert_int_equal(len(f, "metrics"), 1);
	assert_int_equal(num(f, "metrics.0.timestamp"), 300);
	assert_absent(f, "next_page_token");
	free(token);

	/* Unknown run or key: an empty answer, not an error. */
	assert_int_equal(GET(f, "metrics/get-history", "{s:s, s:s}", "run_id", "nope",
			     "metric_key", "loss"), 200);
	assert_int_equal(json_object_size(f->resp), 0);
	assert_int_equal(GET(f, "metrics/get-history", "{s:s, s:s}", "run_id", run,
			     "metric_key", "acc"), 200);
	assert_int_equal(json_object_size(f->resp), 0);
	assert_int_equal(GET(f, "metrics/get-history", "{s:s}", "run_id", run), 400);
	assert_int_equal(GET(f, "metrics/get-history", "{s:s}", "metric_key", "loss"), 400);
	assert_int_equal(GET(f, "metrics/get-history", "{s:s, s:s, s:s}", "run_id", run,
			     "metric_key", "loss", "max_results", "0"), 400);
	assert_int_equal(GET(f, "metrics/get-history", "{s:s, s:s, s:s}", "run_id", run,
			     "metric_key", "loss", "page_token", "?"), 400);
	free(exp);
	free(run);
}

static void test_metric_history_bulk(void **state)
{
	struct fixture *f = *state;
	char *exp = create_experiment(f, "exp");
	char *a = create_run(f, exp, "a"), *b = create_run(f, exp, "b");
	const char *first = strcmp(a, b) < 0 ? a : b;
	json_t *ids;
	size_t i;

	log_metric(f, a, "loss", 1, 20, 1);
	log_metric(f, a, "loss", 2, 10, 0);
	log_metric(f, b, "loss", 3, 30, 0);

	assert_int_equal(GET(f, "metrics/get-history-bulk", "{s:[s, s], s:s}", "run_id",
			     a, b, "metric_key", "loss"), 200);
	assert_int_equal(len(f, "metrics"), 3);
	assert_string_equal(str(f, "metrics.0.run_id"), first);
	if (first == a) {
		assert_int_equal(num(f, "metrics.0.timestamp"), 10);
		assert_int_equal(num(f, "metrics.1.timestamp"), 20);
	}
	assert_int_equal(GET(f, "metrics/get-history-bulk", "{s:s, s:s, s:s}", "run_id",
			     a, "metric_key", "loss", "max_results", "1"), 200);
	assert_int_equal(len(f, "metrics"), 1);
	assert_int_equal(GET(f, "metrics/get-history-bulk", "{s:s, s:s}", "run_id",
			     "nope", "metric_key", "loss"), 200);
	assert_int_equal(len(f, "metrics"), 0);
	assert_true(json_is_array(at(f->resp, "metrics")));

	assert_int_equal(GET(f, "metrics/get-history-bulk", "{s:s}", "metric_key",
			     "loss"), 400);
	assert_message_has(f, "must specify at least one run_id");
	assert_int_equal(GET(f, "metrics/get-history-bulk", "{s:s}", "run_id", a), 400);
	assert_message_has(f, "must specify a metric_key");
	ids = json_array();
	for (i = 0; i < 21; i++)
		json_array_append_new(ids, json_sprintf("run%zu", i));
	assert_int_equal(call(f, "GET", "/mlflow/metrics/get-history-bulk",
			      json_pack("{s:o, s:s}", "run_id", ids, "metric_key",
					"loss")), 400);
	assert_message_has(f, "cannot specify more than 20 run_ids");
	assert_int_equal(GET(f, "metrics/get-history-bulk", "{s:s, s:s, s:s}", "run_id",
			     a, "metric_key", "loss", "max_results", "x"), 400);
	free(exp);
	free(a);
	free(b);
}

static void test_metric_history_bulk_interval(void **state)
{
	struct fixture *f = *state;
	char *exp = create_experiment(f, "exp");
	char *a = create_run(f, exp, "a"), *b = create_run(f, exp, "b");
	json_t *ids;
	size_t i;

	for (i = 0; i < 10; i++)
		log_metric(f, a, "loss", (double)i, 1000 + (long long)i, (long long)i);
	log_metric(f, b, "loss", 7, 5000, 4);
	log_metric(f, b, "loss", 8, 5001, 4);

	/* Everything when it fits, with run_id, by run then step. */
	assert_int_equal(GET(f, "metrics/get-history-bulk-interval", "{s:[s, s], s:s}",
			     "run_ids", a, b, "metric_key", "loss"), 200);
	assert_int_equal(len(f, "metrics"), 12);
	assert_string_equal(str(f, "metrics.0.run_id"), a);
	assert_int_equal(num(f, "metrics.9.step"), 9);
	assert_string_equal(str(f, "metrics.10.run_id"), b);
	assert_int_equal(num(f, "metrics.11.timestamp"), 5001);

	/* Sampled: max_results steps, and each run keeps its ends. */
	assert_int_equal(GET(f, "metrics/get-history-bulk-interval", "{s:s, s:s, s:s}",
			     "run_ids", a, "metric_key", "loss", "max_results", "3"),
			 200);
	assert_int_equal(len(f, "metrics"), 3);
	assert_int_equal(num(f, "metrics.0.step"), 0);
	/*
	 * Two runs, ten steps in all, max_results 4: steps 0, 2, 5, 7 evenly,
	 * the last one (9) and each run's ends (0, 9; 4): a keeps its first
	 * four of those, b its two points at step 4.
	 */
	assert_int_equal(GET(f, "metrics/get-history-bulk-interval", "{s:[s, s], s:s, s:s}",
			     "run_ids", a, b, "metric_key", "loss", "max_results",
			     "4"), 200);
	assert_int_equal(len(f, "metrics"), 6);
	assert_int_equal(num(f, "metrics.0.step"), 0);
	assert_int_equal(num(f, "metrics.1.step"), 2);
	assert_int_equal(num(f, "metrics.2.step"), 4);
	assert_int_equal(num(f, "metrics.3.step"), 5);
	assert_string_equal(str(f, "metrics.4.run_id"), b);
	assert_int_equal(num(f, "metrics.4.step"), 4);
	assert_int_equal(num(f, "metrics.5.step"), 4);
	/* A range. */
	assert_int_equal(GET(f, "metrics/get-history-bulk-interval",
			     "{s:s, s:s, s:s, s:s}", "run_ids", a, "metric_key", "loss",
			     "start_step", "3", "end_step", "5"), 200);
	assert_int_equal(len(f, "metrics"), 3);
	assert_int_equal(num(f, "metrics.0.step"), 3);
	assert_int_equal(num(f, "metrics.2.step"), 5);
	assert_int_equal(GET(f, "metrics/get-history-bulk-interval",
			     "{s:s, s:s, s:s, s:s}", "run_ids", a, "metric_key", "loss",
			     "start_step", "50", "end_step", "60"), 200);
	assert_int_equal(json_object_size(f->resp), 0);
	assert_int_equal(GET(f, "metrics/get-history-bulk-interval", "{s:s, s:s}",
			     "run_ids", "nope", "metric_key", "loss"), 200);
	assert_int_equal(json_object_size(f->resp), 0);

	/* Errors. */
	assert_int_equal(GET(f, "metrics/get-history-bulk-interval", "{s:s, s:s, s:s}",
			     "run_ids", a, "metric_key", "loss", "start_step", "1"), 400);
	assert_string_equal(f->res.message, "If either start step or end step are "
			    "specified, both must be specified.");
	assert_int_equal(GET(f, "metrics/get-history-bulk-interval",
			     "{s:s, s:s, s:s, s:s}", "run_ids", a, "metric_key", "loss",
			     "start_step", "5", "end_step", "1"), 400);
	assert_message_has(f, "end_step must be greater than start_step");
	assert_int_equal(GET(f, "metrics/get-history-bulk-interval", "{s:s, s:s, s:s}",
			     "run_ids", a, "metric_key", "loss", "max_results", "0"), 400);
	assert_string_equal(f->res.message, "max_results must be between 1 and 2500.");
	assert_int_equal(GET(f, "metrics/get-history-bulk-interval", "{s:s, s:s, s:s}",
			     "run_ids", a, "metric_key", "loss", "max_results", "2501"),
			 400);
	assert_int_equal(GET(f, "metrics/get-history-bulk-interval", "{s:s}",
			     "run_ids", a), 400);
	assert_int_equal(GET(f, "metrics/get-history-bulk-interval", "{s:s}",
			     "metric_key", "loss"), 400);
	ids = json_array();
	for (i = 0; i < 101; i++)
		json_array_append_new(ids, json_sprintf("run%zu", i));
	assert_int_equal(call(f, "GET", "/mlflow/metrics/get-history-bulk-interval",
			      json_pack("{s:o, s:s}", "run_ids", ids, "metric_key",
					"loss")), 400);
	assert_message_has(f, "cannot specify more than 100 run_ids");
	free(exp);
	free(a);
	free(b);
}

/* ------------------------------------------------------------- search */

static void test_runs_search(void **state)
{
	struct fixture *f = *state;
	char *exp = create_experiment(f, "exp");
	char *other = create_experiment(f, "other");
	char *a = create_run(f, exp, "a"), *b = create_run(f, exp, "b");
	char *c = create_run(f, other, "c");
	char *token;

	log_metric(f, a, "loss", 0.2, 1, 0);
	log_metric(f, b, "loss", 0.8, 1, 0);
	assert_int_equal(POST(f, "runs/log-parameter", "{s:s, s:s, s:s}", "run_id", a,
			      "key", "opt", "value", "adam"), 200);

	assert_int_equal(POST(f, "runs/search", "{s:[s], s:s, s:s, s:i}",
			      "experiment_ids", exp, "filter",
			      "metrics.loss < 0.5 and params.opt = 'adam'",
			      "run_view_type", "ACTIVE_ONLY", "max_results", 10), 200);
	assert_int_equal(len(f, "runs"), 1);
	assert_string_equal(str(f, "runs.0.info.run_id"), a);
	assert_int_equal(len(f, "runs.0.data.metrics"), 1);
	assert_int_equal(len(f, "runs.0.data.params"), 1);
	assert_true(json_is_object(at(f->resp, "runs.0.inputs")));
	assert_absent(f, "next_page_token");

	/* Two experiments, ids as numbers; ordered; paged. */
	assert_int_equal(POST(f, "runs/search", "{s:[i, s], s:[s], s:i}",
			      "experiment_ids", 1, other, "order_by",
			      "attributes.run_name DESC", "max_results", 2), 200);
	assert_int_equal(len(f, "runs"), 2);
	assert_string_equal(str(f, "runs.0.info.run_id"), c);
	assert_string_equal(str(f, "runs.1.info.run_id"), b);
	token = strdup(str(f, "next_page_token"));
	assert_int_equal(POST(f, "runs/search", "{s:[s, s], s:[s], s:i, s:s}",
			      "experiment_ids", exp, other, "order_by",
			      "attributes.run_name DESC", "max_results", 2, "page_token",
			      token), 200);
	assert_int_equal(len(f, "runs"), 1);
	assert_string_equal(str(f, "runs.0.info.run_id"), a);
	assert_absent(f, "next_page_token");
	free(token);

	/* Unknown experiments, names and no experiments find nothing. */
	assert_int_equal(POST(f, "runs/search", "{s:[s]}", "experiment_ids", "99"), 200);
	assert_int_equal(json_object_size(f->resp), 0);
	assert_int_equal(POST(f, "runs/search", "{s:[s]}", "experiment_ids", "exp"), 200);
	assert_int_equal(json_object_size(f->resp), 0);
	assert_int_equal(POST(f, "runs/search", "{}"), 200);
	assert_int_equal(json_object_size(f->resp), 0);
	assert_int_equal(POST(f, "runs/search", "{s:[s, s]}", "experiment_ids", "99",
			      exp), 200);
	assert_int_equal(len(f, "runs"), 2);

	/* View types. */
	assert_int_equal(POST(f, "runs/delete", "{s:s}", "run_id", b), 200);
	assert_int_equal(POST(f, "runs/search", "{s:[s], s:s}", "experiment_ids", exp,
			      "run_view_type", "DELETED_ONLY"), 200);
	assert_int_equal(len(f, "runs"), 1);
	assert_string_equal(str(f, "runs.0.info.run_id"), b);
	assert_int_equal(POST(f, "runs/search", "{s:[s], s:i}", "experiment_ids", exp,
			      "run_view_type", 3), 200);
	assert_int_equal(len(f, "runs"), 2);
	assert_int_equal(POST(f, "runs/search", "{s:[s]}", "experiment_ids", exp), 200);
	assert_int_equal(len(f, "runs"), 1);

	/* Errors. */
	assert_int_equal(POST(f, "runs/search", "{s:[s], s:s}", "experiment_ids", exp,
			      "filter", "metrics.loss = 'x'"), 400);
	assert_error(f, 400, "INVALID_PARAMETER_VALUE");
	assert_int_equal(POST(f, "runs/search", "{s:[s], s:s}", "experiment_ids", exp,
			      "filter", "a = 1 OR b = 2"), 400);
	assert_int_equal(POST(f, "runs/search", "{s:[s], s:[s]}", "experiment_ids", exp,
			      "order_by", "metrics.loss NULLS LAST"), 400);
	assert_int_equal(POST(f, "runs/search", "{s:[s], s:[i]}", "experiment_ids", exp,
			      "order_by", 1), 400);
	assert_int_equal(POST(f, "runs/search", "{s:[s], s:i}", "experiment_ids", exp,
			      "max_results", 50001), 400);
	assert_string_equal(f->res.message, "Invalid value for request parameter "
			    "max_results. It must be at most 50000, but got value 50001");
	assert_int_equal(POST(f, "runs/search", "{s:[s], s:i}", "experiment_ids", exp,
			      "max_results", 0), 400);
	assert_int_equal(POST(f, "runs/search", "{s:[s], s:s}", "experiment_ids", exp,
			      "page_token", "%%%"), 400);
	assert_string_equal(f->res.message,
			    "Invalid page token, could not base64-decode");
	assert_int_equal(POST(f, "runs/search", "{s:[{}]}", "experiment_ids"), 400);
	assert_int_equal(POST(f, "runs/search", "{s:{}}", "experiment_ids"), 400);
	free(exp);
	free(other);
	free(a);
	free(b);
	free(c);
}

/* ----------------------------------------------------------- artifacts */

static void test_artifacts_list(void **state)
{
	struct fixture *f = *state;
	char *exp = create_experiment(f, "exp");
	char *run = create_run(f, exp, "r1");
	char *src = path_join(f->dir, "model"), *sub = path_join(src, "sub");
	char *file = path_join(src, "MLmodel"), *deep = path_join(sub, "w.bin");
	char root[128];

	snprintf(root, sizeof(root), "mlflow-artifacts:/%s/%s/artifacts", exp, run);
	assert_int_equal(GET(f, "artifacts/list", "{s:s}", "run_id", run), 200);
	assert_string_equal(str(f, "root_uri"), root);
	assert_absent(f, "files");

	assert_int_equal(fs_mkdirs(sub, 0755), 0);
	assert_int_equal(fs_write_atomic(file, "flavors: {}\n", 12, 0644), 0);
	assert_int_equal(fs_write_atomic(deep, "12345", 5, 0644), 0);
	assert_int_equal(cairn_log_artifact(f->repo, run, src, NULL), 0);

	assert_int_equal(GET(f, "artifacts/list", "{s:s, s:s}", "run_id", run,
			     "run_uuid", run), 200);
	assert_string_equal(str(f, "root_uri"), root);
	assert_int_equal(len(f, "files"), 1);
	assert_string_equal(str(f, "files.0.path"), "model");
	assert_true(json_is_true(at(f->resp, "files.0.is_dir")));
	assert_absent(f, "files.0.file_size");

	assert_int_equal(GET(f, "artifacts/list", "{s:s, s:s}", "run_id", run, "path",
			     "model"), 200);
	assert_int_equal(len(f, "files"), 2);
	assert_string_equal(str(f, "files.0.path"), "model/MLmodel");
	assert_true(json_is_false(at(f->resp, "files.0.is_dir")));
	assert_int_equal(num(f, "files.0.file_size"), 12);
	assert_string_equal(str(f, "files.1.path"), "model/sub");
	assert_true(json_is_true(at(f->resp, "files.1.is_dir")));
	assert_int_equal(GET(f, "artifacts/list", "{s:s, s:s}", "run_id", run, "path",
			     "./model/sub/"), 200);
	assert_int_equal(len(f, "files"), 1);
	assert_string_equal(str(f, "files.0.path"), "model/sub/w.bin");
	assert_int_equal(num(f, "files.0.file_size"), 5);
	/* A file, or nothing: an empty listing. */
	assert_int_equal(GET(f, "artifacts/list", "{s:s, s:s}", "run_id", run, "path",
			     "model/MLmodel"), 200);
	assert_absent(f, "files");
	assert_string_equal(str(f, "root_uri"), root);
	assert_int_equal(GET(f, "artifacts/list", "{s:s, s:s}", "run_id", run, "path",
			     "nope/x"), 200);
	assert_absent(f, "files");

	/* Traversal and unknown runs. */
	assert_int_equal(GET(f, "artifacts/list", "{s:s, s:s}", "run_id", run, "path",
			     "../x"), 400);
	assert_string_equal(f->res.message, "Invalid path: ../x");
	assert_int_equal(GET(f, "artifacts/list", "{s:s, s:s}", "run_id", run, "path",
			     "model/../../x"), 400);
	assert_int_equal(GET(f, "artifacts/list", "{s:s, s:s}", "run_id", run, "path",
			     "/etc"), 400);
	assert_int_equal(GET(f, "artifacts/list", "{s:s, s:s}", "run_id", run, "path",
			     "C:\\x"), 400);
	assert_int_equal(GET(f, "artifacts/list", "{s:s, s:s}", "run_id", run, "path",
			     "a\\b"), 400);
	assert_int_equal(GET(f, "artifacts/list", "{s:s}", "run_id", "nope"), 404);
	assert_int_equal(GET(f, "artifacts/list", "{}"), 400);
	/* A deleted run still lists. */
	assert_int_equal(POST(f, "runs/delete", "{s:s}", "run_id", run), 200);
	assert_int_equal(GET(f, "artifacts/list", "{s:s}", "run_id", run), 200);
	assert_int_equal(len(f, "files"), 1);
	free(src);
	free(sub);
	free(file);
	free(deep);
	free(exp);
	free(run);
}

/* ------------------------------------------------ the REST test corpus */

struct vars {
	char *name[64], *value[64];
	size_t n;
};

static const char *var_get(const struct vars *v, const char *name)
{
	size_t i;

	for (i = 0; i < v->n; i++)
		if (!strcmp(v->name[i], name))
			return v->value[i];
	return NULL;
}

static void var_set(struct vars *v, const char *name, const char *value)
{
	size_t i;

	for (i = 0; i < v->n && strcmp(v->name[i], name); i++)
		;
	if (i == v->n) {
		assert_true(v->n < 64);
		v->name[v->n++] = strdup(name);
	} else {
		free(v->value[i]);
	}
	v->value[i] = strdup(value);
}

/* ${NAME} replaced; -1 (naming it in why) for an unknown one. */
static int substitute(struct buf *out, const char *text, const struct vars *v,
		      struct buf *why)
{
	const char *p = text, *open;

	while ((open = strstr(p, "${"))) {
		const char *close = strchr(open, '}'), *val;
		char name[64];

		if (!close || close - open - 2 >= (long)sizeof(name)) {
			buf_printf(why, "bad placeholder in '%s'", text);
			return -1;
		}
		snprintf(name, sizeof(name), "%.*s", (int)(close - open - 2), open + 2);
		if (!(val = var_get(v, name))) {
			buf_printf(why, "nothing captured '%s'", name);
			return -1;
		}
		buf_add(out, p, (size_t)(open - p));
		buf_puts(out, val);
		p = close + 1;
	}
	buf_puts(out, p);
	return 0;
}

static void url_decode(struct buf *out, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] == '%' && i + 2 < n && isxdigit((unsigned char)s[i + 1]) &&
		    isxdigit((unsigned char)s[i + 2])) {
			char hex[3] = { s[i + 1], s[i + 2], 0 };

			buf_addch(out, (int)strtol(hex, NULL, 16));
			i += 2;
		} else {
			buf_addch(out, s[i] == '+' ? ' ' : s[i]);
		}
	}
}

/* The query string as the HTTP layer hands it over (api.h). */
static void parse_query(json_t *params, const char *q)
{
	while (*q) {
		const char *amp = strchr(q, '&'), *eq;
		size_t n = amp ? (size_t)(amp - q) : strlen(q);
		struct buf k = BUF_INIT, v = BUF_INIT;
		json_t *old;
		char *br;
		int list = 0;

		eq = memchr(q, '=', n);
		url_decode(&k, q, eq ? (size_t)(eq - q) : n);
		if (eq)
			url_decode(&v, eq + 1, n - (size_t)(eq - q) - 1);
		if ((br = strchr(buf_cstr(&k), '['))) {
			*br = '\0';
			list = 1;
		}
		old = json_object_get(params, buf_cstr(&k));
		if (json_is_array(old)) {
			json_array_append_new(old, json_string(buf_cstr(&v)));
		} else if (old || list) {
			json_t *a = json_array();

			if (old)
				json_array_append(a, old);
			json_array_append_new(a, json_string(buf_cstr(&v)));
			json_object_set_new(params, buf_cstr(&k), a);
		} else {
			json_object_set_new(params, buf_cstr(&k), json_string(buf_cstr(&v)));
		}
		buf_release(&k);
		buf_release(&v);
		q += n + (amp ? 1 : 0);
	}
}

static int match(json_t *exp, json_t *got, struct vars *v, struct buf *why,
		 const char *where)
{
	const char *s = json_is_string(exp) ? json_string_value(exp) : NULL;

	if (s && !strcmp(s, "*")) {
		if (got)
			return 0;
	} else if (s && !strncmp(s, "$capture:", 9)) {
		if (json_is_string(got)) {
			var_set(v, s + 9, json_string_value(got));
			return 0;
		}
		if (json_is_integer(got)) {
			char n[32];

			snprintf(n, sizeof(n), "%lld", (long long)json_integer_value(got));
			var_set(v, s + 9, n);
			return 0;
		}
	} else if (json_is_object(exp)) {
		const char *key;
		json_t *e;

		if (!json_is_object(got))
			goto differ;
		if (!json_object_size(exp) && json_object_size(got))
			goto differ;
		json_object_foreach(exp, key, e) {
			char sub[512];
			json_t *g = json_object_get(got, key);

			snprintf(sub, sizeof(sub), "%s.%s", where, key);
			if (json_is_string(e) && !strcmp(json_string_value(e), "$absent")) {
				if (g) {
					buf_printf(why, "%s: should be absent", sub);
					return -1;
				}
			} else if (match(e, g, v, why, sub) < 0) {
				return -1;
			}
		}
		return 0;
	} else if (json_is_array(exp)) {
		size_t i;

		if (!json_is_array(got) || json_array_size(got) != json_array_size(exp))
			goto differ;
		for (i = 0; i < json_array_size(exp); i++) {
			char sub[512];

			snprintf(sub, sizeof(sub), "%s.%zu", where, i);
			if (match(json_array_get(exp, i), json_array_get(got, i), v, why,
				  sub) < 0)
				return -1;
		}
		return 0;
	} else if (json_is_number(exp) && json_is_number(got)) {
		if (json_is_integer(exp) && json_is_integer(got)
			    ? json_integer_value(exp) == json_integer_value(got)
			    : json_number_value(exp) == json_number_value(got))
			return 0;
	} else if (got && json_equal(exp, got)) {
		return 0;
	}
differ:
	{
		char *e = json_dumps(exp, JSON_ENCODE_ANY | JSON_COMPACT);
		char *g = got ? json_dumps(got, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;

		buf_printf(why, "%s: expected %.300s, got %.300s", where, e,
			   g ? g : "(absent)");
		free(e);
		free(g);
	}
	return -1;
}

static int read_text(struct buf *out, const char *path)
{
	buf_reset(out);
	return fs_read_file(out, path);
}

/* One case; 0, or -1 with the reason in why. 1: not a tracking route. */
static int run_case(struct fixture *f, const char *dir, const char *name,
		    struct vars *v, struct buf *why)
{
	struct buf raw = BUF_INIT, text = BUF_INIT, path = BUF_INIT;
	char method[16], target[4096], *nl, *q;
	const char *rest;
	const struct api_route *r;
	json_t *params = NULL, *expect = NULL;
	int status, ret = -1;

	buf_printf(&path, "%s/%s.req", dir, name);
	if (read_text(&raw, path.ptr) < 0 || substitute(&text, buf_cstr(&raw), v, why) < 0)
		goto done;
	if (sscanf(text.ptr, "%15s %4095s", method, target) != 2) {
		buf_printf(why, "bad request line");
		goto done;
	}
	nl = strchr(text.ptr, '\n');
	params = nl && strspn(nl, " \t\r\n") != strlen(nl)
			 ? json_loads(nl + 1, 0, NULL) : json_object();
	if (!json_is_object(params)) {
		buf_printf(why, "the body is not a JSON object");
		goto done;
	}
	if ((q = strchr(target, '?'))) {
		*q++ = '\0';
		parse_query(params, q);
	}
	if (!strncmp(target, "/api/2.0", 8))
		rest = target + 8;
	else if (!strncmp(target, "/ajax-api/2.0", 13))
		rest = target + 13;
	else
		rest = "";
	if (!(r = route(method, rest, NULL))) {
		ret = 1;
		goto done;
	}
	buf_reset(&path);
	buf_printf(&path, "%s/%s.expect", dir, name);
	buf_reset(&text);
	if (read_text(&raw, path.ptr) < 0 || substitute(&text, buf_cstr(&raw), v, why) < 0)
		goto done;
	status = atoi(text.ptr);
	nl = strchr(text.ptr, '\n');
	expect = nl ? json_loads(nl + 1, 0, NULL) : NULL;
	if (!json_is_object(expect)) {
		buf_printf(why, "the expectation is not a JSON object");
		goto done;
	}
	if (call(f, method, rest, params) != status) {
		char *got = json_dumps(f->resp, JSON_COMPACT);

		buf_printf(why, "status %d, expected %d: %.500s", f->res.status, status,
			   got);
		free(got);
		params = NULL;
		goto done;
	}
	params = NULL;
	ret = match(expect, f->resp, v, why, "body");
done:
	json_decref(params);
	json_decref(expect);
	buf_release(&raw);
	buf_release(&text);
	buf_release(&path);
	return ret;
}

static int is_req(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return n > 4 && !strcmp(d->d_name + n - 4, ".req");
}

static void test_corpus(void **state)
{
	struct fixture *f = *state;
	struct vars v = { { NULL }, { NULL }, 0 };
	struct dirent **list = NULL;
	char *here = strdup(__FILE__), *slash, dir[4096];
	int n, i, ran = 0, failed = 0;

	/* tests/unit/test_api_tracking.c -> tests/api/cases */
	slash = strrchr(here, '/');
	if (slash)
		*slash = '\0';
	snprintf(dir, sizeof(dir), "%s/../api/cases", slash ? here : ".");
	free(here);
	n = scandir(dir, &list, is_req, alphasort);
	if (n < 0)
		skip();
	for (i = 0; i < n; i++) {
		struct buf why = BUF_INIT;
		int r;

		list[i]->d_name[strlen(list[i]->d_name) - 4] = '\0';
		r = run_case(f, dir, list[i]->d_name, &v, &why);
		if (r < 0) {
			print_error("case %s: %s\n", list[i]->d_name, buf_cstr(&why));
			failed++;
		}
		ran += r == 0;
		buf_release(&why);
		free(list[i]);
	}
	free(list);
	for (i = 0; i < (int)v.n; i++) {
		free(v.name[i]);
		free(v.value[i]);
	}
	assert_int_equal(failed, 0);
	assert_true(ran >= 40);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_routes),
		cmocka_unit_test_setup_teardown(test_experiment_create, setup, teardown),
		cmocka_unit_test_setup_teardown(test_experiment_get, setup, teardown),
		cmocka_unit_test_setup_teardown(test_experiment_search, setup, teardown),
		cmocka_unit_test_setup_teardown(test_experiment_changes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_run_create, setup, teardown),
		cmocka_unit_test_setup_teardown(test_run_update_delete_get, setup, teardown),
		cmocka_unit_test_setup_teardown(test_log_metric_param_tag, setup, teardown),
		cmocka_unit_test_setup_teardown(test_log_batch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_log_model, setup, teardown),
		cmocka_unit_test_setup_teardown(test_log_inputs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_metric_history, setup, teardown),
		cmocka_unit_test_setup_teardown(test_metric_history_bulk, setup, teardown),
		cmocka_unit_test_setup_teardown(test_metric_history_bulk_interval, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_runs_search, setup, teardown),
		cmocka_unit_test_setup_teardown(test_artifacts_list, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corpus, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
