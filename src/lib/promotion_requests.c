/*
 * promotion_requests.c: requests for a promotion, and the votes that
 * approve or reject them.
 *
 * Life of a request: pending -> approved -> promoted, or pending ->
 * rejected. The requester never votes on their own request; each other
 * actor votes once. A request becomes approved when it has as many
 * distinct approving votes as the target's policy asks for ("approvals
 * N"; at least one when the policy asks for none), counted inside the
 * vote's transaction. One rejection ends it. An approved request does not
 * move anything by itself: `cairn models promote` checks the gates at the
 * moment of the move and uses the approved request up (promotion.c), so
 * the facts that let a version through are the facts when it went live.
 * Every step is an audit event on "model:NAME/VERSION".
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "lib/audit.h"
#include "lib/promotion.h"
#include "lib/registry.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/banned.h"

static char *request_json(const cairn_promotion_request *r)
{
	json_t *o = json_pack("{s:I, s:s, s:s, s:I, s:I}", "request",
			      (json_int_t)r->id, "target", r->target, "status",
			      r->status, "approvals", (json_int_t)r->approvals,
			      "required", (json_int_t)r->required);
	char *s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);

	json_decref(o);
	return s;
}

/* Approvers the target's policy asks for: at least one. */
static int required_approvals(unsigned *out, cairn_repo *repo, int64_t model,
			      const char *target)
{
	struct policy p = POLICY_INIT;
	int has = promotion__policy_load(&p, repo, model, target);

	if (has < 0)
		return has;
	*out = p.approvals ? p.approvals : 1;
	policy_release(&p);
	return 0;
}

int cairn_promotion_request_create(int64_t *out, cairn_repo *repo,
				   const char *name, uint64_t version,
				   const char *target, const char *reason)
{
	struct reg_change c = { "model.request.create", NULL, NULL, NULL, reason };
	cairn_promotion_request r;
	cairn_model_version v;
	cairn_model m;
	int64_t model, id = 0, pending;
	int has, err;

	memset(&r, 0, sizeof(r));
	if ((err = cairn_repo__need_local(repo)) < 0)
		return err;
	if (!reason || !*reason)
		return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
					"a promotion request needs a reason");
	if ((err = registry__check_alias(target)) < 0 ||
	    (err = registry__begin(repo)) < 0)
		return err;
	if ((err = db_model_get(&m, &model, repo->db, name)) < 0)
		goto abort;
	c.object = registry__object(m.name, version);
	db_model_clear(&m);
	if (!version)
		err = cairn_error_setc(CAIRN_ENOTFOUND, CAIRN_ERRCLASS_INVALID,
				       "Model Version (name=%s, version=0) not found",
				       name);
	else
		err = db_model_version_get(&v, NULL, repo->db, name, version, -1);
	if (err < 0)
		goto abort;
	has = v.stage == CAIRN_STAGE_ARCHIVED;
	db_model_version_clear(&v);
	if (has) {
		err = cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
				       "version %llu of model '%s' is Archived; an "
				       "archived version is not promoted",
				       (unsigned long long)version, name);
		goto abort;
	}
	if ((has = db_request_find(&pending, repo->db, model, version,
				   target, "pending")) != 0) {
		err = has < 0 ? has
		      : cairn_error_setc(CAIRN_EEXISTS, CAIRN_ERRCLASS_INVALID,
					 "request %lld to promote version %llu to "
					 "%s is already pending", (long long)pending,
					 (unsigned long long)version, target);
		goto abort;
	}
	r.version = version;
	r.target = target;
	r.reason = reason;
	r.requester = audit_actor(repo);
	r.status = "pending";
	r.created_time = registry__now();
	if ((err = required_approvals(&r.required, repo, model, target)) < 0 ||
	    (err = db_request_insert(&id, repo->db, model, &r)) < 0)
		goto abort;
	r.id = id;
	c.after = request_json(&r);
	if ((err = registry__commit(repo, &c)) == 0 && out)
		*out = id;
	return err;
abort:
	return registry__abort(repo, &c, err);
}

static int decide_locked(struct db_request *r, cairn_repo *repo, int64_t id,
			 int approve, const char *reason)
{
	const char *actor = audit_actor(repo);
	int has, err;

	if ((has = db_request_get(r, repo->db, id)) < 0)
		return has;
	if (!has)
		return cairn_error_setc(CAIRN_ENOTFOUND, CAIRN_ERRCLASS_INVALID,
					"no promotion request %lld", (long long)id);
	if (strcmp(r->r.status, "pending"))
		return cairn_error_setc(CAIRN_ECONFLICT, CAIRN_ERRCLASS_INVALID,
					"request %lld is %s; only a pending request "
					"takes votes", (long long)id, r->r.status);
	if (!strcmp(actor, r->r.requester))
		return cairn_error_setc(CAIRN_ECONFLICT, CAIRN_ERRCLASS_INVALID,
					"%s requested request %lld and cannot %s it; "
					"another person must", actor, (long long)id,
					approve ? "approve" : "reject");
	err = db_vote_put(repo->db, id, actor, approve ? "approve" : "reject",
			  reason, registry__now());
	if (err == CAIRN_EEXISTS)
		return cairn_error_setc(CAIRN_ECONFLICT, CAIRN_ERRCLASS_INVALID,
					"%s has already voted on request %lld", actor,
					(long long)id);
	if (err < 0 ||
	    (err = required_approvals(&r->r.required, repo, r->model,
				      r->r.target)) < 0)
		return err;
	free((char *)r->r.status);
	if (!approve) {
		r->r.status = xstrdup("rejected");
	} else {
		r->r.approvals++;
		r->r.status = xstrdup(r->r.approvals >= r->r.required ? "approved"
								       : "pending");
	}
	if (strcmp(r->r.status, "pending"))
		return db_request_set_status(repo->db, id, r->r.status,
					     registry__now());
	return 0;
}

int cairn_promotion_request_decide(cairn_promotion_request **out,
				   cairn_repo *repo, int64_t id, int approve,
				   const char *reason)
{
	struct reg_change c = { approve ? "model.request.approve"
					: "model.request.reject",
				NULL, NULL, NULL, reason };
	struct db_request r;
	int err;

	memset(&r, 0, sizeof(r));
	if ((err = cairn_repo__need_local(repo)) < 0)
		return err;
	if (!approve && (!reason || !*reason))
		return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
					"a rejection needs a reason");
	if ((err = registry__begin(repo)) < 0)
		return err;
	if ((err = decide_locked(&r, repo, id, approve, reason)) < 0) {
		db_request_clear(&r);
		return registry__abort(repo, &c, err);
	}
	c.object = registry__object(r.r.name, r.r.version);
	c.after = request_json(&r.r);
	if ((err = registry__commit(repo, &c)) == 0 && out) {
		*out = xmalloc(sizeof(**out));
		**out = r.r;
		memset(&r, 0, sizeof(r));
	}
	db_request_clear(&r);
	return err;
}

struct each_request {
	cairn_repo *repo;
	int (*cb)(const cairn_promotion_request *r, void *payload);
	void *payload;
};

static int call_request(const struct db_request *r, void *payload)
{
	struct each_request *e = payload;
	cairn_promotion_request copy = r->r;
	int err;

	if ((err = required_approvals(&copy.required, e->repo, r->model,
				      r->r.target)) < 0)
		return err;
	return e->cb(&copy, e->payload);
}

int cairn_promotion_requests(cairn_repo *repo, const char *name,
			     int (*cb)(const cairn_promotion_request *r,
				       void *payload),
			     void *payload)
{
	struct each_request e = { repo, cb, payload };
	int64_t model = 0;
	cairn_model m;
	int err;

	if ((err = cairn_repo__need_local(repo)) < 0)
		return err;
	if (name) {
		if ((err = db_model_get(&m, &model, repo->db, name)) < 0)
			return err;
		db_model_clear(&m);
	}
	return db_requests_foreach(repo->db, model, call_request, &e);
}

void cairn_promotion_request_free(cairn_promotion_request *r)
{
	struct db_request d;

	if (!r)
		return;
	memset(&d, 0, sizeof(d));
	d.r = *r;
	db_request_clear(&d);
	free(r);
}
