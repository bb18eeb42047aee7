/*
 * run_read.c: a cairn_run (info, params, latest metrics, tags, inputs:
 * cairn data set versions and MLflow dataset records): building one
 * (run.h), reading it, and the local store's run reads and metric
 * histories.
 *
 * A cairn_run owns copies of everything it shows; the strings of its
 * entries live as long as the run.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/repo.h"
#include "lib/run.h"
#include "lib/track_local.h"
#include "util/alloc.h"
#include "util/banned.h"

cairn_run *run_new(void)
{
	return xcalloc(1, sizeof(struct cairn_run));
}

int run_add_param(const char *k, const char *v, void *payload)
{
	struct cairn_run *r = payload;

	ALLOC_GROW(r->params, r->nparams + 1, r->aparams);
	r->params[r->nparams].key = xstrdup(k);
	r->params[r->nparams++].value = xstrdup(v);
	return 0;
}

int run_add_tag(const char *k, const char *v, void *payload)
{
	struct cairn_run *r = payload;

	ALLOC_GROW(r->tags, r->ntags + 1, r->atags);
	r->tags[r->ntags].key = xstrdup(k);
	r->tags[r->ntags++].value = xstrdup(v);
	return 0;
}

int run_add_metric(const cairn_metric *m, void *payload)
{
	struct cairn_run *r = payload;

	ALLOC_GROW(r->metrics, r->nmetrics + 1, r->ametrics);
	r->metrics[r->nmetrics] = *m;
	r->metrics[r->nmetrics++].key = xstrdup(m->key);
	return 0;
}

int run_add_input(const cairn_run_input *in, void *payload)
{
	struct cairn_run *r = payload;
	cairn_run_input *c;

	ALLOC_GROW(r->inputs, r->ninputs + 1, r->ainputs);
	c = &r->inputs[r->ninputs++];
	c->name = xstrdup(in->name);
	c->version = in->version;
	c->id = xstrdup(in->id);
	c->context = xstrdup(in->context ? in->context : "");
	return 0;
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

int run_add_dataset(const cairn_dataset_input *in, void *payload)
{
	struct cairn_run *r = payload;
	cairn_dataset_input *c;
	cairn_kv *tags;
	size_t i;

	ALLOC_GROW(r->datasets, r->ndatasets + 1, r->adatasets);
	c = &r->datasets[r->ndatasets++];
	c->dataset.name = xstrdup(in->dataset.name);
	c->dataset.digest = xstrdup(in->dataset.digest);
	c->dataset.source_type = xstrdup(in->dataset.source_type);
	c->dataset.source = xstrdup(in->dataset.source);
	c->dataset.schema = dup_or_null(in->dataset.schema);
	c->dataset.profile = dup_or_null(in->dataset.profile);
	tags = xcalloc(in->ntags + 1, sizeof(*tags));
	for (i = 0; i < in->ntags; i++) {
		tags[i].key = xstrdup(in->tags[i].key);
		tags[i].value = xstrdup(in->tags[i].value);
	}
	c->tags = tags;
	c->ntags = in->ntags;
	return 0;
}

int run_add_model(const char *model_id, int output, int64_t step,
		  void *payload)
{
	struct cairn_run *r = payload;

	if (!output) {
		ALLOC_GROW(r->model_inputs, r->nmodel_inputs + 1, r->amodel_inputs);
		r->model_inputs[r->nmodel_inputs++] = xstrdup(model_id);
		return 0;
	}
	ALLOC_GROW(r->model_outputs, r->nmodel_outputs + 1, r->amodel_outputs);
	r->model_outputs[r->nmodel_outputs].model_id = xstrdup(model_id);
	r->model_outputs[r->nmodel_outputs++].step = step;
	return 0;
}

static void dataset_input_release(cairn_dataset_input *in)
{
	size_t i;

	free((char *)in->dataset.name);
	free((char *)in->dataset.digest);
	free((char *)in->dataset.source_type);
	free((char *)in->dataset.source);
	free((char *)in->dataset.schema);
	free((char *)in->dataset.profile);
	for (i = 0; i < in->ntags; i++) {
		free((char *)in->tags[i].key);
		free((char *)in->tags[i].value);
	}
	free((cairn_kv *)in->tags);
}

int local_run_get(cairn_run **out, cairn_repo *repo, const char *run_id)
{
	static const struct db_run_reader reader = {
		run_add_param, run_add_tag, run_add_metric, run_add_input
	};
	struct cairn_run *r = run_new();
	int err;

	if ((err = db_begin_read(repo->db)) < 0)
		goto fail;
	err = db_run_get(&r->row, repo->db, run_id);
	if (!err)
		err = db_run_read(repo->db, r->row.key, &reader, r);
	if (!err)
		err = db_dataset_inputs_read(repo->db, r->row.key, run_add_dataset, r);
	if (!err)
		err = db_run_models_read(repo->db, r->row.key, run_add_model, r);
	db_rollback(repo->db);
	if (err < 0)
		goto fail;
	*out = r;
	return 0;
fail:
	cairn_run_free(r);
	return err;
}

void cairn_run_free(cairn_run *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->nparams; i++) {
		free((char *)r->params[i].key);
		free((char *)r->params[i].value);
	}
	for (i = 0; i < r->ntags; i++) {
		free((char *)r->tags[i].key);
		free((char *)r->tags[i].value);
	}
	for (i = 0; i < r->nmetrics; i++)
		free((char *)r->metrics[i].key);
	for (i = 0; i < r->ninputs; i++) {
		free((char *)r->inputs[i].name);
		free((char *)r->inputs[i].id);
		free((char *)r->inputs[i].context);
	}
	for (i = 0; i < r->ndatasets; i++)
		dataset_input_release(&r->datasets[i]);
	for (i = 0; i < r->nmodel_outputs; i++)
		free((char *)r->model_outputs[i].model_id);
	for (i = 0; i < r->nmodel_inputs; i++)
		free(r->model_inputs[i]);
	free(r->model_outputs);
	free(r->model_inputs);
	free(r->params);
	free(r->tags);
	free(r->metrics);
	free(r->inputs);
	free(r->datasets);
	db_run_clear(&r->row);
	free(r);
}

const cairn_run_info *cairn_run_info_get(const cairn_run *run)
{
	return &run->row.info;
}

size_t cairn_run_param_count(const cairn_run *run)
{
	return run->nparams;
}

const cairn_kv *cairn_run_param(const cairn_run *run, size_t i)
{
	return i < run->nparams ? &run->params[i] : NULL;
}

size_t cairn_run_tag_count(const cairn_run *run)
{
	return run->ntags;
}

const cairn_kv *cairn_run_tag(const cairn_run *run, size_t i)
{
	return i < run->ntags ? &run->tags[i] : NULL;
}

size_t cairn_run_metric_count(const cairn_run *run)
{
	return run->nmetrics;
}

const cairn_metric *cairn_run_metric(const cairn_run *run, size_t i)
{
	return i < run->nmetrics ? &run->metrics[i] : NULL;
}

size_t cairn_run_input_count(const cairn_run *run)
{
	return run->ninputs;
}

const cairn_run_input *cairn_run_input_get(const cairn_run *run, size_t i)
{
	return i < run->ninputs ? &run->inputs[i] : NULL;
}

size_t cairn_run_dataset_input_count(const cairn_run *run)
{
	return run->ndatasets;
}

const cairn_dataset_input *cairn_run_dataset_input(const cairn_run *run,
						   size_t i)
{
	return i < run->ndatasets ? &run->datasets[i] : NULL;
}

size_t cairn_run_model_output_count(const cairn_run *run)
{
	return run->nmodel_outputs;
}

const cairn_model_output *cairn_run_model_output(const cairn_run *run,
						 size_t i)
{
	return i < run->nmodel_outputs ? &run->model_outputs[i] : NULL;
}

size_t cairn_run_model_input_count(const cairn_run *run)
{
	return run->nmodel_inputs;
}

const char *cairn_run_model_input(const cairn_run *run, size_t i)
{
	return i < run->nmodel_inputs ? run->model_inputs[i] : NULL;
}

int local_metric_history(cairn_repo *repo, const char *run_id, const char *key,
			 int (*cb)(const cairn_metric *m, void *payload),
			 void *payload)
{
	struct db_run r;
	int err;

	if ((err = db_begin_read(repo->db)) < 0)
		return err;
	if ((err = db_run_get(&r, repo->db, run_id)) == 0) {
		err = db_metric_history(repo->db, r.key, key, cb, payload);
		db_run_clear(&r);
	}
	db_rollback(repo->db);
	return err;
}
