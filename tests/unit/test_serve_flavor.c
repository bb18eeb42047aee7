/*
 * test_serve_flavor.c: the flavors of `cairn serve` (flavor.h) on real
 * models, trained once in the group set-up by Debian's Python through
 * tests/cli/lib-serve.sh (the fixtures the end-to-end tests use):
 *   - XGBoost in process, JSON and UBJ: predictions equal Python's for
 *     the same rows (NaN as missing included) within 1e-6, also from
 *     several threads at once; the columns; a wrong column count; a
 *     model file that does not load; a model from XGBoost 2; a model file
 *     outside its directory; no model at all; a flavor cairn cannot serve;
 *   - the worker: scikit-learn through joblib (labels equal Python's);
 *     a python_function model whose worker crashes (500), hangs (504) or
 *     raises (400, MLflow's message) and then serves again; a worker
 *     killed while idle is replaced unnoticed; a model that does not
 *     load; an interpreter that does not exist.
 * Every test ends with no child process left.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "serve/flavor.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/spawn.h"

#define NROWS 6

/* Rows to predict; the last has a missing value. */
static const double rows[NROWS][4] = {
	{ 0, 0, 0, 0 }, { 1, 2, -1, 0.5 }, { -1, -1, 1, 1 },
	{ 0.3, 1.5, -2, 2 }, { 2, -0.5, 0.25, -1 }, { 0.3, NAN, 1, 2 },
};
static const char rows_json[] =
	"[[0,0,0,0],[1,2,-1,0.5],[-1,-1,1,1],[0.3,1.5,-2,2],[2,-0.5,0.25,-1],"
	"[0.3,NaN,1,2]]";
/* LogisticRegression takes no missing values: all rows but the last. */
static const char rows_sk_json[] =
	"[[0,0,0,0],[1,2,-1,0.5],[-1,-1,1,1],[0.3,1.5,-2,2],[2,-0.5,0.25,-1]]";

static char tmp[] = "/tmp/cairn-test-flavor.XXXXXX";
static double want_xgb[NROWS], want_sk[NROWS - 1];

static const struct serve_flavor_options opts = {
	.python = "/usr/bin/python3", .timeout_ms = 1500, .threads = 1,
};

static void assert_no_children(void)
{
	int status;

	assert_int_equal(waitpid(-1, &status, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
}

/*
 * Run a shell script with lib-serve.sh sourced, in tmp; its stdout to
 * out (may be NULL). On failure its stderr is printed.
 */
static int sh(struct buf *out, const char *script)
{
	char here[] = __FILE__, lib[4096];
	struct buf s = BUF_INIT, msg = BUF_INIT;
	const char *argv[] = { "sh", "-c", NULL, NULL };
	int status = -1, err;

	snprintf(lib, sizeof(lib), "%s/../cli/lib-serve.sh", dirname(here));
	buf_printf(&s, "cd '%s' && . '%s' && { set -e; %s; } 2>'%s/stderr'",
		   tmp, lib, script, tmp);
	argv[2] = buf_cstr(&s);
	err = spawn_capture(out, &status, argv, NULL, 1 << 20, 120000);
	if (err < 0 || status) {
		buf_reset(&s);
		buf_printf(&s, "%s/stderr", tmp);
		if (fs_read_file(&msg, buf_cstr(&s)) == 0)
			fprintf(stderr, "%s: failed:\n%s\n", script, buf_cstr(&msg));
	}
	buf_release(&s);
	buf_release(&msg);
	return err < 0 ? err : status;
}

static void parse_numbers(double *out, size_t n, const char *text)
{
	json_t *a = json_loads(text, 0, NULL);

	assert_true(json_is_array(a));
	assert_int_equal(json_array_size(a), n);
	for (size_t i = 0; i < n; i++)
		out[i] = json_number_value(json_array_get(a, i));
	json_decref(a);
}

static int group_setup(void **state)
{
	struct buf out = BUF_INIT;
	char script[512];

	(void)state;
	if (!mkdtemp(tmp))
		return -1;
	if (sh(NULL, "serve_train_xgb xgb; serve_train_xgb_ubj ubj; "
	       "serve_train_sklearn sk; serve_broken_model trap trap; "
	       "serve_broken_model noload load") != 0)
		return -1;
	snprintf(script, sizeof(script), "serve_predict_py xgb '%s'", rows_json);
	if (sh(&out, script) != 0) {
		buf_release(&out);
		return -1;
	}
	parse_numbers(want_xgb, NROWS, buf_cstr(&out));
	buf_reset(&out);
	snprintf(script, sizeof(script), "serve_predict_py sk '%s'", rows_sk_json);
	if (sh(&out, script) != 0) {
		buf_release(&out);
		return -1;
	}
	parse_numbers(want_sk, NROWS - 1, buf_cstr(&out));
	buf_release(&out);
	return 0;
}

static int group_teardown(void **state)
{
	const char *argv[] = { "rm", "-rf", tmp, NULL };

	(void)state;
	return spawn_capture(NULL, NULL, argv, NULL, 0, 60000);
}

static char *path(const char *name)
{
	struct buf p = BUF_INIT;

	buf_printf(&p, "%s/%s", tmp, name);
	return buf_detach(&p, NULL);
}

static void batch_of(struct serve_batch *b, size_t first, size_t n)
{
	memset(b, 0, sizeof(*b));
	b->rows = n;
	b->cols = 4;
	b->values = xcalloc(n * 4, sizeof(double));
	memcpy(b->values, rows[first], n * 4 * sizeof(double));
}

static struct serve_model *load_ok(const char *name)
{
	struct serve_model *m = NULL;
	char *dir = path(name);
	int err = serve_model_load(&m, dir, &opts);

	if (err < 0)
		fail_msg("%s: %s", name, cairn_error_last()->message);
	free(dir);
	return m;
}

static void load_fails(const char *name, int code, const char *needle)
{
	struct serve_model *m = NULL;
	char *dir = path(name);
	int err = serve_model_load(&m, dir, &opts);

	assert_null(m);
	if (err != code || !strstr(cairn_error_last()->message, needle))
		fail_msg("%s: %d '%s', want %d '%s'", name, err,
			 err < 0 ? cairn_error_last()->message : "", code, needle);
	free(dir);
}

static void write_file(const char *name, const char *text)
{
	char *p = path(name);

	assert_int_equal(fs_write_atomic(p, text, strlen(text), 0644), 0);
	free(p);
}

static void check_xgb(const char *name)
{
	struct serve_model *m = load_ok(name);
	struct serve_batch b;
	struct serve_predictions p;
	struct serve_error e;
	char *const *names;

	assert_string_equal(serve_model_flavor(m), "xgboost");
	assert_int_equal(serve_model_columns(m, &names), 4);
	assert_non_null(names);
	assert_string_equal(names[0], "f0");
	assert_string_equal(names[3], "f3");
	assert_true(serve_model_memory(m) > 1000);

	batch_of(&b, 0, NROWS);
	assert_int_equal(serve_model_predict(m, &b, &p, &e), 0);
	assert_int_equal(p.rows, NROWS);
	assert_int_equal(p.width, 1);
	assert_null(p.json);
	for (size_t i = 0; i < NROWS; i++)
		if (fabs(p.values[i] - want_xgb[i]) > 1e-6)
			fail_msg("row %zu: %.9f, Python says %.9f", i, p.values[i],
				 want_xgb[i]);
	serve_predictions_release(&p);
	serve_batch_release(&b);

	/* Three columns for a model of four: a client's mistake. */
	batch_of(&b, 0, 1);
	b.cols = 3;
	assert_int_equal(serve_model_predict(m, &b, &p, &e), -1);
	assert_int_equal(e.status, 400);
	assert_string_equal(e.code, "BAD_REQUEST");
	assert_non_null(strstr(e.message, "takes 4 columns"));
	serve_batch_release(&b);
	serve_model_free(m);
}

static void test_xgb_json(void **state)
{
	(void)state;
	check_xgb("xgb");
}

static void test_xgb_ubj(void **state)
{
	(void)state;
	check_xgb("ubj");
}

/* No MLmodel: the model file's name says what it is. */
static void test_xgb_bare(void **state)
{
	struct buf out = BUF_INIT;

	(void)state;
	assert_int_equal(sh(&out, "mkdir bare && cp xgb/model.json bare/"), 0);
	serve_model_free(load_ok("bare"));
	assert_int_equal(sh(&out, "cp ubj/model.ubj bare/"), 0);
	load_fails("bare", CAIRN_EINVALID, "both model.json and model.ubj");
	assert_int_equal(sh(&out, "mkdir empty"), 0);
	load_fails("empty", CAIRN_ENOTFOUND, "no MLmodel file and no model file");
	load_fails("nonexistent", CAIRN_ENOTFOUND, "no such model directory");
	buf_release(&out);
	assert_no_children();
}

struct racer {
	struct serve_model *m;
	size_t row;
	int bad;
};

static void *race(void *arg)
{
	struct racer *r = arg;

	for (int i = 0; i < 300; i++) {
		struct serve_batch b;
		struct serve_predictions p;
		struct serve_error e;

		batch_of(&b, r->row, 1);
		if (serve_model_predict(r->m, &b, &p, &e) < 0 ||
		    fabs(p.values[0] - want_xgb[r->row]) > 1e-6)
			r->bad++;
		serve_predictions_release(&p);
		serve_batch_release(&b);
	}
	return NULL;
}

/* Tree boosters predict from many threads at once, without a lock. */
static void test_xgb_threads(void **state)
{
	struct racer r[NROWS];
	pthread_t t[NROWS];
	struct serve_model *m = load_ok("xgb");

	(void)state;
	for (size_t i = 0; i < NROWS; i++) {
		r[i] = (struct racer){ m, i, 0 };
		assert_int_equal(pthread_create(&t[i], NULL, race, &r[i]), 0);
	}
	for (size_t i = 0; i < NROWS; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(r[i].bad, 0);
	}
	serve_model_free(m);
}

static void test_xgb_refusals(void **state)
{
	struct buf out = BUF_INIT;

	(void)state;
	/* A model file XGBoost cannot read. */
	assert_int_equal(sh(&out, "cp -r xgb garbled && "
			    "echo '{\"learner\": 3' >garbled/model.json"), 0);
	load_fails("garbled", CAIRN_EINVALID, "cannot load the XGBoost model");
	/* Saved by XGBoost 2: refused before libxgboost 1.7 reads it. */
	assert_int_equal(sh(&out, "cp -r xgb newer && sed -i "
			    "'s/xgb_version: .*/xgb_version: 2.0.3/' newer/MLmodel"), 0);
	load_fails("newer", CAIRN_EINVALID, "saved by XGBoost 2.0.3");
	/* Without MLmodel, the version a JSON model records says the same. */
	assert_int_equal(sh(&out, "mkdir newer-bare && sed "
			    "'s/\"version\":\\[1,7,4\\]}$/\"version\":[2,0,3]}/' "
			    "xgb/model.json >newer-bare/model.json && "
			    "grep -q '\"version\":\\[2,0,3\\]}$' newer-bare/model.json"), 0);
	load_fails("newer-bare", CAIRN_EINVALID, "saved by XGBoost 2.0.3");
	/* MLmodel pointing out of the directory. */
	assert_int_equal(sh(&out, "cp -r xgb escape && sed -i "
			    "'s|data: model.json|data: ../xgb/model.json|' "
			    "escape/MLmodel"), 0);
	load_fails("escape", CAIRN_EINVALID, "outside the model directory");
	/* A flavor cairn does not serve. */
	assert_int_equal(sh(&out, "mkdir h2o"), 0);
	write_file("h2o/MLmodel", "flavors:\n  h2o:\n    data: model.h2o\n");
	load_fails("h2o", CAIRN_EINVALID, "flavor 'h2o' (cairn serves xgboost");
	/* An MLmodel that is not YAML. */
	write_file("h2o/MLmodel", "flavors: [\n");
	load_fails("h2o", CAIRN_EINVALID, "invalid YAML");
	buf_release(&out);
	assert_no_children();
}

static void test_sklearn(void **state)
{
	struct serve_model *m = load_ok("sk");
	struct serve_batch b;
	struct serve_predictions p;
	struct serve_error e;
	char *const *names;

	(void)state;
	assert_string_equal(serve_model_flavor(m), "sklearn");
	assert_int_equal(serve_model_columns(m, &names), 4);
	assert_non_null(names);
	assert_string_equal(names[1], "f1");
	assert_true(serve_model_memory(m) > 1000000);

	batch_of(&b, 0, NROWS - 1);
	assert_int_equal(serve_model_predict(m, &b, &p, &e), 0);
	assert_int_equal(p.rows, NROWS - 1);
	assert_int_equal(p.width, 1);
	for (size_t i = 0; i < NROWS - 1; i++)
		assert_true(p.values[i] == want_sk[i]);
	serve_predictions_release(&p);
	serve_batch_release(&b);

	/* The model raises on a missing value: MLflow's 400. */
	batch_of(&b, NROWS - 1, 1);
	assert_int_equal(serve_model_predict(m, &b, &p, &e), -1);
	assert_int_equal(e.status, 400);
	assert_non_null(strstr(e.message, "Encountered an unexpected error "
				"while evaluating the model"));
	assert_non_null(strstr(e.message, "ValueError: Input X contains NaN"));
	assert_true(e.model_fault);
	serve_batch_release(&b);
	serve_model_free(m);
	assert_no_children();
}

/* Predict one row of the trap model: its f0 picks the fault. */
static int trap(struct serve_model *m, double f0, struct serve_error *e,
		double *got)
{
	struct serve_batch b;
	struct serve_predictions p;
	int rc;

	batch_of(&b, 1, 1);
	b.values[0] = f0;
	rc = serve_model_predict(m, &b, &p, e);
	if (!rc) {
		assert_int_equal(p.rows, 1);
		*got = p.values[0];
	}
	serve_predictions_release(&p);
	serve_batch_release(&b);
	return rc;
}

static void test_worker_faults(void **state)
{
	struct serve_model *m = load_ok("trap");
	struct serve_error e;
	char *const *names;
	double got = 0;

	(void)state;
	assert_string_equal(serve_model_flavor(m), "python_function");
	/* The columns come from the MLmodel signature. */
	assert_int_equal(serve_model_columns(m, &names), 4);
	assert_string_equal(names[2], "f2");

	assert_int_equal(trap(m, 10, &e, &got), 0);
	assert_true(got == 10 + 2 - 1 + 0.5);

	/* The worker dies: 500, and the next request has a new one. */
	assert_int_equal(trap(m, -1, &e, &got), -1);
	assert_int_equal(e.status, 500);
	assert_non_null(strstr(e.message, "exited with status 3"));
	assert_int_equal(trap(m, 1, &e, &got), 0);
	assert_true(got == 1 + 2 - 1 + 0.5);

	/* It hangs: 504 after the timeout, then it serves again. */
	assert_int_equal(trap(m, -2, &e, &got), -1);
	assert_int_equal(e.status, 504);
	assert_non_null(strstr(e.message, "did not answer within 1500 ms"));
	assert_int_equal(trap(m, 2, &e, &got), 0);
	assert_true(got == 2 + 2 - 1 + 0.5);

	/* It raises: 400, and the same worker goes on. */
	assert_int_equal(trap(m, -3, &e, &got), -1);
	assert_int_equal(e.status, 400);
	assert_non_null(strstr(e.message, "Error: ValueError: this model is "
				"broken on purpose"));
	assert_true(e.model_fault);
	assert_int_equal(trap(m, 3, &e, &got), 0);
	serve_model_free(m);
	assert_no_children();
}

struct hanger {
	struct serve_model *m;
	int rc, status;
	long long ms;         /* how long its request took */
};

static long long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void *hang_once(void *arg)
{
	struct hanger *h = arg;
	struct serve_error e;
	long long start = mono_ms();
	double got;

	h->rc = trap(h->m, -2, &e, &got);
	h->status = h->rc ? e.status : 200;
	h->ms = mono_ms() - start;
	return NULL;
}

/*
 * Two requests at once to a worker that hangs, with a 1 s timeout: the
 * one queued behind the other counts its wait against its timeout, so
 * both are 504s after about a second, not one after 1 s and the other
 * after 2 s (the queued one used to wait out the first one's timeout,
 * then restart the worker and wait out its own).
 */
static void test_worker_queue_timeout(void **state)
{
	struct serve_flavor_options o = opts;
	struct serve_model *m = NULL;
	struct hanger h[2];
	pthread_t t[2];
	char *dir = path("trap");

	(void)state;
	o.timeout_ms = 1000;
	if (serve_model_load(&m, dir, &o) < 0)
		fail_msg("trap: %s", cairn_error_last()->message);
	free(dir);
	for (int i = 0; i < 2; i++) {
		h[i] = (struct hanger){ m, 0, 0, 0 };
		assert_int_equal(pthread_create(&t[i], NULL, hang_once, &h[i]), 0);
	}
	for (int i = 0; i < 2; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(h[i].rc, -1);
		assert_int_equal(h[i].status, 504);
		/* 1 s, plus at most a worker's start for the queued one. */
		if (h[i].ms > 1900)
			fail_msg("request %d took %lld ms", i, h[i].ms);
	}
	serve_model_free(m);
	assert_no_children();
}

/* The pid of this process's only child, read from /proc. */
static pid_t only_child(void)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	pid_t found = 0;
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d))) {
		char p[300], line[512], *close;
		int ppid;
		FILE *f;

		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(p, sizeof(p), "/proc/%s/stat", de->d_name);
		if (!(f = fopen(p, "r")))
			continue;
		if (fgets(line, sizeof(line), f) && (close = strrchr(line, ')')) &&
		    sscanf(close + 1, " %*c %d", &ppid) == 1 && ppid == getpid()) {
			found = (pid_t)atoi(de->d_name);
			n++;
		}
		fclose(f);
	}
	closedir(d);
	assert_int_equal(n, 1);
	return found;
}

/* The state letter of a process ('R', 'S', 'Z', ...), or 0. */
static char process_state(pid_t pid)
{
	char p[64], line[512], *close, st = 0;
	FILE *f;

	snprintf(p, sizeof(p), "/proc/%d/stat", (int)pid);
	if (!(f = fopen(p, "r")))
		return 0;
	if (fgets(line, sizeof(line), f) && (close = strrchr(line, ')')))
		sscanf(close + 1, " %c", &st);
	fclose(f);
	return st;
}

/* A worker killed between requests is replaced without a failure. */
static void test_worker_killed_idle(void **state)
{
	struct serve_model *m = load_ok("trap");
	struct serve_error e;
	double got = 0;
	pid_t pid;

	(void)state;
	assert_int_equal(trap(m, 4, &e, &got), 0);
	pid = only_child();
	assert_int_equal(kill(pid, SIGKILL), 0);
	/* Until it is a zombie (dead, its socket closed, not yet reaped). */
	for (int i = 0; i < 500 && process_state(pid) != 'Z'; i++)
		usleep(10000);
	assert_int_equal(process_state(pid), 'Z');
	assert_int_equal(trap(m, 5, &e, &got), 0);
	assert_true(got == 5 + 2 - 1 + 0.5);
	serve_model_free(m);
	assert_no_children();
}

static void test_worker_load_failures(void **state)
{
	struct serve_flavor_options o = opts;
	struct serve_model *m = NULL;
	char *dir = path("sk");

	(void)state;
	load_fails("noload", CAIRN_EINVALID, "the model does not load: "
		   "RuntimeError: this model does not load, on purpose");
	o.python = "/nonexistent/python3";
	assert_int_equal(serve_model_load(&m, dir, &o), CAIRN_ENOTFOUND);
	assert_non_null(strstr(cairn_error_last()->message, "command not found"));
	/* Not a Python at all: it ends before it is ready. */
	o.python = "/bin/true";
	assert_true(serve_model_load(&m, dir, &o) < 0);
	assert_non_null(strstr(cairn_error_last()->message, "before it was ready"));
	assert_null(m);
	free(dir);
	assert_no_children();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_xgb_json),
		cmocka_unit_test(test_xgb_ubj),
		cmocka_unit_test(test_xgb_bare),
		cmocka_unit_test(test_xgb_threads),
		cmocka_unit_test(test_xgb_refusals),
		cmocka_unit_test(test_sklearn),
		cmocka_unit_test(test_worker_faults),
		cmocka_unit_test(test_worker_queue_timeout),
		cmocka_unit_test(test_worker_killed_idle),
		cmocka_unit_test(test_worker_load_failures),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
