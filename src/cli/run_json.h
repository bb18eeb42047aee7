/*
 * run_json.h: a run as JSON in MLflow's shape ({"info": ..., "data":
 * {"metrics", "params", "tags"}, "inputs": ...}), for --json output.
 */
#ifndef CAIRN_CLI_RUN_JSON_H
#define CAIRN_CLI_RUN_JSON_H

#include <jansson.h>

#include "cairn.h"

json_t *run_json(const cairn_run *run);
/* A double as JSON: a number, or "NaN" / "Infinity" / "-Infinity". */
json_t *number_json(double v);

#endif
