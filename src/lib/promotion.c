/*
 * promotion.c: the gates of a promotion, checked inside the transaction
 * that moves the alias (registry_versions.c calls promotion__gates()
 * after the compare-and-swap and before the move), so that the facts
 * checked are the facts at the moment of the move and a refusal rolls the
 * whole promotion back: nothing changes.
 *
 * The gates are the alias's policy (policy.h): metric gates and input
 * contexts on the version's source run, comparisons with the current
 * holder's run (policy_gates.c), and approvals: a request for exactly
 * this version and alias, approved by as many people as the policy asks
 * (promotion_requests.c), which the promotion uses up. Every failed gate
 * is named in one message, with why it failed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/promotion.h"
#include "lib/registry.h"
#include "util/error.h"
#include "util/banned.h"

int promotion__policy_load(struct policy *out, cairn_repo *repo,
			   int64_t model, const char *target)
{
	char *text = NULL;
	int has = db_policy_get(&text, repo->db, model, target);

	memset(out, 0, sizeof(*out));
	if (has <= 0)
		return has;
	has = policy_parse(out, text, strlen(text));
	free(text);
	return has < 0 ? has : 1;
}

/* The approvals gate: an approved request for this very promotion. */
static int check_approvals(int64_t *request, struct buf *why,
			   cairn_repo *repo, int64_t model,
			   const cairn_model_version *v, const char *alias,
			   const struct policy *pol)
{
	int64_t pending;
	int has;

	*request = 0;
	if (!pol->approvals)
		return 0;
	if ((has = db_request_find(request, repo->db, model, v->version, alias,
				   "approved")) != 0)
		return has < 0 ? has : 0;
	if (why->len)
		buf_puts(why, "; ");
	buf_printf(why, "gate 'approvals %u' failed: no approved request to "
		   "promote version %llu to %s", pol->approvals,
		   (unsigned long long)v->version, alias);
	if ((has = db_request_find(&pending, repo->db, model, v->version, alias,
				   "pending")) < 0)
		return has;
	if (has)
		buf_printf(why, " (request %lld is pending)", (long long)pending);
	return 0;
}

int promotion__gates(cairn_repo *repo, int64_t model,
		     const cairn_model_version *v, const char *alias,
		     uint64_t holder)
{
	struct policy pol = POLICY_INIT;
	cairn_model_version cur;
	struct buf why = BUF_INIT;
	int64_t request = 0;
	int err;

	memset(&cur, 0, sizeof(cur));
	if ((err = promotion__policy_load(&pol, repo, model, alias)) <= 0)
		return err;
	if (holder &&
	    (err = db_model_version_get(&cur, NULL, repo->db, v->name, holder,
					-1)) < 0)
		goto done;
	if ((err = policy_check(&why, repo, &pol, v, holder ? &cur : NULL)) < 0 ||
	    (err = check_approvals(&request, &why, repo, model, v, alias,
				   &pol)) < 0)
		goto done;
	if (why.len)
		err = cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
				       "promotion of version %llu of '%s' to %s "
				       "refused: %s", (unsigned long long)v->version,
				       v->name, alias, why.ptr);
	else if (request)
		err = db_request_set_status(repo->db, request, "promoted",
					    registry__now());
done:
	db_model_version_clear(&cur);
	buf_release(&why);
	policy_release(&pol);
	return err;
}
