/*
 * lineage.h: what lineage.c needs of the metadata store beyond the public
 * API: the runs that used a data set version and the data set versions a
 * run produced (db_sqlite_lineage.c).
 */
#ifndef CAIRN_LIB_LINEAGE_H
#define CAIRN_LIB_LINEAGE_H

#include <stdint.h>

struct db;

/*
 * Call cb with the id of every run that recorded version `version` of
 * data set `name` as an input, and the context it gave, by the runs'
 * start (ties in creation order) then context; a non-zero return stops
 * the walk and is returned.
 */
int db_runs_using(struct db *db, const char *name, uint64_t version,
		  int (*cb)(const char *run_id, const char *context,
			    void *payload),
		  void *payload);

/*
 * Call cb with the name and version of every data set version that names
 * run_id as the run that produced it, by name then version; a non-zero
 * return stops the walk and is returned.
 */
int db_versions_produced_by(struct db *db, const char *run_id,
			    int (*cb)(const char *name, uint64_t version,
				      void *payload),
			    void *payload);

#endif
