/*
 * manifest.h: the chunk list of a chunked file.
 *
 *   "CCHK"  u32 version (1)  u64 file_size  u64 count
 *   count records: id[32]  u32 length
 *   SHA-256 of everything above (32 bytes)
 *
 * Little-endian. The object's own id is the SHA-256 of the whole file,
 * which the manifest bytes do not hash to, so the manifest carries its own
 * checksum: a damaged manifest is refused before any chunk is read.
 */
#ifndef CAIRN_LIB_MANIFEST_H
#define CAIRN_LIB_MANIFEST_H

#include <stddef.h>
#include <stdint.h>

#include "cairn.h"
#include "util/buf.h"

struct manifest_chunk {
	cairn_oid oid;
	uint32_t len;
};

struct manifest {
	uint64_t file_size;
	size_t count, alloc;
	struct manifest_chunk *chunks;
};

void manifest_add(struct manifest *m, const cairn_oid *oid, uint32_t len);
void manifest_encode(struct buf *out, const struct manifest *m);
/* CAIRN_EMISMATCH if damaged (checksum, lengths not summing up). */
int manifest_parse(struct manifest *out, const void *data, size_t len,
		   const char *what);
void manifest_release(struct manifest *m);

#endif
