/*
 * policy_gates.c: checking a policy's gates (policy.h) for a promotion,
 * inside the promotion's transaction, so that the facts checked are the
 * facts at the moment of the move.
 *
 * The facts come from the candidate version's source run (and, for
 * "metrics.KEY OP current", the current holder's): its latest metric
 * values, and the contexts of its data set inputs (cairn data set
 * versions logged with a context, and MLflow dataset inputs with an
 * mlflow.data.context tag). A version without a source run fails every
 * gate that needs one. A current-holder comparison passes when nothing
 * holds the target, or when the holder's run lacks the metric (there is
 * nothing to be worse than); the message of the promotion says so.
 * Approvals are not checked here but by the promotion (promotion.c),
 * which looks for an approved request.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/policy.h"
#include "lib/promotion.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/banned.h"

struct fact_metric {
	char *key;
	double value;
};

struct run_facts {
	const char *run_id; /* borrowed from the version; NULL: none */
	int found;
	struct fact_metric *metrics;
	size_t nmetrics, ametrics;
	char **contexts;
	size_t ncontexts, acontexts;
};

static int skip_kv(const char *k, const char *v, void *payload)
{
	(void)k;
	(void)v;
	(void)payload;
	return 0;
}

static int add_metric(const cairn_metric *m, void *payload)
{
	struct run_facts *f = payload;

	ALLOC_GROW(f->metrics, f->nmetrics + 1, f->ametrics);
	f->metrics[f->nmetrics].key = xstrdup(m->key);
	f->metrics[f->nmetrics++].value = m->value;
	return 0;
}

static void add_context(struct run_facts *f, const char *context)
{
	ALLOC_GROW(f->contexts, f->ncontexts + 1, f->acontexts);
	f->contexts[f->ncontexts++] = xstrdup(context);
}

static int add_input(const cairn_run_input *in, void *payload)
{
	if (in->context && *in->context)
		add_context(payload, in->context);
	return 0;
}

static int add_dataset_input(const cairn_dataset_input *in, void *payload)
{
	size_t i;

	for (i = 0; i < in->ntags; i++)
		if (!strcmp(in->tags[i].key, "mlflow.data.context"))
			add_context(payload, in->tags[i].value);
	return 0;
}

static void facts_release(struct run_facts *f)
{
	size_t i;

	for (i = 0; i < f->nmetrics; i++)
		free(f->metrics[i].key);
	for (i = 0; i < f->ncontexts; i++)
		free(f->contexts[i]);
	free(f->metrics);
	free(f->contexts);
	memset(f, 0, sizeof(*f));
}

static int facts_load(struct run_facts *f, cairn_repo *repo,
		      const cairn_model_version *v)
{
	static const struct db_run_reader reader = {
		skip_kv, skip_kv, add_metric, add_input
	};
	struct db_run r;
	int err;

	memset(f, 0, sizeof(*f));
	if (!v || !v->run_id)
		return 0;
	f->run_id = v->run_id;
	err = db_run_get(&r, repo->db, v->run_id);
	if (err == CAIRN_ENOTFOUND) {
		cairn_error_reset();
		return 0;
	}
	if (err < 0)
		return err;
	f->found = 1;
	err = db_run_read(repo->db, r.key, &reader, f);
	if (!err)
		err = db_dataset_inputs_read(repo->db, r.key, add_dataset_input, f);
	db_run_clear(&r);
	return err < 0 ? err : 0;
}

static const struct fact_metric *find_metric(const struct run_facts *f,
					     const char *key)
{
	size_t i;

	for (i = 0; i < f->nmetrics; i++)
		if (!strcmp(f->metrics[i].key, key))
			return &f->metrics[i];
	return NULL;
}

/* The run's first 8 hex digits, as `cairn runs` abbreviates it. */
static void short_run(struct buf *out, const char *run_id)
{
	buf_printf(out, "run %.8s", run_id);
}

/* Start a failure: "gate 'TEXT' failed: ". */
static void fail(struct buf *out, const struct gate *g)
{
	if (out->len)
		buf_puts(out, "; ");
	buf_puts(out, "gate '");
	policy_gate_format(out, g);
	buf_puts(out, "' failed: ");
}

static void check_metric(struct buf *out, const struct gate *g,
			 const cairn_model_version *cand,
			 const struct run_facts *f)
{
	const struct fact_metric *m;

	if (!f->run_id || !f->found) {
		fail(out, g);
		buf_printf(out, "version %llu has no source run",
			   (unsigned long long)cand->version);
		if (f->run_id)
			buf_printf(out, " (run %s is gone)", f->run_id);
		return;
	}
	if (!(m = find_metric(f, g->key))) {
		fail(out, g);
		short_run(out, f->run_id);
		buf_printf(out, " has no metric %s", g->key);
		return;
	}
	if (!policy_compare(m->value, g->op, g->value)) {
		fail(out, g);
		short_run(out, f->run_id);
		buf_printf(out, " has %s %.6g", g->key, m->value);
	}
}

static void check_current(struct buf *out, const struct gate *g,
			  const cairn_model_version *cand,
			  const struct run_facts *f,
			  const cairn_model_version *cur,
			  const struct run_facts *cf)
{
	const struct fact_metric *m, *c;

	if (!cur || !cf->found || !(c = find_metric(cf, g->key)))
		return; /* nothing to be worse than */
	if (!f->run_id || !f->found) {
		fail(out, g);
		buf_printf(out, "version %llu has no source run",
			   (unsigned long long)cand->version);
		return;
	}
	if (!(m = find_metric(f, g->key))) {
		fail(out, g);
		short_run(out, f->run_id);
		buf_printf(out, " has no metric %s", g->key);
		return;
	}
	if (!policy_compare(m->value, g->op, c->value)) {
		fail(out, g);
		short_run(out, f->run_id);
		buf_printf(out, " has %s %.6g, the current holder (version %llu, "
			   "run %.8s) has %.6g", g->key, m->value,
			   (unsigned long long)cur->version, cf->run_id, c->value);
	}
}

static void check_input(struct buf *out, const struct gate *g,
			const cairn_model_version *cand,
			const struct run_facts *f)
{
	size_t i;

	if (!f->run_id || !f->found) {
		fail(out, g);
		buf_printf(out, "version %llu has no source run",
			   (unsigned long long)cand->version);
		return;
	}
	for (i = 0; i < f->ncontexts; i++)
		if (!strcmp(f->contexts[i], g->key))
			return;
	fail(out, g);
	short_run(out, f->run_id);
	buf_printf(out, " has no data set input with context '%s'", g->key);
}

int policy_check(struct buf *failures, cairn_repo *repo,
		 const struct policy *p, const cairn_model_version *cand,
		 const cairn_model_version *cur)
{
	struct run_facts f, cf;
	size_t i;
	int err;

	memset(&cf, 0, sizeof(cf));
	if ((err = facts_load(&f, repo, cand)) < 0 ||
	    (err = facts_load(&cf, repo, cur)) < 0)
		goto done;
	for (i = 0; i < p->n; i++) {
		const struct gate *g = &p->gates[i];

		if (g->kind == GATE_METRIC)
			check_metric(failures, g, cand, &f);
		else if (g->kind == GATE_CURRENT)
			check_current(failures, g, cand, &f, cur, &cf);
		else if (g->kind == GATE_INPUT)
			check_input(failures, g, cand, &f);
	}
done:
	facts_release(&f);
	facts_release(&cf);
	return err;
}
