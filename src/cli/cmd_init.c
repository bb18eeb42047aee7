/*
 * cmd_init.c: `cairn init [DIR]`: create a project.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "util/banned.h"

static size_t parse_size(const struct cmd *self, const char *opt, const char *arg)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(arg, &end, 10);
	if (errno || *end || !*arg || *arg == '-' || v == 0)
		cli_usage(self, "%s needs a positive number of bytes, not '%s'", opt, arg);
	return (size_t)v;
}

int cmd_init(int argc, char **argv, struct cli_ctx *ctx)
{
	static const struct option opts[] = {
		{ "chunk-min", required_argument, NULL, 'm' },
		{ "chunk-avg", required_argument, NULL, 'a' },
		{ "chunk-max", required_argument, NULL, 'x' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cmd *self = cmd_lookup("init");
	cairn_init_options o = CAIRN_INIT_OPTIONS_INIT;
	cairn_repo *repo = NULL;
	const char *dir = ctx->dir;
	int opt;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'm':
			o.chunk_min = parse_size(self, "--chunk-min", optarg);
			break;
		case 'a':
			o.chunk_avg = parse_size(self, "--chunk-avg", optarg);
			break;
		case 'x':
			o.chunk_max = parse_size(self, "--chunk-max", optarg);
			break;
		default:
			cli_usage(self, NULL);
		}
	}
	if (argc - optind > 1)
		cli_usage(self, "too many arguments");
	if (optind < argc)
		dir = argv[optind];
	if (cairn_repo_init(&repo, dir, &o) < 0)
		return cli_lib_error();
	printf("Initialized empty cairn project in %s/\n", cairn_repo_path(repo));
	cairn_repo_free(repo);
	return 0;
}
