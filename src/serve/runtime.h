/*
 * runtime.h: `cairn serve` inside: the loaded model versions and who
 * answers a request (runtime*.c), and the HTTP front door that feeds them
 * (serve_http.c). Private to src/serve and src/cli/cmd_serve.c.
 *
 * A runtime follows up to three model URIs, one per role: the primary,
 * an optional canary (answering a percent of requests) and an optional
 * shadow (seeing a copy of every request, answering none). Each role
 * serves one loaded version; a background thread polls the URIs and the
 * deployment's settings, loads a version a URI moved to (downloaded and
 * verified into a private directory), and swaps it in atomically. The
 * last `keep` versions of each role stay loaded, so moving back to one
 * of them is a pointer flip. With an SLO set, the version most recently
 * promoted to a followed alias is rolled back when it breaks its budget.
 *
 * Life: serve_runtime_open() (resolve and load; the primary must load),
 * serve_http_start(), serve_runtime_begin() (record "start", start the
 * follow and shadow threads), requests through serve_runtime_handle()
 * from any number of threads, serve_http_quiesce() and wait for
 * in-flight requests, serve_runtime_end() (stop the threads, record
 * "stop"), serve_http_free(), serve_runtime_free().
 *
 * The runtime never prints: what it has to say (a swap, a version that
 * failed to load, a rollback) goes to the log callback, one line each.
 */
#ifndef CAIRN_SERVE_RUNTIME_H
#define CAIRN_SERVE_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#include "cairn.h"
#include "serve/flavor.h"
#include "serve/slo.h"
#include "util/buf.h"

struct serve_options {
	const char *uri;            /* the primary: a models:/ URI */
	const char *name;           /* the deployment; NULL: the model's name */
	const char *canary_uri;     /* or NULL */
	unsigned canary_percent;    /* 0-100 */
	const char *shadow_uri;     /* or NULL */
	unsigned keep;              /* versions kept loaded per role; 0: 2 */
	unsigned poll_ms;           /* 0: 250 */
	int guard;                  /* slo has a limit: roll back on a breach */
	struct serve_slo slo;
	struct serve_flavor_options flavor;
	/* One line of news (no newline), from any thread; may be NULL. */
	void (*log)(void *payload, const char *line);
	void *log_payload;
};

struct serve_runtime;

/*
 * Resolve and load what opts names, on repo (which the runtime takes:
 * it is used by the follow thread only and freed by serve_runtime_free()).
 * The primary must load (0, or a cairn error saying why); a canary or a
 * shadow that does not resolve or load yet is logged and followed.
 * Guarding a URI that is not an alias is CAIRN_EINVALID: cairn rolls
 * back aliases only.
 */
int serve_runtime_open(struct serve_runtime **out, cairn_repo *repo,
		       const struct serve_options *opts);

/* The deployment's name and the primary's "NAME/N", for messages. */
const char *serve_runtime_name(const struct serve_runtime *rt);
const char *serve_runtime_primary(const struct serve_runtime *rt);

/* Record "start" (with url) and start following. */
int serve_runtime_begin(struct serve_runtime *rt, const char *url);

/* Stop following and shadowing, record "stop" with a summary. */
void serve_runtime_end(struct serve_runtime *rt);

void serve_runtime_free(struct serve_runtime *rt);

/* The routes (runtime_route.c). */
enum serve_route_kind {
	SERVE_ROUTE_NONE,            /* 404 */
	SERVE_ROUTE_INVOCATIONS,
	SERVE_ROUTE_PING,            /* /ping and /health */
	SERVE_ROUTE_VERSION,
	SERVE_ROUTE_METRICS,
	SERVE_ROUTE_V2_SERVER,
	SERVE_ROUTE_V2_LIVE,
	SERVE_ROUTE_V2_READY,
	SERVE_ROUTE_V2_MODEL,        /* metadata */
	SERVE_ROUTE_V2_MODEL_READY,
	SERVE_ROUTE_V2_INFER
};

struct serve_route {
	enum serve_route_kind kind;
	const char *method;   /* the one it takes: "GET" (and HEAD) or "POST" */
	int v2;               /* under /v2: errors in the v2 shape */
	const char *name;     /* /v2/models/NAME: into the path, not ended */
	size_t name_len;
	uint64_t version;     /* /versions/V; 0: none */
	int bad_version;      /* /versions/ followed by something else */
};

void serve_route_parse(struct serve_route *r, const char *path);
int serve_route_allows(const struct serve_route *r, const char *method);

/* A request as the front door hands it over, body complete. */
struct serve_request {
	const char *method;
	const char *path;          /* percent-decoded, without the query */
	const char *content_type;  /* or NULL */
	const char *routing_key;   /* X-Cairn-Routing-Key, or NULL */
	const char *body;
	size_t len;
	uint64_t start_us;         /* serve_now_us() when it arrived */
};

/* The answer; body released by the caller (serve_response_release()). */
struct serve_response {
	int status;
	const char *content_type;  /* static */
	const char *allow;         /* static: the Allow header of a 405 */
	struct buf body;
	char version[192];         /* X-Cairn-Model-Version, "" for none */
};

void serve_runtime_handle(struct serve_runtime *rt,
			  const struct serve_request *rq,
			  struct serve_response *res);
void serve_response_release(struct serve_response *res);

/* The body of an error answer the front door gives by itself (413). */
void serve_response_error(struct serve_response *res, int status,
			  const char *code, const char *path,
			  const char *fmt, ...) CAIRN_PRINTF(5, 6);

/* A monotonic clock, in microseconds. */
uint64_t serve_now_us(void);

/* ---------------------------------------------------- the front door */

struct serve_http;

/*
 * Listen on host:port (0: any free port) with threads workers, reading
 * request bodies of at most max_body bytes (0: SERVE_MAX_BODY).
 */
int serve_http_start(struct serve_http **out, struct serve_runtime *rt,
		     const char *host, unsigned port, unsigned threads,
		     uint64_t max_body);
unsigned serve_http_port(const struct serve_http *h);
/* Stop accepting connections; requests already received go on. */
void serve_http_quiesce(struct serve_http *h);
unsigned serve_http_in_flight(const struct serve_http *h);
void serve_http_free(struct serve_http *h);

#endif
