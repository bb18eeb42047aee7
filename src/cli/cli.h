/*
 * cli.h: what the command files of the `cairn` program share: the command
 * table entry, the exit-code conventions and the output helpers.
 *
 * Exit codes (git's): 0 success, 1 an operation failed, 128 die() (cannot
 * go on: no project, unreadable store), 129 usage().
 */
#ifndef CAIRN_CLI_H
#define CAIRN_CLI_H

#include <stdint.h>

#include "cairn.h"
#include "util/error.h"

#define EXIT_FAIL 1
#define EXIT_DIE 128
#define EXIT_USAGE 129

struct cli_ctx {
	const char *dir;  /* -C DIR, else "." */
	const char *user; /* --user NAME: the actor of audit events, or NULL */
};

struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv, struct cli_ctx *ctx);
	const char *summary;
	const char *usage; /* the full help text */
};

/* The table, in main.c. */
extern const struct cmd commands[];
const struct cmd *cmd_lookup(const char *name);

/* "error: <message>" on stderr; returns EXIT_FAIL. */
int cli_error(const char *fmt, ...) CAIRN_PRINTF(1, 2);
/* The library's last error, as cli_error() would print it. */
int cli_lib_error(void);
/* "fatal: <message>" on stderr and exit(128). */
void cli_die(const char *fmt, ...) CAIRN_PRINTF(1, 2) __attribute__((noreturn));
/* "usage: ..." for the command on stderr and exit(129). */
void cli_usage(const struct cmd *cmd, const char *fmt, ...)
	CAIRN_PRINTF(2, 3) __attribute__((noreturn));
/* Resolve a run spec (id, id prefix, name), or print why not and exit 1. */
void cli_resolve_run(cairn_buf *out, cairn_repo *repo, const char *spec);

/*
 * Open the project around ctx->dir, or die with git's message; its audit
 * actor is ctx->user when given.
 */
cairn_repo *cli_open_repo(struct cli_ctx *ctx);
/*
 * Open for experiment tracking: where $CAIRN_TRACKING_URI, else
 * $MLFLOW_TRACKING_URI says (a cairn server, or a project's path), else
 * the project around ctx->dir; die if that cannot be opened. Its audit
 * actor is ctx->user when given (a server records its own).
 */
cairn_repo *cli_open_tracking(struct cli_ctx *ctx);

/* "1.5 GiB", "512 B" into buf. */
const char *cli_size(char *buf, size_t n, uint64_t bytes);
/* "2026-11-27 15:20" (UTC) into buf. */
const char *cli_time(char *buf, size_t n, int64_t ms);
/* The first 12 hex digits of an id, "sha256:" prefixed. */
const char *cli_short_id(char *buf, size_t n, const cairn_oid *oid);
/*
 * A whole number from min to max given to option what ("--port"); else
 * cmd's usage and exit(129) (parse_number.c).
 */
unsigned cli_parse_number(const struct cmd *cmd, const char *arg,
			  const char *what, unsigned min, unsigned max);
/*
 * A traffic percent, "0" to "100" with or without a trailing '%' (whole
 * numbers only), given to option; else cmd's usage and exit(129)
 * (percent.c).
 */
unsigned cli_parse_percent(const struct cmd *cmd, const char *option,
			   const char *arg);
/* --canary URI=PERCENT: the URI (to free) and its percent; else usage. */
char *cli_parse_canary(const struct cmd *cmd, const char *arg,
		       unsigned *percent);
/* Whether stderr is a terminal (progress bars). */
int cli_interactive(void);

int cmd_init(int argc, char **argv, struct cli_ctx *ctx);
int cmd_data(int argc, char **argv, struct cli_ctx *ctx);
int cmd_remote(int argc, char **argv, struct cli_ctx *ctx);
int cmd_experiments(int argc, char **argv, struct cli_ctx *ctx);
int cmd_log(int argc, char **argv, struct cli_ctx *ctx);
int cmd_runs(int argc, char **argv, struct cli_ctx *ctx);
int cmd_metrics(int argc, char **argv, struct cli_ctx *ctx);
int cmd_artifacts(int argc, char **argv, struct cli_ctx *ctx);
int cmd_run(int argc, char **argv, struct cli_ctx *ctx);
int cmd_server(int argc, char **argv, struct cli_ctx *ctx);
int cmd_serve(int argc, char **argv, struct cli_ctx *ctx);
int cmd_models(int argc, char **argv, struct cli_ctx *ctx);
/* `runs list` and `runs search` (cmd_runs_list.c). */
int runs_list(int argc, char **argv, cairn_repo *repo, int search);
int cmd_audit(int argc, char **argv, struct cli_ctx *ctx);
int cmd_lineage(int argc, char **argv, struct cli_ctx *ctx);
int cmd_deployments(int argc, char **argv, struct cli_ctx *ctx);
int cmd_fsck(int argc, char **argv, struct cli_ctx *ctx);
int cmd_gc(int argc, char **argv, struct cli_ctx *ctx);
int cmd_help(int argc, char **argv, struct cli_ctx *ctx);
int cmd_version(int argc, char **argv, struct cli_ctx *ctx);

#endif
