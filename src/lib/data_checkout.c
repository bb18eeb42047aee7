/*
 * data_checkout.c: `cairn data checkout`: put the bytes a pointer names
 * (or an older version's) back into the working tree.
 *
 * Two passes. The first resolves every spec and checks, before anything
 * is touched, that the objects are in the store and that no local change
 * would be lost: data that differs from what its pointer names is only
 * overwritten with force. The second restores.
 *
 * Every file is written to a temporary name beside its target, verified
 * while it streams out of the store (each chunk against its id and the
 * whole file against the file's id), then renamed over the target, so a
 * reader never sees a half-written file and a corrupt store never lands a
 * wrong byte. A single file is fsync'ed before the rename; a directory's
 * files are flushed together with one syncfs() at the end, which costs
 * one disk flush instead of one per file.
 *
 * NEEDSWORK: chunks live in pack files, so a restored file is always a
 * copy; a reflink (FICLONE) applies only to whole files, which the store
 * does not keep.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/data.h"
#include "lib/scan.h"
#include "lib/tree.h"
#include "util/alloc.h"
#include "util/fs.h"
#include "util/progress.h"
#include "util/banned.h"

struct plan {
	struct tracked *t;
	cairn_data_version target;
	struct scan_node *current; /* the data as it is now, or NULL if absent */
	int up_to_date;
};

static int restore_file(cairn_repo *repo, const char *rel, const cairn_oid *oid,
			unsigned mode, int durable, struct progress *progress)
{
	char *abs = path_join(repo->workdir, rel), *dir = path_dirname(abs);
	char *tmp = NULL;
	int fd, err;

	fd = fs_mkstemp(&tmp, dir, ".cairn-checkout-");
	if (fd < 0) {
		err = fd;
		goto done;
	}
	if ((err = odb_read_file(repo->odb, oid, fd, progress)) < 0) {
		char cause[512];

		snprintf(cause, sizeof(cause), "%s", cairn_error_last()->message);
		err = cairn_error_setc(err, CAIRN_ERRCLASS_DATA,
				       "cannot restore '%s': %s", rel, cause);
		goto done;
	}
	if (fchmod(fd, mode == TREE_MODE_EXEC ? 0755 : 0644) < 0 ||
	    (durable && fsync(fd) < 0)) {
		err = cairn_error_set_os("cannot write '%s'", rel);
		goto done;
	}
	close(fd);
	fd = -1;
	if (rename(tmp, abs) < 0) {
		err = cairn_error_set_os("cannot replace '%s'", rel);
		goto done;
	}
	free(tmp);
	tmp = NULL;
done:
	if (fd >= 0)
		close(fd);
	if (tmp) {
		unlink(tmp);
		free(tmp);
	}
	free(abs);
	free(dir);
	return err;
}

static const struct scan_node *child_named(const struct scan_node *n,
					   const char *name)
{
	size_t i;

	if (!n || !n->is_dir)
		return NULL;
	for (i = 0; i < n->nchildren; i++)
		if (!strcmp(n->children[i]->name, name))
			return n->children[i];
	return NULL;
}

static int restore_tree(cairn_repo *repo, const char *rel, const cairn_oid *oid,
			const struct scan_node *cur, uint64_t *written,
			struct progress *progress)
{
	char *abs = path_join(repo->workdir, rel);
	struct buf b = BUF_INIT;
	struct tree t = { 0 };
	enum odb_type type;
	size_t i, j;
	int err;

	if (cur && !cur->is_dir && (err = fs_unlink(abs)) < 0)
		goto done;
	if (cur && !cur->is_dir)
		cur = NULL;
	if (mkdir(abs, 0755) < 0 && errno != EEXIST) {
		err = cairn_error_set_os("cannot create directory '%s'", rel);
		goto done;
	}
	if ((err = odb_read(&b, &type, repo->odb, oid, ODB_MAX_INLINE)) < 0 ||
	    (err = tree_parse(&t, b.ptr, b.len, rel)) < 0)
		goto done;
	for (i = 0; i < t.count && !err; i++) {
		const struct tree_entry *e = &t.entries[i];
		const struct scan_node *c = child_named(cur, e->name);
		char *crel = path_join(rel, e->name);

		if (tree_is_dir(e->mode)) {
			err = restore_tree(repo, crel, &e->oid, c, written, progress);
		} else if (c && !c->is_dir && !cairn_oid_cmp(&c->oid, &e->oid) &&
			   c->mode == e->mode) {
			/* already there */
		} else {
			char *cabs = path_join(repo->workdir, crel);

			if (c && c->is_dir)
				err = fs_remove_tree(cabs);
			free(cabs);
			if (!err)
				err = restore_file(repo, crel, &e->oid, e->mode, 0, progress);
			if (!err)
				(*written)++;
		}
		free(crel);
	}
	/* What the version does not have goes. */
	for (j = 0; cur && j < cur->nchildren && !err; j++) {
		const struct scan_node *c = cur->children[j];
		int keep = 0;

		for (i = 0; i < t.count && !keep; i++)
			keep = !strcmp(t.entries[i].name, c->name);
		if (!keep) {
			char *cabs = path_join(repo->workdir, c->rel);

			err = fs_remove_tree(cabs);
			free(cabs);
		}
	}
done:
	tree_release(&t);
	buf_release(&b);
	free(abs);
	return err;
}

static int plan_one(struct plan *pl, cairn_repo *repo, struct tracked *t,
		    const char *version, int force)
{
	struct scan_options sopts = { NULL, NULL, NULL };
	char hex[CAIRN_OID_STRLEN + 1];
	int err;

	pl->t = t;
	if (t->bad)
		return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_DATA, "%s",
					t->message);
	if (version) {
		if ((err = data_resolve_version(&pl->target, repo, t->p.dataset,
						version)) < 0)
			return err;
	} else {
		memset(&pl->target, 0, sizeof(pl->target));
		pl->target.name = xstrdup(t->p.dataset);
		pl->target.version = t->p.version;
		pl->target.oid = t->p.oid;
		pl->target.kind = t->p.kind == POINTER_KIND_DIR ? CAIRN_DATA_DIR
								: CAIRN_DATA_FILE;
		pl->target.size = t->p.size;
		pl->target.files = t->p.files;
		pl->target.rows = -1;
	}
	cairn_oid_fmt(hex, &pl->target.oid);
	if (!odb_exists(repo->odb, &pl->target.oid))
		return cairn_error_setc(CAIRN_ENOTFOUND, CAIRN_ERRCLASS_DATA,
					"'%s': object %s is not in the store; run "
					"'cairn data pull'", t->data_rel, hex);
	err = scan_path(&pl->current, repo, t->data_rel, &sopts);
	if (err == CAIRN_ENOTFOUND) {
		char *abs = path_join(repo->workdir, t->data_rel);
		int exists = fs_exists(abs);

		free(abs);
		if (!exists)
			return 0;
	}
	if (err < 0)
		return err;
	if (!cairn_oid_cmp(&pl->current->oid, &pl->target.oid)) {
		pl->up_to_date = 1;
		return 0;
	}
	if (cairn_oid_cmp(&pl->current->oid, &t->p.oid) && !force) {
		uint64_t added = 1, removed = 0, modified = 0;

		/* Restoring deleted files loses nothing; anything else would. */
		if (odb_exists(repo->odb, &t->p.oid) &&
		    (err = data_diff_counts(&added, &removed, &modified, repo, &t->p,
					    pl->current)) < 0)
			return err;
		if (added || modified)
			return cairn_error_setc(CAIRN_ECONFLICT, CAIRN_ERRCLASS_DATA,
						"'%s' has local changes that checkout would "
						"overwrite; add them first, or use --force",
						t->data_rel);
	}
	if (pl->current->is_dir != (pl->target.kind == CAIRN_DATA_DIR) &&
	    pl->current->is_dir && !force)
		return cairn_error_setc(CAIRN_ECONFLICT, CAIRN_ERRCLASS_DATA,
					"'%s' is a directory but the version is a file; "
					"use --force to replace it", t->data_rel);
	return 0;
}

static int apply_one(struct plan *pl, cairn_repo *repo, uint64_t *written,
		     struct progress *progress)
{
	const char *rel = pl->t->data_rel;
	char *abs = path_join(repo->workdir, rel);
	int err = 0;

	*written = 0;
	if (!pl->up_to_date) {
		if (pl->target.kind == CAIRN_DATA_DIR) {
			err = restore_tree(repo, rel, &pl->target.oid, pl->current,
					   written, progress);
			if (!err) {
				int fd = open(abs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

				if (fd >= 0) {
					syncfs(fd);
					close(fd);
				}
			}
		} else {
			if (pl->current && pl->current->is_dir)
				err = fs_remove_tree(abs);
			if (!err)
				err = restore_file(repo, rel, &pl->target.oid,
						   TREE_MODE_FILE, 1, progress);
			*written = 1;
		}
	}
	if (err < 0)
		goto done;
	if (cairn_oid_cmp(&pl->target.oid, &pl->t->p.oid) ||
	    pl->target.version != pl->t->p.version)
		err = data_write_pointer(repo, rel, &pl->target);
	/*
	 * The stat cache is not refreshed here: files written just now are
	 * "racily clean" (mtime within the timestamp granularity of the
	 * write), so the next status re-reads them once, as git does.
	 */
done:
	free(abs);
	return err;
}

int cairn_data_checkout(cairn_repo *repo, const char *const *specs,
			size_t nspecs, const cairn_data_checkout_options *opts,
			int (*cb)(const cairn_data_checkout_result *r, void *payload),
			void *payload)
{
	cairn_data_checkout_options defaults = CAIRN_DATA_CHECKOUT_OPTIONS_INIT;
	struct tracked *list = NULL;
	char **versions = NULL;
	struct plan *plans = NULL;
	struct progress *progress = NULL;
	size_t n = 0, i;
	uint64_t total = 0;
	int err, locked = 0;

	if ((err = cairn_repo__need_local(repo)) < 0)
		return err;
	if (!opts)
		opts = &defaults;
	if ((err = data_pointers_for(&list, &versions, &n, repo, specs, nspecs)) < 0)
		return err;
	plans = xcalloc(n ? n : 1, sizeof(*plans));
	if ((err = cairn_repo__lock(repo, 0)) < 0)
		goto done;
	locked = 1;
	for (i = 0; i < n && !err; i++) {
		if (!nspecs && list[i].bad)
			continue; /* reported by status; don't block the others */
		err = plan_one(&plans[i], repo, &list[i], versions[i], opts->force);
		total += plans[i].up_to_date ? 0 : plans[i].target.size;
	}
	if (err < 0)
		goto done;
	if (opts->progress)
		progress = progress_start("checking out", total);
	for (i = 0; i < n && !err; i++) {
		cairn_data_checkout_result r;

		if (!plans[i].t)
			continue;
		if ((err = apply_one(&plans[i], repo, &r.files_written, progress)) < 0)
			break;
		r.path = list[i].data_rel;
		r.version = &plans[i].target;
		r.restored = !plans[i].up_to_date;
		if (cb)
			err = cb(&r, payload);
	}
	progress_stop(progress);
done:
	if (locked)
		cairn_repo__unlock(repo);
	for (i = 0; i < n; i++) {
		db_version_clear(&plans[i].target);
		scan_free(plans[i].current);
		free(versions[i]);
	}
	free(plans);
	free(versions);
	data_tracked_free_all(list, n);
	return err;
}
