/*
 * api_model_card.c: GET /api/2.0/cairn/models/card?name=NAME&version=N,
 * a model version's model card (cairn_model_card), answered as
 * {"markdown": "..."} so that it travels like every other cairn answer
 * (JSON, MLflow's error shapes). An unknown model or version is 404
 * RESOURCE_DOES_NOT_EXIST, a version that is not a positive number too
 * (MLflow's rule for model versions); a missing parameter is 400.
 */
#include "server/api.h"
#include "util/banned.h"

int api_model_card(cairn_repo *repo, json_t *params, struct api_result *res)
{
	cairn_buf text = CAIRN_BUF_INIT;
	const char *name;
	int64_t n = 0;
	int err;

	if (api_get_string(&name, params, "name", 1, res) < 0 ||
	    api_get_int64(&n, params, "version", 1, res) < 0)
		return -1;
	if (n < 1)
		return api_fail(res, 404, "RESOURCE_DOES_NOT_EXIST",
				"Model Version (name=%s, version=%lld) not found", name,
				(long long)n);
	if ((err = cairn_model_card(&text, repo, name, (uint64_t)n)) < 0)
		return api_fail_cairn(res, err);
	res->body = json_pack("{s:s%}", "markdown", text.ptr, text.size);
	cairn_buf_dispose(&text);
	return 0;
}
