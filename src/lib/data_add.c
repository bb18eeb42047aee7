/*
 * data_add.c: `cairn data add`: store a file or directory and record a
 * data set version.
 *
 * Order of durable effects, so an interruption at any point leaves the
 * store valid and loses nothing recorded before:
 *   1. objects: written to a new pack and published (odb.h);
 *   2. metadata: the version row and the stat cache, in one transaction;
 *   3. the pointer file and the .gitignore entry, each temp + rename.
 * Killed after 1, the objects are unreferenced and gc removes them; after
 * 2, re-running add finds the version and just rewrites the pointer.
 *
 * Adding content a data set already has returns that version (same bytes,
 * same version) and creates nothing: the version keeps the run that first
 * produced it (opts->run_id is recorded on a new version only).
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/audit.h"
#include "lib/csvmeta.h"
#include "lib/data.h"
#include "lib/scan.h"
#include "lib/tree.h"
#include "util/alloc.h"
#include "util/fs.h"
#include "util/progress.h"
#include "util/banned.h"

#define GITIGNORE_MAX (1024 * 1024)

static int check_name(const char *name)
{
	size_t i;

	if (!*name || strlen(name) > 255)
		return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
					"data set name must be 1 to 255 characters");
	for (i = 0; name[i]; i++)
		if (name[i] == '@' || (unsigned char)name[i] < 0x20)
			return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
						"data set name '%s' may not contain '@' or "
						"control characters", name);
	return 0;
}

/* Refuse a path inside data that is already tracked as a whole. */
static int check_not_nested(cairn_repo *repo, const char *rel)
{
	struct buf prefix = BUF_INIT;
	const char *p = rel;
	int err = 0;

	while ((p = strchr(p, '/')) && !err) {
		char *abs;

		buf_reset(&prefix);
		buf_add(&prefix, rel, (size_t)(p - rel));
		buf_puts(&prefix, POINTER_SUFFIX);
		abs = path_join(repo->workdir, prefix.ptr);
		if (fs_exists(abs)) {
			buf_setlen(&prefix, prefix.len - strlen(POINTER_SUFFIX));
			err = cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_DATA,
					       "'%s' is inside '%s', which is tracked as a "
					       "whole; add '%s' again instead", rel,
					       prefix.ptr, prefix.ptr);
		}
		free(abs);
		p++;
	}
	buf_release(&prefix);
	return err;
}

/*
 * The .gitignore line matching exactly the file `base` in its directory:
 * anchored with '/', git's pattern characters escaped, and a trailing
 * space protected (git strips unescaped trailing spaces).
 */
static void gitignore_pattern(struct buf *out, const char *base)
{
	size_t i, n = strlen(base);

	buf_addch(out, '/');
	for (i = 0; i < n; i++) {
		if (strchr("[]*?\\", base[i]) || (base[i] == ' ' && i == n - 1))
			buf_addch(out, '\\');
		buf_addch(out, base[i]);
	}
}

/* Make sure the directory's .gitignore ignores the data file `base`. */
static int ignore_in_git(cairn_repo *repo, const char *data_rel)
{
	char *dir = path_dirname(data_rel);
	char *gi_rel = strcmp(dir, ".") ? path_join(dir, ".gitignore")
					: xstrdup(".gitignore");
	char *gi = path_join(repo->workdir, gi_rel);
	struct buf content = BUF_INIT, line = BUF_INIT;
	const char *p;
	int err;

	gitignore_pattern(&line, path_basename(data_rel));
	err = fs_read_file_max(&content, gi, GITIGNORE_MAX);
	if (err == CAIRN_ENOTFOUND)
		err = 0;
	if (err < 0)
		goto done;
	for (p = buf_cstr(&content); *p;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);

		if (n && p[n - 1] == '\r')
			n--; /* a CRLF file */
		if (n == line.len && !memcmp(p, line.ptr, n))
			goto done; /* already there */
		p += n + (nl ? 1 : 0);
	}
	if (content.len && content.ptr[content.len - 1] != '\n')
		buf_addch(&content, '\n');
	buf_add(&content, line.ptr, line.len);
	buf_addch(&content, '\n');
	err = fs_write_atomic(gi, content.ptr, content.len, 0644);
done:
	free(dir);
	free(gi_rel);
	free(gi);
	buf_release(&content);
	buf_release(&line);
	return err;
}

/* Row count, columns and type guesses of a CSV/TSV file, as JSON. */
static void tabular_meta(cairn_data_version *v, cairn_repo *repo,
			 const char *data_rel)
{
	struct csvmeta meta;
	char *abs = path_join(repo->workdir, data_rel);
	json_t *cols;
	size_t i;

	v->rows = -1;
	if (!csvmeta_is_tabular(data_rel) || csvmeta_read_file(&meta, abs) < 0) {
		free(abs);
		return; /* not tabular, or not well-formed: no schema recorded */
	}
	free(abs);
	cols = json_array();
	for (i = 0; i < meta.ncolumns; i++)
		json_array_append_new(cols, json_pack("{s:s, s:s}", "name",
						      meta.columns[i].name, "type",
						      csv_type_name(meta.columns[i].type)));
	v->rows = (int64_t)meta.rows;
	v->columns = json_dumps(cols, JSON_COMPACT);
	json_decref(cols);
	csvmeta_release(&meta);
}

static int now_ms(int64_t *out)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	*out = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	return 0;
}

static int record_version(cairn_data_version *out, int *created,
			  cairn_repo *repo, const char *name, const char *run_id,
			  const char *data_rel, const struct scan_node *root)
{
	int err;

	if ((err = db_begin(repo->db)) < 0)
		return err;
	err = db_version_find_oid(out, repo->db, name, &root->oid);
	if (err == CAIRN_ENOTFOUND) {
		memset(out, 0, sizeof(*out));
		out->name = xstrdup(name);
		out->oid = root->oid;
		out->kind = root->is_dir ? CAIRN_DATA_DIR : CAIRN_DATA_FILE;
		out->size = root->size;
		out->files = root->files;
		out->path = xstrdup(data_rel);
		now_ms(&out->created_ms);
		out->created_by = xstrdup(audit_actor(repo));
		out->rows = -1;
		out->run_id = run_id && *run_id ? xstrdup(run_id) : NULL;
		if (!root->is_dir)
			tabular_meta(out, repo, data_rel);
		if ((err = db_version_insert(repo->db, out)) == 0)
			err = audit_data_version(repo, "dataset.version.add", out);
		*created = 1;
	} else {
		*created = 0;
	}
	if (err < 0) {
		db_rollback(repo->db);
		db_version_clear(out);
		return err;
	}
	if ((err = db_commit(repo->db)) < 0)
		db_version_clear(out);
	return err;
}

int cairn_data_add(cairn_repo *repo, const char *path,
		   const cairn_data_add_options *opts,
		   int (*cb)(const cairn_data_add_result *result, void *payload),
		   void *payload)
{
	cairn_data_add_options defaults = CAIRN_DATA_ADD_OPTIONS_INIT;
	struct scan_options sopts = { NULL, NULL, NULL };
	struct scan_node *root = NULL;
	struct odb_writer *w = NULL;
	cairn_data_version v;
	cairn_data_add_result result;
	char *rel = NULL, *pointer_rel = NULL;
	int err, created = 0, locked = 0;

	memset(&v, 0, sizeof(v));
	if (!opts)
		opts = &defaults;
	if ((err = cairn_repo__relpath(&rel, repo, path)) < 0)
		goto done;
	while (*rel && rel[strlen(rel) - 1] == '/')
		rel[strlen(rel) - 1] = '\0';
	if (!*rel) {
		err = cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_DATA,
				       "cannot add the whole project; add its files "
				       "or directories");
		goto done;
	}
	if (strlen(rel) > strlen(POINTER_SUFFIX) &&
	    !strcmp(rel + strlen(rel) - strlen(POINTER_SUFFIX), POINTER_SUFFIX)) {
		err = cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_DATA,
				       "'%s' is a pointer file; add the data it names",
				       path);
		goto done;
	}
	if (!tree_name_valid(path_basename(rel))) {
		err = cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_DATA,
				       "'%s': this file name cannot be versioned", path);
		goto done;
	}
	if ((err = check_name(opts->name ? opts->name : rel)) < 0 ||
	    (err = check_not_nested(repo, rel)) < 0)
		goto done;
	if ((err = cairn_repo__lock(repo, 0)) < 0)
		goto done;
	locked = 1;
	if ((err = odb_writer_new(&w, repo->odb)) < 0)
		goto done;
	sopts.writer = w;
	if (opts->progress)
		sopts.progress = progress_start("adding", 0);
	err = scan_path(&root, repo, rel, &sopts);
	progress_stop(sopts.progress);
	if (err < 0 || (err = odb_writer_commit(w)) < 0)
		goto done;
	if ((err = record_version(&v, &created, repo, opts->name ? opts->name : rel,
				  opts->run_id, rel, root)) < 0 ||
	    (err = scan_update_cache(repo, root)) < 0 ||
	    (err = data_write_pointer(repo, rel, &v)) < 0 ||
	    (err = ignore_in_git(repo, rel)) < 0)
		goto done;
	if (cb) {
		struct buf b = BUF_INIT;

		buf_printf(&b, "%s%s", rel, POINTER_SUFFIX);
		pointer_rel = buf_detach(&b, NULL);
		result.path = rel;
		result.pointer_path = pointer_rel;
		result.version = &v;
		result.created = created;
		result.stored_bytes = odb_writer_bytes(w);
		err = cb(&result, payload);
	}
done:
	if (locked)
		cairn_repo__unlock(repo);
	odb_writer_free(w);
	scan_free(root);
	db_version_clear(&v);
	free(rel);
	free(pointer_rel);
	return err;
}
