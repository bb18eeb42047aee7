/*
 * api_artifacts.c: MLflow's artifact proxy (mlflow-rest.md 1.5) over a
 * run's artifacts in the object store.
 *
 * A proxy path is <experiment_id>/<run_id>/artifacts/<relpath>, the
 * layout MLflow's own server keeps under its artifact root, so that the
 * run's artifact_uri mlflow-artifacts:/<exp>/<run>/artifacts resolves
 * here; <experiment_id>/models/<model_id>/artifacts/<relpath> is a logged
 * model's file (MLflow 3), handed to api_logged_models.c, and
 * registered-models/<name>/<version>/<relpath> a model version's pinned
 * file (api_version_proxy.c). The experiment in the path must be the run's. Uploads (PUT) and
 * downloads (GET) stream through http.c's struct http_stream: the bytes
 * go between the connection and the object store without being held
 * whole; listings show basenames only, as MLflow's do, with the levels
 * above a run's artifacts (experiments, runs, "artifacts") listed too.
 *
 * Every path is checked as MLflow's validate_path_is_safe() does (decoded
 * until it stops changing; no "..", '#', backslash, absolute path or
 * drive): a failure is 400 "Invalid path". A client mistake is a 4xx: an
 * unknown run or file is 404 (MLflow's local store says 500).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "server/api.h"
#include "server/api_model_proxy.h"
#include "server/http.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/banned.h"

/* ------------------------------------------------------------ pure rules */

static int component_ok(const char *s, size_t n)
{
	return !(n == 1 && s[0] == '.') && !(n == 2 && s[0] == '.' && s[1] == '.');
}

int http_artifact_path(struct buf *out, const char *path)
{
	struct buf dec = BUF_INIT, next = BUF_INIT;
	const char *p;
	int i, ret = -1;

	buf_puts(&dec, path);
	for (i = 0;; i++) {
		http_unescape(&next, dec.ptr, dec.len, 0);
		if (next.len == dec.len && !memcmp(next.ptr, dec.ptr, dec.len))
			break;
		if (i == 9)
			goto done; /* still changing: MLflow gives up too */
		buf_reset(&dec);
		buf_add(&dec, next.ptr, next.len);
	}
	if (memchr(dec.ptr, '\0', dec.len) || strchr(dec.ptr, '#') ||
	    strchr(dec.ptr, '\\') || dec.ptr[0] == '/' ||
	    (isalpha((unsigned char)dec.ptr[0]) && dec.ptr[1] == ':'))
		goto done;
	for (p = dec.ptr; *p;) {
		size_t n = strcspn(p, "/");

		if (!component_ok(p, n))
			goto done;
		p += n + (p[n] == '/');
	}
	buf_reset(out);
	for (p = path; *p;) {
		size_t n = strcspn(p, "/");

		if (!component_ok(p, n))
			goto done;
		if (n) {
			if (out->len)
				buf_addch(out, '/');
			buf_add(out, p, n);
		}
		p += n + (p[n] == '/');
	}
	ret = 0;
done:
	buf_release(&dec);
	buf_release(&next);
	return ret;
}

const char *http_guess_type(const char *name)
{
	/* MLflow's TEXT_EXTENSIONS (and its extension-less MLmodel, MLproject). */
	static const char *const text[] = {
		"txt", "log", "err", "cfg", "conf", "cnf", "cf", "ini",
		"properties", "prop", "hocon", "toml", "yaml", "yml", "xml",
		"json", "js", "py", "py3", "csv", "tsv", "md", "rst",
		"MLmodel", "MLproject", NULL
	};
	/* Python's mimetypes for the common rest (case-insensitive). */
	static const char *const types[][2] = {
		{ "html", "text/html" }, { "htm", "text/html" },
		{ "css", "text/css" }, { "png", "image/png" },
		{ "jpg", "image/jpeg" }, { "jpeg", "image/jpeg" },
		{ "gif", "image/gif" }, { "svg", "image/svg+xml" },
		{ "bmp", "image/bmp" }, { "tif", "image/tiff" },
		{ "tiff", "image/tiff" }, { "ico", "image/vnd.microsoft.icon" },
		{ "pdf", "application/pdf" }, { "zip", "application/zip" },
		{ "tar", "application/x-tar" }, { "wav", "audio/x-wav" },
		{ "mp3", "audio/mpeg" }, { "mp4", "video/mp4" },
		{ "sh", "application/x-sh" }, { "txt", "text/plain" },
		{ NULL, NULL }
	};
	const char *base = strrchr(name, '/'), *dot, *ext;
	size_t i;

	base = base ? base + 1 : name;
	/* os.path.splitext: leading dots do not start an extension. */
	for (dot = base; *dot == '.'; dot++)
		;
	dot = strrchr(dot, '.');
	ext = dot ? dot + 1 : base;
	for (i = 0; text[i]; i++)
		if (!strcmp(ext, text[i]))
			return "text/plain";
	if (!dot)
		return "application/octet-stream";
	for (i = 0; types[i][0]; i++)
		if (!strcasecmp(ext, types[i][0]))
			return types[i][1];
	return "application/octet-stream";
}

/* ------------------------------------------------------------- targets */

/* A proxy path split: <exp>/<run>/artifacts/<rel>. */
struct target {
	struct buf clean;
	char *comp[3];  /* exp, run, "artifacts"; NULL where absent */
	const char *rel; /* "" when absent */
	int depth;      /* components before rel: 0 to 3 */
};

static void target_release(struct target *t)
{
	int i;

	for (i = 0; i < 3; i++)
		free(t->comp[i]);
	buf_release(&t->clean);
}

static int target_parse(struct target *t, const char *path,
			struct api_result *res)
{
	const char *p;

	memset(t, 0, sizeof(*t));
	t->rel = "";
	if (http_artifact_path(&t->clean, path ? path : "") < 0) {
		buf_release(&t->clean);
		return api_fail(res, 400, "INVALID_PARAMETER_VALUE", "Invalid path");
	}
	for (p = buf_cstr(&t->clean); *p && t->depth < 3; t->depth++) {
		size_t n = strcspn(p, "/");

		t->comp[t->depth] = xstrndup(p, n);
		p += n + (p[n] == '/');
	}
	t->rel = p;
	return 0;
}

/* Names a run's artifact (at least <exp>/<run>/artifacts)? */
static int target_in_run(const struct target *t)
{
	return t->depth == 3 && !strcmp(t->comp[2], "artifacts");
}

static int not_run_artifact(struct api_result *res, const char *path)
{
	return api_fail(res, 400, "INVALID_PARAMETER_VALUE",
			"Artifact path '%s' is not a run's artifact: expected "
			"<experiment_id>/<run_id>/artifacts/<path>", path);
}

/*
 * The run, if it belongs to experiment exp (any when exp is NULL): 0, 1
 * when there is no such run there, -1 on an error (set in res).
 */
static int find_run(cairn_run **out, cairn_repo *repo, const char *exp,
		    const char *run_id, struct api_result *res)
{
	int err = cairn_run_get(out, repo, run_id);

	if (err == CAIRN_ENOTFOUND || err == CAIRN_EINVALID)
		return 1;
	if (err < 0)
		return api_fail_cairn(res, err);
	if (exp && strcmp(cairn_run_info_get(*out)->experiment_id, exp)) {
		cairn_run_free(*out);
		*out = NULL;
		return 1;
	}
	return 0;
}

static int no_run(struct api_result *res, const char *run_id)
{
	return api_fail(res, 404, "RESOURCE_DOES_NOT_EXIST",
			"Run with id=%s not found", run_id);
}

static int no_file(struct api_result *res, const char *path)
{
	return api_fail(res, 404, "RESOURCE_DOES_NOT_EXIST",
			"No such file or directory: '%s'", path);
}

/* ------------------------------------------------------------- listing */

static void add_entry(json_t *files, const char *name, int is_dir,
		      uint64_t size)
{
	json_t *f = json_object();

	json_object_set_new(f, "path", json_string(name));
	json_object_set_new(f, "is_dir", json_boolean(is_dir));
	if (!is_dir)
		json_object_set_new(f, "file_size", json_integer((json_int_t)size));
	json_array_append_new(files, f);
}

struct listing {
	json_t *files;
	const char *dir; /* the listed path, to tell a file from a directory */
};

static int list_artifact(const cairn_artifact *a, void *payload)
{
	struct listing *l = payload;
	const char *base = strrchr(a->path, '/');

	if (!a->is_dir && !strcmp(a->path, l->dir))
		return 0; /* a file was listed: MLflow shows nothing */
	add_entry(l->files, base ? base + 1 : a->path, a->is_dir, a->size);
	return 0;
}

static int list_experiment(const cairn_experiment *e, void *payload)
{
	add_entry(payload, e->id, 1, 0);
	return 0;
}

static int list_run(const cairn_run *run, void *payload)
{
	add_entry(payload, cairn_run_info_get(run)->run_id, 1, 0);
	return 0;
}

static int list_runs(cairn_repo *repo, const char *exp, json_t *files,
		     struct api_result *res)
{
	cairn_search_options o = CAIRN_SEARCH_OPTIONS_INIT;
	cairn_buf token = CAIRN_BUF_INIT;
	cairn_experiment *e = NULL;
	char *page = NULL;
	int err;

	err = cairn_experiment_lookup(&e, repo, exp);
	if (err == CAIRN_ENOTFOUND || err == CAIRN_EINVALID)
		return 0;
	if (err < 0)
		return api_fail_cairn(res, err);
	if (strcmp(e->id, exp)) {
		cairn_experiment_free(e); /* found by name, not by id */
		return 0;
	}
	o.experiments = &exp;
	o.nexperiments = 1;
	o.view = CAIRN_VIEW_ALL;
	o.max_results = 50000;
	do {
		o.page_token = page;
		err = cairn_runs_search(&token, repo, &o, list_run, files);
		free(page);
		page = token.size && token.ptr && *token.ptr ? xstrdup(token.ptr) : NULL;
		cairn_buf_dispose(&token);
	} while (!err && page);
	free(page);
	cairn_experiment_free(e);
	return err < 0 ? api_fail_cairn(res, err) : 0;
}

/* GET /mlflow-artifacts/artifacts?path=DIR */
static int proxy_list(cairn_repo *repo, json_t *params, struct api_result *res)
{
	const char *path = NULL;
	struct target t;
	cairn_run *run = NULL;
	json_t *files = json_array();
	int err;

	if (api_get_string(&path, params, "path", 0, res) < 0 ||
	    target_parse(&t, path, res) < 0) {
		json_decref(files);
		return -1;
	}
	if ((err = api_model_proxy_list(repo, (const char *const *)t.comp,
					t.depth, t.rel, files, res)) != 1) {
		/* a logged model's directory (api_logged_models.c) */
	} else if ((err = api_version_proxy_list(repo, (const char *const *)t.comp,
						 t.depth, t.rel, files, res)) != 1) {
		/* a model version's directory (api_version_proxy.c) */
	} else if (t.depth == 0) {
		err = cairn_experiment_foreach(repo, CAIRN_VIEW_ALL,
					       list_experiment, files);
		if (err < 0)
			err = api_fail_cairn(res, err);
	} else if (t.depth == 1) {
		err = list_runs(repo, t.comp[0], files, res);
	} else if ((err = find_run(&run, repo, t.comp[0], t.comp[1], res)) == 1) {
		err = 0; /* an unknown directory lists as empty */
	} else if (!err && t.depth == 2) {
		add_entry(files, "artifacts", 1, 0);
	} else if (!err && target_in_run(&t)) {
		struct listing l = { files, t.rel };

		err = cairn_artifact_list(repo, t.comp[1], t.rel, list_artifact, &l);
		if (err == CAIRN_ENOTFOUND)
			err = 0;
		else if (err < 0)
			err = api_fail_cairn(res, err);
	}
	cairn_run_free(run);
	target_release(&t);
	if (err < 0) {
		json_decref(files);
		return -1;
	}
	res->body = json_object();
	if (json_array_size(files))
		json_object_set_new(res->body, "files", files);
	else
		json_decref(files);
	return 0;
}

/* --------------------------------------------------- download, upload */

struct file_state {
	char *run_id;
	char *path;
};

static void file_state_free(void *p)
{
	struct file_state *s = p;

	free(s->run_id);
	free(s->path);
	free(s);
}

static int file_consume(cairn_repo *repo, void *state, int fd,
			struct api_result *res)
{
	struct file_state *s = state;
	int err = cairn_log_artifact_fd(repo, s->run_id, fd, s->path);

	return err < 0 ? api_fail_cairn(res, err) : 0;
}

static int file_produce(cairn_repo *repo, void *state, int fd)
{
	struct file_state *s = state;

	return cairn_artifact_read(repo, s->run_id, s->path, fd) < 0 ? -1 : 0;
}

struct stat_file {
	const char *rel;
	int seen, is_file;
	uint64_t size;
};

static int stat_file(const cairn_artifact *a, void *payload)
{
	struct stat_file *sf = payload;

	sf->seen = 1;
	sf->is_file = !a->is_dir && !strcmp(a->path, sf->rel);
	sf->size = a->size;
	return 1; /* the first entry tells enough */
}

char *http_artifact_disposition(const char *path)
{
	const char *base = strrchr(path, '/'), *c;
	struct buf b = BUF_INIT;
	int plain = 1, ascii = 1;

	base = base ? base + 1 : path;
	for (c = base; *c; c++) {
		unsigned char u = (unsigned char)*c;

		if (u >= 0x80)
			ascii = 0;
		if (!isalnum(u) && !strchr("!#$%&'*+-.^_`|~", u))
			plain = 0;
	}
	buf_puts(&b, "attachment; filename=");
	if (plain) {
		buf_puts(&b, base);
		return buf_detach(&b, NULL);
	}
	buf_addch(&b, '"');
	for (c = base; *c; c++) {
		if ((unsigned char)*c >= 0x80 || (unsigned char)*c < 0x20)
			continue;
		if (*c == '"' || *c == '\\')
			buf_addch(&b, '\\');
		buf_addch(&b, *c);
	}
	buf_addch(&b, '"');
	if (!ascii) {
		buf_puts(&b, "; filename*=UTF-8''");
		for (c = base; *c; c++) {
			unsigned char u = (unsigned char)*c;

			if (isalnum(u) || strchr("!#$&+^`|~-._", u))
				buf_addch(&b, u);
			else
				buf_printf(&b, "%%%02X", u);
		}
	}
	return buf_detach(&b, NULL);
}

/* Set up the download of a run's file rel (shown as shown in errors). */
static int start_download(cairn_repo *repo, const char *run_id, const char *rel,
			  const char *shown, struct http_stream *st,
			  struct api_result *res)
{
	struct stat_file sf = { rel, 0, 0, 0 };
	struct file_state *s;
	int err;

	if (!*rel)
		return api_fail(res, 400, "INVALID_PARAMETER_VALUE",
				"'%s' is a directory", shown);
	err = cairn_artifact_list(repo, run_id, rel, stat_file, &sf);
	if (err == CAIRN_ENOTFOUND)
		return no_file(res, shown);
	if (err < 0)
		return api_fail_cairn(res, err);
	if (!sf.is_file)
		return api_fail(res, 400, "INVALID_PARAMETER_VALUE",
				"'%s' is a directory", shown);
	s = xmalloc(sizeof(*s));
	s->run_id = xstrdup(run_id);
	s->path = xstrdup(rel);
	st->produce = file_produce;
	st->free_state = file_state_free;
	st->state = s;
	st->length = (int64_t)sf.size;
	snprintf(st->content_type, sizeof(st->content_type), "%s",
		 http_guess_type(rel));
	st->disposition = http_artifact_disposition(rel);
	return 0;
}

/* GET /mlflow-artifacts/artifacts/<path> */
static int proxy_download(cairn_repo *repo, json_t *params,
			  struct http_stream *st, struct api_result *res)
{
	const char *path = json_string_value(json_object_get(params, "path"));
	cairn_run *run = NULL;
	struct target t;
	int err;

	if (target_parse(&t, path, res) < 0)
		return -1;
	if ((err = api_model_proxy_download(repo, (const char *const *)t.comp,
					    t.depth, t.rel, path, st, res)) != 1)
		; /* a logged model's file (api_logged_models.c) */
	else if ((err = api_version_proxy_download(repo, (const char *const *)t.comp,
						   t.depth, t.rel, path, st, res)) != 1)
		; /* a model version's file (api_version_proxy.c) */
	else if (!target_in_run(&t))
		err = no_file(res, path);
	else if ((err = find_run(&run, repo, t.comp[0], t.comp[1], res)) == 1)
		err = no_file(res, path);
	else if (!err)
		err = start_download(repo, t.comp[1], t.rel, path, st, res);
	cairn_run_free(run);
	target_release(&t);
	return err;
}

/* GET /get-artifact?path=REL&run_uuid=RUN (the web UI's download) */
static int get_artifact(cairn_repo *repo, json_t *params,
			struct http_stream *st, struct api_result *res)
{
	const char *path, *run_id;
	struct buf clean = BUF_INIT;
	cairn_run *run = NULL;
	int err;

	if (api_get_run_id(&run_id, params, res) < 0 ||
	    api_get_string(&path, params, "path", 1, res) < 0)
		return -1;
	if (http_artifact_path(&clean, path) < 0)
		err = api_fail(res, 400, "INVALID_PARAMETER_VALUE", "Invalid path");
	else if ((err = find_run(&run, repo, NULL, run_id, res)) == 1)
		err = no_run(res, run_id);
	else if (!err)
		err = start_download(repo, run_id, buf_cstr(&clean), path, st, res);
	cairn_run_free(run);
	buf_release(&clean);
	return err;
}

/* PUT /mlflow-artifacts/artifacts/<path> */
static int proxy_upload(cairn_repo *repo, json_t *params,
			struct http_stream *st, struct api_result *res)
{
	const char *path = json_string_value(json_object_get(params, "path"));
	cairn_run *run = NULL;
	struct file_state *s;
	struct target t;
	int err;

	if (target_parse(&t, path, res) < 0)
		return -1;
	if ((err = api_model_proxy_upload(repo, (const char *const *)t.comp,
					  t.depth, t.rel, st, res)) != 1) {
		/* a logged model's file (api_logged_models.c) */
	} else if (!target_in_run(&t) || !*t.rel) {
		err = not_run_artifact(res, path);
	} else if ((err = find_run(&run, repo, NULL, t.comp[1], res)) == 1) {
		err = no_run(res, t.comp[1]);
	} else if (!err && strcmp(cairn_run_info_get(run)->experiment_id, t.comp[0])) {
		err = api_fail(res, 400, "INVALID_PARAMETER_VALUE",
			       "Run %s belongs to experiment %s, not %s", t.comp[1],
			       cairn_run_info_get(run)->experiment_id, t.comp[0]);
	} else if (!err && strcmp(cairn_run_info_get(run)->lifecycle_stage, "active")) {
		err = api_fail(res, 400, "INVALID_PARAMETER_VALUE",
			       "The run %s must be in the 'active' state. Current "
			       "state is %s.", t.comp[1],
			       cairn_run_info_get(run)->lifecycle_stage);
	} else if (!err) {
		s = xmalloc(sizeof(*s));
		s->run_id = xstrdup(t.comp[1]);
		s->path = xstrdup(t.rel);
		st->consume = file_consume;
		st->free_state = file_state_free;
		st->state = s;
	}
	cairn_run_free(run);
	target_release(&t);
	return err;
}

/* DELETE /mlflow-artifacts/artifacts/<path> */
static int proxy_delete(cairn_repo *repo, json_t *params, struct api_result *res)
{
	const char *path = json_string_value(json_object_get(params, "path"));
	cairn_run *run = NULL;
	struct target t;
	int err;

	if (target_parse(&t, path, res) < 0)
		return -1;
	if (!target_in_run(&t) || !*t.rel) {
		err = not_run_artifact(res, path);
	} else if ((err = find_run(&run, repo, t.comp[0], t.comp[1], res)) == 1) {
		err = no_file(res, path);
	} else if (!err) {
		err = cairn_artifact_delete(repo, t.comp[1], t.rel);
		if (err == CAIRN_ENOTFOUND)
			err = no_file(res, path);
		else if (err < 0)
			err = api_fail_cairn(res, err);
	}
	cairn_run_free(run);
	target_release(&t);
	return err < 0 ? -1 : 0;
}

/* POST /mlflow-artifacts/mpu/{create,complete,abort}/<path> */
static int proxy_mpu(cairn_repo *repo, json_t *params, struct api_result *res)
{
	const char *path = json_string_value(json_object_get(params, "path"));
	struct buf clean = BUF_INIT;
	int bad = http_artifact_path(&clean, path ? path : "") < 0;

	(void)repo;
	buf_release(&clean);
	if (bad)
		return api_fail(res, 400, "INVALID_PARAMETER_VALUE", "Invalid path");
	return api_fail(res, 501, "NOT_IMPLEMENTED",
			"Multipart upload is not supported for the current "
			"artifact repository");
}

const struct api_route api_proxy_routes[] = {
	{ "GET", "/mlflow-artifacts/artifacts", proxy_list },
	{ "DELETE", "/mlflow-artifacts/artifacts/{path...}", proxy_delete },
	{ "POST", "/mlflow-artifacts/mpu/create/{path...}", proxy_mpu },
	{ "POST", "/mlflow-artifacts/mpu/complete/{path...}", proxy_mpu },
	{ "POST", "/mlflow-artifacts/mpu/abort/{path...}", proxy_mpu },
	{ NULL, NULL, NULL },
};

const struct http_stream_route api_proxy_streams[] = {
	{ "GET", "/mlflow-artifacts/artifacts/{path...}", 0, proxy_download },
	{ "PUT", "/mlflow-artifacts/artifacts/{path...}", 0, proxy_upload },
	{ "GET", "/get-artifact", 1, get_artifact },
	{ NULL, NULL, 0, NULL },
};
