/*
 * test_run_datasets.c: MLflow dataset records (run_datasets.c and
 * db_sqlite_datasets.c) through the public API, on a fresh project per
 * test: validation limits, the first record of a dataset winning, logging
 * an input again changing nothing, records per experiment, refused
 * deleted runs, runs showing their records, and dataset summaries.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cairn.h"
#include "util/fs.h"

struct fixture {
	char dir[64];
	cairn_repo *repo;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/cairn-test-datasets-XXXXXX");
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

static char *new_run(struct fixture *f, const char *experiment)
{
	cairn_run_create_options o = CAIRN_RUN_CREATE_OPTIONS_INIT;
	cairn_buf id = CAIRN_BUF_INIT;
	char *out;

	o.experiment = experiment;
	o.user = "";
	assert_int_equal(cairn_run_create(&id, f->repo, &o), 0);
	out = strdup(id.ptr);
	cairn_buf_dispose(&id);
	return out;
}

static cairn_dataset_input input(const char *name, const char *digest,
				 const char *source, const cairn_kv *tags,
				 size_t ntags)
{
	cairn_dataset_input in = { { name, digest, "http", source, NULL, NULL },
				   tags, ntags };
	return in;
}

static void test_validate(void **state)
{
	char big[600];
	cairn_kv tag = { "k", big };
	cairn_dataset_input in = input("d", "1", "{}", NULL, 0);

	(void)state;
	assert_int_equal(cairn_dataset_input_validate(&in), 0);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	in.dataset.name = big;
	assert_int_equal(cairn_dataset_input_validate(&in), CAIRN_EINVALID);
	assert_string_equal(cairn_error_last()->message,
			    "Dataset name exceeds the maximum length of 500");
	in.dataset.name = "d";
	in.dataset.digest = "0123456789012345678901234567890123456";
	assert_int_equal(cairn_dataset_input_validate(&in), CAIRN_EINVALID);
	in.dataset.digest = "";
	assert_int_equal(cairn_dataset_input_validate(&in), CAIRN_EINVALID);
	assert_string_equal(cairn_error_last()->message,
			    "Dataset digest cannot be None");
	in.dataset.digest = "1";
	in.dataset.source_type = NULL;
	assert_int_equal(cairn_dataset_input_validate(&in), CAIRN_EINVALID);
	in.dataset.source_type = "http";
	in.tags = &tag;
	in.ntags = 1;
	assert_int_equal(cairn_dataset_input_validate(&in), CAIRN_EINVALID);
	assert_string_equal(cairn_error_last()->message,
			    "InputTag value exceeds the maximum length of 500");
	big[500] = '\0';
	assert_int_equal(cairn_dataset_input_validate(&in), 0);
}

static void test_log_and_read(void **state)
{
	struct fixture *f = *state;
	cairn_kv train = { "mlflow.data.context", "training" };
	cairn_kv eval = { "mlflow.data.context", "eval" };
	cairn_dataset_input in[3] = {
		input("wine", "ab12", "{\"url\": \"a\"}", &train, 1),
		input("wine", "ab12", "{\"url\": \"other\"}", NULL, 0),
		input("wine-test", "cd34", "{}", &eval, 1),
	};
	char *run = new_run(f, NULL), *run2 = new_run(f, NULL);
	const cairn_dataset_input *got;
	cairn_run *r = NULL;

	in[2].dataset.schema = "{\"cols\": []}";
	assert_int_equal(cairn_log_dataset_inputs(f->repo, run, in, 3), 0);
	/* Again, with other tags: nothing changes. */
	in[0].tags = &eval;
	assert_int_equal(cairn_log_dataset_inputs(f->repo, run, in, 1), 0);
	assert_int_equal(cairn_run_get(&r, f->repo, run), 0);
	assert_int_equal(cairn_run_dataset_input_count(r), 2);
	got = cairn_run_dataset_input(r, 0);
	assert_string_equal(got->dataset.name, "wine");
	assert_string_equal(got->dataset.source, "{\"url\": \"a\"}");
	assert_null(got->dataset.schema);
	assert_int_equal(got->ntags, 1);
	assert_string_equal(got->tags[0].value, "training");
	got = cairn_run_dataset_input(r, 1);
	assert_string_equal(got->dataset.schema, "{\"cols\": []}");
	assert_null(cairn_run_dataset_input(r, 2));
	cairn_run_free(r);

	/* Another run of the experiment links to the first record. */
	in[1].tags = NULL;
	assert_int_equal(cairn_log_dataset_inputs(f->repo, run2, &in[1], 1), 0);
	assert_int_equal(cairn_run_get(&r, f->repo, run2), 0);
	assert_int_equal(cairn_run_dataset_input_count(r), 1);
	assert_string_equal(cairn_run_dataset_input(r, 0)->dataset.source,
			    "{\"url\": \"a\"}");
	assert_int_equal(cairn_run_dataset_input(r, 0)->ntags, 0);
	cairn_run_free(r);

	/* A bad input refuses the whole call. */
	in[1].dataset.digest = "";
	assert_int_equal(cairn_log_dataset_inputs(f->repo, run2, &in[1], 1),
			 CAIRN_EINVALID);
	assert_int_equal(cairn_log_dataset_inputs(f->repo, "nope", in, 1),
			 CAIRN_ENOTFOUND);
	assert_int_equal(cairn_run_delete(f->repo, run2), 0);
	in[1].dataset.digest = "ab12";
	assert_int_equal(cairn_log_dataset_inputs(f->repo, run2, in, 1),
			 CAIRN_EINVALID);
	free(run);
	free(run2);
}

struct summaries {
	char text[512];
};

static int add_summary(const cairn_dataset_summary *s, void *payload)
{
	struct summaries *out = payload;
	size_t n = strlen(out->text);

	snprintf(out->text + n, sizeof(out->text) - n, "%s/%s/%s/%s;",
		 s->experiment_id, s->name, s->digest,
		 s->context ? s->context : "-");
	return 0;
}

static void test_summaries(void **state)
{
	struct fixture *f = *state;
	cairn_kv train = { "mlflow.data.context", "training" };
	cairn_dataset_input a = input("b", "2", "{}", &train, 1);
	cairn_dataset_input b = input("a", "1", "{}", NULL, 0);
	cairn_buf exp = CAIRN_BUF_INIT;
	const char *ids[3] = { "0", NULL, "x" };
	struct summaries s = { "" };
	char *run, *run2, want[128];

	assert_int_equal(cairn_experiment_create(&exp, f->repo, "other"), 0);
	ids[1] = exp.ptr;
	run = new_run(f, NULL);
	run2 = new_run(f, exp.ptr);
	assert_int_equal(cairn_log_dataset_inputs(f->repo, run, &a, 1), 0);
	assert_int_equal(cairn_log_dataset_inputs(f->repo, run, &b, 1), 0);
	a.tags = NULL;
	a.ntags = 0;
	assert_int_equal(cairn_log_dataset_inputs(f->repo, run2, &a, 1), 0);
	assert_int_equal(cairn_dataset_summaries(f->repo, ids, 3, 0, add_summary, &s), 0);
	snprintf(want, sizeof(want), "0/a/1/-;0/b/2/training;%s/b/2/-;", exp.ptr);
	assert_string_equal(s.text, want);
	s.text[0] = '\0';
	assert_int_equal(cairn_dataset_summaries(f->repo, ids, 1, 1, add_summary, &s), 0);
	assert_string_equal(s.text, "0/a/1/-;");
	s.text[0] = '\0';
	assert_int_equal(cairn_dataset_summaries(f->repo, ids + 2, 1, 0, add_summary,
						 &s), 0);
	assert_string_equal(s.text, "");
	cairn_buf_dispose(&exp);
	free(run);
	free(run2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_validate),
		cmocka_unit_test_setup_teardown(test_log_and_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_summaries, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
