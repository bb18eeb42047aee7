/*
 * odb_internal.h: what odb.c (reading, repacking) and odb_write.c
 * (writing) share. Nothing outside these two files includes it.
 */
#ifndef CAIRN_LIB_ODB_INTERNAL_H
#define CAIRN_LIB_ODB_INTERNAL_H

#include "lib/odb.h"
#include "lib/pack.h"

struct odb {
	char *dir;      /* objects/ */
	char *pack_dir; /* objects/pack/ */
	struct odb_chunking chunking;
	struct pack **packs;
	size_t npacks, alloc;
};

/* Find oid in the published packs. */
int odb__find(struct pack_entry *out, struct pack **pack_out,
	      struct odb *odb, const cairn_oid *oid);

/* Read and, if compressed, decompress one entry into out. */
int odb__load(struct buf *out, struct pack *p, const struct pack_entry *e);

#endif
