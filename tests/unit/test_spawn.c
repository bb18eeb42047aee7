/*
 * test_spawn.c: spawn_capture(): exit codes, captured output (binary,
 * appended, bounded), the standard descriptors and directory of the child,
 * timeouts that kill the whole process group, signals, missing and
 * unrunnable programs, no descriptor leaked either way, no zombie left,
 * and calls from several threads at once.
 *
 * Every test ends by checking that the process has no child left: the
 * test binary starts none of its own, so waitpid(-1, WNOHANG) must fail
 * with ECHILD.
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
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/fs.h"
#include "util/spawn.h"

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

/* Run a shell snippet; returns spawn_capture()'s result. */
static int sh(struct buf *out, int *status, const char *script,
	      size_t max, int timeout_ms)
{
	const char *argv[] = { "sh", "-c", script, NULL };

	return spawn_capture(out, status, argv, NULL, max, timeout_ms);
}

static void test_exit_codes(void **state)
{
	const char *t[] = { "true", NULL }, *f[] = { "false", NULL };
	int status = 99;

	(void)state;
	assert_int_equal(spawn_capture(NULL, &status, t, NULL, 0, 5000), 0);
	assert_int_equal(status, 0);
	assert_int_equal(spawn_capture(NULL, &status, f, NULL, 0, 5000), 0);
	assert_int_equal(status, 1);
	assert_int_equal(sh(NULL, &status, "exit 3", 0, 5000), 0);
	assert_int_equal(status, 3);
	assert_int_equal(sh(NULL, &status, "exit 255", 0, 0), 0);
	assert_int_equal(status, 255);
	/* exit_status may be NULL. */
	assert_int_equal(spawn_capture(NULL, NULL, t, NULL, 0, 5000), 0);
	assert_no_children();
}

static void test_capture(void **state)
{
	struct buf out = BUF_INIT;
	int status = -5;

	(void)state;
	assert_int_equal(sh(&out, &status, "printf 'hello\\000world\\n'",
			    1 << 20, 5000), 0);
	assert_int_equal(status, 0);
	assert_int_equal(out.len, 12);
	assert_memory_equal(out.ptr, "hello\0world\n", 12);
	assert_int_equal(out.ptr[out.len], '\0');

	/* Appended to what out holds; the bound counts only the new bytes. */
	buf_reset(&out);
	buf_puts(&out, "old:");
	assert_int_equal(sh(&out, &status, "printf abc", 3, 5000), 0);
	assert_string_equal(buf_cstr(&out), "old:abc");

	/* No output at all. */
	buf_reset(&out);
	assert_int_equal(sh(&out, &status, "exit 0", 100, 5000), 0);
	assert_int_equal(out.len, 0);

	/* Output of a failing program is captured too. */
	buf_reset(&out);
	assert_int_equal(sh(&out, &status, "echo partial; exit 7", 100, 5000),
			 0);
	assert_int_equal(status, 7);
	assert_string_equal(buf_cstr(&out), "partial\n");
	buf_release(&out);
	assert_no_children();
}

static void test_truncation(void **state)
{
	const char *argv[] = { "head", "-c", "3000000", "/dev/zero", NULL };
	struct buf out = BUF_INIT;
	size_t i;
	int status = -5;

	(void)state;
	/* 3 MB through a 64 KiB pipe: the rest must be drained, not block. */
	assert_int_equal(spawn_capture(&out, &status, argv, NULL, 1000, 10000),
			 0);
	assert_int_equal(status, 0);
	assert_int_equal(out.len, 1000);
	for (i = 0; i < out.len; i++)
		assert_int_equal(out.ptr[i], 0);

	/* max_output 0 keeps nothing; exactly max keeps everything. */
	buf_reset(&out);
	assert_int_equal(spawn_capture(&out, &status, argv, NULL, 0, 10000), 0);
	assert_int_equal(status, 0);
	assert_int_equal(out.len, 0);
	buf_reset(&out);
	assert_int_equal(sh(&out, &status, "printf 12345", 5, 5000), 0);
	assert_string_equal(buf_cstr(&out), "12345");
	buf_reset(&out);
	assert_int_equal(sh(&out, &status, "printf 123456", 5, 5000), 0);
	assert_string_equal(buf_cstr(&out), "12345");
	assert_int_equal(status, 0);

	/* out NULL discards everything. */
	assert_int_equal(spawn_capture(NULL, &status, argv, NULL, 100, 10000),
			 0);
	assert_int_equal(status, 0);
	buf_release(&out);
	assert_no_children();
}

static void test_timeout(void **state)
{
	const char *argv[] = { "sleep", "10", NULL };
	double t0 = now_s();
	int status = 5;

	(void)state;
	assert_int_equal(spawn_capture(NULL, &status, argv, NULL, 0, 200), 0);
	assert_int_equal(status, -1);
	assert_true(now_s() - t0 < 5.0);
	assert_no_children();
}

/* 1 when pid has gone or is a zombie waiting for init, after at most 3 s. */
static int process_gone(long pid)
{
	char path[64];
	int i;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	for (i = 0; i < 300; i++) {
		struct buf stat = BUF_INIT;
		const char *paren;
		int gone;

		if (fs_read_file(&stat, path) < 0) {
			buf_release(&stat);
			return 1;
		}
		paren = strrchr(buf_cstr(&stat), ')');
		gone = paren && paren[1] == ' ' && paren[2] == 'Z';
		buf_release(&stat);
		if (gone)
			return 1;
		usleep(10000);
	}
	return 0;
}

static void test_timeout_kills_group(void **state)
{
	struct buf out = BUF_INIT;
	double t0 = now_s();
	int status = 5;
	long pid;
	char *end;

	(void)state;
	/*
	 * The shell exits at once but leaves a sleep holding the pipe: the
	 * timeout must end it too, and say the output may be incomplete.
	 */
	assert_int_equal(sh(&out, &status, "sleep 10 & echo $!", 100, 300), 0);
	assert_int_equal(status, -1);
	assert_true(now_s() - t0 < 5.0);
	pid = strtol(buf_cstr(&out), &end, 10);
	assert_true(pid > 0);
	assert_int_equal(*end, '\n');
	assert_true(process_gone(pid));

	/* A child that closes stdout but goes on running is still bounded. */
	buf_reset(&out);
	t0 = now_s();
	assert_int_equal(sh(&out, &status, "echo early; exec >&-; sleep 10",
			    100, 300), 0);
	assert_int_equal(status, -1);
	assert_string_equal(buf_cstr(&out), "early\n");
	assert_true(now_s() - t0 < 5.0);
	buf_release(&out);
	assert_no_children();
}

static void test_signal_death(void **state)
{
	int status = 5;

	(void)state;
	assert_int_equal(sh(NULL, &status, "kill -9 $$", 0, 5000), 0);
	assert_int_equal(status, -1);
	assert_no_children();
}

static void test_signals_reset(void **state)
{
	struct sigaction ign, old;
	sigset_t term, oldmask;
	int status = 5;

	(void)state;
	/* A signal the caller ignores is back to its default in the child. */
	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigemptyset(&ign.sa_mask);
	assert_int_equal(sigaction(SIGINT, &ign, &old), 0);
	assert_int_equal(sh(NULL, &status, "kill -INT $$; exit 0", 0, 5000), 0);
	assert_int_equal(status, -1);
	assert_int_equal(sigaction(SIGINT, &old, NULL), 0);

	/* A signal the caller blocks is unblocked in the child. */
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	assert_int_equal(pthread_sigmask(SIG_BLOCK, &term, &oldmask), 0);
	assert_int_equal(sh(NULL, &status, "kill -TERM $$; exit 0", 0, 5000),
			 0);
	assert_int_equal(status, -1);
	assert_int_equal(pthread_sigmask(SIG_SETMASK, &oldmask, NULL), 0);
	assert_no_children();
}

static void test_missing_program(void **state)
{
	const char *name[] = { "cairn-no-such-program-x", NULL };
	const char *path[] = { "/nonexistent/dir/prog", NULL };
	const char *notdir[] = { "/etc/hostname/prog", NULL };
	int fds = count_fds(), status = 5;

	(void)state;
	assert_int_equal(spawn_capture(NULL, &status, name, NULL, 0, 5000),
			 CAIRN_ENOTFOUND);
	assert_non_null(strstr(cairn_error_last()->message,
			       "cairn-no-such-program-x"));
	assert_int_equal(status, -1);
	assert_int_equal(spawn_capture(NULL, &status, path, NULL, 0, 5000),
			 CAIRN_ENOTFOUND);
	assert_int_equal(spawn_capture(NULL, &status, notdir, NULL, 0, 5000),
			 CAIRN_ENOTFOUND);
	assert_int_equal(count_fds(), fds);
	assert_no_children();
}

static void test_unrunnable(void **state)
{
	char dir[] = "/tmp/cairn-test-spawn-XXXXXX";
	const char *argv[] = { NULL, NULL };
	const char *empty[] = { "", NULL };
	char *file;
	int fds = count_fds(), status;

	(void)state;
	assert_non_null(mkdtemp(dir));
	file = path_join(dir, "script");
	assert_int_equal(fs_write_atomic(file, "#!/bin/sh\necho hi\n", 18,
					 0644), 0);
	/* Exists but is not executable: an error, not "not found". */
	argv[0] = file;
	assert_int_equal(spawn_capture(NULL, &status, argv, NULL, 0, 5000),
			 CAIRN_ERROR);
	assert_non_null(strstr(cairn_error_last()->message, "cannot run"));
	/* A directory given as cwd that does not exist. */
	argv[0] = "true";
	assert_int_equal(spawn_capture(NULL, &status, argv,
				       "/nonexistent/dir", 0, 5000),
			 CAIRN_ERROR);
	assert_non_null(strstr(cairn_error_last()->message,
			       "/nonexistent/dir"));
	/* No program at all. */
	assert_int_equal(spawn_capture(NULL, &status, empty, NULL, 0, 5000),
			 CAIRN_EINVALID);
	argv[0] = NULL;
	assert_int_equal(spawn_capture(NULL, &status, argv, NULL, 0, 5000),
			 CAIRN_EINVALID);
	assert_int_equal(spawn_capture(NULL, &status, NULL, NULL, 0, 5000),
			 CAIRN_EINVALID);

	/* Made executable, it runs. */
	assert_int_equal(chmod(file, 0755), 0);
	{
		struct buf out = BUF_INIT;
		const char *run[] = { file, NULL };

		assert_int_equal(spawn_capture(&out, &status, run, NULL, 100,
					       5000), 0);
		assert_int_equal(status, 0);
		assert_string_equal(buf_cstr(&out), "hi\n");
		buf_release(&out);
	}
	assert_int_equal(count_fds(), fds);
	assert_int_equal(fs_remove_tree(dir), 0);
	free(file);
	assert_no_children();
}

static void test_child_environment(void **state)
{
	const char *pwd[] = { "pwd", NULL };
	const char *links[] = { "readlink", "/proc/self/fd/0",
				"/proc/self/fd/2", NULL };
	const char *list[] = { "ls", "-1", "/proc/self/fd", NULL };
	const char *cat[] = { "cat", NULL };
	struct buf out = BUF_INIT;
	char fdname[16];
	int status, leak;

	(void)state;
	assert_int_equal(spawn_capture(&out, &status, pwd, "/tmp", 100, 5000),
			 0);
	assert_string_equal(buf_cstr(&out), "/tmp\n");

	/* stdin and stderr are /dev/null; cat ends at once. */
	buf_reset(&out);
	assert_int_equal(spawn_capture(&out, &status, links, NULL, 100, 5000),
			 0);
	assert_string_equal(buf_cstr(&out), "/dev/null\n/dev/null\n");
	buf_reset(&out);
	assert_int_equal(spawn_capture(&out, &status, cat, NULL, 100, 5000), 0);
	assert_int_equal(status, 0);
	assert_int_equal(out.len, 0);
	buf_reset(&out);
	assert_int_equal(sh(&out, &status, "echo out; echo err >&2", 100, 5000),
			 0);
	assert_string_equal(buf_cstr(&out), "out\n");

	/*
	 * A descriptor the caller left inheritable does not reach the child:
	 * ls sees 0, 1, 2 and the one it reads /proc/self/fd with.
	 */
	leak = open("/dev/null", O_RDONLY);
	assert_true(leak >= 0);
	status = fcntl(leak, F_DUPFD, 100);
	assert_true(status >= 100);
	close(leak);
	leak = status;
	snprintf(fdname, sizeof(fdname), "\n%d\n", leak);
	buf_reset(&out);
	assert_int_equal(spawn_capture(&out, &status, list, NULL, 1000, 5000),
			 0);
	assert_string_equal(buf_cstr(&out), "0\n1\n2\n3\n");
	assert_null(strstr(buf_cstr(&out), fdname));
	close(leak);
	buf_release(&out);
	assert_no_children();
}

static void test_no_fd_leak(void **state)
{
	const char *argv[] = { "echo", "x", NULL };
	const char *missing[] = { "cairn-no-such-program-x", NULL };
	const char *sleeper[] = { "sleep", "10", NULL };
	int before = count_fds(), i, status;

	(void)state;
	for (i = 0; i < 20; i++) {
		struct buf out = BUF_INIT;

		assert_int_equal(spawn_capture(&out, &status, argv, "/", 10,
					       5000), 0);
		assert_int_equal(spawn_capture(&out, &status, missing, "/", 10,
					       5000), CAIRN_ENOTFOUND);
		buf_release(&out);
	}
	assert_int_equal(spawn_capture(NULL, &status, sleeper, "/", 10, 50), 0);
	assert_int_equal(status, -1);
	assert_int_equal(count_fds(), before);
	assert_no_children();
}

/*
 * The standard descriptors of the caller may be closed: the directory and
 * the pipe then get 0, 1 and 2, which must not be clobbered in the child.
 */
static void test_caller_without_std_fds(void **state)
{
	const char *argv[] = { "sh", "-c", "pwd; echo ok", NULL };
	struct buf out = BUF_INIT;
	int saved[3], i, rc, status = -5;

	(void)state;
	fflush(stdout);
	fflush(stderr);
	for (i = 0; i < 3; i++) {
		saved[i] = fcntl(i, F_DUPFD_CLOEXEC, 10);
		assert_true(saved[i] >= 0);
	}
	for (i = 0; i < 3; i++)
		close(i);
	rc = spawn_capture(&out, &status, argv, "/tmp", 100, 5000);
	for (i = 0; i < 3; i++) {
		dup2(saved[i], i);
		close(saved[i]);
	}
	assert_int_equal(rc, 0);
	assert_int_equal(status, 0);
	assert_string_equal(buf_cstr(&out), "/tmp\nok\n");
	buf_release(&out);
	assert_no_children();
}

struct worker {
	int id;
	int failures;
};

static void *work(void *arg)
{
	struct worker *w = arg;
	char script[64], want[32];
	int i;

	snprintf(script, sizeof(script), "echo worker %d", w->id);
	snprintf(want, sizeof(want), "worker %d\n", w->id);
	for (i = 0; i < 15; i++) {
		const char *argv[] = { "sh", "-c", script, NULL };
		struct buf out = BUF_INIT;
		int status = -5;

		if (spawn_capture(&out, &status, argv, NULL, 100, 10000) ||
		    status != 0 || strcmp(buf_cstr(&out), want))
			w->failures++;
		buf_release(&out);
	}
	return NULL;
}

static void test_threads(void **state)
{
	pthread_t t[4];
	struct worker w[4];
	int i;

	(void)state;
	for (i = 0; i < 4; i++) {
		w[i].id = i;
		w[i].failures = 0;
		assert_int_equal(pthread_create(&t[i], NULL, work, &w[i]), 0);
	}
	for (i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		assert_int_equal(w[i].failures, 0);
	}
	assert_no_children();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exit_codes),
		cmocka_unit_test(test_capture),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_timeout_kills_group),
		cmocka_unit_test(test_signal_death),
		cmocka_unit_test(test_signals_reset),
		cmocka_unit_test(test_missing_program),
		cmocka_unit_test(test_unrunnable),
		cmocka_unit_test(test_child_environment),
		cmocka_unit_test(test_no_fd_leak),
		cmocka_unit_test(test_caller_without_std_fds),
		cmocka_unit_test(test_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
