/*
 * registry_filter.c: compiling registry search filters and orders to SQL
 * (registry_filter.h), and the page tokens of registry searches.
 *
 * A hand-written scanner reads the filter left to right: a comparison,
 * then AND and another, until the end. Each comparison appends one
 * parenthesized SQL condition and its bound values; unknown identifiers,
 * comparators a field does not take, and values of the wrong kind are
 * refused with the field named. LIKE is case-sensitive (the connection
 * sets case_sensitive_like); ILIKE compares lower() of both sides.
 */
#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/registry_filter.h"
#include "util/alloc.h"
#include "util/base64.h"
#include "util/error.h"
#include "util/banned.h"

enum op { OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE, OP_LIKE, OP_ILIKE, OP_IN };
static const char *const op_sql[] = { "=", "!=", "<", "<=", ">", ">=", "LIKE",
				      "LIKE", "IN" };
static const char *const op_text[] = { "=", "!=", "<", "<=", ">", ">=", "LIKE",
				       "ILIKE", "IN" };

static int bad(const char *fmt, ...) CAIRN_PRINTF(1, 2);
static int bad(const char *fmt, ...)
{
	struct buf msg = BUF_INIT;
	va_list ap;
	int err;

	va_start(ap, fmt);
	buf_vprintf(&msg, fmt, ap);
	va_end(ap);
	err = cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID, "%s",
			       buf_cstr(&msg));
	buf_release(&msg);
	return err;
}

static void add_value(struct reg_query *q, enum sql_value_type type,
		      const char *text, int64_t i, double d)
{
	struct sql_value *v;

	ALLOC_GROW(q->values, q->nvalues + 1, q->alloc);
	v = &q->values[q->nvalues++];
	memset(v, 0, sizeof(*v));
	v->type = type;
	v->text = text ? xstrdup(text) : NULL;
	v->i = i;
	v->d = d;
}

void reg_query_release(struct reg_query *q)
{
	size_t i;

	for (i = 0; i < q->nvalues; i++)
		free(q->values[i].text);
	free(q->values);
	buf_release(&q->where);
	buf_release(&q->order);
	memset(q, 0, sizeof(*q));
}

/* ------------------------------------------------------------ scanning */

static void skip_space(const char **p)
{
	while (**p && isspace((unsigned char)**p))
		(*p)++;
}

static int word_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

/* A quoted string: 'x' or "x" (a doubled quote stands for one) or `x`. */
static int read_quoted(struct buf *out, const char **p)
{
	char q = **p;
	const char *s = *p + 1;

	buf_reset(out);
	for (;;) {
		if (!*s)
			return -1;
		if (*s == q) {
			if (s[1] == q && q != '`') {
				buf_addch(out, q);
				s += 2;
				continue;
			}
			break;
		}
		buf_addch(out, *s++);
	}
	*p = s + 1;
	return 0;
}

/* prefix.key or key; *prefix is "" without one. */
static int read_identifier(struct buf *prefix, struct buf *key, const char **p,
			   const char *filter)
{
	const char *s = *p;

	buf_reset(prefix);
	buf_reset(key);
	if (*s == '`' || *s == '"') {
		if (read_quoted(key, &s) < 0)
			return bad("Invalid filter '%s': unterminated quote", filter);
		*p = s;
		return 0;
	}
	while (word_char(*s))
		buf_addch(key, *s++);
	if (!key->len)
		return bad("Invalid filter '%s': expected an identifier", filter);
	if (*s == '.') {
		buf_add(prefix, key->ptr, key->len);
		buf_reset(key);
		s++;
		if (*s == '`' || *s == '"') {
			if (read_quoted(key, &s) < 0)
				return bad("Invalid filter '%s': unterminated quote",
					   filter);
		} else {
			while (*s && !isspace((unsigned char)*s) && !strchr("=!<>", *s))
				buf_addch(key, *s++);
		}
		if (!key->len)
			return bad("Invalid filter '%s': expected a key after '.'",
				   filter);
	}
	*p = s;
	return 0;
}

static int read_op(enum op *out, const char **p)
{
	static const struct { const char *text; enum op op; int word; } ops[] = {
		{ "!=", OP_NE, 0 }, { "<=", OP_LE, 0 }, { ">=", OP_GE, 0 },
		{ "=", OP_EQ, 0 }, { "<", OP_LT, 0 }, { ">", OP_GT, 0 },
		{ "ILIKE", OP_ILIKE, 1 }, { "LIKE", OP_LIKE, 1 }, { "IN", OP_IN, 1 },
	};
	size_t i;

	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		size_t n = strlen(ops[i].text);

		if (!strncasecmp(*p, ops[i].text, n) &&
		    (!ops[i].word || !word_char((*p)[n]))) {
			*out = ops[i].op;
			*p += n;
			return 0;
		}
	}
	return -1;
}

struct value {
	int is_string, is_list;
	struct buf text;     /* string, or the number's text */
	char **items;        /* a list's strings */
	size_t nitems, alloc;
};

static void value_release(struct value *v)
{
	size_t i;

	for (i = 0; i < v->nitems; i++)
		free(v->items[i]);
	free(v->items);
	buf_release(&v->text);
	memset(v, 0, sizeof(*v));
}

static int read_value(struct value *v, const char **p, const char *filter)
{
	const char *s = *p;

	if (*s == '\'' || *s == '"') {
		if (read_quoted(&v->text, &s) < 0)
			return bad("Invalid filter '%s': unterminated string", filter);
		v->is_string = 1;
	} else if (*s == '(') {
		v->is_list = 1;
		s++;
		for (;;) {
			skip_space(&s);
			if (*s != '\'' && *s != '"')
				return bad("Invalid filter '%s': a list holds quoted "
					   "strings", filter);
			if (read_quoted(&v->text, &s) < 0)
				return bad("Invalid filter '%s': unterminated string",
					   filter);
			ALLOC_GROW(v->items, v->nitems + 1, v->alloc);
			v->items[v->nitems++] = xstrdup(buf_cstr(&v->text));
			skip_space(&s);
			if (*s == ',') {
				s++;
				continue;
			}
			if (*s++ != ')')
				return bad("Invalid filter '%s': expected ',' or ')' in a "
					   "list", filter);
			break;
		}
		if (v->nitems > RUN_FILTER_MAX_VALUES)
			return bad("Invalid filter '%s': the list is too long", filter);
	} else {
		buf_reset(&v->text);
		while (*s && (isalnum((unsigned char)*s) || strchr(".-+", *s)))
			buf_addch(&v->text, *s++);
		if (!v->text.len)
			return bad("Invalid filter '%s': expected a value", filter);
	}
	*p = s;
	return 0;
}

/* --------------------------------------------------------- compiling */

/* A string comparison of column `col`. */
static int string_cmp(struct reg_query *q, const char *col, enum op op,
		      struct value *v, const char *field)
{
	if (op == OP_IN || v->is_list)
		return bad("Only the 'run_id' attribute supports comparison with a "
			   "list of quoted string values.");
	if (op >= OP_LT && op <= OP_GE)
		return bad("Invalid comparator '%s' not one of '['=', '!=', 'LIKE', "
			   "'ILIKE']' for '%s'", op_text[op], field);
	if (!v->is_string)
		return bad("Expected a quoted string value for %s (got %s)", field,
			   buf_cstr(&v->text));
	if (op == OP_ILIKE)
		buf_printf(&q->where, "lower(%s) LIKE lower(?)", col);
	else
		buf_printf(&q->where, "%s %s ?", col, op_sql[op]);
	add_value(q, SQL_TEXT, buf_cstr(&v->text), 0, 0);
	return 0;
}

static int tag_cmp(struct reg_query *q, enum reg_target t, const char *key,
		   enum op op, struct value *v)
{
	struct buf col = BUF_INIT;
	int err;

	buf_puts(&q->where, t == REG_MODELS
		 ? "EXISTS (SELECT 1 FROM registered_model_tags t "
		   "WHERE t.model = m.id AND t.key = ? AND "
		 : "EXISTS (SELECT 1 FROM model_version_tags t "
		   "WHERE t.version = v.id AND t.key = ? AND ");
	add_value(q, SQL_TEXT, key, 0, 0);
	buf_puts(&col, "t.value");
	err = string_cmp(q, col.ptr, op, v, key);
	buf_addch(&q->where, ')');
	buf_release(&col);
	return err;
}

static int version_cmp(struct reg_query *q, enum op op, struct value *v)
{
	char *end;
	long long n;

	if (op > OP_GE)
		return bad("Invalid comparator '%s' not one of '['=', '!=', '<', '<=', "
			   "'>', '>=']' for '%s'", op_text[op], "version_number");
	errno = 0;
	n = v->is_string || v->is_list ? 0 : strtoll(buf_cstr(&v->text), &end, 10);
	if (v->is_string || v->is_list || *end || errno)
		return bad("Expected a numeric value for %s (got %s)",
			   "version_number", buf_cstr(&v->text));
	buf_printf(&q->where, "v.version %s ?", op_sql[op]);
	add_value(q, SQL_INT, NULL, n, 0);
	return 0;
}

static int compile_clause(struct reg_query *q, enum reg_target t,
			  const char *prefix, const char *key, enum op op,
			  struct value *v)
{
	size_t i;

	if (!strcasecmp(prefix, "tag") || !strcasecmp(prefix, "tags"))
		return tag_cmp(q, t, key, op, v);
	if (*prefix && strcasecmp(prefix, "attribute") &&
	    strcasecmp(prefix, "attributes") && strcasecmp(prefix, "attr"))
		return bad("Invalid entity type '%s'. Valid values are "
			   "['tag', 'attribute']", prefix);
	if (!strcmp(key, "name"))
		return string_cmp(q, "m.name", op, v, key);
	if (t == REG_MODELS)
		return bad("Invalid attribute key '%s' specified. Valid keys are "
			   "'{'name'}'", key);
	if (!strcmp(key, "version_number"))
		return version_cmp(q, op, v);
	if (!strcmp(key, "source_path"))
		return string_cmp(q, "v.source", op, v, key);
	if (strcmp(key, "run_id"))
		return bad("Invalid attribute key '%s' specified. Valid keys are "
			   "'{'name', 'run_id', 'source_path', 'version_number'}'",
			   key);
	if (op != OP_IN)
		return string_cmp(q, "v.run_id", op, v, key);
	if (!v->is_list)
		return bad("Expected a list of quoted strings for %s", key);
	buf_puts(&q->where, "v.run_id IN (");
	for (i = 0; i < v->nitems; i++) {
		buf_puts(&q->where, i ? ", ?" : "?");
		add_value(q, SQL_TEXT, v->items[i], 0, 0);
	}
	buf_addch(&q->where, ')');
	return 0;
}

static int compile_filter(struct reg_query *q, enum reg_target t,
			  const char *filter)
{
	struct buf prefix = BUF_INIT, key = BUF_INIT;
	const char *p = filter;
	int err = 0, first = 1;

	skip_space(&p);
	if (!*p) {
		buf_puts(&q->where, "1");
		return 0;
	}
	while (*p && !err) {
		struct value v = { 0 };
		enum op op;

		if (!first) {
			if (strncasecmp(p, "AND", 3) || word_char(p[3])) {
				err = bad("Invalid filter '%s': expected AND at '%s'",
					  filter, p);
				break;
			}
			p += 3;
			skip_space(&p);
			buf_puts(&q->where, " AND ");
		}
		first = 0;
		if ((err = read_identifier(&prefix, &key, &p, filter)) < 0)
			break;
		skip_space(&p);
		if (read_op(&op, &p) < 0) {
			err = bad("Invalid filter '%s': expected a comparator at '%s'",
				  filter, p);
			break;
		}
		skip_space(&p);
		if ((err = read_value(&v, &p, filter)) == 0) {
			buf_addch(&q->where, '(');
			err = compile_clause(q, t, buf_cstr(&prefix), buf_cstr(&key),
					     op, &v);
			buf_addch(&q->where, ')');
		}
		value_release(&v);
		skip_space(&p);
	}
	buf_release(&prefix);
	buf_release(&key);
	return err;
}

static int compile_order(struct reg_query *q, enum reg_target t,
			 const char *const *order_by, size_t norder)
{
	static const char *const model_keys[][2] = {
		{ "name", "m.name" },
		{ "timestamp", "m.last_updated_time" },
		{ "last_updated_timestamp", "m.last_updated_time" },
	};
	static const char *const version_keys[][2] = {
		{ "name", "m.name" },
		{ "version_number", "v.version" },
		{ "creation_timestamp", "v.creation_time" },
		{ "last_updated_timestamp", "v.last_updated_time" },
	};
	const char *const (*keys)[2] = t == REG_MODELS ? model_keys : version_keys;
	size_t nkeys = t == REG_MODELS ? 3 : 4, i, k;
	int has_name = 0, has_version = 0;

	for (i = 0; i < norder; i++) {
		const char *s = order_by[i], *end;
		size_t n;
		int desc = 0;

		while (isspace((unsigned char)*s))
			s++;
		if (!strncmp(s, "attribute.", 10))
			s += 10;
		for (end = s; *end && !isspace((unsigned char)*end); end++)
			;
		n = (size_t)(end - s);
		for (k = 0; k < nkeys; k++)
			if (strlen(keys[k][0]) == n && !strncmp(keys[k][0], s, n))
				break;
		while (isspace((unsigned char)*end))
			end++;
		if (!strcasecmp(end, "DESC"))
			desc = 1;
		else if (*end && strcasecmp(end, "ASC"))
			k = nkeys;
		if (k == nkeys)
			return bad("Invalid order by key '%s' specified.", order_by[i]);
		if (q->order.len)
			buf_puts(&q->order, ", ");
		buf_printf(&q->order, "%s %s", keys[k][1], desc ? "DESC" : "ASC");
		has_name |= !strcmp(keys[k][1], "m.name");
		has_version |= !strcmp(keys[k][1], "v.version");
	}
	if (!norder && t == REG_VERSIONS)
		buf_puts(&q->order, "v.last_updated_time DESC");
	if (!has_name)
		buf_printf(&q->order, "%sm.name ASC", q->order.len ? ", " : "");
	if (t == REG_VERSIONS && !has_version)
		buf_puts(&q->order, ", v.version DESC");
	return 0;
}

int reg_filter_compile(struct reg_query *out, enum reg_target target,
		       const char *filter, const char *const *order_by,
		       size_t norder)
{
	int err;

	memset(out, 0, sizeof(*out));
	if ((err = compile_filter(out, target, filter ? filter : "")) < 0 ||
	    (err = compile_order(out, target, order_by, norder)) < 0)
		reg_query_release(out);
	return err;
}

/* ------------------------------------------------------------- tokens */

int reg_page_token_parse(size_t *offset, const char *token)
{
	struct buf raw = BUF_INIT;
	json_t *obj = NULL, *v;
	int err = 0;

	*offset = 0;
	if (!token || !*token)
		return 0;
	if (base64_decode(&raw, token, strlen(token)) < 0) {
		err = cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
				       "Invalid page token, could not base64-decode");
		goto done;
	}
	obj = json_loadb(buf_cstr(&raw), raw.len, 0, NULL);
	v = json_object_get(obj, "offset");
	if (json_is_integer(v) && json_integer_value(v) >= 0)
		*offset = (size_t)json_integer_value(v);
	else
		err = cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
				       "Invalid page token, could not read an offset "
				       "from it");
done:
	json_decref(obj);
	buf_release(&raw);
	return err;
}

void reg_page_token(struct buf *out, size_t offset)
{
	struct buf json = BUF_INIT;

	buf_printf(&json, "{\"offset\": %zu}", offset);
	base64_encode(out, json.ptr, json.len);
	buf_release(&json);
}
