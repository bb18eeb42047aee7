/*
 * cmd_runs_list.c: `cairn runs list` and `cairn runs search`: MLflow's
 * run search from the command line, one line per run or --json.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/run_json.h"
#include "util/alloc.h"
#include "util/banned.h"

struct listing {
	json_t *list;
	int header;
	const char *const *columns; /* metric keys to show */
	size_t ncolumns;
};

static int print_row(const cairn_run *run, void *payload)
{
	struct listing *l = payload;
	const cairn_run_info *i = cairn_run_info_get(run);
	char when[32];
	size_t c, k;

	if (l->list) {
		json_array_append_new(l->list, run_json(run));
		return 0;
	}
	if (!l->header++) {
		printf("%-10s %-24s %-4s %-9s %-16s", "RUN", "NAME", "EXP", "STATUS",
		       "STARTED (UTC)");
		for (c = 0; c < l->ncolumns; c++)
			printf(" %12.12s", l->columns[c]);
		putchar('\n');
	}
	printf("%-10.8s %-24.24s %-4s %-9s %-16s", i->run_id, i->name,
	       i->experiment_id, cairn_run_status_name(i->status),
	       cli_time(when, sizeof(when), i->start_time));
	for (c = 0; c < l->ncolumns; c++) {
		const cairn_metric *m = NULL;

		for (k = 0; k < cairn_run_metric_count(run) && !m; k++)
			if (!strcmp(cairn_run_metric(run, k)->key, l->columns[c]))
				m = cairn_run_metric(run, k);
		if (m)
			printf(" %12.6g", m->value);
		else
			printf(" %12s", "-");
	}
	putchar('\n');
	return 0;
}

int runs_list(int argc, char **argv, cairn_repo *repo, int search)
{
	static const struct option opts[] = {
		{ "experiment", required_argument, NULL, 'e' },
		{ "order-by", required_argument, NULL, 'o' },
		{ "max", required_argument, NULL, 'm' },
		{ "page-token", required_argument, NULL, 'p' },
		{ "all", no_argument, NULL, 'a' },
		{ "deleted", no_argument, NULL, 'd' },
		{ "metric", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cmd *self = cmd_lookup("runs");
	cairn_search_options o = CAIRN_SEARCH_OPTIONS_INIT;
	struct listing l = { NULL, 0, NULL, 0 };
	const char **exps = xcalloc((size_t)argc, sizeof(char *));
	const char **order = xcalloc((size_t)argc, sizeof(char *));
	const char **columns = xcalloc((size_t)argc, sizeof(char *));
	cairn_buf next = CAIRN_BUF_INIT;
	int opt, err, json = 0;
	char *end;

	optind = 0;
	while ((opt = getopt_long(argc - 1, argv + 1, "e:", opts, NULL)) != -1) {
		switch (opt) {
		case 'e':
			exps[o.nexperiments++] = optarg;
			break;
		case 'o':
			order[o.norder_by++] = optarg;
			break;
		case 'm':
			o.max_results = (size_t)strtoul(optarg, &end, 10);
			if (*end || !*optarg || *optarg == '-' || !o.max_results)
				cli_usage(self, "--max needs a positive number");
			break;
		case 'p':
			o.page_token = optarg;
			break;
		case 'a':
			o.view = CAIRN_VIEW_ALL;
			break;
		case 'd':
			o.view = CAIRN_VIEW_DELETED;
			break;
		case 'c':
			columns[l.ncolumns++] = optarg;
			break;
		case 'j':
			json = 1;
			break;
		default:
			cli_usage(self, NULL);
		}
	}
	if (search) {
		if (optind + 2 != argc)
			cli_usage(self, "'runs search' takes one filter (quote it)");
		o.filter = argv[optind + 1];
	} else if (optind + 1 != argc) {
		cli_usage(self, "'runs list' takes no arguments; see 'runs search'");
	}
	o.experiments = exps;
	o.order_by = order;
	l.columns = columns;
	if (json)
		l.list = json_array();
	err = cairn_runs_search(&next, repo, &o, print_row, &l);
	if (!err && json) {
		json_t *out = json_pack("{s:o}", "runs", l.list);

		if (next.ptr)
			json_object_set_new(out, "next_page_token", json_string(next.ptr));
		json_dumpf(out, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(out);
	} else {
		if (!err && !l.header)
			printf("no runs\n");
		if (!err && next.ptr)
			printf("more: --page-token %s\n", next.ptr);
		json_decref(l.list);
	}
	cairn_buf_dispose(&next);
	free(exps);
	free(order);
	free(columns);
	return err < 0 ? cli_lib_error() : 0;
}
