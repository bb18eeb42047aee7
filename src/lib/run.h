/*
 * run.h: the inside of a cairn_run, so that both tracking backends can
 * build one: the local store from its rows (run_read.c), the REST backend
 * from a server's JSON (track_rest_json.c).
 *
 * A cairn_run owns copies of everything it shows: run_new() gives an
 * empty one whose row.info strings the builder fills with xstrdup'ed
 * copies; the run_add_* functions copy what they are given.
 */
#ifndef CAIRN_LIB_RUN_H
#define CAIRN_LIB_RUN_H

#include "lib/db.h"

struct cairn_run {
	struct db_run row;
	cairn_kv *params, *tags;
	size_t nparams, ntags, aparams, atags;
	cairn_metric *metrics;
	size_t nmetrics, ametrics;
	cairn_run_input *inputs;
	size_t ninputs, ainputs;
	cairn_dataset_input *datasets; /* MLflow dataset records */
	size_t ndatasets, adatasets;
	cairn_model_output *model_outputs; /* logged models made, used */
	size_t nmodel_outputs, amodel_outputs;
	char **model_inputs;
	size_t nmodel_inputs, amodel_inputs;
};

cairn_run *run_new(void);
/* These return 0, so they can serve as db_run_reader callbacks. */
int run_add_param(const char *key, const char *value, void *run);
int run_add_tag(const char *key, const char *value, void *run);
int run_add_metric(const cairn_metric *m, void *run);
int run_add_input(const cairn_run_input *in, void *run);
int run_add_dataset(const cairn_dataset_input *in, void *run);
/* A logged model the run used (output 0) or produced (1, at step). */
int run_add_model(const char *model_id, int output, int64_t step, void *run);

#endif
