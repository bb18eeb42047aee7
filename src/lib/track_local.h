/*
 * track_local.h: the local store's side of tracking (track_local in
 * track_backend.h), spread over the files that hold each part:
 * track_local.c (experiments, runs, logging), run_read.c (runs read
 * back, metric histories), run_search.c (runs/search), run_datasets.c
 * (MLflow dataset records) and run_artifacts.c (artifacts and
 * checkpoints). Arguments arrive checked
 * by the public functions (tracking.c); see track_backend.h.
 */
#ifndef CAIRN_LIB_TRACK_LOCAL_H
#define CAIRN_LIB_TRACK_LOCAL_H

#include <stdint.h>

#include "cairn.h"
#include "util/buf.h"

/* The value rule of tracking.c: present, at most max characters. */
int track_check_value(const char *what, const char *key, const char *value,
		      size_t max);
#define TRACK_MAX_TAG_VALUE 8000

int local_run_get(cairn_run **out, cairn_repo *repo, const char *run_id);
int local_metric_history(cairn_repo *repo, const char *run_id, const char *key,
			 int (*cb)(const cairn_metric *m, void *payload),
			 void *payload);
int local_runs_search(struct buf *next_page_token, cairn_repo *repo,
		      const cairn_search_options *opts,
		      int (*cb)(const cairn_run *run, void *payload),
		      void *payload);

int local_log_dataset_inputs(cairn_repo *repo, const char *run_id,
			     const cairn_dataset_input *inputs, size_t n);
int local_dataset_summaries(cairn_repo *repo, const char *const *experiments,
			    size_t n, size_t max,
			    int (*cb)(const cairn_dataset_summary *s, void *payload),
			    void *payload);

int local_log_artifact(cairn_repo *repo, const char *run_id,
		       const char *local_path, const char *dest_path);
int local_log_artifact_fd(cairn_repo *repo, const char *run_id, int fd,
			  const char *path);
int local_artifact_read(cairn_repo *repo, const char *run_id, const char *path,
			int fd);
int local_artifact_delete(cairn_repo *repo, const char *run_id,
			  const char *path);
int local_artifact_list(cairn_repo *repo, const char *run_id, const char *path,
			int (*cb)(const cairn_artifact *a, void *payload),
			void *payload);
int local_artifact_download(cairn_repo *repo, const char *run_id,
			    const char *path, const char *dest);
/* A logged model's files (logged_model.c), by the model's row key. */
int local_model_artifact_write_fd(cairn_repo *repo, int64_t model, int fd,
				  const char *path);
int local_model_artifact_read(cairn_repo *repo, int64_t model, const char *path,
			      int fd);
int local_model_artifact_list(cairn_repo *repo, int64_t model, const char *path,
			      int (*cb)(const cairn_artifact *a, void *payload),
			      void *payload);
/* An artifact path checked and normalised (tracking.c): "" is the top. */
int track_clean_path(struct buf *out, const char *path);
/* Names and ids as the local store makes them (track_local.c). */
void track_random_hex(char *out, size_t bytes);
void track_generate_name(struct buf *out);

int local_checkpoint_record(cairn_repo *repo, const char *run_id, int64_t step,
			    const char *path, const char *meta_json);
int local_checkpoint_foreach(cairn_repo *repo, const char *run_id,
			     int (*cb)(const cairn_checkpoint *c, void *payload),
			     void *payload);

/*
 * What serving needs of the registry and the deployments, on the local
 * store: model_uri.c, registry_content.c, registry_history.c and
 * deployment.c (the public functions check and dispatch).
 */
int local_model_resolve(cairn_model_version **out, cairn_repo *repo,
			const char *uri);
int local_model_download(cairn_repo *repo, const cairn_model_version *v,
			 const char *dest);
int local_model_rollback(uint64_t *to, cairn_repo *repo, const char *name,
			 const char *alias,
			 const cairn_model_rollback_options *opts);
int local_deployment_set(cairn_repo *repo, const cairn_deployment *d,
			 const char *reason);
int local_deployment_get(cairn_deployment **out, cairn_repo *repo,
			 const char *name);
int local_deployment_delete(cairn_repo *repo, const char *name,
			    const char *reason);
int local_deployment_foreach(cairn_repo *repo,
			     int (*cb)(const cairn_deployment *d, void *payload),
			     void *payload);
int local_deployment_record(cairn_repo *repo, const char *name,
			    const char *action, const char *model,
			    uint64_t version, const char *details,
			    const char *reason);
int local_deployment_events(cairn_repo *repo, const char *name,
			    int (*cb)(const cairn_deployment_event *e,
				      void *payload),
			    void *payload);

#endif
