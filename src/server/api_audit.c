/*
 * api_audit.c: the auditor's routes: the audit log, under
 * /api/2.0/cairn/audit/, and lineage, /api/2.0/cairn/lineage.
 *
 *
 *   GET audit/log?object=&action=&since=&until=&max_results=&page_token=
 *       events, oldest first, in pages (default 1000, at most 50000);
 *       since/until as the CLI takes them (2026-03-01T12:00Z or ms).
 *   GET audit/verify
 *       the chain recomputed: 200 with ok false and the first bad event
 *       when the log was tampered with (the check ran; its finding is
 *       the answer, not an error of the request).
 *
 *   GET lineage?data=NAME@vN | run=RUN | model=models:/... |
 *       deployment=NAME&direction=
 *       the graph of cairn_lineage_json() (direction: upstream,
 *       downstream or both, the default).
 *
 * Events have the shape of `cairn audit log --json` (before and after as
 * JSON values). A page token is MLflow's ({"offset": N}, base64) with N
 * the seq of the page's last event. docs/api.md lists the routes.
 */
#include <stdlib.h>
#include <string.h>

#include "server/api.h"
#include "server/api_tracking.h"
#include "util/timeparse.h"
#include "util/banned.h"

#define AUDIT_PAGE_DEFAULT 1000

struct page {
	json_t *events;
	size_t max;
	int64_t last_seq;
	int more; /* an event past the page exists */
};

static int add_event(const cairn_audit_event *e, void *payload)
{
	struct page *p = payload;
	cairn_buf text = CAIRN_BUF_INIT;
	json_t *o = NULL;

	if (json_array_size(p->events) == p->max) {
		p->more = 1;
		return 1;
	}
	if (cairn_audit_event_json(&text, e) == 0)
		o = json_loads(text.ptr, 0, NULL);
	cairn_buf_dispose(&text);
	if (!o)
		o = json_pack("{s:I, s:s}", "seq", (json_int_t)e->seq, "action", e->action);
	json_array_append_new(p->events, o);
	p->last_seq = e->seq;
	return 0;
}

/* A time parameter into *out (absent: 0). */
static int get_time(int64_t *out, json_t *params, const char *name,
		    struct api_result *res)
{
	const char *s;
	int r = api_get_string(&s, params, name, 0, res);

	*out = 0;
	if (r != 0)
		return r < 0 ? -1 : 0;
	if (time_parse_ms(out, s) < 0)
		return api_fail(res, 400, "INVALID_PARAMETER_VALUE",
				"Invalid value for %s: %s", name,
				cairn_error_last()->message);
	return 0;
}

static int audit_log(cairn_repo *repo, json_t *params, struct api_result *res)
{
	cairn_audit_query q = CAIRN_AUDIT_QUERY_INIT;
	struct page p = { NULL, AUDIT_PAGE_DEFAULT, 0, 0 };
	const char *token = NULL;
	int64_t max = AUDIT_PAGE_DEFAULT;
	size_t offset = 0;
	int err;

	if (api_get_string(&q.object, params, "object", 0, res) < 0 ||
	    api_get_string(&q.action, params, "action", 0, res) < 0 ||
	    get_time(&q.since, params, "since", res) < 0 ||
	    get_time(&q.until, params, "until", res) < 0 ||
	    api_get_int64(&max, params, "max_results", 0, res) < 0 ||
	    api_get_string(&token, params, "page_token", 0, res) < 0 ||
	    (token && api_page_token_parse(&offset, token, res) < 0))
		return -1;
	if (max < 1 || max > API_SEARCH_MAX)
		return api_fail(res, 400, "INVALID_PARAMETER_VALUE",
				"Invalid value for max_results. It must be between 1 "
				"and %d.", API_SEARCH_MAX);
	p.max = (size_t)max;
	q.after_seq = (int64_t)offset;
	p.events = json_array();
	err = cairn_audit_log(repo, &q, add_event, &p);
	if (err < 0) {
		json_decref(p.events);
		return api_fail_cairn(res, err);
	}
	res->body = json_object();
	if (json_array_size(p.events))
		json_object_set_new(res->body, "events", p.events);
	else
		json_decref(p.events);
	if (p.more) {
		char *next = api_page_token((size_t)p.last_seq);

		json_object_set_new(res->body, "next_page_token", json_string(next));
		free(next);
	}
	return 0;
}

static int audit_verify(cairn_repo *repo, json_t *params, struct api_result *res)
{
	cairn_audit_verify_result v;
	cairn_buf text = CAIRN_BUF_INIT;
	int err;

	(void)params;
	if ((err = cairn_audit_verify(&v, repo)) < 0)
		return api_fail_cairn(res, err);
	if ((err = cairn_audit_verify_json(&text, &v)) < 0)
		return api_fail_cairn(res, err);
	res->body = json_loads(text.ptr, 0, NULL);
	cairn_buf_dispose(&text);
	return 0;
}

static int lineage(cairn_repo *repo, json_t *params, struct api_result *res)
{
	static const char *const kinds[] = { "data", "run", "model", "deployment" };
	const char *spec = NULL, *direction = NULL;
	cairn_lineage_kind kind = CAIRN_LINEAGE_DATA;
	cairn_buf text = CAIRN_BUF_INIT;
	unsigned int dirs = 0;
	int i, given = 0, err;

	for (i = 0; i < 4; i++) {
		const char *v;
		int r = api_get_string(&v, params, kinds[i], 0, res);

		if (r < 0)
			return -1;
		if (r == 0) {
			spec = v;
			kind = (cairn_lineage_kind)(CAIRN_LINEAGE_DATA + i);
			given++;
		}
	}
	if (given != 1)
		return api_fail(res, 400, "INVALID_PARAMETER_VALUE",
				"Give exactly one of data, run, model and deployment");
	if (api_get_string(&direction, params, "direction", 0, res) < 0)
		return -1;
	if (direction && !strcmp(direction, "upstream"))
		dirs = CAIRN_LINEAGE_UPSTREAM;
	else if (direction && !strcmp(direction, "downstream"))
		dirs = CAIRN_LINEAGE_DOWNSTREAM;
	else if (direction && strcmp(direction, "both"))
		return api_fail(res, 400, "INVALID_PARAMETER_VALUE",
				"Invalid value for direction: '%s' (upstream, downstream "
				"or both)", direction);
	if ((err = cairn_lineage_json(&text, repo, kind, spec, dirs)) < 0)
		return api_fail_cairn(res, err);
	res->body = json_loads(text.ptr, 0, NULL);
	cairn_buf_dispose(&text);
	return 0;
}

const struct api_route api_audit_routes[] = {
	{ "GET", "/cairn/audit/log", audit_log },
	{ "GET", "/cairn/audit/verify", audit_verify },
	{ "GET", "/cairn/lineage", lineage },
	{ NULL, NULL, NULL },
};
