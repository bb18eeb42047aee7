/*
 * audit.h: the audit log inside the library: appending an event, and the
 * metadata store's part of it.
 *
 * Every state change of the store appends one event in the same
 * transaction as the change, so the two commit or roll back together:
 *
 *	if ((err = db_begin(repo->db)) < 0)
 *		return err;
 *	if ((err = db_..._change(...)) < 0 ||
 *	    (err = audit_record(repo, "run.delete", object, before, after,
 *				NULL)) < 0) {
 *		db_rollback(repo->db);
 *		return err;
 *	}
 *	return db_commit(repo->db);
 *
 * Events are never updated or deleted; a correction is a new event. The
 * format (canonical JSON, the hash chain) is described in
 * docs/internals/audit.md; object names are "KIND:ID" ("experiment:3",
 * "run:<32 hex>", "dataset:NAME@vN", "model:NAME", "model:NAME/3").
 */
#ifndef CAIRN_LIB_AUDIT_H
#define CAIRN_LIB_AUDIT_H

#include <stdint.h>

#include <jansson.h>

#include "cairn.h"
#include "util/buf.h"

struct db;

/* An event to append. Strings are borrowed. */
struct audit_event {
	int64_t time_ms;    /* 0: now */
	const char *actor;  /* NULL: the OS user */
	const char *action; /* "run.create", "model.alias.set", ... */
	const char *object; /* "run:<id>", ... */
	const char *before; /* JSON text of the state before, or NULL */
	const char *after;  /* JSON text of the state after, or NULL */
	const char *reason; /* why, as the actor said it, or NULL */
};

/*
 * Append ev to the log: it gets the next seq, the previous event's hash,
 * and its own hash. Must run inside db_begin()/db_commit(); before and
 * after must be JSON (CAIRN_EINVALID otherwise) and are stored in
 * canonical form. seq_out (may be NULL) gets the event's seq.
 */
int audit_append(int64_t *seq_out, struct db *db, const struct audit_event *ev);

/* audit_append() with the repository's actor (cairn_repo_set_actor()). */
int audit_record(cairn_repo *repo, const char *action, const char *object,
		 const char *before, const char *after, const char *reason);

/*
 * audit_record() with before and after as JSON values (NULL: absent),
 * which it takes over; the way the library's own events are built, e.g.
 *	audit_record_json(repo, "experiment.rename", object,
 *			  json_pack("{s:o}", "name", audit_str(old)),
 *			  json_pack("{s:o}", "name", audit_str(new)), NULL);
 */
int audit_record_json(cairn_repo *repo, const char *action, const char *object,
		      json_t *before, json_t *after, const char *reason);

/* A JSON string of s made valid UTF-8 (audit_utf8()); json_null() for NULL. */
json_t *audit_str(const char *s);

/*
 * A data set version's event, "dataset.version.add" or ".import", on
 * "dataset:NAME@vN" with its id, kind, size, files, rows and path.
 */
int audit_data_version(cairn_repo *repo, const char *action,
		       const cairn_data_version *v);

/* The repository's actor: the one set, else the OS user. */
const char *audit_actor(cairn_repo *repo);

/*
 * s as valid UTF-8 (each invalid byte becomes U+FFFD) appended to out, so
 * that any name can go into an event's JSON.
 */
void audit_utf8(struct buf *out, const char *s);

/* ------------------------------------------- the metadata store's part */

/* An event as stored; strings borrowed from the store during a callback. */
struct db_audit_row {
	int64_t seq, time_ms;
	const char *actor, *action, *object;
	const char *before, *after, *reason; /* NULL when absent */
	const char *prev, *hash;             /* 64 hex each */
};

/* The last event's seq and hash (0 and 64 zeros when the log is empty). */
int db_audit_tail(int64_t *seq, char hash[65], struct db *db);
/* Store a complete row (inside a write transaction). */
int db_audit_insert(struct db *db, const struct db_audit_row *row);

struct db_audit_filter {
	const char *object;   /* exact, or a prefix followed by '/' or '@' */
	const char *action;   /* exact, or a prefix ending in '.' */
	int64_t since, until; /* ms, inclusive; 0: unbounded */
	int64_t from_seq;     /* the first seq to read (0: from the start) */
	int64_t to_seq;       /* the last (0: to the end) */
};
/* Rows by seq; cb's non-zero return stops the walk and is returned. */
int db_audit_foreach(struct db *db, const struct db_audit_filter *f,
		     int (*cb)(const struct db_audit_row *row, void *payload),
		     void *payload);
/* The seq of the event whose hash is this: 1 and *seq, or 0 if none. */
int db_audit_find_hash(int64_t *seq, struct db *db, const char *hash);
/*
 * The head record: the seq and hash of the newest event, written beside
 * the database after every commit that appended events (a second place
 * that shows a truncated log). 1 and filled if there is one, 0 if not.
 */
int db_audit_head(int64_t *seq, char hash[65], struct db *db);

/* ------------------------------------------------------ the chain's form */

struct hash_ctx;

/* The canonical JSON of a row (seq and time included, prev and hash not). */
int audit_canonical(struct buf *out, const struct db_audit_row *r);
/* SHA-256 over prev (64 hex) and the canonical JSON, as 64 hex. */
void audit_hash(char out[65], struct hash_ctx *ctx, const char *prev,
		const struct buf *canon);

#endif
