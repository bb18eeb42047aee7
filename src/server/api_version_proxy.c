/*
 * api_version_proxy.c: a registered model version's pinned files through
 * the artifact proxy, at registered-models/<name>/<version>/<file>.
 *
 * get-download-uri names this place (mlflow-artifacts:/registered-models/
 * NAME/VERSION), not the source run's artifact directory: a run's
 * artifacts can change after registration, a version's content cannot.
 * What is listed and downloaded here is the tree whose id was fixed at
 * registration, every byte verified on the way out (cairn_model_read), so
 * an MLflow client loading models:/NAME/VERSION gets exactly the bytes
 * that were registered, or an error. A listing marks executable files
 * ("executable": true, which MLflow clients ignore), so a cairn client
 * can rebuild the tree and check it against the version's content id.
 *
 * The place is read-only: uploads and deletions there are refused by
 * api_artifacts.c as paths that are not a run's. Experiment ids are
 * decimal, so "registered-models" never names an experiment.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/api.h"
#include "server/api_model_proxy.h"
#include "server/http.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/banned.h"

#define VERSIONS_DIR "registered-models"

/*
 * The version a split path names: 0 and *out, 1 when the path is not
 * under registered-models/ at all, 2 when it is but names no live version.
 */
static int find_version(cairn_model_version **out, cairn_repo *repo,
			const char *const comp[3], int depth)
{
	char *end;
	unsigned long long n;

	*out = NULL;
	if (depth < 1 || strcmp(comp[0], VERSIONS_DIR))
		return 1;
	if (depth < 3)
		return 2;
	n = strtoull(comp[2], &end, 10);
	if (!n || *end || comp[2][0] == '+' || comp[2][0] == '-' ||
	    cairn_model_version_get(out, repo, comp[1], n) < 0) {
		cairn_error_reset();
		*out = NULL;
		return 2;
	}
	return 0;
}

struct listing {
	json_t *files;
	const char *dir;
};

static int add_entry(const cairn_artifact *a, void *payload)
{
	struct listing *l = payload;
	const char *base = strrchr(a->path, '/');
	json_t *f;

	if (!a->is_dir && !strcmp(a->path, l->dir))
		return 0; /* a file was listed: MLflow shows nothing */
	f = json_object();
	json_object_set_new(f, "path", json_string(base ? base + 1 : a->path));
	json_object_set_new(f, "is_dir", json_boolean(a->is_dir));
	if (!a->is_dir)
		json_object_set_new(f, "file_size", json_integer((json_int_t)a->size));
	/* Not MLflow's; what a client needs to rebuild the pinned tree. */
	if (a->executable)
		json_object_set_new(f, "executable", json_true());
	json_array_append_new(l->files, f);
	return 0;
}

int api_version_proxy_list(cairn_repo *repo, const char *const comp[3],
			   int depth, const char *rel, json_t *files,
			   struct api_result *res)
{
	cairn_model_version *v;
	struct listing l = { files, rel };
	int err = find_version(&v, repo, comp, depth);

	if (err)
		return err == 1 ? 1 : 0; /* an unknown directory lists as empty */
	err = cairn_model_list(repo, v, rel, add_entry, &l);
	cairn_model_version_free(v);
	if (err == CAIRN_ENOTFOUND) {
		cairn_error_reset();
		return 0;
	}
	return err < 0 ? api_fail_cairn(res, err) : 0;
}

struct version_file {
	char *name;
	uint64_t version;
	char *path;
};

static void version_file_free(void *p)
{
	struct version_file *s = p;

	free(s->name);
	free(s->path);
	free(s);
}

static int version_file_produce(cairn_repo *repo, void *state, int fd)
{
	struct version_file *s = state;
	cairn_model_version *v;
	int err;

	if ((err = cairn_model_version_get(&v, repo, s->name, s->version)) < 0)
		return -1;
	err = cairn_model_read(repo, v, s->path, fd);
	cairn_model_version_free(v);
	return err < 0 ? -1 : 0;
}

struct stat_file {
	const char *rel;
	int is_file;
	uint64_t size;
};

static int stat_file(const cairn_artifact *a, void *payload)
{
	struct stat_file *sf = payload;

	if (!a->is_dir && !strcmp(a->path, sf->rel)) {
		sf->is_file = 1;
		sf->size = a->size;
	}
	return 0;
}

int api_version_proxy_download(cairn_repo *repo, const char *const comp[3],
			       int depth, const char *rel, const char *shown,
			       struct http_stream *st, struct api_result *res)
{
	cairn_model_version *v;
	struct stat_file sf = { rel, 0, 0 };
	struct version_file *s;
	int err = find_version(&v, repo, comp, depth);

	if (err == 1)
		return 1;
	if (err == 0 && *rel) {
		err = cairn_model_list(repo, v, rel, stat_file, &sf);
		if (err == CAIRN_ENOTFOUND) {
			cairn_error_reset();
			err = 0;
		}
	}
	if (err < 0) {
		cairn_model_version_free(v);
		return api_fail_cairn(res, err);
	}
	if (!v || !sf.is_file) {
		cairn_model_version_free(v);
		return api_fail(res, 404, "RESOURCE_DOES_NOT_EXIST",
				"No such file or directory: '%s'", shown);
	}
	s = xmalloc(sizeof(*s));
	s->name = xstrdup(comp[1]);
	s->version = v->version;
	s->path = xstrdup(rel);
	cairn_model_version_free(v);
	st->produce = version_file_produce;
	st->free_state = version_file_free;
	st->state = s;
	st->length = (int64_t)sf.size;
	snprintf(st->content_type, sizeof(st->content_type), "%s",
		 http_guess_type(rel));
	st->disposition = http_artifact_disposition(rel);
	return 0;
}
