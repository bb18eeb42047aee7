/*
 * db_sqlite_lineage.c: the lineage queries of the SQLite backend
 * (lineage.h). The runs that used a data set version come from
 * run_inputs through its (dataset, version) index, so the question costs
 * one index range however many runs the store holds, in the order the
 * runs started (ties in the order they were created); the data set
 * versions a run produced come from dataset_versions' run_id index.
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
				   "ORDER BY r.start_time, r.id, i.context")) < 0)
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

int db_versions_produced_by(struct db *db, const char *run_id,
			    int (*cb)(const char *name, uint64_t version,
				      void *payload),
			    void *payload)
{
	sqlite3_stmt *st;
	int rc, ret;

	if ((ret = sqlite__prepare(&st, db, "SELECT d.name, v.version FROM "
				   "dataset_versions v JOIN datasets d ON "
				   "d.id = v.dataset_id WHERE v.run_id = ?1 "
				   "ORDER BY d.name, v.version")) < 0)
		return ret;
	sqlite3_bind_text(st, 1, run_id, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if ((ret = cb((const char *)sqlite3_column_text(st, 0),
			      (uint64_t)sqlite3_column_int64(st, 1), payload)) != 0)
			break;
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		ret = sqlite__error(db, "cannot read data set versions");
	sqlite3_finalize(st);
	return ret;
}
