/*
 * lineage.h: what lineage.c needs of the metadata store beyond the public
 * API: the runs that used a data set version (db_sqlite_lineage.c).
 */
#ifndef CAIRN_LIB_LINEAGE_H
#define CAIRN_LIB_LINEAGE_H

#include <stdint.h>

struct db;

/*
 * Call cb with the id of every run that recorded version `version` of
 * data set `name` as an input, and the context it gave, by run then
 * context; a non-zero return stops the walk and is returned.
 */
int db_runs_using(struct db *db, const char *name, uint64_t version,
		  int (*cb)(const char *run_id, const char *context,
			    void *payload),
		  void *payload);

#endif
