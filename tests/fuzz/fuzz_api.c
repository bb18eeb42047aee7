/*
 * fuzz_api.c: the MLflow REST handlers' decoding of request parameters.
 * The first input byte picks a tracking route, the rest is its JSON body.
 * One store (in a temporary directory, made on the first call) serves all
 * inputs. Whatever the bytes, a handler must return a result: a 2xx, or
 * an error envelope that is a 4xx (a client's mistake is never a 5xx).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/api.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static cairn_repo *repo;
static size_t nroutes;

static void cleanup(void)
{
	cairn_repo_free(repo);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct api_result res;
	json_t *params;

	if (!repo) {
		char dir[] = "/tmp/cairn-fuzz-api-XXXXXX";

		if (!mkdtemp(dir) || cairn_repo_init(&repo, dir, NULL) < 0)
			abort();
		atexit(cleanup);
		while (api_tracking_routes[nroutes].method)
			nroutes++;
	}
	if (size < 1)
		return 0;
	params = json_loadb((const char *)data + 1, size - 1, 0, NULL);
	if (!json_is_object(params)) {
		json_decref(params);
		return 0;
	}
	memset(&res, 0, sizeof(res));
	res.status = 200;
	api_tracking_routes[data[0] % nroutes].fn(repo, params, &res);
	if (res.error_code && (res.status < 400 || res.status >= 500) &&
	    strcmp(res.error_code, "NOT_IMPLEMENTED") && strcmp(res.error_code, "INTERNAL_ERROR"))
		abort();
	json_decref(res.body);
	json_decref(params);
	return 0;
}
