/*
 * track_rest.h: what the REST tracking backend's files share.
 *
 *   track_rest_http.c  the connection to a cairn server (libcurl; the only
 *                      file of the library that includes <curl/curl.h>):
 *                      JSON calls, streamed uploads and downloads, retries
 *                      of transient failures, server errors mapped back;
 *   track_rest_json.c  MLflow's JSON entities to and from cairn's structs
 *                      (pure, unit-tested);
 *   track_rest.c       the track_rest backend: each tracking operation as
 *                      calls to the server's routes;
 *   track_rest_models.c what serving needs: model versions resolved,
 *                      downloaded and verified, rolled back; deployments.
 */
#ifndef CAIRN_LIB_TRACK_REST_H
#define CAIRN_LIB_TRACK_REST_H

#include <jansson.h>
#include <stdint.h>

#include "cairn.h"
#include "util/buf.h"

struct rest;

/* A connection to the server at uri ("http(s)://HOST[:PORT][/PREFIX]"). */
int rest_open(struct rest **out, const char *uri);
void rest_free(struct rest *r);
const char *rest_uri(const struct rest *r);

/*
 * Call a JSON route under /api/2.0/ (route: "mlflow/runs/get", ...). GET
 * sends params (an object of strings, numbers or arrays of them; may be
 * NULL; the call takes the reference) as the query string, any other
 * method as a JSON body. *out (may
 * be NULL) gets the answer's object. A server error is mapped to cairn's
 * code with the server's message (rest_error()).
 */
int rest_call(json_t **out, struct rest *r, const char *method,
	      const char *route, json_t *params);

/*
 * rest_call() for a request that must not be carried out twice (it
 * appends a record): once it may have reached the server (the
 * connection dropped after sending it), it is not sent again, and the
 * error says the server may have carried it out. A connection refused,
 * or one that failed while sending, is still retried.
 */
int rest_call_once(json_t **out, struct rest *r, const char *method,
		   const char *route, json_t *params);

/*
 * The artifact proxy: path is "<exp>/<run>/artifacts/<relpath>" (not yet
 * escaped). Uploads stream fd to its end (size -1: unknown, sent
 * chunked); downloads stream into fd. Nothing is held whole in memory.
 */
int rest_upload(struct rest *r, const char *path, int fd);
int rest_download(struct rest *r, const char *path, int fd);
int rest_delete(struct rest *r, const char *path);

/* ------------------------------------------------- track_rest_json.c */

/*
 * Set cairn's error for a server's answer: {"error_code", "message"}
 * mapped to a code (RESOURCE_DOES_NOT_EXIST: CAIRN_ENOTFOUND, ...) with
 * the server's message; anything else names the HTTP status.
 */
int rest_error(long status, const char *body, size_t len, const char *uri);

/* A JSON number or MLflow's "NaN", "Infinity", "-Infinity". */
int rest_json_double(double *out, json_t *v);
json_t *rest_double_json(double v);
/* An int64 as a JSON number or a decimal string; 0 if absent. */
int64_t rest_json_int64(json_t *v);

/* An MLflow Experiment into e (strings owned: free with free()). */
int rest_experiment_parse(cairn_experiment *e, json_t *obj);
/* An MLflow Run into a new cairn_run. */
int rest_run_parse(cairn_run **out, json_t *obj);
/*
 * A cairn data set version as an MLflow DatasetInput (read back by
 * rest_run_parse() as the same name, version, id and context).
 */
json_t *rest_input_json(const cairn_data_version *v, const char *context);
/* An MLflow dataset record as the DatasetInput it is. */
json_t *rest_dataset_input_json(const cairn_dataset_input *in);

/* ----------------------------------------------- track_rest_models.c */

/* What serving needs of the server (the track_rest entries of the same names). */
int rest_model_resolve(cairn_model_version **out, cairn_repo *repo,
		       const char *uri);
int rest_model_download(cairn_repo *repo, const cairn_model_version *v,
			const char *dest);
int rest_model_rollback(uint64_t *to, cairn_repo *repo, const char *name,
			const char *alias,
			const cairn_model_rollback_options *opts);
int rest_deployment_set(cairn_repo *repo, const cairn_deployment *d,
			const char *reason);
int rest_deployment_get(cairn_deployment **out, cairn_repo *repo,
			const char *name);
int rest_deployment_delete(cairn_repo *repo, const char *name,
			   const char *reason);
int rest_deployment_foreach(cairn_repo *repo,
			    int (*cb)(const cairn_deployment *d, void *payload),
			    void *payload);
int rest_deployment_record(cairn_repo *repo, const char *name,
			   const char *action, const char *model,
			   uint64_t version, const char *details,
			   const char *reason);
int rest_deployment_events(cairn_repo *repo, const char *name,
			   int (*cb)(const cairn_deployment_event *e,
				     void *payload),
			   void *payload);

/*
 * The JSON forms, parsed (pure; malformed answers are refused): a
 * version as cairn/models/resolve answers it (with its content id; owned,
 * free with cairn_model_version_free()); a deployment (strings borrowed
 * from obj); an event (strings borrowed, but *details owned: free it).
 */
int rest_model_version_parse(cairn_model_version **out, json_t *obj);
int rest_deployment_parse(cairn_deployment *d, json_t *obj);
int rest_deployment_event_parse(cairn_deployment_event *e, char **details,
				json_t *obj);

#endif
