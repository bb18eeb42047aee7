/*
 * registry.c: the model registry benchmark; docs/benchmarks.md ("Model
 * registry") explains it.
 *
 *   registry-bench [MODELS [VERSIONS [LOOKUPS]]]    (default 500 2 50000)
 *
 * Builds a fresh project in a temporary directory: MODELS registered
 * models with VERSIONS versions each (registered from one small directory
 * through cairn_model_register(), so the content deduplicates), the alias
 * "production" on each model's first version and its last version in
 * stage Production. Then it resolves LOOKUPS URIs, cycling over the
 * models, and prints per-call times (mean, median, 99th percentile, in
 * microseconds) for:
 *
 *   models:/NAME@production   cairn_model_resolve(), the target (< 1 ms)
 *   models:/NAME/Production   the highest version in a stage
 *   models:/NAME/2            a version number
 *   rollback                  cairn_model_promote() of a new holder then
 *                             cairn_model_rollback() back (verifying the
 *                             previous version's bytes), LOOKUPS / 100
 *                             times on model-0: the library's part of
 *                             `cairn models rollback` (target: the whole
 *                             command under 50 ms)
 *   sqlite baseline           the peer: the same alias question asked of
 *                             the same database file with one prepared
 *                             statement (a three-table join), the floor
 *                             any SQLite-backed registry sits on. MLflow's
 *                             server, the natural peer, is not installed
 *                             here; its alias lookup is an HTTP request and
 *                             a SQLAlchemy query on the same kind of file.
 *
 * Each call is timed on its own with CLOCK_MONOTONIC; the setup is not
 * timed. Output is a small table on stdout; the project is removed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "cairn.h"
#include "util/fs.h"

static void die(const char *what)
{
	fprintf(stderr, "registry-bench: %s: %s\n", what, cairn_error_last()->message);
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
	printf("%-28s %10.2f %10.2f %10.2f\n", what, sum / (double)n, t[n / 2],
	       t[(size_t)((double)n * 0.99)]);
}

/* Resolve "models:/model-K" + suffix for K cycling over the models. */
static void bench_resolve(cairn_repo *repo, const char *what, const char *suffix,
			  size_t models, size_t lookups, double *t)
{
	char uri[128];
	size_t i;

	for (i = 0; i < lookups; i++) {
		cairn_model_version *v;
		double t0;

		snprintf(uri, sizeof(uri), "models:/model-%zu%s", i % models, suffix);
		t0 = now_us();
		if (cairn_model_resolve(&v, repo, uri) < 0)
			die(uri);
		t[i] = now_us() - t0;
		cairn_model_version_free(v);
	}
	report(what, t, lookups);
}

static void bench_rollback(cairn_repo *repo, size_t versions, size_t n,
			   double *t)
{
	cairn_model_promote_options o = CAIRN_MODEL_PROMOTE_OPTIONS_INIT;
	uint64_t to;
	size_t i;

	o.reason = "bench";
	for (i = 0; i < n; i++) {
		double t0;

		if (cairn_model_promote(repo, "model-0", versions, "production", &o) < 0)
			die("promote");
		t0 = now_us();
		if (cairn_model_rollback(&to, repo, "model-0", "production", "bench") < 0)
			die("rollback");
		t[i] = now_us() - t0;
	}
	report("rollback (verified)", t, n);
}

static void bench_sqlite(const char *dbpath, size_t models, size_t lookups,
			 double *t)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	char name[64];
	size_t i;

	if (sqlite3_open_v2(dbpath, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "SELECT v.version, v.tree, v.source FROM "
			       "registered_models m JOIN model_aliases a ON a.model = m.id "
			       "JOIN model_versions v ON v.model = m.id AND v.version = a.version "
			       "WHERE m.name = ?1 AND m.deleted_time IS NULL AND a.alias = ?2 "
			       "AND v.deleted_time IS NULL", -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "registry-bench: %s\n", sqlite3_errmsg(db));
		exit(1);
	}
	for (i = 0; i < lookups; i++) {
		double t0;

		snprintf(name, sizeof(name), "model-%zu", i % models);
		t0 = now_us();
		sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, "production", -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_ROW || !sqlite3_column_text(st, 1)) {
			fprintf(stderr, "registry-bench: baseline found nothing\n");
			exit(1);
		}
		sqlite3_reset(st);
		t[i] = now_us() - t0;
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	report("sqlite baseline (alias)", t, lookups);
}

int main(int argc, char **argv)
{
	size_t models = argc > 1 ? strtoul(argv[1], NULL, 10) : 500;
	size_t versions = argc > 2 ? strtoul(argv[2], NULL, 10) : 2;
	size_t lookups = argc > 3 ? strtoul(argv[3], NULL, 10) : 50000;
	cairn_model_register_options o = CAIRN_MODEL_REGISTER_OPTIONS_INIT;
	char tmpl[] = "/tmp/cairn-registry-bench-XXXXXX", name[64], suffix[32];
	char *dbpath, *model_dir, *mlmodel, *weights;
	cairn_repo *repo;
	double *t, t0;
	size_t i, k;

	if (!models || !versions || !lookups) {
		fprintf(stderr, "usage: registry-bench [MODELS [VERSIONS [LOOKUPS]]]\n");
		return 129;
	}
	if (!mkdtemp(tmpl) || cairn_repo_init(&repo, tmpl, NULL) < 0)
		die("cannot create the project");
	model_dir = path_join(tmpl, "model");
	dbpath = path_join(tmpl, ".cairn/cairn.db");
	mlmodel = path_join(model_dir, "MLmodel");
	weights = path_join(model_dir, "model.pkl");
	if (fs_mkdirs(model_dir, 0755) < 0 ||
	    fs_write_atomic(mlmodel, "flavors:\n  sklearn: {}\n", 23, 0644) < 0 ||
	    fs_write_atomic(weights, "weights", 7, 0644) < 0)
		die("cannot write the model directory");
	o.from_dir = model_dir;
	t0 = now_us();
	for (i = 0; i < models; i++) {
		snprintf(name, sizeof(name), "model-%zu", i);
		if (cairn_model_create(repo, name, NULL, NULL, 0) < 0)
			die("create");
		for (k = 0; k < versions; k++)
			if (cairn_model_register(NULL, repo, name, &o) < 0)
				die("register");
		if (cairn_model_alias_set(repo, name, "production", 1) < 0 ||
		    cairn_model_version_transition(repo, name, versions,
						   CAIRN_STAGE_PRODUCTION, 0) < 0)
			die("promote");
	}
	fprintf(stderr, "setup: %zu models x %zu versions in %.1f s\n", models,
		versions, (now_us() - t0) / 1e6);

	t = malloc(lookups * sizeof(*t));
	printf("%zu models x %zu versions, %zu lookups each\n", models, versions,
	       lookups);
	printf("%-28s %10s %10s %10s\n", "lookup (us per call)", "mean", "median", "p99");
	bench_resolve(repo, "models:/NAME@production", "@production", models,
		      lookups, t);
	bench_resolve(repo, "models:/NAME/Production", "/Production", models,
		      lookups, t);
	snprintf(suffix, sizeof(suffix), "/%zu", versions);
	bench_resolve(repo, "models:/NAME/N", suffix, models, lookups, t);
	if (versions > 1)
		bench_rollback(repo, versions, lookups / 100 ? lookups / 100 : 1, t);
	bench_sqlite(dbpath, models, lookups, t);

	free(t);
	cairn_repo_free(repo);
	fs_remove_tree(tmpl);
	free(mlmodel);
	free(weights);
	free(model_dir);
	free(dbpath);
	return 0;
}
