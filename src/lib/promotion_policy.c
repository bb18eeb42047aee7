/*
 * promotion_policy.c: setting, reading and removing the policy of a
 * model's promotion target.
 *
 * A policy is stored as its canonical text (policy_format()), never as
 * the text given, so what is shown, checked and recorded in the audit log
 * is one and the same. Text that does not parse is refused before the
 * store is touched. Setting and removing are audit events
 * ("model.policy.set", "model.policy.unset") on the model, with the
 * policy before and after.
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

static char *policy_json(const char *target, const char *policy)
{
	json_t *o = json_pack("{s:s}", "target", target);
	char *s;

	json_object_set_new(o, "policy", policy ? json_string(policy) : json_null());
	s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	return s;
}

/* Set (text != NULL) or remove a policy in one transaction. */
static int change_policy(cairn_repo *repo, const char *name,
			 const char *target, const char *text,
			 const char *reason)
{
	struct reg_change c = { text ? "model.policy.set" : "model.policy.unset",
				NULL, NULL, NULL, reason };
	char *old = NULL;
	cairn_model m;
	int64_t model;
	int has, err;

	if ((err = registry__begin(repo)) < 0)
		return err;
	if ((err = db_model_get(&m, &model, repo->db, name)) < 0)
		return registry__abort(repo, &c, err);
	c.object = registry__object(m.name, 0);
	db_model_clear(&m);
	if ((has = db_policy_get(&old, repo->db, model, target)) < 0)
		return registry__abort(repo, &c, has);
	if (!text && !has)
		return registry__abort(repo, &c,
				       cairn_error_setc(CAIRN_ENOTFOUND,
							CAIRN_ERRCLASS_INVALID,
							"model '%s' has no policy "
							"for %s", name,
							target));
	c.before = has ? policy_json(target, old) : NULL;
	c.after = text ? policy_json(target, text) : NULL;
	free(old);
	if (text)
		err = db_policy_put(repo->db, model, target, text,
				    audit_actor(repo), registry__now());
	else
		err = db_policy_delete(repo->db, model, target);
	if (err < 0)
		return registry__abort(repo, &c, err);
	return registry__commit(repo, &c);
}

int cairn_model_policy_set(cairn_repo *repo, const char *name,
			   const char *target, const char *policy,
			   const char *reason)
{
	struct policy p = POLICY_INIT;
	struct buf canon = BUF_INIT;
	int err;

	if ((err = cairn_repo__need_local(repo)) < 0 ||
	    (err = registry__check_alias(target)) < 0)
		return err;
	if ((err = policy_parse(&p, policy ? policy : "",
				policy ? strlen(policy) : 0)) < 0)
		goto done;
	policy_format(&canon, &p);
	err = change_policy(repo, name, target, canon.ptr, reason);
done:
	policy_release(&p);
	buf_release(&canon);
	return err;
}

int cairn_model_policy_unset(cairn_repo *repo, const char *name,
			     const char *target, const char *reason)
{
	int err;

	if ((err = cairn_repo__need_local(repo)) < 0 ||
	    (err = registry__check_alias(target)) < 0)
		return err;
	return change_policy(repo, name, target, NULL, reason);
}

int cairn_model_policy_get(cairn_buf *out, cairn_repo *repo, const char *name,
			   const char *target)
{
	char *text = NULL;
	cairn_model m;
	int64_t model;
	int has;

	if ((has = cairn_repo__need_local(repo)) < 0 ||
	    (has = registry__check_alias(target)) < 0 ||
	    (has = db_model_get(&m, &model, repo->db, name)) < 0)
		return has;
	db_model_clear(&m);
	if ((has = db_policy_get(&text, repo->db, model, target)) > 0) {
		out->size = strlen(text);
		out->asize = out->size + 1;
		out->ptr = text;
	}
	return has;
}

int cairn_model_policy_foreach(cairn_repo *repo, const char *name,
			       int (*cb)(const char *target, const char *policy,
					 void *payload),
			       void *payload)
{
	cairn_model m;
	int64_t model;
	int err;

	if ((err = cairn_repo__need_local(repo)) < 0 ||
	    (err = db_model_get(&m, &model, repo->db, name)) < 0)
		return err;
	db_model_clear(&m);
	return db_policy_foreach(repo->db, model, cb, payload);
}
