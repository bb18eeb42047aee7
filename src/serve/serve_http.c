/*
 * serve_http.c: the front door of `cairn serve`, on libmicrohttpd (the
 * only file of src/serve that includes <microhttpd.h>).
 *
 * It is built for small requests answered fast: one MHD daemon in epoll
 * mode with a pool of worker threads (--threads), each connection served
 * by one worker for its whole keep-alive life, and predictions run on
 * that worker (no thread per request, no store access: the runtime's
 * table is read through one atomic pointer). A request goes through:
 *   - the first access-handler call (headers only): a per-request struct
 *     is made and its arrival time taken. A body announced larger than
 *     the limit (--max-body, default SERVE_MAX_BODY) is answered 413 at
 *     once, without reading it (MHD then closes the connection, which is
 *     what a client sending a gigabyte of junk deserves). Nothing else
 *     is answered here: MHD closes a connection answered on the first
 *     call, and keep-alive matters (c-style.md B.1);
 *   - body calls, which buffer the body up to the limit. A chunked
 *     body that grows past it is read to its end and dropped, then
 *     answered 413: libmicrohttpd 0.9.75 refuses to queue an answer
 *     while a body is still coming (MHD_queue_response() returns MHD_NO
 *     in a body call; tried), and cutting the connection off instead
 *     gives the client no answer (and logs "Application reported
 *     internal error"). Dropping costs the client's bandwidth, not our
 *     memory;
 *   - the last call, which hands the request to serve_runtime_handle()
 *     and queues its answer, with X-Cairn-Model-Version.
 * The completion callback frees the struct; in_flight counts requests
 * between the first call and completion, for a graceful stop.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <microhttpd.h>

#include "serve/decode.h"
#include "serve/runtime.h"
#include "util/alloc.h"
#include "util/net.h"
#include "util/banned.h"

#define MAX_CONNECTIONS 4096

struct serve_http {
	struct MHD_Daemon *daemon;
	struct serve_runtime *rt;
	int listen_fd;          /* ours again once quiesced, else MHD's */
	unsigned port;
	uint64_t max_body;      /* the largest body read, in bytes */
	atomic_uint in_flight;
};

struct request {
	uint64_t start_us;
	struct buf body;
	int too_big;
};

static const char *header(struct MHD_Connection *c, const char *name)
{
	return MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
}

static uint64_t content_length(struct MHD_Connection *c)
{
	const char *v = header(c, MHD_HTTP_HEADER_CONTENT_LENGTH);
	char *end;
	unsigned long long n;

	if (!v)
		return 0;
	errno = 0;
	n = strtoull(v, &end, 10);
	return errno || end == v ? 0 : (uint64_t)n;
}

static enum MHD_Result respond(struct MHD_Connection *c,
			       struct serve_response *res)
{
	struct MHD_Response *r;
	enum MHD_Result ret;
	size_t len;
	char *text = buf_detach(&res->body, &len);

	r = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(text);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
				res->content_type);
	if (res->version[0])
		MHD_add_response_header(r, "X-Cairn-Model-Version", res->version);
	if (res->allow)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, res->allow);
	ret = MHD_queue_response(c, (unsigned)res->status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result too_big(struct MHD_Connection *c, const char *url,
			       uint64_t length, uint64_t max)
{
	struct serve_response res;
	enum MHD_Result ret;

	memset(&res, 0, sizeof(res));
	if (length)
		serve_response_error(&res, 413, "BAD_REQUEST", url,
				     "Request body of %llu bytes exceeds the "
				     "limit of %llu bytes (cairn serve "
				     "--max-body)", (unsigned long long)length,
				     (unsigned long long)max);
	else
		serve_response_error(&res, 413, "BAD_REQUEST", url,
				     "Request body exceeds the limit of %llu "
				     "bytes (cairn serve --max-body)",
				     (unsigned long long)max);
	ret = respond(c, &res);
	serve_response_release(&res);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
				  const char *url, const char *method,
				  const char *version, const char *upload,
				  size_t *upload_size, void **req_cls)
{
	struct serve_http *h = cls;
	struct request *rq = *req_cls;
	struct serve_request in;
	struct serve_response res;
	enum MHD_Result ret;
	size_t n = *upload_size;

	(void)version;
	if (!rq) {
		uint64_t length = content_length(c);

		rq = xcalloc(1, sizeof(*rq));
		rq->start_us = serve_now_us();
		*req_cls = rq;
		atomic_fetch_add(&h->in_flight, 1);
		if (length > h->max_body)
			return too_big(c, url, length, h->max_body);
		if (length)
			buf_grow(&rq->body, (size_t)length);
		return MHD_YES;
	}
	if (n) {
		*upload_size = 0;
		if (!rq->too_big && rq->body.len + n > h->max_body) {
			rq->too_big = 1;
			buf_release(&rq->body);
		}
		if (rq->too_big)
			return MHD_YES;
		buf_add(&rq->body, upload, n);
		return MHD_YES;
	}
	if (rq->too_big)
		return too_big(c, url, 0, h->max_body);
	memset(&in, 0, sizeof(in));
	in.method = method;
	in.path = url;
	in.content_type = header(c, MHD_HTTP_HEADER_CONTENT_TYPE);
	in.routing_key = header(c, "X-Cairn-Routing-Key");
	in.body = rq->body.ptr ? rq->body.ptr : "";
	in.len = rq->body.len;
	in.start_us = rq->start_us;
	memset(&res, 0, sizeof(res));
	serve_runtime_handle(h->rt, &in, &res);
	ret = respond(c, &res);
	serve_response_release(&res);
	return ret;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **req_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct serve_http *h = cls;
	struct request *rq = *req_cls;

	(void)c;
	(void)toe;
	if (!rq)
		return;
	buf_release(&rq->body);
	free(rq);
	*req_cls = NULL;
	atomic_fetch_sub(&h->in_flight, 1);
}

__attribute__((format(printf, 2, 0)))
static void on_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	fputs("cairn serve: ", stderr);
	vfprintf(stderr, fmt, ap);
}

int serve_http_start(struct serve_http **out, struct serve_runtime *rt,
		     const char *host, unsigned port, unsigned threads,
		     uint64_t max_body)
{
	struct serve_http *h = xcalloc(1, sizeof(*h));
	unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_TURBO |
			 MHD_USE_ITC | MHD_USE_ERROR_LOG;
	int fd = -1, err;

	h->rt = rt;
	h->listen_fd = -1;
	h->max_body = max_body ? max_body : SERVE_MAX_BODY;
	atomic_init(&h->in_flight, 0);
	if ((err = net_listen(&fd, &h->port, host, port)) < 0) {
		free(h);
		return err;
	}
	h->daemon = MHD_start_daemon(
		flags, (uint16_t)h->port, NULL, NULL, on_request, h,
		MHD_OPTION_EXTERNAL_LOGGER, on_log, h,
		MHD_OPTION_LISTEN_SOCKET, fd,
		MHD_OPTION_THREAD_POOL_SIZE, threads ? threads : 2u,
		MHD_OPTION_CONNECTION_TIMEOUT, 60u,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)MAX_CONNECTIONS,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, h,
		MHD_OPTION_END);
	if (!h->daemon) {
		free(h);
		return cairn_error_set(CAIRN_ERRCLASS_OS,
				       "cannot start the HTTP server on port %u",
				       port);
	}
	*out = h;
	return 0;
}

unsigned serve_http_port(const struct serve_http *h)
{
	return h->port;
}

void serve_http_quiesce(struct serve_http *h)
{
	if (h->daemon && h->listen_fd < 0) {
		MHD_socket fd = MHD_quiesce_daemon(h->daemon);

		if (fd != MHD_INVALID_SOCKET)
			h->listen_fd = fd;
	}
}

unsigned serve_http_in_flight(const struct serve_http *h)
{
	return atomic_load(&((struct serve_http *)h)->in_flight);
}

void serve_http_free(struct serve_http *h)
{
	if (!h)
		return;
	if (h->daemon)
		MHD_stop_daemon(h->daemon);
	if (h->listen_fd >= 0)
		close(h->listen_fd);
	free(h);
}
