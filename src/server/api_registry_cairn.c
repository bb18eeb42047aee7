/*
 * api_registry_cairn.c: cairn's own registry routes under /cairn/models/
 * (docs/api.md): the controlled moves MLflow has no API for (promote and
 * rollback, with a reason and a compare-and-swap), the record of moves
 * (history, what held an alias at a time), URI resolution and the
 * metadata JSON. They call the same library functions as `cairn models`.
 *
 * Wire rules as for the MLflow routes: versions are strings in answers
 * and numbers or decimal strings in requests; a lost compare-and-swap is
 * 409 RESOURCE_CONFLICT, an Archived version or a bad alias 400, an
 * unknown model, version or nothing to roll back to 404.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/api_registry.h"
#include "util/banned.h"

static int version_answer(struct api_result *res, cairn_repo *repo,
			  const cairn_model_version *v)
{
	cairn_buf text = CAIRN_BUF_INIT;
	int err = cairn_model_version_json(&text, repo, v, 1);

	if (err < 0)
		return api_fail_cairn(res, err);
	res->body = json_object();
	json_object_set_new(res->body, "model_version",
			    json_loadb(text.ptr, text.size, 0, NULL));
	cairn_buf_dispose(&text);
	return 0;
}

static int answer_version(struct api_result *res, cairn_repo *repo,
			  const char *name, uint64_t version)
{
	cairn_model_version *v = NULL;
	int err = cairn_model_version_get(&v, repo, name, version);

	if (err < 0)
		return api_fail_cairn(res, err);
	err = version_answer(res, repo, v);
	cairn_model_version_free(v);
	return err;
}

int api_cairn_models_promote(cairn_repo *repo, json_t *params,
			     struct api_result *res)
{
	cairn_model_promote_options o = CAIRN_MODEL_PROMOTE_OPTIONS_INIT;
	json_t *expect = json_object_get(params, "expect");
	const char *name, *alias;
	int64_t version, n;
	int err;

	if (api_get_string(&name, params, "name", 1, res) < 0 ||
	    api_get_int64(&version, params, "version", 1, res) < 0 ||
	    api_get_string(&alias, params, "alias", 1, res) < 0 ||
	    api_get_string(&o.reason, params, "reason", 0, res) < 0)
		return -1;
	if (expect && (json_is_null(expect) ||
		       (json_is_string(expect) && !strcmp(json_string_value(expect),
							  "none")))) {
		o.expect_set = 1;
	} else if (expect) {
		if (api_get_int64(&n, params, "expect", 1, res) < 0)
			return -1;
		o.expect_set = 1;
		o.expect = n > 0 ? (uint64_t)n : 0;
	}
	if (version < 1)
		return api_fail(res, 404, "RESOURCE_DOES_NOT_EXIST",
				"Model Version (name=%s, version=%lld) not found", name,
				(long long)version);
	if ((err = cairn_model_promote(repo, name, (uint64_t)version, alias, &o)) < 0)
		return api_fail_cairn(res, err);
	return answer_version(res, repo, name, (uint64_t)version);
}

int api_cairn_models_rollback(cairn_repo *repo, json_t *params,
			      struct api_result *res)
{
	cairn_model_rollback_options o = CAIRN_MODEL_ROLLBACK_OPTIONS_INIT;
	const char *name, *alias = "production";
	uint64_t to;
	int64_t n;
	int err;

	if (api_get_string(&name, params, "name", 1, res) < 0 ||
	    api_get_string(&alias, params, "alias", 0, res) < 0 ||
	    api_get_string(&o.reason, params, "reason", 0, res) < 0)
		return -1;
	if (json_object_get(params, "expect")) {
		if (api_get_int64(&n, params, "expect", 1, res) < 0)
			return -1;
		if (n < 1)
			return api_fail(res, 400, "INVALID_PARAMETER_VALUE",
					"'expect' must be a version number, not %lld",
					(long long)n);
		o.expect_set = 1;
		o.expect = (uint64_t)n;
	}
	if ((err = cairn_model_rollback_ext(&to, repo, name, alias, &o)) < 0)
		return api_fail_cairn(res, err);
	return answer_version(res, repo, name, to);
}

static json_t *version_or_null(uint64_t v)
{
	char num[32];

	if (!v)
		return json_null();
	snprintf(num, sizeof(num), "%llu", (unsigned long long)v);
	return json_string(num);
}

static int add_move(const cairn_model_move *m, void *payload)
{
	json_t *o = json_pack("{s:I, s:s, s:s}", "time", (json_int_t)m->time,
			      "actor", m->actor, "action", m->action);

	if (m->alias) {
		json_object_set_new(o, "alias", json_string(m->alias));
		json_object_set_new(o, "from", version_or_null(m->from));
		json_object_set_new(o, "to", version_or_null(m->to));
	}
	if (m->stage) {
		json_object_set_new(o, "stage", json_string(m->stage));
		json_object_set_new(o, "version", version_or_null(m->version));
	}
	if (m->reason)
		json_object_set_new(o, "reason", json_string(m->reason));
	json_array_append_new(payload, o);
	return 0;
}

int api_cairn_models_history(cairn_repo *repo, json_t *params,
			     struct api_result *res)
{
	const char *name, *alias = NULL;
	json_t *moves;
	int err;

	if (api_get_string(&name, params, "name", 1, res) < 0 ||
	    api_get_string(&alias, params, "alias", 0, res) < 0)
		return -1;
	moves = json_array();
	if ((err = cairn_model_history(repo, name, alias, add_move, moves)) < 0) {
		json_decref(moves);
		return api_fail_cairn(res, err);
	}
	res->body = json_pack("{s:o}", "moves", moves);
	return 0;
}

int api_cairn_models_at(cairn_repo *repo, json_t *params,
			struct api_result *res)
{
	const char *name, *alias;
	int64_t time_ms;
	uint64_t version;
	int found;

	if (api_get_string(&name, params, "name", 1, res) < 0 ||
	    api_get_string(&alias, params, "alias", 1, res) < 0 ||
	    api_get_int64(&time_ms, params, "time", 1, res) < 0)
		return -1;
	if ((found = cairn_model_alias_at(&version, repo, name, alias, time_ms)) < 0)
		return api_fail_cairn(res, found);
	res->body = json_pack("{s:o}", "version", version_or_null(found ? version : 0));
	return 0;
}

int api_cairn_models_resolve(cairn_repo *repo, json_t *params,
			     struct api_result *res)
{
	cairn_model_version *v = NULL;
	const char *uri;
	int err;

	if (api_get_string(&uri, params, "uri", 1, res) < 0)
		return -1;
	if ((err = cairn_model_resolve(&v, repo, uri)) < 0)
		return api_fail_cairn(res, err);
	err = version_answer(res, repo, v);
	cairn_model_version_free(v);
	return err;
}

int api_cairn_models_metadata(cairn_repo *repo, json_t *params,
			      struct api_result *res)
{
	cairn_buf text = CAIRN_BUF_INIT;
	const char *name;
	int64_t version;
	int err;

	if (api_get_string(&name, params, "name", 1, res) < 0 ||
	    api_get_int64(&version, params, "version", 1, res) < 0)
		return -1;
	if (version < 1)
		return api_fail(res, 404, "RESOURCE_DOES_NOT_EXIST",
				"Model Version (name=%s, version=%lld) not found", name,
				(long long)version);
	if ((err = cairn_model_metadata(&text, repo, name, (uint64_t)version)) < 0)
		return api_fail_cairn(res, err);
	res->body = json_pack("{s:o}", "metadata",
			      json_loadb(text.ptr, text.size, 0, NULL));
	cairn_buf_dispose(&text);
	return 0;
}
