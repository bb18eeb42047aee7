/*
 * runtime_table.c: the loaded versions of `cairn serve` and the table
 * that says who answers (the ownership rules and the gate are described
 * in runtime_internal.h).
 *
 * rt_load() downloads a version, verified, into the runtime's private
 * directory and loads it; the runtime's list holds its first reference.
 * A role keeps its last `keep` versions (rt_slot_push()); rt_publish()
 * makes a new table from the roles, publishes it, waits until no reader
 * can hold the old one, and releases the versions no role keeps any more
 * (a request still using one keeps it alive until it is done).
 */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve/runtime_internal.h"
#include "util/alloc.h"
#include "util/fs.h"
#include "util/banned.h"

/* ------------------------------------------------------------ versions */

void rt_version_get(struct rt_version *v)
{
	atomic_fetch_add_explicit(&v->refs, 1, memory_order_relaxed);
}

void rt_version_put(struct rt_version *v)
{
	if (!v || atomic_fetch_sub_explicit(&v->refs, 1, memory_order_acq_rel) != 1)
		return;
	serve_model_free(v->m);
	if (v->dir)
		fs_remove_tree(v->dir);
	serve_stats_free(v->stats);
	free(v->dir);
	free(v->label);
	free(v->model);
	free(v);
}

struct rt_version *rt_find_loaded(struct serve_runtime *rt, const char *model,
				  uint64_t number)
{
	size_t i;

	for (i = 0; i < rt->nloaded; i++)
		if (rt->loaded[i]->number == number &&
		    !strcmp(rt->loaded[i]->model, model))
			return rt->loaded[i];
	return NULL;
}

int rt_load(struct rt_version **out, struct serve_runtime *rt,
	    const cairn_model_version *mv)
{
	struct rt_version *v;
	struct serve_model *m = NULL;
	char leaf[32];
	char *dir;
	int err;

	snprintf(leaf, sizeof(leaf), "%u", ++rt->seq);
	dir = path_join(rt->tmpdir, leaf);
	if ((err = cairn_model_download(rt->repo, mv, dir)) < 0 ||
	    (err = serve_model_load(&m, dir, &rt->o.flavor)) < 0) {
		struct buf why = BUF_INIT;

		/* Removing the copy must not lose the message. */
		buf_puts(&why, cairn_error_last()->message);
		fs_remove_tree(dir);
		free(dir);
		cairn_error_setc(err, CAIRN_ERRCLASS_INVALID, "%s", buf_cstr(&why));
		buf_release(&why);
		return err;
	}
	v = xcalloc(1, sizeof(*v));
	atomic_init(&v->refs, 1);
	v->model = xstrdup(mv->name);
	v->number = mv->version;
	{
		struct buf label = BUF_INIT;

		buf_printf(&label, "%s/%llu", mv->name,
			   (unsigned long long)mv->version);
		v->label = buf_detach(&label, NULL);
	}
	v->dir = dir;
	v->m = m;
	v->ncols = serve_model_columns(m, &v->names);
	v->memory = serve_model_memory(m);
	v->stats = serve_stats_new(rt->o.slo.window_s);
	ALLOC_GROW(rt->loaded, rt->nloaded + 1, rt->loaded_alloc);
	rt->loaded[rt->nloaded++] = v;
	*out = v;
	return 0;
}

/* The share of requests a role answers, in percent (a shadow: none). */
int rt_traffic(const struct serve_runtime *rt, enum rt_role r)
{
	int canary = rt->slot[RT_CANARY].uri && rt->slot[RT_CANARY].nkept;

	if (r == RT_PRIMARY)
		return canary ? 100 - (int)rt->canary_percent : 100;
	return r == RT_CANARY && canary ? (int)rt->canary_percent : 0;
}

/* --------------------------------------------------------- the table */

struct rt_table *rt_enter(struct serve_runtime *rt, unsigned *ticket)
{
	unsigned e;

	/*
	 * Register in the gate of the current epoch, and check it is still
	 * current after registering: a reader of a stale epoch could slip
	 * past a writer waiting on the other gate.
	 */
	for (;;) {
		e = atomic_load(&rt->epoch);
		atomic_fetch_add(&rt->gate[e & 1], 1);
		if (atomic_load(&rt->epoch) == e)
			break;
		atomic_fetch_sub(&rt->gate[e & 1], 1);
	}
	*ticket = e & 1;
	return atomic_load(&rt->table);
}

void rt_leave(struct serve_runtime *rt, unsigned ticket)
{
	atomic_fetch_sub(&rt->gate[ticket], 1);
}

/* Wait until no reader can still hold a table published before now. */
static void synchronize(struct serve_runtime *rt)
{
	unsigned old = atomic_fetch_add(&rt->epoch, 1) & 1;

	while (atomic_load(&rt->gate[old]))
		sched_yield();
}

static int slot_keeps(const struct rt_slot *s, const struct rt_version *v)
{
	size_t i;

	for (i = 0; i < s->nkept; i++)
		if (s->kept[i] == v)
			return 1;
	return 0;
}

void rt_slot_push(struct serve_runtime *rt, struct rt_slot *s,
		  struct rt_version *v)
{
	size_t keep = rt->o.keep, i;

	if (!s->kept)
		s->kept = xcalloc(keep, sizeof(*s->kept));
	for (i = 0; i < s->nkept && s->kept[i] != v; i++)
		;
	if (i == s->nkept && s->nkept < keep)
		s->nkept++;
	if (i == s->nkept)
		i = s->nkept - 1; /* the oldest drops out */
	memmove(s->kept + 1, s->kept, i * sizeof(*s->kept));
	s->kept[0] = v;
}

void rt_publish(struct serve_runtime *rt)
{
	struct rt_version **gone = xcalloc(rt->nloaded + 1, sizeof(*gone));
	struct rt_table *t, *old;
	size_t i, j, ngone = 0, r;

	/* What no role keeps leaves the loaded list (and the new table). */
	for (i = j = 0; i < rt->nloaded; i++) {
		struct rt_version *v = rt->loaded[i];
		int kept = 0;

		for (r = 0; r < RT_ROLES && !kept; r++)
			kept = rt->slot[r].uri && slot_keeps(&rt->slot[r], v);
		if (kept)
			rt->loaded[j++] = v;
		else
			gone[ngone++] = v;
	}
	rt->nloaded = j;

	t = xcalloc(1, sizeof(*t) + rt->nloaded * sizeof(t->loaded[0]));
	for (r = 0; r < RT_ROLES; r++)
		t->role[r] = rt->slot[r].uri && rt->slot[r].nkept ?
			     rt->slot[r].kept[0] : NULL;
	t->canary_percent = t->role[RT_CANARY] ? rt->canary_percent : 0;
	t->n = rt->nloaded;
	memcpy(t->loaded, rt->loaded, rt->nloaded * sizeof(t->loaded[0]));
	old = atomic_exchange(&rt->table, t);
	synchronize(rt);
	free(old);
	/* No reader can pick these any more; requests using them keep them. */
	for (i = 0; i < ngone; i++)
		rt_version_put(gone[i]);
	free(gone);

	free(rt->primary_label);
	rt->primary_label = xstrdup(rt->slot[RT_PRIMARY].nkept ?
				    rt->slot[RT_PRIMARY].kept[0]->label : "");
}
