/*
 * db_sqlite.h: what the files of the SQLite backend share (db_sqlite.c:
 * connection, migrations, data sets, stat cache; db_sqlite_track.c:
 * experiment tracking; db_sqlite_audit.c: the audit log). Nothing outside the backend includes it.
 */
#ifndef CAIRN_LIB_DB_SQLITE_H
#define CAIRN_LIB_DB_SQLITE_H

#include <sqlite3.h>

#include "lib/db.h"

struct db {
	sqlite3 *h;
	sqlite3_stmt *stat_get, *stat_put;
	sqlite3_stmt *metric_put, *latest_get, *latest_put, *key_get, *key_put;
	sqlite3_stmt *begin_write, *begin_read, *commit, *run_get, *tag_put, *param_put;
	int in_tx;
	int holds_turn; /* this connection holds the process's write turn */
	/* Group commit (db_group_begin): a group is open, a write inside it. */
	int in_group, in_item;
	sqlite3_stmt *item_begin, *item_release, *item_undo;
	int64_t item_audit_seq; /* audit_pending_seq when the item began */
	char item_audit_hash[65];
	/* The audit log (db_sqlite_audit.c). */
	sqlite3_stmt *audit_tail, *audit_put;
	char *audit_head_path;     /* the head record beside the database */
	int audit_head_fd;         /* open on it, or 0 */
	int64_t audit_pending_seq; /* the newest event of this transaction */
	char audit_pending_hash[65];
};

/* Set the last error from the connection's; returns CAIRN_ERROR. */
int sqlite__error(struct db *db, const char *what);
int sqlite__exec(struct db *db, const char *sql);
int sqlite__prepare(sqlite3_stmt **st, struct db *db, const char *sql);
/*
 * Step a statement once and finalize it: 0 when it ran (SQLITE_DONE, or
 * a row), else the connection's error, prefixed by what.
 */
int sqlite__step_done(struct db *db, sqlite3_stmt *st, const char *what);
/* Column i as an owned string (xstrdup), NULL for SQL NULL. */
char *sqlite__column_dup(sqlite3_stmt *st, int i);
/* After a successful COMMIT: write the audit head record if it moved. */
void sqlite__audit_committed(struct db *db);
void sqlite__audit_close(struct db *db);

#endif
