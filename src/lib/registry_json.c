/*
 * registry_json.c: registered models and model versions as JSON in
 * MLflow's entity shapes (shared/ref/mlflow-rest.md section 1.2), the one
 * form the REST API and the command line's --json print:
 *
 *	ModelVersion: name, version (a string), creation_timestamp,
 *	  last_updated_timestamp, user_id, current_stage, description,
 *	  source, run_id ("" when none), status "READY", run_link, tags
 *	  [{key, value}] and aliases [names] (both omitted when empty),
 *	  model_id (3.x) for a version registered from a logged model;
 *	  extended adds content_id, semver, flavors, signature, files, size.
 *	RegisteredModel: name, creation_timestamp, last_updated_timestamp,
 *	  user_id, description, latest_versions (the highest version of
 *	  each stage), tags, aliases [{alias, version}].
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "lib/registry.h"
#include "util/error.h"
#include "util/banned.h"

static void detach(cairn_buf *out, json_t *o)
{
	char *text = json_dumps(o, JSON_COMPACT);

	out->ptr = text;
	out->size = strlen(text);
	out->asize = out->size + 1;
	json_decref(o);
}

static int add_tag(const char *key, const char *value, void *payload)
{
	json_array_append_new(payload, json_pack("{s:s, s:s}", "key", key,
						 "value", value));
	return 0;
}

struct aliases {
	json_t *list;
	uint64_t version; /* 0: every alias as {alias, version} */
};

static int add_alias(const char *alias, uint64_t version, void *payload)
{
	struct aliases *a = payload;
	char num[32];

	if (!a->version) {
		snprintf(num, sizeof(num), "%llu", (unsigned long long)version);
		json_array_append_new(a->list, json_pack("{s:s, s:s}", "alias", alias,
							 "version", num));
	} else if (version == a->version) {
		json_array_append_new(a->list, json_string(alias));
	}
	return 0;
}

static json_t *version_object(cairn_repo *repo, const cairn_model_version *v,
			      int extended, int *err)
{
	char num[32], tree[CAIRN_OID_STRLEN + 1];
	json_t *o, *tags = json_array();
	struct aliases a = { json_array(), v->version };

	snprintf(num, sizeof(num), "%llu", (unsigned long long)v->version);
	o = json_pack("{s:s, s:s, s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
		      "name", v->name, "version", num, "creation_timestamp",
		      (json_int_t)v->creation_time, "last_updated_timestamp",
		      (json_int_t)v->last_updated_time, "user_id",
		      v->user_id ? v->user_id : "", "current_stage",
		      cairn_stage_name(v->stage), "description",
		      v->description ? v->description : "", "source",
		      v->source ? v->source : "", "run_id", v->run_id ? v->run_id : "",
		      "status", "READY", "run_link", v->run_link ? v->run_link : "");
	if ((*err = cairn_model_version_tag_foreach(repo, v->name, v->version,
						    add_tag, tags)) == 0)
		*err = cairn_model_alias_foreach(repo, v->name, add_alias, &a);
	if (json_array_size(tags))
		json_object_set(o, "tags", tags);
	if (json_array_size(a.list))
		json_object_set(o, "aliases", a.list);
	json_decref(tags);
	json_decref(a.list);
	if (v->source && !strncmp(v->source, "models:/", 8))
		json_object_set_new(o, "model_id", json_string(v->source + 8));
	if (extended) {
		cairn_oid_fmt(tree, &v->tree);
		json_object_set_new(o, "content_id", json_string(tree));
		json_object_set_new(o, "semver", v->semver ? json_string(v->semver)
							   : json_null());
		json_object_set_new(o, "flavors", v->flavors
					? json_loads(v->flavors, 0, NULL) : json_null());
		json_object_set_new(o, "signature", v->signature
					? json_loads(v->signature, 0, NULL) : json_null());
		json_object_set_new(o, "files", json_integer((json_int_t)v->files));
		json_object_set_new(o, "size", json_integer((json_int_t)v->size));
	}
	return o;
}

int cairn_model_version_json(cairn_buf *out, cairn_repo *repo,
			     const cairn_model_version *v, int extended)
{
	int err;
	json_t *o = version_object(repo, v, extended, &err);

	if (err < 0) {
		json_decref(o);
		return err;
	}
	detach(out, o);
	return 0;
}

struct latest {
	cairn_repo *repo;
	json_t *list;
};

static int add_latest(const cairn_model_version *v, void *payload)
{
	struct latest *l = payload;
	int err;
	json_t *o = version_object(l->repo, v, 0, &err);

	json_array_append_new(l->list, o);
	return err;
}

int cairn_model_json(cairn_buf *out, cairn_repo *repo, const cairn_model *m)
{
	struct latest l = { repo, json_array() };
	struct aliases a = { json_array(), 0 };
	json_t *tags = json_array(), *o;
	int err;

	o = json_pack("{s:s, s:I, s:I, s:s, s:s}", "name", m->name,
		      "creation_timestamp", (json_int_t)m->creation_time,
		      "last_updated_timestamp", (json_int_t)m->last_updated_time,
		      "user_id", m->user_id ? m->user_id : "", "description",
		      m->description ? m->description : "");
	if ((err = cairn_model_latest_versions(repo, m->name, NULL, 0, add_latest,
					       &l)) == 0 &&
	    (err = cairn_model_tag_foreach(repo, m->name, add_tag, tags)) == 0)
		err = cairn_model_alias_foreach(repo, m->name, add_alias, &a);
	if (json_array_size(l.list))
		json_object_set(o, "latest_versions", l.list);
	if (json_array_size(tags))
		json_object_set(o, "tags", tags);
	if (json_array_size(a.list))
		json_object_set(o, "aliases", a.list);
	json_decref(l.list);
	json_decref(tags);
	json_decref(a.list);
	if (err < 0) {
		json_decref(o);
		return err;
	}
	detach(out, o);
	return 0;
}
