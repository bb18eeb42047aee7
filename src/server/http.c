/*
 * http.c: the HTTP layer of `cairn server`, on libmicrohttpd (MHD).
 *
 * One MHD daemon: epoll, a pool of worker threads, each connection served
 * by one worker for its whole life. A request goes through:
 *   - the URI log callback, which allocates the struct request and keeps
 *     the raw request target (MHD hands the access handler the path
 *     already percent-decoded and without its query string). From then
 *     on MHD reports the request to the completion callback, which frees
 *     it, whatever happens;
 *   - the first access-handler call (headers only), which routes the
 *     request and decides what it can already (404, 405, Content-Type,
 *     413, a streamed route's answer or stream). It answers at once only
 *     when the body must not be read (an error with "Expect:
 *     100-continue"): MHD closes a connection answered on the first call,
 *     so answering there would lose keep-alive (c-style.md B.1);
 *   - body calls, which buffer JSON (up to HTTP_MAX_JSON_BODY), feed an
 *     upload stream, or discard (up to DRAIN_LIMIT, then the connection
 *     is dropped);
 *   - the last call (body complete), which queues exactly one response.
 *
 * Store handles: each worker thread opens its own on first use (one SQLite
 * connection per thread) and keeps it; stream threads borrow from a list
 * of spare handles. http_server_free() frees them all once every thread
 * has stopped.
 *
 * Group commit: a request to a grouped handler (api_grouped_handlers) is
 * parsed by its worker, queued, and its connection suspended. One
 * committer thread takes everything queued, runs the handlers in one
 * transaction (cairn_write_group_begin/end: each request succeeds or fails
 * on its own, inside a savepoint), commits once, and resumes the
 * connections; MHD then calls the access handler again, which answers.
 * So a request is answered only once its write is committed, and the
 * requests that arrive during a commit share the next one. When the
 * server stops, the committer finishes the queue before MHD stops, and
 * requests queued after that run at once in their worker.
 *
 * Streams (see http.h): an upload's consumer reads the far end of a
 * socket pair. The consumer's end starts with one byte written towards
 * the server's end, which the server never reads: shutdown(SHUT_WR) on the
 * server's end ends the consumer's input cleanly, while close() with that
 * byte unread makes the kernel reset the pair, so the consumer of an
 * abandoned upload fails with ECONNRESET instead of storing a truncated
 * file. A download's producer writes into a pipe that an MHD content
 * reader drains; closing the pipe stops the producer (EPIPE).
 *
 * Invariants: a struct request is touched by one thread at a time (its
 * worker, or the committer while its connection is suspended);
 * a struct transfer is shared with its thread only through the socket or
 * pipe, and freed by whoever joins that thread; in_flight counts the
 * requests between the URI and the completion callbacks.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

#include "server/api.h"
#include "server/http.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/hash.h"
#include "util/net.h"
#include "util/banned.h"

/*
 * Per-connection memory: a request line and headers of 64 KiB fit (in a few
 * long headers: each header also costs MHD about 56 bytes). Every byte of it
 * is touched per request, so it is also the RSS of a busy connection.
 */
#define CONNECTION_MEMORY (80 * 1024)
/* A body we refuse is read and dropped up to this size, then cut off. */
#define DRAIN_LIMIT ((uint64_t)64 * 1024 * 1024)
/* Download responses are passed on in blocks of this size. */
#define STREAM_BLOCK (256 * 1024)
#define MAX_CONNECTIONS 16384
/* Spare store handles kept for stream threads. */
#define MAX_SPARE 16

/* The group commit's queue and thread (see the top). */
struct group {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct request **queue;
	size_t n, alloc;
	int stop;           /* the committer has been told to finish */
	int running;        /* the committer was started and not joined */
	pthread_t thread;
};

struct http_server {
	struct MHD_Daemon *daemon;
	int listen_fd;      /* ours again once quiesced, else MHD's */
	unsigned port;
	unsigned long generation;
	char *store;
	const struct api_route *routes;
	atomic_uint in_flight;
	pthread_mutex_t lock; /* guards the two lists below */
	cairn_repo **repos;   /* the worker threads' handles */
	size_t nrepos, repos_alloc;
	cairn_repo **spare;   /* idle handles for stream threads */
	size_t nspare, spare_alloc;
	struct group group;
};

static atomic_ulong generations;
static __thread unsigned long tls_generation;
static __thread cairn_repo *tls_repo;

struct transfer {
	struct http_server *srv;
	struct http_stream st;
	int fd;             /* the server's end */
	int peer;           /* the thread's end */
	pthread_t thread;
	int running;        /* started and not yet joined */
	int failed;         /* the thread's function failed */
	int write_failed;   /* upload: the consumer stopped reading */
	atomic_int cancelled; /* download: the server closed its end */
	uint64_t moved;
	struct api_result res; /* upload: the consumer's answer */
};

enum req_kind {
	REQ_NONE,
	REQ_TEXT,   /* /health, /version */
	REQ_JSON,   /* an api_route */
	REQ_STREAM  /* an http_stream_route */
};

struct request {
	struct http_server *srv;
	char *target;        /* the raw request target */
	struct buf path;     /* its path, percent-decoded */
	const char *query;   /* into target; NULL without '?' */
	size_t query_len;
	const char *method;
	int started;         /* the headers call happened */
	enum req_kind kind;
	const char *text;
	const struct api_route *route;
	const char *api_path; /* path below /api/2.0 or /ajax-api/2.0 */
	int ready;           /* res is the answer; the body is dropped */
	int keep_body;       /* buffer the body (JSON) */
	struct buf body;
	uint64_t dropped;
	char *allow;         /* 405: the methods the path has */
	struct transfer *xfer;
	struct MHD_Connection *conn; /* while queued for the group commit */
	json_t *params;      /* the queued request's parameters */
	struct api_result res;
};

/* ------------------------------------------------------------ decoding */

void http_unescape(struct buf *out, const char *s, size_t len, int plus)
{
	size_t i;

	buf_reset(out);
	buf_grow(out, len);
	for (i = 0; i < len; i++) {
		int hi, lo;

		if (s[i] == '%' && i + 2 < len &&
		    (hi = hex_digit_value((unsigned char)s[i + 1])) >= 0 &&
		    (lo = hex_digit_value((unsigned char)s[i + 2])) >= 0) {
			buf_addch(out, hi * 16 + lo);
			i += 2;
		} else if (plus && s[i] == '+') {
			buf_addch(out, ' ');
		} else {
			buf_addch(out, s[i]);
		}
	}
}

/* "key[]" and "key[12]" are "key", forced to an array. */
static int strip_brackets(struct buf *key)
{
	char *open;
	size_t i;

	if (key->len < 3 || key->ptr[key->len - 1] != ']')
		return 0;
	open = strrchr(key->ptr, '[');
	if (!open || open == key->ptr)
		return 0;
	for (i = (size_t)(open - key->ptr) + 1; i < key->len - 1; i++)
		if (!isdigit((unsigned char)key->ptr[i]))
			return 0;
	buf_setlen(key, (size_t)(open - key->ptr));
	return 1;
}

static int query_add(json_t *obj, struct buf *key, struct buf *val)
{
	json_t *v, *old;
	int array;

	if (memchr(key->ptr, '\0', key->len) || memchr(val->ptr, '\0', val->len))
		return -1;
	array = strip_brackets(key);
	if (!(v = json_stringn(val->ptr, val->len)))
		return -1;
	old = json_object_get(obj, key->ptr);
	if (!old && array) {
		json_t *a = json_array();

		json_array_append_new(a, v);
		v = a;
	} else if (json_is_array(old)) {
		json_array_append_new(old, v);
		return 0;
	} else if (old) {
		json_t *a = json_array();

		json_array_append(a, old);
		json_array_append_new(a, v);
		v = a;
	}
	/* Fails on a key that is not UTF-8. */
	return json_object_set_new(obj, key->ptr, v) < 0 ? -1 : 0;
}

json_t *http_parse_query(const char *qs, size_t len)
{
	struct buf key = BUF_INIT, val = BUF_INIT;
	const char *p = qs, *end = qs + len;
	json_t *obj = json_object();

	while (p < end) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *stop = amp ? amp : end;
		const char *eq = memchr(p, '=', (size_t)(stop - p));

		if (stop > p) {
			http_unescape(&key, p, (size_t)((eq ? eq : stop) - p), 1);
			if (eq)
				http_unescape(&val, eq + 1, (size_t)(stop - eq - 1), 1);
			else
				http_unescape(&val, "", 0, 1);
			if (query_add(obj, &key, &val) < 0) {
				json_decref(obj);
				obj = NULL;
				break;
			}
		}
		p = amp ? amp + 1 : end;
	}
	buf_release(&key);
	buf_release(&val);
	return obj;
}

int http_route_match(const char *route, const char *path, json_t *params)
{
	const char *r = route, *p = path;

	while (*r) {
		const char *close, *end;
		size_t nlen;
		int rest;

		if (*r != '{') {
			if (*r++ != *p++)
				return 0;
			continue;
		}
		if (!(close = strchr(r, '}')))
			return 0;
		nlen = (size_t)(close - r - 1);
		rest = nlen > 3 && !memcmp(close - 3, "...", 3);
		if (rest)
			nlen -= 3;
		end = rest ? p + strlen(p) : p + strcspn(p, "/");
		if (end == p)
			return 0;
		if (params) {
			char *name = xstrndup(r + 1, nlen);
			json_t *v = json_stringn(p, (size_t)(end - p));
			int bad = !v || json_object_set_new(params, name, v) < 0;

			free(name);
			if (bad)
				return -1;
		}
		p = end;
		r = close + 1;
	}
	return *p == '\0';
}

/* ------------------------------------------------------- store handles */

static cairn_repo *worker_repo(struct http_server *srv, struct api_result *res)
{
	cairn_repo *repo;

	if (tls_generation == srv->generation && tls_repo)
		return tls_repo;
	if (cairn_repo_open(&repo, srv->store) < 0) {
		api_fail(res, 500, "INTERNAL_ERROR", "cannot open the store: %s",
			 cairn_error_last()->message);
		return NULL;
	}
	pthread_mutex_lock(&srv->lock);
	ALLOC_GROW(srv->repos, srv->nrepos + 1, srv->repos_alloc);
	srv->repos[srv->nrepos++] = repo;
	pthread_mutex_unlock(&srv->lock);
	tls_generation = srv->generation;
	tls_repo = repo;
	return repo;
}

static cairn_repo *spare_get(struct http_server *srv)
{
	cairn_repo *repo = NULL;

	pthread_mutex_lock(&srv->lock);
	if (srv->nspare)
		repo = srv->spare[--srv->nspare];
	pthread_mutex_unlock(&srv->lock);
	if (!repo && cairn_repo_open(&repo, srv->store) < 0)
		return NULL;
	return repo;
}

static void spare_put(struct http_server *srv, cairn_repo *repo)
{
	pthread_mutex_lock(&srv->lock);
	if (srv->nspare < MAX_SPARE) {
		ALLOC_GROW(srv->spare, srv->nspare + 1, srv->spare_alloc);
		srv->spare[srv->nspare++] = repo;
		repo = NULL;
	}
	pthread_mutex_unlock(&srv->lock);
	cairn_repo_free(repo);
}

/* ----------------------------------------------------------- responses */

static void result_init(struct api_result *res)
{
	res->status = 200;
	res->error_code = NULL;
	res->message[0] = '\0';
	res->body = NULL;
}

/* A failure the handler did not describe: 500 with the library's error. */
static void internal_error(struct api_result *res)
{
	const cairn_error *e = cairn_error_last();

	if (e->klass == CAIRN_ERRCLASS_NONE || !*e->message)
		api_fail(res, 500, "INTERNAL_ERROR", "Internal error");
	else
		api_fail(res, 500, "INTERNAL_ERROR", "%s", e->message);
}

/* A JSON string of s, with bytes that are not UTF-8 replaced by '?'. */
static json_t *safe_string(const char *s)
{
	json_t *v = json_string(s);
	char *copy, *c;

	if (v)
		return v;
	copy = xstrdup(s);
	for (c = copy; *c; c++)
		if ((unsigned char)*c >= 0x80)
			*c = '?';
	v = json_string(copy);
	free(copy);
	return v;
}

static enum MHD_Result queue(struct MHD_Connection *c, unsigned status,
			     const char *type, char *text, size_t len,
			     enum MHD_ResponseMemoryMode mode, const char *allow)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(len, text, mode);
	if (!r) {
		if (mode == MHD_RESPMEM_MUST_FREE)
			free(text);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (allow)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result send_result(struct request *rq, struct MHD_Connection *c)
{
	struct api_result *res = &rq->res;
	unsigned status = res->status > 0 ? (unsigned)res->status : 200;
	json_t *body = res->body;
	char *text;

	res->body = NULL;
	if (res->error_code) {
		json_decref(body);
		if (status < 400)
			status = 500;
		body = json_object();
		json_object_set_new(body, "error_code", json_string(res->error_code));
		json_object_set_new(body, "message", safe_string(res->message));
		if (status == 500 || status > 503)
			fprintf(stderr, "cairn server: %s %s: %u %s: %s\n",
				rq->method, buf_cstr(&rq->path), status,
				res->error_code, res->message);
	} else if (!body) {
		return queue(c, status, "application/json", (char *)"{}", 2,
			     MHD_RESPMEM_PERSISTENT, NULL);
	}
	text = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	if (!text) {
		static const char oops[] =
			"{\"error_code\":\"INTERNAL_ERROR\","
			"\"message\":\"cannot encode the response\"}";

		return queue(c, 500, "application/json", (char *)oops,
			     sizeof(oops) - 1, MHD_RESPMEM_PERSISTENT, NULL);
	}
	return queue(c, status, "application/json", text, strlen(text),
		     MHD_RESPMEM_MUST_FREE, rq->allow);
}

/* ----------------------------------------------------------- transfers */

static void transfer_join(struct transfer *t)
{
	if (t->running) {
		pthread_join(t->thread, NULL);
		t->running = 0;
	}
}

static void transfer_free(struct transfer *t)
{
	if (!t)
		return;
	if (t->fd >= 0)
		close(t->fd);
	transfer_join(t);
	if (t->peer >= 0)
		close(t->peer);
	if (t->st.free_state)
		t->st.free_state(t->st.state);
	free(t->st.disposition);
	json_decref(t->res.body);
	free(t);
}

static void *transfer_main(void *arg)
{
	struct transfer *t = arg;
	cairn_repo *repo = spare_get(t->srv);
	int err;

	result_init(&t->res);
	if (!repo) {
		err = api_fail(&t->res, 500, "INTERNAL_ERROR",
			       "cannot open the store: %s",
			       cairn_error_last()->message);
	} else if (t->st.consume) {
		err = t->st.consume(repo, t->st.state, t->peer, &t->res);
		if (err && !t->res.error_code)
			internal_error(&t->res);
	} else {
		err = t->st.produce(repo, t->st.state, t->peer);
		if (err && !atomic_load(&t->cancelled))
			fprintf(stderr, "cairn server: download failed: %s\n",
				cairn_error_last()->message);
	}
	close(t->peer);
	t->peer = -1;
	if (repo)
		spare_put(t->srv, repo);
	t->failed = err != 0;
	return NULL;
}

static int transfer_start(struct transfer *t)
{
	int err = pthread_create(&t->thread, NULL, transfer_main, t);

	if (err) {
		errno = err;
		return cairn_error_set_os("cannot start a thread");
	}
	t->running = 1;
	return 0;
}

static int upload_start(struct request *rq, struct http_stream *st)
{
	struct transfer *t = xcalloc(1, sizeof(*t));
	int sv[2], size = 1024 * 1024;

	t->srv = rq->srv;
	t->st = *st;
	t->fd = t->peer = -1;
	rq->xfer = t;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return cairn_error_set_os("cannot create a socket pair");
	t->fd = sv[0];
	t->peer = sv[1];
	/* The byte that turns close() into a reset (see the top). */
	if (send(t->peer, "", 1, MSG_NOSIGNAL) != 1)
		return cairn_error_set_os("cannot prime a socket pair");
	setsockopt(t->fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	return transfer_start(t);
}

static void upload_feed(struct transfer *t, const char *data, size_t len)
{
	while (len && !t->write_failed) {
		ssize_t n = send(t->fd, data, len, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno != EINTR)
				t->write_failed = 1; /* the consumer gave up */
			continue;
		}
		data += n;
		len -= (size_t)n;
		t->moved += (uint64_t)n;
	}
}

static void upload_end(struct request *rq)
{
	struct transfer *t = rq->xfer;

	shutdown(t->fd, SHUT_WR);
	transfer_join(t);
	if (t->failed) {
		rq->res = t->res;
		t->res.body = NULL;
	} else if (t->write_failed) {
		api_fail(&rq->res, 500, "INTERNAL_ERROR",
			 "the upload was not read to its end");
	} else {
		rq->res = t->res;
		t->res.body = NULL;
	}
	rq->ready = 1;
	rq->xfer = NULL;
	transfer_free(t);
}

static ssize_t download_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct transfer *t = cls;
	ssize_t n;

	(void)pos;
	do
		n = read(t->fd, buf, max);
	while (n < 0 && errno == EINTR);
	if (n > 0) {
		t->moved += (uint64_t)n;
		return n;
	}
	if (n < 0)
		return MHD_CONTENT_READER_END_WITH_ERROR;
	transfer_join(t); /* the producer closed its end: it is done */
	if (t->failed || (t->st.length >= 0 && t->moved != (uint64_t)t->st.length))
		return MHD_CONTENT_READER_END_WITH_ERROR;
	return MHD_CONTENT_READER_END_OF_STREAM;
}

static void download_free(void *cls)
{
	struct transfer *t = cls;

	atomic_store(&t->cancelled, 1);
	close(t->fd); /* a producer still writing gets EPIPE */
	t->fd = -1;
	transfer_free(t);
}

static enum MHD_Result download_start(struct request *rq,
				      struct MHD_Connection *c)
{
	struct transfer *t = rq->xfer;
	struct MHD_Response *r;
	enum MHD_Result ret;
	int p[2];

	if (pipe2(p, O_CLOEXEC) < 0) {
		cairn_error_set_os("cannot create a pipe");
		goto fail;
	}
	t->fd = p[0];
	t->peer = p[1];
	fcntl(t->peer, F_SETPIPE_SZ, 1024 * 1024); /* a hint: may be refused */
	if (transfer_start(t) < 0)
		goto fail;
	rq->xfer = NULL; /* the response owns it now */
	r = MHD_create_response_from_callback(t->st.length < 0 ? MHD_SIZE_UNKNOWN :
					      (uint64_t)t->st.length,
					      STREAM_BLOCK, download_read, t,
					      download_free);
	if (!r) {
		download_free(t);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
				t->st.content_type[0] ? t->st.content_type :
				"application/octet-stream");
	if (t->st.disposition)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_DISPOSITION,
					t->st.disposition);
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	ret = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
fail:
	api_fail(&rq->res, 500, "INTERNAL_ERROR", "%s",
		 cairn_error_last()->message);
	return send_result(rq, c);
}

/* ------------------------------------------------------------- routing */

static const char *header(struct MHD_Connection *c, const char *name)
{
	return MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
}

/* The path below /api/2.0 or /ajax-api/2.0 (starting with '/'), or NULL. */
static const char *under_api(const char *path)
{
	static const char *const prefixes[] = { "/api/2.0", "/ajax-api/2.0" };
	size_t i;

	for (i = 0; i < sizeof(prefixes) / sizeof(*prefixes); i++) {
		size_t n = strlen(prefixes[i]);

		if (!strncmp(path, prefixes[i], n) && path[n] == '/')
			return path + n;
	}
	return NULL;
}

static int method_is(const char *route_method, const char *method)
{
	return !strcmp(route_method, method) ||
	       (!strcmp(method, "HEAD") && !strcmp(route_method, "GET"));
}

static void allow_add(struct buf *allow, const char *method)
{
	const char *p = allow->ptr;
	size_t n = strlen(method);

	while (p && (p = strstr(p, method))) {
		if ((p == allow->ptr || p[-1] == ' ') && (!p[n] || p[n] == ','))
			return;
		p += n;
	}
	if (allow->len)
		buf_puts(allow, ", ");
	buf_puts(allow, method);
}

static const struct http_stream_route *route_streams(const char *path,
						     const char *method,
						     int root, struct buf *allow)
{
	const struct http_stream_route *s;

	for (s = api_proxy_streams; s->method; s++) {
		if (s->root != root || http_route_match(s->path, path, NULL) != 1)
			continue;
		if (method_is(s->method, method))
			return s;
		allow_add(allow, s->method);
	}
	return NULL;
}

static const struct api_route *route_table(const struct api_route *table,
					   const char *path, const char *method,
					   struct buf *allow)
{
	const struct api_route *r;

	for (r = table; r->method; r++) {
		if (http_route_match(r->path, path, NULL) != 1)
			continue;
		if (method_is(r->method, method))
			return r;
		allow_add(allow, r->method);
	}
	return NULL;
}

static json_t *stream_params(struct request *rq, const struct http_stream_route *s)
{
	json_t *params = http_parse_query(rq->query ? rq->query : "",
					  rq->query_len);

	if (!params) {
		api_fail(&rq->res, 400, "INVALID_PARAMETER_VALUE",
			 "Invalid query string: it must be UTF-8 without NUL bytes");
		return NULL;
	}
	if (http_route_match(s->path, s->root ? buf_cstr(&rq->path) : rq->api_path,
			     params) != 1) {
		json_decref(params);
		api_fail(&rq->res, 400, "INVALID_PARAMETER_VALUE", "Invalid path");
		return NULL;
	}
	return params;
}

static void begin_stream(struct request *rq, const struct http_stream_route *s)
{
	struct http_stream st;
	cairn_repo *repo;
	json_t *params;
	int err;

	rq->kind = REQ_STREAM;
	rq->ready = 1;
	if (!(params = stream_params(rq, s)))
		return;
	if (!(repo = worker_repo(rq->srv, &rq->res))) {
		json_decref(params);
		return;
	}
	memset(&st, 0, sizeof(st));
	st.length = -1;
	cairn_error_reset();
	err = s->fn(repo, params, &st, &rq->res);
	json_decref(params);
	if (err) {
		if (!rq->res.error_code)
			internal_error(&rq->res);
		free(st.disposition);
		return;
	}
	if (st.consume) {
		if (upload_start(rq, &st) < 0)
			api_fail(&rq->res, 503, "TEMPORARILY_UNAVAILABLE", "%s",
				 cairn_error_last()->message);
		else
			rq->ready = 0;
	} else if (st.produce) {
		struct transfer *t = xcalloc(1, sizeof(*t));

		t->srv = rq->srv;
		t->st = st;
		t->fd = t->peer = -1;
		rq->xfer = t;
		rq->ready = 0;
	}
}

/* Is the media type (parameters stripped) application/json? */
static int is_json_type(const char *type)
{
	size_t n;

	while (*type == ' ' || *type == '\t')
		type++;
	n = strcspn(type, ";");
	while (n && (type[n - 1] == ' ' || type[n - 1] == '\t'))
		n--;
	return n == 16 && !strncasecmp(type, "application/json", 16);
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

static void too_big(struct request *rq, uint64_t length)
{
	if (length)
		api_fail(&rq->res, 413, "INVALID_PARAMETER_VALUE",
			 "Request body of %llu bytes exceeds the limit of %d bytes",
			 (unsigned long long)length, HTTP_MAX_JSON_BODY);
	else
		api_fail(&rq->res, 413, "INVALID_PARAMETER_VALUE",
			 "Request body exceeds the limit of %d bytes",
			 HTTP_MAX_JSON_BODY);
	rq->ready = 1;
	rq->keep_body = 0;
	buf_release(&rq->body);
}

static void begin_json(struct request *rq, struct MHD_Connection *c,
		       const struct api_route *r)
{
	const char *method = rq->method;
	uint64_t length;

	rq->kind = REQ_JSON;
	rq->route = r;
	if (!strcmp(method, "POST") || !strcmp(method, "PUT")) {
		const char *type = header(c, MHD_HTTP_HEADER_CONTENT_TYPE);

		if (!type) {
			api_fail(&rq->res, 400, "INVALID_PARAMETER_VALUE",
				 "Bad Request. Content-Type header is missing.");
			rq->ready = 1;
			return;
		}
		if (!is_json_type(type)) {
			api_fail(&rq->res, 400, "INVALID_PARAMETER_VALUE",
				 "Bad Request. Content-Type must be one of "
				 "['application/json'].");
			rq->ready = 1;
			return;
		}
	}
	if (!strcmp(method, "GET") || !strcmp(method, "HEAD"))
		return;
	rq->keep_body = 1;
	length = content_length(c);
	if (length > HTTP_MAX_JSON_BODY)
		too_big(rq, length);
}

static void begin_route(struct request *rq, struct MHD_Connection *c)
{
	const char *path = buf_cstr(&rq->path), *method = rq->method;
	const struct http_stream_route *s = NULL;
	const struct api_route *r = NULL;
	struct buf allow = BUF_INIT;

	if ((rq->api_path = under_api(path))) {
		if (!(r = route_table(rq->srv->routes, rq->api_path, method, &allow)) &&
		    !(r = route_table(api_proxy_routes, rq->api_path, method, &allow)) &&
		    (rq->srv->routes != api_tracking_routes ||
		     (!(r = route_table(api_registry_routes, rq->api_path, method,
					&allow)) &&
		      !(r = route_table(api_cairn_routes, rq->api_path, method,
					&allow)) &&
		      !(r = route_table(api_audit_routes, rq->api_path, method,
					&allow)) &&
		      !(r = route_table(api_promotion_routes, rq->api_path, method,
					&allow)) &&
		      !(r = route_table(api_deployment_routes, rq->api_path, method,
					&allow)))))
			s = route_streams(rq->api_path, method, 0, &allow);
	}
	if (!r && !s)
		s = route_streams(path, method, 1, &allow);
	if (r) {
		begin_json(rq, c, r);
	} else if (s) {
		begin_stream(rq, s);
	} else if (allow.len) {
		api_fail(&rq->res, 405, "ENDPOINT_NOT_FOUND",
			 "Method %s is not allowed for %s; it allows %s", method,
			 path, allow.ptr);
		rq->allow = buf_detach(&allow, NULL);
		rq->ready = 1;
	} else {
		api_fail(&rq->res, 404, "ENDPOINT_NOT_FOUND",
			 "No API endpoint for %s %s", method, path);
		rq->ready = 1;
	}
	buf_release(&allow);
}

static void begin(struct request *rq, struct MHD_Connection *c)
{
	const char *t = rq->target, *q;
	size_t n;

	/* An absolute-form target (a proxy's): keep only the path. */
	if (!strncasecmp(t, "http://", 7) || !strncasecmp(t, "https://", 8)) {
		t = strstr(t, "//") + 2;
		t += strcspn(t, "/?");
	}
	q = strchr(t, '?');
	n = q ? (size_t)(q - t) : strlen(t);
	if (q) {
		rq->query = q + 1;
		rq->query_len = strlen(q + 1);
	}
	http_unescape(&rq->path, t, n, 0);
	if (!rq->path.len || memchr(rq->path.ptr, '\0', rq->path.len)) {
		api_fail(&rq->res, 400, "INVALID_PARAMETER_VALUE", "Invalid path");
		rq->ready = 1;
		return;
	}
	if (!strcmp(rq->path.ptr, "/health") || !strcmp(rq->path.ptr, "/version")) {
		rq->kind = REQ_TEXT;
		rq->text = rq->path.ptr[1] == 'h' ? "OK" : cairn_version();
		if (!method_is("GET", rq->method)) {
			api_fail(&rq->res, 405, "ENDPOINT_NOT_FOUND",
				 "Method %s is not allowed for %s; it allows GET",
				 rq->method, rq->path.ptr);
			rq->allow = xstrdup("GET");
			rq->ready = 1;
		}
		return;
	}
	begin_route(rq, c);
}

/* ----------------------------------------------------- the JSON routes */

static int is_blank(const char *s, size_t n)
{
	while (n && (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')) {
		s++;
		n--;
	}
	return n == 0;
}

static json_t *parse_body(struct request *rq)
{
	json_error_t e;
	json_t *v, *again;

	if (is_blank(rq->body.ptr, rq->body.len))
		return json_object();
	v = json_loadb(rq->body.ptr, rq->body.len, JSON_DECODE_ANY, &e);
	if (v && json_is_string(v)) {
		/* Old clients post their JSON encoded again as a string. */
		again = json_loadb(json_string_value(v), json_string_length(v),
				   JSON_DECODE_ANY, &e);
		json_decref(v);
		v = again;
	}
	if (!v) {
		api_fail(&rq->res, 400, "INVALID_PARAMETER_VALUE",
			 "Malformed JSON in the request body: %s (line %d, "
			 "column %d)", e.text, e.line, e.column);
		return NULL;
	}
	if (json_is_null(v)) {
		json_decref(v);
		return json_object();
	}
	if (!json_is_object(v)) {
		json_decref(v);
		api_fail(&rq->res, 400, "INVALID_PARAMETER_VALUE",
			 "The request body must be a JSON object");
		return NULL;
	}
	return v;
}

/* The request's parameters, or NULL with the error in rq->res. */
static json_t *json_params(struct request *rq)
{
	const struct api_route *r = rq->route;
	json_t *params;

	if (!strcmp(rq->method, "GET") || !strcmp(rq->method, "HEAD")) {
		params = http_parse_query(rq->query ? rq->query : "", rq->query_len);
		if (!params) {
			api_fail(&rq->res, 400, "INVALID_PARAMETER_VALUE",
				 "Invalid query string: it must be UTF-8 "
				 "without NUL bytes");
			return NULL;
		}
	} else if (!(params = parse_body(rq))) {
		return NULL;
	}
	buf_release(&rq->body);
	if (strchr(r->path, '{') &&
	    http_route_match(r->path, rq->api_path, params) != 1) {
		api_fail(&rq->res, 400, "INVALID_PARAMETER_VALUE", "Invalid path");
		json_decref(params);
		return NULL;
	}
	return params;
}

/* Run the route's handler on params (which it consumes). */
static void run_json(struct request *rq, cairn_repo *repo, json_t *params)
{
	int err;

	cairn_error_reset();
	err = rq->route->fn(repo, params, &rq->res);
	if (err && !rq->res.error_code)
		internal_error(&rq->res);
	json_decref(params);
}

static void call_json(struct request *rq)
{
	cairn_repo *repo;
	json_t *params;

	if (!(params = json_params(rq)))
		return;
	if (!(repo = worker_repo(rq->srv, &rq->res))) {
		json_decref(params);
		return;
	}
	run_json(rq, repo, params);
}

/* ------------------------------------------------------- group commit */

static int is_grouped(const struct api_route *r)
{
	const api_handler *h;

	for (h = api_grouped_handlers; *h; h++)
		if (*h == r->fn)
			return 1;
	return 0;
}

/* Run a batch of queued requests in one transaction and resume them. */
static void group_run(cairn_repo **repo, const char *store,
		      struct request **batch, size_t n)
{
	size_t i;
	int err = 0, grouped = 0;

	if (!*repo && cairn_repo_open(repo, store) < 0)
		err = -1;
	else if (cairn_write_group_begin(*repo) == 0)
		grouped = 1;
	for (i = 0; i < n; i++) {
		struct request *rq = batch[i];

		if (err)
			api_fail(&rq->res, 500, "INTERNAL_ERROR",
				 "cannot open the store: %s",
				 cairn_error_last()->message);
		else
			run_json(rq, *repo, rq->params);
		rq->params = NULL;
	}
	if (grouped && cairn_write_group_end(*repo, 1) < 0) {
		const char *why = cairn_error_last()->message;

		for (i = 0; i < n; i++)
			if (!batch[i]->res.error_code) {
				json_decref(batch[i]->res.body);
				batch[i]->res.body = NULL;
				api_fail(&batch[i]->res, 500, "INTERNAL_ERROR",
					 "cannot commit: %s", why);
			}
	}
	for (i = 0; i < n; i++) {
		struct MHD_Connection *c = batch[i]->conn;

		batch[i]->ready = 1;
		batch[i]->conn = NULL;
		MHD_resume_connection(c);
	}
}

static void *group_main(void *arg)
{
	struct http_server *srv = arg;
	struct group *g = &srv->group;
	struct request **batch = NULL, **spare;
	size_t n, alloc = 0, spare_alloc;
	cairn_repo *repo = NULL;

	pthread_mutex_lock(&g->lock);
	for (;;) {
		while (!g->n && !g->stop)
			pthread_cond_wait(&g->wake, &g->lock);
		if (!g->n)
			break;
		/* Take the queue; swap arrays so neither is reallocated often. */
		spare = batch;
		batch = g->queue;
		g->queue = spare;
		spare_alloc = alloc;
		alloc = g->alloc;
		g->alloc = spare_alloc;
		n = g->n;
		g->n = 0;
		pthread_mutex_unlock(&g->lock);
		group_run(&repo, srv->store, batch, n);
		pthread_mutex_lock(&g->lock);
	}
	pthread_mutex_unlock(&g->lock);
	free(batch);
	cairn_repo_free(repo);
	return NULL;
}

/*
 * Queue a grouped request whose body is complete and suspend its
 * connection: 1 if queued, 0 to run it now (it is not grouped, its
 * parameters are wrong, or the committer has stopped).
 */
static int group_defer(struct request *rq, struct MHD_Connection *c)
{
	struct group *g = &rq->srv->group;
	json_t *params;
	int queued = 0;

	if (!is_grouped(rq->route))
		return 0;
	if (!(params = json_params(rq))) {
		rq->ready = 1;
		return 0;
	}
	pthread_mutex_lock(&g->lock);
	if (g->running && !g->stop) {
		rq->params = params;
		rq->conn = c;
		ALLOC_GROW(g->queue, g->n + 1, g->alloc);
		g->queue[g->n++] = rq;
		/* Suspended before the committer can see it to resume it. */
		MHD_suspend_connection(c);
		pthread_cond_signal(&g->wake);
		queued = 1;
	}
	pthread_mutex_unlock(&g->lock);
	if (!queued) {
		cairn_repo *repo = worker_repo(rq->srv, &rq->res);

		if (repo)
			run_json(rq, repo, params);
		else
			json_decref(params);
		rq->ready = 1;
	}
	return queued;
}

static void group_stop(struct group *g)
{
	pthread_mutex_lock(&g->lock);
	g->stop = 1;
	pthread_cond_signal(&g->wake);
	pthread_mutex_unlock(&g->lock);
	if (g->running) {
		pthread_join(g->thread, NULL);
		g->running = 0;
	}
}

/* -------------------------------------------------------- MHD callbacks */

static enum MHD_Result finish(struct request *rq, struct MHD_Connection *c)
{
	if (rq->kind == REQ_TEXT && !rq->ready)
		return queue(c, MHD_HTTP_OK, "text/plain; charset=utf-8",
			     (char *)rq->text, strlen(rq->text),
			     MHD_RESPMEM_PERSISTENT, NULL);
	if (!rq->ready) {
		if (rq->xfer && rq->xfer->st.consume)
			upload_end(rq);
		else if (rq->xfer)
			return download_start(rq, c);
		else if (rq->kind == REQ_JSON && group_defer(rq, c))
			return MHD_YES; /* answered when resumed */
		else if (rq->kind == REQ_JSON && !rq->ready)
			call_json(rq);
	}
	return send_result(rq, c);
}

static int has_body(struct MHD_Connection *c)
{
	return content_length(c) > 0 ||
	       header(c, MHD_HTTP_HEADER_TRANSFER_ENCODING);
}

static int expects_continue(struct MHD_Connection *c)
{
	const char *v = header(c, MHD_HTTP_HEADER_EXPECT);

	return v && !strcasecmp(v, "100-continue");
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
				  const char *url, const char *method,
				  const char *version, const char *upload,
				  size_t *upload_size, void **req_cls)
{
	struct request *rq = *req_cls;
	size_t n = *upload_size;

	(void)cls;
	(void)url;
	(void)version;
	if (!rq)
		return MHD_NO;
	if (!rq->started) {
		/* Headers only: decide, but answer now only if the body must
		 * not be read (answering here closes the connection). */
		rq->started = 1;
		rq->method = method;
		begin(rq, c);
		if (rq->ready && has_body(c) && expects_continue(c))
			return finish(rq, c);
		return MHD_YES;
	}
	if (n) {
		*upload_size = 0;
		if (rq->xfer && rq->xfer->st.consume && !rq->ready) {
			upload_feed(rq->xfer, upload, n);
		} else if (rq->keep_body && !rq->ready) {
			if (rq->body.len + n > HTTP_MAX_JSON_BODY)
				too_big(rq, 0);
			else
				buf_add(&rq->body, upload, n);
		} else {
			rq->dropped += n;
			if (rq->dropped > DRAIN_LIMIT)
				return MHD_NO;
		}
		return MHD_YES;
	}
	return finish(rq, c);
}

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
	struct http_server *srv = cls;
	struct request *rq = xmalloc(sizeof(*rq));

	(void)c;
	memset(rq, 0, offsetof(struct request, res));
	result_init(&rq->res);
	rq->srv = srv;
	rq->target = xstrdup(uri);
	rq->method = "?";
	atomic_fetch_add(&srv->in_flight, 1);
	return rq;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **req_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct http_server *srv = cls;
	struct request *rq = *req_cls;

	(void)c;
	(void)toe;
	if (!rq)
		return;
	if (rq->xfer) {
		struct transfer *t = rq->xfer;

		if (t->st.consume && t->running) {
			/* Abandoned mid-upload: reset the consumer's input. */
			close(t->fd);
			t->fd = -1;
		}
		transfer_free(t);
	}
	json_decref(rq->res.body);
	buf_release(&rq->path);
	buf_release(&rq->body);
	free(rq->allow);
	free(rq->target);
	free(rq);
	*req_cls = NULL;
	atomic_fetch_sub(&srv->in_flight, 1);
}

__attribute__((format(printf, 2, 0)))
static void on_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	fputs("cairn server: ", stderr);
	vfprintf(stderr, fmt, ap);
}

/* ------------------------------------------------------------- server */

/* Raise the open-file limit as far as allowed; connections get half. */
static unsigned connection_limit(unsigned want)
{
	struct rlimit rl;
	rlim_t avail = 1024;
	unsigned limit;

	if (!getrlimit(RLIMIT_NOFILE, &rl)) {
		if (rl.rlim_cur < rl.rlim_max) {
			rl.rlim_cur = rl.rlim_max;
			if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
				getrlimit(RLIMIT_NOFILE, &rl);
		}
		avail = rl.rlim_cur;
	}
	if (avail == RLIM_INFINITY || avail > 2 * MAX_CONNECTIONS + 64)
		limit = MAX_CONNECTIONS;
	else
		limit = avail > 128 ? (unsigned)(avail - 64) / 2 : 32;
	return want && want < limit ? want : limit;
}

int http_server_start(struct http_server **out,
		      const struct http_server_options *opts)
{
	struct http_server *srv;
	unsigned workers = opts->workers ? opts->workers : 1;
	unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_TURBO |
			 MHD_USE_ITC | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
	int fd = -1, err;

	srv = xcalloc(1, sizeof(*srv));
	srv->listen_fd = -1;
	srv->store = xstrdup(opts->store);
	srv->routes = opts->routes ? opts->routes : api_tracking_routes;
	srv->generation = atomic_fetch_add(&generations, 1) + 1;
	atomic_init(&srv->in_flight, 0);
	pthread_mutex_init(&srv->lock, NULL);
	pthread_mutex_init(&srv->group.lock, NULL);
	pthread_cond_init(&srv->group.wake, NULL);
	if ((err = pthread_create(&srv->group.thread, NULL, group_main, srv))) {
		errno = err;
		err = cairn_error_set_os("cannot start a thread");
		goto fail;
	}
	srv->group.running = 1;
	if ((err = net_listen(&fd, &srv->port, opts->host, opts->port)) < 0)
		goto fail;
	/* From here the listening socket is MHD's, even if it fails. */
	srv->daemon = MHD_start_daemon(
		flags, (uint16_t)srv->port, NULL, NULL, on_request, srv,
		MHD_OPTION_EXTERNAL_LOGGER, on_log, srv,
		MHD_OPTION_LISTEN_SOCKET, fd,
		MHD_OPTION_THREAD_POOL_SIZE, workers,
		MHD_OPTION_CONNECTION_TIMEOUT,
		opts->timeout ? opts->timeout : 60u,
		MHD_OPTION_CONNECTION_LIMIT,
		connection_limit(opts->max_connections),
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONNECTION_MEMORY,
		MHD_OPTION_URI_LOG_CALLBACK, on_uri, srv,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
		MHD_OPTION_END);
	if (!srv->daemon) {
		err = cairn_error_set(CAIRN_ERRCLASS_OS,
				      "cannot start the HTTP server on port %u",
				      srv->port);
		goto fail;
	}
	*out = srv;
	return 0;
fail:
	group_stop(&srv->group);
	pthread_cond_destroy(&srv->group.wake);
	pthread_mutex_destroy(&srv->group.lock);
	pthread_mutex_destroy(&srv->lock);
	free(srv->store);
	free(srv);
	return err;
}

unsigned http_server_port(const struct http_server *srv)
{
	return srv->port;
}

void http_server_quiesce(struct http_server *srv)
{
	if (srv->daemon && srv->listen_fd < 0) {
		MHD_socket fd = MHD_quiesce_daemon(srv->daemon);

		if (fd != MHD_INVALID_SOCKET)
			srv->listen_fd = fd;
	}
}

unsigned http_server_in_flight(const struct http_server *srv)
{
	return atomic_load(&((struct http_server *)srv)->in_flight);
}

void http_server_free(struct http_server *srv)
{
	size_t i;

	if (!srv)
		return;
	/* No connection may stay suspended when MHD stops. */
	group_stop(&srv->group);
	if (srv->daemon)
		MHD_stop_daemon(srv->daemon);
	if (srv->listen_fd >= 0)
		close(srv->listen_fd);
	for (i = 0; i < srv->nrepos; i++)
		cairn_repo_free(srv->repos[i]);
	for (i = 0; i < srv->nspare; i++)
		cairn_repo_free(srv->spare[i]);
	free(srv->repos);
	free(srv->spare);
	free(srv->group.queue);
	pthread_cond_destroy(&srv->group.wake);
	pthread_mutex_destroy(&srv->group.lock);
	pthread_mutex_destroy(&srv->lock);
	free(srv->store);
	free(srv);
}
