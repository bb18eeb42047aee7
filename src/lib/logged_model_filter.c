/*
 * logged_model_filter.c: filters and orders of logged-model searches,
 * evaluated in memory over the models of the experiments searched (an
 * experiment holds few models; logged_model.c loads them).
 *
 * Grammar (MLflow's search_logged_models subset), clauses joined by AND
 * (case-insensitive):
 *   identifier := [attributes "."] attribute | params "." key | tags "." key
 *   key        := word | `quoted` | "quoted"
 *   clause     := identifier op value
 *   value      := 'string' | "string" | number
 * String attributes (name, model_id, model_type, source_run_id), params
 * and tags take = != LIKE ILIKE with a quoted string (LIKE is
 * case-sensitive with % and _, ILIKE is not); status takes = and != with
 * a status name (LOGGED_MODEL_READY or READY, ...); creation_timestamp
 * (also creation_time, creation_timestamp_ms) and last_updated_timestamp
 * (also _ms) take = != < <= > >= with a number, and so do metrics.<key>:
 * a model matches when any point of that metric linked to it does. A
 * model without the param, tag, metric or attribute never matches a
 * clause on it. Orders take attributes and metrics.<key> (the latest
 * point, by time then step); models without it come last.
 *
 * Not supported, and refused (never ignored): OR, IN and NOT IN.
 */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/logged_model_filter.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/banned.h"

enum lm_kind { LM_STRING, LM_NUMBER, LM_STATUS, LM_PARAM, LM_TAG, LM_METRIC };

enum lm_field {
	F_NAME, F_MODEL_ID, F_MODEL_TYPE, F_SOURCE_RUN, F_STATUS, F_CREATED,
	F_UPDATED, F_NONE
};

struct lm_clause {
	enum lm_kind kind;
	enum lm_field field;
	char *key;       /* params and tags */
	char op[6];
	char *str;
	double num;
	cairn_logged_model_status status;
};

static const struct {
	const char *name;
	enum lm_field field;
} fields[] = {
	{ "name", F_NAME }, { "model_id", F_MODEL_ID },
	{ "model_type", F_MODEL_TYPE }, { "source_run_id", F_SOURCE_RUN },
	{ "status", F_STATUS }, { "creation_timestamp", F_CREATED },
	{ "creation_timestamp_ms", F_CREATED }, { "creation_time", F_CREATED },
	{ "last_updated_timestamp", F_UPDATED },
	{ "last_updated_timestamp_ms", F_UPDATED },
};
#define NFIELDS (sizeof(fields) / sizeof(fields[0]))

static enum lm_field find_field(const char *name)
{
	size_t i;

	for (i = 0; i < NFIELDS; i++)
		if (!strcmp(fields[i].name, name))
			return fields[i].field;
	return F_NONE;
}

#define invalid(...) cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID, \
					 __VA_ARGS__)

/* ------------------------------------------------------------- parsing */

struct lexer {
	const char *p;
};

static void skip_space(struct lexer *lx)
{
	while (isspace((unsigned char)*lx->p))
		lx->p++;
}

static int is_word(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

/* A quoted run ending in q; '' (doubled) stands for one quote. */
static int read_quoted(struct buf *out, struct lexer *lx, char q)
{
	const char *p = lx->p + 1;

	for (;;) {
		if (!*p)
			return invalid("Unterminated quoted string in the filter: %s",
				       lx->p);
		if (*p == q && p[1] == q) {
			buf_addch(out, q);
			p += 2;
			continue;
		}
		if (*p == q)
			break;
		buf_addch(out, *p++);
	}
	lx->p = p + 1;
	return 0;
}

/* A word: letters, digits, '_'. */
static int read_word(struct buf *out, struct lexer *lx)
{
	const char *s = lx->p;

	while (is_word(*lx->p))
		lx->p++;
	buf_add(out, s, (size_t)(lx->p - s));
	return lx->p > s ? 0 : -1;
}

/* A key after "params." or "tags.": quoted, or up to a space or operator. */
static int read_key(struct buf *out, struct lexer *lx)
{
	const char *s = lx->p;

	if (*s == '`' || *s == '"') {
		int err = read_quoted(out, lx, *s);

		if (!err && !out->len)
			err = invalid("%s", "Invalid filter: an empty quoted key");
		return err;
	}
	while (*lx->p && !isspace((unsigned char)*lx->p) &&
	       !strchr("=!<>'\"", *lx->p))
		lx->p++;
	if (lx->p == s)
		return invalid("Missing key after '%s' in the filter", s);
	buf_add(out, s, (size_t)(lx->p - s));
	return 0;
}

static int keyword(struct lexer *lx, const char *word)
{
	size_t n = strlen(word);

	if (strncasecmp(lx->p, word, n) || is_word(lx->p[n]))
		return 0;
	lx->p += n;
	return 1;
}

static int read_op(char op[6], struct lexer *lx)
{
	static const char *const symbols[] = { "!=", "<=", ">=", "=", "<", ">" };
	size_t i;

	for (i = 0; i < sizeof(symbols) / sizeof(*symbols); i++) {
		size_t n = strlen(symbols[i]);

		if (!strncmp(lx->p, symbols[i], n)) {
			memcpy(op, symbols[i], n + 1);
			lx->p += n;
			return 0;
		}
	}
	if (keyword(lx, "LIKE")) {
		memcpy(op, "LIKE", 5);
		return 0;
	}
	if (keyword(lx, "ILIKE")) {
		memcpy(op, "ILIKE", 6);
		return 0;
	}
	if (keyword(lx, "IN") || keyword(lx, "NOT"))
		return invalid("%s", "IN and NOT IN are not supported in logged model "
			       "filters");
	return invalid("Invalid comparison operator in the filter at '%s'", lx->p);
}

static int string_op(const char *op)
{
	return !strcmp(op, "=") || !strcmp(op, "!=") || !strcmp(op, "LIKE") ||
	       !strcmp(op, "ILIKE");
}

static int read_identifier(struct lm_clause *c, struct lexer *lx)
{
	struct buf entity = BUF_INIT, key = BUF_INIT;
	int err = 0;

	if (read_word(&entity, lx) < 0) {
		err = invalid("Invalid identifier in the filter at '%s'", lx->p);
		goto done;
	}
	if (*lx->p == '.') {
		const char *ent = buf_cstr(&entity);

		lx->p++;
		if ((err = read_key(&key, lx)) < 0)
			goto done;
		if (!strcmp(ent, "params") || !strcmp(ent, "param")) {
			c->kind = LM_PARAM;
		} else if (!strcmp(ent, "tags") || !strcmp(ent, "tag")) {
			c->kind = LM_TAG;
		} else if (!strcmp(ent, "metrics") || !strcmp(ent, "metric")) {
			c->kind = LM_METRIC;
		} else if (!strcmp(ent, "attributes") || !strcmp(ent, "attribute")) {
			buf_reset(&entity);
			buf_puts(&entity, key.ptr);
			goto attribute;
		} else {
			err = invalid("Invalid entity type '%s' in the filter: expected "
				      "attributes, params, tags or metrics", ent);
			goto done;
		}
		c->key = buf_detach(&key, NULL);
		goto done;
	}
attribute:
	c->field = find_field(buf_cstr(&entity));
	if (c->field == F_NONE) {
		err = invalid("Invalid attribute key '%s' specified. Valid keys are "
			      "name, model_id, model_type, source_run_id, status, "
			      "creation_timestamp, last_updated_timestamp",
			      buf_cstr(&entity));
		goto done;
	}
	c->kind = c->field == F_STATUS ? LM_STATUS
		: c->field == F_CREATED || c->field == F_UPDATED ? LM_NUMBER
		: LM_STRING;
done:
	buf_release(&entity);
	buf_release(&key);
	return err;
}

static int read_value(struct lm_clause *c, struct lexer *lx)
{
	struct buf v = BUF_INIT;
	int err = 0;

	if (*lx->p == '\'' || *lx->p == '"') {
		if ((err = read_quoted(&v, lx, *lx->p)) < 0)
			goto done;
		if (c->kind == LM_NUMBER || c->kind == LM_METRIC) {
			err = invalid("Expected a number in the filter, got '%s'",
				      buf_cstr(&v));
			goto done;
		}
		if (c->kind == LM_STATUS) {
			if (strcmp(c->op, "=") && strcmp(c->op, "!="))
				err = invalid("status only takes = and !=, not %s", c->op);
			else if (cairn_logged_model_status_parse(&c->status,
								 buf_cstr(&v)) < 0)
				err = invalid("Invalid logged model status '%s'", buf_cstr(&v));
			goto done;
		}
		if (!string_op(c->op)) {
			err = invalid("Invalid comparator '%s' for a string: expected =, "
				      "!=, LIKE or ILIKE", c->op);
			goto done;
		}
		c->str = buf_detach(&v, NULL);
		goto done;
	}
	if (c->kind != LM_NUMBER && c->kind != LM_METRIC) {
		err = invalid("Expected a quoted string value in the filter at '%s'",
			      lx->p);
		goto done;
	}
	if (!strcmp(c->op, "LIKE") || !strcmp(c->op, "ILIKE")) {
		err = invalid("Invalid comparator '%s' for a number", c->op);
		goto done;
	}
	{
		const char *s = lx->p;
		char *end;

		if (*s == '-' || *s == '+')
			s++;
		if (!isdigit((unsigned char)*s)) {
			err = invalid("Expected a number in the filter at '%s'", lx->p);
			goto done;
		}
		c->num = strtod(lx->p, &end);
		lx->p = end;
		if (!isfinite(c->num) || is_word(*lx->p) || *lx->p == '.')
			err = invalid("Invalid number in the filter at '%s'", lx->p);
	}
done:
	buf_release(&v);
	return err;
}

static void clause_release(struct lm_clause *c)
{
	free(c->key);
	free(c->str);
}

int lm_filter_parse(struct lm_filter *out, const char *filter)
{
	struct lexer lx = { filter ? filter : "" };
	size_t alloc = 0;
	int err = 0;

	memset(out, 0, sizeof(*out));
	skip_space(&lx);
	while (*lx.p) {
		struct lm_clause c;

		memset(&c, 0, sizeof(c));
		if ((err = read_identifier(&c, &lx)) < 0)
			goto fail;
		skip_space(&lx);
		if ((err = read_op(c.op, &lx)) < 0)
			goto fail;
		skip_space(&lx);
		if ((err = read_value(&c, &lx)) < 0)
			goto fail;
		ALLOC_GROW(out->clauses, out->n + 1, alloc);
		out->clauses[out->n++] = c;
		skip_space(&lx);
		if (!*lx.p)
			break;
		if (keyword(&lx, "OR")) {
			err = invalid("%s", "OR is not supported in logged model filters: "
				      "clauses may only be joined by AND");
			goto fail_done;
		}
		if (!keyword(&lx, "AND")) {
			err = invalid("Invalid filter: expected AND at '%s'", lx.p);
			goto fail_done;
		}
		skip_space(&lx);
		if (!*lx.p) {
			err = invalid("%s", "Invalid filter: nothing after AND");
			goto fail_done;
		}
		continue;
fail:
		clause_release(&c);
		goto fail_done;
	}
	return 0;
fail_done:
	lm_filter_release(out);
	return err;
}

void lm_filter_release(struct lm_filter *f)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		clause_release(&f->clauses[i]);
	free(f->clauses);
	memset(f, 0, sizeof(*f));
}

/* ------------------------------------------------------------ matching */

/* SQL LIKE: % any run, _ any one character. */
static int like(const char *p, const char *s, int icase)
{
	for (; *p; p++, s++) {
		if (*p == '%') {
			while (p[1] == '%')
				p++;
			if (!p[1])
				return 1;
			for (; *s; s++)
				if (like(p + 1, s, icase))
					return 1;
			return 0;
		}
		if (!*s)
			return 0;
		if (*p != '_' && (icase ? tolower((unsigned char)*p) !=
					  tolower((unsigned char)*s)
				       : *p != *s))
			return 0;
	}
	return !*s;
}

static int string_match(const struct lm_clause *c, const char *v)
{
	if (!v)
		return 0;
	if (!strcmp(c->op, "="))
		return !strcmp(v, c->str);
	if (!strcmp(c->op, "!="))
		return strcmp(v, c->str) != 0;
	return like(c->str, v, !strcmp(c->op, "ILIKE"));
}

static int number_match(const struct lm_clause *c, double v)
{
	if (!strcmp(c->op, "="))
		return v == c->num;
	if (!strcmp(c->op, "!="))
		return v != c->num;
	if (!strcmp(c->op, "<"))
		return v < c->num;
	if (!strcmp(c->op, "<="))
		return v <= c->num;
	if (!strcmp(c->op, ">"))
		return v > c->num;
	return v >= c->num;
}

static const char *kv_find(const cairn_kv *kv, size_t n, const char *key)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(kv[i].key, key))
			return kv[i].value;
	return NULL;
}

static int metric_match(const struct lm_clause *c, const cairn_logged_model *m)
{
	size_t i;

	for (i = 0; i < m->nmetrics; i++) {
		double v = m->metrics[i].metric.value;

		if (!strcmp(m->metrics[i].metric.key, c->key) && !isnan(v) &&
		    number_match(c, v))
			return 1;
	}
	return 0;
}

static const char *string_field(const cairn_logged_model *m, enum lm_field f)
{
	switch (f) {
	case F_NAME:
		return m->name;
	case F_MODEL_ID:
		return m->model_id;
	case F_MODEL_TYPE:
		return m->model_type;
	case F_SOURCE_RUN:
		return m->source_run_id;
	default:
		return NULL;
	}
}

static int clause_match(const struct lm_clause *c, const cairn_logged_model *m)
{
	switch (c->kind) {
	case LM_STRING:
		return string_match(c, string_field(m, c->field));
	case LM_NUMBER:
		return number_match(c, (double)(c->field == F_CREATED
						? m->creation_time
						: m->last_update_time));
	case LM_STATUS:
		return !strcmp(c->op, "=") ? m->status == c->status
					   : m->status != c->status;
	case LM_PARAM:
		return string_match(c, kv_find(m->params, m->nparams, c->key));
	case LM_TAG:
		return string_match(c, kv_find(m->tags, m->ntags, c->key));
	case LM_METRIC:
		return metric_match(c, m);
	}
	return 0;
}

int lm_filter_match(const struct lm_filter *f, const cairn_logged_model *m)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		if (!clause_match(&f->clauses[i], m))
			return 0;
	return 1;
}

/* ------------------------------------------------------------- ordering */

int lm_order_check(const cairn_logged_model_order *o)
{
	const char *dot;

	if (!o->field || !*o->field)
		return invalid("%s", "Missing value for required parameter "
			       "'order_by.field_name'");
	if ((dot = strchr(o->field, '.'))) {
		if (!strncmp(o->field, "metrics.", 8) && o->field[8])
			return 0;
		return invalid("Invalid order by field name: %s. Only metrics are "
			       "supported.", o->field);
	}
	if (find_field(o->field) == F_NONE)
		return invalid("Invalid order by field name: %s", o->field);
	return 0;
}

static int compare_field(enum lm_field f, const cairn_logged_model *a,
			 const cairn_logged_model *b)
{
	const char *x, *y;

	switch (f) {
	case F_CREATED:
		return (a->creation_time > b->creation_time) -
		       (a->creation_time < b->creation_time);
	case F_UPDATED:
		return (a->last_update_time > b->last_update_time) -
		       (a->last_update_time < b->last_update_time);
	case F_STATUS:
		return (a->status > b->status) - (a->status < b->status);
	default:
		x = string_field(a, f);
		y = string_field(b, f);
		return strcmp(x ? x : "", y ? y : "");
	}
}

/* A model without the field sorts last, whichever the direction. */
static int missing(enum lm_field f, const cairn_logged_model *m)
{
	return (f == F_MODEL_TYPE || f == F_SOURCE_RUN) && !string_field(m, f);
}

/* The latest point of metric key (by time, then step), or NULL. */
static const cairn_metric *latest(const cairn_logged_model *m, const char *key)
{
	const cairn_metric *best = NULL;
	size_t i;

	for (i = 0; i < m->nmetrics; i++) {
		const cairn_metric *x = &m->metrics[i].metric;

		if (strcmp(x->key, key))
			continue;
		if (!best || x->timestamp > best->timestamp ||
		    (x->timestamp == best->timestamp && x->step > best->step))
			best = x;
	}
	return best;
}

/* By the latest value of a metric; without it (or NaN) last. */
static int compare_metric(const char *key, int ascending,
			  const cairn_logged_model *a, const cairn_logged_model *b)
{
	const cairn_metric *x = latest(a, key), *y = latest(b, key);
	int mx = !x || isnan(x->value), my = !y || isnan(y->value), c;

	if (mx || my)
		return mx - my;
	c = (x->value > y->value) - (x->value < y->value);
	return ascending ? c : -c;
}

int lm_order_compare(const cairn_logged_model_order *orders, size_t n,
		     const cairn_logged_model *a, const cairn_logged_model *b)
{
	size_t i;
	int c;

	for (i = 0; i < n; i++) {
		enum lm_field f = find_field(orders[i].field);

		if (!strncmp(orders[i].field, "metrics.", 8)) {
			if ((c = compare_metric(orders[i].field + 8,
						orders[i].ascending, a, b)) != 0)
				return c;
			continue;
		}

		if ((c = missing(f, a) - missing(f, b)) != 0)
			return c;
		if ((c = compare_field(f, a, b)) != 0)
			return orders[i].ascending ? c : -c;
	}
	if ((c = compare_field(F_CREATED, b, a)) != 0)
		return c;
	return strcmp(a->model_id, b->model_id);
}
