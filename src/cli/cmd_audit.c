/*
 * cmd_audit.c: `cairn audit log` and `cairn audit verify`.
 *
 * log prints the events matching its filters, oldest first: one line per
 * event (seq, time, actor, action, object) and, when the event has them,
 * a second line with the state before and after and a third with the
 * reason. verify recomputes the hash chain (cairn_audit_verify()) and
 * exits 1 naming the first event that is not as it was recorded; with
 * --expect SEQ:HASH (a head hash kept elsewhere) it also checks that the
 * log still holds that event with that hash, which catches a history
 * rewritten or cut together with its head record.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "util/timeparse.h"
#include "util/banned.h"

static const struct cmd *self(void)
{
	return cmd_lookup("audit");
}

/* "2026-11-27 17:55:12" (UTC) */
static const char *when(char *buf, size_t n, int64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, n, "%Y-%m-%d %H:%M:%S", &tm);
	return buf;
}

struct listing {
	int json;
	uint64_t n;
};

static int print_event(const cairn_audit_event *e, void *payload)
{
	struct listing *l = payload;
	char t[32];

	if (l->json) {
		cairn_buf b = CAIRN_BUF_INIT;

		if (cairn_audit_event_json(&b, e) < 0)
			return -1;
		printf("%s\n  %s", l->n ? "," : "[", b.ptr);
		cairn_buf_dispose(&b);
		l->n++;
		return 0;
	}
	printf("%-6lld %s  %-12s %-22s %s\n", (long long)e->seq,
	       when(t, sizeof(t), e->time), e->actor, e->action, e->object);
	if (e->before || e->after)
		printf("       %s -> %s\n", e->before ? e->before : "-",
		       e->after ? e->after : "-");
	if (e->reason)
		printf("       reason: %s\n", e->reason);
	l->n++;
	return 0;
}

static int audit_log(int argc, char **argv, cairn_repo *repo)
{
	static const struct option opts[] = {
		{ "object", required_argument, NULL, 'o' },
		{ "action", required_argument, NULL, 'a' },
		{ "since", required_argument, NULL, 's' },
		{ "until", required_argument, NULL, 'u' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	cairn_audit_query q = CAIRN_AUDIT_QUERY_INIT;
	struct listing l = { 0, 0 };
	int opt, err;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'o':
			q.object = optarg;
			break;
		case 'a':
			q.action = optarg;
			break;
		case 's':
		case 'u':
			if (time_parse_ms(opt == 's' ? &q.since : &q.until, optarg) < 0)
				cli_usage(self(), "%s", cairn_error_last()->message);
			break;
		case 'j':
			l.json = 1;
			break;
		default:
			cli_usage(self(), NULL);
		}
	}
	if (optind < argc)
		cli_usage(self(), "'audit log' takes no arguments");
	err = cairn_audit_log(repo, &q, print_event, &l);
	if (l.json && err >= 0)
		fputs(l.n ? "\n]\n" : "[]\n", stdout);
	return err < 0 ? cli_lib_error() : 0;
}

struct expect {
	long long seq;
	char hash[65];
	int found;
	char got[65];
};

/* "SEQ:HASH", HASH 64 lower-case hex digits; -1 if not. */
static int parse_expect(struct expect *x, const char *s)
{
	const char *colon = strchr(s, ':');
	char *end;

	memset(x, 0, sizeof(*x));
	if (!colon || colon == s || strspn(s, "0123456789") != (size_t)(colon - s) ||
	    strlen(colon + 1) != 64 || strspn(colon + 1, "0123456789abcdef") != 64)
		return -1;
	x->seq = strtoll(s, &end, 10);
	if (x->seq < 1 || end != colon)
		return -1;
	memcpy(x->hash, colon + 1, 65);
	return 0;
}

static int first_hash(const cairn_audit_event *e, void *payload)
{
	struct expect *x = payload;

	x->found = e->seq == x->seq;
	snprintf(x->got, sizeof(x->got), "%s", e->hash);
	return 1;
}

/*
 * The head hash kept elsewhere: event x->seq of the (verified) log must
 * carry x->hash. 0 if it does; else the error printed, EXIT_FAIL.
 */
static int check_expect(struct expect *x, cairn_repo *repo,
			const cairn_audit_verify_result *res)
{
	cairn_audit_query q = CAIRN_AUDIT_QUERY_INIT;

	q.after_seq = x->seq - 1;
	if (cairn_audit_log(repo, &q, first_hash, x) < 0)
		return cli_lib_error();
	if (!x->found)
		return cli_error("audit log truncated: event %lld, expected with hash "
				 "%.12s..., is not in the log (it ends at event %lld)",
				 x->seq, x->hash, (long long)res->last_seq);
	if (strcmp(x->got, x->hash))
		return cli_error("audit log rewritten: event %lld has hash %.12s..., "
				 "expected %.12s...", x->seq, x->got, x->hash);
	return 0;
}

static int audit_verify(int argc, char **argv, cairn_repo *repo)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "expect", required_argument, NULL, 'e' },
		{ NULL, 0, NULL, 0 },
	};
	cairn_audit_verify_result res;
	struct expect x;
	int opt, json = 0, expect = 0;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (opt == 'j') {
			json = 1;
		} else if (opt == 'e') {
			if (parse_expect(&x, optarg) < 0)
				cli_usage(self(), "--expect takes SEQ:HASH (64 hex "
					  "digits), not '%s'", optarg);
			expect = 1;
		} else {
			cli_usage(self(), NULL);
		}
	}
	if (optind < argc)
		cli_usage(self(), "'audit verify' takes no arguments");
	if (cairn_audit_verify(&res, repo) < 0)
		return cli_lib_error();
	if (json) {
		cairn_buf b = CAIRN_BUF_INIT;

		if (cairn_audit_verify_json(&b, &res) < 0)
			return cli_lib_error();
		puts(b.ptr);
		cairn_buf_dispose(&b);
	} else if (res.problem == CAIRN_AUDIT_OK) {
		if (!res.head_checked && res.events)
			fputs("warning: no head record (.cairn/audit-head): a removed "
			      "tail cannot be detected\n", stderr);
		printf("audit log intact: %llu events\n", (unsigned long long)res.events);
		if (res.events)
			printf("head: event %lld %s\n", (long long)res.last_seq,
			       res.last_hash);
	}
	if (res.problem == CAIRN_AUDIT_OK)
		return expect ? check_expect(&x, repo, &res) : 0;
	if (!json)
		cli_error("audit log %s at event %lld: %s (%llu events before it "
			  "verified)", cairn_audit_problem_name(res.problem),
			  (long long)res.seq, res.message,
			  (unsigned long long)res.events);
	return EXIT_FAIL;
}

int cmd_audit(int argc, char **argv, struct cli_ctx *ctx)
{
	const char *sub = argc > 1 ? argv[1] : NULL;
	cairn_repo *repo;
	int ret;

	if (!sub)
		cli_usage(self(), "'audit' needs a subcommand");
	if (strcmp(sub, "log") && strcmp(sub, "verify"))
		cli_usage(self(), "unknown subcommand 'audit %s'", sub);
	repo = cli_open_repo(ctx);
	if (!strcmp(sub, "log"))
		ret = audit_log(argc - 1, argv + 1, repo);
	else
		ret = audit_verify(argc - 1, argv + 1, repo);
	cairn_repo_free(repo);
	return ret;
}
