/*
 * test_envcap.c: capturing the code version and environment of a command.
 *
 * Code: a git repository made per test in a fresh /tmp directory (user
 * name and e-mail given with -c, the default branch named "main"): commit,
 * branch, detached HEAD, no commit yet, dirty flag and diff after edits
 * (text and binary; the diff applies again to the clean tree), untracked
 * files and directories, a subdirectory, a directory outside any work
 * tree, origin URLs with credentials. System: the fields every Linux has.
 * Python: /usr/bin/python3 when it exists (skipped otherwise), also
 * through a wrapper that has no pip, and interpreters that are missing or
 * fail. Which commands run Python, and which lock files are found.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/envcap.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/fs.h"

#define SYSTEM_PYTHON "/usr/bin/python3"

struct fixture {
	char dir[64];
	char *repo;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/cairn-test-envcap-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	f->repo = path_join(f->dir, "repo");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	fs_remove_tree(f->dir);
	free(f->repo);
	free(f);
	return 0;
}

static void write_file(const char *dir, const char *name, const void *data,
		       size_t len)
{
	char *path = path_join(dir, name);

	assert_int_equal(fs_write_atomic(path, data, len, 0644), 0);
	free(path);
}

static void write_text(const char *dir, const char *name, const char *text)
{
	write_file(dir, name, text, strlen(text));
}

/* Run a shell command in dir; it must succeed. */
static void run_in(const char *dir, const char *cmd)
{
	struct buf line = BUF_INIT;

	buf_printf(&line, "cd '%s' && %s >/dev/null 2>&1", dir, cmd);
	assert_int_equal(system(line.ptr), 0);
	buf_release(&line);
}

#define GIT "git -c user.name=tester -c user.email=tester@example.com " \
	    "-c init.defaultBranch=main -c commit.gpgsign=false "

/* A repository with one commit of a.txt and bin.dat. */
static void make_repo(const struct fixture *f)
{
	static const unsigned char bin[] = { 0, 1, 2, 3, 0, 255, 254, 0 };

	assert_int_equal(mkdir(f->repo, 0755), 0);
	run_in(f->repo, GIT "init -q");
	write_text(f->repo, "a.txt", "line one\nline two\n");
	write_file(f->repo, "bin.dat", bin, sizeof(bin));
	run_in(f->repo, GIT "add a.txt bin.dat");
	run_in(f->repo, GIT "commit -q -m first");
}

static int is_hex(const char *s, size_t len)
{
	size_t i;

	if (strlen(s) != len)
		return 0;
	for (i = 0; i < len; i++)
		if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i]))
			return 0;
	return 1;
}

static void test_clean_repo(void **state)
{
	struct fixture *f = *state;
	struct envcap e = ENVCAP_INIT;
	struct buf head = BUF_INIT;
	char *path;

	make_repo(f);
	assert_int_equal(envcap_code(&e, f->repo), 0);
	assert_non_null(e.git_commit);
	assert_true(is_hex(e.git_commit, 40));
	path = path_join(f->repo, ".git/refs/heads/main");
	assert_int_equal(fs_read_file(&head, path), 0);
	assert_memory_equal(head.ptr, e.git_commit, 40);
	assert_string_equal(e.git_branch, "main");
	assert_null(e.git_remote_url);
	assert_int_equal(e.git_dirty, 0);
	assert_int_equal(e.git_diff.len, 0);
	assert_int_equal(e.git_diff_truncated, 0);

	/* Capturing again replaces, it does not leak or append. */
	assert_int_equal(envcap_code(&e, f->repo), 0);
	assert_string_equal(e.git_branch, "main");
	envcap_release(&e);
	assert_null(e.git_commit);
	assert_int_equal(e.git_dirty, -1);
	free(path);
	buf_release(&head);
}

static void test_dirty_diff_applies(void **state)
{
	static const unsigned char bin2[] = { 0, 9, 9, 9, 0, 255, 254, 0, 7 };
	struct fixture *f = *state;
	struct envcap e = ENVCAP_INIT;
	struct buf a = BUF_INIT, b = BUF_INIT;
	char *patch, *path;

	make_repo(f);
	write_text(f->repo, "a.txt", "line one\nline 2, changed\nline three\n");
	write_file(f->repo, "bin.dat", bin2, sizeof(bin2));
	assert_int_equal(envcap_code(&e, f->repo), 0);
	assert_int_equal(e.git_dirty, 1);
	assert_int_equal(e.git_diff_truncated, 0);
	assert_non_null(strstr(e.git_diff.ptr, "diff --git a/a.txt b/a.txt\n"));
	assert_non_null(strstr(e.git_diff.ptr, "\n-line two\n"));
	assert_non_null(strstr(e.git_diff.ptr, "\n+line 2, changed\n"));
	assert_non_null(strstr(e.git_diff.ptr, "GIT binary patch"));
	assert_null(strstr(e.git_diff.ptr, "# untracked"));

	/* The diff brings the committed tree back to the edited one. */
	patch = path_join(f->dir, "patch.diff");
	assert_int_equal(fs_write_atomic(patch, e.git_diff.ptr, e.git_diff.len,
					 0644), 0);
	run_in(f->repo, "git reset -q --hard");
	run_in(f->repo, "git apply --binary ../patch.diff");
	path = path_join(f->repo, "a.txt");
	assert_int_equal(fs_read_file(&a, path), 0);
	assert_string_equal(a.ptr, "line one\nline 2, changed\nline three\n");
	free(path);
	path = path_join(f->repo, "bin.dat");
	assert_int_equal(fs_read_file(&b, path), 0);
	assert_int_equal(b.len, sizeof(bin2));
	assert_memory_equal(b.ptr, bin2, sizeof(bin2));

	/* A staged change is in the diff as well. */
	run_in(f->repo, "git checkout -q -- bin.dat && git add a.txt");
	assert_int_equal(envcap_code(&e, f->repo), 0);
	assert_int_equal(e.git_dirty, 1);
	assert_non_null(strstr(e.git_diff.ptr, "\n+line three\n"));
	assert_null(strstr(e.git_diff.ptr, "bin.dat"));

	envcap_release(&e);
	buf_release(&a);
	buf_release(&b);
	free(path);
	free(patch);
}

static void test_untracked(void **state)
{
	struct fixture *f = *state;
	struct envcap e = ENVCAP_INIT;
	char *data;

	make_repo(f);
	write_text(f->repo, "new file.py", "print(1)\n");
	data = path_join(f->repo, "data");
	assert_int_equal(mkdir(data, 0755), 0);
	write_text(data, "x.csv", "a\n");
	write_text(data, "y.csv", "b\n");
	assert_int_equal(envcap_code(&e, f->repo), 0);
	assert_int_equal(e.git_dirty, 1);
	/* Names git would quote (a space here) stay quoted as git does. */
	assert_string_equal(e.git_diff.ptr, "# untracked: data/\n"
					    "# untracked: \"new file.py\"\n");

	/* Ignored files do not count. */
	run_in(f->repo, "rm -r data 'new file.py'");
	write_text(f->repo, ".gitignore", "*.log\n");
	run_in(f->repo, GIT "add .gitignore && " GIT "commit -q -m ignore");
	write_text(f->repo, "run.log", "noise\n");
	assert_int_equal(envcap_code(&e, f->repo), 0);
	assert_int_equal(e.git_dirty, 0);
	assert_int_equal(e.git_diff.len, 0);

	/* Both kinds together: the list, then the patch. */
	write_text(f->repo, "a.txt", "line one\n");
	write_text(f->repo, "extra.txt", "x\n");
	assert_int_equal(envcap_code(&e, f->repo), 0);
	assert_int_equal(e.git_dirty, 1);
	assert_non_null(strstr(e.git_diff.ptr,
			       "# untracked: extra.txt\ndiff --git a/a.txt"));
	envcap_release(&e);
	free(data);
}

static void test_subdirectory(void **state)
{
	struct fixture *f = *state;
	struct envcap e = ENVCAP_INIT;
	char *sub;

	make_repo(f);
	sub = path_join(f->repo, "sub");
	assert_int_equal(mkdir(sub, 0755), 0);
	write_text(f->repo, "a.txt", "edited\n");
	/* Asked from a subdirectory: the whole tree, paths from the top. */
	assert_int_equal(envcap_code(&e, sub), 0);
	assert_true(is_hex(e.git_commit, 40));
	assert_int_equal(e.git_dirty, 1);
	assert_non_null(strstr(e.git_diff.ptr, "diff --git a/a.txt b/a.txt"));
	envcap_release(&e);
	free(sub);
}

static void test_detached_and_unborn(void **state)
{
	struct fixture *f = *state;
	struct envcap e = ENVCAP_INIT;
	char *commit;

	make_repo(f);
	assert_int_equal(envcap_code(&e, f->repo), 0);
	commit = xstrdup(e.git_commit);
	run_in(f->repo, "git checkout -q --detach");
	assert_int_equal(envcap_code(&e, f->repo), 0);
	assert_string_equal(e.git_commit, commit);
	assert_null(e.git_branch);
	assert_int_equal(e.git_dirty, 0);
	free(commit);

	/* A repository without a commit yet: a branch, no commit. */
	run_in(f->dir, "rm -rf repo && mkdir repo");
	run_in(f->repo, GIT "init -q");
	assert_int_equal(envcap_code(&e, f->repo), 0);
	assert_null(e.git_commit);
	assert_string_equal(e.git_branch, "main");
	assert_int_equal(e.git_dirty, 0);

	write_text(f->repo, "staged.txt", "one\n");
	write_text(f->repo, "loose.txt", "two\n");
	run_in(f->repo, "git add staged.txt");
	write_text(f->repo, "staged.txt", "one\nmore\n");
	assert_int_equal(envcap_code(&e, f->repo), 0);
	assert_null(e.git_commit);
	assert_int_equal(e.git_dirty, 1);
	assert_non_null(strstr(e.git_diff.ptr, "# untracked: loose.txt\n"));
	assert_non_null(strstr(e.git_diff.ptr, "new file mode"));
	assert_non_null(strstr(e.git_diff.ptr, "\n+more\n"));
	envcap_release(&e);
}

static void test_not_a_work_tree(void **state)
{
	struct fixture *f = *state;
	struct envcap e = ENVCAP_INIT;
	char *gitdir, *missing;

	/* f->dir is a plain directory under /tmp. */
	assert_int_equal(envcap_code(&e, f->dir), 0);
	assert_null(e.git_commit);
	assert_null(e.git_branch);
	assert_null(e.git_remote_url);
	assert_int_equal(e.git_dirty, -1);
	assert_int_equal(e.git_diff.len, 0);

	/* Inside .git is not a work tree either. */
	make_repo(f);
	gitdir = path_join(f->repo, ".git");
	assert_int_equal(envcap_code(&e, gitdir), 0);
	assert_null(e.git_commit);
	assert_int_equal(e.git_dirty, -1);

	missing = path_join(f->dir, "missing");
	assert_int_equal(envcap_code(&e, missing), CAIRN_ENOTFOUND);
	assert_non_null(strstr(cairn_error_last()->message, "missing"));
	write_text(f->dir, "plain", "x");
	free(missing);
	missing = path_join(f->dir, "plain");
	assert_int_equal(envcap_code(&e, missing), CAIRN_ENOTFOUND);
	envcap_release(&e);
	free(gitdir);
	free(missing);
}

static void test_git_missing(void **state)
{
	struct fixture *f = *state;
	struct envcap e = ENVCAP_INIT;
	char *old_path;

	make_repo(f);
	old_path = xstrdup(getenv("PATH") ? getenv("PATH") : "");
	setenv("PATH", "/nonexistent", 1);
	assert_int_equal(envcap_code(&e, f->repo), 0);
	assert_int_equal(envcap_python(&e, "python3"), 0);
	setenv("PATH", old_path, 1);
	assert_null(e.git_commit);
	assert_null(e.git_branch);
	assert_int_equal(e.git_dirty, -1);
	assert_null(e.python_version);
	envcap_release(&e);
	free(old_path);
}

static void test_remote_credentials(void **state)
{
	struct fixture *f = *state;
	struct envcap e = ENVCAP_INIT;

	make_repo(f);
	run_in(f->repo, "git remote add origin "
			"https://user:secret@example.com/x.git");
	assert_int_equal(envcap_code(&e, f->repo), 0);
	assert_string_equal(e.git_remote_url, "https://example.com/x.git");
	assert_null(strstr(e.git_remote_url, "secret"));

	run_in(f->repo, "git remote set-url origin "
			"https://ghp_token123@github.com/o/r.git");
	assert_int_equal(envcap_code(&e, f->repo), 0);
	assert_string_equal(e.git_remote_url, "https://github.com/o/r.git");

	run_in(f->repo, "git remote set-url origin git@github.com:o/r.git");
	assert_int_equal(envcap_code(&e, f->repo), 0);
	assert_string_equal(e.git_remote_url, "git@github.com:o/r.git");
	envcap_release(&e);
}

static void test_strip_url_credentials(void **state)
{
	static const char *const cases[][2] = {
		{ "https://user:secret@example.com/x.git",
		  "https://example.com/x.git" },
		{ "HTTPS://tok@example.com", "HTTPS://example.com" },
		{ "http://u:p@host:8080/a?b=c@d", "http://host:8080/a?b=c@d" },
		{ "https://u:p@ss@host/x", "https://host/x" },
		{ "https://example.com/a@b", "https://example.com/a@b" },
		{ "https://example.com", "https://example.com" },
		{ "ftp://anon:pw@ftp.example.com/f", "ftp://ftp.example.com/f" },
		{ "ssh://git@host:22/x.git", "ssh://git@host:22/x.git" },
		{ "ssh://git:pw@host/x.git", "ssh://git@host/x.git" },
		{ "git+ssh://me:pw@host/x", "git+ssh://me@host/x" },
		{ "git@github.com:o/r.git", "git@github.com:o/r.git" },
		{ "/srv/git/x.git", "/srv/git/x.git" },
		{ "file:///srv/git/x.git", "file:///srv/git/x.git" },
		{ "://u:p@host", "://u:p@host" },
		{ "we ird://u:p@host/x", "we ird://u:p@host/x" },
		{ "", "" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = envcap_strip_url_credentials(cases[i][0]);

		assert_string_equal(got, cases[i][1]);
		free(got);
	}
}

static const char *kv(const struct envcap *e, const char *key)
{
	size_t i;

	for (i = 0; i < e->nsystem; i++)
		if (!strcmp(e->system[i].key, key))
			return e->system[i].value;
	return NULL;
}

static void test_system(void **state)
{
	struct envcap e = ENVCAP_INIT;
	const char *v;
	char *end;
	size_t i, n;

	(void)state;
	assert_int_equal(envcap_system(&e), 0);
	v = kv(&e, "kernel");
	assert_non_null(v);
	assert_int_equal(strncmp(v, "Linux ", 6), 0);
	assert_non_null(kv(&e, "arch"));
	assert_non_null(kv(&e, "hostname"));
	if (fs_exists("/etc/os-release") || fs_exists("/usr/lib/os-release")) {
		v = kv(&e, "os");
		assert_non_null(v);
		assert_null(strchr(v, '"'));
	}
	v = kv(&e, "cpu_count");
	assert_non_null(v);
	assert_true(strtol(v, &end, 10) >= 1 && *end == '\0');
	v = kv(&e, "memory_bytes");
	assert_non_null(v);
	assert_true(strtoull(v, &end, 10) >= (1ull << 20) && *end == '\0');
	for (i = 0; i < e.nsystem; i++)
		assert_true(*e.system[i].value);

	/* Again: replaced, not appended. */
	n = e.nsystem;
	assert_int_equal(envcap_system(&e), 0);
	assert_int_equal(e.nsystem, n);
	envcap_release(&e);
	assert_null(e.system);
	assert_int_equal(e.nsystem, 0);
}

static int is_version(const char *s)
{
	int dots = 0;

	if (!s || !isdigit((unsigned char)*s))
		return 0;
	for (; *s && (isdigit((unsigned char)*s) || *s == '.'); s++)
		dots += *s == '.';
	return dots == 2;
}

/* Lines are sorted without regard to case, and each is name==version. */
static void assert_package_list(const struct buf *packages)
{
	const char *p = buf_cstr(packages), *prev = NULL;
	size_t prev_len = 0;

	assert_true(packages->len > 0);
	assert_int_equal(p[packages->len - 1], '\n');
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = (size_t)(nl - p);

		assert_true(len > 0);
		assert_true(*p != '#');
		if (*p != '-') {
			const char *eq = memchr(p, '=', len);

			assert_true((eq && eq[1] == '=') || memchr(p, '@', len));
		}
		if (prev) {
			size_t m = prev_len < len ? prev_len : len;
			int c = strncasecmp(prev, p, m);

			assert_true(c < 0 || (c == 0 && prev_len <= len));
		}
		prev = p;
		prev_len = len;
		p = nl + 1;
	}
}

static int has_package(const struct buf *packages, const char *name)
{
	struct buf want = BUF_INIT;
	const char *p = buf_cstr(packages);
	int found = 0;

	buf_printf(&want, "%s==", name);
	while (*p && !found) {
		found = !strncasecmp(p, want.ptr, want.len);
		p = strchr(p, '\n') + 1;
	}
	buf_release(&want);
	return found;
}

static void test_python(void **state)
{
	struct envcap e = ENVCAP_INIT;

	(void)state;
	if (access(SYSTEM_PYTHON, X_OK) != 0)
		skip();
	assert_int_equal(envcap_python(&e, SYSTEM_PYTHON), 0);
	assert_true(is_version(e.python_version));
	assert_non_null(e.python_executable);
	assert_int_equal(e.python_executable[0], '/');
	/* Every Python installation has at least pip or setuptools listed. */
	assert_package_list(&e.python_packages);
	assert_true(has_package(&e.python_packages, "pip") ||
		    has_package(&e.python_packages, "setuptools"));
	envcap_release(&e);
	assert_null(e.python_version);
	assert_int_equal(e.python_packages.len, 0);
}

static void test_python_without_pip(void **state)
{
	struct fixture *f = *state;
	static const char text[] = "#!/bin/sh\n"
				   "if [ \"$1\" = -m ]; then exit 1; fi\n"
				   "exec " SYSTEM_PYTHON " \"$@\"\n";
	struct envcap e = ENVCAP_INIT, full = ENVCAP_INIT;
	char *wrapper;

	if (access(SYSTEM_PYTHON, X_OK) != 0)
		skip();
	/* An interpreter whose `-m` fails: the importlib fallback. */
	wrapper = path_join(f->dir, "python3");
	assert_int_equal(fs_write_atomic(wrapper, text, sizeof(text) - 1, 0755),
			 0);
	assert_int_equal(envcap_python(&e, wrapper), 0);
	assert_true(is_version(e.python_version));
	assert_package_list(&e.python_packages);
	assert_int_equal(envcap_python(&full, SYSTEM_PYTHON), 0);
	assert_string_equal(e.python_version, full.python_version);
	assert_string_equal(e.python_executable, full.python_executable);
	/* A package pip lists is found by the fallback too. */
	assert_true(has_package(&e.python_packages, "pip") ==
		    has_package(&full.python_packages, "pip"));
	envcap_release(&e);
	envcap_release(&full);
	free(wrapper);
}

static void test_python_missing_or_failing(void **state)
{
	struct fixture *f = *state;
	struct envcap e = ENVCAP_INIT;
	char *script;

	assert_int_equal(envcap_python(&e, "cairn-no-such-python3"), 0);
	assert_null(e.python_version);
	assert_null(e.python_executable);
	assert_int_equal(e.python_packages.len, 0);
	assert_int_equal(envcap_python(&e, "false"), 0);
	assert_null(e.python_version);
	/* Exits 0 but prints nothing. */
	assert_int_equal(envcap_python(&e, "true"), 0);
	assert_null(e.python_version);
	assert_int_equal(e.python_packages.len, 0);

	/* One that cannot be run at all is an error. */
	script = path_join(f->dir, "python");
	assert_int_equal(fs_write_atomic(script, "#!/bin/sh\n", 10, 0644), 0);
	assert_true(envcap_python(&e, script) < 0);
	assert_null(e.python_version);
	envcap_release(&e);
	free(script);
}

static void expect_python(const char *const *argv, const char *want)
{
	char *py = (char *)"unset";
	int rc = envcap_python_of_command(&py, argv);

	if (want) {
		assert_int_equal(rc, 1);
		assert_non_null(py);
		assert_string_equal(py, want);
	} else {
		assert_int_equal(rc, 0);
		assert_null(py);
	}
	free(py);
}

static char *script(const struct fixture *f, const char *name,
		    const char *text)
{
	char *path = path_join(f->dir, name);

	assert_int_equal(fs_write_atomic(path, text, strlen(text), 0755), 0);
	return path;
}

static void test_python_of_command(void **state)
{
	struct fixture *f = *state;
	const char *a[8] = { NULL };
	char *s, *old_path;
	struct buf path = BUF_INIT;

	/* Interpreter names. */
	a[0] = "python"; a[1] = "train.py";
	expect_python(a, "python");
	a[0] = "python3";
	expect_python(a, "python3");
	a[0] = "/opt/venv/bin/python3.11";
	expect_python(a, "/opt/venv/bin/python3.11");
	a[0] = "python3.13t";
	expect_python(a, "python3.13t");
	a[0] = "python2.7";
	expect_python(a, "python2.7");
	a[0] = "pypy3";
	expect_python(a, "pypy3");
	a[0] = "./venv/bin/python";
	expect_python(a, "./venv/bin/python");
	a[0] = "pythonista";
	expect_python(a, NULL);
	a[0] = "python-config";
	expect_python(a, NULL);
	a[0] = "python3.";
	expect_python(a, NULL);
	a[0] = "pythonm";
	expect_python(a, NULL);
	a[0] = "/usr/bin/python/ls";
	expect_python(a, NULL);
	a[0] = "";
	expect_python(a, NULL);
	a[0] = NULL;
	expect_python(a, NULL);
	expect_python(NULL, NULL);

	/* Through env. */
	a[0] = "env"; a[1] = "FOO=1"; a[2] = "-i"; a[3] = "python3";
	a[4] = "x.py"; a[5] = NULL;
	expect_python(a, "python3");
	a[0] = "/usr/bin/env"; a[1] = "-u"; a[2] = "HOME"; a[3] = "python";
	a[4] = NULL;
	expect_python(a, "python");
	a[0] = "env"; a[1] = "-u"; a[2] = NULL;
	expect_python(a, NULL);
	a[0] = "env"; a[1] = "A=b"; a[2] = NULL;
	expect_python(a, NULL);
	a[0] = "env"; a[1] = "--"; a[2] = "python3"; a[3] = NULL;
	expect_python(a, "python3");

	/* Scripts, by their #! line. */
	a[1] = "--epochs"; a[2] = "3"; a[3] = NULL;
	s = script(f, "train.py", "#!/usr/bin/env python3\nprint(1)\n");
	a[0] = s;
	expect_python(a, "python3");
	free(s);
	s = script(f, "t2", "#!/usr/bin/python3.11 -u\n");
	a[0] = s;
	expect_python(a, "/usr/bin/python3.11");
	free(s);
	s = script(f, "t3", "#! /usr/bin/env -S PYTHONHASHSEED=0 python -u\n");
	a[0] = s;
	expect_python(a, "python");
	free(s);
	s = script(f, "t4", "#!/opt/py/bin/python3\r\nprint(1)\r\n");
	a[0] = s;
	expect_python(a, "/opt/py/bin/python3");
	free(s);
	s = script(f, "t5", "#!/bin/sh\n"
			    "'''exec' \"/opt/a b/bin/python3\" \"$0\" \"$@\"\n"
			    "' '''\n");
	a[0] = s;
	expect_python(a, "/opt/a b/bin/python3");
	free(s);
	s = script(f, "t6", "#!/bin/sh\n'''exec' /opt/v/bin/python \"$0\"\n");
	a[0] = s;
	expect_python(a, "/opt/v/bin/python");
	free(s);
	s = script(f, "t7", "#!/bin/bash\necho python3\n");
	a[0] = s;
	expect_python(a, NULL);
	free(s);
	s = script(f, "t8", "#!/usr/bin/env bash\n");
	a[0] = s;
	expect_python(a, NULL);
	free(s);
	s = script(f, "t9", "#!/usr/bin/env\n");
	a[0] = s;
	expect_python(a, NULL);
	free(s);
	s = script(f, "t10", "#!");
	a[0] = s;
	expect_python(a, NULL);
	free(s);
	s = script(f, "t11", "");
	a[0] = s;
	expect_python(a, NULL);
	free(s);
	s = script(f, "t12", "#!/bin/sh\n'''exec' /usr/bin/perl \"$0\"\n");
	a[0] = s;
	expect_python(a, NULL);
	free(s);
	a[0] = f->dir; /* a directory */
	expect_python(a, NULL);
	a[0] = "/nonexistent/train.py";
	expect_python(a, NULL);
	a[0] = "/bin/ls"; /* not a script */
	expect_python(a, NULL);

	/* A console script found in PATH, and env in front of one. */
	s = script(f, "cairn-test-trainer", "#!/usr/bin/python3\n");
	old_path = xstrdup(getenv("PATH") ? getenv("PATH") : "");
	buf_printf(&path, "/nonexistent:%s:%s", f->dir, old_path);
	setenv("PATH", path.ptr, 1);
	a[0] = "cairn-test-trainer"; a[1] = NULL;
	expect_python(a, "/usr/bin/python3");
	a[0] = "env"; a[1] = "X=1"; a[2] = "cairn-test-trainer"; a[3] = NULL;
	expect_python(a, "/usr/bin/python3");
	a[0] = "cairn-no-such-trainer"; a[1] = NULL;
	expect_python(a, NULL);
	setenv("PATH", old_path, 1);
	free(old_path);
	buf_release(&path);
	free(s);
}

static void test_lock_files(void **state)
{
	struct fixture *f = *state;
	struct envcap e = ENVCAP_INIT;
	char *sub;

	assert_int_equal(envcap_lock_files(&e, f->dir), 0);
	assert_int_equal(e.nlock_files, 0);
	assert_null(e.lock_files);

	write_text(f->dir, "requirements.txt", "numpy\n");
	write_text(f->dir, "requirements-dev.txt", "pytest\n");
	write_text(f->dir, "uv.lock", "");
	write_text(f->dir, "Dockerfile", "FROM debian\n");
	write_text(f->dir, "pyproject.toml", "[project]\n");
	write_text(f->dir, "environment.yml", "name: x\n");
	write_text(f->dir, "README.md", "hi\n");
	write_text(f->dir, "requirements.txt.bak", "old\n");
	write_text(f->dir, "Pipfile.lock.orig", "old\n");
	sub = path_join(f->dir, "poetry.lock"); /* a directory: not a file */
	assert_int_equal(mkdir(sub, 0755), 0);
	assert_int_equal(envcap_lock_files(&e, f->dir), 0);
	assert_int_equal(e.nlock_files, 6);
	assert_string_equal(e.lock_files[0], "Dockerfile");
	assert_string_equal(e.lock_files[1], "environment.yml");
	assert_string_equal(e.lock_files[2], "pyproject.toml");
	assert_string_equal(e.lock_files[3], "requirements-dev.txt");
	assert_string_equal(e.lock_files[4], "requirements.txt");
	assert_string_equal(e.lock_files[5], "uv.lock");

	/* A symlink to a file counts; a dangling one does not. */
	run_in(f->dir, "ln -s requirements.txt conda.yaml && "
		       "ln -s missing Pipfile.lock");
	assert_int_equal(envcap_lock_files(&e, f->dir), 0);
	assert_int_equal(e.nlock_files, 7);
	assert_string_equal(e.lock_files[1], "conda.yaml");

	free(sub);
	sub = path_join(f->dir, "missing");
	assert_int_equal(envcap_lock_files(&e, sub), CAIRN_ENOTFOUND);
	assert_int_equal(e.nlock_files, 0);
	envcap_release(&e);
	free(sub);
}

static void test_capture_all(void **state)
{
	struct fixture *f = *state;
	struct envcap e = ENVCAP_INIT;
	const char *py[] = { SYSTEM_PYTHON, "train.py", NULL };
	const char *sh[] = { "sh", "-c", "true", NULL };

	make_repo(f);
	write_text(f->repo, "requirements.txt", "numpy\n");
	assert_int_equal(envcap_capture(&e, f->repo, sh), 0);
	assert_true(is_hex(e.git_commit, 40));
	assert_int_equal(e.git_dirty, 1);
	assert_string_equal(e.git_diff.ptr,
			    "# untracked: requirements.txt\n");
	assert_true(e.nsystem >= 4);
	assert_int_equal(e.nlock_files, 1);
	assert_null(e.python_version);
	if (access(SYSTEM_PYTHON, X_OK) == 0) {
		assert_int_equal(envcap_capture(&e, f->repo, py), 0);
		assert_true(is_version(e.python_version));
		assert_true(e.python_packages.len > 0);
		assert_int_equal(e.nlock_files, 1);
	}
	envcap_release(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_clean_repo, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dirty_diff_applies, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_untracked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_subdirectory, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_detached_and_unborn, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_not_a_work_tree, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_git_missing, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_remote_credentials, setup,
						teardown),
		cmocka_unit_test(test_strip_url_credentials),
		cmocka_unit_test(test_system),
		cmocka_unit_test(test_python),
		cmocka_unit_test_setup_teardown(test_python_without_pip, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_python_missing_or_failing,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_python_of_command, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_lock_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_capture_all, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
