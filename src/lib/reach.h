/*
 * reach.h: the object graph. A tree references its entries; a chunked
 * file references its chunks; blobs reference nothing. Push, pull, fsck
 * and gc all walk this graph from roots (data set versions).
 */
#ifndef CAIRN_LIB_REACH_H
#define CAIRN_LIB_REACH_H

#include "lib/odb.h"
#include "util/buf.h"
#include "util/oidset.h"

/*
 * Turn an entry's stored bytes into its content and check it: blobs and
 * trees must hash to oid, a chunk list must pass its checksum. With
 * verify_blobs 0, blobs are only decompressed (the receiving side checks
 * them when it reads them).
 */
int reach_decode(struct buf *out, const cairn_oid *oid,
		 const struct odb_info *info, const void *raw, size_t len,
		 int verify_blobs);

/*
 * Call cb for each id the object's content references; is_blob says the
 * child is known to be a blob (a chunk, or a file under the chunking
 * threshold), which needs no walking.
 */
int reach_children(const cairn_oid *oid, enum odb_type type,
		   const void *content, size_t len,
		   int (*cb)(const cairn_oid *child, int is_blob, void *payload),
		   void *payload);

/*
 * Walk everything reachable from root in the local store, skipping ids in
 * `seen` and adding the ones visited. visit() gets each id with its info,
 * or with info NULL and `problem` set when it is missing or its tree or
 * chunk list is damaged; a non-zero return stops the walk.
 */
int reach_walk(struct odb *odb, const cairn_oid *root, struct oidset *seen,
	       int (*visit)(const cairn_oid *oid, const struct odb_info *info,
			    const char *problem, void *payload),
	       void *payload);

#endif
