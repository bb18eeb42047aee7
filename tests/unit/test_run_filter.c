/*
 * test_run_filter.c: MLflow run-search filters and order_by (run_filter.h)
 * compiled and run against a real tracking database.
 *
 * The database is created by db_open() on a temporary file (so the
 * schema is migration 2 itself); five runs with params, tags, latest
 * metrics (one NaN) and data set inputs are then inserted with raw
 * SQLite, on a connection with PRAGMA case_sensitive_like = ON as cairn's
 * own. Each case compiles a filter and order_by, runs
 *
 *	SELECT r.name FROM runs r WHERE <where> ORDER BY <order>
 *
 * and compares the names that come back, in order. The fixture:
 *
 *	run      exp start end   user  status    params           tags
 *	alpha    0   1000  2000  alice FINISHED  lr=0.01 opt=adam team=ml
 *	beta     0   2000  -     bob   RUNNING   lr=0.1 opt=Adam  team=ML
 *	Gamma    1   3000  4000  alice FAILED    opt=sgd          team=vision
 *	                                         "batch size"=32  note=it's
 *	delta    0   2000  5000  carol KILLED
 *	epsilon  1   500   600   dave  FINISHED  (run id all digits)
 *
 *	metrics  loss: alpha 0.5, beta 0.25, Gamma NaN
 *	         acc: alpha 0.9, beta 0.8, Gamma 0.9, delta 0.7
 *	         "val loss": alpha 0.7
 *	inputs   alpha: train (sha256:1111, training), test (sha256:2222, eval)
 *	         beta: train (sha256:3333, no context)
 *	         delta: Data (sha256:4444, training)
 *
 * With no order_by the order is start time, newest first, then run id:
 * Gamma, beta, delta, alpha, epsilon.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "lib/db.h"
#include "lib/run_filter.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/fs.h"

#define ID_ALPHA "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1"
#define ID_BETA "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb2"
#define ID_GAMMA "ccccccccccccccccccccccccccccccc3"
#define ID_DELTA "ddddddddddddddddddddddddddddddd4"
#define ID_EPSILON "12345678901234567890123456789012"
#define ALL "Gamma,beta,delta,alpha,epsilon"

#define SEARCH_KEYS                                                          \
	"{'run_id', 'run_name', 'user_id', 'status', 'start_time', "         \
	"'end_time', 'artifact_uri', 'created', 'Created', 'run name', "     \
	"'Run name', 'Run Name'}"
#define ORDER_KEYS                                                           \
	"{'run_id', 'run_name', 'user_id', 'status', 'start_time', "         \
	"'end_time', 'artifact_uri', 'created', 'Created'}"
#define NUMERIC_OPS "{'=', '>', '<', '!=', '>=', '<='}"
#define STRING_OPS "{'=', '!=', 'LIKE', 'ILIKE'}"
#define LIST_OPS "{'=', '!=', 'LIKE', 'ILIKE', 'IN', 'NOT IN'}"

static const char fixture_sql[] =
	"PRAGMA case_sensitive_like = ON;"
	"INSERT INTO experiments(id, name, creation_time, last_update_time)"
	"  VALUES (1, 'exp1', 0, 0);"
	"INSERT INTO runs(id, run_uuid, experiment_id, name, user_id, status,"
	"  start_time, end_time) VALUES"
	"  (1, '" ID_ALPHA "', 0, 'alpha', 'alice', 'FINISHED', 1000, 2000),"
	"  (2, '" ID_BETA "', 0, 'beta', 'bob', 'RUNNING', 2000, NULL),"
	"  (3, '" ID_GAMMA "', 1, 'Gamma', 'alice', 'FAILED', 3000, 4000),"
	"  (4, '" ID_DELTA "', 0, 'delta', 'carol', 'KILLED', 2000, 5000),"
	"  (5, '" ID_EPSILON "', 1, 'epsilon', 'dave', 'FINISHED', 500, 600);"
	"INSERT INTO params(run, key, value) VALUES"
	"  (1, 'lr', '0.01'), (1, 'opt', 'adam'),"
	"  (2, 'lr', '0.1'), (2, 'opt', 'Adam'),"
	"  (3, 'opt', 'sgd'), (3, 'batch size', '32');"
	"INSERT INTO tags(run, key, value) VALUES"
	"  (1, 'mlflow.runName', 'alpha'), (1, 'team', 'ml'),"
	"  (2, 'mlflow.runName', 'beta'), (2, 'team', 'ML'),"
	"  (3, 'team', 'vision'), (3, 'note', 'it''s');"
	"INSERT INTO metric_keys(id, key) VALUES"
	"  (1, 'loss'), (2, 'acc'), (3, 'val loss');"
	"INSERT INTO latest_metrics(run, key, value, is_nan, timestamp, step)"
	"  VALUES (1, 1, 0.5, 0, 10, 1), (2, 1, 0.25, 0, 10, 1),"
	"  (3, 1, 0, 1, 10, 1),"
	"  (1, 2, 0.9, 0, 10, 1), (2, 2, 0.8, 0, 10, 1), (3, 2, 0.9, 0, 10, 1),"
	"  (4, 2, 0.7, 0, 10, 1), (1, 3, 0.7, 0, 10, 1);"
	"INSERT INTO run_inputs(run, dataset, version, oid, context) VALUES"
	"  (1, 'train', 1, 'sha256:1111', 'training'),"
	"  (1, 'test', 1, 'sha256:2222', 'eval'),"
	"  (2, 'train', 2, 'sha256:3333', ''),"
	"  (4, 'Data', 1, 'sha256:4444', 'training');"
	"INSERT INTO mlflow_datasets(id, experiment_id, name, digest,"
	"  source_type, source) VALUES (1, 1, 'wine', 'ab12', 'http', '{}'),"
	"  (2, 0, 'train', 'cd34', 'http', '{}');"
	"INSERT INTO run_dataset_inputs(id, run, dataset) VALUES"
	"  (1, 3, 1), (2, 5, 1), (3, 1, 2);"
	"INSERT INTO run_dataset_input_tags(input, key, value) VALUES"
	"  (1, 'mlflow.data.context', 'eval'), (3, 'other', 'x');";

struct fixture {
	char dir[64];
	char *path;
	sqlite3 *h;
};

static struct fixture *F;

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct db *db;
	char *msg = NULL;

	snprintf(f->dir, sizeof(f->dir), "/tmp/cairn-test-filter-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	f->path = path_join(f->dir, "cairn.db");
	assert_int_equal(db_open(&db, f->path), 0);
	db_free(db);
	assert_int_equal(sqlite3_open_v2(f->path, &f->h, SQLITE_OPEN_READWRITE, NULL),
			 SQLITE_OK);
	if (sqlite3_exec(f->h, fixture_sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("fixture: %s", msg);
	F = f;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	sqlite3_close(f->h);
	fs_remove_tree(f->dir);
	free(f->path);
	free(f);
	F = NULL;
	return 0;
}

/* Count of '?' in s: every bound value has exactly one. */
static size_t placeholders(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == '?';
	return n;
}

/* Run the compiled query; the names, comma-separated, into got. */
static void run_query(struct buf *got, const struct run_query *q)
{
	struct buf sql = BUF_INIT;
	sqlite3_stmt *st;
	size_t i;
	int rc;

	buf_printf(&sql, "SELECT r.name FROM runs r WHERE %s ORDER BY %s",
		   q->where.ptr, q->order.ptr);
	if (sqlite3_prepare_v2(F->h, sql.ptr, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s\n%s", sqlite3_errmsg(F->h), sql.ptr);
	assert_int_equal(sqlite3_bind_parameter_count(st), (int)q->nvalues);
	for (i = 0; i < q->nvalues; i++) {
		const struct sql_value *v = &q->values[i];

		if (v->type == SQL_TEXT)
			rc = sqlite3_bind_text(st, (int)i + 1, v->text, -1, SQLITE_STATIC);
		else if (v->type == SQL_INT)
			rc = sqlite3_bind_int64(st, (int)i + 1, v->i);
		else
			rc = sqlite3_bind_double(st, (int)i + 1, v->d);
		assert_int_equal(rc, SQLITE_OK);
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (got->len)
			buf_addch(got, ',');
		buf_puts(got, (const char *)sqlite3_column_text(st, 0));
	}
	assert_int_equal(rc, SQLITE_DONE);
	sqlite3_finalize(st);
	buf_release(&sql);
}

static void expect_runs_order(const char *filter, const char *const *order,
			      size_t norder, const char *want)
{
	struct run_query q;
	struct buf got = BUF_INIT;

	if (run_filter_compile(&q, filter, order, norder) < 0)
		fail_msg("filter \"%s\": %s", filter ? filter : "(null)",
			 cairn_error_last()->message);
	assert_int_equal(placeholders(q.where.ptr), q.nwhere);
	assert_int_equal(placeholders(q.order.ptr), q.nvalues - q.nwhere);
	run_query(&got, &q);
	if (strcmp(buf_cstr(&got), want))
		fail_msg("filter \"%s\"%s%s: got [%s], want [%s]\nWHERE %s\nORDER BY %s",
			 filter ? filter : "(null)", norder ? " order_by " : "",
			 norder ? order[0] : "", buf_cstr(&got), want, q.where.ptr,
			 q.order.ptr);
	buf_release(&got);
	run_query_release(&q);
}

static void expect_runs(const char *filter, const char *want)
{
	expect_runs_order(filter, NULL, 0, want);
}

static void expect_error_order(const char *filter, const char *const *order,
			       size_t norder, const char *msg)
{
	struct run_query q;
	int err = run_filter_compile(&q, filter, order, norder);

	if (err == 0)
		fail_msg("filter \"%s\" compiled to WHERE %s ORDER BY %s; want \"%s\"",
			 filter ? filter : "(null)", q.where.ptr, q.order.ptr, msg);
	assert_int_equal(err, CAIRN_EINVALID);
	if (strcmp(cairn_error_last()->message, msg))
		fail_msg("filter \"%s\":\n got: %s\nwant: %s", filter ? filter : "(null)",
			 cairn_error_last()->message, msg);
	/* a failed compile leaves nothing behind */
	assert_null(q.values);
	assert_int_equal(q.nvalues, 0);
	assert_null(q.where.ptr);
	assert_null(q.order.ptr);
	run_query_release(&q);
}

static void expect_error(const char *filter, const char *msg)
{
	expect_error_order(filter, NULL, 0, msg);
}

#define ORDER(...) ((const char *const[]){ __VA_ARGS__ }), \
	(sizeof((const char *const[]){ __VA_ARGS__ }) / sizeof(const char *))

/* ------------------------------------------------------------ metrics */

static void test_metrics(void **state)
{
	(void)state;
	expect_runs("metrics.loss < 0.3", "beta");
	expect_runs("metrics.loss = 0.5", "alpha");
	expect_runs("metrics.loss > 0.25", "alpha");
	expect_runs("metrics.loss >= 0.25", "beta,alpha");
	expect_runs("metrics.loss <= 0.5", "beta,alpha");
	expect_runs("metrics.loss > -1", "beta,alpha");
	expect_runs("metric.acc >= 0.9", "Gamma,alpha");
	expect_runs("metrics.acc > 8e-1", "Gamma,alpha");
	expect_runs("metrics.acc < .75", "delta");
	expect_runs("metrics.acc = 1.", "");
	/* runs without the metric never match, not even != */
	expect_runs("metrics.acc != 0.7", "Gamma,beta,alpha");
	expect_runs("metrics.missing < 100", "");
	expect_runs("metrics.missing != 100", "");
	/* quoted keys */
	expect_runs("metrics.`val loss` > 0.6", "alpha");
	expect_runs("metrics.\"val loss\" < 1", "alpha");
	expect_runs("`metrics`.loss = 0.5", "alpha");
}

static void test_metric_nan(void **state)
{
	(void)state;
	/* Gamma's latest loss is NaN (stored as 0): only != matches it */
	expect_runs("metrics.loss = 0", "");
	expect_runs("metrics.loss <= 0", "");
	expect_runs("metrics.loss >= 0", "beta,alpha");
	expect_runs("metrics.loss != 0.5", "Gamma,beta");
	expect_runs("metrics.loss != 0", "Gamma,beta,alpha");
}

static void test_metric_errors(void **state)
{
	(void)state;
	expect_error("metrics.loss = '0.5'",
		     "Expected numeric value type for metric. Found '0.5'");
	expect_error("metrics.loss = \"0.5\"",
		     "Expected numeric value type for metric. Found \"0.5\"");
	expect_error("metrics.loss > abc",
		     "Expected numeric value type for metric. Found abc");
	expect_error("metrics.loss IN (1, 2)",
		     "Expected numeric value type for metric. Found (1, 2)");
	expect_error("metrics.loss >> 1",
		     "Invalid comparator '>>' not one of '" NUMERIC_OPS);
	expect_error("metrics.loss == 1",
		     "Invalid comparator '==' not one of '" NUMERIC_OPS);
	expect_error("metrics.loss <> 1",
		     "Invalid comparator '<>' not one of '" NUMERIC_OPS);
	expect_error("metrics.loss like 1",
		     "Invalid comparator 'LIKE' not one of '" NUMERIC_OPS);
}

/* ------------------------------------------------------------ params, tags */

static void test_params(void **state)
{
	(void)state;
	expect_runs("params.opt = 'adam'", "alpha");
	expect_runs("params.opt = 'ADAM'", "");
	expect_runs("params.opt != 'adam'", "Gamma,beta");
	expect_runs("params.opt LIKE 'AD%'", "");
	expect_runs("params.opt ILIKE 'AD%'", "beta,alpha");
	expect_runs("params.opt like 'a%'", "alpha");
	expect_runs("params.opt Like 'a_am'", "alpha");
	expect_runs("params.opt iLike '_DAM'", "beta,alpha");
	expect_runs("param.opt = \"sgd\"", "Gamma");
	expect_runs("parameter.lr = '0.1'", "beta");
	expect_runs("parameters.lr != '0.1'", "alpha");
	expect_runs("params.`batch size` = '32'", "Gamma");
	expect_runs("params.\"batch size\" = '32'", "Gamma");
	expect_runs("params.missing != 'x'", "");
	expect_runs("params.batch size = '32'", "Gamma");
}

static void test_param_errors(void **state)
{
	(void)state;
	expect_error("params.opt = adam",
		     "Parameter value is either not quoted or unidentified quote "
		     "types used for string value adam. Use either single or "
		     "double quotes.");
	expect_error("params.opt = `adam`",
		     "Parameter value is either not quoted or unidentified quote "
		     "types used for string value `adam`. Use either single or "
		     "double quotes.");
	expect_error("params.lr = 0.01",
		     "Expected a quoted string value for parameter (e.g. "
		     "'my-value'). Got value 0.01");
	expect_error("params.opt IN ('adam')",
		     "Expected a quoted string value for parameter (e.g. "
		     "'my-value'). Got value ('adam')");
	expect_error("params.opt > 'a'",
		     "Invalid comparator '>' not one of '" STRING_OPS "'");
	expect_error("params.opt NOT IN ('a')",
		     "Expected a quoted string value for parameter (e.g. "
		     "'my-value'). Got value ('a')");
}

static void test_tags(void **state)
{
	(void)state;
	expect_runs("tags.`mlflow.runName` = 'alpha'", "alpha");
	expect_runs("tags.\"mlflow.runName\" = 'alpha'", "alpha");
	expect_runs("tags.mlflow.runName = 'beta'", "beta");
	expect_runs("tag.team = 'ml'", "alpha");
	expect_runs("tags.team != 'ml'", "Gamma,beta");
	expect_runs("tags.team LIKE 'M%'", "beta");
	expect_runs("tags.team ILIKE 'm%'", "beta,alpha");
	expect_runs("tags.note = \"it's\"", "Gamma");
	/* no unescaping, as MLflow: '' stays two quotes */
	expect_runs("tags.note = 'it''s'", "");

	expect_error("tags.team = ml",
		     "Parameter value is either not quoted or unidentified quote "
		     "types used for string value ml. Use either single or "
		     "double quotes.");
	expect_error("tags.team = 1",
		     "Expected a quoted string value for tag (e.g. 'my-value'). "
		     "Got value 1");
	expect_error("tags.team < 'x'",
		     "Invalid comparator '<' not one of '" STRING_OPS);
}

/* ------------------------------------------------------------ attributes */

static void test_run_id(void **state)
{
	struct run_query q;

	(void)state;
	expect_runs("attributes.run_id = '" ID_ALPHA "'", "alpha");
	expect_runs("run_id = '" ID_EPSILON "'", "epsilon");
	expect_runs("run_id != '" ID_ALPHA "'", "Gamma,beta,delta,epsilon");
	expect_runs("run_id LIKE 'bbb%'", "beta");
	expect_runs("run_id LIKE 'BBB%'", "");
	expect_runs("run_id ILIKE 'BBB%'", "beta");
	expect_runs("run_id IN ('" ID_ALPHA "', '" ID_GAMMA "')", "Gamma,alpha");
	expect_runs("run_id in (\"" ID_ALPHA "\",)", "alpha");
	expect_runs("run_id NOT IN ('" ID_ALPHA "')", "Gamma,beta,delta,epsilon");
	expect_runs("run_id not  in ('" ID_ALPHA "', '" ID_BETA "')",
		    "Gamma,delta,epsilon");
	/* Python escapes and adjacent literals inside the list */
	expect_runs("run_id IN ('\\x61aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1')", "alpha");
	expect_runs("run_id IN ('aaaaaaaaaaaaaaaa' \"aaaaaaaaaaaaaaa1\")", "alpha");

	/* ids that are not lower case leave the list, as in MLflow */
	expect_runs("run_id IN ('" ID_EPSILON "')", "");
	expect_runs("run_id NOT IN ('" ID_EPSILON "')", ALL);
	expect_runs("run_id IN ('AAAA', '" ID_BETA "')", "beta");
	assert_int_equal(run_filter_compile(&q, "run_id IN ('AAAA', 'Bb', 'cc')",
					    NULL, 0), 0);
	assert_int_equal(q.nvalues, 1);
	assert_string_equal(q.values[0].text, "cc");
	run_query_release(&q);
	assert_int_equal(run_filter_compile(&q, "run_id IN ('AAAA')", NULL, 0), 0);
	assert_string_equal(q.where.ptr, "(0)");
	run_query_release(&q);

	expect_error("run_id IN ()",
		     "While parsing a list in the query, expected a non-empty list "
		     "of string values, but got empty list");
	expect_error("run_id IN (1, 2)",
		     "While parsing a list in the query, expected string value, "
		     "punctuation, or whitespace, but got different type in list: "
		     "(1, 2)");
	expect_error("run_id IN ('a', 3)",
		     "While parsing a list in the query, expected string value, "
		     "punctuation, or whitespace, but got different type in list: "
		     "('a', 3)");
	expect_error("run_id IN ('a',, 'b')",
		     "While parsing a list in the query, expected a non-empty list "
		     "of string values, but got ill-formed list.");
	expect_error("run_id IN ('a' 3)",
		     "While parsing a list in the query, expected a non-empty list "
		     "of string values, but got ill-formed list.");
	expect_error("run_id IN (abc)",
		     "While parsing a list in the query, expected a non-empty list "
		     "of string values, but got ill-formed list.");
	expect_error("run_id IN ('\\x0')",
		     "While parsing a list in the query, expected a non-empty list "
		     "of string values, but got ill-formed list.");
	expect_error("run_id IN ('\\0')",
		     "While parsing a list in the query, expected a non-empty list "
		     "of string values, but got ill-formed list.");
	expect_error("run_id = ('" ID_ALPHA "')",
		     "Invalid comparator '=' for a list of values. Use either 'IN' "
		     "or 'NOT IN'.");
	expect_error("run_id IN '" ID_ALPHA "'",
		     "Invalid clause(s) in filter string: 'run_id', 'IN', '"
		     "'" ID_ALPHA "''");
}

static void test_string_attributes(void **state)
{
	(void)state;
	expect_runs("run_name = 'alpha'", "alpha");
	expect_runs("attributes.run_name ILIKE 'gamma'", "Gamma");
	expect_runs("attributes.run_name LIKE 'gamma'", "");
	expect_runs("`run name` = 'beta'", "beta");
	expect_runs("attributes.`Run name` = 'beta'", "beta");
	expect_runs("\"Run Name\" = 'delta'", "delta");
	expect_runs("attr.run_name != 'alpha'", "Gamma,beta,delta,epsilon");
	expect_runs("user_id = 'alice'", "Gamma,alpha");
	expect_runs("attr.user_id != 'alice'", "beta,delta,epsilon");
	expect_runs("status = 'FINISHED'", "alpha,epsilon");
	expect_runs("run.status = 'finished'", "");
	expect_runs("status ILIKE 'finished'", "alpha,epsilon");
	expect_runs("status LIKE 'F%'", "Gamma,alpha,epsilon");
	expect_runs("artifact_uri = 'mlflow-artifacts:/0/" ID_ALPHA "/artifacts'",
		    "alpha");
	expect_runs("artifact_uri LIKE 'mlflow-artifacts:/1/%'", "Gamma,epsilon");

	expect_error("status IN ('FINISHED')",
		     "Only the 'run_id' attribute supports comparison with a list "
		     "of quoted string values.");
	expect_error("status = 5",
		     "Expected a quoted string value for attributes. Got value 5");
	expect_error("status = FINISHED",
		     "Parameter value is either not quoted or unidentified quote "
		     "types used for string value FINISHED. Use either single or "
		     "double quotes.");
	expect_error("status > 'A'",
		     "Invalid comparator '>' not one of '" LIST_OPS "'");
	/* sqlparse reads `run name` as one identifier (an alias) */
	expect_runs("run name = 'beta'", "beta");
	expect_runs("attributes.Run Name = 'beta'", "beta");
	expect_error("run names = 'x'",
		     "Invalid attribute key 'run names' specified. Valid keys are '"
		     SEARCH_KEYS "'");
	expect_error("run name foo = 'x'",
		     "Invalid clause(s) in filter string: 'run'");
}

static void test_numeric_attributes(void **state)
{
	(void)state;
	expect_runs("start_time >= 2000", "Gamma,beta,delta");
	expect_runs("attributes.start_time < 1000", "epsilon");
	expect_runs("start_time = 1000", "alpha");
	expect_runs("created = 3000", "Gamma");
	expect_runs("Created != 2000", "Gamma,alpha,epsilon");
	expect_runs("start_time <= 2000", "beta,delta,alpha,epsilon");
	expect_runs("start_time > 2000.0", "Gamma");
	expect_runs("start_time > 1.5e3", "Gamma,beta,delta");
	expect_runs("start_time > 99999999999999999999", "");
	/* a running run has no end time and matches no end_time clause */
	expect_runs("end_time > 3000", "Gamma,delta");
	expect_runs("end_time != 2000", "Gamma,delta,epsilon");
	expect_runs("attributes.end_time < 700", "epsilon");

	expect_error("start_time = '1000'",
		     "Expected numeric value type for numeric attribute: "
		     "start_time. Found '1000'");
	expect_error("created = x",
		     "Expected numeric value type for numeric attribute: created. "
		     "Found x");
	expect_error("start_time LIKE 1",
		     "Invalid comparator 'LIKE' not one of '" NUMERIC_OPS);
	expect_error("end_time IN (1)",
		     "Expected numeric value type for numeric attribute: end_time. "
		     "Found (1)");
}

/* ------------------------------------------------------------ datasets */

static void test_datasets(void **state)
{
	(void)state;
	expect_runs("datasets.name = 'train'", "beta,alpha");
	expect_runs("dataset.name != 'train'", "Gamma,delta,alpha,epsilon");
	expect_runs("datasets.name LIKE 't%'", "beta,alpha");
	expect_runs("datasets.name LIKE 'data'", "");
	expect_runs("datasets.name ILIKE 'DATA'", "delta");
	expect_runs("datasets.name IN ('test', 'Data')", "delta,alpha");
	expect_runs("datasets.name NOT IN ('train')", "Gamma,delta,alpha,epsilon");
	expect_runs("datasets.digest = 'sha256:3333'", "beta");
	expect_runs("datasets.digest IN ('sha256:1111', 'sha256:4444')",
		    "delta,alpha");
	expect_runs("datasets.context = 'training'", "delta,alpha");
	expect_runs("datasets.context != 'training'", "Gamma,alpha");
	expect_runs("datasets.context ILIKE 'TRAIN%'", "delta,alpha");
	expect_runs("datasets.context NOT IN ('eval')", "delta,alpha");
	expect_runs("datasets.context = ''", "");
	/* MLflow dataset records count as inputs too. */
	expect_runs("datasets.name = 'wine'", "Gamma,epsilon");
	expect_runs("datasets.digest = 'cd34'", "alpha");
	expect_runs("datasets.context = 'eval'", "Gamma,alpha");

	expect_error("datasets.foo = 'x'",
		     "Invalid dataset key 'foo' specified. Valid keys are "
		     "'{'name', 'digest', 'context'}'");
	expect_error("datasets.name = 1",
		     "Expected a quoted string value for dataset attributes. Got "
		     "value 1");
	expect_error("datasets.name > 'a'",
		     "Invalid comparator '>' not one of '" LIST_OPS);
	expect_error("datasets.name = ('a', 'b')",
		     "Invalid comparator '=' for a list of values. Use either 'IN' "
		     "or 'NOT IN'.");
}

/* ------------------------------------------------------------ statement */

static void test_statement(void **state)
{
	(void)state;
	expect_runs(NULL, ALL);
	expect_runs("", ALL);
	expect_runs(" \t\n", ALL);
	expect_runs("metrics.acc >= 0.8 and params.opt ILIKE 'adam' AND "
		    "tags.team = 'ML'", "beta");
	expect_runs("status = 'FINISHED' AND start_time > 600", "alpha");
	expect_runs("status='FINISHED'AND start_time>600", "alpha");
	expect_runs("metrics.loss>-1 AND metrics.loss<1 AND params.opt!='adam'",
		    "beta");
}

static void test_statement_errors(void **state)
{
	(void)state;
	expect_error("metrics.loss > 1 OR metrics.acc < 1",
		     "Invalid clause(s) in filter string: 'OR'");
	expect_error("metrics.loss > 1 or metrics.acc < 1",
		     "Invalid clause(s) in filter string: 'or'");
	expect_error("NOT metrics.loss > 1",
		     "Invalid clause(s) in filter string: 'NOT'");
	expect_error("(metrics.loss > 1)",
		     "Invalid clause(s) in filter string: '(metrics.loss > 1)'");
	expect_error("metrics.loss > 1 AND (params.a = 'b' OR params.c = 'd')",
		     "Invalid clause(s) in filter string: "
		     "'(params.a = 'b' OR params.c = 'd')'");
	expect_error("metrics.loss >",
		     "Invalid clause(s) in filter string: 'metrics.loss', '>'");
	expect_error("params.opt = 'adam",
		     "Invalid clause(s) in filter string: 'params.opt', '=', ''', "
		     "'adam'");
	expect_error("params.opt NOT LIKE 'a'",
		     "Invalid clause(s) in filter string: 'params.opt', 'NOT', "
		     "'LIKE', ''a''");
	expect_error("metrics.a = 1; metrics.b = 2",
		     "Search filter contained multiple expression 'metrics.a = 1; "
		     "metrics.b = 2'. Provide AND-ed expression list.");
	expect_error("metrics.a = 1;",
		     "Invalid clause(s) in filter string: ';'");
	expect_error("metrics.a = 1 metrics.b = 2",
		     "Invalid filter 'metrics.a = 1 metrics.b = 2'. Could not be "
		     "parsed.");
	expect_error("metrics.a = 1 AND",
		     "Invalid filter 'metrics.a = 1 AND'. Could not be parsed.");
	expect_error("AND metrics.a = 1",
		     "Invalid filter 'AND metrics.a = 1'. Could not be parsed.");
	expect_error("metrics.a = 1 AND and metrics.b = 2",
		     "Invalid filter 'metrics.a = 1 AND and metrics.b = 2'. Could "
		     "not be parsed.");
	expect_error("foo.bar = 'x'",
		     "Invalid entity type 'foo'. Valid values are ['metric', "
		     "'parameter', 'tag', 'attribute', 'dataset']");
	expect_error("METRICS.loss = 1",
		     "Invalid entity type 'METRICS'. Valid values are ['metric', "
		     "'parameter', 'tag', 'attribute', 'dataset']");
	expect_error("`metrics.loss` = 1",
		     "Invalid entity type '`metrics'. Valid values are ['metric', "
		     "'parameter', 'tag', 'attribute', 'dataset']");
	expect_error("x = 'y'",
		     "Invalid attribute key 'x' specified. Valid keys are '"
		     SEARCH_KEYS "'");
	expect_error("attributes.lifecycle_stage = 'active'",
		     "Invalid attribute key 'lifecycle_stage' specified. Valid keys "
		     "are '" SEARCH_KEYS "'");
	/* MLflow checks identifiers and values of all clauses first */
	expect_error("metrics.loss >> 1 AND foo.x = 1",
		     "Invalid entity type 'foo'. Valid values are ['metric', "
		     "'parameter', 'tag', 'attribute', 'dataset']");
	expect_error("params.a > 'x' AND params.b = y",
		     "Parameter value is either not quoted or unidentified quote "
		     "types used for string value y. Use either single or double "
		     "quotes.");
}

/* No byte of the filter reaches the SQL text. */
static void test_parameterized(void **state)
{
	struct run_query q;

	(void)state;
	expect_runs("params.opt = 'x''); DROP TABLE runs; --'", "");
	assert_int_equal(run_filter_compile(&q, "params.`Robert'); DROP TABLE "
					    "params;--` = 'y' AND run_id IN "
					    "('z\"; delete from runs')", NULL, 0), 0);
	assert_null(strstr(q.where.ptr, "DROP"));
	assert_null(strstr(q.where.ptr, "delete"));
	assert_null(strstr(q.where.ptr, "Robert"));
	assert_int_equal(q.nvalues, 3);
	assert_string_equal(q.values[0].text, "Robert'); DROP TABLE params;--");
	assert_string_equal(q.values[1].text, "y");
	assert_string_equal(q.values[2].text, "z\"; delete from runs");
	run_query_release(&q);
	expect_runs("status != 'x'", ALL);
}

/* ------------------------------------------------------------ order_by */

static void test_order_by(void **state)
{
	struct run_query q;

	(void)state;
	expect_runs_order(NULL, ORDER("metrics.loss ASC"),
			  "beta,alpha,Gamma,delta,epsilon");
	expect_runs_order(NULL, ORDER("metrics.loss"),
			  "beta,alpha,Gamma,delta,epsilon");
	expect_runs_order(NULL, ORDER("metrics.loss DESC"),
			  "alpha,beta,Gamma,delta,epsilon");
	expect_runs_order(NULL, ORDER("metrics.acc"), "delta,beta,Gamma,alpha,epsilon");
	expect_runs_order(NULL, ORDER("metric.acc desc"),
			  "Gamma,alpha,beta,delta,epsilon");
	expect_runs_order(NULL, ORDER("params.opt"), "beta,alpha,Gamma,delta,epsilon");
	expect_runs_order(NULL, ORDER("params.opt DESC"),
			  "Gamma,alpha,beta,delta,epsilon");
	expect_runs_order(NULL, ORDER("tags.team Asc"), "beta,alpha,Gamma,delta,epsilon");
	expect_runs_order(NULL, ORDER("start_time"), "epsilon,alpha,beta,delta,Gamma");
	expect_runs_order(NULL, ORDER("created DESC"), ALL);
	expect_runs_order(NULL, ORDER("attributes.end_time DESC"),
			  "delta,Gamma,alpha,epsilon,beta");
	expect_runs_order(NULL, ORDER("end_time"), "epsilon,alpha,Gamma,delta,beta");
	expect_runs_order(NULL, ORDER("attributes.run_name"),
			  "Gamma,alpha,beta,delta,epsilon");
	expect_runs_order(NULL, ORDER("run_id DESC"), "delta,Gamma,beta,alpha,epsilon");
	expect_runs_order(NULL, ORDER("user_id DESC", "metrics.acc"),
			  "epsilon,delta,beta,Gamma,alpha");
	expect_runs_order(NULL, ORDER("metrics.`val loss` DESC"),
			  "alpha,Gamma,beta,delta,epsilon");
	expect_runs_order(NULL, ORDER("metrics.\"val loss\""),
			  "alpha,Gamma,beta,delta,epsilon");
	/* shlex drops the quotes before the split at the dot, as in MLflow */
	expect_runs_order(NULL, ORDER("`metrics.loss`"),
			  "beta,alpha,Gamma,delta,epsilon");
	expect_runs_order(NULL, ORDER("  metrics.loss  desc "),
			  "alpha,beta,Gamma,delta,epsilon");

	/* filter values bind first, then order values */
	expect_runs_order("params.opt ILIKE '%a%'", ORDER("params.lr DESC"),
			  "beta,alpha");
	assert_int_equal(run_filter_compile(&q, "params.opt ILIKE '%a%'",
					    ORDER("params.lr DESC")), 0);
	assert_int_equal(q.nwhere, 2);
	assert_int_equal(q.nvalues, 3);
	assert_string_equal(q.values[0].text, "opt");
	assert_string_equal(q.values[1].text, "%a%");
	assert_string_equal(q.values[2].text, "lr");
	assert_non_null(strstr(q.order.ptr, "r.start_time DESC, r.run_uuid"));
	run_query_release(&q);

	/* sorted on start time already: no second start-time tie-breaker */
	assert_int_equal(run_filter_compile(&q, NULL, ORDER("start_time")), 0);
	assert_string_equal(q.order.ptr, "r.start_time ASC NULLS LAST, r.run_uuid");
	run_query_release(&q);
	assert_int_equal(run_filter_compile(&q, NULL, NULL, 0), 0);
	assert_string_equal(q.where.ptr, "1");
	assert_string_equal(q.order.ptr, "r.start_time DESC, r.run_uuid");
	run_query_release(&q);
}

static void test_order_by_errors(void **state)
{
	(void)state;
	expect_error_order(NULL, ORDER("metrics.loss DESC NULLS LAST"),
			   "Invalid order_by clause 'metrics.loss DESC NULLS LAST'. "
			   "Could not be parsed.");
	expect_error_order(NULL, ORDER("metrics.loss sideways"),
			   "Invalid ordering key in order_by clause 'metrics.loss "
			   "sideways'.");
	expect_error_order(NULL, ORDER(""),
			   "Invalid order_by clause ''. Could not be parsed.");
	expect_error_order(NULL, ORDER("metrics.loss, params.opt"),
			   "Invalid order_by clause 'metrics.loss, params.opt'. Could "
			   "not be parsed.");
	expect_error_order(NULL, ORDER("start_time", "created DESC"),
			   "`order_by` contains duplicate fields: ['start_time', "
			   "'created DESC']");
	expect_error_order(NULL, ORDER("metrics.loss", "params.loss", "metric.loss"),
			   "`order_by` contains duplicate fields: ['metrics.loss', "
			   "'params.loss', 'metric.loss']");
	expect_error_order(NULL, ORDER("tags.`it's`", "tags.\"it's\""),
			   "`order_by` contains duplicate fields: [\"tags.`it's`\", "
			   "'tags.\"it\\'s\"']");
	expect_error_order(NULL, ORDER("foo.bar"),
			   "Invalid entity type 'foo'. Valid values are ['metric', "
			   "'parameter', 'tag', 'attribute', 'dataset']");
	expect_error_order(NULL, ORDER("datasets.name"),
			   "Invalid identifier type 'dataset'");
	expect_error_order(NULL, ORDER("datasets.bogus"),
			   "Invalid dataset key 'bogus' specified. Valid keys are "
			   "'{'name', 'digest', 'context'}'");
	expect_error_order(NULL, ORDER("`Run name`"),
			   "Invalid attribute key 'Run name' specified. Valid keys "
			   "are '" ORDER_KEYS "'");
	expect_error_order(NULL, ORDER("\"\" DESC"),
			   "Invalid attribute key '' specified. Valid keys are '"
			   ORDER_KEYS "'");
	expect_error_order(NULL, ORDER("metrics.`a\"b`"),
			   "Invalid order_by clause 'metrics.`a\"b`'. Could not be "
			   "parsed.");

	/* order: filter syntax and values, then order_by, then comparators */
	expect_error_order("foo.x = 1", ORDER("bogus"),
			   "Invalid entity type 'foo'. Valid values are ['metric', "
			   "'parameter', 'tag', 'attribute', 'dataset']");
	expect_error_order("metrics.loss >> 1", ORDER("bogus DESC"),
			   "Invalid attribute key 'bogus' specified. Valid keys are '"
			   ORDER_KEYS "'");
	expect_error_order("metrics.loss >> 1", ORDER("metrics.loss"),
			   "Invalid comparator '>>' not one of '" NUMERIC_OPS);
}

static void test_too_many_values(void **state)
{
	struct buf f = BUF_INIT;
	struct run_query q;
	size_t i;

	(void)state;
	buf_puts(&f, "run_id IN (");
	for (i = 0; i < RUN_FILTER_MAX_VALUES; i++)
		buf_printf(&f, "%s'a%zu'", i ? ", " : "", i);
	buf_puts(&f, ")");
	assert_int_equal(run_filter_compile(&q, f.ptr, NULL, 0), 0);
	assert_int_equal(q.nvalues, RUN_FILTER_MAX_VALUES);
	run_query_release(&q);
	buf_setlen(&f, f.len - 1);
	buf_puts(&f, ", 'b')");
	assert_int_equal(run_filter_compile(&q, f.ptr, NULL, 0), CAIRN_EINVALID);
	assert_string_equal(cairn_error_last()->message,
			    "Search needs 10001 values, more than the 10000 allowed");
	run_query_release(&q);
	buf_release(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_metrics),
		cmocka_unit_test(test_metric_nan),
		cmocka_unit_test(test_metric_errors),
		cmocka_unit_test(test_params),
		cmocka_unit_test(test_param_errors),
		cmocka_unit_test(test_tags),
		cmocka_unit_test(test_run_id),
		cmocka_unit_test(test_string_attributes),
		cmocka_unit_test(test_numeric_attributes),
		cmocka_unit_test(test_datasets),
		cmocka_unit_test(test_statement),
		cmocka_unit_test(test_statement_errors),
		cmocka_unit_test(test_parameterized),
		cmocka_unit_test(test_order_by),
		cmocka_unit_test(test_order_by_errors),
		cmocka_unit_test(test_too_many_values),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
