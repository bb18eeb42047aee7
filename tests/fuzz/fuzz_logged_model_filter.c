/*
 * fuzz_logged_model_filter.c: libFuzzer target for logged-model search
 * filters and orders (logged_model_filter.h).
 *
 * The input is a filter, optionally followed by a newline and one
 * order_by field name. Any input may be refused, but only with
 * CAIRN_EINVALID and an empty filter, and never crash, leak or print; a
 * parsed filter is matched against two fixed models and an accepted order
 * compares them consistently (a before b exactly when not b before a).
 * Anything else aborts, which libFuzzer (or the replay driver) reports.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/logged_model_filter.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const cairn_kv params[] = { { "alpha", "0.5" } };
	static const cairn_kv tags[] = { { "team", "ml" } };
	static const cairn_model_metric metrics[] = {
		{ "m-0123456789abcdef0123456789abcdef", NULL, { "acc", 0.9, 10, 1 },
		  "test", NULL },
		{ "m-0123456789abcdef0123456789abcdef", NULL, { "acc", 0.8, 20, 1 },
		  NULL, NULL },
	};
	const cairn_logged_model a = {
		"m-0123456789abcdef0123456789abcdef", "0", "apple", "sklearn",
		NULL, CAIRN_LOGGED_MODEL_READY, 1000, 2000, params, 1, tags, 1,
		metrics, 2
	};
	const cairn_logged_model b = {
		"m-fedcba9876543210fedcba9876543210", "0", "banana", NULL,
		"0123456789abcdef0123456789abcdef", CAIRN_LOGGED_MODEL_PENDING, 1000,
		1500, NULL, 0, NULL, 0, NULL, 0
	};
	cairn_logged_model_order order = { NULL, 1 };
	struct lm_filter f;
	char *text = malloc(size + 1), *nl;
	int err;

	memcpy(text, data, size);
	text[size] = '\0';
	if ((nl = strchr(text, '\n'))) {
		*nl = '\0';
		order.field = nl + 1;
	}
	err = lm_filter_parse(&f, text);
	if (err < 0) {
		if (err != CAIRN_EINVALID || f.n || f.clauses)
			abort();
	} else {
		lm_filter_match(&f, &a);
		lm_filter_match(&f, &b);
		lm_filter_release(&f);
	}
	if (order.field && lm_order_check(&order) == 0) {
		int ab = lm_order_compare(&order, 1, &a, &b);
		int ba = lm_order_compare(&order, 1, &b, &a);

		if ((ab < 0) != (ba > 0) || !ab)
			abort();
	}
	free(text);
	return 0;
}
