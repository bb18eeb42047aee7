/*
 * test_http.c: the HTTP layer of `cairn server` (src/server/http.c) and
 * the artifact proxy's path rules (api_artifacts.c).
 *
 * The pure functions first: percent-decoding, query strings (repeated
 * keys, key[] / key[N], '+', malformed escapes, bad UTF-8, NUL), route
 * matching with captures, MLflow's artifact path check and content
 * types. Then a live server on a loopback port, with a route table of
 * the test's own, driven over raw sockets: health and version, 404 and
 * 405 envelopes, Content-Type rules, JSON decoding (empty, double-encoded,
 * malformed, not an object), 413 with the connection kept, keep-alive,
 * 64 KiB headers, a handler failing without an error, and the artifact
 * proxy's upload, download, abandoned upload and traversal checks over a
 * real store.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "server/api.h"
#include "server/http.h"
#include "util/buf.h"
#include "util/fs.h"

/* ------------------------------------------------------ pure functions */

static void test_unescape(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	http_unescape(&b, "%41%62c", 7, 0);
	assert_string_equal(buf_cstr(&b), "Abc");
	http_unescape(&b, "a+b%20c", 7, 1);
	assert_string_equal(buf_cstr(&b), "a b c");
	http_unescape(&b, "a+b", 3, 0);
	assert_string_equal(buf_cstr(&b), "a+b");
	/* Malformed escapes stay as they are. */
	http_unescape(&b, "%4", 2, 0);
	assert_string_equal(buf_cstr(&b), "%4");
	http_unescape(&b, "%zz%", 4, 0);
	assert_string_equal(buf_cstr(&b), "%zz%");
	http_unescape(&b, "%2f%2F", 6, 0);
	assert_string_equal(buf_cstr(&b), "//");
	/* Only len bytes are read. */
	http_unescape(&b, "%41%42", 4, 0);
	assert_string_equal(buf_cstr(&b), "A%");
	http_unescape(&b, "a%00b", 5, 0);
	assert_int_equal(b.len, 3);
	assert_int_equal(b.ptr[1], '\0');
	http_unescape(&b, "", 0, 1);
	assert_int_equal(b.len, 0);
	buf_release(&b);
}

static json_t *query(const char *qs)
{
	return http_parse_query(qs, strlen(qs));
}

static void assert_json(json_t *v, const char *want)
{
	json_t *w = json_loads(want, 0, NULL);

	assert_non_null(w);
	assert_non_null(v);
	if (!json_equal(v, w)) {
		char *got = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);

		fail_msg("got %s, want %s", got, want);
	}
	json_decref(w);
}

static void check_query(const char *qs, const char *want)
{
	json_t *v = query(qs);

	assert_json(v, want);
	json_decref(v);
}

static void test_query(void **state)
{
	(void)state;
	check_query("", "{}");
	check_query("a=1&b=two", "{\"a\": \"1\", \"b\": \"two\"}");
	check_query("a=1&a=2&a=3", "{\"a\": [\"1\", \"2\", \"3\"]}");
	check_query("ids[]=1&ids[]=2", "{\"ids\": [\"1\", \"2\"]}");
	check_query("ids[]=1", "{\"ids\": [\"1\"]}");
	check_query("ids[0]=1&ids[1]=2", "{\"ids\": [\"1\", \"2\"]}");
	check_query("experiment_ids%5B%5D=0", "{\"experiment_ids\": [\"0\"]}");
	check_query("a=1&a[]=2", "{\"a\": [\"1\", \"2\"]}");
	check_query("a[]=1&a=2", "{\"a\": [\"1\", \"2\"]}");
	check_query("k[x]=1&[]=2&k[1a]=3",
		    "{\"k[x]\": \"1\", \"[]\": \"2\", \"k[1a]\": \"3\"}");
	check_query("f=a+b%20c%2Bd", "{\"f\": \"a b c+d\"}");
	check_query("flag&x=", "{\"flag\": \"\", \"x\": \"\"}");
	check_query("&&a=1&", "{\"a\": \"1\"}");
	check_query("=v", "{\"\": \"v\"}");
	check_query("a=x=y", "{\"a\": \"x=y\"}");
	check_query("a=%zz%4", "{\"a\": \"%zz%4\"}");
	check_query("n=%C3%A9", "{\"n\": \"\\u00e9\"}");
	check_query("run_uuid=ab&run_id=ab", "{\"run_uuid\": \"ab\", \"run_id\": \"ab\"}");
	/* Not UTF-8, or a NUL: refused. */
	assert_null(query("a=%FF"));
	assert_null(query("%FF=1"));
	assert_null(query("a=%00"));
	assert_null(query("a%00b=1"));
	assert_null(query("ok=1&bad=%C3"));
}

static void test_route_match(void **state)
{
	json_t *p = json_object();

	(void)state;
	assert_int_equal(http_route_match("/mlflow/runs/get", "/mlflow/runs/get", NULL), 1);
	assert_int_equal(http_route_match("/mlflow/runs/get", "/mlflow/runs/ge", NULL), 0);
	assert_int_equal(http_route_match("/mlflow/runs/get", "/mlflow/runs/gets", NULL), 0);
	assert_int_equal(http_route_match("/mlflow/runs/get", "/mlflow/runs/get/", NULL), 0);
	assert_int_equal(http_route_match("/mlflow/runs/get", "", NULL), 0);
	assert_int_equal(http_route_match("/m/{id}", "/m/abc", p), 1);
	assert_json(p, "{\"id\": \"abc\"}");
	assert_int_equal(http_route_match("/m/{id}/tags", "/m/x1/tags", p), 1);
	assert_json(p, "{\"id\": \"x1\"}");
	assert_int_equal(http_route_match("/m/{id}/tags", "/m/x1/other", NULL), 0);
	assert_int_equal(http_route_match("/m/{id}", "/m/", NULL), 0);
	assert_int_equal(http_route_match("/m/{id}", "/m/a/b", NULL), 0);
	assert_int_equal(http_route_match("/m/{id}/t/{key}", "/m/1/t/k", p), 1);
	assert_json(p, "{\"id\": \"1\", \"key\": \"k\"}");
	assert_int_equal(http_route_match("/a/{path...}", "/a/x/y/z.txt", p), 1);
	assert_string_equal(json_string_value(json_object_get(p, "path")), "x/y/z.txt");
	assert_int_equal(http_route_match("/a/{path...}", "/a/", NULL), 0);
	assert_int_equal(http_route_match("/a/{path...}", "/a", NULL), 0);
	assert_int_equal(http_route_match("/a/{broken", "/a/x", NULL), 0);
	/* A capture that is not UTF-8 cannot be a parameter. */
	assert_int_equal(http_route_match("/a/{id}", "/a/\xff", p), -1);
	json_decref(p);
}

static void check_path(const char *in, const char *want)
{
	struct buf b = BUF_INIT;
	int r = http_artifact_path(&b, in);

	if (want) {
		assert_int_equal(r, 0);
		assert_string_equal(buf_cstr(&b), want);
	} else if (r != -1) {
		fail_msg("'%s' was accepted as '%s'", in, buf_cstr(&b));
	}
	buf_release(&b);
}

static void test_artifact_path(void **state)
{
	(void)state;
	check_path("0/abc/artifacts/model/MLmodel", "0/abc/artifacts/model/MLmodel");
	check_path("a//b/", "a/b");
	check_path("", "");
	check_path("a..b/c...", "a..b/c...");
	check_path("x%41", "x%41"); /* checked decoded, kept as given */
	check_path("../x", NULL);
	check_path("a/../b", NULL);
	check_path("a/..", NULL);
	check_path("..", NULL);
	check_path("a/./b", NULL);
	check_path("/etc/passwd", NULL);
	check_path("a\\b", NULL);
	check_path("..\\x", NULL);
	check_path("a#b", NULL);
	check_path("C:/x", NULL);
	check_path("c:x", NULL);
	check_path("%2e%2e/x", NULL);
	check_path("a/%2E%2E", NULL);
	check_path("%252e%252e/x", NULL);
	check_path("%25252e%25252e/x", NULL);
	check_path("%2fetc", NULL);
	check_path("a%5cb", NULL);
	check_path("a%23b", NULL);
	check_path("a%00b", NULL);
	check_path("..%2fx", NULL);
	/* Decoded 9 more times is fine, 10 times is given up on (MLflow's). */
	check_path("a%252525252525252541", "a%252525252525252541");
	check_path("a%25252525252525252541", NULL);
}

static void test_guess_type(void **state)
{
	(void)state;
	assert_string_equal(http_guess_type("notes.txt"), "text/plain");
	assert_string_equal(http_guess_type("a/b/MLmodel"), "text/plain");
	assert_string_equal(http_guess_type("MLproject"), "text/plain");
	assert_string_equal(http_guess_type("model/conda.yaml"), "text/plain");
	assert_string_equal(http_guess_type("x.yml"), "text/plain");
	assert_string_equal(http_guess_type("metrics.json"), "text/plain");
	assert_string_equal(http_guess_type("data.csv"), "text/plain");
	assert_string_equal(http_guess_type("a.TXT"), "text/plain");
	assert_string_equal(http_guess_type("plot.png"), "image/png");
	assert_string_equal(http_guess_type("PLOT.PNG"), "image/png");
	assert_string_equal(http_guess_type("page.html"), "text/html");
	assert_string_equal(http_guess_type("model.pkl"), "application/octet-stream");
	assert_string_equal(http_guess_type("a.tar.gz"), "application/octet-stream");
	assert_string_equal(http_guess_type("README"), "application/octet-stream");
	assert_string_equal(http_guess_type(".bashrc"), "application/octet-stream");
	assert_string_equal(http_guess_type("dir.d/noext"), "application/octet-stream");
}

/* --------------------------------------------------------- live server */

struct live {
	char dir[64];
	struct http_server *srv;
	unsigned port;
	char run[64];
};

static int route_echo(cairn_repo *repo, json_t *params, struct api_result *res)
{
	(void)repo;
	res->body = json_deep_copy(params);
	return 0;
}

static int route_store(cairn_repo *repo, json_t *params, struct api_result *res)
{
	cairn_experiment *e;
	int err = cairn_experiment_lookup(&e, repo, "0");

	(void)params;
	if (err < 0)
		return api_fail_cairn(res, err);
	res->body = json_pack("{s:s}", "name", e->name);
	cairn_experiment_free(e);
	return 0;
}

static int route_fail(cairn_repo *repo, json_t *params, struct api_result *res)
{
	(void)repo;
	(void)params;
	(void)res;
	return -1;
}

static int route_missing(cairn_repo *repo, json_t *params, struct api_result *res)
{
	(void)repo;
	(void)params;
	return api_fail(res, 404, "RESOURCE_DOES_NOT_EXIST", "no such thing");
}

static const struct api_route test_routes[] = {
	{ "GET", "/test/echo", route_echo },
	{ "POST", "/test/echo", route_echo },
	{ "PATCH", "/test/echo", route_echo },
	{ "DELETE", "/test/echo", route_echo },
	{ "GET", "/test/items/{id}", route_echo },
	{ "GET", "/test/store", route_store },
	{ "POST", "/test/fail", route_fail },
	{ "GET", "/test/missing", route_missing },
	{ NULL, NULL, NULL },
};

static int live_setup(void **state)
{
	/* A short idle timeout: see test_proxy_abandoned. */
	struct http_server_options o = { "127.0.0.1", 0, NULL, 2, 3, 0, test_routes };
	struct live *l = calloc(1, sizeof(*l));
	cairn_run_create_options ro = CAIRN_RUN_CREATE_OPTIONS_INIT;
	cairn_buf id = CAIRN_BUF_INIT;
	cairn_repo *repo;

	snprintf(l->dir, sizeof(l->dir), "/tmp/cairn-test-http-XXXXXX");
	assert_non_null(mkdtemp(l->dir));
	assert_int_equal(cairn_repo_init(&repo, l->dir, NULL), 0);
	assert_int_equal(cairn_run_create(&id, repo, &ro), 0);
	snprintf(l->run, sizeof(l->run), "%s", id.ptr);
	cairn_buf_dispose(&id);
	cairn_repo_free(repo);
	o.store = l->dir;
	assert_int_equal(http_server_start(&l->srv, &o), 0);
	l->port = http_server_port(l->srv);
	assert_true(l->port > 0);
	*state = l;
	return 0;
}

static int live_teardown(void **state)
{
	struct live *l = *state;

	http_server_quiesce(l->srv);
	http_server_free(l->srv);
	fs_remove_tree(l->dir);
	free(l);
	return 0;
}

static int dial(unsigned port)
{
	struct sockaddr_in a;
	struct timeval tv = { 20, 0 };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

static void send_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		assert_true(n > 0);
		p += n;
		len -= (size_t)n;
	}
}

static void send_str(int fd, const char *s)
{
	send_all(fd, s, strlen(s));
}

struct resp {
	int status;
	struct buf head;  /* status line and headers */
	struct buf body;
};

static void resp_release(struct resp *r)
{
	buf_release(&r->head);
	buf_release(&r->body);
}

/* A header's value (case-insensitive name), or NULL; points into r->head. */
static const char *resp_header(struct resp *r, const char *name, char *out,
			       size_t n)
{
	const char *p = r->head.ptr;
	size_t len = strlen(name);

	while ((p = strstr(p, "\r\n"))) {
		p += 2;
		if (!strncasecmp(p, name, len) && p[len] == ':') {
			const char *v = p + len + 1, *end = strstr(v, "\r\n");

			while (*v == ' ')
				v++;
			snprintf(out, n, "%.*s", (int)(end - v), v);
			return out;
		}
	}
	return NULL;
}

/* Read one response; head_only for HEAD requests. */
static void read_resp(int fd, struct resp *r, struct buf *pending, int head_only)
{
	char chunk[65536], value[64];
	size_t want;
	char *end;

	memset(r, 0, sizeof(*r));
	while (!pending->ptr || !(end = strstr(pending->ptr, "\r\n\r\n"))) {
		ssize_t n = recv(fd, chunk, sizeof(chunk), 0);

		assert_true(n > 0);
		buf_add(pending, chunk, (size_t)n);
	}
	buf_add(&r->head, pending->ptr, (size_t)(end - pending->ptr) + 2);
	assert_int_equal(sscanf(r->head.ptr, "HTTP/1.1 %d", &r->status), 1);
	want = 0;
	if (!head_only && resp_header(r, "Content-Length", value, sizeof(value)))
		want = strtoul(value, NULL, 10);
	{
		size_t used = (size_t)(end - pending->ptr) + 4;
		struct buf rest = BUF_INIT;

		buf_add(&rest, pending->ptr + used, pending->len - used);
		buf_reset(pending);
		buf_add(pending, rest.ptr ? rest.ptr : "", rest.len);
		buf_release(&rest);
	}
	while (pending->len < want) {
		ssize_t n = recv(fd, chunk, sizeof(chunk), 0);

		assert_true(n > 0);
		buf_add(pending, chunk, (size_t)n);
	}
	buf_add(&r->body, pending->ptr ? pending->ptr : "", want);
	{
		struct buf rest = BUF_INIT;

		buf_add(&rest, pending->ptr ? pending->ptr + want : "",
			pending->len - want);
		buf_reset(pending);
		buf_add(pending, rest.ptr ? rest.ptr : "", rest.len);
		buf_release(&rest);
	}
}

/* One request on a new connection. */
static void request(struct live *l, struct resp *r, const char *method,
		    const char *target, const char *headers, const char *body)
{
	struct buf req = BUF_INIT, pending = BUF_INIT;
	int fd = dial(l->port);

	buf_printf(&req, "%s %s HTTP/1.1\r\nHost: x\r\n%s", method, target,
		   headers ? headers : "");
	if (body)
		buf_printf(&req, "Content-Length: %zu\r\n", strlen(body));
	buf_puts(&req, "\r\n");
	if (body)
		buf_puts(&req, body);
	send_all(fd, req.ptr, req.len);
	read_resp(fd, r, &pending, !strcmp(method, "HEAD"));
	close(fd);
	buf_release(&req);
	buf_release(&pending);
}

static json_t *resp_json(struct resp *r)
{
	json_t *v = json_loadb(r->body.ptr ? r->body.ptr : "", r->body.len, 0, NULL);

	if (!v)
		fail_msg("not JSON: %s", buf_cstr(&r->body));
	return v;
}

static void assert_error(struct resp *r, int status, const char *code,
			 const char *message)
{
	char type[64];
	json_t *v;

	assert_int_equal(r->status, status);
	assert_non_null(resp_header(r, "Content-Type", type, sizeof(type)));
	assert_string_equal(type, "application/json");
	v = resp_json(r);
	assert_string_equal(json_string_value(json_object_get(v, "error_code")), code);
	if (message && !strstr(json_string_value(json_object_get(v, "message")), message))
		fail_msg("message '%s' lacks '%s'",
			 json_string_value(json_object_get(v, "message")), message);
	json_decref(v);
}

static void assert_body_json(struct resp *r, const char *want)
{
	json_t *v = resp_json(r);

	assert_int_equal(r->status, 200);
	assert_json(v, want);
	json_decref(v);
}

#define JSON_HEADER "Content-Type: application/json\r\n"

static void test_plain_routes(void **state)
{
	struct live *l = *state;
	char type[64];
	struct resp r;

	request(l, &r, "GET", "/health", NULL, NULL);
	assert_int_equal(r.status, 200);
	assert_string_equal(buf_cstr(&r.body), "OK");
	assert_non_null(resp_header(&r, "Content-Type", type, sizeof(type)));
	assert_non_null(strstr(type, "text/plain"));
	resp_release(&r);
	request(l, &r, "GET", "/version", NULL, NULL);
	assert_int_equal(r.status, 200);
	assert_string_equal(buf_cstr(&r.body), cairn_version());
	resp_release(&r);
	request(l, &r, "HEAD", "/health", NULL, NULL);
	assert_int_equal(r.status, 200);
	resp_release(&r);
	request(l, &r, "POST", "/health", NULL, "x");
	assert_error(&r, 405, "ENDPOINT_NOT_FOUND", "POST");
	resp_release(&r);
}

static void test_routing(void **state)
{
	struct live *l = *state;
	char allow[64];
	struct resp r;

	request(l, &r, "GET", "/api/2.0/nope", NULL, NULL);
	assert_error(&r, 404, "ENDPOINT_NOT_FOUND", "/api/2.0/nope");
	resp_release(&r);
	request(l, &r, "GET", "/elsewhere", NULL, NULL);
	assert_error(&r, 404, "ENDPOINT_NOT_FOUND", NULL);
	resp_release(&r);
	request(l, &r, "GET", "/api/2.0/test/echo/", NULL, NULL);
	assert_error(&r, 404, "ENDPOINT_NOT_FOUND", NULL);
	resp_release(&r);
	request(l, &r, "GET", "/api/3.0/test/echo", NULL, NULL);
	assert_error(&r, 404, "ENDPOINT_NOT_FOUND", NULL);
	resp_release(&r);
	request(l, &r, "PUT", "/api/2.0/test/echo", JSON_HEADER, "{}");
	assert_error(&r, 405, "ENDPOINT_NOT_FOUND", "PUT");
	assert_non_null(resp_header(&r, "Allow", allow, sizeof(allow)));
	assert_string_equal(allow, "GET, POST, PATCH, DELETE");
	resp_release(&r);
	request(l, &r, "POST", "/api/2.0/test/missing", JSON_HEADER, "{}");
	assert_error(&r, 405, "ENDPOINT_NOT_FOUND", NULL);
	resp_release(&r);
	/* The proxy's routes are there next to the test's own. */
	request(l, &r, "POST", "/api/2.0/mlflow-artifacts/artifacts", JSON_HEADER, "{}");
	assert_error(&r, 405, "ENDPOINT_NOT_FOUND", NULL);
	resp_release(&r);
	request(l, &r, "GET", "/api/2.0/test/a%00b", NULL, NULL);
	assert_error(&r, 400, "INVALID_PARAMETER_VALUE", "Invalid path");
	resp_release(&r);
	/* Both prefixes; the path is decoded before routing. */
	request(l, &r, "GET", "/ajax-api/2.0/test/echo?a=1", NULL, NULL);
	assert_body_json(&r, "{\"a\": \"1\"}");
	resp_release(&r);
	request(l, &r, "GET", "/api/2.0/test/%65cho?a=1", NULL, NULL);
	assert_body_json(&r, "{\"a\": \"1\"}");
	resp_release(&r);
	request(l, &r, "GET", "/api/2.0/test/items/it%20em?x=1", NULL, NULL);
	assert_body_json(&r, "{\"x\": \"1\", \"id\": \"it em\"}");
	resp_release(&r);
	/* The store handle of the worker thread. */
	request(l, &r, "GET", "/api/2.0/test/store", NULL, NULL);
	assert_body_json(&r, "{\"name\": \"Default\"}");
	resp_release(&r);
	request(l, &r, "GET", "/api/2.0/test/missing", NULL, NULL);
	assert_error(&r, 404, "RESOURCE_DOES_NOT_EXIST", "no such thing");
	resp_release(&r);
	request(l, &r, "POST", "/api/2.0/test/fail", JSON_HEADER, "{}");
	assert_error(&r, 500, "INTERNAL_ERROR", NULL);
	resp_release(&r);
}

static void test_params(void **state)
{
	struct live *l = *state;
	struct resp r;

	request(l, &r, "GET",
		"/api/2.0/test/echo?run_id=r1&stages=A&stages=B&ids%5B%5D=0&q=a+b",
		NULL, NULL);
	assert_body_json(&r, "{\"run_id\": \"r1\", \"stages\": [\"A\", \"B\"], "
			 "\"ids\": [\"0\"], \"q\": \"a b\"}");
	resp_release(&r);
	/* A GET body is not read as parameters. */
	request(l, &r, "GET", "/api/2.0/test/echo", NULL, "{\"a\": 1}");
	assert_body_json(&r, "{}");
	resp_release(&r);
	request(l, &r, "GET", "/api/2.0/test/echo?a=%FF", NULL, NULL);
	assert_error(&r, 400, "INVALID_PARAMETER_VALUE", "query");
	resp_release(&r);
	request(l, &r, "POST", "/api/2.0/test/echo?ignored=1", JSON_HEADER,
		"{\"name\": \"x\", \"n\": 12345678901234}");
	assert_body_json(&r, "{\"name\": \"x\", \"n\": 12345678901234}");
	resp_release(&r);
	request(l, &r, "POST", "/api/2.0/test/echo", JSON_HEADER, "");
	assert_body_json(&r, "{}");
	resp_release(&r);
	request(l, &r, "POST", "/api/2.0/test/echo", JSON_HEADER, " \r\n");
	assert_body_json(&r, "{}");
	resp_release(&r);
	request(l, &r, "POST", "/api/2.0/test/echo", JSON_HEADER, "null");
	assert_body_json(&r, "{}");
	resp_release(&r);
	request(l, &r, "POST", "/api/2.0/test/echo", JSON_HEADER,
		"\"{\\\"name\\\": \\\"twice\\\"}\"");
	assert_body_json(&r, "{\"name\": \"twice\"}");
	resp_release(&r);
	request(l, &r, "POST", "/api/2.0/test/echo",
		"Content-Type: Application/JSON ; charset=utf-8\r\n", "{\"a\": true}");
	assert_body_json(&r, "{\"a\": true}");
	resp_release(&r);
	request(l, &r, "PATCH", "/api/2.0/test/echo", NULL, "{\"p\": 1}");
	assert_body_json(&r, "{\"p\": 1}");
	resp_release(&r);
	request(l, &r, "DELETE", "/api/2.0/test/echo", NULL, "{\"d\": [1, 2]}");
	assert_body_json(&r, "{\"d\": [1, 2]}");
	resp_release(&r);
	request(l, &r, "DELETE", "/api/2.0/test/echo", NULL, NULL);
	assert_body_json(&r, "{}");
	resp_release(&r);
}

static void test_bad_requests(void **state)
{
	struct live *l = *state;
	struct resp r;

	request(l, &r, "POST", "/api/2.0/test/echo", NULL, "{}");
	assert_error(&r, 400, "INVALID_PARAMETER_VALUE",
		     "Bad Request. Content-Type header is missing.");
	resp_release(&r);
	request(l, &r, "POST", "/api/2.0/test/echo",
		"Content-Type: text/plain\r\n", "{}");
	assert_error(&r, 400, "INVALID_PARAMETER_VALUE",
		     "Bad Request. Content-Type must be one of ['application/json'].");
	resp_release(&r);
	request(l, &r, "POST", "/api/2.0/test/echo",
		"Content-Type: application/jsonx\r\n", "{}");
	assert_error(&r, 400, "INVALID_PARAMETER_VALUE", "must be one of");
	resp_release(&r);
	request(l, &r, "POST", "/api/2.0/test/echo", JSON_HEADER, "{\"a\": ");
	assert_error(&r, 400, "INVALID_PARAMETER_VALUE", "Malformed JSON");
	resp_release(&r);
	request(l, &r, "POST", "/api/2.0/test/echo", JSON_HEADER, "{\"a\": 1} x");
	assert_error(&r, 400, "INVALID_PARAMETER_VALUE", "Malformed JSON");
	resp_release(&r);
	request(l, &r, "POST", "/api/2.0/test/echo", JSON_HEADER, "\"{oops\"");
	assert_error(&r, 400, "INVALID_PARAMETER_VALUE", "Malformed JSON");
	resp_release(&r);
	request(l, &r, "POST", "/api/2.0/test/echo", JSON_HEADER, "[1, 2]");
	assert_error(&r, 400, "INVALID_PARAMETER_VALUE", "JSON object");
	resp_release(&r);
	request(l, &r, "POST", "/api/2.0/test/echo", JSON_HEADER, "\"3\"");
	assert_error(&r, 400, "INVALID_PARAMETER_VALUE", "JSON object");
	resp_release(&r);
	/* PATCH and DELETE have no Content-Type rule, JSON still is JSON. */
	request(l, &r, "PATCH", "/api/2.0/test/echo", NULL, "{");
	assert_error(&r, 400, "INVALID_PARAMETER_VALUE", "Malformed JSON");
	resp_release(&r);
}

/* Two requests in one write, then a third: one connection answers all. */
static void test_keep_alive(void **state)
{
	struct live *l = *state;
	static const char two[] =
		"GET /health HTTP/1.1\r\nHost: x\r\n\r\n"
		"GET /api/2.0/test/echo?n=2 HTTP/1.1\r\nHost: x\r\n\r\n";
	struct buf pending = BUF_INIT;
	char conn[64];
	struct resp r;
	int fd = dial(l->port);

	send_str(fd, two);
	read_resp(fd, &r, &pending, 0);
	assert_int_equal(r.status, 200);
	assert_string_equal(buf_cstr(&r.body), "OK");
	assert_null(resp_header(&r, "Connection", conn, sizeof(conn)));
	resp_release(&r);
	read_resp(fd, &r, &pending, 0);
	assert_body_json(&r, "{\"n\": \"2\"}");
	resp_release(&r);
	send_str(fd, "POST /api/2.0/test/echo HTTP/1.1\r\nHost: x\r\n"
		 JSON_HEADER "Content-Length: 8\r\n\r\n{\"n\": 3}");
	read_resp(fd, &r, &pending, 0);
	assert_body_json(&r, "{\"n\": 3}");
	resp_release(&r);
	/* Even an error (the body read and dropped) keeps the connection. */
	send_str(fd, "POST /api/2.0/test/echo HTTP/1.1\r\nHost: x\r\n"
		 "Content-Length: 2\r\n\r\n{}");
	read_resp(fd, &r, &pending, 0);
	assert_error(&r, 400, "INVALID_PARAMETER_VALUE", "Content-Type");
	resp_release(&r);
	send_str(fd, "GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
	read_resp(fd, &r, &pending, 0);
	assert_int_equal(r.status, 200);
	resp_release(&r);
	close(fd);
	buf_release(&pending);
}

static void test_too_big(void **state)
{
	struct live *l = *state;
	size_t n = HTTP_MAX_JSON_BODY + 10;
	char *big = malloc(n + 1);
	struct buf req = BUF_INIT, pending = BUF_INIT;
	struct resp r;
	int fd;

	memset(big, ' ', n);
	big[n] = '\0';
	/* With Content-Length: the whole body is read and dropped, and the
	 * connection serves the next request. */
	fd = dial(l->port);
	buf_printf(&req, "POST /api/2.0/test/echo HTTP/1.1\r\nHost: x\r\n"
		   JSON_HEADER "Content-Length: %zu\r\n\r\n", n);
	buf_add(&req, big, n);
	buf_puts(&req, "GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
	send_all(fd, req.ptr, req.len);
	read_resp(fd, &r, &pending, 0);
	assert_error(&r, 413, "INVALID_PARAMETER_VALUE", "exceeds the limit");
	resp_release(&r);
	read_resp(fd, &r, &pending, 0);
	assert_int_equal(r.status, 200);
	resp_release(&r);
	close(fd);
	/* Chunked, no length announced: found out while reading. */
	fd = dial(l->port);
	buf_reset(&req);
	buf_reset(&pending);
	buf_printf(&req, "POST /api/2.0/test/echo HTTP/1.1\r\nHost: x\r\n"
		   JSON_HEADER "Transfer-Encoding: chunked\r\n\r\n%zx\r\n", n);
	buf_add(&req, big, n);
	buf_puts(&req, "\r\n0\r\n\r\n");
	send_all(fd, req.ptr, req.len);
	read_resp(fd, &r, &pending, 0);
	assert_error(&r, 413, "INVALID_PARAMETER_VALUE", "exceeds the limit");
	resp_release(&r);
	close(fd);
	/* With Expect: 100-continue the answer comes before the body. */
	fd = dial(l->port);
	buf_reset(&req);
	buf_reset(&pending);
	buf_printf(&req, "POST /api/2.0/test/echo HTTP/1.1\r\nHost: x\r\n"
		   JSON_HEADER "Expect: 100-continue\r\nContent-Length: %zu\r\n\r\n", n);
	send_all(fd, req.ptr, req.len);
	read_resp(fd, &r, &pending, 0);
	assert_error(&r, 413, "INVALID_PARAMETER_VALUE", "exceeds the limit");
	resp_release(&r);
	close(fd);
	/* Exactly the limit is fine. */
	big[HTTP_MAX_JSON_BODY] = '\0';
	big[0] = '{';
	big[HTTP_MAX_JSON_BODY - 1] = '}';
	request(l, &r, "POST", "/api/2.0/test/echo", JSON_HEADER, big);
	assert_body_json(&r, "{}");
	resp_release(&r);
	buf_release(&req);
	buf_release(&pending);
	free(big);
}

static void test_big_headers(void **state)
{
	struct live *l = *state;
	size_t n = 64 * 1024 - 200;
	struct buf hdr = BUF_INIT, target = BUF_INIT;
	struct resp r;
	size_t i;

	buf_puts(&hdr, "X-Big: ");
	for (i = 0; i < n; i++)
		buf_addch(&hdr, 'a');
	buf_puts(&hdr, "\r\n");
	request(l, &r, "GET", "/health", hdr.ptr, NULL);
	assert_int_equal(r.status, 200);
	resp_release(&r);
	buf_puts(&target, "/api/2.0/test/echo?k=");
	for (i = 0; i < n; i++)
		buf_addch(&target, 'b');
	request(l, &r, "GET", target.ptr, NULL, NULL);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.body.len, n + 8);
	resp_release(&r);
	buf_release(&hdr);
	buf_release(&target);
}

/* ------------------------------------------------------ artifact proxy */

static void proxy_target(struct buf *b, struct live *l, const char *exp,
			 const char *rel)
{
	buf_reset(b);
	buf_printf(b, "/api/2.0/mlflow-artifacts/artifacts/%s/%s/artifacts/%s",
		   exp, l->run, rel);
}

static void put_file(struct live *l, struct resp *r, const char *target,
		     const char *data, size_t len)
{
	struct buf req = BUF_INIT, pending = BUF_INIT;
	int fd = dial(l->port);

	buf_printf(&req, "PUT %s HTTP/1.1\r\nHost: x\r\n"
		   "Content-Type: application/octet-stream\r\n"
		   "Content-Length: %zu\r\n\r\n", target, len);
	buf_add(&req, data, len);
	send_all(fd, req.ptr, req.len);
	read_resp(fd, r, &pending, 0);
	close(fd);
	buf_release(&req);
	buf_release(&pending);
}

static void test_proxy(void **state)
{
	struct live *l = *state;
	size_t n = 3 * 1024 * 1024 + 17, i;
	char *data = malloc(n), value[128];
	uint64_t seed;
	struct buf t = BUF_INIT;
	struct resp r;
	json_t *v;

	/* Pseudo-random: no chunk repeats. */
	for (i = 0, seed = 12345; i < n; i++) {
		seed = seed * 6364136223846793005u + 1442695040888963407u;
		data[i] = (char)(seed >> 56);
	}
	proxy_target(&t, l, "0", "dir/data.bin");
	put_file(l, &r, t.ptr, data, n);
	assert_body_json(&r, "{}");
	resp_release(&r);
	request(l, &r, "GET", t.ptr, NULL, NULL);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.body.len, n);
	assert_memory_equal(r.body.ptr, data, n);
	assert_string_equal(resp_header(&r, "Content-Type", value, sizeof(value)),
			    "application/octet-stream");
	assert_string_equal(resp_header(&r, "Content-Disposition", value, sizeof(value)),
			    "attachment; filename=data.bin");
	assert_string_equal(resp_header(&r, "X-Content-Type-Options", value,
					sizeof(value)), "nosniff");
	resp_release(&r);
	proxy_target(&t, l, "0", "notes%20v1.txt");
	put_file(l, &r, t.ptr, "hello\n", 6);
	assert_body_json(&r, "{}");
	resp_release(&r);
	request(l, &r, "GET", t.ptr, NULL, NULL);
	assert_string_equal(buf_cstr(&r.body), "hello\n");
	assert_string_equal(resp_header(&r, "Content-Type", value, sizeof(value)),
			    "text/plain");
	assert_string_equal(resp_header(&r, "Content-Disposition", value, sizeof(value)),
			    "attachment; filename=\"notes v1.txt\"");
	resp_release(&r);
	/* Listing: basenames. */
	buf_reset(&t);
	buf_printf(&t, "/api/2.0/mlflow-artifacts/artifacts?path=0/%s/artifacts", l->run);
	request(l, &r, "GET", t.ptr, NULL, NULL);
	v = resp_json(&r);
	assert_int_equal(json_array_size(json_object_get(v, "files")), 2);
	json_decref(v);
	resp_release(&r);
	buf_puts(&t, "/dir");
	request(l, &r, "GET", t.ptr, NULL, NULL);
	assert_body_json(&r, "{\"files\": [{\"path\": \"data.bin\", \"is_dir\": false, "
			 "\"file_size\": 3145745}]}");
	resp_release(&r);
	buf_puts(&t, "/data.bin");
	request(l, &r, "GET", t.ptr, NULL, NULL);
	assert_body_json(&r, "{}");
	resp_release(&r);
	/* The other route: /get-artifact. */
	buf_reset(&t);
	buf_printf(&t, "/get-artifact?path=dir/data.bin&run_uuid=%s", l->run);
	request(l, &r, "GET", t.ptr, NULL, NULL);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.body.len, n);
	resp_release(&r);
	/* The experiment must be the run's. */
	proxy_target(&t, l, "7", "dir/data.bin");
	request(l, &r, "GET", t.ptr, NULL, NULL);
	assert_error(&r, 404, "RESOURCE_DOES_NOT_EXIST", NULL);
	resp_release(&r);
	put_file(l, &r, t.ptr, "x", 1);
	assert_error(&r, 400, "INVALID_PARAMETER_VALUE", "experiment");
	resp_release(&r);
	/* Delete, then it is gone. */
	proxy_target(&t, l, "0", "dir/data.bin");
	request(l, &r, "DELETE", t.ptr, NULL, NULL);
	assert_body_json(&r, "{}");
	resp_release(&r);
	request(l, &r, "GET", t.ptr, NULL, NULL);
	assert_error(&r, 404, "RESOURCE_DOES_NOT_EXIST", NULL);
	resp_release(&r);
	request(l, &r, "DELETE", t.ptr, NULL, NULL);
	assert_error(&r, 404, "RESOURCE_DOES_NOT_EXIST", NULL);
	resp_release(&r);
	buf_release(&t);
	free(data);
}

static void test_proxy_rejects(void **state)
{
	static const char *const bad[] = {
		"../../x", "a/%2e%2e/%2e%2e/x", "%252e%252e/x", "a%5cb", "a%23b",
		"a/./b", NULL
	};
	struct live *l = *state;
	struct buf t = BUF_INIT;
	struct resp r;
	size_t i;

	for (i = 0; bad[i]; i++) {
		proxy_target(&t, l, "0", bad[i]);
		request(l, &r, "GET", t.ptr, NULL, NULL);
		assert_error(&r, 400, "INVALID_PARAMETER_VALUE", "Invalid path");
		resp_release(&r);
		put_file(l, &r, t.ptr, "x", 1);
		assert_error(&r, 400, "INVALID_PARAMETER_VALUE", "Invalid path");
		resp_release(&r);
	}
	request(l, &r, "GET", "/api/2.0/mlflow-artifacts/artifacts?path=/etc", NULL, NULL);
	assert_error(&r, 400, "INVALID_PARAMETER_VALUE", "Invalid path");
	resp_release(&r);
	request(l, &r, "GET", "/api/2.0/mlflow-artifacts/artifacts?path=0/..%2F..", NULL, NULL);
	assert_error(&r, 400, "INVALID_PARAMETER_VALUE", "Invalid path");
	resp_release(&r);
	buf_reset(&t);
	buf_printf(&t, "/get-artifact?path=../x&run_id=%s", l->run);
	request(l, &r, "GET", t.ptr, NULL, NULL);
	assert_error(&r, 400, "INVALID_PARAMETER_VALUE", "Invalid path");
	resp_release(&r);
	/* Not a run's artifact, an unknown run, a directory. */
	put_file(l, &r, "/api/2.0/mlflow-artifacts/artifacts/0/x.txt", "x", 1);
	assert_error(&r, 400, "INVALID_PARAMETER_VALUE", "<experiment_id>");
	resp_release(&r);
	put_file(l, &r, "/api/2.0/mlflow-artifacts/artifacts/0/ffff/artifacts/x",
		 "x", 1);
	assert_error(&r, 404, "RESOURCE_DOES_NOT_EXIST", NULL);
	resp_release(&r);
	proxy_target(&t, l, "0", "");
	request(l, &r, "GET", t.ptr, NULL, NULL);
	assert_error(&r, 400, "INVALID_PARAMETER_VALUE", "directory");
	resp_release(&r);
	request(l, &r, "POST", "/api/2.0/mlflow-artifacts/mpu/create/0/a/b",
		JSON_HEADER, "{\"path\": \"0/a/b\", \"num_parts\": 2}");
	assert_error(&r, 501, "NOT_IMPLEMENTED",
		     "Multipart upload is not supported for the current artifact "
		     "repository");
	resp_release(&r);
	request(l, &r, "POST", "/api/2.0/mlflow-artifacts/mpu/abort/%2e%2e/b",
		JSON_HEADER, "{}");
	assert_error(&r, 400, "INVALID_PARAMETER_VALUE", "Invalid path");
	resp_release(&r);
	buf_release(&t);
}

/* A client that goes away mid-upload stores nothing. */
static void test_proxy_abandoned(void **state)
{
	struct live *l = *state;
	struct buf t = BUF_INIT, req = BUF_INIT;
	char junk[65536];
	struct resp r;
	int fd, i;

	memset(junk, 'j', sizeof(junk));
	proxy_target(&t, l, "0", "partial.bin");
	fd = dial(l->port);
	buf_printf(&req, "PUT %s HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n",
		   t.ptr, 50 * 1024 * 1024);
	send_all(fd, req.ptr, req.len);
	for (i = 0; i < 40; i++)
		send_all(fd, junk, sizeof(junk));
	close(fd);
	/*
	 * The server notices the close and resets the store's input: at
	 * once, or at the idle timeout when the FIN came with the last bytes
	 * (MHD 0.9.75 takes a short read for a drained socket).
	 */
	for (i = 0; i < 1000 && http_server_in_flight(l->srv); i++)
		usleep(10000);
	assert_int_equal(http_server_in_flight(l->srv), 0);
	request(l, &r, "GET", t.ptr, NULL, NULL);
	assert_error(&r, 404, "RESOURCE_DOES_NOT_EXIST", NULL);
	resp_release(&r);
	buf_release(&t);
	buf_release(&req);
}

static void test_listen_errors(void **state)
{
	struct live *l = *state;
	struct http_server_options o = { "127.0.0.1", 0, l->dir, 1, 10, 0, test_routes };
	struct http_server *srv = NULL;

	o.port = l->port;
	assert_true(http_server_start(&srv, &o) < 0);
	assert_null(srv);
	assert_non_null(strstr(cairn_error_last()->message, "cannot listen on 127.0.0.1:"));
	assert_non_null(strstr(cairn_error_last()->message, "in use"));
	/* An address that is not this machine's (TEST-NET-1). */
	o.host = "192.0.2.1";
	o.port = 0;
	assert_true(http_server_start(&srv, &o) < 0);
	assert_null(srv);
	assert_non_null(strstr(cairn_error_last()->message,
			       "cannot listen on 192.0.2.1:0: "));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unescape),
		cmocka_unit_test(test_query),
		cmocka_unit_test(test_route_match),
		cmocka_unit_test(test_artifact_path),
		cmocka_unit_test(test_guess_type),
		cmocka_unit_test_setup_teardown(test_plain_routes, live_setup, live_teardown),
		cmocka_unit_test_setup_teardown(test_routing, live_setup, live_teardown),
		cmocka_unit_test_setup_teardown(test_params, live_setup, live_teardown),
		cmocka_unit_test_setup_teardown(test_bad_requests, live_setup, live_teardown),
		cmocka_unit_test_setup_teardown(test_keep_alive, live_setup, live_teardown),
		cmocka_unit_test_setup_teardown(test_too_big, live_setup, live_teardown),
		cmocka_unit_test_setup_teardown(test_big_headers, live_setup, live_teardown),
		cmocka_unit_test_setup_teardown(test_proxy, live_setup, live_teardown),
		cmocka_unit_test_setup_teardown(test_proxy_rejects, live_setup, live_teardown),
		cmocka_unit_test_setup_teardown(test_proxy_abandoned, live_setup, live_teardown),
		cmocka_unit_test_setup_teardown(test_listen_errors, live_setup, live_teardown),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
