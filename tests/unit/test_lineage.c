/*
 * test_lineage.c: cairn_lineage_json() (lineage.c, db_sqlite_lineage.c)
 * on a fresh project: a data set version used by two runs in two contexts,
 * a model version registered from one of them; the graph from each kind of
 * node in each direction (nodes once, edges once, the root first), and the
 * errors for unknown nodes and kinds; data set versions produced by runs:
 * the walk through producers, the first producer kept, a run that used its
 * own output, a producer the store does not hold.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "cairn.h"
#include "util/buf.h"
#include "util/fs.h"

struct fixture {
	char dir[64];
	cairn_repo *repo;
	char run1[33], run2[33];
};

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

/*
 * Both runs start in the same millisecond, as two runs created back to
 * back often do: the graph must still list them in the order they were
 * created, not by their random ids.
 */
static void start_run(char out[33], cairn_repo *repo, const char *name)
{
	cairn_run_create_options o = CAIRN_RUN_CREATE_OPTIONS_INIT;
	cairn_buf id = CAIRN_BUF_INIT;

	o.name = name;
	o.start_time = 1700000000000;
	assert_int_equal(cairn_run_create(&id, repo, &o), 0);
	snprintf(out, 33, "%s", id.ptr);
	cairn_buf_dispose(&id);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	cairn_model_register_options r = CAIRN_MODEL_REGISTER_OPTIONS_INIT;
	cairn_model_version *v = NULL;
	struct buf p = BUF_INIT;

	snprintf(f->dir, sizeof(f->dir), "/tmp/cairn-test-lineage-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	assert_int_equal(cairn_repo_init(&f->repo, f->dir, NULL), 0);
	buf_printf(&p, "%s/d.csv", f->dir);
	write_file(p.ptr, "a,b\n1,2\n");
	assert_int_equal(cairn_data_add(f->repo, p.ptr, NULL, NULL, NULL), 0);
	buf_reset(&p);
	buf_printf(&p, "%s/model", f->dir);
	assert_int_equal(mkdir(p.ptr, 0755), 0);
	buf_puts(&p, "/w.bin");
	write_file(p.ptr, "w\n");
	start_run(f->run1, f->repo, "one");
	start_run(f->run2, f->repo, "two");
	assert_int_equal(cairn_log_input(f->repo, f->run1, "d.csv@v1", "training"), 0);
	assert_int_equal(cairn_log_input(f->repo, f->run1, "d.csv@v1", "evaluation"), 0);
	assert_int_equal(cairn_log_input(f->repo, f->run2, "d.csv@v1", "training"), 0);
	buf_reset(&p);
	buf_printf(&p, "%s/model", f->dir);
	assert_int_equal(cairn_log_artifact(f->repo, f->run1, p.ptr, NULL), 0);
	assert_int_equal(cairn_model_create(f->repo, "m", NULL, NULL, 0), 0);
	r.run = f->run1;
	r.path = "model";
	assert_int_equal(cairn_model_register(&v, f->repo, "m", &r), 0);
	cairn_model_version_free(v);
	buf_release(&p);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	cairn_repo_free(f->repo);
	fs_remove_tree(f->dir);
	free(f);
	return 0;
}

/* The graph, and its node ids and edges as "from>to:context|" strings. */
static json_t *graph(struct fixture *f, cairn_lineage_kind kind,
		     const char *spec, unsigned int dirs, struct buf *nodes,
		     struct buf *edges)
{
	cairn_buf text = CAIRN_BUF_INIT;
	json_t *g, *x;
	size_t i;

	assert_int_equal(cairn_lineage_json(&text, f->repo, kind, spec, dirs), 0);
	g = json_loads(text.ptr, 0, NULL);
	assert_non_null(g);
	cairn_buf_dispose(&text);
	buf_reset(nodes);
	buf_reset(edges);
	json_array_foreach(json_object_get(g, "nodes"), i, x)
		buf_printf(nodes, "%s|", json_string_value(json_object_get(x, "node")));
	json_array_foreach(json_object_get(g, "edges"), i, x) {
		const char *ctx = json_string_value(json_object_get(x, "context"));

		buf_printf(edges, "%s>%s:%s|",
			   json_string_value(json_object_get(x, "from")),
			   json_string_value(json_object_get(x, "to")), ctx ? ctx : "");
	}
	return g;
}

static void test_data_downstream(void **state)
{
	struct fixture *f = *state;
	struct buf nodes = BUF_INIT, edges = BUF_INIT, want = BUF_INIT;
	json_t *g = graph(f, CAIRN_LINEAGE_DATA, "d.csv@v1",
			  CAIRN_LINEAGE_DOWNSTREAM, &nodes, &edges);

	assert_string_equal(json_string_value(json_object_get(g, "root")),
			    "data:d.csv@v1");
	buf_printf(&want, "data:d.csv@v1|run:%s|model:m/1|run:%s|", f->run1, f->run2);
	assert_string_equal(nodes.ptr, want.ptr);
	buf_reset(&want);
	buf_printf(&want, "data:d.csv@v1>run:%s:evaluation|data:d.csv@v1>run:%s:training|"
		   "data:d.csv@v1>run:%s:training|run:%s>model:m/1:|",
		   f->run1, f->run1, f->run2, f->run1);
	assert_string_equal(edges.ptr, want.ptr);
	/* Upstream only: the data set version alone (no producing run). */
	json_decref(g);
	g = graph(f, CAIRN_LINEAGE_DATA, "d.csv", CAIRN_LINEAGE_UPSTREAM, &nodes,
		  &edges);
	assert_string_equal(nodes.ptr, "data:d.csv@v1|");
	assert_string_equal(buf_cstr(&edges), "");
	json_decref(g);
	buf_release(&nodes);
	buf_release(&edges);
	buf_release(&want);
}

static void test_model_upstream(void **state)
{
	struct fixture *f = *state;
	struct buf nodes = BUF_INIT, edges = BUF_INIT, want = BUF_INIT;
	json_t *g = graph(f, CAIRN_LINEAGE_MODEL, "models:/m/latest", 0, &nodes,
			  &edges), *run;

	buf_printf(&want, "model:m/1|run:%s|data:d.csv@v1|", f->run1);
	assert_string_equal(nodes.ptr, want.ptr);
	run = json_array_get(json_object_get(g, "nodes"), 1);
	assert_string_equal(json_string_value(json_object_get(run, "type")), "run");
	assert_string_equal(json_string_value(json_object_get(run, "name")), "one");
	json_decref(g);
	buf_release(&nodes);
	buf_release(&edges);
	buf_release(&want);
}

static void test_run_both_ways(void **state)
{
	struct fixture *f = *state;
	struct buf nodes = BUF_INIT, edges = BUF_INIT, want = BUF_INIT;
	json_t *g = graph(f, CAIRN_LINEAGE_RUN, "two", 0, &nodes, &edges);

	buf_printf(&want, "run:%s|data:d.csv@v1|", f->run2);
	assert_string_equal(nodes.ptr, want.ptr);
	json_decref(g);
	g = graph(f, CAIRN_LINEAGE_RUN, f->run1, CAIRN_LINEAGE_DOWNSTREAM, &nodes,
		  &edges);
	buf_reset(&want);
	buf_printf(&want, "run:%s|model:m/1|", f->run1);
	assert_string_equal(nodes.ptr, want.ptr);
	json_decref(g);
	buf_release(&nodes);
	buf_release(&edges);
	buf_release(&want);
}

/* Add dir/name with text, produced by run_id; its version's producer. */
static char *add_produced(struct fixture *f, const char *name, const char *text,
			  const char *run_id)
{
	cairn_data_add_options o = CAIRN_DATA_ADD_OPTIONS_INIT;
	cairn_data_version *v = NULL;
	struct buf p = BUF_INIT;
	char *producer;

	buf_printf(&p, "%s/%s", f->dir, name);
	write_file(p.ptr, text);
	o.run_id = run_id;
	assert_int_equal(cairn_data_add(f->repo, p.ptr, &o, NULL, NULL), 0);
	assert_int_equal(cairn_data_lookup(&v, f->repo, name), 0);
	producer = v->run_id ? strdup(v->run_id) : NULL;
	cairn_data_version_free(v);
	buf_release(&p);
	return producer;
}

static void test_producers(void **state)
{
	struct fixture *f = *state;
	struct buf nodes = BUF_INIT, edges = BUF_INIT, want = BUF_INIT;
	char prep[33], train[33], *producer;
	json_t *g;

	start_run(prep, f->repo, "prep");
	start_run(train, f->repo, "train");
	assert_int_equal(cairn_log_input(f->repo, prep, "d.csv@v1", "training"), 0);
	producer = add_produced(f, "e.csv", "f\n1\n", prep);
	assert_string_equal(producer, prep);
	free(producer);
	/* The same content from another run keeps the first producer. */
	producer = add_produced(f, "e.csv", "f\n1\n", f->run2);
	assert_string_equal(producer, prep);
	free(producer);
	assert_int_equal(cairn_log_input(f->repo, train, "e.csv@v1", "training"), 0);
	g = graph(f, CAIRN_LINEAGE_RUN, train, CAIRN_LINEAGE_UPSTREAM, &nodes, &edges);
	buf_printf(&want, "run:%s|data:e.csv@v1|run:%s|data:d.csv@v1|", train, prep);
	assert_string_equal(nodes.ptr, want.ptr);
	buf_reset(&want);
	buf_printf(&want, "data:e.csv@v1>run:%s:training|run:%s>data:e.csv@v1:|"
		   "data:d.csv@v1>run:%s:training|", train, prep, prep);
	assert_string_equal(edges.ptr, want.ptr);
	json_decref(g);
	g = graph(f, CAIRN_LINEAGE_RUN, prep, CAIRN_LINEAGE_DOWNSTREAM, &nodes, &edges);
	buf_reset(&want);
	buf_printf(&want, "run:%s|data:e.csv@v1|run:%s|", prep, train);
	assert_string_equal(nodes.ptr, want.ptr);
	json_decref(g);
	buf_release(&nodes);
	buf_release(&edges);
	buf_release(&want);
}

static void test_cycle_and_missing_producer(void **state)
{
	struct fixture *f = *state;
	struct buf nodes = BUF_INIT, edges = BUF_INIT, want = BUF_INIT;
	const char *elsewhere = "0123456789abcdef0123456789abcdef";
	char loop[33], *producer;
	json_t *g, *run;

	/* A run that used what it produced: each node walked once. */
	start_run(loop, f->repo, "loop");
	free(add_produced(f, "l.csv", "z\n1\n", loop));
	assert_int_equal(cairn_log_input(f->repo, loop, "l.csv@v1", "training"), 0);
	g = graph(f, CAIRN_LINEAGE_RUN, loop, 0, &nodes, &edges);
	buf_printf(&want, "run:%s|data:l.csv@v1|", loop);
	assert_string_equal(nodes.ptr, want.ptr);
	buf_reset(&want);
	buf_printf(&want, "data:l.csv@v1>run:%s:training|run:%s>data:l.csv@v1:|",
		   loop, loop);
	assert_string_equal(edges.ptr, want.ptr);
	json_decref(g);
	/* A producer this store does not hold: a node, not an error. */
	producer = add_produced(f, "r.csv", "q\n", elsewhere);
	assert_string_equal(producer, elsewhere);
	free(producer);
	g = graph(f, CAIRN_LINEAGE_DATA, "r.csv@v1", 0, &nodes, &edges);
	buf_reset(&want);
	buf_printf(&want, "data:r.csv@v1|run:%s|", elsewhere);
	assert_string_equal(nodes.ptr, want.ptr);
	run = json_array_get(json_object_get(g, "nodes"), 1);
	assert_true(json_is_false(json_object_get(run, "in_store")));
	json_decref(g);
	buf_release(&nodes);
	buf_release(&edges);
	buf_release(&want);
}

static void test_errors(void **state)
{
	struct fixture *f = *state;
	cairn_buf text = CAIRN_BUF_INIT;

	assert_int_equal(cairn_lineage_json(&text, f->repo, CAIRN_LINEAGE_DATA,
					    "d.csv@v7", 0), CAIRN_ENOTFOUND);
	assert_int_equal(cairn_lineage_json(&text, f->repo, CAIRN_LINEAGE_RUN,
					    "nosuchrun", 0), CAIRN_ENOTFOUND);
	assert_int_equal(cairn_lineage_json(&text, f->repo, CAIRN_LINEAGE_MODEL,
					    "models:/m/9", 0), CAIRN_ENOTFOUND);
	assert_int_equal(cairn_lineage_json(&text, f->repo, CAIRN_LINEAGE_MODEL,
					    "not a uri", 0), CAIRN_EINVALID);
	assert_int_equal(cairn_lineage_json(&text, f->repo, CAIRN_LINEAGE_DATA,
					    "", 0), CAIRN_EINVALID);
	assert_int_equal(cairn_lineage_json(&text, f->repo, (cairn_lineage_kind)9,
					    "x", 0), CAIRN_EINVALID);
	assert_null(text.ptr);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_data_downstream, setup, teardown),
		cmocka_unit_test_setup_teardown(test_model_upstream, setup, teardown),
		cmocka_unit_test_setup_teardown(test_run_both_ways, setup, teardown),
		cmocka_unit_test_setup_teardown(test_producers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cycle_and_missing_producer, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
