/*
 * pack.h: pack files and their indexes, the on-disk form of the object
 * store.
 *
 * A pack "objects/pack/pack-<name>.pack" is the 8-byte header "CPAK" +
 * u32 version, followed by entries' stored bytes back to back (each raw or
 * zstd-compressed; nothing else). Packs are only ever appended to while
 * being written, under a temporary name, and never change once published.
 *
 * Its index "pack-<name>.idx" is:
 *   "CIDX"  u32 version (1)  u64 count
 *   count entries of 64 bytes, sorted by id:
 *     id[32]  u64 offset  u64 stored_size  u64 raw_size
 *     u8 type  u8 codec  u8 zero[6]
 *   SHA-256 of everything above (32 bytes)
 * All integers are little-endian. An index is read with mmap and searched
 * in place; its checksum and every entry's bounds are checked when it is
 * opened, so a damaged index is refused whole rather than misread.
 */
#ifndef CAIRN_LIB_PACK_H
#define CAIRN_LIB_PACK_H

#include <stddef.h>
#include <stdint.h>

#include "cairn.h"

#define PACK_HEADER_SIZE 8
#define PACK_IDX_HEADER_SIZE 16
#define PACK_IDX_ENTRY_SIZE 64

struct pack_entry {
	cairn_oid oid;
	uint64_t offset, stored_size, raw_size;
	uint8_t type, codec;
};

struct pack {
	char *name;           /* "pack-<hex>" */
	char *pack_path;
	int fd;               /* the .pack, opened read-only */
	uint64_t pack_size;
	const unsigned char *idx; /* the mapped .idx */
	size_t idx_size;
	uint64_t count;
};

/* Open a published pack by its .idx path; verifies the index. */
int pack_open(struct pack **out, const char *idx_path);
void pack_free(struct pack *p);

/* Binary search; 1 and *out filled if found, else 0. */
int pack_find(struct pack_entry *out, const struct pack *p,
	      const cairn_oid *oid);
/* The i-th entry in id order. */
void pack_entry_at(struct pack_entry *out, const struct pack *p, uint64_t i);
/* Index of the first entry whose id is >= key (for prefix lookups). */
uint64_t pack_lower_bound(const struct pack *p, const unsigned char *key,
			  size_t keylen);

/* Write the index for entries (sorted here) atomically to path. */
int pack_index_write(const char *path, struct pack_entry *entries, size_t n);

void pack_header(unsigned char out[PACK_HEADER_SIZE]);

#endif
