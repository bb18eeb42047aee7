/*
 * db_deploy.h: deployments in the metadata store (the SQL is in
 * db_sqlite_deploy.c, the table comes from migration 9 in db_sqlite.c).
 *
 * A deployment row is a cairn_deployment. Values filled by a get own
 * their strings (release with db_deployment_clear()); rows passed to a
 * foreach callback are borrowed for the call. Writes must run inside
 * db_begin()/db_commit().
 */
#ifndef CAIRN_LIB_DB_DEPLOY_H
#define CAIRN_LIB_DB_DEPLOY_H

#include "cairn.h"
#include "lib/db.h"

/* 1 and *out (owned), 0 if there is no such deployment. */
int db_deployment_get(cairn_deployment *out, struct db *db, const char *name);
/* Insert or replace the row named d->name, as given. */
int db_deployment_put(struct db *db, const cairn_deployment *d);
/* Remove the row named name (none: nothing). */
int db_deployment_delete(struct db *db, const char *name);
/* Every deployment, by name; cb's non-zero return stops and is returned. */
int db_deployment_foreach(struct db *db,
			  int (*cb)(const cairn_deployment *d, void *payload),
			  void *payload);
void db_deployment_clear(cairn_deployment *d);

#endif
