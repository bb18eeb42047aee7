/*
 * db_sqlite_search.c: runs/search in the SQLite backend: the compiled
 * filter (run_filter.h) placed into one query over the runs table.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/db_sqlite.h"
#include "lib/run_filter.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/banned.h"

/* -------------------------------------------------------------- search */

static void bind_value(sqlite3_stmt *st, int i, const struct sql_value *v)
{
	switch (v->type) {
	case SQL_TEXT:
		sqlite3_bind_text(st, i, v->text, -1, SQLITE_STATIC);
		break;
	case SQL_INT:
		sqlite3_bind_int64(st, i, v->i);
		break;
	case SQL_REAL:
		sqlite3_bind_double(st, i, v->d);
		break;
	}
}

/*
 * The first order key is a metric: the runs with a number for it come
 * first, in the order of its value, so walk latest_metrics_key(key, value)
 * in that order and stop after `limit` rows. If that fills the page it is
 * the page; otherwise (the page reaches runs with NaN or without the
 * metric) return 0 and let the general query answer.
 */
static int fast_search(int *handled, struct db *db, const char *ids, cairn_view view,
		       const struct run_query *q, size_t offset, size_t limit,
		       int (*cb)(const char *run_id, void *payload), void *payload)
{
	struct buf sql = BUF_INIT;
	sqlite3_stmt *st = NULL;
	char **got = NULL;
	size_t i, n = 0;
	int rc, ret = 0, k = 0;

	buf_printf(&sql, "SELECT r.run_uuid FROM latest_metrics o "
		   "JOIN runs r ON r.id = o.run "
		   "WHERE o.key = (SELECT id FROM metric_keys WHERE key = ?) "
		   "AND o.is_nan = 0 AND (%s) "
		   "AND (json_array_length(?) = 0 OR "
		   "r.experiment_id IN (SELECT value FROM json_each(?))) "
		   "AND ((? & 1 AND r.lifecycle_stage = 'active') OR "
		   "(? & 2 AND r.lifecycle_stage = 'deleted')) "
		   "ORDER BY o.value %s, %s LIMIT ? OFFSET ?",
		   buf_cstr(&q->where), q->fast_asc ? "ASC" : "DESC",
		   buf_cstr(&q->order_rest));
	if ((ret = sqlite__prepare(&st, db, sql.ptr)) < 0)
		goto done;
	sqlite3_bind_text(st, ++k, q->fast_key, -1, SQLITE_STATIC);
	for (i = 0; i < q->nwhere; i++)
		bind_value(st, ++k, &q->values[i]);
	sqlite3_bind_text(st, ++k, ids, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, ++k, ids, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, ++k, (int)view);
	sqlite3_bind_int(st, ++k, (int)view);
	for (i = q->nwhere + 2; i < q->nvalues; i++)
		bind_value(st, ++k, &q->values[i]);
	sqlite3_bind_int64(st, ++k, (sqlite3_int64)limit);
	sqlite3_bind_int64(st, ++k, (sqlite3_int64)offset);
	got = xcalloc(limit ? limit : 1, sizeof(*got));
	while (n < limit && (rc = sqlite3_step(st)) == SQLITE_ROW)
		got[n++] = xstrdup((const char *)sqlite3_column_text(st, 0));
	if (n < limit && rc != SQLITE_DONE) {
		ret = sqlite__error(db, "cannot search runs");
		goto done;
	}
	if (n < limit)
		goto done; /* not the whole page: the general query decides */
	*handled = 1;
	for (i = 0; i < n && !ret; i++)
		ret = cb(got[i], payload);
done:
	for (i = 0; i < n; i++)
		free(got[i]);
	free(got);
	sqlite3_finalize(st);
	buf_release(&sql);
	return ret;
}

int db_runs_search(struct db *db, const int64_t *experiments, size_t nexp,
		   cairn_view view, const struct run_query *q, size_t offset,
		   size_t limit,
		   int (*cb)(const char *run_id, void *payload), void *payload)
{
	struct buf sql = BUF_INIT, ids = BUF_INIT;
	sqlite3_stmt *st = NULL;
	size_t i;
	int rc, ret = 0, n, k = 0;

	buf_addch(&ids, '[');
	for (i = 0; i < nexp; i++)
		buf_printf(&ids, "%s%lld", i ? "," : "", (long long)experiments[i]);
	buf_addch(&ids, ']');
	if (q->fast_key) {
		int handled = 0;

		ret = fast_search(&handled, db, ids.ptr, view, q, offset, limit,
				  cb, payload);
		if (ret || handled)
			goto done;
	}
	/*
	 * All placeholders are plain '?', bound in the order they appear in
	 * the text: the filter's, ours, the order's, then limit and offset.
	 */
	buf_printf(&sql, "SELECT r.run_uuid FROM runs r WHERE (%s) "
		   "AND (json_array_length(?) = 0 OR "
		   "r.experiment_id IN (SELECT value FROM json_each(?))) "
		   "AND ((? & 1 AND r.lifecycle_stage = 'active') OR "
		   "(? & 2 AND r.lifecycle_stage = 'deleted')) "
		   "ORDER BY %s LIMIT ? OFFSET ?",
		   buf_cstr(&q->where), buf_cstr(&q->order));
	if ((ret = sqlite__prepare(&st, db, sql.ptr)) < 0)
		goto done;
	for (i = 0; i < q->nwhere; i++)
		bind_value(st, ++k, &q->values[i]);
	sqlite3_bind_text(st, ++k, ids.ptr, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, ++k, ids.ptr, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, ++k, (int)view);
	sqlite3_bind_int(st, ++k, (int)view);
	for (; i < q->nvalues; i++)
		bind_value(st, ++k, &q->values[i]);
	sqlite3_bind_int64(st, ++k, (sqlite3_int64)limit);
	sqlite3_bind_int64(st, ++k, (sqlite3_int64)offset);
	n = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		n++;
		if ((ret = cb((const char *)sqlite3_column_text(st, 0), payload)) != 0)
			break;
	}
	if (!ret && rc != SQLITE_DONE)
		ret = sqlite__error(db, "cannot search runs");
done:
	sqlite3_finalize(st);
	buf_release(&sql);
	buf_release(&ids);
	return ret;
}
