/*
 * audit_verify.c: recompute the audit log's hash chain and name the first
 * event that is not as cairn appended it.
 *
 * The walk reads events by seq and expects seq 1, 2, 3, ... each one's
 * prev equal to the hash of the one before (zeros for the first) and its
 * hash equal to SHA-256(prev, canonical JSON) (audit.c). At the first
 * event that breaks a rule it stops and works out what happened:
 *
 *   removed    a gap in seq; or an intact event whose recorded seq is
 *              higher than where it stands and whose predecessor is gone
 *              (removed, then renumbered);
 *   reordered  the event hashes correctly under another seq and its
 *              predecessor still exists: it was moved (seqs swapped);
 *   inserted   the event after it links past it (it was slipped in),
 *              or it links to no event at all, or its seq is below 1;
 *   modified   anything else: its content does not match its hash;
 *   truncated  the chain is intact but ends before the head record
 *              (db_sqlite_audit.c) says it did.
 *
 * The tail and the head record are read together under the write lock,
 * so a writer between its COMMIT and its head write cannot fool the
 * check; the walk then covers every event up to that tail.
 *
 * Anyone who can write the database can also recompute a whole valid
 * chain (there is no secret in it): the head record and a head hash kept
 * elsewhere (`cairn audit verify` prints it) are what catch that.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "lib/audit.h"
#include "lib/db.h"
#include "lib/repo.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/hash.h"
#include "util/banned.h"

/* How far a moved or renumbered event's original seq is searched. */
#define SEQ_SEARCH 16

/* A row copied out of the store (the walk's rows are borrowed). */
struct row_copy {
	struct db_audit_row r;
	char *strs[8];
};

static void row_copy(struct row_copy *c, const struct db_audit_row *r)
{
	const char **fields[8];
	size_t i;

	c->r = *r;
	fields[0] = &c->r.actor;
	fields[1] = &c->r.action;
	fields[2] = &c->r.object;
	fields[3] = &c->r.before;
	fields[4] = &c->r.after;
	fields[5] = &c->r.reason;
	fields[6] = &c->r.prev;
	fields[7] = &c->r.hash;
	for (i = 0; i < 8; i++) {
		c->strs[i] = *fields[i] ? xstrdup(*fields[i]) : NULL;
		*fields[i] = c->strs[i];
	}
}

static void row_copy_release(struct row_copy *c)
{
	size_t i;

	for (i = 0; i < 8; i++)
		free(c->strs[i]);
	memset(c, 0, sizeof(*c));
}

struct walk {
	struct hash_ctx ctx;
	struct buf canon;
	int64_t expected;   /* the next seq */
	char prev[65];      /* the hash the next event must link to */
	int64_t head_seq;   /* the head record's, or 0 */
	char head_hash[65];
	int head_matched;   /* the event at head_seq carries head_hash */
	uint64_t events;
	/* The first bad event, when the walk stopped. */
	int bad;
	int64_t gap_seq;    /* > 0: the seq found where `expected` was due */
	struct row_copy row;
	int canon_failed;
};

/* Does r hash to its recorded hash when its seq is taken as seq? */
static int hashes_as(struct walk *w, const struct db_audit_row *r, int64_t seq)
{
	struct db_audit_row t = *r;
	char h[65];

	t.seq = seq;
	if (audit_canonical(&w->canon, &t) < 0)
		return 0;
	audit_hash(h, &w->ctx, t.prev, &w->canon);
	return !strcmp(h, t.hash);
}

static int walk_row(const struct db_audit_row *r, void *payload)
{
	struct walk *w = payload;
	char h[65];

	if (r->seq != w->expected) {
		w->bad = 1;
		w->gap_seq = r->seq;
		row_copy(&w->row, r);
		return 1;
	}
	if (audit_canonical(&w->canon, r) < 0) {
		w->bad = 1;
		w->canon_failed = 1;
		row_copy(&w->row, r);
		return 1;
	}
	audit_hash(h, &w->ctx, r->prev, &w->canon);
	if (strcmp(h, r->hash) || strcmp(r->prev, w->prev)) {
		w->bad = 1;
		row_copy(&w->row, r);
		return 1;
	}
	if (r->seq == w->head_seq)
		w->head_matched = !strcmp(r->hash, w->head_hash);
	memcpy(w->prev, r->hash, sizeof(w->prev));
	w->expected++;
	w->events++;
	return 0;
}

static int first_row_cb(const struct db_audit_row *r, void *payload)
{
	row_copy(payload, r);
	return 1;
}

/* The event at seq: 1 and *out (release it), 0 if there is none. */
static int read_row(struct row_copy *out, struct db *db, int64_t seq)
{
	struct db_audit_filter f;
	int ret;

	memset(&f, 0, sizeof(f));
	memset(out, 0, sizeof(*out));
	f.from_seq = f.to_seq = seq;
	ret = db_audit_foreach(db, &f, first_row_cb, out);
	return ret < 0 ? ret : ret > 0;
}

static void report(cairn_audit_verify_result *out, cairn_audit_problem p,
		   int64_t seq, const char *fmt, ...) CAIRN_PRINTF(4, 5);

static void report(cairn_audit_verify_result *out, cairn_audit_problem p,
		   int64_t seq, const char *fmt, ...)
{
	va_list ap;

	out->problem = p;
	out->seq = seq;
	va_start(ap, fmt);
	vsnprintf(out->message, sizeof(out->message), fmt, ap);
	va_end(ap);
}

/* Work out what happened at the first bad event (w->row). */
static int diagnose(cairn_audit_verify_result *out, struct walk *w,
		    struct db *db)
{
	const struct db_audit_row *r = &w->row.r;
	int64_t e = w->expected, orig = 0, pred = 0, k;
	int self_ok, link_ok, pred_found, err;
	struct row_copy next;

	if (w->gap_seq && w->gap_seq < e) {
		report(out, CAIRN_AUDIT_INSERTED, w->gap_seq,
		       "event %lld was inserted: seqs start at 1",
		       (long long)w->gap_seq);
		return 0;
	}
	if (w->gap_seq) {
		if (w->gap_seq == e + 1)
			report(out, CAIRN_AUDIT_REMOVED, e,
			       "event %lld was removed: the log skips from event %lld "
			       "to event %lld", (long long)e, (long long)(e - 1),
			       (long long)w->gap_seq);
		else
			report(out, CAIRN_AUDIT_REMOVED, e,
			       "events %lld to %lld were removed: the log skips from "
			       "event %lld to event %lld", (long long)e,
			       (long long)(w->gap_seq - 1), (long long)(e - 1),
			       (long long)w->gap_seq);
		return 0;
	}
	if (w->canon_failed) {
		report(out, CAIRN_AUDIT_MODIFIED, e,
		       "event %lld was modified: it has a string that is not UTF-8",
		       (long long)e);
		return 0;
	}
	self_ok = hashes_as(w, r, e);
	link_ok = !strcmp(r->prev, w->prev);
	if ((pred_found = db_audit_find_hash(&pred, db, r->prev)) < 0)
		return pred_found;

	/* Does it hash under another seq? Then it was moved or renumbered. */
	if (!self_ok) {
		if (pred_found && pred + 1 != e && hashes_as(w, r, pred + 1))
			orig = pred + 1;
		for (k = 1; !orig && k <= SEQ_SEARCH; k++) {
			if (hashes_as(w, r, e + k))
				orig = e + k;
			else if (e - k >= 1 && hashes_as(w, r, e - k))
				orig = e - k;
		}
	}
	if (orig && !pred_found && orig > e) {
		report(out, CAIRN_AUDIT_REMOVED, e,
		       "event %lld was removed: the event now numbered %lld was "
		       "recorded as event %lld and its predecessor is gone",
		       (long long)e, (long long)e, (long long)orig);
		return 0;
	}
	if (orig) {
		report(out, CAIRN_AUDIT_REORDERED, e,
		       "event %lld was reordered: it was recorded as event %lld",
		       (long long)e, (long long)orig);
		return 0;
	}
	if (self_ok && !link_ok) {
		if (pred_found && pred >= e)
			report(out, CAIRN_AUDIT_REORDERED, e,
			       "event %lld was reordered: it follows event %lld, which "
			       "now comes after it", (long long)e, (long long)pred);
		else
			report(out, CAIRN_AUDIT_INSERTED, e,
			       "event %lld was inserted: it does not link to event %lld",
			       (long long)e, (long long)(e - 1));
		return 0;
	}
	/* Content or hash changed: inserted if the chain runs past it. */
	if ((err = read_row(&next, db, e + 1)) < 0)
		return err;
	if (err && !strcmp(next.r.prev, w->prev))
		report(out, CAIRN_AUDIT_INSERTED, e,
		       "event %lld was inserted: event %lld links to event %lld, "
		       "past it", (long long)e, (long long)(e + 1), (long long)(e - 1));
	else if (!link_ok && !pred_found && !err)
		report(out, CAIRN_AUDIT_INSERTED, e,
		       "event %lld was inserted: it links to no event",
		       (long long)e);
	else if (!err && w->head_seq && e > w->head_seq)
		report(out, CAIRN_AUDIT_INSERTED, e,
		       "event %lld was inserted: it comes after the head record's "
		       "event %lld and does not hash", (long long)e,
		       (long long)w->head_seq);
	else
		report(out, CAIRN_AUDIT_MODIFIED, e,
		       "event %lld was modified: its content does not match its hash",
		       (long long)e);
	if (err)
		row_copy_release(&next);
	return 0;
}

/* Read the tail and the head record together, under the write lock. */
static int read_ends(int64_t *tail, int *has_head, struct walk *w, struct db *db)
{
	char tail_hash[65];
	int err;

	if ((err = db_begin(db)) < 0)
		return err;
	if ((err = db_audit_tail(tail, tail_hash, db)) == 0 &&
	    (err = db_audit_head(&w->head_seq, w->head_hash, db)) >= 0) {
		*has_head = err;
		err = 0;
	}
	db_rollback(db);
	return err;
}

int cairn_audit_verify(cairn_audit_verify_result *out, cairn_repo *repo)
{
	struct db *db = repo->db;
	struct db_audit_filter f;
	struct walk w;
	int64_t tail = 0;
	int has_head = 0, err;

	memset(out, 0, sizeof(*out));
	if ((err = cairn_repo__need_local(repo)) < 0)
		return err;
	memset(&w, 0, sizeof(w));
	memset(w.prev, '0', 64);
	w.expected = 1;
	memset(&f, 0, sizeof(f));
	if ((err = read_ends(&tail, &has_head, &w, db)) < 0)
		return err;
	if (!has_head)
		w.head_seq = 0;
	f.to_seq = tail;
	hash_init(&w.ctx);
	if (tail > 0 && (err = db_begin_read(db)) == 0) {
		err = db_audit_foreach(db, &f, walk_row, &w);
		if (err > 0)
			err = 0;
		if (!err && w.bad)
			err = diagnose(out, &w, db);
		db_rollback(db);
	}
	out->events = w.events;
	out->last_seq = w.expected - 1;
	memcpy(out->last_hash, w.prev, sizeof(out->last_hash));
	out->head_checked = has_head;
	if (err < 0 || w.bad)
		goto done;
	if (has_head && w.head_seq > out->last_seq)
		report(out, CAIRN_AUDIT_TRUNCATED, out->last_seq + 1,
		       "the log was truncated: it ends at event %lld but the head "
		       "record names event %lld", (long long)out->last_seq,
		       (long long)w.head_seq);
	else if (has_head && w.head_seq > 0 && !w.head_matched)
		report(out, CAIRN_AUDIT_MODIFIED, w.head_seq,
		       "event %lld was modified: its hash differs from the head "
		       "record's (the chain was rewritten up to it)",
		       (long long)w.head_seq);
done:
	hash_release(&w.ctx);
	buf_release(&w.canon);
	row_copy_release(&w.row);
	return err;
}

const char *cairn_audit_problem_name(cairn_audit_problem p)
{
	static const char *const names[] = {
		"ok", "modified", "removed", "inserted", "reordered", "truncated"
	};

	return (unsigned)p < sizeof(names) / sizeof(*names) ? names[p] : "unknown";
}

int cairn_audit_verify_json(cairn_buf *out, const cairn_audit_verify_result *r)
{
	json_t *o = json_pack("{s:b, s:I, s:I, s:s, s:b, s:s}",
			      "ok", r->problem == CAIRN_AUDIT_OK,
			      "events", (json_int_t)r->events,
			      "last_seq", (json_int_t)r->last_seq,
			      "head_hash", r->last_hash,
			      "head_checked", r->head_checked,
			      "problem", cairn_audit_problem_name(r->problem));
	char *text;

	if (o && r->problem != CAIRN_AUDIT_OK) {
		json_object_set_new(o, "seq", json_integer(r->seq));
		json_object_set_new(o, "message", json_string(r->message));
	}
	text = o ? json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
	json_decref(o);
	if (!text)
		return cairn_error_set(CAIRN_ERRCLASS_INVALID,
				       "cannot write the verify result as JSON");
	out->ptr = xstrdup(text);
	out->size = strlen(text);
	out->asize = out->size + 1;
	free(text);
	return 0;
}
