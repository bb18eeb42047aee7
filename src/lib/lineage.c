/*
 * lineage.c: the graph data set version -> run -> model version, from any
 * of its nodes, upstream (what it came from), downstream (what came of
 * it) or both.
 *
 * The links are the store's own records: a run's inputs (cairn log input,
 * cairn run --input) link data set versions to runs, a data set version's
 * producing run (cairn data add --run, or inside cairn run) links a run to
 * the data it wrote, and a model version's source run links the run to the
 * model version. From a node:
 *
 *   data version  upstream: the run that produced it, then that run's
 *                 inputs and their producers, recursively; downstream: the
 *                 runs that used it, then what came of those runs
 *   run           upstream: its input versions and their producers;
 *                 downstream: its models and the data versions it produced,
 *                 then what came of those, recursively
 *   model version upstream: its source run, then that run's upstream;
 *                 downstream: the deployments that served it
 *   deployment    upstream: the model versions it served, then theirs
 *
 * A run that used its own output is a cycle: each node is walked once per
 * direction (a visited set), and no path is followed beyond MAX_DEPTH. A
 * producing run this store does not hold (it may live on a remote tracking
 * server) is a node {"run_id", "in_store": false} that the walk ends at.
 * The graph is JSON (cairn_lineage_json() in cairn.h): nodes with their
 * facts (data: id, size, rows, run_id; runs: status, params, latest
 * metrics, code commit; models: stage, aliases, content id), edges "input"
 * (data -> run, with the context), "produced" (run -> data) and
 * "registered" (run -> model) and "served" (model -> deployment, with the
 * role: primary, canary or shadow). What a deployment served is replayed
 * from its start, swap and rollback events (cairn_deployment_events()),
 * read once per graph. Each node appears once, however many paths reach
 * it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "lib/lineage.h"
#include "lib/repo.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/banned.h"

#define MAX_DEPTH 64 /* nodes from the one asked about, along any path */

struct graph {
	cairn_repo *repo;
	json_t *nodes; /* array, in the order reached */
	json_t *index; /* id -> 1, for each node added */
	json_t *edges;
	json_t *edge_index; /* "from|to|context" -> 1 */
	json_t *visited;    /* "u|node", "d|node" -> 1: walked that way */
	json_t *served;     /* [{deployment, model, version, role, time}], or NULL */
};

static json_t *from_text(int err, cairn_buf *text)
{
	json_t *o = err ? NULL : json_loads(text->ptr, 0, NULL);

	cairn_buf_dispose(text);
	return o;
}

/* Add node id with its facts (taken over); 1 if it was new, 0 if known. */
static int add_node(struct graph *g, const char *id, const char *type,
		    json_t *facts)
{
	if (json_object_get(g->index, id)) {
		json_decref(facts);
		return 0;
	}
	json_object_set_new(g->index, id, json_true());
	if (!facts)
		facts = json_object();
	json_object_set_new(facts, "node", json_string(id));
	json_object_set_new(facts, "type", json_string(type));
	json_array_append_new(g->nodes, facts);
	return 1;
}

static void add_edge(struct graph *g, const char *from, const char *to,
		     const char *kind, const char *context)
{
	struct buf key = BUF_INIT;
	json_t *e;

	buf_printf(&key, "%s|%s|%s", from, to, context ? context : "");
	if (!json_object_get(g->edge_index, key.ptr)) {
		json_object_set_new(g->edge_index, key.ptr, json_true());
		e = json_pack("{s:s, s:s, s:s}", "from", from, "to", to, "kind", kind);
		if (context)
			json_object_set_new(e, "context", json_string(context));
		json_array_append_new(g->edges, e);
	}
	buf_release(&key);
}

static void data_id(struct buf *out, const char *name, uint64_t version)
{
	buf_reset(out);
	buf_printf(out, "data:%s@v%llu", name, (unsigned long long)version);
}

static void model_id(struct buf *out, const char *name, uint64_t version)
{
	buf_reset(out);
	buf_printf(out, "model:%s/%llu", name, (unsigned long long)version);
}

static int add_data(struct graph *g, const cairn_data_version *v)
{
	cairn_buf text = CAIRN_BUF_INIT;
	struct buf id = BUF_INIT;
	int err = cairn_data_version_json(&text, v);

	data_id(&id, v->name, v->version);
	add_node(g, id.ptr, "data", from_text(err, &text));
	buf_release(&id);
	return err;
}

static int add_model(struct graph *g, const cairn_model_version *v)
{
	cairn_buf text = CAIRN_BUF_INIT;
	struct buf id = BUF_INIT;
	int err = cairn_model_version_json(&text, g->repo, v, 1);

	model_id(&id, v->name, v->version);
	add_node(g, id.ptr, "model", from_text(err, &text));
	buf_release(&id);
	return err;
}

static const char *tag(const cairn_run *run, const char *key)
{
	size_t i;

	for (i = 0; i < cairn_run_tag_count(run); i++)
		if (!strcmp(cairn_run_tag(run, i)->key, key))
			return cairn_run_tag(run, i)->value;
	return NULL;
}

/* A run's facts: what an auditor asks of it. */
static json_t *run_facts(const cairn_run *run)
{
	const cairn_run_info *info = cairn_run_info_get(run);
	json_t *o, *params = json_object(), *metrics = json_object();
	const char *commit = tag(run, "mlflow.source.git.commit"),
		   *dirty = tag(run, "cairn.git.dirty"),
		   *command = tag(run, "cairn.command");
	size_t i;

	o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I}", "run_id", info->run_id,
		      "name", info->name ? info->name : "", "experiment_id",
		      info->experiment_id, "status", cairn_run_status_name(info->status),
		      "user_id", info->user_id ? info->user_id : "",
		      "start_time", (json_int_t)info->start_time);
	if (info->end_time)
		json_object_set_new(o, "end_time", json_integer(info->end_time));
	for (i = 0; i < cairn_run_param_count(run); i++)
		json_object_set_new(params, cairn_run_param(run, i)->key,
				    json_string(cairn_run_param(run, i)->value));
	for (i = 0; i < cairn_run_metric_count(run); i++)
		json_object_set_new(metrics, cairn_run_metric(run, i)->key,
				    json_real(cairn_run_metric(run, i)->value));
	json_object_set_new(o, "params", params);
	json_object_set_new(o, "metrics", metrics);
	if (commit)
		json_object_set_new(o, "git_commit", json_string(commit));
	if (dirty)
		json_object_set_new(o, "git_dirty", json_string(dirty));
	if (command)
		json_object_set_new(o, "command", json_string(command));
	return o;
}

/*
 * Whether to walk from node in direction dir ('u' or 'd'): the first time
 * only, and not deeper than MAX_DEPTH (a chain of runs each producing the
 * next one's input is finite, but a damaged store must not exhaust the
 * stack).
 */
static int first_visit(struct graph *g, const char *node, char dir, int depth)
{
	struct buf key = BUF_INIT;
	int first;

	if (depth > MAX_DEPTH)
		return 0;
	buf_printf(&key, "%c|%s", dir, node);
	first = !json_object_get(g->visited, key.ptr);
	if (first)
		json_object_set_new(g->visited, key.ptr, json_true());
	buf_release(&key);
	return first;
}

static int walk_run(struct graph *g, const char *run_id, int up, int down,
		    int depth);
static int walk_data(struct graph *g, const cairn_data_version *v, int up,
		     int down, int depth);

/* Walk from the data set version "NAME@vN" of the store. */
static int walk_data_spec(struct graph *g, const char *name, uint64_t version,
			  int up, int down, int depth)
{
	cairn_data_version *v = NULL;
	struct buf spec = BUF_INIT;
	int err;

	buf_printf(&spec, "%s@v%llu", name, (unsigned long long)version);
	if ((err = cairn_data_lookup(&v, g->repo, spec.ptr)) == 0)
		err = walk_data(g, v, up, down, depth);
	cairn_data_version_free(v);
	buf_release(&spec);
	return err;
}

struct models_of {
	struct graph *g;
	const char *run_node;
};

static int model_deployments(struct graph *g, const cairn_model_version *v);

static int add_registered(const cairn_model_version *v, void *payload)
{
	struct models_of *m = payload;
	struct buf id = BUF_INIT;
	int err = add_model(m->g, v);

	if (!err)
		err = model_deployments(m->g, v);

	model_id(&id, v->name, v->version);
	add_edge(m->g, m->run_node, id.ptr, "registered", NULL);
	buf_release(&id);
	return err;
}

/* The data set versions a run produced, collected before walking on. */
struct produced {
	char **names;
	uint64_t *versions;
	size_t n, alloc;
};

static int collect_produced(const char *name, uint64_t version, void *payload)
{
	struct produced *p = payload;

	if (p->n == p->alloc) {
		p->alloc = p->alloc ? 2 * p->alloc : 8;
		p->names = xrealloc(p->names, p->alloc * sizeof(*p->names));
		p->versions = xrealloc(p->versions, p->alloc * sizeof(*p->versions));
	}
	p->names[p->n] = xstrdup(name);
	p->versions[p->n++] = version;
	return 0;
}

static int run_downstream(struct graph *g, const char *run_id,
			  const char *node, int depth)
{
	cairn_model_search_options o = CAIRN_MODEL_SEARCH_OPTIONS_INIT;
	cairn_buf token = CAIRN_BUF_INIT;
	struct buf filter = BUF_INIT, id = BUF_INIT;
	struct produced p;
	struct models_of m;
	size_t i;
	int err;

	/* Model versions from this run (the filter takes a quoted id). */
	buf_printf(&filter, "run_id = '%s'", run_id);
	o.filter = filter.ptr;
	m.g = g;
	m.run_node = node;
	do {
		o.page_token = token.ptr;
		err = cairn_model_versions_search(&token, g->repo, &o,
						  add_registered, &m);
	} while (!err && token.ptr && *token.ptr);
	/* Data set versions it produced, and what came of them. */
	memset(&p, 0, sizeof(p));
	if (!err)
		err = db_versions_produced_by(g->repo->db, run_id, collect_produced, &p);
	for (i = 0; i < p.n; i++) {
		if (!err) {
			data_id(&id, p.names[i], p.versions[i]);
			add_edge(g, node, id.ptr, "produced", NULL);
			err = walk_data_spec(g, p.names[i], p.versions[i], 0, 1,
					     depth + 1);
		}
		free(p.names[i]);
	}
	free(p.names);
	free(p.versions);
	cairn_buf_dispose(&token);
	buf_release(&filter);
	buf_release(&id);
	return err;
}

/*
 * Add the run; its inputs and their producers (upstream) and its models
 * and data (downstream) as asked. A run this store does not hold (a data
 * set version may name a run on a remote tracking server) is a node with
 * "in_store": false and nothing beyond it.
 */
static int walk_run(struct graph *g, const char *run_id, int up, int down,
		    int depth)
{
	struct buf node = BUF_INIT;
	cairn_run *run = NULL;
	size_t i;
	int err;

	buf_printf(&node, "run:%s", run_id);
	up = up && first_visit(g, node.ptr, 'u', depth);
	down = down && first_visit(g, node.ptr, 'd', depth);
	if (!up && !down && json_object_get(g->index, node.ptr)) {
		buf_release(&node);
		return 0; /* nothing new to learn of it */
	}
	err = cairn_run_get(&run, g->repo, run_id);
	if (err == CAIRN_ENOTFOUND || err == CAIRN_EINVALID) {
		cairn_error_reset();
		add_node(g, node.ptr, "run", json_pack("{s:s, s:b}", "run_id", run_id,
						       "in_store", 0));
		buf_release(&node);
		return 0;
	}
	if (err < 0)
		goto done;
	add_node(g, node.ptr, "run", run_facts(run));
	for (i = 0; up && !err && i < cairn_run_input_count(run); i++) {
		const cairn_run_input *in = cairn_run_input_get(run, i);
		struct buf id = BUF_INIT;

		data_id(&id, in->name, in->version);
		add_edge(g, id.ptr, node.ptr, "input", in->context);
		buf_release(&id);
		err = walk_data_spec(g, in->name, in->version, 1, 0, depth + 1);
	}
	if (down && !err)
		err = run_downstream(g, run_id, node.ptr, depth);
done:
	cairn_run_free(run);
	buf_release(&node);
	return err;
}

struct users {
	struct graph *g;
	const char *data_node;
	char **ids;
	size_t n, alloc;
};

static int collect_user(const char *run_id, const char *context, void *payload)
{
	struct users *u = payload;
	struct buf node = BUF_INIT;

	buf_printf(&node, "run:%s", run_id);
	add_edge(u->g, u->data_node, node.ptr, "input", context);
	buf_release(&node);
	if (u->n == u->alloc) {
		u->alloc = u->alloc ? 2 * u->alloc : 16;
		u->ids = xrealloc(u->ids, u->alloc * sizeof(*u->ids));
	}
	u->ids[u->n++] = xstrdup(run_id);
	return 0;
}

/* Add the data set version; its producer (up) and users (down) as asked. */
static int walk_data(struct graph *g, const cairn_data_version *v, int up,
		     int down, int depth)
{
	struct users u;
	struct buf node = BUF_INIT, run = BUF_INIT;
	size_t i;
	int err;

	memset(&u, 0, sizeof(u));
	data_id(&node, v->name, v->version);
	up = up && v->run_id && *v->run_id && first_visit(g, node.ptr, 'u', depth);
	down = down && first_visit(g, node.ptr, 'd', depth);
	if ((err = add_data(g, v)) == 0 && up) {
		buf_printf(&run, "run:%s", v->run_id);
		add_edge(g, run.ptr, node.ptr, "produced", NULL);
		err = walk_run(g, v->run_id, 1, 0, depth + 1);
	}
	if (!err && down) {
		u.g = g;
		u.data_node = node.ptr;
		err = db_runs_using(g->repo->db, v->name, v->version, collect_user, &u);
		/* Each run once, though it used the version in several contexts. */
		for (i = 0; !err && i < u.n; i++)
			if (!i || strcmp(u.ids[i], u.ids[i - 1]))
				err = walk_run(g, u.ids[i], 0, 1, depth + 1);
	}
	for (i = 0; i < u.n; i++)
		free(u.ids[i]);
	free(u.ids);
	buf_release(&node);
	buf_release(&run);
	return err;
}

/* ---------------------------------------------------------- deployments */

struct served_walk {
	json_t *served;
	const char *deployment;
};

static int collect_served(const cairn_deployment_event *e, void *payload)
{
	struct served_walk *w = payload;
	json_t *details;
	const char *role;

	if (!e->model || !e->version ||
	    (strcmp(e->action, "deployment.start") &&
	     strcmp(e->action, "deployment.swap") &&
	     strcmp(e->action, "deployment.rollback")))
		return 0;
	details = json_loads(e->details ? e->details : "{}", 0, NULL);
	role = json_string_value(json_object_get(details, "role"));
	json_array_append_new(w->served,
			      json_pack("{s:s, s:s, s:I, s:s, s:I}", "deployment",
					w->deployment, "model", e->model, "version",
					(json_int_t)e->version, "role",
					role ? role : "primary", "time",
					(json_int_t)e->time_ms));
	json_decref(details);
	return 0;
}

static int collect_deployment(const cairn_deployment *d, void *payload)
{
	json_array_append_new(payload, json_string(d->name));
	return 0;
}

/* What every deployment served, read once into g->served. */
static int load_served(struct graph *g)
{
	struct served_walk w;
	json_t *names, *name;
	size_t i;
	int err;

	if (g->served)
		return 0;
	g->served = json_array();
	names = json_array();
	err = cairn_deployment_foreach(g->repo, collect_deployment, names);
	json_array_foreach(names, i, name) {
		if (err < 0)
			break;
		w.served = g->served;
		w.deployment = json_string_value(name);
		err = cairn_deployment_events(g->repo, w.deployment, collect_served, &w);
	}
	json_decref(names);
	return err;
}

static void deployment_id(struct buf *out, const char *name)
{
	buf_reset(out);
	buf_printf(out, "deployment:%s", name);
}

/* The deployment's node: its settings, when it exists still. */
static int add_deployment(struct graph *g, const char *name)
{
	cairn_buf text = CAIRN_BUF_INIT;
	struct buf id = BUF_INIT;
	cairn_deployment *d;
	json_t *facts = NULL;
	int err;

	deployment_id(&id, name);
	if (json_object_get(g->index, id.ptr)) {
		buf_release(&id);
		return 0;
	}
	if ((err = cairn_deployment_get(&d, g->repo, name)) == 0) {
		err = cairn_deployment_json(&text, d);
		facts = from_text(err, &text);
		cairn_deployment_free(d);
	} else if (err == CAIRN_ENOTFOUND) {
		cairn_error_reset();
		err = 0;
		facts = json_pack("{s:s}", "name", name);
	}
	if (!err)
		add_node(g, id.ptr, "deployment", facts);
	buf_release(&id);
	return err;
}

/* The deployments that served version v: nodes, and edges "served". */
static int model_deployments(struct graph *g, const cairn_model_version *v)
{
	struct buf node = BUF_INIT, dep = BUF_INIT;
	json_t *s;
	size_t i;
	int err;

	if ((err = load_served(g)) < 0)
		return err;
	model_id(&node, v->name, v->version);
	json_array_foreach(g->served, i, s) {
		const char *name = json_string_value(json_object_get(s, "deployment"));

		if (strcmp(json_string_value(json_object_get(s, "model")), v->name) ||
		    (uint64_t)json_integer_value(json_object_get(s, "version")) !=
		    v->version)
			continue;
		if ((err = add_deployment(g, name)) < 0)
			break;
		deployment_id(&dep, name);
		add_edge(g, node.ptr, dep.ptr, "served",
			 json_string_value(json_object_get(s, "role")));
	}
	buf_release(&node);
	buf_release(&dep);
	return err;
}

static int walk_model(struct graph *g, const char *uri, int up, int down)
{
	cairn_model_version *v = NULL;
	struct buf node = BUF_INIT, run = BUF_INIT;
	int err;

	if ((err = cairn_model_resolve(&v, g->repo, uri)) < 0)
		return err;
	if ((err = add_model(g, v)) == 0 && down)
		err = model_deployments(g, v);
	if (!err && up && v->run_id && *v->run_id) {
		buf_puts(&run, v->run_id);
		model_id(&node, v->name, v->version);
		err = walk_run(g, run.ptr, 1, 0, 1);
		buf_reset(&run);
		buf_printf(&run, "run:%s", v->run_id);
		if (!err)
			add_edge(g, run.ptr, node.ptr, "registered", NULL);
	}
	buf_release(&node);
	buf_release(&run);
	cairn_model_version_free(v);
	return err;
}

/*
 * A deployment and, upstream, each model version it served (an edge
 * "served" per role) and what those came from.
 */
static int walk_deployment(struct graph *g, const char *name, int up)
{
	struct buf node = BUF_INIT, uri = BUF_INIT, model = BUF_INIT;
	cairn_deployment *d;
	json_t *s;
	size_t i;
	int err;

	if ((err = cairn_deployment_get(&d, g->repo, name)) < 0)
		return err;
	cairn_deployment_free(d);
	if ((err = add_deployment(g, name)) < 0 || !up || (err = load_served(g)) < 0)
		return err;
	deployment_id(&node, name);
	json_array_foreach(g->served, i, s) {
		const char *m = json_string_value(json_object_get(s, "model"));
		uint64_t version = (uint64_t)json_integer_value(json_object_get(s, "version"));

		if (strcmp(json_string_value(json_object_get(s, "deployment")), name))
			continue;
		buf_reset(&uri);
		buf_printf(&uri, "models:/%s/%llu", m, (unsigned long long)version);
		err = walk_model(g, uri.ptr, 1, 0);
		if (err == CAIRN_ENOTFOUND) { /* a version deleted since */
			cairn_error_reset();
			err = 0;
			continue;
		}
		if (err < 0)
			break;
		model_id(&model, m, version);
		add_edge(g, model.ptr, node.ptr, "served",
			 json_string_value(json_object_get(s, "role")));
	}
	buf_release(&node);
	buf_release(&uri);
	buf_release(&model);
	return err;
}

int cairn_lineage_json(cairn_buf *out, cairn_repo *repo, cairn_lineage_kind kind,
		       const char *spec, unsigned int directions)
{
	struct graph g = { repo, json_array(), json_object(), json_array(),
			   json_object(), json_object(), NULL };
	cairn_data_version *dv = NULL;
	int up = !directions || (directions & CAIRN_LINEAGE_UPSTREAM),
	    down = !directions || (directions & CAIRN_LINEAGE_DOWNSTREAM);
	cairn_buf runid = CAIRN_BUF_INIT;
	json_t *o;
	char *text;
	int err;

	if ((err = cairn_repo__need_local(repo)) < 0)
		goto done;
	if (!spec || !*spec) {
		err = cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
				       "lineage of what? name a data set version, a run "
				       "or a model version");
		goto done;
	}
	switch (kind) {
	case CAIRN_LINEAGE_DATA:
		if ((err = cairn_data_lookup(&dv, repo, spec)) == 0)
			err = walk_data(&g, dv, up, down, 0);
		break;
	case CAIRN_LINEAGE_RUN:
		if ((err = cairn_run_resolve(&runid, repo, spec)) == 0)
			err = walk_run(&g, runid.ptr, up, down, 0);
		break;
	case CAIRN_LINEAGE_MODEL:
		err = walk_model(&g, spec, up, down);
		break;
	case CAIRN_LINEAGE_DEPLOYMENT:
		err = walk_deployment(&g, spec, up);
		break;
	default:
		err = cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
				       "unknown kind of lineage node");
	}
	if (err < 0)
		goto done;
	o = json_pack("{s:O, s:O, s:O}", "root",
		      json_object_get(json_array_get(g.nodes, 0), "node"),
		      "nodes", g.nodes, "edges", g.edges);
	text = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	if (!text) {
		err = cairn_error_set(CAIRN_ERRCLASS_INVALID,
				      "cannot write the lineage graph");
		goto done;
	}
	out->ptr = text;
	out->size = strlen(text);
	out->asize = out->size + 1;
done:
	cairn_buf_dispose(&runid);
	cairn_data_version_free(dv);
	json_decref(g.visited);
	json_decref(g.nodes);
	json_decref(g.index);
	json_decref(g.edges);
	json_decref(g.edge_index);
	json_decref(g.served);
	return err;
}
