/*
 * tree.h: directory objects.
 *
 *   cairn-tree 1
 *   <mode octal> <64 hex id> <size> <name>
 *   ...
 *
 * One line per entry, sorted by name (bytewise), names unique and free of
 * '/', NUL and newline, and neither "." nor "..". Modes: 100644 and 100755
 * for files, 40000 for directories (whose size is the sum of their files).
 * The text form keeps a tree greppable in a debugger and its id stable.
 */
#ifndef CAIRN_LIB_TREE_H
#define CAIRN_LIB_TREE_H

#include <stddef.h>
#include <stdint.h>

#include "cairn.h"
#include "util/buf.h"

#define TREE_MODE_FILE 0100644
#define TREE_MODE_EXEC 0100755
#define TREE_MODE_DIR 040000

struct tree_entry {
	char *name;
	unsigned mode;
	cairn_oid oid;
	uint64_t size;
	uint64_t files; /* not stored; filled by callers that walk */
};

struct tree {
	size_t count, alloc;
	struct tree_entry *entries;
};

/* Add an entry (name copied). Use tree_sort() before tree_encode(). */
void tree_add(struct tree *t, const char *name, unsigned mode,
	      const cairn_oid *oid, uint64_t size);
void tree_sort(struct tree *t);
/* CAIRN_EINVALID for a name that cannot be stored, or a duplicate. */
int tree_encode(struct buf *out, const struct tree *t);
int tree_parse(struct tree *out, const char *data, size_t len,
	       const char *what);
/* Check that a name may be stored in a tree. */
int tree_name_valid(const char *name);
static inline int tree_is_dir(unsigned mode)
{
	return mode == TREE_MODE_DIR;
}
void tree_release(struct tree *t);

#endif
