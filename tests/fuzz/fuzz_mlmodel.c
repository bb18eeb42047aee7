/*
 * fuzz_mlmodel.c: libFuzzer target for MLflow MLmodel parsing (mlmodel.h).
 *
 * Any input may be refused, but never crash, leak or print; a refusal is
 * CAIRN_EINVALID and leaves nothing behind. What an accepted input gives
 * must be what the registry stores: flavors a JSON array of non-empty
 * strings (with flavor_conf an object naming each of them, whose members
 * are objects of strings and nulls), signature a JSON object whose members (inputs, outputs,
 * params) are strings. Anything else aborts, which libFuzzer (or the
 * replay driver, standalone_driver.c) reports as a failure.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/mlmodel.h"
#include "util/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok, const char *what)
{
	if (ok)
		return;
	fprintf(stderr, "fuzz_mlmodel: %s\n", what);
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mlmodel m;
	json_t *j, *v, *c;
	const char *key;
	size_t i;
	int err = mlmodel_parse(&m, (const char *)data, size, "MLmodel");

	if (err < 0) {
		check(err == CAIRN_EINVALID && !m.flavors && !m.signature &&
		      !m.flavor_conf,
		      "a refusal left something behind");
		return 0;
	}
	if (m.flavors) {
		j = json_loads(m.flavors, 0, NULL);
		check(json_is_array(j) && json_array_size(j) > 0, "flavors");
		json_array_foreach(j, i, v)
			check(json_is_string(v) && json_string_length(v) > 0, "flavor name");
		c = json_loads(m.flavor_conf ? m.flavor_conf : "", 0, NULL);
		check(json_is_object(c), "flavor_conf");
		json_array_foreach(j, i, v) {
			json_t *conf = json_object_get(c, json_string_value(v)), *s;

			check(json_is_object(conf), "a flavor's conf");
			json_object_foreach(conf, key, s)
				check(json_is_string(s) || json_is_null(s),
				      "a flavor setting");
		}
		check(json_object_size(c) <= json_array_size(j), "flavor_conf size");
		json_decref(c);
		json_decref(j);
	} else {
		check(!m.flavor_conf, "flavor_conf without flavors");
	}
	if (m.signature) {
		j = json_loads(m.signature, 0, NULL);
		check(json_is_object(j) && json_object_size(j) > 0, "signature");
		json_object_foreach(j, key, v)
			check(json_is_string(v) && (!strcmp(key, "inputs") ||
						    !strcmp(key, "outputs") ||
						    !strcmp(key, "params")),
			      "signature member");
		json_decref(j);
	}
	mlmodel_release(&m);
	return 0;
}
