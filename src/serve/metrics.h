/*
 * metrics.h: GET /metrics, in Prometheus' text exposition format 0.0.4.
 *
 * Families (all prefixed cairn_serve_): requests_total and errors_total
 * (counters, by model, version and role), client_errors_total,
 * request_duration_seconds (histogram on serve_latency_bounds),
 * loaded_versions (gauge), version_memory_bytes (gauge, by version),
 * traffic_percent (gauge, by role), shadow_requests_total,
 * shadow_agreed_total and shadow_dropped_total (counters),
 * shadow_agreement_ratio (gauge, once the shadow answered), swaps_total,
 * rollbacks_total and load_failures_total (counters). Label values are
 * escaped as the format requires (backslash, quote, newline).
 */
#ifndef CAIRN_SERVE_METRICS_H
#define CAIRN_SERVE_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "serve/stats.h"
#include "util/buf.h"

/* One loaded version, as the runtime sees it when /metrics is asked. */
struct serve_metrics_version {
	const char *model;
	uint64_t version;
	const char *role;          /* "primary", "canary", "shadow", "standby" */
	struct serve_totals totals;
	size_t memory_bytes;
	unsigned traffic_percent;  /* share of requests it answers */
};

struct serve_metrics_counters {
	uint64_t swaps, rollbacks, load_failures;
	uint64_t shadow_requests, shadow_agreed; /* agreement = agreed/requests */
	uint64_t shadow_dropped;  /* copies dropped: the shadow's queue was full */
};

void serve_metrics_render(struct buf *out,
			  const struct serve_metrics_version *versions, size_t n,
			  const struct serve_metrics_counters *c);

#endif
