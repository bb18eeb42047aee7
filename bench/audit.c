/*
 * audit.c: the audit-log benchmark program; bench/audit.sh drives it and
 * docs/benchmarks.md ("Audit log") explains it.
 *
 * Each subcommand prints TSV lines "measure<TAB>value" on stdout, nothing
 * else; diagnostics go to stderr.
 *
 *   populate DIR RUNS   a fresh project in DIR (existing, empty): RUNS runs
 *       made with cairn_run_create() and ended FINISHED with
 *       cairn_run_update(), two audit events each, as cairn records them.
 *   canon DIR OUT       write, for every event, the bytes its hash covers
 *       (the previous hash and the canonical JSON) and a newline to OUT:
 *       the byte volume `cairn audit verify` hashes, for the peers.
 *   lineage DIR N       in a populated project: a data set version, a run
 *       that used it and logged a model directory, and a model version
 *       registered from it; then N calls each of cairn_lineage_json() for
 *       the model version (upstream: run, data) and for the data set
 *       version (downstream: runs, models); microseconds per call, median
 *       and max.
 *   append DIR N        what an event adds to a change: N run creations
 *       (cairn_run_create(), event included), N write transactions holding
 *       only a run.create-shaped event, and N write transactions holding
 *       one small row of another table (the stat cache); wall and CPU
 *       microseconds per call each. The event's cost is the second minus
 *       the third, next to the first.
 *
 * Wall times are CLOCK_MONOTONIC; CPU times user + system (getrusage),
 * the steadier figure on a shared machine.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cairn.h"
#include "harness.h"
#include "lib/audit.h"
#include "lib/db.h"
#include "lib/repo.h"
#include "util/buf.h"

static void one_run(cairn_repo *repo, long i)
{
	cairn_run_create_options o = CAIRN_RUN_CREATE_OPTIONS_INIT;
	cairn_buf id = CAIRN_BUF_INIT;
	char name[32];

	snprintf(name, sizeof(name), "run-%ld", i);
	o.name = name;
	check(cairn_run_create(&id, repo, &o), "run create");
	check(cairn_run_update(repo, id.ptr, CAIRN_RUN_FINISHED, 0, NULL), "run end");
	cairn_buf_dispose(&id);
}

static int populate(const char *dir, long runs)
{
	cairn_repo *repo;
	double t0;
	long i;

	check(cairn_repo_init(&repo, dir, NULL), "init");
	t0 = now_s();
	for (i = 0; i < runs; i++) {
		one_run(repo, i);
		if ((i + 1) % 10000 == 0)
			fprintf(stderr, "audit-bench: %ld runs\n", i + 1);
	}
	row("populate_s", now_s() - t0);
	row("events", (double)runs * 2);
	cairn_repo_free(repo);
	return 0;
}

struct canon_out {
	FILE *f;
	struct buf canon;
	uint64_t bytes, events;
};

static int write_canon(const struct db_audit_row *r, void *payload)
{
	struct canon_out *c = payload;

	check(audit_canonical(&c->canon, r), "canonical form");
	fprintf(c->f, "%s%s\n", r->prev, c->canon.ptr);
	c->bytes += strlen(r->prev) + c->canon.len;
	c->events++;
	return 0;
}

static int canon(const char *dir, const char *out)
{
	struct canon_out c = { NULL, BUF_INIT, 0, 0 };
	cairn_repo *repo;

	check(cairn_repo_open(&repo, dir), "open");
	if (!(c.f = fopen(out, "w")))
		die("cannot write '%s': %s", out, strerror(errno));
	check(db_audit_foreach(repo->db, NULL, write_canon, &c), "read events");
	if (fclose(c.f))
		die("cannot write '%s': %s", out, strerror(errno));
	row("events", (double)c.events);
	row("hashed_bytes", (double)c.bytes);
	buf_release(&c.canon);
	cairn_repo_free(repo);
	return 0;
}

/* Wall and CPU microseconds per call since t0/c0, as NAME_us, NAME_cpu_us. */
static void per_call(const char *name, double t0, double c0, long n)
{
	char m[64];

	snprintf(m, sizeof(m), "%s_us", name);
	row(m, (now_s() - t0) / (double)n * 1e6);
	snprintf(m, sizeof(m), "%s_cpu_us", name);
	row(m, (cpu_s() - c0) / (double)n * 1e6);
}

static int append(const char *dir, long n)
{
	struct db_stat st;
	cairn_repo *repo;
	double t0, c0;
	long i;

	check(cairn_repo_open(&repo, dir), "open");
	t0 = now_s();
	c0 = cpu_s();
	for (i = 0; i < n; i++) {
		cairn_run_create_options o = CAIRN_RUN_CREATE_OPTIONS_INIT;
		cairn_buf id = CAIRN_BUF_INIT;

		check(cairn_run_create(&id, repo, &o), "run create");
		cairn_buf_dispose(&id);
	}
	per_call("run_create", t0, c0, n);
	t0 = now_s();
	c0 = cpu_s();
	for (i = 0; i < n; i++) {
		check(db_begin(repo->db), "begin");
		check(audit_record(repo, "run.create",
				   "run:0123456789abcdef0123456789abcdef", NULL,
				   "{\"experiment_id\":\"0\",\"name\":\"quick-fox-123\","
				   "\"parent_run_id\":null,\"start_time\":1767225600000,"
				   "\"status\":\"RUNNING\",\"user\":\"bench\"}", NULL),
		      "append");
		check(db_commit(repo->db), "commit");
	}
	per_call("event_txn", t0, c0, n);
	/* The same transaction writing one small row of another table. */
	memset(&st, 0, sizeof(st));
	t0 = now_s();
	c0 = cpu_s();
	for (i = 0; i < n; i++) {
		char path[32];

		snprintf(path, sizeof(path), "bench/%ld", i);
		st.size = (uint64_t)i;
		check(db_begin(repo->db), "begin");
		check(db_stat_put(repo->db, path, &st), "row");
		check(db_commit(repo->db), "commit");
	}
	per_call("row_txn", t0, c0, n);
	cairn_repo_free(repo);
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median and max of n timings of cairn_lineage_json(kind, spec), in us. */
static void time_lineage(cairn_repo *repo, const char *name,
			 cairn_lineage_kind kind, const char *spec,
			 unsigned int dirs, long n)
{
	double *t = malloc((size_t)n * sizeof(*t));
	char m[64];
	long i;

	if (!t)
		die("out of memory");
	for (i = 0; i < n; i++) {
		cairn_buf out = CAIRN_BUF_INIT;
		double t0 = now_s();

		check(cairn_lineage_json(&out, repo, kind, spec, dirs), "lineage");
		t[i] = (now_s() - t0) * 1e6;
		cairn_buf_dispose(&out);
	}
	qsort(t, (size_t)n, sizeof(*t), cmp_double);
	snprintf(m, sizeof(m), "%s_median_us", name);
	row(m, t[n / 2]);
	snprintf(m, sizeof(m), "%s_max_us", name);
	row(m, t[n - 1]);
	free(t);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f || fputs(text, f) < 0 || fclose(f))
		die("cannot write '%s'", path);
}

static int lineage(const char *dir, long n)
{
	cairn_run_create_options o = CAIRN_RUN_CREATE_OPTIONS_INIT;
	cairn_model_register_options r = CAIRN_MODEL_REGISTER_OPTIONS_INIT;
	cairn_model_version *v = NULL;
	cairn_buf id = CAIRN_BUF_INIT;
	char data[4096], model[4096], weights[4200], uri[64];
	cairn_repo *repo;
	int err;

	snprintf(data, sizeof(data), "%s/train.csv", dir);
	snprintf(model, sizeof(model), "%s/model", dir);
	snprintf(weights, sizeof(weights), "%s/weights.bin", model);
	write_file(data, "x,y\n1,2\n3,4\n");
	if (mkdir(model, 0755) < 0 && errno != EEXIST)
		die("cannot make '%s'", model);
	write_file(weights, "weights\n");
	check(cairn_repo_open(&repo, dir), "open");
	check(cairn_data_add(repo, data, NULL, NULL, NULL), "data add");
	o.name = "lineage-train";
	check(cairn_run_create(&id, repo, &o), "run create");
	check(cairn_log_input(repo, id.ptr, "train.csv", "training"), "log input");
	check(cairn_log_artifact(repo, id.ptr, model, NULL), "log artifact");
	err = cairn_model_create(repo, "bench-model", NULL, NULL, 0);
	if (err != CAIRN_EEXISTS) /* it may exist from an earlier call */
		check(err, "model create");
	r.run = id.ptr;
	r.path = "model";
	check(cairn_model_register(&v, repo, "bench-model", &r), "register");
	snprintf(uri, sizeof(uri), "models:/bench-model/%llu",
		 (unsigned long long)v->version);
	time_lineage(repo, "lineage_model", CAIRN_LINEAGE_MODEL, uri,
		     CAIRN_LINEAGE_UPSTREAM, n);
	time_lineage(repo, "lineage_data", CAIRN_LINEAGE_DATA, "train.csv",
		     CAIRN_LINEAGE_DOWNSTREAM, n);
	cairn_model_version_free(v);
	cairn_buf_dispose(&id);
	cairn_repo_free(repo);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "populate"))
		return populate(argv[2], parse_count(argv[3], "RUNS"));
	if (argc == 4 && !strcmp(argv[1], "canon"))
		return canon(argv[2], argv[3]);
	if (argc == 4 && !strcmp(argv[1], "lineage"))
		return lineage(argv[2], parse_count(argv[3], "N"));
	if (argc == 4 && !strcmp(argv[1], "append"))
		return append(argv[2], parse_count(argv[3], "N"));
	fputs("usage: audit-bench populate DIR RUNS | canon DIR OUT | lineage DIR N"
	      " | append DIR N\n",
	      stderr);
	return 2;
}
