/*
 * db_promotion.h: controlled promotion in the metadata store: policies,
 * promotion requests and their votes (the SQL is in
 * db_sqlite_promotion.c, the tables come from migration 8 in
 * db_sqlite.c).
 *
 * Models are addressed by their integer key (db_model_get()). Values
 * filled by a get own their strings (release with the matching _clear);
 * rows passed to a foreach callback are borrowed for the call. Writes
 * must run inside db_begin()/db_commit().
 */
#ifndef CAIRN_LIB_DB_PROMOTION_H
#define CAIRN_LIB_DB_PROMOTION_H

#include <stdint.h>

#include "cairn.h"
#include "lib/db.h"

/* Policies: the canonical text per (model, target). */
int db_policy_put(struct db *db, int64_t model, const char *target,
		  const char *policy, const char *actor, int64_t time);
/* 1 and *out (owned), 0 if none. */
int db_policy_get(char **out, struct db *db, int64_t model,
		  const char *target);
/* 1 if there was one, 0 if not. */
int db_policy_delete(struct db *db, int64_t model, const char *target);
int db_policy_foreach(struct db *db, int64_t model,
		      int (*cb)(const char *target, const char *policy,
				void *payload),
		      void *payload);

/* A request as stored, with the model's key. */
struct db_request {
	cairn_promotion_request r;
	int64_t model;
};

int db_request_insert(int64_t *id, struct db *db, int64_t model,
		      const cairn_promotion_request *r);
/* 1 and *out (owned; approvals counted), 0 if none. */
int db_request_get(struct db_request *out, struct db *db, int64_t id);
void db_request_clear(struct db_request *r);
int db_request_set_status(struct db *db, int64_t id, const char *status,
			  int64_t time);
/* CAIRN_EEXISTS if actor already voted on the request. */
int db_vote_put(struct db *db, int64_t request, const char *actor,
		const char *verdict, const char *reason, int64_t time);
/* Of one model (0: all), oldest first; required left 0. */
int db_requests_foreach(struct db *db, int64_t model,
			int (*cb)(const struct db_request *r, void *payload),
			void *payload);
/*
 * The newest request for (model, version, target) in status: 1 and *id,
 * 0 if none.
 */
int db_request_find(int64_t *id, struct db *db, int64_t model,
		    uint64_t version, const char *target, const char *status);

#endif
