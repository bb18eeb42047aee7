/*
 * progress.h: a progress line on stderr for long operations (bytes, rate,
 * ETA), drawn only when stderr is a terminal, at most ten times a second,
 * and erased when done. Quiet otherwise, so scripts and logs stay clean.
 * Thread-safe: worker threads may call progress_add() concurrently.
 */
#ifndef CAIRN_UTIL_PROGRESS_H
#define CAIRN_UTIL_PROGRESS_H

#include <stdint.h>

struct progress;

/* title: "adding", "checking out", ...; total: expected bytes, 0 if unknown. */
struct progress *progress_start(const char *title, uint64_t total);
void progress_add(struct progress *p, uint64_t bytes);
/* Erase the line and free; NULL is allowed. */
void progress_stop(struct progress *p);
/* Force drawing even when stderr is not a terminal (tests). */
void progress_force(int on);

#endif
