/*
 * api_deployments.c: cairn's routes for deployments (docs/api.md,
 * docs/deployments.md), under /cairn/deployments/:
 *
 *   POST set      {name, model_uri, canary_uri?, canary_percent?,
 *                  shadow_uri?, reason?, user?}  -> {"deployment"}
 *   GET  get      name                           -> {"deployment"}
 *   DELETE delete {name, reason?, user?}         -> {}
 *   GET  list                                    -> {"deployments": [...]}
 *   POST record   {name, action, model?, version?, details?, reason?,
 *                  user?}                        -> {}
 *   GET  events   name?                          -> {"events": [...]}
 *
 * They call the library's cairn_deployment_* on the server's store, so a
 * `cairn deployments` or `cairn serve` pointed at this server reads and
 * writes the same records as one on the store itself. set takes every
 * setting (an absent canary or shadow removes it), as the library does;
 * the JSON forms are the library's (cairn_deployment_json(),
 * cairn_deployment_event_json()). The actor is "user" when given (as in
 * api_promotion.c), else the server's OS user.
 *
 * delete removes the settings; the events stay, so events of a deleted
 * name still answer (404 only for a name that never had any).
 *
 * Wire rules: percents and versions are numbers or decimal strings;
 * details is a JSON object (or its text). A bad name, URI, percent,
 * action or details is 400 INVALID_PARAMETER_VALUE, an unknown
 * deployment 404 RESOURCE_DOES_NOT_EXIST.
 */
#include <stdlib.h>
#include <string.h>

#include "server/api.h"
#include "util/banned.h"

static int api_deployments_set(cairn_repo *repo, json_t *params,
			       struct api_result *res);
static int api_deployments_get(cairn_repo *repo, json_t *params,
			       struct api_result *res);
static int api_deployments_delete(cairn_repo *repo, json_t *params,
				  struct api_result *res);
static int api_deployments_list(cairn_repo *repo, json_t *params,
				struct api_result *res);
static int api_deployments_record(cairn_repo *repo, json_t *params,
				  struct api_result *res);
static int api_deployments_events(cairn_repo *repo, json_t *params,
				  struct api_result *res);

const struct api_route api_deployment_routes[] = {
	{ "POST", "/cairn/deployments/set", api_deployments_set },
	{ "GET", "/cairn/deployments/get", api_deployments_get },
	{ "DELETE", "/cairn/deployments/delete", api_deployments_delete },
	{ "GET", "/cairn/deployments/list", api_deployments_list },
	{ "POST", "/cairn/deployments/record", api_deployments_record },
	{ "GET", "/cairn/deployments/events", api_deployments_events },
	{ NULL, NULL, NULL }
};

static json_t *from_text(int err, cairn_buf *text)
{
	json_t *o = err < 0 ? NULL : json_loadb(text->ptr, text->size, 0, NULL);

	cairn_buf_dispose(text);
	return o;
}

static json_t *deployment_json(const cairn_deployment *d)
{
	cairn_buf text = CAIRN_BUF_INIT;

	return from_text(cairn_deployment_json(&text, d), &text);
}

/* Answer {"deployment": ...} for name. */
static int answer_deployment(struct api_result *res, cairn_repo *repo,
			     const char *name)
{
	cairn_deployment *d;
	int err;

	if ((err = cairn_deployment_get(&d, repo, name)) < 0)
		return api_fail_cairn(res, err);
	res->body = json_pack("{s:o}", "deployment", deployment_json(d));
	cairn_deployment_free(d);
	return 0;
}

static int api_deployments_set(cairn_repo *repo, json_t *params,
			       struct api_result *res)
{
	cairn_deployment d;
	const char *reason = NULL;
	int64_t pct = 0;
	int err = -1;

	memset(&d, 0, sizeof(d));
	if (api_get_string(&d.name, params, "name", 1, res) < 0 ||
	    api_get_string(&d.model_uri, params, "model_uri", 1, res) < 0 ||
	    api_get_string(&d.canary_uri, params, "canary_uri", 0, res) < 0 ||
	    api_get_int64(&pct, params, "canary_percent", 0, res) < 0 ||
	    api_get_string(&d.shadow_uri, params, "shadow_uri", 0, res) < 0 ||
	    api_get_string(&reason, params, "reason", 0, res) < 0 ||
	    api_actor_from(repo, params, res) < 0)
		goto out;
	if (pct < 0 || pct > 100) {
		err = api_fail(res, 400, "INVALID_PARAMETER_VALUE",
			       "canary_percent must be 0 to 100, not %lld",
			       (long long)pct);
		goto out;
	}
	d.canary_percent = (unsigned)pct;
	if ((err = cairn_deployment_set(repo, &d, reason)) < 0)
		api_fail_cairn(res, err);
	else
		err = answer_deployment(res, repo, d.name);
out:
	cairn_repo_set_actor(repo, NULL);
	return err < 0 ? -1 : 0;
}

static int api_deployments_get(cairn_repo *repo, json_t *params,
			       struct api_result *res)
{
	const char *name;

	if (api_get_string(&name, params, "name", 1, res) < 0)
		return -1;
	return answer_deployment(res, repo, name);
}

static int api_deployments_delete(cairn_repo *repo, json_t *params,
				  struct api_result *res)
{
	const char *name, *reason = NULL;
	int err = -1;

	if (api_get_string(&name, params, "name", 1, res) < 0 ||
	    api_get_string(&reason, params, "reason", 0, res) < 0 ||
	    api_actor_from(repo, params, res) < 0)
		goto out;
	if ((err = cairn_deployment_delete(repo, name, reason)) < 0)
		api_fail_cairn(res, err);
	else
		res->body = json_object();
out:
	cairn_repo_set_actor(repo, NULL);
	return err < 0 ? -1 : 0;
}

static int add_deployment(const cairn_deployment *d, void *payload)
{
	json_array_append_new(payload, deployment_json(d));
	return 0;
}

static int api_deployments_list(cairn_repo *repo, json_t *params,
				struct api_result *res)
{
	json_t *list = json_array();
	int err;

	(void)params;
	if ((err = cairn_deployment_foreach(repo, add_deployment, list)) < 0) {
		json_decref(list);
		return api_fail_cairn(res, err);
	}
	res->body = json_pack("{s:o}", "deployments", list);
	return 0;
}

static int api_deployments_record(cairn_repo *repo, json_t *params,
				  struct api_result *res)
{
	const char *name, *action, *model = NULL, *reason = NULL;
	json_t *details = json_object_get(params, "details");
	char *text = NULL;
	int64_t version = 0;
	int err = -1;

	if (api_get_string(&name, params, "name", 1, res) < 0 ||
	    api_get_string(&action, params, "action", 1, res) < 0 ||
	    api_get_string(&model, params, "model", 0, res) < 0 ||
	    api_get_int64(&version, params, "version", 0, res) < 0 ||
	    api_get_string(&reason, params, "reason", 0, res) < 0 ||
	    api_actor_from(repo, params, res) < 0)
		goto out;
	if (version < 0) {
		err = api_fail(res, 400, "INVALID_PARAMETER_VALUE",
			       "version must be a positive number, not %lld",
			       (long long)version);
		goto out;
	}
	if (json_is_object(details)) {
		text = json_dumps(details, JSON_COMPACT);
	} else if (details && !json_is_null(details) && !json_is_string(details)) {
		err = api_fail(res, 400, "INVALID_PARAMETER_VALUE",
			       "details must be a JSON object");
		goto out;
	}
	if ((err = cairn_deployment_record(repo, name, action, model,
					   (uint64_t)version,
					   text ? text : json_string_value(details),
					   reason)) < 0)
		api_fail_cairn(res, err);
	else
		res->body = json_object();
out:
	free(text);
	cairn_repo_set_actor(repo, NULL);
	return err < 0 ? -1 : 0;
}

static int add_event(const cairn_deployment_event *e, void *payload)
{
	cairn_buf text = CAIRN_BUF_INIT;
	int err = cairn_deployment_event_json(&text, e);

	if (err < 0)
		return err;
	json_array_append_new(payload, from_text(err, &text));
	return 0;
}

static int api_deployments_events(cairn_repo *repo, json_t *params,
				  struct api_result *res)
{
	const char *name = NULL;
	json_t *list;
	int err;

	if (api_get_string(&name, params, "name", 0, res) < 0)
		return -1;
	list = json_array();
	if ((err = cairn_deployment_events(repo, name, add_event, list)) < 0) {
		json_decref(list);
		return api_fail_cairn(res, err);
	}
	res->body = json_pack("{s:o}", "events", list);
	return 0;
}
