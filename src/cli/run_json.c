/*
 * run_json.c: runs as JSON in MLflow's entity shapes (see run_json.h).
 */
#include <math.h>

#include "cli/run_json.h"
#include "util/banned.h"

json_t *number_json(double v)
{
	if (isnan(v))
		return json_string("NaN");
	if (isinf(v))
		return json_string(v > 0 ? "Infinity" : "-Infinity");
	return json_real(v);
}

json_t *run_json(const cairn_run *run)
{
	const cairn_run_info *i = cairn_run_info_get(run);
	json_t *info, *metrics = json_array(), *params = json_array(),
	       *tags = json_array(), *inputs = json_array();
	size_t k;

	info = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:s}", "run_id", i->run_id,
			 "run_uuid", i->run_id, "run_name", i->name, "experiment_id",
			 i->experiment_id, "user_id", i->user_id, "status",
			 cairn_run_status_name(i->status), "start_time",
			 (json_int_t)i->start_time, "lifecycle_stage", i->lifecycle_stage);
	if (i->end_time)
		json_object_set_new(info, "end_time", json_integer(i->end_time));
	if (i->parent_run_id)
		json_object_set_new(info, "parent_run_id", json_string(i->parent_run_id));
	for (k = 0; k < cairn_run_metric_count(run); k++) {
		const cairn_metric *m = cairn_run_metric(run, k);
		json_t *o = json_pack("{s:s, s:I, s:I}", "key", m->key, "timestamp",
				      (json_int_t)m->timestamp, "step", (json_int_t)m->step);

		json_object_set_new(o, "value", number_json(m->value));
		json_array_append_new(metrics, o);
	}
	for (k = 0; k < cairn_run_param_count(run); k++)
		json_array_append_new(params, json_pack("{s:s, s:s}", "key",
							cairn_run_param(run, k)->key, "value",
							cairn_run_param(run, k)->value));
	for (k = 0; k < cairn_run_tag_count(run); k++)
		json_array_append_new(tags, json_pack("{s:s, s:s}", "key",
						      cairn_run_tag(run, k)->key, "value",
						      cairn_run_tag(run, k)->value));
	for (k = 0; k < cairn_run_input_count(run); k++) {
		const cairn_run_input *in = cairn_run_input_get(run, k);

		json_array_append_new(inputs, json_pack("{s:s, s:I, s:s, s:s}", "name",
							in->name, "version",
							(json_int_t)in->version, "id", in->id,
							"context", in->context));
	}
	return json_pack("{s:o, s:{s:o, s:o, s:o}, s:o}", "info", info, "data",
			 "metrics", metrics, "params", params, "tags", tags, "inputs",
			 inputs);
}
