/*
 * db_sqlite_audit.c: the audit log in the SQLite backend (audit.h).
 *
 * Table audit_events (migration 2 -> 3 in db_sqlite.c) holds one row per
 * event keyed by seq; triggers refuse UPDATE and DELETE, so no code path
 * of cairn can change history (someone with the sqlite3 shell can, which
 * is what `cairn audit verify` is for).
 *
 * The head record, `audit-head` beside the database, holds the seq and
 * hash of the newest event: one 86-byte line "SEQ(20 digits) HASH\n",
 * rewritten in place after each commit that appended events. It is
 * written after COMMIT succeeds, so a crash leaves it at most behind the
 * log, never ahead of it; a log that ends before the head has lost its
 * tail. Two processes committing one after the other may write it in the
 * other order, which leaves it behind too: harmless. It is not fsync'ed:
 * a power cut that loses the last commits may leave it ahead
 * (docs/audit.md says so).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/audit.h"
#include "lib/db_sqlite.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/banned.h"

#define HEAD_LEN 86 /* 20 digits, a space, 64 hex, a newline */

static int prepared(sqlite3_stmt **slot, struct db *db, const char *sql)
{
	if (*slot) {
		sqlite3_reset(*slot);
		sqlite3_clear_bindings(*slot);
		return 0;
	}
	return sqlite__prepare(slot, db, sql);
}

int db_audit_tail(int64_t *seq, char hash[65], struct db *db)
{
	sqlite3_stmt *st;
	int rc, err;

	if ((err = prepared(&db->audit_tail, db, "SELECT seq, hash FROM audit_events "
			    "ORDER BY seq DESC LIMIT 1")) < 0)
		return err;
	st = db->audit_tail;
	rc = sqlite3_step(st);
	*seq = 0;
	memset(hash, '0', 64);
	hash[64] = '\0';
	if (rc == SQLITE_ROW) {
		const char *h = (const char *)sqlite3_column_text(st, 1);

		*seq = sqlite3_column_int64(st, 0);
		snprintf(hash, 65, "%s", h ? h : "");
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return sqlite__error(db, "cannot read the audit log");
	return 0;
}

int db_audit_insert(struct db *db, const struct db_audit_row *row)
{
	sqlite3_stmt *st;
	int rc, err;

	if (!db->in_tx || !db->holds_turn)
		return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_DB,
					"audit event '%s' outside a write transaction",
					row->action);
	if ((err = prepared(&db->audit_put, db, "INSERT INTO audit_events(seq, time, "
			    "actor, action, object, before, after, reason, prev, hash) "
			    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)")) < 0)
		return err;
	st = db->audit_put;
	sqlite3_bind_int64(st, 1, row->seq);
	sqlite3_bind_int64(st, 2, row->time_ms);
	sqlite3_bind_text(st, 3, row->actor, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, row->action, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, row->object, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, row->before, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, row->after, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, row->reason, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, row->prev, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 10, row->hash, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return sqlite__error(db, "cannot append to the audit log");
	db->audit_pending_seq = row->seq;
	snprintf(db->audit_pending_hash, sizeof(db->audit_pending_hash), "%s",
		 row->hash);
	return 0;
}

int db_audit_foreach(struct db *db, const struct db_audit_filter *f,
		     int (*cb)(const struct db_audit_row *row, void *payload),
		     void *payload)
{
	static const struct db_audit_filter all;
	sqlite3_stmt *st;
	int rc, ret;

	if (!f)
		f = &all;
	if ((ret = sqlite__prepare(&st, db, "SELECT seq, time, actor, action, object, "
				   "before, after, reason, prev, hash FROM audit_events "
				   "WHERE seq >= ?5 AND (?6 = 0 OR seq <= ?6) "
				   "AND (?1 IS NULL OR object = ?1 OR "
				   "  substr(object, 1, length(?1) + 1) IN (?1 || '/', ?1 || '@')) "
				   "AND (?2 IS NULL OR action = ?2 OR (substr(?2, -1) = '.' "
				   "  AND substr(action, 1, length(?2)) = ?2)) "
				   "AND (?3 = 0 OR time >= ?3) AND (?4 = 0 OR time <= ?4) "
				   "ORDER BY seq")) < 0)
		return ret;
	sqlite3_bind_text(st, 1, f->object, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, f->action, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, f->since);
	sqlite3_bind_int64(st, 4, f->until);
	sqlite3_bind_int64(st, 5, f->from_seq);
	sqlite3_bind_int64(st, 6, f->to_seq);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct db_audit_row r;

		r.seq = sqlite3_column_int64(st, 0);
		r.time_ms = sqlite3_column_int64(st, 1);
		r.actor = (const char *)sqlite3_column_text(st, 2);
		r.action = (const char *)sqlite3_column_text(st, 3);
		r.object = (const char *)sqlite3_column_text(st, 4);
		r.before = (const char *)sqlite3_column_text(st, 5);
		r.after = (const char *)sqlite3_column_text(st, 6);
		r.reason = (const char *)sqlite3_column_text(st, 7);
		r.prev = (const char *)sqlite3_column_text(st, 8);
		r.hash = (const char *)sqlite3_column_text(st, 9);
		if (!r.actor)
			r.actor = "";
		if (!r.action)
			r.action = "";
		if (!r.object)
			r.object = "";
		if (!r.prev)
			r.prev = "";
		if (!r.hash)
			r.hash = "";
		if ((ret = cb(&r, payload)) != 0)
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		ret = sqlite__error(db, "cannot read the audit log");
	sqlite3_finalize(st);
	return ret;
}

int db_audit_find_hash(int64_t *seq, struct db *db, const char *hash)
{
	sqlite3_stmt *st;
	int rc, err;

	if ((err = sqlite__prepare(&st, db, "SELECT seq FROM audit_events "
				   "WHERE hash = ?1 ORDER BY seq LIMIT 1")) < 0)
		return err;
	sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*seq = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return sqlite__error(db, "cannot read the audit log");
}

/* ---------------------------------------------------------- head record */

/* 1 and filled from the file's bytes, 0 if absent or not a head line. */
static int parse_head(int64_t *seq, char hash[65], const char *line, size_t n)
{
	char digits[21];
	size_t i;

	if (n != HEAD_LEN || line[20] != ' ' || line[HEAD_LEN - 1] != '\n')
		return 0;
	for (i = 0; i < 20; i++)
		if (line[i] < '0' || line[i] > '9')
			return 0;
	for (i = 21; i < 85; i++)
		if (!strchr("0123456789abcdef", line[i]) || !line[i])
			return 0;
	memcpy(digits, line, 20);
	digits[20] = '\0';
	*seq = strtoll(digits, NULL, 10);
	memcpy(hash, line + 21, 64);
	hash[64] = '\0';
	return 1;
}

static int read_head(int64_t *seq, char hash[65], int fd)
{
	char line[HEAD_LEN + 1];
	ssize_t n = pread(fd, line, sizeof(line), 0);

	return n > 0 && parse_head(seq, hash, line, (size_t)n);
}

int db_audit_head(int64_t *seq, char hash[65], struct db *db)
{
	int fd = open(db->audit_head_path, O_RDONLY | O_CLOEXEC), found;

	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		return cairn_error_set_os("cannot open '%s'", db->audit_head_path);
	}
	found = read_head(seq, hash, fd);
	fs_close(&fd);
	if (!found)
		return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_DB,
					"'%s' is not an audit head record",
					db->audit_head_path);
	return 1;
}

/*
 * After a commit: write the head record for the newest event this
 * connection appended. Best effort: the events are committed already, and
 * a head record left behind only weakens the truncation check. The file
 * stays open for the next commit; one pwrite of the fixed-size line
 * replaces it in place.
 */
void sqlite__audit_committed(struct db *db)
{
	char line[HEAD_LEN + 1];

	if (!db->audit_pending_seq)
		return;
	if (db->audit_head_fd <= 0) {
		int fd = open(db->audit_head_path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);

		/* 0 means "not open" here: keep the head off stdin's number. */
		if (fd >= 0 && fs_fd_above_stdio(&fd) < 0)
			fs_close(&fd);
		if (fd > 0)
			db->audit_head_fd = fd;
	}
	if (db->audit_head_fd > 0) {
		snprintf(line, sizeof(line), "%020lld %s\n",
			 (long long)db->audit_pending_seq, db->audit_pending_hash);
		(void)!pwrite(db->audit_head_fd, line, HEAD_LEN, 0);
	}
	db->audit_pending_seq = 0;
}

void sqlite__audit_close(struct db *db)
{
	if (db->audit_head_fd > 0)
		close(db->audit_head_fd);
	db->audit_head_fd = 0;
}
