/*
 * test_data.c: data set versioning through the public API (cairn.h) on a
 * real project: add (files, directories, re-adds, names, pointer files and
 * .gitignore entries, refusals), status (clean, modified with per-file
 * counts, missing, bad pointers), checkout (restore, conflicts, force,
 * older versions), diff, lookup spec forms, log and list, remotes with
 * push and pull into a second project, fsck (healthy and damaged) and gc
 * (keeps everything referenced, removes what is not).
 *
 * Each test gets a fresh directory under /tmp holding the project `proj`
 * (and, for remotes, `remote` and a second project `other`), and runs
 * with the project as its current directory, since the library resolves
 * relative paths against it; teardown goes back and removes everything.
 *
 * Nothing here depends on timing: a file is only ever changed to content
 * of a different size, so the stat cache can never vouch for stale bytes
 * whatever the file-system timestamp granularity.
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

#include "cairn.h"
#include "lib/db.h"
#include "lib/odb.h"
#include "lib/repo.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/fs.h"
#include "util/hash.h"

struct fixture {
	char *dir;   /* the temp directory, real path */
	char *proj;  /* dir/proj, the project and current directory */
	char saved_cwd[PATH_MAX];
	cairn_repo *repo;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char tmpl[] = "/tmp/cairn-test-data-XXXXXX";

	assert_non_null(getcwd(f->saved_cwd, sizeof(f->saved_cwd)));
	assert_non_null(mkdtemp(tmpl));
	f->dir = realpath(tmpl, NULL);
	assert_non_null(f->dir);
	f->proj = path_join(f->dir, "proj");
	assert_int_equal(mkdir(f->proj, 0755), 0);
	assert_int_equal(cairn_repo_init(&f->repo, f->proj, NULL), 0);
	assert_int_equal(chdir(f->proj), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(chdir(f->saved_cwd), 0);
	cairn_repo_free(f->repo);
	fs_remove_tree(f->dir);
	free(f->proj);
	free(f->dir);
	free(f);
	return 0;
}

/* ------------------------------------------------------------ helpers */

/* Write a file relative to the current directory, making its parents. */
static void put(const char *rel, const char *content)
{
	char *dir = path_dirname(rel);

	assert_int_equal(fs_mkdirs(dir, 0755), 0);
	assert_int_equal(fs_write_atomic(rel, content, strlen(content), 0644), 0);
	free(dir);
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

static void put_random(const char *rel, size_t n, unsigned seed)
{
	unsigned char *p = malloc(n ? n : 1);

	fill_random(p, n, seed);
	assert_int_equal(fs_write_atomic(rel, p, n, 0644), 0);
	free(p);
}

/* The file's content (caller frees), or NULL if it cannot be read. */
static char *slurp(const char *rel)
{
	struct buf b = BUF_INIT;

	if (fs_read_file(&b, rel) < 0) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b, NULL);
}

static void assert_content(const char *rel, const char *want)
{
	char *got = slurp(rel);
	int ok = got && !strcmp(got, want);

	if (!ok)
		print_error("'%s' holds '%s', want '%s'\n", rel,
			    got ? got : "(unreadable)", want);
	free(got);
	assert_true(ok);
}

static int same_files(const char *a, const char *b)
{
	struct buf x = BUF_INIT, y = BUF_INIT;
	int same = fs_read_file(&x, a) == 0 && fs_read_file(&y, b) == 0 &&
		   x.len == y.len && !memcmp(buf_cstr(&x), buf_cstr(&y), x.len);

	buf_release(&x);
	buf_release(&y);
	return same;
}

/* Copy a file between two paths (absolute or relative). */
static void copy_file(const char *from, const char *to)
{
	struct buf b = BUF_INIT;

	assert_int_equal(fs_read_file(&b, from), 0);
	assert_int_equal(fs_write_atomic(to, buf_cstr(&b), b.len, 0644), 0);
	buf_release(&b);
}

/* What an add's callback reported (copied out). */
struct added {
	int calls;
	char *path, *pointer_path;
	cairn_data_version v;
	int created;
	uint64_t stored_bytes;
};

static int on_added(const cairn_data_add_result *r, void *payload)
{
	struct added *a = payload;

	a->calls++;
	a->path = xstrdup(r->path);
	a->pointer_path = xstrdup(r->pointer_path);
	db_version_copy(&a->v, r->version);
	a->created = r->created;
	a->stored_bytes = r->stored_bytes;
	return 0;
}

static void added_release(struct added *a)
{
	free(a->path);
	free(a->pointer_path);
	db_version_clear(&a->v);
	memset(a, 0, sizeof(*a));
}

/* Add path (as data set `name`, or the default); check the basics. */
static void add(struct fixture *f, struct added *a, const char *path,
		const char *name)
{
	cairn_data_add_options opts = CAIRN_DATA_ADD_OPTIONS_INIT;
	int err;

	memset(a, 0, sizeof(*a));
	opts.name = name;
	err = cairn_data_add(f->repo, path, &opts, on_added, a);
	if (err)
		print_error("add '%s': %s\n", path, cairn_error_last()->message);
	assert_int_equal(err, 0);
	assert_int_equal(a->calls, 1);
}

/* Add and return the version number only. */
static uint64_t add_v(struct fixture *f, const char *path, const char *name)
{
	struct added a;
	uint64_t v;

	add(f, &a, path, name);
	v = a.v.version;
	added_release(&a);
	return v;
}

/* Status entries, copied out. */
struct st_entry {
	char *pointer_path, *path, *name, *message;
	cairn_data_state state;
	uint64_t version, added, removed, modified;
};

struct st_list {
	struct st_entry e[16];
	size_t n;
	int stop_after;
};

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static int on_status(const cairn_data_status_entry *e, void *payload)
{
	struct st_list *l = payload;
	struct st_entry *s;

	assert_true(l->n < 16);
	s = &l->e[l->n++];
	s->pointer_path = dup_or_null(e->pointer_path);
	s->path = dup_or_null(e->path);
	s->name = dup_or_null(e->name);
	s->message = dup_or_null(e->message);
	s->state = e->state;
	s->version = e->version;
	s->added = e->added;
	s->removed = e->removed;
	s->modified = e->modified;
	if (l->stop_after && l->n == (size_t)l->stop_after)
		return 99;
	return 0;
}

static void st_release(struct st_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->e[i].pointer_path);
		free(l->e[i].path);
		free(l->e[i].name);
		free(l->e[i].message);
	}
	memset(l, 0, sizeof(*l));
}

static int status(struct fixture *f, struct st_list *l, const char *const *paths,
		  size_t n)
{
	memset(l, 0, sizeof(*l));
	return cairn_data_status(f->repo, paths, n, on_status, l);
}

/* Status of one tracked path. */
static void status_of(struct fixture *f, const char *path,
		      cairn_data_state state, uint64_t added, uint64_t removed,
		      uint64_t modified)
{
	struct st_list l;
	const char *paths[1];

	paths[0] = path;
	assert_int_equal(status(f, &l, paths, 1), 0);
	assert_int_equal(l.n, 1);
	if (l.e[0].state != state)
		print_error("status of '%s' is %d, want %d\n", path, l.e[0].state,
			    state);
	assert_int_equal(l.e[0].state, state);
	assert_int_equal(l.e[0].added, added);
	assert_int_equal(l.e[0].removed, removed);
	assert_int_equal(l.e[0].modified, modified);
	st_release(&l);
}

struct co_list {
	char paths[512];
	int calls, restored;
	uint64_t written, last_version;
};

static int on_checkout(const cairn_data_checkout_result *r, void *payload)
{
	struct co_list *c = payload;
	size_t n = strlen(c->paths);

	snprintf(c->paths + n, sizeof(c->paths) - n, "%s%s%s@v%llu", n ? " " : "",
		 r->restored ? "+" : "=", r->path,
		 (unsigned long long)r->version->version);
	c->calls++;
	c->restored += r->restored;
	c->written += r->files_written;
	c->last_version = r->version->version;
	return 0;
}

static int checkout(struct fixture *f, struct co_list *c,
		    const char *const *specs, size_t n, int force)
{
	cairn_data_checkout_options opts = CAIRN_DATA_CHECKOUT_OPTIONS_INIT;

	opts.force = force;
	memset(c, 0, sizeof(*c));
	return cairn_data_checkout(f->repo, specs, n, &opts, on_checkout, c);
}

static int checkout1(struct fixture *f, struct co_list *c, const char *spec,
		     int force)
{
	const char *specs[1];

	specs[0] = spec;
	return checkout(f, c, specs, 1, force);
}

/* The version a spec names, or 0 if the lookup fails. */
static uint64_t lookup_version(cairn_repo *repo, const char *spec)
{
	cairn_data_version *v = NULL;
	uint64_t n;

	if (cairn_data_lookup(&v, repo, spec) < 0)
		return 0;
	n = v->version;
	cairn_data_version_free(v);
	return n;
}

static int count_lines(const char *text, const char *line)
{
	const char *p = text;
	size_t n = strlen(line);
	int count = 0;

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		if (len == n && !memcmp(p, line, n))
			count++;
		p += len + (nl ? 1 : 0);
	}
	return count;
}

static int count_cb(const cairn_data_version *v, void *payload)
{
	(void)v;
	(*(int *)payload)++;
	return 0;
}

/* -------------------------------------------------------------- repo */

static void test_repo_init_open(void **state)
{
	struct fixture *f = *state;
	cairn_repo *other = NULL;
	char *sub, *store;

	assert_string_equal(cairn_repo_workdir(f->repo), f->proj);
	store = path_join(f->proj, ".cairn");
	assert_string_equal(cairn_repo_path(f->repo), store);
	assert_true(fs_is_dir(store));
	free(store);

	assert_int_equal(cairn_repo_init(&other, f->proj, NULL), CAIRN_EEXISTS);
	assert_int_equal(cairn_repo_init(&other, ".", NULL), CAIRN_EEXISTS);
	assert_null(other);

	/* Open walks up from a subdirectory. */
	assert_int_equal(fs_mkdirs("a/b/c", 0755), 0);
	sub = path_join(f->proj, "a/b/c");
	assert_int_equal(cairn_repo_open(&other, sub), 0);
	assert_string_equal(cairn_repo_workdir(other), f->proj);
	cairn_repo_free(other);
	other = NULL;
	assert_int_equal(cairn_repo_open(&other, "a/b"), 0);
	assert_string_equal(cairn_repo_workdir(other), f->proj);
	cairn_repo_free(other);
	other = NULL;
	free(sub);

	/* Not a project. */
	assert_int_equal(cairn_repo_open(&other, f->dir), CAIRN_ENOTFOUND);
	assert_null(other);
	sub = path_join(f->dir, "nothing-here");
	assert_int_equal(cairn_repo_init(&other, sub, NULL), CAIRN_ENOTFOUND);
	free(sub);
	cairn_repo_free(NULL);
}

/* --------------------------------------------------------------- add */

static void test_add_file(void **state)
{
	struct fixture *f = *state;
	static const char csv[] = "a,b\n1,x\n2,y\n";
	struct added a;
	cairn_oid want;
	char *gi;

	put("train.csv", csv);
	add(f, &a, "train.csv", NULL);
	assert_int_equal(a.created, 1);
	assert_string_equal(a.path, "train.csv");
	assert_string_equal(a.pointer_path, "train.csv.cairn");
	assert_string_equal(a.v.name, "train.csv");
	assert_int_equal(a.v.version, 1);
	assert_int_equal(a.v.kind, CAIRN_DATA_FILE);
	assert_int_equal(a.v.size, strlen(csv));
	assert_int_equal(a.v.files, 1);
	assert_string_equal(a.v.path, "train.csv");
	hash_buffer(&want, csv, strlen(csv));
	assert_int_equal(cairn_oid_cmp(&a.v.oid, &want), 0);
	assert_true(a.stored_bytes > 0);
	assert_true(a.v.created_ms > 0);
	assert_non_null(a.v.created_by);
	assert_int_equal(a.v.rows, 2);
	assert_non_null(a.v.columns);
	assert_non_null(strstr(a.v.columns, "\"a\""));
	assert_non_null(strstr(a.v.columns, "integer"));
	added_release(&a);

	assert_true(fs_exists("train.csv.cairn"));
	assert_content("train.csv", csv); /* the data stays where it is */
	assert_content(".gitignore", "/train.csv\n");

	/* Same content again: nothing new, same version. */
	add(f, &a, "train.csv", NULL);
	assert_int_equal(a.created, 0);
	assert_int_equal(a.v.version, 1);
	assert_int_equal(a.stored_bytes, 0);
	added_release(&a);
	assert_content(".gitignore", "/train.csv\n");

	/* New content: version 2. */
	put("train.csv", "a,b\n1,x\n2,y\n3,z\n");
	add(f, &a, "train.csv", NULL);
	assert_int_equal(a.created, 1);
	assert_int_equal(a.v.version, 2);
	assert_int_equal(a.v.rows, 3);
	assert_true(a.stored_bytes > 0);
	added_release(&a);
	assert_int_equal(lookup_version(f->repo, "train.csv.cairn"), 2);

	/* Back to the first content: that version again, nothing stored. */
	put("train.csv", csv);
	add(f, &a, "train.csv", NULL);
	assert_int_equal(a.created, 0);
	assert_int_equal(a.v.version, 1);
	assert_int_equal(a.stored_bytes, 0);
	added_release(&a);
	assert_int_equal(lookup_version(f->repo, "train.csv.cairn"), 1);
	assert_int_equal(lookup_version(f->repo, "train.csv"), 2); /* the set's latest */

	gi = slurp(".gitignore");
	assert_non_null(gi);
	assert_int_equal(count_lines(gi, "/train.csv"), 1);
	free(gi);
}

static void test_add_not_tabular(void **state)
{
	struct fixture *f = *state;
	struct added a;

	put_random("blob.bin", 5000, 1);
	add(f, &a, "blob.bin", NULL);
	assert_int_equal(a.v.rows, -1);
	assert_null(a.v.columns);
	assert_int_equal(a.v.size, 5000);
	added_release(&a);

	/* An empty file is a file like any other. */
	put("empty.txt", "");
	add(f, &a, "empty.txt", NULL);
	assert_int_equal(a.created, 1);
	assert_int_equal(a.v.size, 0);
	assert_int_equal(a.v.files, 1);
	added_release(&a);
	status_of(f, "empty.txt", CAIRN_DATA_CLEAN, 0, 0, 0);
}

static void test_add_dir(void **state)
{
	struct fixture *f = *state;
	struct added a;
	char *abs;

	put("imgs/a.png", "aaa");
	put("imgs/b.png", "bb");
	put("imgs/sub/c.png", "c");
	add(f, &a, "imgs/", NULL); /* a trailing slash is allowed */
	assert_int_equal(a.created, 1);
	assert_string_equal(a.path, "imgs");
	assert_string_equal(a.pointer_path, "imgs.cairn");
	assert_string_equal(a.v.name, "imgs");
	assert_int_equal(a.v.kind, CAIRN_DATA_DIR);
	assert_int_equal(a.v.files, 3);
	assert_int_equal(a.v.size, 6);
	assert_int_equal(a.v.version, 1);
	assert_int_equal(a.v.rows, -1);
	assert_true(a.stored_bytes > 0);
	added_release(&a);
	assert_true(fs_exists("imgs.cairn"));
	assert_content(".gitignore", "/imgs\n");

	/* Again, through an absolute path: nothing new. */
	abs = path_join(f->proj, "imgs");
	add(f, &a, abs, NULL);
	assert_int_equal(a.created, 0);
	assert_int_equal(a.v.version, 1);
	assert_int_equal(a.stored_bytes, 0);
	added_release(&a);
	free(abs);

	/* One file changes: a new version that stores only that file and trees. */
	put("imgs/sub/c.png", "cc");
	add(f, &a, "imgs", NULL);
	assert_int_equal(a.created, 1);
	assert_int_equal(a.v.version, 2);
	assert_int_equal(a.v.size, 7);
	assert_true(a.stored_bytes > 0);
	added_release(&a);

	/* An empty directory. */
	assert_int_equal(mkdir("void", 0755), 0);
	add(f, &a, "void", NULL);
	assert_int_equal(a.v.kind, CAIRN_DATA_DIR);
	assert_int_equal(a.v.files, 0);
	assert_int_equal(a.v.size, 0);
	added_release(&a);
	status_of(f, "void", CAIRN_DATA_CLEAN, 0, 0, 0);
	assert_content(".gitignore", "/imgs\n/void\n");
}

static void test_add_nested_and_named(void **state)
{
	struct fixture *f = *state;
	struct added a;

	put(".gitignore", "*.tmp"); /* no final newline */
	put("deep/er/x.bin", "xxxx");
	add(f, &a, "deep/er/x.bin", "xbin");
	assert_string_equal(a.v.name, "xbin");
	assert_string_equal(a.path, "deep/er/x.bin");
	assert_string_equal(a.pointer_path, "deep/er/x.bin.cairn");
	assert_string_equal(a.v.path, "deep/er/x.bin");
	added_release(&a);
	assert_true(fs_exists("deep/er/x.bin.cairn"));
	assert_content("deep/er/.gitignore", "/x.bin\n");
	assert_content(".gitignore", "*.tmp");

	put("y.txt", "y");
	add(f, &a, "y.txt", NULL);
	added_release(&a);
	assert_content(".gitignore", "*.tmp\n/y.txt\n");

	/* Relative to a subdirectory as the current directory. */
	assert_int_equal(chdir("deep"), 0);
	put("z.txt", "zz");
	add(f, &a, "z.txt", NULL);
	assert_string_equal(a.path, "deep/z.txt");
	assert_string_equal(a.v.name, "deep/z.txt");
	added_release(&a);
	add(f, &a, "../y.txt", NULL);
	assert_string_equal(a.path, "y.txt");
	assert_int_equal(a.created, 0);
	added_release(&a);
	assert_int_equal(chdir(f->proj), 0);
	assert_content("deep/.gitignore", "/z.txt\n");
	assert_int_equal(lookup_version(f->repo, "xbin@v1"), 1);
	assert_int_equal(lookup_version(f->repo, "deep/z.txt"), 1);
}

/*
 * The .gitignore entry must match the data file literally: git reads
 * "[...]", "*", "?" and "\\" as patterns and drops trailing spaces, so
 * those are escaped with a backslash (gitignore(5)); otherwise the data
 * is not ignored and ends up committed to git.
 */
static void test_add_gitignore_escapes(void **state)
{
	struct fixture *f = *state;
	char *gi;

	put("file[1].csv", "1");
	put("a*b.bin", "2");
	put("what?", "3");
	put("trail ", "4");
	put("back\\slash", "5");
	add_v(f, "file[1].csv", "f1");
	add_v(f, "a*b.bin", "ab");
	add_v(f, "what?", "what");
	add_v(f, "trail ", "trail");
	add_v(f, "back\\slash", "back");
	assert_content(".gitignore", "/file\\[1\\].csv\n/a\\*b.bin\n/what\\?\n"
			"/trail\\ \n/back\\\\slash\n");
	/* Adding again does not repeat the escaped entries. */
	add_v(f, "file[1].csv", "f1");
	add_v(f, "trail ", "trail");
	gi = slurp(".gitignore");
	assert_non_null(gi);
	assert_int_equal(count_lines(gi, "/file\\[1\\].csv"), 1);
	assert_int_equal(count_lines(gi, "/trail\\ "), 1);
	free(gi);
}

/* A .gitignore written on Windows (CRLF) already holding the entry. */
static void test_add_gitignore_crlf(void **state)
{
	struct fixture *f = *state;

	put(".gitignore", "*.tmp\r\n/f.txt\r\n");
	put("f.txt", "f");
	add_v(f, "f.txt", NULL);
	assert_content(".gitignore", "*.tmp\r\n/f.txt\r\n");
}

/*
 * A file whose name cannot go into a pointer file (a newline) is refused,
 * and refused before anything is recorded: no data set version is left
 * without its pointer.
 */
static void test_add_unstorable_path(void **state)
{
	struct fixture *f = *state;
	cairn_data_add_options opts = CAIRN_DATA_ADD_OPTIONS_INIT;
	int n = 0;

	put("bad\nname", "x");
	opts.name = "named";
	assert_int_equal(cairn_data_add(f->repo, "bad\nname", &opts, NULL, NULL),
			 CAIRN_EINVALID);
	assert_false(fs_exists(".gitignore"));
	assert_int_equal(cairn_data_list(f->repo, count_cb, &n), 0);
	assert_int_equal(n, 0);
}

static int stop_add(const cairn_data_add_result *r, void *payload)
{
	(void)r;
	(void)payload;
	return 42;
}

static void test_add_refused(void **state)
{
	struct fixture *f = *state;
	cairn_data_add_options opts = CAIRN_DATA_ADD_OPTIONS_INIT;
	char *outside, *long_name;
	int n = 0;

	put("ok.txt", "ok");
	assert_true(cairn_data_add(f->repo, "missing.txt", NULL, NULL, NULL) < 0);
	assert_false(fs_exists("missing.txt.cairn"));
	assert_int_equal(cairn_data_add(f->repo, ".", NULL, NULL, NULL),
			 CAIRN_EINVALID);
	assert_int_equal(cairn_data_add(f->repo, f->proj, NULL, NULL, NULL),
			 CAIRN_EINVALID);
	assert_int_equal(cairn_data_add(f->repo, ".cairn", NULL, NULL, NULL),
			 CAIRN_EINVALID);
	assert_int_equal(cairn_data_add(f->repo, ".cairn/config", NULL, NULL, NULL),
			 CAIRN_EINVALID);
	outside = path_join(f->dir, "outside.txt");
	put(outside, "out");
	assert_int_equal(cairn_data_add(f->repo, outside, NULL, NULL, NULL),
			 CAIRN_EINVALID);
	assert_int_equal(cairn_data_add(f->repo, "../outside.txt", NULL, NULL, NULL),
			 CAIRN_EINVALID);
	free(outside);

	/* Pointer files are not data. */
	put("p.cairn", "x");
	assert_int_equal(cairn_data_add(f->repo, "p.cairn", NULL, NULL, NULL),
			 CAIRN_EINVALID);
	assert_non_null(strstr(cairn_error_last()->message, "pointer"));

	/* Bad data set names. */
	opts.name = "a@b";
	assert_int_equal(cairn_data_add(f->repo, "ok.txt", &opts, NULL, NULL),
			 CAIRN_EINVALID);
	opts.name = "";
	assert_int_equal(cairn_data_add(f->repo, "ok.txt", &opts, NULL, NULL),
			 CAIRN_EINVALID);
	opts.name = "tab\there";
	assert_int_equal(cairn_data_add(f->repo, "ok.txt", &opts, NULL, NULL),
			 CAIRN_EINVALID);
	long_name = malloc(257);
	memset(long_name, 'n', 256);
	long_name[256] = '\0';
	opts.name = long_name;
	assert_int_equal(cairn_data_add(f->repo, "ok.txt", &opts, NULL, NULL),
			 CAIRN_EINVALID);
	long_name[255] = '\0'; /* 255 is the limit */
	assert_int_equal(cairn_data_add(f->repo, "ok.txt", &opts, NULL, NULL), 0);
	free(long_name);

	/* A data path with '@' cannot be the default name either. */
	put("a@b.txt", "at");
	assert_int_equal(cairn_data_add(f->repo, "a@b.txt", NULL, NULL, NULL),
			 CAIRN_EINVALID);

	/* Inside data tracked as a whole. */
	put("whole/sub/in.txt", "in");
	assert_int_equal(cairn_data_add(f->repo, "whole", NULL, NULL, NULL), 0);
	assert_int_equal(cairn_data_add(f->repo, "whole/sub/in.txt", NULL, NULL,
					NULL), CAIRN_EINVALID);
	assert_non_null(strstr(cairn_error_last()->message, "'whole'"));
	assert_false(fs_exists("whole/sub/in.txt.cairn"));

	/* Refusals recorded nothing; only the good adds did. */
	assert_int_equal(cairn_data_list(f->repo, count_cb, &n), 0);
	assert_int_equal(n, 2);
	assert_true(fs_exists("ok.txt.cairn"));

	/* The callback's return value is passed back. */
	put("cb.txt", "cb");
	assert_int_equal(cairn_data_add(f->repo, "cb.txt", NULL, stop_add, NULL), 42);
}

/* ------------------------------------------------------------ status */

static void test_status(void **state)
{
	struct fixture *f = *state;
	struct st_list l;
	const char *paths[2];

	put("f.txt", "file one");
	put("d/a", "a");
	put("d/b", "bb");
	put("d/sub/c", "ccc");
	add_v(f, "f.txt", NULL);
	add_v(f, "d", NULL);

	assert_int_equal(status(f, &l, NULL, 0), 0);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.e[0].pointer_path, "d.cairn");
	assert_string_equal(l.e[0].path, "d");
	assert_string_equal(l.e[0].name, "d");
	assert_int_equal(l.e[0].version, 1);
	assert_int_equal(l.e[0].state, CAIRN_DATA_CLEAN);
	assert_string_equal(l.e[1].pointer_path, "f.txt.cairn");
	assert_string_equal(l.e[1].path, "f.txt");
	assert_int_equal(l.e[1].state, CAIRN_DATA_CLEAN);
	st_release(&l);

	/* Modified file; modified directory with per-file counts. */
	put("f.txt", "file one, longer");
	put("d/new", "n");
	assert_int_equal(unlink("d/a"), 0);
	put("d/sub/c", "cccc");
	status_of(f, "f.txt", CAIRN_DATA_MODIFIED, 0, 0, 1);
	status_of(f, "d", CAIRN_DATA_MODIFIED, 1, 1, 1);
	status_of(f, "d.cairn", CAIRN_DATA_MODIFIED, 1, 1, 1);
	status_of(f, "d/", CAIRN_DATA_MODIFIED, 1, 1, 1);

	/* Missing data. */
	assert_int_equal(unlink("f.txt"), 0);
	status_of(f, "f.txt", CAIRN_DATA_MISSING, 0, 0, 0);
	assert_int_equal(fs_remove_tree("d"), 0);
	status_of(f, "d", CAIRN_DATA_MISSING, 0, 0, 0);

	/* A bad pointer is reported, not fatal. */
	put("junk.cairn", "this is not: a pointer\n");
	assert_int_equal(status(f, &l, NULL, 0), 0);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.e[2].pointer_path, "junk.cairn");
	assert_int_equal(l.e[2].state, CAIRN_DATA_BAD_POINTER);
	assert_null(l.e[2].name);
	assert_non_null(l.e[2].message);
	assert_non_null(strstr(l.e[2].message, "junk.cairn"));
	st_release(&l);

	/* Only what is asked for. */
	paths[0] = "f.txt.cairn";
	paths[1] = "d";
	assert_int_equal(status(f, &l, paths, 2), 0);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.e[0].path, "f.txt");
	assert_string_equal(l.e[1].path, "d");
	st_release(&l);

	/* Versions are not paths; untracked paths are not found. */
	paths[0] = "d@v1";
	assert_int_equal(status(f, &l, paths, 1), CAIRN_EINVALID);
	assert_int_equal(l.n, 0);
	paths[0] = "untracked";
	assert_int_equal(status(f, &l, paths, 1), CAIRN_ENOTFOUND);
	assert_int_equal(l.n, 0);

	/* A callback's non-zero return stops the walk. */
	memset(&l, 0, sizeof(l));
	l.stop_after = 1;
	assert_int_equal(cairn_data_status(f->repo, NULL, 0, on_status, &l), 99);
	assert_int_equal(l.n, 1);
	st_release(&l);
}

/*
 * The project directory itself is not tracked data: status and checkout
 * of "." say so (CAIRN_ENOTFOUND naming the path) rather than trying to
 * read the store directory .cairn as a pointer file.
 */
static void test_workdir_not_tracked(void **state)
{
	struct fixture *f = *state;
	struct st_list l;
	struct co_list c;
	const char *paths[1];

	put("f.txt", "f");
	add_v(f, "f.txt", NULL);
	paths[0] = ".";
	assert_int_equal(status(f, &l, paths, 1), CAIRN_ENOTFOUND);
	assert_null(strstr(cairn_error_last()->message, "directory"));
	assert_int_equal(checkout1(f, &c, ".", 0), CAIRN_ENOTFOUND);
	paths[0] = f->proj;
	assert_int_equal(status(f, &l, paths, 1), CAIRN_ENOTFOUND);
}

/* A tracked directory is not searched for pointers. */
static void test_status_skips_tracked_dirs(void **state)
{
	struct fixture *f = *state;
	struct st_list l;

	put("d/x", "x");
	put("d/inner.cairn", "garbage that would be a bad pointer");
	add_v(f, "d", NULL);
	assert_int_equal(status(f, &l, NULL, 0), 0);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.e[0].pointer_path, "d.cairn");
	assert_int_equal(l.e[0].state, CAIRN_DATA_CLEAN);
	st_release(&l);
}

/* A file replaced by a directory and the other way round. */
static void test_status_kind_change(void **state)
{
	struct fixture *f = *state;

	put("k", "file");
	add_v(f, "k", NULL);
	assert_int_equal(unlink("k"), 0);
	put("k/one", "1");
	put("k/two", "2");
	status_of(f, "k", CAIRN_DATA_MODIFIED, 2, 1, 0);
}

/* ----------------------------------------------------------- checkout */

static void test_checkout_restores(void **state)
{
	struct fixture *f = *state;
	struct co_list c;

	put("f.txt", "file one");
	put("d/a", "a");
	put("d/b", "bb");
	put("d/sub/c", "ccc");
	add_v(f, "f.txt", NULL);
	add_v(f, "d", NULL);

	/* Nothing to do. */
	assert_int_equal(checkout(f, &c, NULL, 0, 0), 0);
	assert_string_equal(c.paths, "=d@v1 =f.txt@v1");
	assert_int_equal(c.written, 0);

	assert_int_equal(unlink("f.txt"), 0);
	assert_int_equal(fs_remove_tree("d"), 0);
	assert_int_equal(checkout(f, &c, NULL, 0, 0), 0);
	assert_string_equal(c.paths, "+d@v1 +f.txt@v1");
	assert_int_equal(c.written, 4); /* d/a, d/b, d/sub/c and f.txt */
	assert_content("f.txt", "file one");
	assert_content("d/a", "a");
	assert_content("d/b", "bb");
	assert_content("d/sub/c", "ccc");
	status_of(f, "d", CAIRN_DATA_CLEAN, 0, 0, 0);
	status_of(f, "f.txt", CAIRN_DATA_CLEAN, 0, 0, 0);

	/* A whole directory, by pointer path. */
	assert_int_equal(fs_remove_tree("d"), 0);
	assert_int_equal(checkout1(f, &c, "d.cairn", 0), 0);
	assert_int_equal(c.written, 3);
	assert_content("d/sub/c", "ccc");

	/* No temporary files are left beside the data. */
	{
		DIR *dir = opendir(".");
		struct dirent *de;

		assert_non_null(dir);
		while ((de = readdir(dir)))
			assert_null(strstr(de->d_name, "checkout"));
		closedir(dir);
	}

	/* Untracked and bad specs. */
	assert_int_equal(checkout1(f, &c, "nope", 0), CAIRN_ENOTFOUND);
	assert_int_equal(checkout1(f, &c, "f.txt@v7", 0), CAIRN_ENOTFOUND);
	assert_int_equal(checkout1(f, &c, "f.txt@bogus", 0), CAIRN_EINVALID);
	assert_int_equal(c.calls, 0);
}

/*
 * Files deleted inside a tracked directory come back without force: the
 * checkout loses nothing local (the API promises ECONFLICT only "if local
 * changes would be lost"), just as a wholly missing directory does.
 */
static void test_checkout_restores_deleted_files(void **state)
{
	struct fixture *f = *state;
	struct co_list c;

	put("d/a", "a");
	put("d/b", "bb");
	put("d/sub/c", "ccc");
	add_v(f, "d", NULL);
	assert_int_equal(unlink("d/a"), 0);
	assert_int_equal(fs_remove_tree("d/sub"), 0);
	status_of(f, "d", CAIRN_DATA_MODIFIED, 0, 2, 0);
	assert_int_equal(checkout1(f, &c, "d", 0), 0);
	assert_string_equal(c.paths, "+d@v1");
	assert_int_equal(c.written, 2); /* d/a and d/sub/c */
	assert_content("d/a", "a");
	assert_content("d/b", "bb");
	assert_content("d/sub/c", "ccc");
	status_of(f, "d", CAIRN_DATA_CLEAN, 0, 0, 0);
}

/* A bad pointer blocks nothing in a checkout of everything. */
static void test_checkout_skips_bad_pointer(void **state)
{
	struct fixture *f = *state;
	struct co_list c;

	put("f.txt", "file one");
	add_v(f, "f.txt", NULL);
	put("junk.cairn", "junk");
	assert_int_equal(unlink("f.txt"), 0);
	assert_int_equal(checkout(f, &c, NULL, 0, 0), 0);
	assert_string_equal(c.paths, "+f.txt@v1");
	assert_content("f.txt", "file one");
	/* Named explicitly, it is an error. */
	assert_int_equal(checkout1(f, &c, "junk.cairn", 0), CAIRN_EINVALID);
}

static void test_checkout_conflict(void **state)
{
	struct fixture *f = *state;
	struct co_list c;
	const char *specs[3];
	char *ptr_before, *ptr_after;

	put("f.txt", "file one");
	put("g.txt", "file g");
	put("d/a", "a");
	put("d/b", "bb");
	add_v(f, "f.txt", NULL);
	add_v(f, "g.txt", NULL);
	add_v(f, "d", NULL);

	/* Local changes in f.txt and d; g.txt missing. */
	put("f.txt", "local change!");
	put("d/extra", "mine");
	assert_int_equal(unlink("g.txt"), 0);
	ptr_before = slurp("f.txt.cairn");

	assert_int_equal(checkout(f, &c, NULL, 0, 0), CAIRN_ECONFLICT);
	assert_non_null(strstr(cairn_error_last()->message, "local changes"));
	assert_int_equal(c.calls, 0);
	/* Nothing changed, not even the missing file. */
	assert_content("f.txt", "local change!");
	assert_content("d/extra", "mine");
	assert_false(fs_exists("g.txt"));

	specs[0] = "g.txt";
	specs[1] = "d";
	assert_int_equal(checkout(f, &c, specs, 2, 0), CAIRN_ECONFLICT);
	assert_false(fs_exists("g.txt"));
	assert_true(fs_exists("d/extra"));
	assert_int_equal(checkout1(f, &c, "f.txt", 0), CAIRN_ECONFLICT);
	/* Another version is refused too. */
	assert_int_equal(checkout1(f, &c, "f.txt@v1", 0), CAIRN_ECONFLICT);
	ptr_after = slurp("f.txt.cairn");
	assert_non_null(ptr_before);
	assert_non_null(ptr_after);
	assert_string_equal(ptr_before, ptr_after);
	free(ptr_before);
	free(ptr_after);

	/* g.txt alone is fine. */
	assert_int_equal(checkout1(f, &c, "g.txt", 0), 0);
	assert_content("g.txt", "file g");

	/* Force overwrites and removes extra files. */
	specs[0] = "f.txt";
	specs[1] = "d";
	assert_int_equal(checkout(f, &c, specs, 2, 1), 0);
	assert_int_equal(c.restored, 2);
	assert_content("f.txt", "file one");
	assert_false(fs_exists("d/extra"));
	assert_content("d/a", "a");
	status_of(f, "d", CAIRN_DATA_CLEAN, 0, 0, 0);
	status_of(f, "f.txt", CAIRN_DATA_CLEAN, 0, 0, 0);
}

/* A directory where the version has a file is replaced only with force. */
static void test_checkout_kind_change(void **state)
{
	struct fixture *f = *state;
	struct co_list c;

	put("k", "file");
	add_v(f, "k", NULL);
	assert_int_equal(unlink("k"), 0);
	put("k/x", "x");
	assert_int_equal(checkout1(f, &c, "k", 0), CAIRN_ECONFLICT);
	assert_true(fs_is_dir("k"));
	assert_int_equal(checkout1(f, &c, "k", 1), 0);
	assert_content("k", "file");
}

static void test_checkout_versions(void **state)
{
	struct fixture *f = *state;
	struct co_list c;
	cairn_data_version *v1 = NULL;
	char spec[128], hex[65];

	put("f.txt", "one");
	assert_int_equal(add_v(f, "f.txt", NULL), 1);
	put("f.txt", "version two");
	assert_int_equal(add_v(f, "f.txt", NULL), 2);
	put("d/a", "a");
	put("d/b", "b1");
	assert_int_equal(add_v(f, "d", NULL), 1);
	assert_int_equal(unlink("d/a"), 0);
	put("d/b", "b22");
	put("d/c/new", "new");
	assert_int_equal(add_v(f, "d", NULL), 2);

	assert_int_equal(checkout1(f, &c, "f.txt@v1", 0), 0);
	assert_string_equal(c.paths, "+f.txt@v1");
	assert_content("f.txt", "one");
	/* The pointer follows, so the data is clean at v1. */
	assert_int_equal(lookup_version(f->repo, "f.txt.cairn"), 1);
	status_of(f, "f.txt", CAIRN_DATA_CLEAN, 0, 0, 0);
	/* Checking out the pointer's version again does nothing. */
	assert_int_equal(checkout1(f, &c, "f.txt", 0), 0);
	assert_string_equal(c.paths, "=f.txt@v1");

	/* Other spellings: N, pointer path, id prefix. */
	assert_int_equal(checkout1(f, &c, "f.txt@2", 0), 0);
	assert_content("f.txt", "version two");
	assert_int_equal(checkout1(f, &c, "f.txt.cairn@v1", 0), 0);
	assert_content("f.txt", "one");
	assert_int_equal(cairn_data_lookup(&v1, f->repo, "f.txt@v2"), 0);
	oid_tohex(hex, &v1->oid);
	cairn_data_version_free(v1);
	snprintf(spec, sizeof(spec), "f.txt@%.10s", hex);
	assert_int_equal(checkout1(f, &c, spec, 0), 0);
	assert_content("f.txt", "version two");
	assert_int_equal(c.last_version, 2);
	snprintf(spec, sizeof(spec), "f.txt@sha256:%.10s", hex);
	assert_int_equal(checkout1(f, &c, spec, 0), 0);
	assert_string_equal(c.paths, "=f.txt@v2");

	/* Unknown versions change nothing. */
	assert_int_equal(checkout1(f, &c, "f.txt@v3", 0), CAIRN_ENOTFOUND);
	assert_int_equal(checkout1(f, &c, "f.txt@v0", 0), CAIRN_EINVALID);
	assert_content("f.txt", "version two");
	assert_int_equal(lookup_version(f->repo, "f.txt.cairn"), 2);

	/* A directory goes back exactly: gone files return, new ones go. */
	assert_int_equal(checkout1(f, &c, "d@v1", 0), 0);
	assert_content("d/a", "a");
	assert_content("d/b", "b1");
	assert_false(fs_exists("d/c"));
	status_of(f, "d", CAIRN_DATA_CLEAN, 0, 0, 0);
	assert_int_equal(checkout1(f, &c, "d@v2", 0), 0);
	assert_false(fs_exists("d/a"));
	assert_content("d/b", "b22");
	assert_content("d/c/new", "new");

	/* A missing file can come back at an older version directly. */
	assert_int_equal(unlink("f.txt"), 0);
	assert_int_equal(checkout1(f, &c, "f.txt@v1", 0), 0);
	assert_content("f.txt", "one");
}

/* ---------------------------------------------------------------- diff */

struct diffs {
	char text[1024];
	int n;
};

static int on_diff(const cairn_diff_entry *e, void *payload)
{
	static const char kinds[] = { '+', '-', 'M' };
	struct diffs *d = payload;
	size_t n = strlen(d->text);

	snprintf(d->text + n, sizeof(d->text) - n, "%s%c%s:%llu:%llu",
		 n ? " " : "", kinds[e->kind], e->path,
		 (unsigned long long)e->old_size, (unsigned long long)e->new_size);
	d->n++;
	return 0;
}

static int diff(struct fixture *f, struct diffs *d, const char *path,
		const char *from, const char *to)
{
	memset(d, 0, sizeof(*d));
	return cairn_data_diff(f->repo, path, from, to, on_diff, d);
}

static void test_diff(void **state)
{
	struct fixture *f = *state;
	struct diffs d;

	put("d/a", "1");
	put("d/b", "22");
	put("d/sub/c", "333");
	put("d/gone/x", "x");
	add_v(f, "d", NULL);
	assert_int_equal(unlink("d/a"), 0);
	put("d/b", "2222");
	put("d/sub/e", "e");
	assert_int_equal(fs_remove_tree("d/gone"), 0);
	put("d/zz/y", "yy");
	add_v(f, "d", NULL);

	assert_int_equal(diff(f, &d, "d", "v1", "v2"), 0);
	assert_string_equal(d.text, "-a:1:0 Mb:2:4 -gone/x:1:0 +sub/e:0:1 +zz/y:0:2");
	assert_int_equal(diff(f, &d, "d", "v2", "v1"), 0);
	assert_string_equal(d.text, "+a:0:1 Mb:4:2 +gone/x:0:1 -sub/e:1:0 -zz/y:2:0");
	assert_int_equal(diff(f, &d, "d", "v2", "v2"), 0);
	assert_int_equal(d.n, 0);

	/* Against the working tree, from the pointer's version. */
	assert_int_equal(diff(f, &d, "d", NULL, NULL), 0);
	assert_int_equal(d.n, 0);
	put("d/sub/c", "3333");
	put("d/new", "n");
	assert_int_equal(diff(f, &d, "d", NULL, NULL), 0);
	assert_string_equal(d.text, "+new:0:1 Msub/c:3:4");
	assert_int_equal(diff(f, &d, "d.cairn", "v1", NULL), 0);
	assert_string_equal(d.text,
			    "-a:1:0 Mb:2:4 -gone/x:1:0 +new:0:1 Msub/c:3:4 "
			    "+sub/e:0:1 +zz/y:0:2");

	/* Bad arguments. */
	assert_int_equal(diff(f, &d, "nothing", NULL, NULL), CAIRN_ENOTFOUND);
	assert_int_equal(diff(f, &d, "d", "v9", NULL), CAIRN_ENOTFOUND);
	assert_int_equal(diff(f, &d, "d", "v1", "zz"), CAIRN_EINVALID);
	assert_int_equal(d.n, 0);
}

static void test_diff_file_and_name(void **state)
{
	struct fixture *f = *state;
	struct diffs d;

	put("f.txt", "abc");
	add_v(f, "f.txt", "fset");
	put("f.txt", "abcdefg");
	add_v(f, "f.txt", "fset");

	assert_int_equal(diff(f, &d, "f.txt", "v1", "v2"), 0);
	assert_string_equal(d.text, "M:3:7");
	/* By data set name, and from the named version to the working tree. */
	assert_int_equal(diff(f, &d, "fset", "v1", "v2"), 0);
	assert_string_equal(d.text, "M:3:7");
	assert_int_equal(diff(f, &d, "fset", NULL, "v1"), 0);
	assert_string_equal(d.text, "M:7:3");
	put("f.txt", "ab");
	assert_int_equal(diff(f, &d, "f.txt", NULL, NULL), 0);
	assert_string_equal(d.text, "M:7:2");
	assert_int_equal(diff(f, &d, "f.txt", "v1", NULL), 0);
	assert_string_equal(d.text, "M:3:2");
}

/* -------------------------------------------------------------- lookup */

static void test_lookup(void **state)
{
	struct fixture *f = *state;
	cairn_data_version *v = NULL;
	char h1[65], h2[65], spec[128];

	put("f.txt", "first");
	assert_int_equal(add_v(f, "f.txt", "train"), 1);
	put("f.txt", "second!");
	assert_int_equal(add_v(f, "f.txt", "train"), 2);

	assert_int_equal(cairn_data_lookup(&v, f->repo, "train@v1"), 0);
	assert_string_equal(v->name, "train");
	assert_int_equal(v->version, 1);
	assert_int_equal(v->size, 5);
	assert_int_equal(v->kind, CAIRN_DATA_FILE);
	assert_string_equal(v->path, "f.txt");
	oid_tohex(h1, &v->oid);
	cairn_data_version_free(v);
	v = NULL;
	assert_int_equal(cairn_data_lookup(&v, f->repo, "train"), 0);
	assert_int_equal(v->version, 2);
	oid_tohex(h2, &v->oid);
	cairn_data_version_free(v);
	cairn_data_version_free(NULL);

	assert_int_equal(lookup_version(f->repo, "train@1"), 1);
	assert_int_equal(lookup_version(f->repo, "train@v2"), 2);
	snprintf(spec, sizeof(spec), "train@%.12s", h1);
	assert_int_equal(lookup_version(f->repo, spec), 1);
	snprintf(spec, sizeof(spec), "train@sha256:%.12s", h1);
	assert_int_equal(lookup_version(f->repo, spec), 1);
	snprintf(spec, sizeof(spec), "%.12s", h1);
	assert_int_equal(lookup_version(f->repo, spec), 1);
	snprintf(spec, sizeof(spec), "sha256:%.12s", h2);
	assert_int_equal(lookup_version(f->repo, spec), 2);
	assert_int_equal(lookup_version(f->repo, h1), 1); /* the full id */

	/* Paths: the pointer's version, or another version of its set. */
	assert_int_equal(lookup_version(f->repo, "f.txt"), 2);
	assert_int_equal(lookup_version(f->repo, "f.txt.cairn"), 2);
	assert_int_equal(lookup_version(f->repo, "f.txt@v1"), 1);
	spec[0] = '\0';
	snprintf(spec, sizeof(spec), "%s/f.txt.cairn@v1", f->proj);
	assert_int_equal(lookup_version(f->repo, spec), 1);

	/* Failures. */
	v = NULL;
	assert_int_equal(cairn_data_lookup(&v, f->repo, "nope"), CAIRN_ENOTFOUND);
	assert_null(v);
	assert_int_equal(cairn_data_lookup(&v, f->repo, "train@v3"), CAIRN_ENOTFOUND);
	assert_int_equal(cairn_data_lookup(&v, f->repo, "train@v0"), CAIRN_EINVALID);
	assert_int_equal(cairn_data_lookup(&v, f->repo, "train@zz"), CAIRN_EINVALID);
	assert_int_equal(cairn_data_lookup(&v, f->repo, "train@abc"), CAIRN_EINVALID);
	assert_int_equal(cairn_data_lookup(&v, f->repo, "nope@v1"), CAIRN_ENOTFOUND);
	assert_int_equal(cairn_data_lookup(&v, f->repo, "abc"), CAIRN_ENOTFOUND);
	assert_int_equal(cairn_data_lookup(&v, f->repo, ""), CAIRN_ENOTFOUND);
	/* A prefix that matches neither version. */
	snprintf(spec, sizeof(spec), "%.8s", h1);
	for (spec[0] = '0'; spec[0] == h1[0] || spec[0] == h2[0]; spec[0]++)
		;
	assert_int_equal(cairn_data_lookup(&v, f->repo, spec), CAIRN_ENOTFOUND);
	assert_null(v);
}

/* The same content in two data sets: a bare prefix is ambiguous. */
static void test_lookup_ambiguous(void **state)
{
	struct fixture *f = *state;
	cairn_data_version *v = NULL;
	char hex[65], spec[80];

	put("a.txt", "same");
	put("b.txt", "same");
	add_v(f, "a.txt", NULL);
	add_v(f, "b.txt", NULL);
	assert_int_equal(cairn_data_lookup(&v, f->repo, "a.txt"), 0);
	oid_tohex(hex, &v->oid);
	cairn_data_version_free(v);
	v = NULL;
	snprintf(spec, sizeof(spec), "%.8s", hex);
	assert_int_equal(cairn_data_lookup(&v, f->repo, spec), CAIRN_EAMBIGUOUS);
	assert_null(v);
	snprintf(spec, sizeof(spec), "b.txt@%.8s", hex);
	assert_int_equal(lookup_version(f->repo, spec), 1);
}

/* ---------------------------------------------------------- log, list */

struct names {
	char text[512];
};

static int on_version(const cairn_data_version *v, void *payload)
{
	struct names *s = payload;
	size_t n = strlen(s->text);

	snprintf(s->text + n, sizeof(s->text) - n, "%s%s@%llu", n ? " " : "",
		 v->name, (unsigned long long)v->version);
	return 0;
}

static int stop_at_first(const cairn_data_version *v, void *payload)
{
	(void)v;
	(void)payload;
	return -77;
}

static void test_log_list(void **state)
{
	struct fixture *f = *state;
	struct names s;

	put("a.txt", "1");
	add_v(f, "a.txt", NULL);
	put("a.txt", "22");
	add_v(f, "a.txt", NULL);
	put("a.txt", "333");
	add_v(f, "a.txt", NULL);
	put("b.txt", "b");
	add_v(f, "b.txt", NULL);
	put("c.txt", "c");
	add_v(f, "c.txt", "cset");
	put("d/x", "x");
	add_v(f, "d", NULL);

	memset(&s, 0, sizeof(s));
	assert_int_equal(cairn_data_log(f->repo, "a.txt", on_version, &s), 0);
	assert_string_equal(s.text, "a.txt@1 a.txt@2 a.txt@3");
	memset(&s, 0, sizeof(s));
	assert_int_equal(cairn_data_log(f->repo, "a.txt.cairn", on_version, &s), 0);
	assert_string_equal(s.text, "a.txt@1 a.txt@2 a.txt@3");
	memset(&s, 0, sizeof(s));
	assert_int_equal(cairn_data_log(f->repo, "c.txt", on_version, &s), 0);
	assert_string_equal(s.text, "cset@1");
	memset(&s, 0, sizeof(s));
	assert_int_equal(cairn_data_log(f->repo, "cset", on_version, &s), 0);
	assert_string_equal(s.text, "cset@1");
	assert_int_equal(cairn_data_log(f->repo, "nope", on_version, &s),
			 CAIRN_ENOTFOUND);
	assert_int_equal(cairn_data_log(f->repo, "a.txt", stop_at_first, NULL), -77);

	memset(&s, 0, sizeof(s));
	assert_int_equal(cairn_data_list(f->repo, on_version, &s), 0);
	assert_string_equal(s.text, "a.txt@3 b.txt@1 cset@1 d@1");
	assert_int_equal(cairn_data_list(f->repo, stop_at_first, NULL), -77);
}

static void test_list_empty(void **state)
{
	struct fixture *f = *state;
	struct names s;
	struct st_list l;
	struct co_list c;

	memset(&s, 0, sizeof(s));
	assert_int_equal(cairn_data_list(f->repo, on_version, &s), 0);
	assert_string_equal(s.text, "");
	assert_int_equal(status(f, &l, NULL, 0), 0);
	assert_int_equal(l.n, 0);
	assert_int_equal(checkout(f, &c, NULL, 0, 0), 0);
	assert_int_equal(c.calls, 0);
}

/* ------------------------------------------------------------- remotes */

struct remotes {
	char text[1024];
};

static int on_remote(const char *name, const char *url, void *payload)
{
	struct remotes *r = payload;
	size_t n = strlen(r->text);

	snprintf(r->text + n, sizeof(r->text) - n, "%s%s=%s", n ? " " : "", name,
		 url);
	return 0;
}

static void test_remote_config(void **state)
{
	struct fixture *f = *state;
	struct remotes r;
	char *url = path_join(f->dir, "remote");
	char *inside = path_join(f->proj, ".cairn/remote");
	struct buf b = BUF_INIT;

	assert_int_equal(cairn_remote_add(f->repo, "origin", "../remote"), 0);
	assert_true(fs_is_dir(url));
	memset(&r, 0, sizeof(r));
	assert_int_equal(cairn_remote_foreach(f->repo, on_remote, &r), 0);
	buf_printf(&b, "origin=%s", url); /* stored absolute */
	assert_string_equal(r.text, b.ptr);

	assert_int_equal(cairn_remote_add(f->repo, "origin", url), CAIRN_EEXISTS);
	assert_int_equal(cairn_remote_add(f->repo, "bad name", url), CAIRN_EINVALID);
	assert_int_equal(cairn_remote_add(f->repo, "", url), CAIRN_EINVALID);
	assert_int_equal(cairn_remote_add(f->repo, "s3", "s3://bucket/x"),
			 CAIRN_ENOTSUPP);
	assert_int_equal(cairn_remote_add(f->repo, "in", inside), CAIRN_EINVALID);

	/* The configuration persists. */
	cairn_repo_free(f->repo);
	f->repo = NULL;
	assert_int_equal(cairn_repo_open(&f->repo, "."), 0);
	memset(&r, 0, sizeof(r));
	assert_int_equal(cairn_remote_foreach(f->repo, on_remote, &r), 0);
	assert_string_equal(r.text, b.ptr);

	assert_int_equal(cairn_remote_remove(f->repo, "nope"), CAIRN_ENOTFOUND);
	assert_int_equal(cairn_remote_remove(f->repo, "origin"), 0);
	memset(&r, 0, sizeof(r));
	assert_int_equal(cairn_remote_foreach(f->repo, on_remote, &r), 0);
	assert_string_equal(r.text, "");
	buf_release(&b);
	free(url);
	free(inside);
}

static void test_push_pull(void **state)
{
	struct fixture *f = *state;
	cairn_transfer_stats st;
	cairn_repo *b = NULL;
	char *remote = path_join(f->dir, "remote");
	char *other = path_join(f->dir, "other");
	const char *specs[1];
	struct co_list c;
	struct st_list l;
	cairn_fsck_stats fs;
	static const char *const pointers[] = { "f.bin.cairn", "d.cairn", "big.cairn" };
	size_t i;

	put_random("f.bin", 3000, 1);
	put_random("big", 1500000, 2); /* chunked */
	put("d/x", "x");
	put("d/sub/y", "yy");
	add_v(f, "f.bin", NULL);
	add_v(f, "big", NULL);
	add_v(f, "d", NULL);

	assert_int_equal(cairn_data_push(&st, f->repo, NULL, 0, NULL), CAIRN_ENOTFOUND);
	assert_int_equal(cairn_remote_add(f->repo, "origin", remote), 0);
	assert_int_equal(cairn_data_push(&st, f->repo, NULL, 0, NULL), 0);
	assert_true(st.objects > 0);
	assert_true(st.bytes > 0);
	assert_int_equal(st.versions, 3);
	/* Again: nothing moves. */
	assert_int_equal(cairn_data_push(&st, f->repo, NULL, 0, NULL), 0);
	assert_int_equal(st.objects, 0);
	assert_int_equal(st.bytes, 0);
	assert_int_equal(st.versions, 0);
	assert_true(st.skipped > 0);

	/* A second project, with the pointer files as git would bring them. */
	assert_int_equal(mkdir(other, 0755), 0);
	assert_int_equal(cairn_repo_init(&b, other, NULL), 0);
	assert_int_equal(chdir(other), 0);
	assert_int_equal(cairn_data_fetch(&st, b, NULL, 0, NULL), CAIRN_ENOTFOUND);
	for (i = 0; i < 3; i++) {
		char *from = path_join(f->proj, pointers[i]);

		copy_file(from, pointers[i]);
		free(from);
	}
	assert_int_equal(cairn_remote_add(b, "origin", remote), 0);
	/* Without the objects, checkout says what to do and changes nothing. */
	memset(&c, 0, sizeof(c));
	assert_int_equal(cairn_data_checkout(b, NULL, 0, NULL, on_checkout, &c),
			 CAIRN_ENOTFOUND);
	assert_non_null(strstr(cairn_error_last()->message, "pull"));

	assert_int_equal(cairn_data_fetch(&st, b, NULL, 0, NULL), 0);
	assert_true(st.objects > 0);
	assert_true(st.bytes > 0);
	assert_int_equal(st.versions, 3);
	assert_int_equal(cairn_data_fetch(&st, b, NULL, 0, NULL), 0);
	assert_int_equal(st.objects, 0);
	assert_int_equal(st.versions, 0);

	memset(&c, 0, sizeof(c));
	assert_int_equal(cairn_data_checkout(b, NULL, 0, NULL, on_checkout, &c), 0);
	assert_int_equal(c.restored, 3);
	for (i = 0; i < 3; i++) {
		char *theirs = path_join(f->proj, pointers[i]);

		theirs[strlen(theirs) - strlen(".cairn")] = '\0';
		if (!fs_is_dir(theirs)) {
			char *mine = xstrdup(pointers[i]);

			mine[strlen(mine) - strlen(".cairn")] = '\0';
			assert_true(same_files(theirs, mine));
			free(mine);
		}
		free(theirs);
	}
	assert_content("d/x", "x");
	assert_content("d/sub/y", "yy");
	memset(&l, 0, sizeof(l));
	assert_int_equal(cairn_data_status(b, NULL, 0, on_status, &l), 0);
	assert_int_equal(l.n, 3);
	for (i = 0; i < l.n; i++)
		assert_int_equal(l.e[i].state, CAIRN_DATA_CLEAN);
	st_release(&l);
	assert_int_equal(lookup_version(b, "f.bin@v1"), 1);
	assert_int_equal(lookup_version(b, "d"), 1);
	assert_int_equal(cairn_fsck(&fs, b, NULL, NULL), 0);
	assert_int_equal(fs.problems, 0);

	/* A new version pushed by name, pulled by version. */
	assert_int_equal(chdir(f->proj), 0);
	put_random("f.bin", 3001, 3);
	assert_int_equal(add_v(f, "f.bin", NULL), 2);
	specs[0] = "f.bin";
	assert_int_equal(cairn_data_push(&st, f->repo, specs, 1, NULL), 0);
	assert_true(st.objects >= 1);
	assert_int_equal(st.versions, 1);
	assert_int_equal(chdir(other), 0);
	specs[0] = "f.bin@v2";
	assert_int_equal(cairn_data_fetch(&st, b, specs, 1, NULL), 0);
	assert_true(st.objects >= 1);
	assert_int_equal(st.versions, 1);
	memset(&c, 0, sizeof(c));
	assert_int_equal(cairn_data_checkout(b, specs, 1, NULL, on_checkout, &c), 0);
	assert_string_equal(c.paths, "+f.bin@v2");
	{
		char *theirs = path_join(f->proj, "f.bin");

		assert_true(same_files(theirs, "f.bin"));
		free(theirs);
	}

	/* A named remote that does not exist. */
	{
		cairn_transfer_options opts = CAIRN_TRANSFER_OPTIONS_INIT;

		opts.remote = "elsewhere";
		assert_int_equal(cairn_data_fetch(&st, b, NULL, 0, &opts),
				 CAIRN_ENOTFOUND);
	}

	assert_int_equal(chdir(f->proj), 0);
	cairn_repo_free(b);
	free(remote);
	free(other);
}

/* -------------------------------------------------------- fsck and gc */

struct problems {
	int n, with_referrer;
};

static int on_problem(const cairn_fsck_problem *p, void *payload)
{
	struct problems *s = payload;

	assert_non_null(p->oid);
	assert_non_null(p->problem);
	s->n++;
	if (p->referrer) {
		assert_non_null(strstr(p->referrer, "data set"));
		s->with_referrer++;
	}
	return 0;
}

/* Change one byte in the middle of every pack. */
static int damage_packs(const char *pack_dir)
{
	DIR *d = opendir(pack_dir);
	struct dirent *de;
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		char *path;
		struct stat st;
		unsigned char byte;
		int fd;

		if (len < 5 || strcmp(de->d_name + len - 5, ".pack"))
			continue;
		path = path_join(pack_dir, de->d_name);
		assert_int_equal(stat(path, &st), 0);
		assert_true(st.st_size > 16);
		chmod(path, 0644);
		fd = open(path, O_RDWR);
		assert_true(fd >= 0);
		assert_int_equal(pread(fd, &byte, 1, st.st_size / 2), 1);
		byte ^= 0x5a;
		assert_int_equal(pwrite(fd, &byte, 1, st.st_size / 2), 1);
		close(fd);
		free(path);
		n++;
	}
	closedir(d);
	return n;
}

static void test_fsck(void **state)
{
	struct fixture *f = *state;
	cairn_fsck_stats st;
	struct problems p;
	char *packs;

	put_random("f.bin", 3000, 1);
	put_random("big", 1200000, 2);
	put("d/x", "x");
	add_v(f, "f.bin", NULL);
	add_v(f, "big", NULL);
	add_v(f, "d", NULL);

	memset(&p, 0, sizeof(p));
	assert_int_equal(cairn_fsck(&st, f->repo, on_problem, &p), 0);
	assert_int_equal(st.problems, 0);
	assert_true(st.objects >= 5);
	assert_true(st.bytes > 0);
	assert_int_equal(p.n, 0);

	packs = path_join(f->proj, ".cairn/objects/pack");
	assert_int_equal(damage_packs(packs), 3);
	free(packs);
	memset(&p, 0, sizeof(p));
	assert_int_equal(cairn_fsck(&st, f->repo, on_problem, &p), 0);
	assert_true(st.problems > 0);
	assert_int_equal(p.n, (int)st.problems);
	assert_true(p.with_referrer > 0);
	/* Without a callback it still counts. */
	assert_int_equal(cairn_fsck(&st, f->repo, NULL, NULL), 0);
	assert_true(st.problems > 0);
}

/* Publish an object that no data set version references. */
static void store_orphan(cairn_repo *repo, cairn_oid *oid)
{
	struct odb_writer *w = NULL;

	assert_int_equal(odb_writer_new(&w, repo->odb), 0);
	assert_int_equal(odb_write_buffer(oid, w, ODB_BLOB, "orphan bytes", 12), 0);
	assert_int_equal(odb_writer_commit(w), 0);
	odb_writer_free(w);
}

static void test_gc(void **state)
{
	struct fixture *f = *state;
	cairn_gc_stats gs;
	cairn_fsck_stats fs;
	struct co_list c;
	cairn_oid orphan;
	uint64_t total;

	put("f.txt", "one");
	add_v(f, "f.txt", NULL);
	put("f.txt", "two!");
	add_v(f, "f.txt", NULL);
	put("d/a", "a");
	put("d/s/b", "b");
	add_v(f, "d", NULL);
	put_random("big", 1100000, 4);
	add_v(f, "big", NULL);

	/* Everything is referenced: nothing goes. */
	assert_int_equal(cairn_gc(&gs, f->repo, 1), 0);
	assert_true(gs.objects_total > 0);
	assert_int_equal(gs.objects_unreferenced, 0);
	assert_int_equal(gs.bytes_freed, 0);
	assert_true(gs.bytes_before > 0);
	total = gs.objects_total;
	assert_int_equal(cairn_gc(&gs, f->repo, 0), 0);
	assert_int_equal(gs.objects_total, total);
	assert_int_equal(gs.objects_unreferenced, 0);
	assert_int_equal(cairn_fsck(&fs, f->repo, NULL, NULL), 0);
	assert_int_equal(fs.problems, 0);
	assert_int_equal(fs.objects, total);
	/* Every version is still there. */
	assert_int_equal(checkout1(f, &c, "f.txt@v1", 0), 0);
	assert_content("f.txt", "one");
	assert_int_equal(checkout1(f, &c, "f.txt@v2", 0), 0);
	assert_content("f.txt", "two!");
	assert_int_equal(fs_remove_tree("d"), 0);
	assert_int_equal(unlink("big"), 0);
	assert_int_equal(checkout(f, &c, NULL, 0, 0), 0);
	assert_int_equal(c.restored, 2);
	status_of(f, "big", CAIRN_DATA_CLEAN, 0, 0, 0);

	/* An object nothing references: counted by a dry run, then removed. */
	store_orphan(f->repo, &orphan);
	assert_true(odb_exists(f->repo->odb, &orphan));
	assert_int_equal(cairn_gc(&gs, f->repo, 1), 0);
	assert_int_equal(gs.objects_total, total + 1);
	assert_int_equal(gs.objects_unreferenced, 1);
	assert_true(gs.bytes_freed > 0);
	assert_true(odb_exists(f->repo->odb, &orphan));
	assert_int_equal(cairn_gc(&gs, f->repo, 0), 0);
	assert_int_equal(gs.objects_unreferenced, 1);
	assert_true(gs.bytes_freed > 0);
	assert_false(odb_exists(f->repo->odb, &orphan));
	assert_int_equal(cairn_gc(&gs, f->repo, 1), 0);
	assert_int_equal(gs.objects_total, total);
	assert_int_equal(gs.objects_unreferenced, 0);

	/* And from a fresh open, too. */
	cairn_repo_free(f->repo);
	f->repo = NULL;
	assert_int_equal(cairn_repo_open(&f->repo, "."), 0);
	assert_false(odb_exists(f->repo->odb, &orphan));
	assert_int_equal(cairn_fsck(&fs, f->repo, NULL, NULL), 0);
	assert_int_equal(fs.problems, 0);
	assert_int_equal(fs.objects, total);
	assert_int_equal(checkout1(f, &c, "f.txt@v1", 0), 0);
	assert_content("f.txt", "one");
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_repo_init_open),
		T(test_add_file),
		T(test_add_not_tabular),
		T(test_add_dir),
		T(test_add_nested_and_named),
		T(test_add_refused),
		T(test_add_gitignore_escapes),
		T(test_add_gitignore_crlf),
		T(test_add_unstorable_path),
		T(test_status),
		T(test_workdir_not_tracked),
		T(test_status_skips_tracked_dirs),
		T(test_status_kind_change),
		T(test_checkout_restores),
		T(test_checkout_restores_deleted_files),
		T(test_checkout_skips_bad_pointer),
		T(test_checkout_conflict),
		T(test_checkout_kind_change),
		T(test_checkout_versions),
		T(test_diff),
		T(test_diff_file_and_name),
		T(test_lookup),
		T(test_lookup_ambiguous),
		T(test_log_list),
		T(test_list_empty),
		T(test_remote_config),
		T(test_push_pull),
		T(test_fsck),
		T(test_gc),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
