/*
 * api.h: the contract between the HTTP layer (http.c) and the REST
 * handlers (api_*.c), which never see libmicrohttpd.
 *
 * The HTTP layer turns every request into one JSON object, `params`:
 *   - POST/PATCH/DELETE: the JSON body (an absent or empty body is {});
 *   - GET: the query string, each key once as a string, a key given
 *     several times (or in the old key[]= / key[0]= style) as an array of
 *     strings.
 * It finds the route by method and path (both /api/2.0/... and
 * /ajax-api/2.0/...), calls the handler with this worker thread's store
 * handle, and sends res->body (or {}) as JSON with res->status, or the
 * error envelope {"error_code": ..., "message": ...}.
 *
 * Handlers read fields with the api_get_* helpers, which implement
 * MLflow's wire rules (int64 as number or decimal string, doubles as
 * number or "NaN"/"Infinity"/"-Infinity", a required "" is missing) and
 * MLflow's messages. A client mistake is always a 4xx.
 */
#ifndef CAIRN_SERVER_API_H
#define CAIRN_SERVER_API_H

#include <jansson.h>
#include <stdint.h>

#include "cairn.h"

struct api_result {
	int status;          /* HTTP status; 200 unless an error was set */
	const char *error_code; /* MLflow error code name, or NULL */
	char message[2048];
	json_t *body;        /* response object (owned), or NULL for {} */
};

typedef int (*api_handler)(cairn_repo *repo, json_t *params,
			   struct api_result *res);

struct api_route {
	const char *method;  /* "GET", "POST", ... */
	const char *path;    /* after /api/2.0 or /ajax-api/2.0, e.g. "/mlflow/runs/get" */
	api_handler fn;
};

/* Tracking routes (api_tracking.c), terminated by { NULL, NULL, NULL }. */
extern const struct api_route api_tracking_routes[];
/* The model registry: MLflow's routes and /cairn/models/ (api_registry*.c). */
extern const struct api_route api_registry_routes[];
/* cairn's own routes, under /cairn/ (api_cairn.c). */
extern const struct api_route api_cairn_routes[];
/* The auditor's routes: /cairn/audit/... and /cairn/lineage (api_audit.c). */
extern const struct api_route api_audit_routes[];
/* Promotion policies and requests, under /cairn/models/ (api_promotion.c). */
extern const struct api_route api_promotion_routes[];
/* Deployments, under /cairn/deployments/ (api_deployments.c). */
extern const struct api_route api_deployment_routes[];
/*
 * Handlers whose writes may share one transaction with other requests'
 * (group commit, http.c): each one's effect and answer are those it would
 * have alone, and it is answered once the group has committed. NULL ends.
 */
extern const api_handler api_grouped_handlers[];

/* Set an error: returns -1. */
int api_fail(struct api_result *res, int status, const char *error_code,
	     const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/*
 * Set the error from cairn_error_last() and a cairn error code:
 * ENOTFOUND -> 404 RESOURCE_DOES_NOT_EXIST, EEXISTS -> 400
 * RESOURCE_ALREADY_EXISTS, EINVALID/EAMBIGUOUS -> 400
 * INVALID_PARAMETER_VALUE, ECONFLICT -> 409 RESOURCE_CONFLICT, ENOTSUPP ->
 * 501 NOT_IMPLEMENTED, anything else -> 500 INTERNAL_ERROR. Returns -1.
 */
int api_fail_cairn(struct api_result *res, int cairn_code);

/*
 * Field access. Each returns 0 and fills *out, 1 if the field is absent
 * (and not required), or -1 with the error set in res (400
 * INVALID_PARAMETER_VALUE with MLflow's message) when it is required and
 * missing, or of the wrong type.
 */
int api_get_string(const char **out, json_t *params, const char *name,
		   int required, struct api_result *res);
int api_get_int64(int64_t *out, json_t *params, const char *name, int required,
		  struct api_result *res);
int api_get_double(double *out, json_t *params, const char *name, int required,
		   struct api_result *res);
/*
 * An array; absent gives 1. A GET key given once arrives as a string: the
 * handlers' api_get_list (api_tracking.h) takes that as a list of one.
 */
int api_get_array(json_t **out, json_t *params, const char *name, int required,
		  struct api_result *res);
/* run_id, or the legacy run_uuid. */
int api_get_run_id(const char **out, json_t *params, struct api_result *res);
/*
 * Name the repository's audit actor from "user", if given (the caller
 * resets it with cairn_repo_set_actor(repo, NULL) when done); -1 with res
 * set for a bad one.
 */
int api_actor_from(cairn_repo *repo, json_t *params, struct api_result *res);

/* A double as MLflow emits it: a number, or "NaN" / "Infinity" / "-Infinity". */
json_t *api_double(double v);

/* GET /cairn/models/card (api_model_card.c), in api_cairn_routes[]. */
int api_model_card(cairn_repo *repo, json_t *params, struct api_result *res);

#endif
