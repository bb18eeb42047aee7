/*
 * api_model_proxy.h: the artifact proxy's paths of logged models,
 * <exp>/models/<model_id>/artifacts/<file> (api_logged_models.c), and of
 * registered model versions (below), which api_artifacts.c hands over. A path is given as api_artifacts.c splits
 * it: its first three components (comp[0..depth-1]) and the rest (rel).
 * Each returns 1 when the path is not a logged model's (the caller goes
 * on; api_model_proxy_list may have added entries then), else as a route
 * handler: 0, or -1 with the error in res.
 */
#ifndef CAIRN_SERVER_API_MODEL_PROXY_H
#define CAIRN_SERVER_API_MODEL_PROXY_H

#include "server/http.h"

int api_model_proxy_list(cairn_repo *repo, const char *const comp[3], int depth,
			 const char *rel, json_t *files, struct api_result *res);
int api_model_proxy_download(cairn_repo *repo, const char *const comp[3],
			     int depth, const char *rel, const char *shown,
			     struct http_stream *st, struct api_result *res);
int api_model_proxy_upload(cairn_repo *repo, const char *const comp[3],
			   int depth, const char *rel, struct http_stream *st,
			   struct api_result *res);

/*
 * A registered model version's pinned files, registered-models/<name>/
 * <version>/<file> (api_version_proxy.c), read-only; same conventions.
 */
int api_version_proxy_list(cairn_repo *repo, const char *const comp[3],
			   int depth, const char *rel, json_t *files,
			   struct api_result *res);
int api_version_proxy_download(cairn_repo *repo, const char *const comp[3],
			       int depth, const char *rel, const char *shown,
			       struct http_stream *st, struct api_result *res);

#endif
