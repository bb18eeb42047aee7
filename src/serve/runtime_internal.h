/*
 * runtime_internal.h: what the runtime*.c files share (see runtime.h).
 *
 * Versions. A struct rt_version is one loaded model version; it is
 * reference counted: the runtime's list of loaded versions holds one
 * reference, each request using it one more. The last release frees the
 * model (stopping its worker) and removes its directory, so a request
 * always finishes on the version it started on, swap or not.
 *
 * The table. Who answers is one immutable struct rt_table (the version of
 * each role, the canary percent, every loaded version), published through
 * one atomic pointer. A request enters a gate, loads the pointer, takes a
 * reference on the version it picked and leaves the gate: two atomic
 * increments and a load, no lock. Only the follow thread changes the
 * table: it publishes a new one, flips the gate's epoch and waits for the
 * readers of the old epoch to leave (a few instructions each), after
 * which nobody can still be reading the old table, so it is freed and the
 * versions no role keeps any more are released (userspace RCU in
 * miniature: gate[epoch & 1] counts the readers of each epoch).
 *
 * Everything else in struct serve_runtime (the slots, the loaded list,
 * the store handle) belongs to the follow thread, or to the thread that
 * opened the runtime before the follow thread starts and after it stops.
 */
#ifndef CAIRN_SERVE_RUNTIME_INTERNAL_H
#define CAIRN_SERVE_RUNTIME_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>

#include "serve/runtime.h"
#include "serve/stats.h"

enum rt_role { RT_PRIMARY, RT_CANARY, RT_SHADOW, RT_ROLES };

extern const char *const rt_role_names[RT_ROLES];

struct rt_version {
	atomic_uint refs;
	char *model;
	uint64_t number;
	char *label;            /* "NAME/N" */
	char *dir;              /* its verified copy, removed at the end */
	struct serve_model *m;
	size_t ncols;
	char *const *names;     /* the model's, or NULL */
	size_t memory;
	struct serve_stats *stats;
};

struct rt_table {
	struct rt_version *role[RT_ROLES]; /* NULL: none */
	unsigned canary_percent;
	size_t n;
	struct rt_version *loaded[];       /* every loaded version */
};

/* A version a URI moved to that did not load, and when to try again. */
struct rt_failure {
	char *model;
	uint64_t number;
	int64_t retry_ms;
	int64_t backoff_ms;
};

/* A role as the follow thread sees it. */
struct rt_slot {
	char *uri;                   /* NULL: the role is unused */
	char *model, *alias;         /* of an alias URI, else NULL */
	struct rt_version **kept;    /* the current first, at most keep */
	size_t nkept;
	struct rt_failure failed;    /* model NULL: none */
	char *unresolved;            /* the last resolve error logged */
	int64_t seen_ms;             /* a move first seen (0: none) */
	uint64_t seen_number;
	int armed;                   /* the guard watches kept[0] */
};

struct shadow_queue;

struct serve_runtime {
	cairn_repo *repo;
	struct serve_options o;      /* strings below are ours */
	char *name;
	uint64_t generation;         /* the deployment's, as last applied */
	char *deploy_error;          /* the last error reading it, logged */
	char *tmpdir;
	unsigned seq;
	char *primary_label;

	_Atomic(struct rt_table *) table;
	atomic_uint epoch;
	atomic_uint gate[2];

	struct rt_version **loaded;  /* the follow thread's; owns a ref each */
	size_t nloaded, loaded_alloc;
	struct rt_slot slot[RT_ROLES];
	unsigned canary_percent;

	atomic_ullong swaps, rollbacks, load_failures;
	atomic_ullong shadow_requests, shadow_agreed, shadow_dropped;
	struct shadow_queue *shadow;

	pthread_mutex_t lock;        /* stop and wake below */
	pthread_cond_t wake;
	int stop;
	int following;               /* the follow thread runs */
	pthread_t follow;
};

/* runtime.c */
void rt_log(struct serve_runtime *rt, const char *fmt, ...) CAIRN_PRINTF(2, 3);
int64_t rt_now_ms(void);
void rt_record(struct serve_runtime *rt, const char *action,
	       const char *model, uint64_t version, json_t *details,
	       const char *reason);
int rt_parse_alias(struct rt_slot *s, const char *uri);

/* runtime_table.c */
struct rt_table *rt_enter(struct serve_runtime *rt, unsigned *ticket);
void rt_leave(struct serve_runtime *rt, unsigned ticket);
void rt_version_get(struct rt_version *v);
void rt_version_put(struct rt_version *v);
struct rt_version *rt_find_loaded(struct serve_runtime *rt, const char *model,
				  uint64_t number);
int rt_load(struct rt_version **out, struct serve_runtime *rt,
	    const cairn_model_version *mv);
void rt_publish(struct serve_runtime *rt);
void rt_slot_push(struct serve_runtime *rt, struct rt_slot *s,
		  struct rt_version *v);
int rt_traffic(const struct serve_runtime *rt, enum rt_role r);

/* runtime_follow.c */
int rt_follow_start(struct serve_runtime *rt);
void rt_follow_stop(struct serve_runtime *rt);
int rt_guard_arm(struct serve_runtime *rt, struct rt_slot *s);

/* runtime_shadow.c */
struct shadow_queue *rt_shadow_new(struct serve_runtime *rt);
/* Hand over a copy of a request the primary answered (takes both). */
void rt_shadow_submit(struct serve_runtime *rt, struct serve_batch *in,
		      struct serve_predictions *primary);
void rt_shadow_free(struct shadow_queue *q);
void rt_batch_copy(struct serve_batch *dst, const struct serve_batch *src);
void rt_predictions_copy(struct serve_predictions *dst,
			 const struct serve_predictions *src);

#endif
