/*
 * reach.c: decoding entries and walking the object graph (reach.h).
 * The walk is iterative (an explicit stack), so a deep directory tree
 * cannot exhaust the C stack.
 */
#include <stdlib.h>
#include <string.h>

#include <zstd.h>

#include "lib/manifest.h"
#include "lib/reach.h"
#include "lib/tree.h"
#include "util/alloc.h"
#include "util/hash.h"
#include "util/banned.h"

int reach_decode(struct buf *out, const cairn_oid *oid,
		 const struct odb_info *info, const void *raw, size_t len,
		 int verify_blobs)
{
	char hex[CAIRN_OID_STRLEN + 1];
	cairn_oid check;

	cairn_oid_fmt(hex, oid);
	buf_reset(out);
	if (info->codec == ODB_CODEC_ZSTD) {
		size_t n;

		if (info->raw_size > ODB_MAX_INLINE)
			goto bad;
		buf_grow(out, info->raw_size);
		n = ZSTD_decompress(out->ptr, info->raw_size, raw, len);
		if (ZSTD_isError(n) || n != info->raw_size)
			goto bad;
		buf_setlen(out, n);
	} else if (info->codec == ODB_CODEC_NONE) {
		buf_add(out, raw, len);
	} else {
		goto bad;
	}
	if (info->type == ODB_CHUNKED) {
		struct manifest m;
		int err = manifest_parse(&m, out->ptr, out->len, hex);

		manifest_release(&m);
		return err;
	}
	if (info->type == ODB_BLOB && !verify_blobs)
		return 0;
	hash_buffer(&check, out->ptr, out->len);
	if (cairn_oid_cmp(&check, oid) == 0)
		return 0;
bad:
	return cairn_error_setc(CAIRN_EMISMATCH, CAIRN_ERRCLASS_ODB,
				"object %s is corrupt", hex);
}

int reach_children(const cairn_oid *oid, enum odb_type type,
		   const void *content, size_t len,
		   int (*cb)(const cairn_oid *child, int is_blob, void *payload),
		   void *payload)
{
	char hex[CAIRN_OID_STRLEN + 1];
	size_t i;
	int ret = 0;

	cairn_oid_fmt(hex, oid);
	if (type == ODB_TREE) {
		struct tree t;

		if ((ret = tree_parse(&t, content, len, hex)) < 0)
			return ret;
		for (i = 0; i < t.count && !ret; i++)
			ret = cb(&t.entries[i].oid,
				 !tree_is_dir(t.entries[i].mode) &&
					 t.entries[i].size < ODB_CHUNK_THRESHOLD,
				 payload);
		tree_release(&t);
	} else if (type == ODB_CHUNKED) {
		struct manifest m;

		if ((ret = manifest_parse(&m, content, len, hex)) < 0)
			return ret;
		for (i = 0; i < m.count && !ret; i++)
			ret = cb(&m.chunks[i].oid, 1, payload);
		manifest_release(&m);
	}
	return ret;
}

struct stack {
	cairn_oid *items;
	size_t n, alloc;
};

static int push_child(const cairn_oid *child, int is_blob, void *payload)
{
	struct stack *s = payload;

	(void)is_blob;
	ALLOC_GROW(s->items, s->n + 1, s->alloc);
	s->items[s->n++] = *child;
	return 0;
}

int reach_walk(struct odb *odb, const cairn_oid *root, struct oidset *seen,
	       int (*visit)(const cairn_oid *oid, const struct odb_info *info,
			    const char *problem, void *payload),
	       void *payload)
{
	struct stack s = { NULL, 0, 0 };
	struct buf content = BUF_INIT;
	int ret = 0;

	push_child(root, 0, &s);
	while (s.n && !ret) {
		cairn_oid oid = s.items[--s.n];
		struct odb_info info;

		if (!oidset_insert(seen, &oid))
			continue;
		if (odb_info(&info, odb, &oid) < 0) {
			ret = visit(&oid, NULL, "missing", payload);
			continue;
		}
		if (info.type != ODB_BLOB &&
		    (odb_read(&content, NULL, odb, &oid, ODB_MAX_INLINE) < 0 ||
		     reach_children(&oid, info.type, content.ptr, content.len,
				    push_child, &s) < 0)) {
			ret = visit(&oid, NULL, cairn_error_last()->message, payload);
			continue;
		}
		ret = visit(&oid, &info, NULL, payload);
	}
	free(s.items);
	buf_release(&content);
	return ret;
}
