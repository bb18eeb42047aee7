/*
 * cmd_models.c: `cairn models ...`, the model registry on the command
 * line: registered models (create, list, show, rename, describe, tag,
 * delete) here; versions, stages, aliases, downloads and metadata in
 * cmd_models_versions.c; promotion, history and rollback in
 * cmd_models_history.c.
 *
 * A version is named either as NAME VERSION or as a models:/ URI
 * (models:/NAME/3, models:/NAME/Production, models:/NAME@champion,
 * models:/NAME/latest), resolved by the library (cairn_model_resolve).
 * --json prints MLflow's entity shapes (cairn_model_json,
 * cairn_model_version_json), the same the REST API answers with.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/models.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/banned.h"

const struct cmd *models_self(void)
{
	return cmd_lookup("models");
}

void models_print_json(const cairn_buf *text)
{
	json_t *o = json_loadb(text->ptr, text->size, 0, NULL);

	json_dumpf(o, stdout, JSON_INDENT(2));
	putchar('\n');
	json_decref(o);
}

int models_parse_kv(cairn_kv *kv, char *arg)
{
	char *eq = strchr(arg, '=');

	if (!eq || eq == arg)
		return -1;
	*eq = '\0';
	kv->key = arg;
	kv->value = eq + 1;
	return 0;
}

/* -------------------------------------------------------------- create */

static int models_create(int argc, char **argv, cairn_repo *repo)
{
	static const struct option opts[] = {
		{ "description", required_argument, NULL, 'd' },
		{ "tag", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	const char *description = NULL;
	cairn_kv *tags = xcalloc((size_t)argc, sizeof(*tags));
	size_t ntags = 0;
	int opt, err;

	while ((opt = getopt_long(argc - 1, argv + 1, "", opts, NULL)) != -1) {
		if (opt == 'd')
			description = optarg;
		else if (opt == 't' && !models_parse_kv(&tags[ntags], optarg))
			ntags++;
		else
			cli_usage(models_self(), opt == 't' ? "--tag takes KEY=VALUE"
							    : NULL);
	}
	if (argc - 1 - optind != 1)
		cli_usage(models_self(), "'models create' takes a name");
	err = cairn_model_create(repo, argv[optind + 1], description, tags, ntags);
	if (!err)
		printf("created model %s\n", argv[optind + 1]);
	free(tags);
	return err < 0 ? cli_lib_error() : 0;
}

/* ---------------------------------------------------------------- list */

struct listing {
	cairn_repo *repo;
	json_t *list;
	int header;
	int err;
};

static int print_model(const cairn_model *m, void *payload)
{
	struct listing *l = payload;
	char when[32];

	if (l->list) {
		cairn_buf text = CAIRN_BUF_INIT;
		int err = cairn_model_json(&text, l->repo, m);

		if (err < 0)
			return err;
		json_array_append_new(l->list, json_loadb(text.ptr, text.size, 0, NULL));
		cairn_buf_dispose(&text);
		return 0;
	}
	if (!l->header++)
		printf("%-32s %-16s %s\n", "NAME", "UPDATED (UTC)", "DESCRIPTION");
	printf("%-32s %-16s %s\n", m->name,
	       cli_time(when, sizeof(when), m->last_updated_time), m->description);
	return 0;
}

static int models_list(int argc, char **argv, cairn_repo *repo)
{
	static const struct option opts[] = {
		{ "filter", required_argument, NULL, 'f' },
		{ "order-by", required_argument, NULL, 'o' },
		{ "max", required_argument, NULL, 'm' },
		{ "page-token", required_argument, NULL, 'p' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	cairn_model_search_options so = CAIRN_MODEL_SEARCH_OPTIONS_INIT;
	struct listing l = { repo, NULL, 0, 0 };
	const char **order = xcalloc((size_t)argc, sizeof(*order));
	cairn_buf next = CAIRN_BUF_INIT;
	int opt, err;

	while ((opt = getopt_long(argc - 1, argv + 1, "", opts, NULL)) != -1) {
		if (opt == 'f')
			so.filter = optarg;
		else if (opt == 'o')
			order[so.norder_by++] = optarg;
		else if (opt == 'm')
			so.max_results = (size_t)strtoul(optarg, NULL, 10);
		else if (opt == 'p')
			so.page_token = optarg;
		else if (opt == 'j')
			l.list = l.list ? l.list : json_array();
		else
			cli_usage(models_self(), NULL);
	}
	if (argc - 1 - optind != 0)
		cli_usage(models_self(), "'models list' takes no arguments");
	so.order_by = order;
	err = cairn_models_search(&next, repo, &so, print_model, &l);
	if (!err && l.list) {
		json_t *o = json_pack("{s:o}", "registered_models", l.list);

		if (next.ptr)
			json_object_set_new(o, "next_page_token", json_string(next.ptr));
		json_dumpf(o, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(o);
	} else {
		json_decref(l.list);
		if (!err && next.ptr)
			printf("(more: --page-token %s)\n", next.ptr);
	}
	cairn_buf_dispose(&next);
	free(order);
	return err < 0 ? cli_lib_error() : 0;
}

/* ---------------------------------------------------------------- show */

static int print_tag(const char *key, const char *value, void *payload)
{
	int *n = payload;

	if (!(*n)++)
		printf("\ntags\n");
	printf("  %-30s %s\n", key, value);
	return 0;
}

static int print_alias(const char *alias, uint64_t version, void *payload)
{
	int *n = payload;

	if (!(*n)++)
		printf("\naliases\n");
	printf("  %-30s version %llu\n", alias, (unsigned long long)version);
	return 0;
}

static int print_version_row(const cairn_model_version *v, void *payload)
{
	int *n = payload;
	char when[32];

	if (!(*n)++)
		printf("\n%-8s %-11s %-10s %-19s %s\n", "VERSION", "STAGE", "SEMVER",
		       "REGISTERED (UTC)", "SOURCE");
	printf("%-8llu %-11s %-10s %-19s %s\n", (unsigned long long)v->version,
	       cairn_stage_name(v->stage), v->semver ? v->semver : "-",
	       cli_time(when, sizeof(when), v->creation_time), v->source);
	return 0;
}

static int models_show(int argc, char **argv, cairn_repo *repo)
{
	cairn_model_search_options so = CAIRN_MODEL_SEARCH_OPTIONS_INIT;
	static const char *const by_version[] = { "version_number ASC" };
	cairn_buf text = CAIRN_BUF_INIT;
	struct buf filter = BUF_INIT;
	const char *name = NULL;
	cairn_model *m = NULL;
	int json = 0, n = 0, i, err;
	char when[32];

	for (i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = 1;
		else if (name)
			cli_usage(models_self(), "'models show' takes one model");
		else
			name = argv[i];
	}
	if (!name)
		cli_usage(models_self(), "'models show' takes one model");
	if (!strncmp(name, "models:/", 8))
		return models_show_version(name, json, repo);
	if ((err = cairn_model_get(&m, repo, name)) < 0)
		return cli_lib_error();
	if (json) {
		if ((err = cairn_model_json(&text, repo, m)) == 0)
			models_print_json(&text);
		cairn_buf_dispose(&text);
		cairn_model_free(m);
		return err < 0 ? cli_lib_error() : 0;
	}
	printf("model       %s\ncreated     %s UTC by %s\n", m->name,
	       cli_time(when, sizeof(when), m->creation_time), m->user_id);
	if (*m->description)
		printf("description %s\n", m->description);
	models_name_filter(&filter, m->name);
	so.filter = filter.ptr;
	so.order_by = by_version;
	so.norder_by = 1;
	so.max_results = 200000;
	if ((err = cairn_model_tag_foreach(repo, m->name, print_tag, &n)) == 0 &&
	    (n = 0, err = cairn_model_alias_foreach(repo, m->name, print_alias, &n)) == 0)
		err = cairn_model_versions_search(NULL, repo, &so, print_version_row,
						  (n = 0, &n));
	buf_release(&filter);
	cairn_model_free(m);
	return err < 0 ? cli_lib_error() : 0;
}

/* ---------------------------------------------------- rename, describe */

static int models_rename(int argc, char **argv, cairn_repo *repo)
{
	if (argc != 4)
		cli_usage(models_self(), "'models rename' takes a model and a new name");
	if (cairn_model_rename(repo, argv[2], argv[3]) < 0)
		return cli_lib_error();
	return 0;
}

static int parse_version(uint64_t *out, const char *s)
{
	char *end;

	*out = strtoull(s, &end, 10);
	return *s && !*end && *out ? 0 : -1;
}

static int models_describe(int argc, char **argv, cairn_repo *repo)
{
	uint64_t version;
	int err;

	if (argc == 4)
		err = cairn_model_describe(repo, argv[2], argv[3]);
	else if (argc == 5 && !parse_version(&version, argv[3]))
		err = cairn_model_version_describe(repo, argv[2], version, argv[4]);
	else
		cli_usage(models_self(), "'models describe' takes a model, an optional "
			  "version and a description");
	return err < 0 ? cli_lib_error() : 0;
}

/* ----------------------------------------------------------------- tag */

static int models_tag(int argc, char **argv, cairn_repo *repo)
{
	uint64_t version = 0;
	int i = 3, del = 0, err = 0;

	if (argc < 4)
		cli_usage(models_self(), "'models tag' takes a model and KEY=VALUE...");
	if (!parse_version(&version, argv[3]))
		i = 4;
	if (i < argc && !strcmp(argv[i], "--delete")) {
		del = 1;
		i++;
	}
	if (i >= argc)
		cli_usage(models_self(), "'models tag' takes KEY=VALUE... or --delete KEY...");
	for (; i < argc && !err; i++) {
		cairn_kv kv = { argv[i], NULL };

		if (!del && models_parse_kv(&kv, argv[i]) < 0)
			cli_usage(models_self(), "'%s' is not KEY=VALUE", argv[i]);
		if (version && del)
			err = cairn_model_version_delete_tag(repo, argv[2], version, kv.key);
		else if (version)
			err = cairn_model_version_set_tag(repo, argv[2], version, kv.key,
							  kv.value);
		else if (del)
			err = cairn_model_delete_tag(repo, argv[2], kv.key);
		else
			err = cairn_model_set_tag(repo, argv[2], kv.key, kv.value);
	}
	return err < 0 ? cli_lib_error() : 0;
}

/* -------------------------------------------------------------- delete */

static int models_delete(int argc, char **argv, cairn_repo *repo)
{
	const char *args[2] = { NULL, NULL };
	uint64_t version = 0;
	int force = 0, n = 0, i, err;

	for (i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--force") || !strcmp(argv[i], "-f"))
			force = 1;
		else if (n < 2)
			args[n++] = argv[i];
		else
			n = 3;
	}
	if (n < 1 || n > 2 || (n == 2 && parse_version(&version, args[1]) < 0))
		cli_usage(models_self(), "'models delete' takes a model and an optional "
			  "version");
	if (version)
		err = cairn_model_version_delete(repo, args[0], version, force);
	else
		err = cairn_model_delete(repo, args[0], force);
	if (err < 0)
		return cli_lib_error();
	if (version)
		printf("deleted version %llu of model %s\n", (unsigned long long)version,
		       args[0]);
	else
		printf("deleted model %s\n", args[0]);
	return 0;
}

/* ------------------------------------------------------------ dispatch */

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv, cairn_repo *repo);
} subcommands[] = {
	{ "create", models_create },
	{ "list", models_list },
	{ "show", models_show },
	{ "rename", models_rename },
	{ "describe", models_describe },
	{ "tag", models_tag },
	{ "delete", models_delete },
	{ "register", models_register },
	{ "versions", models_versions },
	{ "stage", models_stage },
	{ "alias", models_alias },
	{ "latest", models_latest },
	{ "download", models_download },
	{ "verify", models_verify },
	{ "metadata", models_metadata },
	{ "card", models_card },
	{ "promote", models_promote },
	{ "rollback", models_rollback },
	{ "history", models_history },
	{ "at", models_at },
	{ "policy", models_policy },
	{ "request", models_request },
	{ "approve", models_approve },
	{ "reject", models_reject },
	{ "requests", models_requests },
};

int cmd_models(int argc, char **argv, struct cli_ctx *ctx)
{
	const char *sub = argc > 1 ? argv[1] : "list";
	cairn_repo *repo;
	size_t i;
	int ret;

	for (i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
		if (!strcmp(subcommands[i].name, sub))
			break;
	if (i == sizeof(subcommands) / sizeof(subcommands[0]))
		cli_usage(models_self(), "unknown subcommand 'models %s'", sub);
	/* What serving needs works against a server too (CAIRN_TRACKING_URI). */
	if (!strcmp(sub, "download") || !strcmp(sub, "rollback"))
		repo = cli_open_tracking(ctx);
	else
		repo = cli_open_repo(ctx);
	optind = 0;
	if (argc < 2) {
		char *list_argv[] = { argv[0], (char *)"list", NULL };

		ret = subcommands[i].fn(2, list_argv, repo);
	} else {
		ret = subcommands[i].fn(argc, argv, repo);
	}
	cairn_repo_free(repo);
	return ret;
}
