/*
 * runtime.c: the life of a `cairn serve` runtime: open, begin, end, free,
 * and what it records (runtime_table.c holds the versions and the table
 * that says who answers; see runtime_internal.h).
 *
 * Opening resolves every URI, downloads each version verified into a
 * private directory (cairn-serve.XXXXXX under $TMPDIR) and loads it; the
 * primary must load. It also writes the deployment's settings (the
 * command line is the truth at start), so `cairn deployments set` from
 * another process has something to change and the server something to
 * poll. Records (start, swap, rollback, load-failed, stop) are written
 * by whoever holds the store handle: the opener, then the follow thread.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "serve/runtime_internal.h"
#include "util/alloc.h"
#include "util/fs.h"
#include "util/banned.h"

const char *const rt_role_names[RT_ROLES] = { "primary", "canary", "shadow" };

/* --------------------------------------------------------------- small */

uint64_t serve_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

int64_t rt_now_ms(void)
{
	return (int64_t)(serve_now_us() / 1000u);
}

void rt_log(struct serve_runtime *rt, const char *fmt, ...)
{
	struct buf line = BUF_INIT;
	va_list ap;

	if (!rt->o.log)
		return;
	va_start(ap, fmt);
	buf_vprintf(&line, fmt, ap);
	va_end(ap);
	rt->o.log(rt->o.log_payload, buf_cstr(&line));
	buf_release(&line);
}

/* models:/NAME@ALIAS: the model and the alias (split at the last '@'). */
int rt_parse_alias(struct rt_slot *s, const char *uri)
{
	const char *at;

	free(s->model);
	free(s->alias);
	s->model = s->alias = NULL;
	if (strncmp(uri, "models:/", 8) || !(at = strrchr(uri + 8, '@')) ||
	    at == uri + 8 || !at[1] || memchr(uri + 8, '/', (size_t)(at - uri - 8)))
		return 0;
	s->model = xstrndup(uri + 8, (size_t)(at - uri - 8));
	s->alias = xstrdup(at + 1);
	return 1;
}

/* ----------------------------------------------------------- records */

void rt_record(struct serve_runtime *rt, const char *action,
	       const char *model, uint64_t version, json_t *details,
	       const char *reason)
{
	char *text = json_dumps(details, JSON_COMPACT | JSON_SORT_KEYS);

	if (cairn_deployment_record(rt->repo, rt->name, action, model, version,
				    text ? text : "{}", reason) < 0)
		rt_log(rt, "cannot record '%s': %s", action,
		       cairn_error_last()->message);
	free(text);
	json_decref(details);
}

/* --------------------------------------------------------------- open */

static void load_role(struct serve_runtime *rt, enum rt_role role)
{
	struct rt_slot *s = &rt->slot[role];
	cairn_model_version *mv = NULL;
	struct rt_version *v;

	if (cairn_model_resolve(&mv, rt->repo, s->uri) < 0) {
		rt_log(rt, "%s %s does not resolve yet: %s", rt_role_names[role],
		       s->uri, cairn_error_last()->message);
		s->unresolved = xstrdup(cairn_error_last()->message);
		return;
	}
	if (!(v = rt_find_loaded(rt, mv->name, mv->version)) &&
	    rt_load(&v, rt, mv) < 0) {
		rt_log(rt, "%s %s/%llu did not load: %s", rt_role_names[role],
		       mv->name, (unsigned long long)mv->version,
		       cairn_error_last()->message);
		s->failed.model = xstrdup(mv->name);
		s->failed.number = mv->version;
		s->failed.backoff_ms = 5000;
		s->failed.retry_ms = rt_now_ms() + s->failed.backoff_ms;
		atomic_fetch_add(&rt->load_failures, 1);
	} else {
		rt_slot_push(rt, s, v);
	}
	cairn_model_version_free(mv);
}

/*
 * The deployment named after the model: a model name may hold what a
 * deployment name may not (a space, a slash...), which becomes '-'.
 */
static char *default_name(const char *model)
{
	char *name = xstrndup(model, strnlen(model, 128));
	char *c;

	for (c = name; *c; c++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "0123456789._-", *c))
			*c = '-';
	return name;
}

static int write_deployment(struct serve_runtime *rt)
{
	cairn_deployment d, *now = NULL;
	int err;

	memset(&d, 0, sizeof(d));
	d.name = rt->name;
	d.model_uri = rt->slot[RT_PRIMARY].uri;
	d.canary_uri = rt->slot[RT_CANARY].uri;
	d.canary_percent = d.canary_uri ? rt->canary_percent : 0;
	d.shadow_uri = rt->slot[RT_SHADOW].uri;
	if ((err = cairn_deployment_set(rt->repo, &d, "cairn serve started")) < 0 ||
	    (err = cairn_deployment_get(&now, rt->repo, rt->name)) < 0)
		return err;
	rt->generation = now->generation;
	cairn_deployment_free(now);
	return 0;
}

int serve_runtime_open(struct serve_runtime **out, cairn_repo *repo,
		       const struct serve_options *opts)
{
	struct serve_runtime *rt = xcalloc(1, sizeof(*rt));
	cairn_model_version *mv = NULL;
	const char *uris[RT_ROLES];
	const char *tmp = getenv("TMPDIR");
	struct buf dir = BUF_INIT;
	struct rt_version *v;
	size_t r;
	int err;

	*out = NULL;
	rt->repo = repo;
	rt->o = *opts;
	if (!rt->o.keep)
		rt->o.keep = 2;
	if (!rt->o.poll_ms)
		rt->o.poll_ms = 250;
	if (!rt->o.slo.window_s)
		rt->o.slo.window_s = 60;
	rt->canary_percent = opts->canary_uri ? opts->canary_percent : 0;
	pthread_mutex_init(&rt->lock, NULL);
	{
		pthread_condattr_t attr;

		/* The follow thread sleeps on the monotonic clock. */
		pthread_condattr_init(&attr);
		pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
		pthread_cond_init(&rt->wake, &attr);
		pthread_condattr_destroy(&attr);
	}
	uris[RT_PRIMARY] = opts->uri;
	uris[RT_CANARY] = opts->canary_uri;
	uris[RT_SHADOW] = opts->shadow_uri;
	for (r = 0; r < RT_ROLES; r++) {
		if (!uris[r])
			continue;
		rt->slot[r].uri = xstrdup(uris[r]);
		rt_parse_alias(&rt->slot[r], uris[r]);
	}
	rt->o.uri = rt->o.canary_uri = rt->o.shadow_uri = rt->o.name = NULL;
	if (opts->guard && !rt->slot[RT_PRIMARY].alias) {
		err = cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
				       "the SLO guard rolls back aliases only, and "
				       "'%s' is not an alias URI (cairn cannot roll "
				       "back a stage or a fixed version); serve "
				       "models:/NAME@ALIAS, or drop --max-error-rate "
				       "and --max-p99-ms", opts->uri);
		goto fail;
	}

	buf_printf(&dir, "%s/cairn-serve.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir.ptr)) {
		err = cairn_error_set_os("cannot create a directory in '%s'",
					 tmp && *tmp ? tmp : "/tmp");
		buf_release(&dir);
		goto fail;
	}
	rt->tmpdir = buf_detach(&dir, NULL);

	if ((err = cairn_model_resolve(&mv, repo, opts->uri)) < 0)
		goto fail;
	rt->name = opts->name ? xstrdup(opts->name) : default_name(mv->name);
	if ((err = rt_load(&v, rt, mv)) < 0)
		goto fail;
	rt_slot_push(rt, &rt->slot[RT_PRIMARY], v);
	for (r = RT_CANARY; r < RT_ROLES; r++)
		if (rt->slot[r].uri)
			load_role(rt, (enum rt_role)r);
	rt_publish(rt);
	if ((err = write_deployment(rt)) < 0)
		goto fail;
	if (opts->guard) {
		for (r = RT_PRIMARY; r <= RT_CANARY; r++) {
			struct rt_slot *s = &rt->slot[r];

			if (!s->uri || !s->nkept)
				continue;
			if (!s->alias)
				rt_log(rt, "warning: the SLO guard does not watch the "
				       "%s: %s is not an alias URI",
				       rt_role_names[r], s->uri);
			else if (rt_guard_arm(rt, s) < 0)
				rt_log(rt, "warning: cannot read the history of "
				       "%s: %s", s->uri, cairn_error_last()->message);
		}
	}
	cairn_model_version_free(mv);
	rt->shadow = rt_shadow_new(rt);
	*out = rt;
	return 0;
fail:
	cairn_model_version_free(mv);
	{
		/* Freeing must not lose the message. */
		struct buf why = BUF_INIT;

		buf_puts(&why, cairn_error_last()->message);
		rt->repo = NULL; /* the caller's on failure */
		serve_runtime_free(rt);
		cairn_error_setc(err, CAIRN_ERRCLASS_INVALID, "%s", buf_cstr(&why));
		buf_release(&why);
	}
	return err;
}

const char *serve_runtime_name(const struct serve_runtime *rt)
{
	return rt->name;
}

const char *serve_runtime_primary(const struct serve_runtime *rt)
{
	return rt->primary_label;
}

/* -------------------------------------------------------- begin, end */

static json_t *role_json(const struct serve_runtime *rt, enum rt_role r)
{
	const struct rt_slot *s = &rt->slot[r];
	json_t *o;

	if (!s->uri)
		return json_null();
	o = json_pack("{s:s}", "uri", s->uri);
	if (s->nkept)
		json_object_set_new(o, "version", json_integer((json_int_t)s->kept[0]->number));
	if (r == RT_CANARY)
		json_object_set_new(o, "percent", json_integer(rt->canary_percent));
	return o;
}

int serve_runtime_begin(struct serve_runtime *rt, const char *url)
{
	const struct rt_version *p = rt->slot[RT_PRIMARY].kept[0];
	json_t *d = json_object();
	size_t r;

	json_object_set_new(d, "role", json_string("primary"));
	json_object_set_new(d, "traffic", json_integer(rt_traffic(rt, RT_PRIMARY)));
	json_object_set_new(d, "url", json_string(url));
	for (r = 0; r < RT_ROLES; r++)
		json_object_set_new(d, rt_role_names[r], role_json(rt, (enum rt_role)r));
	json_object_set_new(d, "keep", json_integer(rt->o.keep));
	if (rt->o.guard)
		json_object_set_new(d, "guard",
				    json_pack("{s:f,s:f,s:i}", "max_error_rate",
					      rt->o.slo.max_error_rate, "max_p99_ms",
					      rt->o.slo.max_p99_ms, "window_s",
					      (int)rt->o.slo.window_s));
	rt_record(rt, "start", p->model, p->number, d, NULL);
	return rt_follow_start(rt);
}

/*
 * What a version did since it was loaded: its role now, requests, errors,
 * mean latency and the p99 to the precision of /metrics' buckets (the
 * upper bound of the bucket holding it; null past the last bound).
 */
static json_t *totals_json(const struct serve_runtime *rt, struct rt_version *v)
{
	struct serve_totals t;
	const char *role = "standby";
	json_t *p99 = json_null();
	size_t r, i;

	serve_stats_totals(v->stats, &t);
	for (r = RT_ROLES; r-- > 0;)
		if (rt->slot[r].uri && rt->slot[r].nkept && rt->slot[r].kept[0] == v)
			role = rt_role_names[r];
	for (i = 0; t.requests && i < SERVE_LATENCY_BUCKETS; i++)
		if ((double)t.buckets[i] >= 0.99 * (double)t.requests) {
			json_decref(p99);
			p99 = json_real(serve_latency_bounds[i] * 1000.0);
			break;
		}
	return json_pack("{s:s,s:s,s:I,s:I,s:I,s:f,s:o}", "version", v->label,
			 "role", role, "requests", (json_int_t)t.requests,
			 "errors", (json_int_t)t.errors,
			 "client_errors", (json_int_t)t.client_errors,
			 "mean_ms", t.requests ? t.latency_sum_s * 1000.0 /
					 (double)t.requests : 0.0,
			 "p99_ms", p99);
}

void serve_runtime_end(struct serve_runtime *rt)
{
	const struct rt_version *p;
	json_t *d = json_object(), *served = json_array();
	size_t i;

	rt_follow_stop(rt);
	rt_shadow_free(rt->shadow);
	rt->shadow = NULL;
	for (i = 0; i < rt->nloaded; i++)
		json_array_append_new(served, totals_json(rt, rt->loaded[i]));
	json_object_set_new(d, "served", served);
	json_object_set_new(d, "swaps", json_integer((json_int_t)atomic_load(&rt->swaps)));
	json_object_set_new(d, "rollbacks", json_integer((json_int_t)atomic_load(&rt->rollbacks)));
	json_object_set_new(d, "load_failures",
			    json_integer((json_int_t)atomic_load(&rt->load_failures)));
	if (rt->slot[RT_SHADOW].uri || atomic_load(&rt->shadow_requests)) {
		uint64_t n = atomic_load(&rt->shadow_requests);
		uint64_t agreed = atomic_load(&rt->shadow_agreed);

		json_object_set_new(d, "shadow", json_pack(
			"{s:I,s:I,s:I,s:f}",
			"requests", (json_int_t)n, "agreed", (json_int_t)agreed,
			"dropped", (json_int_t)atomic_load(&rt->shadow_dropped),
			"agreement", n ? (double)agreed / (double)n : 0.0));
	}
	p = rt->slot[RT_PRIMARY].nkept ? rt->slot[RT_PRIMARY].kept[0] : NULL;
	rt_record(rt, "stop", p ? p->model : NULL, p ? p->number : 0, d, NULL);
}

void serve_runtime_free(struct serve_runtime *rt)
{
	size_t i, r;

	if (!rt)
		return;
	rt_follow_stop(rt);
	rt_shadow_free(rt->shadow);
	free(atomic_load(&rt->table));
	for (i = 0; i < rt->nloaded; i++)
		rt_version_put(rt->loaded[i]);
	free(rt->loaded);
	for (r = 0; r < RT_ROLES; r++) {
		struct rt_slot *s = &rt->slot[r];

		free(s->uri);
		free(s->model);
		free(s->alias);
		free(s->kept);
		free(s->failed.model);
		free(s->unresolved);
	}
	if (rt->tmpdir)
		fs_remove_tree(rt->tmpdir);
	free(rt->tmpdir);
	free(rt->name);
	free(rt->deploy_error);
	free(rt->primary_label);
	cairn_repo_free(rt->repo);
	pthread_cond_destroy(&rt->wake);
	pthread_mutex_destroy(&rt->lock);
	free(rt);
}
