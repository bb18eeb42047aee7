/*
 * odb.c: opening the object store, finding and reading objects, and
 * repacking.
 *
 * The store is the set of published packs in objects/pack/, each an
 * immutable .pack with a sorted .idx (pack.h). A lookup searches the
 * indexes newest first. Nothing here writes except odb_repack(), which
 * publishes a new pack before it removes the old ones, so an interrupted
 * repack leaves every object reachable (possibly twice, which is
 * harmless).
 *
 * Reads verify: blobs and trees hash to their id; a chunked file is
 * streamed chunk by chunk, every chunk checked against its id and the
 * whole against the file's id.
 */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zstd.h>

#include "lib/manifest.h"
#include "lib/odb_internal.h"
#include "util/alloc.h"
#include "util/fs.h"
#include "util/hash.h"
#include "util/banned.h"

static int has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

static int pack_loaded(struct odb *odb, const char *name)
{
	size_t i;

	for (i = 0; i < odb->npacks; i++)
		if (strcmp(odb->packs[i]->name, name) == 0)
			return 1;
	return 0;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int odb_refresh(struct odb *odb)
{
	DIR *d = opendir(odb->pack_dir);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, alloc = 0, i;
	int err = 0;

	if (!d)
		return cairn_error_set_os("cannot read '%s'", odb->pack_dir);
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, "pack-", 5) != 0 ||
		    !has_suffix(de->d_name, ".idx"))
			continue;
		ALLOC_GROW(names, n + 1, alloc);
		names[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), name_cmp);
	for (i = 0; i < n; i++) {
		char *path;
		struct pack *p;

		names[i][strlen(names[i]) - 4] = '\0';
		if (err < 0 || pack_loaded(odb, names[i]))
			continue;
		names[i][strlen(names[i])] = '.';
		path = path_join(odb->pack_dir, names[i]);
		err = pack_open(&p, path);
		free(path);
		if (err == CAIRN_ENOTFOUND) {
			/* Removed by another process's repack since readdir(). */
			cairn_error_reset();
			err = 0;
			continue;
		}
		if (err < 0)
			continue;
		ALLOC_GROW(odb->packs, odb->npacks + 1, odb->alloc);
		odb->packs[odb->npacks++] = p;
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return err;
}

int odb_open(struct odb **out, const char *objects_dir,
	     const struct odb_chunking *chunking)
{
	struct odb *odb = xcalloc(1, sizeof(*odb));
	int err;

	odb->dir = xstrdup(objects_dir);
	odb->pack_dir = path_join(objects_dir, "pack");
	odb->chunking = *chunking;
	if ((err = fs_mkdirs(odb->pack_dir, 0755)) < 0 ||
	    (err = odb_refresh(odb)) < 0) {
		odb_free(odb);
		return err;
	}
	*out = odb;
	return 0;
}

const struct odb_chunking *odb_chunking(const struct odb *odb)
{
	return &odb->chunking;
}

void odb_free(struct odb *odb)
{
	size_t i;

	if (!odb)
		return;
	for (i = 0; i < odb->npacks; i++)
		pack_free(odb->packs[i]);
	free(odb->packs);
	free(odb->dir);
	free(odb->pack_dir);
	free(odb);
}

int odb__find(struct pack_entry *out, struct pack **pack_out,
	      struct odb *odb, const cairn_oid *oid)
{
	size_t i;

	for (i = odb->npacks; i-- > 0;) {
		if (pack_find(out, odb->packs[i], oid)) {
			if (pack_out)
				*pack_out = odb->packs[i];
			return 1;
		}
	}
	return 0;
}

/*
 * Find for readers: on a miss, look for packs published since (another
 * process may have added the object a moment ago, and a record in the
 * database may already name it). Writers use odb__find, which does not
 * rescan: a miss there only means "store it".
 */
static int find_fresh(struct pack_entry *out, struct pack **pack_out,
		      struct odb *odb, const cairn_oid *oid)
{
	size_t before = odb->npacks;

	if (odb__find(out, pack_out, odb, oid))
		return 1;
	if (odb_refresh(odb) < 0 || odb->npacks == before) {
		cairn_error_reset();
		return 0;
	}
	return odb__find(out, pack_out, odb, oid);
}

int odb_exists(struct odb *odb, const cairn_oid *oid)
{
	struct pack_entry e;

	return odb__find(&e, NULL, odb, oid);
}

static int not_found(const cairn_oid *oid)
{
	char hex[CAIRN_OID_STRLEN + 1];

	cairn_oid_fmt(hex, oid);
	return cairn_error_setc(CAIRN_ENOTFOUND, CAIRN_ERRCLASS_ODB,
				"object %s is missing from the store", hex);
}

int odb_info(struct odb_info *out, struct odb *odb, const cairn_oid *oid)
{
	struct pack_entry e;

	if (!find_fresh(&e, NULL, odb, oid))
		return not_found(oid);
	out->type = e.type;
	out->codec = e.codec;
	out->raw_size = e.raw_size;
	out->stored_size = e.stored_size;
	return 0;
}

static int prefix_matches(const unsigned char *id, const unsigned char *key,
			  size_t digits)
{
	if (memcmp(id, key, digits / 2) != 0)
		return 0;
	return digits % 2 == 0 || (id[digits / 2] >> 4) == (key[digits / 2] >> 4);
}

int odb_resolve_prefix(cairn_oid *out, struct odb *odb, const char *prefix)
{
	unsigned char key[32] = { 0 };
	size_t digits, i, found = 0;

	if (strncmp(prefix, "sha256:", 7) == 0)
		prefix += 7;
	digits = strlen(prefix);
	if (digits < 4 || digits > 64)
		return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
					"'%s' is not an object id (4 to 64 hex digits)",
					prefix);
	for (i = 0; i < digits; i++) {
		char two[2] = { prefix[i], '0' };
		unsigned char v;

		if (hex_decode(&v, two, 2) < 0)
			return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
						"'%s' is not a hex object id", prefix);
		key[i / 2] |= (unsigned char)(i % 2 ? v >> 4 : v);
	}
	for (i = 0; i < odb->npacks; i++) {
		struct pack *p = odb->packs[i];
		uint64_t j = pack_lower_bound(p, key, digits / 2);

		for (; j < p->count; j++) {
			struct pack_entry e;

			pack_entry_at(&e, p, j);
			if (!prefix_matches(e.oid.id, key, digits))
				break;
			if (found && cairn_oid_cmp(out, &e.oid) == 0)
				continue;
			if (found++)
				return cairn_error_setc(CAIRN_EAMBIGUOUS, CAIRN_ERRCLASS_ODB,
							"short id '%s' is ambiguous", prefix);
			*out = e.oid;
		}
	}
	if (!found)
		return cairn_error_setc(CAIRN_ENOTFOUND, CAIRN_ERRCLASS_ODB,
					"no object matches '%s'", prefix);
	return 0;
}

int odb__load(struct buf *out, struct pack *p, const struct pack_entry *e)
{
	struct buf stored = BUF_INIT;
	size_t n;
	int err;

	buf_reset(out);
	if (e->codec == ODB_CODEC_NONE) {
		buf_grow(out, e->stored_size);
		if ((err = fs_pread_all(p->fd, out->ptr, e->stored_size,
					(off_t)e->offset, p->pack_path)) < 0)
			return err;
		buf_setlen(out, e->stored_size);
		return 0;
	}
	if (e->raw_size > ODB_MAX_INLINE)
		goto bad;
	buf_grow(&stored, e->stored_size);
	if ((err = fs_pread_all(p->fd, stored.ptr, e->stored_size,
				(off_t)e->offset, p->pack_path)) < 0)
		goto done;
	buf_grow(out, e->raw_size);
	n = ZSTD_decompress(out->ptr, e->raw_size, stored.ptr, e->stored_size);
	if (ZSTD_isError(n) || n != e->raw_size) {
		buf_release(&stored);
		goto bad;
	}
	buf_setlen(out, n);
	err = 0;
done:
	buf_release(&stored);
	return err;
bad: {
		char hex[CAIRN_OID_STRLEN + 1];

		cairn_oid_fmt(hex, &e->oid);
		return cairn_error_setc(CAIRN_EMISMATCH, CAIRN_ERRCLASS_ODB,
					"object %s is corrupt (cannot decompress)", hex);
	}
}

static int mismatch(const cairn_oid *oid)
{
	char hex[CAIRN_OID_STRLEN + 1];

	cairn_oid_fmt(hex, oid);
	return cairn_error_setc(CAIRN_EMISMATCH, CAIRN_ERRCLASS_ODB,
				"object %s is corrupt (content does not match its id)",
				hex);
}

int odb_read(struct buf *out, enum odb_type *type_out, struct odb *odb,
	     const cairn_oid *oid, size_t max)
{
	struct pack_entry e;
	struct pack *p;
	cairn_oid check;
	int err;

	if (!find_fresh(&e, &p, odb, oid))
		return not_found(oid);
	if (e.type != ODB_CHUNKED && e.raw_size > max)
		return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_ODB,
					"object is too large to read into memory");
	if ((err = odb__load(out, p, &e)) < 0)
		return err;
	if (type_out)
		*type_out = e.type;
	if (e.type == ODB_CHUNKED)
		return 0; /* the manifest checks itself when parsed */
	hash_buffer(&check, out->ptr, out->len);
	if (cairn_oid_cmp(&check, oid) != 0)
		return mismatch(oid);
	return 0;
}

int odb_read_raw(struct buf *out, struct odb_info *info, struct odb *odb,
		 const cairn_oid *oid)
{
	struct pack_entry e;
	struct pack *p;
	int err;

	if (!find_fresh(&e, &p, odb, oid))
		return not_found(oid);
	buf_reset(out);
	buf_grow(out, e.stored_size);
	if ((err = fs_pread_all(p->fd, out->ptr, e.stored_size, (off_t)e.offset,
				p->pack_path)) < 0)
		return err;
	buf_setlen(out, e.stored_size);
	info->type = e.type;
	info->codec = e.codec;
	info->raw_size = e.raw_size;
	info->stored_size = e.stored_size;
	return 0;
}

/*
 * Streaming a chunked file out uses two threads: a loader reads,
 * decompresses and verifies chunks into a ring of buffers; the caller's
 * thread feeds the whole-file hash and writes. Each side is about one
 * SHA-256 pass, so the two cores share the work evenly.
 */
#define RING 8

struct loader {
	struct odb *odb;
	const struct manifest *m;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct buf slots[RING];
	int full[RING];
	int stop;          /* set by the writer: give up */
	int err;           /* set by the loader, with its message */
	size_t failed_at;  /* chunk index of err */
	char message[1024];
	int klass;
};

static void *load_chunks(void *arg)
{
	struct loader *l = arg;
	cairn_oid check;
	size_t i;

	for (i = 0; i < l->m->count; i++) {
		struct buf *slot = &l->slots[i % RING];
		struct pack_entry e;
		struct pack *p;
		int err = 0;

		pthread_mutex_lock(&l->lock);
		while (l->full[i % RING] && !l->stop)
			pthread_cond_wait(&l->cond, &l->lock);
		pthread_mutex_unlock(&l->lock);
		if (l->stop)
			return NULL;
		if (!odb__find(&e, &p, l->odb, &l->m->chunks[i].oid))
			err = not_found(&l->m->chunks[i].oid);
		else if ((err = odb__load(slot, p, &e)) == 0) {
			hash_buffer(&check, slot->ptr, slot->len);
			if (cairn_oid_cmp(&check, &l->m->chunks[i].oid) != 0 ||
			    slot->len != l->m->chunks[i].len)
				err = mismatch(&l->m->chunks[i].oid);
		}
		pthread_mutex_lock(&l->lock);
		if (err < 0) {
			l->err = err;
			l->failed_at = i;
			l->klass = cairn_error_last()->klass;
			snprintf(l->message, sizeof(l->message), "%s",
				 cairn_error_last()->message);
		}
		l->full[i % RING] = 1;
		pthread_cond_broadcast(&l->cond);
		pthread_mutex_unlock(&l->lock);
		if (err < 0)
			return NULL;
	}
	return NULL;
}

static int write_chunks(const struct manifest *m, struct odb *odb,
			const cairn_oid *oid, int fd, struct progress *progress)
{
	struct loader l;
	struct hash_ctx whole;
	pthread_t thread;
	cairn_oid check;
	size_t i;
	int err = 0;

	memset(&l, 0, sizeof(l));
	l.odb = odb;
	l.m = m;
	pthread_mutex_init(&l.lock, NULL);
	pthread_cond_init(&l.cond, NULL);
	hash_init(&whole);
	if (pthread_create(&thread, NULL, load_chunks, &l) != 0)
		abort();
	for (i = 0; i < m->count && !err; i++) {
		struct buf *slot = &l.slots[i % RING];

		pthread_mutex_lock(&l.lock);
		while (!l.full[i % RING])
			pthread_cond_wait(&l.cond, &l.lock);
		if (l.err && l.failed_at == i)
			err = cairn_error_setc(l.err, l.klass, "%s", l.message);
		pthread_mutex_unlock(&l.lock);
		if (err)
			break;
		hash_update(&whole, slot->ptr, slot->len);
		err = fs_write_all(fd, slot->ptr, slot->len, "output");
		progress_add(progress, slot->len);
		pthread_mutex_lock(&l.lock);
		l.full[i % RING] = 0;
		pthread_cond_broadcast(&l.cond);
		pthread_mutex_unlock(&l.lock);
	}
	pthread_mutex_lock(&l.lock);
	l.stop = 1;
	pthread_cond_broadcast(&l.cond);
	pthread_mutex_unlock(&l.lock);
	pthread_join(thread, NULL);
	hash_final(&check, &whole);
	hash_release(&whole);
	if (!err && cairn_oid_cmp(&check, oid) != 0)
		err = mismatch(oid);
	for (i = 0; i < RING; i++)
		buf_release(&l.slots[i]);
	pthread_mutex_destroy(&l.lock);
	pthread_cond_destroy(&l.cond);
	return err;
}

int odb_read_file(struct odb *odb, const cairn_oid *oid, int fd,
		  struct progress *progress)
{
	struct buf data = BUF_INIT;
	struct manifest m = { 0 };
	enum odb_type type;
	char hex[CAIRN_OID_STRLEN + 1];
	int err;

	cairn_oid_fmt(hex, oid);
	if ((err = odb_read(&data, &type, odb, oid, ODB_MAX_INLINE)) < 0)
		goto done;
	if (type == ODB_BLOB) {
		err = fs_write_all(fd, data.ptr, data.len, "output");
		progress_add(progress, data.len);
		goto done;
	}
	if (type != ODB_CHUNKED) {
		err = cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_ODB,
				       "object %s is a directory, not a file", hex);
		goto done;
	}
	if ((err = manifest_parse(&m, data.ptr, data.len, hex)) < 0)
		goto done;
	err = write_chunks(&m, odb, oid, fd, progress);
done:
	manifest_release(&m);
	buf_release(&data);
	return err;
}

int odb_foreach(struct odb *odb,
		int (*cb)(const cairn_oid *oid, const struct odb_info *info,
			  void *payload),
		void *payload)
{
	size_t i;
	uint64_t j;

	for (i = 0; i < odb->npacks; i++) {
		for (j = 0; j < odb->packs[i]->count; j++) {
			struct pack_entry e;
			struct odb_info info;
			int ret;

			pack_entry_at(&e, odb->packs[i], j);
			info.type = e.type;
			info.codec = e.codec;
			info.raw_size = e.raw_size;
			info.stored_size = e.stored_size;
			if ((ret = cb(&e.oid, &info, payload)) != 0)
				return ret;
		}
	}
	return 0;
}

void odb_stats(struct odb *odb, size_t *packs, uint64_t *bytes)
{
	size_t i;

	*packs = odb->npacks;
	*bytes = 0;
	for (i = 0; i < odb->npacks; i++)
		*bytes += odb->packs[i]->pack_size;
}

/* Remove packs without an index and temporary files left by crashes. */
static int remove_debris(struct odb *odb)
{
	DIR *d = opendir(odb->pack_dir);
	struct dirent *de;
	int err = 0;

	if (!d)
		return cairn_error_set_os("cannot read '%s'", odb->pack_dir);
	while ((de = readdir(d)) && err == 0) {
		char *path = path_join(odb->pack_dir, de->d_name);

		if (strncmp(de->d_name, "tmp-", 4) == 0 ||
		    strncmp(de->d_name, ".tmp-", 5) == 0) {
			err = fs_unlink(path);
		} else if (has_suffix(de->d_name, ".pack")) {
			size_t n = strlen(path);
			char *idx = xstrdup(path);

			memcpy(idx + n - 5, ".idx", 5);
			if (!fs_exists(idx))
				err = fs_unlink(path);
			free(idx);
		}
		free(path);
	}
	closedir(d);
	return err;
}

int odb_repack(struct odb *odb,
	       int (*keep)(const cairn_oid *oid, void *payload), void *payload,
	       uint64_t *freed_bytes)
{
	struct odb_writer *w = NULL;
	struct pack **old = NULL;
	size_t nold = odb->npacks, i;
	uint64_t before = 0, after = 0, dropped = 0, j;
	struct buf raw = BUF_INIT;
	int err;

	if ((err = remove_debris(odb)) < 0)
		return err;
	for (i = 0; i < nold; i++) {
		before += odb->packs[i]->pack_size;
		for (j = 0; j < odb->packs[i]->count; j++) {
			struct pack_entry e;

			pack_entry_at(&e, odb->packs[i], j);
			if (!keep(&e.oid, payload))
				dropped++;
		}
	}
	if (freed_bytes)
		*freed_bytes = 0;
	if (nold == 0 || (nold == 1 && dropped == 0))
		return 0;

	if ((err = odb_writer_new(&w, odb)) < 0)
		goto done;
	for (i = 0; i < nold; i++) {
		for (j = 0; j < odb->packs[i]->count; j++) {
			struct pack_entry e;
			struct odb_info info;

			pack_entry_at(&e, odb->packs[i], j);
			if (!keep(&e.oid, payload) || odb_writer_has(w, &e.oid) == 2)
				continue;
			buf_reset(&raw);
			buf_grow(&raw, e.stored_size);
			if ((err = fs_pread_all(odb->packs[i]->fd, raw.ptr, e.stored_size,
						(off_t)e.offset,
						odb->packs[i]->pack_path)) < 0)
				goto done;
			info.type = e.type;
			info.codec = e.codec;
			info.raw_size = e.raw_size;
			info.stored_size = e.stored_size;
			if ((err = odb_write_raw(w, &e.oid, &info, raw.ptr,
						 e.stored_size)) < 0)
				goto done;
		}
	}
	/* Detach the old packs so the commit's refresh sees only the new one. */
	old = odb->packs;
	odb->packs = NULL;
	odb->npacks = odb->alloc = 0;
	if ((err = odb_writer_commit(w)) < 0) {
		odb->packs = old;
		odb->npacks = odb->alloc = nold;
		old = NULL;
		goto done;
	}
	for (i = 0; i < nold; i++) {
		char *idx = xstrdup(old[i]->pack_path);
		size_t n = strlen(idx);

		/* An old pack identical to the new one is the new one. */
		memcpy(idx + n - 5, ".idx", 5);
		if (strcmp(old[i]->name, odb_writer_pack_name(w)) &&
		    ((err = fs_unlink(idx)) < 0 ||
		     (err = fs_unlink(old[i]->pack_path)) < 0)) {
			free(idx);
			goto done;
		}
		free(idx);
	}
	if ((err = fs_fsync_dir(odb->pack_dir)) < 0)
		goto done;
	/* Reload: the commit's refresh also saw the old packs, now gone. */
	for (i = 0; i < odb->npacks; i++)
		pack_free(odb->packs[i]);
	odb->npacks = 0;
	if ((err = odb_refresh(odb)) < 0)
		goto done;
	for (i = 0; i < odb->npacks; i++)
		after += odb->packs[i]->pack_size;
	if (freed_bytes)
		*freed_bytes = before > after ? before - after : 0;
done:
	if (old) {
		for (i = 0; i < nold; i++)
			pack_free(old[i]);
		free(old);
	}
	odb_writer_free(w);
	buf_release(&raw);
	return err;
}
