/*
 * db_sqlite_promotion.c: controlled promotion in the SQLite backend
 * (db_promotion.h; tables from migration 8 in db_sqlite.c): policies per
 * model and alias, promotion requests, and their votes, one per actor
 * (the primary key refuses a second). Approvals are counted by the query
 * that reads a request, so the count is never stale. Every statement
 * binds its values.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/db_promotion.h"
#include "lib/db_sqlite.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/banned.h"

static const char *text_col(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

/* A column's text as an owned copy (NULL stays NULL). */
static const char *own_col(sqlite3_stmt *st, int i)
{
	return sqlite__column_dup(st, i);
}

static void bind_text_or_null(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

/* ------------------------------------------------------------ policies */

int db_policy_put(struct db *db, int64_t model, const char *target,
		  const char *policy, const char *actor, int64_t time)
{
	sqlite3_stmt *st;

	if (sqlite__prepare(&st, db, "INSERT OR REPLACE INTO model_policies(model, "
			    "target, policy, actor, time) VALUES (?1, ?2, ?3, ?4, "
			    "?5)") < 0)
		return CAIRN_ERROR;
	sqlite3_bind_int64(st, 1, model);
	sqlite3_bind_text(st, 2, target, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, policy, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, actor, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, time);
	return sqlite__step_done(db, st, "cannot record the policy");
}

int db_policy_get(char **out, struct db *db, int64_t model, const char *target)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite__prepare(&st, db, "SELECT policy FROM model_policies WHERE "
			    "model = ?1 AND target = ?2") < 0)
		return CAIRN_ERROR;
	sqlite3_bind_int64(st, 1, model);
	sqlite3_bind_text(st, 2, target, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = sqlite__column_dup(st, 0);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : sqlite__error(db, "cannot read the policy");
}

int db_policy_delete(struct db *db, int64_t model, const char *target)
{
	sqlite3_stmt *st;
	int err;

	if (sqlite__prepare(&st, db, "DELETE FROM model_policies WHERE model = ?1 "
			    "AND target = ?2") < 0)
		return CAIRN_ERROR;
	sqlite3_bind_int64(st, 1, model);
	sqlite3_bind_text(st, 2, target, -1, SQLITE_STATIC);
	if ((err = sqlite__step_done(db, st, "cannot remove the policy")) < 0)
		return err;
	return sqlite3_changes(db->h) > 0;
}

int db_policy_foreach(struct db *db, int64_t model,
		      int (*cb)(const char *target, const char *policy,
				void *payload),
		      void *payload)
{
	sqlite3_stmt *st;
	int rc, ret = 0;

	if (sqlite__prepare(&st, db, "SELECT target, policy FROM model_policies "
			    "WHERE model = ?1 ORDER BY target") < 0)
		return CAIRN_ERROR;
	sqlite3_bind_int64(st, 1, model);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if ((ret = cb(text_col(st, 0), text_col(st, 1), payload)) != 0)
			break;
	if (!ret && rc != SQLITE_DONE)
		ret = sqlite__error(db, "cannot read the policies");
	sqlite3_finalize(st);
	return ret;
}

/* ------------------------------------------------------------ requests */

#define REQUEST_COLUMNS \
	"r.id, m.name, r.version, r.target, r.reason, r.requester, r.status, " \
	"r.created_time, coalesce(r.decided_time, 0), (SELECT count(*) FROM " \
	"promotion_votes v WHERE v.request = r.id AND v.verdict = 'approve'), " \
	"r.model FROM promotion_requests r JOIN registered_models m ON " \
	"m.id = r.model "

static void row_to_request(struct db_request *out, sqlite3_stmt *st, int own)
{
	cairn_promotion_request *r = &out->r;
	const char *(*str)(sqlite3_stmt *, int) = own ? own_col : text_col;

	memset(out, 0, sizeof(*out));
	r->id = sqlite3_column_int64(st, 0);
	r->name = str(st, 1);
	r->version = (uint64_t)sqlite3_column_int64(st, 2);
	r->target = str(st, 3);
	r->reason = str(st, 4);
	r->requester = str(st, 5);
	r->status = str(st, 6);
	r->created_time = sqlite3_column_int64(st, 7);
	r->decided_time = sqlite3_column_int64(st, 8);
	r->approvals = (unsigned)sqlite3_column_int(st, 9);
	out->model = sqlite3_column_int64(st, 10);
}

void db_request_clear(struct db_request *r)
{
	free((char *)r->r.name);
	free((char *)r->r.target);
	free((char *)r->r.reason);
	free((char *)r->r.requester);
	free((char *)r->r.status);
	memset(r, 0, sizeof(*r));
}

int db_request_insert(int64_t *id, struct db *db, int64_t model,
		      const cairn_promotion_request *r)
{
	sqlite3_stmt *st;
	int err;

	if (sqlite__prepare(&st, db, "INSERT INTO promotion_requests(model, "
			    "version, target, reason, requester, created_time) "
			    "VALUES (?1, ?2, ?3, ?4, ?5, ?6)") < 0)
		return CAIRN_ERROR;
	sqlite3_bind_int64(st, 1, model);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)r->version);
	sqlite3_bind_text(st, 3, r->target, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, r->reason, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, r->requester, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, r->created_time);
	if ((err = sqlite__step_done(db, st, "cannot record the request")) < 0)
		return err;
	*id = sqlite3_last_insert_rowid(db->h);
	return 0;
}

int db_request_get(struct db_request *out, struct db *db, int64_t id)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite__prepare(&st, db, "SELECT " REQUEST_COLUMNS "WHERE r.id = ?1 "
			    "AND m.deleted_time IS NULL") < 0)
		return CAIRN_ERROR;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		row_to_request(out, st, 1);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : sqlite__error(db, "cannot read the request");
}

int db_request_set_status(struct db *db, int64_t id, const char *status,
			  int64_t time)
{
	sqlite3_stmt *st;

	if (sqlite__prepare(&st, db, "UPDATE promotion_requests SET status = ?2, "
			    "decided_time = ?3 WHERE id = ?1") < 0)
		return CAIRN_ERROR;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, status, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, time);
	return sqlite__step_done(db, st, "cannot update the request");
}

int db_vote_put(struct db *db, int64_t request, const char *actor,
		const char *verdict, const char *reason, int64_t time)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite__prepare(&st, db, "INSERT INTO promotion_votes(request, actor, "
			    "verdict, reason, time) VALUES (?1, ?2, ?3, ?4, ?5)") < 0)
		return CAIRN_ERROR;
	sqlite3_bind_int64(st, 1, request);
	sqlite3_bind_text(st, 2, actor, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, verdict, -1, SQLITE_STATIC);
	bind_text_or_null(st, 4, reason);
	sqlite3_bind_int64(st, 5, time);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_CONSTRAINT)
		return cairn_error_setc(CAIRN_EEXISTS, CAIRN_ERRCLASS_INVALID,
					"%s has already voted on request %lld", actor,
					(long long)request);
	if (rc != SQLITE_DONE)
		return sqlite__error(db, "cannot record the vote");
	return 0;
}

int db_requests_foreach(struct db *db, int64_t model,
			int (*cb)(const struct db_request *r, void *payload),
			void *payload)
{
	struct db_request r;
	sqlite3_stmt *st;
	int rc, ret = 0;

	if (sqlite__prepare(&st, db, "SELECT " REQUEST_COLUMNS "WHERE "
			    "m.deleted_time IS NULL AND (?1 = 0 OR r.model = ?1) "
			    "ORDER BY r.id") < 0)
		return CAIRN_ERROR;
	sqlite3_bind_int64(st, 1, model);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		row_to_request(&r, st, 0);
		if ((ret = cb(&r, payload)) != 0)
			break;
	}
	if (!ret && rc != SQLITE_DONE)
		ret = sqlite__error(db, "cannot read the requests");
	sqlite3_finalize(st);
	return ret;
}

int db_request_find(int64_t *id, struct db *db, int64_t model,
		    uint64_t version, const char *target, const char *status)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite__prepare(&st, db, "SELECT id FROM promotion_requests WHERE "
			    "model = ?1 AND version = ?2 AND target = ?3 AND "
			    "status = ?4 ORDER BY id DESC LIMIT 1") < 0)
		return CAIRN_ERROR;
	sqlite3_bind_int64(st, 1, model);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)version);
	sqlite3_bind_text(st, 3, target, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, status, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : sqlite__error(db, "cannot read the requests");
}
