/*
 * http.h: the HTTP layer of `cairn server` (http.c) as the rest of the
 * server sees it: starting and stopping the server, the streamed routes of
 * the artifact proxy (api_artifacts.c), and the pure request-decoding
 * functions the unit tests reach. Only http.c includes <microhttpd.h>.
 *
 * Routes. Besides api.h's JSON routes (api_tracking_routes and
 * api_proxy_routes), a route may stream: its handler runs as soon as the
 * request headers are in (so an upload can start before its body
 * arrives) and either answers like a JSON route or hands back a
 * struct http_stream. A route path (api_route or http_stream_route) may
 * contain "{name}" segments, matching one non-empty path segment, and end
 * in "{name...}", matching the non-empty rest; what they match is put
 * into params under `name`, percent-decoded once.
 *
 * Streams. An upload's consume() or a download's produce() runs in a
 * thread of its own with a store handle of its own (SQLite connections are
 * not shared between threads), connected to the HTTP connection by a
 * socket pair or pipe: the body flows through without ever being held
 * whole or copied to a temporary file. A consume() whose client went away
 * mid-upload sees a read error (ECONNRESET), never a clean end of file, so
 * it cannot store a truncated file. The process must ignore SIGPIPE.
 */
#ifndef CAIRN_SERVER_HTTP_H
#define CAIRN_SERVER_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "server/api.h"
#include "util/buf.h"

/* The largest JSON request body; a larger one is 413. */
#define HTTP_MAX_JSON_BODY (1024 * 1024)

struct http_server_options {
	const char *host;     /* an IPv4 or IPv6 address or a host name */
	unsigned port;        /* 0: any free port (see http_server_port()) */
	const char *store;    /* the project directory, for cairn_repo_open() */
	unsigned workers;     /* threads serving connections (>= 1) */
	unsigned timeout;     /* idle connection timeout, seconds */
	unsigned max_connections; /* 0: as many as the fd limit allows */
	const struct api_route *routes; /* NULL: api_tracking_routes */
};

struct http_server;

/*
 * Bind, listen and start serving. Returns 0, or a cairn error (with the
 * last error set: "cannot listen on 127.0.0.1:5000: Address already in
 * use", ...) and nothing left running.
 */
int http_server_start(struct http_server **out,
		      const struct http_server_options *opts);
/* The port listened on (the one chosen when opts->port was 0). */
unsigned http_server_port(const struct http_server *srv);
/* Stop accepting connections; requests already received still complete. */
void http_server_quiesce(struct http_server *srv);
/* Requests received and not yet answered in full. */
unsigned http_server_in_flight(const struct http_server *srv);
/* Close every connection, join the threads, free the store handles. */
void http_server_free(struct http_server *srv);

/* ------------------------------------------------------- streamed routes */

struct http_stream {
	/*
	 * Upload: read the request body from fd to its end. Returns 0, or
	 * non-zero with res set (else 500 from cairn_error_last()).
	 */
	int (*consume)(cairn_repo *repo, void *state, int fd,
		       struct api_result *res);
	/* Download: write the response body to fd; non-zero cuts it short. */
	int (*produce)(cairn_repo *repo, void *state, int fd);
	void (*free_state)(void *state); /* may be NULL */
	void *state;
	int64_t length;         /* download: body size, or -1 if unknown */
	char content_type[96];  /* download: "" for application/octet-stream */
	char *disposition;      /* download: Content-Disposition, owned, or NULL */
};

/*
 * Called on the request headers, with params holding the query string
 * and the path captures. Returns 0 having set st->consume (an upload),
 * st->produce (a download) or neither (then res->body, or {}, is the
 * answer); non-zero with an error in res. A stream handler that returns
 * non-zero must leave st->state freed.
 */
typedef int (*http_stream_handler)(cairn_repo *repo, json_t *params,
				   struct http_stream *st,
				   struct api_result *res);

struct http_stream_route {
	const char *method;
	const char *path;  /* under /api/2.0 and /ajax-api/2.0, unless root */
	int root;          /* 1: path is absolute ("/get-artifact") */
	http_stream_handler fn;
};

/* The artifact proxy (api_artifacts.c); both end with a NULL method. */
extern const struct api_route api_proxy_routes[];
extern const struct http_stream_route api_proxy_streams[];

/* ------------------------------------- decoding (pure functions, http.c) */

/*
 * Percent-decode s[0..len) onto out: "%XX" becomes the byte, a malformed
 * escape stays as it is, and with plus set '+' becomes a space (query
 * strings).
 */
void http_unescape(struct buf *out, const char *s, size_t len, int plus);

/*
 * A query string (without the '?') as api.h's params: each key once as
 * a string, a key given again or in the key[] / key[N] style as an array
 * of strings. NULL if a key or value holds a NUL byte or is not UTF-8.
 */
json_t *http_parse_query(const char *qs, size_t len);

/*
 * Match a decoded request path against a route path (see above), adding
 * the captures to params when params is not NULL. 1 if it matches.
 */
int http_route_match(const char *route, const char *path, json_t *params);

/* ------------------------- artifact paths (pure functions, api_artifacts.c) */

/*
 * MLflow's check of an artifact path from a URL (validate_path_is_safe):
 * decoded again until it stops changing (MLflow tries 10 times), it must not
 * be absolute, hold a
 * ".." component, a '#', a backslash, a NUL or a drive letter ("C:").
 * On success out holds path with empty components dropped. 0 or -1.
 */
int http_artifact_path(struct buf *out, const char *path);

/* The Content-Type MLflow gives an artifact, from its name. */
const char *http_guess_type(const char *name);
/* werkzeug's Content-Disposition for an attachment of that name (owned). */
char *http_artifact_disposition(const char *path);

#endif
