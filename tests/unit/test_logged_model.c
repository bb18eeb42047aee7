/*
 * test_logged_model.c: MLflow 3's logged models in libcairn
 * (logged_model.c, logged_model_filter.c, db_sqlite_models.c) through the
 * public API, on a fresh project per test: create, get, finalize, delete,
 * params, tags and linked metrics with their rules, search filters and
 * orders (and the
 * syntax refused), a model's files (written, read, listed, kept by gc),
 * and runs' model outputs and inputs.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cairn.h"
#include "util/fs.h"

struct fixture {
	char dir[64];
	cairn_repo *repo;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/cairn-test-models-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	assert_int_equal(cairn_repo_init(&f->repo, f->dir, NULL), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	cairn_repo_free(f->repo);
	fs_remove_tree(f->dir);
	free(f);
	return 0;
}

static char *create(struct fixture *f, const char *name, const cairn_kv *params,
		    size_t nparams)
{
	cairn_logged_model_create_options o = CAIRN_LOGGED_MODEL_CREATE_OPTIONS_INIT;
	cairn_logged_model *m = NULL;
	char *id;

	o.name = name;
	o.params = params;
	o.nparams = nparams;
	assert_int_equal(cairn_logged_model_create(&m, f->repo, &o), 0);
	id = strdup(m->model_id);
	cairn_logged_model_free(m);
	return id;
}

static void test_lifecycle(void **state)
{
	struct fixture *f = *state;
	cairn_kv params[2] = { { "alpha", "0.5" }, { "alpha", "0.7" } };
	cairn_kv tags[2] = { { "b", "2" }, { "a", "1" } };
	cairn_logged_model_create_options o = CAIRN_LOGGED_MODEL_CREATE_OPTIONS_INIT;
	cairn_logged_model *m = NULL;
	cairn_logged_model_status st;
	char *id = create(f, NULL, params, 1);

	assert_int_equal(strlen(id), 34);
	assert_int_equal(strncmp(id, "m-", 2), 0);
	assert_int_equal(cairn_logged_model_get(&m, f->repo, id), 0);
	assert_string_equal(m->experiment_id, "0");
	assert_true(strlen(m->name) > 0); /* generated */
	assert_int_equal(m->status, CAIRN_LOGGED_MODEL_PENDING);
	assert_int_equal(m->nparams, 1);
	assert_null(m->model_type);
	cairn_logged_model_free(m);

	/* Names, duplicate params, unknown experiments. */
	o.name = "a.b";
	assert_int_equal(cairn_logged_model_create(&m, f->repo, &o), CAIRN_EINVALID);
	o.name = "";
	assert_int_equal(cairn_logged_model_create(&m, f->repo, &o), CAIRN_EINVALID);
	o.name = "ok";
	o.params = params;
	o.nparams = 2;
	assert_int_equal(cairn_logged_model_create(&m, f->repo, &o), CAIRN_EINVALID);
	o.nparams = 0;
	o.experiment = "42";
	assert_int_equal(cairn_logged_model_create(&m, f->repo, &o), CAIRN_ENOTFOUND);

	/* Params are write-once, tags are not. */
	assert_int_equal(cairn_logged_model_log_params(f->repo, id, params, 1), 0);
	assert_int_equal(cairn_logged_model_log_params(f->repo, id, params + 1, 1),
			 CAIRN_EEXISTS);
	assert_int_equal(cairn_logged_model_set_tags(f->repo, id, tags, 2), 0);
	tags[0].value = "3";
	assert_int_equal(cairn_logged_model_set_tags(f->repo, id, tags, 1), 0);
	assert_int_equal(cairn_logged_model_delete_tag(f->repo, id, "a"), 0);
	assert_int_equal(cairn_logged_model_delete_tag(f->repo, id, "a"),
			 CAIRN_ENOTFOUND);
	assert_int_equal(cairn_logged_model_get(&m, f->repo, id), 0);
	assert_int_equal(m->ntags, 1);
	assert_string_equal(m->tags[0].value, "3");
	cairn_logged_model_free(m);

	/* Finalize, then delete: gone for every call. */
	assert_int_equal(cairn_logged_model_finalize(f->repo, id,
						     CAIRN_LOGGED_MODEL_PENDING),
			 CAIRN_EINVALID);
	assert_int_equal(cairn_logged_model_status_parse(&st, "READY"), 0);
	assert_int_equal(cairn_logged_model_finalize(f->repo, id, st), 0);
	assert_int_equal(cairn_logged_model_get(&m, f->repo, id), 0);
	assert_int_equal(m->status, CAIRN_LOGGED_MODEL_READY);
	assert_string_equal(cairn_logged_model_status_name(m->status),
			    "LOGGED_MODEL_READY");
	cairn_logged_model_free(m);
	assert_int_equal(cairn_logged_model_status_parse(&st, "3"), 0);
	assert_int_equal(st, CAIRN_LOGGED_MODEL_UPLOAD_FAILED);
	assert_int_equal(cairn_logged_model_status_parse(&st, "DONE"), CAIRN_EINVALID);
	assert_int_equal(cairn_logged_model_delete(f->repo, id), 0);
	assert_int_equal(cairn_logged_model_get(&m, f->repo, id), CAIRN_ENOTFOUND);
	assert_int_equal(cairn_logged_model_delete(f->repo, id), CAIRN_ENOTFOUND);
	assert_int_equal(cairn_logged_model_set_tags(f->repo, id, tags, 1),
			 CAIRN_ENOTFOUND);
	free(id);
}

struct names {
	char text[256];
};

static int add_name(const cairn_logged_model *m, void *payload)
{
	struct names *n = payload;
	size_t len = strlen(n->text);

	snprintf(n->text + len, sizeof(n->text) - len, "%s%s", len ? "," : "",
		 m->name);
	return 0;
}

/* The names found by filter, ordered by name (asc) unless order given. */
static int search(struct fixture *f, const char *filter,
		  const cairn_logged_model_order *order, struct names *out)
{
	static const char *const exps[] = { "0" };
	static const cairn_logged_model_order by_name = { "name", 1 };
	cairn_logged_model_search_options o = CAIRN_LOGGED_MODEL_SEARCH_OPTIONS_INIT;
	int more;

	out->text[0] = '\0';
	o.experiments = exps;
	o.nexperiments = 1;
	o.filter = filter;
	o.order_by = order ? order : &by_name;
	o.norder_by = 1;
	return cairn_logged_models_search(&more, f->repo, &o, add_name, out);
}

static void test_search(void **state)
{
	struct fixture *f = *state;
	cairn_kv p1 = { "alpha", "0.5" }, p2 = { "alpha", "0.9" };
	cairn_kv tag = { "team", "Vision" };
	cairn_logged_model_order desc = { "name", 0 };
	struct names n;
	char *a = create(f, "apple", &p1, 1), *b = create(f, "banana", &p2, 1);
	char *c = create(f, "cherry", NULL, 0);

	cairn_run_create_options ro = CAIRN_RUN_CREATE_OPTIONS_INIT;
	cairn_buf run = CAIRN_BUF_INIT;
	cairn_model_metric mm[3] = {
		{ NULL, NULL, { "acc", 0.9, 10, 0 }, "test", NULL },
		{ NULL, NULL, { "acc", 0.7, 10, 0 }, NULL, NULL },
		{ NULL, NULL, { "acc", 0.95, 5, 0 }, NULL, NULL },
	};
	cairn_logged_model *m = NULL;

	ro.user = "";
	assert_int_equal(cairn_run_create(&run, f->repo, &ro), 0);
	mm[0].model_id = a;
	mm[1].model_id = b;
	mm[2].model_id = b; /* older: banana's latest acc is 0.7 */
	mm[0].run_id = mm[1].run_id = mm[2].run_id = run.ptr;
	assert_int_equal(cairn_log_model_metrics(f->repo, mm, 3), 0);
	assert_int_equal(cairn_log_model_metrics(f->repo, mm, 1), 0); /* again */
	assert_int_equal(cairn_logged_model_get(&m, f->repo, a), 0);
	assert_int_equal(m->nmetrics, 1);
	assert_string_equal(m->metrics[0].dataset_name, "test");
	assert_string_equal(m->metrics[0].run_id, run.ptr);
	assert_null(m->metrics[0].dataset_digest);
	cairn_logged_model_free(m);
	mm[0].model_id = "m-nope";
	assert_int_equal(cairn_log_model_metrics(f->repo, mm, 1), CAIRN_ENOTFOUND);
	mm[0].model_id = a;
	mm[0].run_id = "nope";
	assert_int_equal(cairn_log_model_metrics(f->repo, mm, 1), CAIRN_ENOTFOUND);
	assert_int_equal(cairn_logged_model_set_tags(f->repo, c, &tag, 1), 0);
	assert_int_equal(cairn_logged_model_finalize(f->repo, b,
						     CAIRN_LOGGED_MODEL_READY), 0);
	assert_int_equal(search(f, NULL, NULL, &n), 0);
	assert_string_equal(n.text, "apple,banana,cherry");
	assert_int_equal(search(f, NULL, &desc, &n), 0);
	assert_string_equal(n.text, "cherry,banana,apple");
	assert_int_equal(search(f, "name LIKE '%an%'", NULL, &n), 0);
	assert_string_equal(n.text, "banana");
	assert_int_equal(search(f, "attributes.name ILIKE 'APP%'", NULL, &n), 0);
	assert_string_equal(n.text, "apple");
	assert_int_equal(search(f, "params.alpha > '0'", NULL, &n), CAIRN_EINVALID);
	assert_int_equal(search(f, "params.alpha != '0.5'", NULL, &n), 0);
	assert_string_equal(n.text, "banana"); /* cherry has no alpha */
	assert_int_equal(search(f, "tags.`team` ILIKE 'vision'", NULL, &n), 0);
	assert_string_equal(n.text, "cherry");
	assert_int_equal(search(f, "status = 'LOGGED_MODEL_PENDING' and "
				"creation_timestamp >= 0", NULL, &n), 0);
	assert_string_equal(n.text, "apple,cherry");
	assert_int_equal(search(f, "last_updated_timestamp < 0", NULL, &n), 0);
	assert_string_equal(n.text, "");
	assert_int_equal(search(f, "name = \"it''s\"", NULL, &n), 0);

	/* Metrics: any point matches; orders take the latest. */
	assert_int_equal(search(f, "metrics.acc > 0.92", NULL, &n), 0);
	assert_string_equal(n.text, "banana");
	assert_int_equal(search(f, "metrics.acc >= 0.7 AND metrics.acc < 0.8", NULL,
				&n), 0);
	assert_string_equal(n.text, "banana");
	desc.field = "metrics.acc";
	assert_int_equal(search(f, NULL, &desc, &n), 0);
	assert_string_equal(n.text, "apple,banana,cherry");
	desc.ascending = 1;
	assert_int_equal(search(f, NULL, &desc, &n), 0);
	assert_string_equal(n.text, "banana,apple,cherry");
	assert_int_equal(search(f, "metrics.acc > 'x'", NULL, &n), CAIRN_EINVALID);
	assert_int_equal(search(f, "metrics.acc LIKE 1", NULL, &n), CAIRN_EINVALID);

	/* Refused, with what is not supported. */
	assert_int_equal(search(f, "name = 'a' OR name = 'b'", NULL, &n),
			 CAIRN_EINVALID);
	assert_int_equal(search(f, "name IN ('a')", NULL, &n), CAIRN_EINVALID);
	assert_int_equal(search(f, "color = 'red'", NULL, &n), CAIRN_EINVALID);
	assert_int_equal(search(f, "name = ", NULL, &n), CAIRN_EINVALID);
	assert_int_equal(search(f, "name = 'a' AND", NULL, &n), CAIRN_EINVALID);
	assert_int_equal(search(f, "name = 'a", NULL, &n), CAIRN_EINVALID);
	assert_int_equal(search(f, "creation_timestamp LIKE 1", NULL, &n),
			 CAIRN_EINVALID);
	assert_int_equal(search(f, "creation_timestamp > 'x'", NULL, &n),
			 CAIRN_EINVALID);
	assert_int_equal(search(f, "status > 'READY'", NULL, &n), CAIRN_EINVALID);
	desc.field = "metrics.";
	assert_int_equal(search(f, NULL, &desc, &n), CAIRN_EINVALID);
	desc.field = "params.alpha";
	assert_int_equal(search(f, NULL, &desc, &n), CAIRN_EINVALID);
	assert_string_equal(cairn_error_last()->message,
			    "Invalid order by field name: params.alpha. Only metrics "
			    "are supported.");
	cairn_buf_dispose(&run);
	free(a);
	free(b);
	free(c);
}

static int collect_path(const cairn_artifact *a, void *payload)
{
	struct names *n = payload;
	size_t len = strlen(n->text);

	snprintf(n->text + len, sizeof(n->text) - len, "%s%s%s", len ? "," : "",
		 a->path, a->is_dir ? "/" : "");
	return 0;
}

static void test_artifacts(void **state)
{
	struct fixture *f = *state;
	char *id = create(f, "m", NULL, 0);
	char *src = NULL, *out = NULL;
	struct names n = { "" };
	cairn_gc_stats gc;
	int fd;
	char back[16] = { 0 };

	fd = fs_mkstemp(&src, f->dir, "src-");
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "weights", 7), 7);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	assert_int_equal(cairn_logged_model_artifact_write_fd(f->repo, id, fd,
							      "model/model.pkl"), 0);
	close(fd);
	assert_int_equal(cairn_logged_model_artifact_write_fd(f->repo, id, 0, ""),
			 CAIRN_EINVALID);
	assert_int_equal(cairn_logged_model_artifact_list(f->repo, id, "", collect_path,
							  &n), 0);
	assert_string_equal(n.text, "model/");
	n.text[0] = '\0';
	assert_int_equal(cairn_logged_model_artifact_list(f->repo, id, "model",
							  collect_path, &n), 0);
	assert_string_equal(n.text, "model/model.pkl");
	assert_int_equal(cairn_logged_model_artifact_list(f->repo, id, "../x",
							  collect_path, &n),
			 CAIRN_EINVALID);

	/* gc keeps a model's files. */
	assert_int_equal(cairn_gc(&gc, f->repo, 0), 0);
	fd = fs_mkstemp(&out, f->dir, "out-");
	assert_true(fd >= 0);
	assert_int_equal(cairn_logged_model_artifact_read(f->repo, id,
							  "model/model.pkl", fd), 0);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	assert_int_equal(read(fd, back, sizeof(back) - 1), 7);
	assert_string_equal(back, "weights");
	assert_int_equal(cairn_logged_model_artifact_read(f->repo, id, "nope", fd),
			 CAIRN_ENOTFOUND);
	close(fd);
	assert_int_equal(cairn_logged_model_artifact_read(f->repo, "m-nope",
							  "model/model.pkl", 1),
			 CAIRN_ENOTFOUND);
	free(src);
	free(out);
	free(id);
}

static void test_run_models(void **state)
{
	struct fixture *f = *state;
	cairn_run_create_options ro = CAIRN_RUN_CREATE_OPTIONS_INIT;
	cairn_buf run = CAIRN_BUF_INIT;
	char *id = create(f, "m", NULL, 0);
	cairn_model_output out[2] = { { NULL, 5 }, { "m-nope", 0 } };
	const char *in[1];
	cairn_run *r = NULL;

	out[0].model_id = id;
	in[0] = id;
	ro.user = "";
	assert_int_equal(cairn_run_create(&run, f->repo, &ro), 0);
	assert_int_equal(cairn_log_model_outputs(f->repo, run.ptr, out, 1), 0);
	assert_int_equal(cairn_log_model_outputs(f->repo, run.ptr, out, 1), 0);
	assert_int_equal(cairn_log_model_outputs(f->repo, run.ptr, out, 2),
			 CAIRN_ENOTFOUND);
	assert_int_equal(cairn_log_model_inputs(f->repo, run.ptr, in, 1), 0);
	assert_int_equal(cairn_log_model_outputs(f->repo, "nope", out, 1),
			 CAIRN_ENOTFOUND);
	assert_int_equal(cairn_run_get(&r, f->repo, run.ptr), 0);
	assert_int_equal(cairn_run_model_output_count(r), 1);
	assert_string_equal(cairn_run_model_output(r, 0)->model_id, id);
	assert_int_equal(cairn_run_model_output(r, 0)->step, 5);
	assert_null(cairn_run_model_output(r, 1));
	assert_int_equal(cairn_run_model_input_count(r), 1);
	assert_string_equal(cairn_run_model_input(r, 0), id);
	cairn_run_free(r);
	assert_int_equal(cairn_run_delete(f->repo, run.ptr), 0);
	assert_int_equal(cairn_log_model_outputs(f->repo, run.ptr, out, 1),
			 CAIRN_EINVALID);
	cairn_buf_dispose(&run);
	free(id);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_lifecycle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_search, setup, teardown),
		cmocka_unit_test_setup_teardown(test_artifacts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_run_models, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
