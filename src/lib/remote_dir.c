/*
 * remote_dir.c: a remote that is a directory (local disk, NFS, a mounted
 * bucket): it holds an object store laid out like .cairn/objects, so
 * objects move between the two as stored bytes, never recompressed, and
 * the durability rules of odb.h hold on both sides.
 *
 *   DIR/cairn-remote     marker: "cairn remote 1"
 *   DIR/objects/pack/    packs and indexes
 *   DIR/versions.jsonl   data set versions pushed here, one JSON object
 *                        per line, rewritten with temp + rename
 */
#include <stdlib.h>
#include <string.h>

#include "lib/remote.h"
#include "util/alloc.h"
#include "util/fs.h"
#include "util/banned.h"

#define MARKER "cairn remote 1\n"
#define VERSIONS_MAX ((size_t)256 * 1024 * 1024)

struct dir_remote {
	struct remote base;
	struct odb *odb;
	struct odb_writer *writer;
	int own_odb;
};

static int dir_has(struct remote *r, const cairn_oid *oid)
{
	struct dir_remote *d = (struct dir_remote *)r;

	return odb_writer_has(d->writer, oid) != 0;
}

static int dir_read_raw(struct remote *r, const cairn_oid *oid, struct buf *raw,
			struct odb_info *info)
{
	return odb_read_raw(raw, info, ((struct dir_remote *)r)->odb, oid);
}

static int dir_write_raw(struct remote *r, const cairn_oid *oid,
			 const struct odb_info *info, const void *raw, size_t len)
{
	return odb_write_raw(((struct dir_remote *)r)->writer, oid, info, raw, len);
}

static int dir_commit(struct remote *r)
{
	return odb_writer_commit(((struct dir_remote *)r)->writer);
}

static char *versions_path(struct remote *r)
{
	return path_join(r->url, "versions.jsonl");
}

static int dir_read_versions(struct remote *r, struct buf *out)
{
	char *path = versions_path(r);
	int err = fs_read_file_max(out, path, VERSIONS_MAX);

	free(path);
	if (err == CAIRN_ENOTFOUND) {
		buf_reset(out);
		return 0;
	}
	return err;
}

static int dir_write_versions(struct remote *r, const char *data, size_t len)
{
	char *path = versions_path(r);
	int err = fs_write_atomic(path, data, len, 0644);

	free(path);
	return err;
}

static void dir_free(struct remote *r)
{
	struct dir_remote *d = (struct dir_remote *)r;

	odb_writer_free(d->writer);
	if (d->own_odb)
		odb_free(d->odb);
	free(r->name);
	free(r->url);
	free(d);
}

static const struct remote_ops dir_ops = {
	dir_has, dir_read_raw, dir_write_raw, dir_commit,
	dir_read_versions, dir_write_versions, dir_free,
};

static struct dir_remote *dir_new(const char *name, const char *dir)
{
	struct dir_remote *d = xcalloc(1, sizeof(*d));

	d->base.ops = &dir_ops;
	d->base.name = xstrdup(name);
	d->base.url = xstrdup(dir);
	return d;
}

int remote_dir_open(struct remote **out, const char *name, const char *dir,
		    int create, const struct odb_chunking *chunking)
{
	struct dir_remote *d;
	char *marker = path_join(dir, "cairn-remote");
	char *objects = path_join(dir, "objects");
	struct buf content = BUF_INIT;
	int err;

	err = fs_read_file_max(&content, marker, 256);
	if (err == CAIRN_ENOTFOUND && create) {
		if ((err = fs_mkdirs(dir, 0755)) == 0)
			err = fs_write_atomic(marker, MARKER, strlen(MARKER), 0644);
	} else if (err == CAIRN_ENOTFOUND) {
		err = cairn_error_setc(CAIRN_ENOTFOUND, CAIRN_ERRCLASS_REMOTE,
				       "remote '%s': '%s' is not a cairn remote "
				       "(nothing was pushed there yet?)", name, dir);
	} else if (err == 0 && strcmp(buf_cstr(&content), MARKER) != 0) {
		err = cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_REMOTE,
				       "remote '%s': '%s' is not a cairn remote of a "
				       "format this cairn knows", name, dir);
	}
	buf_release(&content);
	free(marker);
	if (err < 0) {
		free(objects);
		return err;
	}
	d = dir_new(name, dir);
	d->own_odb = 1;
	if ((err = odb_open(&d->odb, objects, chunking)) < 0 ||
	    (err = odb_writer_new(&d->writer, d->odb)) < 0) {
		dir_free(&d->base);
		free(objects);
		return err;
	}
	free(objects);
	*out = &d->base;
	return 0;
}

int remote_local_open(struct remote **out, cairn_repo *repo)
{
	struct dir_remote *d = dir_new("local", repo->path);
	int err;

	d->odb = repo->odb;
	if ((err = odb_writer_new(&d->writer, d->odb)) < 0) {
		dir_free(&d->base);
		return err;
	}
	*out = &d->base;
	return 0;
}

void remote_free(struct remote *r)
{
	if (r)
		r->ops->free(r);
}
