/*
 * pointer.h: pointer files (NAME.cairn), the small YAML files committed to
 * git in place of the data they name.
 *
 *   # cairn pointer file: commit this; the data it names is in .gitignore
 *   version: 1
 *   path: train.csv
 *   id: sha256:9f86d08...
 *   size: 1048576
 *   kind: file
 *   files: 1
 *   dataset: data/train.csv
 *   dataset_version: 3
 *
 * `path` is relative to the directory holding the pointer file, a single
 * relative path that never leaves it ("..", absolute paths and empty
 * components are refused). Pointer files arrive from git, from other
 * people, from merges: the parser treats them as untrusted bytes, refuses
 * anything malformed with a message naming the file and the field, and has
 * a fuzz target (tests/fuzz/fuzz_pointer.c).
 */
#ifndef CAIRN_LIB_POINTER_H
#define CAIRN_LIB_POINTER_H

#include <stddef.h>
#include <stdint.h>

#include "cairn.h"
#include "util/buf.h"

#define POINTER_FORMAT_VERSION 1
#define POINTER_SUFFIX ".cairn"
#define POINTER_MAX_SIZE (64 * 1024)

enum pointer_kind { POINTER_KIND_FILE = 0, POINTER_KIND_DIR = 1 };

struct pointer {
	char *path;            /* relative to the pointer file's directory */
	cairn_oid oid;         /* whole-file or tree id */
	uint64_t size;         /* bytes of data (sum over files for a dir) */
	enum pointer_kind kind;
	uint64_t files;        /* 1 for a file */
	char *dataset;         /* data set name */
	uint64_t version;      /* data set version number, >= 1 */
};

/*
 * Parse pointer-file bytes. `what` names the source in messages (usually
 * the pointer file's path). Returns 0, or CAIRN_EINVALID with a message
 * such as "'a.cairn': field 'size' is not a number".
 */
int pointer_parse(struct pointer *out, const char *data, size_t len,
		  const char *what);

/* Read and parse a pointer file (at most POINTER_MAX_SIZE bytes). */
int pointer_read(struct pointer *out, const char *path);

/* Append the YAML form of p to out. */
void pointer_format(struct buf *out, const struct pointer *p);

/* Write p to path atomically (temp + fsync + rename). */
int pointer_write(const char *path, const struct pointer *p);

void pointer_release(struct pointer *p);

#endif
