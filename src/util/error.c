/*
 * error.c: the thread-local last error.
 *
 * Each thread owns one message buffer; setting an error overwrites it. The
 * buffer is static storage (no allocation), so reporting "out of memory"
 * can never itself fail.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/error.h"

static _Thread_local char message[1024];
static _Thread_local cairn_error last = { "no error", CAIRN_ERRCLASS_NONE };

static int vset(int code, int klass, const char *suffix, const char *fmt,
		va_list ap) CAIRN_PRINTF(4, 0);

static int vset(int code, int klass, const char *suffix, const char *fmt,
		va_list ap)
{
	int n = vsnprintf(message, sizeof(message), fmt, ap);

	if (suffix && n >= 0 && (size_t)n < sizeof(message))
		snprintf(message + n, sizeof(message) - (size_t)n, ": %s", suffix);
	last.message = message;
	last.klass = klass;
	return code;
}

int cairn_error_set(int klass, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vset(CAIRN_ERROR, klass, NULL, fmt, ap);
	va_end(ap);
	return ret;
}

int cairn_error_setc(int code, int klass, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vset(code, klass, NULL, fmt, ap);
	va_end(ap);
	return ret;
}

int cairn_error_set_os(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vset(saved == ENOSPC ? CAIRN_ENOSPACE : CAIRN_ERROR,
		   CAIRN_ERRCLASS_OS, strerror(saved), fmt, ap);
	va_end(ap);
	errno = saved;
	return ret;
}

void cairn_error_reset(void)
{
	last.message = "no error";
	last.klass = CAIRN_ERRCLASS_NONE;
}

const cairn_error *cairn_error_last(void)
{
	return &last;
}
