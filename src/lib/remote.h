/*
 * remote.h: where data is pushed to and pulled from, behind a small
 * vtable so that object storage services (S3) can join the local or
 * mounted directory backend (remote_dir.c) without touching transfer.c.
 *
 * A remote holds objects, addressed by id, in their stored (possibly
 * compressed) form, and a list of the data set versions pushed to it.
 * Writes are staged and become visible at commit(), all together: a
 * remote that has an object also has everything that object references,
 * which lets a transfer skip whole directories the other side has.
 *
 * has(), read_raw() and write_raw() must be safe to call from several
 * threads at once: a transfer copies blobs with two threads.
 */
#ifndef CAIRN_LIB_REMOTE_H
#define CAIRN_LIB_REMOTE_H

#include "lib/odb.h"
#include "lib/repo.h"
#include "util/buf.h"

struct remote;

struct remote_ops {
	/* 1 if the remote has the object (committed or staged), else 0. */
	int (*has)(struct remote *r, const cairn_oid *oid);
	/* Stored bytes and their description; CAIRN_ENOTFOUND if absent. */
	int (*read_raw)(struct remote *r, const cairn_oid *oid, struct buf *raw,
			struct odb_info *info);
	int (*write_raw)(struct remote *r, const cairn_oid *oid,
			 const struct odb_info *info, const void *raw, size_t len);
	/* Publish everything written. */
	int (*commit)(struct remote *r);
	/* The data set versions it knows, as JSON lines ("" if none). */
	int (*read_versions)(struct remote *r, struct buf *out);
	int (*write_versions)(struct remote *r, const char *data, size_t len);
	void (*free)(struct remote *r);
};

struct remote {
	const struct remote_ops *ops;
	char *name;
	char *url;
};

/* Open the store at a directory as a remote (create: make it if missing). */
int remote_dir_open(struct remote **out, const char *name, const char *dir,
		    int create, const struct odb_chunking *chunking);

/* The repository's own store, seen through the same interface. */
int remote_local_open(struct remote **out, cairn_repo *repo);

/* Open a configured remote by name (NULL: the only one, or "origin"). */
int remote_open(struct remote **out, cairn_repo *repo, const char *name);

void remote_free(struct remote *r);

#endif
