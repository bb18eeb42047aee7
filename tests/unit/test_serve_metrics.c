/*
 * test_serve_metrics.c: /metrics' text (src/serve/metrics.c): families
 * whole, each with its HELP and TYPE lines; the histogram's cumulative
 * buckets, _sum and _count from real stats; label values escaped; the
 * shadow ratio only once a shadow answered; and every line one of the
 * three forms the exposition format allows.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "serve/metrics.h"
#include "serve/stats.h"

static void assert_has(const char *text, const char *line)
{
	if (!strstr(text, line))
		fail_msg("no '%s' in:\n%s", line, text);
}

static void assert_lacks(const char *text, const char *line)
{
	if (strstr(text, line))
		fail_msg("'%s' in:\n%s", line, text);
}

/*
 * Every line is "# HELP name text", "# TYPE name type" or a sample of the
 * family TYPE named last (its name, or name_bucket/_sum/_count for a
 * histogram), and no family is declared twice.
 */
static void assert_well_formed(const char *text)
{
	char family[128] = "", type[32] = "", name[160];
	char seen[64][128];
	size_t nseen = 0;
	const char *line = text;

	while (*line) {
		const char *end = strchr(line, '\n');
		size_t len;

		assert_non_null(end);
		len = (size_t)(end - line);
		if (!strncmp(line, "# HELP ", 7)) {
			assert_int_equal(sscanf(line, "# HELP %127s", family), 1);
			for (size_t i = 0; i < nseen; i++)
				assert_string_not_equal(seen[i], family);
			assert_true(nseen < 64);
			snprintf(seen[nseen++], sizeof(seen[0]), "%s", family);
		} else if (!strncmp(line, "# TYPE ", 7)) {
			assert_int_equal(sscanf(line, "# TYPE %159s %31s", name,
						type), 2);
			assert_string_equal(name, family);
			assert_true(!strcmp(type, "counter") ||
				    !strcmp(type, "gauge") ||
				    !strcmp(type, "histogram"));
		} else {
			size_t n = strcspn(line, "{ ");
			int ok;

			assert_true(n < sizeof(name) && n < len);
			memcpy(name, line, n);
			name[n] = '\0';
			ok = !strcmp(name, family);
			if (!strcmp(type, "histogram")) {
				size_t f = strlen(family);

				ok = !strncmp(name, family, f) &&
				     (!strcmp(name + f, "_bucket") ||
				      !strcmp(name + f, "_sum") ||
				      !strcmp(name + f, "_count"));
			}
			if (!ok)
				fail_msg("sample '%.*s' outside its family '%s'",
					 (int)len, line, family);
			/* A value after the labels. */
			assert_true(line[len - 1] != ' ' && memchr(line, ' ', len));
		}
		line = end + 1;
	}
}

static void test_render(void **state)
{
	struct serve_stats *s = serve_stats_new(60);
	struct serve_metrics_version v[2];
	struct serve_metrics_counters c = { 0 };
	struct buf out = BUF_INIT;

	(void)state;
	serve_stats_record(s, 1000, 300, SERVE_OK);      /* 0.0003 s */
	serve_stats_record(s, 1000, 1500, SERVE_OK);     /* 0.0015 s */
	serve_stats_record(s, 1000, 1500, SERVE_ERROR);
	serve_stats_record(s, 1000, 20000000, SERVE_ERROR); /* 20 s */
	serve_stats_record(s, 1000, 100, SERVE_CLIENT_ERROR);

	memset(v, 0, sizeof(v));
	v[0].model = "churn";
	v[0].version = 3;
	v[0].role = "primary";
	serve_stats_totals(s, &v[0].totals);
	v[0].memory_bytes = 123456;
	v[0].traffic_percent = 90;
	v[1].model = "churn";
	v[1].version = 4;
	v[1].role = "canary";
	v[1].memory_bytes = 654321;
	v[1].traffic_percent = 10;
	c.swaps = 2;
	c.rollbacks = 1;
	c.load_failures = 5;

	serve_metrics_render(&out, v, 2, &c);
	assert_well_formed(out.ptr);
	assert_has(out.ptr, "# HELP cairn_serve_requests_total ");
	assert_has(out.ptr, "# TYPE cairn_serve_requests_total counter\n");
	assert_has(out.ptr, "\ncairn_serve_requests_total{model=\"churn\",version=\"3\",role=\"primary\"} 5\n");
	assert_has(out.ptr, "\ncairn_serve_requests_total{model=\"churn\",version=\"4\",role=\"canary\"} 0\n");
	assert_has(out.ptr, "\ncairn_serve_errors_total{model=\"churn\",version=\"3\",role=\"primary\"} 2\n");
	assert_has(out.ptr, "\ncairn_serve_client_errors_total{model=\"churn\",version=\"3\",role=\"primary\"} 1\n");
	assert_has(out.ptr, "# TYPE cairn_serve_request_duration_seconds histogram\n");
	assert_has(out.ptr,
		   "cairn_serve_request_duration_seconds_bucket{model=\"churn\",version=\"3\",role=\"primary\",le=\"0.0005\"} 2\n"
		   "cairn_serve_request_duration_seconds_bucket{model=\"churn\",version=\"3\",role=\"primary\",le=\"0.001\"} 2\n"
		   "cairn_serve_request_duration_seconds_bucket{model=\"churn\",version=\"3\",role=\"primary\",le=\"0.002\"} 4\n");
	assert_has(out.ptr,
		   "le=\"5\"} 4\n"
		   "cairn_serve_request_duration_seconds_bucket{model=\"churn\",version=\"3\",role=\"primary\",le=\"10\"} 4\n"
		   "cairn_serve_request_duration_seconds_bucket{model=\"churn\",version=\"3\",role=\"primary\",le=\"+Inf\"} 5\n"
		   "cairn_serve_request_duration_seconds_sum{model=\"churn\",version=\"3\",role=\"primary\"} 20.0034\n"
		   "cairn_serve_request_duration_seconds_count{model=\"churn\",version=\"3\",role=\"primary\"} 5\n");
	assert_has(out.ptr, "\ncairn_serve_loaded_versions{model=\"churn\"} 2\n");
	assert_has(out.ptr, "\ncairn_serve_version_memory_bytes{model=\"churn\",version=\"4\"} 654321\n");
	assert_has(out.ptr, "\ncairn_serve_traffic_percent{model=\"churn\",version=\"3\",role=\"primary\"} 90\n");
	assert_has(out.ptr, "\ncairn_serve_swaps_total 2\n");
	assert_has(out.ptr, "\ncairn_serve_rollbacks_total 1\n");
	assert_has(out.ptr, "\ncairn_serve_load_failures_total 5\n");
	assert_has(out.ptr, "\ncairn_serve_shadow_requests_total 0\n");
	/* No shadow answered yet: no ratio (0/0). */
	assert_lacks(out.ptr, "shadow_agreement_ratio");

	buf_reset(&out);
	c.shadow_requests = 8;
	c.shadow_agreed = 6;
	v[1].role = "shadow";
	serve_metrics_render(&out, v, 2, &c);
	assert_well_formed(out.ptr);
	assert_has(out.ptr, "# TYPE cairn_serve_shadow_agreement_ratio gauge\n");
	assert_has(out.ptr, "\ncairn_serve_shadow_agreement_ratio 0.75\n");
	assert_has(out.ptr, "\ncairn_serve_shadow_agreed_total 6\n");
	assert_has(out.ptr, "\ncairn_serve_shadow_dropped_total 0\n");
	buf_release(&out);
	serve_stats_free(s);
}

static void test_escaping(void **state)
{
	struct serve_metrics_version v[3];
	struct serve_metrics_counters c = { 0 };
	struct buf out = BUF_INIT;

	(void)state;
	memset(v, 0, sizeof(v));
	v[0].model = "we\"ird\\name\nx";
	v[0].version = 18446744073709551615ull;
	v[0].role = "primary";
	v[1].model = "other";
	v[1].version = 1;
	v[1].role = "ro\"le";
	v[2].model = "we\"ird\\name\nx";
	v[2].version = 2;
	v[2].role = "standby";
	serve_metrics_render(&out, v, 3, &c);
	assert_well_formed(out.ptr);
	assert_has(out.ptr,
		   "cairn_serve_requests_total{model=\"we\\\"ird\\\\name\\nx\",version=\"18446744073709551615\",role=\"primary\"} 0\n");
	assert_has(out.ptr, "role=\"ro\\\"le\"} 0\n");
	assert_has(out.ptr, "cairn_serve_loaded_versions{model=\"we\\\"ird\\\\name\\nx\"} 2\n");
	assert_has(out.ptr, "cairn_serve_loaded_versions{model=\"other\"} 1\n");
	/* Not a raw newline or quote anywhere in a label. */
	assert_lacks(out.ptr, "name\nx");
	buf_release(&out);
}

static void test_nothing_loaded(void **state)
{
	struct serve_metrics_counters c = { 0 };
	struct buf out = BUF_INIT;

	(void)state;
	serve_metrics_render(&out, NULL, 0, &c);
	assert_well_formed(out.ptr);
	assert_has(out.ptr, "# TYPE cairn_serve_requests_total counter\n");
	assert_has(out.ptr, "\ncairn_serve_swaps_total 0\n");
	assert_lacks(out.ptr, "{");
	buf_release(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_render),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_nothing_loaded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
