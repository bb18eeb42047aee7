/*
 * test_odb.c: the object store: writing, dedup, chunking, reading with
 * verification, corruption detection, prefixes, repacking.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/chunker.h"
#include "lib/manifest.h"
#include "lib/odb.h"
#include "lib/tree.h"
#include "util/fs.h"
#include "util/hash.h"

struct fixture {
	char dir[64];
	struct odb *odb;
};

static const struct odb_chunking chunking = {
	CHUNKER_DEFAULT_MIN, CHUNKER_DEFAULT_AVG, CHUNKER_DEFAULT_MAX
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/cairn-test-odb-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	assert_int_equal(odb_open(&f->odb, f->dir, &chunking), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	odb_free(f->odb);
	fs_remove_tree(f->dir);
	free(f);
	return 0;
}

static void fill_random(unsigned char *p, size_t n, unsigned seed)
{
	uint64_t x = seed * 0x9E3779B97F4A7C15ull + 1;
	size_t i;

	for (i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		p[i] = (unsigned char)x;
	}
}

/* Write data to a temp file and store it through odb_write_fd. */
static void store_bytes(struct fixture *f, cairn_oid *oid, const void *data,
			size_t len)
{
	char path[128];
	struct odb_writer *w;
	uint64_t size;
	int fd;

	snprintf(path, sizeof(path), "%s/input", f->dir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(fs_write_all(fd, data, len, path), 0);
	lseek(fd, 0, SEEK_SET);
	assert_int_equal(odb_writer_new(&w, f->odb), 0);
	assert_int_equal(odb_write_fd(oid, &size, w, fd, path, NULL), 0);
	assert_int_equal(size, len);
	assert_int_equal(odb_writer_commit(w), 0);
	odb_writer_free(w);
	close(fd);
	unlink(path);
}

/* Read a file object back through a pipe-free temp file. */
static unsigned char *load_file(struct fixture *f, const cairn_oid *oid,
				size_t *len, int *err)
{
	char path[128];
	struct stat st;
	unsigned char *p;
	int fd;

	snprintf(path, sizeof(path), "%s/output", f->dir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	*err = odb_read_file(f->odb, oid, fd, NULL);
	fstat(fd, &st);
	*len = (size_t)st.st_size;
	p = malloc(*len + 1);
	assert_int_equal(pread(fd, p, *len, 0), (ssize_t)*len);
	close(fd);
	unlink(path);
	return p;
}

static void test_small_blob_roundtrip(void **state)
{
	struct fixture *f = *state;
	const char *text = "hello, cairn\n";
	cairn_oid oid, want;
	struct buf b = BUF_INIT;
	enum odb_type type;

	store_bytes(f, &oid, text, strlen(text));
	hash_buffer(&want, text, strlen(text));
	assert_memory_equal(oid.id, want.id, 32);
	assert_true(odb_exists(f->odb, &oid));
	assert_int_equal(odb_read(&b, &type, f->odb, &oid, 1 << 20), 0);
	assert_int_equal(type, ODB_BLOB);
	assert_int_equal(b.len, strlen(text));
	assert_memory_equal(b.ptr, text, b.len);
	buf_release(&b);
}

static void test_empty_file(void **state)
{
	struct fixture *f = *state;
	cairn_oid oid;
	size_t len;
	int err;
	unsigned char *back;

	store_bytes(f, &oid, "", 0);
	back = load_file(f, &oid, &len, &err);
	assert_int_equal(err, 0);
	assert_int_equal(len, 0);
	free(back);
}

static void test_compressible_is_compressed(void **state)
{
	struct fixture *f = *state;
	char *text = malloc(200000);
	struct odb_info info;
	cairn_oid oid;
	size_t i;

	for (i = 0; i < 200000; i++)
		text[i] = "abcdefgh,12345\n"[i % 15];
	store_bytes(f, &oid, text, 200000);
	assert_int_equal(odb_info(&info, f->odb, &oid), 0);
	assert_int_equal(info.codec, ODB_CODEC_ZSTD);
	assert_true(info.stored_size < 20000);
	assert_int_equal(info.raw_size, 200000);
	free(text);
}

static void test_random_is_stored_raw(void **state)
{
	struct fixture *f = *state;
	unsigned char *data = malloc(100000);
	struct odb_info info;
	cairn_oid oid;

	fill_random(data, 100000, 3);
	store_bytes(f, &oid, data, 100000);
	assert_int_equal(odb_info(&info, f->odb, &oid), 0);
	assert_int_equal(info.codec, ODB_CODEC_NONE);
	free(data);
}

static void test_large_file_chunked_and_deduplicated(void **state)
{
	struct fixture *f = *state;
	size_t n = 6 * 1024 * 1024, len;
	unsigned char *data = malloc(n), *back;
	struct odb_info info;
	cairn_oid oid, oid2, want;
	uint64_t before, after;
	size_t packs;
	int err;

	fill_random(data, n, 42);
	store_bytes(f, &oid, data, n);
	hash_buffer(&want, data, n);
	assert_memory_equal(oid.id, want.id, 32);
	assert_int_equal(odb_info(&info, f->odb, &oid), 0);
	assert_int_equal(info.type, ODB_CHUNKED);
	assert_int_equal(info.raw_size, n);

	back = load_file(f, &oid, &len, &err);
	assert_int_equal(err, 0);
	assert_int_equal(len, n);
	assert_memory_equal(back, data, n);
	free(back);

	/* A small change in the middle stores little. */
	odb_stats(f->odb, &packs, &before);
	memset(data + n / 2, 0x55, 1000);
	store_bytes(f, &oid2, data, n);
	odb_stats(f->odb, &packs, &after);
	assert_true(after - before < 3 * CHUNKER_DEFAULT_MAX);
	assert_true(cairn_oid_cmp(&oid, &oid2) != 0);

	/* The same content again stores nothing. */
	store_bytes(f, &oid2, data, n);
	odb_stats(f->odb, &packs, &before);
	assert_int_equal(before, after);
	free(data);
}

/* Repeated chunks make a very compressible chunk list: it must still read. */
static void test_repetitive_large_file(void **state)
{
	struct fixture *f = *state;
	size_t n = 3 * 1024 * 1024, len;
	unsigned char *data = calloc(1, n), *back;
	cairn_oid oid;
	int err;

	store_bytes(f, &oid, data, n);
	back = load_file(f, &oid, &len, &err);
	assert_int_equal(err, 0);
	assert_int_equal(len, n);
	assert_memory_equal(back, data, n);
	free(back);
	free(data);
}

static void test_missing_object(void **state)
{
	struct fixture *f = *state;
	struct buf b = BUF_INIT;
	cairn_oid oid;

	memset(&oid, 0xab, sizeof(oid));
	assert_false(odb_exists(f->odb, &oid));
	assert_int_equal(odb_read(&b, NULL, f->odb, &oid, 100), CAIRN_ENOTFOUND);
	assert_non_null(strstr(cairn_error_last()->message, "missing"));
	buf_release(&b);
}

static void flip_byte_in_packs(struct fixture *f, long from_end)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd),
		 "for p in %s/pack/*.pack; do s=$(stat -c %%s $p); "
		 "printf '\\377' | dd of=$p bs=1 seek=$((s - %ld)) conv=notrunc "
		 "2>/dev/null; done", f->dir, from_end);
	assert_int_equal(system(cmd), 0);
}

static void test_corrupt_blob_detected(void **state)
{
	struct fixture *f = *state;
	unsigned char data[5000];
	struct buf b = BUF_INIT;
	cairn_oid oid;

	fill_random(data, sizeof(data), 9);
	data[100] = 0;
	store_bytes(f, &oid, data, sizeof(data));
	flip_byte_in_packs(f, 10);
	assert_int_equal(odb_read(&b, NULL, f->odb, &oid, 1 << 20), CAIRN_EMISMATCH);
	buf_release(&b);
}

static void test_corrupt_chunk_detected(void **state)
{
	struct fixture *f = *state;
	size_t n = 3 * 1024 * 1024, len;
	unsigned char *data = malloc(n), *back;
	cairn_oid oid;
	int err;

	fill_random(data, n, 5);
	store_bytes(f, &oid, data, n);
	/* The manifest is last; damage the data well before it. */
	flip_byte_in_packs(f, 1024 * 1024);
	back = load_file(f, &oid, &len, &err);
	assert_int_equal(err, CAIRN_EMISMATCH);
	free(back);
	free(data);
}

static void test_prefix_lookup(void **state)
{
	struct fixture *f = *state;
	char hex[65], prefix[16];
	cairn_oid oid, found;

	store_bytes(f, &oid, "prefix test", 11);
	oid_tohex(hex, &oid);
	snprintf(prefix, sizeof(prefix), "%.7s", hex);
	assert_int_equal(odb_resolve_prefix(&found, f->odb, prefix), 0);
	assert_memory_equal(found.id, oid.id, 32);
	assert_int_equal(odb_resolve_prefix(&found, f->odb, "abc"), CAIRN_EINVALID);
	assert_int_equal(odb_resolve_prefix(&found, f->odb, "zzzz"), CAIRN_EINVALID);
	hex[0] = hex[0] == '0' ? '1' : '0';
	hex[10] = '\0';
	assert_int_equal(odb_resolve_prefix(&found, f->odb, hex), CAIRN_ENOTFOUND);
}

static int keep_only(const cairn_oid *oid, void *payload)
{
	return cairn_oid_cmp(oid, payload) == 0;
}

static void test_repack_keeps_only_live(void **state)
{
	struct fixture *f = *state;
	cairn_oid keep, drop;
	uint64_t freed, bytes;
	size_t packs;

	store_bytes(f, &keep, "keep me", 7);
	store_bytes(f, &drop, "drop me", 7);
	odb_stats(f->odb, &packs, &bytes);
	assert_int_equal(packs, 2);
	assert_int_equal(odb_repack(f->odb, keep_only, &keep, &freed), 0);
	odb_stats(f->odb, &packs, &bytes);
	assert_int_equal(packs, 1);
	assert_true(odb_exists(f->odb, &keep));
	assert_false(odb_exists(f->odb, &drop));
	/* A second store instance sees the same. */
	{
		struct odb *again;

		assert_int_equal(odb_open(&again, f->dir, &chunking), 0);
		assert_true(odb_exists(again, &keep));
		assert_false(odb_exists(again, &drop));
		odb_free(again);
	}
}

static void test_uncommitted_writer_leaves_nothing(void **state)
{
	struct fixture *f = *state;
	struct odb_writer *w;
	cairn_oid oid;
	char cmd[256];

	assert_int_equal(odb_writer_new(&w, f->odb), 0);
	assert_int_equal(odb_write_buffer(&oid, w, ODB_BLOB, "abc", 3), 0);
	assert_true(odb_writer_has(w, &oid));
	odb_writer_free(w);
	assert_false(odb_exists(f->odb, &oid));
	snprintf(cmd, sizeof(cmd), "test -z \"$(ls %s/pack)\"", f->dir);
	assert_int_equal(system(cmd), 0);
}

static void test_tree_roundtrip_and_rejects(void **state)
{
	struct tree t = { 0 }, back;
	struct buf b = BUF_INIT;
	cairn_oid a;

	(void)state;
	memset(&a, 7, sizeof(a));
	tree_add(&t, "zeta", TREE_MODE_FILE, &a, 10);
	tree_add(&t, "alpha beta", TREE_MODE_EXEC, &a, 20);
	tree_add(&t, "dir", TREE_MODE_DIR, &a, 30);
	tree_sort(&t);
	assert_int_equal(tree_encode(&b, &t), 0);
	assert_int_equal(tree_parse(&back, b.ptr, b.len, "t"), 0);
	assert_int_equal(back.count, 3);
	assert_string_equal(back.entries[0].name, "alpha beta");
	assert_int_equal(back.entries[0].mode, TREE_MODE_EXEC);
	assert_int_equal(back.entries[2].size, 10);
	tree_release(&back);
	/* Truncated, unsorted and bad-name trees are refused. */
	assert_int_equal(tree_parse(&back, b.ptr, b.len - 1, "t"), CAIRN_EMISMATCH);
	assert_int_equal(tree_parse(&back, "cairn-tree 1\nxyz\n", 17, "t"), CAIRN_EMISMATCH);
	tree_add(&t, "a/b", TREE_MODE_FILE, &a, 1);
	buf_reset(&b);
	assert_int_equal(tree_encode(&b, &t), CAIRN_EINVALID);
	tree_release(&t);
	buf_release(&b);
}

static void test_manifest_checksum(void **state)
{
	struct manifest m = { 0 }, back;
	struct buf b = BUF_INIT;
	cairn_oid a;

	(void)state;
	memset(&a, 1, sizeof(a));
	manifest_add(&m, &a, 100);
	manifest_add(&m, &a, 50);
	manifest_encode(&b, &m);
	assert_int_equal(manifest_parse(&back, b.ptr, b.len, "m"), 0);
	assert_int_equal(back.count, 2);
	assert_int_equal(back.file_size, 150);
	manifest_release(&back);
	b.ptr[30] ^= 1;
	assert_int_equal(manifest_parse(&back, b.ptr, b.len, "m"), CAIRN_EMISMATCH);
	assert_int_equal(manifest_parse(&back, b.ptr, 10, "m"), CAIRN_EMISMATCH);
	manifest_release(&m);
	buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_small_blob_roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_compressible_is_compressed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_is_stored_raw, setup, teardown),
		cmocka_unit_test_setup_teardown(test_large_file_chunked_and_deduplicated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_repetitive_large_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_object, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_blob_detected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_chunk_detected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prefix_lookup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_repack_keeps_only_live, setup, teardown),
		cmocka_unit_test_setup_teardown(test_uncommitted_writer_leaves_nothing, setup, teardown),
		cmocka_unit_test(test_tree_roundtrip_and_rejects),
		cmocka_unit_test(test_manifest_checksum),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
