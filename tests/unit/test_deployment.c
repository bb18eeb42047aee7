/*
 * test_deployment.c: deployments through the public API (cairn.h) on a
 * real project: settings created and changed with generation counting
 * the changes, a set of what is already set writing nothing, names, URIs
 * and percents refused with nothing written, events recorded and read
 * back from the audit log with their model, version, details and reason
 * (settings changes with before and after), a record for an unknown
 * deployment or with bad arguments refused, the lineage of a model
 * version reaching the deployments that served it, both ways; and a
 * server's answers as the REST client parses them, malformed ones refused.
 *
 * Each test gets a fresh project under /tmp as its current directory;
 * teardown removes it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cairn.h"
#include "lib/track_rest.h"
#include "util/fs.h"

struct fixture {
	char *dir;
	char saved_cwd[PATH_MAX];
	cairn_repo *repo;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char tmpl[] = "/tmp/cairn-test-deployment-XXXXXX";

	assert_non_null(getcwd(f->saved_cwd, sizeof(f->saved_cwd)));
	assert_non_null(mkdtemp(tmpl));
	f->dir = realpath(tmpl, NULL);
	assert_int_equal(cairn_repo_init(&f->repo, f->dir, NULL), 0);
	assert_int_equal(chdir(f->dir), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(chdir(f->saved_cwd), 0);
	cairn_repo_free(f->repo);
	fs_remove_tree(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

static int count_event(const cairn_audit_event *e, void *payload)
{
	(void)e;
	(*(int *)payload)++;
	return 0;
}

static int audit_events(cairn_repo *repo)
{
	int n = 0;

	assert_int_equal(cairn_audit_log(repo, NULL, count_event, &n), 0);
	return n;
}

/* A copy of each event, for checking after the walk. */
struct seen {
	char action[64][40], model[64][40], details[64][512], reason[64][80];
	uint64_t version[64];
	int n;
};

static int keep_event(const cairn_deployment_event *e, void *payload)
{
	struct seen *s = payload;

	assert_true(s->n < 64);
	snprintf(s->action[s->n], sizeof(s->action[0]), "%s", e->action);
	snprintf(s->model[s->n], sizeof(s->model[0]), "%s", e->model ? e->model : "");
	snprintf(s->details[s->n], sizeof(s->details[0]), "%s", e->details);
	snprintf(s->reason[s->n], sizeof(s->reason[0]), "%s",
		 e->reason ? e->reason : "");
	s->version[s->n] = e->version;
	assert_true(e->seq > 0);
	assert_true(e->time_ms > 0);
	assert_non_null(e->actor);
	s->n++;
	return 0;
}

static void test_set_and_get(void **state)
{
	struct fixture *f = *state;
	cairn_deployment d, *got;
	int events;

	memset(&d, 0, sizeof(d));
	d.name = "web";
	d.model_uri = "models:/iris@production";
	assert_int_equal(cairn_deployment_get(&got, f->repo, "web"), CAIRN_ENOTFOUND);
	assert_null(got);
	assert_int_equal(cairn_deployment_set(f->repo, &d, "first"), 0);
	assert_int_equal(cairn_deployment_get(&got, f->repo, "web"), 0);
	assert_string_equal(got->model_uri, "models:/iris@production");
	assert_null(got->canary_uri);
	assert_null(got->shadow_uri);
	assert_int_equal(got->canary_percent, 0);
	assert_int_equal(got->generation, 1);
	assert_true(got->created_ms > 0 && got->updated_ms == got->created_ms);
	cairn_deployment_free(got);

	/* The same settings again: nothing changes, nothing is recorded. */
	events = audit_events(f->repo);
	assert_int_equal(cairn_deployment_set(f->repo, &d, "again"), 0);
	assert_int_equal(audit_events(f->repo), events);
	assert_int_equal(cairn_deployment_get(&got, f->repo, "web"), 0);
	assert_int_equal(got->generation, 1);
	cairn_deployment_free(got);

	/* A canary and a shadow: one change, one event. */
	d.canary_uri = "models:/iris@staging";
	d.canary_percent = 10;
	d.shadow_uri = "models:/iris/3";
	assert_int_equal(cairn_deployment_set(f->repo, &d, "try it"), 0);
	assert_int_equal(audit_events(f->repo), events + 1);
	assert_int_equal(cairn_deployment_get(&got, f->repo, "web"), 0);
	assert_string_equal(got->canary_uri, "models:/iris@staging");
	assert_int_equal(got->canary_percent, 10);
	assert_string_equal(got->shadow_uri, "models:/iris/3");
	assert_int_equal(got->generation, 2);
	cairn_deployment_free(got);

	/* NULL removes them. */
	d.canary_uri = d.shadow_uri = NULL;
	d.canary_percent = 0;
	assert_int_equal(cairn_deployment_set(f->repo, &d, NULL), 0);
	assert_int_equal(cairn_deployment_get(&got, f->repo, "web"), 0);
	assert_null(got->canary_uri);
	assert_null(got->shadow_uri);
	assert_int_equal(got->generation, 3);
	cairn_deployment_free(got);
}

static void test_bad_settings(void **state)
{
	static const char *const bad_names[] = {
		"", "a b", "a/b", "x@y", "dep:1",
		("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"), /* 129 */
	};
	static const char *const bad_uris[] = {
		"iris@production", "models:/", "models:/iris", "models:/@a",
		"models:/iris/", "models:/iris/Bogus", "models:/a/b/c", "runs:/x/m",
	};
	struct fixture *f = *state;
	cairn_deployment d, *got;
	size_t i;
	int events = audit_events(f->repo);

	memset(&d, 0, sizeof(d));
	d.model_uri = "models:/iris/1";
	for (i = 0; i < sizeof(bad_names) / sizeof(*bad_names); i++) {
		d.name = bad_names[i];
		assert_int_equal(cairn_deployment_set(f->repo, &d, NULL), CAIRN_EINVALID);
	}
	d.name = NULL;
	assert_int_equal(cairn_deployment_set(f->repo, &d, NULL), CAIRN_EINVALID);
	assert_int_equal(cairn_deployment_set(f->repo, NULL, NULL), CAIRN_EINVALID);
	d.name = "web";
	for (i = 0; i < sizeof(bad_uris) / sizeof(*bad_uris); i++) {
		d.model_uri = bad_uris[i];
		assert_int_equal(cairn_deployment_set(f->repo, &d, NULL), CAIRN_EINVALID);
		d.model_uri = "models:/iris/1";
		d.canary_uri = bad_uris[i];
		assert_int_equal(cairn_deployment_set(f->repo, &d, NULL), CAIRN_EINVALID);
		assert_non_null(strstr(cairn_error_last()->message, "canary"));
		d.canary_uri = NULL;
		d.shadow_uri = bad_uris[i];
		assert_int_equal(cairn_deployment_set(f->repo, &d, NULL), CAIRN_EINVALID);
		d.shadow_uri = NULL;
	}
	d.model_uri = NULL;
	assert_int_equal(cairn_deployment_set(f->repo, &d, NULL), CAIRN_EINVALID);
	/* A percent needs a canary, and is at most 100. */
	d.model_uri = "models:/iris/1";
	d.canary_percent = 5;
	assert_int_equal(cairn_deployment_set(f->repo, &d, NULL), CAIRN_EINVALID);
	d.canary_uri = "models:/iris/2";
	d.canary_percent = 101;
	assert_int_equal(cairn_deployment_set(f->repo, &d, NULL), CAIRN_EINVALID);
	assert_int_equal(audit_events(f->repo), events);
	assert_int_equal(cairn_deployment_get(&got, f->repo, "web"), CAIRN_ENOTFOUND);
	assert_int_equal(cairn_deployment_get(&got, f->repo, "a/b"), CAIRN_EINVALID);
	/* Every URI form MLflow has is accepted; a canary at 0% and 100% too. */
	d.model_uri = "models:/iris/latest";
	d.canary_uri = "models:/iris/Production";
	d.canary_percent = 100;
	d.shadow_uri = "models:/iris@challenger";
	assert_int_equal(cairn_deployment_set(f->repo, &d, NULL), 0);
	d.canary_percent = 0;
	assert_int_equal(cairn_deployment_set(f->repo, &d, NULL), 0);
}

static int collect_names(const cairn_deployment *d, void *payload)
{
	strcat(payload, d->name);
	strcat(payload, ",");
	return 0;
}

static void test_foreach(void **state)
{
	struct fixture *f = *state;
	cairn_deployment d;
	char names[64] = "";

	memset(&d, 0, sizeof(d));
	d.model_uri = "models:/iris/1";
	d.name = "zeta";
	assert_int_equal(cairn_deployment_set(f->repo, &d, NULL), 0);
	d.name = "alpha";
	assert_int_equal(cairn_deployment_set(f->repo, &d, NULL), 0);
	assert_int_equal(cairn_deployment_foreach(f->repo, collect_names, names), 0);
	assert_string_equal(names, "alpha,zeta,");
}

static void test_record_and_events(void **state)
{
	struct fixture *f = *state;
	struct seen *s = calloc(1, sizeof(*s));
	cairn_deployment d;
	cairn_buf text = CAIRN_BUF_INIT;
	cairn_deployment_event e;
	json_t *o;
	int events;

	memset(&d, 0, sizeof(d));
	d.name = "web";
	d.model_uri = "models:/iris@production";
	assert_int_equal(cairn_deployment_record(f->repo, "web", "start", "iris", 3,
						 NULL, NULL), CAIRN_ENOTFOUND);
	assert_int_equal(cairn_deployment_set(f->repo, &d, "up"), 0);
	assert_int_equal(cairn_deployment_record(f->repo, "web", "start", "iris", 3,
						 "{\"role\":\"primary\"}", NULL), 0);
	assert_int_equal(cairn_deployment_record(f->repo, "web", "swap", "iris", 4,
						 "{\"from\":3,\"to\":4,\"swap_ms\":12.5}",
						 "alias moved"), 0);
	assert_int_equal(cairn_deployment_record(f->repo, "web", "rollback", "iris",
						 3, "{\"error_rate\":0.2}",
						 "error rate 20% > 1%"), 0);
	assert_int_equal(cairn_deployment_record(f->repo, "web", "stop", NULL, 0,
						 NULL, NULL), 0);
	/* Refused, with nothing written. */
	events = audit_events(f->repo);
	assert_int_equal(cairn_deployment_record(f->repo, "web", "explode", "iris",
						 3, NULL, NULL), CAIRN_EINVALID);
	assert_int_equal(cairn_deployment_record(f->repo, "web", NULL, "iris", 3,
						 NULL, NULL), CAIRN_EINVALID);
	assert_int_equal(cairn_deployment_record(f->repo, "web", "start", "iris", 0,
						 NULL, NULL), CAIRN_EINVALID);
	assert_int_equal(cairn_deployment_record(f->repo, "web", "start", NULL, 2,
						 NULL, NULL), CAIRN_EINVALID);
	assert_int_equal(cairn_deployment_record(f->repo, "web", "start", "iris", 2,
						 "[1, 2]", NULL), CAIRN_EINVALID);
	assert_int_equal(cairn_deployment_record(f->repo, "web", "start", "iris", 2,
						 "{not json", NULL), CAIRN_EINVALID);
	assert_int_equal(cairn_deployment_record(f->repo, "we b", "start", "iris", 2,
						 NULL, NULL), CAIRN_EINVALID);
	assert_int_equal(audit_events(f->repo), events);

	assert_int_equal(cairn_deployment_events(f->repo, "web", keep_event, s), 0);
	assert_int_equal(s->n, 5);
	assert_string_equal(s->action[0], "deployment.create");
	assert_string_equal(s->model[0], "");
	assert_int_equal(s->version[0], 0);
	assert_string_equal(s->reason[0], "up");
	o = json_loads(s->details[0], 0, NULL);
	assert_true(json_is_null(json_object_get(o, "before")));
	assert_string_equal(json_string_value(json_object_get(json_object_get(o, "after"),
							      "model_uri")),
			    "models:/iris@production");
	json_decref(o);
	assert_string_equal(s->action[1], "deployment.start");
	assert_string_equal(s->model[1], "iris");
	assert_int_equal(s->version[1], 3);
	assert_string_equal(s->details[1], "{\"role\":\"primary\"}");
	assert_string_equal(s->action[2], "deployment.swap");
	assert_int_equal(s->version[2], 4);
	assert_string_equal(s->reason[2], "alias moved");
	o = json_loads(s->details[2], 0, NULL);
	assert_int_equal(json_integer_value(json_object_get(o, "to")), 4);
	assert_true(json_real_value(json_object_get(o, "swap_ms")) == 12.5);
	json_decref(o);
	assert_string_equal(s->action[3], "deployment.rollback");
	assert_string_equal(s->reason[3], "error rate 20% > 1%");
	assert_string_equal(s->action[4], "deployment.stop");
	assert_string_equal(s->details[4], "{}");

	/* A traffic change says before and after. */
	d.canary_uri = "models:/iris@staging";
	d.canary_percent = 25;
	assert_int_equal(cairn_deployment_set(f->repo, &d, "canary"), 0);
	memset(s, 0, sizeof(*s));
	assert_int_equal(cairn_deployment_events(f->repo, NULL, keep_event, s), 0);
	assert_int_equal(s->n, 6);
	assert_string_equal(s->action[5], "deployment.traffic");
	o = json_loads(s->details[5], 0, NULL);
	assert_true(json_is_null(json_object_get(json_object_get(o, "before"),
						 "canary_uri")));
	assert_int_equal(json_integer_value(json_object_get(json_object_get(o, "after"),
							    "canary_percent")), 25);
	json_decref(o);
	assert_int_equal(cairn_deployment_events(f->repo, "nope", keep_event, s),
			 CAIRN_ENOTFOUND);

	/* The JSON form of an event. */
	memset(&e, 0, sizeof(e));
	e.seq = 7;
	e.time_ms = 1000;
	e.actor = "ann";
	e.action = "deployment.swap";
	e.model = "iris";
	e.version = 4;
	e.details = "{\"to\":4}";
	assert_int_equal(cairn_deployment_event_json(&text, &e), 0);
	o = json_loads(text.ptr, 0, NULL);
	assert_int_equal(json_integer_value(json_object_get(o, "version")), 4);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(o, "details"),
							    "to")), 4);
	assert_true(json_is_null(json_object_get(o, "reason")));
	json_decref(o);
	cairn_buf_dispose(&text);
	free(s);
}

/* Whether the graph has an edge from -> to of this kind. */
static int has_edge(json_t *g, const char *from, const char *to, const char *kind)
{
	json_t *e;
	size_t i;

	json_array_foreach(json_object_get(g, "edges"), i, e)
		if (!strcmp(json_string_value(json_object_get(e, "from")), from) &&
		    !strcmp(json_string_value(json_object_get(e, "to")), to) &&
		    !strcmp(json_string_value(json_object_get(e, "kind")), kind))
			return 1;
	return 0;
}

static void test_lineage(void **state)
{
	struct fixture *f = *state;
	cairn_model_register_options o = CAIRN_MODEL_REGISTER_OPTIONS_INIT;
	cairn_buf text = CAIRN_BUF_INIT;
	cairn_deployment d;
	json_t *g;
	int i;

	assert_int_equal(cairn_model_create(f->repo, "iris", NULL, NULL, 0), 0);
	for (i = 1; i <= 2; i++) {
		char file[32], body[16];

		snprintf(file, sizeof(file), "v%d/model.bin", i);
		snprintf(body, sizeof(body), "weights %d", i);
		assert_int_equal(fs_mkdirs(i == 1 ? "v1" : "v2", 0755), 0);
		assert_int_equal(fs_write_atomic(file, body, strlen(body), 0644), 0);
		o.from_dir = i == 1 ? "v1" : "v2";
		assert_int_equal(cairn_model_register(NULL, f->repo, "iris", &o), 0);
	}
	memset(&d, 0, sizeof(d));
	d.name = "web";
	d.model_uri = "models:/iris@production";
	assert_int_equal(cairn_deployment_set(f->repo, &d, NULL), 0);
	assert_int_equal(cairn_deployment_record(f->repo, "web", "start", "iris", 1,
						 NULL, NULL), 0);
	assert_int_equal(cairn_deployment_record(f->repo, "web", "start", "iris", 2,
						 "{\"role\":\"canary\"}", NULL), 0);

	/* Downstream of version 1: the deployment, as primary. */
	assert_int_equal(cairn_lineage_json(&text, f->repo, CAIRN_LINEAGE_MODEL,
					    "models:/iris/1", 0), 0);
	g = json_loads(text.ptr, 0, NULL);
	assert_true(has_edge(g, "model:iris/1", "deployment:web", "served"));
	assert_false(has_edge(g, "model:iris/2", "deployment:web", "served"));
	json_decref(g);
	cairn_buf_dispose(&text);
	/* Upstream only: no deployment. */
	assert_int_equal(cairn_lineage_json(&text, f->repo, CAIRN_LINEAGE_MODEL,
					    "models:/iris/1",
					    CAIRN_LINEAGE_UPSTREAM), 0);
	assert_null(strstr(text.ptr, "deployment:web"));
	cairn_buf_dispose(&text);
	/* From the deployment: both versions it served. */
	assert_int_equal(cairn_lineage_json(&text, f->repo, CAIRN_LINEAGE_DEPLOYMENT,
					    "web", 0), 0);
	g = json_loads(text.ptr, 0, NULL);
	assert_string_equal(json_string_value(json_object_get(g, "root")),
			    "deployment:web");
	assert_true(has_edge(g, "model:iris/1", "deployment:web", "served"));
	assert_true(has_edge(g, "model:iris/2", "deployment:web", "served"));
	json_decref(g);
	cairn_buf_dispose(&text);
	assert_int_equal(cairn_lineage_json(&text, f->repo, CAIRN_LINEAGE_DEPLOYMENT,
					    "nope", 0), CAIRN_ENOTFOUND);
}

/* A server's answers, parsed by the REST client (track_rest_models.c). */
static void test_rest_parse(void **state)
{
	static const char version[] =
		"{\"name\": \"iris\", \"version\": \"3\", \"creation_timestamp\": 5, "
		"\"last_updated_timestamp\": 6, \"user_id\": \"ann\", "
		"\"current_stage\": \"Production\", \"description\": \"\", "
		"\"source\": \"runs:/abc/model\", \"run_id\": \"\", \"run_link\": \"\", "
		"\"content_id\": \"sha256:0123456789abcdef0123456789abcdef0123456789"
		"abcdef0123456789abcdef\", \"semver\": null, \"flavors\": [\"xgboost\"], "
		"\"signature\": null, \"files\": 2, \"size\": 300}";
	cairn_model_version *v;
	cairn_deployment d;
	cairn_deployment_event e;
	char text[CAIRN_OID_STRLEN + 1], *details;
	json_t *o;

	(void)state;
	o = json_loads(version, 0, NULL);
	assert_int_equal(rest_model_version_parse(&v, o), 0);
	assert_string_equal(v->name, "iris");
	assert_int_equal(v->version, 3);
	assert_int_equal(v->stage, CAIRN_STAGE_PRODUCTION);
	assert_null(v->run_id);
	assert_null(v->semver);
	assert_null(v->signature);
	assert_string_equal(v->flavors, "[\"xgboost\"]");
	assert_int_equal(v->files, 2);
	cairn_oid_fmt(text, &v->tree);
	assert_string_equal(text, "sha256:0123456789abcdef0123456789abcdef0123456789"
			    "abcdef0123456789abcdef");
	cairn_model_version_free(v);
	/* No content id, a bad one, no version: refused. */
	json_object_del(o, "content_id");
	assert_int_equal(rest_model_version_parse(&v, o), CAIRN_ERROR);
	assert_null(v);
	json_object_set_new(o, "content_id", json_string("sha256:12"));
	assert_int_equal(rest_model_version_parse(&v, o), CAIRN_ERROR);
	json_object_set_new(o, "version", json_string("0"));
	assert_int_equal(rest_model_version_parse(&v, o), CAIRN_ERROR);
	json_decref(o);

	o = json_loads("{\"name\": \"web\", \"model_uri\": \"models:/iris@production\", "
		       "\"canary_uri\": null, \"canary_percent\": \"0\", "
		       "\"shadow_uri\": \"models:/iris/2\", \"generation\": 4}", 0, NULL);
	assert_int_equal(rest_deployment_parse(&d, o), 0);
	assert_null(d.canary_uri);
	assert_string_equal(d.shadow_uri, "models:/iris/2");
	assert_int_equal(d.generation, 4);
	json_object_set_new(o, "canary_percent", json_integer(101));
	assert_int_equal(rest_deployment_parse(&d, o), CAIRN_ERROR);
	json_object_set_new(o, "canary_percent", json_integer(1));
	json_object_set_new(o, "canary_uri", json_integer(1));
	assert_int_equal(rest_deployment_parse(&d, o), CAIRN_ERROR);
	json_decref(o);

	o = json_loads("{\"seq\": 4, \"time\": 9, \"actor\": \"svc\", "
		       "\"event\": \"deployment.swap\", \"model\": \"iris\", "
		       "\"version\": 3, \"details\": {\"to\": 3}, \"reason\": null}",
		       0, NULL);
	assert_int_equal(rest_deployment_event_parse(&e, &details, o), 0);
	assert_int_equal(e.version, 3);
	assert_string_equal(e.details, "{\"to\":3}");
	assert_null(e.reason);
	free(details);
	json_object_del(o, "details");
	assert_int_equal(rest_deployment_event_parse(&e, &details, o), 0);
	assert_string_equal(e.details, "{}");
	free(details);
	json_object_set_new(o, "details", json_integer(3));
	assert_int_equal(rest_deployment_event_parse(&e, &details, o), CAIRN_ERROR);
	free(details);
	json_object_set_new(o, "details", json_object());
	json_object_set_new(o, "event", json_string("run.create"));
	assert_int_equal(rest_deployment_event_parse(&e, &details, o), CAIRN_ERROR);
	free(details);
	json_decref(o);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_set_and_get),
		T(test_bad_settings),
		T(test_foreach),
		T(test_record_and_events),
		T(test_lineage),
		cmocka_unit_test(test_rest_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
