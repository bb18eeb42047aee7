/*
 * test_audit.c: the audit log (audit.c, audit_verify.c,
 * db_sqlite_audit.c): the canonical form and hash of a known event (the
 * contract of docs/internals/audit.md), appending inside and only inside
 * a transaction, rollback taking the event with it, the head record,
 * queries, the actor, and verify naming the first event after each kind
 * of tampering done with SQLite behind cairn's back.
 *
 * Each test gets a fresh project in its own directory under /tmp.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "lib/audit.h"
#include "lib/repo.h"
#include "util/buf.h"
#include "util/fs.h"
#include "util/hash.h"

struct fixture {
	char dir[64];
	cairn_repo *repo;
	char *db_path;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/cairn-test-audit-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	assert_int_equal(cairn_repo_init(&f->repo, f->dir, NULL), 0);
	f->db_path = path_join(cairn_repo_path(f->repo), "cairn.db");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	cairn_repo_free(f->repo);
	fs_remove_tree(f->dir);
	free(f->db_path);
	free(f);
	return 0;
}

/* Append n events "test.event" on objects "thing:1".."thing:n". */
static void append_n(struct fixture *f, int n)
{
	for (int i = 1; i <= n; i++) {
		char object[32], after[64];

		snprintf(object, sizeof(object), "thing:%d", i);
		snprintf(after, sizeof(after), "{\"i\":%d}", i);
		assert_int_equal(db_begin(f->repo->db), 0);
		assert_int_equal(audit_record(f->repo, "test.event", object, NULL,
					      after, NULL), 0);
		assert_int_equal(db_commit(f->repo->db), 0);
	}
}

/* Run SQL on the database behind cairn's back (triggers dropped first). */
static void tamper(struct fixture *f, const char *sql)
{
	sqlite3 *h;
	char *msg = NULL;

	assert_int_equal(sqlite3_open(f->db_path, &h), SQLITE_OK);
	if (sqlite3_exec(h, "DROP TRIGGER IF EXISTS audit_events_no_update;"
			 "DROP TRIGGER IF EXISTS audit_events_no_delete;", NULL, NULL,
			 &msg) != SQLITE_OK ||
	    sqlite3_exec(h, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", sql, msg);
	sqlite3_close(h);
}

static cairn_audit_problem verify(struct fixture *f, int64_t *seq, char *msg,
				  size_t msg_size)
{
	cairn_audit_verify_result res;

	assert_int_equal(cairn_audit_verify(&res, f->repo), 0);
	if (seq)
		*seq = res.seq;
	if (msg)
		snprintf(msg, msg_size, "%s", res.message);
	return res.problem;
}

static int first_event(const cairn_audit_event *e, void *payload)
{
	struct buf *b = payload;

	buf_printf(b, "%s|%s|%s", e->after, e->prev_hash, e->hash);
	return 1;
}

/*
 * The contract: this event's canonical JSON and hash, byte for byte. The
 * after given is not canonical; it is stored canonical.
 */
static void test_canonical_known_answer(void **state)
{
	struct fixture *f = *state;
	struct audit_event ev = { 1767225600000, "al\xc3\xaf" "ce", "run.create",
				  "run:00ff", NULL, "{ \"b\": 1, \"a\": \"x\\\"y\" }", NULL };
	struct db_audit_row r;
	struct buf canon = BUF_INIT, got = BUF_INIT;
	int64_t seq;

	assert_int_equal(db_begin(f->repo->db), 0);
	assert_int_equal(audit_append(&seq, f->repo->db, &ev), 0);
	assert_int_equal(db_commit(f->repo->db), 0);
	assert_int_equal(seq, 1);
	assert_int_equal(cairn_audit_log(f->repo, NULL, first_event, &got), 1);
	/* Python: hashlib.sha256(("0" * 64 + canon).encode()).hexdigest() */
	assert_string_equal(got.ptr, "{\"a\":\"x\\\"y\",\"b\":1}|"
			    "0000000000000000000000000000000000000000000000000000000000000000|"
			    "583a7f1b70931c73662ca20a46c3878a634c281e691e09009ddf932dedd539b0");
	memset(&r, 0, sizeof(r));
	r.seq = 1;
	r.time_ms = ev.time_ms;
	r.actor = ev.actor;
	r.action = ev.action;
	r.object = ev.object;
	r.after = "{\"a\":\"x\\\"y\",\"b\":1}";
	assert_int_equal(audit_canonical(&canon, &r), 0);
	assert_string_equal(canon.ptr,
			    "{\"action\":\"run.create\",\"actor\":\"al\\u00EFce\","
			    "\"after\":{\"a\":\"x\\\"y\",\"b\":1},\"before\":null,"
			    "\"object\":\"run:00ff\",\"reason\":null,\"seq\":1,"
			    "\"time\":1767225600000}");
	/* A string that is not UTF-8 has no canonical form. */
	r.actor = "\xff";
	assert_int_equal(audit_canonical(&canon, &r), CAIRN_EINVALID);
	buf_release(&canon);
	buf_release(&got);
}

static void test_utf8_repair(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	audit_utf8(&b, "a\xff" "b\xc3\xa9" "\xe2\x82");
	assert_string_equal(b.ptr, "a\xef\xbf\xbd" "b\xc3\xa9\xef\xbf\xbd\xef\xbf\xbd");
	buf_release(&b);
}

static int collect(const cairn_audit_event *e, void *payload)
{
	struct buf *b = payload;

	buf_printf(b, "%lld %s %s %s|", (long long)e->seq, e->action, e->object,
		   e->after ? e->after : "-");
	return 0;
}

static void test_append_chain(void **state)
{
	struct fixture *f = *state;
	struct buf b = BUF_INIT;
	struct audit_event ev = { 5, "someone", "a.b", "x:1", NULL, "[1, 2]", "why" };
	int64_t seq = 0, head_seq = 0;
	char head[65];

	/* Outside a transaction: refused, nothing written. */
	assert_int_equal(audit_append(&seq, f->repo->db, &ev), CAIRN_EINVALID);
	assert_int_equal(db_begin(f->repo->db), 0);
	assert_int_equal(audit_append(&seq, f->repo->db, &ev), 0);
	assert_int_equal(seq, 1);
	/* Not JSON: refused. */
	ev.after = "{nope";
	assert_int_equal(audit_append(&seq, f->repo->db, &ev), CAIRN_EINVALID);
	ev.after = NULL;
	assert_int_equal(db_commit(f->repo->db), 0);
	assert_int_equal(db_audit_head(&head_seq, head, f->repo->db), 1);
	assert_int_equal(head_seq, 1);

	/* A rolled-back change takes its event with it; the head stays. */
	assert_int_equal(db_begin(f->repo->db), 0);
	assert_int_equal(audit_record(f->repo, "a.c", "x:2", NULL, NULL, NULL), 0);
	db_rollback(f->repo->db);
	assert_int_equal(db_audit_head(&head_seq, head, f->repo->db), 1);
	assert_int_equal(head_seq, 1);

	append_n(f, 3);
	assert_int_equal(cairn_audit_log(f->repo, NULL, collect, &b), 0);
	assert_string_equal(b.ptr, "1 a.b x:1 [1,2]|2 test.event thing:1 {\"i\":1}|"
			    "3 test.event thing:2 {\"i\":2}|4 test.event thing:3 {\"i\":3}|");
	assert_int_equal(verify(f, NULL, NULL, 0), CAIRN_AUDIT_OK);
	assert_int_equal(db_audit_head(&head_seq, head, f->repo->db), 1);
	assert_int_equal(head_seq, 4);
	buf_release(&b);
}

static void test_query(void **state)
{
	struct fixture *f = *state;
	cairn_audit_query q = CAIRN_AUDIT_QUERY_INIT;
	struct buf b = BUF_INIT;

	append_n(f, 3);
	assert_int_equal(db_begin(f->repo->db), 0);
	assert_int_equal(audit_record(f->repo, "data.add", "dataset:d@v1", NULL,
				      NULL, NULL), 0);
	assert_int_equal(audit_record(f->repo, "data.add", "dataset:dd@v1", NULL,
				      NULL, NULL), 0);
	assert_int_equal(db_commit(f->repo->db), 0);
	q.object = "thing:2";
	assert_int_equal(cairn_audit_log(f->repo, &q, collect, &b), 0);
	assert_string_equal(b.ptr, "2 test.event thing:2 {\"i\":2}|");
	buf_reset(&b);
	q.object = "dataset:d"; /* every version of d, not of dd */
	assert_int_equal(cairn_audit_log(f->repo, &q, collect, &b), 0);
	assert_string_equal(b.ptr, "4 data.add dataset:d@v1 -|");
	buf_reset(&b);
	q.object = NULL;
	q.action = "data.";
	assert_int_equal(cairn_audit_log(f->repo, &q, collect, &b), 0);
	assert_string_equal(b.ptr, "4 data.add dataset:d@v1 -|5 data.add dataset:dd@v1 -|");
	q.since = 10;
	q.until = 5;
	assert_int_equal(cairn_audit_log(f->repo, &q, collect, &b), CAIRN_EINVALID);
	buf_release(&b);
}

static int first_actor(const cairn_audit_event *e, void *payload)
{
	snprintf(payload, 64, "%s", e->actor);
	return 1;
}

static void test_actor(void **state)
{
	struct fixture *f = *state;
	char actor[64];

	assert_int_equal(cairn_repo_set_actor(f->repo, "alice"), 0);
	assert_int_equal(cairn_repo_set_actor(f->repo, "bad\nname"), CAIRN_EINVALID);
	assert_int_equal(cairn_repo_set_actor(f->repo, ""), CAIRN_EINVALID);
	append_n(f, 1);
	assert_int_equal(cairn_audit_log(f->repo, NULL, first_actor, actor), 1);
	assert_string_equal(actor, "alice");
}

/* The store itself refuses to change history. */
static void test_triggers(void **state)
{
	struct fixture *f = *state;
	sqlite3 *h;

	append_n(f, 1);
	assert_int_equal(sqlite3_open(f->db_path, &h), SQLITE_OK);
	assert_int_equal(sqlite3_exec(h, "UPDATE audit_events SET actor = 'x'",
				      NULL, NULL, NULL), SQLITE_CONSTRAINT);
	assert_int_equal(sqlite3_exec(h, "DELETE FROM audit_events", NULL, NULL,
				      NULL), SQLITE_CONSTRAINT);
	sqlite3_close(h);
	assert_int_equal(verify(f, NULL, NULL, 0), CAIRN_AUDIT_OK);
}

static void expect(struct fixture *f, cairn_audit_problem p, int64_t seq,
		   const char *words)
{
	char msg[512];
	int64_t got;

	assert_int_equal(verify(f, &got, msg, sizeof(msg)), p);
	assert_int_equal(got, seq);
	if (!strstr(msg, words))
		fail_msg("'%s' does not say '%s'", msg, words);
}

static void test_tamper_modified(void **state)
{
	struct fixture *f = *state;

	append_n(f, 6);
	tamper(f, "UPDATE audit_events SET actor = 'mallory' WHERE seq = 3");
	expect(f, CAIRN_AUDIT_MODIFIED, 3, "event 3 was modified");
}

static void test_tamper_modified_json(void **state)
{
	struct fixture *f = *state;

	append_n(f, 6);
	tamper(f, "UPDATE audit_events SET after = '{\"i\":44}' WHERE seq = 4");
	expect(f, CAIRN_AUDIT_MODIFIED, 4, "event 4 was modified");
}

static void test_tamper_removed(void **state)
{
	struct fixture *f = *state;

	append_n(f, 6);
	tamper(f, "DELETE FROM audit_events WHERE seq = 2");
	expect(f, CAIRN_AUDIT_REMOVED, 2, "event 2 was removed");
}

static void test_tamper_removed_renumbered(void **state)
{
	struct fixture *f = *state;

	append_n(f, 6);
	tamper(f, "DELETE FROM audit_events WHERE seq = 2;"
	       "UPDATE audit_events SET seq = seq - 1 WHERE seq > 2");
	expect(f, CAIRN_AUDIT_REMOVED, 2, "event 2 was removed");
}

static void test_tamper_inserted(void **state)
{
	struct fixture *f = *state;

	append_n(f, 6);
	/* Make room at 3 and slip a forged event in, linked to event 2. */
	tamper(f, "UPDATE audit_events SET seq = seq + 100 WHERE seq >= 3;"
	       "UPDATE audit_events SET seq = seq - 99 WHERE seq >= 103;"
	       "INSERT INTO audit_events SELECT 3, time, 'mallory', 'run.delete', "
	       "'run:1', NULL, NULL, NULL, hash, "
	       "'0000000000000000000000000000000000000000000000000000000000000001' "
	       "FROM audit_events WHERE seq = 2");
	expect(f, CAIRN_AUDIT_INSERTED, 3, "event 3 was inserted");
}

static void test_tamper_inserted_tail(void **state)
{
	struct fixture *f = *state;

	append_n(f, 4);
	tamper(f, "INSERT INTO audit_events SELECT 5, time, 'mallory', 'run.delete', "
	       "'run:1', NULL, NULL, NULL, hash, "
	       "'0000000000000000000000000000000000000000000000000000000000000001' "
	       "FROM audit_events WHERE seq = 4");
	expect(f, CAIRN_AUDIT_INSERTED, 5, "event 5 was inserted");
}

static void test_tamper_reordered(void **state)
{
	struct fixture *f = *state;

	append_n(f, 6);
	tamper(f, "UPDATE audit_events SET seq = 100 WHERE seq = 4;"
	       "UPDATE audit_events SET seq = 4 WHERE seq = 5;"
	       "UPDATE audit_events SET seq = 5 WHERE seq = 100");
	expect(f, CAIRN_AUDIT_REORDERED, 4, "event 4 was reordered");
}

static void test_tamper_truncated(void **state)
{
	struct fixture *f = *state;

	append_n(f, 6);
	tamper(f, "DELETE FROM audit_events WHERE seq >= 5");
	expect(f, CAIRN_AUDIT_TRUNCATED, 5, "truncated");
}

/* A whole chain recomputed by hand is caught by the head record only. */
static void test_tamper_rewritten(void **state)
{
	struct fixture *f = *state;
	struct db_audit_row r;
	struct buf canon = BUF_INIT, sql = BUF_INIT;
	struct hash_ctx ctx;
	char prev[65], h[65];

	append_n(f, 3);
	memset(prev, '0', 64);
	prev[64] = '\0';
	hash_init(&ctx);
	for (int i = 1; i <= 3; i++) {
		char object[32], after[32];

		memset(&r, 0, sizeof(r));
		snprintf(object, sizeof(object), "thing:%d", i);
		snprintf(after, sizeof(after), "{\"i\":%d}", i);
		r.seq = i;
		r.time_ms = 1;
		r.actor = "mallory";
		r.action = "test.event";
		r.object = object;
		r.after = after;
		assert_int_equal(audit_canonical(&canon, &r), 0);
		audit_hash(h, &ctx, prev, &canon);
		buf_printf(&sql, "UPDATE audit_events SET time = 1, actor = 'mallory', "
			   "prev = '%s', hash = '%s' WHERE seq = %d;", prev, h, i);
		memcpy(prev, h, sizeof(prev));
	}
	tamper(f, sql.ptr);
	expect(f, CAIRN_AUDIT_MODIFIED, 3, "head record");
	hash_release(&ctx);
	buf_release(&canon);
	buf_release(&sql);
}

static void test_empty_log(void **state)
{
	struct fixture *f = *state;
	cairn_audit_verify_result res;

	assert_int_equal(cairn_audit_verify(&res, f->repo), 0);
	assert_int_equal(res.problem, CAIRN_AUDIT_OK);
	assert_int_equal(res.events, 0);
	assert_int_equal(res.head_checked, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_canonical_known_answer, setup, teardown),
		cmocka_unit_test(test_utf8_repair),
		cmocka_unit_test_setup_teardown(test_append_chain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_query, setup, teardown),
		cmocka_unit_test_setup_teardown(test_actor, setup, teardown),
		cmocka_unit_test_setup_teardown(test_triggers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tamper_modified, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tamper_modified_json, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tamper_removed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tamper_removed_renumbered, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tamper_inserted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tamper_inserted_tail, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tamper_reordered, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tamper_truncated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tamper_rewritten, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_log, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
