/*
 * cmd_models_promote.c: `cairn models policy|request|approve|reject|
 * requests`, the gates of controlled promotion on the command line
 * (`promote` itself, history and rollback are in cmd_models_history.c).
 *
 * The library does every check in one transaction, so this file only
 * parses and prints. The actor of every change is the OS user or
 * `cairn --user NAME`. A refusal (a policy that does not parse, a vote
 * that is not allowed) is "error: ..." and exit 1 with nothing changed.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/models.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/timeparse.h"
#include "util/banned.h"

static uint64_t version_arg(const char *s)
{
	char *end;
	uint64_t v = strtoull(s, &end, 10);

	if (!*s || *end || !v || *s == '-' || *s == '+')
		cli_usage(models_self(), "'%s' is not a version number", s);
	return v;
}

/* ms as "2026-03-01 12:00:05.250": moves can be milliseconds apart. */
static const char *when_ms(char *buf, size_t n, int64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	size_t len;

	gmtime_r(&t, &tm);
	len = strftime(buf, n, "%Y-%m-%d %H:%M:%S", &tm);
	snprintf(buf + len, n - len, ".%03u",
		 (unsigned)((ms % 1000 + 1000) % 1000));
	return buf;
}

static void print_list(json_t *list)
{
	json_dumpf(list, stdout, JSON_INDENT(2));
	putchar('\n');
	json_decref(list);
}

/* ------------------------------------------------------------- request */

int models_request(int argc, char **argv, cairn_repo *repo)
{
	static const struct option opts[] = {
		{ "to", required_argument, NULL, 't' },
		{ "reason", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	const char *to = NULL, *reason = NULL;
	uint64_t version;
	int64_t id = 0;
	int opt;

	while ((opt = getopt_long(argc - 1, argv + 1, "", opts, NULL)) != -1) {
		if (opt == 't')
			to = optarg;
		else if (opt == 'r')
			reason = optarg;
		else
			cli_usage(models_self(), NULL);
	}
	if (argc - 1 - optind != 2 || !to)
		cli_usage(models_self(), "'models request' takes a model, a version "
			  "and --to ALIAS");
	version = version_arg(argv[optind + 2]);
	if (cairn_promotion_request_create(&id, repo, argv[optind + 1], version, to,
					   reason) < 0)
		return cli_lib_error();
	printf("request %lld: promote version %llu of %s to %s\n", (long long)id,
	       (unsigned long long)version, argv[optind + 1], to);
	return 0;
}

/* -------------------------------------------------------------- policy */

static int print_policy(const char *target, const char *policy, void *payload)
{
	json_t *o = payload;
	const char *p, *nl;

	if (o) {
		json_array_append_new(o, json_pack("{s:s, s:s}", "target", target,
						   "policy", policy));
		return 0;
	}
	printf("%s\n", target);
	for (p = policy; *p; p = *nl ? nl + 1 : nl) {
		if (!(nl = strchr(p, '\n')))
			nl = p + strlen(p);
		printf("  %.*s\n", (int)(nl - p), p);
	}
	return 0;
}

static int policy_set(int argc, char **argv, cairn_repo *repo)
{
	static const struct option opts[] = {
		{ "not-worse-than-current", required_argument, NULL, 'n' },
		{ "require-input-context", required_argument, NULL, 'i' },
		{ "approvals", required_argument, NULL, 'a' },
		{ "reason", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	struct buf text = BUF_INIT;
	const char *reason = NULL;
	int opt, i, err;

	while ((opt = getopt_long(argc - 2, argv + 2, "", opts, NULL)) != -1) {
		if (opt == 'n')
			buf_printf(&text, "%s%s >= current\n",
				   strncmp(optarg, "metrics.", 8) ? "metrics." : "",
				   optarg);
		else if (opt == 'i')
			buf_printf(&text, "input-context %s\n", optarg);
		else if (opt == 'a')
			buf_printf(&text, "approvals %s\n", optarg);
		else if (opt == 'r')
			reason = optarg;
		else
			cli_usage(models_self(), NULL);
	}
	if (argc - 2 - optind < 2)
		cli_usage(models_self(), "'models policy set' takes a model, a target "
			  "and gates");
	for (i = optind + 4; i < argc; i++)
		buf_printf(&text, "%s\n", argv[i]);
	err = cairn_model_policy_set(repo, argv[optind + 2], argv[optind + 3],
				     buf_cstr(&text), reason);
	buf_release(&text);
	if (err < 0)
		return cli_lib_error();
	printf("policy for %s of %s set\n", argv[optind + 3], argv[optind + 2]);
	return 0;
}

int models_policy(int argc, char **argv, cairn_repo *repo)
{
	const char *sub = argc > 2 ? argv[2] : "";
	json_t *list = NULL;
	int i, n = 0, err;
	const char *args[2] = { NULL, NULL };
	const char *reason = NULL;

	if (!strcmp(sub, "set"))
		return policy_set(argc, argv, repo);
	for (i = 3; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			list = list ? list : json_array();
		else if (!strcmp(argv[i], "--reason") && i + 1 < argc)
			reason = argv[++i];
		else if (n < 2)
			args[n++] = argv[i];
		else
			cli_usage(models_self(), "too many arguments to 'models policy'");
	}
	if (list && strcmp(sub, "show"))
		cli_usage(models_self(), "--json goes with 'models policy show'");
	if (!strcmp(sub, "unset")) {
		json_decref(list);
		if (n != 2)
			cli_usage(models_self(), "'models policy unset' takes a model "
				  "and a target");
		if (cairn_model_policy_unset(repo, args[0], args[1], reason) < 0)
			return cli_lib_error();
		printf("policy for %s of %s removed\n", args[1], args[0]);
		return 0;
	}
	if (strcmp(sub, "show") || n < 1) {
		json_decref(list);
		cli_usage(models_self(), "'models policy' takes set, show or unset");
	}
	if (n == 2) {
		cairn_buf text = CAIRN_BUF_INIT;

		err = cairn_model_policy_get(&text, repo, args[0], args[1]);
		if (err > 0)
			print_policy(args[1], text.ptr, list);
		else if (!err && !list)
			printf("%s: no policy\n", args[1]);
		cairn_buf_dispose(&text);
	} else {
		err = cairn_model_policy_foreach(repo, args[0], print_policy, list);
	}
	if (err < 0) {
		json_decref(list);
		return cli_lib_error();
	}
	if (list)
		print_list(list);
	return 0;
}

/* ------------------------------------------------------------ requests */

static int64_t request_id(const char *s)
{
	char *end;
	long long id = strtoll(s, &end, 10);

	if (!*s || *end || id <= 0)
		cli_usage(models_self(), "'%s' is not a request id", s);
	return id;
}

static int decide(int argc, char **argv, cairn_repo *repo, int approve)
{
	static const struct option opts[] = {
		{ "reason", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	cairn_promotion_request *r = NULL;
	const char *reason = NULL;
	int opt;

	while ((opt = getopt_long(argc - 1, argv + 1, "", opts, NULL)) != -1) {
		if (opt == 'r')
			reason = optarg;
		else
			cli_usage(models_self(), NULL);
	}
	if (argc - 1 - optind != 1)
		cli_usage(models_self(), "'models %s' takes a request id", argv[1]);
	if (cairn_promotion_request_decide(&r, repo, request_id(argv[optind + 1]),
					   approve, reason) < 0)
		return cli_lib_error();
	if (!strcmp(r->status, "approved"))
		printf("request %lld approved (%u of %u); promote with: cairn models "
		       "promote %s %llu --to %s --reason ...\n", (long long)r->id,
		       r->approvals, r->required, r->name,
		       (unsigned long long)r->version, r->target);
	else if (approve)
		printf("request %lld: %u of %u approvals\n", (long long)r->id,
		       r->approvals, r->required);
	else
		printf("request %lld rejected\n", (long long)r->id);
	cairn_promotion_request_free(r);
	return 0;
}

int models_approve(int argc, char **argv, cairn_repo *repo)
{
	return decide(argc, argv, repo, 1);
}

int models_reject(int argc, char **argv, cairn_repo *repo)
{
	return decide(argc, argv, repo, 0);
}

struct listing {
	json_t *list;
	int n;
};

static int print_request(const cairn_promotion_request *r, void *payload)
{
	struct listing *l = payload;
	char when[32];

	if (l->list) {
		cairn_buf text = CAIRN_BUF_INIT;

		cairn_promotion_request_json(&text, r);
		json_array_append_new(l->list, json_loadb(text.ptr, text.size, 0, NULL));
		cairn_buf_dispose(&text);
		return 0;
	}
	if (!l->n++)
		printf("%-5s %-20s %-7s %-18s %-9s %-9s %-12s %-23s %s\n", "ID", "MODEL",
		       "VERSION", "TARGET", "STATUS", "APPROVALS", "REQUESTER",
		       "CREATED (UTC)", "REASON");
	printf("%-5lld %-20s %-7llu %-18s %-9s %u/%-7u %-12s %-23s %s\n",
	       (long long)r->id, r->name, (unsigned long long)r->version, r->target,
	       r->status, r->approvals, r->required, r->requester,
	       when_ms(when, sizeof(when), r->created_time), r->reason);
	return 0;
}

int models_requests(int argc, char **argv, cairn_repo *repo)
{
	struct listing l = { NULL, 0 };
	const char *name = NULL;
	int i;

	for (i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			l.list = l.list ? l.list : json_array();
		else if (!name)
			name = argv[i];
		else
			cli_usage(models_self(), "'models requests' takes one model");
	}
	if (cairn_promotion_requests(repo, name, print_request, &l) < 0) {
		json_decref(l.list);
		return cli_lib_error();
	}
	if (l.list)
		print_list(l.list);
	else if (!l.n)
		printf("no promotion requests\n");
	return 0;
}
