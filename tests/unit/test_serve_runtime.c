/*
 * test_serve_runtime.c: the table of `cairn serve` (runtime.c): who
 * answers, published through one atomic pointer while requests read it.
 *
 * Reader threads do what a request does (enter the gate, take the
 * primary's version, leave, use it, release it) while the writer swaps
 * new versions in and flips back to kept ones, thousands of times; every
 * version a reader got must be whole and still referenced (ASan would
 * catch a use after free), and at the end every version no role keeps has
 * been freed. Then the keep rule: the last --keep versions of a role stay
 * loaded, the older ones go, and a flip to a kept one loads nothing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve/runtime_internal.h"
#include "util/alloc.h"

#define READERS 2
#define SWAPS 3000

static atomic_int versions_made;

static struct serve_runtime *runtime_new(unsigned keep)
{
	struct serve_runtime *rt = xcalloc(1, sizeof(*rt));

	rt->o.keep = keep;
	rt->slot[RT_PRIMARY].uri = xstrdup("models:/m@production");
	pthread_mutex_init(&rt->lock, NULL);
	pthread_cond_init(&rt->wake, NULL);
	return rt;
}

/* A version as rt_load() makes it, without a model behind it. */
static struct rt_version *version_new(struct serve_runtime *rt, uint64_t n)
{
	struct rt_version *v = xcalloc(1, sizeof(*v));
	char label[32];

	atomic_init(&v->refs, 1);
	v->model = xstrdup("m");
	v->number = n;
	snprintf(label, sizeof(label), "m/%llu", (unsigned long long)n);
	v->label = xstrdup(label);
	v->stats = serve_stats_new(60);
	ALLOC_GROW(rt->loaded, rt->nloaded + 1, rt->loaded_alloc);
	rt->loaded[rt->nloaded++] = v;
	atomic_fetch_add(&versions_made, 1);
	return v;
}

static int alive(struct serve_runtime *rt, uint64_t n)
{
	return rt_find_loaded(rt, "m", n) != NULL;
}

struct reader {
	struct serve_runtime *rt;
	atomic_int *stop;
	unsigned long reads;
	int bad;
};

static void *read_loop(void *arg)
{
	struct reader *r = arg;

	while (!atomic_load(r->stop)) {
		struct rt_version *v;
		struct rt_table *t;
		unsigned ticket;
		char want[32];

		t = rt_enter(r->rt, &ticket);
		v = t->role[RT_PRIMARY];
		rt_version_get(v);
		rt_leave(r->rt, ticket);
		snprintf(want, sizeof(want), "m/%llu", (unsigned long long)v->number);
		if (strcmp(v->label, want) || atomic_load(&v->refs) < 1)
			r->bad = 1;
		serve_stats_record(v->stats, 0, 10, SERVE_OK);
		rt_version_put(v);
		r->reads++;
	}
	return NULL;
}

static void test_swaps_under_readers(void **state)
{
	struct serve_runtime *rt = runtime_new(2);
	struct reader readers[READERS];
	pthread_t threads[READERS];
	atomic_int stop;
	uint64_t n;
	int i;

	(void)state;
	atomic_init(&stop, 0);
	atomic_store(&versions_made, 0);
	rt_slot_push(rt, &rt->slot[RT_PRIMARY], version_new(rt, 1));
	rt_publish(rt);
	for (i = 0; i < READERS; i++) {
		readers[i] = (struct reader){ rt, &stop, 0, 0 };
		assert_int_equal(pthread_create(&threads[i], NULL, read_loop,
						&readers[i]), 0);
	}
	for (n = 2; n <= SWAPS; n++) {
		/* A new version, then every third time a flip back to the kept one. */
		rt_slot_push(rt, &rt->slot[RT_PRIMARY], version_new(rt, n));
		rt_publish(rt);
		if (n % 3 == 0) {
			rt_slot_push(rt, &rt->slot[RT_PRIMARY], rt->slot[RT_PRIMARY].kept[1]);
			rt_publish(rt);
		}
		assert_true(rt->nloaded <= 2);
	}
	atomic_store(&stop, 1);
	for (i = 0; i < READERS; i++) {
		pthread_join(threads[i], NULL);
		assert_false(readers[i].bad);
		assert_true(readers[i].reads > 0);
	}
	/* Only what the role keeps is loaded (LeakSanitizer checks the rest). */
	assert_int_equal(atomic_load(&versions_made), SWAPS);
	assert_int_equal(rt->nloaded, 2);
	serve_runtime_free(rt);
}

static void test_keep(void **state)
{
	struct serve_runtime *rt = runtime_new(2);
	struct rt_version *v1, *v2, *v3;
	struct rt_table *t;
	unsigned ticket;

	(void)state;
	v1 = version_new(rt, 1);
	rt_slot_push(rt, &rt->slot[RT_PRIMARY], v1);
	rt_publish(rt);
	v2 = version_new(rt, 2);
	rt_slot_push(rt, &rt->slot[RT_PRIMARY], v2);
	rt_publish(rt);
	assert_true(alive(rt, 1) && alive(rt, 2));

	/* A rollback to a kept version is a flip: nothing loaded, nothing freed. */
	rt_slot_push(rt, &rt->slot[RT_PRIMARY], v1);
	rt_publish(rt);
	t = rt_enter(rt, &ticket);
	assert_ptr_equal(t->role[RT_PRIMARY], v1);
	assert_int_equal(t->n, 2);
	rt_leave(rt, ticket);

	/* A third version pushes out the oldest one used: 2. */
	v3 = version_new(rt, 3);
	rt_slot_push(rt, &rt->slot[RT_PRIMARY], v3);
	rt_publish(rt);
	assert_true(alive(rt, 3) && alive(rt, 1));
	assert_false(alive(rt, 2));

	/* A request still holding a version keeps it until it is done. */
	rt_version_get(v1);
	rt_slot_push(rt, &rt->slot[RT_PRIMARY], version_new(rt, 4));
	rt_publish(rt);
	assert_false(alive(rt, 1));
	assert_string_equal(v1->label, "m/1");
	rt_version_put(v1);

	/* The canary's percent counts only while a canary serves. */
	rt->canary_percent = 30;
	rt_publish(rt);
	t = rt_enter(rt, &ticket);
	assert_int_equal(t->canary_percent, 0);
	rt_leave(rt, ticket);
	serve_runtime_free(rt);
}

static void test_parse_alias(void **state)
{
	struct rt_slot s;

	(void)state;
	memset(&s, 0, sizeof(s));
	assert_int_equal(rt_parse_alias(&s, "models:/churn@production"), 1);
	assert_string_equal(s.model, "churn");
	assert_string_equal(s.alias, "production");
	assert_int_equal(rt_parse_alias(&s, "models:/a@b@c"), 1);
	assert_string_equal(s.model, "a@b");
	assert_string_equal(s.alias, "c");
	assert_int_equal(rt_parse_alias(&s, "models:/churn/Production"), 0);
	assert_null(s.model);
	assert_int_equal(rt_parse_alias(&s, "models:/churn/3"), 0);
	assert_int_equal(rt_parse_alias(&s, "models:/@x"), 0);
	assert_int_equal(rt_parse_alias(&s, "models:/x@"), 0);
	assert_int_equal(rt_parse_alias(&s, "runs:/x@y"), 0);
	assert_int_equal(rt_parse_alias(&s, ""), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_swaps_under_readers),
		cmocka_unit_test(test_keep),
		cmocka_unit_test(test_parse_alias),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
