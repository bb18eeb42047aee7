/*
 * cmd_deployments.c: `cairn deployments list|show|set`, the settings of
 * each named `cairn serve` and what served when (docs/deployments.md).
 *
 *   list [--json]          each deployment: its URIs, canary percent, and
 *                          the versions its server serves now
 *   show NAME [--json]     its settings and its timeline: time, event,
 *                          version, traffic, actor, reason (a deleted
 *                          one: who deleted it, and its timeline)
 *   set NAME [--model URI] [--canary URI=PCT | --canary-percent PCT |
 *            --no-canary] [--shadow URI | --no-shadow] [--reason TEXT]
 *   delete NAME [--reason TEXT]
 *                          remove its settings; its events stay
 *   record NAME EVENT [--model NAME/VERSION] [--details JSON]
 *            [--reason TEXT]  what a server did, for serving layers
 *                          other than `cairn serve` (which records its own)
 *
 * What serves now is replayed from the events a server records: the
 * last start, swap or rollback of each role (details "role": primary,
 * canary or shadow; primary when absent) names its version, a stop
 * clears them all. set starts from the current settings and changes only
 * what is given; a new deployment needs --model. The library takes URIs
 * that do not resolve yet; set warns about each one on stderr, as its
 * servers keep serving what they serve until it resolves. The repository is the
 * tracking one (CAIRN_TRACKING_URI, MLFLOW_TRACKING_URI, else the
 * project), so the same commands work against a cairn server.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "util/alloc.h"
#include "util/banned.h"

static const struct cmd *self(void)
{
	return cmd_lookup("deployments");
}

enum role { PRIMARY, CANARY, SHADOW, NROLES };
static const char *const role_names[NROLES] = { "primary", "canary", "shadow" };

/* The version each role serves now, from a deployment's events. */
struct serving {
	char *model[NROLES];
	uint64_t version[NROLES];
};

static json_t *details_of(const cairn_deployment_event *e)
{
	json_t *d = json_loads(e->details ? e->details : "{}", 0, NULL);

	if (!json_is_object(d)) {
		json_decref(d);
		d = json_object();
	}
	return d;
}

static enum role role_of(json_t *details)
{
	const char *r = json_string_value(json_object_get(details, "role"));
	int i;

	for (i = 0; r && i < NROLES; i++)
		if (!strcmp(r, role_names[i]))
			return (enum role)i;
	return PRIMARY;
}

static void serving_clear(struct serving *s)
{
	int i;

	for (i = 0; i < NROLES; i++)
		free(s->model[i]);
	memset(s, 0, sizeof(*s));
}

static int replay_serving(const cairn_deployment_event *e, void *payload)
{
	struct serving *s = payload;
	json_t *details;
	enum role r;

	if (!strcmp(e->action, "deployment.stop")) {
		serving_clear(s);
		return 0;
	}
	if (strcmp(e->action, "deployment.start") &&
	    strcmp(e->action, "deployment.swap") &&
	    strcmp(e->action, "deployment.rollback"))
		return 0;
	if (!e->model || !e->version)
		return 0;
	details = details_of(e);
	r = role_of(details);
	json_decref(details);
	free(s->model[r]);
	s->model[r] = xstrdup(e->model);
	s->version[r] = e->version;
	return 0;
}

/* "NAME/N" or "-" into buf. */
static const char *version_str(char *buf, size_t n, const char *model,
			       uint64_t version)
{
	if (model && version)
		snprintf(buf, n, "%s/%llu", model, (unsigned long long)version);
	else
		snprintf(buf, n, "-");
	return buf;
}

static json_t *json_of(int err, cairn_buf *text)
{
	json_t *o = err < 0 ? NULL : json_loads(text->ptr, 0, NULL);

	cairn_buf_dispose(text);
	return o;
}

static json_t *deployment_json(const cairn_deployment *d)
{
	cairn_buf text = CAIRN_BUF_INIT;

	return json_of(cairn_deployment_json(&text, d), &text);
}

/* ---------------------------------------------------------------- list */

struct names {
	char **v;
	size_t n, alloc;
};

static int collect_name(const cairn_deployment *d, void *payload)
{
	struct names *l = payload;

	ALLOC_GROW(l->v, l->n + 1, l->alloc);
	l->v[l->n++] = xstrdup(d->name);
	return 0;
}

static json_t *serving_json(const struct serving *s)
{
	json_t *o = json_object();
	int i;

	for (i = 0; i < NROLES; i++)
		json_object_set_new(o, role_names[i],
				    s->version[i]
				    ? json_pack("{s:s, s:I}", "model", s->model[i],
						"version", (json_int_t)s->version[i])
				    : json_null());
	return o;
}

static void print_row(const cairn_deployment *d, const struct serving *s)
{
	char a[160], b[160], when[32], canary[600];

	if (d->canary_uri)
		snprintf(canary, sizeof(canary), "%s=%u%% (%s)", d->canary_uri,
			 d->canary_percent,
			 version_str(b, sizeof(b), s->model[CANARY], s->version[CANARY]));
	else
		snprintf(canary, sizeof(canary), "-");
	printf("%-16s %-30s %-14s %-40s %-30s %s\n", d->name, d->model_uri,
	       version_str(a, sizeof(a), s->model[PRIMARY], s->version[PRIMARY]),
	       canary, d->shadow_uri ? d->shadow_uri : "-",
	       cli_time(when, sizeof(when), d->updated_ms));
}

static int deployments_list(int argc, char **argv, cairn_repo *repo)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct names l = { NULL, 0, 0 };
	json_t *list = NULL;
	size_t i;
	int opt, json = 0, err;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (opt != 'j')
			cli_usage(self(), NULL);
		json = 1;
	}
	if (optind < argc)
		cli_usage(self(), "'deployments list' takes no arguments");
	/* Names first: each one's events are read after the listing. */
	if ((err = cairn_deployment_foreach(repo, collect_name, &l)) < 0)
		goto done;
	if (json)
		list = json_array();
	else if (l.n)
		printf("%-16s %-30s %-14s %-40s %-30s %s\n", "NAME", "MODEL",
		       "SERVING", "CANARY (SERVING)", "SHADOW", "UPDATED (UTC)");
	for (i = 0; i < l.n && err >= 0; i++) {
		struct serving s;
		cairn_deployment *d;

		memset(&s, 0, sizeof(s));
		if ((err = cairn_deployment_get(&d, repo, l.v[i])) < 0)
			break;
		if ((err = cairn_deployment_events(repo, d->name, replay_serving,
						   &s)) >= 0) {
			if (json) {
				json_t *o = deployment_json(d);

				json_object_set_new(o, "serving", serving_json(&s));
				json_array_append_new(list, o);
			} else {
				print_row(d, &s);
			}
		}
		serving_clear(&s);
		cairn_deployment_free(d);
	}
	if (err >= 0 && json) {
		char *text = json_dumps(list, JSON_INDENT(2));

		printf("%s\n", text);
		free(text);
	}
done:
	for (i = 0; i < l.n; i++)
		free(l.v[i]);
	free(l.v);
	json_decref(list);
	return err < 0 ? cli_lib_error() : 0;
}

/* ---------------------------------------------------------------- show */

/*
 * The traffic in effect after each event of a timeline, replayed: the
 * split of the settings (a settings change reaches a running server
 * within a poll) corrected by what a server reports ("traffic" in a
 * start or swap), and whether a server is running at all.
 */
struct timeline {
	json_t *list; /* --json */
	int header;
	int share[NROLES]; /* percent of requests each role answers */
	int canary, shadow; /* the settings have one */
};

static void settings_share(struct timeline *t, json_t *after)
{
	json_int_t pct = json_integer_value(json_object_get(after,
							    "canary_percent"));

	t->canary = json_is_string(json_object_get(after, "canary_uri"));
	t->shadow = json_is_string(json_object_get(after, "shadow_uri"));
	t->share[CANARY] = t->canary ? (int)pct : 0;
	t->share[PRIMARY] = 100 - t->share[CANARY];
}

/*
 * TRAFFIC after e: the whole split after a settings change ("primary
 * 90% canary 10% +shadow"); the share of the role a server's start,
 * swap or rollback concerns ("canary 10%"; a shadow answers none, it
 * mirrors); "not loaded" after a load failure (the version named got
 * none); "stopped" after a stop.
 */
static void traffic_str(char *buf, size_t n, struct timeline *t,
			const cairn_deployment_event *e, json_t *details)
{
	json_t *after = json_object_get(details, "after"), *traffic;
	enum role r;

	if (json_is_object(after)) {
		settings_share(t, after);
		if (t->canary)
			snprintf(buf, n, "primary %d%% canary %d%%%s",
				 t->share[PRIMARY], t->share[CANARY],
				 t->shadow ? " +shadow" : "");
		else
			snprintf(buf, n, "primary 100%%%s", t->shadow ? " +shadow" : "");
		return;
	}
	if (!strcmp(e->action, "deployment.stop")) {
		snprintf(buf, n, "stopped");
		return;
	}
	if (!strcmp(e->action, "deployment.delete")) {
		snprintf(buf, n, "deleted");
		return;
	}
	if (!strcmp(e->action, "deployment.load-failed")) {
		snprintf(buf, n, "not loaded");
		return;
	}
	if (strcmp(e->action, "deployment.start") &&
	    strcmp(e->action, "deployment.swap") &&
	    strcmp(e->action, "deployment.rollback")) {
		snprintf(buf, n, "-");
		return;
	}
	r = role_of(details);
	if (r == SHADOW) {
		snprintf(buf, n, "shadow mirror");
		return;
	}
	traffic = json_object_get(details, "traffic");
	if (json_is_integer(traffic) && json_integer_value(traffic) >= 0 &&
	    json_integer_value(traffic) <= 100) {
		t->share[r] = (int)json_integer_value(traffic);
		t->share[r == PRIMARY ? CANARY : PRIMARY] = 100 - t->share[r];
	}
	snprintf(buf, n, "%s %d%%", role_names[r], t->share[r]);
}

static int print_event(const cairn_deployment_event *e, void *payload)
{
	struct timeline *t = payload;
	char when[32], version[160], traffic[64];
	json_t *details;

	if (t->list) {
		cairn_buf text = CAIRN_BUF_INIT;
		int err = cairn_deployment_event_json(&text, e);

		if (err < 0)
			return err;
		json_array_append_new(t->list, json_of(err, &text));
		return 0;
	}
	if (!t->header++)
		printf("\n%-16s %-24s %-14s %-32s %-12s %s\n", "TIME (UTC)", "EVENT",
		       "VERSION", "TRAFFIC", "ACTOR", "REASON");
	details = details_of(e);
	traffic_str(traffic, sizeof(traffic), t, e, details);
	json_decref(details);
	printf("%-16s %-24s %-14s %-32s %-12s %s\n",
	       cli_time(when, sizeof(when), e->time_ms), e->action,
	       version_str(version, sizeof(version), e->model, e->version), traffic,
	       e->actor ? e->actor : "-", e->reason ? e->reason : "");
	return 0;
}

/* The last delete of a deployment's timeline. */
struct deleted {
	int64_t time_ms;
	char *actor, *reason;
};

static int find_delete(const cairn_deployment_event *e, void *payload)
{
	struct deleted *del = payload;

	if (strcmp(e->action, "deployment.delete"))
		return 0;
	del->time_ms = e->time_ms;
	free(del->actor);
	free(del->reason);
	del->actor = e->actor ? xstrdup(e->actor) : NULL;
	del->reason = e->reason ? xstrdup(e->reason) : NULL;
	return 0;
}

/* show of a deployment with no settings: the record of a deleted one. */
static int show_deleted(cairn_repo *repo, const char *name, int json)
{
	struct timeline t = { NULL, 0, { 100, 0, 0 }, 0, 0 };
	struct deleted del = { 0, NULL, NULL };
	char when[32];
	int err;

	if ((err = cairn_deployment_events(repo, name, find_delete, &del)) < 0)
		goto done;
	if (json) {
		json_t *o;
		char *text;

		t.list = json_array();
		if ((err = cairn_deployment_events(repo, name, print_event, &t)) >= 0) {
			o = json_pack("{s:s, s:b, s:O}", "name", name, "deleted", 1,
				      "events", t.list);
			text = json_dumps(o, JSON_INDENT(2));
			printf("%s\n", text);
			free(text);
			json_decref(o);
		}
		json_decref(t.list);
		goto done;
	}
	printf("deployment %s (deleted %s UTC by %s%s%s)\n", name,
	       cli_time(when, sizeof(when), del.time_ms),
	       del.actor ? del.actor : "-", del.reason ? ": " : "",
	       del.reason ? del.reason : "");
	err = cairn_deployment_events(repo, name, print_event, &t);
done:
	free(del.actor);
	free(del.reason);
	return err < 0 ? cli_lib_error() : 0;
}

static int deployments_show(int argc, char **argv, cairn_repo *repo)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct timeline t = { NULL, 0, { 100, 0, 0 }, 0, 0 };
	struct serving s;
	cairn_deployment *d;
	char when[32], a[160];
	int opt, json = 0, err;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (opt != 'j')
			cli_usage(self(), NULL);
		json = 1;
	}
	if (argc - optind != 1)
		cli_usage(self(), "'deployments show' takes a deployment name");
	if ((err = cairn_deployment_get(&d, repo, argv[optind])) == CAIRN_ENOTFOUND) {
		cairn_error_reset();
		return show_deleted(repo, argv[optind], json);
	}
	if (err < 0)
		return cli_lib_error();
	memset(&s, 0, sizeof(s));
	if ((err = cairn_deployment_events(repo, d->name, replay_serving, &s)) < 0)
		goto done;
	if (json) {
		json_t *o = deployment_json(d);
		char *text;

		t.list = json_array();
		if ((err = cairn_deployment_events(repo, d->name, print_event, &t)) >= 0) {
			json_object_set_new(o, "serving", serving_json(&s));
			json_object_set(o, "events", t.list);
			text = json_dumps(o, JSON_INDENT(2));
			printf("%s\n", text);
			free(text);
		}
		json_decref(o);
		json_decref(t.list);
		goto done;
	}
	printf("deployment %s (generation %llu, updated %s UTC)\n", d->name,
	       (unsigned long long)d->generation,
	       cli_time(when, sizeof(when), d->updated_ms));
	printf("model:   %s  serving %s\n", d->model_uri,
	       version_str(a, sizeof(a), s.model[PRIMARY], s.version[PRIMARY]));
	if (d->canary_uri)
		printf("canary:  %s  %u%%  serving %s\n", d->canary_uri,
		       d->canary_percent,
		       version_str(a, sizeof(a), s.model[CANARY], s.version[CANARY]));
	if (d->shadow_uri)
		printf("shadow:  %s  serving %s\n", d->shadow_uri,
		       version_str(a, sizeof(a), s.model[SHADOW], s.version[SHADOW]));
	err = cairn_deployment_events(repo, d->name, print_event, &t);
done:
	serving_clear(&s);
	cairn_deployment_free(d);
	return err < 0 ? cli_lib_error() : 0;
}

/* ----------------------------------------------------------------- set */

/*
 * The library takes a URI that does not resolve yet (a deployment may be
 * set up before its model is registered), but whoever sets it should
 * know that its servers will not follow it until it does.
 */
static void warn_unresolved(cairn_repo *repo, const char *uri)
{
	cairn_model_version *v;

	if (!uri)
		return;
	if (cairn_model_resolve(&v, repo, uri) < 0) {
		fprintf(stderr, "warning: %s does not resolve (%s); servers of this "
			"deployment keep serving what they serve until it does\n",
			uri, cairn_error_last()->message);
		cairn_error_reset();
		return;
	}
	cairn_model_version_free(v);
}

static int deployments_set(int argc, char **argv, cairn_repo *repo)
{
	static const struct option opts[] = {
		{ "model", required_argument, NULL, 'm' },
		{ "canary", required_argument, NULL, 'c' },
		{ "canary-percent", required_argument, NULL, 'p' },
		{ "no-canary", no_argument, NULL, 'C' },
		{ "shadow", required_argument, NULL, 's' },
		{ "no-shadow", no_argument, NULL, 'S' },
		{ "reason", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	const char *model = NULL, *shadow = NULL, *reason = NULL;
	char *canary = NULL;
	int opt, canary_opts = 0, no_canary = 0, shadow_opts = 0, err, created = 0;
	unsigned pct = 0;
	cairn_deployment *cur = NULL, *after = NULL, d;
	uint64_t generation = 0;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'm':
			model = optarg;
			break;
		case 'c':
			free(canary);
			canary = cli_parse_canary(self(), optarg, &pct);
			canary_opts++;
			break;
		case 'p':
			pct = cli_parse_percent(self(), "--canary-percent", optarg);
			canary_opts++;
			break;
		case 'C':
			canary_opts++;
			no_canary = 1;
			pct = 0;
			break;
		case 's':
			shadow = optarg;
			shadow_opts++;
			break;
		case 'S':
			shadow_opts++;
			break;
		case 'r':
			reason = optarg;
			break;
		default:
			cli_usage(self(), NULL);
		}
	}
	if (argc - optind != 1)
		cli_usage(self(), "'deployments set' takes a deployment name");
	if (canary_opts > 1)
		cli_usage(self(), "give one of --canary, --canary-percent and "
			  "--no-canary");
	if (shadow_opts > 1)
		cli_usage(self(), "give one of --shadow and --no-shadow");
	err = cairn_deployment_get(&cur, repo, argv[optind]);
	if (err == CAIRN_ENOTFOUND && model) {
		cairn_error_reset();
		created = 1;
		err = 0;
	} else if (err == CAIRN_ENOTFOUND) {
		err = cli_error("no deployment named '%s'; create it with --model URI",
				argv[optind]);
		goto done;
	}
	if (err < 0) {
		err = cli_lib_error();
		goto done;
	}
	memset(&d, 0, sizeof(d));
	d.name = argv[optind];
	if (cur) {
		d.model_uri = cur->model_uri;
		d.canary_uri = cur->canary_uri;
		d.canary_percent = cur->canary_percent;
		d.shadow_uri = cur->shadow_uri;
		generation = cur->generation;
	}
	if (model)
		d.model_uri = model;
	if (canary_opts) {
		if (canary || no_canary)
			d.canary_uri = canary; /* NULL: --no-canary */
		d.canary_percent = pct;
	}
	if (shadow_opts)
		d.shadow_uri = shadow; /* NULL: --no-shadow */
	if (cairn_deployment_set(repo, &d, reason) < 0 ||
	    cairn_deployment_get(&after, repo, d.name) < 0) {
		err = cli_lib_error();
		goto done;
	}
	if (after->generation == generation)
		printf("deployment %s unchanged (generation %llu)\n", after->name,
		       (unsigned long long)after->generation);
	else
		printf("deployment %s %s (generation %llu)\n", after->name,
		       created ? "created" : "updated",
		       (unsigned long long)after->generation);
	warn_unresolved(repo, after->model_uri);
	warn_unresolved(repo, after->canary_uri);
	warn_unresolved(repo, after->shadow_uri);
done:
	free(canary);
	cairn_deployment_free(cur);
	cairn_deployment_free(after);
	return err;
}

/* -------------------------------------------------------------- delete */

static int deployments_delete(int argc, char **argv, cairn_repo *repo)
{
	static const struct option opts[] = {
		{ "reason", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	const char *reason = NULL;
	int opt;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (opt != 'r')
			cli_usage(self(), NULL);
		reason = optarg;
	}
	if (argc - optind != 1)
		cli_usage(self(), "'deployments delete' takes a deployment name");
	if (cairn_deployment_delete(repo, argv[optind], reason) < 0)
		return cli_lib_error();
	printf("deployment %s deleted; its record stays ('cairn deployments show "
	       "%s')\n", argv[optind], argv[optind]);
	return 0;
}

/* -------------------------------------------------------------- record */

static int deployments_record(int argc, char **argv, cairn_repo *repo)
{
	static const struct option opts[] = {
		{ "model", required_argument, NULL, 'm' },
		{ "details", required_argument, NULL, 'd' },
		{ "reason", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	const char *details = NULL, *reason = NULL;
	char *model = NULL, *slash;
	uint64_t version = 0;
	int opt, err = 0;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'm':
			slash = strrchr(optarg, '/');
			if (!slash || slash == optarg ||
			    strspn(slash + 1, "0123456789") != strlen(slash + 1) ||
			    !(version = strtoull(slash + 1, NULL, 10)))
				cli_usage(self(), "--model takes NAME/VERSION, not '%s'",
					  optarg);
			free(model);
			model = xstrndup(optarg, (size_t)(slash - optarg));
			break;
		case 'd':
			details = optarg;
			break;
		case 'r':
			reason = optarg;
			break;
		default:
			cli_usage(self(), NULL);
		}
	}
	if (argc - optind != 2)
		cli_usage(self(), "'deployments record' takes a deployment and an "
			  "event");
	if (cairn_deployment_record(repo, argv[optind], argv[optind + 1], model,
				    version, details, reason) < 0)
		err = cli_lib_error();
	else
		printf("recorded deployment.%s on %s\n", argv[optind + 1],
		       argv[optind]);
	free(model);
	return err;
}

int cmd_deployments(int argc, char **argv, struct cli_ctx *ctx)
{
	cairn_repo *repo;
	int ret;

	if (argc < 2)
		cli_usage(self(), NULL);
	if (strcmp(argv[1], "list") && strcmp(argv[1], "show") &&
	    strcmp(argv[1], "set") && strcmp(argv[1], "delete") &&
	    strcmp(argv[1], "record"))
		cli_usage(self(), "unknown subcommand '%s'", argv[1]);
	repo = cli_open_tracking(ctx);
	if (!strcmp(argv[1], "list"))
		ret = deployments_list(argc - 1, argv + 1, repo);
	else if (!strcmp(argv[1], "show"))
		ret = deployments_show(argc - 1, argv + 1, repo);
	else if (!strcmp(argv[1], "set"))
		ret = deployments_set(argc - 1, argv + 1, repo);
	else if (!strcmp(argv[1], "delete"))
		ret = deployments_delete(argc - 1, argv + 1, repo);
	else
		ret = deployments_record(argc - 1, argv + 1, repo);
	cairn_repo_free(repo);
	return ret;
}
