/*
 * db_sqlite_lineage.c: the lineage queries of the SQLite backend
 * (lineage.h). The runs that used a data set version come from
 * run_inputs through its (dataset, version) index, so the question costs
 * one index range however many runs the store holds.
 */
#include "lib/db_sqlite.h"
#include "lib/lineage.h"
#include "util/error.h"
#include "util/banned.h"

int db_runs_using(struct db *db, const char *name, uint64_t version,
		  int (*cb)(const char *run_id, const char *context,
			    void *payload),
		  void *payload)
{
	sqlite3_stmt *st;
	int rc, ret;

	if ((ret = sqlite__prepare(&st, db, "SELECT r.run_uuid, i.context FROM "
				   "run_inputs i JOIN runs r ON r.id = i.run "
				   "WHERE i.dataset = ?1 AND i.version = ?2 "
				   "ORDER BY r.start_time, r.run_uuid, i.context")) < 0)
		return ret;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)version);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if ((ret = cb((const char *)sqlite3_column_text(st, 0),
			      (const char *)sqlite3_column_text(st, 1), payload)) != 0)
			break;
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		ret = sqlite__error(db, "cannot read run inputs");
	sqlite3_finalize(st);
	return ret;
}
