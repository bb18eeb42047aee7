/*
 * batch.c: releasing batches and predictions, and filling an error
 * answer (batch.h).
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

int serve_error_set(struct serve_error *err, int status, const char *code,
		    const char *fmt, ...)
{
	va_list ap;

	err->status = status;
	err->code = code;
	err->model_fault = 0;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return -1;
}

int serve_error_is_versions(const struct serve_error *err)
{
	return err->status >= 500 || err->model_fault;
}
