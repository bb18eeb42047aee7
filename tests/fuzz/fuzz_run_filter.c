/*
 * fuzz_run_filter.c: libFuzzer target for run-search filters
 * (run_filter.h).
 *
 * The input is a filter, optionally followed by a newline and one
 * order_by string. Any input may be refused, but only with
 * CAIRN_EINVALID and an empty query, and never crash, leak or print. A
 * compiled query must be SQL that SQLite accepts over the tracking tables
 * it reads, with exactly one placeholder per bound value, and must run:
 * it is prepared and stepped against a small in-memory database (the
 * columns of db_sqlite.c's migration 2 that the filter SQL uses; the unit
 * test runs the same SQL against the real schema). Anything else aborts,
 * which libFuzzer (or the replay driver, standalone_driver.c) reports as a
 * failure.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "lib/run_filter.h"
#include "util/buf.h"
#include "util/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char schema[] =
	"PRAGMA case_sensitive_like = ON;"
	"CREATE TABLE runs (id INTEGER PRIMARY KEY, run_uuid TEXT NOT NULL,"
	"  experiment_id INTEGER NOT NULL, name TEXT NOT NULL,"
	"  user_id TEXT NOT NULL, status TEXT NOT NULL,"
	"  start_time INTEGER NOT NULL, end_time INTEGER);"
	"CREATE TABLE params (run INTEGER, key TEXT, value TEXT);"
	"CREATE TABLE tags (run INTEGER, key TEXT, value TEXT);"
	"CREATE TABLE metric_keys (id INTEGER PRIMARY KEY, key TEXT UNIQUE);"
	"CREATE TABLE latest_metrics (run INTEGER, key INTEGER, value REAL,"
	"  is_nan INTEGER, timestamp INTEGER, step INTEGER);"
	"CREATE TABLE run_inputs (run INTEGER, dataset TEXT, version INTEGER,"
	"  oid TEXT, context TEXT);"
	"CREATE TABLE mlflow_datasets (id INTEGER PRIMARY KEY, name TEXT,"
	"  digest TEXT);"
	"CREATE TABLE run_dataset_inputs (id INTEGER PRIMARY KEY, run INTEGER,"
	"  dataset INTEGER);"
	"CREATE TABLE run_dataset_input_tags (input INTEGER, key TEXT,"
	"  value TEXT);"
	"INSERT INTO runs VALUES (1, 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1', 0,"
	"  'alpha', 'alice', 'FINISHED', 1000, 2000),"
	"  (2, 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb2', 1, 'beta', 'bob',"
	"  'RUNNING', 2000, NULL);"
	"INSERT INTO params VALUES (1, 'lr', '0.01'), (2, 'opt', 'adam');"
	"INSERT INTO tags VALUES (1, 'mlflow.runName', 'alpha');"
	"INSERT INTO metric_keys VALUES (1, 'loss');"
	"INSERT INTO latest_metrics VALUES (1, 1, 0.5, 0, 1, 1),"
	"  (2, 1, 0, 1, 1, 1);"
	"INSERT INTO run_inputs VALUES (1, 'train', 1, 'sha256:11', 'training');"
	"INSERT INTO mlflow_datasets VALUES (1, 'wine', 'ab12');"
	"INSERT INTO run_dataset_inputs VALUES (1, 2, 1);"
	"INSERT INTO run_dataset_input_tags VALUES (1, 'mlflow.data.context',"
	"  'eval');";

static sqlite3 *db;

static void fail(const char *what, const char *filter, const char *order)
{
	fprintf(stderr, "fuzz_run_filter: %s\nfilter: %s\norder_by: %s\n", what,
		filter, order ? order : "(none)");
	abort();
}

static size_t placeholders(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == '?';
	return n;
}

static void check_sql(const struct run_query *q, const char *filter,
		      const char *order)
{
	struct buf sql = BUF_INIT;
	sqlite3_stmt *st;
	size_t i;
	int rc;

	if (!db && (sqlite3_open(":memory:", &db) != SQLITE_OK ||
		    sqlite3_exec(db, schema, NULL, NULL, NULL) != SQLITE_OK))
		fail("cannot create the test database", filter, order);
	buf_printf(&sql, "SELECT r.id FROM runs r WHERE %s ORDER BY %s",
		   q->where.ptr, q->order.ptr);
	if (sqlite3_prepare_v2(db, sql.ptr, -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "%s\n%s\n", sqlite3_errmsg(db), sql.ptr);
		fail("the SQL does not prepare", filter, order);
	}
	if (sqlite3_bind_parameter_count(st) != (int)q->nvalues)
		fail("placeholders and values differ", filter, order);
	for (i = 0; i < q->nvalues; i++) {
		const struct sql_value *v = &q->values[i];

		if (v->type == SQL_TEXT && !v->text)
			fail("a text value without text", filter, order);
		if (v->type == SQL_TEXT)
			rc = sqlite3_bind_text(st, (int)i + 1, v->text, -1, SQLITE_STATIC);
		else if (v->type == SQL_INT)
			rc = sqlite3_bind_int64(st, (int)i + 1, v->i);
		else
			rc = sqlite3_bind_double(st, (int)i + 1, v->d);
		if (rc != SQLITE_OK)
			fail("cannot bind a value", filter, order);
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		;
	if (rc != SQLITE_DONE) {
		fprintf(stderr, "%s\n%s\n", sqlite3_errmsg(db), sql.ptr);
		fail("the SQL does not run", filter, order);
	}
	sqlite3_finalize(st);
	buf_release(&sql);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), *nl, *order = NULL;
	const char *orders[1];
	struct run_query q;
	int err;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if ((nl = strchr(text, '\n')) != NULL) {
		*nl = '\0';
		order = nl + 1;
		orders[0] = order;
	}

	err = run_filter_compile(&q, text, orders, order ? 1 : 0);
	if (err < 0) {
		/* refusals are always CAIRN_EINVALID and leave nothing */
		if (err != CAIRN_EINVALID || q.values || q.nvalues || q.where.ptr ||
		    q.order.ptr)
			fail("a bad refusal", text, order);
		if (!*cairn_error_last()->message)
			fail("a refusal without a message", text, order);
	} else {
		if (!q.where.len || !q.order.len || q.nwhere > q.nvalues ||
		    placeholders(q.where.ptr) != q.nwhere ||
		    placeholders(q.order.ptr) != q.nvalues - q.nwhere)
			fail("an inconsistent query", text, order);
		check_sql(&q, text, order);
	}
	run_query_release(&q);
	free(text);
	return 0;
}
