/*
 * alloc.h: checked allocation.
 *
 * cairn treats running out of memory as fatal, as git's xmalloc and Redis's
 * zmalloc do: on Linux with overcommit an allocation failure is practically
 * never seen before the OOM killer acts, and threading a failure code
 * through every string operation would make the rest of the code harder
 * to read for no user benefit. Every large buffer in cairn has a fixed,
 * small bound (see odb.h), so this never hides an unbounded allocation.
 */
#ifndef CAIRN_UTIL_ALLOC_H
#define CAIRN_UTIL_ALLOC_H

#include <stddef.h>

void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *ptr, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

/* Grow *ptr (of *alloc elements of elem bytes) to hold at least n. */
#define ALLOC_GROW(ptr, n, alloc)                                           \
	do {                                                                \
		if ((n) > (alloc)) {                                        \
			(alloc) = (alloc) * 2 > (n) ? (alloc) * 2 : (n) + 16; \
			(ptr) = xrealloc((ptr), (alloc) * sizeof(*(ptr)));  \
		}                                                           \
	} while (0)

#endif
