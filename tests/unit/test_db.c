/*
 * test_db.c: the metadata store (db.h): schema migrations and refusing a
 * newer schema, version numbering per data set, the lookups (by number,
 * by content, by id prefix), importing versions as numbered elsewhere,
 * listing, transactions, and the stat cache.
 *
 * Each test gets a fresh database in its own directory under /tmp.
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

#include "lib/db.h"
#include "util/buf.h"
#include "util/fs.h"
#include "util/hash.h"

/* The schema version this cairn migrates to (db_sqlite.c's migrations). */
#define SCHEMA_LATEST 10

struct fixture {
	char dir[64];
	char *path;
	struct db *db;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/cairn-test-db-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	f->path = path_join(f->dir, "cairn.db");
	assert_int_equal(db_open(&f->db, f->path), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	db_free(f->db);
	fs_remove_tree(f->dir);
	free(f->path);
	free(f);
	return 0;
}

/* An id whose hex form starts with the given digits (rest from seed). */
static void make_oid(cairn_oid *oid, const char *hex_start, unsigned seed)
{
	size_t n = strlen(hex_start);

	hash_buffer(oid, &seed, sizeof(seed));
	assert_int_equal(n % 2, 0);
	assert_int_equal(hex_decode(oid->id, hex_start, n), 0);
}

/* A version as data_add would record it; strings are borrowed. */
static cairn_data_version sample(const char *name, const cairn_oid *oid)
{
	cairn_data_version v;

	memset(&v, 0, sizeof(v));
	v.name = name;
	v.oid = *oid;
	v.kind = CAIRN_DATA_FILE;
	v.size = 1234;
	v.files = 1;
	v.path = "data/train.csv";
	v.created_ms = 1700000000123LL;
	v.created_by = "tester";
	v.rows = -1;
	v.columns = NULL;
	return v;
}

static uint64_t insert(struct db *db, const char *name, const cairn_oid *oid)
{
	cairn_data_version v = sample(name, oid);

	assert_int_equal(db_begin(db), 0);
	assert_int_equal(db_version_insert(db, &v), 0);
	assert_int_equal(db_commit(db), 0);
	return v.version;
}

static void insert_seed(struct db *db, const char *name, unsigned seed,
			uint64_t want)
{
	cairn_oid oid;

	make_oid(&oid, "", seed);
	assert_int_equal(insert(db, name, &oid), want);
}

/* ----------------------------------------------------------- open/migrate */

static void test_open_new_migrates(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(db_schema_version(f->db), SCHEMA_LATEST);
	assert_true(fs_exists(f->path));
}

static void test_reopen_idempotent(void **state)
{
	struct fixture *f = *state;
	cairn_data_version v;
	int i;

	insert_seed(f->db, "set", 1, 1);
	for (i = 0; i < 3; i++) {
		db_free(f->db);
		f->db = NULL;
		assert_int_equal(db_open(&f->db, f->path), 0);
		assert_int_equal(db_schema_version(f->db), SCHEMA_LATEST);
	}
	/* The data survived, and numbering continues where it was. */
	assert_int_equal(db_version_get(&v, f->db, "set", 0), 0);
	assert_int_equal(v.version, 1);
	db_version_clear(&v);
	insert_seed(f->db, "set", 2, 2);
}

static void set_user_version(const char *path, int version)
{
	sqlite3 *h = NULL;
	char sql[64];

	assert_int_equal(sqlite3_open(path, &h), SQLITE_OK);
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", version);
	assert_int_equal(sqlite3_exec(h, sql, NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_close(h), SQLITE_OK);
}

static void test_newer_schema_refused(void **state)
{
	struct fixture *f = *state;
	struct db *db = (struct db *)0x1;

	db_free(f->db);
	f->db = NULL;
	set_user_version(f->path, SCHEMA_LATEST + 1);
	assert_int_equal(db_open(&db, f->path), CAIRN_ENOTSUPP);
	assert_true(db == (struct db *)0x1); /* not set on failure */
	assert_non_null(strstr(cairn_error_last()->message, "newer"));
	set_user_version(f->path, 1000);
	assert_int_equal(db_open(&db, f->path), CAIRN_ENOTSUPP);
	/* Back to a version it knows: opens again. */
	set_user_version(f->path, SCHEMA_LATEST);
	assert_int_equal(db_open(&f->db, f->path), 0);
	assert_int_equal(db_schema_version(f->db), SCHEMA_LATEST);
}

/* A database made elsewhere at schema 0 (empty) is migrated on open. */
static void test_empty_file_migrated(void **state)
{
	struct fixture *f = *state;
	char *other = path_join(f->dir, "other.db");
	struct db *db = NULL;

	set_user_version(other, 0);
	assert_int_equal(db_open(&db, other), 0);
	assert_int_equal(db_schema_version(db), SCHEMA_LATEST);
	db_free(db);
	free(other);
}

static void test_open_bad_files(void **state)
{
	struct fixture *f = *state;
	char *junk = path_join(f->dir, "junk.db");
	char *nodir = path_join(f->dir, "no/such/dir.db");
	struct db *db = NULL;
	char bytes[4096];

	memset(bytes, 'J', sizeof(bytes));
	assert_int_equal(fs_write_atomic(junk, bytes, sizeof(bytes), 0644), 0);
	assert_true(db_open(&db, junk) < 0);
	assert_null(db);
	assert_int_equal(cairn_error_last()->klass, CAIRN_ERRCLASS_DB);
	assert_true(db_open(&db, nodir) < 0);
	assert_null(db);
	assert_non_null(strstr(cairn_error_last()->message, "dir.db"));
	db_free(NULL);
	free(junk);
	free(nodir);
}

/* ---------------------------------------------------------- numbering */

static void test_insert_numbers_per_set(void **state)
{
	struct fixture *f = *state;

	insert_seed(f->db, "a", 1, 1);
	insert_seed(f->db, "a", 2, 2);
	insert_seed(f->db, "b", 3, 1);
	insert_seed(f->db, "a", 4, 3);
	insert_seed(f->db, "b", 5, 2);
	insert_seed(f->db, "c", 6, 1);
	insert_seed(f->db, "a", 7, 4);
}

/* The number is the next one whatever the caller put in v->version. */
static void test_insert_ignores_given_number(void **state)
{
	struct fixture *f = *state;
	cairn_oid oid;
	cairn_data_version v;

	make_oid(&oid, "", 1);
	v = sample("a", &oid);
	v.version = 42;
	assert_int_equal(db_begin(f->db), 0);
	assert_int_equal(db_version_insert(f->db, &v), 0);
	assert_int_equal(db_commit(f->db), 0);
	assert_int_equal(v.version, 1);
}

static void test_rollback(void **state)
{
	struct fixture *f = *state;
	cairn_data_version v, got;
	cairn_oid oid;

	db_rollback(f->db); /* outside a transaction: nothing happens */
	make_oid(&oid, "", 9);
	v = sample("gone", &oid);
	assert_int_equal(db_begin(f->db), 0);
	assert_int_equal(db_version_insert(f->db, &v), 0);
	assert_int_equal(v.version, 1);
	db_rollback(f->db);
	assert_int_equal(db_version_get(&got, f->db, "gone", 0), CAIRN_ENOTFOUND);
	db_rollback(f->db);
	/* A later insert starts from 1 again. */
	insert_seed(f->db, "gone", 10, 1);
}

/* -------------------------------------------------------------- get */

static void test_get(void **state)
{
	struct fixture *f = *state;
	cairn_data_version v;
	cairn_oid o1, o2, o3;

	make_oid(&o1, "", 1);
	make_oid(&o2, "", 2);
	make_oid(&o3, "", 3);
	insert(f->db, "set", &o1);
	insert(f->db, "set", &o2);
	insert(f->db, "set", &o3);

	assert_int_equal(db_version_get(&v, f->db, "set", 0), 0);
	assert_int_equal(v.version, 3);
	assert_int_equal(cairn_oid_cmp(&v.oid, &o3), 0);
	db_version_clear(&v);
	assert_null(v.name);

	assert_int_equal(db_version_get(&v, f->db, "set", 2), 0);
	assert_int_equal(v.version, 2);
	assert_int_equal(cairn_oid_cmp(&v.oid, &o2), 0);
	assert_string_equal(v.name, "set");
	assert_int_equal(v.kind, CAIRN_DATA_FILE);
	assert_int_equal(v.size, 1234);
	assert_int_equal(v.files, 1);
	assert_string_equal(v.path, "data/train.csv");
	assert_int_equal(v.created_ms, 1700000000123LL);
	assert_string_equal(v.created_by, "tester");
	assert_int_equal(v.rows, -1);
	assert_null(v.columns);
	assert_null(v.run_id); /* no producing run */
	db_version_clear(&v);

	assert_int_equal(db_version_get(&v, f->db, "set", 4), CAIRN_ENOTFOUND);
	assert_non_null(strstr(cairn_error_last()->message, "set@v4"));
	assert_int_equal(db_version_get(&v, f->db, "other", 0), CAIRN_ENOTFOUND);
	assert_non_null(strstr(cairn_error_last()->message, "other"));
	assert_int_equal(db_version_get(&v, f->db, "other", 1), CAIRN_ENOTFOUND);
	assert_int_equal(db_version_get(&v, f->db, "", 0), CAIRN_ENOTFOUND);
	assert_int_equal(db_version_get(&v, f->db, "SET", 0), CAIRN_ENOTFOUND);
}

static void test_fields_roundtrip(void **state)
{
	struct fixture *f = *state;
	static const char cols[] =
		"[{\"name\":\"a\",\"type\":\"integer\"},{\"name\":\"b\",\"type\":\"string\"}]";
	cairn_data_version v, got, copy;
	cairn_oid oid;

	make_oid(&oid, "", 5);
	v = sample("tab", &oid);
	v.kind = CAIRN_DATA_DIR;
	v.size = UINT64_C(1) << 40;
	v.files = 20000;
	v.path = "images";
	v.rows = 0; /* zero rows is a value, not "no rows" */
	v.columns = cols;
	v.created_by = NULL;
	v.created_ms = -5;
	v.run_id = "0123456789abcdef0123456789abcdef";
	assert_int_equal(db_begin(f->db), 0);
	assert_int_equal(db_version_insert(f->db, &v), 0);
	assert_int_equal(db_commit(f->db), 0);

	assert_int_equal(db_version_get(&got, f->db, "tab", 1), 0);
	assert_int_equal(got.kind, CAIRN_DATA_DIR);
	assert_int_equal(got.size, UINT64_C(1) << 40);
	assert_int_equal(got.files, 20000);
	assert_string_equal(got.path, "images");
	assert_int_equal(got.rows, 0);
	assert_non_null(got.columns);
	assert_string_equal(got.columns, cols);
	assert_null(got.created_by);
	assert_int_equal(got.created_ms, -5);
	assert_string_equal(got.run_id, "0123456789abcdef0123456789abcdef");

	/* A deep copy owns its own strings. */
	db_version_copy(&copy, &got);
	assert_true(copy.name != got.name);
	assert_true(copy.run_id != got.run_id);
	assert_true(copy.columns != got.columns);
	assert_null(copy.created_by);
	db_version_clear(&got);
	assert_string_equal(copy.name, "tab");
	assert_string_equal(copy.columns, cols);
	assert_string_equal(copy.path, "images");
	assert_string_equal(copy.run_id, "0123456789abcdef0123456789abcdef");
	db_version_clear(&copy);

	/* rows set, columns NULL; and a large row count. */
	make_oid(&oid, "", 6);
	v = sample("tab", &oid);
	v.rows = INT64_C(5000000000);
	assert_int_equal(db_begin(f->db), 0);
	assert_int_equal(db_version_insert(f->db, &v), 0);
	assert_int_equal(db_commit(f->db), 0);
	assert_int_equal(db_version_get(&got, f->db, "tab", 2), 0);
	assert_int_equal(got.rows, INT64_C(5000000000));
	assert_null(got.columns);
	db_version_clear(&got);
}

/* Names are data, not SQL. */
static void test_odd_names(void **state)
{
	struct fixture *f = *state;
	static const char *const names[] = {
		"it's", "a\"b", "x; DROP TABLE datasets; --", "dir/sub/file.csv",
		"%s%n", "ünïcødé", "*", "a_b%",
	};
	cairn_data_version v;
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		insert_seed(f->db, names[i], (unsigned)i + 100, 1);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		assert_int_equal(db_version_get(&v, f->db, names[i], 1), 0);
		assert_string_equal(v.name, names[i]);
		db_version_clear(&v);
	}
	/* LIKE/GLOB characters match only themselves. */
	assert_int_equal(db_version_get(&v, f->db, "a_b_", 0), CAIRN_ENOTFOUND);
	assert_int_equal(db_version_get(&v, f->db, "it", 0), CAIRN_ENOTFOUND);
}

/* ----------------------------------------------------------- find_oid */

static void test_find_oid(void **state)
{
	struct fixture *f = *state;
	cairn_data_version v;
	cairn_oid o1, o2, other;

	make_oid(&o1, "", 1);
	make_oid(&o2, "", 2);
	make_oid(&other, "", 3);
	insert(f->db, "a", &o1);  /* a@v1 */
	insert(f->db, "a", &o2);  /* a@v2 */
	insert(f->db, "a", &o1);  /* a@v3: back to the first content */
	insert(f->db, "b", &o2);  /* b@v1 */

	assert_int_equal(db_version_find_oid(&v, f->db, "a", &o2), 0);
	assert_int_equal(v.version, 2);
	assert_string_equal(v.name, "a");
	db_version_clear(&v);
	/* Same content twice in one set: the earliest version. */
	assert_int_equal(db_version_find_oid(&v, f->db, "a", &o1), 0);
	assert_int_equal(v.version, 1);
	db_version_clear(&v);
	assert_int_equal(db_version_find_oid(&v, f->db, "b", &o2), 0);
	assert_int_equal(v.version, 1);
	assert_string_equal(v.name, "b");
	db_version_clear(&v);

	assert_int_equal(db_version_find_oid(&v, f->db, "b", &o1), CAIRN_ENOTFOUND);
	assert_int_equal(db_version_find_oid(&v, f->db, "a", &other), CAIRN_ENOTFOUND);
	assert_int_equal(db_version_find_oid(&v, f->db, "c", &o1), CAIRN_ENOTFOUND);
}

/* --------------------------------------------------------- find_prefix */

static void test_find_prefix(void **state)
{
	struct fixture *f = *state;
	cairn_data_version v;
	cairn_oid u, s1, s2, dup, cross;
	char hex[65];

	make_oid(&u, "1234abcd", 1);
	make_oid(&s1, "5678aa00", 2);
	make_oid(&s2, "5678bb00", 3);
	make_oid(&dup, "9abc0000", 4);
	make_oid(&cross, "def00000", 5);
	insert(f->db, "a", &u);     /* a@v1 */
	insert(f->db, "a", &s1);    /* a@v2 */
	insert(f->db, "a", &s2);    /* a@v3 */
	insert(f->db, "a", &dup);   /* a@v4 */
	insert(f->db, "a", &dup);   /* a@v5: same content as v4 */
	insert(f->db, "a", &cross); /* a@v6 */
	insert(f->db, "b", &cross); /* b@v1: same content in another set */

	/* Unique. */
	assert_int_equal(db_version_find_prefix(&v, f->db, NULL, "1234"), 0);
	assert_int_equal(v.version, 1);
	assert_int_equal(cairn_oid_cmp(&v.oid, &u), 0);
	db_version_clear(&v);
	assert_int_equal(db_version_find_prefix(&v, f->db, "a", "1234ab"), 0);
	assert_int_equal(v.version, 1);
	db_version_clear(&v);
	oid_tohex(hex, &s2);
	assert_int_equal(db_version_find_prefix(&v, f->db, NULL, hex), 0);
	assert_int_equal(v.version, 3);
	db_version_clear(&v);
	assert_int_equal(db_version_find_prefix(&v, f->db, NULL, "5678b"), 0);
	assert_int_equal(v.version, 3);
	db_version_clear(&v);

	/* Ambiguous: two contents share the prefix. */
	assert_int_equal(db_version_find_prefix(&v, f->db, NULL, "5678"),
			 CAIRN_EAMBIGUOUS);
	assert_non_null(strstr(cairn_error_last()->message, "ambiguous"));
	assert_int_equal(db_version_find_prefix(&v, f->db, "a", "5678"),
			 CAIRN_EAMBIGUOUS);

	/* One content held by two versions of one set: not ambiguous. */
	assert_int_equal(db_version_find_prefix(&v, f->db, NULL, "9abc"), 0);
	assert_int_equal(v.version, 4);
	db_version_clear(&v);

	/* One content in two sets: ambiguous unless the set is named. */
	assert_int_equal(db_version_find_prefix(&v, f->db, NULL, "def0"),
			 CAIRN_EAMBIGUOUS);
	assert_int_equal(db_version_find_prefix(&v, f->db, "b", "def0"), 0);
	assert_string_equal(v.name, "b");
	assert_int_equal(v.version, 1);
	db_version_clear(&v);
	assert_int_equal(db_version_find_prefix(&v, f->db, "a", "def0"), 0);
	assert_int_equal(v.version, 6);
	db_version_clear(&v);

	/* Not found. */
	assert_int_equal(db_version_find_prefix(&v, f->db, NULL, "0000"),
			 CAIRN_ENOTFOUND);
	assert_int_equal(db_version_find_prefix(&v, f->db, "b", "1234"),
			 CAIRN_ENOTFOUND);
	assert_int_equal(db_version_find_prefix(&v, f->db, "nope", "1234"),
			 CAIRN_ENOTFOUND);
	hex[63] = hex[63] == '0' ? '1' : '0';
	assert_int_equal(db_version_find_prefix(&v, f->db, NULL, hex),
			 CAIRN_ENOTFOUND);
}

static void test_find_prefix_invalid(void **state)
{
	struct fixture *f = *state;
	static const char *const bad[] = {
		"", "1", "123", "1234ABCD", "12g4", "12 4", "12*4", "12?4", "[12]",
		"sha256:1234", "-123", "1234\n",
		"12345678901234567890123456789012345678901234567890123456789012345",
	};
	cairn_data_version v;
	cairn_oid u;
	size_t i;

	make_oid(&u, "1234abcd", 1);
	insert(f->db, "a", &u);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (db_version_find_prefix(&v, f->db, NULL, bad[i]) != CAIRN_EINVALID)
			fail_msg("'%s' was accepted as an id prefix", bad[i]);
	/* Glob metacharacters must not match anything. */
	assert_int_equal(db_version_find_prefix(&v, f->db, NULL, "12*"),
			 CAIRN_EINVALID);
	assert_int_equal(db_version_find_prefix(&v, f->db, NULL, "****"),
			 CAIRN_EINVALID);
}

/* ------------------------------------------------------------- import */

static void test_import(void **state)
{
	struct fixture *f = *state;
	cairn_data_version v, got;
	cairn_oid o5, o6, other;

	make_oid(&o5, "", 5);
	make_oid(&o6, "", 6);
	make_oid(&other, "", 7);

	v = sample("remote", &o5);
	v.version = 5;
	v.rows = 3;
	v.columns = "[]";
	assert_int_equal(db_begin(f->db), 0);
	assert_int_equal(db_version_import(f->db, &v), 0);
	assert_int_equal(db_commit(f->db), 0);
	assert_int_equal(db_version_get(&got, f->db, "remote", 5), 0);
	assert_int_equal(cairn_oid_cmp(&got.oid, &o5), 0);
	assert_int_equal(got.rows, 3);
	assert_string_equal(got.columns, "[]");
	db_version_clear(&got);
	assert_int_equal(db_version_get(&got, f->db, "remote", 1), CAIRN_ENOTFOUND);

	/* Again, and with other content under the same number: no-op. */
	assert_int_equal(db_version_import(f->db, &v), 0);
	v.oid = other;
	assert_int_equal(db_version_import(f->db, &v), 0);
	assert_int_equal(db_version_get(&got, f->db, "remote", 5), 0);
	assert_int_equal(cairn_oid_cmp(&got.oid, &o5), 0);
	db_version_clear(&got);

	/* A lower number fills a gap; the next insert follows the highest. */
	v = sample("remote", &o6);
	v.version = 2;
	assert_int_equal(db_version_import(f->db, &v), 0);
	assert_int_equal(db_version_get(&got, f->db, "remote", 0), 0);
	assert_int_equal(got.version, 5);
	db_version_clear(&got);
	assert_int_equal(insert(f->db, "remote", &other), 6);

	/* Imported versions are found by content and by prefix too. */
	assert_int_equal(db_version_find_oid(&got, f->db, "remote", &o6), 0);
	assert_int_equal(got.version, 2);
	db_version_clear(&got);
}

/* ------------------------------------------------------------ foreach */

struct seen {
	char list[1024];
	int calls, stop_after;
};

static int collect(const cairn_data_version *v, void *payload)
{
	struct seen *s = payload;
	size_t n = strlen(s->list);

	snprintf(s->list + n, sizeof(s->list) - n, "%s%s@%llu", n ? " " : "",
		 v->name, (unsigned long long)v->version);
	s->calls++;
	if (s->stop_after && s->calls == s->stop_after)
		return 77;
	return 0;
}

static void test_foreach(void **state)
{
	struct fixture *f = *state;
	struct seen s;

	memset(&s, 0, sizeof(s));
	assert_int_equal(db_version_foreach(f->db, NULL, 0, collect, &s), 0);
	assert_int_equal(s.calls, 0);

	insert_seed(f->db, "b", 1, 1);
	insert_seed(f->db, "a", 2, 1);
	insert_seed(f->db, "b", 3, 2);
	insert_seed(f->db, "a", 4, 2);
	insert_seed(f->db, "b", 5, 3);
	insert_seed(f->db, "c", 6, 1);

	memset(&s, 0, sizeof(s));
	assert_int_equal(db_version_foreach(f->db, NULL, 0, collect, &s), 0);
	assert_string_equal(s.list, "a@1 a@2 b@1 b@2 b@3 c@1");

	memset(&s, 0, sizeof(s));
	assert_int_equal(db_version_foreach(f->db, "b", 0, collect, &s), 0);
	assert_string_equal(s.list, "b@1 b@2 b@3");

	memset(&s, 0, sizeof(s));
	assert_int_equal(db_version_foreach(f->db, NULL, 1, collect, &s), 0);
	assert_string_equal(s.list, "a@2 b@3 c@1");

	memset(&s, 0, sizeof(s));
	assert_int_equal(db_version_foreach(f->db, "b", 1, collect, &s), 0);
	assert_string_equal(s.list, "b@3");

	memset(&s, 0, sizeof(s));
	assert_int_equal(db_version_foreach(f->db, "zzz", 0, collect, &s), 0);
	assert_int_equal(s.calls, 0);

	/* A non-zero return stops the walk and is passed back. */
	memset(&s, 0, sizeof(s));
	s.stop_after = 2;
	assert_int_equal(db_version_foreach(f->db, NULL, 0, collect, &s), 77);
	assert_int_equal(s.calls, 2);
	assert_string_equal(s.list, "a@1 a@2");
}

/* The strings a callback gets are complete versions, rows and columns too. */
static int check_columns(const cairn_data_version *v, void *payload)
{
	int *n = payload;

	if (v->version == 1) {
		assert_int_equal(v->rows, -1);
		assert_null(v->columns);
	} else {
		assert_int_equal(v->rows, 7);
		assert_string_equal(v->columns, "[{\"name\":\"x\",\"type\":\"float\"}]");
	}
	assert_string_equal(v->path, "data/train.csv");
	assert_string_equal(v->created_by, "tester");
	(*n)++;
	return 0;
}

static void test_foreach_fields(void **state)
{
	struct fixture *f = *state;
	cairn_data_version v;
	cairn_oid oid;
	int n = 0;

	insert_seed(f->db, "t", 1, 1);
	make_oid(&oid, "", 2);
	v = sample("t", &oid);
	v.rows = 7;
	v.columns = "[{\"name\":\"x\",\"type\":\"float\"}]";
	assert_int_equal(db_begin(f->db), 0);
	assert_int_equal(db_version_insert(f->db, &v), 0);
	assert_int_equal(db_commit(f->db), 0);
	assert_int_equal(db_version_foreach(f->db, "t", 0, check_columns, &n), 0);
	assert_int_equal(n, 2);
}

/* --------------------------------------------------------- stat cache */

static struct db_stat stat_sample(unsigned seed)
{
	struct db_stat s;

	memset(&s, 0, sizeof(s));
	s.dev = 2049 + seed;
	s.ino = UINT64_MAX - seed; /* stored as a signed 64-bit integer */
	s.size = UINT64_C(1) << 33;
	s.mtime_ns = 1700000000123456789LL + seed;
	s.ctime_ns = 1700000000987654321LL;
	s.mode = 0100644;
	make_oid(&s.oid, "", seed);
	s.recorded_ns = 1700000001000000000LL;
	return s;
}

static void assert_stat_equal(const struct db_stat *a, const struct db_stat *b)
{
	assert_int_equal(a->dev, b->dev);
	assert_int_equal(a->ino, b->ino);
	assert_int_equal(a->size, b->size);
	assert_int_equal(a->mtime_ns, b->mtime_ns);
	assert_int_equal(a->ctime_ns, b->ctime_ns);
	assert_int_equal(a->mode, b->mode);
	assert_memory_equal(a->oid.id, b->oid.id, 32);
	assert_int_equal(a->recorded_ns, b->recorded_ns);
}

static void test_stat_cache(void **state)
{
	struct fixture *f = *state;
	struct db_stat a = stat_sample(1), b = stat_sample(2), got;

	assert_int_equal(db_stat_get(&got, f->db, "data/x.bin"), 0);
	assert_int_equal(db_stat_put(f->db, "data/x.bin", &a), 0);
	memset(&got, 0, sizeof(got));
	assert_int_equal(db_stat_get(&got, f->db, "data/x.bin"), 1);
	assert_stat_equal(&got, &a);

	/* Another path is independent; a prefix of a path is another path. */
	assert_int_equal(db_stat_get(&got, f->db, "data/x.bi"), 0);
	assert_int_equal(db_stat_get(&got, f->db, "data/x.bin/"), 0);
	assert_int_equal(db_stat_put(f->db, "data/y.bin", &b), 0);
	assert_int_equal(db_stat_get(&got, f->db, "data/y.bin"), 1);
	assert_stat_equal(&got, &b);

	/* Replace. */
	assert_int_equal(db_stat_put(f->db, "data/x.bin", &b), 0);
	assert_int_equal(db_stat_get(&got, f->db, "data/x.bin"), 1);
	assert_stat_equal(&got, &b);
	a.size = 0;
	a.mtime_ns = -1;
	assert_int_equal(db_stat_put(f->db, "data/x.bin", &a), 0);
	assert_int_equal(db_stat_get(&got, f->db, "data/x.bin"), 1);
	assert_stat_equal(&got, &a);

	/* The prepared statements survive many calls and a reopen. */
	db_free(f->db);
	f->db = NULL;
	assert_int_equal(db_open(&f->db, f->path), 0);
	assert_int_equal(db_stat_get(&got, f->db, "data/x.bin"), 1);
	assert_stat_equal(&got, &a);
	assert_int_equal(db_stat_get(&got, f->db, "data/y.bin"), 1);
	assert_stat_equal(&got, &b);
}

/* Many entries, inside a transaction as scan_update_cache writes them. */
static void test_stat_cache_many(void **state)
{
	struct fixture *f = *state;
	struct db_stat s, got;
	char path[64];
	unsigned i;

	assert_int_equal(db_begin(f->db), 0);
	for (i = 0; i < 2000; i++) {
		s = stat_sample(i);
		snprintf(path, sizeof(path), "dir/file-%u", i);
		assert_int_equal(db_stat_put(f->db, path, &s), 0);
	}
	assert_int_equal(db_commit(f->db), 0);
	for (i = 0; i < 2000; i += 97) {
		s = stat_sample(i);
		snprintf(path, sizeof(path), "dir/file-%u", i);
		assert_int_equal(db_stat_get(&got, f->db, path), 1);
		assert_stat_equal(&got, &s);
	}
	assert_int_equal(db_stat_get(&got, f->db, "dir/file-2000"), 0);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_open_new_migrates),
		T(test_reopen_idempotent),
		T(test_newer_schema_refused),
		T(test_empty_file_migrated),
		T(test_open_bad_files),
		T(test_insert_numbers_per_set),
		T(test_insert_ignores_given_number),
		T(test_rollback),
		T(test_get),
		T(test_fields_roundtrip),
		T(test_odd_names),
		T(test_find_oid),
		T(test_find_prefix),
		T(test_find_prefix_invalid),
		T(test_import),
		T(test_foreach),
		T(test_foreach_fields),
		T(test_stat_cache),
		T(test_stat_cache_many),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
