/*
 * data_lookup.c: naming data set versions, and listing them.
 *
 * A version spec is, in the order tried:
 *   NAME@vN | NAME@N       version N of data set NAME
 *   NAME@<id prefix>       the version of NAME with that content
 *   NAME                   the latest version of NAME
 *   PATH[@...]             the data set of the pointer file at PATH
 *                          (without a suffix: the version the pointer names)
 *   <id prefix>            any version with that content, if unambiguous
 * An id prefix has at least 4 hex digits, with or without "sha256:".
 */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "lib/data.h"
#include "util/alloc.h"
#include "util/banned.h"

static int parse_number(uint64_t *out, const char *s)
{
	char *end;
	unsigned long long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v == 0)
		return -1;
	*out = v;
	return 0;
}

int data_resolve_version(cairn_data_version *out, cairn_repo *repo,
			 const char *name, const char *version)
{
	uint64_t n;

	if ((version[0] == 'v' && parse_number(&n, version + 1) == 0) ||
	    parse_number(&n, version) == 0)
		return db_version_get(out, repo->db, name, n);
	if (strncmp(version, "sha256:", 7) == 0)
		version += 7;
	if (strlen(version) >= 4 && strspn(version, "0123456789abcdef") == strlen(version))
		return db_version_find_prefix(out, repo->db, name, version);
	return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
				"'%s' is not a version (use vN or an id prefix)",
				version);
}

static int dataset_exists(cairn_repo *repo, const char *name)
{
	cairn_data_version v;

	if (db_version_get(&v, repo->db, name, 0) < 0)
		return 0;
	db_version_clear(&v);
	return 1;
}

static int lookup(cairn_data_version *out, cairn_repo *repo, const char *spec)
{
	const char *at = strrchr(spec, '@');
	char *left = at ? xstrndup(spec, (size_t)(at - spec)) : xstrdup(spec);
	struct tracked t;
	int err;

	if (dataset_exists(repo, left)) {
		err = at ? data_resolve_version(out, repo, left, at + 1)
			 : db_version_get(out, repo->db, left, 0);
		goto done;
	}
	if (data_find_pointer(&t, repo, left) == 0) {
		if (at)
			err = data_resolve_version(out, repo, t.p.dataset, at + 1);
		else if ((err = db_version_get(out, repo->db, t.p.dataset,
					       t.p.version)) == CAIRN_ENOTFOUND)
			err = cairn_error_setc(CAIRN_ENOTFOUND, CAIRN_ERRCLASS_DATA,
					       "'%s' names %s@v%llu, which this store does "
					       "not know; run 'cairn data pull'", left,
					       t.p.dataset, (unsigned long long)t.p.version);
		data_tracked_release(&t);
		goto done;
	}
	if (!at) {
		const char *hex = strncmp(spec, "sha256:", 7) == 0 ? spec + 7 : spec;

		if (strlen(hex) >= 4 && strspn(hex, "0123456789abcdef") == strlen(hex)) {
			err = db_version_find_prefix(out, repo->db, NULL, hex);
			goto done;
		}
	}
	err = cairn_error_setc(CAIRN_ENOTFOUND, CAIRN_ERRCLASS_DATA,
			       "no data set, tracked path or version matches '%s'",
			       spec);
done:
	free(left);
	return err;
}

int cairn_data_lookup(cairn_data_version **out, cairn_repo *repo,
		      const char *spec)
{
	cairn_data_version *v;
	int err;

	if ((err = cairn_repo__need_local(repo)) < 0)
		return err;
	v = xcalloc(1, sizeof(*v));
	err = lookup(v, repo, spec);

	if (err < 0) {
		free(v);
		return err;
	}
	*out = v;
	return 0;
}

void cairn_data_version_free(cairn_data_version *v)
{
	if (!v)
		return;
	db_version_clear(v);
	free(v);
}

int cairn_data_log(cairn_repo *repo, const char *name, cairn_data_version_cb cb,
		   void *payload)
{
	struct tracked t;
	char *set = NULL;
	int err;

	if (!dataset_exists(repo, name)) {
		if (data_find_pointer(&t, repo, name) < 0)
			return cairn_error_setc(CAIRN_ENOTFOUND, CAIRN_ERRCLASS_DATA,
						"no data set or tracked path '%s'", name);
		set = xstrdup(t.p.dataset);
		data_tracked_release(&t);
	}
	err = db_version_foreach(repo->db, set ? set : name, 0, cb, payload);
	free(set);
	return err;
}

int cairn_data_list(cairn_repo *repo, cairn_data_version_cb cb, void *payload)
{
	return db_version_foreach(repo->db, NULL, 1, cb, payload);
}

json_t *data_version_json(const cairn_data_version *v)
{
	char id[CAIRN_OID_STRLEN + 1];
	json_t *o;

	cairn_oid_fmt(id, &v->oid);
	o = json_pack("{s:s, s:I, s:s, s:s, s:I, s:I, s:s, s:I, s:s}", "name", v->name,
		      "version", (json_int_t)v->version, "id", id, "kind",
		      v->kind == CAIRN_DATA_DIR ? "dir" : "file", "size",
		      (json_int_t)v->size, "files", (json_int_t)v->files, "path",
		      v->path ? v->path : "", "created_ms", (json_int_t)v->created_ms,
		      "created_by", v->created_by ? v->created_by : "");
	if (v->rows >= 0)
		json_object_set_new(o, "rows", json_integer(v->rows));
	if (v->columns) {
		json_t *cols = json_loads(v->columns, 0, NULL);

		if (cols)
			json_object_set_new(o, "columns", cols);
	}
	if (v->run_id && *v->run_id)
		json_object_set_new(o, "run_id", json_string(v->run_id));
	return o;
}

int cairn_data_version_json(cairn_buf *out, const cairn_data_version *v)
{
	json_t *o = data_version_json(v);
	char *text = json_dumps(o, JSON_COMPACT);

	json_decref(o);
	if (!text)
		return cairn_error_set(CAIRN_ERRCLASS_NOMEM, "cannot encode the version");
	out->ptr = xstrdup(text);
	out->size = strlen(text);
	out->asize = out->size + 1;
	free(text);
	return 0;
}
