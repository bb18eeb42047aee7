/*
 * api_promotion.c: cairn's routes for the gates of controlled promotion
 * (docs/api.md): an alias's policy (set, get, delete) and promotion
 * requests (create, approve, reject, list) under /cairn/models/. The
 * promotion itself is /cairn/models/promote (api_registry_cairn.c), which
 * checks the policy. They call the same library functions as
 * `cairn models policy|request|approve|reject|requests`.
 *
 * The actor: until the server authenticates its callers, a request may
 * name its actor in "user" (as `cairn --user NAME` does on the command
 * line); without it the actor is the server's OS user. The name is set on
 * the worker's repository handle for the one call and cleared after it.
 *
 * Wire rules: versions and request ids are numbers or decimal strings in
 * requests, numbers in answers (the JSON of `cairn models requests
 * --json`); a policy that does not parse or a bad alias is 400
 * INVALID_PARAMETER_VALUE naming the problem, an unknown model, policy or
 * request 404, a vote that is not allowed (the requester's own, a second
 * one, on a decided request) 409 RESOURCE_CONFLICT.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/api.h"
#include "util/banned.h"

static int api_policies_set(cairn_repo *repo, json_t *params,
			    struct api_result *res);
static int api_policies_get(cairn_repo *repo, json_t *params,
			    struct api_result *res);
static int api_policies_delete(cairn_repo *repo, json_t *params,
			       struct api_result *res);
static int api_requests_create(cairn_repo *repo, json_t *params,
			       struct api_result *res);
static int api_requests_approve(cairn_repo *repo, json_t *params,
				struct api_result *res);
static int api_requests_reject(cairn_repo *repo, json_t *params,
			       struct api_result *res);
static int api_requests_list(cairn_repo *repo, json_t *params,
			     struct api_result *res);

const struct api_route api_promotion_routes[] = {
	{ "POST", "/cairn/models/policies/set", api_policies_set },
	{ "GET", "/cairn/models/policies/get", api_policies_get },
	{ "DELETE", "/cairn/models/policies/delete", api_policies_delete },
	{ "POST", "/cairn/models/requests/create", api_requests_create },
	{ "POST", "/cairn/models/requests/approve", api_requests_approve },
	{ "POST", "/cairn/models/requests/reject", api_requests_reject },
	{ "GET", "/cairn/models/requests/list", api_requests_list },
	{ NULL, NULL, NULL }
};

static json_t *policy_json(const char *alias, const char *policy)
{
	return json_pack("{s:s, s:s}", "alias", alias, "policy", policy);
}

static int api_policies_set(cairn_repo *repo, json_t *params,
			    struct api_result *res)
{
	const char *name, *alias, *policy, *reason = NULL;
	cairn_buf text = CAIRN_BUF_INIT;
	int err = -1;

	if (api_get_string(&name, params, "name", 1, res) < 0 ||
	    api_get_string(&alias, params, "alias", 1, res) < 0 ||
	    api_get_string(&policy, params, "policy", 1, res) < 0 ||
	    api_get_string(&reason, params, "reason", 0, res) < 0 ||
	    api_actor_from(repo, params, res) < 0)
		goto out;
	if ((err = cairn_model_policy_set(repo, name, alias, policy, reason)) < 0 ||
	    (err = cairn_model_policy_get(&text, repo, name, alias)) < 0) {
		api_fail_cairn(res, err);
		goto out;
	}
	res->body = json_pack("{s:o}", "policy", policy_json(alias, text.ptr));
out:
	cairn_buf_dispose(&text);
	cairn_repo_set_actor(repo, NULL);
	return err < 0 ? -1 : 0;
}

static int add_policy(const char *alias, const char *policy, void *payload)
{
	json_array_append_new(payload, policy_json(alias, policy));
	return 0;
}

static int api_policies_get(cairn_repo *repo, json_t *params,
			    struct api_result *res)
{
	const char *name, *alias = NULL;
	cairn_buf text = CAIRN_BUF_INIT;
	json_t *list;
	int err;

	if (api_get_string(&name, params, "name", 1, res) < 0 ||
	    api_get_string(&alias, params, "alias", 0, res) < 0)
		return -1;
	if (alias) {
		if ((err = cairn_model_policy_get(&text, repo, name, alias)) < 0)
			return api_fail_cairn(res, err);
		if (!err)
			return api_fail(res, 404, "RESOURCE_DOES_NOT_EXIST",
					"model '%s' has no policy for %s", name, alias);
		res->body = json_pack("{s:o}", "policy", policy_json(alias, text.ptr));
		cairn_buf_dispose(&text);
		return 0;
	}
	list = json_array();
	if ((err = cairn_model_policy_foreach(repo, name, add_policy, list)) < 0) {
		json_decref(list);
		return api_fail_cairn(res, err);
	}
	res->body = json_pack("{s:o}", "policies", list);
	return 0;
}

static int api_policies_delete(cairn_repo *repo, json_t *params,
			       struct api_result *res)
{
	const char *name, *alias, *reason = NULL;
	int err = -1;

	if (api_get_string(&name, params, "name", 1, res) < 0 ||
	    api_get_string(&alias, params, "alias", 1, res) < 0 ||
	    api_get_string(&reason, params, "reason", 0, res) < 0 ||
	    api_actor_from(repo, params, res) < 0)
		goto out;
	if ((err = cairn_model_policy_unset(repo, name, alias, reason)) < 0)
		api_fail_cairn(res, err);
	else
		res->body = json_object();
out:
	cairn_repo_set_actor(repo, NULL);
	return err < 0 ? -1 : 0;
}

/* ------------------------------------------------------------ requests */

static json_t *request_json(const cairn_promotion_request *r)
{
	cairn_buf text = CAIRN_BUF_INIT;
	json_t *o;

	cairn_promotion_request_json(&text, r);
	o = json_loadb(text.ptr, text.size, 0, NULL);
	cairn_buf_dispose(&text);
	return o;
}

struct find {
	int64_t id;
	json_t *found;
};

static int find_request(const cairn_promotion_request *r, void *payload)
{
	struct find *f = payload;

	if (r->id != f->id)
		return 0;
	f->found = request_json(r);
	return 1;
}

/* Answer {"request": ...} for request id of model name. */
static int answer_request(struct api_result *res, cairn_repo *repo,
			  const char *name, int64_t id)
{
	struct find f = { id, NULL };
	int err = cairn_promotion_requests(repo, name, find_request, &f);

	if (err < 0)
		return api_fail_cairn(res, err);
	if (!f.found)
		return api_fail(res, 404, "RESOURCE_DOES_NOT_EXIST",
				"no promotion request %lld", (long long)id);
	res->body = json_pack("{s:o}", "request", f.found);
	return 0;
}

static int api_requests_create(cairn_repo *repo, json_t *params,
			       struct api_result *res)
{
	const char *name, *alias, *reason = NULL;
	int64_t version, id = 0;
	int err = -1;

	if (api_get_string(&name, params, "name", 1, res) < 0 ||
	    api_get_int64(&version, params, "version", 1, res) < 0 ||
	    api_get_string(&alias, params, "alias", 1, res) < 0 ||
	    api_get_string(&reason, params, "reason", 0, res) < 0 ||
	    api_actor_from(repo, params, res) < 0)
		goto out;
	if (version < 1)
		err = api_fail(res, 404, "RESOURCE_DOES_NOT_EXIST",
			       "Model Version (name=%s, version=%lld) not found",
			       name, (long long)version);
	else if ((err = cairn_promotion_request_create(&id, repo, name,
						       (uint64_t)version, alias,
						       reason)) < 0)
		api_fail_cairn(res, err);
	else
		err = answer_request(res, repo, name, id);
out:
	cairn_repo_set_actor(repo, NULL);
	return err < 0 ? -1 : 0;
}

static int decide(cairn_repo *repo, json_t *params, struct api_result *res,
		  int approve)
{
	cairn_promotion_request *r = NULL;
	const char *reason = NULL;
	int64_t id;
	int err = -1;

	if (api_get_int64(&id, params, "id", 1, res) < 0 ||
	    api_get_string(&reason, params, "reason", 0, res) < 0 ||
	    api_actor_from(repo, params, res) < 0)
		goto out;
	if ((err = cairn_promotion_request_decide(&r, repo, id, approve,
						  reason)) < 0) {
		api_fail_cairn(res, err);
		goto out;
	}
	res->body = json_pack("{s:o}", "request", request_json(r));
	cairn_promotion_request_free(r);
out:
	cairn_repo_set_actor(repo, NULL);
	return err < 0 ? -1 : 0;
}

static int api_requests_approve(cairn_repo *repo, json_t *params,
				struct api_result *res)
{
	return decide(repo, params, res, 1);
}

static int api_requests_reject(cairn_repo *repo, json_t *params,
			       struct api_result *res)
{
	return decide(repo, params, res, 0);
}

static int add_request(const cairn_promotion_request *r, void *payload)
{
	json_array_append_new(payload, request_json(r));
	return 0;
}

static int api_requests_list(cairn_repo *repo, json_t *params,
			     struct api_result *res)
{
	const char *name = NULL;
	json_t *list;
	int err;

	if (api_get_string(&name, params, "name", 0, res) < 0)
		return -1;
	list = json_array();
	if ((err = cairn_promotion_requests(repo, name, add_request, list)) < 0) {
		json_decref(list);
		return api_fail_cairn(res, err);
	}
	res->body = json_pack("{s:o}", "requests", list);
	return 0;
}
