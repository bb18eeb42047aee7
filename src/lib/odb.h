/*
 * odb.h: the object database, cairn's content-addressed store.
 *
 * Every object is named by the SHA-256 of its uncompressed content. There
 * are three kinds:
 *   blob     the bytes of a file smaller than 1 MiB, or one chunk of a
 *            larger file;
 *   chunked  a file of 1 MiB or more, named by the SHA-256 of the whole
 *            file (what `sha256sum` prints) and stored as its list of
 *            content-defined chunks (see chunker.h and manifest.h), so a
 *            new version with a small change stores only the chunks
 *            around the change;
 *   tree     a directory: sorted names, modes, sizes and ids (tree.h).
 *
 * Objects live in append-only pack files under objects/pack/ with a sorted
 * index beside each (pack.h has the formats). A writer fills one new pack
 * and publishes it with odb_writer_commit(): the pack is fsync'ed and
 * renamed first, then its index is written with temp + fsync + rename, so
 * an index never names bytes that are not on disk, and a crash at any
 * point leaves at most an unindexed pack that gc removes.
 *
 * Every read verifies: a blob or tree against its id, a chunk against its
 * id, a chunked file's manifest against its checksum, and a whole file
 * against its id as it streams out.
 */
#ifndef CAIRN_LIB_ODB_H
#define CAIRN_LIB_ODB_H

#include <stddef.h>
#include <stdint.h>

#include "cairn.h"
#include "util/buf.h"
#include "util/progress.h"

/* Files of this size and more are chunked. */
#define ODB_CHUNK_THRESHOLD (1024 * 1024)
/* Upper bound of a tree or manifest read into memory. */
#define ODB_MAX_INLINE ((size_t)1 << 30)

enum odb_type { ODB_BLOB = 1, ODB_CHUNKED = 2, ODB_TREE = 3 };
enum odb_codec { ODB_CODEC_NONE = 0, ODB_CODEC_ZSTD = 1 };

struct odb_chunking {
	size_t min, avg, max;
};

struct odb_info {
	enum odb_type type;
	enum odb_codec codec;
	uint64_t raw_size;    /* uncompressed; for chunked, the whole file */
	uint64_t stored_size; /* bytes in the pack */
};

struct odb;
struct odb_writer;

/* Open the store in objects_dir (creating objects/pack if missing). */
int odb_open(struct odb **out, const char *objects_dir,
	     const struct odb_chunking *chunking);
void odb_free(struct odb *odb);

/* The chunking parameters the store was opened with. */
const struct odb_chunking *odb_chunking(const struct odb *odb);

/* Pick up packs published since open (by this or another process). */
int odb_refresh(struct odb *odb);

/* 1 if the object is in a published pack, 0 if not. */
int odb_exists(struct odb *odb, const cairn_oid *oid);
/* CAIRN_ENOTFOUND if absent. */
int odb_info(struct odb_info *out, struct odb *odb, const cairn_oid *oid);

/*
 * Resolve an abbreviated hex id (at least 4 digits, with or without
 * "sha256:"): CAIRN_ENOTFOUND, CAIRN_EAMBIGUOUS or 0.
 */
int odb_resolve_prefix(cairn_oid *out, struct odb *odb, const char *prefix);

/*
 * Read a blob or tree (or a chunked file's manifest bytes) into out,
 * verified. Fails with CAIRN_EINVALID if it is larger than max.
 */
int odb_read(struct buf *out, enum odb_type *type_out, struct odb *odb,
	     const cairn_oid *oid, size_t max);

/*
 * Stream a file object (blob or chunked) to fd, verifying every chunk and
 * the whole file. CAIRN_EMISMATCH names the object if anything is wrong;
 * the bytes written so far must then be discarded by the caller.
 */
int odb_read_file(struct odb *odb, const cairn_oid *oid, int fd,
		  struct progress *progress);

/*
 * Stored (possibly compressed) bytes of one entry, for copying between
 * stores without recompressing.
 */
int odb_read_raw(struct buf *out, struct odb_info *info, struct odb *odb,
		 const cairn_oid *oid);

/* Call cb for every indexed object (in no particular order). */
int odb_foreach(struct odb *odb,
		int (*cb)(const cairn_oid *oid, const struct odb_info *info,
			  void *payload),
		void *payload);

/* Number of packs and total bytes of pack files. */
void odb_stats(struct odb *odb, size_t *packs, uint64_t *bytes);

/*
 * Replace every pack by one holding only the objects for which keep()
 * returns 1. Old packs are removed only after the new one is published.
 * Also removes unindexed packs and temporary files left by crashes.
 */
int odb_repack(struct odb *odb,
	       int (*keep)(const cairn_oid *oid, void *payload), void *payload,
	       uint64_t *freed_bytes);

/* ------------------------------------------------------------- writing */

int odb_writer_new(struct odb_writer **out, struct odb *odb);

/*
 * Store data as an object of the given type; *out gets its id. Objects the
 * store already has are not written again. Thread-safe: several threads
 * may write through one writer.
 */
int odb_write_buffer(cairn_oid *out, struct odb_writer *w, enum odb_type type,
		     const void *data, size_t len);

/*
 * Store the file open on fd (read to its end): whole if smaller than
 * ODB_CHUNK_THRESHOLD, else chunked, hashing and chunking in two threads.
 * `name` is used in messages. *size_out gets the byte count.
 */
int odb_write_fd(cairn_oid *out, uint64_t *size_out, struct odb_writer *w,
		 int fd, const char *name, struct progress *progress);

/* Copy an entry's stored bytes as read with odb_read_raw(). */
int odb_write_raw(struct odb_writer *w, const cairn_oid *oid,
		  const struct odb_info *info, const void *data, size_t len);

/* Whether the writer or the store already has oid. */
int odb_writer_has(struct odb_writer *w, const cairn_oid *oid);

/* Bytes this writer appended (after dedup and compression). */
uint64_t odb_writer_bytes(const struct odb_writer *w);

/* The name of the pack the last commit published ("" if none). */
const char *odb_writer_pack_name(const struct odb_writer *w);

/* Publish everything written; the objects are then visible in odb. */
int odb_writer_commit(struct odb_writer *w);

/* Free; anything not committed is discarded. NULL is allowed. */
void odb_writer_free(struct odb_writer *w);

#endif
