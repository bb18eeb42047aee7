/*
 * data_status.c: `cairn data status` and `cairn data diff`.
 *
 * Both compare two states of a data set, each either a stored tree (read
 * from the object store) or the working tree (a hash-only scan, which the
 * stat cache makes nearly free when nothing changed). A "side" abstracts
 * the two so the comparison is written once: it lists a directory's
 * entries (name, mode, id, size) in name order.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/data.h"
#include "lib/scan.h"
#include "lib/tree.h"
#include "util/alloc.h"
#include "util/fs.h"
#include "util/banned.h"

/* One state of a directory: a stored tree or a scanned directory. */
struct side {
	cairn_repo *repo;
	const struct scan_node *node; /* NULL: stored tree `oid` */
	cairn_oid oid;
};

static int side_list(struct tree *out, const struct side *s, const char *what)
{
	struct buf b = BUF_INIT;
	enum odb_type type;
	size_t i;
	int err;

	memset(out, 0, sizeof(*out));
	if (s->node) {
		for (i = 0; i < s->node->nchildren; i++) {
			const struct scan_node *c = s->node->children[i];

			tree_add(out, c->name, c->mode, &c->oid, c->size);
		}
		return 0;
	}
	if ((err = odb_read(&b, &type, s->repo->odb, &s->oid, ODB_MAX_INLINE)) < 0)
		goto done;
	if (type != ODB_TREE)
		err = cairn_error_setc(CAIRN_EMISMATCH, CAIRN_ERRCLASS_ODB,
				       "%s: expected a directory object", what);
	else
		err = tree_parse(out, b.ptr, b.len, what);
done:
	buf_release(&b);
	return err;
}

static struct side child_side(const struct side *s, const struct tree_entry *e,
			      size_t index)
{
	struct side c = { s->repo, NULL, e->oid };

	if (s->node)
		c.node = s->node->children[index];
	return c;
}

struct differ {
	int (*cb)(const cairn_diff_entry *e, void *payload);
	void *payload;
	uint64_t added, removed, modified;
};

static int emit(struct differ *d, cairn_diff_kind kind, const char *path,
		uint64_t old_size, uint64_t new_size)
{
	cairn_diff_entry e = { kind, path, old_size, new_size };

	if (kind == CAIRN_DIFF_ADDED)
		d->added++;
	else if (kind == CAIRN_DIFF_REMOVED)
		d->removed++;
	else
		d->modified++;
	return d->cb ? d->cb(&e, d->payload) : 0;
}

/* Report every file under a directory as added or removed. */
static int emit_all(struct differ *d, const struct side *s, const char *prefix,
		    cairn_diff_kind kind)
{
	struct tree t;
	size_t i;
	int err;

	if ((err = side_list(&t, s, prefix)) < 0)
		return err;
	for (i = 0; i < t.count && !err; i++) {
		const struct tree_entry *e = &t.entries[i];
		char *path = *prefix ? path_join(prefix, e->name) : xstrdup(e->name);

		if (tree_is_dir(e->mode)) {
			struct side c = child_side(s, e, i);

			err = emit_all(d, &c, path, kind);
		} else {
			err = emit(d, kind, path, kind == CAIRN_DIFF_REMOVED ? e->size : 0,
				   kind == CAIRN_DIFF_ADDED ? e->size : 0);
		}
		free(path);
	}
	tree_release(&t);
	return err;
}

static int diff_trees(struct differ *d, const struct side *a,
		      const struct side *b, const char *prefix)
{
	struct tree ta, tb;
	size_t i = 0, j = 0;
	int err;

	if ((err = side_list(&ta, a, prefix)) < 0)
		return err;
	if ((err = side_list(&tb, b, prefix)) < 0) {
		tree_release(&ta);
		return err;
	}
	while (!err && (i < ta.count || j < tb.count)) {
		const struct tree_entry *ea = i < ta.count ? &ta.entries[i] : NULL;
		const struct tree_entry *eb = j < tb.count ? &tb.entries[j] : NULL;
		int cmp = !ea ? 1 : !eb ? -1 : strcmp(ea->name, eb->name);
		const char *name = cmp <= 0 ? ea->name : eb->name;
		char *path = *prefix ? path_join(prefix, name) : xstrdup(name);

		if (cmp < 0) {
			struct side c = child_side(a, ea, i);

			err = tree_is_dir(ea->mode) ? emit_all(d, &c, path, CAIRN_DIFF_REMOVED)
						   : emit(d, CAIRN_DIFF_REMOVED, path, ea->size, 0);
			i++;
		} else if (cmp > 0) {
			struct side c = child_side(b, eb, j);

			err = tree_is_dir(eb->mode) ? emit_all(d, &c, path, CAIRN_DIFF_ADDED)
						   : emit(d, CAIRN_DIFF_ADDED, path, 0, eb->size);
			j++;
		} else {
			struct side ca = child_side(a, ea, i), cb = child_side(b, eb, j);
			int da = tree_is_dir(ea->mode), db = tree_is_dir(eb->mode);

			if (da && db) {
				if (cairn_oid_cmp(&ea->oid, &eb->oid))
					err = diff_trees(d, &ca, &cb, path);
			} else if (da || db) {
				err = da ? emit_all(d, &ca, path, CAIRN_DIFF_REMOVED)
					 : emit(d, CAIRN_DIFF_REMOVED, path, ea->size, 0);
				if (!err)
					err = db ? emit_all(d, &cb, path, CAIRN_DIFF_ADDED)
						 : emit(d, CAIRN_DIFF_ADDED, path, 0, eb->size);
			} else if (cairn_oid_cmp(&ea->oid, &eb->oid) || ea->mode != eb->mode) {
				err = emit(d, CAIRN_DIFF_MODIFIED, path, ea->size, eb->size);
			}
			i++;
			j++;
		}
		free(path);
	}
	tree_release(&ta);
	tree_release(&tb);
	return err;
}

/* Compare two states of a data set; kinds may differ. */
static int diff_states(struct differ *d, cairn_repo *repo,
		       const cairn_oid *a_oid, int a_dir, uint64_t a_size,
		       const struct scan_node *b_node, const cairn_oid *b_oid,
		       int b_dir, uint64_t b_size)
{
	struct side a = { repo, NULL, *a_oid }, b = { repo, b_node, *b_oid };

	if (!cairn_oid_cmp(a_oid, b_oid))
		return 0;
	if (a_dir && b_dir)
		return diff_trees(d, &a, &b, "");
	if (!a_dir && !b_dir)
		return emit(d, CAIRN_DIFF_MODIFIED, "", a_size, b_size);
	{
		int err = a_dir ? emit_all(d, &a, "", CAIRN_DIFF_REMOVED)
				: emit(d, CAIRN_DIFF_REMOVED, "", a_size, 0);

		if (!err)
			err = b_dir ? emit_all(d, &b, "", CAIRN_DIFF_ADDED)
				    : emit(d, CAIRN_DIFF_ADDED, "", 0, b_size);
		return err;
	}
}

int data_diff_counts(uint64_t *added, uint64_t *removed, uint64_t *modified,
		     cairn_repo *repo, const struct pointer *p,
		     const struct scan_node *current)
{
	struct differ d = { NULL, NULL, 0, 0, 0 };
	int err = diff_states(&d, repo, &p->oid, p->kind == POINTER_KIND_DIR,
			      p->size, current, &current->oid, current->is_dir,
			      current->size);

	*added = d.added;
	*removed = d.removed;
	*modified = d.modified;
	return err;
}

/* ------------------------------------------------------------- status */

static int status_one(cairn_repo *repo, struct tracked *t,
		      int (*cb)(const cairn_data_status_entry *e, void *payload),
		      void *payload)
{
	cairn_data_status_entry e;
	struct scan_options sopts = { NULL, NULL, NULL };
	struct scan_node *root = NULL;
	int err;

	memset(&e, 0, sizeof(e));
	e.pointer_path = t->pointer_rel;
	e.path = t->data_rel ? t->data_rel : t->pointer_rel;
	if (t->bad) {
		e.state = CAIRN_DATA_BAD_POINTER;
		e.message = t->message;
		return cb(&e, payload);
	}
	e.name = t->p.dataset;
	e.version = t->p.version;
	err = scan_path(&root, repo, t->data_rel, &sopts);
	if (err == CAIRN_ENOTFOUND && !root) {
		char *abs = path_join(repo->workdir, t->data_rel);
		int exists = fs_exists(abs);

		free(abs);
		if (!exists) {
			e.state = CAIRN_DATA_MISSING;
			return cb(&e, payload);
		}
	}
	if (err < 0)
		return err;
	if ((err = scan_update_cache(repo, root)) < 0)
		goto done;
	if (cairn_oid_cmp(&root->oid, &t->p.oid) == 0) {
		e.state = CAIRN_DATA_CLEAN;
	} else {
		e.state = CAIRN_DATA_MODIFIED;
		/* Per-file counts need the stored tree; without it, say modified. */
		if (odb_exists(repo->odb, &t->p.oid) &&
		    (err = data_diff_counts(&e.added, &e.removed, &e.modified, repo,
					    &t->p, root)) < 0)
			goto done;
	}
	err = cb(&e, payload);
done:
	scan_free(root);
	return err;
}

int cairn_data_status(cairn_repo *repo, const char *const *paths,
		      size_t npaths,
		      int (*cb)(const cairn_data_status_entry *e, void *payload),
		      void *payload)
{
	struct tracked *list = NULL;
	char **versions = NULL;
	size_t n = 0, i;
	int err;

	for (i = 0; i < npaths; i++)
		if (strchr(paths[i], '@'))
			return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
						"status takes paths, not versions: '%s'",
						paths[i]);
	if ((err = data_pointers_for(&list, &versions, &n, repo, paths, npaths)) < 0)
		return err;
	for (i = 0; i < n && !err; i++)
		err = status_one(repo, &list[i], cb, payload);
	for (i = 0; i < n; i++)
		free(versions[i]);
	free(versions);
	data_tracked_free_all(list, n);
	return err;
}

/* --------------------------------------------------------------- diff */

int cairn_data_diff(cairn_repo *repo, const char *path, const char *from,
		    const char *to,
		    int (*cb)(const cairn_diff_entry *e, void *payload),
		    void *payload)
{
	cairn_data_version a, b;
	struct differ d = { cb, payload, 0, 0, 0 };
	struct scan_options sopts = { NULL, NULL, NULL };
	struct scan_node *root = NULL;
	struct tracked t;
	const char *name;
	cairn_data_version *named = NULL;
	int err;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	memset(&t, 0, sizeof(t));
	if (data_find_pointer(&t, repo, path) == 0) {
		name = t.p.dataset;
	} else if (cairn_data_lookup(&named, repo, path) == 0) {
		name = named->name;
	} else {
		return cairn_error_setc(CAIRN_ENOTFOUND, CAIRN_ERRCLASS_DATA,
					"'%s' is neither a tracked path nor a data set",
					path);
	}
	if (from) {
		if ((err = data_resolve_version(&a, repo, name, from)) < 0)
			goto done;
	} else if (t.pointer_rel) {
		a.oid = t.p.oid;
		a.kind = t.p.kind == POINTER_KIND_DIR ? CAIRN_DATA_DIR : CAIRN_DATA_FILE;
		a.size = t.p.size;
	} else {
		db_version_copy(&a, named);
	}
	if (!odb_exists(repo->odb, &a.oid)) {
		err = cairn_error_setc(CAIRN_ENOTFOUND, CAIRN_ERRCLASS_DATA,
				       "the objects of '%s' are not in this store; run "
				       "'cairn data pull'", path);
		goto done;
	}
	if (to) {
		if ((err = data_resolve_version(&b, repo, name, to)) < 0)
			goto done;
		err = diff_states(&d, repo, &a.oid, a.kind == CAIRN_DATA_DIR, a.size,
				  NULL, &b.oid, b.kind == CAIRN_DATA_DIR, b.size);
	} else {
		const char *data = t.data_rel ? t.data_rel : named->path;

		if ((err = scan_path(&root, repo, data, &sopts)) < 0)
			goto done;
		err = diff_states(&d, repo, &a.oid, a.kind == CAIRN_DATA_DIR, a.size,
				  root, &root->oid, root->is_dir, root->size);
	}
done:
	scan_free(root);
	db_version_clear(&a);
	db_version_clear(&b);
	data_tracked_release(&t);
	cairn_data_version_free(named);
	return err;
}
