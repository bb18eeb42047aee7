/*
 * mlmodel.c: reading MLflow's MLmodel file (mlmodel.h).
 *
 * How it reads untrusted bytes:
 *   - Before libfyaml sees them, the bytes must be at most
 *     MLMODEL_MAX_SIZE of UTF-8 text without NUL or control characters
 *     other than tab and line breaks (this also keeps libfyaml 0.7.12 out
 *     of a hang on malformed directives, see pointer.c).
 *   - libfyaml builds one document with a private diagnostic object that
 *     collects errors instead of printing; the first error becomes our
 *     message. More than one document is refused.
 *   - The root must be a mapping. Only `flavors` (a mapping: its keys are
 *     the flavor names, and the scalars of each flavor's own mapping its
 *     configuration; anything else under a flavor is skipped) and `signature` (a mapping of `inputs`, `outputs`
 *     and `params` to scalars or null) are read; other keys are ignored.
 *     Aliases and tags on what we read are refused.
 *   - Scalar text: single-quoted scalars (what PyYAML writes for the JSON
 *     strings of a signature, folded over several lines when long) are
 *     decoded here from the source bytes, as libfyaml 0.7.12 decodes ''
 *     inside them wrongly; plain and double-quoted ones through libfyaml's
 *     token iterator, which keeps no allocation (fy_token_get_text() can
 *     leak).
 * The results are JSON built with jansson, so they are always valid JSON.
 */
#include <jansson.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <libfyaml.h>

#include "lib/mlmodel.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/banned.h"

static int invalid(const char *what, const char *why)
{
	return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_DATA,
				"'%s': %s", what, why);
}

/* NULL if data is acceptable text, else why not. */
static const char *check_text(const unsigned char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		unsigned c = s[i], cp, min;
		size_t n, k;

		if (c < 0x80) {
			if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') ||
			    c == 0x7f)
				return "has a control character";
			i++;
			continue;
		}
		if ((c & 0xe0) == 0xc0)
			n = 2, cp = c & 0x1f, min = 0x80;
		else if ((c & 0xf0) == 0xe0)
			n = 3, cp = c & 0x0f, min = 0x800;
		else if ((c & 0xf8) == 0xf0)
			n = 4, cp = c & 0x07, min = 0x10000;
		else
			return "is not UTF-8";
		if (len - i < n)
			return "is not UTF-8";
		for (k = 1; k < n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return "is not UTF-8";
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return "is not UTF-8";
		i += n;
	}
	return NULL;
}

/* Decode a single-quoted scalar from the source, folding line breaks. */
static int single_quoted(struct buf *out, const char *p, const char *end)
{
	while (p < end) {
		if (*p == '\'') {
			if (p + 1 >= end || p[1] != '\'')
				return -1;
			buf_addch(out, '\'');
			p += 2;
		} else if (*p == '\n' || *p == '\r') {
			size_t breaks = 0;

			while (out->len && (out->ptr[out->len - 1] == ' ' ||
					    out->ptr[out->len - 1] == '\t'))
				buf_setlen(out, out->len - 1);
			while (p < end && strchr(" \t\r\n", *p)) {
				if (*p == '\n' || (*p == '\r' && (p + 1 == end || p[1] != '\n')))
					breaks++;
				p++;
			}
			if (breaks == 1)
				buf_addch(out, ' ');
			while (breaks-- > 1)
				buf_addch(out, '\n');
		} else {
			buf_addch(out, *p++);
		}
	}
	return 0;
}

/* The text of a scalar node; -1 if it cannot be read. */
static int scalar_text(struct buf *out, struct fy_node *n, const char *data,
		       size_t len)
{
	struct fy_token *t;
	const struct fy_mark *sm, *em;
	struct fy_token_iter *iter;
	const struct fy_iter_chunk *chunk = NULL;
	int err = 0;

	buf_reset(out);
	if (!n || !fy_node_is_scalar(n) || fy_node_is_alias(n) ||
	    fy_node_get_tag_token(n))
		return -1;
	if (!(t = fy_node_get_scalar_token(n)))
		return 0; /* the empty scalar */
	if (!(sm = fy_token_start_mark(t)) || !(em = fy_token_end_mark(t)) ||
	    sm->input_pos > em->input_pos || em->input_pos > len)
		return -1;
	if (fy_scalar_token_get_style(t) == FYSS_SINGLE_QUOTED) {
		if (sm->input_pos == 0 || data[sm->input_pos - 1] != '\'' ||
		    em->input_pos >= len || data[em->input_pos] != '\'')
			return -1;
		return single_quoted(out, data + sm->input_pos,
				     data + em->input_pos);
	}
	if (!(iter = fy_token_iter_create(t)))
		return -1;
	while ((chunk = fy_token_iter_chunk_next(iter, chunk, &err)))
		buf_add(out, chunk->str, chunk->len);
	fy_token_iter_destroy(iter);
	return err ? -1 : 0;
}

/* The value of key `name` in a mapping node, or NULL. */
static struct fy_node *lookup(struct fy_node *map, const char *name,
			      const char *data, size_t len, struct buf *tmp)
{
	struct fy_node_pair *pair;
	void *it = NULL;

	while ((pair = fy_node_mapping_iterate(map, &it))) {
		if (!scalar_text(tmp, fy_node_pair_key(pair), data, len) &&
		    tmp->len == strlen(name) && !memcmp(tmp->ptr, name, tmp->len))
			return fy_node_pair_value(pair);
	}
	return NULL;
}

static int is_null(struct fy_node *n, struct buf *text)
{
	return !n || (fy_node_get_style(n) == FYNS_PLAIN &&
		      (!text->len || !strcmp(text->ptr, "null") ||
		       !strcmp(text->ptr, "~")));
}

/* The scalar settings of one flavor's mapping, as a JSON object. */
static json_t *flavor_settings(struct fy_node *map, const char *data,
			       size_t len)
{
	json_t *conf = json_object();
	struct fy_node_pair *pair;
	struct buf key = BUF_INIT, val = BUF_INIT;
	void *it = NULL;

	if (!map || !fy_node_is_mapping(map) || fy_node_is_alias(map))
		return conf;
	while ((pair = fy_node_mapping_iterate(map, &it))) {
		struct fy_node *v = fy_node_pair_value(pair);

		if (scalar_text(&key, fy_node_pair_key(pair), data, len) < 0 ||
		    !key.len || memchr(key.ptr, '\0', key.len))
			continue;
		if (!v || fy_node_is_scalar(v)) {
			if (v && (scalar_text(&val, v, data, len) < 0 ||
				  memchr(buf_cstr(&val), '\0', val.len)))
				continue;
			if (!v)
				buf_reset(&val);
			json_object_set_new(conf, buf_cstr(&key),
					    is_null(v, &val) ? json_null() :
					    json_stringn(val.ptr, val.len));
		}
	}
	buf_release(&key);
	buf_release(&val);
	return conf;
}

static int read_flavors(struct mlmodel *out, struct fy_node *flavors,
			const char *data, size_t len, const char *what)
{
	json_t *names = json_array(), *confs = json_object();
	struct fy_node_pair *pair;
	struct buf key = BUF_INIT;
	void *it = NULL;
	int err = 0;

	if (!fy_node_is_mapping(flavors) || fy_node_is_alias(flavors)) {
		json_decref(names);
		json_decref(confs);
		return invalid(what, "'flavors' is not a mapping");
	}
	while ((pair = fy_node_mapping_iterate(flavors, &it))) {
		if (scalar_text(&key, fy_node_pair_key(pair), data, len) < 0 ||
		    !key.len || memchr(key.ptr, '\0', key.len)) {
			err = invalid(what, "a flavor name is not a string");
			break;
		}
		json_array_append_new(names, json_stringn(key.ptr, key.len));
		json_object_set_new(confs, buf_cstr(&key),
				    flavor_settings(fy_node_pair_value(pair),
						    data, len));
	}
	if (!err && json_array_size(names)) {
		out->flavors = json_dumps(names, JSON_COMPACT);
		out->flavor_conf = json_dumps(confs, JSON_COMPACT);
	}
	json_decref(names);
	json_decref(confs);
	buf_release(&key);
	return err;
}

static int read_signature(struct mlmodel *out, struct fy_node *sig,
			  const char *data, size_t len, const char *what)
{
	static const char *const parts[] = { "inputs", "outputs", "params" };
	json_t *obj;
	struct buf tmp = BUF_INIT, text = BUF_INIT;
	size_t i;
	int err = 0;

	if (fy_node_is_scalar(sig) && !scalar_text(&text, sig, data, len) &&
	    is_null(sig, &text)) {
		buf_release(&text);
		return 0; /* signature: null */
	}
	if (!fy_node_is_mapping(sig) || fy_node_is_alias(sig)) {
		buf_release(&text);
		return invalid(what, "'signature' is not a mapping");
	}
	obj = json_object();
	for (i = 0; i < 3 && !err; i++) {
		struct fy_node *n = lookup(sig, parts[i], data, len, &tmp);

		if (!n)
			continue;
		if (scalar_text(&text, n, data, len) < 0 ||
		    memchr(buf_cstr(&text), '\0', text.len)) {
			err = cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_DATA,
					       "'%s': signature '%s' is not a string",
					       what, parts[i]);
			break;
		}
		if (!is_null(n, &text))
			json_object_set_new(obj, parts[i],
					    json_stringn(text.ptr, text.len));
	}
	if (!err && json_object_size(obj))
		out->signature = json_dumps(obj, JSON_COMPACT);
	json_decref(obj);
	buf_release(&tmp);
	buf_release(&text);
	return err;
}

static void diag_discard(struct fy_diag *diag, void *user, const char *buf,
			 size_t len)
{
	(void)diag;
	(void)user;
	(void)buf;
	(void)len;
}

static int yaml_error(struct fy_diag *diag, const char *what)
{
	struct fy_diag_error *e;
	void *it = NULL;

	while ((e = fy_diag_errors_iterate(diag, &it)))
		if (e->type >= FYET_ERROR)
			return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_DATA,
						"'%s': invalid YAML at line %d, column %d: %s",
						what, e->line, e->column,
						e->msg ? e->msg : "syntax error");
	return invalid(what, "invalid YAML");
}

int mlmodel_parse(struct mlmodel *out, const char *data, size_t len,
		  const char *what)
{
	struct fy_diag_cfg dcfg;
	struct fy_parse_cfg pcfg;
	struct fy_diag *diag = NULL;
	struct fy_parser *parser = NULL;
	struct fy_document *doc = NULL, *extra = NULL;
	struct fy_node *root, *n;
	struct buf tmp = BUF_INIT;
	const char *why;
	int err = 0;

	memset(out, 0, sizeof(*out));
	if (len > MLMODEL_MAX_SIZE)
		return invalid(what, "larger than 1 MiB");
	if ((why = check_text((const unsigned char *)data, len)))
		return invalid(what, why);

	fy_diag_cfg_default(&dcfg);
	dcfg.fp = NULL;
	dcfg.output_fn = diag_discard;
	dcfg.colorize = false;
	dcfg.level = FYET_ERROR;
	if (!(diag = fy_diag_create(&dcfg))) {
		err = cairn_error_set(CAIRN_ERRCLASS_NOMEM, "cannot create a YAML parser");
		goto done;
	}
	fy_diag_set_collect_errors(diag, true);
	memset(&pcfg, 0, sizeof(pcfg));
	pcfg.flags = FYPCF_QUIET | FYPCF_DEFAULT_VERSION_1_2 | FYPCF_JSON_NONE;
	pcfg.diag = diag;
	if (!(parser = fy_parser_create(&pcfg)) ||
	    fy_parser_set_string(parser, data, len) < 0) {
		err = cairn_error_set(CAIRN_ERRCLASS_NOMEM, "cannot create a YAML parser");
		goto done;
	}
	doc = fy_parse_load_document(parser);
	if (fy_diag_got_error(diag)) {
		err = yaml_error(diag, what);
		goto done;
	}
	if (doc)
		extra = fy_parse_load_document(parser);
	if (fy_diag_got_error(diag)) {
		err = yaml_error(diag, what);
		goto done;
	}
	if (extra) {
		err = invalid(what, "more than one YAML document");
		goto done;
	}
	root = doc ? fy_document_root(doc) : NULL;
	if (!root || !fy_node_is_mapping(root) || fy_node_is_alias(root)) {
		err = invalid(what, "not a YAML mapping");
		goto done;
	}
	if ((n = lookup(root, "flavors", data, len, &tmp)) &&
	    (err = read_flavors(out, n, data, len, what)) < 0)
		goto done;
	if ((n = lookup(root, "signature", data, len, &tmp)))
		err = read_signature(out, n, data, len, what);
done:
	if (extra)
		fy_parse_document_destroy(parser, extra);
	if (doc)
		fy_parse_document_destroy(parser, doc);
	if (parser)
		fy_parser_destroy(parser);
	if (diag)
		fy_diag_destroy(diag);
	buf_release(&tmp);
	if (err < 0)
		mlmodel_release(out);
	return err;
}

void mlmodel_release(struct mlmodel *m)
{
	free(m->flavors);
	free(m->signature);
	free(m->flavor_conf);
	m->flavors = m->signature = m->flavor_conf = NULL;
}
