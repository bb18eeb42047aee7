/*
 * cmd_models_history.c: `cairn models promote|rollback|history|at`, the
 * controlled moves of aliases and the record of them.
 *
 *   promote NAME VERSION --to ALIAS [--expect N|none] --reason TEXT
 *   rollback NAME [--alias ALIAS] [--expect N] --reason TEXT
 *                                                     (ALIAS: production)
 *   history NAME [--alias ALIAS] [--json]
 *   at NAME@ALIAS --time TIME                         (UTC)
 *
 * A promotion or rollback without a reason is a usage error: the reason
 * is what an auditor reads later. The actor is the OS user or --user.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/models.h"
#include "util/alloc.h"
#include "util/banned.h"

static uint64_t version_arg(const char *s)
{
	char *end;
	uint64_t v = strtoull(s, &end, 10);

	if (!*s || *end || !v)
		cli_usage(models_self(), "'%s' is not a version number", s);
	return v;
}

int models_promote(int argc, char **argv, cairn_repo *repo)
{
	static const struct option opts[] = {
		{ "to", required_argument, NULL, 't' },
		{ "expect", required_argument, NULL, 'e' },
		{ "reason", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	cairn_model_promote_options o = CAIRN_MODEL_PROMOTE_OPTIONS_INIT;
	const char *alias = NULL;
	uint64_t version;
	int opt;

	while ((opt = getopt_long(argc - 1, argv + 1, "", opts, NULL)) != -1) {
		if (opt == 't') {
			alias = optarg;
		} else if (opt == 'e') {
			o.expect_set = 1;
			o.expect = strcmp(optarg, "none") ? version_arg(optarg) : 0;
		} else if (opt == 'r') {
			o.reason = optarg;
		} else {
			cli_usage(models_self(), NULL);
		}
	}
	if (argc - 1 - optind != 2 || !alias)
		cli_usage(models_self(), "'models promote' takes a model, a version "
			  "and --to ALIAS");
	if (!o.reason || !*o.reason)
		cli_usage(models_self(), "'models promote' needs --reason");
	version = version_arg(argv[optind + 2]);
	if (cairn_model_promote(repo, argv[optind + 1], version, alias, &o) < 0)
		return cli_lib_error();
	printf("%s@%s is version %llu\n", argv[optind + 1], alias,
	       (unsigned long long)version);
	return 0;
}

int models_rollback(int argc, char **argv, cairn_repo *repo)
{
	static const struct option opts[] = {
		{ "alias", required_argument, NULL, 'a' },
		{ "expect", required_argument, NULL, 'e' },
		{ "reason", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	cairn_model_rollback_options o = CAIRN_MODEL_ROLLBACK_OPTIONS_INIT;
	const char *alias = "production";
	uint64_t to;
	int opt;

	while ((opt = getopt_long(argc - 1, argv + 1, "", opts, NULL)) != -1) {
		if (opt == 'a') {
			alias = optarg;
		} else if (opt == 'e') {
			o.expect_set = 1;
			o.expect = version_arg(optarg);
		} else if (opt == 'r') {
			o.reason = optarg;
		} else {
			cli_usage(models_self(), NULL);
		}
	}
	if (argc - 1 - optind != 1)
		cli_usage(models_self(), "'models rollback' takes a model");
	if (!o.reason || !*o.reason)
		cli_usage(models_self(), "'models rollback' needs --reason");
	if (cairn_model_rollback_ext(&to, repo, argv[optind + 1], alias, &o) < 0)
		return cli_lib_error();
	printf("%s@%s rolled back to version %llu (verified)\n", argv[optind + 1],
	       alias, (unsigned long long)to);
	return 0;
}

struct listing {
	json_t *list;
	int header;
};

static int print_move(const cairn_model_move *m, void *payload)
{
	struct listing *l = payload;
	char when[32], what[300], move[80];

	if (l->list) {
		json_t *o = json_pack("{s:I, s:s, s:s}", "time", (json_int_t)m->time,
				      "actor", m->actor, "action", m->action);

		if (m->alias) {
			json_object_set_new(o, "alias", json_string(m->alias));
			json_object_set_new(o, "from", m->from ? json_integer((json_int_t)m->from)
							    : json_null());
			json_object_set_new(o, "to", m->to ? json_integer((json_int_t)m->to)
							: json_null());
		}
		if (m->stage) {
			json_object_set_new(o, "stage", json_string(m->stage));
			json_object_set_new(o, "version", json_integer((json_int_t)m->version));
		}
		json_object_set_new(o, "reason", m->reason ? json_string(m->reason)
							   : json_null());
		json_array_append_new(l->list, o);
		return 0;
	}
	if (!l->header++)
		printf("%-16s %-12s %-22s %-20s %-12s %s\n", "TIME (UTC)", "ACTOR",
		       "ACTION", "WHAT", "MOVE", "REASON");
	if (m->alias) {
		char from[32] = "-", to[32] = "-";

		if (m->from)
			snprintf(from, sizeof(from), "v%llu", (unsigned long long)m->from);
		if (m->to)
			snprintf(to, sizeof(to), "v%llu", (unsigned long long)m->to);
		snprintf(what, sizeof(what), "@%s", m->alias);
		snprintf(move, sizeof(move), "%s -> %s", from, to);
	} else if (m->stage) {
		snprintf(what, sizeof(what), "v%llu stage", (unsigned long long)m->version);
		snprintf(move, sizeof(move), "%s", m->stage);
	} else {
		snprintf(what, sizeof(what), "(model)");
		snprintf(move, sizeof(move), "deleted");
	}
	printf("%-16s %-12s %-22s %-20s %-12s %s\n",
	       cli_time(when, sizeof(when), m->time), m->actor, m->action, what, move,
	       m->reason ? m->reason : "");
	return 0;
}

int models_history(int argc, char **argv, cairn_repo *repo)
{
	static const struct option opts[] = {
		{ "alias", required_argument, NULL, 'a' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct listing l = { NULL, 0 };
	const char *alias = NULL;
	int opt, err;

	while ((opt = getopt_long(argc - 1, argv + 1, "", opts, NULL)) != -1) {
		if (opt == 'a')
			alias = optarg;
		else if (opt == 'j')
			l.list = l.list ? l.list : json_array();
		else
			cli_usage(models_self(), NULL);
	}
	if (argc - 1 - optind != 1)
		cli_usage(models_self(), "'models history' takes a model");
	err = cairn_model_history(repo, argv[optind + 1], alias, print_move, &l);
	if (!err && l.list) {
		json_dumpf(l.list, stdout, JSON_INDENT(2));
		putchar('\n');
	}
	json_decref(l.list);
	return err < 0 ? cli_lib_error() : 0;
}

/* UTC "2026-03-01T12:00Z", "...T12:00:00Z", "2026-03-01" or ms. */
static int parse_time(int64_t *ms, const char *s)
{
	static const char *const formats[] = { "%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%MZ",
					       "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M",
					       "%Y-%m-%d %H:%M", "%Y-%m-%d" };
	size_t i;

	if (*s && strspn(s, "0123456789") == strlen(s) && strlen(s) > 10) {
		*ms = strtoll(s, NULL, 10);
		return 0;
	}
	for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		struct tm tm;
		const char *end;

		memset(&tm, 0, sizeof(tm));
		end = strptime(s, formats[i], &tm);
		if (end && !*end) {
			*ms = (int64_t)timegm(&tm) * 1000;
			/* A minute or a day covers its whole span. */
			if (i == 1 || i == 3 || i == 4)
				*ms += 59999;
			else if (i == 5)
				*ms += 86399999;
			else
				*ms += 999;
			return 0;
		}
	}
	return -1;
}

int models_at(int argc, char **argv, cairn_repo *repo)
{
	const char *spec = NULL, *when = NULL, *at;
	char *name;
	uint64_t version;
	int64_t ms;
	int i, found;

	for (i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--time") && i + 1 < argc)
			when = argv[++i];
		else if (!strncmp(argv[i], "--time=", 7))
			when = argv[i] + 7;
		else if (!spec)
			spec = argv[i];
		else
			cli_usage(models_self(), "too many arguments to 'models at'");
	}
	if (spec && !strncmp(spec, "models:/", 8))
		spec += 8;
	if (!spec || !when || !(at = strrchr(spec, '@')) || at == spec || !at[1])
		cli_usage(models_self(), "'models at' takes NAME@ALIAS and --time TIME");
	if (parse_time(&ms, when) < 0)
		cli_usage(models_self(), "'%s' is not a time (2026-03-01T12:00Z)", when);
	name = xstrndup(spec, (size_t)(at - spec));
	found = cairn_model_alias_at(&version, repo, name, at + 1, ms);
	if (found > 0)
		printf("%s@%s was version %llu\n", name, at + 1,
		       (unsigned long long)version);
	else if (found == 0)
		printf("%s@%s was not set then\n", name, at + 1);
	free(name);
	return found < 0 ? cli_lib_error() : 0;
}
