/*
 * harness.h: what the C benchmark programs (tracking-bench, audit-bench)
 * share: failing loudly, clocks, and the "measure<TAB>value" lines their
 * shell drivers read.
 */
#ifndef CAIRN_BENCH_HARNESS_H
#define CAIRN_BENCH_HARNESS_H

/* "PROGRAM: message" on stderr, exit 1. */
void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* die() with the library's last error when err < 0. */
void check(int err, const char *what);
/* Wall (CLOCK_MONOTONIC) and process CPU (user + system) seconds. */
double now_s(void);
double cpu_s(void);
/* One "measure<TAB>value" line on stdout, flushed. */
void row(const char *measure, double value);
/* A positive decimal count, or die() naming what it was for. */
long parse_count(const char *s, const char *what);

#endif
