/*
 * tracking.c: the experiment-tracking benchmark program; bench/tracking.sh
 * drives it and docs/benchmarks.md ("Experiment tracking") explains it.
 *
 * Every subcommand does one measurement through libcairn's public API (or,
 * for the baselines, through SQLite directly) and prints its results on
 * stdout as TSV lines "measure<TAB>value", nothing else; progress and
 * diagnostics go to stderr. The driver repeats the cheap ones and takes
 * medians.
 *
 *   ingest DIR POINTS BATCH SYNC   a fresh project in DIR (which must
 *       exist and be empty), one run "bench-ingest", POINTS points of the
 *       metric "loss" (steps 0..POINTS-1) logged with cairn_log_batch() in
 *       batches of BATCH; then a WAL checkpoint and the store's size.
 *   single DIR COUNT SYNC          as ingest, one point per
 *       cairn_log_metrics() call.
 *   raw DIR POINTS BATCH SYNC LAYOUT   the SQLite ceiling: the same points
 *       as plain INSERTs with one prepared statement, one transaction per
 *       BATCH rows, into DIR/raw.db in WAL mode. LAYOUT "cairn" is cairn's
 *       metrics table (WITHOUT ROWID, integer run and key); "mlflow" is
 *       MLflow's (tests/db/schemas/sqlite.sql in mlflow/mlflow: a rowid
 *       table keyed by (key, timestamp, step, run_uuid, value, is_nan)
 *       with the key and the 32-hex run id as text, plus its run_uuid
 *       index).
 *   show DIR REPEAT                cairn_run_get() of "bench-ingest" and the
 *       full cairn_metric_history() stream of "loss", REPEAT times each.
 *   populate DIR RUNS METRICS PARAMS   a fresh project: RUNS runs, each
 *       made by cairn_run_create() and given METRICS metrics and PARAMS
 *       params by one cairn_log_batch().
 *   search DIR REPEAT MAX FILTER [ORDER]   cairn_runs_search() for the
 *       first page of MAX runs, REPEAT times in one process; the callback
 *       reads every run it gets.
 *   handsql DIR REPEAT MAX FKEY FVAL OKEY   the same question as "search
 *       metrics.FKEY > FVAL ORDER BY metrics.OKEY DESC" asked of the same
 *       store with SQL written by hand to walk the latest_metrics_key index
 *       in order: what the schema allows, for comparison.
 *   plan DIR FILTER [ORDER]        one search with every SQL statement
 *       cairn runs, its time and its EXPLAIN QUERY PLAN, on stderr.
 *
 * SYNC is "normal" (the store as cairn opens it: synchronous=NORMAL, so a
 * commit reaches the WAL file but is fsynced only at checkpoints) or
 * "full" (synchronous=FULL: every commit fsyncs the WAL, durable when the
 * call returns). The library does not expose its connection, so the
 * program registers an SQLite auto-extension that remembers the last
 * connection opened, which is cairn's (the process has no other), and sets
 * the pragma on it after cairn_repo_init(); "plan" uses the same handle
 * for sqlite3_trace_v2().
 *
 * Times are CLOCK_MONOTONIC wall seconds; cpu_s is user + system time of
 * the process over the same interval (getrusage).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <sqlite3.h>

#include "cairn.h"
#include "harness.h"

#define BASE_MS 1767225600000LL /* 2026-01-01T00:00:00Z */

/* ------------------------------------------------------------ helpers */

/* xorshift64*: the same pseudo-random values in every run. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static double rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (double)((rng_state * 0x2545f4914f6cdd1dULL) >> 11) / 9007199254740992.0;
}

/* ---------------------------------------------- cairn's connection */

static sqlite3 *last_conn;

static int remember_conn(sqlite3 *db, char **errmsg,
			 const sqlite3_api_routines *api)
{
	(void)errmsg;
	(void)api;
	last_conn = db;
	return SQLITE_OK;
}

static void exec_sql(sqlite3 *db, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		die("%s: %s", sql, msg ? msg : sqlite3_errmsg(db));
	sqlite3_free(msg);
}

static void set_sync(sqlite3 *db, const char *sync)
{
	if (!strcmp(sync, "full"))
		exec_sql(db, "PRAGMA synchronous = FULL");
	else if (!strcmp(sync, "normal"))
		exec_sql(db, "PRAGMA synchronous = NORMAL");
	else
		die("SYNC must be 'normal' or 'full', not '%s'", sync);
}

static cairn_repo *repo_init(const char *dir, const char *sync)
{
	cairn_repo *repo;

	last_conn = NULL;
	check(cairn_repo_init(&repo, dir, NULL), "init");
	if (!last_conn)
		die("did not see cairn's database connection");
	if (sync)
		set_sync(last_conn, sync);
	return repo;
}

static cairn_repo *repo_open(const char *dir)
{
	cairn_repo *repo;

	last_conn = NULL;
	check(cairn_repo_open(&repo, dir), "open");
	if (!last_conn)
		die("did not see cairn's database connection");
	return repo;
}

static long long file_size(const char *dir, const char *name)
{
	char path[4096];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return stat(path, &st) < 0 ? 0 : (long long)st.st_size;
}

/* Checkpoint everything into the main file, then db + WAL bytes. */
static long long store_bytes(sqlite3 *db, const char *dir, const char *file)
{
	char wal[256];

	exec_sql(db, "PRAGMA wal_checkpoint(TRUNCATE)");
	snprintf(wal, sizeof(wal), "%s-wal", file);
	return file_size(dir, file) + file_size(dir, wal);
}

static void new_run(cairn_buf *id, cairn_repo *repo, const char *name)
{
	cairn_run_create_options o = CAIRN_RUN_CREATE_OPTIONS_INIT;

	o.name = name;
	o.start_time = BASE_MS;
	check(cairn_run_create(id, repo, &o), "run create");
}

/* ------------------------------------------------------------- ingest */

static int cmd_ingest(int argc, char **argv, int single)
{
	const char *dir, *sync;
	long points, batch, done = 0, i;
	cairn_metric *m;
	cairn_buf id = CAIRN_BUF_INIT;
	cairn_repo *repo;
	double t0, c0, t, c;
	long long bytes;

	if (argc != (single ? 5 : 6))
		die(single ? "usage: single DIR COUNT SYNC"
			   : "usage: ingest DIR POINTS BATCH SYNC");
	dir = argv[2];
	points = parse_count(argv[3], "POINTS");
	batch = single ? 1 : parse_count(argv[4], "BATCH");
	sync = argv[single ? 4 : 5];
	if (batch > 1000)
		die("BATCH is at most 1000 (MLflow's log-batch limit)");
	repo = repo_init(dir, sync);
	new_run(&id, repo, "bench-ingest");
	m = calloc((size_t)batch, sizeof(*m));
	if (!m)
		die("out of memory");

	t0 = now_s();
	c0 = cpu_s();
	while (done < points) {
		long n = points - done < batch ? points - done : batch;

		for (i = 0; i < n; i++) {
			m[i].key = "loss";
			m[i].step = done + i;
			m[i].timestamp = BASE_MS + (done + i) * 10;
			m[i].value = 2.5 * exp(-(double)(done + i) / 2e5) + 0.01 * rnd();
		}
		if (single)
			check(cairn_log_metrics(repo, id.ptr, m, 1), "log metrics");
		else
			check(cairn_log_batch(repo, id.ptr, m, (size_t)n, NULL, 0,
					      NULL, 0), "log batch");
		done += n;
	}
	t = now_s() - t0;
	c = cpu_s() - c0;

	row("points", (double)points);
	row("wall_s", t);
	row("cpu_s", c);
	row("points_per_s", (double)points / t);
	row("cpu_us_per_call", c * 1e6 / (double)((points + batch - 1) / batch));
	bytes = store_bytes(last_conn, cairn_repo_path(repo), "cairn.db");
	row("store_bytes", (double)bytes);
	row("bytes_per_point", (double)bytes / (double)points);
	free(m);
	cairn_buf_dispose(&id);
	cairn_repo_free(repo);
	return 0;
}

/* ------------------------------------------------- the SQLite ceiling */

static const char cairn_layout[] =
	"CREATE TABLE metrics (run INTEGER NOT NULL, key INTEGER NOT NULL,"
	" step INTEGER NOT NULL, timestamp INTEGER NOT NULL,"
	" value REAL NOT NULL, is_nan INTEGER NOT NULL DEFAULT 0,"
	" PRIMARY KEY (run, key, step, timestamp, value, is_nan)) WITHOUT ROWID;";
static const char cairn_insert[] =
	"INSERT OR IGNORE INTO metrics(run, key, step, timestamp, value, is_nan)"
	" VALUES (1, 1, ?1, ?2, ?3, 0)";

static const char mlflow_layout[] =
	"CREATE TABLE metrics (key VARCHAR(250) NOT NULL, value FLOAT NOT NULL,"
	" timestamp BIGINT NOT NULL, run_uuid VARCHAR(32) NOT NULL,"
	" step BIGINT DEFAULT '0' NOT NULL, is_nan BOOLEAN DEFAULT '0' NOT NULL,"
	" CONSTRAINT metric_pk PRIMARY KEY (key, timestamp, step, run_uuid,"
	" value, is_nan), CHECK (is_nan IN (0, 1)));"
	"CREATE INDEX index_metrics_run_uuid ON metrics (run_uuid);";
static const char mlflow_insert[] =
	"INSERT INTO metrics(key, value, timestamp, run_uuid, step, is_nan)"
	" VALUES ('loss', ?3, ?2, '0123456789abcdef0123456789abcdef', ?1, 0)";

static int cmd_raw(int argc, char **argv)
{
	const char *dir, *sync, *layout;
	long points, batch, done = 0, i;
	char path[4096];
	sqlite3 *db;
	sqlite3_stmt *st;
	double t0, c0, t, c;
	long long bytes;
	int mlflow;

	if (argc != 7)
		die("usage: raw DIR POINTS BATCH SYNC LAYOUT");
	dir = argv[2];
	points = parse_count(argv[3], "POINTS");
	batch = parse_count(argv[4], "BATCH");
	sync = argv[5];
	layout = argv[6];
	if (strcmp(layout, "cairn") && strcmp(layout, "mlflow"))
		die("LAYOUT must be 'cairn' or 'mlflow', not '%s'", layout);
	mlflow = !strcmp(layout, "mlflow");
	snprintf(path, sizeof(path), "%s/raw.db", dir);
	if (sqlite3_open(path, &db) != SQLITE_OK)
		die("cannot open '%s'", path);
	exec_sql(db, "PRAGMA journal_mode = WAL");
	set_sync(db, sync);
	exec_sql(db, mlflow ? mlflow_layout : cairn_layout);
	if (sqlite3_prepare_v2(db, mlflow ? mlflow_insert : cairn_insert, -1,
			       &st, NULL) != SQLITE_OK)
		die("prepare: %s", sqlite3_errmsg(db));

	t0 = now_s();
	c0 = cpu_s();
	while (done < points) {
		long n = points - done < batch ? points - done : batch;

		exec_sql(db, "BEGIN IMMEDIATE");
		for (i = 0; i < n; i++) {
			sqlite3_bind_int64(st, 1, done + i);
			sqlite3_bind_int64(st, 2, BASE_MS + (done + i) * 10);
			sqlite3_bind_double(st, 3, 2.5 * exp(-(double)(done + i) / 2e5) +
						   0.01 * rnd());
			if (sqlite3_step(st) != SQLITE_DONE)
				die("insert: %s", sqlite3_errmsg(db));
			sqlite3_reset(st);
		}
		exec_sql(db, "COMMIT");
		done += n;
	}
	t = now_s() - t0;
	c = cpu_s() - c0;
	sqlite3_finalize(st);

	row("points", (double)points);
	row("wall_s", t);
	row("cpu_s", c);
	row("points_per_s", (double)points / t);
	row("cpu_us_per_call", c * 1e6 / (double)((points + batch - 1) / batch));
	bytes = store_bytes(db, dir, "raw.db");
	row("store_bytes", (double)bytes);
	row("bytes_per_point", (double)bytes / (double)points);
	sqlite3_close(db);
	return 0;
}

/* --------------------------------------------------------------- show */

struct history {
	long n;
	double first_s, t0, sum;
};

static int on_point(const cairn_metric *m, void *payload)
{
	struct history *h = payload;

	if (!h->n++)
		h->first_s = now_s() - h->t0;
	h->sum += m->value;
	return 0;
}

static int cmd_show(int argc, char **argv)
{
	cairn_buf id = CAIRN_BUF_INIT;
	cairn_repo *repo;
	long repeat, r;

	if (argc != 4)
		die("usage: show DIR REPEAT");
	repeat = parse_count(argv[3], "REPEAT");
	repo = repo_open(argv[2]);
	check(cairn_run_resolve(&id, repo, "bench-ingest"), "resolve");
	for (r = 0; r < repeat; r++) {
		cairn_run *run;
		double t0 = now_s(), t;

		check(cairn_run_get(&run, repo, id.ptr), "run get");
		t = now_s() - t0;
		if (cairn_run_metric_count(run) != 1)
			die("expected one metric, got %zu", cairn_run_metric_count(run));
		cairn_run_free(run);
		row("run_get_ms", t * 1e3);
	}
	for (r = 0; r < repeat; r++) {
		struct history h = { 0, 0, 0, 0 };
		double c0 = cpu_s(), t;

		h.t0 = now_s();
		check(cairn_metric_history(repo, id.ptr, "loss", on_point, &h),
		      "metric history");
		t = now_s() - h.t0;
		row("history_points", (double)h.n);
		row("history_first_ms", h.first_s * 1e3);
		row("history_s", t);
		row("history_cpu_s", cpu_s() - c0);
		row("history_points_per_s", (double)h.n / t);
	}
	cairn_buf_dispose(&id);
	cairn_repo_free(repo);
	return 0;
}

/* ----------------------------------------------------------- populate */

static int cmd_populate(int argc, char **argv)
{
	long runs, nmet, npar, r, i;
	char (*mkeys)[24], (*pkeys)[24], (*pvals)[32];
	cairn_metric *m;
	cairn_kv *p;
	cairn_repo *repo;
	double t0, c0, t;

	if (argc != 6)
		die("usage: populate DIR RUNS METRICS PARAMS");
	runs = parse_count(argv[3], "RUNS");
	nmet = parse_count(argv[4], "METRICS");
	npar = parse_count(argv[5], "PARAMS");
	if (nmet + npar > 1000 || npar > 100)
		die("one log-batch holds at most 100 params and 1000 entities");
	mkeys = calloc((size_t)nmet, sizeof(*mkeys));
	pkeys = calloc((size_t)npar, sizeof(*pkeys));
	pvals = calloc((size_t)npar, sizeof(*pvals));
	m = calloc((size_t)nmet, sizeof(*m));
	p = calloc((size_t)npar, sizeof(*p));
	if (!mkeys || !pkeys || !pvals || !m || !p)
		die("out of memory");
	for (i = 0; i < nmet; i++)
		snprintf(mkeys[i], sizeof(mkeys[i]), "m%ld", i);
	for (i = 0; i < npar; i++)
		snprintf(pkeys[i], sizeof(pkeys[i]), "p%ld", i);
	repo = repo_init(argv[2], NULL);

	t0 = now_s();
	c0 = cpu_s();
	for (r = 0; r < runs; r++) {
		cairn_run_create_options o = CAIRN_RUN_CREATE_OPTIONS_INIT;
		cairn_buf id = CAIRN_BUF_INIT;
		char name[32];

		snprintf(name, sizeof(name), "run-%06ld", r);
		o.name = name;
		o.start_time = BASE_MS + r * 1000;
		check(cairn_run_create(&id, repo, &o), "run create");
		for (i = 0; i < nmet; i++) {
			m[i].key = mkeys[i];
			m[i].value = rnd();
			m[i].step = 0;
			m[i].timestamp = BASE_MS + r * 1000 + 500;
		}
		for (i = 0; i < npar; i++) {
			/* p0 has 10 values, p1 100, the others are free */
			if (i == 0)
				snprintf(pvals[i], sizeof(pvals[i]), "v%d",
					 (int)(rnd() * 10));
			else if (i == 1)
				snprintf(pvals[i], sizeof(pvals[i]), "%d",
					 (int)(rnd() * 100));
			else
				snprintf(pvals[i], sizeof(pvals[i]), "%.6g", rnd());
			p[i].key = pkeys[i];
			p[i].value = pvals[i];
		}
		check(cairn_log_batch(repo, id.ptr, m, (size_t)nmet, p,
				      (size_t)npar, NULL, 0), "log batch");
		cairn_buf_dispose(&id);
		if ((r + 1) % 10000 == 0)
			fprintf(stderr, "  populate: %ld runs, %.1f s\n", r + 1,
				now_s() - t0);
	}
	t = now_s() - t0;
	row("runs", (double)runs);
	row("populate_s", t);
	row("populate_cpu_s", cpu_s() - c0);
	row("runs_per_s", (double)runs / t);
	row("store_bytes", (double)store_bytes(last_conn, cairn_repo_path(repo),
					       "cairn.db"));
	free(mkeys);
	free(pkeys);
	free(pvals);
	free(m);
	free(p);
	cairn_repo_free(repo);
	return 0;
}

/* ------------------------------------------------------------- search */

struct page {
	size_t n, values;
	double t0, first_s;
};

static int on_run(const cairn_run *run, void *payload)
{
	struct page *pg = payload;

	if (!pg->n++)
		pg->first_s = now_s() - pg->t0;
	pg->values += cairn_run_param_count(run) + cairn_run_metric_count(run) +
		      cairn_run_tag_count(run);
	return 0;
}

static int cmd_search(int argc, char **argv)
{
	cairn_search_options o = CAIRN_SEARCH_OPTIONS_INIT;
	const char *order[1];
	cairn_repo *repo;
	long repeat, r;

	if (argc != 6 && argc != 7)
		die("usage: search DIR REPEAT MAX FILTER [ORDER]");
	repeat = parse_count(argv[3], "REPEAT");
	o.max_results = (size_t)parse_count(argv[4], "MAX");
	o.filter = *argv[5] ? argv[5] : NULL;
	if (argc == 7 && *argv[6]) {
		order[0] = argv[6];
		o.order_by = order;
		o.norder_by = 1;
	}
	repo = repo_open(argv[2]);
	for (r = 0; r < repeat; r++) {
		struct page pg = { 0, 0, 0, 0 };
		cairn_buf next = CAIRN_BUF_INIT;
		double t;

		pg.t0 = now_s();
		check(cairn_runs_search(&next, repo, &o, on_run, &pg), "search");
		t = now_s() - pg.t0;
		row("runs", (double)pg.n);
		row("search_ms", t * 1e3);
		/* the id query plus the first cairn_run_get() */
		row("first_run_ms", pg.first_s * 1e3);
		row("values", (double)pg.values);
		cairn_buf_dispose(&next);
	}
	cairn_repo_free(repo);
	return 0;
}

static int cmd_handsql(int argc, char **argv)
{
	static const char sql[] =
		"SELECT r.run_uuid FROM latest_metrics o JOIN runs r ON r.id = o.run"
		" WHERE o.key = (SELECT id FROM metric_keys WHERE key = ?3)"
		" AND o.is_nan = 0 AND r.lifecycle_stage = 'active'"
		" AND EXISTS (SELECT 1 FROM latest_metrics f WHERE f.run = o.run"
		"  AND f.key = (SELECT id FROM metric_keys WHERE key = ?1)"
		"  AND f.is_nan = 0 AND f.value > ?2)"
		" ORDER BY o.value DESC, r.start_time DESC, r.run_uuid LIMIT ?4";
	cairn_repo *repo;
	sqlite3_stmt *st;
	long repeat, max, r;

	if (argc != 8)
		die("usage: handsql DIR REPEAT MAX FKEY FVAL OKEY");
	repeat = parse_count(argv[3], "REPEAT");
	max = parse_count(argv[4], "MAX");
	repo = repo_open(argv[2]);
	for (r = 0; r < repeat; r++) {
		double t0 = now_s();
		long n = 0;

		/* prepared each time, as cairn prepares its search each time */
		if (sqlite3_prepare_v2(last_conn, sql, -1, &st, NULL) != SQLITE_OK)
			die("prepare: %s", sqlite3_errmsg(last_conn));
		sqlite3_bind_text(st, 1, argv[5], -1, SQLITE_STATIC);
		sqlite3_bind_double(st, 2, strtod(argv[6], NULL));
		sqlite3_bind_text(st, 3, argv[7], -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, max);
		while (sqlite3_step(st) == SQLITE_ROW)
			n++;
		sqlite3_finalize(st);
		row("runs", (double)n);
		row("ids_ms", (now_s() - t0) * 1e3);
	}
	cairn_repo_free(repo);
	return 0;
}

/* --------------------------------------------------------------- plan */

static void explain(sqlite3 *db, const char *sql)
{
	char *eqp = sqlite3_mprintf("EXPLAIN QUERY PLAN %s", sql);
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(db, eqp, -1, &st, NULL) == SQLITE_OK) {
		while (sqlite3_step(st) == SQLITE_ROW)
			fprintf(stderr, "      plan: %s\n", sqlite3_column_text(st, 3));
		sqlite3_finalize(st);
	}
	sqlite3_free(eqp);
}

struct trace {
	long statements;
	int explaining;
};

static int on_trace(unsigned type, void *ctx, void *p, void *x)
{
	struct trace *tr = ctx;
	sqlite3_stmt *st = p;
	const char *sql;

	if (type != SQLITE_TRACE_PROFILE || tr->explaining)
		return 0;
	sql = sqlite3_sql(st);
	if (!sql || !strncmp(sql, "EXPLAIN", 7))
		return 0;
	tr->statements++;
	/* the first of each kind is enough to read the plans */
	fprintf(stderr, "  %8.3f ms  %s\n", (double)*(sqlite3_int64 *)x / 1e6, sql);
	if (!strncmp(sql, "SELECT", 6) && tr->statements <= 12) {
		tr->explaining = 1;
		explain(sqlite3_db_handle(st), sql);
		tr->explaining = 0;
	}
	return 0;
}

static int count_run(const cairn_run *run, void *payload)
{
	(void)run;
	++*(long *)payload;
	return 0;
}

static int cmd_plan(int argc, char **argv)
{
	cairn_search_options o = CAIRN_SEARCH_OPTIONS_INIT;
	struct trace tr = { 0, 0 };
	const char *order[1];
	cairn_repo *repo;
	long n = 0;

	if (argc != 4 && argc != 5)
		die("usage: plan DIR FILTER [ORDER]");
	o.max_results = 100;
	o.filter = *argv[3] ? argv[3] : NULL;
	if (argc == 5 && *argv[4]) {
		order[0] = argv[4];
		o.order_by = order;
		o.norder_by = 1;
	}
	repo = repo_open(argv[2]);
	sqlite3_trace_v2(last_conn, SQLITE_TRACE_PROFILE, on_trace, &tr);
	check(cairn_runs_search(NULL, repo, &o, count_run, &n), "search");
	sqlite3_trace_v2(last_conn, 0, NULL, NULL);
	fprintf(stderr, "  %ld runs, %ld statements\n", n, tr.statements);
	row("statements", (double)tr.statements);
	cairn_repo_free(repo);
	return 0;
}

/* --------------------------------------------------------------- main */

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";

	/* any function type converts to void (*)(void) and back */
	if (sqlite3_auto_extension((void (*)(void))remember_conn) != SQLITE_OK)
		die("cannot register the connection hook");
	if (!strcmp(cmd, "ingest"))
		return cmd_ingest(argc, argv, 0);
	if (!strcmp(cmd, "single"))
		return cmd_ingest(argc, argv, 1);
	if (!strcmp(cmd, "raw"))
		return cmd_raw(argc, argv);
	if (!strcmp(cmd, "show"))
		return cmd_show(argc, argv);
	if (!strcmp(cmd, "populate"))
		return cmd_populate(argc, argv);
	if (!strcmp(cmd, "search"))
		return cmd_search(argc, argv);
	if (!strcmp(cmd, "handsql"))
		return cmd_handsql(argc, argv);
	if (!strcmp(cmd, "plan"))
		return cmd_plan(argc, argv);
	die("usage: tracking-bench ingest|single|raw|show|populate|search|"
	    "handsql|plan ARGS (see bench/tracking.c)");
}
