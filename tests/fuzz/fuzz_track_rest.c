/*
 * fuzz_track_rest.c: libFuzzer target for what the REST tracking backend
 * makes of a server's answers (track_rest_json.c): the bytes as an error
 * body, and, when they are JSON, as a Run, an Experiment and a metric
 * value.
 *
 * Any answer may be refused, but never crash, leak or print; an error
 * body always maps to a negative code with a message; a Run that parses
 * has a run id and an experiment id, and every input a name and an id.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>

#include "lib/track_rest.h"
#include "util/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *o;
	cairn_run *run = NULL;
	cairn_experiment e;
	double d;
	size_t i;

	if (rest_error(400, (const char *)data, size, "http://fuzz") >= 0 ||
	    !cairn_error_last()->message[0])
		abort();
	o = json_loadb((const char *)data, size, JSON_DECODE_ANY, NULL);
	if (!o)
		return 0;
	if (rest_run_parse(&run, o) == 0) {
		const cairn_run_info *info = cairn_run_info_get(run);

		if (!info->run_id || !info->experiment_id || !info->lifecycle_stage)
			abort();
		for (i = 0; i < cairn_run_input_count(run); i++)
			if (!cairn_run_input_get(run, i)->name || !cairn_run_input_get(run, i)->id)
				abort();
		cairn_run_free(run);
	} else if (run) {
		abort();
	}
	if (rest_experiment_parse(&e, o) == 0) {
		free((char *)e.id);
		free((char *)e.name);
		free((char *)e.lifecycle_stage);
	}
	rest_json_double(&d, o);
	json_decref(o);
	return 0;
}
