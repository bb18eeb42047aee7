/*
 * decode_int.h: what the request decoders share (decode.c for MLflow's
 * JSON, decode_csv.c for text/csv, decode_v2.c for the Open Inference
 * Protocol): the one way a value becomes a number, how a batch's matrix
 * is sized, and how errors name a value. Private to src/serve/decode*.c.
 *
 * Sizing rule: a batch holds at most one value per byte of the body it
 * came from (a value takes at least one byte and a separator in every
 * format), so memory follows the body's size whatever the body claims.
 */
#ifndef CAIRN_SERVE_DECODE_INT_H
#define CAIRN_SERVE_DECODE_INT_H

#include <stddef.h>

#include <jansson.h>

#include "serve/batch.h"

/* A client's mistake: 400 BAD_REQUEST. Returns -1. */
#define DECODE_BAD(err, ...) \
	serve_error_set((err), 400, "BAD_REQUEST", __VA_ARGS__)

/*
 * Size b for rows x cols values (left uninitialised) after checking the
 * batch is not empty and fits the sizing rule for a body of len bytes.
 * what prefixes the messages ("instances", "text/csv"). 0 or -1.
 */
int decode_alloc(struct serve_batch *b, size_t rows, size_t cols, size_t len,
		 const char *what, struct serve_error *err);

/* Whether rows x cols values fit the sizing rule (no overflow). */
int decode_fits(size_t rows, size_t cols, size_t len);

/*
 * A number written as text: what strtod() takes whole in the C locale
 * ("1.5", "-2e3", "nan", "inf"), not empty, no leading space, not
 * hexadecimal. s[len] must be '\0'. 0 with *out set, or -1.
 */
int decode_number(const char *s, size_t len, double *out);

/*
 * A JSON value as a number: a number; null is NaN (missing); true and
 * false are 1 and 0; a string that decode_number() takes. 0 or -1.
 */
int decode_json_number(const json_t *v, double *out);

/* Text for a message, quoted and cut to a few dozen bytes: "\"abc\"". */
void decode_quote(char *dst, size_t n, const char *s, size_t len);

/* A short description of v for a message: "\"abc\"", "an object". */
void decode_describe(char *dst, size_t n, const json_t *v);

/* Column col of b for a message: "'f1'" when named, else "2". */
void decode_column_label(char *dst, size_t n, const struct serve_batch *b,
			 size_t col);

/*
 * The 400 for a value that is not a number, naming row and column; got
 * describes the value (decode_quote(), decode_describe()).
 */
int decode_not_a_number(struct serve_error *err, const char *what,
			const struct serve_batch *b, size_t row, size_t col,
			const char *got);

/*
 * Column names must be distinct and valid UTF-8 (they are echoed in JSON
 * answers): 0, or -1 with a 400 naming the first offender.
 */
int decode_check_columns(const struct serve_batch *b, const char *what,
			 struct serve_error *err);

int decode_csv(struct serve_batch *out, const char *body, size_t len,
	       struct serve_error *err);

#endif
