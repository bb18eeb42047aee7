/*
 * metrics.c: /metrics in Prometheus' text exposition format 0.0.4
 * (metrics.h).
 *
 * Each family is written whole before the next, as the format requires:
 * its "# HELP" and "# TYPE" lines, then one sample per loaded version.
 * Label values are escaped (backslash, double quote and newline become
 * \\, \" and \n); numbers are integers for counts, and the shortest
 * decimal that reads back the same for the rest ("NaN", "+Inf" and
 * "-Inf" as the format spells them). Histogram buckets are cumulative,
 * "le" ascending to "+Inf", then _sum and _count, per version.
 *
 * A version's labels are model, version and role, so a version serving
 * twice (say as primary and as shadow) gives two distinct series. The
 * shadow's agreement ratio is written only once the shadow answered.
 */
#include <inttypes.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve/metrics.h"
#include "util/banned.h"

#define PREFIX "cairn_serve_"

static void family(struct buf *out, const char *name, const char *type,
		   const char *help)
{
	buf_printf(out, "# HELP " PREFIX "%s %s\n# TYPE " PREFIX "%s %s\n",
		   name, help, name, type);
}

static void add_escaped(struct buf *out, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '\\')
			buf_puts(out, "\\\\");
		else if (*s == '"')
			buf_puts(out, "\\\"");
		else if (*s == '\n')
			buf_puts(out, "\\n");
		else
			buf_addch(out, *s);
	}
}

/* A float sample value, or an "le" bound. */
static void add_double(struct buf *out, double v)
{
	char tmp[32];

	if (isnan(v)) {
		buf_puts(out, "NaN");
		return;
	}
	if (isinf(v)) {
		buf_puts(out, v > 0 ? "+Inf" : "-Inf");
		return;
	}
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*g", prec, v);
		if (strtod(tmp, NULL) == v)
			break;
	}
	buf_puts(out, tmp);
}

/* "NAME{model=\"m\",version=\"3\"" with role when asked; no closing brace. */
static void series(struct buf *out, const char *name,
		   const struct serve_metrics_version *v, int with_role)
{
	buf_printf(out, PREFIX "%s{model=\"", name);
	add_escaped(out, v->model);
	buf_printf(out, "\",version=\"%" PRIu64 "\"", v->version);
	if (with_role) {
		buf_puts(out, ",role=\"");
		add_escaped(out, v->role);
		buf_addch(out, '"');
	}
}

static void count_of(struct buf *out, const char *name,
		     const struct serve_metrics_version *versions, size_t n,
		     size_t offset)
{
	for (size_t i = 0; i < n; i++) {
		const uint64_t *count =
			(const uint64_t *)((const char *)&versions[i].totals +
					   offset);

		series(out, name, &versions[i], 1);
		buf_printf(out, "} %" PRIu64 "\n", *count);
	}
}

static void histogram(struct buf *out,
		      const struct serve_metrics_version *versions, size_t n)
{
	static const char *name = "request_duration_seconds";

	family(out, name, "histogram",
	       "Time from request to response, by model, version and role.");
	for (size_t i = 0; i < n; i++) {
		const struct serve_metrics_version *v = &versions[i];

		for (size_t b = 0; b <= SERVE_LATENCY_BUCKETS; b++) {
			series(out, "request_duration_seconds_bucket", v, 1);
			buf_puts(out, ",le=\"");
			add_double(out, b < SERVE_LATENCY_BUCKETS
						? serve_latency_bounds[b]
						: INFINITY);
			buf_printf(out, "\"} %" PRIu64 "\n",
				   v->totals.buckets[b]);
		}
		series(out, "request_duration_seconds_sum", v, 1);
		buf_puts(out, "} ");
		add_double(out, v->totals.latency_sum_s);
		buf_addch(out, '\n');
		series(out, "request_duration_seconds_count", v, 1);
		buf_printf(out, "} %" PRIu64 "\n",
			   v->totals.buckets[SERVE_LATENCY_BUCKETS]);
	}
}

/* How many of versions belong to the model of versions[i]; 0 if counted. */
static size_t versions_of_model(const struct serve_metrics_version *versions,
				size_t n, size_t i)
{
	size_t count = 0;

	for (size_t j = 0; j < n; j++) {
		if (strcmp(versions[j].model, versions[i].model))
			continue;
		if (j < i)
			return 0;
		count++;
	}
	return count;
}

static void counter(struct buf *out, const char *name, const char *help,
		    uint64_t value)
{
	family(out, name, "counter", help);
	buf_printf(out, PREFIX "%s %" PRIu64 "\n", name, value);
}

void serve_metrics_render(struct buf *out,
			  const struct serve_metrics_version *versions, size_t n,
			  const struct serve_metrics_counters *c)
{
	family(out, "requests_total", "counter",
	       "Requests answered, client errors included, by model, version and role.");
	count_of(out, "requests_total", versions, n,
		 offsetof(struct serve_totals, requests));
	family(out, "errors_total", "counter",
	       "Requests that failed on the server side (5xx, timeouts, worker crashes).");
	count_of(out, "errors_total", versions, n,
		 offsetof(struct serve_totals, errors));
	family(out, "client_errors_total", "counter",
	       "Requests refused as the client's mistake (4xx).");
	count_of(out, "client_errors_total", versions, n,
		 offsetof(struct serve_totals, client_errors));
	histogram(out, versions, n);

	family(out, "loaded_versions", "gauge",
	       "Model versions loaded in memory, by model.");
	for (size_t i = 0; i < n; i++) {
		size_t count = versions_of_model(versions, n, i);

		if (!count)
			continue;
		buf_puts(out, PREFIX "loaded_versions{model=\"");
		add_escaped(out, versions[i].model);
		buf_printf(out, "\"} %zu\n", count);
	}
	family(out, "version_memory_bytes", "gauge",
	       "Memory a loaded version holds, by model and version.");
	for (size_t i = 0; i < n; i++) {
		series(out, "version_memory_bytes", &versions[i], 0);
		buf_printf(out, "} %zu\n", versions[i].memory_bytes);
	}
	family(out, "traffic_percent", "gauge",
	       "Share of requests a version answers, in percent, by role.");
	for (size_t i = 0; i < n; i++) {
		series(out, "traffic_percent", &versions[i], 1);
		buf_printf(out, "} %u\n", versions[i].traffic_percent);
	}

	counter(out, "shadow_requests_total",
		"Requests mirrored to a shadow version that it answered.",
		c->shadow_requests);
	counter(out, "shadow_agreed_total",
		"Mirrored requests where the shadow agreed with the primary.",
		c->shadow_agreed);
	counter(out, "shadow_dropped_total",
		"Copies of requests not mirrored: the shadow's queue was full.",
		c->shadow_dropped);
	if (c->shadow_requests) {
		family(out, "shadow_agreement_ratio", "gauge",
		       "Share of mirrored requests where the shadow agreed with the primary.");
		buf_puts(out, PREFIX "shadow_agreement_ratio ");
		add_double(out, (double)c->shadow_agreed /
					(double)c->shadow_requests);
		buf_addch(out, '\n');
	}
	counter(out, "swaps_total",
		"Versions swapped in after their alias or stage moved.",
		c->swaps);
	counter(out, "rollbacks_total",
		"Rollbacks to a previous version.",
		c->rollbacks);
	counter(out, "load_failures_total",
		"Versions that failed to load or verify and were not swapped in.",
		c->load_failures);
}
