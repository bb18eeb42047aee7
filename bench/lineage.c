/*
 * lineage.c: the lineage benchmark program; bench/lineage.sh drives it
 * and docs/benchmarks.md ("Lineage") explains it. The target (issue 5):
 * the lineage of a model version in under 10 ms with 100,000 runs in the
 * store.
 *
 *   lineage-bench DIR [RUNS [LOOKUPS]]     (default 100000 1000)
 *
 * Builds a project in DIR (which must not exist) through the public API:
 * DATASETS small CSV data sets; RUNS runs, each made by cairn_run_create()
 * with two params and two metrics (one cairn_log_batch()) and one
 * training input (cairn_log_input(), data set r % DATASETS), so run_inputs
 * holds RUNS rows; the run in the middle also gets an evaluation input
 * and a model directory as an artifact, and model "bench-model" version 1
 * is registered from it. Then it times LOOKUPS calls, one by one
 * (CLOCK_MONOTONIC), and prints mean, median and 99th percentile in
 * microseconds for:
 *
 *   lineage (library)   cairn_lineage_json(models:/bench-model/1), the
 *                       target: the version, its run with params, metrics
 *                       and tags, its data set versions, as JSON
 *   sqlite floor        the same facts read from the same database file
 *                       with a chain of indexed lookups by prepared
 *                       statements kept prepared (model version -> run ->
 *                       params, latest metrics, tags, inputs -> each data
 *                       set version), nothing copied or serialized: what
 *                       any SQLite-backed lineage sits on
 *
 * The setup is not timed (its rate is printed on stderr); to make it take
 * minutes rather than many, the program sets synchronous=OFF on cairn's
 * connection (found with an SQLite auto-extension, as bench/tracking.c
 * does) while it populates; reads do not depend on it. DIR is kept for
 * bench/lineage.sh, which times `cairn lineage` end to end on it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "cairn.h"
#include "util/fs.h"

#define DATASETS 20
#define MODEL_URI "models:/bench-model/1"

static void die(const char *what)
{
	fprintf(stderr, "lineage-bench: %s: %s\n", what, cairn_error_last()->message);
	exit(1);
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void report(const char *what, double *t, size_t n)
{
	double sum = 0;
	size_t i;

	for (i = 0; i < n; i++)
		sum += t[i];
	qsort(t, n, sizeof(*t), cmp_double);
	printf("%-24s %10.1f %10.1f %10.1f\n", what, sum / (double)n, t[n / 2],
	       t[(size_t)((double)n * 0.99)]);
}

static sqlite3 *last_conn;

static int remember_conn(sqlite3 *db, char **errmsg,
			 const sqlite3_api_routines *api)
{
	(void)errmsg;
	(void)api;
	last_conn = db;
	return SQLITE_OK;
}

static void write_file(const char *dir, const char *name, const char *text)
{
	char *path = path_join(dir, name);

	if (fs_write_atomic(path, text, strlen(text), 0644) < 0)
		die(path);
	free(path);
}

/* The store: DATASETS data sets, runs with inputs, one registered model. */
static char *populate(cairn_repo *repo, const char *dir, size_t runs)
{
	cairn_model_register_options mo = CAIRN_MODEL_REGISTER_OPTIONS_INIT;
	cairn_kv params[2] = { { "lr", NULL }, { "depth", NULL } };
	cairn_metric metrics[2] = { { "accuracy", 0, 0, 0 }, { "auc", 0, 0, 0 } };
	char name[64], lr[32], depth[32], *model_dir, *chosen = NULL;
	double t0 = now_us();
	size_t r, d;

	for (d = 0; d < DATASETS; d++) {
		snprintf(name, sizeof(name), "d%02zu.csv", d);
		snprintf(lr, sizeof(lr), "x,y\n%zu,1\n%zu,2\n", d, d);
		write_file(dir, name, lr);
		if (cairn_data_add(repo, name, NULL, NULL, NULL) < 0)
			die("data add");
	}
	write_file(dir, "eval.csv", "x,y\n9,9\n");
	if (cairn_data_add(repo, "eval.csv", NULL, NULL, NULL) < 0)
		die("data add");
	model_dir = path_join(dir, "model");
	if (fs_mkdirs(model_dir, 0755) < 0)
		die("mkdir model");
	write_file(model_dir, "MLmodel", "flavors:\n  sklearn: {}\n");
	write_file(model_dir, "model.pkl", "weights");
	for (r = 0; r < runs; r++) {
		cairn_run_create_options o = CAIRN_RUN_CREATE_OPTIONS_INIT;
		cairn_buf id = CAIRN_BUF_INIT;

		snprintf(name, sizeof(name), "run-%06zu", r);
		o.name = name;
		o.start_time = 1700000000000 + (int64_t)r * 1000;
		if (cairn_run_create(&id, repo, &o) < 0)
			die("run create");
		snprintf(lr, sizeof(lr), "%g", 0.001 * (double)(r % 50 + 1));
		snprintf(depth, sizeof(depth), "%zu", r % 12 + 2);
		params[0].value = lr;
		params[1].value = depth;
		metrics[0].value = 0.5 + (double)(r % 500) / 1000.0;
		metrics[1].value = 0.6 + (double)(r % 400) / 1000.0;
		metrics[0].timestamp = metrics[1].timestamp = o.start_time + 500;
		snprintf(name, sizeof(name), "d%02zu.csv", r % DATASETS);
		if (cairn_log_batch(repo, id.ptr, metrics, 2, params, 2, NULL, 0) < 0 ||
		    cairn_log_input(repo, id.ptr, name, "training") < 0)
			die("log");
		if (r == runs / 2) {
			if (cairn_log_input(repo, id.ptr, "eval.csv", "evaluation") < 0 ||
			    cairn_log_artifact(repo, id.ptr, model_dir, NULL) < 0)
				die("log model");
			chosen = strdup(id.ptr);
		}
		cairn_buf_dispose(&id);
		if (r && r % 10000 == 0)
			fprintf(stderr, "setup: %zu runs, %.0f runs/s\n", r,
				(double)r / ((now_us() - t0) / 1e6));
	}
	if (cairn_model_create(repo, "bench-model", NULL, NULL, 0) < 0)
		die("model create");
	mo.run = chosen;
	mo.path = "model";
	if (cairn_model_register(NULL, repo, "bench-model", &mo) < 0 ||
	    cairn_model_alias_set(repo, "bench-model", "production", 1) < 0)
		die("register");
	fprintf(stderr, "setup: %zu runs in %.1f s\n", runs, (now_us() - t0) / 1e6);
	free(model_dir);
	return chosen;
}

static void bench_library(cairn_repo *repo, size_t lookups, double *t)
{
	size_t i;

	for (i = 0; i < lookups; i++) {
		cairn_buf out = CAIRN_BUF_INIT;
		double t0 = now_us();

		if (cairn_lineage_json(&out, repo, CAIRN_LINEAGE_MODEL, MODEL_URI, 0) < 0)
			die("lineage");
		t[i] = now_us() - t0;
		if (!i && (!strstr(out.ptr, "\"evaluation\"") || !strstr(out.ptr, "\"training\"")))
			die("lineage lacks the inputs");
		cairn_buf_dispose(&out);
	}
	report("lineage (library)", t, lookups);
}

static sqlite3_stmt *prepare(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "lineage-bench: %s: %s\n", sql, sqlite3_errmsg(db));
		exit(1);
	}
	return st;
}

/* Step st to the end; the number of rows. */
static size_t drain(sqlite3_stmt *st)
{
	size_t n = 0;

	while (sqlite3_step(st) == SQLITE_ROW)
		n++;
	sqlite3_reset(st);
	return n;
}

static void bench_floor(const char *dbpath, size_t lookups, double *t)
{
	sqlite3 *db;
	sqlite3_stmt *mv, *run, *par, *met, *tag, *inp, *dv;
	size_t i, rows;

	if (sqlite3_open_v2(dbpath, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		die("open the database");
	mv = prepare(db, "SELECT v.run_id, v.tree, v.stage FROM registered_models m "
		     "JOIN model_versions v ON v.model = m.id WHERE m.name = ?1 AND "
		     "m.deleted_time IS NULL AND v.version = ?2");
	run = prepare(db, "SELECT id, name, status, start_time, end_time FROM runs "
		      "WHERE run_uuid = ?1");
	par = prepare(db, "SELECT key, value FROM params WHERE run = ?1");
	met = prepare(db, "SELECT k.key, l.value FROM latest_metrics l JOIN metric_keys k "
		      "ON k.id = l.key WHERE l.run = ?1");
	tag = prepare(db, "SELECT key, value FROM tags WHERE run = ?1");
	inp = prepare(db, "SELECT dataset, version, context FROM run_inputs WHERE run = ?1");
	dv = prepare(db, "SELECT v.oid, v.size, v.files, v.rows FROM datasets d JOIN "
		     "dataset_versions v ON v.dataset_id = d.id WHERE d.name = ?1 AND "
		     "v.version = ?2");
	for (i = 0; i < lookups; i++) {
		double t0 = now_us();
		sqlite3_int64 rid;

		sqlite3_bind_text(mv, 1, "bench-model", -1, SQLITE_STATIC);
		sqlite3_bind_int64(mv, 2, 1);
		if (sqlite3_step(mv) != SQLITE_ROW)
			die("floor: no model version");
		sqlite3_bind_text(run, 1, (const char *)sqlite3_column_text(mv, 0), -1,
				  SQLITE_TRANSIENT);
		sqlite3_reset(mv);
		if (sqlite3_step(run) != SQLITE_ROW)
			die("floor: no run");
		rid = sqlite3_column_int64(run, 0);
		sqlite3_reset(run);
		sqlite3_bind_int64(par, 1, rid);
		sqlite3_bind_int64(met, 1, rid);
		sqlite3_bind_int64(tag, 1, rid);
		sqlite3_bind_int64(inp, 1, rid);
		rows = drain(par) + drain(met) + drain(tag);
		while (sqlite3_step(inp) == SQLITE_ROW) {
			sqlite3_bind_text(dv, 1, (const char *)sqlite3_column_text(inp, 0), -1,
					  SQLITE_TRANSIENT);
			sqlite3_bind_int64(dv, 2, sqlite3_column_int64(inp, 1));
			rows += drain(dv);
		}
		sqlite3_reset(inp);
		t[i] = now_us() - t0;
		if (rows < 6)
			die("floor: too few facts");
	}
	sqlite3_finalize(mv);
	sqlite3_finalize(run);
	sqlite3_finalize(par);
	sqlite3_finalize(met);
	sqlite3_finalize(tag);
	sqlite3_finalize(inp);
	sqlite3_finalize(dv);
	sqlite3_close(db);
	report("sqlite floor (chain)", t, lookups);
}

int main(int argc, char **argv)
{
	size_t runs = argc > 2 ? strtoul(argv[2], NULL, 10) : 100000;
	size_t lookups = argc > 3 ? strtoul(argv[3], NULL, 10) : 1000;
	char *dbpath, *chosen;
	cairn_repo *repo = NULL;
	double *t;

	if (argc < 2 || !runs || !lookups) {
		fprintf(stderr, "usage: lineage-bench DIR [RUNS [LOOKUPS]]\n");
		return 129;
	}
	sqlite3_auto_extension((void (*)(void))remember_conn);
	if (fs_mkdirs(argv[1], 0755) < 0 || cairn_repo_init(&repo, argv[1], NULL) < 0)
		die("cannot create the project");
	if (!last_conn ||
	    sqlite3_exec(last_conn, "PRAGMA synchronous = OFF", NULL, NULL, NULL) != SQLITE_OK)
		die("cannot find cairn's connection");
	if (chdir(argv[1]) < 0)
		die("chdir");
	chosen = populate(repo, ".", runs);
	t = malloc(lookups * sizeof(*t));
	printf("%zu runs; model %s from run %s; %zu lookups\n", runs, MODEL_URI, chosen,
	       lookups);
	printf("%-24s %10s %10s %10s\n", "us per call", "mean", "median", "p99");
	bench_library(repo, lookups, t);
	dbpath = path_join(cairn_repo_path(repo), "cairn.db");
	bench_floor(dbpath, lookups, t);
	free(dbpath);
	free(chosen);
	free(t);
	cairn_repo_free(repo);
	return 0;
}
