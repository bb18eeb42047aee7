/*
 * test_util.c: the util layer: growable buffers, path arithmetic, durable
 * file writes and bounded reads, tree removal, the object id set, and the
 * text forms of object ids.
 *
 * File-system tests run in a fresh directory under /tmp per test, removed
 * by the teardown whatever the test left there.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/fs.h"
#include "util/hash.h"
#include "util/oidset.h"

struct fixture {
	char dir[64];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/cairn-test-util-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	fs_remove_tree(f->dir);
	free(f);
	return 0;
}

static char *in_dir(const struct fixture *f, const char *name)
{
	return path_join(f->dir, name);
}

static void write_plain(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	assert_int_equal(fputs(text, fp) >= 0, 1);
	assert_int_equal(fclose(fp), 0);
}

/* Number of directory entries whose name starts with prefix. */
static int count_entries(const char *dir, const char *prefix)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)))
		if (!strncmp(de->d_name, prefix, strlen(prefix)))
			n++;
	closedir(d);
	return n;
}

/* ------------------------------------------------------------------ buf */

static void test_buf_empty(void **state)
{
	struct buf b = BUF_INIT;
	char *p;
	size_t len = 99;

	(void)state;
	assert_string_equal(buf_cstr(&b), "");
	p = buf_detach(&b, &len);
	assert_non_null(p);
	assert_int_equal(len, 0);
	assert_string_equal(p, "");
	assert_null(b.ptr);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.alloc, 0);
	free(p);
	buf_release(&b); /* releasing a released buf is fine */
	buf_release(&b);
}

static void test_buf_growth(void **state)
{
	struct buf b = BUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < 100000; i++) {
		buf_addch(&b, 'a' + (int)(i % 26));
		assert_true(b.alloc > b.len);
		assert_int_equal(b.ptr[b.len], '\0');
	}
	assert_int_equal(b.len, 100000);
	for (i = 0; i < 100000; i++)
		if (b.ptr[i] != 'a' + (int)(i % 26))
			fail_msg("byte %zu changed while growing", i);
	assert_int_equal(strlen(b.ptr), 100000);
	buf_release(&b);
	assert_null(b.ptr);
}

static void test_buf_add_binary(void **state)
{
	struct buf b = BUF_INIT;
	static const char bytes[] = { 'x', '\0', 'y', '\0', 'z' };

	(void)state;
	buf_add(&b, bytes, sizeof(bytes));
	assert_int_equal(b.len, sizeof(bytes));
	assert_memory_equal(b.ptr, bytes, sizeof(bytes));
	assert_int_equal(b.ptr[b.len], '\0');
	buf_add(&b, "", 0);
	assert_int_equal(b.len, sizeof(bytes));
	buf_puts(&b, "tail");
	assert_int_equal(b.len, sizeof(bytes) + 4);
	assert_memory_equal(b.ptr + sizeof(bytes), "tail", 5);
	buf_release(&b);
}

static void test_buf_init_hint(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 1000);
	assert_non_null(b.ptr);
	assert_true(b.alloc >= 1001);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.ptr, "");
	buf_release(&b);
	buf_init(&b, 0);
	assert_null(b.ptr);
	assert_string_equal(buf_cstr(&b), "");
	buf_release(&b);
}

static void test_buf_printf(void **state)
{
	struct buf b = BUF_INIT;
	char big[5000];

	(void)state;
	buf_printf(&b, "%d-%s", 42, "x");
	assert_string_equal(b.ptr, "42-x");
	assert_int_equal(b.len, 4);
	buf_printf(&b, "|%05u", 7u);
	assert_string_equal(b.ptr, "42-x|00007");
	assert_int_equal(b.len, 10);
	buf_printf(&b, "%s", "");
	assert_int_equal(b.len, 10);

	/* Longer than the first attempt's room: formatted a second time. */
	memset(big, 'q', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	buf_printf(&b, "<%s>", big);
	assert_int_equal(b.len, 10 + 2 + sizeof(big) - 1);
	assert_int_equal(strlen(b.ptr), b.len);
	assert_int_equal(b.ptr[10], '<');
	assert_int_equal(b.ptr[b.len - 1], '>');
	assert_memory_equal(b.ptr, "42-x|00007", 10);
	buf_release(&b);

	/* Formatting into an empty buf allocates. */
	buf_printf(&b, "%s", "");
	assert_non_null(b.ptr);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.ptr, "");
	buf_release(&b);
}

static void test_buf_setlen_reset(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	buf_puts(&b, "hello world");
	buf_setlen(&b, 5);
	assert_int_equal(b.len, 5);
	assert_string_equal(b.ptr, "hello");
	buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.ptr, "");
	assert_string_equal(buf_cstr(&b), "");
	buf_puts(&b, "again");
	assert_string_equal(b.ptr, "again");
	buf_release(&b);

	/* setlen(0) and reset on a never-used buf give an empty string. */
	buf_reset(&b);
	assert_non_null(b.ptr);
	assert_string_equal(b.ptr, "");
	buf_release(&b);
}

static void test_buf_detach(void **state)
{
	struct buf b = BUF_INIT;
	size_t len = 0;
	char *p;

	(void)state;
	buf_puts(&b, "owned");
	p = buf_detach(&b, &len);
	assert_string_equal(p, "owned");
	assert_int_equal(len, 5);
	assert_null(b.ptr);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.alloc, 0);
	/* The buf is usable again and independent of the detached bytes. */
	buf_puts(&b, "new");
	assert_string_equal(b.ptr, "new");
	assert_string_equal(p, "owned");
	free(p);
	p = buf_detach(&b, NULL);
	assert_string_equal(p, "new");
	free(p);
}

static void test_cairn_buf_dispose(void **state)
{
	cairn_buf b = CAIRN_BUF_INIT;

	(void)state;
	cairn_buf_dispose(NULL);
	cairn_buf_dispose(&b);
	b.ptr = malloc(10);
	b.size = 3;
	b.asize = 10;
	cairn_buf_dispose(&b);
	assert_null(b.ptr);
	assert_int_equal(b.size, 0);
	assert_int_equal(b.asize, 0);
}

/* ---------------------------------------------------------------- paths */

static void check_join(const char *a, const char *b, const char *want)
{
	char *got = path_join(a, b);
	int ok = !strcmp(got, want);

	if (!ok)
		print_error("path_join('%s', '%s') = '%s', want '%s'\n", a, b, got,
			    want);
	free(got);
	assert_true(ok);
}

static void test_path_join(void **state)
{
	(void)state;
	check_join("a", "b", "a/b");
	check_join("a/", "b", "a/b");
	check_join("a///", "b", "a/b");
	check_join("/", "b", "/b");
	check_join("/x/y", "z/w", "/x/y/z/w");
	check_join("", "b", "b");
	check_join("", "", "");
	check_join(".", "b", "./b");
}

/* 1 if path_absolute(in) is want; prints the difference if not. */
static int abs_is(const char *in, const char *want)
{
	char *got = path_absolute(in);
	int ok = got && !strcmp(got, want);

	if (!ok)
		print_error("path_absolute('%s') = '%s', want '%s'\n", in,
			    got ? got : "(null)", want);
	free(got);
	return ok;
}

static void check_abs(const char *in, const char *want)
{
	assert_true(abs_is(in, want));
}

static void test_path_absolute(void **state)
{
	(void)state;
	check_abs("/", "/");
	check_abs("/a/b", "/a/b");
	check_abs("/a/b/", "/a/b");
	check_abs("//a//b//", "/a/b");
	check_abs("/a/./b/.", "/a/b");
	check_abs("/a/b/../c", "/a/c");
	check_abs("/a/b/../../c/", "/c");
	check_abs("/..", "/");
	check_abs("/../..", "/");
	check_abs("/a/../../b", "/b");
	check_abs("/a/b/../..", "/");
	check_abs("/.", "/");
	check_abs("/a/..b/c", "/a/..b/c");
	check_abs("/a/.b", "/a/.b");
	check_abs("/a/...", "/a/...");
}

static void test_path_absolute_relative(void **state)
{
	struct fixture *f = *state;
	char saved[PATH_MAX], cwd[PATH_MAX];
	struct buf want = BUF_INIT;
	char *sub = in_dir(f, "sub");

	assert_non_null(getcwd(saved, sizeof(saved)));
	assert_int_equal(mkdir(sub, 0755), 0);
	assert_int_equal(chdir(sub), 0);
	assert_non_null(getcwd(cwd, sizeof(cwd)));

	check_abs(".", cwd);
	check_abs("./", cwd);
	buf_printf(&want, "%s/x/y", cwd);
	check_abs("x/y", want.ptr);
	check_abs("./x//y/", want.ptr);
	check_abs("x/z/../y", want.ptr);
	buf_reset(&want);
	buf_puts(&want, cwd);
	*strrchr(want.ptr, '/') = '\0';
	want.len = strlen(want.ptr);
	check_abs("..", want.ptr);
	buf_puts(&want, "/other");
	check_abs("../other", want.ptr);

	assert_int_equal(chdir(saved), 0);
	buf_release(&want);
	free(sub);
}

/* At the root, a relative path must not come out with a double slash. */
static void test_path_absolute_from_root(void **state)
{
	char saved[PATH_MAX];
	int ok = 1;

	(void)state;
	assert_non_null(getcwd(saved, sizeof(saved)));
	assert_int_equal(chdir("/"), 0);
	ok &= abs_is(".", "/");
	ok &= abs_is("..", "/");
	ok &= abs_is("tmp", "/tmp");
	ok &= abs_is("tmp/../usr", "/usr");
	assert_int_equal(chdir(saved), 0);
	assert_true(ok);
}

static void test_path_under(void **state)
{
	const char *p;

	(void)state;
	p = path_under("/a/b/c", "/a/b");
	assert_non_null(p);
	assert_string_equal(p, "c");
	p = path_under("/a/b/c/d", "/a");
	assert_non_null(p);
	assert_string_equal(p, "b/c/d");
	p = path_under("/a/b", "/a/b");
	assert_non_null(p);
	assert_string_equal(p, "");
	p = path_under("/x/y", "/");
	assert_non_null(p);
	assert_string_equal(p, "x/y");
	p = path_under("/", "/");
	assert_non_null(p);
	assert_string_equal(p, "");
	assert_null(path_under("/a/bc", "/a/b"));
	assert_null(path_under("/a/b", "/a/bc"));
	assert_null(path_under("/a", "/a/b"));
	assert_null(path_under("/other/a/b", "/a/b"));
	assert_null(path_under("", "/a"));
}

static void check_dirname(const char *in, const char *want)
{
	char *got = path_dirname(in);
	int ok = !strcmp(got, want);

	if (!ok)
		print_error("path_dirname('%s') = '%s', want '%s'\n", in, got, want);
	free(got);
	assert_true(ok);
}

static void test_path_dirname_basename(void **state)
{
	(void)state;
	check_dirname("a", ".");
	check_dirname("", ".");
	check_dirname("a/b", "a");
	check_dirname("a/b/c.txt", "a/b");
	check_dirname("/a", "/");
	check_dirname("/a/b", "/a");
	check_dirname("/", "/");

	assert_string_equal(path_basename("a"), "a");
	assert_string_equal(path_basename("a/b"), "b");
	assert_string_equal(path_basename("/a/b/c.txt"), "c.txt");
	assert_string_equal(path_basename("/a"), "a");
	assert_string_equal(path_basename(""), "");
	assert_string_equal(path_basename(".gitignore"), ".gitignore");
}

/* ------------------------------------------------------------ fs writes */

static void test_write_atomic_new(void **state)
{
	struct fixture *f = *state;
	char *path = in_dir(f, "file");
	struct buf b = BUF_INIT;
	struct stat st;

	assert_int_equal(fs_write_atomic(path, "content\n", 8, 0640), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0640);
	assert_int_equal(st.st_size, 8);
	assert_int_equal(fs_read_file(&b, path), 0);
	assert_int_equal(b.len, 8);
	assert_string_equal(b.ptr, "content\n");
	/* Only the target is left: no temporary file. */
	assert_int_equal(count_entries(f->dir, ""), 3); /* ., .., file */
	assert_int_equal(count_entries(f->dir, ".tmp-"), 0);
	buf_release(&b);
	free(path);
}

static void test_write_atomic_replace(void **state)
{
	struct fixture *f = *state;
	char *path = in_dir(f, "file");
	struct buf b = BUF_INIT;
	struct stat st;
	static const char bin[] = { 0, 1, 2, 0, (char)0xff };

	write_plain(path, "a much longer original content that will go away\n");
	assert_int_equal(fs_write_atomic(path, "short", 5, 0600), 0);
	assert_int_equal(fs_read_file(&b, path), 0);
	assert_int_equal(b.len, 5);
	assert_string_equal(b.ptr, "short");
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);

	/* Binary bytes and a zero-length write. */
	buf_reset(&b);
	assert_int_equal(fs_write_atomic(path, bin, sizeof(bin), 0644), 0);
	assert_int_equal(fs_read_file(&b, path), 0);
	assert_int_equal(b.len, sizeof(bin));
	assert_memory_equal(b.ptr, bin, sizeof(bin));
	buf_reset(&b);
	assert_int_equal(fs_write_atomic(path, "", 0, 0644), 0);
	assert_int_equal(fs_read_file(&b, path), 0);
	assert_int_equal(b.len, 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	assert_int_equal(count_entries(f->dir, ".tmp-"), 0);
	assert_int_equal(count_entries(f->dir, ""), 3);
	buf_release(&b);
	free(path);
}

static void test_write_atomic_no_dir(void **state)
{
	struct fixture *f = *state;
	char *path = in_dir(f, "missing/file");

	assert_true(fs_write_atomic(path, "x", 1, 0644) < 0);
	assert_non_null(strstr(cairn_error_last()->message, "missing"));
	assert_false(fs_exists(path));
	assert_int_equal(count_entries(f->dir, ""), 2);
	free(path);
}

/* Writing over a directory fails and leaves no temporary file behind. */
static void test_write_atomic_over_dir(void **state)
{
	struct fixture *f = *state;
	char *path = in_dir(f, "d");

	assert_int_equal(mkdir(path, 0755), 0);
	assert_true(fs_write_atomic(path, "x", 1, 0644) < 0);
	assert_true(fs_is_dir(path));
	assert_int_equal(count_entries(f->dir, ".tmp-"), 0);
	free(path);
}

/* ------------------------------------------------------------- fs reads */

static void test_read_file_max(void **state)
{
	struct fixture *f = *state;
	char *path = in_dir(f, "ten");
	char *big = in_dir(f, "big");
	char *empty = in_dir(f, "empty");
	char *nope = in_dir(f, "nope");
	struct buf b = BUF_INIT;
	unsigned char *data = malloc(200000);
	size_t i;

	write_plain(path, "0123456789");
	assert_int_equal(fs_read_file_max(&b, path, 10), 0);
	assert_int_equal(b.len, 10);
	assert_string_equal(b.ptr, "0123456789");
	buf_reset(&b);
	assert_int_equal(fs_read_file_max(&b, path, 9), CAIRN_EINVALID);
	assert_non_null(strstr(cairn_error_last()->message, "ten"));
	buf_release(&b);
	assert_int_equal(fs_read_file_max(&b, path, 0), CAIRN_EINVALID);
	buf_release(&b);

	/* Larger than one read: the limit holds across reads. */
	for (i = 0; i < 200000; i++)
		data[i] = (unsigned char)(i * 7);
	assert_int_equal(fs_write_atomic(big, data, 200000, 0644), 0);
	assert_int_equal(fs_read_file_max(&b, big, 200000), 0);
	assert_int_equal(b.len, 200000);
	assert_memory_equal(b.ptr, data, 200000);
	assert_int_equal(b.ptr[b.len], '\0');
	buf_release(&b);
	assert_int_equal(fs_read_file_max(&b, big, 199999), CAIRN_EINVALID);
	buf_release(&b);
	assert_int_equal(fs_read_file_max(&b, big, 70000), CAIRN_EINVALID);
	buf_release(&b);

	/* An empty file reads as an empty, NUL-terminated buffer. */
	write_plain(empty, "");
	assert_int_equal(fs_read_file_max(&b, empty, 0), 0);
	assert_non_null(b.ptr);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.ptr, "");
	buf_release(&b);

	assert_int_equal(fs_read_file(&b, nope), CAIRN_ENOTFOUND);
	assert_non_null(strstr(cairn_error_last()->message, "nope"));
	buf_release(&b);
	/* A directory cannot be read as a file. */
	assert_true(fs_read_file(&b, f->dir) < 0);
	buf_release(&b);

	free(data);
	free(path);
	free(big);
	free(empty);
	free(nope);
}

/* ------------------------------------------------------------ fs misc */

static void test_mkdirs_exists(void **state)
{
	struct fixture *f = *state;
	char *deep = in_dir(f, "a/b/c/d");
	char *file = in_dir(f, "a/file");
	char *under_file = in_dir(f, "a/file/x");

	assert_int_equal(fs_mkdirs(deep, 0755), 0);
	assert_true(fs_is_dir(deep));
	assert_int_equal(fs_mkdirs(deep, 0755), 0); /* again: fine */
	write_plain(file, "x");
	assert_true(fs_exists(file));
	assert_false(fs_is_dir(file));
	assert_true(fs_mkdirs(under_file, 0755) < 0);
	assert_int_equal(fs_unlink(file), 0);
	assert_false(fs_exists(file));
	assert_int_equal(fs_unlink(file), 0); /* missing is not an error */
	free(deep);
	free(file);
	free(under_file);
}

static void test_remove_tree(void **state)
{
	struct fixture *f = *state;
	char *root = in_dir(f, "tree");
	char *outside = in_dir(f, "outside");
	char *keep = in_dir(f, "outside/keep");
	char *p;

	assert_int_equal(fs_mkdirs(root, 0755), 0);
	p = path_join(root, "x/y/z");
	assert_int_equal(fs_mkdirs(p, 0755), 0);
	free(p);
	p = path_join(root, "x/y/z/file");
	write_plain(p, "1");
	free(p);
	p = path_join(root, "x/.hidden");
	write_plain(p, "2");
	free(p);
	p = path_join(root, "top");
	write_plain(p, "3");
	free(p);
	p = path_join(root, "empty-dir");
	assert_int_equal(mkdir(p, 0755), 0);
	free(p);

	/* A symlink to a directory outside: removed, never followed. */
	assert_int_equal(mkdir(outside, 0755), 0);
	write_plain(keep, "keep");
	p = path_join(root, "x/link");
	assert_int_equal(symlink(outside, p), 0);
	free(p);
	p = path_join(root, "dangling");
	assert_int_equal(symlink("/nonexistent/cairn", p), 0);
	free(p);

	assert_int_equal(fs_remove_tree(root), 0);
	assert_false(fs_exists(root));
	assert_true(fs_exists(keep));
	assert_true(fs_is_dir(outside));

	/* Missing: nothing to do. A single file: removed. */
	assert_int_equal(fs_remove_tree(root), 0);
	assert_int_equal(fs_remove_tree(keep), 0);
	assert_false(fs_exists(keep));
	assert_true(fs_is_dir(outside));
	free(root);
	free(outside);
	free(keep);
}

static void test_mkstemp(void **state)
{
	struct fixture *f = *state;
	char *a = NULL, *b = NULL;
	int fa, fb;

	fa = fs_mkstemp(&a, f->dir, "pre-");
	fb = fs_mkstemp(&b, f->dir, "pre-");
	assert_true(fa >= 0);
	assert_true(fb >= 0);
	assert_string_not_equal(a, b);
	assert_non_null(strstr(a, "/pre-"));
	assert_int_equal(strncmp(a, f->dir, strlen(f->dir)), 0);
	assert_int_equal(count_entries(f->dir, "pre-"), 2);
	close(fa);
	close(fb);
	free(a);
	free(b);
	a = NULL;
	assert_true(fs_mkstemp(&a, "/nonexistent/cairn", "x") < 0);
	assert_null(a);
}

/* --------------------------------------------------------------- oidset */

static void oid_from_counter(cairn_oid *oid, uint32_t i)
{
	hash_buffer(oid, &i, sizeof(i));
}

static void test_oidset_basic(void **state)
{
	struct oidset set = OIDSET_INIT;
	cairn_oid a, b;

	(void)state;
	oid_from_counter(&a, 1);
	oid_from_counter(&b, 2);
	assert_false(oidset_contains(&set, &a));
	assert_int_equal(oidset_insert(&set, &a), 1);
	assert_int_equal(oidset_insert(&set, &a), 0);
	assert_true(oidset_contains(&set, &a));
	assert_false(oidset_contains(&set, &b));
	assert_int_equal(set.count, 1);
	oidset_clear(&set);
	assert_int_equal(set.count, 0);
	assert_false(oidset_contains(&set, &a));
	oidset_clear(&set); /* twice is fine */
	/* Usable again after clear. */
	assert_int_equal(oidset_insert(&set, &b), 1);
	assert_true(oidset_contains(&set, &b));
	oidset_clear(&set);
}

static void test_oidset_many(void **state)
{
	struct oidset set = OIDSET_INIT;
	cairn_oid oid;
	uint32_t i;

	(void)state;
	for (i = 0; i < 100000; i++) {
		oid_from_counter(&oid, i);
		if (oidset_insert(&set, &oid) != 1)
			fail_msg("id %u was not new", i);
	}
	assert_int_equal(set.count, 100000);
	assert_true(set.size >= 2 * set.count);
	for (i = 0; i < 100000; i++) {
		oid_from_counter(&oid, i);
		if (!oidset_contains(&set, &oid))
			fail_msg("id %u was lost", i);
		if (oidset_insert(&set, &oid) != 0)
			fail_msg("id %u was inserted twice", i);
	}
	for (i = 100000; i < 110000; i++) {
		oid_from_counter(&oid, i);
		if (oidset_contains(&set, &oid))
			fail_msg("id %u was never inserted", i);
	}
	assert_int_equal(set.count, 100000);
	oidset_clear(&set);
}

/* Ids that all land in the same slot (same first 8 bytes) still work. */
static void test_oidset_collisions(void **state)
{
	struct oidset set = OIDSET_INIT;
	cairn_oid oid;
	uint32_t i;

	(void)state;
	for (i = 0; i < 2000; i++) {
		memset(&oid, 0xab, sizeof(oid));
		memcpy(oid.id + 28, &i, sizeof(i));
		assert_int_equal(oidset_insert(&set, &oid), 1);
	}
	for (i = 0; i < 2000; i++) {
		memset(&oid, 0xab, sizeof(oid));
		memcpy(oid.id + 28, &i, sizeof(i));
		assert_true(oidset_contains(&set, &oid));
	}
	memset(&oid, 0xab, sizeof(oid));
	oid.id[27] = 0;
	assert_false(oidset_contains(&set, &oid));
	/* The all-zero id is an ordinary member. */
	memset(&oid, 0, sizeof(oid));
	assert_false(oidset_contains(&set, &oid));
	assert_int_equal(oidset_insert(&set, &oid), 1);
	assert_true(oidset_contains(&set, &oid));
	assert_int_equal(set.count, 2001);
	oidset_clear(&set);
}

/* -------------------------------------------------------------- oid text */

static const char empty_sha[] =
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

static void test_oid_fmt_parse(void **state)
{
	char out[CAIRN_OID_STRLEN + 1], hex[65];
	cairn_oid oid, back;
	size_t i;

	(void)state;
	hash_buffer(&oid, "", 0);
	memset(out, 'X', sizeof(out));
	cairn_oid_fmt(out, &oid);
	assert_int_equal(strlen(out), CAIRN_OID_STRLEN);
	assert_int_equal(strncmp(out, "sha256:", 7), 0);
	assert_string_equal(out + 7, empty_sha);
	oid_tohex(hex, &oid);
	assert_string_equal(hex, empty_sha);

	assert_int_equal(cairn_oid_parse(&back, out), 0);
	assert_int_equal(cairn_oid_cmp(&oid, &back), 0);
	memset(&back, 0, sizeof(back));
	assert_int_equal(cairn_oid_parse(&back, empty_sha), 0);
	assert_int_equal(cairn_oid_cmp(&oid, &back), 0);

	/* Upper-case hex is accepted. */
	for (i = 0; i < 64; i++)
		hex[i] = (char)(hex[i] >= 'a' ? hex[i] - 32 : hex[i]);
	memset(&back, 0, sizeof(back));
	assert_int_equal(cairn_oid_parse(&back, hex), 0);
	assert_int_equal(cairn_oid_cmp(&oid, &back), 0);

	/* Every byte value survives the round trip. */
	for (i = 0; i < 32; i++)
		oid.id[i] = (unsigned char)(i * 8 + 7);
	cairn_oid_fmt(out, &oid);
	assert_int_equal(cairn_oid_parse(&back, out), 0);
	assert_memory_equal(oid.id, back.id, 32);
	memset(oid.id, 0xff, 32);
	cairn_oid_fmt(out, &oid);
	assert_int_equal(cairn_oid_parse(&back, out), 0);
	assert_memory_equal(oid.id, back.id, 32);
}

static void expect_bad_oid(const char *s)
{
	cairn_oid oid;

	if (cairn_oid_parse(&oid, s) != CAIRN_EINVALID)
		fail_msg("'%s' was accepted as an id", s);
	assert_non_null(strstr(cairn_error_last()->message, "object id"));
}

static void test_oid_parse_bad(void **state)
{
	char s[128];

	(void)state;
	expect_bad_oid("");
	expect_bad_oid("sha256:");
	expect_bad_oid("e3b0");
	snprintf(s, sizeof(s), "%.63s", empty_sha);
	expect_bad_oid(s);
	snprintf(s, sizeof(s), "sha256:%.63s", empty_sha);
	expect_bad_oid(s);
	snprintf(s, sizeof(s), "%s0", empty_sha);
	expect_bad_oid(s);
	snprintf(s, sizeof(s), "sha256:%s0", empty_sha);
	expect_bad_oid(s);
	snprintf(s, sizeof(s), "sha256:sha256:%s", empty_sha);
	expect_bad_oid(s);
	snprintf(s, sizeof(s), "SHA256:%s", empty_sha);
	expect_bad_oid(s);
	snprintf(s, sizeof(s), "sha1:%s", empty_sha);
	expect_bad_oid(s);
	snprintf(s, sizeof(s), " %.63s", empty_sha);
	expect_bad_oid(s);
	snprintf(s, sizeof(s), "%s", empty_sha);
	s[10] = 'g';
	expect_bad_oid(s);
	s[10] = ' ';
	expect_bad_oid(s);
	snprintf(s, sizeof(s), "%s", empty_sha);
	s[63] = '\n';
	expect_bad_oid(s);
}

static void test_oid_cmp_zero(void **state)
{
	cairn_oid a, b;

	(void)state;
	memset(&a, 0, sizeof(a));
	assert_true(oid_is_zero(&a));
	b = a;
	b.id[31] = 1;
	assert_false(oid_is_zero(&b));
	assert_true(cairn_oid_cmp(&a, &b) < 0);
	assert_true(cairn_oid_cmp(&b, &a) > 0);
	assert_int_equal(cairn_oid_cmp(&a, &a), 0);
	a.id[0] = 1;
	assert_true(cairn_oid_cmp(&a, &b) > 0);
}

static void test_hex_decode(void **state)
{
	unsigned char out[8];

	(void)state;
	memset(out, 0x55, sizeof(out));
	assert_int_equal(hex_decode(out, "00ff10aB", 8), 0);
	assert_int_equal(out[0], 0x00);
	assert_int_equal(out[1], 0xff);
	assert_int_equal(out[2], 0x10);
	assert_int_equal(out[3], 0xab);
	assert_int_equal(out[4], 0x55); /* untouched */

	/* Only n digits are read. */
	assert_int_equal(hex_decode(out, "0123zz", 4), 0);
	assert_int_equal(out[0], 0x01);
	assert_int_equal(out[1], 0x23);
	assert_int_equal(hex_decode(out, "", 0), 0);

	/* An odd count fills the high nibble of the last byte. */
	assert_int_equal(hex_decode(out, "abc", 3), 0);
	assert_int_equal(out[0], 0xab);
	assert_int_equal(out[1] & 0xf0, 0xc0);

	assert_int_equal(hex_decode(out, "0g", 2), -1);
	assert_int_equal(hex_decode(out, "g0", 2), -1);
	assert_int_equal(hex_decode(out, "0x12", 4), -1);
	assert_int_equal(hex_decode(out, "12 4", 4), -1);
	assert_int_equal(hex_decode(out, "12\0" "4", 4), -1);
	assert_int_equal(hex_decode(out, "/:@G`g", 2), -1);
	assert_int_equal(hex_decode(out, ":0", 2), -1);
	assert_int_equal(hex_decode(out, "@0", 2), -1);
	assert_int_equal(hex_decode(out, "`0", 2), -1);
	assert_int_equal(hex_decode(out, "G0", 2), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf_empty),
		cmocka_unit_test(test_buf_growth),
		cmocka_unit_test(test_buf_add_binary),
		cmocka_unit_test(test_buf_init_hint),
		cmocka_unit_test(test_buf_printf),
		cmocka_unit_test(test_buf_setlen_reset),
		cmocka_unit_test(test_buf_detach),
		cmocka_unit_test(test_cairn_buf_dispose),
		cmocka_unit_test(test_path_join),
		cmocka_unit_test(test_path_absolute),
		cmocka_unit_test_setup_teardown(test_path_absolute_relative, setup,
						teardown),
		cmocka_unit_test(test_path_absolute_from_root),
		cmocka_unit_test(test_path_under),
		cmocka_unit_test(test_path_dirname_basename),
		cmocka_unit_test_setup_teardown(test_write_atomic_new, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_atomic_replace, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_write_atomic_no_dir, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_write_atomic_over_dir, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_read_file_max, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mkdirs_exists, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remove_tree, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mkstemp, setup, teardown),
		cmocka_unit_test(test_oidset_basic),
		cmocka_unit_test(test_oidset_many),
		cmocka_unit_test(test_oidset_collisions),
		cmocka_unit_test(test_oid_fmt_parse),
		cmocka_unit_test(test_oid_parse_bad),
		cmocka_unit_test(test_oid_cmp_zero),
		cmocka_unit_test(test_hex_decode),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
