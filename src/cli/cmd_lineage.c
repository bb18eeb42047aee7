/*
 * cmd_lineage.c: `cairn lineage data|run|model|deployment SPEC`: the graph
 * of data set versions, runs, model versions and the deployments that
 * served them, around one of them
 * (cairn_lineage_json()), as an indented tree, JSON, or Graphviz DOT.
 *
 * The tree prints the node asked about, then what it came from ("<-",
 * recursively) and what came of it ("->", recursively). The graph may
 * have cycles (a run that used data it produced): a node already expanded
 * in a direction is printed again with "(see above)" and not expanded,
 * and a depth bound keeps the tree finite anyway.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "util/banned.h"

#define MAX_DEPTH 64

static const struct cmd *self(void)
{
	return cmd_lookup("lineage");
}

static const char *str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

/* "k=v, k=v" of an object's first few members. */
static void members(FILE *out, json_t *obj)
{
	const char *key;
	json_t *v;
	int n = 0;

	json_object_foreach(obj, key, v) {
		if (n == 4) {
			fputs(", ...", out);
			break;
		}
		if (json_is_string(v))
			fprintf(out, "%s%s=%s", n ? ", " : "", key, json_string_value(v));
		else if (json_is_number(v))
			fprintf(out, "%s%s=%g", n ? ", " : "", key, json_number_value(v));
		n++;
	}
}

/* One line about a node. */
static void label(FILE *out, json_t *n, int dot)
{
	const char *kind = str(n, "type"), *sep = dot ? "\\n" : "  ";
	char size[32];

	if (!strcmp(kind, "data")) {
		json_int_t rows = json_integer_value(json_object_get(n, "rows"));

		fprintf(out, "data %s@v%lld%s%.19s%s%s", str(n, "name"),
			(long long)json_integer_value(json_object_get(n, "version")),
			sep, str(n, "id"), sep,
			cli_size(size, sizeof(size),
				 (uint64_t)json_integer_value(json_object_get(n, "size"))));
		if (json_object_get(n, "rows"))
			fprintf(out, ", %lld rows", (long long)rows);
	} else if (!strcmp(kind, "run") && json_is_false(json_object_get(n, "in_store"))) {
		fprintf(out, "run %s%s(not in this store)", str(n, "run_id"), dot ? sep : " ");
	} else if (!strcmp(kind, "run")) {
		fprintf(out, "run %.12s \"%s\"%s%s", str(n, "run_id"), str(n, "name"),
			sep, str(n, "status"));
		if (!dot && json_object_size(json_object_get(n, "params"))) {
			fputs("  params: ", out);
			members(out, json_object_get(n, "params"));
		}
		if (!dot && json_object_size(json_object_get(n, "metrics"))) {
			fputs("  metrics: ", out);
			members(out, json_object_get(n, "metrics"));
		}
		if (!dot && json_object_get(n, "git_commit"))
			fprintf(out, "  commit %.12s%s", str(n, "git_commit"),
				!strcmp(str(n, "git_dirty"), "true") ? " (dirty)" : "");
	} else if (!strcmp(kind, "deployment")) {
		fprintf(out, "deployment %s", str(n, "name"));
		if (*str(n, "model_uri"))
			fprintf(out, "%sfollows %s", sep, str(n, "model_uri"));
	} else {
		json_t *aliases = json_object_get(n, "aliases");
		size_t i;

		fprintf(out, "model %s/%s%s%s", str(n, "name"), str(n, "version"), sep,
			str(n, "current_stage"));
		for (i = 0; i < json_array_size(aliases); i++)
			fprintf(out, "%s@%s", i ? ", " : "  ",
				json_string_value(json_array_get(aliases, i)));
		if (!dot)
			fprintf(out, "  %.19s", str(n, "content_id"));
	}
}

static json_t *find(json_t *graph, const char *id)
{
	json_t *nodes = json_object_get(graph, "nodes"), *n;
	size_t i;

	json_array_foreach(nodes, i, n)
		if (!strcmp(str(n, "node"), id))
			return n;
	return NULL;
}

/*
 * Edges into (up) or out of (down) node id, their other ends indented;
 * seen holds the nodes already expanded in this direction.
 */
static void tree(json_t *graph, const char *id, int up, int depth, json_t *seen)
{
	json_t *edges = json_object_get(graph, "edges"), *e, *other;
	size_t i;

	if (depth > MAX_DEPTH)
		return;
	json_object_set_new(seen, id, json_true());
	json_array_foreach(edges, i, e) {
		const char *next;

		if (strcmp(str(e, up ? "to" : "from"), id))
			continue;
		if (!(other = find(graph, str(e, up ? "from" : "to"))))
			continue;
		next = str(other, "node");
		printf("%*s%s ", 3 * depth, "", up ? "<-" : "->");
		label(stdout, other, 0);
		if (*str(e, "context"))
			printf("  [%s]", str(e, "context"));
		if (json_object_get(seen, next)) {
			puts("  (see above)");
			continue;
		}
		putchar('\n');
		tree(graph, next, up, depth + 1, seen);
	}
}

/* A DOT string: quotes and backslashes escaped, "\n" kept as DOT's. */
static void dot_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '\\' && s[1] == 'n') {
			fputs("\\n", stdout);
			s++;
		} else if (*s == '"' || *s == '\\') {
			printf("\\%c", *s);
		} else {
			putchar(*s);
		}
	}
	putchar('"');
}

static void dot(json_t *graph)
{
	json_t *n, *e;
	size_t i;

	puts("digraph lineage {\n  rankdir=LR;\n  node [fontname=\"Helvetica\"];");
	json_array_foreach(json_object_get(graph, "nodes"), i, n) {
		const char *kind = str(n, "type");
		char *text = NULL;
		size_t len = 0;
		FILE *m = open_memstream(&text, &len);

		if (!m)
			cli_die("out of memory");
		label(m, n, 1);
		fclose(m);
		fputs("  ", stdout);
		dot_string(str(n, "node"));
		fputs(" [label=", stdout);
		dot_string(text);
		printf(", shape=%s];\n", !strcmp(kind, "data") ? "cylinder"
					 : !strcmp(kind, "run") ? "box"
					 : !strcmp(kind, "deployment") ? "house" : "component");
		free(text);
	}
	json_array_foreach(json_object_get(graph, "edges"), i, e) {
		fputs("  ", stdout);
		dot_string(str(e, "from"));
		fputs(" -> ", stdout);
		dot_string(str(e, "to"));
		if (*str(e, "context")) {
			fputs(" [label=", stdout);
			dot_string(str(e, "context"));
			putchar(']');
		}
		puts(";");
	}
	puts("}");
}

int cmd_lineage(int argc, char **argv, struct cli_ctx *ctx)
{
	static const struct option opts[] = {
		{ "upstream", no_argument, NULL, 'u' },
		{ "downstream", no_argument, NULL, 'd' },
		{ "format", required_argument, NULL, 'f' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	const char *format = "tree", *spec;
	cairn_lineage_kind kind;
	unsigned int dirs = 0;
	cairn_buf text = CAIRN_BUF_INIT;
	cairn_repo *repo;
	json_t *graph;
	int opt, err;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (opt == 'u')
			dirs |= CAIRN_LINEAGE_UPSTREAM;
		else if (opt == 'd')
			dirs |= CAIRN_LINEAGE_DOWNSTREAM;
		else if (opt == 'f')
			format = optarg;
		else if (opt == 'j')
			format = "json";
		else
			cli_usage(self(), NULL);
	}
	if (strcmp(format, "tree") && strcmp(format, "json") && strcmp(format, "dot"))
		cli_usage(self(), "--format is tree, json or dot, not '%s'", format);
	argc -= optind;
	argv += optind;
	if (argc == 1 && !strncmp(argv[0], "models:/", 8)) {
		kind = CAIRN_LINEAGE_MODEL;
		spec = argv[0];
	} else if (argc == 2 && (!strcmp(argv[0], "data") || !strcmp(argv[0], "run") ||
				 !strcmp(argv[0], "model") ||
				 !strcmp(argv[0], "deployment"))) {
		kind = !strcmp(argv[0], "data") ? CAIRN_LINEAGE_DATA
		       : !strcmp(argv[0], "run") ? CAIRN_LINEAGE_RUN
		       : !strcmp(argv[0], "model") ? CAIRN_LINEAGE_MODEL
		       : CAIRN_LINEAGE_DEPLOYMENT;
		spec = argv[1];
	} else {
		cli_usage(self(), "name a data set version, a run, a model version "
			  "or a deployment");
	}
	repo = cli_open_repo(ctx);
	err = cairn_lineage_json(&text, repo, kind, spec, dirs);
	cairn_repo_free(repo);
	if (err < 0)
		return cli_lib_error();
	if (!(graph = json_loads(text.ptr, 0, NULL)))
		cli_die("cannot read the lineage graph");
	if (!strcmp(format, "json")) {
		json_dumpf(graph, stdout, JSON_INDENT(2));
		putchar('\n');
	} else if (!strcmp(format, "dot")) {
		dot(graph);
	} else {
		json_t *root = find(graph, str(graph, "root"));

		if (root) {
			json_t *up = json_object(), *down = json_object();

			label(stdout, root, 0);
			putchar('\n');
			tree(graph, str(root, "node"), 1, 1, up);
			tree(graph, str(root, "node"), 0, 1, down);
			json_decref(up);
			json_decref(down);
		}
	}
	json_decref(graph);
	cairn_buf_dispose(&text);
	return 0;
}
