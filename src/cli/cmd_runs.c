/*
 * cmd_runs.c: `cairn runs ...` and `cairn metrics history`: starting and
 * ending runs by hand, showing, comparing, deleting and restoring them,
 * and a metric's history as a table and a small terminal chart.
 */
#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/run_json.h"
#include "util/alloc.h"
#include "util/spawn.h"
#include "util/banned.h"

static const struct cmd *self(void)
{
	return cmd_lookup("runs");
}

/* ------------------------------------------------------------- show */

static void print_run(const cairn_run *run)
{
	const cairn_run_info *i = cairn_run_info_get(run);
	char start[32], end[32], num[64];
	size_t k;

	printf("run        %s\nname       %s\nexperiment %s\nstatus     %s\n"
	       "user       %s\nstarted    %s UTC\n",
	       i->run_id, i->name, i->experiment_id, cairn_run_status_name(i->status),
	       i->user_id, cli_time(start, sizeof(start), i->start_time));
	if (i->end_time)
		printf("ended      %s UTC (%.1f s)\n", cli_time(end, sizeof(end), i->end_time),
		       (double)(i->end_time - i->start_time) / 1000.0);
	if (i->parent_run_id)
		printf("parent     %s\n", i->parent_run_id);
	if (strcmp(i->lifecycle_stage, "active"))
		printf("stage      %s\n", i->lifecycle_stage);
	if (cairn_run_param_count(run)) {
		printf("\nparams\n");
		for (k = 0; k < cairn_run_param_count(run); k++)
			printf("  %-30s %s\n", cairn_run_param(run, k)->key,
			       cairn_run_param(run, k)->value);
	}
	if (cairn_run_metric_count(run)) {
		printf("\nmetrics (latest)\n");
		for (k = 0; k < cairn_run_metric_count(run); k++) {
			const cairn_metric *m = cairn_run_metric(run, k);

			snprintf(num, sizeof(num), "%.6g", m->value);
			printf("  %-30s %-14s step %lld\n", m->key, num, (long long)m->step);
		}
	}
	if (cairn_run_input_count(run)) {
		printf("\ninputs\n");
		for (k = 0; k < cairn_run_input_count(run); k++) {
			const cairn_run_input *in = cairn_run_input_get(run, k);

			printf("  %s@v%llu  %.19s  %s\n", in->name,
			       (unsigned long long)in->version, in->id, in->context);
		}
	}
	if (cairn_run_tag_count(run)) {
		printf("\ntags\n");
		for (k = 0; k < cairn_run_tag_count(run); k++)
			printf("  %-30s %s\n", cairn_run_tag(run, k)->key,
			       cairn_run_tag(run, k)->value);
	}
}

static int runs_show(int argc, char **argv, cairn_repo *repo)
{
	const char *spec = NULL;
	cairn_buf id = CAIRN_BUF_INIT;
	cairn_run *run;
	int json = 0, i, err;

	for (i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = 1;
		else if (spec)
			cli_usage(self(), "'runs show' takes one run");
		else
			spec = argv[i];
	}
	if (!spec)
		cli_usage(self(), "'runs show' takes one run");
	cli_resolve_run(&id, repo, spec);
	if ((err = cairn_run_get(&run, repo, id.ptr)) == 0) {
		if (json) {
			json_t *o = run_json(run);

			json_dumpf(o, stdout, JSON_INDENT(2));
			putchar('\n');
			json_decref(o);
		} else {
			print_run(run);
		}
		cairn_run_free(run);
	}
	cairn_buf_dispose(&id);
	return err < 0 ? cli_lib_error() : 0;
}

/* ----------------------------------------------------------- compare */

static const char *param_of(const cairn_run *r, const char *key)
{
	size_t i;

	for (i = 0; i < cairn_run_param_count(r); i++)
		if (!strcmp(cairn_run_param(r, i)->key, key))
			return cairn_run_param(r, i)->value;
	return NULL;
}

static const cairn_metric *metric_of(const cairn_run *r, const char *key)
{
	size_t i;

	for (i = 0; i < cairn_run_metric_count(r); i++)
		if (!strcmp(cairn_run_metric(r, i)->key, key))
			return cairn_run_metric(r, i);
	return NULL;
}

static int key_seen(char **keys, size_t n, const char *key)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(keys[i], key))
			return 1;
	return 0;
}

static int key_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted union of the param (or metric) keys of all runs. */
static char **union_keys(cairn_run **runs, size_t n, int metrics, size_t *count)
{
	char **keys = NULL;
	size_t nkeys = 0, alloc = 0, i, k;

	for (i = 0; i < n; i++) {
		size_t m = metrics ? cairn_run_metric_count(runs[i])
				   : cairn_run_param_count(runs[i]);

		for (k = 0; k < m; k++) {
			const char *key = metrics ? cairn_run_metric(runs[i], k)->key
						  : cairn_run_param(runs[i], k)->key;

			if (!key_seen(keys, nkeys, key)) {
				ALLOC_GROW(keys, nkeys + 1, alloc);
				keys[nkeys++] = xstrdup(key);
			}
		}
	}
	if (nkeys > 1)
		qsort(keys, nkeys, sizeof(*keys), key_cmp);
	*count = nkeys;
	return keys;
}

static int runs_compare(int argc, char **argv, cairn_repo *repo)
{
	int json = 0, i;
	cairn_run **runs;
	size_t n = 0, nparams, nmetrics, k, j;
	char **params, **metrics;

	for (i = 2; i < argc; i++)
		json |= !strcmp(argv[i], "--json");
	if (argc - 2 - json < 2)
		cli_usage(self(), "'runs compare' takes two or more runs");
	runs = xcalloc((size_t)argc, sizeof(*runs));
	for (i = 2; i < argc; i++) {
		cairn_buf id = CAIRN_BUF_INIT;

		if (!strcmp(argv[i], "--json"))
			continue;
		cli_resolve_run(&id, repo, argv[i]);
		if (cairn_run_get(&runs[n], repo, id.ptr) < 0) {
			cli_lib_error();
			exit(EXIT_FAIL);
		}
		n++;
		cairn_buf_dispose(&id);
	}
	params = union_keys(runs, n, 0, &nparams);
	metrics = union_keys(runs, n, 1, &nmetrics);
	if (json) {
		json_t *out = json_object(), *list = json_array(), *diff = json_array();

		for (j = 0; j < n; j++)
			json_array_append_new(list, run_json(runs[j]));
		for (k = 0; k < nparams; k++) {
			const char *first = param_of(runs[0], params[k]);

			for (j = 1; j < n; j++) {
				const char *v = param_of(runs[j], params[k]);

				if (!first || !v || strcmp(first, v)) {
					json_array_append_new(diff, json_string(params[k]));
					break;
				}
			}
		}
		json_object_set_new(out, "runs", list);
		json_object_set_new(out, "params_differing", diff);
		json_dumpf(out, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(out);
		goto done;
	}
	printf("  %-28s", "");
	for (j = 0; j < n; j++)
		printf(" %-20.20s", cairn_run_info_get(runs[j])->name);
	printf("\n  %-28s", "run");
	for (j = 0; j < n; j++)
		printf(" %-20.8s", cairn_run_info_get(runs[j])->run_id);
	printf("\n  %-28s", "status");
	for (j = 0; j < n; j++)
		printf(" %-20s", cairn_run_status_name(cairn_run_info_get(runs[j])->status));
	printf("\nparams (* differs)\n");
	for (k = 0; k < nparams; k++) {
		const char *first = param_of(runs[0], params[k]);
		int differs = 0;

		for (j = 1; j < n; j++) {
			const char *v = param_of(runs[j], params[k]);

			differs |= !first || !v || strcmp(first, v);
		}
		printf("%c %-28.28s", differs ? '*' : ' ', params[k]);
		for (j = 0; j < n; j++) {
			const char *v = param_of(runs[j], params[k]);

			printf(" %-20.20s", v ? v : "-");
		}
		putchar('\n');
	}
	printf("metrics (latest; delta against the first run)\n");
	for (k = 0; k < nmetrics; k++) {
		const cairn_metric *base = metric_of(runs[0], metrics[k]);

		printf("  %-28.28s", metrics[k]);
		for (j = 0; j < n; j++) {
			const cairn_metric *m = metric_of(runs[j], metrics[k]);
			char cell[64];

			if (!m)
				snprintf(cell, sizeof(cell), "-");
			else if (j == 0 || !base)
				snprintf(cell, sizeof(cell), "%.6g", m->value);
			else
				snprintf(cell, sizeof(cell), "%.6g (%+.3g)", m->value,
					 m->value - base->value);
			printf(" %-20.20s", cell);
		}
		putchar('\n');
	}
done:
	for (k = 0; k < nparams; k++)
		free(params[k]);
	for (k = 0; k < nmetrics; k++)
		free(metrics[k]);
	free(params);
	free(metrics);
	for (j = 0; j < n; j++)
		cairn_run_free(runs[j]);
	free(runs);
	return 0;
}

/* --------------------------------------------------- start, end, delete */

static int runs_start(int argc, char **argv, cairn_repo *repo)
{
	static const struct option opts[] = {
		{ "experiment", required_argument, NULL, 'e' },
		{ "name", required_argument, NULL, 'n' },
		{ "parent", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	cairn_run_create_options o = CAIRN_RUN_CREATE_OPTIONS_INIT;
	cairn_buf id = CAIRN_BUF_INIT, parent = CAIRN_BUF_INIT;
	int opt, err;

	optind = 0;
	while ((opt = getopt_long(argc - 1, argv + 1, "e:n:", opts, NULL)) != -1) {
		if (opt == 'e')
			o.experiment = optarg;
		else if (opt == 'n')
			o.name = optarg;
		else if (opt == 'p') {
			cli_resolve_run(&parent, repo, optarg);
			o.parent_run_id = parent.ptr;
		} else
			cli_usage(self(), NULL);
	}
	if (optind + 1 < argc)
		cli_usage(self(), "unexpected argument '%s'", argv[optind + 1]);
	if ((err = cairn_run_create(&id, repo, &o)) == 0)
		printf("%s\n", id.ptr);
	cairn_buf_dispose(&id);
	cairn_buf_dispose(&parent);
	return err < 0 ? cli_lib_error() : 0;
}

static int runs_end(int argc, char **argv, cairn_repo *repo)
{
	cairn_run_status status = CAIRN_RUN_FINISHED;
	cairn_buf id = CAIRN_BUF_INIT;
	int err;

	if (argc != 3 && !(argc == 5 && !strcmp(argv[3], "--status")))
		cli_usage(self(), "'runs end' takes a run and optionally --status STATUS");
	if (argc == 5 && cairn_run_status_parse(&status, argv[4]) < 0)
		cli_usage(self(), "--status is FINISHED, FAILED or KILLED");
	cli_resolve_run(&id, repo, argv[2]);
	err = cairn_run_update(repo, id.ptr, status, 0, NULL);
	cairn_buf_dispose(&id);
	return err < 0 ? cli_lib_error() : 0;
}

static int runs_stage(int argc, char **argv, cairn_repo *repo, int del)
{
	cairn_buf id = CAIRN_BUF_INIT;
	int err;

	if (argc != 3)
		cli_usage(self(), "'runs %s' takes one run", argv[1]);
	cli_resolve_run(&id, repo, argv[2]);
	err = del ? cairn_run_delete(repo, id.ptr) : cairn_run_restore(repo, id.ptr);
	cairn_buf_dispose(&id);
	return err < 0 ? cli_lib_error() : 0;
}

/* ---------------------------------------------------------- checkpoints */

struct checkpoints {
	json_t *list;
	int64_t want;     /* step wanted, or -1 for the latest */
	int found;
	int64_t step;
	char *path;
	int header;
};

static int pick_checkpoint(const cairn_checkpoint *c, void *payload)
{
	struct checkpoints *cp = payload;

	if (cp->want >= 0 && c->step != cp->want)
		return 0;
	cp->found = 1;
	cp->step = c->step;
	free(cp->path);
	cp->path = xstrdup(c->path);
	return 0;
}

static int print_checkpoint(const cairn_checkpoint *c, void *payload)
{
	struct checkpoints *cp = payload;
	char when[32], size[32], id[32];

	if (cp->list) {
		json_t *o = json_pack("{s:I, s:s, s:I, s:I}", "step", (json_int_t)c->step,
				      "path", c->path, "size", (json_int_t)c->size,
				      "created_ms", (json_int_t)c->created_ms);
		json_t *meta = c->meta ? json_loads(c->meta, 0, NULL) : NULL;

		if (meta)
			json_object_set_new(o, "meta", meta);
		json_array_append_new(cp->list, o);
		return 0;
	}
	if (!cp->header++)
		printf("%8s  %-16s %10s  %-19s  %s\n", "STEP", "CREATED (UTC)", "SIZE",
		       "ID", "META");
	printf("%8lld  %-16s %10s  %-19s  %s\n", (long long)c->step,
	       cli_time(when, sizeof(when), c->created_ms),
	       cli_size(size, sizeof(size), c->size),
	       cli_short_id(id, sizeof(id), &c->oid), c->meta ? c->meta : "");
	return 0;
}

/* runs checkpoint RUN [--step N | --latest] --out FILE;  runs checkpoints RUN */
static int runs_checkpoint(int argc, char **argv, cairn_repo *repo, int list)
{
	static const struct option opts[] = {
		{ "step", required_argument, NULL, 's' },
		{ "latest", no_argument, NULL, 'l' },
		{ "out", required_argument, NULL, 'o' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct checkpoints cp = { NULL, -1, 0, 0, NULL, 0 };
	cairn_buf id = CAIRN_BUF_INIT;
	const char *out = NULL;
	char *end;
	int opt, err;

	optind = 0;
	while ((opt = getopt_long(argc - 1, argv + 1, "", opts, NULL)) != -1) {
		if (opt == 's') {
			cp.want = strtoll(optarg, &end, 10);
			if (*end || !*optarg || cp.want < 0)
				cli_usage(self(), "--step needs a step number");
		} else if (opt == 'l') {
			cp.want = -1;
		} else if (opt == 'o') {
			out = optarg;
		} else if (opt == 'j') {
			cp.list = json_array();
		} else {
			cli_usage(self(), NULL);
		}
	}
	if (optind + 2 != argc || (!list && !out))
		cli_usage(self(), list ? "'runs checkpoints' takes one run"
				       : "'runs checkpoint' takes a run and --out FILE");
	cli_resolve_run(&id, repo, argv[optind + 1]);
	if (list) {
		err = cairn_checkpoint_foreach(repo, id.ptr, print_checkpoint, &cp);
		if (!err && cp.list) {
			json_dumpf(cp.list, stdout, JSON_INDENT(2));
			putchar('\n');
		} else if (!err && !cp.header) {
			printf("no checkpoints\n");
		}
	} else {
		err = cairn_checkpoint_foreach(repo, id.ptr, pick_checkpoint, &cp);
		if (!err && !cp.found)
			err = cairn_error_setc(CAIRN_ENOTFOUND, CAIRN_ERRCLASS_INVALID,
					       cp.want >= 0 ? "run has no checkpoint at step %lld"
							    : "run has no checkpoints%.0lld",
					       (long long)cp.want);
		if (!err && !(err = cairn_artifact_download(repo, id.ptr, cp.path, out)))
			printf("wrote checkpoint of step %lld to %s\n", (long long)cp.step, out);
	}
	json_decref(cp.list);
	free(cp.path);
	cairn_buf_dispose(&id);
	return err < 0 ? cli_lib_error() : 0;
}

/* ------------------------------------------------------------ reproduce */

static const char *tag_of(const cairn_run *r, const char *key)
{
	size_t i;

	for (i = 0; i < cairn_run_tag_count(r); i++)
		if (!strcmp(cairn_run_tag(r, i)->key, key))
			return cairn_run_tag(r, i)->value;
	return NULL;
}

/* The data path of an input's data set version, or NULL. */
static char *input_path(cairn_repo *repo, const cairn_run_input *in)
{
	struct buf spec = BUF_INIT;
	cairn_data_version *v = NULL;
	char *path = NULL;

	buf_printf(&spec, "%s@v%llu", in->name, (unsigned long long)in->version);
	if (cairn_data_lookup(&v, repo, spec.ptr) == 0)
		path = strdup(v->path);
	cairn_data_version_free(v);
	buf_release(&spec);
	return path;
}

static int runs_reproduce(int argc, char **argv, cairn_repo *repo,
			  struct cli_ctx *ctx)
{
	const char *spec = NULL, *command, *commit, *dirty;
	const cairn_run_info *info;
	cairn_buf id = CAIRN_BUF_INIT;
	struct buf name = BUF_INIT, reproduces = BUF_INIT;
	cairn_run *run;
	char **specs, **rargv;
	size_t i, n, nspecs = 0, rargc = 0;
	int exec = 0, err = 0, k;

	for (k = 2; k < argc; k++) {
		if (!strcmp(argv[k], "--exec"))
			exec = 1;
		else if (!spec)
			spec = argv[k];
		else
			cli_usage(self(), "'runs reproduce' takes one run");
	}
	if (!spec)
		cli_usage(self(), "'runs reproduce' takes one run");
	cli_resolve_run(&id, repo, spec);
	if (cairn_run_get(&run, repo, id.ptr) < 0)
		cli_die("%s", cairn_error_last()->message);
	info = cairn_run_info_get(run);
	command = tag_of(run, "cairn.command");
	commit = tag_of(run, "mlflow.source.git.commit");
	dirty = tag_of(run, "cairn.git.dirty");
	if (!command) {
		cairn_run_free(run);
		cairn_buf_dispose(&id);
		return cli_error("run %s was not made by 'cairn run': no command recorded",
				 id.ptr);
	}
	n = cairn_run_input_count(run);
	specs = xcalloc(n + 1, sizeof(char *));
	printf("# reproduce run %s (%s)\n", info->run_id, info->name);
	if (commit)
		printf("git checkout %s\n", commit);
	if (dirty && !strcmp(dirty, "true"))
		printf("cairn artifacts get %s cairn/code.diff code.diff && git apply "
		       "code.diff   # the run had local changes\n", info->run_id);
	for (i = 0; i < n; i++) {
		const cairn_run_input *in = cairn_run_input_get(run, i);
		char *path = input_path(repo, in);
		struct buf b = BUF_INIT;

		if (!path) {
			printf("# data set %s@v%llu is not known here; run 'cairn data pull'\n",
			       in->name, (unsigned long long)in->version);
			continue;
		}
		buf_printf(&b, "%s@v%llu", path, (unsigned long long)in->version);
		printf("cairn data checkout %s\n", b.ptr);
		specs[nspecs++] = buf_detach(&b, NULL);
		free(path);
	}
	printf("cairn run --experiment %s", info->experiment_id);
	for (i = 0; i < cairn_run_param_count(run); i++)
		printf(" -p '%s=%s'", cairn_run_param(run, i)->key,
		       cairn_run_param(run, i)->value);
	printf(" -- %s\n", command);
	if (!exec)
		goto done;

	/* --exec: the code must be what the run used. */
	if (commit) {
		struct buf head = BUF_INIT;
		const char *git[] = { "git", "rev-parse", "HEAD", NULL };
		int status = -1;

		if (spawn_capture(&head, &status, git, ".", 4096, 5000) < 0 || status != 0 ||
		    strncmp(head.ptr ? head.ptr : "", commit, strlen(commit)) != 0)
			err = cli_error("the run used commit %s; check it out first "
					"(git checkout %s)", commit, commit);
		buf_release(&head);
		if (err)
			goto done;
	}
	if (nspecs) {
		cairn_data_checkout_options co = CAIRN_DATA_CHECKOUT_OPTIONS_INIT;

		if (cairn_data_checkout(repo, (const char *const *)specs, nspecs, &co,
					NULL, NULL) < 0) {
			err = cli_lib_error();
			goto done;
		}
	}
	buf_printf(&name, "%s-reproduced", info->name);
	buf_printf(&reproduces, "cairn.reproduces=%s", info->run_id);
	rargv = xcalloc(16 + 2 * (cairn_run_param_count(run) + n), sizeof(char *));
	rargv[rargc++] = (char *)"run";
	rargv[rargc++] = (char *)"--experiment";
	rargv[rargc++] = (char *)info->experiment_id;
	rargv[rargc++] = (char *)"--name";
	rargv[rargc++] = name.ptr;
	rargv[rargc++] = (char *)"--tag";
	rargv[rargc++] = reproduces.ptr;
	for (i = 0; i < cairn_run_param_count(run); i++) {
		struct buf kv = BUF_INIT;

		buf_printf(&kv, "%s=%s", cairn_run_param(run, i)->key,
			   cairn_run_param(run, i)->value);
		rargv[rargc++] = (char *)"-p";
		rargv[rargc++] = buf_detach(&kv, NULL);
	}
	for (i = 0; i < nspecs; i++) {
		rargv[rargc++] = (char *)"--input";
		rargv[rargc++] = specs[i];
	}
	rargv[rargc++] = (char *)"--";
	rargv[rargc++] = (char *)"sh";
	rargv[rargc++] = (char *)"-c";
	rargv[rargc++] = (char *)command;
	err = cmd_run((int)rargc, rargv, ctx);
	for (i = 0; i < cairn_run_param_count(run); i++)
		free(rargv[8 + 2 * i]);
	free(rargv);
done:
	for (i = 0; i < nspecs; i++)
		free(specs[i]);
	free(specs);
	buf_release(&name);
	buf_release(&reproduces);
	cairn_run_free(run);
	cairn_buf_dispose(&id);
	return err;
}

int cmd_runs(int argc, char **argv, struct cli_ctx *ctx)
{
	const char *sub = argc > 1 ? argv[1] : "list";
	cairn_repo *repo;
	int ret;

	if (strcmp(sub, "show") && strcmp(sub, "compare") && strcmp(sub, "start") &&
	    strcmp(sub, "end") && strcmp(sub, "delete") && strcmp(sub, "restore") &&
	    strcmp(sub, "list") && strcmp(sub, "search") && strcmp(sub, "checkpoint") &&
	    strcmp(sub, "checkpoints") && strcmp(sub, "reproduce"))
		cli_usage(self(), "unknown subcommand 'runs %s'", sub);
	repo = cli_open_tracking(ctx);
	if (!strcmp(sub, "show"))
		ret = runs_show(argc, argv, repo);
	else if (!strcmp(sub, "compare"))
		ret = runs_compare(argc, argv, repo);
	else if (!strcmp(sub, "start"))
		ret = runs_start(argc, argv, repo);
	else if (!strcmp(sub, "end"))
		ret = runs_end(argc, argv, repo);
	else if (!strcmp(sub, "reproduce"))
		ret = runs_reproduce(argc, argv, repo, ctx);
	else if (!strcmp(sub, "checkpoint") || !strcmp(sub, "checkpoints"))
		ret = runs_checkpoint(argc, argv, repo, !strcmp(sub, "checkpoints"));
	else if (!strcmp(sub, "delete") || !strcmp(sub, "restore"))
		ret = runs_stage(argc, argv, repo, !strcmp(sub, "delete"));
	else
		ret = runs_list(argc, argv, repo, !strcmp(sub, "search"));
	cairn_repo_free(repo);
	return ret;
}

/* ------------------------------------------------- metrics history */

struct history {
	double *values;
	int64_t *steps;
	size_t n, alloc, avalues;
	json_t *list;
};

static int collect_point(const cairn_metric *m, void *payload)
{
	struct history *h = payload;
	size_t a = h->alloc;

	if (h->list) {
		json_t *o = json_pack("{s:I, s:I}", "step", (json_int_t)m->step,
				      "timestamp", (json_int_t)m->timestamp);

		json_object_set_new(o, "value", isfinite(m->value) ? json_real(m->value)
				    : json_string(isnan(m->value) ? "NaN"
						  : m->value > 0 ? "Infinity" : "-Infinity"));
		json_array_append_new(h->list, o);
		return 0;
	}
	if (!h->n)
		printf("%10s  %s\n", "STEP", m->key);
	ALLOC_GROW(h->values, h->n + 1, h->avalues);
	ALLOC_GROW(h->steps, h->n + 1, a);
	h->alloc = a;
	h->values[h->n] = m->value;
	h->steps[h->n++] = m->step;
	printf("%10lld  %.6g\n", (long long)m->step, m->value);
	return 0;
}

/* A small chart: 60 columns, 10 rows, the mean of each column's points. */
static void chart(const struct history *h)
{
	enum { W = 60, H = 10 };
	double col[W], lo = INFINITY, hi = -INFINITY;
	int cnt[W] = { 0 }, x, y;
	size_t i;

	for (x = 0; x < W; x++)
		col[x] = 0;
	for (i = 0; i < h->n; i++) {
		if (!isfinite(h->values[i]))
			continue;
		x = (int)(i * W / h->n);
		col[x] += h->values[i];
		cnt[x]++;
	}
	for (x = 0; x < W; x++) {
		if (!cnt[x])
			continue;
		col[x] /= cnt[x];
		lo = col[x] < lo ? col[x] : lo;
		hi = col[x] > hi ? col[x] : hi;
	}
	if (!(hi >= lo))
		return;
	putchar('\n');
	for (y = H - 1; y >= 0; y--) {
		printf("%10.4g |", lo + (hi - lo) * (y + 0.5) / H);
		for (x = 0; x < W; x++) {
			int level = cnt[x] ? (hi > lo ? (int)((col[x] - lo) / (hi - lo) * (H - 1) + 0.5)
						    : 0) : -1;

			putchar(level == y ? '*' : ' ');
		}
		putchar('\n');
	}
	printf("%10s +", "");
	for (x = 0; x < W; x++)
		putchar('-');
	printf("\n%10s  step %lld .. %lld\n", "", (long long)h->steps[0],
	       (long long)h->steps[h->n - 1]);
}

int cmd_metrics(int argc, char **argv, struct cli_ctx *ctx)
{
	const struct cmd *me = cmd_lookup("metrics");
	struct history h = { NULL, NULL, 0, 0, 0, NULL };
	cairn_buf id = CAIRN_BUF_INIT;
	cairn_repo *repo;
	int json, err;

	json = argc == 5 && !strcmp(argv[4], "--json");
	if (argc < 2 || strcmp(argv[1], "history") || (argc != 4 && !json))
		cli_usage(me, NULL);
	repo = cli_open_tracking(ctx);
	cli_resolve_run(&id, repo, argv[2]);
	if (json)
		h.list = json_array();
	err = cairn_metric_history(repo, id.ptr, argv[3], collect_point, &h);
	if (!err && json) {
		json_dumpf(h.list, stdout, JSON_INDENT(2));
		putchar('\n');
	} else if (!err && h.n > 1) {
		chart(&h);
	} else if (!err && !h.n) {
		err = cairn_error_setc(CAIRN_ENOTFOUND, CAIRN_ERRCLASS_INVALID,
				       "run %s has no metric '%s'", id.ptr, argv[3]);
	}
	json_decref(h.list);
	free(h.values);
	free(h.steps);
	cairn_buf_dispose(&id);
	cairn_repo_free(repo);
	return err < 0 ? cli_lib_error() : 0;
}
