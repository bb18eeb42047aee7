/*
 * serve_stats.c: what recording one request costs in `cairn serve`'s
 * counters (src/serve/stats.h), the serving benchmark's first figure;
 * bench/serve.sh runs it and docs/benchmarks.md ("Serving") explains it.
 *
 *   serve-stats-bench N   N calls of serve_stats_record() per thread,
 *       with 1 and then 2 threads recording into the same version's stats
 *       (as the front door's threads do), the clock read for each call as
 *       the runtime reads it (CLOCK_MONOTONIC) and the time moving on as
 *       it goes, so the ring rotates; then the same with the clock read
 *       alone. Prints "measure<TAB>value" lines: nanoseconds per call,
 *       wall time over calls per thread.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "harness.h"
#include "serve/stats.h"

struct job {
	struct serve_stats *stats;
	long n;
	int record;
	uint64_t sink;
};

static int64_t clock_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void *run(void *arg)
{
	struct job *j = arg;

	for (long i = 0; i < j->n; i++) {
		int64_t now = clock_ms();

		if (j->record)
			serve_stats_record(j->stats, now, 300 + (uint64_t)(i & 1023),
					   i % 100 ? SERVE_OK : SERVE_ERROR);
		else
			j->sink += (uint64_t)now;
	}
	return NULL;
}

/* Wall nanoseconds per call with threads threads of n calls each. */
static double measure(int threads, long n, int record)
{
	struct serve_stats *stats = serve_stats_new(60);
	struct job jobs[2];
	pthread_t th[2];
	double t0 = now_s(), t;

	for (int i = 0; i < threads; i++) {
		jobs[i] = (struct job){ stats, n, record, 0 };
		if (pthread_create(&th[i], NULL, run, &jobs[i]))
			die("cannot start a thread");
	}
	for (int i = 0; i < threads; i++)
		pthread_join(th[i], NULL);
	t = now_s() - t0;
	if (record) {
		struct serve_totals tot;

		serve_stats_totals(stats, &tot);
		if (tot.requests != (uint64_t)(threads * n))
			die("recorded %llu of %ld requests",
			    (unsigned long long)tot.requests, threads * n);
	}
	serve_stats_free(stats);
	return t * 1e9 / (double)n;
}

int main(int argc, char **argv)
{
	long n;

	if (argc != 2)
		die("usage: serve-stats-bench N");
	n = parse_count(argv[1], "N");
	row("clock_ns", measure(1, n, 0));
	row("record_ns_1thread", measure(1, n, 1));
	row("record_ns_2threads", measure(2, n, 1));
	return 0;
}
