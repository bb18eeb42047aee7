/*
 * logged_model_filter.h: the filter and order of logged-model searches
 * (logged_model_filter.c), the part of MLflow's search_logged_models
 * grammar cairn supports. Filters are untrusted bytes from clients: every
 * input either parses or is refused with CAIRN_EINVALID and a message
 * that says what is not supported.
 */
#ifndef CAIRN_LIB_LOGGED_MODEL_FILTER_H
#define CAIRN_LIB_LOGGED_MODEL_FILTER_H

#include <stddef.h>

#include "cairn.h"

struct lm_clause;

struct lm_filter {
	struct lm_clause *clauses;
	size_t n;
};

/* Parse filter (NULL or blank: matches everything). */
int lm_filter_parse(struct lm_filter *out, const char *filter);
int lm_filter_match(const struct lm_filter *f, const cairn_logged_model *m);
void lm_filter_release(struct lm_filter *f);

/* Check an order_by field; CAIRN_EINVALID with MLflow's message if bad. */
int lm_order_check(const cairn_logged_model_order *o);
/* <0, 0, >0: a before b by the orders, then creation DESC, then id. */
int lm_order_compare(const cairn_logged_model_order *orders, size_t n,
		     const cairn_logged_model *a, const cairn_logged_model *b);

#endif
