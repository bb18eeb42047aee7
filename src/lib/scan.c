/*
 * scan.c: walking the working tree into object ids (scan.h).
 *
 * Three phases:
 *   1. walk: lstat every entry, refuse what cannot be versioned (special
 *      files, symlinks leaving the project or naming directories), and
 *      take each file's id from the stat cache when its (dev, inode, size,
 *      mtime, ctime, mode) match the cached ones;
 *   2. hash: the remaining files, small ones by two worker threads, large
 *      ones one at a time through the two-thread chunking pipeline (when
 *      storing) or a plain SHA-256 (when only comparing);
 *   3. trees: bottom up, each directory's tree encoded and hashed (and
 *      stored when writing).
 *
 * The stat cache is racy-safe in git's sense: an entry is trusted only if
 * the file's mtime is older than the moment hashing began by more than
 * the file-system timestamp granularity, so a file rewritten within the
 * same tick as it was hashed is hashed again next time.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/scan.h"
#include "lib/tree.h"
#include "util/alloc.h"
#include "util/fs.h"
#include "util/hash.h"
#include "util/banned.h"

#define RACY_NS (50LL * 1000 * 1000)
#define HASH_WORKERS 2

int64_t scan_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int64_t ts_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000000000LL + ts->tv_nsec;
}

void scan_free(struct scan_node *node)
{
	size_t i;

	if (!node)
		return;
	for (i = 0; i < node->nchildren; i++)
		scan_free(node->children[i]);
	free(node->children);
	free(node->name);
	free(node->rel);
	free(node);
}

struct scan {
	cairn_repo *repo;
	const struct scan_options *opts;
	const char *root;   /* opts->root or the workdir */
	int use_cache;
	struct scan_node **todo; /* files to hash */
	size_t ntodo, todo_alloc;
	uint64_t todo_bytes;
	int64_t started_ns;
};

static int cache_lookup(struct scan *s, struct scan_node *n)
{
	struct db_stat c;
	int found = db_stat_get(&c, s->repo->db, n->rel);

	if (found <= 0)
		return found;
	if (c.dev != (uint64_t)n->st.st_dev || c.ino != (uint64_t)n->st.st_ino ||
	    c.size != (uint64_t)n->st.st_size ||
	    c.mtime_ns != ts_ns(&n->st.st_mtim) ||
	    c.ctime_ns != ts_ns(&n->st.st_ctim) || c.mode != n->st.st_mode ||
	    c.mtime_ns >= c.recorded_ns - RACY_NS)
		return 0;
	if (s->opts->writer && !odb_writer_has(s->opts->writer, &c.oid))
		return 0;
	n->oid = c.oid;
	return 1;
}

static int node_name_ok(const char *name, const char *rel)
{
	if (tree_name_valid(name))
		return 0;
	return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_DATA,
				"'%s': this file name cannot be versioned", rel);
}

static int child_cmp(const void *a, const void *b)
{
	return strcmp((*(struct scan_node *const *)a)->name,
		      (*(struct scan_node *const *)b)->name);
}

static int walk(struct scan *s, struct scan_node *n);

static int add_file(struct scan *s, struct scan_node *n)
{
	int err;

	n->mode = (n->st.st_mode & 0111) ? TREE_MODE_EXEC : TREE_MODE_FILE;
	n->size = (uint64_t)n->st.st_size;
	n->files = 1;
	err = s->use_cache ? cache_lookup(s, n) : 0;
	if (err < 0)
		return err;
	if (err == 0) {
		ALLOC_GROW(s->todo, s->ntodo + 1, s->todo_alloc);
		s->todo[s->ntodo++] = n;
		s->todo_bytes += n->size;
	}
	return 0;
}

static int walk_dir(struct scan *s, struct scan_node *n)
{
	char *abs = path_join(s->root, n->rel);
	DIR *d = opendir(abs);
	struct dirent *de;
	int err = 0;

	n->is_dir = 1;
	n->mode = TREE_MODE_DIR;
	if (!d) {
		err = cairn_error_set_os("cannot read directory '%s'", n->rel);
		free(abs);
		return err;
	}
	while ((de = readdir(d))) {
		struct scan_node *c;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    !strcmp(de->d_name, ".git") || !strcmp(de->d_name, CAIRN_DIR))
			continue;
		c = xcalloc(1, sizeof(*c));
		c->name = xstrdup(de->d_name);
		c->rel = n->rel[0] ? path_join(n->rel, de->d_name) : xstrdup(de->d_name);
		/* Relative to the open directory: no path walk per file. */
		c->have_stat = fstatat(dirfd(d), de->d_name, &c->st,
				       AT_SYMLINK_NOFOLLOW) == 0;
		ALLOC_GROW(n->children, n->nchildren + 1, n->alloc);
		n->children[n->nchildren++] = c;
	}
	closedir(d);
	free(abs);
	if (n->nchildren > 1)
		qsort(n->children, n->nchildren, sizeof(*n->children), child_cmp);
	for (size_t i = 0; i < n->nchildren && !err; i++) {
		if (!(err = node_name_ok(n->children[i]->name, n->children[i]->rel)))
			err = walk(s, n->children[i]);
	}
	return err;
}

static int walk(struct scan *s, struct scan_node *n)
{
	char *abs = NULL;
	int err = 0;

	if (!n->have_stat || S_ISLNK(n->st.st_mode))
		abs = path_join(s->root, n->rel);
	if (!n->have_stat && lstat(abs, &n->st) < 0) {
		if (errno == ENOENT)
			err = cairn_error_setc(CAIRN_ENOTFOUND, CAIRN_ERRCLASS_DATA,
					       "'%s' does not exist", n->rel);
		else
			err = cairn_error_set_os("cannot stat '%s'", n->rel);
		goto done;
	}
	if (S_ISLNK(n->st.st_mode)) {
		char *target = realpath(abs, NULL);

		if (!target) {
			err = cairn_error_setc(CAIRN_ENOTFOUND, CAIRN_ERRCLASS_DATA,
					       "'%s' is a broken symbolic link", n->rel);
			goto done;
		}
		if (!path_under(target, s->root)) {
			err = cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_DATA,
					       "'%s' is a symbolic link that leaves the "
					       "%s (to '%s')", n->rel,
					       s->use_cache ? "project" : "directory", target);
			free(target);
			goto done;
		}
		free(target);
		if (stat(abs, &n->st) < 0) {
			err = cairn_error_set_os("cannot stat '%s'", n->rel);
			goto done;
		}
		if (S_ISDIR(n->st.st_mode)) {
			err = cairn_error_setc(CAIRN_ENOTSUPP, CAIRN_ERRCLASS_DATA,
					       "'%s' is a symbolic link to a directory; "
					       "add the directory itself", n->rel);
			goto done;
		}
	}
	if (S_ISDIR(n->st.st_mode))
		err = walk_dir(s, n);
	else if (S_ISREG(n->st.st_mode))
		err = add_file(s, n);
	else
		err = cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_DATA,
				       "'%s' is not a regular file or directory", n->rel);
done:
	free(abs);
	return err;
}

/* ------------------------------------------------------------- hashing */

/* SHA-256 of everything readable from fd. */
static int hash_fd(cairn_oid *out, uint64_t *size, int fd, const char *name,
		   struct progress *progress)
{
	struct hash_ctx h;
	size_t cap = 1024 * 1024;
	unsigned char *block = xmalloc(cap);
	ssize_t n;

	hash_init(&h);
	*size = 0;
	while ((n = fs_read_full(fd, block, cap, name)) > 0) {
		hash_update(&h, block, (size_t)n);
		*size += (uint64_t)n;
		progress_add(progress, (uint64_t)n);
	}
	hash_final(out, &h);
	hash_release(&h);
	free(block);
	return n < 0 ? (int)n : 0;
}

static int hash_one(struct scan *s, struct scan_node *n)
{
	char *abs = path_join(s->root, n->rel);
	uint64_t size;
	int fd, err;

	n->hashed_ns = scan_now_ns();
	fd = open(abs, O_RDONLY | O_CLOEXEC);
	free(abs);
	if (fd < 0) {
		if (errno == EACCES)
			return cairn_error_set_os("cannot read '%s'", n->rel);
		return cairn_error_set_os("cannot open '%s'", n->rel);
	}
	if (s->opts->writer)
		err = odb_write_fd(&n->oid, &size, s->opts->writer, fd, n->rel,
				   s->opts->progress);
	else
		err = hash_fd(&n->oid, &size, fd, n->rel, s->opts->progress);
	/* What was hashed is what the cache must describe. */
	if (!err && fstat(fd, &n->st) < 0)
		err = cairn_error_set_os("cannot stat '%s'", n->rel);
	close(fd);
	n->size = size;
	n->hashed = 1;
	return err;
}

struct workers {
	struct scan *s;
	pthread_mutex_t lock;
	size_t next;
	int err;
	char message[1024];
	int klass;
};

static void *hash_worker(void *arg)
{
	struct workers *wk = arg;

	for (;;) {
		struct scan_node *n = NULL;
		int err;

		pthread_mutex_lock(&wk->lock);
		while (!wk->err && wk->next < wk->s->ntodo) {
			n = wk->s->todo[wk->next++];
			if (n->size < ODB_CHUNK_THRESHOLD)
				break;
			n = NULL; /* large files are left to the main thread */
		}
		pthread_mutex_unlock(&wk->lock);
		if (!n)
			return NULL;
		if ((err = hash_one(wk->s, n)) < 0) {
			pthread_mutex_lock(&wk->lock);
			if (!wk->err) {
				wk->err = err;
				wk->klass = cairn_error_last()->klass;
				snprintf(wk->message, sizeof(wk->message), "%s",
					 cairn_error_last()->message);
			}
			pthread_mutex_unlock(&wk->lock);
			return NULL;
		}
	}
}

static int hash_all(struct scan *s)
{
	struct workers wk;
	pthread_t threads[HASH_WORKERS];
	size_t i, nthreads = 0, nsmall = 0;
	int err = 0;

	for (i = 0; i < s->ntodo; i++)
		nsmall += s->todo[i]->size < ODB_CHUNK_THRESHOLD;
	memset(&wk, 0, sizeof(wk));
	wk.s = s;
	pthread_mutex_init(&wk.lock, NULL);
	if (nsmall > 16) {
		for (i = 0; i < HASH_WORKERS; i++)
			if (pthread_create(&threads[i], NULL, hash_worker, &wk) == 0)
				nthreads++;
	}
	if (!nthreads) {
		for (i = 0; i < s->ntodo && !err; i++)
			if (s->todo[i]->size < ODB_CHUNK_THRESHOLD)
				err = hash_one(s, s->todo[i]);
	}
	for (i = 0; i < nthreads; i++)
		pthread_join(threads[i], NULL);
	if (!err && wk.err)
		err = cairn_error_setc(wk.err, wk.klass, "%s", wk.message);
	pthread_mutex_destroy(&wk.lock);
	for (i = 0; i < s->ntodo && !err; i++)
		if (s->todo[i]->size >= ODB_CHUNK_THRESHOLD)
			err = hash_one(s, s->todo[i]);
	return err;
}

/* --------------------------------------------------------------- trees */

static int build_tree(struct scan *s, struct scan_node *n)
{
	struct tree t = { 0 };
	struct buf enc = BUF_INIT;
	size_t i;
	int err = 0;

	n->size = 0;
	n->files = 0;
	for (i = 0; i < n->nchildren && !err; i++) {
		struct scan_node *c = n->children[i];

		if (c->is_dir && (err = build_tree(s, c)) < 0)
			break;
		tree_add(&t, c->name, c->mode, &c->oid, c->size);
		n->size += c->size;
		n->files += c->files;
	}
	if (!err)
		err = tree_encode(&enc, &t);
	if (!err) {
		if (s->opts->writer)
			err = odb_write_buffer(&n->oid, s->opts->writer, ODB_TREE,
					       enc.ptr, enc.len);
		else
			hash_buffer(&n->oid, enc.ptr, enc.len);
	}
	tree_release(&t);
	buf_release(&enc);
	return err;
}

int scan_path(struct scan_node **out, cairn_repo *repo, const char *rel,
	      const struct scan_options *opts)
{
	struct scan s = { 0 };
	struct scan_node *root = xcalloc(1, sizeof(*root));
	int err;

	s.repo = repo;
	s.opts = opts;
	s.root = opts->root ? opts->root : repo->workdir;
	s.use_cache = !opts->root;
	s.started_ns = scan_now_ns();
	root->rel = xstrdup(rel);
	root->name = xstrdup(path_basename(rel));
	/*
	 * One read transaction for all stat cache lookups (one lock, not
	 * 20,000); none without the cache (a repo tracked on a server may
	 * have no store).
	 */
	if (s.use_cache && (err = db_begin_read(repo->db)) < 0)
		goto done;
	err = walk(&s, root);
	if (s.use_cache)
		db_rollback(repo->db);
	if (err < 0 || (err = hash_all(&s)) < 0)
		goto done;
	if (root->is_dir)
		err = build_tree(&s, root);
done:
	free(s.todo);
	if (err < 0) {
		scan_free(root);
		return err;
	}
	*out = root;
	return 0;
}

static int cache_node(cairn_repo *repo, const struct scan_node *n)
{
	size_t i;
	int err = 0;

	if (n->is_dir) {
		for (i = 0; i < n->nchildren && !err; i++)
			err = cache_node(repo, n->children[i]);
		return err;
	}
	if (n->hashed) {
		struct db_stat c;

		c.dev = (uint64_t)n->st.st_dev;
		c.ino = (uint64_t)n->st.st_ino;
		c.size = (uint64_t)n->st.st_size;
		c.mtime_ns = ts_ns(&n->st.st_mtim);
		c.ctime_ns = ts_ns(&n->st.st_ctim);
		c.mode = n->st.st_mode;
		c.oid = n->oid;
		c.recorded_ns = n->hashed_ns;
		err = db_stat_put(repo->db, n->rel, &c);
	}
	return err;
}

static int any_hashed(const struct scan_node *n)
{
	size_t i;

	if (!n->is_dir)
		return n->hashed;
	for (i = 0; i < n->nchildren; i++)
		if (any_hashed(n->children[i]))
			return 1;
	return 0;
}

int scan_update_cache(cairn_repo *repo, const struct scan_node *root)
{
	int err;

	if (!any_hashed(root))
		return 0; /* nothing new to remember: no write transaction */

	if ((err = db_begin(repo->db)) < 0)
		return err;
	if ((err = cache_node(repo, root)) < 0) {
		db_rollback(repo->db);
		return err;
	}
	return db_commit(repo->db);
}

const struct scan_node *scan_find(const struct scan_node *root,
				  const char *sub)
{
	const struct scan_node *n = root;

	while (*sub) {
		const char *slash = strchr(sub, '/');
		size_t len = slash ? (size_t)(slash - sub) : strlen(sub), i;
		const struct scan_node *next = NULL;

		for (i = 0; n->is_dir && i < n->nchildren; i++) {
			if (strlen(n->children[i]->name) == len &&
			    !memcmp(n->children[i]->name, sub, len)) {
				next = n->children[i];
				break;
			}
		}
		if (!next)
			return NULL;
		n = next;
		sub += len + (slash ? 1 : 0);
	}
	return n;
}
