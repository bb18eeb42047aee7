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
 * escapes them; in text that is not valid UTF-8 (a message quoting a
 * client's bytes, or cut in the middle of a character) each byte that is
 * not part of a valid character becomes '?', so the body is always valid
 * JSON and the rest of the text is kept.
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

/*
 * The length of the UTF-8 character at s (1 to 4), or 0 when the bytes
 * there are not one (a stray continuation byte, an overlong form, a
 * surrogate, beyond U+10FFFF, or cut short by the end of the string).
 */
static size_t utf8_char(const unsigned char *s)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

/* s as a JSON string; a byte that is not part of valid UTF-8 is '?'. */
static void add_string(struct buf *out, const char *s)
{
	json_t *j = json_string(s);
	struct buf clean = BUF_INIT;
	size_t n;

	if (!j) {
		const unsigned char *p = (const unsigned char *)s;

		while (*p) {
			n = utf8_char(p);
			if (n) {
				buf_add(&clean, p, n);
				p += n;
			} else {
				buf_addch(&clean, '?');
				p++;
			}
		}
		j = json_string(buf_cstr(&clean));
	}
	n = json_dumpb(j, NULL, 0, JSON_ENCODE_ANY);
	buf_grow(out, n);
	json_dumpb(j, out->ptr + out->len, n, JSON_ENCODE_ANY);
	buf_setlen(out, out->len + n);
	json_decref(j);
	buf_release(&clean);
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
