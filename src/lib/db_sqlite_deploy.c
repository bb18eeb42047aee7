/*
 * db_sqlite_deploy.c: deployments in the SQLite backend (db_deploy.h;
 * the table from migration 9 in db_sqlite.c): one row per name with the
 * URIs a server follows, the canary's percent, and the generation that
 * a running server compares to see a change. Every statement binds its
 * values.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/db_deploy.h"
#include "lib/db_sqlite.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/banned.h"

#define DEPLOYMENT_COLUMNS \
	"name, model_uri, canary_uri, canary_percent, shadow_uri, created_ms, " \
	"updated_ms, generation FROM deployments "

static const char *text_col(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

static const char *own_col(sqlite3_stmt *st, int i)
{
	return sqlite__column_dup(st, i);
}

static void row_to_deployment(cairn_deployment *d, sqlite3_stmt *st, int own)
{
	const char *(*str)(sqlite3_stmt *, int) = own ? own_col : text_col;

	memset(d, 0, sizeof(*d));
	d->name = str(st, 0);
	d->model_uri = str(st, 1);
	d->canary_uri = str(st, 2);
	d->canary_percent = (unsigned)sqlite3_column_int(st, 3);
	d->shadow_uri = str(st, 4);
	d->created_ms = sqlite3_column_int64(st, 5);
	d->updated_ms = sqlite3_column_int64(st, 6);
	d->generation = (uint64_t)sqlite3_column_int64(st, 7);
}

static void bind_text_or_null(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

int db_deployment_get(cairn_deployment *out, struct db *db, const char *name)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite__prepare(&st, db, "SELECT " DEPLOYMENT_COLUMNS
			    "WHERE name = ?1") < 0)
		return CAIRN_ERROR;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		row_to_deployment(out, st, 1);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0
				 : sqlite__error(db, "cannot read the deployment");
}

int db_deployment_put(struct db *db, const cairn_deployment *d)
{
	sqlite3_stmt *st;

	if (sqlite__prepare(&st, db, "INSERT OR REPLACE INTO deployments(name, "
			    "model_uri, canary_uri, canary_percent, shadow_uri, "
			    "created_ms, updated_ms, generation) VALUES (?1, ?2, "
			    "?3, ?4, ?5, ?6, ?7, ?8)") < 0)
		return CAIRN_ERROR;
	sqlite3_bind_text(st, 1, d->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, d->model_uri, -1, SQLITE_STATIC);
	bind_text_or_null(st, 3, d->canary_uri);
	sqlite3_bind_int(st, 4, (int)d->canary_percent);
	bind_text_or_null(st, 5, d->shadow_uri);
	sqlite3_bind_int64(st, 6, d->created_ms);
	sqlite3_bind_int64(st, 7, d->updated_ms);
	sqlite3_bind_int64(st, 8, (sqlite3_int64)d->generation);
	return sqlite__step_done(db, st, "cannot record the deployment");
}

int db_deployment_delete(struct db *db, const char *name)
{
	sqlite3_stmt *st;

	if (sqlite__prepare(&st, db, "DELETE FROM deployments WHERE name = ?1") < 0)
		return CAIRN_ERROR;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	return sqlite__step_done(db, st, "cannot delete the deployment");
}

int db_deployment_foreach(struct db *db,
			  int (*cb)(const cairn_deployment *d, void *payload),
			  void *payload)
{
	cairn_deployment d;
	sqlite3_stmt *st;
	int rc, ret = 0;

	if (sqlite__prepare(&st, db, "SELECT " DEPLOYMENT_COLUMNS
			    "ORDER BY name") < 0)
		return CAIRN_ERROR;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		row_to_deployment(&d, st, 0);
		if ((ret = cb(&d, payload)) != 0)
			break;
	}
	if (!ret && rc != SQLITE_DONE)
		ret = sqlite__error(db, "cannot read the deployments");
	sqlite3_finalize(st);
	return ret;
}

void db_deployment_clear(cairn_deployment *d)
{
	free((char *)d->name);
	free((char *)d->model_uri);
	free((char *)d->canary_uri);
	free((char *)d->shadow_uri);
	memset(d, 0, sizeof(*d));
}
