/*
 * pack.c: reading pack indexes in place, and writing them.
 *
 * See pack.h for the formats. Opening a pack maps its index, checks the
 * trailing SHA-256 and that every entry lies inside the pack file; after
 * that, lookups are a binary search over the mapping with no allocation.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/pack.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/fs.h"
#include "util/hash.h"
#include "util/banned.h"

static uint64_t get_u64(const unsigned char *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static void put_u64(unsigned char *p, uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++, v >>= 8)
		p[i] = (unsigned char)(v & 0xff);
}

static void put_u32(unsigned char *p, uint32_t v)
{
	int i;

	for (i = 0; i < 4; i++, v >>= 8)
		p[i] = (unsigned char)(v & 0xff);
}

void pack_header(unsigned char out[PACK_HEADER_SIZE])
{
	memcpy(out, "CPAK", 4);
	put_u32(out + 4, 1);
}

static const unsigned char *entry_ptr(const struct pack *p, uint64_t i)
{
	return p->idx + PACK_IDX_HEADER_SIZE + i * PACK_IDX_ENTRY_SIZE;
}

void pack_entry_at(struct pack_entry *out, const struct pack *p, uint64_t i)
{
	const unsigned char *e = entry_ptr(p, i);

	memcpy(out->oid.id, e, 32);
	out->offset = get_u64(e + 32);
	out->stored_size = get_u64(e + 40);
	out->raw_size = get_u64(e + 48);
	out->type = e[56];
	out->codec = e[57];
}

uint64_t pack_lower_bound(const struct pack *p, const unsigned char *key,
			  size_t keylen)
{
	uint64_t lo = 0, hi = p->count;

	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;

		if (memcmp(entry_ptr(p, mid), key, keylen) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int pack_find(struct pack_entry *out, const struct pack *p,
	      const cairn_oid *oid)
{
	uint64_t i = pack_lower_bound(p, oid->id, 32);

	if (i >= p->count || memcmp(entry_ptr(p, i), oid->id, 32) != 0)
		return 0;
	pack_entry_at(out, p, i);
	return 1;
}

static int check_index(struct pack *p, const char *idx_path)
{
	cairn_oid sum;
	uint64_t i;

	if (p->idx_size < PACK_IDX_HEADER_SIZE + 32 ||
	    memcmp(p->idx, "CIDX", 4) != 0)
		goto bad;
	if (p->idx[4] != 1 || p->idx[5] || p->idx[6] || p->idx[7])
		return cairn_error_setc(CAIRN_ENOTSUPP, CAIRN_ERRCLASS_ODB,
					"'%s': unknown index version", idx_path);
	p->count = get_u64(p->idx + 8);
	if (p->count > (p->idx_size - PACK_IDX_HEADER_SIZE - 32) / PACK_IDX_ENTRY_SIZE ||
	    PACK_IDX_HEADER_SIZE + p->count * PACK_IDX_ENTRY_SIZE + 32 != p->idx_size)
		goto bad;
	hash_buffer(&sum, p->idx, p->idx_size - 32);
	if (memcmp(sum.id, p->idx + p->idx_size - 32, 32) != 0)
		goto bad;
	for (i = 0; i < p->count; i++) {
		struct pack_entry e;

		pack_entry_at(&e, p, i);
		if (e.offset < PACK_HEADER_SIZE || e.offset > p->pack_size ||
		    e.stored_size > p->pack_size - e.offset ||
		    e.type < 1 || e.type > 3 || e.codec > 1)
			goto bad;
		if (i && memcmp(entry_ptr(p, i - 1), entry_ptr(p, i), 32) >= 0)
			goto bad;
	}
	return 0;
bad:
	return cairn_error_setc(CAIRN_EMISMATCH, CAIRN_ERRCLASS_ODB,
				"pack index '%s' is corrupt", idx_path);
}

int pack_open(struct pack **out, const char *idx_path)
{
	struct pack *p = xcalloc(1, sizeof(*p));
	size_t n = strlen(idx_path);
	struct stat st;
	int ifd = -1, err = 0;

	p->fd = -1;
	p->pack_path = xstrdup(idx_path);
	memcpy(p->pack_path + n - 4, ".pac", 4);
	p->pack_path = xrealloc(p->pack_path, n + 2);
	p->pack_path[n] = 'k';
	p->pack_path[n + 1] = '\0';
	p->name = xstrndup(path_basename(idx_path),
			   strlen(path_basename(idx_path)) - 4);

	if ((p->fd = open(p->pack_path, O_RDONLY | O_CLOEXEC)) < 0 ||
	    fstat(p->fd, &st) < 0) {
		int gone = errno == ENOENT;

		err = cairn_error_set_os("cannot open pack '%s'", p->pack_path);
		if (gone)
			err = CAIRN_ENOTFOUND; /* removed by a repack meanwhile */
		goto done;
	}
	p->pack_size = (uint64_t)st.st_size;
	if ((ifd = open(idx_path, O_RDONLY | O_CLOEXEC)) < 0 ||
	    fstat(ifd, &st) < 0) {
		int gone = errno == ENOENT;

		err = cairn_error_set_os("cannot open pack index '%s'", idx_path);
		if (gone)
			err = CAIRN_ENOTFOUND;
		goto done;
	}
	p->idx_size = (size_t)st.st_size;
	if (p->idx_size) {
		void *m = mmap(NULL, p->idx_size, PROT_READ, MAP_PRIVATE, ifd, 0);

		if (m == MAP_FAILED) {
			err = cairn_error_set_os("cannot map '%s'", idx_path);
			goto done;
		}
		p->idx = m;
	}
	err = check_index(p, idx_path);
done:
	if (ifd >= 0)
		close(ifd);
	if (err < 0) {
		pack_free(p);
		return err;
	}
	*out = p;
	return 0;
}

void pack_free(struct pack *p)
{
	if (!p)
		return;
	if (p->idx)
		munmap((void *)p->idx, p->idx_size);
	if (p->fd >= 0)
		close(p->fd);
	free(p->pack_path);
	free(p->name);
	free(p);
}

static int entry_cmp(const void *a, const void *b)
{
	return memcmp(((const struct pack_entry *)a)->oid.id,
		      ((const struct pack_entry *)b)->oid.id, 32);
}

int pack_index_write(const char *path, struct pack_entry *entries, size_t n)
{
	struct buf b = BUF_INIT;
	unsigned char rec[PACK_IDX_ENTRY_SIZE];
	cairn_oid sum;
	size_t i;
	int err;

	qsort(entries, n, sizeof(*entries), entry_cmp);
	buf_grow(&b, PACK_IDX_HEADER_SIZE + n * PACK_IDX_ENTRY_SIZE + 32);
	memcpy(rec, "CIDX", 4);
	put_u32(rec + 4, 1);
	put_u64(rec + 8, n);
	buf_add(&b, rec, PACK_IDX_HEADER_SIZE);
	for (i = 0; i < n; i++) {
		memset(rec, 0, sizeof(rec));
		memcpy(rec, entries[i].oid.id, 32);
		put_u64(rec + 32, entries[i].offset);
		put_u64(rec + 40, entries[i].stored_size);
		put_u64(rec + 48, entries[i].raw_size);
		rec[56] = entries[i].type;
		rec[57] = entries[i].codec;
		buf_add(&b, rec, sizeof(rec));
	}
	hash_buffer(&sum, b.ptr, b.len);
	buf_add(&b, sum.id, 32);
	err = fs_write_atomic(path, b.ptr, b.len, 0444);
	buf_release(&b);
	return err;
}
