/*
 * manifest.c: encoding and checked parsing of chunk lists (manifest.h).
 */
#include <stdlib.h>
#include <string.h>

#include "lib/manifest.h"
#include "util/alloc.h"
#include "util/hash.h"
#include "util/banned.h"

#define HEADER 24
#define RECORD 36

static void put_le(unsigned char *p, uint64_t v, int n)
{
	int i;

	for (i = 0; i < n; i++, v >>= 8)
		p[i] = (unsigned char)(v & 0xff);
}

static uint64_t get_le(const unsigned char *p, int n)
{
	uint64_t v = 0;

	while (n--)
		v = (v << 8) | p[n];
	return v;
}

void manifest_add(struct manifest *m, const cairn_oid *oid, uint32_t len)
{
	ALLOC_GROW(m->chunks, m->count + 1, m->alloc);
	m->chunks[m->count].oid = *oid;
	m->chunks[m->count].len = len;
	m->count++;
	m->file_size += len;
}

void manifest_encode(struct buf *out, const struct manifest *m)
{
	unsigned char rec[RECORD];
	size_t start = out->len, i;
	cairn_oid sum;

	buf_grow(out, HEADER + m->count * RECORD + 32);
	memcpy(rec, "CCHK", 4);
	put_le(rec + 4, 1, 4);
	put_le(rec + 8, m->file_size, 8);
	put_le(rec + 16, m->count, 8);
	buf_add(out, rec, HEADER);
	for (i = 0; i < m->count; i++) {
		memcpy(rec, m->chunks[i].oid.id, 32);
		put_le(rec + 32, m->chunks[i].len, 4);
		buf_add(out, rec, RECORD);
	}
	hash_buffer(&sum, out->ptr + start, out->len - start);
	buf_add(out, sum.id, 32);
}

int manifest_parse(struct manifest *out, const void *data, size_t len,
		   const char *what)
{
	const unsigned char *p = data;
	uint64_t size, count, total = 0, i;
	cairn_oid sum;

	memset(out, 0, sizeof(*out));
	if (len < HEADER + 32 || memcmp(p, "CCHK", 4) != 0 ||
	    get_le(p + 4, 4) != 1)
		goto bad;
	size = get_le(p + 8, 8);
	count = get_le(p + 16, 8);
	if (count > (len - HEADER - 32) / RECORD ||
	    HEADER + count * RECORD + 32 != len)
		goto bad;
	hash_buffer(&sum, p, len - 32);
	if (memcmp(sum.id, p + len - 32, 32) != 0)
		goto bad;
	out->chunks = xmalloc((count ? count : 1) * sizeof(*out->chunks));
	out->alloc = count;
	for (i = 0; i < count; i++) {
		const unsigned char *r = p + HEADER + i * RECORD;

		memcpy(out->chunks[i].oid.id, r, 32);
		out->chunks[i].len = (uint32_t)get_le(r + 32, 4);
		if (!out->chunks[i].len)
			goto bad;
		total += out->chunks[i].len;
	}
	out->count = count;
	out->file_size = size;
	if (total != size)
		goto bad;
	return 0;
bad:
	manifest_release(out);
	return cairn_error_setc(CAIRN_EMISMATCH, CAIRN_ERRCLASS_ODB,
				"chunk list of %s is corrupt", what);
}

void manifest_release(struct manifest *m)
{
	free(m->chunks);
	memset(m, 0, sizeof(*m));
}
