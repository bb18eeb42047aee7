/*
 * child.h: run a command in the foreground as its wrapper, the way a shell
 * would, while relaying and copying what it prints.
 *
 * This is the process half of "cairn run -- COMMAND...": the command runs
 * unchanged, its stdout and stderr reach our stdout and stderr as they
 * arrive (and a copy of both, interleaved in arrival order, goes to a log
 * descriptor), the usual termination signals sent to us reach it instead,
 * and how it ended is reported.
 *
 * The child keeps our stdin, our process group and our session, so it can
 * read the terminal and a ^C typed there reaches it directly. It inherits
 * the environment (plus the entries asked for, plus PYTHONUNBUFFERED=1
 * unless that is already set) and the signals the caller ignores; every
 * other signal is at its default and none is blocked.
 * No descriptor besides 0, 1 and 2 is passed on.
 *
 * Signal handling is process-wide, so only one child_run() may be in
 * progress in a process at a time; a second concurrent call fails with
 * CAIRN_ERROR. The first call opens a close-on-exec pipe (two descriptors)
 * that stays open for the life of the process, for its signal handlers.
 */
#ifndef CAIRN_UTIL_CHILD_H
#define CAIRN_UTIL_CHILD_H

#include <stdint.h>

struct child_result {
	int exited;		/* 1: exited normally, exit_code valid */
	int exit_code;
	int signaled;		/* 1: killed by a signal, term_signal set */
	int term_signal;
	int64_t duration_ms;	/* from the start until the child ended */
	uint64_t output_bytes;	/* bytes of stdout+stderr captured */
	/*
	 * The last of SIGINT, SIGTERM, SIGHUP, SIGQUIT that this process
	 * received while the child ran (0: none), whether it was forwarded
	 * or the child had it from the terminal already. Lets the caller
	 * tell "stopped by the user" from "failed on its own".
	 */
	int received_signal;
	/*
	 * 0, or the errno of the first failed write to log_fd: the copy is
	 * then incomplete (nothing more was written to it), while the relay
	 * to the terminal and the child went on regardless.
	 */
	int log_errno;
};

struct child_options {
	/* The command, NULL-terminated; argv[0] is looked up in PATH (the
	 * PATH of this process, not one set through env_add) unless it
	 * contains a '/'. */
	const char *const *argv;
	/* NULL, or extra "NAME=value" entries (NULL-terminated) added to
	 * the current environment, replacing variables of the same name. */
	const char *const *env_add;
	/* -1, or a descriptor where a copy of the output goes (stdout and
	 * stderr interleaved in arrival order). Not closed here. */
	int log_fd;
};

/*
 * Run the command to completion.
 *
 * While it runs, SIGINT, SIGTERM, SIGHUP and SIGQUIT received by this
 * process are forwarded to the child and not acted on here (a signal the
 * caller ignores stays ignored, for us and for the child, as under
 * nohup). A SIGINT or SIGQUIT typed at the terminal is not forwarded when
 * the child is still in our process group: the terminal has delivered it
 * to the child already, and a training script must not see one ^C twice.
 * SIGPIPE is ignored here while the command runs; a failed write to our
 * stdout or stderr (the reader went away) stops that relay only, never the
 * copy to log_fd nor the child.
 *
 * Relaying goes on until both of the child's output pipes are at end of
 * file and the child has ended. If something the child started keeps the
 * pipes open after the child ended, relaying stops once nothing arrived
 * for a second, or at once when one of the signals above comes in.
 *
 * The signal dispositions, the SIGPIPE disposition and the signal mask of
 * the calling thread are restored before returning; the child is always
 * reaped once started. Output goes straight to descriptors 1 and 2: flush
 * stdio's stdout and stderr before calling, or what is still buffered
 * there comes out after the command's output.
 *
 * Returns 0 when the child ran (*out says how it ended), CAIRN_ENOTFOUND
 * ("'foo': command not found") when argv[0] does not exist,
 * CAIRN_EINVALID when it is not something that can be executed (no
 * permission, a directory, not a program) or the options are malformed,
 * another error otherwise. *out is zeroed on failure.
 */
int child_run(struct child_result *out, const struct child_options *opts);

#endif
