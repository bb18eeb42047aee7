/*
 * batch.c: releasing batches and predictions, and filling an error
 * answer (batch.h): a message too long for it is cut where a UTF-8
 * character starts and ends with "...".
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve/batch.h"
#include "util/banned.h"

void serve_batch_release(struct serve_batch *b)
{
	if (b->columns)
		for (size_t i = 0; i < b->cols; i++)
			free(b->columns[i]);
	free(b->columns);
	free(b->values);
	json_decref(b->params);
	memset(b, 0, sizeof(*b));
}

void serve_predictions_release(struct serve_predictions *p)
{
	free(p->values);
	json_decref(p->json);
	memset(p, 0, sizeof(*p));
}

int serve_error_vset(struct serve_error *err, int status, const char *code,
		     const char *fmt, va_list ap)
{
	const size_t size = sizeof(err->message);
	int n;

	err->status = status;
	err->code = code;
	err->model_fault = 0;
	n = vsnprintf(err->message, size, fmt, ap);
	if (n >= 0 && (size_t)n >= size) {
		/* Cut before a character that starts at or past the "...". */
		size_t cut = size - 4;

		while (cut && ((unsigned char)err->message[cut] & 0xc0) == 0x80)
			cut--;
		memcpy(err->message + cut, "...", 4);
	}
	return -1;
}

int serve_error_set(struct serve_error *err, int status, const char *code,
		    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	serve_error_vset(err, status, code, fmt, ap);
	va_end(ap);
	return -1;
}

int serve_error_is_versions(const struct serve_error *err)
{
	return err->status >= 500 || err->model_fault;
}
