/*
 * cmd_log.c: `cairn log ...`: logging into a run from a shell or any
 * language. The run is --run ID, else $CAIRN_RUN_ID (set by `cairn run`
 * for the command it wraps).
 *
 *   cairn log param KEY=VALUE...
 *   cairn log metric [--step N] [--timestamp MS] KEY=VALUE...
 *   cairn log metrics -        JSON lines on stdin, one object per step:
 *                              {"step": 3, "loss": 0.41, "acc": 0.87}
 *   cairn log tag KEY=VALUE...
 *   cairn log tag --delete KEY...
 *   cairn log input [--context C] PATH|NAME@vN...
 *   cairn log artifact [--path DIR] FILE|DIR...
 *   cairn log artifact --checkpoint STEP [--meta JSON] FILE
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "util/alloc.h"
#include <time.h>
#include "util/banned.h"

static const struct cmd *self(void)
{
	return cmd_lookup("log");
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int parse_i64(int64_t *out, const char *s)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || *end)
		return -1;
	*out = v;
	return 0;
}

static int parse_double(double *out, const char *s)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	/* Overflow gives +-inf and underflow a denormal or 0: both are values. */
	if (end == s || *end)
		return -1;
	return 0;
}

/* Split "key=value" in place; NULL if there is no '='. */
static char *split_kv(char *arg)
{
	char *eq = strchr(arg, '=');

	if (!eq)
		return NULL;
	*eq = '\0';
	return eq + 1;
}

static int log_metrics_stdin(cairn_repo *repo, const char *run)
{
	char *line = NULL;
	size_t cap = 0, lineno = 0;
	ssize_t n;
	int err = 0;

	while (!err && (n = getline(&line, &cap, stdin)) > 0) {
		json_error_t jerr;
		json_t *obj, *v;
		const char *key;
		cairn_metric m[1000];
		size_t count = 0;
		json_int_t step = 0, ts = 0;

		lineno++;
		if (strspn(line, " \t\r\n") == (size_t)n)
			continue;
		obj = json_loadb(line, (size_t)n, 0, &jerr);
		if (!obj || !json_is_object(obj)) {
			json_decref(obj);
			err = cli_error("stdin line %zu: not a JSON object%s%s", lineno,
					obj ? "" : ": ", obj ? "" : jerr.text);
			break;
		}
		if ((v = json_object_get(obj, "step")) && !json_is_integer(v))
			err = cli_error("stdin line %zu: 'step' must be an integer", lineno);
		step = v ? json_integer_value(v) : 0;
		if ((v = json_object_get(obj, "timestamp")) && !json_is_integer(v))
			err = cli_error("stdin line %zu: 'timestamp' must be an integer", lineno);
		ts = v ? json_integer_value(v) : now_ms();
		json_object_foreach(obj, key, v) {
			double d;

			if (err || !strcmp(key, "step") || !strcmp(key, "timestamp"))
				continue;
			if (json_is_number(v))
				d = json_number_value(v);
			else if (!json_is_string(v) || parse_double(&d, json_string_value(v)) < 0) {
				err = cli_error("stdin line %zu: metric '%s' is not a number",
						lineno, key);
				break;
			}
			if (count == 1000) {
				err = cli_error("stdin line %zu: more than 1000 metrics", lineno);
				break;
			}
			m[count].key = key;
			m[count].value = d;
			m[count].step = step;
			m[count++].timestamp = ts;
		}
		if (!err && count && cairn_log_metrics(repo, run, m, count) < 0)
			err = cli_error("stdin line %zu: %s", lineno,
					cairn_error_last()->message);
		json_decref(obj);
	}
	free(line);
	return err;
}

int cmd_log(int argc, char **argv, struct cli_ctx *ctx)
{
	static const struct option opts[] = {
		{ "run", required_argument, NULL, 'r' },
		{ "step", required_argument, NULL, 's' },
		{ "timestamp", required_argument, NULL, 't' },
		{ "context", required_argument, NULL, 'c' },
		{ "path", required_argument, NULL, 'p' },
		{ "checkpoint", required_argument, NULL, 'k' },
		{ "meta", required_argument, NULL, 'M' },
		{ "delete", no_argument, NULL, 'D' },
		{ NULL, 0, NULL, 0 },
	};
	const char *what, *run_spec = getenv("CAIRN_RUN_ID"), *context = "";
	const char *artifact_dir = NULL, *meta = NULL;
	int64_t step = 0, ts = -1, checkpoint = 0;
	int is_checkpoint = 0, delete = 0;
	cairn_buf run = CAIRN_BUF_INIT;
	cairn_repo *repo;
	int opt, i, err = 0;

	if (argc < 2)
		cli_usage(self(), NULL);
	what = argv[1];
	optind = 0;
	while ((opt = getopt_long(argc - 1, argv + 1, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'r':
			run_spec = optarg;
			break;
		case 's':
			if (parse_i64(&step, optarg) < 0)
				cli_usage(self(), "--step needs an integer, not '%s'", optarg);
			break;
		case 't':
			if (parse_i64(&ts, optarg) < 0 || ts < 0)
				cli_usage(self(), "--timestamp needs milliseconds, not '%s'", optarg);
			break;
		case 'c':
			context = optarg;
			break;
		case 'p':
			artifact_dir = optarg;
			break;
		case 'k':
			if (parse_i64(&checkpoint, optarg) < 0)
				cli_usage(self(), "--checkpoint needs a step number, not '%s'",
					  optarg);
			is_checkpoint = 1;
			break;
		case 'M':
			meta = optarg;
			break;
		case 'D':
			delete = 1;
			break;
		default:
			cli_usage(self(), NULL);
		}
	}
	argc -= 1 + optind;
	argv += 1 + optind;
	if (strcmp(what, "param") && strcmp(what, "metric") && strcmp(what, "metrics") &&
	    strcmp(what, "tag") && strcmp(what, "input") && strcmp(what, "artifact"))
		cli_usage(self(), "cannot log '%s'", what);
	if (!strcmp(what, "metrics") ? (argc != 1 || strcmp(argv[0], "-")) : argc < 1)
		cli_usage(self(), "nothing to log");
	if (delete && strcmp(what, "tag"))
		cli_usage(self(), "--delete goes with 'log tag'");
	if (is_checkpoint && (strcmp(what, "artifact") || argc != 1))
		cli_usage(self(), "--checkpoint takes one file, with 'log artifact'");
	if (!run_spec || !*run_spec)
		cli_usage(self(), "no run: give --run ID, or run inside 'cairn run'");
	repo = cli_open_tracking(ctx);
	if (cairn_run_resolve(&run, repo, run_spec) < 0) {
		err = cli_lib_error();
		goto done;
	}
	if (!strcmp(what, "metrics")) {
		err = log_metrics_stdin(repo, run.ptr);
		goto done;
	}
	if (!strcmp(what, "artifact")) {
		for (i = 0; i < argc && !err; i++) {
			if (is_checkpoint)
				err = cairn_log_checkpoint(repo, run.ptr, argv[i], checkpoint,
							   meta);
			else
				err = cairn_log_artifact(repo, run.ptr, argv[i], artifact_dir);
			if (err < 0)
				err = cli_lib_error();
		}
		goto done;
	}
	for (i = 0; delete && i < argc && !err; i++)
		if (cairn_delete_tag(repo, run.ptr, argv[i]) < 0)
			err = cli_lib_error();
	if (delete)
		goto done;
	for (i = 0; i < argc && !err; i++) {
		char *value = strcmp(what, "input") ? split_kv(argv[i]) : NULL;
		double d;

		if (strcmp(what, "input") && !value) {
			err = cli_error("'%s' is not KEY=VALUE", argv[i]);
			break;
		}
		if (!strcmp(what, "param")) {
			err = cairn_log_param(repo, run.ptr, argv[i], value);
		} else if (!strcmp(what, "tag")) {
			err = cairn_set_tag(repo, run.ptr, argv[i], value);
		} else if (!strcmp(what, "input")) {
			err = cairn_log_input(repo, run.ptr, argv[i], context);
		} else {
			cairn_metric m = { argv[i], 0, ts >= 0 ? ts : now_ms(), step };

			if (parse_double(&d, value) < 0) {
				err = cli_error("metric '%s': '%s' is not a number", argv[i], value);
				break;
			}
			m.value = d;
			err = cairn_log_metrics(repo, run.ptr, &m, 1);
		}
		if (err < 0)
			err = cli_lib_error();
	}
done:
	cairn_buf_dispose(&run);
	cairn_repo_free(repo);
	return err ? EXIT_FAIL : 0;
}
