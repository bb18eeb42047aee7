/*
 * oidset.c: open-addressing set of object ids, load factor at most 1/2.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"
#include "util/oidset.h"
#include "util/banned.h"

static size_t slot_of(const cairn_oid *oid, size_t size)
{
	uint64_t h;

	memcpy(&h, oid->id, sizeof(h));
	return (size_t)(h & (size - 1));
}

static void place(struct oidset *set, const cairn_oid *oid)
{
	size_t i = slot_of(oid, set->size);

	while (set->used[i])
		i = (i + 1) & (set->size - 1);
	set->used[i] = 1;
	set->slots[i] = *oid;
}

static void grow(struct oidset *set)
{
	struct oidset old = *set;
	size_t i;

	set->size = old.size ? old.size * 2 : 256;
	set->slots = xmalloc(set->size * sizeof(*set->slots));
	set->used = xcalloc(set->size, 1);
	for (i = 0; i < old.size; i++)
		if (old.used[i])
			place(set, &old.slots[i]);
	free(old.slots);
	free(old.used);
}

int oidset_contains(const struct oidset *set, const cairn_oid *oid)
{
	size_t i;

	if (!set->size)
		return 0;
	for (i = slot_of(oid, set->size); set->used[i]; i = (i + 1) & (set->size - 1))
		if (memcmp(set->slots[i].id, oid->id, sizeof(oid->id)) == 0)
			return 1;
	return 0;
}

int oidset_insert(struct oidset *set, const cairn_oid *oid)
{
	if (oidset_contains(set, oid))
		return 0;
	if ((set->count + 1) * 2 > set->size)
		grow(set);
	place(set, oid);
	set->count++;
	return 1;
}

void oidset_clear(struct oidset *set)
{
	free(set->slots);
	free(set->used);
	memset(set, 0, sizeof(*set));
}
