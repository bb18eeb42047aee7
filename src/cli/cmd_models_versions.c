/*
 * cmd_models_versions.c: `cairn models register|versions|stage|alias|
 * latest|download|verify|metadata` and `models show models:/...`.
 *
 * A version argument is a models:/ URI, or a model name followed by a
 * version number; both go through the library's lookups, so every form
 * of URI works wherever a version is named.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/models.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/fs.h"
#include "util/banned.h"

/*
 * The version named by args[0] (a URI) or args[0] args[1] (NAME
 * VERSION); *used gets how many arguments that took.
 */
int models_lookup(cairn_model_version **out, int *used, cairn_repo *repo,
		  char **args, int nargs)
{
	uint64_t version;
	char *end;

	if (nargs >= 1 && !strncmp(args[0], "models:/", 8)) {
		*used = 1;
		return cairn_model_resolve(out, repo, args[0]);
	}
	if (nargs < 2)
		cli_usage(models_self(), "name a version: models:/NAME/VERSION, "
			  "models:/NAME@ALIAS, ... or NAME VERSION");
	version = strtoull(args[1], &end, 10);
	if (!*args[1] || *end || !version)
		cli_usage(models_self(), "'%s' is not a version number", args[1]);
	*used = 2;
	if (cairn_repo_tracking_uri(repo)) {
		/* A repository tracked elsewhere looks the version up there. */
		struct buf uri = BUF_INIT;
		int err;

		buf_printf(&uri, "models:/%s/%llu", args[0],
			   (unsigned long long)version);
		err = cairn_model_resolve(out, repo, uri.ptr);
		buf_release(&uri);
		return err;
	}
	return cairn_model_version_get(out, repo, args[0], version);
}

static void print_version(const cairn_model_version *v)
{
	char when[32], id[32], size[32];

	printf("model       %s\nversion     %llu\n", v->name,
	       (unsigned long long)v->version);
	if (v->semver)
		printf("semver      %s\n", v->semver);
	printf("stage       %s\ncontent     %s (%llu files, %s)\nsource      %s\n",
	       cairn_stage_name(v->stage), cli_short_id(id, sizeof(id), &v->tree),
	       (unsigned long long)v->files, cli_size(size, sizeof(size), v->size),
	       v->source);
	if (v->run_id)
		printf("run         %s\n", v->run_id);
	if (v->flavors)
		printf("flavors     %s\n", v->flavors);
	if (v->signature)
		printf("signature   %s\n", v->signature);
	if (*v->description)
		printf("description %s\n", v->description);
	printf("registered  %s UTC by %s\n",
	       cli_time(when, sizeof(when), v->creation_time), v->user_id);
}

static int print_alias_of(const char *alias, uint64_t version, void *payload)
{
	const cairn_model_version *v = payload;

	if (version == v->version)
		printf("alias       %s\n", alias);
	return 0;
}

static int print_tag(const char *key, const char *value, void *payload)
{
	(void)payload;
	printf("tag         %s=%s\n", key, value);
	return 0;
}

static int show(const cairn_model_version *v, int json, cairn_repo *repo)
{
	cairn_buf text = CAIRN_BUF_INIT;
	int err;

	if (json) {
		if ((err = cairn_model_version_json(&text, repo, v, 1)) == 0)
			models_print_json(&text);
		cairn_buf_dispose(&text);
		return err;
	}
	print_version(v);
	if ((err = cairn_model_alias_foreach(repo, v->name, print_alias_of,
					     (void *)v)) < 0)
		return err;
	return cairn_model_version_tag_foreach(repo, v->name, v->version, print_tag,
					       NULL);
}

int models_show_version(const char *uri, int json, cairn_repo *repo)
{
	cairn_model_version *v;
	int err;

	if (cairn_model_resolve(&v, repo, uri) < 0)
		return cli_lib_error();
	err = show(v, json, repo);
	cairn_model_version_free(v);
	return err < 0 ? cli_lib_error() : 0;
}

/* ------------------------------------------------------------ register */

int models_register(int argc, char **argv, cairn_repo *repo)
{
	static const struct option opts[] = {
		{ "run", required_argument, NULL, 'r' },
		{ "path", required_argument, NULL, 'p' },
		{ "from", required_argument, NULL, 'f' },
		{ "source", required_argument, NULL, 's' },
		{ "semver", required_argument, NULL, 'v' },
		{ "bump", required_argument, NULL, 'b' },
		{ "description", required_argument, NULL, 'd' },
		{ "tag", required_argument, NULL, 't' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	cairn_model_register_options o = CAIRN_MODEL_REGISTER_OPTIONS_INIT;
	cairn_kv *tags = xcalloc((size_t)argc, sizeof(*tags));
	cairn_model_version *v = NULL;
	char id[32], size[32];
	int opt, json = 0, err;

	while ((opt = getopt_long(argc - 1, argv + 1, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'r': o.run = optarg; break;
		case 'p': o.path = optarg; break;
		case 'f': o.from_dir = optarg; break;
		case 's': o.source = optarg; break;
		case 'v': o.semver = optarg; break;
		case 'b': o.bump = optarg; break;
		case 'd': o.description = optarg; break;
		case 'j': json = 1; break;
		case 't':
			if (models_parse_kv(&tags[o.ntags], optarg) < 0)
				cli_usage(models_self(), "--tag takes KEY=VALUE");
			o.ntags++;
			break;
		default:
			cli_usage(models_self(), NULL);
		}
	}
	if (argc - 1 - optind != 1)
		cli_usage(models_self(), "'models register' takes a model name");
	if (o.path && !o.run)
		cli_usage(models_self(), "--path goes with --run");
	if (!o.run + !o.from_dir + !o.source != 2)
		cli_usage(models_self(), "'models register' takes one of --run, --from "
			  "and --source");
	if (o.run && !o.path)
		o.path = "model";
	o.tags = tags;
	err = cairn_model_register(&v, repo, argv[optind + 1], &o);
	if (!err && json) {
		err = show(v, 1, repo);
	} else if (!err) {
		printf("registered %s version %llu%s%s (%s, %llu files, %s)\n", v->name,
		       (unsigned long long)v->version, v->semver ? ", semver " : "",
		       v->semver ? v->semver : "", cli_short_id(id, sizeof(id), &v->tree),
		       (unsigned long long)v->files, cli_size(size, sizeof(size), v->size));
	}
	cairn_model_version_free(v);
	free(tags);
	return err < 0 ? cli_lib_error() : 0;
}

/* ------------------------------------------------------------ versions */

struct listing {
	cairn_repo *repo;
	json_t *list;
	int header;
};

static int list_version(const cairn_model_version *v, void *payload)
{
	struct listing *l = payload;
	char when[32], id[32];

	if (l->list) {
		cairn_buf text = CAIRN_BUF_INIT;
		int err = cairn_model_version_json(&text, l->repo, v, 1);

		if (err < 0)
			return err;
		json_array_append_new(l->list, json_loadb(text.ptr, text.size, 0, NULL));
		cairn_buf_dispose(&text);
		return 0;
	}
	if (!l->header++)
		printf("%-24s %-8s %-11s %-10s %-19s %-16s %s\n", "MODEL", "VERSION",
		       "STAGE", "SEMVER", "CONTENT", "REGISTERED (UTC)", "SOURCE");
	printf("%-24s %-8llu %-11s %-10s %-19s %-16s %s\n", v->name,
	       (unsigned long long)v->version, cairn_stage_name(v->stage),
	       v->semver ? v->semver : "-", cli_short_id(id, sizeof(id), &v->tree),
	       cli_time(when, sizeof(when), v->creation_time), v->source);
	return 0;
}

void models_name_filter(struct buf *out, const char *name)
{
	buf_puts(out, "name = '");
	for (; *name; name++) {
		if (*name == '\'')
			buf_addch(out, '\'');
		buf_addch(out, *name);
	}
	buf_addch(out, '\'');
}

int models_versions(int argc, char **argv, cairn_repo *repo)
{
	static const struct option opts[] = {
		{ "filter", required_argument, NULL, 'f' },
		{ "order-by", required_argument, NULL, 'o' },
		{ "max", required_argument, NULL, 'm' },
		{ "page-token", required_argument, NULL, 'p' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const by_version[] = { "name ASC", "version_number ASC" };
	cairn_model_search_options so = CAIRN_MODEL_SEARCH_OPTIONS_INIT;
	struct listing l = { repo, NULL, 0 };
	const char **order = xcalloc((size_t)argc, sizeof(*order));
	const char *filter = NULL;
	struct buf f = BUF_INIT;
	cairn_buf next = CAIRN_BUF_INIT;
	cairn_model *m = NULL;
	int opt, err = 0;

	while ((opt = getopt_long(argc - 1, argv + 1, "", opts, NULL)) != -1) {
		if (opt == 'f')
			filter = optarg;
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
	if (argc - 1 - optind > 1)
		cli_usage(models_self(), "'models versions' takes at most one model");
	if (argc - 1 - optind == 1) {
		/* An unknown model is an error, not an empty list. */
		if ((err = cairn_model_get(&m, repo, argv[optind + 1])) < 0)
			goto done;
		models_name_filter(&f, m->name);
		if (filter)
			buf_printf(&f, " AND %s", filter);
		filter = f.ptr;
	}
	so.filter = filter;
	so.order_by = so.norder_by ? order : by_version;
	so.norder_by = so.norder_by ? so.norder_by : 2;
	err = cairn_model_versions_search(&next, repo, &so, list_version, &l);
	if (!err && l.list) {
		json_t *o = json_pack("{s:O}", "model_versions", l.list);

		if (next.ptr)
			json_object_set_new(o, "next_page_token", json_string(next.ptr));
		json_dumpf(o, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(o);
	} else if (!err && next.ptr) {
		printf("(more: --page-token %s)\n", next.ptr);
	}
done:
	json_decref(l.list);
	cairn_model_free(m);
	cairn_buf_dispose(&next);
	buf_release(&f);
	free(order);
	return err < 0 ? cli_lib_error() : 0;
}

/* ------------------------------------------------------ stage, alias */

int models_stage(int argc, char **argv, cairn_repo *repo)
{
	cairn_model_version *v = NULL;
	cairn_stage stage;
	int archive = 0, used, i, n = 0, err;
	char *args[3];

	for (i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--archive-existing"))
			archive = 1;
		else if (n < 3)
			args[n++] = argv[i];
		else
			cli_usage(models_self(), "too many arguments to 'models stage'");
	}
	if (n < 2)
		cli_usage(models_self(), "'models stage' takes a version and a stage");
	if ((err = models_lookup(&v, &used, repo, args, n - 1)) == 0 && used != n - 1)
		cli_usage(models_self(), "'models stage' takes a version and a stage");
	if (!err && (err = cairn_stage_parse(&stage, args[n - 1])) == 0 &&
	    (err = cairn_model_version_transition(repo, v->name, v->version, stage,
						  archive)) == 0)
		printf("%s version %llu is now in %s\n", v->name,
		       (unsigned long long)v->version, cairn_stage_name(stage));
	cairn_model_version_free(v);
	return err < 0 ? cli_lib_error() : 0;
}

static int print_alias(const char *alias, uint64_t version, void *payload)
{
	(void)payload;
	printf("%-24s %llu\n", alias, (unsigned long long)version);
	return 0;
}

int models_alias(int argc, char **argv, cairn_repo *repo)
{
	uint64_t version;
	char *end;
	int err;

	if (argc == 3) {
		err = cairn_model_alias_foreach(repo, argv[2], print_alias, NULL);
	} else if (argc == 5 && !strcmp(argv[3], "--delete")) {
		err = cairn_model_alias_delete(repo, argv[2], argv[4]);
	} else if (argc == 5) {
		version = strtoull(argv[4], &end, 10);
		if (!*argv[4] || *end || !version)
			cli_usage(models_self(), "'%s' is not a version number", argv[4]);
		err = cairn_model_alias_set(repo, argv[2], argv[3], version);
		if (!err)
			printf("%s@%s is now version %llu\n", argv[2], argv[3],
			       (unsigned long long)version);
	} else {
		cli_usage(models_self(), "'models alias' takes a model, then an alias "
			  "and a version, or --delete and an alias");
	}
	return err < 0 ? cli_lib_error() : 0;
}

int models_latest(int argc, char **argv, cairn_repo *repo)
{
	cairn_stage *stages = xcalloc((size_t)argc, sizeof(*stages));
	struct listing l = { repo, NULL, 0 };
	size_t n = 0;
	int i, err = 0;

	for (i = 3; i < argc && !err; i++) {
		if (!strcmp(argv[i], "--json"))
			l.list = l.list ? l.list : json_array();
		else
			err = cairn_stage_parse(&stages[n++], argv[i]);
	}
	if (argc < 3)
		cli_usage(models_self(), "'models latest' takes a model");
	if (!err)
		err = cairn_model_latest_versions(repo, argv[2], stages, n, list_version,
						  &l);
	if (!err && l.list) {
		json_dumpf(l.list, stdout, JSON_INDENT(2));
		putchar('\n');
	}
	json_decref(l.list);
	free(stages);
	return err < 0 ? cli_lib_error() : 0;
}

/* ----------------------------------------- download, verify, metadata */

int models_download(int argc, char **argv, cairn_repo *repo)
{
	cairn_model_version *v = NULL;
	const char *out = NULL;
	char *args[2];
	int i, n = 0, used, err;

	for (i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--out") && i + 1 < argc)
			out = argv[++i];
		else if (!strncmp(argv[i], "--out=", 6))
			out = argv[i] + 6;
		else if (n < 2)
			args[n++] = argv[i];
		else
			cli_usage(models_self(), "too many arguments to 'models download'");
	}
	if (!out || !n)
		cli_usage(models_self(), "'models download' takes a version and --out DIR");
	if ((err = models_lookup(&v, &used, repo, args, n)) == 0 && used != n)
		cli_usage(models_self(), "too many arguments to 'models download'");
	if (!err && (err = cairn_model_download(repo, v, out)) == 0)
		printf("%s version %llu -> %s (%llu files verified)\n", v->name,
		       (unsigned long long)v->version, out, (unsigned long long)v->files);
	cairn_model_version_free(v);
	return err < 0 ? cli_lib_error() : 0;
}

int models_verify(int argc, char **argv, cairn_repo *repo)
{
	cairn_model_version *v = NULL;
	int used, err;

	if (argc < 3)
		cli_usage(models_self(), "'models verify' takes a version");
	if ((err = models_lookup(&v, &used, repo, argv + 2, argc - 2)) == 0 &&
	    used != argc - 2)
		cli_usage(models_self(), "too many arguments to 'models verify'");
	if (!err && (err = cairn_model_verify(repo, v)) == 0)
		printf("%s version %llu: %llu files verified\n", v->name,
		       (unsigned long long)v->version, (unsigned long long)v->files);
	cairn_model_version_free(v);
	return err < 0 ? cli_lib_error() : 0;
}

int models_version_out(cairn_model_version **v, const char **out, int argc,
		       char **argv, cairn_repo *repo, const char *cmd)
{
	char *args[2];
	int i, n = 0, used, err;

	*out = NULL;
	for (i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--out") && i + 1 < argc)
			*out = argv[++i];
		else if (!strncmp(argv[i], "--out=", 6))
			*out = argv[i] + 6;
		else if (n < 2)
			args[n++] = argv[i];
		else
			cli_usage(models_self(), "too many arguments to 'models %s'", cmd);
	}
	if (!n)
		cli_usage(models_self(), "'models %s' takes a version", cmd);
	if ((err = models_lookup(v, &used, repo, args, n)) == 0 && used != n)
		cli_usage(models_self(), "too many arguments to 'models %s'", cmd);
	return err;
}

int models_write_out(const char *out, const char *text, size_t len)
{
	if (out)
		return fs_write_atomic(out, text, len, 0644);
	fwrite(text, 1, len, stdout);
	return 0;
}

int models_metadata(int argc, char **argv, cairn_repo *repo)
{
	cairn_model_version *v = NULL;
	cairn_buf text = CAIRN_BUF_INIT;
	const char *out;
	int err = models_version_out(&v, &out, argc, argv, repo, "metadata");

	if (!err && (err = cairn_model_metadata(&text, repo, v->name, v->version)) == 0) {
		struct buf b = BUF_INIT;

		buf_add(&b, text.ptr, text.size);
		buf_addch(&b, '\n');
		err = models_write_out(out, b.ptr, b.len);
		buf_release(&b);
	}
	cairn_buf_dispose(&text);
	cairn_model_version_free(v);
	return err < 0 ? cli_lib_error() : 0;
}
