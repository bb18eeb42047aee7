/*
 * track_backend.h: where a repo's experiment tracking goes: the local
 * store (track_local, over the db and odb vtables) or a cairn server
 * (track_rest, over its REST API); and with it what `cairn serve` needs
 * of the registry and the deployments, so a server runs against either.
 *
 * The public tracking functions of cairn.h (track.c) check what can be
 * checked without a store (key rules, batch limits, artifact paths,
 * checkpoint files), resolve data specs in the local project, and call
 * the repo's backend; nothing above this table knows which one it is.
 * Arguments arrive checked: artifact paths cleaned ("" is the top),
 * log_batch within MLflow's limits, log_input with a resolved version.
 * Errors are set as everywhere (cairn_error_set*): a backend that talks
 * to a server maps the server's error codes back to cairn's.
 */
#ifndef CAIRN_LIB_TRACK_BACKEND_H
#define CAIRN_LIB_TRACK_BACKEND_H

#include <stdint.h>

#include "cairn.h"
#include "util/buf.h"

struct track_backend {
	/* experiments */
	int (*experiment_create)(struct buf *id_out, cairn_repo *repo,
				 const char *name);
	int (*experiment_get)(cairn_experiment *out, cairn_repo *repo,
			      const char *id_or_name);
	/* name and/or stage ("active", "deleted"); NULL keeps */
	int (*experiment_set)(cairn_repo *repo, const char *id_or_name,
			      const char *name, const char *stage);
	int (*experiment_set_tag)(cairn_repo *repo, const char *id_or_name,
				  const char *key, const char *value);
	int (*experiment_delete_tag)(cairn_repo *repo, const char *id_or_name,
				     const char *key);
	int (*experiment_tag_foreach)(cairn_repo *repo, const char *id_or_name,
				      int (*cb)(const char *key, const char *value,
						void *payload),
				      void *payload);
	int (*experiment_foreach)(cairn_repo *repo, cairn_view view,
				  int (*cb)(const cairn_experiment *e, void *payload),
				  void *payload);

	/* runs */
	int (*run_create)(struct buf *id_out, cairn_repo *repo,
			  const cairn_run_create_options *opts);
	int (*run_resolve)(struct buf *id_out, cairn_repo *repo, const char *spec);
	int (*run_update)(cairn_repo *repo, const char *run_id,
			  cairn_run_status status, int64_t end_time,
			  const char *name);
	int (*run_set_stage)(cairn_repo *repo, const char *run_id,
			     const char *stage);
	int (*run_get)(cairn_run **out, cairn_repo *repo, const char *run_id);
	int (*runs_search)(struct buf *next_page_token, cairn_repo *repo,
			   const cairn_search_options *opts,
			   int (*cb)(const cairn_run *run, void *payload),
			   void *payload);
	int (*metric_history)(cairn_repo *repo, const char *run_id,
			      const char *key,
			      int (*cb)(const cairn_metric *m, void *payload),
			      void *payload);

	/* logging */
	int (*log_batch)(cairn_repo *repo, const char *run_id,
			 const cairn_metric *metrics, size_t nmetrics,
			 const cairn_kv *params, size_t nparams,
			 const cairn_kv *tags, size_t ntags);
	int (*delete_tag)(cairn_repo *repo, const char *run_id, const char *key);
	int (*log_input)(cairn_repo *repo, const char *run_id,
			 const cairn_data_version *v, const char *context);
	/* MLflow dataset records, checked; summaries of experiments' inputs */
	int (*log_dataset_inputs)(cairn_repo *repo, const char *run_id,
				  const cairn_dataset_input *inputs, size_t n);
	int (*dataset_summaries)(cairn_repo *repo, const char *const *experiments,
				 size_t n, size_t max,
				 int (*cb)(const cairn_dataset_summary *s,
					   void *payload),
				 void *payload);

	/* artifacts; paths are cleaned, "" is the top */
	int (*log_artifact)(cairn_repo *repo, const char *run_id,
			    const char *local_path, const char *dest_path);
	int (*log_artifact_fd)(cairn_repo *repo, const char *run_id, int fd,
			       const char *path);
	int (*artifact_read)(cairn_repo *repo, const char *run_id,
			     const char *path, int fd);
	int (*artifact_delete)(cairn_repo *repo, const char *run_id,
			       const char *path);
	int (*artifact_list)(cairn_repo *repo, const char *run_id,
			     const char *path,
			     int (*cb)(const cairn_artifact *a, void *payload),
			     void *payload);
	int (*artifact_download)(cairn_repo *repo, const char *run_id,
				 const char *path, const char *dest);
	/* Record the artifact file at path (already logged) as a checkpoint. */
	int (*checkpoint_record)(cairn_repo *repo, const char *run_id,
				 int64_t step, const char *path,
				 const char *meta_json);
	int (*checkpoint_foreach)(cairn_repo *repo, const char *run_id,
				  int (*cb)(const cairn_checkpoint *c, void *payload),
				  void *payload);

	/*
	 * What serving needs of the registry (checked by the public
	 * functions of cairn.h): a version by URI, its files written to a
	 * new directory and verified against its content id, an alias
	 * rolled back.
	 */
	int (*model_resolve)(cairn_model_version **out, cairn_repo *repo,
			     const char *uri);
	int (*model_download)(cairn_repo *repo, const cairn_model_version *v,
			      const char *dest);
	int (*model_rollback)(uint64_t *to, cairn_repo *repo, const char *name,
			      const char *alias,
			      const cairn_model_rollback_options *opts);

	/* deployments (deployment.c checks names, URIs, actions, details) */
	int (*deployment_set)(cairn_repo *repo, const cairn_deployment *d,
			      const char *reason);
	/* 0 and *out, or CAIRN_ENOTFOUND (set) */
	int (*deployment_get)(cairn_deployment **out, cairn_repo *repo,
			      const char *name);
	int (*deployment_delete)(cairn_repo *repo, const char *name,
				 const char *reason);
	int (*deployment_foreach)(cairn_repo *repo,
				  int (*cb)(const cairn_deployment *d, void *payload),
				  void *payload);
	int (*deployment_record)(cairn_repo *repo, const char *name,
				 const char *action, const char *model,
				 uint64_t version, const char *details,
				 const char *reason);
	int (*deployment_events)(cairn_repo *repo, const char *name,
				 int (*cb)(const cairn_deployment_event *e,
					   void *payload),
				 void *payload);

	/* Release the backend's state in repo->track_state. */
	void (*release)(cairn_repo *repo);
};

/* The local store (tracking.c and its neighbours). */
extern const struct track_backend track_local;

/* A cairn server (track_rest.c): repo->track_state for the URI. */
extern const struct track_backend track_rest;
int track_rest_open(cairn_repo *repo, const char *uri);

#endif
