/*
 * registry.h: what the files of the model registry share (registry.c:
 * models, names, tags, the change helper; registry_versions.c: versions,
 * stages, aliases; registry_content.c: reading a version's files;
 * model_uri.c: models:/ URIs; registry_metadata.c: the metadata JSON).
 *
 * Every state change goes through one transaction: registry__begin(),
 * the db_* writes, then registry__commit() with a description of the
 * change (action, object, state before and after as JSON, reason), which
 * appends it to the audit log (audit.h) in the same transaction; any
 * failure rolls the whole change back.
 */
#ifndef CAIRN_LIB_REGISTRY_H
#define CAIRN_LIB_REGISTRY_H

#include <stdint.h>

#include "cairn.h"
#include "lib/db_registry.h"
#include "lib/mlmodel.h"
#include "lib/repo.h"

struct reg_change {
	const char *action; /* "model.create", "model.alias.set", ... */
	char *object;       /* "model:NAME" or "model:NAME/3" (owned) */
	char *before;       /* JSON text or NULL (owned) */
	char *after;        /* JSON text or NULL (owned) */
	const char *reason; /* or NULL */
};

int64_t registry__now(void);
int registry__begin(cairn_repo *repo);
/* Record c and commit; on failure roll back. Frees c's strings. */
int registry__commit(cairn_repo *repo, struct reg_change *c);
/* Roll back after a failed write, keeping err; frees c's strings. */
int registry__abort(cairn_repo *repo, struct reg_change *c, int err);

/* "model:NAME" / "model:NAME/VERSION", owned. */
char *registry__object(const char *name, uint64_t version);

/*
 * Split a models:/ URI into its model name and either alias or suffix (a
 * version, latest or a stage; the other NULL), all owned; CAIRN_EINVALID
 * with MLflow's message if it is not one.
 */
int registry__parse_uri(char **name, char **alias, char **suffix,
			const char *uri);

/* MLflow's rules for model names, tags and aliases. */
int registry__check_name(const char *name);
int registry__check_tag(const char *key, const char *value);
int registry__check_alias(const char *alias);

/*
 * A search of models or versions (rows are cairn_model or
 * cairn_model_version), paged by MLflow's tokens.
 */
int registry__search(cairn_buf *next_page_token, cairn_repo *repo,
		     enum reg_target target,
		     const cairn_model_search_options *opts,
		     int (*cb)(const void *row, void *payload), void *payload);

/* registry_content.c: store a local directory as a tree (verified dir). */
int registry__store_dir(cairn_oid *tree, cairn_repo *repo, const char *dir);
/* Add the files and bytes under a tree to *files and *bytes. */
int registry__tree_stats(uint64_t *files, uint64_t *bytes, cairn_repo *repo,
			 const cairn_oid *tree);
/* The MLmodel at the top of a tree, if any (out empty when none). */
int registry__read_mlmodel(struct mlmodel *out, cairn_repo *repo,
			   const cairn_oid *tree, const char *what);

/*
 * Point alias at version in one recorded transaction (action
 * "model.alias.set" or "model.alias.rollback", with reason); with
 * expect_set, only if the alias is still held by expect (0: unset),
 * else CAIRN_ECONFLICT; refuse_archived refuses an Archived version.
 */
int registry__move_alias(cairn_repo *repo, const char *name, const char *alias,
			 uint64_t version, int expect_set, uint64_t expect,
			 const char *action, const char *reason,
			 int refuse_archived);

/* The version as JSON text (for change records and metadata), owned. */
char *registry__version_json(const cairn_model_version *v);

#endif
