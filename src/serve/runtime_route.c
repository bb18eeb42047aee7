/*
 * runtime_route.c: which route of `cairn serve` a request path names
 * (runtime.h, struct serve_route). A pure function over the client's
 * bytes, fuzzed (tests/fuzz/fuzz_serve_route.c):
 *
 *	/invocations                          POST
 *	/ping, /health, /version, /metrics    GET
 *	/v2, /v2/health/live, /v2/health/ready GET
 *	/v2/models/NAME[/versions/V]          GET (metadata)
 *	/v2/models/NAME[/versions/V]/ready    GET
 *	/v2/models/NAME[/versions/V]/infer    POST
 *
 * NAME is one non-empty segment; V is a version number from 1 to
 * 10^18 - 1. A V that is not one is kept as bad_version (its route
 * answers 404: no such version can be loaded). Anything else is
 * SERVE_ROUTE_NONE (404).
 */
#include <string.h>

#include "serve/runtime.h"
#include "util/banned.h"

static int parse_version(uint64_t *out, const char *s, size_t len)
{
	uint64_t n = 0;
	size_t i;

	if (!len || len > 18)
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		n = n * 10 + (uint64_t)(s[i] - '0');
	}
	*out = n;
	return n ? 0 : -1;
}

static void v2_model(struct serve_route *r, const char *p)
{
	const char *slash = strchr(p, '/'), *rest;

	if (slash == p || !*p)
		return;
	r->name = p;
	r->name_len = slash ? (size_t)(slash - p) : strlen(p);
	rest = slash ? slash : "";
	if (!strncmp(rest, "/versions/", 10)) {
		const char *v = rest + 10;
		size_t n = strcspn(v, "/");

		if (parse_version(&r->version, v, n) < 0) {
			r->version = 0;
			r->bad_version = 1;
		}
		rest = v + n;
	}
	if (!*rest) {
		r->kind = SERVE_ROUTE_V2_MODEL;
	} else if (!strcmp(rest, "/ready")) {
		r->kind = SERVE_ROUTE_V2_MODEL_READY;
	} else if (!strcmp(rest, "/infer")) {
		r->kind = SERVE_ROUTE_V2_INFER;
		r->method = "POST";
	} else {
		r->name = NULL;
		r->name_len = 0;
		r->version = 0;
		r->bad_version = 0;
	}
}

void serve_route_parse(struct serve_route *r, const char *path)
{
	static const struct {
		const char *path;
		enum serve_route_kind kind;
	} fixed[] = {
		{ "/invocations", SERVE_ROUTE_INVOCATIONS },
		{ "/ping", SERVE_ROUTE_PING },
		{ "/health", SERVE_ROUTE_PING },
		{ "/version", SERVE_ROUTE_VERSION },
		{ "/metrics", SERVE_ROUTE_METRICS },
		{ "/v2", SERVE_ROUTE_V2_SERVER },
		{ "/v2/", SERVE_ROUTE_V2_SERVER },
		{ "/v2/health/live", SERVE_ROUTE_V2_LIVE },
		{ "/v2/health/ready", SERVE_ROUTE_V2_READY },
	};
	size_t i;

	memset(r, 0, sizeof(*r));
	r->kind = SERVE_ROUTE_NONE;
	r->method = "GET";
	r->v2 = !strncmp(path, "/v2", 3) && (!path[3] || path[3] == '/');
	for (i = 0; i < sizeof(fixed) / sizeof(*fixed); i++)
		if (!strcmp(path, fixed[i].path)) {
			r->kind = fixed[i].kind;
			if (r->kind == SERVE_ROUTE_INVOCATIONS)
				r->method = "POST";
			return;
		}
	if (!strncmp(path, "/v2/models/", 11))
		v2_model(r, path + 11);
}

int serve_route_allows(const struct serve_route *r, const char *method)
{
	return !strcmp(method, r->method) ||
	       (!strcmp(r->method, "GET") && !strcmp(method, "HEAD"));
}
