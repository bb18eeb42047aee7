/*
 * cairn.h: the public API of libcairn, version control for machine learning.
 *
 * Conventions (libgit2's):
 * - Functions return 0 on success and a negative cairn_error_code on
 *   failure; cairn_error_last() then describes the failure. The library
 *   never prints and never exits.
 * - Output parameters come first. Anything returned through a `T **out` is
 *   owned by the caller and freed with cairn_T_free() (NULL is allowed).
 *   Anything returned as `const T *` is borrowed from its parent and lives
 *   as long as it does. Strings the caller owns come in a cairn_buf and are
 *   released with cairn_buf_dispose().
 * - Arguments are borrowed for the duration of the call.
 * - Option structs carry a version field and have an _INIT macro.
 * - Callbacks take their payload last; a non-zero return stops the walk and
 *   is returned to the caller.
 */
#ifndef CAIRN_H
#define CAIRN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ errors */

typedef enum {
	CAIRN_OK = 0,
	CAIRN_ERROR = -1,      /* generic; see cairn_error_last() */
	CAIRN_ENOTFOUND = -3,  /* no such repository, object, version, ... */
	CAIRN_EEXISTS = -4,    /* already exists */
	CAIRN_EAMBIGUOUS = -5, /* an abbreviated id matches several objects */
	CAIRN_EINVALID = -6,   /* bad argument or malformed input */
	CAIRN_ELOCKED = -7,    /* held by another process */
	CAIRN_EMISMATCH = -8,  /* content does not hash to its name */
	CAIRN_ENOTSUPP = -9,   /* not supported here */
	CAIRN_ECONFLICT = -10, /* local changes would be overwritten */
	CAIRN_ENOSPACE = -11,  /* the disk is full */
	CAIRN_EINTERRUPTED = -12 /* stopped by a signal or a callback */
} cairn_error_code;

typedef enum {
	CAIRN_ERRCLASS_NONE = 0,
	CAIRN_ERRCLASS_OS,
	CAIRN_ERRCLASS_NOMEM,
	CAIRN_ERRCLASS_INVALID,
	CAIRN_ERRCLASS_REPO,
	CAIRN_ERRCLASS_CONFIG,
	CAIRN_ERRCLASS_DB,
	CAIRN_ERRCLASS_ODB,
	CAIRN_ERRCLASS_DATA,
	CAIRN_ERRCLASS_REMOTE
} cairn_error_class;

typedef struct {
	const char *message;
	int klass; /* a cairn_error_class */
} cairn_error;

/** The last error on this thread; never NULL. */
const cairn_error *cairn_error_last(void);

/** The library's version, "MAJOR.MINOR.PATCH". */
const char *cairn_version(void);

/* --------------------------------------------------------------- object ids */

/** An object id: SHA-256 of the uncompressed content. */
typedef struct {
	unsigned char id[32];
} cairn_oid;

/** Length of "sha256:" plus 64 hex digits, without the NUL. */
#define CAIRN_OID_STRLEN 71

/** Write "sha256:<64 hex>" and a NUL into out (CAIRN_OID_STRLEN + 1 bytes). */
void cairn_oid_fmt(char *out, const cairn_oid *oid);

/** Parse a full id, with or without the "sha256:" prefix. */
int cairn_oid_parse(cairn_oid *out, const char *str);

int cairn_oid_cmp(const cairn_oid *a, const cairn_oid *b);

/* ---------------------------------------------------------------- buffers */

typedef struct {
	char *ptr;
	size_t size, asize;
} cairn_buf;
#define CAIRN_BUF_INIT { NULL, 0, 0 }

void cairn_buf_dispose(cairn_buf *buf);

#ifdef __cplusplus
}
#endif
#endif
