/*
 * buf.h: a growable byte buffer that is always NUL-terminated (git's
 * strbuf). A struct buf starts as BUF_INIT and is released with
 * buf_release(); ptr is never NULL once anything was added, and
 * buf.ptr[buf.len] is always '\0' after any buf_ call.
 */
#ifndef CAIRN_UTIL_BUF_H
#define CAIRN_UTIL_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "util/error.h"

struct buf {
	char *ptr;
	size_t len, alloc;
};
#define BUF_INIT { NULL, 0, 0 }

void buf_init(struct buf *b, size_t hint);
void buf_release(struct buf *b);
void buf_reset(struct buf *b);
void buf_grow(struct buf *b, size_t extra);
void buf_add(struct buf *b, const void *data, size_t len);
void buf_addch(struct buf *b, int c);
void buf_puts(struct buf *b, const char *s);
void buf_printf(struct buf *b, const char *fmt, ...) CAIRN_PRINTF(2, 3);
void buf_vprintf(struct buf *b, const char *fmt, va_list ap) CAIRN_PRINTF(2, 0);
void buf_setlen(struct buf *b, size_t len);
/* Take ownership of the bytes; the buf is reset. Never NULL. */
char *buf_detach(struct buf *b, size_t *len);
/* ptr as a C string, "" for an empty buf. */
const char *buf_cstr(const struct buf *b);

#endif
