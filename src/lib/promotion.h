/*
 * promotion.h: what the files of controlled promotion share
 * (promotion.c: the gates a promotion passes inside its transaction;
 * promotion_policy.c: policies; promotion_requests.c: requests and votes;
 * policy.c and policy_gates.c: the policy language and its gates). The
 * move itself, its compare-and-swap and its history are the registry's
 * (registry_versions.c, registry_history.c).
 *
 * A promotion target is an alias (MLflow's alias rules).
 */
#ifndef CAIRN_LIB_PROMOTION_H
#define CAIRN_LIB_PROMOTION_H

#include <stdint.h>

#include "cairn.h"
#include "lib/db_promotion.h"
#include "lib/policy.h"
#include "lib/repo.h"
#include "util/buf.h"

/*
 * Check p's gates but approvals for promoting cand over cur (NULL: none
 * holds the target); each failed gate is appended to failures ("gate
 * 'TEXT' failed: why", separated by "; "). Inside the transaction.
 */
int policy_check(struct buf *failures, cairn_repo *repo,
		 const struct policy *p, const cairn_model_version *cand,
		 const cairn_model_version *cur);

/* The policy of a target, parsed: 1 and *out, 0 if it has none. */
int promotion__policy_load(struct policy *out, cairn_repo *repo,
			   int64_t model, const char *target);

/*
 * The gates of promoting v (of the model with key `model`) to alias, now
 * held by holder (0: none), inside the promotion's transaction: the
 * alias's policy, checked against the facts as they are, and, when it
 * asks for approvals, an approved request for this version and alias,
 * which is used up ("promoted"). CAIRN_EINVALID naming every failed gate.
 */
int promotion__gates(cairn_repo *repo, int64_t model,
		     const cairn_model_version *v, const char *alias,
		     uint64_t holder);

#endif
