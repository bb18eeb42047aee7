/*
 * cmd_maint.c: `cairn fsck` and `cairn gc`.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "util/banned.h"

struct fsck_out {
	json_t *problems; /* --json */
};

static int print_problem(const cairn_fsck_problem *p, void *payload)
{
	struct fsck_out *o = payload;
	char id[CAIRN_OID_STRLEN + 1];

	cairn_oid_fmt(id, p->oid);
	if (o->problems) {
		json_array_append_new(o->problems,
				      json_pack("{s:s, s:s, s:s?}", "id", id, "problem",
						p->problem, "referenced_by", p->referrer));
		return 0;
	}
	if (p->referrer)
		fprintf(stderr, "error: %s: %s, referenced by %s\n", id, p->problem,
			p->referrer);
	else
		fprintf(stderr, "error: %s: %s (unreferenced)\n", id, p->problem);
	return 0;
}

static int parse_flags(int argc, char **argv, const struct cmd *self,
		       int *json, int *dry_run)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	while ((opt = getopt_long(argc, argv, "n", opts, NULL)) != -1) {
		if (opt == 'j')
			*json = 1;
		else if (opt == 'n' && dry_run)
			*dry_run = 1;
		else
			cli_usage(self, NULL);
	}
	if (optind < argc)
		cli_usage(self, "unexpected argument '%s'", argv[optind]);
	return 0;
}

int cmd_fsck(int argc, char **argv, struct cli_ctx *ctx)
{
	struct fsck_out o = { NULL };
	cairn_fsck_stats st;
	cairn_repo *repo;
	char size[32];
	int json = 0, err;

	parse_flags(argc, argv, cmd_lookup("fsck"), &json, NULL);
	repo = cli_open_repo(ctx);
	if (json)
		o.problems = json_array();
	err = cairn_fsck(&st, repo, print_problem, &o);
	cairn_repo_free(repo);
	if (err < 0) {
		json_decref(o.problems);
		return cli_lib_error();
	}
	if (json) {
		json_t *out = json_pack("{s:I, s:I, s:o}", "objects",
					(json_int_t)st.objects, "bytes",
					(json_int_t)st.bytes, "problems", o.problems);

		json_dumpf(out, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(out);
	} else {
		printf("checked %llu objects (%s): %s\n",
		       (unsigned long long)st.objects, cli_size(size, sizeof(size), st.bytes),
		       st.problems ? "problems found" : "ok");
	}
	return st.problems ? EXIT_FAIL : 0;
}

int cmd_gc(int argc, char **argv, struct cli_ctx *ctx)
{
	cairn_gc_stats st;
	cairn_repo *repo;
	char a[32], b[32];
	int json = 0, dry_run = 0, err;

	parse_flags(argc, argv, cmd_lookup("gc"), &json, &dry_run);
	repo = cli_open_repo(ctx);
	err = cairn_gc(&st, repo, dry_run);
	cairn_repo_free(repo);
	if (err < 0)
		return cli_lib_error();
	if (json) {
		json_t *out = json_pack("{s:b, s:I, s:I, s:I, s:I}", "dry_run", dry_run,
					"objects", (json_int_t)st.objects_total,
					"unreferenced", (json_int_t)st.objects_unreferenced,
					"bytes_before", (json_int_t)st.bytes_before,
					"bytes_freed", (json_int_t)st.bytes_freed);

		json_dumpf(out, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(out);
	} else if (dry_run) {
		printf("would remove %llu of %llu objects (%s of %s)\n",
		       (unsigned long long)st.objects_unreferenced,
		       (unsigned long long)st.objects_total,
		       cli_size(a, sizeof(a), st.bytes_freed),
		       cli_size(b, sizeof(b), st.bytes_before));
	} else {
		printf("removed %llu of %llu objects, freed %s\n",
		       (unsigned long long)st.objects_unreferenced,
		       (unsigned long long)st.objects_total,
		       cli_size(a, sizeof(a), st.bytes_freed));
	}
	return 0;
}
