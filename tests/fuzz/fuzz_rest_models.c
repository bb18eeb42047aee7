/*
 * fuzz_rest_models.c: libFuzzer target for what serving makes of a cairn
 * server's answers (track_rest_models.c): the bytes, when they are JSON,
 * as a model version, a deployment and a deployment event.
 *
 * Any answer may be refused, but never crash, leak or print; a version
 * that parses has a name, a version above 0 and strings everywhere the
 * local store would have them; a deployment a name, a model URI and a
 * percent of at most 100; an event a "deployment." action and details
 * that are a JSON object.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/track_rest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cairn_model_version *v = NULL;
	cairn_deployment d;
	cairn_deployment_event e;
	json_t *o, *back;
	char *details;

	o = json_loadb((const char *)data, size, JSON_DECODE_ANY, NULL);
	if (!o)
		return 0;
	if (rest_model_version_parse(&v, o) == 0) {
		if (!v->name || !v->version || !v->source || !v->description ||
		    !v->run_link)
			abort();
		cairn_model_version_free(v);
	} else if (v) {
		abort();
	}
	if (rest_deployment_parse(&d, o) == 0 &&
	    (!d.name || !d.model_uri || d.canary_percent > 100))
		abort();
	if (rest_deployment_event_parse(&e, &details, o) == 0) {
		back = json_loads(e.details, 0, NULL);
		if (strncmp(e.action, "deployment.", 11) || !json_is_object(back))
			abort();
		json_decref(back);
	}
	free(details);
	json_decref(o);
	return 0;
}
