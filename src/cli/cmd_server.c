/*
 * cmd_server.c: `cairn server`: MLflow's REST API and artifact proxy over
 * the project's store (src/server/).
 *
 * The store is opened once here to fail early and to resolve the project
 * directory; the server's threads open their own handles on it. SIGINT
 * and SIGTERM are blocked before any thread starts (so every thread
 * inherits the mask) and taken with sigwait(): the first stops accepting
 * connections and waits for the requests already received to be
 * answered, a second one stops at once. Exit status 0 either way.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "server/http.h"
#include "util/alloc.h"
#include "util/banned.h"

static const struct cmd *self(void)
{
	return cmd_lookup("server");
}

int cmd_server(int argc, char **argv, struct cli_ctx *ctx)
{
	static const struct option opts[] = {
		{ "host", required_argument, NULL, 'H' },
		{ "port", required_argument, NULL, 'p' },
		{ "store", required_argument, NULL, 's' },
		{ "workers", required_argument, NULL, 'w' },
		{ NULL, 0, NULL, 0 },
	};
	struct http_server_options o = { "127.0.0.1", 5000, NULL, 2, 60, 0, NULL };
	struct http_server *srv = NULL;
	const char *store = NULL;
	cairn_repo *repo = NULL;
	sigset_t stop;
	char *dir;
	int opt, sig, err;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'H':
			o.host = optarg;
			break;
		case 'p':
			o.port = cli_parse_number(self(), optarg,
					"--port", 0, 65535);
			break;
		case 's':
			store = optarg;
			break;
		case 'w':
			o.workers = cli_parse_number(self(), optarg,
					"--workers", 1, 256);
			break;
		default:
			cli_usage(self(), NULL);
		}
	}
	if (optind < argc)
		cli_usage(self(), "unexpected argument '%s'", argv[optind]);
	if (!*o.host)
		cli_usage(self(), "--host needs an address");
	if (store) {
		if (cairn_repo_open(&repo, store) < 0)
			cli_die("%s", cairn_error_last()->message);
	} else {
		repo = cli_open_repo(ctx);
	}
	dir = xstrdup(cairn_repo_workdir(repo));
	cairn_repo_free(repo);
	o.store = dir;

	/* Writes into a closed download pipe must fail, not kill us. */
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);

	if ((err = http_server_start(&srv, &o)) < 0) {
		cli_lib_error();
		free(dir);
		return EXIT_FAIL;
	}
	fprintf(stderr, "cairn server listening on http://%s%s%s:%u (store %s)\n",
		strchr(o.host, ':') ? "[" : "", o.host,
		strchr(o.host, ':') ? "]" : "", http_server_port(srv), dir);
	fflush(stderr);

	while (sigwait(&stop, &sig) != 0)
		;
	fprintf(stderr, "cairn server: stopping (%s)\n",
		sig == SIGINT ? "SIGINT" : "SIGTERM");
	http_server_quiesce(srv);
	while (http_server_in_flight(srv) > 0) {
		struct timespec tick = { 0, 10 * 1000 * 1000 };

		if (sigtimedwait(&stop, NULL, &tick) > 0)
			break; /* asked again: stop now */
	}
	http_server_free(srv);
	free(dir);
	return 0;
}
