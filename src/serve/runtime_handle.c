/*
 * runtime_handle.c: the routes of `cairn serve`, behind the front door
 * (serve_http.c hands over a complete request and sends the answer).
 *
 *	POST /invocations                      MLflow's scoring protocol
 *	GET  /ping, /health, /version          MLflow's, "\n" and the version
 *	GET  /metrics                          Prometheus (metrics.h)
 *	GET  /v2, /v2/health/live, /v2/health/ready
 *	GET  /v2/models/NAME[/versions/V][/ready]   Open Inference Protocol v2
 *	POST /v2/models/NAME[/versions/V]/infer
 *
 * A prediction picks its version first (the canary's share by routing
 * key or at random, else the primary; /versions/V: that loaded version,
 * 404 if none), takes a reference on it, then decodes, conforms to the
 * model's columns, predicts and encodes, and names the version in
 * X-Cairn-Model-Version. Its latency (from arrival to the answer being
 * ready) and outcome go into the version's stats: a 5xx or a model's
 * fault (serve_error.model_fault: a 400 the model caused) counts against
 * the version, any other 4xx is the client's. A request the primary
 * answered is then copied to the shadow, if there is one.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve/decode.h"
#include "serve/metrics.h"
#include "serve/runtime_internal.h"
#include "serve/traffic.h"
#include "util/alloc.h"
#include "util/banned.h"

static __thread uint64_t tls_rng;

static const char json_ctype[] = "application/json";

void serve_response_release(struct serve_response *res)
{
	buf_release(&res->body);
}

static void fail(struct serve_response *res, int v2, int status,
		 const char *code, const char *fmt, va_list ap)
	CAIRN_PRINTF(5, 0);

static void fail(struct serve_response *res, int v2, int status,
		 const char *code, const char *fmt, va_list ap)
{
	struct serve_error err;

	serve_error_vset(&err, status, code, fmt, ap);
	res->status = status;
	res->content_type = json_ctype;
	buf_reset(&res->body);
	serve_encode_error(&res->body, &err, v2);
}

void serve_response_error(struct serve_response *res, int status,
			  const char *code, const char *path,
			  const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fail(res, !strncmp(path, "/v2/", 4), status, code, fmt, ap);
	va_end(ap);
}

static void answer_error(struct serve_response *res, int v2, int status,
			 const char *code, const char *fmt, ...)
	CAIRN_PRINTF(5, 6);

static void answer_error(struct serve_response *res, int v2, int status,
			 const char *code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fail(res, v2, status, code, fmt, ap);
	va_end(ap);
}

static void not_allowed(struct serve_response *res, const struct serve_request *rq,
			int v2, const char *allow)
{
	answer_error(res, v2, 405, "ENDPOINT_NOT_FOUND",
		     "Method %s is not allowed for %s; it allows %s", rq->method,
		     rq->path, allow);
	res->allow = allow;
}

static void not_found(struct serve_response *res, const struct serve_request *rq,
		      int v2)
{
	answer_error(res, v2, 404, "ENDPOINT_NOT_FOUND",
		     "No endpoint for %s %s", rq->method, rq->path);
}

static void answer_json(struct serve_response *res, json_t *body)
{
	char *text = json_dumps(body, JSON_COMPACT);

	res->status = 200;
	res->content_type = json_ctype;
	buf_puts(&res->body, text ? text : "{}");
	free(text);
	json_decref(body);
}

/* ------------------------------------------------------------ choosing */

enum pick_how { PICK_SPLIT, PICK_NAME, PICK_VERSION };

struct pick {
	struct rt_version *v;  /* a reference, or NULL */
	enum rt_role role;     /* RT_ROLES: picked by version, no role */
	int shadow;            /* there is a shadow to copy to */
};

static void pick_version(struct serve_runtime *rt, struct pick *p,
			 enum pick_how how, const char *name, uint64_t number,
			 const char *key)
{
	struct rt_table *t;
	struct rt_version *v = NULL;
	unsigned ticket;
	size_t i;

	p->role = RT_ROLES;
	t = rt_enter(rt, &ticket);
	if (how == PICK_VERSION) {
		for (i = 0; i < t->n && !v; i++)
			if (t->loaded[i]->number == number &&
			    !strcmp(t->loaded[i]->model, name))
				v = t->loaded[i];
	} else if (how == PICK_SPLIT ||
		   (t->role[RT_PRIMARY] && !strcmp(name, t->role[RT_PRIMARY]->model)) ||
		   !strcmp(name, rt->name)) {
		p->role = RT_PRIMARY;
		if (t->canary_percent &&
		    serve_traffic_to_canary(t->canary_percent, key,
					    key ? strlen(key) : 0, &tls_rng))
			p->role = RT_CANARY;
		v = t->role[p->role];
	} else {
		for (i = RT_CANARY; i < RT_ROLES && !v; i++)
			if (t->role[i] && !strcmp(name, t->role[i]->model)) {
				v = t->role[i];
				p->role = (enum rt_role)i;
			}
	}
	if (v)
		rt_version_get(v);
	p->v = v;
	p->shadow = p->role == RT_PRIMARY && t->role[RT_SHADOW];
	rt_leave(rt, ticket);
}

/* The loaded versions of a model, "2, 3", into out. */
static void loaded_versions(struct serve_runtime *rt, const char *name,
			    struct buf *out, json_t *array)
{
	struct rt_table *t;
	unsigned ticket;
	size_t i;

	t = rt_enter(rt, &ticket);
	for (i = 0; i < t->n; i++) {
		char num[24];

		if (strcmp(t->loaded[i]->model, name))
			continue;
		snprintf(num, sizeof(num), "%llu",
			 (unsigned long long)t->loaded[i]->number);
		if (out) {
			if (out->len)
				buf_puts(out, ", ");
			buf_puts(out, num);
		}
		if (array)
			json_array_append_new(array, json_string(num));
	}
	rt_leave(rt, ticket);
}

/* ---------------------------------------------------------- predicting */

static void predict(struct serve_runtime *rt, const struct serve_request *rq,
		    struct serve_response *res, int v2, enum pick_how how,
		    const char *name, uint64_t number)
{
	struct serve_v2_request req;
	struct serve_predictions out;
	struct serve_batch copy;
	struct serve_error err;
	struct pick p;
	enum serve_outcome outcome;
	int rc;

	pick_version(rt, &p, how, name, number, rq->routing_key);
	if (!p.v) {
		struct buf have = BUF_INIT;

		loaded_versions(rt, name ? name : "", &have, NULL);
		if (how == PICK_VERSION)
			answer_error(res, v2, 404, "RESOURCE_DOES_NOT_EXIST",
				     "Version %llu of model '%s' is not loaded "
				     "(loaded: %s)", (unsigned long long)number,
				     name, have.len ? have.ptr : "none");
		else
			answer_error(res, v2, 404, "RESOURCE_DOES_NOT_EXIST",
				     "Model '%s' is not served here",
				     name ? name : rt->name);
		buf_release(&have);
		return;
	}
	snprintf(res->version, sizeof(res->version), "%s", p.v->label);
	memset(&req, 0, sizeof(req));
	memset(&out, 0, sizeof(out));
	memset(&copy, 0, sizeof(copy));
	if (v2)
		rc = serve_decode_v2_infer(&req, rq->body, rq->len, &err);
	else
		rc = serve_decode_invocations(&req.batch, rq->content_type,
					      rq->body, rq->len, &err);
	if (rc == 0 && p.shadow)
		rt_batch_copy(&copy, &req.batch);
	if (rc == 0)
		rc = serve_batch_conform(&req.batch, p.v->ncols, p.v->names, &err);
	if (rc == 0)
		rc = serve_model_predict(p.v->m, &req.batch, &out, &err);
	if (rc == 0) {
		res->status = 200;
		res->content_type = json_ctype;
		if (v2) {
			char num[24];

			snprintf(num, sizeof(num), "%llu",
				 (unsigned long long)p.v->number);
			serve_encode_v2(&res->body, p.v->model, num, req.id,
					req.output_name, &out);
		} else {
			serve_encode_mlflow(&res->body, &out);
		}
		outcome = SERVE_OK;
	} else {
		answer_error(res, v2, err.status, err.code, "%s", err.message);
		outcome = serve_error_is_versions(&err) ? SERVE_ERROR :
							  SERVE_CLIENT_ERROR;
	}
	serve_stats_record(p.v->stats, rt_now_ms(), serve_now_us() - rq->start_us,
			   outcome);
	if (rc == 0 && p.shadow) {
		struct serve_predictions mine;

		rt_predictions_copy(&mine, &out);
		rt_shadow_submit(rt, &copy, &mine);
	}
	serve_batch_release(&copy);
	serve_predictions_release(&out);
	if (v2)
		serve_v2_request_release(&req);
	else
		serve_batch_release(&req.batch);
	rt_version_put(p.v);
}

/* ------------------------------------------------------------- metrics */

static void metrics(struct serve_runtime *rt, struct serve_response *res)
{
	struct serve_metrics_counters c;
	struct serve_metrics_version *mv;
	struct rt_version **vs;
	struct rt_table *t;
	unsigned ticket, percent;
	size_t n, i, r;

	t = rt_enter(rt, &ticket);
	n = t->n;
	vs = xcalloc(n + 1, sizeof(*vs));
	mv = xcalloc(n + 1, sizeof(*mv));
	percent = t->canary_percent;
	for (i = 0; i < n; i++) {
		vs[i] = t->loaded[i];
		rt_version_get(vs[i]);
		mv[i].role = "standby";
		for (r = RT_ROLES; r-- > 0;)
			if (t->role[r] == vs[i])
				mv[i].role = rt_role_names[r];
	}
	rt_leave(rt, ticket);
	for (i = 0; i < n; i++) {
		mv[i].model = vs[i]->model;
		mv[i].version = vs[i]->number;
		serve_stats_totals(vs[i]->stats, &mv[i].totals);
		mv[i].memory_bytes = vs[i]->memory;
		if (!strcmp(mv[i].role, "primary"))
			mv[i].traffic_percent = 100 - percent;
		else if (!strcmp(mv[i].role, "canary"))
			mv[i].traffic_percent = percent;
	}
	memset(&c, 0, sizeof(c));
	c.swaps = atomic_load(&rt->swaps);
	c.rollbacks = atomic_load(&rt->rollbacks);
	c.load_failures = atomic_load(&rt->load_failures);
	c.shadow_requests = atomic_load(&rt->shadow_requests);
	c.shadow_agreed = atomic_load(&rt->shadow_agreed);
	c.shadow_dropped = atomic_load(&rt->shadow_dropped);
	res->status = 200;
	res->content_type = "text/plain; version=0.0.4; charset=utf-8";
	serve_metrics_render(&res->body, mv, n, &c);
	for (i = 0; i < n; i++)
		rt_version_put(vs[i]);
	free(vs);
	free(mv);
}

/* ------------------------------------------------------------------ v2 */

static json_t *tensor(const char *name, json_int_t cols)
{
	return cols ? json_pack("{s:s,s:s,s:[I,I]}", "name", name, "datatype",
				"FP64", "shape", (json_int_t)-1, cols) :
		      json_pack("{s:s,s:s,s:[I]}", "name", name, "datatype",
				"FP64", "shape", (json_int_t)-1);
}

/* GET /v2/models/NAME[/versions/V]: the model's metadata. */
static void v2_metadata(struct serve_runtime *rt, struct serve_response *res,
			const char *name, uint64_t number)
{
	struct pick p;
	json_t *body, *versions = json_array(), *inputs = json_array();
	size_t i;

	pick_version(rt, &p, number ? PICK_VERSION : PICK_NAME, name, number,
		     NULL);
	if (!p.v) {
		json_decref(versions);
		json_decref(inputs);
		if (number)
			answer_error(res, 1, 404, "RESOURCE_DOES_NOT_EXIST",
				     "Version %llu of model '%s' is not loaded",
				     (unsigned long long)number, name);
		else
			answer_error(res, 1, 404, "RESOURCE_DOES_NOT_EXIST",
				     "Model '%s' is not served here", name);
		return;
	}
	if (number)
		json_array_append_new(versions, json_sprintf("%llu",
				      (unsigned long long)number));
	else
		loaded_versions(rt, p.v->model, NULL, versions);
	if (p.v->names)
		for (i = 0; i < p.v->ncols; i++)
			json_array_append_new(inputs, tensor(p.v->names[i], 0));
	else
		json_array_append_new(inputs, tensor("input-0",
						     p.v->ncols ? (json_int_t)p.v->ncols : -1));
	body = json_pack("{s:s,s:o,s:s,s:o,s:[o]}", "name", p.v->model,
			 "versions", versions, "platform",
			 serve_model_flavor(p.v->m), "inputs", inputs,
			 "outputs", tensor("predict", -1));
	snprintf(res->version, sizeof(res->version), "%s", p.v->label);
	rt_version_put(p.v);
	answer_json(res, body);
}

/* -------------------------------------------------------------- routes */

void serve_runtime_handle(struct serve_runtime *rt,
			  const struct serve_request *rq,
			  struct serve_response *res)
{
	struct serve_route r;
	char *name;

	res->status = 200;
	res->content_type = json_ctype;
	res->allow = NULL;
	res->version[0] = '\0';
	serve_route_parse(&r, rq->path);
	if (r.kind == SERVE_ROUTE_NONE) {
		not_found(res, rq, r.v2);
		return;
	}
	if (!serve_route_allows(&r, rq->method)) {
		not_allowed(res, rq, r.v2, r.method);
		return;
	}
	switch (r.kind) {
	case SERVE_ROUTE_INVOCATIONS:
		predict(rt, rq, res, 0, PICK_SPLIT, NULL, 0);
		return;
	case SERVE_ROUTE_PING:
		buf_puts(&res->body, "\n");
		return;
	case SERVE_ROUTE_VERSION:
		res->content_type = "text/plain; charset=utf-8";
		buf_puts(&res->body, cairn_version());
		return;
	case SERVE_ROUTE_METRICS:
		metrics(rt, res);
		return;
	case SERVE_ROUTE_V2_SERVER:
		answer_json(res, json_pack("{s:s,s:s,s:[]}", "name", "cairn",
					   "version", cairn_version(), "extensions"));
		return;
	case SERVE_ROUTE_V2_LIVE:
		answer_json(res, json_pack("{s:b}", "live", 1));
		return;
	case SERVE_ROUTE_V2_READY:
		answer_json(res, json_pack("{s:b}", "ready", 1));
		return;
	default:
		break;
	}
	name = xstrndup(r.name, r.name_len);
	if (r.bad_version) {
		answer_error(res, 1, 404, "RESOURCE_DOES_NOT_EXIST",
			     "No such version of model '%s': a version is a "
			     "number from 1", name);
	} else if (r.kind == SERVE_ROUTE_V2_INFER) {
		predict(rt, rq, res, 1, r.version ? PICK_VERSION : PICK_NAME,
			name, r.version);
	} else {
		v2_metadata(rt, res, name, r.version);
		if (r.kind == SERVE_ROUTE_V2_MODEL_READY && res->status == 200) {
			buf_reset(&res->body);
			buf_puts(&res->body, "{\"ready\":true}");
		}
	}
	free(name);
}
