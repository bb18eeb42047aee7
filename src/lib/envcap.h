/*
 * envcap.h: capture the code version and the environment a command runs
 * in (what `cairn run` records with a run), without storing anything.
 *
 * Every piece is asked of the tools themselves (git, the Python
 * interpreter) through spawn_capture() with a timeout, or read from the
 * system (uname, /etc/os-release, /proc). A missing tool, a directory that
 * is not a git work tree or an interpreter that fails is not an error: the
 * fields stay empty and the function returns 0. Only a real failure (the
 * directory does not exist, descriptors run out, ...) returns < 0.
 *
 * Each envcap_* function fills only its own fields and first releases what
 * they held, so the functions can be called in any order and again.
 */
#ifndef CAIRN_LIB_ENVCAP_H
#define CAIRN_LIB_ENVCAP_H

#include <stddef.h>

#include "util/buf.h"

/* Bounds on what is kept. */
#define ENVCAP_DIFF_MAX ((size_t)64 << 20)   /* git_diff */
#define ENVCAP_STATUS_MAX ((size_t)8 << 20)  /* `git status` output read */
#define ENVCAP_PACKAGES_MAX ((size_t)8 << 20) /* python_packages */

/* Timeouts in milliseconds. */
#define ENVCAP_QUERY_TIMEOUT_MS 5000    /* git and python queries */
#define ENVCAP_DIFF_TIMEOUT_MS 30000    /* git diff */
#define ENVCAP_PACKAGES_TIMEOUT_MS 30000 /* pip freeze, or its fallback */

struct envcap_kv {
	char *key;
	char *value;
};

struct envcap {
	/*
	 * Code (git), filled by envcap_code(). NULL, and git_dirty -1, when
	 * the directory is not in a git work tree or git is missing.
	 * git_commit is NULL on a branch without commits yet; git_branch is
	 * NULL on a detached HEAD; git_remote_url (origin's, user and
	 * password removed) is NULL without an origin.
	 */
	char *git_commit, *git_branch, *git_remote_url;
	int git_dirty;
	/*
	 * When dirty: the untracked files and directories, as comment lines
	 * ("# untracked: NAME", NAME quoted as git quotes it), then the
	 * output of `git diff HEAD --binary` (tracked changes, staged or
	 * not; binary-safe, so len counts and ptr may hold NULs). Empty when
	 * clean. Bounded by ENVCAP_DIFF_MAX. git_diff_truncated is 1 when the
	 * patch is incomplete: cut at that bound, or `git diff` failed or
	 * timed out (the patch then may not apply).
	 */
	struct buf git_diff;
	int git_diff_truncated;

	/*
	 * System, filled by envcap_system(), in this order, each present
	 * only when known: os (PRETTY_NAME of /etc/os-release), kernel
	 * ("Linux 6.1.0-..."), arch, hostname, cpu_model, cpu_count (online
	 * processors), memory_bytes (physical memory), as decimal strings.
	 */
	struct envcap_kv *system;
	size_t nsystem;

	/*
	 * Python, filled by envcap_python(); NULL and empty when not
	 * captured. python_packages holds one "name==version" line per
	 * distribution (pip freeze's lines as they are, so also "-e ..." and
	 * "name @ URL" for editable and direct installs), sorted without
	 * regard to case.
	 */
	char *python_version;    /* "3.11.2" */
	char *python_executable; /* sys.executable */
	struct buf python_packages;

	/*
	 * Lock and environment files in the directory, by name, sorted,
	 * filled by envcap_lock_files(): requirements.txt and any other
	 * requirements*.txt, poetry.lock, Pipfile, Pipfile.lock, pdm.lock,
	 * uv.lock, pyproject.toml, setup.py, setup.cfg, environment.yml,
	 * environment.yaml, conda.yaml, conda.yml, Dockerfile.
	 */
	char **lock_files;
	size_t nlock_files;
};

#define ENVCAP_INIT                                                       \
	{ NULL, NULL, NULL, -1, BUF_INIT, 0, NULL, 0, NULL, NULL, BUF_INIT, \
	  NULL, 0 }

void envcap_init(struct envcap *e);
/* Free everything and leave *e as after envcap_init(). */
void envcap_release(struct envcap *e);

/*
 * The git state of the work tree that holds dir. CAIRN_ENOTFOUND when dir
 * is not a directory.
 */
int envcap_code(struct envcap *out, const char *dir);

/* The system fields. */
int envcap_system(struct envcap *out);

/*
 * The version, executable and packages of the interpreter python (a name
 * looked up in PATH, or a path; a relative path is relative to the
 * current directory). The queries run in the current directory, as the
 * command will. Packages come from `python -m pip freeze --all`, or when
 * that fails from importlib.metadata.
 */
int envcap_python(struct envcap *out, const char *python);

/* The lock files in dir. CAIRN_ENOTFOUND when dir is not a directory. */
int envcap_lock_files(struct envcap *out, const char *dir);

/*
 * Whether argv (NULL-terminated) runs Python: argv[0]'s base name is
 * python, python3, python3.11 (also pypy..., with a trailing "m" or "t"),
 * or argv[0] is a script (a path, or a name found in PATH) whose #! line
 * names such an interpreter, directly or through env (pip's console
 * scripts with the "'''exec'" trampoline too). A leading "env [-i]
 * [NAME=VALUE...]" is looked through. Returns 1 and sets *python_out (the
 * interpreter to give envcap_python(); free it) when it does, 0 and NULL
 * when it does not.
 */
int envcap_python_of_command(char **python_out, const char *const *argv);

/*
 * All of the above for a command argv run in dir: code and lock files of
 * dir, the system, and Python when argv runs it.
 */
int envcap_capture(struct envcap *out, const char *dir,
		   const char *const *argv);

/*
 * Remove user and password from a URL: "https://user:pw@host/x" and
 * "https://token@host/x" become "https://host/x"; for other schemes only
 * a password is removed ("ssh://git:pw@host/x" -> "ssh://git@host/x",
 * "ssh://git@host/x" unchanged). scp-like "git@host:x" and paths are
 * unchanged. Returns a new string.
 */
char *envcap_strip_url_credentials(const char *url);

#endif
