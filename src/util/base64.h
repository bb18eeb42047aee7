/*
 * base64.h: standard base64 (RFC 4648, with padding) through OpenSSL.
 */
#ifndef CAIRN_UTIL_BASE64_H
#define CAIRN_UTIL_BASE64_H

#include <stddef.h>

#include "util/buf.h"

void base64_encode(struct buf *out, const void *data, size_t len);
/* -1 if the input is not well-formed base64. */
int base64_decode(struct buf *out, const char *text, size_t len);

#endif
