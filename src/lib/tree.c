/*
 * tree.c: encoding and checked parsing of directory objects (tree.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "lib/tree.h"
#include "util/alloc.h"
#include "util/hash.h"
#include "util/banned.h"

#define TREE_MAGIC "cairn-tree 1\n"

void tree_add(struct tree *t, const char *name, unsigned mode,
	      const cairn_oid *oid, uint64_t size)
{
	struct tree_entry *e;

	ALLOC_GROW(t->entries, t->count + 1, t->alloc);
	e = &t->entries[t->count++];
	memset(e, 0, sizeof(*e));
	e->name = xstrdup(name);
	e->mode = mode;
	e->oid = *oid;
	e->size = size;
}

static int entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct tree_entry *)a)->name,
		      ((const struct tree_entry *)b)->name);
}

void tree_sort(struct tree *t)
{
	if (t->count > 1)
		qsort(t->entries, t->count, sizeof(*t->entries), entry_cmp);
}

int tree_name_valid(const char *name)
{
	return *name && strcmp(name, ".") != 0 && strcmp(name, "..") != 0 &&
	       !strchr(name, '/') && !strchr(name, '\n');
}

static int mode_valid(unsigned mode)
{
	return mode == TREE_MODE_FILE || mode == TREE_MODE_EXEC ||
	       mode == TREE_MODE_DIR;
}

int tree_encode(struct buf *out, const struct tree *t)
{
	size_t i;

	buf_puts(out, TREE_MAGIC);
	for (i = 0; i < t->count; i++) {
		const struct tree_entry *e = &t->entries[i];
		char hex[65];

		if (!tree_name_valid(e->name))
			return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_DATA,
						"file name '%s' cannot be stored", e->name);
		if (!mode_valid(e->mode))
			return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_DATA,
						"'%s': mode %o cannot be stored", e->name,
						e->mode);
		if (i && strcmp(t->entries[i - 1].name, e->name) >= 0)
			return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_DATA,
						"duplicate or unsorted name '%s'", e->name);
		oid_tohex(hex, &e->oid);
		buf_printf(out, "%o %s %" PRIu64 " %s\n", e->mode, hex, e->size,
			   e->name);
	}
	return 0;
}

int tree_parse(struct tree *out, const char *data, size_t len,
	       const char *what)
{
	const char *p = data, *end = data + len;
	size_t magic = strlen(TREE_MAGIC);

	memset(out, 0, sizeof(*out));
	if (len < magic || memcmp(p, TREE_MAGIC, magic) != 0)
		goto bad;
	for (p += magic; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		char line[4200], *q, *name;
		unsigned long mode;
		unsigned long long size;
		cairn_oid oid;

		if (!nl || (size_t)(nl - p) >= sizeof(line) ||
		    memchr(p, '\0', (size_t)(nl - p)))
			goto bad;
		memcpy(line, p, (size_t)(nl - p));
		line[nl - p] = '\0';
		p = nl + 1;
		/* Only the canonical form: one encoding per tree, one id. */
		if (!strncmp(line, "100644 ", 7))
			mode = TREE_MODE_FILE, q = line + 7;
		else if (!strncmp(line, "100755 ", 7))
			mode = TREE_MODE_EXEC, q = line + 7;
		else if (!strncmp(line, "40000 ", 6))
			mode = TREE_MODE_DIR, q = line + 6;
		else
			goto bad;
		if (strlen(q) < 66 || q[64] != ' ' ||
		    strspn(q, "0123456789abcdef") != 64 || hex_decode(oid.id, q, 64) < 0)
			goto bad;
		q += 65;
		if (*q < '0' || *q > '9' || (q[0] == '0' && q[1] != ' '))
			goto bad;
		errno = 0;
		size = strtoull(q, &name, 10);
		if (errno || *name != ' ')
			goto bad;
		name++;
		if (!tree_name_valid(name) ||
		    (out->count && strcmp(out->entries[out->count - 1].name, name) >= 0))
			goto bad;
		tree_add(out, name, (unsigned)mode, &oid, size);
	}
	return 0;
bad:
	tree_release(out);
	return cairn_error_setc(CAIRN_EMISMATCH, CAIRN_ERRCLASS_ODB,
				"tree %s is malformed", what);
}

void tree_release(struct tree *t)
{
	size_t i;

	for (i = 0; i < t->count; i++)
		free(t->entries[i].name);
	free(t->entries);
	memset(t, 0, sizeof(*t));
}
