/*
 * models.h: what the two files of `cairn models` share (cmd_models.c:
 * models and dispatch; cmd_models_versions.c: versions, stages, aliases,
 * downloads, metadata; cmd_models_history.c: promote, rollback, history,
 * at). Each subcommand takes the whole argv
 * ("models", SUB, ...) and returns the exit code.
 */
#ifndef CAIRN_CLI_MODELS_H
#define CAIRN_CLI_MODELS_H

#include "cli/cli.h"
#include "util/buf.h"

const struct cmd *models_self(void);
/* Pretty-print a JSON text on stdout. */
void models_print_json(const cairn_buf *text);
/* Split KEY=VALUE in place; -1 if there is no '=' or no key. */
int models_parse_kv(cairn_kv *kv, char *arg);
/* The filter "name = 'NAME'", quoted for MLflow's grammar. */
void models_name_filter(struct buf *out, const char *name);
/*
 * The version named by args[0] (a models:/ URI) or args[0] args[1] (NAME
 * VERSION); *used gets how many arguments that took.
 */
int models_lookup(cairn_model_version **out, int *used, cairn_repo *repo,
		  char **args, int nargs);
/*
 * The arguments VERSION [--out FILE] of `models CMD` (metadata, card):
 * the version looked up, and *out the file (NULL: stdout). Usage errors
 * exit; a lookup failure is returned.
 */
int models_version_out(cairn_model_version **v, const char **out, int argc,
		       char **argv, cairn_repo *repo, const char *cmd);
/* Write text to the file out atomically, or to stdout when out is NULL. */
int models_write_out(const char *out, const char *text, size_t len);
/* `models show models:/...`: one version. */
int models_show_version(const char *uri, int json, cairn_repo *repo);

int models_register(int argc, char **argv, cairn_repo *repo);
int models_versions(int argc, char **argv, cairn_repo *repo);
int models_stage(int argc, char **argv, cairn_repo *repo);
int models_alias(int argc, char **argv, cairn_repo *repo);
int models_latest(int argc, char **argv, cairn_repo *repo);
int models_download(int argc, char **argv, cairn_repo *repo);
int models_verify(int argc, char **argv, cairn_repo *repo);
int models_metadata(int argc, char **argv, cairn_repo *repo);
/* cmd_models_card.c */
int models_card(int argc, char **argv, cairn_repo *repo);
/* cmd_models_history.c */
int models_promote(int argc, char **argv, cairn_repo *repo);
int models_rollback(int argc, char **argv, cairn_repo *repo);
int models_history(int argc, char **argv, cairn_repo *repo);
int models_at(int argc, char **argv, cairn_repo *repo);
/* cmd_models_promote.c: policies, requests and votes */
int models_policy(int argc, char **argv, cairn_repo *repo);
int models_request(int argc, char **argv, cairn_repo *repo);
int models_approve(int argc, char **argv, cairn_repo *repo);
int models_reject(int argc, char **argv, cairn_repo *repo);
int models_requests(int argc, char **argv, cairn_repo *repo);

#endif
