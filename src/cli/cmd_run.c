/*
 * cmd_run.c: `cairn run [options] -- COMMAND...`: track a training command
 * without changing it.
 *
 * Order of events:
 *   1. the command is looked up first: one that does not exist or is not
 *      executable is an error before anything is recorded;
 *   2. a run is created (RUNNING), with -p params and the data inputs:
 *      --input / --eval-input paths, and every argument of the command
 *      that is a tracked path or a pointer file;
 *   3. what produced the result is captured: git commit, branch, remote
 *      and dirty state (the dirty diff is stored as an artifact and named
 *      by its id), OS, kernel, CPU, memory, for Python commands the
 *      interpreter and its packages, and the lock and environment files;
 *   4. the command runs with CAIRN_RUN_ID set, and MLFLOW_TRACKING_URI and
 *      MLFLOW_RUN_ID naming the run (so MLflow-instrumented scripts log
 *      into it unchanged): on the cairn server tracking goes to (see
 *      cairn_repo_open_tracking()), else on a private server on a loopback
 *      port, with CAIRN_TRACKING_URI naming the project so that `cairn`
 *      inside the command uses the store directly; its output goes to the
 *      terminal and into the artifact cairn/output.log; SIGINT and SIGTERM
 *      go to the command;
 *   5. the run ends FINISHED (exit 0), FAILED (other exit) or KILLED (a
 *      signal, or one received by cairn), with the exit status, duration
 *      and command line as tags; cairn exits as the command did.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "lib/envcap.h"
#include "server/http.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/child.h"
#include "util/fs.h"
#include "util/hash.h"
#include "util/banned.h"

static const struct cmd *self(void)
{
	return cmd_lookup("run");
}

/* Whether argv[0] can be run: 0, or print why not and return EXIT_FAIL. */
static int check_command(const char *name)
{
	const char *path = getenv("PATH");
	struct stat st;

	if (strchr(name, '/')) {
		if (stat(name, &st) < 0)
			return cli_error("'%s': no such file", name);
		if (!S_ISREG(st.st_mode) || access(name, X_OK) < 0)
			return cli_error("'%s': not an executable file", name);
		return 0;
	}
	for (const char *p = path ? path : "/usr/bin:/bin"; *p;) {
		const char *colon = strchr(p, ':');
		size_t n = colon ? (size_t)(colon - p) : strlen(p);
		struct buf full = BUF_INIT;
		int ok;

		buf_add(&full, n ? p : ".", n ? n : 1);
		buf_addch(&full, '/');
		buf_puts(&full, name);
		ok = stat(full.ptr, &st) == 0 && S_ISREG(st.st_mode) &&
		     access(full.ptr, X_OK) == 0;
		buf_release(&full);
		if (ok)
			return 0;
		p += n + (colon ? 1 : 0);
	}
	return cli_error("'%s': command not found", name);
}

/* The command line, shell-quoted where needed. */
static void quote_command(struct buf *out, char *const *argv)
{
	for (size_t i = 0; argv[i]; i++) {
		const char *a = argv[i];

		if (i)
			buf_addch(out, ' ');
		if (*a && strspn(a, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				    "0123456789-_./=:,+@%") == strlen(a)) {
			buf_puts(out, a);
			continue;
		}
		buf_addch(out, '\'');
		for (; *a; a++) {
			if (*a == '\'')
				buf_puts(out, "'\\''");
			else
				buf_addch(out, *a);
		}
		buf_addch(out, '\'');
	}
}

static int tag(cairn_repo *repo, const char *run, const char *key,
	       const char *value)
{
	if (!value)
		return 0;
	if (cairn_set_tag(repo, run, key, value) < 0)
		return cli_lib_error();
	return 0;
}

/* Store bytes as artifact cairn/NAME and tag KEY with their id. */
static int store_bytes(cairn_repo *repo, const char *run, const char *name,
		       const char *key, const void *data, size_t len)
{
	char dir[] = "/tmp/cairn-run-XXXXXX", *path;
	char id[CAIRN_OID_STRLEN + 1];
	cairn_oid oid;
	int err = 0;

	if (!mkdtemp(dir))
		return cli_error("cannot create a temporary directory: %s", strerror(errno));
	path = path_join(dir, name);
	if (fs_write_atomic(path, data, len, 0644) < 0 ||
	    cairn_log_artifact(repo, run, path, "cairn") < 0)
		err = cli_lib_error();
	unlink(path);
	rmdir(dir);
	free(path);
	if (!err && key) {
		hash_buffer(&oid, data, len);
		cairn_oid_fmt(id, &oid);
		err = tag(repo, run, key, id);
	}
	return err;
}

static int capture(cairn_repo *repo, const char *run, char *const *argv,
		   const char *python)
{
	struct envcap e;
	char *py = NULL;
	struct buf key = BUF_INIT;
	size_t i;
	int err = 0;

	envcap_init(&e);
	if (envcap_code(&e, ".") < 0 || envcap_system(&e) < 0 ||
	    envcap_lock_files(&e, ".") < 0)
		cli_error("warning: %s", cairn_error_last()->message);
	if (python || envcap_python_of_command(&py, (const char *const *)argv) == 1)
		if (envcap_python(&e, python ? python : py) < 0)
			cli_error("warning: %s", cairn_error_last()->message);
	err |= tag(repo, run, "mlflow.source.type", "LOCAL");
	err |= tag(repo, run, "mlflow.source.name", argv[argv[1] && py ? 1 : 0]);
	err |= tag(repo, run, "mlflow.source.git.commit", e.git_commit);
	err |= tag(repo, run, "mlflow.source.git.branch", e.git_branch);
	err |= tag(repo, run, "mlflow.source.git.repoURL", e.git_remote_url);
	if (e.git_dirty >= 0)
		err |= tag(repo, run, "cairn.git.dirty", e.git_dirty ? "true" : "false");
	if (e.git_dirty > 0 && e.git_diff.len)
		err |= store_bytes(repo, run, "code.diff", "cairn.git.diff", e.git_diff.ptr,
				   e.git_diff.len);
	for (i = 0; i < e.nsystem; i++) {
		buf_reset(&key);
		buf_printf(&key, "cairn.env.%s", e.system[i].key);
		err |= tag(repo, run, key.ptr, e.system[i].value);
	}
	err |= tag(repo, run, "cairn.python.version", e.python_version);
	err |= tag(repo, run, "cairn.python.executable", e.python_executable);
	if (e.python_packages.len)
		err |= store_bytes(repo, run, "python-packages.txt", "cairn.python.packages",
				   e.python_packages.ptr, e.python_packages.len);
	for (i = 0; i < e.nlock_files; i++) {
		struct buf content = BUF_INIT;
		char id[CAIRN_OID_STRLEN + 1];
		cairn_oid oid;

		if (fs_read_file_max(&content, e.lock_files[i], 64 << 20) < 0)
			continue;
		hash_buffer(&oid, content.ptr, content.len);
		cairn_oid_fmt(id, &oid);
		buf_reset(&key);
		buf_printf(&key, "cairn.lockfile.%s", e.lock_files[i]);
		err |= tag(repo, run, key.ptr, id);
		if (cairn_log_artifact(repo, run, e.lock_files[i], "cairn/lockfiles") < 0)
			err |= cli_lib_error();
		buf_release(&content);
	}
	buf_release(&key);
	free(py);
	envcap_release(&e);
	return err ? EXIT_FAIL : 0;
}

/* Store the captured output as the artifact cairn/output.log. */
static int store_output(cairn_repo *repo, const char *run, const char *logpath)
{
	char dir[] = "/tmp/cairn-run-XXXXXX";
	char *stored;
	int err;

	if (!mkdtemp(dir))
		return cairn_error_set_os("cannot create a temporary directory");
	stored = path_join(dir, "output.log");
	if (rename(logpath, stored) < 0)
		err = cairn_error_set_os("cannot move '%s'", logpath);
	else
		err = cairn_log_artifact(repo, run, stored, "cairn");
	unlink(stored);
	rmdir(dir);
	free(stored);
	return err;
}

/* Log the data inputs: --input paths, and tracked paths among the args. */
static int log_inputs(cairn_repo *repo, const char *run, char **inputs,
		      size_t ninputs, char **evals, size_t nevals, char *const *argv)
{
	size_t i;

	for (i = 0; i < ninputs; i++)
		if (cairn_log_input(repo, run, inputs[i], "training") < 0)
			return cli_lib_error();
	for (i = 0; i < nevals; i++)
		if (cairn_log_input(repo, run, evals[i], "evaluation") < 0)
			return cli_lib_error();
	for (i = 1; argv[i]; i++) {
		struct buf ptr = BUF_INIT;
		const char *a = argv[i], *eq = strchr(a, '=');
		int tracked;

		/* "--data=train.csv" names train.csv too. */
		if (a[0] == '-' && eq)
			a = eq + 1;
		buf_puts(&ptr, a);
		if (ptr.len < 6 || strcmp(ptr.ptr + ptr.len - 6, ".cairn"))
			buf_puts(&ptr, ".cairn");
		tracked = *a && a[0] != '-' && fs_exists(ptr.ptr);
		buf_release(&ptr);
		if (tracked && cairn_log_input(repo, run, a, "training") < 0)
			cli_error("warning: input '%s': %s", a, cairn_error_last()->message);
	}
	return 0;
}

int cmd_run(int argc, char **argv, struct cli_ctx *ctx)
{
	static const struct option opts[] = {
		{ "experiment", required_argument, NULL, 'e' },
		{ "name", required_argument, NULL, 'n' },
		{ "param", required_argument, NULL, 'p' },
		{ "input", required_argument, NULL, 'i' },
		{ "eval-input", required_argument, NULL, 'E' },
		{ "python", required_argument, NULL, 'P' },
		{ "tag", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	cairn_run_create_options o = CAIRN_RUN_CREATE_OPTIONS_INIT;
	char **params = xcalloc((size_t)argc, sizeof(char *));
	char **inputs = xcalloc((size_t)argc, sizeof(char *));
	char **evals = xcalloc((size_t)argc, sizeof(char *));
	char **tags = xcalloc((size_t)argc, sizeof(char *));
	size_t nparams = 0, ninputs = 0, nevals = 0, ntags = 0, i;
	const char *python = getenv("CAIRN_PYTHON");
	cairn_buf run = CAIRN_BUF_INIT;
	struct child_result res;
	struct child_options co;
	struct buf env = BUF_INIT, cmdline = BUF_INIT, num = BUF_INIT;
	char *logpath = NULL;
	const char *env_add[5];
	struct buf mlflow_uri = BUF_INIT, mlflow_run = BUF_INIT, local_uri = BUF_INIT;
	struct http_server *srv = NULL;
	size_t n_env;
	int err;
	cairn_repo *repo;
	cairn_run_status status;
	int opt, ret = EXIT_FAIL, logfd = -1;
	char **command;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "+e:n:p:i:", opts, NULL)) != -1) {
		switch (opt) {
		case 'e':
			o.experiment = optarg;
			break;
		case 'n':
			o.name = optarg;
			break;
		case 'p':
			if (!strchr(optarg, '='))
				cli_usage(self(), "-p takes KEY=VALUE, not '%s'", optarg);
			params[nparams++] = optarg;
			break;
		case 'i':
			inputs[ninputs++] = optarg;
			break;
		case 'E':
			evals[nevals++] = optarg;
			break;
		case 'P':
			python = optarg;
			break;
		case 't':
			if (!strchr(optarg, '='))
				cli_usage(self(), "--tag takes KEY=VALUE, not '%s'", optarg);
			tags[ntags++] = optarg;
			break;
		default:
			cli_usage(self(), NULL);
		}
	}
	if (optind >= argc)
		cli_usage(self(), "no command to run (put it after --)");
	command = argv + optind;
	if (check_command(command[0]))
		goto out;
	/* Refuse bad input before anything is recorded. */
	for (i = 0; i < nparams + ntags; i++) {
		char *kv = i < nparams ? params[i] : tags[i - nparams];
		char *eq = strchr(kv, '=');
		int bad;

		*eq = '\0';
		bad = cairn_validate(i < nparams ? "param" : "tag", kv, eq + 1) < 0;
		*eq = '=';
		if (bad) {
			cli_lib_error();
			goto out;
		}
	}
	repo = cli_open_tracking(ctx);
	if (o.experiment) {
		/* Like mlflow.set_experiment(): a new name makes the experiment. */
		cairn_experiment *e = NULL;
		cairn_buf id = CAIRN_BUF_INIT;

		if (cairn_experiment_lookup(&e, repo, o.experiment) == CAIRN_ENOTFOUND &&
		    strspn(o.experiment, "0123456789") != strlen(o.experiment)) {
			if (cairn_experiment_create(&id, repo, o.experiment) < 0) {
				cli_lib_error();
				cairn_repo_free(repo);
				goto out;
			}
			fprintf(stderr, "cairn: created experiment '%s' (id %s)\n",
				o.experiment, id.ptr);
		}
		cairn_experiment_free(e);
		cairn_buf_dispose(&id);
	}
	for (i = 0; i < ninputs + nevals; i++) {
		cairn_data_version *v = NULL;
		const char *spec = i < ninputs ? inputs[i] : evals[i - ninputs];

		if (cairn_data_lookup(&v, repo, spec) < 0) {
			cli_lib_error();
			cairn_repo_free(repo);
			goto out;
		}
		cairn_data_version_free(v);
	}
	if (cairn_run_create(&run, repo, &o) < 0) {
		cli_lib_error();
		goto done;
	}
	for (i = 0; i < nparams; i++) {
		char *eq = strchr(params[i], '=');

		*eq = '\0';
		if (cairn_log_param(repo, run.ptr, params[i], eq + 1) < 0) {
			cli_lib_error();
			goto fail_run;
		}
	}
	for (i = 0; i < ntags; i++) {
		char *eq = strchr(tags[i], '=');

		*eq = '\0';
		if (cairn_set_tag(repo, run.ptr, tags[i], eq + 1) < 0) {
			cli_lib_error();
			goto fail_run;
		}
	}
	quote_command(&cmdline, command);
	if (log_inputs(repo, run.ptr, inputs, ninputs, evals, nevals, command) ||
	    tag(repo, run.ptr, "cairn.command", cmdline.ptr) ||
	    capture(repo, run.ptr, command, python))
		goto fail_run;

	/*
	 * Without a server to track on, a private one on a loopback port, for
	 * the command's lifetime, so a script instrumented with the MLflow
	 * client logs into this run with no set-up at all.
	 */
	if (cairn_repo_tracking_uri(repo)) {
		buf_printf(&mlflow_uri, "MLFLOW_TRACKING_URI=%s",
			   cairn_repo_tracking_uri(repo));
	} else {
		struct http_server_options so = { "127.0.0.1", 0,
						  cairn_repo_workdir(repo), 2, 60, 0,
						  NULL };

		if (http_server_start(&srv, &so) < 0) {
			cli_error("warning: no MLflow endpoint for the command: %s",
				  cairn_error_last()->message);
			srv = NULL;
		} else {
			buf_printf(&mlflow_uri, "MLFLOW_TRACKING_URI=http://127.0.0.1:%u",
				   http_server_port(srv));
		}
		buf_printf(&local_uri, "CAIRN_TRACKING_URI=%s", cairn_repo_workdir(repo));
	}
	fprintf(stderr, "cairn: run %s started\n", run.ptr);
	logfd = fs_mkstemp(&logpath, "/tmp", "cairn-output-");
	buf_printf(&env, "CAIRN_RUN_ID=%s", run.ptr);
	env_add[0] = env.ptr;
	n_env = 1;
	if (mlflow_uri.len) {
		buf_printf(&mlflow_run, "MLFLOW_RUN_ID=%s", run.ptr);
		env_add[n_env++] = mlflow_uri.ptr;
		env_add[n_env++] = mlflow_run.ptr;
	}
	if (local_uri.len)
		env_add[n_env++] = local_uri.ptr;
	env_add[n_env] = NULL;
	co.argv = (const char *const *)command;
	co.env_add = env_add;
	co.log_fd = logfd >= 0 ? logfd : -1;
	fflush(stdout);
	fflush(stderr);
	err = child_run(&res, &co);
	if (srv) {
		http_server_quiesce(srv);
		while (http_server_in_flight(srv) > 0)
			usleep(1000);
		http_server_free(srv);
		srv = NULL;
	}
	if (err < 0) {
		cli_lib_error();
		goto fail_run;
	}
	if (res.received_signal || res.signaled)
		status = CAIRN_RUN_KILLED;
	else
		status = res.exit_code == 0 ? CAIRN_RUN_FINISHED : CAIRN_RUN_FAILED;
	if (res.exited) {
		buf_printf(&num, "%d", res.exit_code);
		tag(repo, run.ptr, "cairn.exit_code", num.ptr);
	} else {
		buf_printf(&num, "%d", res.term_signal);
		tag(repo, run.ptr, "cairn.signal", num.ptr);
	}
	buf_reset(&num);
	buf_printf(&num, "%lld", (long long)res.duration_ms);
	tag(repo, run.ptr, "cairn.duration_ms", num.ptr);
	if (res.log_errno)
		cli_error("warning: the copy of the output is incomplete: %s",
			  strerror(res.log_errno));
	if (logfd < 0 || res.log_errno)
		tag(repo, run.ptr, "cairn.output.incomplete", "true");
	if (logfd >= 0 && store_output(repo, run.ptr, logpath) < 0)
		cli_lib_error();
	if (cairn_run_update(repo, run.ptr, status, 0, NULL) < 0)
		cli_lib_error();
	fprintf(stderr, "cairn: run %s %s in %.1f s\n", run.ptr,
		cairn_run_status_name(status), (double)res.duration_ms / 1000.0);
	ret = res.exited ? res.exit_code : 128 + res.term_signal;
	if (res.exited && res.received_signal && res.exit_code == 0)
		ret = 128 + res.received_signal;
	goto done;
fail_run:
	cairn_run_update(repo, run.ptr, CAIRN_RUN_FAILED, 0, NULL);
done:
	if (logfd >= 0)
		close(logfd);
	if (logpath) {
		unlink(logpath);
		free(logpath);
	}
	cairn_buf_dispose(&run);
	cairn_repo_free(repo);
out:
	if (srv)
		http_server_free(srv);
	buf_release(&env);
	buf_release(&mlflow_uri);
	buf_release(&mlflow_run);
	buf_release(&local_uri);
	buf_release(&cmdline);
	buf_release(&num);
	free(params);
	free(inputs);
	free(evals);
	free(tags);
	return ret;
}
