/*
 * audit.c: appending to the audit log, reading it, and the canonical form
 * its hashes cover.
 *
 * An event's hash is SHA-256 over the previous event's hash (64 lower-case
 * hex digits; 64 zeros before the first event) followed by the event's
 * canonical JSON: the object
 *
 *	{"action":..,"actor":..,"after":..,"before":..,"object":..,
 *	 "reason":..,"seq":N,"time":N}
 *
 * as jansson dumps it with sorted keys (at every depth), no whitespace,
 * non-ASCII escaped as \uXXXX and reals at 17 significant digits; absent
 * before, after and reason are null. docs/internals/audit.md is the full
 * definition. before and after are stored already in that form, so
 * audit_canonical() splices them in unparsed (verify never parses them);
 * appending and verifying both build the JSON with it, so the two can
 * never disagree.
 *
 * Strings in events are valid UTF-8: names that are not (a file name in
 * Latin-1) have each bad byte replaced by U+FFFD before they are stored,
 * so what is stored is exactly what was hashed.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "lib/audit.h"
#include "lib/db.h"
#include "lib/repo.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/hash.h"
#include "util/banned.h"

#define MAX_ACTOR 256

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ------------------------------------------------------ canonical form */

/* Length of the valid UTF-8 sequence at s (at most n bytes), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t len, i;
	unsigned int cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

void audit_utf8(struct buf *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);

	while (n) {
		size_t len = utf8_len(p, n);

		if (len) {
			buf_add(out, p, len);
		} else {
			buf_puts(out, "\xef\xbf\xbd");
			len = 1;
		}
		p += len;
		n -= len;
	}
}

static int dump_cb(const char *data, size_t size, void *payload)
{
	buf_add(payload, data, size);
	return 0;
}

#define CANON_FLAGS (JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII | \
		     JSON_REAL_PRECISION(17) | JSON_ENCODE_ANY)

/* A JSON text as a value (NULL text: null); NULL if it does not parse. */
static json_t *parse_value(const char *text)
{
	if (!text)
		return json_null();
	return json_loads(text, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, NULL);
}

static json_t *string_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

/* A JSON string (or null for NULL) in canonical form; -1 if not UTF-8. */
static int put_string(struct buf *out, const char *s)
{
	json_t *v;
	int err;

	if (!s) {
		buf_puts(out, "null");
		return 0;
	}
	if (!(v = json_string(s)))
		return -1;
	err = json_dump_callback(v, dump_cb, out, CANON_FLAGS);
	json_decref(v);
	return err;
}

/*
 * The members in key order. before and after are stored in canonical form
 * (audit_append() made them so) and go in byte for byte: a stored value
 * changed in any way, even to an equal JSON value, changes the hash.
 */
int audit_canonical(struct buf *out, const struct db_audit_row *r)
{
	int bad = 0;

	buf_reset(out);
	buf_puts(out, "{\"action\":");
	bad |= put_string(out, r->action);
	buf_puts(out, ",\"actor\":");
	bad |= put_string(out, r->actor);
	buf_puts(out, ",\"after\":");
	buf_puts(out, r->after ? r->after : "null");
	buf_puts(out, ",\"before\":");
	buf_puts(out, r->before ? r->before : "null");
	buf_puts(out, ",\"object\":");
	bad |= put_string(out, r->object);
	buf_puts(out, ",\"reason\":");
	bad |= put_string(out, r->reason);
	buf_printf(out, ",\"seq\":%lld,\"time\":%lld}", (long long)r->seq,
		   (long long)r->time_ms);
	if (bad)
		return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
					"audit event %lld has a string that is not UTF-8",
					(long long)r->seq);
	return 0;
}

void audit_hash(char out[65], struct hash_ctx *ctx, const char *prev,
		const struct buf *canon)
{
	cairn_oid h;

	hash_update(ctx, prev, strlen(prev));
	hash_update(ctx, canon->ptr, canon->len);
	hash_final(&h, ctx);
	oid_tohex(out, &h);
}

/* ------------------------------------------------------------ appending */

/* A JSON text in canonical form into out; CAIRN_EINVALID if it is not JSON. */
static int canonical_text(struct buf *out, const char *what, const char *text)
{
	json_t *v = parse_value(text);
	int err = 0;

	if (!v || json_dump_callback(v, dump_cb, out, CANON_FLAGS))
		err = cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
				       "audit event: '%s' is not JSON", what);
	json_decref(v);
	return err;
}

int audit_append(int64_t *seq_out, struct db *db, const struct audit_event *ev)
{
	struct buf actor = BUF_INIT, action = BUF_INIT, object = BUF_INIT,
		   reason = BUF_INIT, before = BUF_INIT, after = BUF_INIT,
		   canon = BUF_INIT;
	struct db_audit_row row;
	struct hash_ctx ctx = { NULL };
	char prev[65], hash[65];
	int err;

	if (!ev->action || !*ev->action || !ev->object || !*ev->object)
		return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
					"an audit event needs an action and an object");
	memset(&row, 0, sizeof(row));
	audit_utf8(&actor, ev->actor ? ev->actor : cairn_repo__user());
	audit_utf8(&action, ev->action);
	audit_utf8(&object, ev->object);
	if (ev->reason)
		audit_utf8(&reason, ev->reason);
	if ((ev->before && (err = canonical_text(&before, "before", ev->before)) < 0) ||
	    (ev->after && (err = canonical_text(&after, "after", ev->after)) < 0) ||
	    (err = db_audit_tail(&row.seq, prev, db)) < 0)
		goto done;
	row.seq++;
	row.time_ms = ev->time_ms ? ev->time_ms : now_ms();
	row.actor = buf_cstr(&actor);
	row.action = buf_cstr(&action);
	row.object = buf_cstr(&object);
	row.reason = ev->reason ? buf_cstr(&reason) : NULL;
	row.before = ev->before ? buf_cstr(&before) : NULL;
	row.after = ev->after ? buf_cstr(&after) : NULL;
	if ((err = audit_canonical(&canon, &row)) < 0)
		goto done;
	hash_init(&ctx);
	audit_hash(hash, &ctx, prev, &canon);
	row.prev = prev;
	row.hash = hash;
	if ((err = db_audit_insert(db, &row)) < 0)
		goto done;
	if (seq_out)
		*seq_out = row.seq;
done:
	if (ctx.md)
		hash_release(&ctx);
	buf_release(&actor);
	buf_release(&action);
	buf_release(&object);
	buf_release(&reason);
	buf_release(&before);
	buf_release(&after);
	buf_release(&canon);
	return err;
}

const char *audit_actor(cairn_repo *repo)
{
	/* The OS user is looked up once (it reads /etc/passwd). */
	if (!repo->actor)
		repo->actor = xstrdup(cairn_repo__user());
	return repo->actor;
}

int audit_record(cairn_repo *repo, const char *action, const char *object,
		 const char *before, const char *after, const char *reason)
{
	struct audit_event ev = { 0, NULL, action, object, before, after, reason };

	ev.actor = audit_actor(repo);
	return audit_append(NULL, repo->db, &ev);
}

json_t *audit_str(const char *s)
{
	struct buf b = BUF_INIT;
	json_t *v;

	if (!s)
		return json_null();
	audit_utf8(&b, s);
	v = json_stringn(b.ptr ? b.ptr : "", b.len);
	buf_release(&b);
	return v;
}

static char *dump_value(json_t *v)
{
	struct buf b = BUF_INIT;

	if (json_dump_callback(v, dump_cb, &b, CANON_FLAGS)) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b, NULL);
}

int audit_record_json(cairn_repo *repo, const char *action, const char *object,
		      json_t *before, json_t *after, const char *reason)
{
	char *b = before ? dump_value(before) : NULL,
	     *a = after ? dump_value(after) : NULL;
	int err;

	if ((before && !b) || (after && !a))
		err = cairn_error_set(CAIRN_ERRCLASS_INVALID,
				      "cannot write the audit event '%s'", action);
	else
		err = audit_record(repo, action, object, b, a, reason);
	free(b);
	free(a);
	json_decref(before);
	json_decref(after);
	return err;
}

int audit_data_version(cairn_repo *repo, const char *action,
		       const cairn_data_version *v)
{
	char id[CAIRN_OID_STRLEN + 1];
	struct buf object = BUF_INIT;
	json_t *after;
	int err;

	cairn_oid_fmt(id, &v->oid);
	buf_printf(&object, "dataset:%s@v%llu", v->name,
		   (unsigned long long)v->version);
	after = json_pack("{s:s, s:s, s:I, s:I, s:o, s:o}", "id", id,
			  "kind", v->kind == CAIRN_DATA_DIR ? "dir" : "file",
			  "size", (json_int_t)v->size, "files", (json_int_t)v->files,
			  "rows", v->rows >= 0 ? json_integer(v->rows) : json_null(),
			  "path", audit_str(v->path));
	if (v->run_id && *v->run_id)
		json_object_set_new(after, "run_id", json_string(v->run_id));
	err = audit_record_json(repo, action, object.ptr, NULL, after, NULL);
	buf_release(&object);
	return err;
}

int cairn_repo_set_actor(cairn_repo *repo, const char *actor)
{
	size_t i, n = actor ? strlen(actor) : 0;

	if (actor && (!n || n > MAX_ACTOR))
		return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
					"an actor is 1 to %d bytes", MAX_ACTOR);
	for (i = 0; i < n; i++)
		if ((unsigned char)actor[i] < 0x20 || actor[i] == 0x7f)
			return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
						"an actor has no control characters");
	free(repo->actor);
	repo->actor = actor ? xstrdup(actor) : NULL;
	return 0;
}

/* -------------------------------------------------------------- reading */

static void row_to_event(cairn_audit_event *e, const struct db_audit_row *r)
{
	e->seq = r->seq;
	e->time = r->time_ms;
	e->actor = r->actor;
	e->action = r->action;
	e->object = r->object;
	e->before = r->before;
	e->after = r->after;
	e->reason = r->reason;
	e->prev_hash = r->prev;
	e->hash = r->hash;
}

struct log_walk {
	int (*cb)(const cairn_audit_event *e, void *payload);
	void *payload;
};

static int log_row(const struct db_audit_row *r, void *payload)
{
	struct log_walk *w = payload;
	cairn_audit_event e;

	row_to_event(&e, r);
	return w->cb(&e, w->payload);
}

int cairn_audit_log(cairn_repo *repo, const cairn_audit_query *q,
		    int (*cb)(const cairn_audit_event *e, void *payload),
		    void *payload)
{
	struct db_audit_filter f;
	struct log_walk w = { cb, payload };
	int err;

	if ((err = cairn_repo__need_local(repo)) < 0)
		return err;
	memset(&f, 0, sizeof(f));
	if (q) {
		if (q->since < 0 || q->until < 0 || q->after_seq < 0 ||
		    (q->until && q->since > q->until))
			return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
						"an audit query has no negative times or seq, and since is not after until");
		f.object = q->object && *q->object ? q->object : NULL;
		f.action = q->action && *q->action ? q->action : NULL;
		f.since = q->since;
		f.until = q->until;
		f.from_seq = q->after_seq + 1;
	}
	return db_audit_foreach(repo->db, &f, log_row, &w);
}

int cairn_audit_event_json(cairn_buf *out, const cairn_audit_event *e)
{
	json_t *o = json_object(), *before = parse_value(e->before),
	       *after = parse_value(e->after);
	struct buf b = BUF_INIT;

	/* A stored before/after that no longer parses is shown as text. */
	if (!before)
		before = json_string(e->before);
	if (!after)
		after = json_string(e->after);
	json_object_set_new(o, "seq", json_integer(e->seq));
	json_object_set_new(o, "time", json_integer(e->time));
	json_object_set_new(o, "actor", json_string(e->actor));
	json_object_set_new(o, "action", json_string(e->action));
	json_object_set_new(o, "object", json_string(e->object));
	json_object_set_new(o, "before", before ? before : json_null());
	json_object_set_new(o, "after", after ? after : json_null());
	json_object_set_new(o, "reason", string_or_null(e->reason));
	json_object_set_new(o, "prev_hash", json_string(e->prev_hash));
	json_object_set_new(o, "hash", json_string(e->hash));
	if (json_dump_callback(o, dump_cb, &b, JSON_COMPACT | JSON_PRESERVE_ORDER)) {
		json_decref(o);
		buf_release(&b);
		return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
					"audit event %lld cannot be written as JSON",
					(long long)e->seq);
	}
	json_decref(o);
	out->ptr = buf_detach(&b, &out->size);
	out->asize = out->size + 1;
	return 0;
}
