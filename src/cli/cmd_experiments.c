/*
 * cmd_experiments.c: `cairn experiments create|list|rename|delete|restore|tag`.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "util/banned.h"

static const struct cmd *self(void)
{
	return cmd_lookup("experiments");
}

struct listing {
	json_t *list;
	int header;
};

static int print_experiment(const cairn_experiment *e, void *payload)
{
	struct listing *l = payload;
	char when[32];

	if (l->list) {
		json_array_append_new(l->list,
				      json_pack("{s:s, s:s, s:s, s:I, s:I}", "experiment_id",
						e->id, "name", e->name, "lifecycle_stage",
						e->lifecycle_stage, "creation_time",
						(json_int_t)e->creation_time, "last_update_time",
						(json_int_t)e->last_update_time));
		return 0;
	}
	if (!l->header++)
		printf("%-6s %-32s %-8s %s\n", "ID", "NAME", "STAGE", "CREATED (UTC)");
	printf("%-6s %-32s %-8s %s\n", e->id, e->name, e->lifecycle_stage,
	       cli_time(when, sizeof(when), e->creation_time));
	return 0;
}

int cmd_experiments(int argc, char **argv, struct cli_ctx *ctx)
{
	const char *sub = argc > 1 ? argv[1] : "list";
	cairn_repo *repo;
	int err = 0;

	if (strcmp(sub, "create") && strcmp(sub, "list") && strcmp(sub, "rename") &&
	    strcmp(sub, "delete") && strcmp(sub, "restore") && strcmp(sub, "tag"))
		cli_usage(self(), "unknown subcommand 'experiments %s'", sub);
	if (!strcmp(sub, "create") && argc != 3)
		cli_usage(self(), "'experiments create' takes a name");
	if (!strcmp(sub, "rename") && argc != 4)
		cli_usage(self(), "'experiments rename' takes an experiment and a new name");
	if ((!strcmp(sub, "delete") || !strcmp(sub, "restore")) && argc != 3)
		cli_usage(self(), "'experiments %s' takes an experiment", sub);
	if (!strcmp(sub, "tag") && argc != 5)
		cli_usage(self(), "'experiments tag' takes an experiment, a key and a value");
	repo = cli_open_tracking(ctx);
	if (!strcmp(sub, "create")) {
		cairn_buf id = CAIRN_BUF_INIT;

		if (!(err = cairn_experiment_create(&id, repo, argv[2])))
			printf("created experiment %s (id %s)\n", argv[2], id.ptr);
		cairn_buf_dispose(&id);
	} else if (!strcmp(sub, "rename")) {
		err = cairn_experiment_rename(repo, argv[2], argv[3]);
	} else if (!strcmp(sub, "delete")) {
		err = cairn_experiment_delete(repo, argv[2]);
	} else if (!strcmp(sub, "restore")) {
		err = cairn_experiment_restore(repo, argv[2]);
	} else if (!strcmp(sub, "tag")) {
		err = cairn_experiment_set_tag(repo, argv[2], argv[3], argv[4]);
	} else {
		static const struct option opts[] = {
			{ "json", no_argument, NULL, 'j' },
			{ "all", no_argument, NULL, 'a' },
			{ "deleted", no_argument, NULL, 'd' },
			{ NULL, 0, NULL, 0 },
		};
		struct listing l = { NULL, 0 };
		cairn_view view = CAIRN_VIEW_ACTIVE;
		int opt;

		optind = 0;
		while ((opt = getopt_long(argc - 1, argv + 1, "", opts, NULL)) != -1) {
			if (opt == 'j')
				l.list = l.list ? l.list : json_array();
			else if (opt == 'a')
				view = CAIRN_VIEW_ALL;
			else if (opt == 'd')
				view = CAIRN_VIEW_DELETED;
			else
				cli_usage(self(), NULL);
		}
		err = cairn_experiment_foreach(repo, view, print_experiment, &l);
		if (!err && l.list) {
			json_dumpf(l.list, stdout, JSON_INDENT(2));
			putchar('\n');
		}
		json_decref(l.list);
	}
	cairn_repo_free(repo);
	return err < 0 ? cli_lib_error() : 0;
}
