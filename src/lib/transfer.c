/*
 * transfer.c: `cairn data push` and `pull`: move the objects of data set
 * versions between the local store and a remote, sending only what the
 * other side lacks.
 *
 * The walk starts at each version's root id. An object the destination
 * already has is skipped with everything below it (a remote publishes a
 * transfer's objects all at once, so having an object means having its
 * children). Objects travel in their stored form, never recompressed.
 * Everything received is verified before it is stored: trees and blobs
 * against their ids, chunk lists against their checksums. On push only
 * trees and chunk lists are checked on the way out; the chunks are
 * verified by whoever reads them.
 *
 * The remote also keeps the list of data set versions pushed to it
 * (versions.jsonl), so a teammate's pull learns NAME@vN and `cairn data
 * log` shows the same history on both sides.
 */
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/audit.h"
#include "lib/data.h"
#include "lib/reach.h"
#include "lib/remote.h"
#include "util/alloc.h"
#include "util/oidset.h"
#include "util/progress.h"
#include "util/banned.h"

struct xfer {
	struct remote *src, *dst;
	struct oidset seen;
	cairn_oid *stack;      /* trees, chunk lists, roots: walked in order */
	size_t n, alloc;
	cairn_oid *blobs;      /* files and chunks: copied by two threads */
	size_t nblobs, ablobs;
	int verify_blobs;
	cairn_transfer_stats *stats;
	struct progress *progress;
	pthread_mutex_t lock;  /* stats, next, the first error */
	size_t next;
	int err;
	char message[1024];
	int klass;
};

static int push_oid(const cairn_oid *oid, void *payload)
{
	struct xfer *x = payload;

	ALLOC_GROW(x->stack, x->n + 1, x->alloc);
	x->stack[x->n++] = *oid;
	return 0;
}

static void push_blob(struct xfer *x, const cairn_oid *oid)
{
	if (!oidset_insert(&x->seen, oid))
		return;
	ALLOC_GROW(x->blobs, x->nblobs + 1, x->ablobs);
	x->blobs[x->nblobs++] = *oid;
}

/*
 * Queue what an object references: blobs (chunks, small files) for the
 * copying threads, directories and large files for the walk.
 */
static int queue_child(const cairn_oid *child, int is_blob, void *payload)
{
	struct xfer *x = payload;

	if (is_blob)
		push_blob(x, child);
	else
		push_oid(child, x);
	return 0;
}

/*
 * Copy one object unless the destination has it; with `queue`, queue its
 * children. Returns 1 if it was copied, 0 if skipped.
 */
static int copy_one(struct xfer *x, const cairn_oid *oid, struct buf *raw,
		    struct buf *content, int queue)
{
	struct odb_info info;
	int has, err;

	if ((has = x->dst->ops->has(x->dst, oid)) != 0)
		return has < 0 ? has : 0;
	if ((err = x->src->ops->read_raw(x->src, oid, raw, &info)) < 0) {
		if (err == CAIRN_ENOTFOUND) {
			char hex[CAIRN_OID_STRLEN + 1];

			cairn_oid_fmt(hex, oid);
			err = cairn_error_setc(CAIRN_ENOTFOUND, CAIRN_ERRCLASS_REMOTE,
					       "object %s is missing from %s", hex,
					       x->src->name);
		}
		return err;
	}
	if ((info.type != ODB_BLOB || x->verify_blobs) &&
	    (err = reach_decode(content, oid, &info, raw->ptr, raw->len,
				x->verify_blobs)) < 0)
		return err;
	if (queue && info.type != ODB_BLOB &&
	    (err = reach_children(oid, info.type, content->ptr, content->len,
				  queue_child, x)) < 0)
		return err;
	if ((err = x->dst->ops->write_raw(x->dst, oid, &info, raw->ptr, raw->len)) < 0)
		return err;
	pthread_mutex_lock(&x->lock);
	x->stats->objects++;
	x->stats->bytes += raw->len;
	pthread_mutex_unlock(&x->lock);
	progress_add(x->progress, raw->len);
	return 1;
}

static void *copy_blobs(void *arg)
{
	struct xfer *x = arg;
	struct buf raw = BUF_INIT, content = BUF_INIT;

	for (;;) {
		cairn_oid oid;
		int ret;

		pthread_mutex_lock(&x->lock);
		if (x->err || x->next >= x->nblobs) {
			pthread_mutex_unlock(&x->lock);
			break;
		}
		oid = x->blobs[x->next++];
		pthread_mutex_unlock(&x->lock);
		ret = copy_one(x, &oid, &raw, &content, 0);
		pthread_mutex_lock(&x->lock);
		if (ret == 0)
			x->stats->skipped++;
		if (ret < 0 && !x->err) {
			x->err = ret;
			x->klass = cairn_error_last()->klass;
			snprintf(x->message, sizeof(x->message), "%s",
				 cairn_error_last()->message);
		}
		pthread_mutex_unlock(&x->lock);
	}
	buf_release(&raw);
	buf_release(&content);
	return NULL;
}

/*
 * Copy everything reachable from the stack that the destination lacks:
 * first the walk (directories and chunk lists, one thread), then the
 * blobs it found, by two threads (reading and verifying one while the
 * other writes). The remote ops are thread-safe (remote.h).
 */
static int copy_closure(struct xfer *x)
{
	struct buf raw = BUF_INIT, content = BUF_INIT;
	pthread_t threads[2];
	int err = 0, i, started = 0;

	while (x->n && !err) {
		cairn_oid oid = x->stack[--x->n];

		if (!oidset_insert(&x->seen, &oid))
			continue;
		err = copy_one(x, &oid, &raw, &content, 1);
		if (err == 0)
			x->stats->skipped++;
		err = err < 0 ? err : 0;
	}
	buf_release(&raw);
	buf_release(&content);
	if (err < 0)
		return err;
	for (i = 0; i < 2; i++)
		if (pthread_create(&threads[i], NULL, copy_blobs, x) == 0)
			started++;
	if (!started)
		copy_blobs(x);
	for (i = 0; i < started; i++)
		pthread_join(threads[i], NULL);
	if (x->err)
		return cairn_error_setc(x->err, x->klass, "%s", x->message);
	return 0;
}

/* ------------------------------------------------ the versions list */

/*
 * Parse one line (data_version_json's shape); 0 and *out filled, strings
 * borrowed from obj except the columns, re-encoded into *columns_text
 * (caller frees), or -1.
 */
static int version_from_json(cairn_data_version *out, char **columns_text,
			     json_t *obj)
{
	const char *name, *id, *kind, *path = "", *by = "", *run = NULL;
	json_int_t version, size, files, created = 0, rows = -1;
	json_t *columns = NULL;

	memset(out, 0, sizeof(*out));
	*columns_text = NULL;
	if (json_unpack(obj, "{s:s, s:I, s:s, s:s, s:I, s:I, s?s, s?I, s?s, s?I, s?o, "
			"s?s}", "name", &name, "version", &version, "id", &id, "kind",
			&kind, "size", &size, "files", &files, "path", &path,
			"created_ms", &created, "created_by", &by, "rows", &rows,
			"columns", &columns, "run_id", &run) < 0 ||
	    (columns && !json_is_array(columns)) ||
	    version < 1 || size < 0 || files < 0 || cairn_oid_parse(&out->oid, id) < 0 ||
	    (strcmp(kind, "dir") && strcmp(kind, "file")) || !*name)
		return -1;
	out->name = name;
	out->version = (uint64_t)version;
	out->kind = strcmp(kind, "dir") ? CAIRN_DATA_FILE : CAIRN_DATA_DIR;
	out->size = (uint64_t)size;
	out->files = (uint64_t)files;
	out->path = path;
	out->created_ms = created;
	out->created_by = by;
	out->rows = rows;
	out->run_id = run && *run ? run : NULL;
	if (columns)
		out->columns = *columns_text = json_dumps(columns, JSON_COMPACT);
	return 0;
}

/* Call cb for every well-formed line of a versions list. */
static int foreach_remote_version(const struct buf *list,
				  int (*cb)(const cairn_data_version *v, void *payload),
				  void *payload)
{
	const char *p = buf_cstr(list);
	int ret = 0;

	while (*p && !ret) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		json_t *obj = json_loadb(p, n, 0, NULL);
		cairn_data_version v;
		char *columns = NULL;

		if (obj && version_from_json(&v, &columns, obj) == 0)
			ret = cb(&v, payload);
		free(columns);
		json_decref(obj);
		p += n + (nl ? 1 : 0);
	}
	return ret;
}

/* The versions list of a remote, being extended by a push. */
struct merge {
	struct buf *list;
	struct buf keys; /* "\nname\tversion\n" of every line in list */
	uint64_t added;
};

static void version_key(struct buf *b, const cairn_data_version *v)
{
	buf_printf(b, "\n%s\t%llu\n", v->name, (unsigned long long)v->version);
}

static int note_existing(const cairn_data_version *v, void *payload)
{
	struct merge *m = payload;

	version_key(&m->keys, v);
	return 0;
}

/* Append v to the list unless the list has that name and number. */
static int merge_version(struct merge *m, const cairn_data_version *v)
{
	struct buf key = BUF_INIT;
	json_t *o = NULL;
	char *line;

	version_key(&key, v);
	if (!strstr(buf_cstr(&m->keys), key.ptr) && (o = data_version_json(v)) &&
	    (line = json_dumps(o, JSON_COMPACT))) {
		buf_add(&m->keys, key.ptr, key.len);
		buf_puts(m->list, line);
		buf_addch(m->list, '\n');
		free(line);
		m->added++;
	}
	json_decref(o);
	buf_release(&key);
	return 0;
}

/* ------------------------------------------------------------- push */

struct roots {
	cairn_data_version *v;
	size_t n, alloc;
};

static int collect_version(const cairn_data_version *v, void *payload)
{
	struct roots *r = payload;

	ALLOC_GROW(r->v, r->n + 1, r->alloc);
	db_version_copy(&r->v[r->n++], v);
	return 0;
}

static void roots_release(struct roots *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		db_version_clear(&r->v[i]);
	free(r->v);
}

static int roots_from_specs(struct roots *r, cairn_repo *repo,
			    const char *const *specs, size_t nspecs)
{
	size_t i;
	int err = 0;

	if (!nspecs)
		return db_version_foreach(repo->db, NULL, 0, collect_version, r);
	for (i = 0; i < nspecs && !err; i++) {
		cairn_data_version *v;

		if ((err = cairn_data_lookup(&v, repo, specs[i])) < 0)
			break;
		collect_version(v, r);
		cairn_data_version_free(v);
	}
	return err;
}

static struct progress *start_progress(const cairn_transfer_options *opts,
				       const char *title)
{
	return opts->progress ? progress_start(title, 0) : NULL;
}

int cairn_data_push(cairn_transfer_stats *stats, cairn_repo *repo,
		    const char *const *specs, size_t nspecs,
		    const cairn_transfer_options *opts)
{
	cairn_transfer_options defaults = CAIRN_TRANSFER_OPTIONS_INIT;
	struct xfer x;
	struct roots r = { NULL, 0, 0 };
	struct merge m;
	struct buf list = BUF_INIT;
	size_t i;
	int err, locked = 0;

	if (!opts)
		opts = &defaults;
	memset(stats, 0, sizeof(*stats));
	memset(&x, 0, sizeof(x));
	memset(&m, 0, sizeof(m));
	x.stats = stats;
	pthread_mutex_init(&x.lock, NULL);
	if ((err = roots_from_specs(&r, repo, specs, nspecs)) < 0 ||
	    (err = remote_open(&x.dst, repo, opts->remote)) < 0 ||
	    (err = remote_local_open(&x.src, repo)) < 0 ||
	    (err = cairn_repo__lock(repo, 0)) < 0)
		goto done;
	locked = 1;
	x.progress = start_progress(opts, "pushing");
	for (i = 0; i < r.n; i++)
		push_oid(&r.v[i].oid, &x);
	err = copy_closure(&x);
	progress_stop(x.progress);
	if (err < 0 || (err = x.dst->ops->commit(x.dst)) < 0)
		goto done;
	/* Then the versions, so no one learns of a version before its data. */
	if ((err = x.dst->ops->read_versions(x.dst, &list)) < 0)
		goto done;
	m.list = &list;
	if (list.len && list.ptr[list.len - 1] != '\n')
		buf_addch(&list, '\n');
	foreach_remote_version(&list, note_existing, &m);
	for (i = 0; i < r.n; i++)
		merge_version(&m, &r.v[i]);
	stats->versions = m.added;
	if (m.added)
		err = x.dst->ops->write_versions(x.dst, list.ptr, list.len);
done:
	if (locked)
		cairn_repo__unlock(repo);
	remote_free(x.src);
	remote_free(x.dst);
	oidset_clear(&x.seen);
	free(x.stack);
	free(x.blobs);
	pthread_mutex_destroy(&x.lock);
	roots_release(&r);
	buf_release(&list);
	buf_release(&m.keys);
	return err;
}

/* ------------------------------------------------------------- pull */

struct import {
	cairn_repo *repo;
	uint64_t added;
};

static int import_version(const cairn_data_version *v, void *payload)
{
	struct import *m = payload;
	cairn_data_version have;
	cairn_repo *repo = m->repo;
	int err;

	err = db_version_get(&have, repo->db, v->name, v->version);
	if (err == 0) {
		db_version_clear(&have);
		return 0; /* known; a different id under the same number is kept */
	}
	if ((err = db_version_import(repo->db, v)) < 0 ||
	    (err = audit_data_version(repo, "dataset.version.import", v)) < 0)
		return err;
	m->added++;
	return 0;
}

int cairn_data_fetch(cairn_transfer_stats *stats, cairn_repo *repo,
		    const char *const *specs, size_t nspecs,
		    const cairn_transfer_options *opts)
{
	cairn_transfer_options defaults = CAIRN_TRANSFER_OPTIONS_INIT;
	struct xfer x;
	struct import m = { repo, 0 };
	struct buf list = BUF_INIT;
	struct tracked *pointers = NULL;
	char **versions = NULL;
	size_t n = 0, i;
	int err, locked = 0;

	if (!opts)
		opts = &defaults;
	memset(stats, 0, sizeof(*stats));
	memset(&x, 0, sizeof(x));
	x.stats = stats;
	x.verify_blobs = 1;
	pthread_mutex_init(&x.lock, NULL);
	if ((err = remote_open(&x.src, repo, opts->remote)) < 0 ||
	    (err = remote_local_open(&x.dst, repo)) < 0)
		goto done;
	/* Learn the remote's versions first, so NAME@vN specs resolve. */
	if ((err = x.src->ops->read_versions(x.src, &list)) < 0 ||
	    (err = db_begin(repo->db)) < 0)
		goto done;
	if ((err = foreach_remote_version(&list, import_version, &m)) < 0) {
		db_rollback(repo->db);
		goto done;
	}
	if ((err = db_commit(repo->db)) < 0)
		goto done;
	stats->versions = m.added;
	if ((err = data_pointers_for(&pointers, &versions, &n, repo, specs, nspecs)) < 0)
		goto done;
	for (i = 0; i < n; i++) {
		cairn_data_version v;

		if (pointers[i].bad)
			continue;
		if (!versions[i]) {
			push_oid(&pointers[i].p.oid, &x);
			continue;
		}
		if ((err = data_resolve_version(&v, repo, pointers[i].p.dataset,
						versions[i])) < 0)
			goto done;
		push_oid(&v.oid, &x);
		db_version_clear(&v);
	}
	if ((err = cairn_repo__lock(repo, 0)) < 0)
		goto done;
	locked = 1;
	x.progress = start_progress(opts, "pulling");
	err = copy_closure(&x);
	progress_stop(x.progress);
	if (!err)
		err = x.dst->ops->commit(x.dst);
done:
	if (locked)
		cairn_repo__unlock(repo);
	remote_free(x.src);
	remote_free(x.dst);
	oidset_clear(&x.seen);
	free(x.stack);
	free(x.blobs);
	pthread_mutex_destroy(&x.lock);
	for (i = 0; i < n; i++)
		free(versions[i]);
	free(versions);
	data_tracked_free_all(pointers, n);
	buf_release(&list);
	return err;
}
