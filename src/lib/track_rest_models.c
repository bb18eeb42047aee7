/*
 * track_rest_models.c: what `cairn serve` needs of a cairn server's
 * registry and deployments (track_backend.h), as calls to its routes
 * (docs/api.md):
 *
 *   model_resolve    GET  cairn/models/resolve (the version with its
 *                         content id)
 *   model_download   the version's files through the read-only proxy
 *                    registered-models/NAME/VERSION/..., then verified here
 *   model_rollback   POST cairn/models/rollback ("expect": the holder
 *                    expected, checked by the server in the move's transaction)
 *   deployment_*     cairn/deployments/{set,get,delete,list,record,events}
 *
 * A download trusts nothing the server says but the content id it pinned
 * at registration (which resolve returns): the files go into a temporary
 * directory beside the destination, their tree id is computed here as
 * `cairn data add` would (scan.h, hashing only), and only if it is the
 * version's content id is the directory renamed into place; otherwise it
 * is removed and the download refused. The listing marks executable
 * files, which get mode 0755 (the tree records it). Names are checked
 * (no '/', "." or ".."), and a listing nested deeper than MAX_DEPTH is
 * refused, so a wrong server cannot write outside the destination.
 *
 * The JSON forms (the parse functions, pure) are the library's own:
 * registry_json.c's extended ModelVersion, cairn_deployment_json() and
 * cairn_deployment_event_json(). The actor set on the repository
 * (cairn_repo_set_actor()) is sent as "user" where the server takes one.
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/repo.h"
#include "lib/scan.h"
#include "lib/track_backend.h"
#include "lib/track_rest.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/banned.h"

#define MAX_DEPTH 64
#define VERSIONS_DIR "registered-models"

static struct rest *conn(cairn_repo *repo)
{
	return repo->track_state;
}

static int malformed(const char *what)
{
	return cairn_error_set(CAIRN_ERRCLASS_REMOTE,
			       "the server sent a malformed %s", what);
}

/* A string member, owned; NULL when absent, null, or "" with empty_null. */
static char *dup_member(json_t *o, const char *key, int empty_null)
{
	const char *s = json_string_value(json_object_get(o, key));

	return !s || (empty_null && !*s) ? NULL : xstrdup(s);
}

/* A member that is JSON (an array or object) as compact text, owned. */
static char *json_member(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_array(v) || json_is_object(v) ? json_dumps(v, JSON_COMPACT)
						      : NULL;
}

/* ------------------------------------------------------------- parsing */

int rest_model_version_parse(cairn_model_version **out, json_t *obj)
{
	const char *name = json_string_value(json_object_get(obj, "name")),
		   *id = json_string_value(json_object_get(obj, "content_id")),
		   *stage = json_string_value(json_object_get(obj, "current_stage"));
	int64_t version = rest_json_int64(json_object_get(obj, "version"));
	cairn_model_version *v;

	*out = NULL;
	if (!name || !*name || version < 1)
		return malformed("model version");
	v = xcalloc(1, sizeof(*v));
	if (!id || cairn_oid_parse(&v->tree, id) < 0 ||
	    cairn_stage_parse(&v->stage, stage ? stage : "None") < 0) {
		free(v);
		cairn_error_reset();
		return malformed("model version (no content id)");
	}
	v->name = xstrdup(name);
	v->version = (uint64_t)version;
	v->size = (uint64_t)rest_json_int64(json_object_get(obj, "size"));
	v->files = (uint64_t)rest_json_int64(json_object_get(obj, "files"));
	v->source = dup_member(obj, "source", 0);
	if (!v->source)
		v->source = xstrdup("");
	v->run_id = dup_member(obj, "run_id", 1);
	v->run_link = dup_member(obj, "run_link", 0);
	if (!v->run_link)
		v->run_link = xstrdup("");
	v->description = dup_member(obj, "description", 0);
	if (!v->description)
		v->description = xstrdup("");
	v->semver = dup_member(obj, "semver", 1);
	v->flavors = json_member(obj, "flavors");
	v->signature = json_member(obj, "signature");
	v->user_id = dup_member(obj, "user_id", 0);
	v->creation_time = rest_json_int64(json_object_get(obj, "creation_timestamp"));
	v->last_updated_time = rest_json_int64(json_object_get(obj,
							       "last_updated_timestamp"));
	*out = v;
	return 0;
}

int rest_deployment_parse(cairn_deployment *d, json_t *obj)
{
	json_t *canary = json_object_get(obj, "canary_uri"),
	       *shadow = json_object_get(obj, "shadow_uri");
	int64_t pct = rest_json_int64(json_object_get(obj, "canary_percent"));

	memset(d, 0, sizeof(*d));
	d->name = json_string_value(json_object_get(obj, "name"));
	d->model_uri = json_string_value(json_object_get(obj, "model_uri"));
	d->canary_uri = json_string_value(canary);
	d->shadow_uri = json_string_value(shadow);
	if (!d->name || !d->model_uri || pct < 0 || pct > 100 ||
	    (canary && !json_is_null(canary) && !d->canary_uri) ||
	    (shadow && !json_is_null(shadow) && !d->shadow_uri))
		return malformed("deployment");
	d->canary_percent = (unsigned)pct;
	d->created_ms = rest_json_int64(json_object_get(obj, "created_ms"));
	d->updated_ms = rest_json_int64(json_object_get(obj, "updated_ms"));
	d->generation = (uint64_t)rest_json_int64(json_object_get(obj, "generation"));
	return 0;
}

int rest_deployment_event_parse(cairn_deployment_event *e, char **details,
				json_t *obj)
{
	json_t *d = json_object_get(obj, "details");
	int64_t version = rest_json_int64(json_object_get(obj, "version"));

	memset(e, 0, sizeof(*e));
	*details = NULL;
	e->seq = rest_json_int64(json_object_get(obj, "seq"));
	e->time_ms = rest_json_int64(json_object_get(obj, "time"));
	e->actor = json_string_value(json_object_get(obj, "actor"));
	e->action = json_string_value(json_object_get(obj, "event"));
	e->model = json_string_value(json_object_get(obj, "model"));
	e->reason = json_string_value(json_object_get(obj, "reason"));
	if (!e->action || strncmp(e->action, "deployment.", 11) || version < 0 ||
	    (d && !json_is_object(d)))
		return malformed("deployment event");
	e->version = (uint64_t)version;
	*details = d ? json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS) : xstrdup("{}");
	e->details = *details ? *details : "{}";
	return 0;
}

/* ------------------------------------------------------------- models */

int rest_model_resolve(cairn_model_version **out, cairn_repo *repo,
		       const char *uri)
{
	json_t *res = NULL;
	int err;

	if ((err = rest_call(&res, conn(repo), "GET", "cairn/models/resolve",
			     json_pack("{s:s}", "uri", uri))) < 0)
		return err;
	err = rest_model_version_parse(out, json_object_get(res, "model_version"));
	json_decref(res);
	return err;
}

/* A name a listing may give: one path component, not "." or "..". */
static int entry_name_ok(const char *name)
{
	return name && *name && !strchr(name, '/') && strcmp(name, ".") &&
	       strcmp(name, "..");
}

/* Fetch the proxy directory remote into the (existing) local one. */
static int fetch_dir(struct rest *r, const char *remote, const char *local,
		     int depth)
{
	json_t *res = NULL, *f;
	size_t i;
	int err;

	if (depth > MAX_DEPTH)
		return malformed("model listing (too deep)");
	if ((err = rest_call(&res, r, "GET", "mlflow-artifacts/artifacts",
			     json_pack("{s:s}", "path", remote))) < 0)
		return err;
	json_array_foreach(json_object_get(res, "files"), i, f) {
		const char *name = json_string_value(json_object_get(f, "path"));
		char *rpath, *lpath;
		int fd;

		if (!entry_name_ok(name)) {
			err = malformed("model listing");
			break;
		}
		rpath = path_join(remote, name);
		lpath = path_join(local, name);
		if (json_is_true(json_object_get(f, "is_dir"))) {
			if (mkdir(lpath, 0755) < 0)
				err = cairn_error_set_os("cannot create '%s'", lpath);
			else
				err = fetch_dir(r, rpath, lpath, depth + 1);
		} else if ((fd = open(lpath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
				      0644)) < 0) {
			err = cairn_error_set_os("cannot create '%s'", lpath);
		} else {
			if ((err = rest_download(r, rpath, fd)) == 0 &&
			    ((json_is_true(json_object_get(f, "executable")) &&
			      fchmod(fd, 0755) < 0) || fsync(fd) < 0))
				err = cairn_error_set_os("cannot write '%s'", lpath);
			close(fd);
		}
		free(rpath);
		free(lpath);
		if (err < 0)
			break;
	}
	json_decref(res);
	return err;
}

/* The content id of the directory at path, hashed here, stored nowhere. */
static int dir_id(cairn_oid *out, cairn_repo *repo, const char *path)
{
	struct scan_options o = { NULL, NULL, NULL };
	struct scan_node *node = NULL;
	char *parent = path_dirname(path);
	int err;

	o.root = parent;
	if ((err = scan_path(&node, repo, path_basename(path), &o)) == 0)
		*out = node->oid;
	scan_free(node);
	free(parent);
	return err;
}

int rest_model_download(cairn_repo *repo, const cairn_model_version *v,
			const char *dest)
{
	char *abs = path_absolute(dest), *parent = NULL, *tmp = NULL;
	char want[CAIRN_OID_STRLEN + 1], got[CAIRN_OID_STRLEN + 1];
	struct buf remote = BUF_INIT, tmpl = BUF_INIT;
	cairn_oid id;
	int err;

	if (!abs)
		return cairn_error_set_os("cannot resolve '%s'", dest);
	while (strlen(abs) > 1 && abs[strlen(abs) - 1] == '/')
		abs[strlen(abs) - 1] = '\0';
	if (fs_exists(abs)) {
		err = cairn_error_setc(CAIRN_EEXISTS, CAIRN_ERRCLASS_INVALID,
				       "'%s' already exists", dest);
		goto done;
	}
	parent = path_dirname(abs);
	buf_printf(&tmpl, "%s/.%s.cairn-XXXXXX", parent, path_basename(abs));
	if (!(tmp = mkdtemp(tmpl.ptr))) {
		err = cairn_error_set_os("cannot create a directory in '%s'", parent);
		goto done;
	}
	buf_printf(&remote, VERSIONS_DIR "/%s/%llu", v->name,
		   (unsigned long long)v->version);
	if ((err = fetch_dir(conn(repo), remote.ptr, tmp, 0)) < 0 ||
	    (err = dir_id(&id, repo, tmp)) < 0)
		goto done;
	if (cairn_oid_cmp(&id, &v->tree)) {
		cairn_oid_fmt(want, &v->tree);
		cairn_oid_fmt(got, &id);
		err = cairn_error_setc(CAIRN_EMISMATCH, CAIRN_ERRCLASS_REMOTE,
				       "model '%s' version %llu from %s: the files "
				       "received have content id %s, not the "
				       "version's %s; nothing written", v->name,
				       (unsigned long long)v->version,
				       rest_uri(conn(repo)), got, want);
		goto done;
	}
	if (rename(tmp, abs) < 0) {
		err = cairn_error_set_os("cannot move the model into '%s'", dest);
		goto done;
	}
	tmp = NULL;
	err = fs_fsync_dir(parent);
done:
	if (tmp)
		fs_remove_tree(tmp);
	buf_release(&remote);
	buf_release(&tmpl);
	free(parent);
	free(abs);
	return err;
}

int rest_model_rollback(uint64_t *to, cairn_repo *repo, const char *name,
			const char *alias,
			const cairn_model_rollback_options *opts)
{
	json_t *res = NULL, *req = json_pack("{s:s, s:s}", "name", name, "alias",
					     alias);
	cairn_model_version *v = NULL;
	int err;

	if (opts->reason)
		json_object_set_new(req, "reason", json_string(opts->reason));
	if (opts->expect_set)
		json_object_set_new(req, "expect",
				    json_integer((json_int_t)opts->expect));
	/* Sent again after a lost answer, it would roll back a second step. */
	if ((err = rest_call_once(&res, conn(repo), "POST", "cairn/models/rollback",
				  req)) < 0)
		return err;
	if ((err = rest_model_version_parse(&v, json_object_get(res,
								"model_version"))) == 0)
		*to = v->version;
	cairn_model_version_free(v);
	json_decref(res);
	return err;
}

/* -------------------------------------------------------- deployments */

/* params with "user": the repository's actor, when one is set. */
static json_t *with_user(cairn_repo *repo, json_t *params)
{
	if (repo->actor)
		json_object_set_new(params, "user", json_string(repo->actor));
	return params;
}

/* A deployment from an answer's "deployment", owned. */
static int deployment_of(cairn_deployment **out, json_t *res)
{
	cairn_deployment d;
	int err;

	*out = NULL;
	if ((err = rest_deployment_parse(&d, json_object_get(res, "deployment"))) < 0)
		return err;
	*out = xmalloc(sizeof(**out));
	**out = d;
	(*out)->name = xstrdup(d.name);
	(*out)->model_uri = xstrdup(d.model_uri);
	(*out)->canary_uri = d.canary_uri ? xstrdup(d.canary_uri) : NULL;
	(*out)->shadow_uri = d.shadow_uri ? xstrdup(d.shadow_uri) : NULL;
	return 0;
}

int rest_deployment_set(cairn_repo *repo, const cairn_deployment *d,
			const char *reason)
{
	json_t *req = json_pack("{s:s, s:s, s:I}", "name", d->name, "model_uri",
				d->model_uri, "canary_percent",
				(json_int_t)d->canary_percent);

	if (d->canary_uri)
		json_object_set_new(req, "canary_uri", json_string(d->canary_uri));
	if (d->shadow_uri)
		json_object_set_new(req, "shadow_uri", json_string(d->shadow_uri));
	if (reason)
		json_object_set_new(req, "reason", json_string(reason));
	return rest_call(NULL, conn(repo), "POST", "cairn/deployments/set",
			 with_user(repo, req));
}

int rest_deployment_get(cairn_deployment **out, cairn_repo *repo,
			const char *name)
{
	json_t *res = NULL;
	int err;

	if ((err = rest_call(&res, conn(repo), "GET", "cairn/deployments/get",
			     json_pack("{s:s}", "name", name))) < 0)
		return err;
	err = deployment_of(out, res);
	json_decref(res);
	return err;
}

int rest_deployment_delete(cairn_repo *repo, const char *name,
			   const char *reason)
{
	json_t *req = json_pack("{s:s}", "name", name);

	if (reason)
		json_object_set_new(req, "reason", json_string(reason));
	return rest_call(NULL, conn(repo), "DELETE", "cairn/deployments/delete",
			 with_user(repo, req));
}

int rest_deployment_foreach(cairn_repo *repo,
			    int (*cb)(const cairn_deployment *d, void *payload),
			    void *payload)
{
	json_t *res = NULL, *o;
	size_t i;
	int err;

	if ((err = rest_call(&res, conn(repo), "GET", "cairn/deployments/list",
			     NULL)) < 0)
		return err;
	json_array_foreach(json_object_get(res, "deployments"), i, o) {
		cairn_deployment d;

		if ((err = rest_deployment_parse(&d, o)) < 0 ||
		    (err = cb(&d, payload)) != 0)
			break;
	}
	json_decref(res);
	return err;
}

int rest_deployment_record(cairn_repo *repo, const char *name,
			   const char *action, const char *model,
			   uint64_t version, const char *details,
			   const char *reason)
{
	json_t *req = json_pack("{s:s, s:s}", "name", name, "action", action);

	if (model && version) {
		json_object_set_new(req, "model", json_string(model));
		json_object_set_new(req, "version", json_integer((json_int_t)version));
	}
	if (details)
		json_object_set_new(req, "details", json_string(details));
	if (reason)
		json_object_set_new(req, "reason", json_string(reason));
	/* An event appended twice would be listed twice: sent once. */
	return rest_call_once(NULL, conn(repo), "POST", "cairn/deployments/record",
			      with_user(repo, req));
}

int rest_deployment_events(cairn_repo *repo, const char *name,
			   int (*cb)(const cairn_deployment_event *e,
			   void *payload),
			   void *payload)
{
	json_t *res = NULL, *o;
	size_t i;
	int err;

	if ((err = rest_call(&res, conn(repo), "GET", "cairn/deployments/events",
			     name ? json_pack("{s:s}", "name", name) : NULL)) < 0)
		return err;
	json_array_foreach(json_object_get(res, "events"), i, o) {
		cairn_deployment_event e;
		char *details;

		err = rest_deployment_event_parse(&e, &details, o);
		if (!err)
			err = cb(&e, payload);
		free(details);
		if (err)
			break;
	}
	json_decref(res);
	return err;
}
