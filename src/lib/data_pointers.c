/*
 * data_pointers.c: finding pointer files in the working tree.
 *
 * A pointer NAME.cairn describes the data at NAME beside it (the `path`
 * field is relative to the pointer's directory and may not leave it; see
 * pointer.h). When listing every pointer, the walk skips .git, .cairn and
 * any directory that has a pointer beside it, since that directory is
 * tracked data and walking its 20,000 files would find nothing.
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/data.h"
#include "util/alloc.h"
#include "util/fs.h"
#include "util/banned.h"

void data_tracked_release(struct tracked *t)
{
	free(t->pointer_rel);
	free(t->data_rel);
	free(t->message);
	pointer_release(&t->p);
	memset(t, 0, sizeof(*t));
}

void data_tracked_free_all(struct tracked *t, size_t count)
{
	size_t i;

	for (i = 0; i < count; i++)
		data_tracked_release(&t[i]);
	free(t);
}

static int has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n > m && strcmp(s + n - m, suffix) == 0;
}

int data_read_pointer(struct tracked *out, cairn_repo *repo,
		      const char *pointer_rel)
{
	char *abs = path_join(repo->workdir, pointer_rel), *dir;
	int err;

	memset(out, 0, sizeof(*out));
	out->pointer_rel = xstrdup(pointer_rel);
	err = pointer_read(&out->p, abs);
	free(abs);
	if (err < 0)
		return err;
	dir = path_dirname(pointer_rel);
	out->data_rel = strcmp(dir, ".") ? path_join(dir, out->p.path)
					 : xstrdup(out->p.path);
	free(dir);
	return 0;
}

int data_find_pointer(struct tracked *out, cairn_repo *repo, const char *path)
{
	char *rel = NULL, *pointer_rel;
	struct buf b = BUF_INIT;
	int err;

	memset(out, 0, sizeof(*out));
	if ((err = cairn_repo__relpath(&rel, repo, path)) < 0)
		return err;
	while (*rel && rel[strlen(rel) - 1] == '/')
		rel[strlen(rel) - 1] = '\0';
	if (!*rel) {
		err = cairn_error_setc(CAIRN_ENOTFOUND, CAIRN_ERRCLASS_DATA,
				       "'%s' is not tracked by cairn (the project itself)",
				       path);
		goto done;
	}
	if (has_suffix(rel, POINTER_SUFFIX)) {
		pointer_rel = rel;
	} else {
		buf_puts(&b, rel);
		buf_puts(&b, POINTER_SUFFIX);
		pointer_rel = b.ptr;
	}
	{
		char *abs = path_join(repo->workdir, pointer_rel);
		int exists = fs_exists(abs);

		free(abs);
		if (!exists) {
			err = cairn_error_setc(CAIRN_ENOTFOUND, CAIRN_ERRCLASS_DATA,
					       "'%s' is not tracked by cairn (no '%s')",
					       path, pointer_rel);
			goto done;
		}
	}
	if ((err = data_read_pointer(out, repo, pointer_rel)) < 0)
		data_tracked_release(out);
done:
	free(rel);
	buf_release(&b);
	return err;
}

struct walk {
	cairn_repo *repo;
	struct tracked *list;
	size_t n, alloc;
};

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int walk_dir(struct walk *w, const char *rel)
{
	char *abs = rel[0] ? path_join(w->repo->workdir, rel)
			   : xstrdup(w->repo->workdir);
	DIR *d = opendir(abs);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, alloc = 0, i;
	int err = 0;

	free(abs);
	if (!d)
		return 0; /* unreadable directories hold no pointers we can use */
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    !strcmp(de->d_name, ".git") || !strcmp(de->d_name, CAIRN_DIR))
			continue;
		ALLOC_GROW(names, n + 1, alloc);
		names[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (n > 1)
		qsort(names, n, sizeof(*names), name_cmp);
	for (i = 0; i < n && !err; i++) {
		char *child = rel[0] ? path_join(rel, names[i]) : xstrdup(names[i]);
		char *child_abs = path_join(w->repo->workdir, child);

		if (has_suffix(names[i], POINTER_SUFFIX)) {
			struct tracked t;

			ALLOC_GROW(w->list, w->n + 1, w->alloc);
			if (data_read_pointer(&t, w->repo, child) < 0) {
				t.bad = 1;
				t.message = xstrdup(cairn_error_last()->message);
			}
			w->list[w->n++] = t;
		} else {
			struct buf ptr = BUF_INIT;
			struct stat st;

			buf_puts(&ptr, child_abs);
			buf_puts(&ptr, POINTER_SUFFIX);
			if (lstat(child_abs, &st) == 0 && S_ISDIR(st.st_mode) &&
			    !fs_exists(ptr.ptr))
				err = walk_dir(w, child);
			buf_release(&ptr);
		}
		free(child);
		free(child_abs);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return err;
}

int data_all_pointers(struct tracked **out, size_t *count, cairn_repo *repo)
{
	struct walk w = { repo, NULL, 0, 0 };
	int err = walk_dir(&w, "");

	if (err < 0) {
		data_tracked_free_all(w.list, w.n);
		return err;
	}
	*out = w.list;
	*count = w.n;
	return 0;
}

int data_pointers_for(struct tracked **out, char ***versions, size_t *count,
		      cairn_repo *repo, const char *const *specs, size_t nspecs)
{
	struct tracked *list;
	char **vers;
	size_t i;
	int err = 0;

	if (!nspecs) {
		if ((err = data_all_pointers(out, count, repo)) < 0)
			return err;
		*versions = xcalloc(*count ? *count : 1, sizeof(char *));
		return 0;
	}
	list = xcalloc(nspecs, sizeof(*list));
	vers = xcalloc(nspecs, sizeof(char *));
	for (i = 0; i < nspecs && !err; i++) {
		const char *at = strrchr(specs[i], '@');
		char *path = at ? xstrndup(specs[i], (size_t)(at - specs[i]))
				: xstrdup(specs[i]);

		if (at)
			vers[i] = xstrdup(at + 1);
		err = data_find_pointer(&list[i], repo, path);
		free(path);
		for (size_t j = 0; j < i && !err; j++)
			if (!strcmp(list[j].data_rel, list[i].data_rel))
				err = cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
						       "'%s' is named twice", list[i].data_rel);
	}
	if (err < 0) {
		data_tracked_free_all(list, nspecs);
		for (i = 0; i < nspecs; i++)
			free(vers[i]);
		free(vers);
		return err;
	}
	*out = list;
	*versions = vers;
	*count = nspecs;
	return 0;
}

int data_write_pointer(cairn_repo *repo, const char *data_rel,
		       const cairn_data_version *v)
{
	struct pointer p;
	struct buf path = BUF_INIT;
	int err;

	memset(&p, 0, sizeof(p));
	p.path = (char *)path_basename(data_rel);
	p.oid = v->oid;
	p.size = v->size;
	p.kind = v->kind == CAIRN_DATA_DIR ? POINTER_KIND_DIR : POINTER_KIND_FILE;
	p.files = v->files;
	p.dataset = (char *)v->name;
	p.version = v->version;
	buf_puts(&path, repo->workdir);
	buf_addch(&path, '/');
	buf_puts(&path, data_rel);
	buf_puts(&path, POINTER_SUFFIX);
	err = pointer_write(path.ptr, &p);
	buf_release(&path);
	return err;
}
