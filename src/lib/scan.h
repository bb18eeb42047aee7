/*
 * scan.h: turning a file or directory of the working tree into object
 * ids, by walking it, looking every file up in the stat cache and hashing
 * (and, when writing, storing) only the files the cache cannot vouch for.
 *
 * The result is an in-memory tree of scan_nodes whose ids, sizes and file
 * counts are filled in; with a writer, every file and directory object is
 * in the writer too (publish it with odb_writer_commit()).
 */
#ifndef CAIRN_LIB_SCAN_H
#define CAIRN_LIB_SCAN_H

#include <stdint.h>
#include <sys/stat.h>

#include "lib/odb.h"
#include "lib/repo.h"

struct scan_node {
	char *name;   /* last path component */
	char *rel;    /* relative to the workdir */
	int is_dir;
	unsigned mode; /* TREE_MODE_* */
	struct stat st;
	int have_stat;  /* st was filled by the parent's walk */
	cairn_oid oid;
	int hashed;    /* oid was computed (not taken from the cache) */
	int64_t hashed_ns; /* when reading it began */
	uint64_t size, files;
	struct scan_node **children; /* sorted by name */
	size_t nchildren, alloc;
};

struct scan_options {
	struct odb_writer *writer;   /* NULL: hash only */
	struct progress *progress;
	/*
	 * The directory rel is relative to, and the boundary symlinks may not
	 * leave; NULL: the project's workdir. The stat cache (which describes
	 * the workdir) is used only for the workdir.
	 */
	const char *root;
};

/*
 * Scan rel (relative to the workdir). Errors name the offending path:
 * missing files, special files, symlinks that leave the project or point
 * at directories, names a tree cannot hold.
 */
int scan_path(struct scan_node **out, cairn_repo *repo, const char *rel,
	      const struct scan_options *opts);

/* Record the stat of every file hashed by the scan in the stat cache. */
int scan_update_cache(cairn_repo *repo, const struct scan_node *root);

/* The node at a path inside the scanned tree ("" is root), or NULL. */
const struct scan_node *scan_find(const struct scan_node *root,
				  const char *sub);

void scan_free(struct scan_node *node);

/* Nanoseconds since the epoch. */
int64_t scan_now_ns(void);

#endif
