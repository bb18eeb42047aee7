/*
 * progress.c: the progress line on stderr (see progress.h).
 *
 * The line looks like
 *
 *	adding   512.0 MiB / 1.0 GiB  48%  1.21 GB/s  ETA 0:01
 *
 * or, when the total is unknown, "adding   512.0 MiB  1.21 GB/s". Sizes
 * are binary (KiB, MiB, GiB) like file sizes elsewhere in cairn, rates
 * decimal (kB/s, MB/s, GB/s) like disk and network speeds. The rate is
 * the average since progress_start(), which is steadier than an
 * instantaneous one, and the ETA divides what is left by it.
 *
 * Invariants:
 * - Whether to draw is decided once, in progress_start(): stderr is a
 *   terminal, or progress_force(1) was called. Otherwise progress_add()
 *   only counts and nothing is ever written.
 * - A draw happens at least 100 ms after the previous one (or after the
 *   start, so operations shorter than that print nothing): at most ten
 *   redraws a second, however often progress_add() is called.
 * - Each draw is one write(2) of "\r<line>\033[K": back to column 0,
 *   the line, then erase whatever a longer previous line left behind.
 *   progress_stop() writes "\r\033[K" if anything was drawn, so the
 *   cursor ends on an empty line and the next message starts clean.
 * - A mutex guards the count and the drawing, so worker threads may call
 *   progress_add() concurrently and lines never interleave.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/alloc.h"
#include "util/progress.h"
#include "util/banned.h"

#define REDRAW_NS 100000000ULL /* 100 ms */

struct progress {
	pthread_mutex_t lock;
	char *title;
	uint64_t total;   /* expected bytes, 0 if unknown */
	uint64_t done;    /* bytes so far */
	uint64_t start;   /* CLOCK_MONOTONIC, ns */
	uint64_t last;    /* time of the last draw (or the start) */
	int enabled;      /* draw at all */
	int drawn;        /* something is on the line */
};

static atomic_int forced;

void progress_force(int on)
{
	atomic_store(&forced, on != 0);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void put(const char *s, size_t len)
{
	while (len) {
		ssize_t n = write(STDERR_FILENO, s, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return; /* nowhere to report it: drop the line */
		s += n;
		len -= (size_t)n;
	}
}

/* "512 B", "1.0 KiB", "512.0 MiB", "1.0 GiB". */
static void format_size(char *out, size_t n, uint64_t bytes)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB",
					     "PiB", "EiB" };
	double v = (double)bytes;
	size_t u = 0;

	if (bytes < 1024) {
		snprintf(out, n, "%llu B", (unsigned long long)bytes);
		return;
	}
	v /= 1024;
	while (v >= 1024 && u + 1 < sizeof(units) / sizeof(units[0])) {
		v /= 1024;
		u++;
	}
	snprintf(out, n, "%.1f %s", v, units[u]);
}

/* Three significant digits: "812 B/s", "45.3 MB/s", "1.21 GB/s". */
static void format_rate(char *out, size_t n, double rate)
{
	static const char *const units[] = { "B/s", "kB/s", "MB/s", "GB/s",
					     "TB/s" };
	size_t u = 0;

	while (rate >= 999.5 && u + 1 < sizeof(units) / sizeof(units[0])) {
		rate /= 1000;
		u++;
	}
	if (u == 0 || rate >= 99.95)
		snprintf(out, n, "%.0f %s", rate, units[u]);
	else if (rate >= 9.995)
		snprintf(out, n, "%.1f %s", rate, units[u]);
	else
		snprintf(out, n, "%.2f %s", rate, units[u]);
}

/* "0:07", "12:34", "1:02:03". */
static void format_eta(char *out, size_t n, double seconds)
{
	unsigned long long s;

	if (seconds > 359999.0) /* 99:59:59 */
		seconds = 359999.0;
	s = (unsigned long long)(seconds + 0.5);
	if (s >= 3600)
		snprintf(out, n, "%llu:%02llu:%02llu", s / 3600, s / 60 % 60,
			 s % 60);
	else
		snprintf(out, n, "%llu:%02llu", s / 60, s % 60);
}

/* With p->lock held. */
static void draw(struct progress *p, uint64_t now)
{
	char line[256], done[32], total[32], rate[32], eta[32];
	double secs = (double)(now - p->start) / 1e9;
	double bps = secs > 0 ? (double)p->done / secs : 0;
	int len;

	format_size(done, sizeof(done), p->done);
	format_rate(rate, sizeof(rate), bps);
	if (p->total) {
		uint64_t left = p->done < p->total ? p->total - p->done : 0;
		unsigned pct = p->done >= p->total ? 100 :
			(unsigned)((double)p->done * 100 / (double)p->total);

		format_size(total, sizeof(total), p->total);
		if (bps > 0)
			format_eta(eta, sizeof(eta), (double)left / bps);
		len = snprintf(line, sizeof(line),
			       "\r%-8s %s / %s  %u%%  %s%s%s\033[K", p->title,
			       done, total, pct, rate, bps > 0 ? "  ETA " : "",
			       bps > 0 ? eta : "");
	} else {
		len = snprintf(line, sizeof(line), "\r%-8s %s  %s\033[K",
			       p->title, done, rate);
	}
	if (len < 0)
		return;
	if ((size_t)len >= sizeof(line))
		len = (int)sizeof(line) - 1; /* a very long title */
	put(line, (size_t)len);
	p->drawn = 1;
	p->last = now;
}

struct progress *progress_start(const char *title, uint64_t total)
{
	struct progress *p = xcalloc(1, sizeof(*p));

	pthread_mutex_init(&p->lock, NULL);
	p->title = xstrdup(title);
	p->total = total;
	p->start = p->last = now_ns();
	p->enabled = atomic_load(&forced) || isatty(STDERR_FILENO);
	return p;
}

void progress_add(struct progress *p, uint64_t bytes)
{
	uint64_t now;

	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	p->done += bytes;
	if (p->enabled) {
		now = now_ns();
		if (now - p->last >= REDRAW_NS)
			draw(p, now);
	}
	pthread_mutex_unlock(&p->lock);
}

void progress_stop(struct progress *p)
{
	if (!p)
		return;
	if (p->drawn)
		put("\r\033[K", 4);
	pthread_mutex_destroy(&p->lock);
	free(p->title);
	free(p);
}
