/*
 * cmd_remote.c: `cairn remote add|list|remove`.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "util/banned.h"

static int print_remote(const char *name, const char *url, void *payload)
{
	json_t *list = payload;

	if (list)
		json_array_append_new(list, json_pack("{s:s, s:s}", "name", name,
						      "url", url));
	else
		printf("%s\t%s\n", name, url);
	return 0;
}

int cmd_remote(int argc, char **argv, struct cli_ctx *ctx)
{
	const struct cmd *self = cmd_lookup("remote");
	const char *sub = argc > 1 ? argv[1] : "list";
	cairn_repo *repo;
	int err = 0;

	if (!strcmp(sub, "add")) {
		if (argc != 4)
			cli_usage(self, "'remote add' takes a name and a directory");
		repo = cli_open_repo(ctx);
		err = cairn_remote_add(repo, argv[2], argv[3]);
	} else if (!strcmp(sub, "remove") || !strcmp(sub, "rm")) {
		if (argc != 3)
			cli_usage(self, "'remote remove' takes a name");
		repo = cli_open_repo(ctx);
		err = cairn_remote_remove(repo, argv[2]);
	} else if (!strcmp(sub, "list")) {
		int json = argc > 2 && !strcmp(argv[2], "--json");
		json_t *list = json ? json_array() : NULL;

		if (argc > 2 + json)
			cli_usage(self, "unexpected argument '%s'", argv[2 + json]);
		repo = cli_open_repo(ctx);
		err = cairn_remote_foreach(repo, print_remote, list);
		if (list && !err) {
			json_dumpf(list, stdout, JSON_INDENT(2));
			putchar('\n');
		}
		json_decref(list);
	} else {
		cli_usage(self, "unknown subcommand '%s'", sub);
	}
	cairn_repo_free(repo);
	return err < 0 ? cli_lib_error() : 0;
}
