/*
 * run_filter.c: MLflow run-search filters and order_by lists to SQL
 * (run_filter.h).
 *
 * MLflow parses a filter with the sqlparse library and then looks at the
 * token groups it gets; cairn has its own small lexer that produces the
 * same tokens for the inputs MLflow accepts, and the same "invalid
 * clause" reports for the usual mistakes (OR, NOT, parentheses):
 *
 *	word      [A-Za-z_\x80-\xff][A-Za-z0-9_$\x80-\xff]*, or after a dot
 *	          any run of those characters (metrics.1st)
 *	'...'     '' and \' and \\ stay inside; the value is the raw text
 *	"..."     between the quotes, never unescaped (MLflow's _strip_quotes)
 *	`...`     `` stays inside
 *	number    -?(D+(.D*)?|.D+)([eE][-+]?D+)?, not followed by a word byte
 *	.         a dot joined to the identifier part before and after it
 *	cmp       a run of < > = ~ ! (so '>>' is one, invalid, comparator)
 *	( ) , ;   and any other byte as a token of its own
 *
 * A quote left open closes, as sqlparse's regular expressions do by
 * backtracking, at the last '' or \' inside it, else it is a stray byte.
 * An identifier followed by one more bare word and a comparator is one
 * identifier, as sqlparse reads an alias: `run name = 'x'` compares the
 * attribute "run name", `params.batch size = '32'` the param "batch size".
 *
 * Compiling has MLflow's order of checks, so that a filter with several
 * faults reports the one MLflow reports:
 *   1. the statement: tokens that are neither a comparison nor AND
 *      ("Invalid clause(s) in filter string: 'OR'"), then the AND
 *      structure;
 *   2. each comparison in turn: its identifier (entity type, attribute or
 *      dataset key), then its value's type (numeric, quoted, list);
 *   3. each order_by string: syntax, identifier, duplicates;
 *   4. each comparison's comparator for its entity.
 * Only then is SQL written: every value, key and list element becomes a
 * `?` with a bound value, so the SQL text holds nothing of the user's.
 *
 * IN lists are Python tuples in MLflow (ast.literal_eval): strings in
 * either quote, with Python escapes, adjacent literals concatenated, an
 * optional trailing comma.
 */
#include <errno.h>
#include <locale.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "lib/run_filter.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/hash.h"
#include "util/banned.h"

/* ------------------------------------------------------------ lexer */

enum tok_kind {
	T_WORD,
	T_BACKTICK,
	T_DQUOTE,
	T_SQUOTE,
	T_NUMBER,
	T_DOT,
	T_CMP,
	T_LPAREN,
	T_RPAREN,
	T_COMMA,
	T_SEMI,
	T_OTHER
};

struct tok {
	enum tok_kind kind;
	size_t off, len;
	size_t match; /* T_LPAREN: index of its T_RPAREN; 0 if unmatched */
};

struct lexer {
	const char *s;
	struct tok *t;
	size_t n, alloc;
};

static int is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	       c == '\v';
}

static int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int is_word_start(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
	       c >= 0x80;
}

static int is_word(int c)
{
	return is_word_start(c) || is_digit(c) || c == '$';
}

static size_t word_len(const unsigned char *p)
{
	size_t n = 0;

	while (is_word(p[n]))
		n++;
	return n;
}

/* Length of the number at p, 0 if there is none. */
static size_t number_len(const unsigned char *p)
{
	size_t j = 0, nd = 0, nf = 0, k;

	if (p[j] == '-')
		j++;
	while (is_digit(p[j]))
		j++, nd++;
	if (p[j] == '.') {
		for (k = j + 1; is_digit(p[k]); k++)
			nf++;
		if (nd || nf)
			j = k;
	}
	if (!nd && !nf)
		return 0;
	if (p[j] == 'e' || p[j] == 'E') {
		k = j + 1;
		if (p[k] == '-' || p[k] == '+')
			k++;
		if (is_digit(p[k])) {
			while (is_digit(p[k]))
				k++;
			j = k;
		}
	}
	return is_word(p[j]) ? 0 : j;
}

/*
 * Length of the quoted token at s[i] (quote q), or 0 if it never closes.
 * Doubled quotes stay inside, and with `backslash` so do \q and \\.
 */
static size_t quoted_len(const char *s, size_t i, char q, int backslash)
{
	size_t j = i + 1, fallback = 0;

	for (;;) {
		char c = s[j];

		if (!c)
			return fallback ? fallback - i + 1 : 0;
		if (backslash && c == '\\' && (s[j + 1] == '\\' || s[j + 1] == q)) {
			if (s[j + 1] == q)
				fallback = j + 1;
			j += 2;
		} else if (c == q && s[j + 1] == q) {
			fallback = j;
			j += 2;
		} else if (c == q) {
			return j - i + 1;
		} else {
			j++;
		}
	}
}

static int is_part(enum tok_kind k)
{
	return k == T_WORD || k == T_BACKTICK || k == T_DQUOTE;
}

static void lex(struct lexer *lx, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, *stack, depth = 0, k;

	lx->s = str;
	while (s[i]) {
		const struct tok *prev = lx->n ? &lx->t[lx->n - 1] : NULL;
		int joined = prev && prev->off + prev->len == i;
		enum tok_kind kind;
		size_t len;
		int c = s[i];

		if (is_space(c)) {
			i++;
			continue;
		}
		if (joined && prev->kind == T_DOT && is_word(c)) {
			kind = T_WORD;
			len = word_len(s + i);
		} else if (c == '.' && joined && is_part(prev->kind) &&
			   (is_word(s[i + 1]) || s[i + 1] == '`' ||
			    s[i + 1] == '"')) {
			kind = T_DOT;
			len = 1;
		} else if ((len = number_len(s + i)) != 0) {
			kind = T_NUMBER;
		} else if (is_word_start(c) || is_digit(c)) {
			kind = T_WORD;
			len = word_len(s + i);
		} else if (c == '\'' || c == '"' || c == '`') {
			len = quoted_len(str, i, (char)c, c != '`');
			kind = c == '\'' ? T_SQUOTE
			       : c == '"' ? T_DQUOTE : T_BACKTICK;
			if (!len) {
				kind = T_OTHER;
				len = 1;
			}
		} else if (strchr("<>=~!", c)) {
			kind = T_CMP;
			len = 1;
			while (s[i + len] && strchr("<>=~!", s[i + len]))
				len++;
		} else {
			kind = c == '(' ? T_LPAREN : c == ')' ? T_RPAREN :
			       c == ',' ? T_COMMA : c == ';' ? T_SEMI : T_OTHER;
			len = 1;
		}
		ALLOC_GROW(lx->t, lx->n + 1, lx->alloc);
		lx->t[lx->n].kind = kind;
		lx->t[lx->n].off = i;
		lx->t[lx->n].len = len;
		lx->t[lx->n].match = 0;
		lx->n++;
		i += len;
	}

	/* match the parentheses */
	stack = xmalloc((lx->n + 1) * sizeof(*stack));
	for (k = 0; k < lx->n; k++) {
		if (lx->t[k].kind == T_LPAREN)
			stack[depth++] = k;
		else if (lx->t[k].kind == T_RPAREN && depth)
			lx->t[stack[--depth]].match = k;
	}
	free(stack);
}

static void lexer_release(struct lexer *lx)
{
	free(lx->t);
	memset(lx, 0, sizeof(*lx));
}

static int ascii_ieq(const char *s, size_t len, const char *word)
{
	size_t i;

	for (i = 0; i < len; i++) {
		int a = (unsigned char)s[i], b = (unsigned char)word[i];

		if (!b)
			return 0;
		if (a >= 'a' && a <= 'z')
			a -= 'a' - 'A';
		if (b >= 'a' && b <= 'z')
			b -= 'a' - 'A';
		if (a != b)
			return 0;
	}
	return !word[len];
}

static int word_is(const struct lexer *lx, size_t i, const char *word)
{
	return i < lx->n && lx->t[i].kind == T_WORD &&
	       ascii_ieq(lx->s + lx->t[i].off, lx->t[i].len, word);
}

static int is_keyword(const struct lexer *lx, size_t i)
{
	static const char *const keywords[] = { "AND", "OR", "NOT", "IN", "LIKE",
						 "ILIKE" };
	size_t k;

	for (k = 0; k < sizeof(keywords) / sizeof(keywords[0]); k++)
		if (word_is(lx, i, keywords[k]))
			return 1;
	return 0;
}

/* Text of tokens [first, end). */
static const char *span(const struct lexer *lx, size_t first, size_t end,
			size_t *len)
{
	const struct tok *a = &lx->t[first], *b = &lx->t[end - 1];

	*len = b->off + b->len - a->off;
	return lx->s + a->off;
}

static char *span_dup(const struct lexer *lx, size_t first, size_t end)
{
	size_t len;
	const char *p = span(lx, first, end, &len);

	return xstrndup(p, len);
}

/*
 * An identifier at token i: parts (words, `...`, "...") joined by dots.
 * A keyword starts one only when a dot follows (tags.in is fine, IN is
 * not an identifier).
 */
static int parse_ident(const struct lexer *lx, size_t i, size_t *end)
{
	size_t j;

	if (i >= lx->n || !is_part(lx->t[i].kind))
		return 0;
	if (is_keyword(lx, i) && !(i + 1 < lx->n && lx->t[i + 1].kind == T_DOT))
		return 0;
	j = i + 1;
	while (j + 1 < lx->n && lx->t[j].kind == T_DOT && is_part(lx->t[j + 1].kind))
		j += 2;
	*end = j;
	return 1;
}

/* ------------------------------------------------------------ names */

enum entity { E_METRIC, E_PARAM, E_TAG, E_ATTR, E_DATASET };

struct column {
	const char *name;
	const char *sql;
	int numeric;
};

static const struct column run_columns[] = {
	{ "run_id", "r.run_uuid", 0 },
	{ "run_name", "r.name", 0 },
	{ "user_id", "r.user_id", 0 },
	{ "status", "r.status", 0 },
	{ "artifact_uri",
	  "('mlflow-artifacts:/' || r.experiment_id || '/' || r.run_uuid || "
	  "'/artifacts')", 0 },
	{ "start_time", "r.start_time", 1 },
	{ "end_time", "r.end_time", 1 },
};
#define NCOLUMNS (sizeof(run_columns) / sizeof(run_columns[0]))

static const struct column dataset_columns[] = {
	{ "name", "i.dataset", 0 },
	{ "digest", "i.oid", 0 },
	{ "context", "i.context", 0 },
};

/* The same keys over MLflow dataset records (db_sqlite_datasets.c). */
static const char *record_column(const char *name)
{
	if (!strcmp(name, "name"))
		return "d.name";
	if (!strcmp(name, "digest"))
		return "d.digest";
	return "(SELECT t.value FROM run_dataset_input_tags t WHERE "
	       "t.input = di.id AND t.key = 'mlflow.data.context')";
}

static const struct {
	const char *name, *column;
	int orderable;
} key_aliases[] = {
	{ "created", "start_time", 1 },
	{ "Created", "start_time", 1 },
	{ "run name", "run_name", 0 },
	{ "Run name", "run_name", 0 },
	{ "Run Name", "run_name", 0 },
};

static const struct {
	const char *name;
	enum entity entity;
} entity_names[] = {
	{ "metric", E_METRIC },     { "metrics", E_METRIC },
	{ "parameter", E_PARAM },   { "parameters", E_PARAM },
	{ "param", E_PARAM },       { "params", E_PARAM },
	{ "tag", E_TAG },           { "tags", E_TAG },
	{ "attribute", E_ATTR },    { "attributes", E_ATTR },
	{ "attr", E_ATTR },         { "run", E_ATTR },
	{ "dataset", E_DATASET },   { "datasets", E_DATASET },
};

/* MLflow prints Python sets; any order is theirs, this one is ours. */
#define SEARCH_KEYS                                                          \
	"{'run_id', 'run_name', 'user_id', 'status', 'start_time', "         \
	"'end_time', 'artifact_uri', 'created', 'Created', 'run name', "     \
	"'Run name', 'Run Name'}"
#define ORDER_KEYS                                                           \
	"{'run_id', 'run_name', 'user_id', 'status', 'start_time', "         \
	"'end_time', 'artifact_uri', 'created', 'Created'}"
#define NUMERIC_OPS "{'=', '>', '<', '!=', '>=', '<='}"
#define STRING_OPS "{'=', '!=', 'LIKE', 'ILIKE'}"
#define LIST_OPS "{'=', '!=', 'LIKE', 'ILIKE', 'IN', 'NOT IN'}"

static int invalid(const char *fmt, ...) CAIRN_PRINTF(1, 2);
static int invalid(const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;
	int err;

	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	err = cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID, "%s",
			       buf_cstr(&b));
	buf_release(&b);
	return err;
}

static int is_quoted(const char *p, size_t len, char q)
{
	return len >= 2 && p[0] == q && p[len - 1] == q;
}

static int span_is(const char *p, size_t len, const char *word)
{
	return strlen(word) == len && !memcmp(p, word, len);
}

/*
 * MLflow's _get_identifier: split at the first dot (quotes or not), the
 * entity loses its backticks, the key its quotes and then its backticks.
 * *key gets the key as written (before aliases), *col the column of an
 * attribute or dataset key.
 */
static int get_identifier(enum entity *entity, char **key,
			  const struct column **col, const char *text,
			  size_t len, int for_order)
{
	const char *dot = memchr(text, '.', len), *k = text;
	size_t klen = len, i;

	*entity = E_ATTR;
	*col = NULL;
	if (dot) {
		const char *e = text;
		size_t elen = (size_t)(dot - text);
		int found = 0;

		if (is_quoted(e, elen, '`'))
			e++, elen -= 2;
		for (i = 0; i < sizeof(entity_names) / sizeof(entity_names[0]); i++)
			if (span_is(e, elen, entity_names[i].name)) {
				*entity = entity_names[i].entity;
				found = 1;
				break;
			}
		if (!found) {
			char *name = xstrndup(e, elen);
			int err = invalid("Invalid entity type '%s'. Valid values "
					  "are ['metric', 'parameter', 'tag', "
					  "'attribute', 'dataset']", name);

			free(name);
			return err;
		}
		k = dot + 1;
		klen = len - (size_t)(k - text);
	}
	if (is_quoted(k, klen, '\'') || is_quoted(k, klen, '"'))
		k++, klen -= 2;
	if (is_quoted(k, klen, '`'))
		k++, klen -= 2;
	*key = xstrndup(k, klen);

	if (*entity == E_ATTR) {
		const char *name = *key;

		for (i = 0; i < sizeof(key_aliases) / sizeof(key_aliases[0]); i++)
			if (!strcmp(name, key_aliases[i].name) &&
			    (!for_order || key_aliases[i].orderable)) {
				name = key_aliases[i].column;
				break;
			}
		for (i = 0; i < NCOLUMNS; i++)
			if (!strcmp(name, run_columns[i].name))
				*col = &run_columns[i];
		if (!*col)
			return invalid("Invalid attribute key '%s' specified. "
				       "Valid keys are '%s'", *key,
				       for_order ? ORDER_KEYS : SEARCH_KEYS);
	} else if (*entity == E_DATASET) {
		for (i = 0; i < 3; i++)
			if (!strcmp(*key, dataset_columns[i].name))
				*col = &dataset_columns[i];
		if (!*col)
			return invalid("Invalid dataset key '%s' specified. Valid "
				       "keys are '{'name', 'digest', 'context'}'",
				       *key);
	}
	return 0;
}

/* ------------------------------------------------------------ values */

static locale_t c_locale;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;

static void c_locale_init(void)
{
	c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
}

/* A number token (number_len's syntax) as a bind value. */
static void number_value(struct sql_value *v, const char *text, int want_int)
{
	const char *p = text + (text[0] == '-');

	memset(v, 0, sizeof(*v));
	if (want_int && p[strspn(p, "0123456789")] == '\0') {
		errno = 0;
		v->i = strtoll(text, NULL, 10);
		if (errno != ERANGE) {
			v->type = SQL_INT;
			return;
		}
	}
	v->type = SQL_REAL;
	pthread_once(&c_locale_once, c_locale_init);
	if (c_locale)
		v->d = strtod_l(text, NULL, c_locale);
	else
		v->d = strtod(text, NULL);
}

static void add_utf8(struct buf *b, uint32_t cp)
{
	if (cp < 0x80) {
		buf_addch(b, (int)cp);
	} else if (cp < 0x800) {
		buf_addch(b, (int)(0xc0 | (cp >> 6)));
		buf_addch(b, (int)(0x80 | (cp & 0x3f)));
	} else if (cp < 0x10000) {
		buf_addch(b, (int)(0xe0 | (cp >> 12)));
		buf_addch(b, (int)(0x80 | ((cp >> 6) & 0x3f)));
		buf_addch(b, (int)(0x80 | (cp & 0x3f)));
	} else {
		buf_addch(b, (int)(0xf0 | (cp >> 18)));
		buf_addch(b, (int)(0x80 | ((cp >> 12) & 0x3f)));
		buf_addch(b, (int)(0x80 | ((cp >> 6) & 0x3f)));
		buf_addch(b, (int)(0x80 | (cp & 0x3f)));
	}
}

/*
 * Append the Python string literal p[0..len) (quotes included; a doubled
 * quote inside is two adjacent literals) to b. -1 if Python would not
 * take it, or if it holds a NUL, which no bound C string can.
 */
static int py_unescape(struct buf *b, const char *p, size_t len)
{
	char q = p[0];
	size_t i = 1, end = len - 1;

	while (i < end) {
		char c = p[i], e;
		uint32_t cp;
		int n, d;

		if (c == q) {
			if (i + 1 >= end || p[i + 1] != q)
				return -1;
			i += 2;
			continue;
		}
		if (c == '\n' || c == '\r')
			return -1;
		if (c != '\\') {
			buf_addch(b, c);
			i++;
			continue;
		}
		if (i + 1 >= end)
			return -1;
		e = p[i + 1];
		i += 2;
		switch (e) {
		case '\n':
			break;
		case '\\': case '\'': case '"':
			buf_addch(b, e);
			break;
		case 'a': buf_addch(b, '\a'); break;
		case 'b': buf_addch(b, '\b'); break;
		case 'f': buf_addch(b, '\f'); break;
		case 'n': buf_addch(b, '\n'); break;
		case 'r': buf_addch(b, '\r'); break;
		case 't': buf_addch(b, '\t'); break;
		case 'v': buf_addch(b, '\v'); break;
		case '0': case '1': case '2': case '3':
		case '4': case '5': case '6': case '7':
			cp = (uint32_t)(e - '0');
			for (n = 1; n < 3 && i < end && p[i] >= '0' && p[i] <= '7';
			     n++)
				cp = cp * 8 + (uint32_t)(p[i++] - '0');
			if (!cp)
				return -1;
			add_utf8(b, cp);
			break;
		case 'x': case 'u': case 'U':
			n = e == 'x' ? 2 : e == 'u' ? 4 : 8;
			for (cp = 0; n > 0; n--) {
				if (i >= end ||
				    (d = hex_digit_value((unsigned char)p[i])) < 0)
					return -1;
				cp = cp * 16 + (uint32_t)d;
				i++;
			}
			if (!cp || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
				return -1;
			add_utf8(b, cp);
			break;
		default:
			buf_addch(b, '\\');
			buf_addch(b, e);
			break;
		}
	}
	return 0;
}

/* Python's str.islower() over ASCII; other bytes count as uncased. */
static int py_islower(const char *s)
{
	int lower = 0;

	for (; *s; s++) {
		if (*s >= 'A' && *s <= 'Z')
			return 0;
		if (*s >= 'a' && *s <= 'z')
			lower = 1;
	}
	return lower;
}

/* ------------------------------------------------------------ compiler */

enum value_kind { V_NUMBER, V_STRING, V_LIST };

struct clause {
	size_t id_first, id_end, val_first, val_end; /* token ranges */
	char *op;                  /* upper case: "=", "LIKE", "NOT IN", ... */
	enum entity entity;
	char *key;                 /* as written, without quotes */
	const struct column *col;  /* attributes and datasets */
	enum value_kind vkind;
	char *str;
	char **list;
	size_t nlist, list_alloc;
	struct sql_value num;
};

struct order_key {
	enum entity entity;
	char *key;
	const struct column *col;
	int asc;
};

struct compiler {
	struct lexer lx;
	struct clause *c;
	size_t nc, c_alloc;
	struct order_key *o;
	size_t no, o_alloc;
	struct run_query *q;
};

static void compiler_release(struct compiler *cc)
{
	size_t i, j;

	for (i = 0; i < cc->nc; i++) {
		struct clause *c = &cc->c[i];

		free(c->op);
		free(c->key);
		free(c->str);
		for (j = 0; j < c->nlist; j++)
			free(c->list[j]);
		free(c->list);
	}
	free(cc->c);
	for (i = 0; i < cc->no; i++)
		free(cc->o[i].key);
	free(cc->o);
	lexer_release(&cc->lx);
}

/*
 * A comparison at token i: identifier, comparator, value. Returns the
 * index after it and fills c's token ranges and op, or 0 if there is none
 * there.
 */
static size_t try_comparison(const struct lexer *lx, size_t i, struct clause *c)
{
	size_t j, k, end;
	const char *op;
	int list_only = 0;

	if (!parse_ident(lx, i, &j) || j >= lx->n)
		return 0;
	/* sqlparse's alias: `run name = 'x'` compares the key "run name" */
	if (lx->t[j].kind == T_WORD && !is_keyword(lx, j) && j + 1 < lx->n &&
	    (lx->t[j + 1].kind == T_CMP || is_keyword(lx, j + 1)))
		j++;
	if (lx->t[j].kind == T_CMP) {
		op = NULL;
		k = j + 1;
	} else if (word_is(lx, j, "LIKE") || word_is(lx, j, "ILIKE")) {
		op = word_is(lx, j, "LIKE") ? "LIKE" : "ILIKE";
		k = j + 1;
	} else if (word_is(lx, j, "IN")) {
		op = "IN";
		list_only = 1;
		k = j + 1;
	} else if (word_is(lx, j, "NOT") && word_is(lx, j + 1, "IN")) {
		op = "NOT IN";
		list_only = 1;
		k = j + 2;
	} else {
		return 0;
	}
	if (k >= lx->n)
		return 0;
	if (lx->t[k].kind == T_LPAREN) {
		if (!lx->t[k].match)
			return 0;
		end = lx->t[k].match + 1;
	} else if (list_only) {
		return 0;
	} else if (lx->t[k].kind == T_SQUOTE || lx->t[k].kind == T_NUMBER) {
		end = k + 1;
	} else if (!parse_ident(lx, k, &end)) {
		return 0;
	}
	memset(c, 0, sizeof(*c));
	c->id_first = i;
	c->id_end = j;
	c->val_first = k;
	c->val_end = end;
	c->op = op ? xstrdup(op) : xstrndup(lx->s + lx->t[j].off, lx->t[j].len);
	return end;
}

/* Stage 1: group the statement into comparisons joined by AND. */
static int group_filter(struct compiler *cc, const char *filter)
{
	struct lexer *lx = &cc->lx;
	struct buf bad = BUF_INIT;
	size_t i, nbad = 0;
	int expect_cmp = 1, structure_ok = 1, err = 0;

	lex(lx, filter);
	for (i = 0; i < lx->n; i++)
		if (lx->t[i].kind == T_SEMI && i + 1 < lx->n)
			return invalid("Search filter contained multiple "
				       "expression '%s'. Provide AND-ed expression "
				       "list.", filter);

	i = 0;
	while (i < lx->n) {
		struct clause c;
		size_t end = try_comparison(lx, i, &c);
		const char *p;
		size_t len;

		if (end) {
			ALLOC_GROW(cc->c, cc->nc + 1, cc->c_alloc);
			cc->c[cc->nc++] = c;
			if (!expect_cmp)
				structure_ok = 0;
			expect_cmp = 0;
			i = end;
			continue;
		}
		if (word_is(lx, i, "AND") &&
		    !(i + 1 < lx->n && lx->t[i + 1].kind == T_DOT)) {
			if (expect_cmp)
				structure_ok = 0;
			expect_cmp = 1;
			i++;
			continue;
		}
		if (!parse_ident(lx, i, &end))
			end = lx->t[i].kind == T_LPAREN && lx->t[i].match
				      ? lx->t[i].match + 1 : i + 1;
		p = span(lx, i, end, &len);
		buf_puts(&bad, nbad++ ? ", '" : "'");
		buf_add(&bad, p, len);
		buf_addch(&bad, '\'');
		i = end;
	}
	if (nbad)
		err = invalid("Invalid clause(s) in filter string: %s",
			      buf_cstr(&bad));
	else if (lx->n && (!structure_ok || expect_cmp))
		err = invalid("Invalid filter '%s'. Could not be parsed.", filter);
	buf_release(&bad);
	return err;
}

static int parse_list(struct compiler *cc, struct clause *c)
{
	const struct lexer *lx = &cc->lx;
	size_t j = c->val_first + 1, end = c->val_end - 1;
	int other_type = 0, err = 0;

	if (j == end)
		return invalid("While parsing a list in the query, expected a "
			       "non-empty list of string values, but got empty list");
	while (j < end) {
		enum tok_kind k = lx->t[j].kind;

		if (k == T_NUMBER) {
			other_type = 1;
			j++;
		} else if (k == T_SQUOTE || k == T_DQUOTE) {
			struct buf b = BUF_INIT;

			for (; j < end && (lx->t[j].kind == T_SQUOTE ||
					   lx->t[j].kind == T_DQUOTE); j++)
				if (py_unescape(&b, lx->s + lx->t[j].off,
						lx->t[j].len) < 0)
					break;
			if (j < end && (lx->t[j].kind == T_SQUOTE ||
					lx->t[j].kind == T_DQUOTE)) {
				buf_release(&b);
				goto ill_formed;
			}
			ALLOC_GROW(c->list, c->nlist + 1, c->list_alloc);
			c->list[c->nlist++] = buf_detach(&b, NULL);
		} else {
			goto ill_formed;
		}
		if (j == end)
			break;
		if (lx->t[j].kind != T_COMMA)
			goto ill_formed;
		j++;
	}
	if (other_type) {
		char *text = span_dup(lx, c->val_first, c->val_end);

		err = invalid("While parsing a list in the query, expected string "
			      "value, punctuation, or whitespace, but got different "
			      "type in list: %s", text);
		free(text);
		return err;
	}
	if (c->entity == E_ATTR) {
		/* MLflow keeps only lower-case run ids (MySQL's IN ignores case) */
		size_t i, kept = 0;

		for (i = 0; i < c->nlist; i++) {
			if (py_islower(c->list[i]))
				c->list[kept++] = c->list[i];
			else
				free(c->list[i]);
		}
		c->nlist = kept;
	}
	return 0;
ill_formed:
	return invalid("While parsing a list in the query, expected a non-empty "
		       "list of string values, but got ill-formed list.");
}

/* MLflow's _strip_quotes(value, expect_quoted_value=True). */
static int quoted_value(struct clause *c, const char *text)
{
	size_t len = strlen(text);

	if (!is_quoted(text, len, '\'') && !is_quoted(text, len, '"'))
		return invalid("Parameter value is either not quoted or unidentified "
			       "quote types used for string value %s. Use either "
			       "single or double quotes.", text);
	c->vkind = V_STRING;
	c->str = xstrndup(text + 1, len - 2);
	return 0;
}

/* Stage 2, one comparison: its identifier, then its value's type. */
static int resolve_clause(struct compiler *cc, struct clause *c)
{
	const struct lexer *lx = &cc->lx;
	enum tok_kind vk = lx->t[c->val_first].kind;
	int is_string = vk == T_SQUOTE || is_part(vk);
	const char *id;
	size_t idlen;
	char *text;
	int err;

	id = span(lx, c->id_first, c->id_end, &idlen);
	if ((err = get_identifier(&c->entity, &c->key, &c->col, id, idlen, 0)) < 0)
		return err;
	text = span_dup(lx, c->val_first, c->val_end);
	switch (c->entity) {
	case E_METRIC:
		if (vk != T_NUMBER)
			err = invalid("Expected numeric value type for metric. Found %s",
				      text);
		else
			number_value(&c->num, text, 0);
		c->vkind = V_NUMBER;
		break;
	case E_PARAM:
	case E_TAG:
		if (is_string)
			err = quoted_value(c, text);
		else
			err = invalid("Expected a quoted string value for %s (e.g. "
				      "'my-value'). Got value %s",
				      c->entity == E_PARAM ? "parameter" : "tag", text);
		break;
	case E_ATTR:
		if (c->col->numeric) {
			if (vk != T_NUMBER)
				err = invalid("Expected numeric value type for numeric "
					      "attribute: %s. Found %s", c->key, text);
			else
				number_value(&c->num, text, 1);
			c->vkind = V_NUMBER;
		} else if (is_string) {
			err = quoted_value(c, text);
		} else if (vk == T_LPAREN) {
			if (strcmp(c->key, "run_id"))
				err = invalid("Only the 'run_id' attribute supports "
					      "comparison with a list of quoted string "
					      "values.");
			c->vkind = V_LIST;
			if (!err)
				err = parse_list(cc, c);
		} else {
			err = invalid("Expected a quoted string value for attributes. "
				      "Got value %s", text);
		}
		break;
	case E_DATASET:
		if (is_string) {
			err = quoted_value(c, text);
		} else if (vk == T_LPAREN) {
			c->vkind = V_LIST;
			err = parse_list(cc, c);
		} else {
			err = invalid("Expected a quoted string value for dataset "
				      "attributes. Got value %s", text);
		}
		break;
	}
	free(text);
	return err;
}

/* Python's repr() of a list of str, for the duplicate order_by message. */
static void py_repr_list(struct buf *b, const char *const *items, size_t n)
{
	size_t i;

	buf_addch(b, '[');
	for (i = 0; i < n; i++) {
		const char *s = items[i];
		char q = strchr(s, '\'') && !strchr(s, '"') ? '"' : '\'';

		if (i)
			buf_puts(b, ", ");
		buf_addch(b, q);
		for (; *s; s++) {
			unsigned char c = (unsigned char)*s;

			if (c == '\\' || c == (unsigned char)q)
				buf_printf(b, "\\%c", c);
			else if (c == '\n')
				buf_puts(b, "\\n");
			else if (c == '\r')
				buf_puts(b, "\\r");
			else if (c == '\t')
				buf_puts(b, "\\t");
			else if (c < 0x20 || c == 0x7f)
				buf_printf(b, "\\x%02x", c);
			else
				buf_addch(b, c);
		}
		buf_addch(b, q);
	}
	buf_addch(b, ']');
}

/*
 * A quoted identifier part as shlex.split() sees it once MLflow turned
 * backticks into double quotes: inside quotes \" and \\ are escapes, a
 * quote ends the quoted run and the next one starts another. -1 for what
 * shlex would split in two or refuse (a quote left open).
 */
static int shlex_part(struct buf *b, const char *p, size_t len)
{
	size_t i = 1, end = len - 1;
	int in_quote = 1;

	while (i < end) {
		char c = p[i], next;

		if (c == '\\') {
			if (i + 1 >= end)
				return -1;
			next = p[i + 1];
			if (!in_quote || next == '"' || next == '`' || next == '\\') {
				buf_addch(b, next == '`' ? '"' : next);
				i += 2;
				continue;
			}
		} else if (c == '"' || c == '`') {
			in_quote = !in_quote;
			i++;
			continue;
		} else if (!in_quote && is_space((unsigned char)c)) {
			return -1;
		}
		buf_addch(b, c);
		i++;
	}
	return in_quote ? 0 : -1;
}

/* Stage 3, one order_by string. */
static int parse_order(struct compiler *cc, const char *const *all, size_t nall,
		       size_t which)
{
	const char *str = all[which];
	struct lexer lx = { 0 };
	struct buf ident = BUF_INIT;
	struct order_key o = { E_ATTR, NULL, NULL, 1 };
	const char *text;
	size_t j, i, start, len;
	int err = 0;

	lex(&lx, str);
	if (!parse_ident(&lx, 0, &j) || j + 1 < lx.n ||
	    (j < lx.n && lx.t[j].kind != T_WORD)) {
		err = invalid("Invalid order_by clause '%s'. Could not be "
			      "parsed.", str);
		goto done;
	}
	if (j < lx.n) {
		const char *dir = str + lx.t[j].off;

		if (ascii_ieq(dir, lx.t[j].len, "desc")) {
			o.asc = 0;
		} else if (!ascii_ieq(dir, lx.t[j].len, "asc")) {
			err = invalid("Invalid ordering key in order_by clause "
				      "'%s'.", str);
			goto done;
		}
	}
	for (i = 0; i < j; i++) {
		const struct tok *t = &lx.t[i];

		if (t->kind == T_BACKTICK || t->kind == T_DQUOTE) {
			if (shlex_part(&ident, str + t->off, t->len) < 0) {
				err = invalid("Invalid order_by clause '%s'. Could not be "
					      "parsed.", str);
				goto done;
			}
		} else {
			buf_add(&ident, str + t->off, t->len);
		}
	}
	/* .strip() */
	text = buf_cstr(&ident);
	for (start = 0; start < ident.len && is_space(text[start]); start++)
		;
	len = ident.len - start;
	while (len && is_space(text[start + len - 1]))
		len--;
	if ((err = get_identifier(&o.entity, &o.key, &o.col, text + start, len,
				  1)) < 0)
		goto done;
	if (o.entity == E_DATASET) {
		err = invalid("Invalid identifier type 'dataset'");
		goto done;
	}
	for (i = 0; i < cc->no; i++) {
		const struct order_key *p = &cc->o[i];

		if (p->entity == o.entity &&
		    (o.col ? p->col == o.col : !strcmp(p->key, o.key))) {
			struct buf list = BUF_INIT;

			py_repr_list(&list, all, nall);
			err = invalid("`order_by` contains duplicate fields: %s",
				      buf_cstr(&list));
			buf_release(&list);
			goto done;
		}
	}
	ALLOC_GROW(cc->o, cc->no + 1, cc->o_alloc);
	cc->o[cc->no++] = o;
	o.key = NULL;
done:
	free(o.key);
	buf_release(&ident);
	lexer_release(&lx);
	return err;
}

static int op_in(const char *op, const char *const *set)
{
	for (; *set; set++)
		if (!strcmp(op, *set))
			return 1;
	return 0;
}

/* Stage 4, one comparison: is its comparator one its entity takes? */
static int check_op(const struct clause *c)
{
	static const char *const numeric[] = { "=", "!=", ">", ">=", "<", "<=",
					       NULL };
	static const char *const string[] = { "=", "!=", "LIKE", "ILIKE", NULL };
	static const char *const list[] = { "=", "!=", "LIKE", "ILIKE", "IN",
					    "NOT IN", NULL };
	const char *const *set;
	const char *names;
	int closing_quote;

	switch (c->entity) {
	case E_METRIC:
		set = numeric, names = NUMERIC_OPS, closing_quote = 0;
		break;
	case E_PARAM:
		set = string, names = STRING_OPS, closing_quote = 1;
		break;
	case E_TAG:
		set = string, names = STRING_OPS, closing_quote = 0;
		break;
	case E_ATTR:
		if (c->col->numeric)
			set = numeric, names = NUMERIC_OPS, closing_quote = 0;
		else
			set = list, names = LIST_OPS, closing_quote = 1;
		break;
	default:
		set = list, names = LIST_OPS, closing_quote = 0;
		break;
	}
	/* MLflow's own messages differ in that closing quote */
	if (!op_in(c->op, set))
		return invalid("Invalid comparator '%s' not one of '%s%s", c->op,
			       names, closing_quote ? "'" : "");
	if (c->vkind == V_LIST && strcmp(c->op, "IN") && strcmp(c->op, "NOT IN"))
		return invalid("Invalid comparator '%s' for a list of values. Use "
			       "either 'IN' or 'NOT IN'.", c->op);
	return 0;
}

/* ------------------------------------------------------------ SQL */

static struct sql_value *new_value(struct run_query *q, enum sql_value_type type)
{
	struct sql_value *v;

	ALLOC_GROW(q->values, q->nvalues + 1, q->values_alloc);
	v = &q->values[q->nvalues++];
	memset(v, 0, sizeof(*v));
	v->type = type;
	return v;
}

static void bind_text(struct run_query *q, const char *s)
{
	new_value(q, SQL_TEXT)->text = xstrdup(s);
}

static void bind_clause_value(struct run_query *q, const struct clause *c)
{
	if (c->vkind == V_STRING)
		bind_text(q, c->str);
	else
		*new_value(q, c->num.type) = c->num;
}

/* "col OP ?" for the clause's comparator, binding its value. */
static void emit_compare(struct run_query *q, const char *col,
			 const struct clause *c)
{
	struct buf *w = &q->where;
	size_t i;

	if (c->vkind == V_LIST) {
		int negate = !strcmp(c->op, "NOT IN");

		if (!c->nlist) {
			buf_puts(w, negate ? "1" : "0");
			return;
		}
		buf_printf(w, "%s %sIN (", col, negate ? "NOT " : "");
		for (i = 0; i < c->nlist; i++) {
			buf_puts(w, i ? ", ?" : "?");
			bind_text(q, c->list[i]);
		}
		buf_addch(w, ')');
		return;
	}
	if (!strcmp(c->op, "ILIKE"))
		buf_printf(w, "lower(%s) LIKE lower(?)", col);
	else
		buf_printf(w, "%s %s ?", col, c->op);
	bind_clause_value(q, c);
}

#define METRIC_ROW                                                            \
	"FROM latest_metrics m WHERE m.run = r.id AND m.key = "              \
	"(SELECT k.id FROM metric_keys k WHERE k.key = ?)"

static void emit_clause(struct run_query *q, const struct clause *c)
{
	struct buf *w = &q->where;

	switch (c->entity) {
	case E_METRIC:
		buf_puts(w, "EXISTS (SELECT 1 " METRIC_ROW " AND ");
		bind_text(q, c->key);
		/* NaN is != everything and nothing else */
		if (!strcmp(c->op, "!="))
			buf_puts(w, "(m.is_nan <> 0 OR m.value <> ?))");
		else
			buf_printf(w, "m.is_nan = 0 AND m.value %s ?)", c->op);
		bind_clause_value(q, c);
		break;
	case E_PARAM:
	case E_TAG:
		buf_printf(w, "EXISTS (SELECT 1 FROM %s WHERE p.run = r.id AND "
			   "p.key = ? AND ",
			   c->entity == E_PARAM ? "params p" : "tags p");
		bind_text(q, c->key);
		emit_compare(q, "p.value", c);
		buf_addch(w, ')');
		break;
	case E_ATTR:
		emit_compare(q, c->col->sql, c);
		break;
	case E_DATASET:
		/* an input of a cairn data set version, or a dataset record */
		buf_puts(w, "(EXISTS (SELECT 1 FROM run_inputs i "
			 "WHERE i.run = r.id AND ");
		if (!strcmp(c->col->name, "context"))
			buf_puts(w, "i.context <> '' AND ");
		emit_compare(q, c->col->sql, c);
		buf_puts(w, ") OR EXISTS (SELECT 1 FROM run_dataset_inputs di "
			 "JOIN mlflow_datasets d ON d.id = di.dataset "
			 "WHERE di.run = r.id AND ");
		emit_compare(q, record_column(c->col->name), c);
		buf_puts(w, "))");
		break;
	}
}

static void emit_order(struct run_query *q, const struct order_key *o)
{
	struct buf *b = &q->order;
	const char *dir = o->asc ? "ASC" : "DESC";

	switch (o->entity) {
	case E_METRIC:
		/* numbers, then NaN, then runs without the metric */
		buf_printf(b, "COALESCE((SELECT m.is_nan <> 0 " METRIC_ROW "), 2), "
			   "(SELECT m.value " METRIC_ROW ") %s", dir);
		bind_text(q, o->key);
		bind_text(q, o->key);
		break;
	case E_PARAM:
	case E_TAG:
		buf_printf(b, "(SELECT p.value FROM %s WHERE p.run = r.id AND "
			   "p.key = ?) %s NULLS LAST",
			   o->entity == E_PARAM ? "params p" : "tags p", dir);
		bind_text(q, o->key);
		break;
	default:
		buf_printf(b, "%s %s NULLS LAST", o->col->sql, dir);
		break;
	}
}

int run_filter_compile(struct run_query *out, const char *filter,
		       const char *const *order_by, size_t norder)
{
	struct compiler cc;
	size_t i;
	int err = 0, sorted_by_start = 0;

	memset(out, 0, sizeof(*out));
	memset(&cc, 0, sizeof(cc));
	cc.q = out;

	if (filter && (err = group_filter(&cc, filter)) < 0)
		goto done;
	for (i = 0; i < cc.nc; i++)
		if ((err = resolve_clause(&cc, &cc.c[i])) < 0)
			goto done;
	for (i = 0; i < norder; i++)
		if ((err = parse_order(&cc, order_by, norder, i)) < 0)
			goto done;
	for (i = 0; i < cc.nc; i++)
		if ((err = check_op(&cc.c[i])) < 0)
			goto done;

	for (i = 0; i < cc.nc; i++) {
		buf_puts(&out->where, i ? " AND (" : "(");
		emit_clause(out, &cc.c[i]);
		buf_addch(&out->where, ')');
	}
	if (!cc.nc)
		buf_puts(&out->where, "1");
	out->nwhere = out->nvalues;

	for (i = 0; i < cc.no; i++) {
		if (i)
			buf_puts(&out->order, ", ");
		emit_order(out, &cc.o[i]);
		if (cc.o[i].col && !strcmp(cc.o[i].col->name, "start_time"))
			sorted_by_start = 1;
	}
	if (cc.no)
		buf_puts(&out->order, ", ");
	if (!sorted_by_start)
		buf_puts(&out->order, "r.start_time DESC, ");
	buf_puts(&out->order, "r.run_uuid");
	if (cc.no && cc.o[0].entity == E_METRIC) {
		struct run_query tmp;

		memset(&tmp, 0, sizeof(tmp));
		for (i = 1; i < cc.no; i++) {
			emit_order(&tmp, &cc.o[i]);
			buf_puts(&tmp.order, ", ");
		}
		if (!sorted_by_start)
			buf_puts(&tmp.order, "r.start_time DESC, ");
		buf_puts(&tmp.order, "r.run_uuid");
		out->fast_key = xstrdup(cc.o[0].key);
		out->fast_asc = cc.o[0].asc;
		buf_puts(&out->order_rest, buf_cstr(&tmp.order));
		run_query_release(&tmp);
	}

	if (out->nvalues > RUN_FILTER_MAX_VALUES)
		err = invalid("Search needs %zu values, more than the %d allowed",
			      out->nvalues, RUN_FILTER_MAX_VALUES);
done:
	compiler_release(&cc);
	if (err < 0)
		run_query_release(out);
	return err;
}

void run_query_release(struct run_query *q)
{
	size_t i;

	for (i = 0; i < q->nvalues; i++)
		free(q->values[i].text);
	free(q->values);
	buf_release(&q->where);
	buf_release(&q->order);
	buf_release(&q->order_rest);
	free(q->fast_key);
	memset(q, 0, sizeof(*q));
}
