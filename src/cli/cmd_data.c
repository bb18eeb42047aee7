/*
 * cmd_data.c: `cairn data ...`: the data set versioning commands. Each
 * subcommand parses its options, calls one libcairn function and prints
 * its results, as text or, with --json, as one JSON document on stdout.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "util/banned.h"

static const struct cmd *self(void)
{
	return cmd_lookup("data");
}

static void dump_json(json_t *doc)
{
	json_dumpf(doc, stdout, JSON_INDENT(2));
	putchar('\n');
	json_decref(doc);
}

static json_t *version_json(const cairn_data_version *v)
{
	cairn_buf text = CAIRN_BUF_INIT;
	json_t *o = NULL;

	if (cairn_data_version_json(&text, v) == 0)
		o = json_loads(text.ptr, 0, NULL);
	cairn_buf_dispose(&text);
	return o ? o : json_object();
}

/* Parse options common to the subcommands; returns the first operand. */
static int parse(int argc, char **argv, int *json, int *force, const char **name,
		 const char **remote, const char **run)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "force", no_argument, NULL, 'f' },
		{ "name", required_argument, NULL, 'n' },
		{ "remote", required_argument, NULL, 'r' },
		{ "run", required_argument, NULL, 'R' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "fn:r:", opts, NULL)) != -1) {
		if (opt == 'j' && json)
			*json = 1;
		else if (opt == 'f' && force)
			*force = 1;
		else if (opt == 'n' && name)
			*name = optarg;
		else if (opt == 'r' && remote)
			*remote = optarg;
		else if (opt == 'R' && run)
			*run = optarg;
		else
			cli_usage(self(), "option not valid for 'data %s'", argv[0]);
	}
	return optind;
}

/* ------------------------------------------------------------------ add */

static int print_added(const cairn_data_add_result *r, void *payload)
{
	json_t *list = payload;
	char id[32], size[32], stored[32];

	if (list) {
		json_t *o = version_json(r->version);

		json_object_set_new(o, "created", json_boolean(r->created));
		json_object_set_new(o, "pointer", json_string(r->pointer_path));
		json_object_set_new(o, "stored_bytes", json_integer((json_int_t)r->stored_bytes));
		json_array_append_new(list, o);
		return 0;
	}
	if (r->created)
		printf("added %s as %s@v%llu (%s, %s, %llu file%s, %s new in the store)\n",
		       r->path, r->version->name, (unsigned long long)r->version->version,
		       cli_short_id(id, sizeof(id), &r->version->oid),
		       cli_size(size, sizeof(size), r->version->size),
		       (unsigned long long)r->version->files,
		       r->version->files == 1 ? "" : "s",
		       cli_size(stored, sizeof(stored), r->stored_bytes));
	else
		printf("%s unchanged: %s@v%llu (%s)\n", r->path, r->version->name,
		       (unsigned long long)r->version->version,
		       cli_short_id(id, sizeof(id), &r->version->oid));
	return 0;
}

/*
 * The run producing the data: --run, else $CAIRN_RUN_ID (set by `cairn
 * run` for its command), resolved to a full id on the tracking store the
 * other commands use (a remote tracking server's run, too); NULL if none.
 */
static void producing_run(cairn_buf *out, struct cli_ctx *ctx, const char *spec)
{
	cairn_repo *tracking;

	if (!spec)
		spec = getenv("CAIRN_RUN_ID");
	if (!spec || !*spec)
		return;
	tracking = cli_open_tracking(ctx);
	cli_resolve_run(out, tracking, spec);
	cairn_repo_free(tracking);
}

static int data_add(int argc, char **argv, cairn_repo *repo, struct cli_ctx *ctx)
{
	cairn_data_add_options o = CAIRN_DATA_ADD_OPTIONS_INIT;
	cairn_buf run = CAIRN_BUF_INIT;
	const char *run_spec = NULL;
	int json = 0, i, first, failed = 0;
	json_t *list;

	first = parse(argc, argv, &json, NULL, &o.name, NULL, &run_spec);
	if (first >= argc)
		cli_usage(self(), "'data add' needs at least one path");
	if (o.name && argc - first > 1)
		cli_usage(self(), "--name applies to one path only");
	if (run_spec && !*run_spec)
		cli_usage(self(), "--run needs a run id, prefix or name");
	producing_run(&run, ctx, run_spec);
	o.run_id = run.ptr;
	o.progress = cli_interactive() && !json;
	list = json ? json_array() : NULL;
	for (i = first; i < argc; i++) {
		if (cairn_data_add(repo, argv[i], &o, print_added, list) < 0) {
			cli_lib_error();
			failed = 1;
		}
	}
	if (list)
		dump_json(list);
	else if (!failed)
		printf("commit the .cairn pointer files and .gitignore to git\n");
	cairn_buf_dispose(&run);
	return failed ? EXIT_FAIL : 0;
}

/* --------------------------------------------------------------- status */

struct status_out {
	json_t *list;
	int dirty;
};

static const char *state_name(cairn_data_state s)
{
	switch (s) {
	case CAIRN_DATA_CLEAN:
		return "clean";
	case CAIRN_DATA_MODIFIED:
		return "modified";
	case CAIRN_DATA_MISSING:
		return "missing";
	default:
		return "bad-pointer";
	}
}

static int print_status(const cairn_data_status_entry *e, void *payload)
{
	struct status_out *o = payload;

	if (e->state != CAIRN_DATA_CLEAN)
		o->dirty = 1;
	if (o->list) {
		json_t *j = json_pack("{s:s, s:s, s:s}", "path", e->path, "pointer",
				      e->pointer_path, "state", state_name(e->state));

		if (e->name) {
			json_object_set_new(j, "name", json_string(e->name));
			json_object_set_new(j, "version", json_integer((json_int_t)e->version));
		}
		if (e->state == CAIRN_DATA_MODIFIED) {
			json_object_set_new(j, "added", json_integer((json_int_t)e->added));
			json_object_set_new(j, "removed", json_integer((json_int_t)e->removed));
			json_object_set_new(j, "modified", json_integer((json_int_t)e->modified));
		}
		if (e->message)
			json_object_set_new(j, "message", json_string(e->message));
		json_array_append_new(o->list, j);
		return 0;
	}
	switch (e->state) {
	case CAIRN_DATA_CLEAN:
		break;
	case CAIRN_DATA_MODIFIED:
		if (e->added || e->removed || e->modified)
			printf("\tmodified:  %s (%llu added, %llu removed, %llu modified)\n",
			       e->path, (unsigned long long)e->added,
			       (unsigned long long)e->removed,
			       (unsigned long long)e->modified);
		else
			printf("\tmodified:  %s\n", e->path);
		break;
	case CAIRN_DATA_MISSING:
		printf("\tmissing:   %s\n", e->path);
		break;
	case CAIRN_DATA_BAD_POINTER:
		printf("\tbroken:    %s (%s)\n", e->pointer_path, e->message);
		break;
	}
	return 0;
}

static int data_status(int argc, char **argv, cairn_repo *repo)
{
	struct status_out o = { NULL, 0 };
	int json = 0, first = parse(argc, argv, &json, NULL, NULL, NULL, NULL);

	if (json)
		o.list = json_array();
	if (cairn_data_status(repo, (const char *const *)argv + first,
			      (size_t)(argc - first), print_status, &o) < 0) {
		json_decref(o.list);
		return cli_lib_error();
	}
	if (json)
		dump_json(o.list);
	else if (!o.dirty)
		printf("data matches its pointer files\n");
	else
		printf("(use 'cairn data add PATH' to record changes, "
		       "'cairn data checkout PATH' to restore)\n");
	return 0;
}

/* ------------------------------------------------------------- checkout */

static int print_checkout(const cairn_data_checkout_result *r, void *payload)
{
	(void)payload;
	if (r->restored)
		printf("restored %s to %s@v%llu (%llu file%s written)\n", r->path,
		       r->version->name, (unsigned long long)r->version->version,
		       (unsigned long long)r->files_written,
		       r->files_written == 1 ? "" : "s");
	else
		printf("%s is up to date (%s@v%llu)\n", r->path, r->version->name,
		       (unsigned long long)r->version->version);
	return 0;
}

static int data_checkout(int argc, char **argv, cairn_repo *repo)
{
	cairn_data_checkout_options o = CAIRN_DATA_CHECKOUT_OPTIONS_INIT;
	int first = parse(argc, argv, NULL, &o.force, NULL, NULL, NULL);

	o.progress = cli_interactive();
	if (cairn_data_checkout(repo, (const char *const *)argv + first,
				(size_t)(argc - first), &o, print_checkout, NULL) < 0)
		return cli_lib_error();
	return 0;
}

/* ----------------------------------------------------------------- diff */

struct diff_out {
	json_t *list;
	uint64_t n;
};

static int print_diff(const cairn_diff_entry *e, void *payload)
{
	static const char *const kinds[] = { "added", "removed", "modified" };
	struct diff_out *o = payload;
	char a[32], b[32];

	o->n++;
	if (o->list) {
		json_array_append_new(o->list,
				      json_pack("{s:s, s:s, s:I, s:I}", "change",
						kinds[e->kind], "path", e->path,
						"old_size", (json_int_t)e->old_size,
						"new_size", (json_int_t)e->new_size));
		return 0;
	}
	if (e->kind == CAIRN_DIFF_ADDED)
		printf("A  %s  (%s)\n", *e->path ? e->path : ".",
		       cli_size(b, sizeof(b), e->new_size));
	else if (e->kind == CAIRN_DIFF_REMOVED)
		printf("D  %s  (%s)\n", *e->path ? e->path : ".",
		       cli_size(a, sizeof(a), e->old_size));
	else
		printf("M  %s  (%s -> %s)\n", *e->path ? e->path : ".",
		       cli_size(a, sizeof(a), e->old_size),
		       cli_size(b, sizeof(b), e->new_size));
	return 0;
}

static int data_diff(int argc, char **argv, cairn_repo *repo)
{
	struct diff_out o = { NULL, 0 };
	int json = 0, first = parse(argc, argv, &json, NULL, NULL, NULL, NULL);
	const char *from, *to;

	if (argc - first < 1 || argc - first > 3)
		cli_usage(self(), "'data diff' takes a path and up to two versions");
	from = argc - first > 1 ? argv[first + 1] : NULL;
	to = argc - first > 2 ? argv[first + 2] : NULL;
	if (json)
		o.list = json_array();
	if (cairn_data_diff(repo, argv[first], from, to, print_diff, &o) < 0) {
		json_decref(o.list);
		return cli_lib_error();
	}
	if (json)
		dump_json(o.list);
	else if (!o.n)
		printf("no differences\n");
	return 0;
}

/* ---------------------------------------------------------- log, ls, show */

struct table {
	json_t *list;
	int header;
	int with_name;
};

static int print_version_row(const cairn_data_version *v, void *payload)
{
	struct table *t = payload;
	char when[32], size[32], id[32];

	if (t->list) {
		json_array_append_new(t->list, version_json(v));
		return 0;
	}
	if (!t->header++) {
		if (t->with_name)
			printf("%-24s ", "NAME");
		printf("%-7s %-16s %10s %8s  %-19s %s\n", "VERSION", "CREATED (UTC)",
		       "SIZE", "FILES", "ID", "RUN");
	}
	if (t->with_name)
		printf("%-24s ", v->name);
	printf("v%-6llu %-16s %10s %8llu  %-19s %.12s\n", (unsigned long long)v->version,
	       cli_time(when, sizeof(when), v->created_ms),
	       cli_size(size, sizeof(size), v->size), (unsigned long long)v->files,
	       cli_short_id(id, sizeof(id), &v->oid), v->run_id ? v->run_id : "-");
	return 0;
}

static int data_log(int argc, char **argv, cairn_repo *repo, int list)
{
	struct table t = { NULL, 0, list };
	int json = 0, first = parse(argc, argv, &json, NULL, NULL, NULL, NULL), err;

	if (list ? argc != first : argc - first != 1)
		cli_usage(self(), list ? "'data ls' takes no arguments"
				       : "'data log' takes one data set name or path");
	if (json)
		t.list = json_array();
	err = list ? cairn_data_list(repo, print_version_row, &t)
		   : cairn_data_log(repo, argv[first], print_version_row, &t);
	if (err < 0) {
		json_decref(t.list);
		return cli_lib_error();
	}
	if (json)
		dump_json(t.list);
	else if (!t.header)
		printf(list ? "no data sets yet; add one with 'cairn data add PATH'\n"
			    : "no versions\n");
	return 0;
}

static int data_show(int argc, char **argv, cairn_repo *repo)
{
	int json = 0, first = parse(argc, argv, &json, NULL, NULL, NULL, NULL);
	cairn_data_version *v;
	char id[CAIRN_OID_STRLEN + 1], when[32], size[32];

	if (argc - first != 1)
		cli_usage(self(), "'data show' takes one version");
	if (cairn_data_lookup(&v, repo, argv[first]) < 0)
		return cli_lib_error();
	if (json) {
		dump_json(version_json(v));
		cairn_data_version_free(v);
		return 0;
	}
	cairn_oid_fmt(id, &v->oid);
	printf("data set  %s\nversion   v%llu\nid        %s\nkind      %s\n"
	       "size      %s (%llu bytes)\nfiles     %llu\npath      %s\n"
	       "created   %s UTC by %s\n",
	       v->name, (unsigned long long)v->version, id,
	       v->kind == CAIRN_DATA_DIR ? "directory" : "file",
	       cli_size(size, sizeof(size), v->size), (unsigned long long)v->size,
	       (unsigned long long)v->files, v->path,
	       cli_time(when, sizeof(when), v->created_ms),
	       v->created_by ? v->created_by : "unknown");
	if (v->run_id)
		printf("run       %s\n", v->run_id);
	if (v->rows >= 0) {
		json_t *cols = v->columns ? json_loads(v->columns, 0, NULL) : NULL;
		size_t i;
		json_t *c;

		printf("rows      %lld\ncolumns   %zu\n", (long long)v->rows,
		       json_array_size(cols));
		json_array_foreach(cols, i, c)
			printf("  %-30s %s\n",
			       json_string_value(json_object_get(c, "name")),
			       json_string_value(json_object_get(c, "type")));
		json_decref(cols);
	}
	cairn_data_version_free(v);
	return 0;
}

/* ------------------------------------------------------------ push, pull */

static int print_pulled(const cairn_data_checkout_result *r, void *payload)
{
	(void)payload;
	if (r->restored)
		printf("restored %s to %s@v%llu\n", r->path, r->version->name,
		       (unsigned long long)r->version->version);
	return 0;
}

/* push, fetch, or pull (fetch, then check out what was fetched). */
static int data_transfer(int argc, char **argv, cairn_repo *repo, int push,
			 int checkout)
{
	cairn_transfer_options o = CAIRN_TRANSFER_OPTIONS_INIT;
	cairn_transfer_stats st;
	int json = 0, first = parse(argc, argv, &json, NULL, NULL, &o.remote, NULL), err;
	char size[32];

	o.progress = cli_interactive() && !json;
	err = (push ? cairn_data_push : cairn_data_fetch)(
		&st, repo, (const char *const *)argv + first, (size_t)(argc - first), &o);
	if (err < 0)
		return cli_lib_error();
	if (checkout) {
		cairn_data_checkout_options co = CAIRN_DATA_CHECKOUT_OPTIONS_INIT;

		co.progress = o.progress;
		if (cairn_data_checkout(repo, (const char *const *)argv + first,
					(size_t)(argc - first), &co,
					json ? NULL : print_pulled, NULL) < 0) {
			cli_lib_error();
			fprintf(stderr, "hint: the objects were fetched; resolve the above "
				"and run 'cairn data checkout'\n");
			return EXIT_FAIL;
		}
	}
	if (json)
		dump_json(json_pack("{s:I, s:I, s:I, s:I}", "objects",
				    (json_int_t)st.objects, "bytes", (json_int_t)st.bytes,
				    "skipped", (json_int_t)st.skipped, "versions",
				    (json_int_t)st.versions));
	else
		printf("%s %llu object%s (%s); %llu already there; %llu version%s "
		       "recorded\n", push ? "pushed" : "fetched",
		       (unsigned long long)st.objects, st.objects == 1 ? "" : "s",
		       cli_size(size, sizeof(size), st.bytes),
		       (unsigned long long)st.skipped, (unsigned long long)st.versions,
		       st.versions == 1 ? "" : "s");
	return 0;
}

int cmd_data(int argc, char **argv, struct cli_ctx *ctx)
{
	const char *sub;
	cairn_repo *repo;
	int ret;

	if (argc < 2)
		cli_usage(self(), NULL);
	sub = argv[1];
	argc--;
	argv++;
	if (strcmp(sub, "add") && strcmp(sub, "status") && strcmp(sub, "checkout") &&
	    strcmp(sub, "diff") && strcmp(sub, "log") && strcmp(sub, "ls") &&
	    strcmp(sub, "show") && strcmp(sub, "push") && strcmp(sub, "pull") &&
	    strcmp(sub, "fetch"))
		cli_usage(self(), "unknown subcommand 'data %s'", sub);
	repo = cli_open_repo(ctx);
	if (!strcmp(sub, "add"))
		ret = data_add(argc, argv, repo, ctx);
	else if (!strcmp(sub, "status"))
		ret = data_status(argc, argv, repo);
	else if (!strcmp(sub, "checkout"))
		ret = data_checkout(argc, argv, repo);
	else if (!strcmp(sub, "diff"))
		ret = data_diff(argc, argv, repo);
	else if (!strcmp(sub, "log") || !strcmp(sub, "ls"))
		ret = data_log(argc, argv, repo, !strcmp(sub, "ls"));
	else if (!strcmp(sub, "show"))
		ret = data_show(argc, argv, repo);
	else
		ret = data_transfer(argc, argv, repo, !strcmp(sub, "push"),
				    !strcmp(sub, "pull"));
	cairn_repo_free(repo);
	return ret;
}
