/*
 * runtime_follow.c: the follow thread of `cairn serve`: it keeps what is
 * served equal to what the registry and the deployment say, and guards
 * the version promoted last.
 *
 * Every poll (250 ms by default), in order:
 *  1. the deployment's generation: when `cairn deployments set` changed
 *     it, take its URIs and canary percent;
 *  2. each role's URI: when it resolves to another version, take that
 *     version from the loaded ones (a pointer flip) or download, verify
 *     and load it, then publish the new table and record the swap with
 *     its swap time (from the poll that first saw the move to the table
 *     being published). A version that fails is not swapped in: the old
 *     one keeps serving, the failure is logged and recorded
 *     ("load-failed"), and the same version is tried again only after a
 *     back-off (5 s, doubling up to 5 min);
 *  3. the SLO guard: the version of an alias that replaced a previous
 *     holder by a promotion (not by a rollback) is "armed"; when its
 *     window breaks the budget, the alias is rolled back
 *     (cairn_model_rollback_ext(), with the figures as the reason), the
 *     rollback recorded, and the next poll runs at once, which flips to
 *     the previous holder, still loaded. A version is rolled back once;
 *     one reached by a rollback is not armed (no cascade). The rollback
 *     is a compare-and-swap on the version guarded: when replicas guard
 *     the same alias and all judge a breach, one moves it, and the
 *     others get a conflict, log it, record nothing and follow the move
 *     (without it they would each roll back one step further).
 * The thread sleeps on a condition variable, so stopping is immediate.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "serve/runtime_internal.h"
#include "util/alloc.h"
#include "util/banned.h"

#define BACKOFF_FIRST_MS 5000
#define BACKOFF_MAX_MS (5 * 60 * 1000)

/* ---------------------------------------------------------- the guard */

struct last_move {
	size_t holders;       /* moves that left the alias held */
	int rollback;         /* the last move was a rollback */
};

static int note_move(const cairn_model_move *m, void *payload)
{
	struct last_move *l = payload;

	if (m->to)
		l->holders++;
	l->rollback = !strcmp(m->action, "model.alias.rollback");
	return 0;
}

int rt_guard_arm(struct serve_runtime *rt, struct rt_slot *s)
{
	struct last_move l = { 0, 0 };
	int err;

	s->armed = 0;
	if (!rt->o.guard || !s->alias || !s->nkept)
		return 0;
	if ((err = cairn_model_history(rt->repo, s->model, s->alias, note_move,
				       &l)) < 0)
		return err;
	s->armed = l.holders >= 2 && !l.rollback;
	return 0;
}

/* 1 if the alias moved off the version guarded (poll again at once). */
static int guard_check(struct serve_runtime *rt, enum rt_role r)
{
	cairn_model_rollback_options o = CAIRN_MODEL_ROLLBACK_OPTIONS_INIT;
	struct rt_slot *s = &rt->slot[r];
	cairn_model_version *mv = NULL;
	struct buf why = BUF_INIT, reason = BUF_INIT;
	struct serve_window w;
	struct rt_version *v;
	uint64_t to = 0;
	int done = 0, err;

	if (!s->armed || !s->nkept)
		return 0;
	v = s->kept[0];
	serve_stats_window(v->stats, rt_now_ms(), &w);
	if (!serve_slo_breached(&rt->o.slo, &w, &why))
		goto out;
	s->armed = 0;
	/* Moved meanwhile (by someone else): not ours to roll back. */
	if (cairn_model_resolve(&mv, rt->repo, s->uri) < 0 ||
	    mv->version != v->number || strcmp(mv->name, v->model))
		goto out;
	buf_printf(&reason, "SLO guard of deployment %s: %s", rt->name,
		   buf_cstr(&why));
	o.reason = buf_cstr(&reason);
	o.expect_set = 1;
	o.expect = v->number;
	if ((err = cairn_model_rollback_ext(&to, rt->repo, s->model, s->alias,
					    &o)) == CAIRN_ECONFLICT) {
		/* Another process (a replica's guard) moved it first. */
		rt_log(rt, "%s %s broke its budget (%s); alias '%s' was moved "
		       "meanwhile, not rolled back here: %s", rt_role_names[r],
		       v->label, buf_cstr(&why), s->alias,
		       cairn_error_last()->message);
		done = 1;
		goto out;
	}
	if (err < 0) {
		rt_log(rt, "%s %s broke its budget (%s) but cannot be rolled "
		       "back: %s", rt_role_names[r], v->label, buf_cstr(&why),
		       cairn_error_last()->message);
		goto out;
	}
	atomic_fetch_add(&rt->rollbacks, 1);
	rt_log(rt, "%s %s broke its budget (%s): alias '%s' rolled back to "
	       "version %llu", rt_role_names[r], v->label, buf_cstr(&why),
	       s->alias, (unsigned long long)to);
	rt_record(rt, "rollback", v->model, v->number,
		  json_pack("{s:s,s:s,s:s,s:I,s:I,s:I,s:I,s:f,s:f,s:f,s:i,s:f,s:f}",
			    "role", rt_role_names[r], "uri", s->uri,
			    "alias", s->alias,
			    "from", (json_int_t)v->number, "to", (json_int_t)to,
			    "requests", (json_int_t)w.requests,
			    "errors", (json_int_t)w.errors,
			    "error_rate", w.error_rate, "p50_ms", w.p50_ms,
			    "p99_ms", w.p99_ms, "window_s", (int)rt->o.slo.window_s,
			    "max_error_rate", rt->o.slo.max_error_rate,
			    "max_p99_ms", rt->o.slo.max_p99_ms),
		  buf_cstr(&reason));
	done = 1;
out:
	cairn_model_version_free(mv);
	buf_release(&why);
	buf_release(&reason);
	return done;
}

/* --------------------------------------------------------- following */

static void failure_note(struct rt_slot *s, const cairn_model_version *mv,
			 int64_t now)
{
	if (s->failed.model && s->failed.number == mv->version &&
	    !strcmp(s->failed.model, mv->name)) {
		s->failed.backoff_ms *= 2;
		if (s->failed.backoff_ms > BACKOFF_MAX_MS)
			s->failed.backoff_ms = BACKOFF_MAX_MS;
	} else {
		free(s->failed.model);
		s->failed.model = xstrdup(mv->name);
		s->failed.number = mv->version;
		s->failed.backoff_ms = BACKOFF_FIRST_MS;
	}
	s->failed.retry_ms = now + s->failed.backoff_ms;
}

static void failure_clear(struct rt_slot *s)
{
	free(s->failed.model);
	memset(&s->failed, 0, sizeof(s->failed));
}

static void follow_slot(struct serve_runtime *rt, enum rt_role r)
{
	struct rt_slot *s = &rt->slot[r];
	cairn_model_version *mv = NULL;
	struct rt_version *cur, *v;
	int64_t now;
	double swap_ms;
	json_t *from;
	int flip;

	if (cairn_model_resolve(&mv, rt->repo, s->uri) < 0) {
		const char *msg = cairn_error_last()->message;

		if (!s->unresolved || strcmp(s->unresolved, msg)) {
			rt_log(rt, "%s %s does not resolve: %s", rt_role_names[r],
			       s->uri, msg);
			free(s->unresolved);
			s->unresolved = xstrdup(msg);
		}
		return;
	}
	free(s->unresolved);
	s->unresolved = NULL;
	cur = s->nkept ? s->kept[0] : NULL;
	if (cur && cur->number == mv->version && !strcmp(cur->model, mv->name)) {
		s->seen_ms = 0;
		goto out;
	}
	now = rt_now_ms();
	if (s->failed.model && s->failed.number == mv->version &&
	    !strcmp(s->failed.model, mv->name) && now < s->failed.retry_ms)
		goto out;
	if (!s->seen_ms || s->seen_number != mv->version) {
		s->seen_ms = now;
		s->seen_number = mv->version;
	}
	from = cur ? json_integer((json_int_t)cur->number) : json_null();
	v = rt_find_loaded(rt, mv->name, mv->version);
	flip = v != NULL;
	if (!v && rt_load(&v, rt, mv) < 0) {
		const char *msg = cairn_error_last()->message;

		failure_note(s, mv, now);
		atomic_fetch_add(&rt->load_failures, 1);
		rt_log(rt, "%s %s/%llu was not swapped in (%s keeps serving): %s",
		       rt_role_names[r], mv->name, (unsigned long long)mv->version,
		       cur ? cur->label : "nothing", msg);
		rt_record(rt, "load-failed", mv->name, mv->version,
			  json_pack("{s:s,s:s,s:o,s:I,s:I}", "role", rt_role_names[r],
				    "uri", s->uri, "serving", from,
				    "version", (json_int_t)mv->version,
				    "retry_in_ms", (json_int_t)s->failed.backoff_ms),
			  msg);
		goto out;
	}
	failure_clear(s);
	rt_slot_push(rt, s, v);
	rt_publish(rt);
	swap_ms = (double)(serve_now_us() - (uint64_t)s->seen_ms * 1000u) / 1000.0;
	s->seen_ms = 0;
	atomic_fetch_add(&rt->swaps, 1);
	rt_log(rt, "%s %s: %s -> %s in %.1f ms (%s)", rt_role_names[r], s->uri,
	       cur ? cur->label : "nothing", v->label, swap_ms,
	       flip ? "kept loaded" : "loaded and verified");
	rt_record(rt, "swap", v->model, v->number,
		  json_pack("{s:s,s:s,s:o,s:I,s:f,s:b,s:i}", "role",
			    rt_role_names[r], "uri", s->uri, "from", from,
			    "to", (json_int_t)v->number, "swap_ms", swap_ms,
			    "reloaded", !flip, "traffic", rt_traffic(rt, r)),
		  NULL);
	if (r != RT_SHADOW && rt_guard_arm(rt, s) < 0)
		rt_log(rt, "warning: cannot read the history of %s: %s", s->uri,
		       cairn_error_last()->message);
out:
	cairn_model_version_free(mv);
}

/* Point a role at another URI (NULL: none). 1 if it changed. */
static int set_uri(struct serve_runtime *rt, enum rt_role r, const char *uri)
{
	struct rt_slot *s = &rt->slot[r];

	if ((!uri && !s->uri) || (uri && s->uri && !strcmp(uri, s->uri)))
		return 0;
	free(s->uri);
	s->uri = uri ? xstrdup(uri) : NULL;
	rt_parse_alias(s, uri ? uri : "");
	if (!uri)
		s->nkept = 0;
	failure_clear(s);
	free(s->unresolved);
	s->unresolved = NULL;
	s->seen_ms = 0;
	s->armed = 0;
	if (uri && rt->o.guard && r != RT_SHADOW && !s->alias)
		rt_log(rt, "warning: the SLO guard does not watch the %s: %s is "
		       "not an alias URI", rt_role_names[r], uri);
	return 1;
}

static void apply_deployment(struct serve_runtime *rt)
{
	cairn_deployment *d = NULL;
	unsigned percent;
	int changed = 0;

	if (cairn_deployment_get(&d, rt->repo, rt->name) < 0) {
		const char *msg = cairn_error_last()->message;

		if (!rt->deploy_error || strcmp(rt->deploy_error, msg)) {
			rt_log(rt, "cannot read deployment '%s': %s", rt->name, msg);
			free(rt->deploy_error);
			rt->deploy_error = xstrdup(msg);
		}
		return;
	}
	free(rt->deploy_error);
	rt->deploy_error = NULL;
	if (d->generation == rt->generation)
		goto out;
	rt->generation = d->generation;
	changed |= set_uri(rt, RT_PRIMARY, d->model_uri);
	changed |= set_uri(rt, RT_CANARY, d->canary_uri);
	changed |= set_uri(rt, RT_SHADOW, d->shadow_uri);
	percent = d->canary_uri ? d->canary_percent : 0;
	changed |= percent != rt->canary_percent;
	rt->canary_percent = percent;
	if (!changed)
		goto out;
	rt_log(rt, "deployment %s changed: primary %s, canary %s at %u%%, "
	       "shadow %s", rt->name, d->model_uri,
	       d->canary_uri ? d->canary_uri : "none", percent,
	       d->shadow_uri ? d->shadow_uri : "none");
	rt_publish(rt);
out:
	cairn_deployment_free(d);
}

/* One poll; 1 to poll again at once. */
static int follow_tick(struct serve_runtime *rt)
{
	size_t r;
	int again = 0;

	apply_deployment(rt);
	for (r = 0; r < RT_ROLES; r++)
		if (rt->slot[r].uri)
			follow_slot(rt, (enum rt_role)r);
	for (r = RT_PRIMARY; r <= RT_CANARY; r++)
		again |= guard_check(rt, (enum rt_role)r);
	return again;
}

static void *follow_main(void *arg)
{
	struct serve_runtime *rt = arg;
	struct timespec until;
	int again = 0;

	pthread_mutex_lock(&rt->lock);
	while (!rt->stop) {
		if (!again) {
			clock_gettime(CLOCK_MONOTONIC, &until);
			until.tv_sec += rt->o.poll_ms / 1000;
			until.tv_nsec += (long)(rt->o.poll_ms % 1000) * 1000000L;
			if (until.tv_nsec >= 1000000000L) {
				until.tv_sec++;
				until.tv_nsec -= 1000000000L;
			}
			while (!rt->stop &&
			       pthread_cond_timedwait(&rt->wake, &rt->lock,
						      &until) != ETIMEDOUT)
				;
			if (rt->stop)
				break;
		}
		pthread_mutex_unlock(&rt->lock);
		again = follow_tick(rt);
		pthread_mutex_lock(&rt->lock);
	}
	pthread_mutex_unlock(&rt->lock);
	return NULL;
}

int rt_follow_start(struct serve_runtime *rt)
{
	int err = pthread_create(&rt->follow, NULL, follow_main, rt);

	if (err) {
		errno = err;
		return cairn_error_set_os("cannot start the follow thread");
	}
	rt->following = 1;
	return 0;
}

void rt_follow_stop(struct serve_runtime *rt)
{
	if (!rt->following)
		return;
	pthread_mutex_lock(&rt->lock);
	rt->stop = 1;
	pthread_cond_signal(&rt->wake);
	pthread_mutex_unlock(&rt->lock);
	pthread_join(rt->follow, NULL);
	rt->following = 0;
}
