/*
 * usage.c: messages and exit codes of the cairn program, in git's tone:
 * lower case, no full stop, the subject quoted.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "util/banned.h"

int cli_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("error: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	return EXIT_FAIL;
}

int cli_lib_error(void)
{
	return cli_error("%s", cairn_error_last()->message);
}

void cli_die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("fatal: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(EXIT_DIE);
}

void cli_usage(const struct cmd *cmd, const char *fmt, ...)
{
	va_list ap;

	if (fmt) {
		va_start(ap, fmt);
		fputs("error: ", stderr);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
		va_end(ap);
	}
	if (cmd)
		fprintf(stderr, "%s", cmd->usage);
	else
		fputs("usage: cairn [-C DIR] COMMAND [ARGS]; see 'cairn help'\n", stderr);
	exit(EXIT_USAGE);
}

cairn_repo *cli_open_repo(struct cli_ctx *ctx)
{
	cairn_repo *repo = NULL;
	int err = cairn_repo_open(&repo, ctx->dir);

	if (err < 0 || (ctx->user && cairn_repo_set_actor(repo, ctx->user) < 0))
		cli_die("%s", cairn_error_last()->message);
	return repo;
}

cairn_repo *cli_open_tracking(struct cli_ctx *ctx)
{
	const char *uri = getenv("CAIRN_TRACKING_URI");
	cairn_repo *repo = NULL;

	if (!uri || !*uri)
		uri = getenv("MLFLOW_TRACKING_URI");
	if (cairn_repo_open_tracking(&repo, ctx->dir, uri) < 0 ||
	    (ctx->user && cairn_repo_set_actor(repo, ctx->user) < 0))
		cli_die("%s", cairn_error_last()->message);
	return repo;
}

void cli_resolve_run(cairn_buf *out, cairn_repo *repo, const char *spec)
{
	if (cairn_run_resolve(out, repo, spec) < 0) {
		/* An unknown run is a failed operation (1), not a broken set-up. */
		cli_lib_error();
		exit(EXIT_FAIL);
	}
}

const char *cli_size(char *buf, size_t n, uint64_t bytes)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB" };
	double v = (double)bytes;
	int u = -1;

	if (bytes < 1024) {
		snprintf(buf, n, "%llu B", (unsigned long long)bytes);
		return buf;
	}
	while (v >= 1024 && u < 3) {
		v /= 1024;
		u++;
	}
	snprintf(buf, n, "%.1f %s", v, units[u]);
	return buf;
}

const char *cli_time(char *buf, size_t n, int64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, n, "%Y-%m-%d %H:%M", &tm);
	return buf;
}

const char *cli_short_id(char *buf, size_t n, const cairn_oid *oid)
{
	char full[CAIRN_OID_STRLEN + 1];

	cairn_oid_fmt(full, oid);
	snprintf(buf, n, "%.19s", full);
	return buf;
}

int cli_interactive(void)
{
	return isatty(2);
}
