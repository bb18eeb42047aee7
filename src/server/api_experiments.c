/*
 * api_experiments.c: MLflow's experiment routes (create, get,
 * get-by-name, search, update, delete, restore, set-experiment-tag,
 * delete-experiment-tag, search-datasets) over libcairn's experiments.
 *
 * Experiment ids on the wire are decimal strings (a JSON number is taken
 * too). libcairn looks experiments up by id *or* name; the handlers never
 * let a name stand for an id (api_find_experiment) nor an id for a name.
 *
 * experiments/search runs in C: experiments are few, so it reads them all
 * with cairn_experiment_foreach(), filters them with MLflow's experiment
 * filter grammar (REST reference 2.2), sorts them and cuts a page at an
 * offset carried in MLflow's page token format. The grammar, as MLflow
 * parses it with sqlparse, is a list of comparisons joined by AND:
 *   identifier := [entity "."] key      entity: attribute | tag | tags
 *   key        := word | `quoted` | "quoted"
 *   comparison := identifier op value   op: = != < <= > >= LIKE ILIKE
 *   value      := 'string' | "string" | number
 * name and tags take = != LIKE ILIKE with a quoted string; creation_time
 * and last_update_time take the numeric comparators with a number. LIKE
 * is case-sensitive with % and _, ILIKE is not.
 *
 * A tag clause matches experiments that have the tag with a value
 * satisfying it (MLflow's rule); experiments without the tag never match.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/api_tracking.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/banned.h"

#define MAX_EXPERIMENT_TAG_VALUE 5000

/* --------------------------------------------------------------- tags */

/* Check a tag {key, value} object; *key and *value point into it. */
static int read_tag(const char **key, const char **value, json_t *tag,
		    size_t max_value, struct api_result *res)
{
	int err;

	if (!json_is_object(tag))
		return api_fail(res, 400, "INVALID_PARAMETER_VALUE",
				"Invalid value for parameter 'tags': each tag must be "
				"an object with a key and a value");
	if (api_get_string(key, tag, "key", 1, res) < 0 ||
	    (err = api_get_string(value, tag, "value", 0, res)) < 0)
		return -1;
	if (err == 1)
		*value = "";
	if ((err = cairn_validate("tag", *key, NULL)) < 0)
		return api_fail_cairn(res, err);
	if (strlen(*value) > max_value)
		return api_fail(res, 400, "INVALID_PARAMETER_VALUE",
				"Tag value '%.100s' had length %zu, which exceeded "
				"length limit of %zu", *value, strlen(*value), max_value);
	return 0;
}

/* ------------------------------------------------------------- create */

/* Percent-decoding until nothing changes, as MLflow's _decode(). */
static void url_decode_fully(struct buf *b, const char *s)
{
	struct buf next = BUF_INIT;
	int round;

	buf_reset(b);
	buf_puts(b, s);
	for (round = 0; round < 10; round++) {
		const char *p = buf_cstr(b);

		buf_reset(&next);
		while (*p) {
			if (p[0] == '%' && isxdigit((unsigned char)p[1]) &&
			    isxdigit((unsigned char)p[2])) {
				char hex[3] = { p[1], p[2], 0 };

				buf_addch(&next, (int)strtol(hex, NULL, 16));
				p += 3;
			} else {
				buf_addch(&next, p[0] == '+' ? ' ' : p[0]);
				p++;
			}
		}
		if (next.len == b->len && !memcmp(next.ptr, b->ptr, b->len))
			break;
		buf_reset(b);
		buf_add(b, buf_cstr(&next), next.len);
	}
	buf_release(&next);
}

/*
 * MLflow's checks of a requested artifact_location. cairn keeps run
 * artifacts in its object store behind the proxy, so the location itself
 * is not used: every experiment's is mlflow-artifacts:/<id>.
 */
static int check_artifact_location(const char *loc, struct api_result *res)
{
	const char *hash = strchr(loc, '#'), *query = strchr(loc, '?');
	const char *semi = strchr(loc, ';');
	struct buf q = BUF_INIT;
	int ret = 0;

	if (!strncmp(loc, "runs:", 5))
		return api_fail(res, 400, "INVALID_PARAMETER_VALUE",
				"Artifact location cannot be a runs:/ URI. Given: '%s'",
				loc);
	if (query && hash && hash < query)
		query = NULL;
	if ((hash && hash[1]) ||
	    (semi && semi[1] && (!query || semi < query) && (!hash || semi < hash)))
		return api_fail(res, 400, "INVALID_PARAMETER_VALUE",
				"'artifact_location' URL can't include fragments or "
				"params.");
	if (query) {
		char *text = hash ? xstrndup(query + 1, (size_t)(hash - query - 1))
				  : xstrdup(query + 1);

		url_decode_fully(&q, text);
		if (strstr(buf_cstr(&q), ".."))
			ret = api_fail(res, 400, "INVALID_PARAMETER_VALUE",
				       "Invalid query string");
		free(text);
	}
	buf_release(&q);
	return ret;
}

int api_experiments_create(cairn_repo *repo, json_t *params,
			   struct api_result *res)
{
	cairn_buf id = CAIRN_BUF_INIT;
	const char *name, *loc, *key, *value;
	json_t *tags = NULL;
	size_t i;
	int err, ret = -1;

	if (api_get_string(&name, params, "name", 1, res) < 0 ||
	    (err = api_get_string(&loc, params, "artifact_location", 0, res)) < 0 ||
	    (!err && check_artifact_location(loc, res) < 0) ||
	    api_get_array(&tags, params, "tags", 0, res) < 0)
		return -1;
	for (i = 0; i < json_array_size(tags); i++)
		if (read_tag(&key, &value, json_array_get(tags, i),
			     MAX_EXPERIMENT_TAG_VALUE, res) < 0)
			return -1;
	if ((err = cairn_experiment_create(&id, repo, name)) < 0)
		return api_fail_cairn(res, err);
	for (i = 0; i < json_array_size(tags); i++) {
		read_tag(&key, &value, json_array_get(tags, i),
			 MAX_EXPERIMENT_TAG_VALUE, res);
		if ((err = cairn_experiment_set_tag(repo, id.ptr, key, value)) < 0) {
			api_fail_cairn(res, err);
			goto done;
		}
	}
	res->body = json_pack("{s:s}", "experiment_id", id.ptr);
	ret = 0;
done:
	cairn_buf_dispose(&id);
	return ret;
}

/* ---------------------------------------------------------------- get */

int api_experiments_get(cairn_repo *repo, json_t *params,
			struct api_result *res)
{
	cairn_experiment *e;
	const char *id;
	char buf[32];

	if (api_get_experiment_id(&id, buf, params, "experiment_id", 1, res) < 0 ||
	    api_find_experiment(&e, repo, id, res) < 0)
		return -1;
	res->body = json_pack("{s:o}", "experiment", api_experiment_json(repo, e));
	cairn_experiment_free(e);
	return 0;
}

struct by_name {
	const char *name;
	json_t *found;
	cairn_repo *repo;
};

static int match_name(const cairn_experiment *e, void *payload)
{
	struct by_name *b = payload;

	if (strcmp(e->name, b->name))
		return 0;
	/* MLflow prefers the active one should a name ever be taken twice. */
	json_decref(b->found);
	b->found = api_experiment_json(b->repo, e);
	return !strcmp(e->lifecycle_stage, "active");
}

int api_experiments_get_by_name(cairn_repo *repo, json_t *params,
				struct api_result *res)
{
	struct by_name b = { NULL, NULL, repo };
	cairn_experiment *e = NULL;
	int err;

	if (api_get_string(&b.name, params, "experiment_name", 1, res) < 0)
		return -1;
	/* The lookup tries ids first: only a name that matches counts. */
	err = cairn_experiment_lookup(&e, repo, b.name);
	if (!err && !strcmp(e->name, b.name)) {
		b.found = api_experiment_json(repo, e);
	} else if (err < 0 && err != CAIRN_ENOTFOUND) {
		return api_fail_cairn(res, err);
	} else if ((err = cairn_experiment_foreach(repo, CAIRN_VIEW_ALL, match_name,
						   &b)) < 0) {
		cairn_experiment_free(e);
		json_decref(b.found);
		return api_fail_cairn(res, err);
	}
	cairn_experiment_free(e);
	if (!b.found)
		return api_fail(res, 404, "RESOURCE_DOES_NOT_EXIST",
				"Could not find experiment with name '%s'", b.name);
	res->body = json_pack("{s:o}", "experiment", b.found);
	return 0;
}

/* ------------------------------------------------------ search: parse */

enum field { F_NAME, F_CREATION_TIME, F_LAST_UPDATE_TIME, F_EXPERIMENT_ID, F_TAG };
enum cmp { C_EQ, C_NE, C_LT, C_LE, C_GT, C_GE, C_LIKE, C_ILIKE };

static const char *const cmp_names[] = { "=", "!=", "<", "<=", ">", ">=",
					 "LIKE", "ILIKE" };
static const char *const field_names[] = { "name", "creation_time",
					   "last_update_time", "experiment_id" };

struct clause {
	enum field field;
	char *tag;   /* F_TAG: the key */
	enum cmp cmp;
	char *str;   /* a string value */
	double num;  /* a numeric value */
};

struct order {
	enum field field;
	int asc;
};

#define BAD(res, ...) api_fail(res, 400, "INVALID_PARAMETER_VALUE", __VA_ARGS__)

static void skip_space(const char **p)
{
	while (**p && isspace((unsigned char)**p))
		(*p)++;
}

static int is_word(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

/*
 * A quoted token at *p (', " or `): its text without the outer quotes,
 * verbatim as MLflow's _strip_quotes leaves it (a doubled or
 * backslash-escaped quote does not end it). -1 if unterminated.
 */
static int read_quoted(struct buf *out, const char **p)
{
	char q = **p;
	const char *s = *p + 1;

	for (;;) {
		if (!*s)
			return -1;
		if (*s == '\\' && s[1]) {
			buf_add(out, s, 2);
			s += 2;
		} else if (*s == q && s[1] == q) {
			buf_add(out, s, 2);
			s += 2;
		} else if (*s == q) {
			*p = s + 1;
			return 0;
		} else {
			buf_addch(out, *s++);
		}
	}
}

/* [entity "."] key; entity is left empty when there is none. */
static int read_identifier(struct buf *entity, struct buf *key, const char **p)
{
	const char *s = *p;

	if (*s == '`' || *s == '"')
		return read_quoted(key, p);
	while (is_word(*s))
		s++;
	if (s == *p)
		return -1;
	if (*s != '.') {
		buf_add(key, *p, (size_t)(s - *p));
		*p = s;
		return 0;
	}
	buf_add(entity, *p, (size_t)(s - *p));
	*p = ++s;
	if (*s == '`' || *s == '"')
		return read_quoted(key, p);
	while (is_word(*s) || *s == '.')
		s++;
	if (s == *p)
		return -1;
	buf_add(key, *p, (size_t)(s - *p));
	*p = s;
	return 0;
}

static int word_is(const char *s, size_t n, const char *w)
{
	return strlen(w) == n && !strncasecmp(s, w, n);
}

/* An operator: its index in cmp_names, or -1 with the token in *bad. */
static int read_cmp(const char **p, struct buf *bad)
{
	static const char *const ops[] = { "!=", "<=", ">=", "<>", "=", "<", ">" };
	static const enum cmp op_cmp[] = { C_NE, C_LE, C_GE, C_NE, C_EQ, C_LT, C_GT };
	const char *s = *p;
	size_t i, n;

	for (i = 0; i < sizeof(ops) / sizeof(*ops); i++) {
		n = strlen(ops[i]);
		if (!strncmp(s, ops[i], n)) {
			*p = s + n;
			return (int)op_cmp[i];
		}
	}
	while (isalpha((unsigned char)*s))
		s++;
	n = (size_t)(s - *p);
	if (word_is(*p, n, "LIKE") || word_is(*p, n, "ILIKE")) {
		i = word_is(*p, n, "LIKE") ? C_LIKE : C_ILIKE;
		*p = s;
		return (int)i;
	}
	if (!n)
		while (*s && !isspace((unsigned char)*s))
			s++;
	buf_add(bad, *p, (size_t)(s - *p));
	return -1;
}

/* Resolve [entity.]key; attribute keys are looked up in the first nkeys. */
static int resolve_field(enum field *out, const struct buf *entity,
			 const struct buf *key, size_t nkeys, const char *valid,
			 struct api_result *res)
{
	size_t i;

	if (entity->len) {
		if (!strcmp(entity->ptr, "tag") || !strcmp(entity->ptr, "tags")) {
			*out = F_TAG;
			return 0;
		}
		if (strcmp(entity->ptr, "attribute"))
			return BAD(res, "Invalid entity type '%s'. Valid entity "
				   "types are ('attribute', 'tag', 'tags')",
				   entity->ptr);
	}
	for (i = 0; i < nkeys; i++) {
		if (!strcmp(buf_cstr(key), field_names[i])) {
			*out = (enum field)i;
			return 0;
		}
	}
	return BAD(res, "Invalid attribute key '%s' specified. Valid keys "
		   "are '%s'", buf_cstr(key), valid);
}

static void clauses_free(struct clause *c, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(c[i].tag);
		free(c[i].str);
	}
	free(c);
}

static int parse_clause(struct clause *c, const char **p, struct api_result *res)
{
	struct buf entity = BUF_INIT, key = BUF_INIT, tok = BUF_INIT;
	const char *s;
	int op, ret = -1, numeric;

	if (read_identifier(&entity, &key, p) < 0) {
		BAD(res, "Invalid filter string '%s'", *p);
		goto done;
	}
	if (resolve_field(&c->field, &entity, &key, 3,
			  "{'name', 'creation_time', 'last_update_time'}", res) < 0)
		goto done;
	if (c->field == F_TAG)
		c->tag = xstrdup(buf_cstr(&key));
	skip_space(p);
	if ((op = read_cmp(p, &tok)) < 0) {
		BAD(res, "Invalid comparator '%s' in filter string",
		    buf_cstr(&tok));
		goto done;
	}
	c->cmp = (enum cmp)op;
	numeric = c->field == F_CREATION_TIME || c->field == F_LAST_UPDATE_TIME;
	if (numeric && c->cmp >= C_LIKE) {
		BAD(res, "Invalid comparator '%s' not one of "
		    "'{'=', '!=', '>', '>=', '<', '<='}'", cmp_names[op]);
		goto done;
	}
	if (!numeric && c->cmp != C_EQ && c->cmp != C_NE && c->cmp < C_LIKE) {
		BAD(res, "Invalid comparator '%s' not one of "
		    "'{'=', '!=', 'LIKE', 'ILIKE'}'", cmp_names[op]);
		goto done;
	}
	skip_space(p);
	s = *p;
	if (*s == '\'' || *s == '"') {
		if (read_quoted(&tok, p) < 0) {
			BAD(res, "Invalid filter string: unterminated string "
			    "'%s'", s);
			goto done;
		}
		if (numeric) {
			BAD(res, "Expected numeric value type for numeric "
			    "attribute: %s. Found %s", field_names[c->field], s);
			goto done;
		}
		c->str = xstrdup(buf_cstr(&tok));
	} else {
		char *end;

		c->num = strtod(s, &end);
		if (end == s || !(*end == '\0' || isspace((unsigned char)*end))) {
			while (*s && !isspace((unsigned char)*s))
				s++;
			buf_add(&tok, *p, (size_t)(s - *p));
			if (numeric)
				BAD(res, "Expected numeric value type for numeric "
				    "attribute: %s. Found %s", field_names[c->field],
				    buf_cstr(&tok));
			else
				BAD(res, "Expected a quoted string value for %s. "
				    "Got value %s", c->field == F_TAG ? "tags" :
				    "attributes", buf_cstr(&tok));
			goto done;
		}
		if (!numeric) {
			BAD(res, "Expected a quoted string value for %s. Got "
			    "value %s", c->field == F_TAG ? "tags" : "attributes", s);
			goto done;
		}
		*p = end;
	}
	ret = 0;
done:
	buf_release(&entity);
	buf_release(&key);
	buf_release(&tok);
	return ret;
}

static int parse_filter(struct clause **out, size_t *count, const char *filter,
			struct api_result *res)
{
	struct clause *c = NULL;
	size_t n = 0, alloc = 0;
	const char *p = filter;

	*out = NULL;
	*count = 0;
	skip_space(&p);
	while (*p) {
		ALLOC_GROW(c, n + 1, alloc);
		memset(&c[n], 0, sizeof(c[n]));
		if (parse_clause(&c[n++], &p, res) < 0)
			goto fail;
		skip_space(&p);
		if (!*p)
			break;
		if (strncasecmp(p, "AND", 3) || !isspace((unsigned char)p[3])) {
			BAD(res, "Invalid clause(s) in filter string: '%s'", p);
			goto fail;
		}
		p += 3;
		skip_space(&p);
		if (!*p) {
			BAD(res, "Invalid filter string '%s': nothing after "
			    "AND", filter);
			goto fail;
		}
	}
	*out = c;
	*count = n;
	return 0;
fail:
	clauses_free(c, n);
	return -1;
}

/* "key [ASC|DESC]" */
static int parse_order(struct order *o, const char *text, struct api_result *res)
{
	struct buf entity = BUF_INIT, key = BUF_INIT;
	const char *p = text;
	int ret = -1;

	skip_space(&p);
	o->asc = 1;
	if (read_identifier(&entity, &key, &p) < 0)
		goto unparsable;
	skip_space(&p);
	if (!strncasecmp(p, "ASC", 3) && !is_word(p[3])) {
		p += 3;
	} else if (!strncasecmp(p, "DESC", 4) && !is_word(p[4])) {
		o->asc = 0;
		p += 4;
	}
	skip_space(&p);
	if (*p)
		goto unparsable;
	if (resolve_field(&o->field, &entity, &key, 4,
			  "{'name', 'experiment_id', 'creation_time', "
			  "'last_update_time'}", res) < 0)
		goto done;
	if (o->field == F_TAG) {
		BAD(res, "Invalid order_by entity: %s", entity.ptr);
		goto done;
	}
	ret = 0;
	goto done;
unparsable:
	BAD(res, "Invalid order_by clause '%s'. Could not be parsed.",
	    text);
done:
	buf_release(&entity);
	buf_release(&key);
	return ret;
}

/* ------------------------------------------------------- search: run */

struct exp_row {
	cairn_experiment e; /* strings owned */
	long long id;
};

struct exp_rows {
	struct exp_row *v;
	size_t n, alloc;
};

static int collect(const cairn_experiment *e, void *payload)
{
	struct exp_rows *rows = payload;
	struct exp_row *r;

	ALLOC_GROW(rows->v, rows->n + 1, rows->alloc);
	r = &rows->v[rows->n++];
	r->e = *e;
	r->e.id = xstrdup(e->id);
	r->e.name = xstrdup(e->name);
	r->e.lifecycle_stage = xstrdup(e->lifecycle_stage);
	r->id = strtoll(e->id, NULL, 10);
	return 0;
}

/* SQL LIKE: % any run, _ one character (UTF-8 aware); icase for ILIKE. */
static int like(const char *s, const char *pat, int icase)
{
	const char *star = NULL, *resume = NULL;

	while (*s) {
		if (*pat == '%') {
			star = ++pat;
			resume = s;
		} else if (*pat == '_') {
			s++;
			while ((*s & 0xC0) == 0x80)
				s++;
			pat++;
		} else if (*pat && (icase ? tolower((unsigned char)*pat) ==
					    tolower((unsigned char)*s)
					  : *pat == *s)) {
			s++;
			pat++;
		} else if (star) {
			pat = star;
			s = ++resume;
		} else {
			return 0;
		}
	}
	while (*pat == '%')
		pat++;
	return !*pat;
}

struct tag_lookup {
	const char *key;
	char *value; /* found value, or NULL */
};

static int find_tag(const char *key, const char *value, void *payload)
{
	struct tag_lookup *t = payload;

	if (strcmp(key, t->key))
		return 0;
	t->value = xstrdup(value);
	return 1;
}

static int matches(cairn_repo *repo, const struct exp_row *r,
		   const struct clause *c, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		double v;
		int ok;

		if (c[i].field == F_TAG) {
			struct tag_lookup t = { c[i].tag, NULL };

			cairn_experiment_tag_foreach(repo, r->e.id, find_tag, &t);
			if (!t.value)
				ok = 0;
			else if (c[i].cmp == C_LIKE || c[i].cmp == C_ILIKE)
				ok = like(t.value, c[i].str, c[i].cmp == C_ILIKE);
			else
				ok = !strcmp(t.value, c[i].str) == (c[i].cmp == C_EQ);
			free(t.value);
		} else if (c[i].field == F_NAME) {
			if (c[i].cmp == C_LIKE || c[i].cmp == C_ILIKE)
				ok = like(r->e.name, c[i].str, c[i].cmp == C_ILIKE);
			else
				ok = !strcmp(r->e.name, c[i].str) ==
				     (c[i].cmp == C_EQ);
		} else {
			v = c[i].field == F_CREATION_TIME ? (double)r->e.creation_time
							  : (double)r->e.last_update_time;
			switch (c[i].cmp) {
			case C_EQ: ok = v == c[i].num; break;
			case C_NE: ok = v != c[i].num; break;
			case C_LT: ok = v < c[i].num; break;
			case C_LE: ok = v <= c[i].num; break;
			case C_GT: ok = v > c[i].num; break;
			default: ok = v >= c[i].num; break;
			}
		}
		if (!ok)
			return 0;
	}
	return 1;
}

static int cmp_rows(const void *pa, const void *pb, void *arg)
{
	const struct exp_row *a = pa, *b = pb;
	const struct order *o = arg;
	int c;

	for (;; o++) {
		switch (o->field) {
		case F_NAME:
			c = strcmp(a->e.name, b->e.name);
			break;
		case F_CREATION_TIME:
			c = (a->e.creation_time > b->e.creation_time) -
			    (a->e.creation_time < b->e.creation_time);
			break;
		case F_LAST_UPDATE_TIME:
			c = (a->e.last_update_time > b->e.last_update_time) -
			    (a->e.last_update_time < b->e.last_update_time);
			break;
		default:
			c = (a->id > b->id) - (a->id < b->id);
			break;
		}
		if (c)
			return o->asc ? c : -c;
		if (o->field == F_EXPERIMENT_ID)
			return 0; /* the tie-breaker always ends the list */
	}
}

/*
 * order_by, with experiment_id ASC appended as MLflow's tie-breaker. Only
 * four fields can be ordered on and a field may come once, so order[]
 * needs at most five slots.
 */
static int read_order(struct order order[5], json_t *list,
		      struct api_result *res)
{
	size_t i, j, n = api_list_size(list);
	struct order o;

	if (!n) {
		order[0].field = F_CREATION_TIME;
		order[0].asc = 0;
		order[1].field = F_EXPERIMENT_ID;
		order[1].asc = 1;
		return 0;
	}
	for (i = 0; i < n; i++) {
		json_t *v = api_list_get(list, i);

		if (!json_is_string(v))
			return BAD(res, "Invalid value for parameter 'order_by': "
				   "each clause must be a string");
		if (parse_order(&o, json_string_value(v), res) < 0)
			return -1;
		for (j = 0; j < i; j++)
			if (order[j].field == o.field)
				return BAD(res, "`order_by` contains duplicate "
					   "fields: '%s'", field_names[o.field]);
		order[i] = o;
	}
	for (j = 0; j < n && order[j].field != F_EXPERIMENT_ID; j++)
		;
	if (j == n) {
		order[n].field = F_EXPERIMENT_ID;
		order[n].asc = 1;
	}
	return 0;
}

int api_experiments_search(cairn_repo *repo, json_t *params,
			   struct api_result *res)
{
	struct exp_rows rows = { NULL, 0, 0 };
	struct clause *clauses = NULL;
	struct order order[5];
	const char *filter = NULL, *token = NULL;
	json_t *order_by = NULL, *list;
	int64_t max = 0;
	size_t nclauses = 0, offset, i, kept, end;
	int err, ret = -1;

	if (api_get_int64(&max, params, "max_results", 0, res) < 0 ||
	    api_get_string(&filter, params, "filter", 0, res) < 0 ||
	    api_get_string(&token, params, "page_token", 0, res) < 0 ||
	    api_get_list(&order_by, params, "order_by", res) < 0)
		return -1;
	if (max <= 0)
		return api_fail(res, 400, "INVALID_PARAMETER_VALUE",
				"Invalid value for max_results. It must be a positive "
				"integer, but got %lld", (long long)max);
	if (max > API_SEARCH_MAX)
		return api_fail(res, 400, "INVALID_PARAMETER_VALUE",
				"Invalid value for max_results. It must be at most %d, "
				"but got %lld", API_SEARCH_MAX, (long long)max);
	if (read_order(order, order_by, res) < 0 ||
	    api_page_token_parse(&offset, token, res) < 0 ||
	    (filter && parse_filter(&clauses, &nclauses, filter, res) < 0))
		return -1;
	if ((err = cairn_experiment_foreach(repo, api_get_view(params, "view_type"),
					    collect, &rows)) < 0) {
		api_fail_cairn(res, err);
		goto done;
	}
	for (i = kept = 0; i < rows.n; i++) {
		if (matches(repo, &rows.v[i], clauses, nclauses)) {
			struct exp_row tmp = rows.v[kept];

			rows.v[kept++] = rows.v[i];
			rows.v[i] = tmp;
		}
	}
	if (kept)
		qsort_r(rows.v, kept, sizeof(*rows.v), cmp_rows, order);
	end = offset < kept && kept - offset > (size_t)max ? offset + (size_t)max
							   : kept;
	res->body = json_object();
	if (offset < end) {
		list = json_array();
		for (i = offset; i < end; i++)
			json_array_append_new(list, api_experiment_json(repo, &rows.v[i].e));
		json_object_set_new(res->body, "experiments", list);
	}
	if (end < kept) {
		char *next = api_page_token(end);

		json_object_set_new(res->body, "next_page_token", json_string(next));
		free(next);
	}
	ret = 0;
done:
	for (i = 0; i < rows.n; i++) {
		free((char *)rows.v[i].e.id);
		free((char *)rows.v[i].e.name);
		free((char *)rows.v[i].e.lifecycle_stage);
	}
	free(rows.v);
	clauses_free(clauses, nclauses);
	return ret;
}

/* ------------------------------------------------------------ changes */

/* The experiment named by experiment_id, which must be in stage (or any). */
static int target(cairn_experiment **e, cairn_repo *repo, json_t *params,
		  const char *stage, struct api_result *res)
{
	const char *id;
	char buf[32];

	*e = NULL;
	if (api_get_experiment_id(&id, buf, params, "experiment_id", 1, res) < 0 ||
	    api_find_experiment(e, repo, id, res) < 0)
		return -1;
	if (stage && strcmp((*e)->lifecycle_stage, stage)) {
		api_fail(res, 404, "RESOURCE_DOES_NOT_EXIST",
			 "No Experiment with id=%s exists", id);
		cairn_experiment_free(*e);
		*e = NULL;
		return -1;
	}
	return 0;
}

int api_experiments_update(cairn_repo *repo, json_t *params,
			   struct api_result *res)
{
	cairn_experiment *e;
	const char *name;
	int err;

	if (api_get_string(&name, params, "new_name", 1, res) < 0 ||
	    target(&e, repo, params, NULL, res) < 0)
		return -1;
	err = cairn_experiment_rename(repo, e->id, name);
	cairn_experiment_free(e);
	return err < 0 ? api_fail_cairn(res, err) : 0;
}

int api_experiments_delete(cairn_repo *repo, json_t *params,
			   struct api_result *res)
{
	cairn_experiment *e;
	int err;

	if (target(&e, repo, params, "active", res) < 0)
		return -1;
	err = cairn_experiment_delete(repo, e->id);
	cairn_experiment_free(e);
	return err < 0 ? api_fail_cairn(res, err) : 0;
}

int api_experiments_restore(cairn_repo *repo, json_t *params,
			    struct api_result *res)
{
	cairn_experiment *e;
	int err;

	if (target(&e, repo, params, "deleted", res) < 0)
		return -1;
	err = cairn_experiment_restore(repo, e->id);
	cairn_experiment_free(e);
	return err < 0 ? api_fail_cairn(res, err) : 0;
}

/* The experiment for a tag change: it must be active. */
static int tag_target(cairn_experiment **e, cairn_repo *repo, json_t *params,
		      struct api_result *res)
{
	if (target(e, repo, params, NULL, res) < 0)
		return -1;
	if (strcmp((*e)->lifecycle_stage, "active")) {
		api_fail(res, 400, "INVALID_PARAMETER_VALUE",
			 "The experiment %s must be in the 'active' state. Current "
			 "state is %s.", (*e)->id, (*e)->lifecycle_stage);
		cairn_experiment_free(*e);
		*e = NULL;
		return -1;
	}
	return 0;
}

int api_experiments_set_tag(cairn_repo *repo, json_t *params,
			    struct api_result *res)
{
	cairn_experiment *e;
	const char *key, *value;
	int err;

	if (read_tag(&key, &value, params, MAX_EXPERIMENT_TAG_VALUE, res) < 0 ||
	    tag_target(&e, repo, params, res) < 0)
		return -1;
	err = cairn_experiment_set_tag(repo, e->id, key, value);
	cairn_experiment_free(e);
	return err < 0 ? api_fail_cairn(res, err) : 0;
}

int api_experiments_delete_tag(cairn_repo *repo, json_t *params,
			       struct api_result *res)
{
	cairn_experiment *e;
	const char *key;

	int err;

	if (api_get_string(&key, params, "key", 1, res) < 0 ||
	    tag_target(&e, repo, params, res) < 0)
		return -1;
	err = cairn_experiment_delete_tag(repo, e->id, key);
	cairn_experiment_free(e);
	return err < 0 ? api_fail_cairn(res, err) : 0;
}

/* ---------------------------------------------------- search-datasets */

#define MAX_DATASET_EXPERIMENTS 20

static int add_summary(const cairn_dataset_summary *s, void *payload)
{
	json_t *o = json_pack("{s:s, s:s, s:s}", "experiment_id", s->experiment_id,
			      "name", s->name, "digest", s->digest);

	if (s->context)
		json_object_set_new(o, "context", json_string(s->context));
	json_array_append_new(payload, o);
	return 0;
}

/*
 * MLflow's search-datasets: the dataset summaries of 1 to 20 experiments
 * (at most 1000, MLflow's limit), ids given as strings or numbers.
 */
int api_experiments_search_datasets(cairn_repo *repo, json_t *params,
				    struct api_result *res)
{
	json_t *exps = NULL, *list;
	const char **ids;
	char (*nums)[32];
	size_t i, n;
	int err;

	if (api_get_list(&exps, params, "experiment_ids", res) < 0)
		return -1;
	n = api_list_size(exps);
	if (!n)
		return api_fail(res, 400, "INVALID_PARAMETER_VALUE",
				"SearchDatasets request must specify at least one "
				"experiment_id.");
	if (n > MAX_DATASET_EXPERIMENTS)
		return api_fail(res, 400, "INVALID_PARAMETER_VALUE",
				"SearchDatasets request cannot specify more than %d "
				"experiment_ids. Received %zu experiment_ids.",
				MAX_DATASET_EXPERIMENTS, n);
	ids = xcalloc(n, sizeof(*ids));
	nums = xcalloc(n, sizeof(*nums));
	for (i = 0; i < n; i++) {
		json_t *v = api_list_get(exps, i);

		if (json_is_integer(v)) {
			snprintf(nums[i], sizeof(nums[i]), "%lld",
				 (long long)json_integer_value(v));
			ids[i] = nums[i];
		} else if (json_is_string(v)) {
			ids[i] = json_string_value(v);
		} else {
			free(ids);
			free(nums);
			return api_fail(res, 400, "INVALID_PARAMETER_VALUE",
					"Invalid value for parameter 'experiment_ids': "
					"each id must be a string");
		}
	}
	list = json_array();
	err = cairn_dataset_summaries(repo, ids, n, 0, add_summary, list);
	free(ids);
	free(nums);
	if (err < 0) {
		json_decref(list);
		return api_fail_cairn(res, err);
	}
	res->body = json_object();
	if (json_array_size(list))
		json_object_set_new(res->body, "dataset_summaries", list);
	else
		json_decref(list);
	return 0;
}
