/*
 * config.c: the store's configuration file, git-style INI read with
 * libinih.
 *
 * The file looks like git's:
 *
 *   [core]
 *   	formatversion = 1
 *   [remote "backup"]
 *   	url = "/mnt/backup #2"
 *
 * In memory a configuration is a flat array of entries in file order,
 * each with its section (lower-case, [a-z0-9-]+), optional subsection
 * (case-sensitive; any bytes but newline, NUL and '"'), variable name
 * (lower-case, [a-z0-9-]+), value, and canonical key
 * "section[.subsection].name". Sections exist only through their entries:
 * a header without variables is dropped when read, and removing the last
 * variable of a section removes the section. Repeated keys are kept (git
 * allows multi-valued keys); config_get() returns the last one, as git
 * does, and config_set() collapses them into one.
 *
 * Reading. libinih splits lines into `name = value` and skips comment
 * lines, but Debian's build (r55) defaults suit git files badly: indented
 * lines continue the previous value (multi-line mode), " ;" starts an
 * inline comment even inside quotes, lines are cut at 200 bytes and
 * section names at 50. That build exposes these switches as variables, so
 * we set them once per process (pthread_once): no multi-line, no inline
 * comments, no BOM handling (we strip a BOM ourselves), a heap line
 * buffer that grows to CONFIG_MAX_LINE, stop at the first error.
 * We feed inih through ini_parse_stream() with our own reader, which
 *
 *   - numbers lines and remembers the raw current line, so every message
 *     names its line, and the handler can look at the line itself;
 *   - refuses NUL bytes and over-long lines (never handing inih a line it
 *     would have to cut in two);
 *   - parses section headers itself, so a subsection may contain ']' or
 *     be longer than inih's 50-byte section buffer: inih's own idea of
 *     the section name is ignored.
 *
 * The handler then decodes the value as git does: outside double quotes
 * '#' and ';' start a comment and trailing white space is dropped; inside
 * them everything is kept; backslash escapes \" \\ \n \t \b work in both.
 * inih accepts ':' as a separator (Python style); we refuse it.
 *
 * Writing (config_format) emits `[section]` or `[section "sub"]` headers
 * whenever the section changes, then tab-indented `name = value` lines. A
 * value is double-quoted, with escapes, when it is empty, starts or ends
 * with white space, or holds '#', ';', '"', '\\' or a control character;
 * invariant: config_parse(config_format(cfg)) gives back the same entries
 * (tests/fuzz/fuzz_config.c checks it).
 */
#include <ctype.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "lib/config.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/banned.h"

#define CONFIG_MAX_SIZE (1024 * 1024)
#define CONFIG_MAX_LINE 65536

struct config_entry {
	char *key;        /* canonical "section[.subsection].name" */
	char *section;    /* lower-case */
	char *subsection; /* NULL if none */
	char *name;       /* lower-case */
	char *value;
};

struct config {
	struct config_entry *entries;
	size_t nr, alloc;
};

/* ------------------------------------------------------------- entries */

static bool is_word_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-';
}

/* A section or variable name: [A-Za-z0-9-]+ before lower-casing. */
static bool valid_word(const char *s, size_t len)
{
	size_t i;

	if (!len)
		return false;
	for (i = 0; i < len; i++) {
		if (!is_word_char((unsigned char)s[i]))
			return false;
	}
	return true;
}

static bool valid_subsection(const char *s, size_t len)
{
	return !memchr(s, '\n', len) && !memchr(s, '"', len) &&
	       !memchr(s, '\0', len);
}

static char *lower_dup(const char *s, size_t len)
{
	char *p = xstrndup(s, len);
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (char)tolower((unsigned char)p[i]);
	return p;
}

static char *make_key(const char *section, const char *sub, const char *name)
{
	struct buf b = BUF_INIT;

	buf_puts(&b, section);
	buf_addch(&b, '.');
	if (sub) {
		buf_puts(&b, sub);
		buf_addch(&b, '.');
	}
	buf_puts(&b, name);
	return buf_detach(&b, NULL);
}

static void entry_release(struct config_entry *e)
{
	free(e->key);
	free(e->section);
	free(e->subsection);
	free(e->name);
	free(e->value);
}

/* Insert a new entry at position pos; the strings are taken over. */
static void insert_entry(struct config *cfg, size_t pos, char *section,
			 char *sub, char *name, char *value)
{
	struct config_entry *e;

	ALLOC_GROW(cfg->entries, cfg->nr + 1, cfg->alloc);
	memmove(cfg->entries + pos + 1, cfg->entries + pos,
		(cfg->nr - pos) * sizeof(*cfg->entries));
	cfg->nr++;
	e = &cfg->entries[pos];
	e->section = section;
	e->subsection = sub;
	e->name = name;
	e->value = value;
	e->key = make_key(section, sub, name);
}

static void remove_entry(struct config *cfg, size_t pos)
{
	entry_release(&cfg->entries[pos]);
	memmove(cfg->entries + pos, cfg->entries + pos + 1,
		(cfg->nr - pos - 1) * sizeof(*cfg->entries));
	cfg->nr--;
}

static bool same_section(const struct config_entry *e, const char *section,
			 const char *sub)
{
	if (strcmp(e->section, section))
		return false;
	if (!e->subsection || !sub)
		return !e->subsection && !sub;
	return !strcmp(e->subsection, sub);
}

/* A key split into its parts, section and name lower-cased. */
struct key_parts {
	char *section, *subsection, *name, *key;
};

static void key_parts_release(struct key_parts *k)
{
	free(k->section);
	free(k->subsection);
	free(k->name);
	free(k->key);
}

/* NULL on success, else why key is invalid. */
static const char *split_key(struct key_parts *k, const char *key)
{
	const char *first = strchr(key, '.'), *last = strrchr(key, '.');

	memset(k, 0, sizeof(*k));
	if (!first)
		return "no section";
	if (!valid_word(key, (size_t)(first - key)))
		return "invalid section name";
	if (!valid_word(last + 1, strlen(last + 1)))
		return "invalid variable name";
	if (first != last &&
	    !valid_subsection(first + 1, (size_t)(last - first - 1)))
		return "invalid subsection name";
	k->section = lower_dup(key, (size_t)(first - key));
	if (first != last)
		k->subsection = xstrndup(first + 1,
					 (size_t)(last - first - 1));
	k->name = lower_dup(last + 1, strlen(last + 1));
	k->key = make_key(k->section, k->subsection, k->name);
	return NULL;
}

/* ------------------------------------------------------------- the API */

struct config *config_new(void)
{
	return xcalloc(1, sizeof(struct config));
}

void config_free(struct config *cfg)
{
	size_t i;

	if (!cfg)
		return;
	for (i = 0; i < cfg->nr; i++)
		entry_release(&cfg->entries[i]);
	free(cfg->entries);
	free(cfg);
}

const char *config_get(const struct config *cfg, const char *key)
{
	struct key_parts k;
	const char *value = NULL;
	size_t i;

	if (split_key(&k, key))
		return NULL;
	for (i = cfg->nr; i-- > 0;) {
		if (!strcmp(cfg->entries[i].key, k.key)) {
			value = cfg->entries[i].value;
			break;
		}
	}
	key_parts_release(&k);
	return value;
}

int config_get_u64(uint64_t *out, const struct config *cfg, const char *key)
{
	const char *value = config_get(cfg, key), *p;
	uint64_t v = 0;

	if (!value)
		return cairn_error_setc(CAIRN_ENOTFOUND, CAIRN_ERRCLASS_CONFIG,
					"config key '%s' is not set", key);
	if (!*value)
		return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_CONFIG,
					"config key '%s' is empty, not a number",
					key);
	for (p = value; *p; p++) {
		unsigned d = (unsigned char)*p - '0';

		if (d > 9)
			return cairn_error_setc(CAIRN_EINVALID,
				CAIRN_ERRCLASS_CONFIG,
				"config key '%s' is not a number: '%s'",
				key, value);
		if (v > (UINT64_MAX - d) / 10)
			return cairn_error_setc(CAIRN_EINVALID,
				CAIRN_ERRCLASS_CONFIG,
				"config key '%s' is out of range: '%s'",
				key, value);
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

int config_set(struct config *cfg, const char *key, const char *value)
{
	struct key_parts k;
	const char *why = split_key(&k, key);
	size_t i, found = SIZE_MAX, pos = cfg->nr;

	if (why)
		return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_CONFIG,
					"invalid config key '%s': %s", key,
					why);
	/* Keep the last occurrence (to replace), drop all others. */
	for (i = cfg->nr; i-- > 0;) {
		if (strcmp(cfg->entries[i].key, k.key))
			continue;
		if (value && found == SIZE_MAX) {
			found = i;
			continue;
		}
		remove_entry(cfg, i);
		if (found != SIZE_MAX)
			found--;
	}
	if (!value || found != SIZE_MAX) {
		if (found != SIZE_MAX) {
			free(cfg->entries[found].value);
			cfg->entries[found].value = xstrdup(value);
		}
		key_parts_release(&k);
		return 0;
	}
	/* A new key goes after the last one of its section, if any. */
	for (i = cfg->nr; i-- > 0;) {
		if (same_section(&cfg->entries[i], k.section, k.subsection)) {
			pos = i + 1;
			break;
		}
	}
	insert_entry(cfg, pos, k.section, k.subsection, k.name,
		     xstrdup(value));
	free(k.key);
	return 0;
}

int config_foreach(const struct config *cfg,
		   int (*cb)(const char *key, const char *value, void *payload),
		   void *payload)
{
	size_t i;
	int ret;

	for (i = 0; i < cfg->nr; i++) {
		if ((ret = cb(cfg->entries[i].key, cfg->entries[i].value,
			      payload)))
			return ret;
	}
	return 0;
}

/* -------------------------------------------------------------- reading */

struct parse_ctx {
	struct config *cfg;
	const char *what;
	const char *data;
	size_t len, pos;
	int lineno;
	const char *line;    /* the raw current line, without its '\n' */
	size_t line_len;
	size_t line_end;     /* offset just past the line and its '\n' */
	bool in_line;        /* the reader has not finished this line */
	char *section;       /* the current section, NULL before the first */
	char *subsection;
	bool failed;
};

static int parse_error(struct parse_ctx *c, const char *fmt, ...)
	CAIRN_PRINTF(2, 3);

/* "'<what>': line N: <message>"; stops the parse. */
static int parse_error(struct parse_ctx *c, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_CONFIG,
			 "'%s': line %d: %s", c->what, c->lineno, b.ptr);
	buf_release(&b);
	c->failed = true;
	return CAIRN_EINVALID;
}

/* Parse "[section]" or "[section "sub"]" at s (len bytes, s[0] == '['). */
static int parse_header(struct parse_ctx *c, const char *s, size_t len)
{
	struct buf sub = BUF_INIT;
	bool has_sub = false;
	size_t i = 1, name_end;

	while (i < len && is_word_char((unsigned char)s[i]))
		i++;
	if (i == 1)
		return parse_error(c, "invalid section header");
	name_end = i;
	while (i < len && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i < len && s[i] == '"' && i > name_end) {
		has_sub = true;
		for (i++; i < len && s[i] != '"'; i++) {
			if (s[i] == '\\') {
				if (++i == len)
					break;
				if (s[i] == '"') {
					buf_release(&sub);
					return parse_error(c,
						"subsection name contains '\"'");
				}
			}
			buf_addch(&sub, s[i]);
		}
		if (i >= len) {
			buf_release(&sub);
			return parse_error(c, "unterminated subsection name");
		}
		i++;
	} else {
		i = name_end;
	}
	if (i >= len || s[i] != ']') {
		buf_release(&sub);
		return parse_error(c, "invalid section header");
	}
	for (i++; i < len && isspace((unsigned char)s[i]); i++)
		;
	if (i < len && s[i] != '#' && s[i] != ';') {
		buf_release(&sub);
		return parse_error(c, "unexpected text after section header");
	}
	free(c->section);
	free(c->subsection);
	c->section = lower_dup(s + 1, name_end - 1);
	c->subsection = has_sub ? buf_detach(&sub, NULL) : NULL;
	buf_release(&sub);
	return 0;
}

/* The reader met the first byte of a new line: check and classify it. */
static int start_line(struct parse_ctx *c)
{
	const char *nl, *p, *end;

	c->lineno++;
	c->line = c->data + c->pos;
	nl = memchr(c->line, '\n', c->len - c->pos);
	c->line_len = nl ? (size_t)(nl - c->line) : c->len - c->pos;
	c->line_end = c->pos + c->line_len + (nl ? 1 : 0);
	c->in_line = true;
	if (c->line_len > CONFIG_MAX_LINE)
		return parse_error(c, "line is longer than %d bytes",
				   CONFIG_MAX_LINE);
	if (memchr(c->line, '\0', c->line_len))
		return parse_error(c, "contains a NUL byte");
	end = c->line + c->line_len;
	for (p = c->line; p < end && isspace((unsigned char)*p); p++)
		;
	if (p < end && *p == '[')
		return parse_header(c, p, (size_t)(end - p));
	return 0;
}

/* fgets() over the input, for ini_parse_stream(). */
static char *reader(char *str, int num, void *stream)
{
	struct parse_ctx *c = stream;
	size_t n;

	if (c->failed || c->pos >= c->len || num < 2)
		return NULL;
	if (!c->in_line && start_line(c) < 0)
		return NULL;
	n = c->line_end - c->pos;
	if (n > (size_t)num - 1)
		n = (size_t)num - 1;
	memcpy(str, c->data + c->pos, n);
	str[n] = '\0';
	c->pos += n;
	if (c->pos == c->line_end)
		c->in_line = false;
	return str;
}

/* Decode a value as git does (see the comment at the top). */
static int decode_value(struct buf *out, struct parse_ctx *c, const char *v)
{
	bool quoted = false;
	size_t keep = 0; /* out->len without trailing unquoted space */

	for (; *v; v++) {
		unsigned char ch = (unsigned char)*v;

		if (!quoted && (ch == '#' || ch == ';'))
			break;
		if (!quoted && isspace(ch)) {
			buf_addch(out, ch);
			continue;
		}
		if (ch == '"') {
			quoted = !quoted;
		} else if (ch == '\\') {
			switch (*++v) {
			case '\0':
				return parse_error(c,
						   "backslash at end of line");
			case 'n':
				buf_addch(out, '\n');
				break;
			case 't':
				buf_addch(out, '\t');
				break;
			case 'b':
				buf_addch(out, '\b');
				break;
			case '\\':
			case '"':
				buf_addch(out, *v);
				break;
			default:
				return parse_error(c, "invalid escape '\\%c'",
						   isprint((unsigned char)*v) ?
						   *v : '?');
			}
		} else {
			buf_addch(out, ch);
		}
		keep = out->len;
	}
	if (quoted)
		return parse_error(c, "unterminated quoted value");
	buf_setlen(out, keep);
	return 0;
}

static int handler(void *user, const char *section, const char *name,
		   const char *value)
{
	struct parse_ctx *c = user;
	const char *p = c->line, *end = c->line + c->line_len;
	struct buf v = BUF_INIT;

	(void)section; /* ours, from parse_header(), is authoritative */
	if (c->failed)
		return 0;
	while (p < end && *p != '=' && *p != ':')
		p++;
	if (p == end || *p != '=') {
		parse_error(c, "expected 'name = value'");
		return 0;
	}
	if (!valid_word(name, strlen(name))) {
		parse_error(c, "invalid variable name '%.64s'", name);
		return 0;
	}
	if (!c->section) {
		parse_error(c, "variable '%s' is not in a section", name);
		return 0;
	}
	if (decode_value(&v, c, value) < 0) {
		buf_release(&v);
		return 0;
	}
	insert_entry(c->cfg, c->cfg->nr, xstrdup(c->section),
		     c->subsection ? xstrdup(c->subsection) : NULL,
		     lower_dup(name, strlen(name)), buf_detach(&v, NULL));
	return 1;
}

static pthread_once_t ini_once = PTHREAD_ONCE_INIT;

/* Debian's libinih makes its compile-time options variables; see above. */
static void ini_setup(void)
{
	ini_allow_multiline = false;
	ini_allow_inline_comments = false;
	ini_allow_bom = false;
	ini_allow_no_value = false;
	ini_stop_on_first_error = true;
	ini_use_stack = false;
	ini_allow_realloc = true;
	ini_initial_alloc = 256;
	ini_max_line = CONFIG_MAX_LINE + 16;
}

int config_parse(struct config **out, const char *data, size_t len,
		 const char *what)
{
	struct parse_ctx c;
	int r, err = 0;

	*out = NULL;
	if (len > CONFIG_MAX_SIZE)
		return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_CONFIG,
					"'%s' is larger than %d bytes", what,
					CONFIG_MAX_SIZE);
	pthread_once(&ini_once, ini_setup);
	memset(&c, 0, sizeof(c));
	c.cfg = config_new();
	c.what = what;
	c.data = data;
	c.len = len;
	if (len >= 3 && !memcmp(data, "\xef\xbb\xbf", 3))
		c.pos = 3;

	r = ini_parse_stream(reader, &c, handler, &c);
	if (c.failed)
		err = CAIRN_EINVALID;
	else if (r == -2)
		err = cairn_error_set(CAIRN_ERRCLASS_NOMEM,
				      "out of memory reading '%s'", what);
	else if (r != 0)
		err = cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_CONFIG,
				       "'%s': line %d: expected 'name = value'",
				       what, r);
	free(c.section);
	free(c.subsection);
	if (err < 0)
		config_free(c.cfg);
	else
		*out = c.cfg;
	return err;
}

int config_load(struct config **out, const char *path)
{
	struct buf b = BUF_INIT;
	int err;

	*out = NULL;
	if ((err = fs_read_file_max(&b, path, CONFIG_MAX_SIZE)) >= 0)
		err = config_parse(out, b.ptr ? b.ptr : "", b.len, path);
	buf_release(&b);
	return err;
}

/* -------------------------------------------------------------- writing */

static bool needs_quotes(const char *v)
{
	const unsigned char *p = (const unsigned char *)v;
	size_t len = strlen(v);

	if (!len || isspace(p[0]) || isspace(p[len - 1]))
		return true;
	for (; *p; p++) {
		if (*p < 0x20 || *p == 0x7f || *p == '#' || *p == ';' ||
		    *p == '"' || *p == '\\')
			return true;
	}
	return false;
}

static void put_value(struct buf *out, const char *v)
{
	if (!needs_quotes(v)) {
		buf_puts(out, v);
		return;
	}
	buf_addch(out, '"');
	for (; *v; v++) {
		switch (*v) {
		case '"':
			buf_puts(out, "\\\"");
			break;
		case '\\':
			buf_puts(out, "\\\\");
			break;
		case '\n':
			buf_puts(out, "\\n");
			break;
		case '\t':
			buf_puts(out, "\\t");
			break;
		case '\b':
			buf_puts(out, "\\b");
			break;
		default:
			buf_addch(out, *v);
		}
	}
	buf_addch(out, '"');
}

void config_format(struct buf *out, const struct config *cfg)
{
	const struct config_entry *prev = NULL;
	size_t i;

	for (i = 0; i < cfg->nr; i++) {
		const struct config_entry *e = &cfg->entries[i];

		if (!prev || !same_section(prev, e->section, e->subsection)) {
			buf_printf(out, "[%s", e->section);
			if (e->subsection) {
				const char *s;

				buf_puts(out, " \"");
				for (s = e->subsection; *s; s++) {
					if (*s == '\\')
						buf_addch(out, '\\');
					buf_addch(out, *s);
				}
				buf_addch(out, '"');
			}
			buf_puts(out, "]\n");
		}
		buf_printf(out, "\t%s = ", e->name);
		put_value(out, e->value);
		buf_addch(out, '\n');
		prev = e;
	}
}

int config_save(const struct config *cfg, const char *path)
{
	struct buf b = BUF_INIT;
	int err;

	config_format(&b, cfg);
	err = fs_write_atomic(path, b.ptr ? b.ptr : "", b.len, 0644);
	buf_release(&b);
	return err;
}
