/*
 * db.h: the metadata store: data sets and their versions, and the stat
 * cache that lets status skip unchanged files.
 *
 * The only backend so far is SQLite (db_sqlite.c), the one file that
 * includes <sqlite3.h>. The schema is versioned (PRAGMA user_version) and
 * brought up to date by numbered migrations when the store is opened, each
 * in its own transaction.
 *
 * cairn_data_version values filled here own their strings (allocated with
 * xstrdup); release them with db_version_clear().
 */
#ifndef CAIRN_LIB_DB_H
#define CAIRN_LIB_DB_H

#include <stdint.h>

#include "cairn.h"

struct db;

int db_open(struct db **out, const char *path);
void db_free(struct db *db);

/* The schema version after migrations. */
int db_schema_version(struct db *db);

int db_begin(struct db *db);     /* BEGIN IMMEDIATE */
/* A read transaction: one snapshot and one lock for many lookups. */
int db_begin_read(struct db *db);
int db_commit(struct db *db);
void db_rollback(struct db *db); /* no-op outside a transaction */

/* ------------------------------------------------------ data sets */

/* Version `version` of data set `name`; 0 means the latest. */
int db_version_get(cairn_data_version *out, struct db *db, const char *name,
		   uint64_t version);
/* The version of `name` with this content, if any (CAIRN_ENOTFOUND). */
int db_version_find_oid(cairn_data_version *out, struct db *db,
			const char *name, const cairn_oid *oid);
/*
 * Versions whose id starts with the hex prefix, optionally within one
 * data set: CAIRN_ENOTFOUND, CAIRN_EAMBIGUOUS or 0.
 */
int db_version_find_prefix(cairn_data_version *out, struct db *db,
			   const char *name, const char *hex_prefix);
/*
 * Record a new version; v->version is set to the next number. Must run
 * inside db_begin()/db_commit().
 */
int db_version_insert(struct db *db, cairn_data_version *v);
/* Record a version with its number as given (pull); no-op if present. */
int db_version_import(struct db *db, const cairn_data_version *v);
/*
 * Call cb for versions: of one data set (name) or of all (NULL), oldest
 * first; with latest_only, only each set's newest.
 */
int db_version_foreach(struct db *db, const char *name, int latest_only,
		       cairn_data_version_cb cb, void *payload);
void db_version_clear(cairn_data_version *v);
/* A deep copy (strings duplicated). */
void db_version_copy(cairn_data_version *dst, const cairn_data_version *src);

/* ------------------------------------------------------ stat cache */

struct db_stat {
	uint64_t dev, ino, size;
	int64_t mtime_ns, ctime_ns;
	uint32_t mode;
	cairn_oid oid;
	int64_t recorded_ns; /* when the file was hashed (before reading) */
};

/* 1 and *out filled if the cache has path, 0 if not, <0 on error. */
int db_stat_get(struct db_stat *out, struct db *db, const char *path);
int db_stat_put(struct db *db, const char *path, const struct db_stat *st);

#endif
