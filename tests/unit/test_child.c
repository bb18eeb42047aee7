/*
 * test_child.c: child_run(): exit codes and deaths by signal, output
 * relayed to our stdout and stderr and copied to the log (interleaved in
 * arrival order, 10 MB in full), the child's environment, stdin and
 * descriptors, missing and unrunnable commands, signals forwarded (also
 * once the child closed its output), a ^C typed at a terminal not
 * delivered twice, a grandchild holding the pipes, a closed stdout, a
 * failing log, and the caller's signal state restored afterwards.
 *
 * Our stdout and stderr are captured by dup2()ing temporary files onto
 * descriptors 1 and 2 for the length of one child_run() call; assertions
 * come after they are restored, so a failure is visible.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/child.h"
#include "util/fs.h"

static void assert_no_children(void)
{
	int status;

	assert_int_equal(waitpid(-1, &status, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/*
 * Descriptors open in this process. child_run() keeps its self-pipe open
 * from its first call on, so a count to compare is taken after one call.
 */
static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/* An anonymous temporary file (not close-on-exec, on purpose). */
static int tmp_fd(void)
{
	char path[] = "/tmp/cairn-test-child-XXXXXX";
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(unlink(path), 0);
	return fd;
}

/* The whole content of a file, read from offset 0. */
static void read_all(struct buf *b, int fd)
{
	char chunk[65536];
	off_t off = 0;
	ssize_t n;

	buf_reset(b);
	while ((n = pread(fd, chunk, sizeof(chunk), off)) > 0) {
		buf_add(b, chunk, (size_t)n);
		off += n;
	}
	assert_true(n == 0);
}

struct capture {
	int saved_out, saved_err;
	int out_fd, err_fd;
};

static void capture_start(struct capture *c)
{
	fflush(stdout);
	fflush(stderr);
	c->out_fd = tmp_fd();
	c->err_fd = tmp_fd();
	c->saved_out = dup(1);
	c->saved_err = dup(2);
	assert_true(c->saved_out >= 0 && c->saved_err >= 0);
	assert_int_equal(dup2(c->out_fd, 1), 1);
	assert_int_equal(dup2(c->err_fd, 2), 2);
}

/* Restore fds 1 and 2; the captured text goes to out and err. */
static void capture_stop(struct capture *c, struct buf *out, struct buf *err)
{
	assert_int_equal(dup2(c->saved_out, 1), 1);
	assert_int_equal(dup2(c->saved_err, 2), 2);
	close(c->saved_out);
	close(c->saved_err);
	if (out)
		read_all(out, c->out_fd);
	if (err)
		read_all(err, c->err_fd);
	close(c->out_fd);
	close(c->err_fd);
}

/* Run argv with our output captured and a log; returns child_run(). */
static int run_captured(struct child_result *res, const char *const *argv,
			const char *const *env_add, struct buf *out,
			struct buf *err, struct buf *log)
{
	struct child_options opts = { argv, env_add, -1 };
	struct capture c;
	int rc;

	opts.log_fd = log ? tmp_fd() : -1;
	capture_start(&c);
	rc = child_run(res, &opts);
	capture_stop(&c, out, err);
	if (log) {
		read_all(log, opts.log_fd);
		close(opts.log_fd);
	}
	return rc;
}

static int run_sh(struct child_result *res, const char *script,
		  struct buf *out, struct buf *err, struct buf *log)
{
	const char *argv[] = { "sh", "-c", script, NULL };

	return run_captured(res, argv, NULL, out, err, log);
}

static void test_exit_codes(void **state)
{
	const char *t[] = { "true", NULL }, *f[] = { "false", NULL };
	struct child_result res;

	(void)state;
	assert_int_equal(run_captured(&res, t, NULL, NULL, NULL, NULL), 0);
	assert_int_equal(res.exited, 1);
	assert_int_equal(res.exit_code, 0);
	assert_int_equal(res.signaled, 0);
	assert_int_equal(res.output_bytes, 0);
	assert_int_equal(res.received_signal, 0);
	assert_true(res.duration_ms >= 0 && res.duration_ms < 5000);

	assert_int_equal(run_captured(&res, f, NULL, NULL, NULL, NULL), 0);
	assert_int_equal(res.exited, 1);
	assert_int_equal(res.exit_code, 1);

	assert_int_equal(run_sh(&res, "exit 7", NULL, NULL, NULL), 0);
	assert_int_equal(res.exited, 1);
	assert_int_equal(res.exit_code, 7);
	assert_int_equal(res.signaled, 0);

	assert_int_equal(run_sh(&res, "sleep 0.2; exit 255", NULL, NULL,
				NULL), 0);
	assert_int_equal(res.exit_code, 255);
	assert_true(res.duration_ms >= 150 && res.duration_ms < 5000);
	assert_no_children();
}

static void test_killed_by_signal(void **state)
{
	struct child_result res;

	(void)state;
	assert_int_equal(run_sh(&res, "echo before; kill -KILL $$; echo after",
				NULL, NULL, NULL), 0);
	assert_int_equal(res.exited, 0);
	assert_int_equal(res.signaled, 1);
	assert_int_equal(res.term_signal, SIGKILL);
	assert_int_equal(res.output_bytes, 7);

	/* A child that ignores nothing dies of SIGPIPE by default, even
	 * though child_run() ignores it meanwhile. */
	assert_int_equal(run_sh(&res, "kill -PIPE $$; exit 0", NULL, NULL,
				NULL), 0);
	assert_int_equal(res.signaled, 1);
	assert_int_equal(res.term_signal, SIGPIPE);
	assert_no_children();
}

static void test_relay_and_log(void **state)
{
	struct buf out = BUF_INIT, err = BUF_INIT, log = BUF_INIT;
	struct child_result res;

	(void)state;
	assert_int_equal(run_sh(&res, "printf 'one\\ntwo'; printf 'oops\\n' >&2;"
				" exit 3", &out, &err, &log), 0);
	assert_int_equal(res.exit_code, 3);
	assert_string_equal(buf_cstr(&out), "one\ntwo");
	assert_string_equal(buf_cstr(&err), "oops\n");
	assert_int_equal(log.len, 12);
	assert_int_equal(res.output_bytes, 12);
	assert_int_equal(res.log_errno, 0);
	/* Which pipe is read first is not fixed when both hold data. */
	assert_true(strcmp(buf_cstr(&log), "one\ntwooops\n") == 0 ||
		    strcmp(buf_cstr(&log), "oops\none\ntwo") == 0);

	/* Binary output, NUL bytes included, passes through unchanged. */
	assert_int_equal(run_sh(&res, "printf 'a\\000b\\377'", &out, &err,
				&log), 0);
	assert_int_equal(out.len, 4);
	assert_memory_equal(out.ptr, "a\0b\377", 4);
	assert_int_equal(log.len, 4);
	assert_memory_equal(log.ptr, "a\0b\377", 4);
	assert_int_equal(err.len, 0);

	buf_release(&out);
	buf_release(&err);
	buf_release(&log);
	assert_no_children();
}

static void test_interleaving(void **state)
{
	struct buf out = BUF_INIT, err = BUF_INIT, log = BUF_INIT;
	struct child_result res;

	(void)state;
	assert_int_equal(run_sh(&res, "echo o1; sleep 0.1; echo e1 >&2; "
				"sleep 0.1; echo o2; sleep 0.1; echo e2 >&2; "
				"sleep 0.1; echo o3",
				&out, &err, &log), 0);
	assert_int_equal(res.exit_code, 0);
	assert_string_equal(buf_cstr(&log), "o1\ne1\no2\ne2\no3\n");
	assert_string_equal(buf_cstr(&out), "o1\no2\no3\n");
	assert_string_equal(buf_cstr(&err), "e1\ne2\n");
	assert_int_equal(res.output_bytes, 15);
	buf_release(&out);
	buf_release(&err);
	buf_release(&log);
	assert_no_children();
}

static void test_big_output(void **state)
{
	enum { SIZE = 10 * 1024 * 1024 };
	struct buf out = BUF_INIT, err = BUF_INIT, log = BUF_INIT, script =
		BUF_INIT;
	char path[] = "/tmp/cairn-test-child-big-XXXXXX";
	struct child_result res;
	unsigned char *data = malloc(SIZE);
	uint32_t x = 12345;
	size_t i;
	int fd;

	(void)state;
	assert_non_null(data);
	for (i = 0; i < SIZE; i++) {
		x = x * 1103515245u + 12345u;
		data[i] = (unsigned char)(x >> 16);
	}
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(fs_write_all(fd, data, SIZE, path), 0);
	close(fd);

	buf_printf(&script, "cat '%s'; cat '%s' >&2", path, path);
	assert_int_equal(run_sh(&res, buf_cstr(&script), &out, &err, &log), 0);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(res.exit_code, 0);
	assert_int_equal(res.output_bytes, 2 * (uint64_t)SIZE);
	assert_int_equal(out.len, SIZE);
	assert_int_equal(err.len, SIZE);
	assert_int_equal(log.len, 2 * (size_t)SIZE);
	assert_memory_equal(out.ptr, data, SIZE);
	assert_memory_equal(err.ptr, data, SIZE);
	/* All of stdout and all of stderr are in the log, in some order. */
	assert_memory_equal(log.ptr, data, 100);
	free(data);
	buf_release(&out);
	buf_release(&err);
	buf_release(&log);
	buf_release(&script);
	assert_no_children();
}

static void test_env(void **state)
{
	const char *argv[] = { "sh", "-c",
			       "echo \"$X|$CAIRN_TEST_OLD|$PYTHONUNBUFFERED|$HOME\"",
			       NULL };
	const char *add1[] = { "X=hello world", "CAIRN_TEST_OLD=new", NULL };
	const char *add2[] = { "X=first", "PYTHONUNBUFFERED=0", "X=last",
			       "CAIRN_TEST_OLD=", NULL };
	struct buf out = BUF_INIT, expect = BUF_INIT;
	struct child_result res;
	const char *home = getenv("HOME");

	(void)state;
	assert_int_equal(setenv("CAIRN_TEST_OLD", "old", 1), 0);
	if (!home)
		home = "";

	assert_int_equal(run_captured(&res, argv, NULL, &out, NULL, NULL), 0);
	buf_printf(&expect, "|old|1|%s\n", home);
	assert_string_equal(buf_cstr(&out), buf_cstr(&expect));

	assert_int_equal(run_captured(&res, argv, add1, &out, NULL, NULL), 0);
	buf_reset(&expect);
	buf_printf(&expect, "hello world|new|1|%s\n", home);
	assert_string_equal(buf_cstr(&out), buf_cstr(&expect));

	assert_int_equal(run_captured(&res, argv, add2, &out, NULL, NULL), 0);
	buf_reset(&expect);
	buf_printf(&expect, "last||0|%s\n", home);
	assert_string_equal(buf_cstr(&out), buf_cstr(&expect));

	/* Our own environment is left alone. */
	assert_string_equal(getenv("CAIRN_TEST_OLD"), "old");
	assert_null(getenv("X"));

	/* A PYTHONUNBUFFERED of ours is passed on as it is. */
	assert_int_equal(setenv("PYTHONUNBUFFERED", "", 1), 0);
	assert_int_equal(run_captured(&res, argv, NULL, &out, NULL, NULL), 0);
	buf_reset(&expect);
	buf_printf(&expect, "|old||%s\n", home);
	assert_string_equal(buf_cstr(&out), buf_cstr(&expect));
	assert_int_equal(unsetenv("PYTHONUNBUFFERED"), 0);
	assert_int_equal(unsetenv("CAIRN_TEST_OLD"), 0);

	buf_release(&out);
	buf_release(&expect);
	assert_no_children();
}

static void test_bad_options(void **state)
{
	const char *good[] = { "true", NULL }, *none[] = { NULL };
	const char *empty[] = { "", NULL };
	const char *bad_env1[] = { "NOEQUALS", NULL };
	const char *bad_env2[] = { "A=1", "=value", NULL };
	struct child_options opts = { good, NULL, -1 };
	struct child_result res;

	(void)state;
	assert_int_equal(child_run(&res, NULL), CAIRN_EINVALID);
	opts.argv = NULL;
	assert_int_equal(child_run(&res, &opts), CAIRN_EINVALID);
	opts.argv = none;
	assert_int_equal(child_run(&res, &opts), CAIRN_EINVALID);
	opts.argv = empty;
	assert_int_equal(child_run(&res, &opts), CAIRN_EINVALID);
	assert_string_equal(cairn_error_last()->message, "no command to run");
	opts.argv = good;
	opts.log_fd = -2;
	assert_int_equal(child_run(&res, &opts), CAIRN_EINVALID);
	opts.log_fd = -1;
	opts.env_add = bad_env1;
	assert_int_equal(child_run(&res, &opts), CAIRN_EINVALID);
	assert_string_equal(cairn_error_last()->message,
			    "'NOEQUALS': not a NAME=value environment entry");
	opts.env_add = bad_env2;
	assert_int_equal(child_run(&res, &opts), CAIRN_EINVALID);
	assert_int_equal(res.exited, 0);
	assert_no_children();
}

static void test_not_found(void **state)
{
	const char *a1[] = { "cairn-no-such-command-4711", "x", NULL };
	const char *a2[] = { "/nonexistent/dir/prog", NULL };
	struct child_result res;
	int before;

	(void)state;
	assert_int_equal(run_sh(&res, "exit 0", NULL, NULL, NULL), 0);
	before = count_fds();
	assert_int_equal(run_captured(&res, a1, NULL, NULL, NULL, NULL),
			 CAIRN_ENOTFOUND);
	assert_string_equal(cairn_error_last()->message,
			    "'cairn-no-such-command-4711': command not found");
	assert_int_equal(res.exited, 0);
	assert_int_equal(res.signaled, 0);
	assert_int_equal(run_captured(&res, a2, NULL, NULL, NULL, NULL),
			 CAIRN_ENOTFOUND);
	assert_non_null(strstr(cairn_error_last()->message,
			       "'/nonexistent/dir/prog': no such file"));
	assert_int_equal(count_fds(), before);
	assert_no_children();
}

static void test_not_executable(void **state)
{
	char dir[] = "/tmp/cairn-test-child-XXXXXX";
	char *plain, *garbage, *script;
	const char *argv[] = { NULL, NULL };
	struct buf out = BUF_INIT;
	struct child_result res;
	int before;

	(void)state;
	assert_int_equal(run_sh(&res, "exit 0", NULL, NULL, NULL), 0);
	before = count_fds();
	assert_non_null(mkdtemp(dir));
	plain = path_join(dir, "plain");
	garbage = path_join(dir, "garbage");
	script = path_join(dir, "script");
	assert_int_equal(fs_write_atomic(plain, "#!/bin/sh\necho hi\n", 18,
					 0644), 0);
	assert_int_equal(fs_write_atomic(garbage, "\x01\x02\x03 nothing\n", 13,
					 0755), 0);
	assert_int_equal(fs_write_atomic(script, "#!/bin/sh\necho hi $1\n", 21,
					 0755), 0);

	argv[0] = plain;
	assert_int_equal(run_captured(&res, argv, NULL, NULL, NULL, NULL),
			 CAIRN_EINVALID);
	assert_non_null(strstr(cairn_error_last()->message,
			       "permission denied"));
	assert_non_null(strstr(cairn_error_last()->message, plain));

	argv[0] = dir;
	assert_int_equal(run_captured(&res, argv, NULL, NULL, NULL, NULL),
			 CAIRN_EINVALID);

	argv[0] = garbage;
	assert_int_equal(run_captured(&res, argv, NULL, NULL, NULL, NULL),
			 CAIRN_EINVALID);
	assert_non_null(strstr(cairn_error_last()->message,
			       "not an executable program"));

	/* The same files, once runnable, run. */
	argv[0] = script;
	assert_int_equal(run_captured(&res, argv, NULL, &out, NULL, NULL), 0);
	assert_int_equal(res.exit_code, 0);
	assert_string_equal(buf_cstr(&out), "hi\n");

	assert_int_equal(count_fds(), before);
	assert_int_equal(fs_remove_tree(dir), 0);
	free(plain);
	free(garbage);
	free(script);
	buf_release(&out);
	assert_no_children();
}

static void test_stdin_and_fds(void **state)
{
	struct buf out = BUF_INIT;
	struct child_result res;
	int in, saved_in, stray, before;

	(void)state;
	assert_int_equal(run_sh(&res, "exit 0", NULL, NULL, NULL), 0);
	/* A descriptor of ours without O_CLOEXEC must not reach the child. */
	stray = open("/dev/null", O_RDONLY);
	assert_true(stray >= 3);
	before = count_fds();
	in = tmp_fd();
	saved_in = dup(0);
	assert_true(saved_in >= 0);
	assert_int_equal(fs_write_all(in, "hi there\n", 9, "stdin"), 0);
	assert_int_equal(lseek(in, 0, SEEK_SET), 0);
	assert_int_equal(dup2(in, 0), 0);
	assert_int_equal(run_sh(&res, "read x; echo \"got $x\"; "
				"ls /proc/$$/fd; exit 0", &out, NULL, NULL), 0);
	assert_int_equal(dup2(saved_in, 0), 0);
	close(saved_in);
	close(in);
	assert_int_equal(res.exit_code, 0);
	assert_string_equal(buf_cstr(&out), "got hi there\n0\n1\n2\n");
	assert_int_equal(count_fds(), before);
	close(stray);
	buf_release(&out);
	assert_no_children();
}

struct killer {
	pthread_t thread;
	pid_t pid;
	int sig, delay_ms;
};

static void *killer_main(void *arg)
{
	struct killer *k = arg;

	sleep_ms(k->delay_ms);
	kill(k->pid, k->sig);
	return NULL;
}

static void killer_start(struct killer *k, int sig, int delay_ms)
{
	k->pid = getpid();
	k->sig = sig;
	k->delay_ms = delay_ms;
	assert_int_equal(pthread_create(&k->thread, NULL, killer_main, k), 0);
}

static int test_handler_calls;

static void test_handler(int sig)
{
	(void)sig;
	test_handler_calls++;
}

static void test_forward_sigterm(void **state)
{
	struct buf out = BUF_INIT;
	struct child_result res;
	struct sigaction sa, old, now;
	sigset_t block, mask;
	struct killer k;
	double t0;
	int rc;

	(void)state;
	/* Our own state, to be found unchanged afterwards. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = test_handler;
	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGTERM, &sa, &old), 0);
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	assert_int_equal(pthread_sigmask(SIG_BLOCK, &block, NULL), 0);

	killer_start(&k, SIGTERM, 300);
	t0 = now_s();
	/* The background sleep keeps the pipes open after sh has ended. */
	rc = run_sh(&res, "trap 'echo got TERM; exit 3' TERM; echo started; "
		    "sleep 5 & wait", &out, NULL, NULL);
	assert_int_equal(pthread_join(k.thread, NULL), 0);
	assert_int_equal(rc, 0);
	assert_int_equal(res.exited, 1);
	assert_int_equal(res.exit_code, 3);
	assert_int_equal(res.received_signal, SIGTERM);
	assert_true(res.duration_ms >= 250 && res.duration_ms < 1500);
	/* Returned about a second after sh ended, not after sleep did. */
	assert_true(now_s() - t0 < 3.0);
	assert_string_equal(buf_cstr(&out), "started\ngot TERM\n");
	assert_int_equal(test_handler_calls, 0);

	/* Handler and mask are back as they were. */
	assert_int_equal(sigaction(SIGTERM, NULL, &now), 0);
	assert_ptr_equal(now.sa_handler, test_handler);
	assert_int_equal(pthread_sigmask(SIG_SETMASK, NULL, &mask), 0);
	assert_true(sigismember(&mask, SIGUSR1));
	assert_false(sigismember(&mask, SIGTERM));
	assert_false(sigismember(&mask, SIGINT));
	assert_int_equal(sigaction(SIGPIPE, NULL, &now), 0);
	assert_ptr_equal(now.sa_handler, SIG_DFL);

	assert_int_equal(pthread_sigmask(SIG_UNBLOCK, &block, NULL), 0);
	assert_int_equal(sigaction(SIGTERM, &old, NULL), 0);
	buf_release(&out);
	assert_no_children();
}

static void test_forward_sigint_blocked_by_caller(void **state)
{
	struct child_result res;
	sigset_t block, mask;
	struct killer k;
	double t0;

	(void)state;
	/* SIGINT blocked by the caller: still forwarded while running. */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	assert_int_equal(pthread_sigmask(SIG_BLOCK, &block, NULL), 0);
	/* The killer thread inherits the mask: the signal goes to us. */
	killer_start(&k, SIGINT, 200);
	t0 = now_s();
	assert_int_equal(run_sh(&res, "trap 'exit 4' INT; "
				"sleep 3 >/dev/null 2>&1 & wait",
				NULL, NULL, NULL), 0);
	assert_int_equal(pthread_join(k.thread, NULL), 0);
	assert_int_equal(res.exit_code, 4);
	assert_int_equal(res.received_signal, SIGINT);
	assert_true(res.duration_ms < 1500);
	/* Nothing holds the pipes: no lingering after the exit. */
	assert_true(now_s() - t0 < 1.0);
	assert_int_equal(pthread_sigmask(SIG_SETMASK, NULL, &mask), 0);
	assert_true(sigismember(&mask, SIGINT));
	assert_int_equal(pthread_sigmask(SIG_UNBLOCK, &block, NULL), 0);
	assert_no_children();
}

static void test_forward_after_output_closed(void **state)
{
	struct child_result res;
	struct killer k;
	double t0;

	(void)state;
	/* No output pipe left open: only the child's end is waited for,
	 * and signals still reach it. */
	killer_start(&k, SIGHUP, 300);
	t0 = now_s();
	assert_int_equal(run_sh(&res, "exec >&- 2>&-; trap 'exit 5' HUP; "
				"sleep 3 & wait", NULL, NULL, NULL), 0);
	assert_int_equal(pthread_join(k.thread, NULL), 0);
	assert_int_equal(res.exited, 1);
	assert_int_equal(res.exit_code, 5);
	assert_int_equal(res.received_signal, SIGHUP);
	assert_true(now_s() - t0 < 1.5);

	/* A child that does not catch it dies of it. */
	killer_start(&k, SIGTERM, 200);
	t0 = now_s();
	assert_int_equal(run_sh(&res, "exec sleep 3", NULL, NULL, NULL), 0);
	assert_int_equal(pthread_join(k.thread, NULL), 0);
	assert_int_equal(res.signaled, 1);
	assert_int_equal(res.term_signal, SIGTERM);
	assert_true(res.duration_ms < 1500);
	assert_true(now_s() - t0 < 1.0);
	assert_no_children();
}

static void test_ignored_signal_stays_ignored(void **state)
{
	struct buf out = BUF_INIT;
	struct child_result res;
	struct sigaction ign, old, now;

	(void)state;
	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigemptyset(&ign.sa_mask);
	assert_int_equal(sigaction(SIGHUP, &ign, &old), 0);
	/* As under nohup: the child inherits SIGHUP ignored. */
	assert_int_equal(run_sh(&res, "kill -HUP $$; echo alive", &out, NULL,
				NULL), 0);
	assert_int_equal(res.exited, 1);
	assert_int_equal(res.exit_code, 0);
	assert_string_equal(buf_cstr(&out), "alive\n");
	assert_int_equal(sigaction(SIGHUP, &old, &now), 0);
	assert_ptr_equal(now.sa_handler, SIG_IGN);

	/* A caller that ignores SIGPIPE passes that on, as a shell would. */
	assert_int_equal(sigaction(SIGPIPE, &ign, &old), 0);
	assert_int_equal(run_sh(&res, "kill -PIPE $$; echo alive", &out, NULL,
				NULL), 0);
	assert_int_equal(res.exit_code, 0);
	assert_string_equal(buf_cstr(&out), "alive\n");
	assert_int_equal(sigaction(SIGPIPE, &old, &now), 0);
	assert_ptr_equal(now.sa_handler, SIG_IGN);

	/* SIGCHLD ignored by the caller: the exit status is still had. */
	assert_int_equal(sigaction(SIGCHLD, &ign, &old), 0);
	assert_int_equal(run_sh(&res, "exit 6", NULL, NULL, NULL), 0);
	assert_int_equal(res.exited, 1);
	assert_int_equal(res.exit_code, 6);
	assert_int_equal(sigaction(SIGCHLD, &old, &now), 0);
	assert_ptr_equal(now.sa_handler, SIG_IGN);
	buf_release(&out);
	assert_no_children();
}

static void test_grandchild_holds_pipes(void **state)
{
	struct buf out = BUF_INIT, log = BUF_INIT;
	struct child_result res;
	double t0 = now_s(), took;

	(void)state;
	assert_int_equal(run_sh(&res, "(sleep 0.3; echo late; sleep 3) & "
				"echo done", &out, NULL, &log), 0);
	took = now_s() - t0;
	assert_int_equal(res.exit_code, 0);
	assert_true(res.duration_ms < 300);
	/* Output that arrives within the second after the exit is kept. */
	assert_string_equal(buf_cstr(&out), "done\nlate\n");
	assert_string_equal(buf_cstr(&log), "done\nlate\n");
	assert_true(took >= 1.2 && took < 2.5);
	buf_release(&out);
	buf_release(&log);
	assert_no_children();
}

static void test_stdout_closed_by_reader(void **state)
{
	struct buf err = BUF_INIT, log = BUF_INIT;
	struct child_result res;
	struct sigaction now;
	int p[2];
	struct capture c;
	struct child_options opts;
	const char *argv[] = { "sh", "-c",
			       "echo a; sleep 0.1; echo b >&2; sleep 0.1; "
			       "echo c; sleep 0.1; echo d >&2", NULL };
	int rc;

	(void)state;
	opts.argv = argv;
	opts.env_add = NULL;
	opts.log_fd = tmp_fd();
	assert_int_equal(pipe(p), 0);
	close(p[0]);
	capture_start(&c);
	/* Our stdout is a pipe nobody reads any more. */
	assert_int_equal(dup2(p[1], 1), 1);
	close(p[1]);
	rc = child_run(&res, &opts);
	capture_stop(&c, NULL, &err);
	read_all(&log, opts.log_fd);
	close(opts.log_fd);

	assert_int_equal(rc, 0);
	assert_int_equal(res.exited, 1);
	assert_int_equal(res.exit_code, 0);
	assert_string_equal(buf_cstr(&log), "a\nb\nc\nd\n");
	assert_string_equal(buf_cstr(&err), "b\nd\n");
	assert_int_equal(res.log_errno, 0);
	assert_int_equal(sigaction(SIGPIPE, NULL, &now), 0);
	assert_ptr_equal(now.sa_handler, SIG_DFL);
	buf_release(&err);
	buf_release(&log);
	assert_no_children();
}

static void test_log_write_fails(void **state)
{
	struct buf out = BUF_INIT;
	struct child_result res;
	struct child_options opts;
	struct capture c;
	const char *argv[] = { "sh", "-c", "echo one; exit 2", NULL };
	int rc;

	(void)state;
	opts.argv = argv;
	opts.env_add = NULL;
	opts.log_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	assert_true(opts.log_fd >= 0);
	capture_start(&c);
	rc = child_run(&res, &opts);
	capture_stop(&c, &out, NULL);
	close(opts.log_fd);
	assert_int_equal(rc, 0);
	assert_int_equal(res.exit_code, 2);
	assert_int_equal(res.log_errno, EBADF);
	assert_int_equal(res.output_bytes, 4);
	assert_string_equal(buf_cstr(&out), "one\n");
	buf_release(&out);
	assert_no_children();
}

static void *second_run(void *arg)
{
	const char *argv[] = { "true", NULL };
	struct child_options opts = { argv, NULL, -1 };
	struct child_result res;
	int *rc = arg;

	sleep_ms(100);
	*rc = child_run(&res, &opts);
	return NULL;
}

static void test_one_at_a_time(void **state)
{
	struct child_result res;
	pthread_t t;
	int rc2 = 99;

	(void)state;
	assert_int_equal(pthread_create(&t, NULL, second_run, &rc2), 0);
	assert_int_equal(run_sh(&res, "sleep 0.4", NULL, NULL, NULL), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(res.exit_code, 0);
	assert_int_equal(rc2, CAIRN_ERROR);
	/* Free again afterwards. */
	assert_int_equal(run_sh(&res, "exit 0", NULL, NULL, NULL), 0);
	assert_no_children();
}

/*
 * The program the terminal test runs: this binary again, with
 * --count-sigint. It counts the SIGINTs it gets for half a second, telling
 * the terminal's (SI_KERNEL) from those sent with kill(), and exits with
 * 10 * from the terminal + others.
 */
static volatile sig_atomic_t sigint_kernel, sigint_other;

static void count_sigint(int sig, siginfo_t *si, void *ucontext)
{
	(void)sig;
	(void)ucontext;
	if (si->si_code == SI_KERNEL)
		sigint_kernel++;
	else
		sigint_other++;
}

static int sigint_counter(void)
{
	struct sigaction sa;
	double t0;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = count_sigint;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGINT, &sa, NULL) < 0)
		return 99;
	printf("ready\n");
	fflush(stdout);
	/*
	 * Spin rather than sleep: a running process takes a signal at once,
	 * so a second SIGINT sent a little later is not merged into the
	 * first while that is still pending.
	 */
	t0 = now_s();
	while (now_s() - t0 < 0.5)
		;
	printf("terminal=%d other=%d\n", (int)sigint_kernel,
	       (int)sigint_other);
	return sigint_kernel * 10 + sigint_other;
}

/*
 * In a new session with a pseudo-terminal as its controlling terminal,
 * run the counter under child_run(); the test types ^C. The terminal
 * sends SIGINT to the whole foreground group, the counter included, so
 * child_run() must not send it a second one. Exit status: the counter's,
 * or 100+ for a failure of the helper's own.
 */
static void pty_helper(const char *slave, int log_fd, const char *self)
{
	const char *argv[] = { self, "--count-sigint", NULL };
	struct child_options opts = { argv, NULL, log_fd };
	struct child_result res;
	int fd, null;

	if (setsid() < 0)
		_exit(100);
	fd = open(slave, O_RDWR);
	if (fd < 0 || ioctl(fd, TIOCSCTTY, 0) < 0)
		_exit(101);
	null = open("/dev/null", O_WRONLY);
	if (null < 0 || dup2(fd, 0) < 0 || dup2(null, 1) < 0 ||
	    dup2(null, 2) < 0)
		_exit(102);
	if (child_run(&res, &opts) < 0)
		_exit(103);
	if (!res.exited)
		_exit(104);
	if (res.received_signal != SIGINT)
		_exit(105);
	_exit(res.exit_code);
}

static void test_terminal_sigint_not_doubled(void **state)
{
	struct buf log = BUF_INIT;
	const char *slave;
	char self[4096];
	ssize_t n;
	int master, log_fd, status, i;
	pid_t pid;

	(void)state;
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	assert_true(n > 0);
	self[n] = '\0';
	master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0 ||
	    !(slave = ptsname(master))) {
		if (master >= 0)
			close(master);
		skip();
	}
	log_fd = tmp_fd();
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		pty_helper(slave, log_fd, self);

	for (i = 0; i < 500; i++) {
		read_all(&log, log_fd);
		if (strstr(buf_cstr(&log), "ready"))
			break;
		sleep_ms(10);
	}
	assert_non_null(strstr(buf_cstr(&log), "ready"));
	/* Three times, as a merged pair would hide a doubled one. */
	for (i = 0; i < 3; i++) {
		assert_int_equal(write(master, "\003", 1), 1);
		sleep_ms(100);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	read_all(&log, log_fd);
	close(log_fd);
	close(master);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) != 30)
		print_error("helper log: %s\n", buf_cstr(&log));
	assert_int_equal(WEXITSTATUS(status), 30);
	assert_string_equal(buf_cstr(&log), "ready\nterminal=3 other=0\n");
	buf_release(&log);
	assert_no_children();
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exit_codes),
		cmocka_unit_test(test_killed_by_signal),
		cmocka_unit_test(test_relay_and_log),
		cmocka_unit_test(test_interleaving),
		cmocka_unit_test(test_big_output),
		cmocka_unit_test(test_env),
		cmocka_unit_test(test_bad_options),
		cmocka_unit_test(test_not_found),
		cmocka_unit_test(test_not_executable),
		cmocka_unit_test(test_stdin_and_fds),
		cmocka_unit_test(test_forward_sigterm),
		cmocka_unit_test(test_forward_sigint_blocked_by_caller),
		cmocka_unit_test(test_forward_after_output_closed),
		cmocka_unit_test(test_ignored_signal_stays_ignored),
		cmocka_unit_test(test_grandchild_holds_pipes),
		cmocka_unit_test(test_stdout_closed_by_reader),
		cmocka_unit_test(test_log_write_fails),
		cmocka_unit_test(test_one_at_a_time),
		cmocka_unit_test(test_terminal_sigint_not_doubled),
	};

	if (argc == 2 && strcmp(argv[1], "--count-sigint") == 0)
		return sigint_counter();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
