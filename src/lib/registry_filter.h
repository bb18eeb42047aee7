/*
 * registry_filter.h: MLflow's search filters and order_by lists for the
 * model registry, compiled to parameterized SQL over the registry schema
 * (db_sqlite.c, migration 5).
 *
 * The grammar is the one of run searches (run_filter.h), with fewer
 * identifiers (shared/ref/mlflow-rest.md sections 2.3 and 2.4):
 *
 *	registered models: name (= != LIKE ILIKE), tags.KEY (same);
 *	                   order by name, timestamp or last_updated_timestamp
 *	                   (both timestamps sort by the last update, as in
 *	                   MLflow's SQL store); default and tie-break name ASC
 *	model versions:    name, run_id (also IN (...)), source_path
 *	                   (= != LIKE ILIKE), version_number (= != < <= > >=),
 *	                   tags.KEY; order by name, version_number,
 *	                   creation_timestamp, last_updated_timestamp; default
 *	                   last_updated_timestamp DESC, name ASC,
 *	                   version_number DESC
 *
 * The SQL is written over the aliases `m` (registered_models) and `v`
 * (model_versions); no byte of the filter lands in the SQL text, every
 * value is bound. Errors are CAIRN_EINVALID.
 */
#ifndef CAIRN_LIB_REGISTRY_FILTER_H
#define CAIRN_LIB_REGISTRY_FILTER_H

#include <stddef.h>

#include "lib/run_filter.h"
#include "util/buf.h"

enum reg_target { REG_MODELS, REG_VERSIONS };

struct reg_query {
	struct buf where;         /* boolean SQL; "1" without a filter */
	struct buf order;         /* ORDER BY items */
	struct sql_value *values; /* bound to the where's `?`s, in order */
	size_t nvalues, alloc;
};
#define REG_QUERY_INIT { BUF_INIT, BUF_INIT, NULL, 0, 0 }

int reg_filter_compile(struct reg_query *out, enum reg_target target,
		       const char *filter, const char *const *order_by,
		       size_t norder);
void reg_query_release(struct reg_query *q);

/* MLflow's page tokens, base64 of {"offset": N}; NULL or "" is 0. */
int reg_page_token_parse(size_t *offset, const char *token);
void reg_page_token(struct buf *out, size_t offset);

#endif
