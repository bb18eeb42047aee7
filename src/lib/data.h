/*
 * data.h: what the data set modules (data_add.c, data_status.c,
 * data_checkout.c, data_lookup.c, data_pointers.c) share: finding pointer
 * files and resolving version specs.
 */
#ifndef CAIRN_LIB_DATA_H
#define CAIRN_LIB_DATA_H

#include "lib/pointer.h"
#include "lib/repo.h"

/* A pointer file found in the working tree. */
struct tracked {
	char *pointer_rel; /* relative to the workdir */
	char *data_rel;    /* the data it names, relative to the workdir */
	struct pointer p;
	int bad;           /* the pointer could not be read; see message */
	char *message;
};

/*
 * Find the pointer file for a user path (data or pointer path, absolute or
 * relative to the current directory, without any "@version" suffix).
 * Fails with CAIRN_ENOTFOUND if the path is not tracked.
 */
int data_find_pointer(struct tracked *out, cairn_repo *repo, const char *path);

/* Read the pointer at pointer_rel (relative to the workdir). */
int data_read_pointer(struct tracked *out, cairn_repo *repo,
		      const char *pointer_rel);

/*
 * Every pointer file under the project (not descending into .git, .cairn,
 * or directories that are themselves tracked data), sorted by path. Bad
 * pointers are returned too, marked bad.
 */
int data_all_pointers(struct tracked **out, size_t *count, cairn_repo *repo);

/*
 * Pointers for the given specs (all pointers when nspecs is 0). A spec's
 * "@version" suffix is split off into versions[i] (NULL if none); the
 * caller frees the strings and the arrays.
 */
int data_pointers_for(struct tracked **out, char ***versions, size_t *count,
		      cairn_repo *repo, const char *const *specs, size_t nspecs);

void data_tracked_release(struct tracked *t);
void data_tracked_free_all(struct tracked *t, size_t count);

/*
 * Resolve a version of data set `name`: "vN", "N", "sha256:<prefix>" or a
 * hex prefix.
 */
int data_resolve_version(cairn_data_version *out, cairn_repo *repo,
			 const char *name, const char *version);

struct scan_node;

/*
 * How the data as scanned differs from what pointer p names: files added,
 * removed and modified (a file counts as one). The stored objects must be
 * present.
 */
int data_diff_counts(uint64_t *added, uint64_t *removed, uint64_t *modified,
		     cairn_repo *repo, const struct pointer *p,
		     const struct scan_node *current);

/* The JSON of cairn_data_version_json() as a jansson object (caller owns). */
struct json_t;
struct json_t *data_version_json(const cairn_data_version *v);

/* Write a pointer describing version v for data at data_rel. */
int data_write_pointer(cairn_repo *repo, const char *data_rel,
		       const cairn_data_version *v);

#endif
