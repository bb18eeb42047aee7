/*
 * test_registry.c: the model registry through the public API (cairn.h)
 * and its parsers: semantic versions, alias rules, MLmodel files, search
 * filters; on a real project: registering (numbers never reused, even
 * after a model is deleted and created again), URI resolution in every
 * form, stages with archive_existing, aliases moved and dropped with a
 * forced delete, refusals that change nothing, searches paged with
 * tokens, and the JSON shapes.
 *
 * Each repository test gets a fresh project under /tmp as its current
 * directory; teardown removes it.
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
#include <sys/stat.h>
#include <unistd.h>

#include "cairn.h"
#include "lib/mlmodel.h"
#include "lib/registry.h"
#include "lib/registry_filter.h"
#include "lib/semver.h"
#include "util/buf.h"
#include "util/fs.h"

struct fixture {
	char *dir;
	char saved_cwd[PATH_MAX];
	cairn_repo *repo;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char tmpl[] = "/tmp/cairn-test-registry-XXXXXX";

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

static void put(const char *rel, const char *content)
{
	char *dir = path_dirname(rel);

	assert_int_equal(fs_mkdirs(dir, 0755), 0);
	assert_int_equal(fs_write_atomic(rel, content, strlen(content), 0644), 0);
	free(dir);
}

/* ------------------------------------------------------------ parsers */

static void test_semver(void **state)
{
	static const char *const good[] = { "0.0.0", "1.2.3", "10.20.30",
					    "1.0.0-alpha", "1.0.0-alpha.1",
					    "1.0.0-0.3.7", "1.0.0+20130313144700",
					    "1.0.0-beta+exp.sha.5114f85", "1.0.0-x-y-z.--" };
	static const char *const bad[] = { "1", "1.2", "1.2.3.4", "01.2.3", "1.02.3",
					   "1.2.03", "1.2.3-", "1.2.3-01", "1.2.3+",
					   "1.2.3-a..b", "v1.2.3", " 1.2.3", "1.2.3 ",
					   "", "1.2.-3", "99999999999999999999.0.0" };
	struct buf b = BUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_int_equal(semver_check(good[i]), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(semver_check(bad[i]), CAIRN_EINVALID);
	assert_int_equal(semver_bump(&b, NULL, "minor"), 0);
	assert_string_equal(b.ptr, "0.1.0");
	assert_int_equal(semver_bump(&b, "1.2.3-rc.1+b", "patch"), 0);
	assert_string_equal(b.ptr, "1.2.4");
	assert_int_equal(semver_bump(&b, "1.2.3", "major"), 0);
	assert_string_equal(b.ptr, "2.0.0");
	assert_int_equal(semver_bump(&b, "1.2.3", "minor"), 0);
	assert_string_equal(b.ptr, "1.3.0");
	assert_int_equal(semver_bump(&b, "1.2.3", "huge"), CAIRN_EINVALID);
	assert_int_equal(semver_bump(&b, "9223372036854775807.0.0", "major"),
			 CAIRN_EINVALID);
	buf_release(&b);
}

static void test_alias_rules(void **state)
{
	(void)state;
	assert_int_equal(registry__check_alias("champion"), 0);
	assert_int_equal(registry__check_alias("prod_2-b"), 0);
	assert_int_equal(registry__check_alias("v"), 0);
	assert_int_equal(registry__check_alias("v1x"), 0);
	assert_int_equal(registry__check_alias("latest"), CAIRN_EINVALID);
	assert_int_equal(registry__check_alias("LaTeSt"), CAIRN_EINVALID);
	assert_int_equal(registry__check_alias("v12"), CAIRN_EINVALID);
	assert_int_equal(registry__check_alias("V3"), CAIRN_EINVALID);
	assert_int_equal(registry__check_alias(""), CAIRN_EINVALID);
	assert_int_equal(registry__check_alias("a.b"), CAIRN_EINVALID);
	assert_int_equal(registry__check_alias("a b"), CAIRN_EINVALID);
	assert_int_equal(registry__check_name("a/b"), CAIRN_EINVALID);
	assert_int_equal(registry__check_name("my model"), 0);
}

static void test_mlmodel(void **state)
{
	static const char file[] =
		"flavors:\n  python_function: {loader_module: x}\n  sklearn:\n"
		"    v: 1\nsignature:\n  inputs: '[{\"name\": \"it''s\",\n"
		"    \"type\": \"double\"}]'\n  outputs: \"[1]\"\n  params: null\n";
	struct mlmodel m;

	(void)state;
	assert_int_equal(mlmodel_parse(&m, file, strlen(file), "MLmodel"), 0);
	assert_string_equal(m.flavors, "[\"python_function\",\"sklearn\"]");
	assert_string_equal(m.signature,
			    "{\"inputs\":\"[{\\\"name\\\": \\\"it's\\\", \\\"type\\\": "
			    "\\\"double\\\"}]\",\"outputs\":\"[1]\"}");
	assert_string_equal(m.flavor_conf,
			    "{\"python_function\":{\"loader_module\":\"x\"},"
			    "\"sklearn\":{\"v\":\"1\"}}");
	mlmodel_release(&m);
	assert_int_equal(mlmodel_parse(&m, "a: 1\n", 5, "MLmodel"), 0);
	assert_null(m.flavors);
	assert_null(m.signature);
	assert_int_equal(mlmodel_parse(&m, "flavors: 3\n", 11, "x/MLmodel"),
			 CAIRN_EINVALID);
	assert_non_null(strstr(cairn_error_last()->message, "x/MLmodel"));
	assert_int_equal(mlmodel_parse(&m, "a: \x01\n", 6, "MLmodel"), CAIRN_EINVALID);
	assert_int_equal(mlmodel_parse(&m, "a: [\n", 5, "MLmodel"), CAIRN_EINVALID);
	assert_non_null(strstr(cairn_error_last()->message, "line"));
}

static void test_filter(void **state)
{
	static const char *const order[] = { "name DESC" };
	struct reg_query q;

	(void)state;
	assert_int_equal(reg_filter_compile(&q, REG_MODELS,
					    "name ILIKE '%a%' and tags.`k.1` = 'v'",
					    order, 1), 0);
	assert_int_equal(q.nvalues, 3);
	assert_string_equal(q.values[0].text, "%a%");
	assert_string_equal(q.values[1].text, "k.1");
	assert_string_equal(q.order.ptr, "m.name DESC");
	reg_query_release(&q);
	assert_int_equal(reg_filter_compile(&q, REG_VERSIONS,
					    "run_id IN ('a', 'b') AND version_number >= 2",
					    NULL, 0), 0);
	assert_int_equal(q.nvalues, 3);
	assert_int_equal(q.values[2].i, 2);
	assert_string_equal(q.order.ptr,
			    "v.last_updated_time DESC, m.name ASC, v.version DESC");
	reg_query_release(&q);
	assert_int_equal(reg_filter_compile(&q, REG_MODELS, "creation_timestamp > 1",
					    NULL, 0), CAIRN_EINVALID);
	assert_int_equal(reg_filter_compile(&q, REG_MODELS, "name IN ('a')", NULL, 0),
			 CAIRN_EINVALID);
	assert_int_equal(reg_filter_compile(&q, REG_MODELS, "name = 'a' OR name = 'b'",
					    NULL, 0), CAIRN_EINVALID);
	assert_int_equal(reg_filter_compile(&q, REG_VERSIONS, "version_number = 'x'",
					    NULL, 0), CAIRN_EINVALID);
	assert_int_equal(reg_filter_compile(&q, REG_MODELS, "name = 'unterminated",
					    NULL, 0), CAIRN_EINVALID);
	assert_int_equal(reg_filter_compile(&q, REG_MODELS, NULL, (const char *[]){
					    "bogus" }, 1), CAIRN_EINVALID);
}

/* --------------------------------------------------------- repository */

static uint64_t reg(cairn_repo *repo, const char *name, const char *dir)
{
	cairn_model_register_options o = CAIRN_MODEL_REGISTER_OPTIONS_INIT;
	cairn_model_version *v;
	uint64_t n;

	o.from_dir = dir;
	assert_int_equal(cairn_model_register(&v, repo, name, &o), 0);
	n = v->version;
	cairn_model_version_free(v);
	return n;
}

static uint64_t resolve(cairn_repo *repo, const char *uri)
{
	cairn_model_version *v;
	uint64_t n;
	int err = cairn_model_resolve(&v, repo, uri);

	if (err < 0)
		return 0;
	n = v->version;
	cairn_model_version_free(v);
	return n;
}

static void test_register_and_resolve(void **state)
{
	struct fixture *f = *state;
	cairn_repo *r = f->repo;
	cairn_model_version *v;

	put("m/MLmodel", "flavors:\n  sklearn: {}\n");
	put("m/w.bin", "weights");
	assert_int_equal(cairn_model_create(r, "m", NULL, NULL, 0), 0);
	assert_int_equal(reg(r, "m", "m"), 1);
	assert_int_equal(reg(r, "m", "m"), 2);
	assert_int_equal(reg(r, "m", "m"), 3);
	assert_int_equal(cairn_model_version_get(&v, r, "m", 2), 0);
	assert_string_equal(v->flavors, "[\"sklearn\"]");
	assert_int_equal(v->files, 2);
	assert_int_equal(v->size, strlen("weights") + strlen("flavors:\n  sklearn: {}\n"));
	cairn_model_version_free(v);

	assert_int_equal(cairn_model_version_transition(r, "m", 1, CAIRN_STAGE_PRODUCTION, 0), 0);
	assert_int_equal(cairn_model_version_transition(r, "m", 2, CAIRN_STAGE_PRODUCTION, 0), 0);
	assert_int_equal(resolve(r, "models:/m/Production"), 2);
	assert_int_equal(cairn_model_version_transition(r, "m", 3, CAIRN_STAGE_PRODUCTION, 1), 0);
	assert_int_equal(resolve(r, "models:/m/production"), 3);
	assert_int_equal(resolve(r, "models:/m/Archived"), 2);
	assert_int_equal(cairn_model_version_get(&v, r, "m", 1), 0);
	assert_int_equal(v->stage, CAIRN_STAGE_ARCHIVED);
	cairn_model_version_free(v);
	assert_int_equal(cairn_model_version_transition(r, "m", 3, CAIRN_STAGE_ARCHIVED, 1),
			 CAIRN_EINVALID);

	assert_int_equal(cairn_model_alias_set(r, "m", "champion", 2), 0);
	assert_int_equal(resolve(r, "models:/m@champion"), 2);
	assert_int_equal(resolve(r, "models:/m/latest"), 3);
	assert_int_equal(resolve(r, "models:/m/LATEST"), 3);
	assert_int_equal(resolve(r, "models:/m/2"), 2);
	assert_int_equal(cairn_model_resolve(&v, r, "models:/m/Staging"), CAIRN_ENOTFOUND);
	assert_int_equal(cairn_model_resolve(&v, r, "models:/m@nope"), CAIRN_ENOTFOUND);
	assert_int_equal(cairn_model_resolve(&v, r, "models:/m"), CAIRN_EINVALID);
	assert_int_equal(cairn_model_resolve(&v, r, "models:/m/"), CAIRN_EINVALID);
	assert_int_equal(cairn_model_resolve(&v, r, "models:/@a"), CAIRN_EINVALID);
	assert_int_equal(cairn_model_resolve(&v, r, "models:/a/b/c"), CAIRN_EINVALID);
	assert_int_equal(cairn_model_resolve(&v, r, "runs:/x/y"), CAIRN_EINVALID);
	assert_int_equal(cairn_model_resolve(&v, r, "models:/m/Bogus"), CAIRN_EINVALID);
	assert_int_equal(cairn_model_resolve(&v, r, "models:/m/0"), CAIRN_ENOTFOUND);

	/* A version holding an alias is deleted only by force, alias and all. */
	assert_int_equal(cairn_model_version_delete(r, "m", 2, 0), CAIRN_ECONFLICT);
	assert_int_equal(resolve(r, "models:/m@champion"), 2);
	assert_int_equal(cairn_model_version_delete(r, "m", 2, 1), 0);
	assert_int_equal(cairn_model_resolve(&v, r, "models:/m@champion"), CAIRN_ENOTFOUND);
	assert_int_equal(cairn_model_alias_set(r, "m", "champion", 2), CAIRN_ENOTFOUND);

	/* Deleting and re-creating a model does not reuse its numbers. */
	assert_int_equal(cairn_model_delete(r, "m", 0), CAIRN_ECONFLICT);
	assert_int_equal(cairn_model_delete(r, "m", 1), 0);
	assert_int_equal(cairn_model_get(&(cairn_model *){ NULL }, r, "m"), CAIRN_ENOTFOUND);
	assert_int_equal(cairn_model_create(r, "m", NULL, NULL, 0), 0);
	assert_int_equal(reg(r, "m", "m"), 4);
	assert_int_equal(resolve(r, "models:/m/1"), 0);
}

struct events {
	struct buf actions;
};

static int note_event(const cairn_audit_event *e, void *payload)
{
	struct events *ev = payload;

	buf_printf(&ev->actions, "%s %s|", e->action, e->object);
	return 0;
}

/* Every change is an audit event; a refused one leaves none. */
static void test_audit_events(void **state)
{
	struct fixture *f = *state;
	cairn_audit_query q = CAIRN_AUDIT_QUERY_INIT;
	struct events ev = { BUF_INIT };

	put("m/a", "a");
	assert_int_equal(cairn_model_create(f->repo, "m", NULL, NULL, 0), 0);
	reg(f->repo, "m", "m");
	assert_int_equal(cairn_model_version_transition(f->repo, "m", 1,
							CAIRN_STAGE_PRODUCTION, 0), 0);
	assert_int_equal(cairn_model_alias_set(f->repo, "m", "champion", 1), 0);
	assert_int_equal(cairn_model_version_delete(f->repo, "m", 1, 0), CAIRN_ECONFLICT);
	assert_int_equal(cairn_model_version_delete(f->repo, "m", 1, 1), 0);
	q.object = "model:m";
	assert_int_equal(cairn_audit_log(f->repo, &q, note_event, &ev), 0);
	assert_string_equal(ev.actions.ptr,
			    "model.create model:m|model.version.register model:m/1|"
			    "model.version.stage model:m/1|model.alias.set model:m/1|"
			    "model.version.delete model:m/1|");
	buf_release(&ev.actions);
}

static void test_promote_and_rollback(void **state)
{
	struct fixture *f = *state;
	cairn_model_promote_options o = CAIRN_MODEL_PROMOTE_OPTIONS_INIT;
	uint64_t to, at;
	int i;

	put("m/a", "a");
	assert_int_equal(cairn_model_create(f->repo, "m", NULL, NULL, 0), 0);
	for (i = 1; i <= 4; i++)
		assert_int_equal(reg(f->repo, "m", "m"), (uint64_t)i);
	o.reason = "r";
	assert_int_equal(cairn_model_rollback(&to, f->repo, "m", "prod", "r"),
			 CAIRN_ENOTFOUND);
	for (i = 1; i <= 3; i++)
		assert_int_equal(cairn_model_promote(f->repo, "m", (uint64_t)i, "prod", &o), 0);
	o.expect_set = 1;
	o.expect = 2;
	assert_int_equal(cairn_model_promote(f->repo, "m", 4, "prod", &o), CAIRN_ECONFLICT);
	assert_int_equal(resolve(f->repo, "models:/m@prod"), 3);
	/* 1 2 3 -> back to 2; 3 again; back to 2, then 1. */
	assert_int_equal(cairn_model_rollback(&to, f->repo, "m", "prod", "r"), 0);
	assert_int_equal(to, 2);
	o.expect_set = 0;
	assert_int_equal(cairn_model_promote(f->repo, "m", 3, "prod", &o), 0);
	assert_int_equal(cairn_model_rollback(&to, f->repo, "m", "prod", "r"), 0);
	assert_int_equal(to, 2);
	assert_int_equal(cairn_model_rollback(&to, f->repo, "m", "prod", "r"), 0);
	assert_int_equal(to, 1);
	assert_int_equal(cairn_model_rollback(&to, f->repo, "m", "prod", "r"), CAIRN_ENOTFOUND);
	assert_int_equal(resolve(f->repo, "models:/m@prod"), 1);
	assert_int_equal(cairn_model_alias_at(&at, f->repo, "m", "prod", INT64_MAX), 1);
	assert_int_equal(at, 1);
	assert_int_equal(cairn_model_alias_at(&at, f->repo, "m", "prod", 1), 0);
	/* Archived versions are not promoted; stage moves are history too. */
	assert_int_equal(cairn_model_version_transition(f->repo, "m", 4,
							CAIRN_STAGE_ARCHIVED, 0), 0);
	assert_int_equal(cairn_model_promote(f->repo, "m", 4, "prod", &o), CAIRN_EINVALID);
	assert_int_equal(resolve(f->repo, "models:/m@prod"), 1);
}

static int count_rollbacks(const cairn_model_move *m, void *payload)
{
	if (!strcmp(m->action, "model.alias.rollback"))
		(*(int *)payload)++;
	return 0;
}

/* Two guards that both saw version 3 break its budget: one rollback. */
static void test_rollback_expect(void **state)
{
	struct fixture *f = *state;
	cairn_model_rollback_options ro = CAIRN_MODEL_ROLLBACK_OPTIONS_INIT;
	cairn_model_promote_options o = CAIRN_MODEL_PROMOTE_OPTIONS_INIT;
	uint64_t to = 99;
	int i, n = 0;

	put("m/a", "a");
	assert_int_equal(cairn_model_create(f->repo, "m", NULL, NULL, 0), 0);
	for (i = 1; i <= 3; i++)
		assert_int_equal(reg(f->repo, "m", "m"), (uint64_t)i);
	ro.reason = "guard";
	ro.expect_set = 1;
	ro.expect = 3;
	/* Not set at all: the holder expected is not there either. */
	assert_int_equal(cairn_model_rollback_ext(&to, f->repo, "m", "prod", &ro),
			 CAIRN_ECONFLICT);
	assert_non_null(strstr(cairn_error_last()->message, "held by no version"));
	assert_int_equal(to, 0);
	for (i = 1; i <= 3; i++)
		assert_int_equal(cairn_model_promote(f->repo, "m", (uint64_t)i, "prod", &o), 0);
	assert_int_equal(cairn_model_rollback_ext(&to, f->repo, "m", "prod", &ro), 0);
	assert_int_equal(to, 2);
	/* The second guard: refused, named, and nothing moved or recorded. */
	assert_int_equal(cairn_model_rollback_ext(&to, f->repo, "m", "prod", &ro),
			 CAIRN_ECONFLICT);
	assert_int_equal(to, 0);
	assert_non_null(strstr(cairn_error_last()->message,
			       "held by version 2, not version 3 as expected"));
	assert_int_equal(resolve(f->repo, "models:/m@prod"), 2);
	assert_int_equal(cairn_model_history(f->repo, "m", "prod", count_rollbacks, &n), 0);
	assert_int_equal(n, 1);
	/* Expecting the holder it has goes on back; NULL options as plain. */
	ro.expect = 2;
	assert_int_equal(cairn_model_rollback_ext(&to, f->repo, "m", "prod", &ro), 0);
	assert_int_equal(to, 1);
	assert_int_equal(cairn_model_rollback_ext(&to, f->repo, "m", "prod", NULL),
			 CAIRN_ENOTFOUND);
}

static void test_refusals_change_nothing(void **state)
{
	struct fixture *f = *state;
	cairn_model_register_options o = CAIRN_MODEL_REGISTER_OPTIONS_INIT;
	cairn_model_version *v = NULL;
	cairn_kv bad_tag = { "../x", "y" };
	cairn_model *m;

	put("m/a", "a");
	assert_int_equal(cairn_model_create(f->repo, "m", "d", NULL, 0), 0);
	assert_int_equal(cairn_model_create(f->repo, "m", NULL, NULL, 0), CAIRN_EEXISTS);
	assert_int_equal(cairn_model_create(f->repo, "n", NULL, &bad_tag, 1), CAIRN_EINVALID);
	assert_int_equal(cairn_model_get(&m, f->repo, "n"), CAIRN_ENOTFOUND);
	o.from_dir = "m";
	o.semver = "1.0";
	assert_int_equal(cairn_model_register(&v, f->repo, "m", &o), CAIRN_EINVALID);
	o.semver = NULL;
	o.source = "models:/m-0123";
	o.from_dir = NULL;
	assert_int_equal(cairn_model_register(&v, f->repo, "m", &o), CAIRN_ENOTFOUND);
	o.source = "models:/m-0123/x";
	assert_int_equal(cairn_model_register(&v, f->repo, "m", &o), CAIRN_EINVALID);
	o.source = "s3://bucket/x";
	assert_int_equal(cairn_model_register(&v, f->repo, "m", &o), CAIRN_EINVALID);
	o.source = NULL;
	o.run = "nope";
	assert_int_equal(cairn_model_register(&v, f->repo, "m", &o), CAIRN_ENOTFOUND);
	assert_null(v);
	assert_int_equal(reg(f->repo, "m", "m"), 1);
	assert_int_equal(cairn_model_rename(f->repo, "m", "a/b"), CAIRN_EINVALID);
	assert_int_equal(cairn_model_create(f->repo, "k", NULL, NULL, 0), 0);
	assert_int_equal(cairn_model_rename(f->repo, "m", "k"), CAIRN_EEXISTS);
	assert_int_equal(cairn_model_get(&m, f->repo, "m"), 0);
	assert_string_equal(m->description, "d");
	cairn_model_free(m);
	assert_int_equal(cairn_model_alias_set(f->repo, "m", "latest", 1), CAIRN_EINVALID);
	assert_int_equal(cairn_model_alias_delete(f->repo, "m", "never-set"), 0);
	assert_int_equal(cairn_model_delete_tag(f->repo, "m", "never-set"), 0);
	assert_int_equal(cairn_model_version_set_tag(f->repo, "m", 9, "k", "v"),
			 CAIRN_ENOTFOUND);
}

static int count_model(const cairn_model *m, void *payload)
{
	(void)m;
	(*(int *)payload)++;
	return 0;
}

static void test_search_pages(void **state)
{
	struct fixture *f = *state;
	cairn_model_search_options so = CAIRN_MODEL_SEARCH_OPTIONS_INIT;
	cairn_buf next = CAIRN_BUF_INIT;
	char name[16];
	int i, n = 0, pages = 0;

	for (i = 0; i < 7; i++) {
		snprintf(name, sizeof(name), "model-%d", i);
		assert_int_equal(cairn_model_create(f->repo, name, NULL, NULL, 0), 0);
	}
	assert_int_equal(cairn_model_set_tag(f->repo, "model-3", "team", "a"), 0);
	so.max_results = 3;
	do {
		char *token = next.ptr;

		next.ptr = NULL;
		next.size = next.asize = 0;
		so.page_token = token;
		assert_int_equal(cairn_models_search(&next, f->repo, &so, count_model, &n), 0);
		free(token);
		pages++;
	} while (next.ptr);
	assert_int_equal(n, 7);
	assert_int_equal(pages, 3);
	so.page_token = "!!!";
	assert_int_equal(cairn_models_search(NULL, f->repo, &so, count_model, &n),
			 CAIRN_EINVALID);
	so.page_token = NULL;
	so.filter = "tags.team = 'a'";
	n = 0;
	assert_int_equal(cairn_models_search(NULL, f->repo, &so, count_model, &n), 0);
	assert_int_equal(n, 1);
	so.max_results = 1001;
	assert_int_equal(cairn_models_search(NULL, f->repo, &so, count_model, &n),
			 CAIRN_EINVALID);
}

static void test_json_shapes(void **state)
{
	struct fixture *f = *state;
	cairn_buf text = CAIRN_BUF_INIT;
	cairn_model_version *v;
	cairn_model *m;

	put("m/a", "a");
	assert_int_equal(cairn_model_create(f->repo, "m", NULL, NULL, 0), 0);
	reg(f->repo, "m", "m");
	assert_int_equal(cairn_model_alias_set(f->repo, "m", "champion", 1), 0);
	assert_int_equal(cairn_model_version_set_tag(f->repo, "m", 1, "k", "v"), 0);
	assert_int_equal(cairn_model_version_get(&v, f->repo, "m", 1), 0);
	assert_int_equal(cairn_model_version_json(&text, f->repo, v, 0), 0);
	assert_non_null(strstr(text.ptr, "\"version\":\"1\""));
	assert_non_null(strstr(text.ptr, "\"aliases\":[\"champion\"]"));
	assert_non_null(strstr(text.ptr, "\"tags\":[{\"key\":\"k\",\"value\":\"v\"}]"));
	assert_non_null(strstr(text.ptr, "\"status\":\"READY\""));
	assert_null(strstr(text.ptr, "content_id"));
	cairn_buf_dispose(&text);
	cairn_model_version_free(v);
	assert_int_equal(cairn_model_get(&m, f->repo, "m"), 0);
	assert_int_equal(cairn_model_json(&text, f->repo, m), 0);
	assert_non_null(strstr(text.ptr, "\"aliases\":[{\"alias\":\"champion\",\"version\":\"1\"}]"));
	assert_non_null(strstr(text.ptr, "\"latest_versions\":[{"));
	cairn_buf_dispose(&text);
	cairn_model_free(m);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_semver),
		cmocka_unit_test(test_alias_rules),
		cmocka_unit_test(test_mlmodel),
		cmocka_unit_test(test_filter),
		T(test_register_and_resolve),
		T(test_audit_events),
		T(test_promote_and_rollback),
		T(test_rollback_expect),
		T(test_refusals_change_nothing),
		T(test_search_pages),
		T(test_json_shapes),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
