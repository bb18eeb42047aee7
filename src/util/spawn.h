/*
 * spawn.h: run a helper program and capture what it prints (git's
 * capture_command, bounded in size and time).
 *
 * The program runs with stdin from /dev/null, stderr to /dev/null and
 * stdout into a pipe; it is the leader of a new process group, so a
 * timeout kills it together with whatever it started. Nothing of the
 * caller's is inherited besides the environment and the three standard
 * descriptors: every other descriptor is closed in the child.
 *
 * Safe to call from several threads at once and from a process with
 * threads: it uses posix_spawnp() (no fork of the address space) and waits
 * for its own child by pid only, never for "any child".
 */
#ifndef CAIRN_UTIL_SPAWN_H
#define CAIRN_UTIL_SPAWN_H

#include <spawn.h>
#include <stddef.h>
#include <sys/types.h>

#include "util/buf.h"

/*
 * Run argv (argv[0] looked up in PATH unless it has a '/'; argv ends with
 * NULL) in directory cwd (NULL: the current one) and append at most
 * max_output bytes of its stdout to out (NULL: discard it); whatever comes
 * beyond is read and dropped so the program never blocks on a full pipe.
 * After timeout_ms milliseconds (<= 0: no limit) the program and its
 * process group get SIGKILL. The child is always reaped before returning.
 *
 * Returns 0 when the program ran: *exit_status (may be NULL) gets its exit
 * code, or -1 if it was killed by a signal or by the timeout (out then
 * holds what it printed until then). Returns CAIRN_ENOTFOUND when the
 * program does not exist, CAIRN_ERROR on any other failure (cwd cannot be
 * opened, the program is not executable, out of descriptors, ...).
 */
int spawn_capture(struct buf *out, int *exit_status, const char *const *argv,
		  const char *cwd, size_t max_output, int timeout_ms);

/*
 * Make attr start the child as the leader of a new process group, with no
 * signal blocked and every signal at its default disposition, whatever
 * the caller blocks or ignores. 0, or the error number of posix_spawn*.
 */
int spawn_attr_own_group(posix_spawnattr_t *attr);

/*
 * A pidfd for pid (close-on-exec), or -1 where the kernel or headers have
 * none; callers then fall back to polling waitpid().
 */
int spawn_open_pidfd(pid_t pid);

#endif
