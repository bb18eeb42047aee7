/*
 * encode.c: predictions and errors into response bodies (decode.h).
 *
 * Numbers are written by hand into the buffer (a response can hold a
 * million of them; a jansson tree per number would cost more than the
 * prediction): the shortest of %.15g, %.16g and %.17g that reads back as
 * the same double, so every number round-trips exactly, with ".0" added
 * to an integral value so that clients read it as a float, as Python's
 * json module writes it. NaN and infinities have no JSON spelling and
 * become null. Strings (names, ids, messages) go through jansson, which
 * escapes them; text that is not valid UTF-8 (a message quoting a client's
 * bytes, or cut in the middle of a character) has its non-ASCII bytes
 * replaced by '?', so the body is always valid JSON.
 *
 * The program runs in the C locale (cairn never calls setlocale()), so
 * snprintf()'s decimal point is '.'.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve/decode.h"
#include "util/alloc.h"
#include "util/banned.h"

static void add_number(struct buf *out, double d)
{
	char text[32];
	int prec, n;

	if (!isfinite(d)) {
		buf_puts(out, "null");
		return;
	}
	/* 17 significant digits always read back; try fewer first. */
	for (prec = 15;; prec++) {
		n = snprintf(text, sizeof(text), "%.*g", prec, d);
		if (prec == 17 || strtod(text, NULL) == d)
			break;
	}
	buf_add(out, text, (size_t)n);
	if (!strpbrk(text, ".e"))
		buf_puts(out, ".0");
}

/* s as a JSON string; "?" for the non-ASCII bytes of invalid UTF-8. */
static void add_string(struct buf *out, const char *s)
{
	json_t *j = json_string(s);
	char *copy = NULL;
	size_t n;

	if (!j) {
		copy = xstrdup(s);
		for (n = 0; copy[n]; n++)
			if ((unsigned char)copy[n] >= 0x80)
				copy[n] = '?';
		j = json_string(copy);
	}
	n = json_dumpb(j, NULL, 0, JSON_ENCODE_ANY);
	buf_grow(out, n);
	json_dumpb(j, out->ptr + out->len, n, JSON_ENCODE_ANY);
	buf_setlen(out, out->len + n);
	json_decref(j);
	free(copy);
}

static void add_json(struct buf *out, const json_t *j)
{
	size_t n = json_dumpb(j, NULL, 0, JSON_ENCODE_ANY | JSON_COMPACT);

	buf_grow(out, n);
	json_dumpb(j, out->ptr + out->len, n, JSON_ENCODE_ANY | JSON_COMPACT);
	buf_setlen(out, out->len + n);
}

/* p's values: [v, ...], or [[v, ...], ...] unless flat or width 1. */
static void add_values(struct buf *out, const struct serve_predictions *p,
		       int flat)
{
	int nested = !flat && p->width != 1;
	size_t i, j;

	buf_addch(out, '[');
	for (i = 0; i < p->rows; i++) {
		if (i)
			buf_addch(out, ',');
		if (nested)
			buf_addch(out, '[');
		for (j = 0; j < p->width; j++) {
			if (j)
				buf_addch(out, ',');
			add_number(out, p->values[i * p->width + j]);
		}
		if (nested)
			buf_addch(out, ']');
	}
	buf_addch(out, ']');
}

void serve_encode_mlflow(struct buf *out, const struct serve_predictions *p)
{
	buf_puts(out, "{\"predictions\":");
	if (p->json)
		add_json(out, p->json);
	else
		add_values(out, p, 0);
	buf_addch(out, '}');
}

void serve_encode_v2(struct buf *out, const char *model, const char *version,
		     const char *id, const char *output_name,
		     const struct serve_predictions *p)
{
	buf_puts(out, "{\"model_name\":");
	add_string(out, model ? model : "");
	if (version) {
		buf_puts(out, ",\"model_version\":");
		add_string(out, version);
	}
	if (id) {
		buf_puts(out, ",\"id\":");
		add_string(out, id);
	}
	buf_puts(out, ",\"outputs\":[{\"name\":");
	add_string(out, output_name ? output_name : "predict");
	if (p->json) {
		buf_printf(out, ",\"shape\":[%zu],\"datatype\":\"BYTES\","
			   "\"data\":", json_array_size(p->json));
		add_json(out, p->json);
	} else {
		buf_printf(out, ",\"shape\":[%zu,%zu],\"datatype\":\"FP64\","
			   "\"data\":", p->rows, p->width);
		add_values(out, p, 1);
	}
	buf_puts(out, "}]}");
}

void serve_encode_error(struct buf *out, const struct serve_error *err,
			int v2)
{
	if (v2) {
		buf_puts(out, "{\"error\":");
		add_string(out, err->message);
		buf_addch(out, '}');
		return;
	}
	buf_puts(out, "{\"error_code\":");
	add_string(out, err->code ? err->code : "INTERNAL_ERROR");
	buf_puts(out, ",\"message\":");
	add_string(out, err->message);
	buf_addch(out, '}');
}
