/*
 * registry_content.c: a model version's files: storing a directory as a
 * version's tree, counting it, reading its MLmodel, and listing, reading,
 * verifying and downloading it.
 *
 * A version is pinned to the content id of its directory tree. Objects
 * are named by their hash and every read verifies it (odb.h), so reading
 * through the pinned id either yields exactly the registered bytes or
 * fails; what this file adds is the failure naming the file inside the
 * model ("model 'm' version 3: file 'weights/model.pkl' is damaged:
 * ..."), and a download that leaves nothing behind when it fails.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/mlmodel.h"
#include "lib/odb.h"
#include "lib/registry.h"
#include "lib/scan.h"
#include "lib/track_backend.h"
#include "lib/track_local.h"
#include "lib/tree.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/banned.h"

/* Re-set the last error with the model and the file named in front. */
static int damaged(const cairn_model_version *v, const char *kind,
		   const char *path, int err)
{
	char *why = xstrdup(cairn_error_last()->message);

	err = cairn_error_setc(err == CAIRN_ENOTFOUND ? CAIRN_ENOTFOUND : CAIRN_EMISMATCH,
			       CAIRN_ERRCLASS_ODB,
			       "model '%s' version %llu: %s '%s' is damaged or "
			       "missing: %s", v->name, (unsigned long long)v->version,
			       kind, *path ? path : ".", why);
	free(why);
	return err;
}

static int read_tree(struct tree *t, struct buf *b, struct odb *odb,
		     const cairn_oid *oid)
{
	enum odb_type type;
	int err;

	memset(t, 0, sizeof(*t));
	if ((err = odb_read(b, &type, odb, oid, ODB_MAX_INLINE)) < 0)
		return err;
	if (type != ODB_TREE)
		return cairn_error_setc(CAIRN_EMISMATCH, CAIRN_ERRCLASS_ODB,
					"object is not a directory");
	return tree_parse(t, b->ptr, b->len, "model");
}

int registry__store_dir(cairn_oid *tree, cairn_repo *repo, const char *dir)
{
	char *abs = path_absolute(dir), *parent;
	struct odb_writer *w = NULL;
	struct scan_options o = { NULL, NULL, NULL };
	struct scan_node *node = NULL;
	int err;

	if (!abs)
		return cairn_error_set_os("cannot resolve '%s'", dir);
	while (strlen(abs) > 1 && abs[strlen(abs) - 1] == '/')
		abs[strlen(abs) - 1] = '\0';
	if (!fs_is_dir(abs)) {
		err = cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
				       "'%s' is not a directory; a model is one", dir);
		free(abs);
		return err;
	}
	parent = path_dirname(abs);
	o.root = parent;
	if ((err = cairn_repo__lock(repo, 0)) == 0) {
		if ((err = odb_writer_new(&w, repo->odb)) == 0 &&
		    (o.writer = w, err = scan_path(&node, repo, path_basename(abs), &o)) == 0 &&
		    (err = odb_writer_commit(w)) == 0) {
			*tree = node->oid;
			odb_refresh(repo->odb);
		}
		cairn_repo__unlock(repo);
	}
	scan_free(node);
	odb_writer_free(w);
	free(parent);
	free(abs);
	return err;
}

int registry__tree_stats(uint64_t *files, uint64_t *bytes, cairn_repo *repo,
			 const cairn_oid *tree)
{
	struct buf b = BUF_INIT;
	struct tree t;
	size_t i;
	int err;

	if ((err = read_tree(&t, &b, repo->odb, tree)) < 0)
		goto done;
	for (i = 0; i < t.count && !err; i++) {
		if (tree_is_dir(t.entries[i].mode))
			err = registry__tree_stats(files, bytes, repo,
						   &t.entries[i].oid);
		else
			(*files)++, *bytes += t.entries[i].size;
	}
	tree_release(&t);
done:
	buf_release(&b);
	return err;
}

int registry__read_mlmodel(struct mlmodel *out, cairn_repo *repo,
			   const cairn_oid *tree, const char *what)
{
	struct buf b = BUF_INIT, data = BUF_INIT, name = BUF_INIT;
	enum odb_type type;
	struct tree t;
	size_t i;
	int err;

	memset(out, 0, sizeof(*out));
	if ((err = read_tree(&t, &b, repo->odb, tree)) < 0)
		goto done;
	for (i = 0; i < t.count; i++)
		if (!strcmp(t.entries[i].name, "MLmodel"))
			break;
	buf_printf(&name, "%s/MLmodel", what);
	if (i == t.count || tree_is_dir(t.entries[i].mode))
		; /* no MLmodel: nothing to read */
	else if (t.entries[i].size > MLMODEL_MAX_SIZE)
		err = cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_DATA,
				       "'%s' is larger than 1 MiB", name.ptr);
	else if ((err = odb_read(&data, &type, repo->odb, &t.entries[i].oid,
				 MLMODEL_MAX_SIZE)) == 0)
		err = mlmodel_parse(out, data.ptr ? data.ptr : "", data.len, name.ptr);
	tree_release(&t);
done:
	buf_release(&b);
	buf_release(&data);
	buf_release(&name);
	return err;
}

/* The entry at path inside the version ("" is the top). */
static int find(struct tree_entry *out, cairn_repo *repo,
		const cairn_model_version *v, const char *path)
{
	struct buf b = BUF_INIT, sofar = BUF_INIT;
	const char *p = path ? path : "";
	int err = 0;

	memset(out, 0, sizeof(*out));
	out->mode = TREE_MODE_DIR;
	out->oid = v->tree;
	out->size = v->size;
	while (*p == '/')
		p++;
	while (*p && !err) {
		const char *slash = strchr(p, '/');
		size_t n = slash ? (size_t)(slash - p) : strlen(p), i;
		struct tree t;

		if (!tree_is_dir(out->mode) || (n == 2 && !memcmp(p, "..", 2)) ||
		    (n == 1 && p[0] == '.')) {
			err = cairn_error_setc(CAIRN_ENOTFOUND, CAIRN_ERRCLASS_INVALID,
					       "model '%s' version %llu has no file '%s'",
					       v->name, (unsigned long long)v->version,
					       path);
			break;
		}
		if ((err = read_tree(&t, &b, repo->odb, &out->oid)) < 0) {
			err = damaged(v, "directory", buf_cstr(&sofar), err);
			break;
		}
		for (i = 0; i < t.count; i++)
			if (strlen(t.entries[i].name) == n &&
			    !memcmp(t.entries[i].name, p, n))
				break;
		if (i == t.count) {
			err = cairn_error_setc(CAIRN_ENOTFOUND, CAIRN_ERRCLASS_INVALID,
					       "model '%s' version %llu has no file '%s'",
					       v->name, (unsigned long long)v->version,
					       path);
		} else {
			out->mode = t.entries[i].mode;
			out->oid = t.entries[i].oid;
			out->size = t.entries[i].size;
		}
		tree_release(&t);
		if (sofar.len)
			buf_addch(&sofar, '/');
		buf_add(&sofar, p, n);
		p += n;
		while (*p == '/')
			p++;
	}
	buf_release(&b);
	buf_release(&sofar);
	return err;
}

int cairn_model_list(cairn_repo *repo, const cairn_model_version *v,
		     const char *path,
		     int (*cb)(const cairn_artifact *a, void *payload),
		     void *payload)
{
	struct buf b = BUF_INIT, full = BUF_INIT;
	struct tree_entry e;
	struct tree t = { 0 };
	size_t i;
	int err;

	if ((err = find(&e, repo, v, path)) < 0)
		return err;
	if (!tree_is_dir(e.mode)) {
		cairn_artifact a = { path, 0, e.size, e.oid,
				     e.mode == TREE_MODE_EXEC };

		return cb(&a, payload);
	}
	if ((err = read_tree(&t, &b, repo->odb, &e.oid)) < 0) {
		err = damaged(v, "directory", path ? path : "", err);
		goto done;
	}
	for (i = 0; i < t.count && !err; i++) {
		cairn_artifact a;

		buf_reset(&full);
		if (path && *path)
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

int cairn_model_read(cairn_repo *repo, const cairn_model_version *v,
		     const char *path, int fd)
{
	struct tree_entry e;
	int err;

	if ((err = find(&e, repo, v, path)) < 0)
		return err;
	if (tree_is_dir(e.mode))
		return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
					"'%s' is a directory", path);
	if ((err = odb_read_file(repo->odb, &e.oid, fd, NULL)) < 0)
		return damaged(v, "file", path, err);
	return 0;
}

/*
 * Walk the tree at oid: with dest, write it there; without, read every
 * file into fd (verifying). rel names the place inside the model.
 */
static int walk(cairn_repo *repo, const cairn_model_version *v,
		const struct tree_entry *e, const char *rel, const char *dest,
		int sink)
{
	struct buf b = BUF_INIT;
	struct tree t = { 0 };
	size_t i;
	int err = 0;

	if (!tree_is_dir(e->mode)) {
		int fd = sink;
		char *tmp = NULL, *dir = NULL;

		if (dest) {
			dir = path_dirname(dest);
			fd = fs_mkstemp(&tmp, dir, ".cairn-download-");
			free(dir);
			if (fd < 0)
				return fd;
		}
		if ((err = odb_read_file(repo->odb, &e->oid, fd, NULL)) < 0)
			err = damaged(v, "file", rel, err);
		if (dest) {
			if (!err && fchmod(fd, e->mode == TREE_MODE_EXEC ? 0755 : 0644) < 0)
				err = cairn_error_set_os("cannot write '%s'", dest);
			if (!err && fsync(fd) < 0)
				err = cairn_error_set_os("cannot write '%s'", dest);
			close(fd);
			if (!err && rename(tmp, dest) < 0)
				err = cairn_error_set_os("cannot create '%s'", dest);
			if (err)
				unlink(tmp);
			free(tmp);
		}
		return err;
	}
	if (dest && mkdir(dest, 0755) < 0)
		return cairn_error_set_os("cannot create '%s'", dest);
	if ((err = read_tree(&t, &b, repo->odb, &e->oid)) < 0) {
		err = damaged(v, "directory", rel, err);
		goto done;
	}
	for (i = 0; i < t.count && !err; i++) {
		char *sub = *rel ? path_join(rel, t.entries[i].name)
				 : xstrdup(t.entries[i].name);
		char *child = dest ? path_join(dest, t.entries[i].name) : NULL;

		err = walk(repo, v, &t.entries[i], sub, child, sink);
		free(sub);
		free(child);
	}
done:
	tree_release(&t);
	buf_release(&b);
	return err;
}

int cairn_model_verify(cairn_repo *repo, const cairn_model_version *v)
{
	struct tree_entry top = { NULL, TREE_MODE_DIR, v->tree, v->size, 0 };
	int fd = open("/dev/null", O_WRONLY | O_CLOEXEC), err;

	if (fd < 0)
		return cairn_error_set_os("cannot open /dev/null");
	err = walk(repo, v, &top, "", NULL, fd);
	close(fd);
	return err;
}

int cairn_model_download(cairn_repo *repo, const cairn_model_version *v,
			 const char *dest)
{
	return repo->track->model_download(repo, v, dest);
}

int local_model_download(cairn_repo *repo, const cairn_model_version *v,
			 const char *dest)
{
	struct tree_entry top = { NULL, TREE_MODE_DIR, v->tree, v->size, 0 };
	int err;

	if (fs_exists(dest))
		return cairn_error_setc(CAIRN_EEXISTS, CAIRN_ERRCLASS_INVALID,
					"'%s' already exists", dest);
	if ((err = walk(repo, v, &top, "", dest, -1)) < 0) {
		char *why = xstrdup(cairn_error_last()->message);

		fs_remove_tree(dest);
		err = cairn_error_setc(err, CAIRN_ERRCLASS_ODB, "%s", why);
		free(why);
	}
	return err;
}
