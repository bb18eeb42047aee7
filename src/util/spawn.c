/*
 * spawn.c: run a helper program and capture its stdout (see spawn.h).
 *
 * One child at a time per call, in four steps:
 *   1. pipe2(O_CLOEXEC) for stdout; the file actions make the child's fd 0
 *      and 2 /dev/null, its fd 1 the pipe's write end, change directory
 *      through an fd opened here (so a missing directory is told apart
 *      from a missing program: posix_spawnp() says ENOENT for both), and
 *      close every descriptor from 3 up (one another thread opened without
 *      O_CLOEXEC must not leak into the child either). The attributes put
 *      the child in a process group of its own, unblock every signal and
 *      reset every signal to its default (a caller that ignores SIGPIPE
 *      must not pass that on).
 *   2. read the pipe until end of file or the deadline, keeping the first
 *      max_output bytes and dropping the rest;
 *   3. wait for the child until the deadline: a pidfd when the kernel has
 *      one, otherwise polling waitpid(WNOHANG) every few milliseconds;
 *   4. past the deadline, SIGKILL the group (and the child, in case it left
 *      the group) and reap the child with a blocking waitpid().
 *
 * Invariants: the child is reaped on every path after a successful spawn,
 * and only then; SIGKILL is sent only while it is unreaped, so its pid (and
 * group id) cannot have been reused by then. Every descriptor opened here
 * is O_CLOEXEC and closed before returning. When posix_spawnp() fails glibc
 * has already reaped the child that could not exec.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util/spawn.h"
#include "util/fs.h"
#include "util/banned.h"

/* How often waitpid() is polled when the kernel has no pidfd_open(). */
#define SPAWN_POLL_MS 5

struct deadline {
	int set;
	struct timespec at;
};

static void deadline_start(struct deadline *d, int timeout_ms)
{
	d->set = timeout_ms > 0;
	if (!d->set)
		return;
	clock_gettime(CLOCK_MONOTONIC, &d->at);
	d->at.tv_sec += timeout_ms / 1000;
	d->at.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (d->at.tv_nsec >= 1000000000L) {
		d->at.tv_sec++;
		d->at.tv_nsec -= 1000000000L;
	}
}

/* Milliseconds left, rounded up; -1 without a deadline, 0 once past it. */
static int deadline_left(const struct deadline *d)
{
	struct timespec now;
	long long ns;

	if (!d->set)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &now);
	ns = (long long)(d->at.tv_sec - now.tv_sec) * 1000000000LL +
	     (d->at.tv_nsec - now.tv_nsec);
	if (ns <= 0)
		return 0;
	ns = (ns + 999999) / 1000000;
	return ns > INT_MAX ? INT_MAX : (int)ns;
}

int spawn_open_pidfd(pid_t pid)
{
#ifdef SYS_pidfd_open
	/* pidfds are always close-on-exec. */
	return (int)syscall(SYS_pidfd_open, pid, 0);
#else
	(void)pid;
	return -1;
#endif
}

static void kill_group(pid_t pid)
{
	kill(-pid, SIGKILL);
	kill(pid, SIGKILL);
}

/*
 * Reap pid, waiting at most until the deadline, then killing it. Sets
 * *status to the wait status, or to -1 when it cannot be had (SIGCHLD is
 * ignored by the caller and the kernel reaped the child itself).
 */
static void reap(pid_t pid, int pidfd, const struct deadline *d, int *status,
		 int *timed_out)
{
	for (;;) {
		pid_t r = waitpid(pid, status, d->set ? WNOHANG : 0);
		struct pollfd p;
		int left;

		if (r == pid)
			return;
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			*status = -1;
			return;
		}
		left = deadline_left(d);
		if (left == 0)
			break;
		if (pidfd >= 0) {
			p.fd = pidfd;
			p.events = POLLIN;
			p.revents = 0;
			poll(&p, 1, left);
		} else {
			poll(NULL, 0, left < SPAWN_POLL_MS ? left : SPAWN_POLL_MS);
		}
	}
	*timed_out = 1;
	kill_group(pid);
	while (waitpid(pid, status, 0) < 0) {
		if (errno != EINTR) {
			*status = -1;
			return;
		}
	}
}

/*
 * Read the pipe until end of file, an error or the deadline. Returns 0 on
 * end of file, 1 at the deadline, <0 on a read error.
 */
static int drain(struct buf *out, int fd, size_t max_output,
		 const struct deadline *d)
{
	char chunk[16384];
	size_t kept = 0;

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN, .revents = 0 };
		int left = deadline_left(d), n;
		ssize_t got;

		if (left == 0)
			return 1;
		n = poll(&p, 1, left);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return cairn_error_set_os("cannot wait for a child's output");
		}
		if (n == 0)
			continue;
		got = read(fd, chunk, sizeof(chunk));
		if (got < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return cairn_error_set_os("cannot read a child's output");
		}
		if (got == 0)
			return 0;
		if (out && kept < max_output) {
			size_t take = (size_t)got;

			if (take > max_output - kept)
				take = max_output - kept;
			buf_add(out, chunk, take);
			kept += take;
		}
	}
}

int spawn_attr_own_group(posix_spawnattr_t *attr)
{
	sigset_t mask;
	int rc;

	rc = posix_spawnattr_setflags(attr, POSIX_SPAWN_SETPGROUP |
				      POSIX_SPAWN_SETSIGMASK |
				      POSIX_SPAWN_SETSIGDEF);
	if (!rc)
		rc = posix_spawnattr_setpgroup(attr, 0);
	if (!rc) {
		sigemptyset(&mask);
		rc = posix_spawnattr_setsigmask(attr, &mask);
	}
	if (!rc) {
		sigfillset(&mask);
		rc = posix_spawnattr_setsigdefault(attr, &mask);
	}
	return rc;
}

static int spawn_failed(int code, const char *program)
{
	if (code == ENOENT || code == ENOTDIR)
		return cairn_error_setc(CAIRN_ENOTFOUND, CAIRN_ERRCLASS_OS,
					"'%s': command not found", program);
	errno = code;
	return cairn_error_set_os("cannot run '%s'", program);
}

int spawn_capture(struct buf *out, int *exit_status, const char *const *argv,
		  const char *cwd, size_t max_output, int timeout_ms)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	int fa_ready = 0, attr_ready = 0;
	int pipefd[2] = { -1, -1 }, dirfd = -1, pidfd = -1;
	int err = 0, rc, status = -1, timed_out = 0;
	struct deadline d;
	pid_t pid;

	if (exit_status)
		*exit_status = -1;
	if (!argv || !argv[0] || !*argv[0])
		return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
					"no program to run");
	deadline_start(&d, timeout_ms);

	if (cwd) {
		dirfd = open(cwd, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dirfd < 0) {
			err = cairn_error_set_os("cannot open directory '%s'", cwd);
			goto done;
		}
		if ((err = fs_fd_above_stdio(&dirfd)) < 0)
			goto done;
	}
	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		err = cairn_error_set_os("cannot create a pipe");
		goto done;
	}
	if ((err = fs_fd_above_stdio(&pipefd[0])) < 0 ||
	    (err = fs_fd_above_stdio(&pipefd[1])) < 0)
		goto done;

	if ((rc = posix_spawn_file_actions_init(&fa)) != 0) {
		err = spawn_failed(rc, argv[0]);
		goto done;
	}
	fa_ready = 1;
	rc = 0;
	if (dirfd >= 0)
		rc = posix_spawn_file_actions_addfchdir_np(&fa, dirfd);
	if (!rc)
		rc = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null",
						      O_RDONLY, 0);
	if (!rc)
		rc = posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
	if (!rc)
		rc = posix_spawn_file_actions_addopen(&fa, 2, "/dev/null",
						      O_WRONLY, 0);
	if (!rc)
		rc = posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	if (!rc && !(rc = posix_spawnattr_init(&attr)))
		attr_ready = 1;
	if (!rc)
		rc = spawn_attr_own_group(&attr);
	if (rc) {
		err = spawn_failed(rc, argv[0]);
		goto done;
	}

	rc = posix_spawnp(&pid, argv[0], &fa, &attr, (char *const *)argv,
			  environ);
	fs_close(&pipefd[1]);
	fs_close(&dirfd);
	if (rc) {
		err = spawn_failed(rc, argv[0]);
		goto done;
	}

	pidfd = spawn_open_pidfd(pid);
	rc = drain(out, pipefd[0], max_output, &d);
	if (rc != 0) {
		/* The deadline passed or reading failed: stop it now. */
		kill_group(pid);
		timed_out = 1;
		if (rc < 0)
			err = rc;
	}
	fs_close(&pipefd[0]);
	reap(pid, pidfd, &d, &status, &timed_out);
	if (!err && exit_status && !timed_out && status != -1 &&
	    WIFEXITED(status))
		*exit_status = WEXITSTATUS(status);

done:
	if (attr_ready)
		posix_spawnattr_destroy(&attr);
	if (fa_ready)
		posix_spawn_file_actions_destroy(&fa);
	fs_close(&pidfd);
	fs_close(&pipefd[0]);
	fs_close(&pipefd[1]);
	fs_close(&dirfd);
	return err;
}
