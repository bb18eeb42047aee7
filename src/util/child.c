/*
 * child.c: run a command in the foreground, relay and copy its output,
 * forward termination signals to it (see child.h).
 *
 * One call, in five steps:
 *   1. claim the process-wide slot (signal dispositions are per process,
 *      so two calls at once would steal each other's signals), build the
 *      child's environment, create two pipes for the child's stdout and
 *      stderr, and the self-pipe the signal handlers write to (once per
 *      process, see the invariants). All are O_CLOEXEC and moved to
 *      descriptors 3 and up, so that with one of 0, 1, 2 closed on entry
 *      nothing of ours takes its number (our "stdout" must never be one
 *      of our own pipes).
 *   2. install the handlers: SIGINT, SIGTERM, SIGHUP and SIGQUIT (each one
 *      unless the caller ignores it) get a handler that writes a two-byte
 *      record {signal, sent by the kernel} to the self-pipe; SIGPIPE is
 *      ignored; SIGCHLD is set to its default if the caller ignores it
 *      (otherwise the kernel would reap the child and its status would be
 *      lost); the forwarded signals are unblocked in this thread.
 *   3. posix_spawnp() the command with stdout and stderr on the pipes,
 *      every descriptor from 3 up closed, no signal blocked and SIGPIPE
 *      back to the caller's disposition. posix_spawnp()
 *      reports a failed exec through its return value (glibc waits for
 *      the exec in a vfork-like child), so "not found" and "not
 *      executable" are told apart from a command that ran and failed.
 *   4. the relay loop: poll() the two output pipes, the self-pipe and a
 *      pidfd of the child (without pidfd_open(), waitpid(WNOHANG) every
 *      WAIT_POLL_MS instead). Output read from a pipe goes to our fd 1 or
 *      2 and to log_fd. Every write first polls its descriptor for room
 *      together with the self-pipe, so a stalled terminal or reader never
 *      holds up the forwarding of a signal. A write error on fd 1 or 2
 *      turns that relay off; one on log_fd turns the copy off and is
 *      recorded in log_errno; neither stops the other nor the child.
 *   5. once both pipes are at end of file and the child has been reaped,
 *      or the child has been reaped and nothing arrived for LINGER_MS
 *      (something it started holds the pipes), or a signal came in after
 *      it was reaped, stop; restore dispositions and mask, close
 *      everything.
 *
 * Invariants: a signal is sent to the child only from the relay loop, in
 * this thread, before this thread has reaped it, so its pid cannot have
 * been reused by then. The child is reaped on every path after a
 * successful spawn. Every descriptor opened here is closed before
 * returning, except the self-pipe, and none reaches the child (closefrom
 * in the file actions). The self-pipe is made once and never closed: a
 * handler running late on another thread may still write to the
 * descriptor it read before the handlers were restored, and that must
 * land in this pipe (drained at the start of each call), never in a file
 * that reused the number.
 *
 * Keyboard signals: ^C or ^\ typed at the terminal go to the whole
 * foreground process group, the child included; the kernel marks those
 * SI_KERNEL. Forwarding one again would make a program that catches
 * SIGINT to save a checkpoint see two, the second interrupting the save,
 * so a SIGINT or SIGQUIT sent by the kernel is not forwarded while the
 * child is still in our process group. SIGTERM and SIGHUP are always
 * forwarded (the kernel's SIGHUP on hangup goes to the session leader
 * only, not to the group). A signal sent with kill() to our whole process
 * group reaches the child twice; there is no telling it apart from one
 * sent to us alone.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util/alloc.h"
#include "util/child.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/spawn.h"
#include "util/banned.h"

/* After the child ended, how long to wait for more output. */
#define LINGER_MS 1000
/* How often waitpid() is polled when the kernel has no pidfd_open(). */
#define WAIT_POLL_MS 50
/* Bytes read from a pipe at once. */
#define READ_CHUNK 65536
/* Bytes written at once after poll() said there is room. */
#define WRITE_CHUNK PIPE_BUF

static const int forwarded[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
#define NFORWARDED (sizeof(forwarded) / sizeof(forwarded[0]))

/* Set while a child_run() is in progress in this process. */
static atomic_int child_busy;
/*
 * The self-pipe, made by the first call and kept for the life of the
 * process (see the invariants above); only touched under child_busy.
 */
static int signal_pipe[2] = { -1, -1 };
/* Its write end, for the handlers; -1 outside child_run(). */
static volatile sig_atomic_t signal_wfd = -1;

struct saved_signals {
	struct sigaction fwd[NFORWARDED];
	int installed[NFORWARDED];
	struct sigaction pipe, chld;
	int pipe_set, chld_set;
	sigset_t mask;		/* this thread's mask on entry */
	int mask_set;
	int pipe_was_ignored;
};

struct relay {
	pid_t pid;
	int pidfd;
	int reaped;
	int status;		/* wait status once reaped, -1: unknown */
	int wait_errno;		/* why it is unknown */
	int out_r, err_r;	/* pipe read ends, -1 once at end of file */
	int sig_r;
	int out_ok, err_ok;	/* our fd 1 / fd 2 still take output */
	int log_fd;		/* -1 once the copy is off */
	int stop;		/* a signal came after the child ended */
	struct timespec start, end, last_data;
	struct child_result *res;
	char *chunk;
};

static void on_signal(int sig, siginfo_t *si, void *ucontext)
{
	unsigned char rec[2];
	int saved = errno, fd = signal_wfd;
	ssize_t r;

	(void)ucontext;
	rec[0] = (unsigned char)sig;
	rec[1] = si && si->si_code == SI_KERNEL;
	/* Two bytes: atomic on a pipe; dropped if it is full. */
	if (fd >= 0) {
		r = write(fd, rec, sizeof(rec));
		(void)r;
	}
	errno = saved;
}

static int64_t ms_between(const struct timespec *a, const struct timespec *b)
{
	return (int64_t)(b->tv_sec - a->tv_sec) * 1000 +
	       (b->tv_nsec - a->tv_nsec) / 1000000;
}

/* A pipe with both ends O_CLOEXEC and at 3 or above. */
static int make_pipe(int fds[2], int flags)
{
	if (pipe2(fds, O_CLOEXEC | flags) < 0)
		return cairn_error_set_os("cannot create a pipe");
	if (fs_fd_above_stdio(&fds[0]) < 0 || fs_fd_above_stdio(&fds[1]) < 0)
		return CAIRN_ERROR;
	return 0;
}

/* Make the self-pipe, or empty it of records a late handler left. */
static int open_signal_pipe(void)
{
	unsigned char junk[64];
	int fds[2] = { -1, -1 }, err;

	if (signal_pipe[0] >= 0) {
		while (read(signal_pipe[0], junk, sizeof(junk)) > 0)
			;
		return 0;
	}
	if ((err = make_pipe(fds, O_NONBLOCK)) < 0) {
		fs_close(&fds[0]);
		fs_close(&fds[1]);
		return err;
	}
	signal_pipe[0] = fds[0];
	signal_pipe[1] = fds[1];
	return 0;
}

static int set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return cairn_error_set_os("cannot configure a pipe");
	return 0;
}

/* Does "NAME=..." a name the same variable as b? */
static int same_name(const char *a, const char *b)
{
	while (*a && *a != '=' && *a == *b) {
		a++;
		b++;
	}
	return (*a == '=' || !*a) && (*b == '=' || !*b);
}

static int find_name(char *const *env, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (same_name(env[i], name))
			return 1;
	return 0;
}

/*
 * The child's environment: ours without the names in add, then add (the
 * last of several entries of one name wins), then PYTHONUNBUFFERED=1 if
 * nothing set it. The array is new; the strings are borrowed.
 */
static int build_env(char ***out, const char *const *add)
{
	static const char unbuffered[] = "PYTHONUNBUFFERED=1";
	size_t n_env = 0, n_add = 0, n = 0, i, j;
	char **env;

	*out = NULL;
	for (i = 0; add && add[i]; i++) {
		const char *eq = strchr(add[i], '=');

		if (!eq || eq == add[i])
			return cairn_error_setc(CAIRN_EINVALID,
						CAIRN_ERRCLASS_INVALID,
						"'%s': not a NAME=value environment entry",
						add[i]);
		n_add++;
	}
	for (i = 0; environ && environ[i]; i++)
		n_env++;

	env = xcalloc(n_env + n_add + 2, sizeof(*env));
	for (i = 0; i < n_env; i++) {
		int replaced = 0;

		for (j = 0; j < n_add && !replaced; j++)
			replaced = same_name(environ[i], add[j]);
		if (!replaced)
			env[n++] = environ[i];
	}
	for (i = 0; i < n_add; i++) {
		int later = 0;

		for (j = i + 1; j < n_add && !later; j++)
			later = same_name(add[i], add[j]);
		if (!later)
			env[n++] = (char *)add[i];
	}
	if (!find_name(env, n, unbuffered))
		env[n++] = (char *)unbuffered;
	env[n] = NULL;
	*out = env;
	return 0;
}

static int spawn_failed(int code, const char *program)
{
	switch (code) {
	case ENOENT:
	case ENOTDIR:
		if (strchr(program, '/'))
			return cairn_error_setc(CAIRN_ENOTFOUND,
						CAIRN_ERRCLASS_OS,
						"'%s': no such file, or its interpreter is missing",
						program);
		return cairn_error_setc(CAIRN_ENOTFOUND, CAIRN_ERRCLASS_OS,
					"'%s': command not found", program);
	case EACCES:
		return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_OS,
					"'%s': permission denied (not an executable file)",
					program);
	case ENOEXEC:
		return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_OS,
					"'%s': not an executable program (no '#!' line?)",
					program);
	default:
		errno = code;
		return cairn_error_set_os("cannot run '%s'", program);
	}
}

static void restore_signals(struct saved_signals *s)
{
	size_t i;

	signal_wfd = -1;
	for (i = 0; i < NFORWARDED; i++)
		if (s->installed[i])
			sigaction(forwarded[i], &s->fwd[i], NULL);
	if (s->pipe_set)
		sigaction(SIGPIPE, &s->pipe, NULL);
	if (s->chld_set)
		sigaction(SIGCHLD, &s->chld, NULL);
	if (s->mask_set)
		pthread_sigmask(SIG_SETMASK, &s->mask, NULL);
	memset(s, 0, sizeof(*s));
}

static int install_signals(struct saved_signals *s, int wfd)
{
	struct sigaction sa, ign;
	sigset_t unblock;
	size_t i;

	memset(s, 0, sizeof(*s));
	if (pthread_sigmask(SIG_SETMASK, NULL, &s->mask))
		return cairn_error_set(CAIRN_ERRCLASS_OS,
				       "cannot read the signal mask");
	s->mask_set = 1;

	signal_wfd = wfd;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_signal;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigemptyset(&unblock);
	for (i = 0; i < NFORWARDED; i++) {
		if (sigaction(forwarded[i], NULL, &s->fwd[i]) < 0)
			return cairn_error_set_os("cannot read signal %d's handler",
						  forwarded[i]);
		/* Ignored by the caller: leave it so, for the child too. */
		if (!(s->fwd[i].sa_flags & SA_SIGINFO) &&
		    s->fwd[i].sa_handler == SIG_IGN)
			continue;
		if (sigaction(forwarded[i], &sa, NULL) < 0)
			return cairn_error_set_os("cannot handle signal %d",
						  forwarded[i]);
		s->installed[i] = 1;
		sigaddset(&unblock, forwarded[i]);
	}

	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigemptyset(&ign.sa_mask);
	if (sigaction(SIGPIPE, &ign, &s->pipe) < 0)
		return cairn_error_set_os("cannot ignore SIGPIPE");
	s->pipe_set = 1;
	s->pipe_was_ignored = !(s->pipe.sa_flags & SA_SIGINFO) &&
			      s->pipe.sa_handler == SIG_IGN;

	if (sigaction(SIGCHLD, NULL, &s->chld) < 0)
		return cairn_error_set_os("cannot read SIGCHLD's handler");
	if ((!(s->chld.sa_flags & SA_SIGINFO) &&
	     s->chld.sa_handler == SIG_IGN) ||
	    (s->chld.sa_flags & SA_NOCLDWAIT)) {
		struct sigaction dfl;

		memset(&dfl, 0, sizeof(dfl));
		dfl.sa_handler = SIG_DFL;
		sigemptyset(&dfl.sa_mask);
		if (sigaction(SIGCHLD, &dfl, NULL) < 0)
			return cairn_error_set_os("cannot reset SIGCHLD");
		s->chld_set = 1;
	}

	if (pthread_sigmask(SIG_UNBLOCK, &unblock, NULL))
		return cairn_error_set(CAIRN_ERRCLASS_OS,
				       "cannot unblock signals");
	return 0;
}

static int spawn_child(struct relay *r, const char *const *argv, char **env,
		       int out_w, int err_w, const struct saved_signals *s)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	int fa_ready = 0, attr_ready = 0, rc;
	sigset_t dfl;

	rc = posix_spawn_file_actions_init(&fa);
	if (!rc)
		fa_ready = 1;
	if (!rc)
		rc = posix_spawn_file_actions_adddup2(&fa, out_w, 1);
	if (!rc)
		rc = posix_spawn_file_actions_adddup2(&fa, err_w, 2);
	if (!rc)
		rc = posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	if (!rc && !(rc = posix_spawnattr_init(&attr)))
		attr_ready = 1;
	if (!rc)
		rc = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK |
					      POSIX_SPAWN_SETSIGDEF);
	if (!rc) {
		/* Whatever this thread blocks, the command starts clean. */
		sigemptyset(&dfl);
		rc = posix_spawnattr_setsigmask(&attr, &dfl);
	}
	if (!rc) {
		/* Handled signals are reset by exec; SIGPIPE is ours. */
		sigemptyset(&dfl);
		if (!s->pipe_was_ignored)
			sigaddset(&dfl, SIGPIPE);
		rc = posix_spawnattr_setsigdefault(&attr, &dfl);
	}
	if (!rc) {
		clock_gettime(CLOCK_MONOTONIC, &r->start);
		rc = posix_spawnp(&r->pid, argv[0], &fa, &attr,
				  (char *const *)argv, env);
	}
	if (attr_ready)
		posix_spawnattr_destroy(&attr);
	if (fa_ready)
		posix_spawn_file_actions_destroy(&fa);
	return rc ? spawn_failed(rc, argv[0]) : 0;
}

static void mark_reaped(struct relay *r)
{
	r->reaped = 1;
	clock_gettime(CLOCK_MONOTONIC, &r->end);
	r->last_data = r->end;
	fs_close(&r->pidfd);
}

/* Reap the child if it has ended (or, with block, once it ends). */
static void try_reap(struct relay *r, int block)
{
	pid_t w;

	do
		w = waitpid(r->pid, &r->status, block ? 0 : WNOHANG);
	while (w < 0 && errno == EINTR);
	if (w == r->pid) {
		mark_reaped(r);
	} else if (w < 0) {
		/* Someone else reaped it: its status is lost. */
		r->wait_errno = errno;
		r->status = -1;
		mark_reaped(r);
	}
}

/* Act on the records the handlers wrote to the self-pipe. */
static void handle_signals(struct relay *r)
{
	unsigned char rec[64];
	ssize_t n, i;

	/* Records are two bytes written atomically: reads stay aligned. */
	while ((n = read(r->sig_r, rec, sizeof(rec))) > 0) {
		for (i = 0; i + 1 < n; i += 2) {
			int sig = rec[i], from_kernel = rec[i + 1];

			r->res->received_signal = sig;
			if (r->reaped) {
				r->stop = 1;
				continue;
			}
			if (from_kernel && (sig == SIGINT || sig == SIGQUIT) &&
			    getpgid(r->pid) == getpgrp())
				continue;
			kill(r->pid, sig);
		}
	}
}

/*
 * Write all of data to fd, polling for room together with the self-pipe
 * so that signals are forwarded while the reader is slow. Returns 0 or
 * the errno of the failure.
 */
static int relay_write(struct relay *r, int fd, const char *data, size_t len)
{
	while (len) {
		struct pollfd p[2] = {
			{ .fd = fd, .events = POLLOUT, .revents = 0 },
			{ .fd = r->sig_r, .events = POLLIN, .revents = 0 },
		};
		size_t take = len < WRITE_CHUNK ? len : WRITE_CHUNK;
		ssize_t w;

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return errno;
		}
		if (p[1].revents)
			handle_signals(r);
		if (p[0].revents & POLLNVAL)
			return EBADF;
		if (!p[0].revents)
			continue;
		w = write(fd, data, take);
		if (w < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return errno;
		}
		data += w;
		len -= (size_t)w;
	}
	return 0;
}

/* Read what is there on *fd and pass it on; closes *fd at end of file. */
static void pump(struct relay *r, int *fd, int to, int *to_ok)
{
	ssize_t n = read(*fd, r->chunk, READ_CHUNK);
	int e;

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		/* End of file; a read error ends the stream the same way. */
		fs_close(fd);
		return;
	}
	r->res->output_bytes += (uint64_t)n;
	if (r->reaped)
		clock_gettime(CLOCK_MONOTONIC, &r->last_data);
	if (*to_ok && relay_write(r, to, r->chunk, (size_t)n))
		*to_ok = 0;
	if (r->log_fd >= 0 && (e = relay_write(r, r->log_fd, r->chunk,
					       (size_t)n))) {
		r->res->log_errno = e;
		r->log_fd = -1;
	}
}

/* Append fd (for reading) to the poll set; returns its index. */
static int add_poll(struct pollfd *p, int *n, int fd)
{
	p[*n].fd = fd;
	p[*n].events = POLLIN;
	p[*n].revents = 0;
	return (*n)++;
}

static int relay_loop(struct relay *r)
{
	for (;;) {
		struct pollfd p[4];
		int n = 0, i_out = -1, i_err = -1, i_pid = -1, i_sig, timeout;

		if (r->reaped) {
			struct timespec now;
			int64_t idle;

			if ((r->out_r < 0 && r->err_r < 0) || r->stop)
				return 0;
			clock_gettime(CLOCK_MONOTONIC, &now);
			idle = ms_between(&r->last_data, &now);
			if (idle >= LINGER_MS)
				return 0;
			timeout = (int)(LINGER_MS - idle);
		} else {
			timeout = r->pidfd >= 0 ? -1 : WAIT_POLL_MS;
		}

		if (r->out_r >= 0)
			i_out = add_poll(p, &n, r->out_r);
		if (r->err_r >= 0)
			i_err = add_poll(p, &n, r->err_r);
		i_sig = add_poll(p, &n, r->sig_r);
		if (!r->reaped && r->pidfd >= 0)
			i_pid = add_poll(p, &n, r->pidfd);

		if (poll(p, (nfds_t)n, timeout) < 0) {
			if (errno == EINTR)
				continue;
			return cairn_error_set_os("cannot wait for the command");
		}
		if (p[i_sig].revents)
			handle_signals(r);
		if (i_out >= 0 && p[i_out].revents)
			pump(r, &r->out_r, 1, &r->out_ok);
		if (i_err >= 0 && p[i_err].revents)
			pump(r, &r->err_r, 2, &r->err_ok);
		if (!r->reaped && (i_pid < 0 || p[i_pid].revents))
			try_reap(r, 0);
	}
}

int child_run(struct child_result *out, const struct child_options *opts)
{
	struct saved_signals saved;
	struct relay r;
	int out_pipe[2] = { -1, -1 }, err_pipe[2] = { -1, -1 };
	int err = 0, claimed = 0, signals_set = 0, started = 0;
	char **env = NULL;

	memset(out, 0, sizeof(*out));
	memset(&saved, 0, sizeof(saved));
	memset(&r, 0, sizeof(r));
	r.pidfd = r.out_r = r.err_r = r.sig_r = -1;
	r.status = -1;
	r.res = out;

	if (!opts || !opts->argv || !opts->argv[0] || !*opts->argv[0])
		return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
					"no command to run");
	if (opts->log_fd < -1)
		return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
					"bad log descriptor %d", opts->log_fd);
	if (atomic_exchange(&child_busy, 1))
		return cairn_error_set(CAIRN_ERRCLASS_OS,
				       "another command is already running in this process");
	claimed = 1;

	if ((err = build_env(&env, opts->env_add)) < 0)
		goto done;
	if ((err = open_signal_pipe()) < 0 ||
	    (err = make_pipe(out_pipe, 0)) < 0 ||
	    (err = make_pipe(err_pipe, 0)) < 0 ||
	    (err = set_nonblock(out_pipe[0])) < 0 ||
	    (err = set_nonblock(err_pipe[0])) < 0)
		goto done;

	signals_set = 1;
	if ((err = install_signals(&saved, signal_pipe[1])) < 0)
		goto done;

	err = spawn_child(&r, opts->argv, env, out_pipe[1], err_pipe[1],
			  &saved);
	fs_close(&out_pipe[1]);
	fs_close(&err_pipe[1]);
	if (err < 0)
		goto done;
	started = 1;

	r.pidfd = spawn_open_pidfd(r.pid);
	r.out_r = out_pipe[0];
	r.err_r = err_pipe[0];
	out_pipe[0] = err_pipe[0] = -1;
	r.sig_r = signal_pipe[0];
	r.out_ok = r.err_ok = 1;
	r.log_fd = opts->log_fd;
	r.chunk = xmalloc(READ_CHUNK);
	err = relay_loop(&r);

done:
	if (signals_set)
		restore_signals(&saved);
	/* Signals that came in too late to be read in the loop. */
	if (r.sig_r >= 0)
		handle_signals(&r);
	/* Only after a failed relay loop: stop reading, then wait. */
	fs_close(&r.out_r);
	fs_close(&r.err_r);
	if (started && !r.reaped)
		try_reap(&r, 1);
	if (started && !err && r.status == -1) {
		errno = r.wait_errno;
		err = cairn_error_set_os("cannot learn how '%s' ended",
					 opts->argv[0]);
	}
	if (started && !err) {
		if (WIFEXITED(r.status)) {
			out->exited = 1;
			out->exit_code = WEXITSTATUS(r.status);
		} else if (WIFSIGNALED(r.status)) {
			out->signaled = 1;
			out->term_signal = WTERMSIG(r.status);
		}
		out->duration_ms = ms_between(&r.start, &r.end);
	}
	if (err < 0)
		memset(out, 0, sizeof(*out));
	fs_close(&r.pidfd);
	fs_close(&out_pipe[0]);
	fs_close(&out_pipe[1]);
	fs_close(&err_pipe[0]);
	fs_close(&err_pipe[1]);
	free(r.chunk);
	free(env);
	if (claimed)
		atomic_store(&child_busy, 0);
	return err;
}
