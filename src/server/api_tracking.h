/*
 * api_tracking.h: what the tracking handlers (api_tracking.c,
 * api_experiments.c, api_runs.c) share: MLflow's entity shapes, the
 * experiment-id and list field rules, page tokens, and the handlers that
 * api_tracking.c puts in api_tracking_routes[].
 */
#ifndef CAIRN_SERVER_API_TRACKING_H
#define CAIRN_SERVER_API_TRACKING_H

#include <stddef.h>

#include "server/api.h"

/* The most rows any search answers at once (MLflow's limit). */
#define API_SEARCH_MAX 50000

/*
 * An experiment id: a string, or a JSON number turned into one (MLflow's
 * _stringify_all_experiment_ids). The text of a number goes into buf.
 * Returns as api_get_string().
 */
int api_get_experiment_id(const char **out, char buf[32], json_t *params,
			  const char *name, int required,
			  struct api_result *res);

/*
 * The experiment whose id is the decimal string id, never one found by
 * name: 404 "No Experiment with id=ID exists" otherwise.
 */
int api_find_experiment(cairn_experiment **out, cairn_repo *repo,
			const char *id, struct api_result *res);

/*
 * A repeated field: a JSON array, or (a GET key given once) a single
 * value standing for a list of one. 1 if absent; -1 (400) for anything
 * else. Read it with api_list_size() and api_list_get().
 */
int api_get_list(json_t **out, json_t *params, const char *name,
		 struct api_result *res);
size_t api_list_size(json_t *list);
json_t *api_list_get(json_t *list, size_t i);

/*
 * A view type (ACTIVE_ONLY, DELETED_ONLY, ALL, by name or number). As in
 * MLflow 2.9.2, a value that does not parse leaves the default (active).
 */
cairn_view api_get_view(json_t *params, const char *name);

/* MLflow's page tokens: base64 of {"offset": N}. */
int api_page_token_parse(size_t *offset, const char *token,
			 struct api_result *res);
char *api_page_token(size_t offset);

/* Entities as MLflow emits them (section 1.2 of the REST reference). */
json_t *api_experiment_json(cairn_repo *repo, const cairn_experiment *e);
json_t *api_run_info_json(const cairn_run_info *info);
json_t *api_run_json(const cairn_run *run);
json_t *api_metric_json(const cairn_metric *m);

/*
 * The error of a call about run run_id: an unknown run is 404 "Run with
 * id=ID not found", a changed param 400 INVALID_PARAMETER_VALUE, the rest
 * as api_fail_cairn().
 */
int api_fail_run(struct api_result *res, int err, const char *run_id);

/* api_experiments.c */
int api_experiments_create(cairn_repo *repo, json_t *params,
			   struct api_result *res);
int api_experiments_get(cairn_repo *repo, json_t *params,
			struct api_result *res);
int api_experiments_get_by_name(cairn_repo *repo, json_t *params,
				struct api_result *res);
int api_experiments_search(cairn_repo *repo, json_t *params,
			   struct api_result *res);
int api_experiments_update(cairn_repo *repo, json_t *params,
			   struct api_result *res);
int api_experiments_delete(cairn_repo *repo, json_t *params,
			   struct api_result *res);
int api_experiments_restore(cairn_repo *repo, json_t *params,
			    struct api_result *res);
int api_experiments_set_tag(cairn_repo *repo, json_t *params,
			    struct api_result *res);
int api_experiments_delete_tag(cairn_repo *repo, json_t *params,
			       struct api_result *res);
int api_experiments_search_datasets(cairn_repo *repo, json_t *params,
				    struct api_result *res);

/* api_runs.c */
int api_runs_create(cairn_repo *repo, json_t *params, struct api_result *res);
int api_runs_update(cairn_repo *repo, json_t *params, struct api_result *res);
int api_runs_delete(cairn_repo *repo, json_t *params, struct api_result *res);
int api_runs_restore(cairn_repo *repo, json_t *params, struct api_result *res);
int api_runs_get(cairn_repo *repo, json_t *params, struct api_result *res);
int api_runs_log_metric(cairn_repo *repo, json_t *params,
			struct api_result *res);
int api_runs_log_param(cairn_repo *repo, json_t *params,
		       struct api_result *res);
int api_runs_set_tag(cairn_repo *repo, json_t *params, struct api_result *res);
int api_runs_delete_tag(cairn_repo *repo, json_t *params,
			struct api_result *res);
int api_runs_log_batch(cairn_repo *repo, json_t *params,
		       struct api_result *res);
int api_runs_log_model(cairn_repo *repo, json_t *params,
		       struct api_result *res);
int api_runs_log_inputs(cairn_repo *repo, json_t *params,
			struct api_result *res);
int api_runs_search(cairn_repo *repo, json_t *params, struct api_result *res);
int api_metrics_get_history(cairn_repo *repo, json_t *params,
			    struct api_result *res);
int api_metrics_get_history_bulk(cairn_repo *repo, json_t *params,
				 struct api_result *res);
int api_metrics_get_history_bulk_interval(cairn_repo *repo, json_t *params,
					  struct api_result *res);
int api_artifacts_list(cairn_repo *repo, json_t *params,
		       struct api_result *res);
int api_runs_log_outputs(cairn_repo *repo, json_t *params,
			 struct api_result *res);

/* api_logged_models.c */
json_t *api_logged_model_json(const cairn_logged_model *m);
json_t *api_model_metric_json(const cairn_model_metric *m);
int api_logged_models_create(cairn_repo *repo, json_t *params,
			     struct api_result *res);
int api_logged_models_get(cairn_repo *repo, json_t *params,
			  struct api_result *res);
int api_logged_models_finalize(cairn_repo *repo, json_t *params,
			       struct api_result *res);
int api_logged_models_delete(cairn_repo *repo, json_t *params,
			     struct api_result *res);
int api_logged_models_search(cairn_repo *repo, json_t *params,
			     struct api_result *res);
int api_logged_models_set_tags(cairn_repo *repo, json_t *params,
			       struct api_result *res);
int api_logged_models_delete_tag(cairn_repo *repo, json_t *params,
				 struct api_result *res);
int api_logged_models_list_artifacts(cairn_repo *repo, json_t *params,
				     struct api_result *res);
int api_logged_models_log_params(cairn_repo *repo, json_t *params,
				 struct api_result *res);

#endif
