/*
 * track_rest_http.c: the REST tracking backend's connection to a cairn
 * server, over libcurl (the only file of the library that includes
 * <curl/curl.h>).
 *
 * One CURL easy handle per connection, reset between requests (which
 * keeps its live connections), so a command's calls share one TCP
 * connection. JSON answers are read into memory; artifact bodies stream
 * between a file descriptor and the socket through curl's read and write
 * callbacks, never held whole.
 *
 * Failures: a connection that cannot be made, a connection dropped before
 * an answer, and HTTP 429, 500, 502, 503 and 504 are retried three times
 * (after 100, 200 and 400 ms), as MLflow's client retries; 4xx answers
 * never are. A retry needs a body that can be sent again (a JSON body, or
 * an upload fd that can seek back) and, for a download, nothing written
 * yet. A request that appends a record (rest_call_once()) is not sent
 * again once it may have reached the server: a connection dropped after
 * sending it may have lost only the answer, and a second copy would be
 * recorded twice (a deployment's events listed twice). What still fails is an error naming the server's URI; an answer
 * with a server error becomes cairn's code with the server's message
 * (rest_error()). Connecting gives up after 10 s, and a transfer stalled
 * for 5 minutes is abandoned, so nothing hangs forever.
 */
#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/track_rest.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/banned.h"

#define MAX_ATTEMPTS 4
#define MAX_JSON_ANSWER ((size_t)1 << 30)

struct rest {
	CURL *curl;
	char *base; /* the URI without a trailing slash */
	char errbuf[CURL_ERROR_SIZE];
};

/* One request's state, seen by the callbacks. */
struct xfer {
	CURL *curl;
	struct buf body;  /* a JSON answer, or the error body of a stream */
	int out_fd;       /* a download's destination, or -1 */
	uint64_t written; /* bytes written to out_fd */
	int in_fd;        /* an upload's source, or -1 */
	off_t in_start;   /* where the upload starts in in_fd */
	int in_seekable;
	int once;         /* not sent again once it may have reached the server */
	int err;          /* a callback's failure (cairn error set) */
};

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_rc;

static void global_init(void)
{
	global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

int rest_open(struct rest **out, const char *uri)
{
	struct rest *r;
	size_t n = strlen(uri);

	pthread_once(&global_once, global_init);
	if (global_rc != CURLE_OK)
		return cairn_error_set(CAIRN_ERRCLASS_REMOTE, "cannot start libcurl: %s",
				       curl_easy_strerror(global_rc));
	while (n && uri[n - 1] == '/')
		n--;
	if (n <= (size_t)(strncmp(uri, "https://", 8) ? 7 : 8) || strchr(uri, '?') ||
	    strchr(uri, '#'))
		return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_CONFIG,
					"'%s' is not a server URI; use http(s)://HOST:PORT",
					uri);
	r = xcalloc(1, sizeof(*r));
	if (!(r->curl = curl_easy_init())) {
		free(r);
		return cairn_error_set(CAIRN_ERRCLASS_REMOTE, "cannot start libcurl");
	}
	r->base = xstrndup(uri, n);
	*out = r;
	return 0;
}

void rest_free(struct rest *r)
{
	if (!r)
		return;
	curl_easy_cleanup(r->curl);
	free(r->base);
	free(r);
}

const char *rest_uri(const struct rest *r)
{
	return r->base;
}

/* ------------------------------------------------------------ callbacks */

static size_t on_write(char *data, size_t size, size_t n, void *arg)
{
	struct xfer *x = arg;
	size_t len = size * n;
	long code = 0;

	if (x->out_fd >= 0) {
		curl_easy_getinfo(x->curl, CURLINFO_RESPONSE_CODE, &code);
		if (code >= 200 && code < 300) {
			if ((x->err = fs_write_all(x->out_fd, data, len, "the download")) < 0)
				return 0;
			x->written += len;
			return len;
		}
	}
	if (x->body.len + len > MAX_JSON_ANSWER) {
		x->err = cairn_error_set(CAIRN_ERRCLASS_REMOTE,
					 "the server's answer is too large");
		return 0;
	}
	buf_add(&x->body, data, len);
	return len;
}

static size_t on_read(char *data, size_t size, size_t n, void *arg)
{
	struct xfer *x = arg;
	ssize_t got;

	do
		got = read(x->in_fd, data, size * n);
	while (got < 0 && errno == EINTR);
	if (got < 0) {
		x->err = cairn_error_set_os("cannot read what is uploaded");
		return CURL_READFUNC_ABORT;
	}
	return (size_t)got;
}

/* ------------------------------------------------------------- requests */

static void reset(struct rest *r, struct xfer *x, const char *url)
{
	curl_easy_reset(r->curl);
	r->errbuf[0] = '\0';
	curl_easy_setopt(r->curl, CURLOPT_URL, url);
	curl_easy_setopt(r->curl, CURLOPT_ERRORBUFFER, r->errbuf);
	curl_easy_setopt(r->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(r->curl, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(r->curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(r->curl, CURLOPT_LOW_SPEED_TIME, 300L);
	curl_easy_setopt(r->curl, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(r->curl, CURLOPT_USERAGENT, "cairn");
	curl_easy_setopt(r->curl, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(r->curl, CURLOPT_WRITEDATA, x);
	x->curl = r->curl;
}

static int transient_rc(CURLcode rc)
{
	return rc == CURLE_COULDNT_CONNECT || rc == CURLE_GOT_NOTHING ||
	       rc == CURLE_SEND_ERROR || rc == CURLE_RECV_ERROR ||
	       rc == CURLE_PARTIAL_FILE;
}

static int transient_status(long status)
{
	return status == 429 || status == 500 || status == 502 || status == 503 ||
	       status == 504;
}

/*
 * Whether the request can go again after rc: its body resent, nothing
 * written, and (for a request sent once) surely not received whole.
 */
static int can_retry(struct xfer *x, CURLcode rc)
{
	if (x->once && rc != CURLE_OK && rc != CURLE_COULDNT_CONNECT &&
	    rc != CURLE_SEND_ERROR)
		return 0;
	if (x->written)
		return 0;
	if (x->in_fd >= 0)
		return x->in_seekable && lseek(x->in_fd, x->in_start, SEEK_SET) == x->in_start;
	return 1;
}

static void backoff(int attempt)
{
	struct timespec ts = { 0, (long)(100000000L << attempt) };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static int perform(struct rest *r, struct xfer *x)
{
	long status = 0;
	CURLcode rc;
	int attempt;

	for (attempt = 0;; attempt++) {
		buf_reset(&x->body);
		x->err = 0;
		rc = curl_easy_perform(r->curl);
		if (x->err < 0)
			return x->err;
		if (rc != CURLE_OK) {
			if (transient_rc(rc) && attempt + 1 < MAX_ATTEMPTS &&
			    can_retry(x, rc)) {
				backoff(attempt);
				continue;
			}
			if (transient_rc(rc) && x->once && !can_retry(x, rc))
				return cairn_error_set(CAIRN_ERRCLASS_REMOTE,
						       "the cairn server at %s did not answer "
						       "(%s); it may have carried the request "
						       "out, so it is not sent again", r->base,
						       r->errbuf[0] ? r->errbuf
								    : curl_easy_strerror(rc));
			return cairn_error_set(CAIRN_ERRCLASS_REMOTE,
					       "cannot reach the cairn server at %s: %s",
					       r->base, r->errbuf[0] ? r->errbuf
								     : curl_easy_strerror(rc));
		}
		curl_easy_getinfo(r->curl, CURLINFO_RESPONSE_CODE, &status);
		if (transient_status(status) && attempt + 1 < MAX_ATTEMPTS &&
		    can_retry(x, rc)) {
			backoff(attempt);
			continue;
		}
		if (status < 200 || status >= 300)
			return rest_error(status, x->body.ptr, x->body.len, r->base);
		return 0;
	}
}

static void xfer_init(struct xfer *x)
{
	memset(x, 0, sizeof(*x));
	buf_init(&x->body, 0);
	x->out_fd = x->in_fd = -1;
}

/* "key=value&..." of a JSON object of scalars and arrays of scalars. */
static void add_query(struct buf *url, CURL *curl, json_t *params)
{
	const char *key;
	json_t *v;
	char sep = '?';

	json_object_foreach(params, key, v) {
		size_t i, n = json_is_array(v) ? json_array_size(v) : 1;

		for (i = 0; i < n; i++) {
			json_t *item = json_is_array(v) ? json_array_get(v, i) : v;
			char *text = json_is_string(item)
					     ? xstrdup(json_string_value(item))
					     : json_dumps(item, JSON_ENCODE_ANY | JSON_COMPACT);
			char *esc = curl_easy_escape(curl, text ? text : "", 0);

			buf_printf(url, "%c%s=%s", sep, key, esc ? esc : "");
			sep = '&';
			curl_free(esc);
			free(text);
		}
	}
}

static int call(json_t **out, struct rest *r, const char *method,
		const char *route, json_t *params, int once)
{
	struct buf url = BUF_INIT;
	struct curl_slist *headers = NULL;
	struct xfer x;
	char *body = NULL;
	long status = 0;
	int err;

	xfer_init(&x);
	x.once = once;
	buf_printf(&url, "%s/api/2.0/%s", r->base, route);
	if (!strcmp(method, "GET") && params)
		add_query(&url, r->curl, params);
	reset(r, &x, url.ptr);
	if (strcmp(method, "GET")) {
		body = params ? json_dumps(params, JSON_COMPACT) : xstrdup("{}");
		headers = curl_slist_append(headers, "Content-Type: application/json");
		curl_easy_setopt(r->curl, CURLOPT_HTTPHEADER, headers);
		curl_easy_setopt(r->curl, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(r->curl, CURLOPT_POSTFIELDSIZE_LARGE,
				 (curl_off_t)strlen(body));
		if (strcmp(method, "POST"))
			curl_easy_setopt(r->curl, CURLOPT_CUSTOMREQUEST, method);
	}
	curl_easy_setopt(r->curl, CURLOPT_TIMEOUT, 600L);
	err = perform(r, &x);
	/* A server without cairn's routes is not a cairn server. */
	if (err < 0 && !strncmp(route, "cairn/", 6) &&
	    curl_easy_getinfo(r->curl, CURLINFO_RESPONSE_CODE, &status) == CURLE_OK &&
	    status == 404 && (err == CAIRN_ENOTSUPP || err == CAIRN_ERROR))
		err = cairn_error_setc(CAIRN_ENOTSUPP, CAIRN_ERRCLASS_REMOTE,
				       "%s has no route /api/2.0/%s: is it a cairn "
				       "server? (an MLflow server serves MLflow clients, "
				       "not the cairn CLI)", r->base, route);
	if (!err && out) {
		*out = x.body.len ? json_loadb(x.body.ptr, x.body.len, 0, NULL)
				  : json_object();
		if (!json_is_object(*out)) {
			json_decref(*out);
			*out = NULL;
			err = cairn_error_set(CAIRN_ERRCLASS_REMOTE,
					      "the cairn server at %s sent an answer "
					      "that is not a JSON object", r->base);
		}
	}
	curl_easy_setopt(r->curl, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(headers);
	free(body);
	json_decref(params);
	buf_release(&x.body);
	buf_release(&url);
	return err;
}

int rest_call(json_t **out, struct rest *r, const char *method,
	      const char *route, json_t *params)
{
	return call(out, r, method, route, params, 0);
}

int rest_call_once(json_t **out, struct rest *r, const char *method,
		   const char *route, json_t *params)
{
	return call(out, r, method, route, params, 1);
}

/* The proxy URL of an artifact path, each component escaped. */
static void artifact_url(struct buf *url, struct rest *r, const char *path)
{
	const char *p = path;

	buf_printf(url, "%s/api/2.0/mlflow-artifacts/artifacts", r->base);
	while (*p) {
		size_t n = strcspn(p, "/");
		char *esc = curl_easy_escape(r->curl, p, (int)n);

		buf_printf(url, "/%s", esc ? esc : "");
		curl_free(esc);
		p += n + (p[n] == '/');
	}
}

int rest_upload(struct rest *r, const char *path, int fd)
{
	struct buf url = BUF_INIT;
	struct curl_slist *headers = NULL;
	struct stat st;
	struct xfer x;
	int err;

	xfer_init(&x);
	artifact_url(&url, r, path);
	reset(r, &x, url.ptr);
	x.in_fd = fd;
	x.in_start = lseek(fd, 0, SEEK_CUR);
	x.in_seekable = x.in_start >= 0;
	headers = curl_slist_append(headers, "Content-Type: application/octet-stream");
	/* No 100-continue round trip before the body. */
	headers = curl_slist_append(headers, "Expect:");
	curl_easy_setopt(r->curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(r->curl, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(r->curl, CURLOPT_READFUNCTION, on_read);
	curl_easy_setopt(r->curl, CURLOPT_READDATA, &x);
	if (x.in_seekable && fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
		curl_easy_setopt(r->curl, CURLOPT_INFILESIZE_LARGE,
				 (curl_off_t)(st.st_size - x.in_start));
	err = perform(r, &x);
	curl_easy_setopt(r->curl, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(headers);
	buf_release(&x.body);
	buf_release(&url);
	return err;
}

int rest_download(struct rest *r, const char *path, int fd)
{
	struct buf url = BUF_INIT;
	struct xfer x;
	int err;

	xfer_init(&x);
	artifact_url(&url, r, path);
	reset(r, &x, url.ptr);
	x.out_fd = fd;
	err = perform(r, &x);
	buf_release(&x.body);
	buf_release(&url);
	return err;
}

int rest_delete(struct rest *r, const char *path)
{
	struct buf url = BUF_INIT;
	struct xfer x;
	int err;

	xfer_init(&x);
	artifact_url(&url, r, path);
	reset(r, &x, url.ptr);
	curl_easy_setopt(r->curl, CURLOPT_CUSTOMREQUEST, "DELETE");
	curl_easy_setopt(r->curl, CURLOPT_TIMEOUT, 600L);
	err = perform(r, &x);
	buf_release(&x.body);
	buf_release(&url);
	return err;
}
