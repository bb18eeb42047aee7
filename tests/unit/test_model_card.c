/*
 * test_model_card.c: cairn_model_card() through the public API, on a real
 * project: the facts of the source run (params, latest metrics, code
 * commit and dirty state, environment tags) and of its data set inputs
 * (evaluation apart from training) land in their sections; params that
 * hold '|' or a newline cannot break a table; card.* tags fill sections,
 * a version's over its model's, an empty one counting as unset; a
 * version without a run says "unknown"; an unknown version is
 * CAIRN_ENOTFOUND and writes nothing.
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

#include "cairn.h"
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
	char tmpl[] = "/tmp/cairn-test-card-XXXXXX";

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

/* Register model m version 1 from a run with params, metrics and inputs. */
static void trained_model(cairn_repo *r)
{
	cairn_run_create_options ro = CAIRN_RUN_CREATE_OPTIONS_INIT;
	cairn_model_register_options mo = CAIRN_MODEL_REGISTER_OPTIONS_INIT;
	cairn_metric m[] = { { "acc", 0.5, 0, 0 }, { "acc", 0.875, 0, 2 } };
	cairn_buf id = CAIRN_BUF_INIT;
	cairn_model_version *v;

	put("train.csv", "x,y\n1,2\n3,4\n");
	put("eval.csv", "x,y\n5,6\n");
	put("model/w.bin", "weights");
	assert_int_equal(cairn_data_add(r, "train.csv", NULL, NULL, NULL), 0);
	assert_int_equal(cairn_data_add(r, "eval.csv", NULL, NULL, NULL), 0);
	ro.name = "trainer";
	assert_int_equal(cairn_run_create(&id, r, &ro), 0);
	assert_int_equal(cairn_log_param(r, id.ptr, "sep", "a|b\nc"), 0);
	assert_int_equal(cairn_log_metrics(r, id.ptr, m, 2), 0);
	assert_int_equal(cairn_set_tag(r, id.ptr, "mlflow.source.git.commit",
				       "0123456789abcdef0123456789abcdef01234567"), 0);
	assert_int_equal(cairn_set_tag(r, id.ptr, "cairn.git.dirty", "false"), 0);
	assert_int_equal(cairn_set_tag(r, id.ptr, "cairn.env.os", "Debian 12"), 0);
	assert_int_equal(cairn_log_input(r, id.ptr, "train.csv", "training"), 0);
	assert_int_equal(cairn_log_input(r, id.ptr, "eval.csv", "evaluation"), 0);
	assert_int_equal(cairn_log_artifact(r, id.ptr, "model", NULL), 0);
	assert_int_equal(cairn_model_create(r, "m", "the model", NULL, 0), 0);
	mo.run = id.ptr;
	mo.path = "model";
	assert_int_equal(cairn_model_register(&v, r, "m", &mo), 0);
	assert_int_equal(v->version, 1);
	cairn_model_version_free(v);
	cairn_buf_dispose(&id);
}

/* The text of section "## title" of a card (up to the next "## "). */
static char *section(const char *card, const char *title)
{
	struct buf h = BUF_INIT;
	const char *s, *e;
	char *out;

	buf_printf(&h, "\n## %s\n", title);
	s = strstr(card, h.ptr);
	assert_non_null(s);
	s += h.len;
	e = strstr(s, "\n## ");
	out = strndup(s, e ? (size_t)(e - s) + 1 : strlen(s));
	buf_release(&h);
	return out;
}

static void assert_section_has(const char *card, const char *title,
			       const char *text)
{
	char *s = section(card, title);

	if (!strstr(s, text))
		fail_msg("section %s lacks \"%s\":\n%s", title, text, s);
	free(s);
}

static void assert_section_lacks(const char *card, const char *title,
				 const char *text)
{
	char *s = section(card, title);

	if (strstr(s, text))
		fail_msg("section %s has \"%s\":\n%s", title, text, s);
	free(s);
}

static void test_facts(void **state)
{
	struct fixture *f = *state;
	cairn_buf c = CAIRN_BUF_INIT;

	trained_model(f->repo);
	assert_int_equal(cairn_model_card(&c, f->repo, "m", 1), 0);
	assert_int_equal(strlen(c.ptr), c.size);
	assert_section_has(c.ptr, "Model details", "\n- Description: the model\n");
	assert_section_has(c.ptr, "Model details", "\n- Source run: ");
	assert_section_has(c.ptr, "Model details", " (trainer, experiment 0)\n");
	assert_section_has(c.ptr, "Model details",
			   "\n- Code: git commit 0123456789abcdef0123456789abcdef01234567, "
			   "uncommitted changes: no\n");
	assert_section_has(c.ptr, "Model details", "\n  - os: Debian 12\n");
	/* A param with '|' and a newline stays one row of two cells. */
	assert_section_has(c.ptr, "Model details", "\n| sep | a\\|b c |\n");
	/* The latest value of a metric, with its step. */
	assert_section_has(c.ptr, "Quantitative analyses", "\n| acc | 0.875 | 2 |\n");
	assert_section_lacks(c.ptr, "Quantitative analyses", "0.5");
	assert_section_has(c.ptr, "Evaluation data", "| eval.csv | 1 | evaluation |");
	assert_section_lacks(c.ptr, "Evaluation data", "train.csv");
	assert_section_has(c.ptr, "Training data", "| train.csv | 1 | training |");
	assert_section_has(c.ptr, "Training data", " | 12 | 1 | 2 |\n");
	assert_section_lacks(c.ptr, "Training data", "eval.csv");
	/* A clean tree is no caveat; nobody wrote one either. */
	assert_section_has(c.ptr, "Caveats and recommendations", "\nunknown\n");
	assert_section_has(c.ptr, "Intended use", "\nunknown\n");
	cairn_buf_dispose(&c);
}

static void test_tags(void **state)
{
	struct fixture *f = *state;
	cairn_buf c = CAIRN_BUF_INIT;

	trained_model(f->repo);
	assert_int_equal(cairn_model_set_tag(f->repo, "m", "card.factors", "model's"), 0);
	assert_int_equal(cairn_model_set_tag(f->repo, "m", "card.intended_use",
					     "Scoring.\n"), 0);
	assert_int_equal(cairn_model_set_tag(f->repo, "m", "card.ethical_considerations",
					     "model ethics"), 0);
	assert_int_equal(cairn_model_version_set_tag(f->repo, "m", 1, "card.factors",
						     "version's"), 0);
	assert_int_equal(cairn_model_version_set_tag(f->repo, "m", 1,
						     "card.ethical_considerations", ""), 0);
	assert_int_equal(cairn_model_version_set_tag(f->repo, "m", 1,
						     "card.training_data", "Customers, 2025."),
			 0);
	assert_int_equal(cairn_model_version_set_tag(f->repo, "m", 1, "card.bogus", "x"), 0);
	assert_int_equal(cairn_model_card(&c, f->repo, "m", 1), 0);
	assert_section_has(c.ptr, "Factors", "\nversion's\n");
	assert_section_lacks(c.ptr, "Factors", "model's");
	assert_section_lacks(c.ptr, "Factors", "unknown");
	assert_section_has(c.ptr, "Intended use", "\nScoring.\n");
	/* An empty tag on the version does not hide the model's. */
	assert_section_has(c.ptr, "Ethical considerations", "\nmodel ethics\n");
	/* Tag text comes first, then cairn's facts after a blank line. */
	assert_section_has(c.ptr, "Training data", "\nCustomers, 2025.\n\n| Data set |");
	assert_null(strstr(c.ptr, "bogus"));
	cairn_buf_dispose(&c);
}

static void test_unknown(void **state)
{
	struct fixture *f = *state;
	cairn_model_register_options mo = CAIRN_MODEL_REGISTER_OPTIONS_INIT;
	cairn_buf c = CAIRN_BUF_INIT;
	cairn_model_version *v;

	put("dir/w.bin", "w");
	assert_int_equal(cairn_model_create(f->repo, "d", NULL, NULL, 0), 0);
	mo.from_dir = "dir";
	assert_int_equal(cairn_model_register(&v, f->repo, "d", &mo), 0);
	cairn_model_version_free(v);
	assert_int_equal(cairn_model_card(&c, f->repo, "d", 2), CAIRN_ENOTFOUND);
	assert_null(c.ptr);
	assert_int_equal(cairn_model_card(&c, f->repo, "nope", 1), CAIRN_ENOTFOUND);
	assert_null(c.ptr);
	assert_int_equal(cairn_model_card(&c, f->repo, "d", 1), 0);
	assert_section_has(c.ptr, "Model details", "\n- Description: unknown\n");
	assert_section_has(c.ptr, "Model details", "\n- Source run: unknown\n");
	assert_section_has(c.ptr, "Model details", "\n- Flavors: unknown\n");
	assert_section_has(c.ptr, "Model details", "\n### Parameters\n\nunknown\n");
	assert_section_has(c.ptr, "Metrics", "\nunknown\n");
	assert_section_has(c.ptr, "Evaluation data", "\nunknown\n");
	assert_section_has(c.ptr, "Training data", "\nunknown\n");
	assert_section_has(c.ptr, "Quantitative analyses", "\nunknown\n");
	cairn_buf_dispose(&c);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_facts),
		T(test_tags),
		T(test_unknown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
