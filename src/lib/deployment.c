/*
 * deployment.c: deployments (cairn.h, docs/deployments.md): the settings
 * of each named `cairn serve` and the record of what its servers did.
 *
 * Settings live in the deployments table (db_deploy.h). A change is one
 * transaction: read the row, write it with generation + 1, and append
 * "deployment.create" or "deployment.traffic" on "deployment:NAME" with
 * the settings before and after and the reason, so the row and its
 * record commit or roll back together. Setting what is already set
 * writes nothing: a server polling generation sees no change, and the
 * log no event.
 *
 * A delete removes the row and appends "deployment.delete" with the
 * settings before, in one transaction. The events stay: the log is what
 * an auditor reads, so a deleted deployment's timeline is still returned
 * by cairn_deployment_events(). Setting the name again creates it anew
 * with the generation after the deleted one's (from the delete event), so
 * a server still polling the old deployment sees the new settings as a
 * change.
 *
 * What a server did is only an audit event, "deployment.ACTION" on the
 * same object, with after {"model", "version", "details"}: the log is
 * the one record, and cairn_deployment_events() replays it. Settings
 * events come back with no model and details {"before", "after"}.
 *
 * Rules: a name is 1-128 of [A-Za-z0-9._-]; every URI must be a models:/
 * URI (it need not resolve yet: a deployment may be set up before the
 * alias it follows); a canary percent is 0-100 and needs a canary URI;
 * an event's details are a JSON object. The public functions check them
 * and call the repository's backend (track_backend.h): the local_*
 * functions here, or a cairn server's routes (track_rest_models.c).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "lib/audit.h"
#include "lib/db_deploy.h"
#include "lib/registry.h"
#include "lib/track_backend.h"
#include "lib/track_local.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/banned.h"

#define NAME_MAX_LEN 128

static const char *const record_actions[] = {
	"start", "swap", "rollback", "load-failed", "stop",
};

static int check_name(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	if (!n || n > NAME_MAX_LEN ||
	    strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		   "0123456789._-") != n)
		return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
					"invalid deployment name '%s': use 1 to %d "
					"letters, digits, '.', '_' or '-'",
					name ? name : "", NAME_MAX_LEN);
	return 0;
}

/* A models:/ URI that parses; what names its role in the message. */
static int check_uri(const char *what, const char *uri)
{
	char *name, *alias, *suffix;
	int err = registry__parse_uri(&name, &alias, &suffix, uri);

	free(name);
	free(alias);
	free(suffix);
	if (err < 0) {
		char *why = xstrdup(cairn_error_last()->message);

		err = cairn_error_setc(err, CAIRN_ERRCLASS_INVALID, "%s: %s", what,
				       why);
		free(why);
	}
	return err;
}

static int check_settings(const cairn_deployment *d)
{
	int err;

	if (!d)
		return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
					"no deployment given");
	if ((err = check_name(d->name)) < 0 ||
	    (err = check_uri("model", d->model_uri)) < 0 ||
	    (d->canary_uri && (err = check_uri("canary", d->canary_uri)) < 0) ||
	    (d->shadow_uri && (err = check_uri("shadow", d->shadow_uri)) < 0))
		return err;
	if (d->canary_percent > 100)
		return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
					"canary percent %u is above 100",
					d->canary_percent);
	if (d->canary_percent && !d->canary_uri)
		return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
					"a canary percent needs a canary model URI");
	return 0;
}

static int same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

static int same_settings(const cairn_deployment *a, const cairn_deployment *b)
{
	return same_str(a->model_uri, b->model_uri) &&
	       same_str(a->canary_uri, b->canary_uri) &&
	       a->canary_percent == b->canary_percent &&
	       same_str(a->shadow_uri, b->shadow_uri);
}

static json_t *settings_json(const cairn_deployment *d)
{
	return json_pack("{s:o, s:o, s:I, s:o, s:I}", "model_uri",
			 audit_str(d->model_uri), "canary_uri",
			 audit_str(d->canary_uri), "canary_percent",
			 (json_int_t)d->canary_percent, "shadow_uri",
			 audit_str(d->shadow_uri), "generation",
			 (json_int_t)d->generation);
}

static char *object_of(const char *name)
{
	struct buf b = BUF_INIT;

	buf_printf(&b, "deployment:%s", name);
	return buf_detach(&b, NULL);
}

static int not_found(const char *name)
{
	return cairn_error_setc(CAIRN_ENOTFOUND, CAIRN_ERRCLASS_INVALID,
				"no deployment named '%s'", name);
}

int cairn_deployment_set(cairn_repo *repo, const cairn_deployment *d,
			 const char *reason)
{
	int err;

	if ((err = check_settings(d)) < 0)
		return err;
	return repo->track->deployment_set(repo, d, reason);
}

static int max_generation(const cairn_audit_event *a, void *payload)
{
	uint64_t *g = payload;
	json_t *before = a->before ? json_loads(a->before, 0, NULL) : NULL,
	       *v = json_object_get(before, "generation");

	if (json_is_integer(v) && json_integer_value(v) > 0 &&
	    (uint64_t)json_integer_value(v) > *g)
		*g = (uint64_t)json_integer_value(v);
	json_decref(before);
	return 0;
}

/* The highest generation a deleted deployment of this object reached. */
static int deleted_generation(uint64_t *out, cairn_repo *repo,
			      const char *object)
{
	cairn_audit_query q = CAIRN_AUDIT_QUERY_INIT;

	*out = 0;
	q.object = object;
	q.action = "deployment.delete";
	return cairn_audit_log(repo, &q, max_generation, out);
}

int local_deployment_set(cairn_repo *repo, const cairn_deployment *d,
			 const char *reason)
{
	cairn_deployment old, row;
	uint64_t deleted = 0;
	char *object;
	int err, had;

	if ((err = cairn_repo__need_local(repo)) < 0)
		return err;
	if ((err = db_begin(repo->db)) < 0)
		return err;
	if ((had = db_deployment_get(&old, repo->db, d->name)) < 0) {
		db_rollback(repo->db);
		return had;
	}
	if (had && same_settings(&old, d)) {
		db_deployment_clear(&old);
		db_rollback(repo->db);
		return 0;
	}
	row = *d;
	row.updated_ms = registry__now();
	row.created_ms = had ? old.created_ms : row.updated_ms;
	object = object_of(d->name);
	if (!had && (err = deleted_generation(&deleted, repo, object)) < 0) {
		db_rollback(repo->db);
		free(object);
		return err;
	}
	row.generation = had ? old.generation + 1 : deleted + 1;
	if ((err = db_deployment_put(repo->db, &row)) < 0 ||
	    (err = audit_record_json(repo, had ? "deployment.traffic"
					       : "deployment.create",
				     object, had ? settings_json(&old) : NULL,
				     settings_json(&row), reason)) < 0)
		db_rollback(repo->db);
	else
		err = db_commit(repo->db);
	free(object);
	if (had)
		db_deployment_clear(&old);
	return err;
}

int cairn_deployment_delete(cairn_repo *repo, const char *name,
			    const char *reason)
{
	int err;

	if ((err = check_name(name)) < 0)
		return err;
	return repo->track->deployment_delete(repo, name, reason);
}

int local_deployment_delete(cairn_repo *repo, const char *name,
			    const char *reason)
{
	cairn_deployment old;
	char *object;
	int err, had;

	if ((err = cairn_repo__need_local(repo)) < 0)
		return err;
	if ((err = db_begin(repo->db)) < 0)
		return err;
	if ((had = db_deployment_get(&old, repo->db, name)) <= 0) {
		db_rollback(repo->db);
		return had < 0 ? had : not_found(name);
	}
	object = object_of(name);
	if ((err = db_deployment_delete(repo->db, name)) < 0 ||
	    (err = audit_record_json(repo, "deployment.delete", object,
				     settings_json(&old), NULL, reason)) < 0)
		db_rollback(repo->db);
	else
		err = db_commit(repo->db);
	free(object);
	db_deployment_clear(&old);
	return err;
}

int cairn_deployment_get(cairn_deployment **out, cairn_repo *repo,
			 const char *name)
{
	int err;

	*out = NULL;
	if ((err = check_name(name)) < 0)
		return err;
	return repo->track->deployment_get(out, repo, name);
}

int local_deployment_get(cairn_deployment **out, cairn_repo *repo,
			 const char *name)
{
	cairn_deployment *d;
	int err;

	if ((err = cairn_repo__need_local(repo)) < 0)
		return err;
	d = xcalloc(1, sizeof(*d));
	if ((err = db_deployment_get(d, repo->db, name)) <= 0) {
		free(d);
		return err < 0 ? err : not_found(name);
	}
	*out = d;
	return 0;
}

void cairn_deployment_free(cairn_deployment *d)
{
	if (!d)
		return;
	db_deployment_clear(d);
	free(d);
}

int cairn_deployment_foreach(cairn_repo *repo,
			     int (*cb)(const cairn_deployment *d, void *payload),
			     void *payload)
{
	return repo->track->deployment_foreach(repo, cb, payload);
}

int local_deployment_foreach(cairn_repo *repo,
			     int (*cb)(const cairn_deployment *d, void *payload),
			     void *payload)
{
	int err;

	if ((err = cairn_repo__need_local(repo)) < 0)
		return err;
	return db_deployment_foreach(repo->db, cb, payload);
}

static int check_action(const char *action)
{
	size_t i;

	for (i = 0; action && i < sizeof(record_actions) / sizeof(*record_actions); i++)
		if (!strcmp(action, record_actions[i]))
			return 0;
	return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
				"unknown deployment event '%s': expected start, "
				"swap, rollback, load-failed or stop",
				action ? action : "");
}

int cairn_deployment_record(cairn_repo *repo, const char *name,
			    const char *action, const char *model,
			    uint64_t version, const char *details,
			    const char *reason)
{
	json_t *facts;
	int err;

	if ((err = check_name(name)) < 0 || (err = check_action(action)) < 0)
		return err;
	if ((!model || !*model) != !version || version > INT64_MAX)
		return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
					"a deployment event names a model and a "
					"version, or neither");
	facts = details ? json_loads(details, 0, NULL) : NULL;
	err = details && !json_is_object(facts);
	json_decref(facts);
	if (err)
		return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
					"the details of a deployment event must be "
					"a JSON object");
	return repo->track->deployment_record(repo, name, action, model, version,
					      details, reason);
}

int local_deployment_record(cairn_repo *repo, const char *name,
			    const char *action, const char *model,
			    uint64_t version, const char *details,
			    const char *reason)
{
	cairn_deployment d;
	json_t *facts, *after;
	struct buf event = BUF_INIT;
	char *object;
	int err, has;

	if ((err = cairn_repo__need_local(repo)) < 0)
		return err;
	facts = details ? json_loads(details, 0, NULL) : NULL;
	after = json_pack("{s:o, s:o, s:o}", "model", audit_str(model), "version",
			  version ? json_integer((json_int_t)version) : json_null(),
			  "details", facts ? facts : json_object());
	buf_printf(&event, "deployment.%s", action);
	object = object_of(name);
	if ((err = db_begin(repo->db)) < 0) {
		json_decref(after);
		goto done;
	}
	if ((has = db_deployment_get(&d, repo->db, name)) > 0)
		db_deployment_clear(&d);
	if (has <= 0) {
		json_decref(after);
		err = has < 0 ? has : not_found(name);
	} else {
		err = audit_record_json(repo, event.ptr, object, NULL, after, reason);
	}
	if (err < 0)
		db_rollback(repo->db);
	else
		err = db_commit(repo->db);
done:
	free(object);
	buf_release(&event);
	return err;
}

struct replay {
	int (*cb)(const cairn_deployment_event *e, void *payload);
	void *payload;
	size_t n; /* events replayed */
};

static int replay_event(const cairn_audit_event *a, void *payload)
{
	struct replay *r = payload;
	cairn_deployment_event e;
	json_t *before = a->before ? json_loads(a->before, 0, NULL) : NULL,
	       *after = a->after ? json_loads(a->after, 0, NULL) : NULL, *details;
	char *text;
	int ret;

	memset(&e, 0, sizeof(e));
	e.seq = a->seq;
	e.time_ms = a->time;
	e.actor = a->actor;
	e.action = a->action;
	e.reason = a->reason;
	r->n++;
	if (!strcmp(a->action, "deployment.create") ||
	    !strcmp(a->action, "deployment.traffic") ||
	    !strcmp(a->action, "deployment.delete")) {
		details = json_pack("{s:o, s:o}", "before",
				    before ? json_incref(before) : json_null(),
				    "after", after ? json_incref(after) : json_null());
	} else {
		json_t *v = json_object_get(after, "version");

		e.model = json_string_value(json_object_get(after, "model"));
		e.version = json_is_integer(v) ? (uint64_t)json_integer_value(v) : 0;
		details = json_incref(json_object_get(after, "details"));
		if (!json_is_object(details)) {
			json_decref(details);
			details = json_object();
		}
	}
	text = json_dumps(details, JSON_COMPACT | JSON_SORT_KEYS);
	e.details = text ? text : "{}";
	ret = r->cb(&e, r->payload);
	free(text);
	json_decref(details);
	json_decref(before);
	json_decref(after);
	return ret;
}

int cairn_deployment_events(cairn_repo *repo, const char *name,
			    int (*cb)(const cairn_deployment_event *e,
				      void *payload),
			    void *payload)
{
	int err;

	if (name && (err = check_name(name)) < 0)
		return err;
	return repo->track->deployment_events(repo, name, cb, payload);
}

int local_deployment_events(cairn_repo *repo, const char *name,
			    int (*cb)(const cairn_deployment_event *e,
				      void *payload),
			    void *payload)
{
	cairn_audit_query q = CAIRN_AUDIT_QUERY_INIT;
	struct replay r = { cb, payload, 0 };
	cairn_deployment *d = NULL;
	char *object = NULL;
	int err, exists = 1;

	if (name) {
		/* A deleted one has no row, but its events. */
		if ((err = local_deployment_get(&d, repo, name)) == CAIRN_ENOTFOUND) {
			cairn_error_reset();
			exists = 0;
		} else if (err < 0) {
			return err;
		}
		cairn_deployment_free(d);
		q.object = object = object_of(name);
	}
	q.action = "deployment.";
	err = cairn_audit_log(repo, &q, replay_event, &r);
	free(object);
	if (!err && !exists && !r.n)
		return not_found(name);
	return err;
}
