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
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include <time.h>
#include <unistd.h>

#include "util/alloc.h"
#include "util/buf.h"
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

/*
 * Points of `log metrics -` waiting to be sent. A line's points go
 * together; lines accumulate until 1000 points, the end of the input, or
 * a moment when no more input is ready, so a live stream lands line by
 * line while a file goes in batches of 1000 (one round trip each against
 * a server). The keys live in the lines' JSON objects, kept until sent.
 */
struct pending {
	cairn_metric m[1000];
	json_t *objs[1000];
	size_t n, nobjs, first_line;
};

static int flush(struct pending *p, cairn_repo *repo, const char *run)
{
	int err = 0;
	size_t i;

	if (p->n && cairn_log_metrics(repo, run, p->m, p->n) < 0)
		err = cli_error("stdin line %zu: %s", p->first_line,
				cairn_error_last()->message);
	for (i = 0; i < p->nobjs; i++)
		json_decref(p->objs[i]);
	p->n = p->nobjs = 0;
	return err;
}

/* One line's points into p (sent first if they would not fit). */
static int add_line(struct pending *p, cairn_repo *repo, const char *run,
		    const char *line, size_t n, size_t lineno)
{
	json_error_t jerr;
	json_t *obj, *v;
	const char *key;
	cairn_metric m[1000];
	size_t count = 0;
	json_int_t step = 0, ts = 0;
	int err = 0;

	if (strspn(line, " \t\r\n") >= n)
		return 0;
	obj = json_loadb(line, n, 0, &jerr);
	if (!obj || !json_is_object(obj)) {
		json_decref(obj);
		return flush(p, repo, run) ||
		       cli_error("stdin line %zu: not a JSON object%s%s", lineno,
				 obj ? "" : ": ", obj ? "" : jerr.text);
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
		/* Checked here, so a bad line never takes its batch down. */
		if (cairn_validate("metric", key, NULL) < 0 ||
		    (ts < 0 && cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
						"Metric '%s' has a negative timestamp",
						key) < 0)) {
			err = cli_error("stdin line %zu: %s", lineno,
					cairn_error_last()->message);
			break;
		}
		m[count].key = key;
		m[count].value = d;
		m[count].step = step;
		m[count++].timestamp = ts;
	}
	if (err) {
		json_decref(obj);
		return flush(p, repo, run) || err;
	}
	if (p->n + count > 1000 && (err = flush(p, repo, run))) {
		json_decref(obj);
		return err;
	}
	if (!p->n)
		p->first_line = lineno;
	memcpy(p->m + p->n, m, count * sizeof(*m));
	p->n += count;
	p->objs[p->nobjs++] = obj;
	return 0;
}

static int log_metrics_stdin(cairn_repo *repo, const char *run)
{
	struct pending *p = xcalloc(1, sizeof(*p));
	struct buf in = BUF_INIT;
	size_t off = 0, lineno = 0;
	int err = 0, eof = 0;

	while (!err) {
		char *nl = in.len > off ? memchr(in.ptr + off, '\n', in.len - off) : NULL;
		struct pollfd pfd = { 0, POLLIN, 0 };
		size_t n;
		ssize_t got;

		if (!nl && !eof) {
			/* Nothing more ready: what is pending goes now. */
			if (p->n && poll(&pfd, 1, 0) == 0 && (err = flush(p, repo, run)))
				break;
			if (off) {
				memmove(in.ptr, in.ptr + off, in.len - off);
				buf_setlen(&in, in.len - off);
				off = 0;
			}
			buf_grow(&in, 65536);
			got = read(0, in.ptr + in.len, 65536);
			if (got < 0 && errno == EINTR)
				continue;
			if (got < 0) {
				err = cli_error("cannot read stdin: %s", strerror(errno));
				break;
			}
			if (got == 0)
				eof = 1;
			else
				buf_setlen(&in, in.len + (size_t)got);
			continue;
		}
		if (!nl && off == in.len)
			break;
		n = nl ? (size_t)(nl - (in.ptr + off)) + 1 : in.len - off;
		err = add_line(p, repo, run, in.ptr + off, n, ++lineno);
		off += n;
	}
	if (!err)
		err = flush(p, repo, run);
	else
		flush(p, repo, run);
	buf_release(&in);
	free(p);
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
