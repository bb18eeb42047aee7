/*
 * run_filter.h: MLflow run-search filters and order_by lists, compiled to
 * parameterized SQL over the tracking schema (db_sqlite.c, migration 2).
 *
 * The grammar, semantics and error messages are MLflow's
 * (mlflow/utils/search_utils.py SearchUtils, as used by its SQL store):
 *
 *	filter     := comparison ( AND comparison )*
 *	comparison := identifier comparator value
 *	identifier := [prefix "."] key       (no prefix: an attribute)
 *	prefix     := metric(s) | param(s) | parameter(s) | tag(s) |
 *	              attribute(s) | attr | run | dataset(s)
 *	key        := bare.word | `back-quoted` | "double-quoted"
 *	value      := number | 'single' | "double" | ( 'a', 'b', ... )
 *	order_by   := identifier [ASC | DESC]
 *
 * The SQL is written over the alias `r` for the runs table; no byte of the
 * filter ever lands in the SQL text, every user value is a bound
 * parameter. Errors are CAIRN_EINVALID with MLflow's message text (which,
 * unlike cairn's own messages, is capitalized: clients match on it).
 */
#ifndef CAIRN_LIB_RUN_FILTER_H
#define CAIRN_LIB_RUN_FILTER_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

/* More bound values than this (long IN lists) is refused. */
#define RUN_FILTER_MAX_VALUES 10000

enum sql_value_type { SQL_TEXT, SQL_INT, SQL_REAL };

struct sql_value {
	enum sql_value_type type;
	char *text; /* SQL_TEXT: owned, NUL-terminated */
	int64_t i;  /* SQL_INT */
	double d;   /* SQL_REAL */
};

/*
 * A compiled search. Placeholders are anonymous `?`, which SQLite numbers
 * in the order they appear in the statement text. With
 *
 *	SELECT ... FROM runs r WHERE r.experiment_id IN (?, ?) AND (<where>)
 *	ORDER BY <order> LIMIT ?
 *
 * bind the caller's two ids to 1 and 2, values[i] to 3 + i, and the limit
 * to 3 + nvalues. values[0..nwhere) belong to `where`, the rest to
 * `order`, for a caller that places the two apart.
 */
struct run_query {
	struct buf where;  /* boolean SQL expression over r; "1" if no filter */
	struct buf order;  /* ORDER BY items, comma-separated, ending with the
			    * tie-breakers r.start_time DESC (unless sorted on
			    * already) and r.run_uuid */
	struct sql_value *values; /* bind values, in placeholder order */
	size_t nvalues;
	size_t nwhere;     /* how many of values belong to where */
	size_t values_alloc;
	/*
	 * When the first order key is a metric: its key and direction, and
	 * the ORDER BY items after it (values: values[nwhere + 2 ..]).
	 */
	char *fast_key;
	int fast_asc;
	struct buf order_rest;
};
#define RUN_QUERY_INIT { BUF_INIT, BUF_INIT, NULL, 0, 0, 0, NULL, 0, BUF_INIT }

/*
 * Compile `filter` (NULL or blank: every run) and `order_by` (norder
 * strings; none: start time, newest first) into *out, which need not be
 * initialized. On error *out is left empty (run_query_release() is still
 * allowed) and CAIRN_EINVALID is returned.
 *
 * Semantics, as MLflow's SQL store:
 * - metrics.<k> compares the run's latest value of k; runs without k never
 *   match. A NaN latest value (is_nan = 1) behaves as IEEE NaN does: it is
 *   never =, <, <=, > or >= to anything and always != (as MLflow's
 *   in-memory filter; its SQL store compares the stored 0 instead).
 * - params/tags: the run must have the key, compared case-sensitively
 *   (=, !=, LIKE) or not (ILIKE). LIKE is case-sensitive only on a
 *   connection with PRAGMA case_sensitive_like = ON.
 * - attributes: run_id, run_name (also `run name`, `Run name`, `Run Name`),
 *   user_id, status, artifact_uri (mlflow-artifacts:/<exp>/<run>/artifacts)
 *   compare as strings; run_id alone also takes IN / NOT IN lists, from
 *   which, as in MLflow, ids that are not lower case (Python's
 *   str.islower(): no upper-case letter and at least one lower-case one)
 *   are dropped. start_time (also created, Created) and end_time compare
 *   as numbers; a running run has no end_time and never matches one.
 * - datasets.{name,digest,context}: some input of the run matches (its
 *   data set name, oid, context); IN / NOT IN lists allowed. An empty
 *   context means the input has none, and matches nothing.
 * - order_by: missing values sort last in both directions; metric NaN
 *   sorts after numbers and before missing values; a key given twice is
 *   an error.
 */
int run_filter_compile(struct run_query *out, const char *filter,
		       const char *const *order_by, size_t norder);

void run_query_release(struct run_query *q);

#endif
