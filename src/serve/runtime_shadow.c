/*
 * runtime_shadow.c: mirroring requests to the shadow version.
 *
 * A request the primary (or the canary) answered is handed over here
 * with a copy of its input and of the answer, after the answer is made:
 * the client never waits for the shadow. One thread takes the copies
 * from a bounded queue (SHADOW_QUEUE entries); when the queue is full the
 * copy is dropped and counted, so a slow shadow costs the front door
 * nothing but the copy. The thread predicts with whatever version holds
 * the shadow role when it gets there, records the latency and outcome in
 * that version's stats (its error rate and latency show in /metrics like
 * any version's), and counts whether it agreed with the primary
 * (serve_predictions_agree(), to a relative 1e-6).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "serve/decode.h"
#include "serve/runtime_internal.h"
#include "serve/traffic.h"
#include "util/alloc.h"
#include "util/banned.h"

#define SHADOW_QUEUE 256
#define SHADOW_TOLERANCE 1e-6

struct shadow_job {
	struct serve_batch in;
	struct serve_predictions primary;
};

struct shadow_queue {
	struct serve_runtime *rt;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct shadow_job *jobs[SHADOW_QUEUE];
	size_t head, n;
	int stop, running;
	pthread_t thread;
};

void rt_batch_copy(struct serve_batch *dst, const struct serve_batch *src)
{
	size_t i;

	memset(dst, 0, sizeof(*dst));
	dst->rows = src->rows;
	dst->cols = src->cols;
	dst->values = xmalloc(src->rows * src->cols * sizeof(double) + 1);
	memcpy(dst->values, src->values, src->rows * src->cols * sizeof(double));
	if (src->columns) {
		dst->columns = xcalloc(src->cols, sizeof(char *));
		for (i = 0; i < src->cols; i++)
			dst->columns[i] = xstrdup(src->columns[i]);
	}
	dst->params = src->params ? json_deep_copy(src->params) : NULL;
	dst->source = src->source;
}

void rt_predictions_copy(struct serve_predictions *dst,
			 const struct serve_predictions *src)
{
	memset(dst, 0, sizeof(*dst));
	dst->rows = src->rows;
	dst->width = src->width;
	if (src->values) {
		size_t n = src->rows * src->width * sizeof(double);

		dst->values = xmalloc(n + 1);
		memcpy(dst->values, src->values, n);
	}
	dst->json = src->json ? json_deep_copy(src->json) : NULL;
}

static void job_free(struct shadow_job *j)
{
	serve_batch_release(&j->in);
	serve_predictions_release(&j->primary);
	free(j);
}

static void shadow_run(struct serve_runtime *rt, struct shadow_job *j)
{
	struct serve_predictions out = { 0, 0, NULL, NULL };
	struct serve_error err;
	struct rt_version *v;
	struct rt_table *t;
	enum serve_outcome outcome = SERVE_OK;
	unsigned ticket;
	uint64_t start;

	t = rt_enter(rt, &ticket);
	if ((v = t->role[RT_SHADOW]))
		rt_version_get(v);
	rt_leave(rt, ticket);
	if (!v)
		return;
	start = serve_now_us();
	if (serve_batch_conform(&j->in, v->ncols, v->names, &err) < 0 ||
	    serve_model_predict(v->m, &j->in, &out, &err) < 0)
		outcome = serve_error_is_versions(&err) ? SERVE_ERROR :
							  SERVE_CLIENT_ERROR;
	serve_stats_record(v->stats, rt_now_ms(), serve_now_us() - start, outcome);
	atomic_fetch_add(&rt->shadow_requests, 1);
	if (outcome == SERVE_OK &&
	    serve_predictions_agree(&j->primary, &out, SHADOW_TOLERANCE, NULL))
		atomic_fetch_add(&rt->shadow_agreed, 1);
	serve_predictions_release(&out);
	rt_version_put(v);
}

static void *shadow_main(void *arg)
{
	struct shadow_queue *q = arg;

	pthread_mutex_lock(&q->lock);
	for (;;) {
		struct shadow_job *j;

		while (!q->n && !q->stop)
			pthread_cond_wait(&q->wake, &q->lock);
		if (q->stop)
			break;
		j = q->jobs[q->head];
		q->head = (q->head + 1) % SHADOW_QUEUE;
		q->n--;
		pthread_mutex_unlock(&q->lock);
		shadow_run(q->rt, j);
		job_free(j);
		pthread_mutex_lock(&q->lock);
	}
	pthread_mutex_unlock(&q->lock);
	return NULL;
}

struct shadow_queue *rt_shadow_new(struct serve_runtime *rt)
{
	struct shadow_queue *q = xcalloc(1, sizeof(*q));

	q->rt = rt;
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->wake, NULL);
	if (pthread_create(&q->thread, NULL, shadow_main, q) == 0)
		q->running = 1;
	else
		rt_log(rt, "warning: cannot start the shadow thread: %s",
		       strerror(errno));
	return q;
}

void rt_shadow_submit(struct serve_runtime *rt, struct serve_batch *in,
		      struct serve_predictions *primary)
{
	struct shadow_queue *q = rt->shadow;
	struct shadow_job *j = xmalloc(sizeof(*j));
	int queued = 0;

	j->in = *in;
	j->primary = *primary;
	memset(in, 0, sizeof(*in));
	memset(primary, 0, sizeof(*primary));
	if (q && q->running) {
		pthread_mutex_lock(&q->lock);
		if (q->n < SHADOW_QUEUE && !q->stop) {
			q->jobs[(q->head + q->n) % SHADOW_QUEUE] = j;
			q->n++;
			queued = 1;
			pthread_cond_signal(&q->wake);
		}
		pthread_mutex_unlock(&q->lock);
	}
	if (!queued) {
		atomic_fetch_add(&rt->shadow_dropped, 1);
		job_free(j);
	}
}

void rt_shadow_free(struct shadow_queue *q)
{
	if (!q)
		return;
	pthread_mutex_lock(&q->lock);
	q->stop = 1;
	pthread_cond_signal(&q->wake);
	pthread_mutex_unlock(&q->lock);
	if (q->running)
		pthread_join(q->thread, NULL);
	while (q->n) {
		job_free(q->jobs[q->head]);
		q->head = (q->head + 1) % SHADOW_QUEUE;
		q->n--;
	}
	pthread_cond_destroy(&q->wake);
	pthread_mutex_destroy(&q->lock);
	free(q);
}
