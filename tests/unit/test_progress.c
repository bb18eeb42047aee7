/*
 * test_progress.c: the progress line (src/util/progress.c), drawn into a
 * temporary file put in place of stderr.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/progress.h"

/* ------------------------------------------------------------ helpers */

struct capture {
	FILE *file;
	int saved; /* the real stderr */
};

static void capture_start(struct capture *c)
{
	c->file = tmpfile();
	assert_non_null(c->file);
	c->saved = dup(STDERR_FILENO);
	assert_true(c->saved >= 0);
	assert_int_equal(dup2(fileno(c->file), STDERR_FILENO), STDERR_FILENO);
}

/* Restore stderr and return what was written to it (free it). */
static char *capture_end(struct capture *c)
{
	char *text;
	long n;

	assert_int_equal(dup2(c->saved, STDERR_FILENO), STDERR_FILENO);
	close(c->saved);
	assert_int_equal(fseek(c->file, 0, SEEK_END), 0);
	n = ftell(c->file);
	assert_true(n >= 0);
	rewind(c->file);
	text = calloc(1, (size_t)n + 1);
	assert_non_null(text);
	assert_int_equal(fread(text, 1, (size_t)n, c->file), (size_t)n);
	fclose(c->file);
	return text;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0)
		;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t count(const char *text, const char *needle)
{
	size_t n = 0;

	while ((text = strstr(text, needle))) {
		n++;
		text += strlen(needle);
	}
	return n;
}

static void assert_contains(const char *text, const char *needle)
{
	if (!strstr(text, needle))
		fail_msg("output '%s' lacks '%s'", text, needle);
}

/* -------------------------------------------------------------- tests */

static void test_draws_title_and_percent(void **state)
{
	struct capture c;
	struct progress *p;
	char *out;
	size_t len;
	(void)state;

	progress_force(1);
	capture_start(&c);
	p = progress_start("adding", 1000);
	progress_add(p, 300);
	sleep_ms(120);
	progress_add(p, 180);
	progress_stop(p);
	out = capture_end(&c);
	progress_force(0);

	assert_contains(out, "adding");
	assert_contains(out, "480 B / 1000 B  48%");
	assert_contains(out, "B/s  ETA 0:");
	/* Drawn from column 0, erased to the line end, and erased on stop. */
	assert_int_equal(out[0], '\r');
	assert_contains(out, "\033[K");
	len = strlen(out);
	assert_true(len > 4);
	assert_string_equal(out + len - 4, "\r\033[K");
	assert_int_equal(count(out, "\r"), 2);
	free(out);
}

static void test_sizes_and_units(void **state)
{
	struct capture c;
	struct progress *p;
	char *out;
	(void)state;

	progress_force(1);
	capture_start(&c);
	p = progress_start("adding", (uint64_t)1 << 30);
	sleep_ms(110);
	progress_add(p, (uint64_t)512 << 20);
	progress_stop(p);
	out = capture_end(&c);
	progress_force(0);

	assert_contains(out, "\radding   512.0 MiB / 1.0 GiB  50%  ");
	assert_contains(out, "B/s  ETA ");
	free(out);
}

static void test_unknown_total(void **state)
{
	struct capture c;
	struct progress *p;
	char *out;
	(void)state;

	progress_force(1);
	capture_start(&c);
	p = progress_start("checking out", 0);
	sleep_ms(110);
	progress_add(p, 3 * 1024 * 1024 / 2);
	progress_stop(p);
	out = capture_end(&c);
	progress_force(0);

	assert_contains(out, "\rchecking out 1.5 MiB  ");
	assert_contains(out, "B/s\033[K");
	assert_null(strchr(out, '%'));
	assert_null(strstr(out, "ETA"));
	free(out);
}

static void test_quiet_when_not_a_terminal(void **state)
{
	struct capture c;
	struct progress *p;
	char *out;
	(void)state;

	progress_force(0);
	capture_start(&c);
	p = progress_start("adding", 100);
	sleep_ms(110);
	progress_add(p, 50);
	sleep_ms(110);
	progress_add(p, 50);
	progress_stop(p);
	out = capture_end(&c);
	assert_string_equal(out, "");
	free(out);

	/* Nothing drawn yet (too soon): nothing to erase either. */
	progress_force(1);
	capture_start(&c);
	p = progress_start("adding", 100);
	progress_add(p, 50);
	progress_stop(p);
	out = capture_end(&c);
	progress_force(0);
	assert_string_equal(out, "");
	free(out);
}

static void test_at_most_ten_a_second(void **state)
{
	struct capture c;
	struct progress *p;
	double t0, elapsed;
	char *out;
	size_t draws;
	int i;
	(void)state;

	progress_force(1);
	capture_start(&c);
	p = progress_start("adding", 0);
	t0 = now_s();
	for (i = 0; i < 300; i++) {
		progress_add(p, 4096);
		sleep_ms(1);
	}
	elapsed = now_s() - t0;
	progress_stop(p);
	out = capture_end(&c);
	progress_force(0);

	draws = count(out, "adding");
	assert_true(draws >= 1);
	assert_true((double)draws <= elapsed * 10 + 0.001);
	free(out);
}

struct worker {
	struct progress *p;
};

static void *work(void *arg)
{
	struct worker *w = arg;
	int i;

	for (i = 0; i < 1000; i++)
		progress_add(w->p, 1024);
	return NULL;
}

static void test_threads(void **state)
{
	struct capture c;
	struct worker w;
	pthread_t t[4];
	char *out;
	int i;
	(void)state;

	progress_force(1);
	capture_start(&c);
	w.p = progress_start("adding", 4 * 1000 * 1024);
	for (i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, work, &w), 0);
	for (i = 0; i < 4; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	sleep_ms(110);
	progress_add(w.p, 0);
	progress_stop(w.p);
	out = capture_end(&c);
	progress_force(0);

	/* Every add was counted: the last line is complete. */
	assert_contains(out, "3.9 MiB / 3.9 MiB  100%");
	assert_contains(out, "ETA 0:00");
	free(out);
}

static void test_null(void **state)
{
	(void)state;
	progress_add(NULL, 10);
	progress_stop(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_draws_title_and_percent),
		cmocka_unit_test(test_sizes_and_units),
		cmocka_unit_test(test_unknown_total),
		cmocka_unit_test(test_quiet_when_not_a_terminal),
		cmocka_unit_test(test_at_most_ten_a_second),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_null),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
