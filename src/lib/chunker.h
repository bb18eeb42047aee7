/*
 * chunker.h: FastCDC content-defined chunking, streaming.
 *
 * Cut points depend only on the bytes near them, so an edit in the middle
 * of a file moves only the cuts around it and every other chunk keeps its
 * id. Parameters are per store, fixed at `cairn init` (default 16 KiB min,
 * 64 KiB average, 512 KiB max: the sweet spot measured in
 * shared/ref/data-store.md section 3.3).
 *
 * The chunker sees the file as a sequence of buffers of any size. It
 * carries its state across buffers, so feeding a file in 4 MiB blocks or
 * in 1-byte pieces yields the same cuts.
 */
#ifndef CAIRN_LIB_CHUNKER_H
#define CAIRN_LIB_CHUNKER_H

#include <stddef.h>
#include <stdint.h>

#define CHUNKER_DEFAULT_MIN (16 * 1024)
#define CHUNKER_DEFAULT_AVG (64 * 1024)
#define CHUNKER_DEFAULT_MAX (512 * 1024)

struct chunker {
	size_t min, avg, max;
	uint64_t mask_s, mask_l; /* normalized chunking, level 2 */
	size_t pos;              /* bytes of the current chunk seen so far */
	uint64_t hash;           /* Gear hash */
};

/*
 * Set up a chunker. Requires 64 <= min < avg < max and avg a power of two;
 * returns CAIRN_EINVALID with a message otherwise.
 */
int chunker_init(struct chunker *c, size_t min, size_t avg, size_t max);

/*
 * Scan up to len bytes of the current chunk. Returns the number of bytes
 * consumed; *cut is set to 1 when those bytes end a chunk (the state is
 * then reset for the next one) and to 0 when all len bytes were consumed
 * without a cut (call again with the next buffer). At end of file the
 * bytes seen since the last cut form the final chunk.
 */
size_t chunker_next(struct chunker *c, const unsigned char *data, size_t len,
		    int *cut);

#endif
