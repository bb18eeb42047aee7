/*
 * cmd_serve.c: `cairn serve URI`: answer predictions of a registered
 * model, following its alias or stage (src/serve/runtime.h).
 *
 * The store is opened for tracking (so the registry calls go to a cairn
 * server when CAIRN_TRACKING_URI names one), the runtime loads what the
 * URIs name, the front door starts listening, and the deployment's
 * "start" is recorded with the URL. The runtime's news (swaps, load
 * failures, rollbacks) is printed on stderr as it happens.
 *
 * SIGINT and SIGTERM are blocked before any thread starts and taken with
 * sigwait(): the first stops accepting connections and waits for the
 * requests already received to be answered (a second one stops at once),
 * then "stop" is recorded with a summary. Exit status 0 either way.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "serve/runtime.h"
#include "util/alloc.h"
#include "util/banned.h"

static const struct cmd *self(void)
{
	return cmd_lookup("serve");
}

/*
 * --max-body SIZE: bytes, or a number with K, M or G (KiB, MiB, GiB; a
 * trailing "B" or "iB" is fine), from 1K to 64G.
 */
static uint64_t parse_size(const char *arg)
{
	static const char units[] = "KMG";
	unsigned long long n;
	const char *u;
	char *end;
	int shift = 0;

	errno = 0;
	n = strtoull(arg, &end, 10);
	if (end != arg && *end &&
	    (u = strchr(units, toupper((unsigned char)*end)))) {
		shift = 10 * (int)(u - units + 1);
		end++;
	}
	if (end != arg && (!strcmp(end, "B") || (shift && !strcmp(end, "iB"))))
		end += strlen(end);
	if (errno || end == arg || *end || arg[0] == '-' ||
	    n > (64ull << 30) >> shift || (n << shift) < 1024)
		cli_usage(self(), "--max-body must be a size from 1K to 64G such "
			  "as 16M, 1G or 65536, not '%s'", arg);
	return (uint64_t)n << shift;
}

static void print_news(void *payload, const char *line)
{
	(void)payload;
	fprintf(stderr, "cairn serve: %s\n", line);
	fflush(stderr);
}

int cmd_serve(int argc, char **argv, struct cli_ctx *ctx)
{
	static const struct option opts[] = {
		{ "host", required_argument, NULL, 'H' },
		{ "port", required_argument, NULL, 'p' },
		{ "name", required_argument, NULL, 'n' },
		{ "keep", required_argument, NULL, 'k' },
		{ "canary", required_argument, NULL, 'c' },
		{ "shadow", required_argument, NULL, 's' },
		{ "max-error-rate", required_argument, NULL, 'e' },
		{ "max-p99-ms", required_argument, NULL, 'l' },
		{ "window", required_argument, NULL, 'w' },
		{ "python", required_argument, NULL, 'y' },
		{ "timeout", required_argument, NULL, 't' },
		{ "poll-ms", required_argument, NULL, 'P' },
		{ "threads", required_argument, NULL, 'T' },
		{ "max-body", required_argument, NULL, 'B' },
		{ NULL, 0, NULL, 0 },
	};
	struct serve_options o;
	struct serve_runtime *rt = NULL;
	struct serve_http *h = NULL;
	const char *host = "127.0.0.1";
	unsigned port = 8080, threads = 2;
	uint64_t max_body = 0;
	char *canary = NULL;
	struct buf url = BUF_INIT;
	cairn_repo *repo;
	sigset_t stop;
	int opt, sig;

	memset(&o, 0, sizeof(o));
	serve_slo_init(&o.slo);
	o.keep = 2;
	o.poll_ms = 250;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'H':
			host = optarg;
			break;
		case 'p':
			port = cli_parse_number(self(), optarg,
					"--port", 0, 65535);
			break;
		case 'n':
			o.name = optarg;
			break;
		case 'k':
			o.keep = cli_parse_number(self(), optarg,
					"--keep", 1, 64);
			break;
		case 'c':
			free(canary);
			canary = cli_parse_canary(self(), optarg, &o.canary_percent);
			break;
		case 's':
			o.shadow_uri = optarg;
			break;
		case 'e':
			if (serve_slo_parse_rate(&o.slo.max_error_rate, optarg) < 0)
				cli_usage(self(), "--max-error-rate must be a rate "
					  "such as 1%% or 0.01, not '%s'", optarg);
			o.guard = 1;
			break;
		case 'l':
			if (serve_slo_parse_ms(&o.slo.max_p99_ms, optarg) < 0)
				cli_usage(self(), "--max-p99-ms must be milliseconds "
					  "such as 50 or 50ms, not '%s'", optarg);
			o.guard = 1;
			break;
		case 'w':
			if (serve_slo_parse_window(&o.slo.window_s, optarg) < 0)
				cli_usage(self(), "--window must be a duration from "
					  "1s to 1h such as 60s or 2m, not '%s'",
					  optarg);
			break;
		case 'y':
			o.flavor.python = optarg;
			break;
		case 't':
			o.flavor.timeout_ms = (int)cli_parse_number(
				self(), optarg, "--timeout", 1, 3600000);
			break;
		case 'P':
			o.poll_ms = cli_parse_number(self(), optarg,
					"--poll-ms", 10, 60000);
			break;
		case 'T':
			threads = cli_parse_number(self(), optarg,
					"--threads", 1, 256);
			break;
		case 'B':
			max_body = parse_size(optarg);
			break;
		default:
			cli_usage(self(), NULL);
		}
	}
	if (optind >= argc)
		cli_usage(self(), "which model? such as models:/churn@production");
	if (optind + 1 < argc)
		cli_usage(self(), "unexpected argument '%s'", argv[optind + 1]);
	if (!*host)
		cli_usage(self(), "--host needs an address");
	o.uri = argv[optind];
	o.canary_uri = canary;
	if (!o.flavor.python) {
		const char *py = getenv("CAIRN_PYTHON");

		o.flavor.python = py && *py ? py : "python3";
	}
	o.flavor.threads = 1;
	o.log = print_news;

	/* Before any thread starts, so every thread inherits the mask. */
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);

	repo = cli_open_tracking(ctx);
	if (serve_runtime_open(&rt, repo, &o) < 0) {
		cli_error("cannot serve %s: %s", o.uri, cairn_error_last()->message);
		cairn_repo_free(repo);
		free(canary);
		return EXIT_FAIL;
	}
	if (serve_http_start(&h, rt, host, port, threads, max_body) < 0) {
		cli_lib_error();
		serve_runtime_free(rt);
		free(canary);
		return EXIT_FAIL;
	}
	buf_printf(&url, "http://%s%s%s:%u", strchr(host, ':') ? "[" : "", host,
		   strchr(host, ':') ? "]" : "", serve_http_port(h));
	/* Before the follow thread starts, which may change the primary. */
	fprintf(stderr, "cairn serve: deployment %s serving %s (%s) on %s\n",
		serve_runtime_name(rt), serve_runtime_primary(rt), o.uri, url.ptr);
	fflush(stderr);
	if (serve_runtime_begin(rt, url.ptr) < 0) {
		cli_lib_error();
		serve_http_free(h);
		serve_runtime_free(rt);
		buf_release(&url);
		free(canary);
		return EXIT_FAIL;
	}

	while (sigwait(&stop, &sig) != 0)
		;
	fprintf(stderr, "cairn serve: stopping (%s)\n",
		sig == SIGINT ? "SIGINT" : "SIGTERM");
	serve_http_quiesce(h);
	while (serve_http_in_flight(h) > 0) {
		struct timespec tick = { 0, 10 * 1000 * 1000 };

		if (sigtimedwait(&stop, NULL, &tick) > 0)
			break; /* asked again: stop now */
	}
	serve_http_free(h);
	serve_runtime_end(rt);
	serve_runtime_free(rt);
	buf_release(&url);
	free(canary);
	return 0;
}
