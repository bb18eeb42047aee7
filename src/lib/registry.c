/*
 * registry.c: registered models (create, get, rename, describe, tags,
 * delete, search), the rules for names, tags and aliases, and the one
 * helper every registry state change commits through (registry.h).
 *
 * Rules, from MLflow (shared/ref/mlflow-rest.md sections 1.4 and 1.6):
 *   - a model name is 1 to 256 characters without control characters;
 *     cairn also refuses '/' in it, which would make models:/NAME/VERSION
 *     ambiguous;
 *   - tag keys follow the tracking rules (cairn_validate), values are at
 *     most 100000 characters;
 *   - aliases: [A-Za-z0-9_-], 1 to 255 characters, not "latest" (any
 *     case) and not v<digits> (those name versions in URIs);
 *   - a live model name is unique; renaming moves the versions along.
 * Deleting is soft (db_registry.h): the versions' numbers stay taken.
 */
#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "lib/audit.h"
#include "lib/registry.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/banned.h"

#define MAX_MODEL_NAME 256
#define MAX_ALIAS 255
#define MAX_REGISTRY_TAG_VALUE 100000
#define DEFAULT_MODELS_PAGE 100
#define MAX_MODELS_PAGE 1000
#define DEFAULT_VERSIONS_PAGE 10000
#define MAX_VERSIONS_PAGE 200000

/* ------------------------------------------------------------- shared */

int64_t registry__now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int registry__begin(cairn_repo *repo)
{
	return db_begin(repo->db);
}

static void change_release(struct reg_change *c)
{
	free(c->object);
	free(c->before);
	free(c->after);
	c->object = c->before = c->after = NULL;
}

int registry__commit(cairn_repo *repo, struct reg_change *c)
{
	int err = audit_record(repo, c->action, c->object, c->before, c->after,
			       c->reason);

	if (err < 0)
		db_rollback(repo->db);
	else
		err = db_commit(repo->db);
	change_release(c);
	return err;
}

int registry__abort(cairn_repo *repo, struct reg_change *c, int err)
{
	db_rollback(repo->db);
	change_release(c);
	return err;
}

char *registry__object(const char *name, uint64_t version)
{
	struct buf b = BUF_INIT;

	buf_printf(&b, "model:%s", name);
	if (version)
		buf_printf(&b, "/%llu", (unsigned long long)version);
	return buf_detach(&b, NULL);
}

int registry__check_name(const char *name)
{
	size_t i, n = name ? strlen(name) : 0;

	if (!n)
		return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
					"Registered model name cannot be empty.");
	if (n > MAX_MODEL_NAME)
		return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
					"Registered model name had length %zu, which "
					"exceeded length limit of %d", n, MAX_MODEL_NAME);
	for (i = 0; i < n; i++)
		if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f || name[i] == '/')
			return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
						"Invalid model name '%s': it may not contain "
						"'/' or control characters", name);
	return 0;
}

int registry__check_tag(const char *key, const char *value)
{
	int err = cairn_validate("tag", key, NULL);

	if (err < 0)
		return err;
	if (value && strlen(value) > MAX_REGISTRY_TAG_VALUE)
		return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
					"Registered model value had length %zu, which "
					"exceeded length limit of %d", strlen(value),
					MAX_REGISTRY_TAG_VALUE);
	return 0;
}

int registry__check_alias(const char *alias)
{
	size_t i, n = alias ? strlen(alias) : 0;

	if (!n)
		return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
					"Missing value for required parameter 'alias'.");
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)alias[i]) && alias[i] != '_' &&
		    alias[i] != '-')
			return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
						"Invalid alias name: '%s'. Names may only "
						"contain alphanumerics, underscores (_), and "
						"dashes (-).", alias);
	if (n > MAX_ALIAS)
		return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
					"Alias name had length %zu, which exceeded length "
					"limit of %d", n, MAX_ALIAS);
	if (!strcasecmp(alias, "latest"))
		return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
					"'%s' alias name (case insensitive) is reserved.",
					alias);
	if ((alias[0] == 'v' || alias[0] == 'V') && n > 1 &&
	    strspn(alias + 1, "0123456789") == n - 1)
		return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
					"Version alias name '%s' is reserved.", alias);
	return 0;
}

static char *model_json(const cairn_model *m)
{
	json_t *o = json_pack("{s:s, s:s}", "name", m->name, "description",
			      m->description ? m->description : "");
	char *s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);

	json_decref(o);
	return s;
}

static char *kv_json(const char *k1, const char *v1, const char *k2,
		     const char *v2)
{
	json_t *o = json_object();
	char *s;

	json_object_set_new(o, k1, json_string(v1));
	if (k2)
		json_object_set_new(o, k2, v2 ? json_string(v2) : json_null());
	s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	return s;
}

/* ------------------------------------------------------------- models */

int cairn_model_create(cairn_repo *repo, const char *name,
		       const char *description, const cairn_kv *tags,
		       size_t ntags)
{
	struct reg_change c = { "model.create", NULL, NULL, NULL, NULL };
	cairn_model m = { name, description ? description : "",
			  audit_actor(repo), 0, 0 };
	int64_t key;
	size_t i;
	int err;

	if ((err = cairn_repo__need_local(repo)) < 0)
		return err;
	if ((err = registry__check_name(name)) < 0)
		return err;
	for (i = 0; i < ntags; i++)
		if ((err = registry__check_tag(tags[i].key, tags[i].value)) < 0)
			return err;
	m.creation_time = m.last_updated_time = registry__now();
	if ((err = registry__begin(repo)) < 0)
		return err;
	if ((err = db_model_insert(repo->db, &m)) < 0 ||
	    (err = db_model_get(&m, &key, repo->db, name)) < 0)
		return registry__abort(repo, &c, err);
	for (i = 0; i < ntags && !err; i++)
		err = db_model_tag_put(repo->db, key, tags[i].key, tags[i].value);
	c.object = registry__object(name, 0);
	c.after = model_json(&m);
	db_model_clear(&m);
	if (err < 0)
		return registry__abort(repo, &c, err);
	return registry__commit(repo, &c);
}

int cairn_model_get(cairn_model **out, cairn_repo *repo, const char *name)
{
	cairn_model *m;
	int err;

	if ((err = cairn_repo__need_local(repo)) < 0)
		return err;
	m = xcalloc(1, sizeof(*m));
	if ((err = db_model_get(m, NULL, repo->db, name)) < 0) {
		free(m);
		return err;
	}
	*out = m;
	return 0;
}

void cairn_model_free(cairn_model *m)
{
	if (!m)
		return;
	db_model_clear(m);
	free(m);
}

/*
 * The common shape of a change to one model: look it up inside the
 * transaction, let apply() write, commit with the change described.
 */
static int change_model(cairn_repo *repo, const char *name,
			struct reg_change *c,
			int (*apply)(cairn_repo *repo, int64_t key,
				     const cairn_model *m, struct reg_change *c,
				     void *arg),
			void *arg)
{
	cairn_model m;
	int64_t key;
	int err;

	if ((err = cairn_repo__need_local(repo)) < 0)
		return err;
	if ((err = registry__begin(repo)) < 0)
		return err;
	if ((err = db_model_get(&m, &key, repo->db, name)) < 0)
		return registry__abort(repo, c, err);
	c->object = registry__object(m.name, 0);
	err = apply(repo, key, &m, c, arg);
	db_model_clear(&m);
	if (err < 0)
		return registry__abort(repo, c, err);
	return registry__commit(repo, c);
}

static int apply_rename(cairn_repo *repo, int64_t key, const cairn_model *m,
			struct reg_change *c, void *arg)
{
	c->before = kv_json("name", m->name, NULL, NULL);
	c->after = kv_json("name", arg, NULL, NULL);
	return db_model_update(repo->db, key, arg, NULL, registry__now());
}

int cairn_model_rename(cairn_repo *repo, const char *name,
		       const char *new_name)
{
	struct reg_change c = { "model.rename", NULL, NULL, NULL, NULL };
	int err = registry__check_name(new_name);

	return err < 0 ? err : change_model(repo, name, &c, apply_rename,
					    (void *)new_name);
}

static int apply_describe(cairn_repo *repo, int64_t key, const cairn_model *m,
			  struct reg_change *c, void *arg)
{
	c->before = kv_json("description", m->description, NULL, NULL);
	c->after = kv_json("description", arg, NULL, NULL);
	return db_model_update(repo->db, key, NULL, arg, registry__now());
}

int cairn_model_describe(cairn_repo *repo, const char *name,
			 const char *description)
{
	struct reg_change c = { "model.describe", NULL, NULL, NULL, NULL };

	return change_model(repo, name, &c, apply_describe,
			    (void *)(description ? description : ""));
}

struct tag_arg {
	const char *key, *value;
};

static int find_value(const char *k, const char *v, void *payload)
{
	struct tag_arg *t = payload;

	if (strcmp(k, t->key))
		return 0;
	t->value = xstrdup(v);
	return 1;
}

static int apply_tag(cairn_repo *repo, int64_t key, const cairn_model *m,
		     struct reg_change *c, void *arg)
{
	struct tag_arg *t = arg, old = { t->key, NULL };
	int err = db_model_tag_foreach(repo->db, key, find_value, &old);

	(void)m;
	if (err < 0)
		return err;
	c->before = kv_json("key", t->key, "value", old.value);
	c->after = t->value ? kv_json("key", t->key, "value", t->value) : NULL;
	free((char *)old.value);
	if (t->value)
		err = db_model_tag_put(repo->db, key, t->key, t->value);
	else
		err = db_model_tag_delete(repo->db, key, t->key);
	return err < 0 ? err : db_model_update(repo->db, key, NULL, NULL,
					       registry__now());
}

int cairn_model_set_tag(cairn_repo *repo, const char *name, const char *key,
			const char *value)
{
	struct reg_change c = { "model.tag.set", NULL, NULL, NULL, NULL };
	struct tag_arg t = { key, value ? value : "" };
	int err = registry__check_tag(key, value);

	return err < 0 ? err : change_model(repo, name, &c, apply_tag, &t);
}

int cairn_model_delete_tag(cairn_repo *repo, const char *name,
			   const char *key)
{
	struct reg_change c = { "model.tag.delete", NULL, NULL, NULL, NULL };
	struct tag_arg t = { key, NULL };
	int err = cairn_validate("tag", key, NULL);

	return err < 0 ? err : change_model(repo, name, &c, apply_tag, &t);
}

int cairn_model_tag_foreach(cairn_repo *repo, const char *name,
			    int (*cb)(const char *key, const char *value,
				      void *payload),
			    void *payload)
{
	cairn_model m;
	int64_t key;
	int err;

	if ((err = cairn_repo__need_local(repo)) < 0)
		return err;
	if ((err = db_model_get(&m, &key, repo->db, name)) < 0)
		return err;
	db_model_clear(&m);
	return db_model_tag_foreach(repo->db, key, cb, payload);
}

struct holders {
	struct buf what;
};

static int note_alias(const char *alias, uint64_t version, void *payload)
{
	struct holders *h = payload;

	buf_printf(&h->what, "%salias '%s' (version %llu)", h->what.len ? ", " : "",
		   alias, (unsigned long long)version);
	return 0;
}

static int apply_delete(cairn_repo *repo, int64_t key, const cairn_model *m,
			struct reg_change *c, void *arg)
{
	struct holders h = { BUF_INIT };
	cairn_model_version prod;
	int force = *(int *)arg, err;

	/* What the deletion would take out of service. */
	if ((err = db_model_alias_foreach(repo->db, key, 0, note_alias, &h)) < 0)
		goto done;
	err = db_model_version_get(&prod, NULL, repo->db, m->name, 0,
				   CAIRN_STAGE_PRODUCTION);
	if (err == CAIRN_ENOTFOUND) {
		cairn_error_reset();
	} else if (err < 0) {
		goto done;
	} else {
		buf_printf(&h.what, "%sversion %llu in Production",
			   h.what.len ? ", " : "", (unsigned long long)prod.version);
		db_model_version_clear(&prod);
	}
	err = 0;
	if (h.what.len && !force) {
		err = cairn_error_setc(CAIRN_ECONFLICT, CAIRN_ERRCLASS_INVALID,
				       "model '%s' is in use (%s); delete it with "
				       "--force", m->name, h.what.ptr);
		goto done;
	}
	c->before = model_json(m);
	if (h.what.len)
		c->after = kv_json("name", m->name, "forced", h.what.ptr);
	err = db_model_delete(repo->db, key, registry__now());
done:
	buf_release(&h.what);
	return err;
}

int cairn_model_delete(cairn_repo *repo, const char *name, int force)
{
	struct reg_change c = { "model.delete", NULL, NULL, NULL, NULL };

	return change_model(repo, name, &c, apply_delete, &force);
}

struct page {
	int (*cb)(const void *row, void *payload);
	void *payload;
	size_t n, limit;
};

/* Pass the first `limit` rows on; a row after them means a next page. */
static int page_row(const void *row, void *payload)
{
	struct page *p = payload;

	if (p->n++ == p->limit)
		return 1;
	return p->cb(row, p->payload);
}

static int relay_model(const cairn_model *m, void *payload)
{
	return page_row(m, payload);
}

static int relay_version(const cairn_model_version *v, void *payload)
{
	return page_row(v, payload);
}

int registry__search(cairn_buf *next_page_token, cairn_repo *repo,
		     enum reg_target target,
		     const cairn_model_search_options *opts,
		     int (*cb)(const void *row, void *payload), void *payload)
{
	static const cairn_model_search_options none = CAIRN_MODEL_SEARCH_OPTIONS_INIT;
	struct reg_query q = REG_QUERY_INIT;
	size_t offset, max = target == REG_MODELS ? MAX_MODELS_PAGE : MAX_VERSIONS_PAGE;
	struct page p = { cb, payload, 0, 0 };
	int err;

	if ((err = cairn_repo__need_local(repo)) < 0)
		return err;
	if (!opts)
		opts = &none;
	p.limit = opts->max_results ? opts->max_results
		  : target == REG_MODELS ? DEFAULT_MODELS_PAGE : DEFAULT_VERSIONS_PAGE;
	if (p.limit > max)
		return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
					"Invalid value for max_results. It must be at "
					"most %zu, but got %zu", max, p.limit);
	if ((err = reg_page_token_parse(&offset, opts->page_token)) < 0 ||
	    (err = reg_filter_compile(&q, target, opts->filter, opts->order_by,
				      opts->norder_by)) < 0)
		return err;
	if (target == REG_MODELS)
		err = db_models_search(repo->db, &q, offset, p.limit + 1,
				       relay_model, &p);
	else
		err = db_model_versions_search(repo->db, &q, offset, p.limit + 1,
					       relay_version, &p);
	reg_query_release(&q);
	if (err == 1 && p.n > p.limit) {
		err = 0;
		if (next_page_token) {
			struct buf tok = BUF_INIT;

			reg_page_token(&tok, offset + p.limit);
			next_page_token->ptr = buf_detach(&tok, &next_page_token->size);
			next_page_token->asize = next_page_token->size + 1;
		}
	}
	return err;
}

struct model_cb {
	int (*cb)(const cairn_model *m, void *payload);
	void *payload;
};

static int call_model(const void *row, void *payload)
{
	struct model_cb *c = payload;

	return c->cb(row, c->payload);
}

int cairn_models_search(cairn_buf *next_page_token, cairn_repo *repo,
			const cairn_model_search_options *opts,
			int (*cb)(const cairn_model *m, void *payload),
			void *payload)
{
	struct model_cb c = { cb, payload };

	return registry__search(next_page_token, repo, REG_MODELS, opts,
				call_model, &c);
}
