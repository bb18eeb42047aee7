/*
 * traffic.h: which loaded version answers a request, and how far a shadow
 * agreed with the primary.
 *
 * Canary: percent of requests go to the candidate. A request carrying a
 * routing key (the X-Cairn-Routing-Key header) always lands on the same
 * side for a given percent: the key's hash (FNV-1a, 64-bit) modulo 100
 * is compared with the percent, so raising the percent only moves keys
 * from primary to canary, never back. A request without one is drawn at
 * random (a per-thread xorshift state).
 */
#ifndef CAIRN_SERVE_TRAFFIC_H
#define CAIRN_SERVE_TRAFFIC_H

#include <stddef.h>
#include <stdint.h>

#include "serve/batch.h"

/* 1: the canary answers, 0: the primary. key may be NULL. */
int serve_traffic_to_canary(unsigned percent, const char *key, size_t keylen,
			    uint64_t *rng_state);

/*
 * Whether two predictions of the same batch agree: same shape, and each
 * number within tolerance (absolute or relative, whichever is larger);
 * JSON outputs must be equal. *rows_agreeing (may be NULL) gets how many
 * rows agree. 1 if all do.
 */
int serve_predictions_agree(const struct serve_predictions *a,
			    const struct serve_predictions *b, double tolerance,
			    size_t *rows_agreeing);

#endif
