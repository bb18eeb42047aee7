/*
 * pointer.c: reading and writing pointer files (NAME.cairn).
 *
 * A pointer file is one YAML mapping (see pointer.h for the format). It
 * reaches us from git, from other people and from merges, so parsing
 * treats it as untrusted bytes:
 *
 *   - The bytes must be UTF-8 text without control characters (YAML
 *     allows nothing else); this is checked before libfyaml sees them,
 *     which also avoids a hang in libfyaml 0.7.12 (see check_text()).
 *   - libfyaml builds the document with a private diagnostic object in
 *     "collect" mode, so the library never prints to stderr; the first
 *     collected error becomes our message ("invalid YAML at line N").
 *   - The top level must be a single document holding a mapping. Keys are
 *     scalars; duplicate keys are refused (libfyaml refuses them while
 *     building, and we check again for the fields we read); keys we do not
 *     know are ignored, so a newer cairn may add fields.
 *   - `version` is checked before anything else, so a file written by a
 *     newer cairn is reported as such rather than as a missing field.
 *   - Every field we read is a one-line scalar (plain, single- or
 *     double-quoted), without alias or explicit tag; block and multi-line
 *     scalars are refused, as libfyaml 0.7.12 decodes some of them wrongly
 *     (see token_text()). Numbers are plain decimal digits without sign or
 *     leading zeros, at most UINT64_MAX. Strings may not contain NUL or
 *     newlines and must be valid UTF-8.
 *   - `path` is relative and clean: non-empty, no leading '/', no empty,
 *     "." or ".." component, so it never leaves the pointer file's
 *     directory.
 *
 * Invariant: a struct pointer returned by pointer_parse() passes
 * check_pointer(), and pointer_format() of such a pointer parses back to
 * the same fields (the fuzz target checks this). pointer_write() refuses a
 * pointer that fails check_pointer(), so cairn never writes a file it
 * would not read back.
 *
 * Writing quotes `path` and `dataset` with YAML double quotes whenever a
 * plain scalar could be misread (anything outside [A-Za-z0-9._/-], or a
 * string a YAML reader would take for a number, boolean or null), and
 * escapes every character YAML does not allow raw in a quoted scalar or
 * that some reader might treat as a line break.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libfyaml.h>

#include "lib/pointer.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/banned.h"

#define POINTER_COMMENT \
	"# cairn pointer file: commit this; the data it names is in .gitignore\n"

enum field_id {
	F_VERSION,
	F_PATH,
	F_ID,
	F_SIZE,
	F_KIND,
	F_FILES,
	F_DATASET,
	F_DATASET_VERSION,
	F_COUNT
};

static const char *const field_names[F_COUNT] = {
	"version", "path", "id", "size", "kind", "files", "dataset",
	"dataset_version"
};

/* "'a.cairn': field 'size' is not a number" */
static int invalid(const char *what, const char *reason, const char *field)
{
	return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_DATA,
				"'%s': field '%s' %s", what, field, reason);
}

/* ---------------------------------------------------------- validation */

/*
 * Length of the UTF-8 sequence at s (at most n bytes), or 0 if it is not
 * a valid, shortest-form encoding of a Unicode scalar value. *cp gets the
 * code point.
 */
static size_t utf8_decode(const unsigned char *s, size_t n, unsigned *cp)
{
	unsigned c = s[0], min;
	size_t len, i;

	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if ((c & 0xe0) == 0xc0) {
		len = 2;
		min = 0x80;
		c &= 0x1f;
	} else if ((c & 0xf0) == 0xe0) {
		len = 3;
		min = 0x800;
		c &= 0x0f;
	} else if ((c & 0xf8) == 0xf0) {
		len = 4;
		min = 0x10000;
		c &= 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

/* Checks shared by `path` and `dataset`; NULL if fine, else a reason. */
static const char *check_string(const char *s, size_t len)
{
	size_t i = 0;

	if (!len)
		return "is empty";
	if (memchr(s, '\0', len))
		return "contains a NUL byte";
	if (memchr(s, '\n', len))
		return "contains a newline";
	while (i < len) {
		unsigned cp;
		size_t n = utf8_decode((const unsigned char *)s + i, len - i,
				       &cp);

		if (!n)
			return "is not valid UTF-8";
		i += n;
	}
	return NULL;
}

/* NULL if s is an acceptable relative path, else the reason. */
static const char *check_path(const char *s, size_t len)
{
	const char *why = check_string(s, len), *p = s, *end = s + len;

	if (why)
		return why;
	if (s[0] == '/')
		return "is an absolute path";
	while (p <= end) {
		const char *slash = memchr(p, '/', (size_t)(end - p));
		size_t n = (size_t)((slash ? slash : end) - p);

		if (n == 0)
			return "has an empty component";
		if (n == 1 && p[0] == '.')
			return "has a '.' component";
		if (n == 2 && p[0] == '.' && p[1] == '.')
			return "has a '..' component";
		if (!slash)
			break;
		p = slash + 1;
	}
	return NULL;
}

/* Everything pointer_write() requires; the parser enforces the same. */
static int check_pointer(const struct pointer *p, const char *what)
{
	const char *why;

	if (!p->path)
		return invalid(what, "is missing", "path");
	if ((why = check_path(p->path, strlen(p->path))))
		return invalid(what, why, "path");
	if (!p->dataset)
		return invalid(what, "is missing", "dataset");
	if ((why = check_string(p->dataset, strlen(p->dataset))))
		return invalid(what, why, "dataset");
	if (p->kind != POINTER_KIND_FILE && p->kind != POINTER_KIND_DIR)
		return invalid(what, "must be 'file' or 'dir'", "kind");
	if (p->kind == POINTER_KIND_FILE && p->files != 1)
		return invalid(what, "must be 1 for a file", "files");
	if (p->version < 1)
		return invalid(what, "must be at least 1", "dataset_version");
	return 0;
}

/* -------------------------------------------------------------- parsing */

struct parse_ctx {
	const char *what;
	const char *data;
	size_t len;
	struct fy_node *fields[F_COUNT];
	struct buf text; /* the text of the scalar last read */
};

/*
 * The text of a scalar token, into out; -1 if it is not a one-line plain
 * or quoted scalar. A NULL token is the empty scalar.
 *
 * libfyaml 0.7.12 cannot be trusted with the rest. fy_token_get_text()
 * (and so fy_node_get_scalar()) leaks the decoded copy of a scalar with
 * escapes; both it and the token iterator turn "''''" in a single-quoted
 * scalar into three quotes instead of two; and its folding of multi-line
 * quoted scalars mishandles an escaped backslash before an escaped line
 * break. A pointer file never needs a multi-line scalar, so: plain and
 * double-quoted scalars are read through the token iterator (which
 * decodes one-line ones correctly and allocates nothing it keeps), and
 * single-quoted ones are decoded here from the source bytes, where "''"
 * is the only escape.
 */
static int token_text(struct buf *out, struct fy_token *t, const char *data,
		      size_t len)
{
	const struct fy_mark *sm, *em;
	struct fy_token_iter *iter;
	const struct fy_iter_chunk *chunk = NULL;
	enum fy_scalar_style style;
	int err = 0;

	buf_reset(out);
	if (!t)
		return 0; /* an empty (null) scalar has no token */
	if (!(sm = fy_token_start_mark(t)) ||
	    !(em = fy_token_end_mark(t)) || sm->line != em->line ||
	    sm->input_pos > em->input_pos || em->input_pos > len)
		return -1;
	style = fy_scalar_token_get_style(t);
	if (style == FYSS_SINGLE_QUOTED) {
		const char *p = data + sm->input_pos;
		const char *end = data + em->input_pos;

		if (sm->input_pos == 0 || p[-1] != '\'' ||
		    em->input_pos >= len || *end != '\'')
			return -1;
		for (; p < end; p++) {
			buf_addch(out, *p);
			if (*p == '\'' && (++p == end || *p != '\''))
				return -1;
		}
		return 0;
	}
	if (style != FYSS_PLAIN && style != FYSS_DOUBLE_QUOTED)
		return -1;
	if (!(iter = fy_token_iter_create(t)))
		return -1;
	while ((chunk = fy_token_iter_chunk_next(iter, chunk, &err)))
		buf_add(out, chunk->str, chunk->len);
	fy_token_iter_destroy(iter);
	return err ? -1 : 0;
}

/*
 * Read field f into c->text, checking it is present, a scalar, not an
 * alias, untagged and on one line. `kind` names the expected type in
 * messages.
 */
static int field_scalar(struct parse_ctx *c, enum field_id f, const char *kind)
{
	struct fy_node *n = c->fields[f];
	const char *name = field_names[f];
	char msg[64];

	if (!n)
		return invalid(c->what, "is missing", name);
	snprintf(msg, sizeof(msg), "is not %s", kind);
	if (!fy_node_is_scalar(n) || fy_node_is_alias(n))
		return invalid(c->what, msg, name);
	if (fy_node_get_tag_token(n))
		return invalid(c->what, "must not have a YAML tag", name);
	if (token_text(&c->text, fy_node_get_scalar_token(n), c->data,
		       c->len) < 0) {
		snprintf(msg, sizeof(msg), "is not %s on one line", kind);
		return invalid(c->what, msg, name);
	}
	return 0;
}

static int field_u64(uint64_t *out, struct parse_ctx *c, enum field_id f)
{
	const char *s;
	size_t len, i;
	uint64_t v = 0;
	int err;

	if ((err = field_scalar(c, f, "a number")) < 0)
		return err;
	s = c->text.ptr;
	len = c->text.len;
	if (fy_node_get_style(c->fields[f]) != FYNS_PLAIN || !len ||
	    (len > 1 && s[0] == '0'))
		return invalid(c->what, "is not a number", field_names[f]);
	for (i = 0; i < len; i++) {
		unsigned d = (unsigned char)s[i] - '0';

		if (d > 9)
			return invalid(c->what, "is not a number",
				       field_names[f]);
		if (v > (UINT64_MAX - d) / 10)
			return invalid(c->what, "is out of range",
				       field_names[f]);
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

static int field_string(char **out, struct parse_ctx *c, enum field_id f,
			const char *(*check)(const char *, size_t))
{
	const char *why;
	int err;

	if ((err = field_scalar(c, f, "a string")) < 0)
		return err;
	if ((why = check(c->text.ptr, c->text.len)))
		return invalid(c->what, why, field_names[f]);
	*out = xstrndup(c->text.ptr, c->text.len);
	return 0;
}

static int field_id(cairn_oid *out, struct parse_ctx *c)
{
	const char *s;
	int err;

	if ((err = field_scalar(c, F_ID, "a string")) < 0)
		return err;
	s = c->text.ptr;
	if (c->text.len != CAIRN_OID_STRLEN || memcmp(s, "sha256:", 7) ||
	    memchr(s, '\0', c->text.len) || cairn_oid_parse(out, s) < 0)
		return invalid(c->what, "is not a sha256 object id", "id");
	return 0;
}

/* Turn the first diagnostic libfyaml collected into our error. */
static int yaml_error(struct fy_diag *diag, struct parse_ctx *c)
{
	void *iter = NULL;
	struct fy_diag_error *e;

	while ((e = fy_diag_errors_iterate(diag, &iter))) {
		const char *k;
		size_t klen;

		if (e->type < FYET_ERROR)
			continue;
		if (e->fyt && e->msg && !strcmp(e->msg, "duplicate key") &&
		    !token_text(&c->text, e->fyt, c->data, c->len)) {
			k = buf_cstr(&c->text);
			klen = c->text.len;
			if (klen && klen <= 32 && !check_string(k, klen) &&
			    !memchr(k, '\'', klen))
				return cairn_error_setc(CAIRN_EINVALID,
					CAIRN_ERRCLASS_DATA,
					"'%s': field '%s' appears twice (line %d)",
					c->what, k, e->line);
		}
		return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_DATA,
				"'%s': invalid YAML at line %d, column %d: %s",
				c->what, e->line, e->column,
				e->msg ? e->msg : "syntax error");
	}
	return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_DATA,
				"'%s': invalid YAML", c->what);
}

static void diag_discard(struct fy_diag *diag, void *user, const char *buf,
			 size_t len)
{
	(void)diag;
	(void)user;
	(void)buf;
	(void)len;
}

/* Index the known top-level keys of the root mapping. */
static int collect_fields(struct parse_ctx *c, struct fy_node *root)
{
	struct fy_node_pair *pair;
	void *iter = NULL;

	while ((pair = fy_node_mapping_iterate(root, &iter))) {
		struct fy_node *key = fy_node_pair_key(pair);
		int f;

		if (!key || !fy_node_is_scalar(key))
			continue;
		if (fy_node_is_alias(key))
			return cairn_error_setc(CAIRN_EINVALID,
				CAIRN_ERRCLASS_DATA,
				"'%s': a key is a YAML alias", c->what);
		if (token_text(&c->text, fy_node_get_scalar_token(key),
			       c->data, c->len) < 0)
			continue; /* not a one-line string: not ours */
		for (f = 0; f < F_COUNT; f++) {
			if (strlen(field_names[f]) == c->text.len &&
			    !memcmp(field_names[f], c->text.ptr, c->text.len))
				break;
		}
		if (f == F_COUNT)
			continue; /* a newer cairn's field */
		if (c->fields[f])
			return invalid(c->what, "appears twice",
				       field_names[f]);
		c->fields[f] = fy_node_pair_value(pair);
		if (!c->fields[f])
			return invalid(c->what, "has no value",
				       field_names[f]);
	}
	return 0;
}

static int parse_root(struct pointer *out, struct parse_ctx *c,
		      struct fy_node *root)
{
	uint64_t version;
	int err;

	if (!root || !fy_node_is_mapping(root))
		return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_DATA,
					"'%s': not a mapping of fields",
					c->what);
	if ((err = collect_fields(c, root)) < 0)
		return err;

	if ((err = field_u64(&version, c, F_VERSION)) < 0)
		return err;
	if (version > POINTER_FORMAT_VERSION)
		return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_DATA,
			"'%s': field 'version' is %llu (written by a newer cairn)",
			c->what, (unsigned long long)version);
	if (version < POINTER_FORMAT_VERSION)
		return invalid(c->what, "must be 1", "version");

	if ((err = field_string(&out->path, c, F_PATH, check_path)) < 0 ||
	    (err = field_id(&out->oid, c)) < 0 ||
	    (err = field_u64(&out->size, c, F_SIZE)) < 0 ||
	    (err = field_scalar(c, F_KIND, "a string")) < 0)
		return err;
	if (c->text.len == 4 && !memcmp(c->text.ptr, "file", 4))
		out->kind = POINTER_KIND_FILE;
	else if (c->text.len == 3 && !memcmp(c->text.ptr, "dir", 3))
		out->kind = POINTER_KIND_DIR;
	else
		return invalid(c->what, "must be 'file' or 'dir'", "kind");
	if ((err = field_u64(&out->files, c, F_FILES)) < 0 ||
	    (err = field_string(&out->dataset, c, F_DATASET,
				check_string)) < 0 ||
	    (err = field_u64(&out->version, c, F_DATASET_VERSION)) < 0)
		return err;
	return check_pointer(out, c->what);
}

/*
 * Refuse bytes YAML does not allow in a stream before libfyaml sees them:
 * invalid UTF-8, NUL and the other C0 controls but tab, CR and LF, DEL and
 * the C1 controls but NEL. Besides giving a clear message for binary
 * files, this keeps libfyaml 0.7.12 away from a bug: a directive line
 * holding invalid UTF-8 ("%\xd5") makes its scanner loop forever.
 */
static int check_text(const char *data, size_t len, const char *what)
{
	size_t i = 0;
	int line = 1;

	while (i < len) {
		unsigned char c = (unsigned char)data[i];
		unsigned cp;
		size_t n = utf8_decode((const unsigned char *)data + i,
				       len - i, &cp);

		if (!n)
			return cairn_error_setc(CAIRN_EINVALID,
				CAIRN_ERRCLASS_DATA,
				"'%s': line %d: invalid UTF-8", what, line);
		if ((cp < 0x20 && c != '\t' && c != '\n' && c != '\r') ||
		    (cp >= 0x7f && cp <= 0x9f && cp != 0x85) ||
		    cp == 0xfffe || cp == 0xffff)
			return cairn_error_setc(CAIRN_EINVALID,
				CAIRN_ERRCLASS_DATA,
				"'%s': line %d: control character U+%04X",
				what, line, cp);
		if (c == '\n')
			line++;
		i += n;
	}
	return 0;
}

/* Whether data holds nothing but blank lines and comments. */
static bool blank(const char *data, size_t len)
{
	bool comment = false;
	size_t i;

	for (i = 0; i < len; i++) {
		if (data[i] == '\n')
			comment = false;
		else if (data[i] == '#' && !comment)
			comment = true;
		else if (!comment && data[i] != ' ' && data[i] != '\t' &&
			 data[i] != '\r')
			return false;
	}
	return true;
}

int pointer_parse(struct pointer *out, const char *data, size_t len,
		  const char *what)
{
	struct parse_ctx c;
	struct fy_diag_cfg dcfg;
	struct fy_parse_cfg pcfg;
	struct fy_diag *diag = NULL;
	struct fy_parser *parser = NULL;
	struct fy_document *doc = NULL, *extra = NULL;
	int err = 0;

	memset(out, 0, sizeof(*out));
	memset(&c, 0, sizeof(c));
	c.what = what;
	c.data = data;
	c.len = len;
	if (len > POINTER_MAX_SIZE)
		return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_DATA,
					"'%s' is larger than %d bytes", what,
					POINTER_MAX_SIZE);
	if (len == 0)
		return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_DATA,
					"'%s': file is empty", what);
	if ((err = check_text(data, len, what)) < 0)
		return err;

	/* Nothing may reach stderr: collect errors, discard any output. */
	fy_diag_cfg_default(&dcfg);
	dcfg.fp = NULL;
	dcfg.output_fn = diag_discard;
	dcfg.colorize = false;
	dcfg.level = FYET_ERROR;
	if (!(diag = fy_diag_create(&dcfg))) {
		err = cairn_error_set(CAIRN_ERRCLASS_NOMEM,
				      "cannot create a YAML parser");
		goto done;
	}
	fy_diag_set_collect_errors(diag, true);

	memset(&pcfg, 0, sizeof(pcfg));
	pcfg.flags = FYPCF_QUIET | FYPCF_DEFAULT_VERSION_1_2 |
		     FYPCF_JSON_NONE;
	pcfg.diag = diag;
	if (!(parser = fy_parser_create(&pcfg)) ||
	    fy_parser_set_string(parser, data, len) < 0) {
		err = cairn_error_set(CAIRN_ERRCLASS_NOMEM,
				      "cannot create a YAML parser");
		goto done;
	}
	doc = fy_parse_load_document(parser);
	if (fy_diag_got_error(diag)) {
		err = yaml_error(diag, &c);
		goto done;
	}
	if (!doc) {
		err = cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_DATA,
				       blank(data, len) ? "'%s': file is empty"
				       : "'%s': invalid YAML", what);
		goto done;
	}
	extra = fy_parse_load_document(parser);
	if (fy_diag_got_error(diag)) {
		err = yaml_error(diag, &c);
		goto done;
	}
	if (extra) {
		err = cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_DATA,
				       "'%s': more than one YAML document",
				       what);
		goto done;
	}
	err = parse_root(out, &c, fy_document_root(doc));
done:
	if (extra)
		fy_parse_document_destroy(parser, extra);
	if (doc)
		fy_parse_document_destroy(parser, doc);
	if (parser)
		fy_parser_destroy(parser);
	if (diag)
		fy_diag_destroy(diag);
	buf_release(&c.text);
	if (err < 0)
		pointer_release(out);
	return err;
}

int pointer_read(struct pointer *out, const char *path)
{
	struct buf b = BUF_INIT;
	int err;

	memset(out, 0, sizeof(*out));
	if ((err = fs_read_file_max(&b, path, POINTER_MAX_SIZE)) >= 0)
		err = pointer_parse(out, b.ptr ? b.ptr : "", b.len, path);
	buf_release(&b);
	return err;
}

/* -------------------------------------------------------------- writing */

static bool is_plain_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '/' ||
	       c == '-';
}

/*
 * Whether s can be written as a plain scalar that every YAML reader
 * (1.1 or 1.2) reads back as the same string.
 */
static bool plain_ok(const char *s)
{
	static const char *const special[] = {
		"true", "false", "yes", "no", "on", "off", "y", "n", "null",
	};
	size_t i;

	if (!*s || *s == '-' || *s == '.' || (*s >= '0' && *s <= '9'))
		return false;
	for (i = 0; s[i]; i++) {
		if (!is_plain_char((unsigned char)s[i]))
			return false;
	}
	for (i = 0; i < sizeof(special) / sizeof(special[0]); i++) {
		if (!strcasecmp(s, special[i]))
			return false;
	}
	return true;
}

static void put_scalar(struct buf *out, const char *s)
{
	size_t len = strlen(s), i = 0;

	if (plain_ok(s)) {
		buf_puts(out, s);
		return;
	}
	buf_addch(out, '"');
	while (i < len) {
		unsigned char c = (unsigned char)s[i];
		unsigned cp;
		size_t n;

		if (c == '"' || c == '\\') {
			buf_addch(out, '\\');
			buf_addch(out, c);
			i++;
			continue;
		}
		if (c == '\t' || c == '\n' || c == '\r') {
			buf_addch(out, '\\');
			buf_addch(out, c == '\t' ? 't' : c == '\n' ? 'n' : 'r');
			i++;
			continue;
		}
		if (c < 0x20 || c == 0x7f) {
			buf_printf(out, "\\x%02x", c);
			i++;
			continue;
		}
		n = utf8_decode((const unsigned char *)s + i, len - i, &cp);
		if (!n) {
			/* not for a checked pointer; keep the YAML valid */
			buf_printf(out, "\\x%02x", c);
			i++;
			continue;
		}
		if ((cp >= 0x80 && cp <= 0x9f) || cp == 0x2028 ||
		    cp == 0x2029 || cp == 0xfeff || cp == 0xfffe ||
		    cp == 0xffff)
			buf_printf(out, cp <= 0xff ? "\\x%02x" : "\\u%04x", cp);
		else
			buf_add(out, s + i, n);
		i += n;
	}
	buf_addch(out, '"');
}

void pointer_format(struct buf *out, const struct pointer *p)
{
	char id[CAIRN_OID_STRLEN + 1];

	cairn_oid_fmt(id, &p->oid);
	buf_puts(out, POINTER_COMMENT);
	buf_printf(out, "version: %d\n", POINTER_FORMAT_VERSION);
	buf_puts(out, "path: ");
	put_scalar(out, p->path ? p->path : "");
	buf_printf(out, "\nid: %s\n", id);
	buf_printf(out, "size: %llu\n", (unsigned long long)p->size);
	buf_printf(out, "kind: %s\n",
		   p->kind == POINTER_KIND_DIR ? "dir" : "file");
	buf_printf(out, "files: %llu\n", (unsigned long long)p->files);
	buf_puts(out, "dataset: ");
	put_scalar(out, p->dataset ? p->dataset : "");
	buf_printf(out, "\ndataset_version: %llu\n",
		   (unsigned long long)p->version);
}

int pointer_write(const char *path, const struct pointer *p)
{
	struct buf b = BUF_INIT;
	int err;

	if ((err = check_pointer(p, path)) < 0)
		return err;
	pointer_format(&b, p);
	{
		/* Unchanged: leave the file (and its mtime) alone; no fsync. */
		struct buf old = BUF_INIT;
		int same = fs_read_file_max(&old, path, POINTER_MAX_SIZE) == 0 &&
			   old.len == b.len && !memcmp(old.ptr, b.ptr, b.len);

		buf_release(&old);
		cairn_error_reset();
		if (same) {
			buf_release(&b);
			return 0;
		}
	}
	err = fs_write_atomic(path, b.ptr, b.len, 0644);
	buf_release(&b);
	return err;
}

void pointer_release(struct pointer *p)
{
	free(p->path);
	free(p->dataset);
	p->path = NULL;
	p->dataset = NULL;
}
