/*
 * api_registry.h: the handlers of MLflow's model registry routes
 * (api_registry.c) and cairn's own under /cairn/models/
 * (api_registry_cairn.c), all listed in api_registry_routes[] (api.h).
 */
#ifndef CAIRN_SERVER_API_REGISTRY_H
#define CAIRN_SERVER_API_REGISTRY_H

#include "server/api.h"

int api_models_create(cairn_repo *repo, json_t *params, struct api_result *res);
int api_models_get(cairn_repo *repo, json_t *params, struct api_result *res);
int api_models_rename(cairn_repo *repo, json_t *params, struct api_result *res);
int api_models_update(cairn_repo *repo, json_t *params, struct api_result *res);
int api_models_delete(cairn_repo *repo, json_t *params, struct api_result *res);
int api_models_search(cairn_repo *repo, json_t *params, struct api_result *res);
int api_models_set_tag(cairn_repo *repo, json_t *params, struct api_result *res);
int api_models_delete_tag(cairn_repo *repo, json_t *params,
			  struct api_result *res);
int api_models_alias_set(cairn_repo *repo, json_t *params,
			 struct api_result *res);
int api_models_alias_delete(cairn_repo *repo, json_t *params,
			    struct api_result *res);
int api_models_alias_get(cairn_repo *repo, json_t *params,
			 struct api_result *res);
int api_models_latest(cairn_repo *repo, json_t *params, struct api_result *res);
int api_versions_create(cairn_repo *repo, json_t *params,
			struct api_result *res);
int api_versions_get(cairn_repo *repo, json_t *params, struct api_result *res);
int api_versions_update(cairn_repo *repo, json_t *params,
			struct api_result *res);
int api_versions_delete(cairn_repo *repo, json_t *params,
			struct api_result *res);
int api_versions_search(cairn_repo *repo, json_t *params,
			struct api_result *res);
int api_versions_set_tag(cairn_repo *repo, json_t *params,
			 struct api_result *res);
int api_versions_delete_tag(cairn_repo *repo, json_t *params,
			    struct api_result *res);
int api_versions_transition(cairn_repo *repo, json_t *params,
			    struct api_result *res);
int api_versions_download_uri(cairn_repo *repo, json_t *params,
			      struct api_result *res);

/* cairn's own registry routes (api_registry_cairn.c), /cairn/models/... */
int api_cairn_models_promote(cairn_repo *repo, json_t *params,
			     struct api_result *res);
int api_cairn_models_rollback(cairn_repo *repo, json_t *params,
			      struct api_result *res);
int api_cairn_models_history(cairn_repo *repo, json_t *params,
			     struct api_result *res);
int api_cairn_models_at(cairn_repo *repo, json_t *params,
			struct api_result *res);
int api_cairn_models_resolve(cairn_repo *repo, json_t *params,
			     struct api_result *res);
int api_cairn_models_metadata(cairn_repo *repo, json_t *params,
			      struct api_result *res);

#endif
