/*
 * odb_write.c: writing objects into a new pack.
 *
 * A writer owns one pack under a temporary name (created on the first
 * object, so a no-op command writes nothing). Objects are appended through
 * a 1 MiB buffer; every 8 MiB, writeback is started with
 * sync_file_range() so the final fdatasync() at commit has little left to
 * do. Commit order (the durability invariant):
 *   1. fdatasync the pack;  2. rename it to pack-<name>.pack and fsync the
 *   directory;  3. write pack-<name>.idx with temp + fsync + rename.
 * Readers only ever look objects up through an index, so they never see
 * an object whose bytes are not on disk.
 *
 * Dedup: an object is skipped when a published pack or this writer has it.
 * The writer's own objects sit in an open-addressing table keyed by the
 * first bytes of their (uniformly random) ids.
 *
 * Compression: zstd level 1, tried on an 8 KiB sample first; an entry is
 * stored compressed only when that saves at least 5%, and the codec is
 * recorded in the index.
 *
 * Large files: odb_write_fd() runs a two-thread pipeline. The calling
 * thread reads 4 MiB blocks, feeds the whole-file SHA-256 and finds the
 * chunk cut points; a worker thread hashes, deduplicates, compresses and
 * appends the chunks. Four blocks circulate between them, so memory stays
 * near 17 MiB however large the file. State of a block:
 *   FREE -> (reader) FILLED with cuts -> (worker) chunks stored -> FREE
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zstd.h>

#include "lib/chunker.h"
#include "lib/manifest.h"
#include "lib/odb_internal.h"
#include "util/alloc.h"
#include "util/fs.h"
#include "util/hash.h"
#include "util/banned.h"

#define WBUF_SIZE (1024 * 1024)
#define WRITEBACK_STEP (8 * 1024 * 1024)
#define SAMPLE_SIZE 8192
#define ZSTD_LEVEL 1

struct odb_writer {
	struct odb *odb;
	pthread_mutex_t lock;
	char *tmp_path;
	int fd;
	uint64_t offset, started_writeback;
	unsigned char *wbuf;
	size_t wlen;
	struct pack_entry *entries;
	size_t n, alloc;
	uint32_t *table; /* entry index + 1; 0 = empty */
	size_t table_size;
	uint64_t bytes;
	ZSTD_CCtx **cctx; /* free compression contexts */
	size_t ncctx, cctx_alloc;
	char pack_name[64]; /* of the last pack committed */
};

int odb_writer_new(struct odb_writer **out, struct odb *odb)
{
	struct odb_writer *w = xcalloc(1, sizeof(*w));

	w->odb = odb;
	w->fd = -1;
	pthread_mutex_init(&w->lock, NULL);
	*out = w;
	return 0;
}

void odb_writer_free(struct odb_writer *w)
{
	size_t i;

	if (!w)
		return;
	if (w->fd >= 0)
		close(w->fd);
	if (w->tmp_path) {
		unlink(w->tmp_path);
		free(w->tmp_path);
	}
	for (i = 0; i < w->ncctx; i++)
		ZSTD_freeCCtx(w->cctx[i]);
	free(w->cctx);
	free(w->wbuf);
	free(w->entries);
	free(w->table);
	pthread_mutex_destroy(&w->lock);
	free(w);
}

const char *odb_writer_pack_name(const struct odb_writer *w)
{
	return w->pack_name;
}

uint64_t odb_writer_bytes(const struct odb_writer *w)
{
	return w->bytes;
}

/* ---------------------------------------------------------- the table */

static size_t slot_of(const cairn_oid *oid, size_t size)
{
	uint64_t h;

	memcpy(&h, oid->id, sizeof(h));
	return (size_t)(h & (size - 1));
}

static int table_find(struct odb_writer *w, const cairn_oid *oid)
{
	size_t i;

	if (!w->table_size)
		return 0;
	for (i = slot_of(oid, w->table_size);; i = (i + 1) & (w->table_size - 1)) {
		uint32_t v = w->table[i];

		if (!v)
			return 0;
		if (memcmp(w->entries[v - 1].oid.id, oid->id, 32) == 0)
			return 1;
	}
}

static void table_insert(struct odb_writer *w, size_t index)
{
	size_t i;

	if ((w->n + 1) * 2 > w->table_size) {
		size_t size = w->table_size ? w->table_size * 2 : 1024, k;

		free(w->table);
		w->table = xcalloc(size, sizeof(*w->table));
		w->table_size = size;
		for (k = 0; k < w->n; k++)
			if (k != index)
				table_insert(w, k);
	}
	for (i = slot_of(&w->entries[index].oid, w->table_size); w->table[i];
	     i = (i + 1) & (w->table_size - 1))
		;
	w->table[i] = (uint32_t)(index + 1);
}

int odb_writer_has(struct odb_writer *w, const cairn_oid *oid)
{
	int found;

	pthread_mutex_lock(&w->lock);
	found = table_find(w, oid);
	pthread_mutex_unlock(&w->lock);
	if (found)
		return 2;
	return odb_exists(w->odb, oid);
}

/* ------------------------------------------------------------ appending */

static int open_pack(struct odb_writer *w)
{
	unsigned char header[PACK_HEADER_SIZE];
	int fd = fs_mkstemp(&w->tmp_path, w->odb->pack_dir, "tmp-");

	if (fd < 0)
		return fd;
	w->fd = fd;
	if (!w->wbuf)
		w->wbuf = xmalloc(WBUF_SIZE);
	pack_header(header);
	memcpy(w->wbuf, header, sizeof(header));
	w->wlen = sizeof(header);
	w->offset = sizeof(header);
	return 0;
}

static int flush_wbuf(struct odb_writer *w)
{
	int err;

	if (!w->wlen)
		return 0;
	if ((err = fs_write_all(w->fd, w->wbuf, w->wlen, w->tmp_path)) < 0)
		return err;
	w->wlen = 0;
	if (w->offset - w->started_writeback >= WRITEBACK_STEP) {
		sync_file_range(w->fd, (off_t)w->started_writeback,
				(off_t)(w->offset - w->started_writeback),
				SYNC_FILE_RANGE_WRITE);
		w->started_writeback = w->offset;
	}
	return 0;
}

/* Append one entry; the caller holds the lock. */
static int append_locked(struct odb_writer *w, const cairn_oid *oid,
			 enum odb_type type, enum odb_codec codec,
			 uint64_t raw_size, const void *data, size_t len)
{
	struct pack_entry *e;
	int err;

	if (table_find(w, oid))
		return 0;
	if (w->fd < 0 && (err = open_pack(w)) < 0)
		return err;
	if (w->n >= UINT32_MAX - 1)
		return cairn_error_set(CAIRN_ERRCLASS_ODB, "too many objects in one pack");
	if (w->wlen + len > WBUF_SIZE) {
		if ((err = flush_wbuf(w)) < 0)
			return err;
	}
	if (len > WBUF_SIZE) {
		if ((err = fs_write_all(w->fd, data, len, w->tmp_path)) < 0)
			return err;
	} else {
		memcpy(w->wbuf + w->wlen, data, len);
		w->wlen += len;
	}
	ALLOC_GROW(w->entries, w->n + 1, w->alloc);
	e = &w->entries[w->n];
	e->oid = *oid;
	e->offset = w->offset;
	e->stored_size = len;
	e->raw_size = raw_size;
	e->type = (uint8_t)type;
	e->codec = (uint8_t)codec;
	table_insert(w, w->n);
	w->n++;
	w->offset += len;
	w->bytes += len;
	return 0;
}

static int append(struct odb_writer *w, const cairn_oid *oid,
		  enum odb_type type, enum odb_codec codec, uint64_t raw_size,
		  const void *data, size_t len)
{
	int err;

	pthread_mutex_lock(&w->lock);
	err = append_locked(w, oid, type, codec, raw_size, data, len);
	pthread_mutex_unlock(&w->lock);
	return err;
}

int odb_write_raw(struct odb_writer *w, const cairn_oid *oid,
		  const struct odb_info *info, const void *data, size_t len)
{
	return append(w, oid, info->type, info->codec, info->raw_size, data, len);
}

/* ---------------------------------------------------------- compression */

static ZSTD_CCtx *cctx_get(struct odb_writer *w)
{
	ZSTD_CCtx *c = NULL;

	pthread_mutex_lock(&w->lock);
	if (w->ncctx)
		c = w->cctx[--w->ncctx];
	pthread_mutex_unlock(&w->lock);
	if (!c && !(c = ZSTD_createCCtx()))
		abort();
	return c;
}

static void cctx_put(struct odb_writer *w, ZSTD_CCtx *c)
{
	pthread_mutex_lock(&w->lock);
	ALLOC_GROW(w->cctx, w->ncctx + 1, w->cctx_alloc);
	w->cctx[w->ncctx++] = c;
	pthread_mutex_unlock(&w->lock);
}

static int saves_enough(size_t compressed, size_t len)
{
	return compressed <= len - len / 20;
}

/*
 * Compress data into out if that saves at least 5%; returns 1 if out holds
 * the compressed form, 0 to store raw.
 */
static int try_compress(struct odb_writer *w, struct buf *out,
			const void *data, size_t len)
{
	size_t sample = len < SAMPLE_SIZE ? len : SAMPLE_SIZE, n;
	ZSTD_CCtx *c;
	int ok = 0;

	if (len < 64)
		return 0;
	c = cctx_get(w);
	buf_reset(out);
	buf_grow(out, ZSTD_compressBound(len));
	if (sample < len) {
		n = ZSTD_compressCCtx(c, out->ptr, out->alloc, data, sample, ZSTD_LEVEL);
		if (ZSTD_isError(n) || !saves_enough(n, sample))
			goto done;
	}
	n = ZSTD_compressCCtx(c, out->ptr, out->alloc, data, len, ZSTD_LEVEL);
	if (!ZSTD_isError(n) && saves_enough(n, len)) {
		buf_setlen(out, n);
		ok = 1;
	}
done:
	cctx_put(w, c);
	return ok;
}

/* Store one blob-like entry (blob, tree, chunk, manifest) under oid. */
static int store_entry(struct odb_writer *w, struct buf *scratch,
		       const cairn_oid *oid, enum odb_type type,
		       const void *data, size_t len)
{
	if (odb_writer_has(w, oid))
		return 0;
	if (try_compress(w, scratch, data, len))
		return append(w, oid, type, ODB_CODEC_ZSTD, len, scratch->ptr,
			      scratch->len);
	return append(w, oid, type, ODB_CODEC_NONE, len, data, len);
}

int odb_write_buffer(cairn_oid *out, struct odb_writer *w, enum odb_type type,
		     const void *data, size_t len)
{
	struct buf scratch = BUF_INIT;
	int err;

	hash_buffer(out, data, len);
	err = store_entry(w, &scratch, out, type, data, len);
	buf_release(&scratch);
	return err;
}

/* ------------------------------------------------------ large files */

#define BLOCK_SIZE (4 * 1024 * 1024)
#define NBLOCKS 4

struct block {
	unsigned char *data;
	size_t len;
	size_t *cuts, ncuts;
	int last;
};

struct pipeline {
	struct odb_writer *w;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct block blocks[NBLOCKS];
	int state[NBLOCKS]; /* 0 free, 1 filled */
	size_t next_fill, next_drain;
	struct manifest manifest;
	int failed;          /* worker error code, or 0 */
	char message[1024];  /* its message, from the worker's thread */
	int klass;
};

static struct block *wait_block(struct pipeline *pl, size_t index, int want)
{
	struct block *b;

	pthread_mutex_lock(&pl->lock);
	while (pl->state[index] != want)
		pthread_cond_wait(&pl->cond, &pl->lock);
	b = &pl->blocks[index];
	pthread_mutex_unlock(&pl->lock);
	return b;
}

static void set_block(struct pipeline *pl, size_t index, int state)
{
	pthread_mutex_lock(&pl->lock);
	pl->state[index] = state;
	pthread_cond_broadcast(&pl->cond);
	pthread_mutex_unlock(&pl->lock);
}

static int store_chunk(struct pipeline *pl, struct buf *scratch,
		       const unsigned char *data, size_t len)
{
	cairn_oid oid;

	hash_buffer(&oid, data, len);
	manifest_add(&pl->manifest, &oid, (uint32_t)len);
	return store_entry(pl->w, scratch, &oid, ODB_BLOB, data, len);
}

static void *chunk_worker(void *arg)
{
	struct pipeline *pl = arg;
	struct buf staging = BUF_INIT, scratch = BUF_INIT;
	size_t index = 0;
	int err = 0, last = 0;

	while (!last) {
		struct block *b = wait_block(pl, index, 1);
		size_t start = 0, i;

		last = b->last;
		for (i = 0; i < b->ncuts && err == 0; i++) {
			size_t cut = b->cuts[i];

			if (!staging.len) {
				err = store_chunk(pl, &scratch, b->data + start, cut - start);
			} else {
				buf_add(&staging, b->data + start, cut - start);
				err = store_chunk(pl, &scratch,
						  (unsigned char *)staging.ptr, staging.len);
				buf_reset(&staging);
			}
			start = cut;
		}
		if (err == 0 && start < b->len)
			buf_add(&staging, b->data + start, b->len - start);
		if (err == 0 && last && staging.len)
			err = store_chunk(pl, &scratch, (unsigned char *)staging.ptr,
					  staging.len);
		if (err < 0 && !pl->failed) {
			const cairn_error *e = cairn_error_last();

			pthread_mutex_lock(&pl->lock);
			snprintf(pl->message, sizeof(pl->message), "%s", e->message);
			pl->klass = e->klass;
			pl->failed = err;
			pthread_mutex_unlock(&pl->lock);
		}
		set_block(pl, index, 0);
		index = (index + 1) % NBLOCKS;
	}
	buf_release(&staging);
	buf_release(&scratch);
	return NULL;
}

static int run_pipeline(cairn_oid *out, uint64_t *size_out,
			struct odb_writer *w, int fd, const char *name,
			const struct buf *prefix, struct progress *progress)
{
	struct pipeline pl;
	struct chunker ck;
	struct hash_ctx whole;
	struct buf mbytes = BUF_INIT;
	size_t prefix_used = 0, maxcuts, i, index = 0;
	uint64_t total = 0;
	pthread_t thread;
	int err = 0, failed, last = 0;

	if ((err = chunker_init(&ck, w->odb->chunking.min, w->odb->chunking.avg,
				w->odb->chunking.max)) < 0)
		return err;
	memset(&pl, 0, sizeof(pl));
	pl.w = w;
	pthread_mutex_init(&pl.lock, NULL);
	pthread_cond_init(&pl.cond, NULL);
	maxcuts = BLOCK_SIZE / ck.min + 2;
	for (i = 0; i < NBLOCKS; i++) {
		pl.blocks[i].data = xmalloc(BLOCK_SIZE);
		pl.blocks[i].cuts = xmalloc(maxcuts * sizeof(size_t));
	}
	hash_init(&whole);
	if (pthread_create(&thread, NULL, chunk_worker, &pl) != 0)
		abort();

	while (!last) {
		struct block *b = wait_block(&pl, index, 0);
		size_t pos = 0;
		ssize_t n;

		b->len = 0;
		if (prefix_used < prefix->len) {
			size_t take = prefix->len - prefix_used;

			if (take > BLOCK_SIZE)
				take = BLOCK_SIZE;
			memcpy(b->data, prefix->ptr + prefix_used, take);
			prefix_used += take;
			b->len = take;
		}
		pthread_mutex_lock(&pl.lock);
		failed = pl.failed;
		pthread_mutex_unlock(&pl.lock);
		n = 0;
		if (!failed && !err && b->len < BLOCK_SIZE) {
			n = fs_read_full(fd, b->data + b->len, BLOCK_SIZE - b->len, name);
			if (n < 0)
				err = (int)n;
			else
				b->len += (size_t)n;
		}
		last = failed || err || b->len < BLOCK_SIZE;
		if (failed || err)
			b->len = 0;
		hash_update(&whole, b->data, b->len);
		b->ncuts = 0;
		while (pos < b->len) {
			int cut;

			pos += chunker_next(&ck, b->data + pos, b->len - pos, &cut);
			if (cut)
				b->cuts[b->ncuts++] = pos;
		}
		b->last = last;
		total += b->len;
		progress_add(progress, b->len);
		set_block(&pl, index, 1);
		index = (index + 1) % NBLOCKS;
	}
	pthread_join(thread, NULL);
	hash_final(out, &whole);
	hash_release(&whole);

	if (!err && pl.failed)
		err = cairn_error_setc(pl.failed, pl.klass, "%s", pl.message);
	if (!err) {
		*size_out = total;
		manifest_encode(&mbytes, &pl.manifest);
		/*
		 * The chunk list is stored raw: the index's raw_size of a
		 * chunked entry is the file's size, not the list's, so a
		 * compressed list could not be told its length (and lists of
		 * chunk ids hardly compress anyway).
		 */
		if (!odb_writer_has(w, out))
			err = append(w, out, ODB_CHUNKED, ODB_CODEC_NONE, total,
				     mbytes.ptr, mbytes.len);
	}
	for (i = 0; i < NBLOCKS; i++) {
		free(pl.blocks[i].data);
		free(pl.blocks[i].cuts);
	}
	manifest_release(&pl.manifest);
	buf_release(&mbytes);
	pthread_mutex_destroy(&pl.lock);
	pthread_cond_destroy(&pl.cond);
	return err;
}

int odb_write_fd(cairn_oid *out, uint64_t *size_out, struct odb_writer *w,
		 int fd, const char *name, struct progress *progress)
{
	struct buf head = BUF_INIT;
	ssize_t n;
	int err;

	/* Read up to the threshold: what fits is a blob, the rest chunks. */
	buf_grow(&head, ODB_CHUNK_THRESHOLD);
	n = fs_read_full(fd, head.ptr, ODB_CHUNK_THRESHOLD, name);
	if (n < 0) {
		err = (int)n;
		goto done;
	}
	buf_setlen(&head, (size_t)n);
	if ((size_t)n < ODB_CHUNK_THRESHOLD) {
		struct buf scratch = BUF_INIT;

		hash_buffer(out, head.ptr, head.len);
		*size_out = head.len;
		err = store_entry(w, &scratch, out, ODB_BLOB, head.ptr, head.len);
		progress_add(progress, head.len);
		buf_release(&scratch);
		goto done;
	}
	err = run_pipeline(out, size_out, w, fd, name, &head, progress);
done:
	buf_release(&head);
	return err;
}

/* -------------------------------------------------------------- commit */

int odb_writer_commit(struct odb_writer *w)
{
	struct buf name = BUF_INIT;
	char *pack_path = NULL, *idx_path = NULL;
	char hex[65];
	cairn_oid sum;
	struct hash_ctx h;
	size_t i;
	int err = 0;

	if (w->fd < 0)
		return 0;
	if ((err = flush_wbuf(w)) < 0)
		goto done;
	if (fdatasync(w->fd) < 0) {
		err = cairn_error_set_os("cannot sync '%s'", w->tmp_path);
		goto done;
	}
	/* Name the pack after its contents: the ids and where they are. */
	hash_init(&h);
	for (i = 0; i < w->n; i++) {
		hash_update(&h, w->entries[i].oid.id, 32);
		hash_update(&h, &w->entries[i].offset, sizeof(w->entries[i].offset));
	}
	hash_final(&sum, &h);
	hash_release(&h);
	oid_tohex(hex, &sum);
	buf_printf(&name, "pack-%.40s", hex);
	snprintf(w->pack_name, sizeof(w->pack_name), "%s", name.ptr);
	pack_path = xmalloc(strlen(w->odb->pack_dir) + name.len + 8);
	idx_path = xmalloc(strlen(w->odb->pack_dir) + name.len + 8);
	snprintf(pack_path, strlen(w->odb->pack_dir) + name.len + 8, "%s/%s.pack",
		 w->odb->pack_dir, name.ptr);
	snprintf(idx_path, strlen(w->odb->pack_dir) + name.len + 8, "%s/%s.idx",
		 w->odb->pack_dir, name.ptr);
	if (rename(w->tmp_path, pack_path) < 0) {
		err = cairn_error_set_os("cannot publish pack '%s'", pack_path);
		goto done;
	}
	free(w->tmp_path);
	w->tmp_path = NULL;
	close(w->fd);
	w->fd = -1;
	if ((err = fs_fsync_dir(w->odb->pack_dir)) < 0 ||
	    (err = pack_index_write(idx_path, w->entries, w->n)) < 0)
		goto done;
	w->n = 0;
	memset(w->table, 0, w->table_size * sizeof(*w->table));
	err = odb_refresh(w->odb);
done:
	free(pack_path);
	free(idx_path);
	buf_release(&name);
	return err;
}
