/*
 * error.h: the per-thread last error of libcairn (libgit2's giterr model).
 *
 * A failing function sets a message with cairn_error_set() and returns a
 * negative code; the caller either handles it or passes the code up
 * unchanged, so the message that reaches the user is the one written
 * closest to the fault. cairn_error_set() returns CAIRN_ERROR (or the code
 * given to cairn_error_setc()) so "return cairn_error_set(...)" is one
 * statement.
 */
#ifndef CAIRN_UTIL_ERROR_H
#define CAIRN_UTIL_ERROR_H

#include "cairn.h"

#if defined(__GNUC__)
# define CAIRN_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
# define CAIRN_PRINTF(a, b)
#endif

/* Set the last error; returns CAIRN_ERROR. */
int cairn_error_set(int klass, const char *fmt, ...) CAIRN_PRINTF(2, 3);

/* Set the last error with an explicit return code. */
int cairn_error_setc(int code, int klass, const char *fmt, ...) CAIRN_PRINTF(3, 4);

/* As cairn_error_set(), with ": strerror(errno)" appended. */
int cairn_error_set_os(const char *fmt, ...) CAIRN_PRINTF(1, 2);

/* Forget the last error (a handled failure must not leak into the next). */
void cairn_error_reset(void);

#endif
