/*
 * registry_history.c: what held an alias when, and one-step rollback,
 * answered from the audit log (audit.h), the one record of every move.
 *
 * The registry writes its moves as audit events with JSON it defines
 * (registry.c, registry_versions.c): model.alias.set and
 * model.alias.rollback on "model:NAME/N" with before and after
 * {"alias", "version"}; model.alias.delete on "model:NAME" with before;
 * model.version.delete with after {"forced", "aliases": [...], "stage"}
 * when a forced deletion took aliases away; model.delete on "model:NAME";
 * model.version.stage on "model:NAME/N" with after {"stage"}. Replaying
 * them in order gives every alias's holders over time.
 *
 * Rollback treats an alias's holders as a stack: a move pushes the new
 * holder, a rollback pops back to the one below (passing over versions
 * deleted since and moments without a holder). So repeated rollbacks walk
 * further back, and a rollback is itself recorded, with its reason, as
 * the event replay pops on. The move itself is a compare-and-swap on the
 * holder the history ends with (or, with expect_set, the holder the
 * caller saw), checked in the move's transaction: a process that decided
 * to roll back version N does nothing if someone else already moved the
 * alias off N, rather than walking one step further back.
 *
 * Events are written under the name the model had at the time, so
 * history first walks the model.rename events back from the current name
 * (each rename's after {"name"} is the newer name, its object the older),
 * giving each earlier name the range of seqs in which it was this model's;
 * a name used again later by another model is thus not mixed in.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/registry.h"
#include "lib/track_backend.h"
#include "lib/track_local.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/banned.h"

/* "model:NAME/12" -> 12; 0 without a version. */
static uint64_t object_version(const char *object)
{
	const char *slash = strrchr(object, '/');

	return slash ? strtoull(slash + 1, NULL, 10) : 0;
}

static uint64_t json_version(json_t *o)
{
	json_t *v = json_object_get(o, "version");

	if (json_is_string(v))
		return strtoull(json_string_value(v), NULL, 10);
	return json_is_integer(v) ? (uint64_t)json_integer_value(v) : 0;
}

struct walk {
	const char *alias; /* only this alias's moves (and model deletions) */
	int (*cb)(const cairn_model_move *m, void *payload);
	void *payload;
};

static int emit(struct walk *w, cairn_model_move *m)
{
	if (w->alias && (m->stage || (m->alias && strcmp(m->alias, w->alias))))
		return 0;
	return w->cb(m, w->payload);
}

static int replay_event(const cairn_audit_event *e, void *payload)
{
	struct walk *w = payload;
	json_t *before = e->before ? json_loads(e->before, 0, NULL) : NULL;
	json_t *after = e->after ? json_loads(e->after, 0, NULL) : NULL;
	cairn_model_move m;
	int ret = 0;

	memset(&m, 0, sizeof(m));
	m.time = e->time;
	m.actor = e->actor;
	m.action = e->action;
	m.reason = e->reason;
	if (!strcmp(e->action, "model.alias.set") ||
	    !strcmp(e->action, "model.alias.rollback") ||
	    !strcmp(e->action, "model.alias.delete")) {
		m.alias = json_string_value(json_object_get(before ? before : after,
							    "alias"));
		m.from = json_version(before);
		m.to = json_version(after);
		if (m.alias)
			ret = emit(w, &m);
	} else if (!strcmp(e->action, "model.version.delete")) {
		json_t *a;
		size_t i;

		m.from = object_version(e->object);
		json_array_foreach(json_object_get(after, "aliases"), i, a) {
			m.alias = json_string_value(a);
			if (m.alias && (ret = emit(w, &m)) != 0)
				break;
		}
	} else if (!strcmp(e->action, "model.delete")) {
		ret = emit(w, &m); /* every alias goes */
	} else if (!strcmp(e->action, "model.version.stage")) {
		m.stage = json_string_value(json_object_get(after, "stage"));
		m.version = object_version(e->object);
		if (m.stage)
			ret = emit(w, &m);
	}
	json_decref(before);
	json_decref(after);
	return ret;
}

struct rename {
	int64_t seq;
	char *from, *to;
};

struct renames {
	struct rename *v;
	size_t n, alloc;
};

static int collect_rename(const cairn_audit_event *e, void *payload)
{
	struct renames *r = payload;
	json_t *after = e->after ? json_loads(e->after, 0, NULL) : NULL;
	const char *to = json_string_value(json_object_get(after, "name"));

	if (to && !strncmp(e->object, "model:", 6)) {
		ALLOC_GROW(r->v, r->n + 1, r->alloc);
		r->v[r->n].seq = e->seq;
		r->v[r->n].from = xstrdup(e->object + 6);
		r->v[r->n].to = xstrdup(to);
		r->n++;
	}
	json_decref(after);
	return 0;
}

/* One name's share of the model's life: events with lo < seq < hi. */
struct era {
	const char *name;
	int64_t lo, hi;
	struct walk *w;
};

static int replay_in_era(const cairn_audit_event *e, void *payload)
{
	struct era *era = payload;

	if (e->seq <= era->lo || e->seq >= era->hi)
		return 0;
	return replay_event(e, era->w);
}

int cairn_model_history(cairn_repo *repo, const char *name, const char *alias,
			int (*cb)(const cairn_model_move *m, void *payload),
			void *payload)
{
	cairn_audit_query q = CAIRN_AUDIT_QUERY_INIT;
	struct walk w = { alias, cb, payload };
	struct renames r = { NULL, 0, 0 };
	struct era *eras = NULL;
	size_t neras = 0, alloc = 0, i;
	struct buf object = BUF_INIT;
	const char *cur = name;
	int64_t hi = INT64_MAX;
	cairn_model *m;
	int err;

	if ((err = cairn_model_get(&m, repo, name)) < 0)
		return err;
	cairn_model_free(m);
	q.action = "model.rename";
	if ((err = cairn_audit_log(repo, &q, collect_rename, &r)) < 0)
		goto done;
	/* Newest era first: walk the renames back from the current name. */
	for (;;) {
		size_t k = r.n;

		while (k > 0 && (r.v[k - 1].seq >= hi || strcmp(r.v[k - 1].to, cur)))
			k--;
		ALLOC_GROW(eras, neras + 1, alloc);
		eras[neras].name = cur;
		eras[neras].hi = hi;
		eras[neras].lo = k ? r.v[k - 1].seq : 0;
		eras[neras].w = &w;
		neras++;
		if (!k)
			break;
		cur = r.v[k - 1].from;
		hi = r.v[k - 1].seq;
	}
	q.action = "model.";
	for (i = neras; i-- > 0 && err == 0;) {
		buf_reset(&object);
		buf_printf(&object, "model:%s", eras[i].name);
		q.object = object.ptr;
		err = cairn_audit_log(repo, &q, replay_in_era, &eras[i]);
	}
done:
	for (i = 0; i < r.n; i++) {
		free(r.v[i].from);
		free(r.v[i].to);
	}
	free(r.v);
	free(eras);
	buf_release(&object);
	return err;
}

/* ----------------------------------------------------------- alias at */

struct at {
	int64_t time;
	uint64_t holder;
};

static int holder_at(const cairn_model_move *m, void *payload)
{
	struct at *a = payload;

	if (m->time > a->time)
		return 1;
	a->holder = m->to;
	return 0;
}

int cairn_model_alias_at(uint64_t *version, cairn_repo *repo, const char *name,
			 const char *alias, int64_t time_ms)
{
	struct at a = { time_ms, 0 };
	int err;

	if ((err = registry__check_alias(alias)) < 0)
		return err;
	err = cairn_model_history(repo, name, alias, holder_at, &a);
	if (err < 0)
		return err;
	*version = a.holder;
	return a.holder != 0;
}

/* ----------------------------------------------------------- rollback */

struct stack {
	uint64_t *v;
	size_t n, alloc;
};

static int stack_move(const cairn_model_move *m, void *payload)
{
	struct stack *s = payload;

	if (!strcmp(m->action, "model.alias.rollback")) {
		/* Pop back to the holder the rollback chose. */
		while (s->n > 1 && s->v[s->n - 1] != m->to)
			s->n--;
		return 0;
	}
	ALLOC_GROW(s->v, s->n + 1, s->alloc);
	s->v[s->n++] = m->to; /* 0: no holder (deleted) */
	return 0;
}

int cairn_model_rollback(uint64_t *to, cairn_repo *repo, const char *name,
			 const char *alias, const char *reason)
{
	cairn_model_rollback_options o = CAIRN_MODEL_ROLLBACK_OPTIONS_INIT;

	o.reason = reason;
	return cairn_model_rollback_ext(to, repo, name, alias, &o);
}

int cairn_model_rollback_ext(uint64_t *to, cairn_repo *repo, const char *name,
			     const char *alias,
			     const cairn_model_rollback_options *opts)
{
	static const cairn_model_rollback_options none =
		CAIRN_MODEL_ROLLBACK_OPTIONS_INIT;

	*to = 0;
	return repo->track->model_rollback(to, repo, name, alias,
					   opts ? opts : &none);
}

int local_model_rollback(uint64_t *to, cairn_repo *repo, const char *name,
			 const char *alias,
			 const cairn_model_rollback_options *opts)
{
	struct stack s = { NULL, 0, 0 };
	cairn_model_version *v = NULL;
	uint64_t current;
	size_t i;
	int err;

	*to = 0;
	if ((err = registry__check_alias(alias)) < 0 ||
	    (err = cairn_model_history(repo, name, alias, stack_move, &s)) < 0)
		goto done;
	current = s.n ? s.v[s.n - 1] : 0;
	if (opts->expect_set && current != opts->expect) {
		char held[32];

		if (current)
			snprintf(held, sizeof(held), "version %llu",
				 (unsigned long long)current);
		else
			snprintf(held, sizeof(held), "no version");
		err = cairn_error_setc(CAIRN_ECONFLICT, CAIRN_ERRCLASS_INVALID,
				       "alias '%s' of model '%s' is held by %s, not "
				       "version %llu as expected: it was moved "
				       "meanwhile; nothing rolled back", alias, name,
				       held, (unsigned long long)opts->expect);
		goto done;
	}
	if (!current) {
		err = cairn_error_setc(CAIRN_ENOTFOUND, CAIRN_ERRCLASS_INVALID,
				       "alias '%s' of model '%s' is not set; nothing "
				       "to roll back", alias, name);
		goto done;
	}
	/* The holder below the current one that still exists. */
	for (i = s.n - 1; i-- > 0;) {
		if (!s.v[i] || s.v[i] == current)
			continue;
		if ((err = cairn_model_version_get(&v, repo, name, s.v[i])) == 0)
			break;
		if (err != CAIRN_ENOTFOUND)
			goto done;
		cairn_error_reset();
		err = 0;
	}
	if (!v) {
		err = cairn_error_setc(CAIRN_ENOTFOUND, CAIRN_ERRCLASS_INVALID,
				       "alias '%s' of model '%s' has no earlier holder "
				       "to roll back to", alias, name);
		goto done;
	}
	/* Never move traffic to bytes that are not exactly the registered ones. */
	if ((err = cairn_model_verify(repo, v)) < 0)
		goto done;
	if ((err = registry__move_alias(repo, name, alias, v->version, 1, current,
					"model.alias.rollback", opts->reason, 0)) == 0)
		*to = v->version;
done:
	cairn_model_version_free(v);
	free(s.v);
	return err;
}
