/*
 * registry_versions.c: model versions: registration, lookups, tags,
 * deletion, stages and aliases, with MLflow's semantics.
 *
 * Registration pins the content: a run's artifact directory is already a
 * tree in the object store (run_artifacts.c), so its id is taken as it is
 * at that moment (later artifact logging builds new trees and cannot
 * touch it); a local directory is stored first, as `data add` does. The
 * MLmodel file, if any, is read from the stored tree, not from the disk,
 * so what is recorded describes exactly the pinned bytes.
 *
 * Stages: None, Staging, Production, Archived (case-insensitive on
 * input). archive_existing moves the other versions of the target stage
 * to Archived in the same transaction, and is only allowed for Staging
 * and Production (MLflow answers 500 otherwise; cairn says why, 400).
 * Versions in Production or holding an alias are not deleted without
 * force.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/audit.h"
#include "lib/promotion.h"
#include "lib/registry.h"
#include "lib/semver.h"
#include "lib/tree.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/banned.h"

static const char *const stage_names[] = { "None", "Staging", "Production",
					   "Archived" };

const char *cairn_stage_name(cairn_stage stage)
{
	return (unsigned)stage < 4 ? stage_names[stage] : "None";
}

int cairn_stage_parse(cairn_stage *out, const char *name)
{
	int i;

	for (i = 0; i < 4; i++) {
		if (name && !strcasecmp(name, stage_names[i])) {
			*out = (cairn_stage)i;
			return 0;
		}
	}
	return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
				"Invalid Model Version stage: %s. Value must be one "
				"of None, Staging, Production, Archived.",
				name ? name : "");
}

char *registry__version_json(const cairn_model_version *v)
{
	char tree[CAIRN_OID_STRLEN + 1];
	json_t *o;
	char *s;

	cairn_oid_fmt(tree, &v->tree);
	o = json_pack("{s:s, s:I, s:s, s:s, s:s}", "name", v->name, "version",
		      (json_int_t)v->version, "content_id", tree, "source",
		      v->source ? v->source : "", "stage", cairn_stage_name(v->stage));
	if (v->run_id)
		json_object_set_new(o, "run_id", json_string(v->run_id));
	if (v->semver)
		json_object_set_new(o, "semver", json_string(v->semver));
	s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	return s;
}

/* ----------------------------------------------------------- sources */

/*
 * The run and artifact path a source URI names: runs:/RUN/PATH or
 * mlflow-artifacts:/EXP/RUN/artifacts/PATH (what MLflow clients send).
 */
static int parse_source(struct buf *run, struct buf *path, const char *source)
{
	const char *p, *slash;

	buf_reset(run);
	buf_reset(path);
	if (!strncmp(source, "runs:/", 6)) {
		p = source + 6;
	} else if (!strncmp(source, "mlflow-artifacts:/", 18)) {
		p = source + 18;
		while (*p == '/')
			p++;
		if (!(slash = strchr(p, '/')))
			goto bad;
		p = slash + 1; /* the experiment id */
		if (!(slash = strchr(p, '/')) || strncmp(slash, "/artifacts", 10) ||
		    (slash[10] && slash[10] != '/'))
			goto bad;
		buf_add(run, p, (size_t)(slash - p));
		p = slash + 10;
		while (*p == '/')
			p++;
		buf_puts(path, p);
		return 0;
	} else {
		goto bad;
	}
	while (*p == '/')
		p++;
	slash = strchr(p, '/');
	buf_add(run, p, slash ? (size_t)(slash - p) : strlen(p));
	if (slash)
		buf_puts(path, slash + 1);
	if (!run->len)
		goto bad;
	return 0;
bad:
	return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
				"Invalid model version source: '%s'. A source is "
				"runs:/RUN_ID/PATH or "
				"mlflow-artifacts:/EXPERIMENT/RUN_ID/artifacts/PATH",
				source);
}

struct find_dir {
	const char *name;
	cairn_artifact found;
	int hit;
};

static int find_child(const cairn_artifact *a, void *payload)
{
	struct find_dir *f = payload;
	const char *slash = strrchr(a->path, '/');

	if (strcmp(slash ? slash + 1 : a->path, f->name))
		return 0;
	f->found = *a;
	f->hit = 1;
	return 1;
}

/* The tree of a run's artifact directory. */
static int run_dir(cairn_oid *tree, cairn_repo *repo,
		   const char *run_id, const char *path)
{
	struct buf clean = BUF_INIT, parent = BUF_INIT;
	struct find_dir f;
	struct db_run r;
	int err, has;

	memset(&f, 0, sizeof(f));
	while (*path == '/')
		path++;
	buf_puts(&clean, path);
	while (clean.len && clean.ptr[clean.len - 1] == '/')
		buf_setlen(&clean, clean.len - 1);
	if (!clean.len) {
		if ((err = db_run_get(&r, repo->db, run_id)) < 0)
			goto done;
		has = db_run_artifacts_get(tree, repo->db, r.key);
		db_run_clear(&r);
		if ((err = has < 0 ? has : 0) < 0)
			goto done;
		if (!has) {
			err = cairn_error_setc(CAIRN_ENOTFOUND, CAIRN_ERRCLASS_INVALID,
					       "run %s has no artifacts", run_id);
			goto done;
		}
		err = 0;
		goto done;
	}
	f.name = strrchr(clean.ptr, '/') ? strrchr(clean.ptr, '/') + 1 : clean.ptr;
	buf_add(&parent, clean.ptr, (size_t)(f.name - clean.ptr));
	if (parent.len)
		buf_setlen(&parent, parent.len - 1);
	err = cairn_artifact_list(repo, run_id, buf_cstr(&parent), find_child, &f);
	if (err == 1)
		err = 0;
	if (err < 0 && err != CAIRN_ENOTFOUND)
		goto done;
	if (err == CAIRN_ENOTFOUND || !f.hit) {
		err = cairn_error_setc(CAIRN_ENOTFOUND, CAIRN_ERRCLASS_INVALID,
				       "run %s has no artifact directory '%s'", run_id,
				       clean.ptr);
	} else if (!f.found.is_dir) {
		err = cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
				       "artifact '%s' of run %s is a file; a model is "
				       "a directory", clean.ptr, run_id);
	} else {
		*tree = f.found.oid;
	}
done:
	buf_release(&clean);
	buf_release(&parent);
	return err;
}

/*
 * A logged model (MLflow 3): models:/m-<32 hex>. Its files are an
 * artifact tree of its own; the version pins that tree and takes the
 * model's source run.
 */
static int logged_model_dir(cairn_oid *tree, struct buf *run_id,
			    cairn_repo *repo, const char *source)
{
	const char *id = source + 8;
	struct db_logged_model row;
	int err, has;

	if (!*id || strchr(id, '/') || strchr(id, '@'))
		return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
					"Invalid model version source: '%s'. A logged "
					"model source is models:/<model_id>", source);
	if ((err = db_logged_model_get(&row, repo->db, id)) < 0)
		return err;
	if (row.lifecycle_stage && strcmp(row.lifecycle_stage, "active")) {
		err = cairn_error_setc(CAIRN_ENOTFOUND, CAIRN_ERRCLASS_INVALID,
				       "logged model %s was deleted", id);
	} else if ((has = db_logged_model_artifacts_get(tree, repo->db, row.key)) <= 0) {
		err = has < 0 ? has
		      : cairn_error_setc(CAIRN_ENOTFOUND, CAIRN_ERRCLASS_INVALID,
					 "logged model %s has no files", id);
	} else if (row.source_run_id && *row.source_run_id) {
		buf_puts(run_id, row.source_run_id);
	}
	db_logged_model_clear(&row);
	return err;
}

/* Fill the content of a new version from the options. */
static int pin_content(cairn_model_version *v, struct buf *run_id,
		       struct buf *source, cairn_repo *repo,
		       const cairn_model_register_options *o)
{
	struct buf path = BUF_INIT, from_source = BUF_INIT;
	cairn_buf full = CAIRN_BUF_INIT;
	int n = !!o->run + !!o->from_dir + !!o->source, err = 0;

	if (o->source && o->run && !o->path) {
		n = 1; /* MLflow's run_id beside a source: it must agree */
	}
	if (n != 1)
		return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
					"give exactly one of a run (with its artifact "
					"path), a source URI or a local directory");
	if (o->from_dir) {
		char *abs = path_absolute(o->from_dir);

		err = registry__store_dir(&v->tree, repo, o->from_dir);
		buf_puts(source, abs ? abs : o->from_dir);
		free(abs);
		return err;
	}
	if (o->source && !strncmp(o->source, "models:/", 8)) {
		buf_puts(source, o->source);
		if ((err = logged_model_dir(&v->tree, run_id, repo, o->source)) == 0 &&
		    o->run && run_id->len && strcmp(o->run, run_id->ptr))
			err = cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
					       "Invalid model version source: logged "
					       "model '%s' comes from run %s, not %s",
					       o->source, run_id->ptr, o->run);
		goto done;
	}
	if (o->source) {
		if ((err = parse_source(&from_source, &path, o->source)) < 0)
			goto done;
		buf_puts(source, o->source);
	} else {
		buf_puts(&from_source, o->run);
		buf_puts(&path, o->path ? o->path : "");
	}
	if ((err = cairn_run_resolve(&full, repo, from_source.ptr)) < 0)
		goto done;
	if (o->source && o->run && strcmp(o->run, full.ptr)) {
		err = cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
				       "Invalid model version source: '%s' is not "
				       "inside the artifacts of run %s", o->source,
				       o->run);
		goto done;
	}
	buf_puts(run_id, full.ptr);
	if (!source->len) {
		buf_printf(source, "runs:/%s", full.ptr);
		if (path.len)
			buf_printf(source, "/%s", path.ptr);
	}
	err = run_dir(&v->tree, repo, full.ptr, buf_cstr(&path));
done:
	cairn_buf_dispose(&full);
	buf_release(&path);
	buf_release(&from_source);
	return err;
}

int cairn_model_register(cairn_model_version **out, cairn_repo *repo,
			 const char *name,
			 const cairn_model_register_options *o)
{
	static const cairn_model_register_options none = CAIRN_MODEL_REGISTER_OPTIONS_INIT;
	struct reg_change c = { "model.version.register", NULL, NULL, NULL, NULL };
	struct buf run_id = BUF_INIT, source = BUF_INIT, semver = BUF_INIT;
	struct mlmodel ml = { NULL, NULL, NULL };
	cairn_model_version v, got = { 0 };
	cairn_model m;
	char *last = NULL, *what = NULL;
	int64_t key, vkey;
	size_t i;
	int err;

	if ((err = cairn_repo__need_local(repo)) < 0)
		return err;
	if (out)
		*out = NULL;
	if (!o)
		o = &none;
	memset(&v, 0, sizeof(v));
	if ((err = registry__check_name(name)) < 0)
		return err;
	for (i = 0; i < o->ntags; i++)
		if ((err = registry__check_tag(o->tags[i].key, o->tags[i].value)) < 0)
			return err;
	if (o->semver && o->bump)
		return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
					"give a semantic version or a part to bump, "
					"not both");
	if (o->semver && (err = semver_check(o->semver)) < 0)
		return err;
	/* Fail early on an unknown model, before storing anything. */
	if ((err = db_model_get(&m, NULL, repo->db, name)) < 0)
		return err;
	db_model_clear(&m);
	if ((err = pin_content(&v, &run_id, &source, repo, o)) < 0 ||
	    (err = registry__tree_stats(&v.files, &v.size, repo, &v.tree)) < 0)
		goto done;
	what = xstrdup(source.ptr);
	if ((err = registry__read_mlmodel(&ml, repo, &v.tree, what)) < 0)
		goto done;
	if ((err = registry__begin(repo)) < 0)
		goto done;
	if ((err = db_model_get(&m, &key, repo->db, name)) < 0) {
		err = registry__abort(repo, &c, err);
		goto done;
	}
	db_model_clear(&m);
	if (o->bump) {
		if ((err = db_model_last_semver(&last, repo->db, name)) < 0 ||
		    (err = semver_bump(&semver, last, o->bump)) < 0) {
			err = registry__abort(repo, &c, err);
			goto done;
		}
	} else if (o->semver) {
		buf_puts(&semver, o->semver);
	}
	v.name = name;
	v.source = source.ptr;
	v.run_id = run_id.len ? run_id.ptr : NULL;
	v.run_link = o->run_link ? o->run_link : "";
	v.description = o->description ? o->description : "";
	v.semver = semver.len ? semver.ptr : NULL;
	v.stage = CAIRN_STAGE_NONE;
	v.flavors = ml.flavors;
	v.signature = ml.signature;
	v.user_id = audit_actor(repo);
	v.creation_time = v.last_updated_time = registry__now();
	if ((err = db_model_version_next(&v.version, repo->db, name)) < 0 ||
	    (err = db_model_version_insert(repo->db, key, &v)) < 0 ||
	    (err = db_model_version_get(&got, &vkey, repo->db, name, v.version, -1)) < 0) {
		err = registry__abort(repo, &c, err);
		goto done;
	}
	for (i = 0; i < o->ntags && !err; i++)
		err = db_model_version_tag_put(repo->db, vkey, o->tags[i].key,
					       o->tags[i].value);
	c.object = registry__object(name, got.version);
	c.after = registry__version_json(&got);
	err = err < 0 ? registry__abort(repo, &c, err) : registry__commit(repo, &c);
	if (!err && out) {
		*out = xmalloc(sizeof(**out));
		**out = got;
		memset(&got, 0, sizeof(got));
	}
done:
	db_model_version_clear(&got);
	mlmodel_release(&ml);
	buf_release(&run_id);
	buf_release(&source);
	buf_release(&semver);
	free(last);
	free(what);
	return err;
}

/* ------------------------------------------------------------ lookups */

int cairn_model_version_get(cairn_model_version **out, cairn_repo *repo,
			    const char *name, uint64_t version)
{
	cairn_model_version *v;
	int err;

	if ((err = cairn_repo__need_local(repo)) < 0)
		return err;
	v = xcalloc(1, sizeof(*v));
	if (!version)
		err = cairn_error_setc(CAIRN_ENOTFOUND, CAIRN_ERRCLASS_INVALID,
				       "Model Version (name=%s, version=0) not found",
				       name);
	else
		err = db_model_version_get(v, NULL, repo->db, name, version, -1);
	if (err < 0) {
		free(v);
		return err;
	}
	*out = v;
	return 0;
}

void cairn_model_version_free(cairn_model_version *v)
{
	if (!v)
		return;
	db_model_version_clear(v);
	free(v);
}

struct version_cb {
	int (*cb)(const cairn_model_version *v, void *payload);
	void *payload;
};

static int call_version(const void *row, void *payload)
{
	struct version_cb *c = payload;

	return c->cb(row, c->payload);
}

int cairn_model_versions_search(cairn_buf *next_page_token, cairn_repo *repo,
				const cairn_model_search_options *opts,
				int (*cb)(const cairn_model_version *v,
					  void *payload),
				void *payload)
{
	struct version_cb c = { cb, payload };

	return registry__search(next_page_token, repo, REG_VERSIONS, opts,
				call_version, &c);
}

int cairn_model_latest_versions(cairn_repo *repo, const char *name,
				const cairn_stage *stages, size_t nstages,
				int (*cb)(const cairn_model_version *v,
					  void *payload),
				void *payload)
{
	static const cairn_stage all[] = { CAIRN_STAGE_NONE, CAIRN_STAGE_STAGING,
					   CAIRN_STAGE_PRODUCTION,
					   CAIRN_STAGE_ARCHIVED };
	cairn_model m;
	size_t i;
	int err;

	if ((err = cairn_repo__need_local(repo)) < 0)
		return err;
	if ((err = db_model_get(&m, NULL, repo->db, name)) < 0)
		return err;
	db_model_clear(&m);
	if (!nstages) {
		stages = all;
		nstages = 4;
	}
	for (i = 0; i < nstages && !err; i++) {
		cairn_model_version v;

		err = db_model_version_get(&v, NULL, repo->db, name, 0, (int)stages[i]);
		if (err == CAIRN_ENOTFOUND) {
			cairn_error_reset();
			err = 0;
			continue;
		}
		if (!err)
			err = cb(&v, payload);
		db_model_version_clear(&v);
	}
	return err;
}

/* ------------------------------------------------------------ changes */

struct target {
	int64_t model, key; /* keys of the model and the version */
	cairn_model_version v;
};

/*
 * The common shape of a change to one version: look the version up
 * inside the transaction, let apply() write, commit with the change.
 */
static int change_version(cairn_repo *repo, const char *name, uint64_t version,
			  struct reg_change *c,
			  int (*apply)(cairn_repo *repo, struct target *t,
				       struct reg_change *c, void *arg),
			  void *arg)
{
	struct target t;
	cairn_model m;
	int err;

	if ((err = cairn_repo__need_local(repo)) < 0)
		return err;
	memset(&t, 0, sizeof(t));
	if ((err = registry__begin(repo)) < 0)
		return err;
	if ((err = db_model_get(&m, &t.model, repo->db, name)) < 0)
		return registry__abort(repo, c, err);
	db_model_clear(&m);
	if (!version)
		err = cairn_error_setc(CAIRN_ENOTFOUND, CAIRN_ERRCLASS_INVALID,
				       "Model Version (name=%s, version=0) not found",
				       name);
	else
		err = db_model_version_get(&t.v, &t.key, repo->db, name, version, -1);
	if (err < 0)
		return registry__abort(repo, c, err);
	c->object = registry__object(t.v.name, version);
	err = apply(repo, &t, c, arg);
	db_model_version_clear(&t.v);
	if (err < 0)
		return registry__abort(repo, c, err);
	return registry__commit(repo, c);
}

static char *pair_json(const char *k1, const char *v1, const char *k2,
		       const char *v2)
{
	json_t *o = json_object();
	char *s;

	json_object_set_new(o, k1, v1 ? json_string(v1) : json_null());
	if (k2)
		json_object_set_new(o, k2, v2 ? json_string(v2) : json_null());
	s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	return s;
}

static int apply_describe(cairn_repo *repo, struct target *t,
			  struct reg_change *c, void *arg)
{
	c->before = pair_json("description", t->v.description, NULL, NULL);
	c->after = pair_json("description", arg, NULL, NULL);
	return db_model_version_update(repo->db, t->key, arg, -1, registry__now());
}

int cairn_model_version_describe(cairn_repo *repo, const char *name,
				 uint64_t version, const char *description)
{
	struct reg_change c = { "model.version.describe", NULL, NULL, NULL, NULL };

	return change_version(repo, name, version, &c, apply_describe,
			      (void *)(description ? description : ""));
}

struct tag_arg {
	const char *key, *value;
	char *old;
};

static int old_value(const char *k, const char *v, void *payload)
{
	struct tag_arg *a = payload;

	if (strcmp(k, a->key))
		return 0;
	a->old = xstrdup(v);
	return 1;
}

static int apply_tag(cairn_repo *repo, struct target *t, struct reg_change *c,
		     void *arg)
{
	struct tag_arg *a = arg;
	int err = db_model_version_tag_foreach(repo->db, t->key, old_value, a);

	if (err < 0)
		return err;
	c->before = pair_json("key", a->key, "value", a->old);
	c->after = a->value ? pair_json("key", a->key, "value", a->value) : NULL;
	free(a->old);
	a->old = NULL;
	if (a->value)
		err = db_model_version_tag_put(repo->db, t->key, a->key, a->value);
	else
		err = db_model_version_tag_delete(repo->db, t->key, a->key);
	return err < 0 ? err : db_model_version_update(repo->db, t->key, NULL, -1,
						       registry__now());
}

int cairn_model_version_set_tag(cairn_repo *repo, const char *name,
				uint64_t version, const char *key,
				const char *value)
{
	struct reg_change c = { "model.version.tag.set", NULL, NULL, NULL, NULL };
	struct tag_arg a = { key, value ? value : "", NULL };
	int err = registry__check_tag(key, value);

	return err < 0 ? err : change_version(repo, name, version, &c, apply_tag, &a);
}

int cairn_model_version_delete_tag(cairn_repo *repo, const char *name,
				   uint64_t version, const char *key)
{
	struct reg_change c = { "model.version.tag.delete", NULL, NULL, NULL, NULL };
	struct tag_arg a = { key, NULL, NULL };
	int err = cairn_validate("tag", key, NULL);

	return err < 0 ? err : change_version(repo, name, version, &c, apply_tag, &a);
}

int cairn_model_version_tag_foreach(cairn_repo *repo, const char *name,
				    uint64_t version,
				    int (*cb)(const char *key, const char *value,
					      void *payload),
				    void *payload)
{
	cairn_model_version v;
	int64_t key;
	int err;

	if ((err = cairn_repo__need_local(repo)) < 0)
		return err;
	if (!version)
		return cairn_error_setc(CAIRN_ENOTFOUND, CAIRN_ERRCLASS_INVALID,
					"Model Version (name=%s, version=0) not found",
					name);
	err = db_model_version_get(&v, &key, repo->db, name, version, -1);
	db_model_version_clear(&v);
	return err < 0 ? err : db_model_version_tag_foreach(repo->db, key, cb, payload);
}

struct held {
	struct buf what;
	json_t *aliases;
};

static int note_alias(const char *alias, uint64_t version, void *payload)
{
	struct held *h = payload;

	(void)version;
	buf_printf(&h->what, "%salias '%s'", h->what.len ? ", " : "", alias);
	json_array_append_new(h->aliases, json_string(alias));
	return 0;
}

static int apply_delete(cairn_repo *repo, struct target *t,
			struct reg_change *c, void *arg)
{
	struct held h = { BUF_INIT, json_array() };
	int force = *(int *)arg, err;

	if (t->v.stage == CAIRN_STAGE_PRODUCTION)
		buf_puts(&h.what, "stage Production");
	if ((err = db_model_alias_foreach(repo->db, t->model, t->v.version,
					  note_alias, &h)) < 0)
		goto done;
	if (h.what.len && !force) {
		err = cairn_error_setc(CAIRN_ECONFLICT, CAIRN_ERRCLASS_INVALID,
				       "version %llu of model '%s' holds %s; delete "
				       "it with --force",
				       (unsigned long long)t->v.version, t->v.name,
				       h.what.ptr);
		goto done;
	}
	c->before = registry__version_json(&t->v);
	if (h.what.len) {
		/* What the forced deletion took away: history replays it. */
		json_t *o = json_pack("{s:b, s:O, s:s}", "forced", 1, "aliases",
				      h.aliases, "stage", cairn_stage_name(t->v.stage));

		c->after = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
		json_decref(o);
	}
	err = db_model_version_delete(repo->db, t->model, t->key, t->v.version,
				      registry__now());
done:
	json_decref(h.aliases);
	buf_release(&h.what);
	return err;
}

int cairn_model_version_delete(cairn_repo *repo, const char *name,
			       uint64_t version, int force)
{
	struct reg_change c = { "model.version.delete", NULL, NULL, NULL, NULL };

	return change_version(repo, name, version, &c, apply_delete, &force);
}

struct transition {
	cairn_stage stage;
	int archive_existing;
};

/*
 * A move into Staging or Production passes the policy of the target of
 * that name ("staging", "production"), the one that gates the alias, so
 * MLflow's stages are no way around it. The current holder, for "not
 * worse than current" gates, is the highest version already in the stage.
 */
static int stage_gates(cairn_repo *repo, struct target *t, cairn_stage stage)
{
	const char *target;
	cairn_model_version cur;
	uint64_t holder = 0;
	int err;

	if (stage == t->v.stage ||
	    (stage != CAIRN_STAGE_STAGING && stage != CAIRN_STAGE_PRODUCTION))
		return 0;
	target = stage == CAIRN_STAGE_PRODUCTION ? "production" : "staging";
	err = db_model_version_get(&cur, NULL, repo->db, t->v.name, 0, (int)stage);
	if (err == CAIRN_ENOTFOUND) {
		cairn_error_reset();
	} else if (err < 0) {
		return err;
	} else {
		holder = cur.version;
		db_model_version_clear(&cur);
	}
	return promotion__gates(repo, t->model, &t->v, target, holder);
}

static int apply_transition(cairn_repo *repo, struct target *t,
			    struct reg_change *c, void *arg)
{
	struct transition *tr = arg;
	int64_t now = registry__now();
	int err;

	if ((err = stage_gates(repo, t, tr->stage)) < 0)
		return err;
	c->before = pair_json("stage", cairn_stage_name(t->v.stage), NULL, NULL);
	c->after = pair_json("stage", cairn_stage_name(tr->stage),
			     tr->archive_existing ? "archive_existing_versions" : NULL,
			     "true");
	if ((err = db_model_version_update(repo->db, t->key, NULL, (int)tr->stage,
					   now)) < 0)
		return err;
	if (tr->archive_existing)
		err = db_model_versions_archive(repo->db, t->model, (int)tr->stage,
						t->v.version, now);
	return err;
}

int cairn_model_version_transition(cairn_repo *repo, const char *name,
				   uint64_t version, cairn_stage stage,
				   int archive_existing)
{
	struct reg_change c = { "model.version.stage", NULL, NULL, NULL, NULL };
	struct transition tr = { stage, archive_existing };

	if ((unsigned)stage > CAIRN_STAGE_ARCHIVED)
		return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
					"Invalid Model Version stage: %d.", (int)stage);
	if (archive_existing && stage != CAIRN_STAGE_STAGING &&
	    stage != CAIRN_STAGE_PRODUCTION)
		return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
					"Model version transition cannot archive "
					"existing model versions because '%s' is not an "
					"Active stage. Valid stages are Staging, "
					"Production", cairn_stage_name(stage));
	return change_version(repo, name, version, &c, apply_transition, &tr);
}

/* ------------------------------------------------------------- aliases */

static int apply_alias(cairn_repo *repo, struct target *t, struct reg_change *c,
		       void *arg)
{
	const char *alias = arg;
	char num[32], old[32];
	uint64_t prev;
	int err, has = db_model_alias_get(&prev, repo->db, t->model, alias);

	if (has < 0)
		return has;
	/*
	 * A move to an alias with a policy passes it, however it is asked
	 * for (here: `cairn models alias`, MLflow's set-alias route).
	 */
	if (!(has && prev == t->v.version) &&
	    (err = promotion__gates(repo, t->model, &t->v, alias,
				    has ? prev : 0)) < 0)
		return err;
	snprintf(num, sizeof(num), "%llu", (unsigned long long)t->v.version);
	snprintf(old, sizeof(old), "%llu", (unsigned long long)prev);
	c->before = pair_json("alias", alias, "version", has ? old : NULL);
	c->after = pair_json("alias", alias, "version", num);
	return db_model_alias_put(repo->db, t->model, alias, t->v.version);
}

int cairn_model_alias_set(cairn_repo *repo, const char *name,
			  const char *alias, uint64_t version)
{
	struct reg_change c = { "model.alias.set", NULL, NULL, NULL, NULL };
	int err = registry__check_alias(alias);

	return err < 0 ? err : change_version(repo, name, version, &c, apply_alias,
					      (void *)alias);
}

struct move {
	const char *alias;
	int expect_set;
	uint64_t expect;
	int refuse_archived;
};

static int apply_move(cairn_repo *repo, struct target *t, struct reg_change *c,
		      void *arg)
{
	struct move *mv = arg;
	char num[32], old[32];
	uint64_t prev = 0;
	int err, has = db_model_alias_get(&prev, repo->db, t->model, mv->alias);

	if (has < 0)
		return has;
	if (!has)
		prev = 0;
	if (mv->expect_set && prev != mv->expect) {
		char want[32];

		if (prev)
			snprintf(old, sizeof(old), "version %llu", (unsigned long long)prev);
		else
			snprintf(old, sizeof(old), "no version");
		if (mv->expect)
			snprintf(want, sizeof(want), "version %llu",
				 (unsigned long long)mv->expect);
		else
			snprintf(want, sizeof(want), "no version");
		return cairn_error_setc(CAIRN_ECONFLICT, CAIRN_ERRCLASS_INVALID,
					"alias '%s' of model '%s' is held by %s, not "
					"%s as expected: it was moved meanwhile; "
					"nothing changed", mv->alias, t->v.name, old,
					want);
	}
	if (mv->refuse_archived && t->v.stage == CAIRN_STAGE_ARCHIVED)
		return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
					"version %llu of model '%s' is Archived; it "
					"cannot be promoted",
					(unsigned long long)t->v.version, t->v.name);
	/* A promotion passes the alias's policy (promotion.c). */
	if (mv->refuse_archived &&
	    (err = promotion__gates(repo, t->model, &t->v, mv->alias, prev)) < 0)
		return err;
	snprintf(num, sizeof(num), "%llu", (unsigned long long)t->v.version);
	snprintf(old, sizeof(old), "%llu", (unsigned long long)prev);
	c->before = pair_json("alias", mv->alias, "version", has ? old : NULL);
	c->after = pair_json("alias", mv->alias, "version", num);
	return db_model_alias_put(repo->db, t->model, mv->alias, t->v.version);
}

int registry__move_alias(cairn_repo *repo, const char *name, const char *alias,
			 uint64_t version, int expect_set, uint64_t expect,
			 const char *action, const char *reason,
			 int refuse_archived)
{
	struct reg_change c = { action, NULL, NULL, NULL, reason };
	struct move mv = { alias, expect_set, expect, refuse_archived };
	int err = registry__check_alias(alias);

	return err < 0 ? err : change_version(repo, name, version, &c, apply_move, &mv);
}

struct holder {
	const char *alias;
	uint64_t version;
};

static int find_holder(const char *alias, uint64_t version, void *payload)
{
	struct holder *h = payload;

	if (strcmp(alias, h->alias))
		return 0;
	h->version = version;
	return 1;
}

int cairn_model_promote(cairn_repo *repo, const char *name, uint64_t version,
			const char *alias, const cairn_model_promote_options *o)
{
	static const cairn_model_promote_options none = CAIRN_MODEL_PROMOTE_OPTIONS_INIT;
	struct holder h = { alias, 0 };
	int err;

	if (!o)
		o = &none;
	if ((err = registry__check_alias(alias)) < 0 ||
	    (err = cairn_model_alias_foreach(repo, name, find_holder, &h)) < 0)
		return err;
	/* Already there (and as expected): nothing moves, nothing is recorded. */
	if (h.version == version && version && (!o->expect_set || o->expect == version))
		return 0;
	/*
	 * Compare-and-swap always: on the holder expected, else on the one
	 * read as the promotion started, so a move made meanwhile (which the
	 * alias's gates did not see) makes this one a conflict.
	 */
	return registry__move_alias(repo, name, alias, version, 1,
				    o->expect_set ? o->expect : h.version,
				    "model.alias.set", o->reason, 1);
}

int cairn_model_alias_delete(cairn_repo *repo, const char *name,
			     const char *alias)
{
	struct reg_change c = { "model.alias.delete", NULL, NULL, NULL, NULL };
	char old[32];
	cairn_model m;
	uint64_t prev;
	int64_t model;
	int err, has;

	if ((err = cairn_repo__need_local(repo)) < 0)
		return err;
	if ((err = registry__check_alias(alias)) < 0 ||
	    (err = registry__begin(repo)) < 0)
		return err;
	if ((err = db_model_get(&m, &model, repo->db, name)) < 0)
		return registry__abort(repo, &c, err);
	c.object = registry__object(m.name, 0);
	db_model_clear(&m);
	if ((has = db_model_alias_get(&prev, repo->db, model, alias)) < 0)
		return registry__abort(repo, &c, has);
	if (!has) {
		/* Deleting an absent alias changes nothing (MLflow: 200). */
		db_rollback(repo->db);
		free(c.object);
		return 0;
	}
	snprintf(old, sizeof(old), "%llu", (unsigned long long)prev);
	c.before = pair_json("alias", alias, "version", old);
	if ((err = db_model_alias_delete(repo->db, model, alias)) < 0)
		return registry__abort(repo, &c, err);
	return registry__commit(repo, &c);
}

int cairn_model_alias_foreach(cairn_repo *repo, const char *name,
			      int (*cb)(const char *alias, uint64_t version,
					void *payload),
			      void *payload)
{
	cairn_model m;
	int64_t model;
	int err;

	if ((err = cairn_repo__need_local(repo)) < 0)
		return err;
	if ((err = db_model_get(&m, &model, repo->db, name)) < 0)
		return err;
	db_model_clear(&m);
	return db_model_alias_foreach(repo->db, model, 0, cb, payload);
}
