/*
 * test_promotion.c: the gates of controlled promotion through the public
 * API (cairn.h) and the policy parser: policies accepted in canonical
 * form and refused naming the line; on a real project: gates that fail
 * for a version without a source run, named, with neither the alias nor
 * the audit log changed; policies set, read and removed; the approval
 * rules (the requester cannot vote, one vote per person, N approvers, an
 * approved request used up by the promotion it allows).
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
#include <unistd.h>

#include "cairn.h"
#include "lib/policy.h"
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
	char tmpl[] = "/tmp/cairn-test-promotion-XXXXXX";
	int i;

	assert_non_null(getcwd(f->saved_cwd, sizeof(f->saved_cwd)));
	assert_non_null(mkdtemp(tmpl));
	f->dir = realpath(tmpl, NULL);
	assert_int_equal(cairn_repo_init(&f->repo, f->dir, NULL), 0);
	assert_int_equal(chdir(f->dir), 0);
	assert_int_equal(cairn_model_create(f->repo, "m", NULL, NULL, 0), 0);
	for (i = 1; i <= 5; i++) {
		cairn_model_register_options o = CAIRN_MODEL_REGISTER_OPTIONS_INIT;
		char dir[16], file[32], body[32];

		snprintf(dir, sizeof(dir), "v%d", i);
		snprintf(file, sizeof(file), "v%d/w.bin", i);
		snprintf(body, sizeof(body), "weights %d", i);
		assert_int_equal(fs_mkdirs(dir, 0755), 0);
		assert_int_equal(fs_write_atomic(file, body, strlen(body), 0644), 0);
		o.from_dir = dir;
		assert_int_equal(cairn_model_register(NULL, f->repo, "m", &o), 0);
	}
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

/* -------------------------------------------------------------- policy */

static void test_policy_parse(void **state)
{
	static const char text[] = " metrics.accuracy>=0.90 ;metrics.auc >= current\n"
				   "\tinput-context evaluation\r\napprovals 2\n\n"
				   "metrics.loss < 1e-3; metrics.x != -0.5";
	struct policy p;
	struct buf b = BUF_INIT;

	(void)state;
	assert_int_equal(policy_parse(&p, text, strlen(text)), 0);
	assert_int_equal(p.n, 6);
	assert_int_equal(p.approvals, 2);
	policy_format(&b, &p);
	assert_string_equal(b.ptr, "metrics.accuracy >= 0.9\nmetrics.auc >= current\n"
			    "input-context evaluation\napprovals 2\n"
			    "metrics.loss < 0.001\nmetrics.x != -0.5\n");
	assert_true(policy_compare(0.9, p.gates[0].op, 0.9));
	assert_false(policy_compare(0.899, p.gates[0].op, 0.9));
	policy_release(&p);
	buf_release(&b);
}

static void expect_refused(const char *text, const char *needle)
{
	struct policy p;

	assert_int_equal(policy_parse(&p, text, strlen(text)), CAIRN_EINVALID);
	if (!strstr(cairn_error_last()->message, needle))
		fail_msg("'%s': message '%s' lacks '%s'", text,
			 cairn_error_last()->message, needle);
}

static void test_policy_refused(void **state)
{
	(void)state;
	expect_refused("", "empty policy");
	expect_refused(" ; \n", "empty policy");
	expect_refused("metrics.a >>= 1", "line 1");
	expect_refused("metrics.a = 1", "expected a comparison");
	expect_refused("approvals 1\nmetrics.a >= inf", "line 2");
	expect_refused("metrics.a >= 0x10", "finite decimal");
	expect_refused("metrics.a >= 1 2", "finite decimal");
	expect_refused("metrics. >= 1", "names a key");
	expect_refused("metrics.a >= currently", "finite decimal");
	expect_refused("approvals 0", "from 1 to 32");
	expect_refused("approvals 33", "from 1 to 32");
	expect_refused("approvals two", "from 1 to 32");
	expect_refused("approvals 1; approvals 2", "given once");
	expect_refused("input-context", "unknown gate");
	expect_refused("input-context a b", "a context is");
	expect_refused("params.lr == 1", "unknown gate");
	expect_refused("metrics.a\x01 >= 1", "control characters");
	{
		struct policy p;

		assert_int_equal(policy_parse(&p, "approvals 1\0x", 13), CAIRN_EINVALID);
	}
}

/* ------------------------------------------------------------- gates */

static uint64_t holder(cairn_repo *repo, const char *alias)
{
	cairn_model_version *v = NULL;
	char uri[64];
	uint64_t n;

	snprintf(uri, sizeof(uri), "models:/m@%s", alias);
	if (cairn_model_resolve(&v, repo, uri) < 0)
		return 0;
	n = v->version;
	cairn_model_version_free(v);
	return n;
}

static int count_events(const cairn_audit_event *e, void *payload)
{
	(void)e;
	(*(int *)payload)++;
	return 0;
}

static void test_gates_without_a_run(void **state)
{
	struct fixture *f = *state;
	cairn_model_promote_options o = CAIRN_MODEL_PROMOTE_OPTIONS_INIT;
	int before = 0, after = 0;

	o.reason = "r";
	assert_int_equal(cairn_model_promote(f->repo, "m", 1, "prod", &o), 0);
	assert_int_equal(cairn_model_policy_set(f->repo, "m", "prod",
						"metrics.acc >= 0.9\n"
						"metrics.auc >= current\n"
						"input-context evaluation", NULL), 0);
	assert_int_equal(cairn_audit_log(f->repo, NULL, count_events, &before), 0);
	/* Versions registered from a directory have no source run. */
	assert_int_equal(cairn_model_promote(f->repo, "m", 2, "prod", &o),
			 CAIRN_EINVALID);
	assert_non_null(strstr(cairn_error_last()->message,
			       "gate 'metrics.acc >= 0.9' failed: version 2 has no "
			       "source run"));
	assert_non_null(strstr(cairn_error_last()->message,
			       "gate 'input-context evaluation' failed"));
	/* The current holder has no run either: nothing to be worse than. */
	assert_null(strstr(cairn_error_last()->message, "auc"));
	/* A plain alias set passes the same gates. */
	assert_int_equal(cairn_model_alias_set(f->repo, "m", "prod", 2),
			 CAIRN_EINVALID);
	assert_non_null(strstr(cairn_error_last()->message, "gate 'metrics.acc"));
	assert_int_equal(holder(f->repo, "prod"), 1);
	assert_int_equal(cairn_audit_log(f->repo, NULL, count_events, &after), 0);
	assert_int_equal(after, before);
	/* Another alias has no policy. */
	assert_int_equal(cairn_model_promote(f->repo, "m", 2, "other", &o), 0);
	assert_int_equal(cairn_model_policy_unset(f->repo, "m", "prod", NULL), 0);
	assert_int_equal(cairn_model_promote(f->repo, "m", 2, "prod", &o), 0);
	assert_int_equal(cairn_model_policy_set(f->repo, "m", "bad alias",
						"approvals 1", NULL), CAIRN_EINVALID);
	assert_int_equal(cairn_model_policy_set(f->repo, "nope", "prod",
						"approvals 1", NULL), CAIRN_ENOTFOUND);
}

/* ------------------------------------------------------ policies, votes */

static void test_policies_and_approvals(void **state)
{
	struct fixture *f = *state;
	cairn_model_promote_options o = CAIRN_MODEL_PROMOTE_OPTIONS_INIT;
	cairn_promotion_request *r = NULL;
	cairn_buf text = CAIRN_BUF_INIT;
	int64_t id = 0;

	assert_int_equal(cairn_model_policy_set(f->repo, "m", "p", "approvals 2 ",
						"why"), 0);
	assert_int_equal(cairn_model_policy_set(f->repo, "m", "p", "approvals x",
						"why"), CAIRN_EINVALID);
	assert_int_equal(cairn_model_policy_get(&text, f->repo, "m", "p"), 1);
	assert_string_equal(text.ptr, "approvals 2\n");
	cairn_buf_dispose(&text);
	assert_int_equal(cairn_model_policy_get(&text, f->repo, "m", "q"), 0);

	assert_int_equal(cairn_repo_set_actor(f->repo, "alice"), 0);
	assert_int_equal(cairn_promotion_request_create(&id, f->repo, "m", 3, "p",
							"go"), 0);
	o.reason = "r";
	assert_int_equal(cairn_model_promote(f->repo, "m", 3, "p", &o),
			 CAIRN_EINVALID);
	assert_non_null(strstr(cairn_error_last()->message, "gate 'approvals 2' failed"));
	assert_int_equal(cairn_promotion_request_decide(&r, f->repo, id, 1, NULL),
			 CAIRN_ECONFLICT);
	assert_int_equal(cairn_repo_set_actor(f->repo, "bob"), 0);
	assert_int_equal(cairn_promotion_request_decide(&r, f->repo, id, 1, NULL), 0);
	assert_string_equal(r->status, "pending");
	assert_int_equal(r->approvals, 1);
	assert_int_equal(r->required, 2);
	cairn_promotion_request_free(r);
	assert_int_equal(cairn_promotion_request_decide(&r, f->repo, id, 1, NULL),
			 CAIRN_ECONFLICT);
	assert_int_equal(cairn_repo_set_actor(f->repo, "carol"), 0);
	assert_int_equal(cairn_promotion_request_decide(&r, f->repo, id, 1, "ok"), 0);
	assert_string_equal(r->status, "approved");
	cairn_promotion_request_free(r);
	/* Another version is not covered by that approval. */
	assert_int_equal(cairn_model_promote(f->repo, "m", 4, "p", &o),
			 CAIRN_EINVALID);
	assert_int_equal(cairn_model_promote(f->repo, "m", 3, "p", &o), 0);
	/* Used up: promoting again needs a new request. */
	assert_int_equal(cairn_model_alias_delete(f->repo, "m", "p"), 0);
	assert_int_equal(cairn_model_promote(f->repo, "m", 3, "p", &o),
			 CAIRN_EINVALID);
	assert_int_equal(cairn_model_policy_unset(f->repo, "m", "p", NULL), 0);
	assert_int_equal(cairn_model_policy_unset(f->repo, "m", "p", NULL),
			 CAIRN_ENOTFOUND);
	assert_int_equal(cairn_model_promote(f->repo, "m", 3, "p", &o), 0);
	assert_int_equal(cairn_promotion_request_decide(&r, f->repo, 77, 1, NULL),
			 CAIRN_ENOTFOUND);
	assert_int_equal(cairn_promotion_request_decide(&r, f->repo, id, 0, NULL),
			 CAIRN_EINVALID);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_policy_parse),
		cmocka_unit_test(test_policy_refused),
		T(test_gates_without_a_run),
		T(test_policies_and_approvals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
