/*
 * oidset.h: a set of object ids (open addressing; ids are uniformly
 * random, so their first bytes are the hash). Not thread-safe.
 */
#ifndef CAIRN_UTIL_OIDSET_H
#define CAIRN_UTIL_OIDSET_H

#include <stddef.h>

#include "cairn.h"

struct oidset {
	cairn_oid *slots;
	unsigned char *used;
	size_t size, count;
};
#define OIDSET_INIT { NULL, NULL, 0, 0 }

/* Insert; returns 1 if it was new, 0 if already there. */
int oidset_insert(struct oidset *set, const cairn_oid *oid);
int oidset_contains(const struct oidset *set, const cairn_oid *oid);
void oidset_clear(struct oidset *set);

#endif
