/*
 * model_uri.c: resolving models:/ URIs to model versions, the one place
 * every part of cairn names a model through (MLflow's forms,
 * shared/ref/mlflow-rest.md section 3.1):
 *
 *	models:/NAME/VERSION   that version (all digits)
 *	models:/NAME/latest    the highest live version (any case of latest)
 *	models:/NAME/STAGE     the highest version in the stage (any case)
 *	models:/NAME@ALIAS     the version the alias names (split at the last @)
 *
 * A URI with anything else (no slash and no @, more than two segments, an
 * empty part, an unknown stage) is CAIRN_EINVALID with MLflow's message.
 * Lookups run in one read transaction, so a URI resolves against one
 * snapshot of the store even while another process moves an alias. A
 * repository tracked on a cairn server asks the server
 * (track_backend.h).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/registry.h"
#include "lib/track_backend.h"
#include "lib/track_local.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/banned.h"

static int improper(const char *uri)
{
	return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
				"Not a proper models:/ URI: %s. Models URIs must be of "
				"the form 'models:/name/suffix' or "
				"'models:/name@alias' where suffix is a version, "
				"stage, or the string 'latest' and where alias is a "
				"registered model alias. Only one of suffix or alias "
				"can be defined at a time.", uri);
}

static int lookup(cairn_model_version *v, cairn_repo *repo, const char *name,
		  const char *alias, const char *suffix)
{
	cairn_model m;
	int64_t model;
	uint64_t version;
	cairn_stage stage;
	int err, has;

	if (alias) {
		if ((err = db_model_get(&m, &model, repo->db, name)) < 0)
			return err;
		db_model_clear(&m);
		if ((has = db_model_alias_get(&version, repo->db, model, alias)) < 0)
			return has;
		if (!has)
			return cairn_error_setc(CAIRN_ENOTFOUND, CAIRN_ERRCLASS_INVALID,
						"Registered model alias %s not found.",
						alias);
		return db_model_version_get(v, NULL, repo->db, name, version, -1);
	}
	if (strspn(suffix, "0123456789") == strlen(suffix)) {
		version = strtoull(suffix, NULL, 10);
		if (!version || strlen(suffix) > 19)
			return cairn_error_setc(CAIRN_ENOTFOUND, CAIRN_ERRCLASS_INVALID,
						"Model Version (name=%s, version=%s) not "
						"found", name, suffix);
		return db_model_version_get(v, NULL, repo->db, name, version, -1);
	}
	if (!strcasecmp(suffix, "latest"))
		return db_model_version_get(v, NULL, repo->db, name, 0, -1);
	if ((err = cairn_stage_parse(&stage, suffix)) < 0)
		return err;
	return db_model_version_get(v, NULL, repo->db, name, 0, (int)stage);
}

int registry__parse_uri(char **name, char **alias, char **suffix,
			const char *uri)
{
	const char *path, *at, *slash;
	cairn_stage stage;

	*name = *alias = *suffix = NULL;
	if (!uri || strncmp(uri, "models:/", 8))
		return improper(uri ? uri : "");
	path = uri + 8;
	at = strrchr(path, '@');
	slash = strchr(path, '/');
	if (at) {
		if (at == path || !at[1] || (slash && slash < at))
			return improper(uri);
		*name = xstrndup(path, (size_t)(at - path));
		*alias = xstrdup(at + 1);
		return 0;
	}
	if (!slash || slash == path || !slash[1] || strchr(slash + 1, '/'))
		return improper(uri);
	/* A suffix is a version, latest, or a stage. */
	if (strspn(slash + 1, "0123456789") != strlen(slash + 1) &&
	    strcasecmp(slash + 1, "latest") &&
	    cairn_stage_parse(&stage, slash + 1) < 0)
		return CAIRN_EINVALID;
	*name = xstrndup(path, (size_t)(slash - path));
	*suffix = xstrdup(slash + 1);
	return 0;
}

int cairn_model_resolve(cairn_model_version **out, cairn_repo *repo,
			const char *uri)
{
	*out = NULL;
	return repo->track->model_resolve(out, repo, uri);
}

int local_model_resolve(cairn_model_version **out, cairn_repo *repo,
			const char *uri)
{
	char *name, *alias, *suffix;
	cairn_model_version v;
	int err;

	*out = NULL;
	if ((err = cairn_repo__need_local(repo)) < 0)
		return err;
	if ((err = registry__parse_uri(&name, &alias, &suffix, uri)) < 0)
		return err;
	if ((err = db_begin_read(repo->db)) == 0) {
		err = lookup(&v, repo, name, alias, suffix);
		db_rollback(repo->db);
	}
	if (!err) {
		*out = xmalloc(sizeof(**out));
		**out = v;
	}
	free(name);
	free(alias);
	free(suffix);
	return err;
}
