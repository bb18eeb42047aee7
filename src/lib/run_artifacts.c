/*
 * run_artifacts.c: a run's artifacts and checkpoints in the local store,
 * and a logged model's files, kept the same way.
 *
 * A run's artifacts are one tree in the object store; the run row holds
 * its root id (a logged model's row, for a model's files). Logging an artifact stores the content, then builds a new
 * root with the entry inserted (rewriting only the trees along its path)
 * and swaps it in with a compare-and-swap on the old root, retrying if
 * another process logged at the same moment, so concurrent logging to one
 * run loses nothing. Objects are published before the swap, so the root
 * never names a missing object.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/db.h"
#include "lib/repo.h"
#include "lib/scan.h"
#include "lib/track_local.h"
#include "lib/tree.h"
#include "util/alloc.h"
#include "util/fs.h"
#include "util/banned.h"

#define MAX_RETRIES 50

/* Whose artifact tree: a run's, or (model set) a logged model's. */
struct owner {
	int64_t key;
	int model;
};

static int root_get(cairn_oid *out, cairn_repo *repo, const struct owner *o)
{
	return o->model ? db_logged_model_artifacts_get(out, repo->db, o->key)
			: db_run_artifacts_get(out, repo->db, o->key);
}

static int root_swap(cairn_repo *repo, const struct owner *o,
		     const cairn_oid *old, const cairn_oid *root)
{
	return o->model ? db_logged_model_artifacts_swap(repo->db, o->key, old, root)
			: db_run_artifacts_swap(repo->db, o->key, old, root);
}

static int active_run_key(int64_t *key, cairn_repo *repo, const char *run_id,
			  int must_be_active)
{
	struct db_run r;
	int err = db_run_get(&r, repo->db, run_id);

	if (err < 0)
		return err;
	if (must_be_active && strcmp(r.info.lifecycle_stage, "active"))
		err = cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
				       "The run %s must be in the 'active' state. Current "
				       "state is %s.", run_id, r.info.lifecycle_stage);
	*key = r.key;
	db_run_clear(&r);
	return err;
}

/*
 * New tree: base (NULL: empty) with `entry` put at the path `comps`
 * (slash-separated, non-empty), intermediate directories created; with
 * entry NULL, the entry at comps removed instead.
 */
static int tree_put(cairn_oid *out, uint64_t *size_out, struct odb_writer *w,
		    struct odb *odb, const cairn_oid *base, const char *comps,
		    const struct tree_entry *entry)
{
	const char *slash = strchr(comps, '/');
	char *name = slash ? xstrndup(comps, (size_t)(slash - comps)) : xstrdup(comps);
	struct tree t = { 0 };
	struct buf b = BUF_INIT;
	enum odb_type type;
	size_t i;
	int err = 0, found = -1;

	if (base) {
		if ((err = odb_read(&b, &type, odb, base, ODB_MAX_INLINE)) < 0 ||
		    (err = tree_parse(&t, b.ptr, b.len, "artifacts")) < 0)
			goto done;
	}
	for (i = 0; i < t.count; i++)
		if (!strcmp(t.entries[i].name, name))
			found = (int)i;
	if (!entry && (found < 0 || (slash && !tree_is_dir(t.entries[found].mode)))) {
		err = cairn_error_setc(CAIRN_ENOTFOUND, CAIRN_ERRCLASS_INVALID,
				       "the run has no artifact '%s'", name);
		goto done;
	}
	if (!slash && !entry) {
		free(t.entries[found].name);
		memmove(&t.entries[found], &t.entries[found + 1],
			(t.count - (size_t)found - 1) * sizeof(*t.entries));
		t.count--;
	} else if (!slash) {
		if (found < 0) {
			tree_add(&t, name, entry->mode, &entry->oid, entry->size);
		} else {
			t.entries[found].mode = entry->mode;
			t.entries[found].oid = entry->oid;
			t.entries[found].size = entry->size;
		}
	} else {
		cairn_oid sub;
		uint64_t subsize;

		if (found >= 0 && !tree_is_dir(t.entries[found].mode)) {
			err = cairn_error_setc(CAIRN_EEXISTS, CAIRN_ERRCLASS_INVALID,
					       "artifact '%s' is a file, not a directory",
					       name);
			goto done;
		}
		if ((err = tree_put(&sub, &subsize, w, odb,
				    found >= 0 ? &t.entries[found].oid : NULL,
				    slash + 1, entry)) < 0)
			goto done;
		if (found < 0) {
			tree_add(&t, name, TREE_MODE_DIR, &sub, subsize);
		} else {
			t.entries[found].oid = sub;
			t.entries[found].size = subsize;
		}
	}
	tree_sort(&t);
	*size_out = 0;
	for (i = 0; i < t.count; i++)
		*size_out += t.entries[i].size;
	buf_reset(&b);
	if ((err = tree_encode(&b, &t)) < 0)
		goto done;
	err = odb_write_buffer(out, w, ODB_TREE, b.ptr, b.len);
done:
	free(name);
	tree_release(&t);
	buf_release(&b);
	return err;
}

/* Put entry at dest_path in the owner's tree, retrying on races. */
static int attach(cairn_repo *repo, const struct owner *o, struct odb_writer *w,
		  const char *dest_path, const struct tree_entry *entry)
{
	int attempt, err;

	for (attempt = 0; attempt < MAX_RETRIES; attempt++) {
		cairn_oid old, root;
		uint64_t size;
		int has = root_get(&old, repo, o);

		if (has < 0)
			return has;
		if ((err = tree_put(&root, &size, w, repo->odb, has ? &old : NULL,
				    dest_path, entry)) < 0 ||
		    (err = odb_writer_commit(w)) < 0)
			return err;
		if ((err = root_swap(repo, o, has ? &old : NULL, &root)) != 0)
			return err < 0 ? err : 0;
		odb_refresh(repo->odb);
	}
	return cairn_error_set(CAIRN_ERRCLASS_DB,
			       "the artifacts kept changing; try again");
}

/* Store local_path; *entry gets what to put in a tree. */
static int store_local(struct tree_entry *entry, struct odb_writer *w,
		       cairn_repo *repo, const char *local_path)
{
	char *abs = path_absolute(local_path), *dir;
	struct scan_options o = { w, NULL, NULL };
	struct scan_node *node = NULL;
	int err;

	if (!abs)
		return cairn_error_set_os("cannot resolve '%s'", local_path);
	while (strlen(abs) > 1 && abs[strlen(abs) - 1] == '/')
		abs[strlen(abs) - 1] = '\0';
	dir = path_dirname(abs);
	o.root = dir;
	err = scan_path(&node, repo, path_basename(abs), &o);
	if (!err) {
		memset(entry, 0, sizeof(*entry));
		entry->mode = node->mode;
		entry->oid = node->oid;
		entry->size = node->size;
	}
	scan_free(node);
	free(dir);
	free(abs);
	return err;
}

int local_log_artifact(cairn_repo *repo, const char *run_id,
		       const char *local_path, const char *dest_path)
{
	struct odb_writer *w = NULL;
	struct tree_entry stored;
	struct owner o = { 0, 0 };
	int err;

	if ((err = active_run_key(&o.key, repo, run_id, 1)) < 0 ||
	    (err = cairn_repo__lock(repo, 0)) < 0)
		return err;
	if ((err = odb_writer_new(&w, repo->odb)) == 0 &&
	    (err = store_local(&stored, w, repo, local_path)) == 0 &&
	    (err = odb_writer_commit(w)) == 0)
		err = attach(repo, &o, w, dest_path, &stored);
	cairn_repo__unlock(repo);
	odb_writer_free(w);
	return err;
}

/* Find the entry at path in the owner's artifacts ("" = the root). */
static int find_entry(struct tree_entry *out, cairn_repo *repo,
		      const struct owner *o, const char *path)
{
	struct buf b = BUF_INIT;
	const char *p = path;
	cairn_oid cur;
	int err = root_get(&cur, repo, o);

	if (err < 0)
		return err;
	memset(out, 0, sizeof(*out));
	if (!err)
		goto missing;
	out->mode = TREE_MODE_DIR;
	out->oid = cur;
	while (*p) {
		const char *slash = strchr(p, '/');
		size_t n = slash ? (size_t)(slash - p) : strlen(p), i;
		struct tree t;
		enum odb_type type;
		int found = 0;

		if (!tree_is_dir(out->mode))
			goto missing;
		if ((err = odb_read(&b, &type, repo->odb, &out->oid, ODB_MAX_INLINE)) < 0 ||
		    (err = tree_parse(&t, b.ptr, b.len, "artifacts")) < 0)
			goto done;
		for (i = 0; i < t.count && !found; i++) {
			if (strlen(t.entries[i].name) == n &&
			    !memcmp(t.entries[i].name, p, n)) {
				out->mode = t.entries[i].mode;
				out->oid = t.entries[i].oid;
				out->size = t.entries[i].size;
				found = 1;
			}
		}
		tree_release(&t);
		if (!found)
			goto missing;
		p += n + (slash ? 1 : 0);
	}
	err = 0;
	goto done;
missing:
	err = cairn_error_setc(CAIRN_ENOTFOUND, CAIRN_ERRCLASS_INVALID,
			       "the %s has no artifact '%s'",
			       o->model ? "logged model" : "run", path);
done:
	buf_release(&b);
	return err;
}

static int write_fd(cairn_repo *repo, const struct owner *o, int fd,
		    const char *path)
{
	struct odb_writer *w = NULL;
	struct tree_entry e;
	uint64_t size;
	int err;

	if ((err = cairn_repo__lock(repo, 0)) < 0)
		return err;
	memset(&e, 0, sizeof(e));
	e.mode = TREE_MODE_FILE;
	if ((err = odb_writer_new(&w, repo->odb)) == 0 &&
	    (err = odb_write_fd(&e.oid, &size, w, fd, path, NULL)) == 0 &&
	    (err = odb_writer_commit(w)) == 0) {
		e.size = size;
		err = attach(repo, o, w, path, &e);
	}
	cairn_repo__unlock(repo);
	odb_writer_free(w);
	return err;
}

int local_log_artifact_fd(cairn_repo *repo, const char *run_id, int fd,
			  const char *path)
{
	struct owner o = { 0, 0 };
	int err;

	if ((err = active_run_key(&o.key, repo, run_id, 1)) < 0)
		return err;
	return write_fd(repo, &o, fd, path);
}

int local_model_artifact_write_fd(cairn_repo *repo, int64_t model, int fd,
				  const char *path)
{
	struct owner o = { model, 1 };

	return write_fd(repo, &o, fd, path);
}

int local_artifact_delete(cairn_repo *repo, const char *run_id, const char *path)
{
	struct odb_writer *w = NULL;
	struct owner o = { 0, 0 };
	int err;

	if ((err = active_run_key(&o.key, repo, run_id, 1)) == 0 &&
	    (err = odb_writer_new(&w, repo->odb)) == 0)
		err = attach(repo, &o, w, path, NULL);
	odb_writer_free(w);
	return err;
}

static int list(cairn_repo *repo, const struct owner *o, const char *path,
		int (*cb)(const cairn_artifact *a, void *payload), void *payload)
{
	struct buf b = BUF_INIT, full = BUF_INIT;
	struct tree_entry e;
	struct tree t = { 0 };
	enum odb_type type;
	size_t i;
	int err;

	err = find_entry(&e, repo, o, path);
	if (err == CAIRN_ENOTFOUND && !*path) {
		err = 0; /* no artifacts yet: an empty listing */
		goto done;
	}
	if (err < 0)
		goto done;
	if (!tree_is_dir(e.mode)) {
		cairn_artifact a = { path, 0, e.size, e.oid,
				     e.mode == TREE_MODE_EXEC };

		err = cb(&a, payload);
		goto done;
	}
	if ((err = odb_read(&b, &type, repo->odb, &e.oid, ODB_MAX_INLINE)) < 0 ||
	    (err = tree_parse(&t, b.ptr, b.len, "artifacts")) < 0)
		goto done;
	for (i = 0; i < t.count && !err; i++) {
		cairn_artifact a;

		buf_reset(&full);
		if (*path)
			buf_printf(&full, "%s/", path);
		buf_puts(&full, t.entries[i].name);
		a.path = full.ptr;
		a.is_dir = tree_is_dir(t.entries[i].mode);
		a.size = t.entries[i].size;
		a.oid = t.entries[i].oid;
		a.executable = t.entries[i].mode == TREE_MODE_EXEC;
		err = cb(&a, payload);
	}
done:
	tree_release(&t);
	buf_release(&b);
	buf_release(&full);
	return err;
}

int local_artifact_list(cairn_repo *repo, const char *run_id, const char *path,
			int (*cb)(const cairn_artifact *a, void *payload),
			void *payload)
{
	struct owner o = { 0, 0 };
	int err;

	if ((err = active_run_key(&o.key, repo, run_id, 0)) < 0)
		return err;
	return list(repo, &o, path, cb, payload);
}

int local_model_artifact_list(cairn_repo *repo, int64_t model, const char *path,
			      int (*cb)(const cairn_artifact *a, void *payload),
			      void *payload)
{
	struct owner o = { model, 1 };

	return list(repo, &o, path, cb, payload);
}

/* Write a stored file or tree to dest (which must not exist). */
static int restore(struct odb *odb, const struct tree_entry *e, const char *dest)
{
	struct buf b = BUF_INIT;
	struct tree t = { 0 };
	enum odb_type type;
	size_t i;
	int err = 0, fd;

	if (!tree_is_dir(e->mode)) {
		char *dir = path_dirname(dest), *tmp = NULL;

		fd = fs_mkstemp(&tmp, dir, ".cairn-download-");
		free(dir);
		if (fd < 0)
			return fd;
		err = odb_read_file(odb, &e->oid, fd, NULL);
		if (!err && fchmod(fd, e->mode == TREE_MODE_EXEC ? 0755 : 0644) < 0)
			err = cairn_error_set_os("cannot write '%s'", dest);
		close(fd);
		if (!err && link(tmp, dest) < 0)
			err = cairn_error_set_os("cannot create '%s'", dest);
		unlink(tmp);
		free(tmp);
		return err;
	}
	if (mkdir(dest, 0755) < 0)
		return cairn_error_set_os("cannot create '%s'", dest);
	if ((err = odb_read(&b, &type, odb, &e->oid, ODB_MAX_INLINE)) < 0 ||
	    (err = tree_parse(&t, b.ptr, b.len, dest)) < 0)
		goto done;
	for (i = 0; i < t.count && !err; i++) {
		char *child = path_join(dest, t.entries[i].name);

		err = restore(odb, &t.entries[i], child);
		free(child);
	}
done:
	tree_release(&t);
	buf_release(&b);
	return err;
}

static int read_file(cairn_repo *repo, const struct owner *o,
		     const char *path, int fd)
{
	struct tree_entry e;
	int err;

	if ((err = find_entry(&e, repo, o, path)) < 0)
		return err;
	if (tree_is_dir(e.mode))
		return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
					"artifact '%s' is a directory", path);
	return odb_read_file(repo->odb, &e.oid, fd, NULL);
}

int local_artifact_read(cairn_repo *repo, const char *run_id, const char *path,
			int fd)
{
	struct owner o = { 0, 0 };
	int err;

	if ((err = active_run_key(&o.key, repo, run_id, 0)) < 0)
		return err;
	return read_file(repo, &o, path, fd);
}

int local_model_artifact_read(cairn_repo *repo, int64_t model, const char *path,
			      int fd)
{
	struct owner o = { model, 1 };

	return read_file(repo, &o, path, fd);
}

int local_artifact_download(cairn_repo *repo, const char *run_id,
			    const char *path, const char *dest)
{
	struct owner o = { 0, 0 };
	struct tree_entry e;
	int err;

	if ((err = active_run_key(&o.key, repo, run_id, 0)) == 0 &&
	    (err = find_entry(&e, repo, &o, path)) == 0)
		err = restore(repo->odb, &e, dest);
	return err;
}

/* --------------------------------------------------------- checkpoints */

int local_checkpoint_record(cairn_repo *repo, const char *run_id, int64_t step,
			    const char *path, const char *meta_json)
{
	struct db_checkpoint c;
	struct tree_entry e;
	struct timespec ts;
	struct owner o = { 0, 0 };
	int err;

	if ((err = active_run_key(&o.key, repo, run_id, 1)) < 0 ||
	    (err = find_entry(&e, repo, &o, path)) < 0)
		return err;
	if (tree_is_dir(e.mode))
		return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
					"a checkpoint is a file; artifact '%s' is a "
					"directory", path);
	clock_gettime(CLOCK_REALTIME, &ts);
	c.step = step;
	c.path = path;
	c.oid = e.oid;
	c.size = e.size;
	c.created_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	c.meta = meta_json;
	return db_checkpoint_put(repo->db, o.key, &c);
}

struct cp_relay {
	int (*cb)(const cairn_checkpoint *c, void *payload);
	void *payload;
};

static int relay_checkpoint(const struct db_checkpoint *c, void *payload)
{
	struct cp_relay *r = payload;
	cairn_checkpoint out = { c->step, c->path, c->oid, c->size, c->created_ms,
				 c->meta };

	return r->cb(&out, r->payload);
}

int local_checkpoint_foreach(cairn_repo *repo, const char *run_id,
			     int (*cb)(const cairn_checkpoint *c, void *payload),
			     void *payload)
{
	struct cp_relay r = { cb, payload };
	int64_t run;
	int err = active_run_key(&run, repo, run_id, 0);

	return err < 0 ? err : db_checkpoint_foreach(repo->db, run, relay_checkpoint, &r);
}
