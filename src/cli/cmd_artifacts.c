/*
 * cmd_artifacts.c: `cairn artifacts list|get` and `cairn runs checkpoint`'s
 * engine: listing a run's artifacts and fetching them.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "util/banned.h"

static int print_artifact(const cairn_artifact *a, void *payload)
{
	json_t *list = payload;
	char size[32];

	if (list) {
		json_t *o = json_pack("{s:s, s:b}", "path", a->path, "is_dir", a->is_dir);

		if (!a->is_dir)
			json_object_set_new(o, "file_size", json_integer((json_int_t)a->size));
		json_array_append_new(list, o);
	} else {
		printf("%10s  %s%s\n", cli_size(size, sizeof(size), a->size), a->path,
		       a->is_dir ? "/" : "");
	}
	return 0;
}

int cmd_artifacts(int argc, char **argv, struct cli_ctx *ctx)
{
	const struct cmd *self = cmd_lookup("artifacts");
	cairn_buf id = CAIRN_BUF_INIT;
	cairn_repo *repo;
	int json = 0, i, n = 0, err;
	const char *args[4] = { NULL, NULL, NULL, NULL };

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = 1;
		else if (n < 4)
			args[n++] = argv[i];
		else
			cli_usage(self, "too many arguments");
	}
	if (!n || (strcmp(args[0], "list") && strcmp(args[0], "get")))
		cli_usage(self, NULL);
	if (!strcmp(args[0], "list") ? (n < 2 || n > 3) : n != 4)
		cli_usage(self, NULL);
	repo = cli_open_tracking(ctx);
	cli_resolve_run(&id, repo, args[1]);
	if (!strcmp(args[0], "list")) {
		json_t *list = json ? json_array() : NULL;

		err = cairn_artifact_list(repo, id.ptr, args[2], print_artifact, list);
		if (!err && list) {
			json_t *out = json_pack("{s:o}", "files", list);

			json_dumpf(out, stdout, JSON_INDENT(2));
			putchar('\n');
			json_decref(out);
		} else {
			json_decref(list);
		}
	} else {
		err = cairn_artifact_download(repo, id.ptr, args[2], args[3]);
	}
	cairn_buf_dispose(&id);
	cairn_repo_free(repo);
	return err < 0 ? cli_lib_error() : 0;
}
