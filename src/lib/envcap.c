/*
 * envcap.c: capture the code version and environment of a command (see
 * envcap.h).
 *
 * Code. All git commands run in the top of the work tree (found with
 * `rev-parse --show-toplevel`, which also tells whether there is a work
 * tree at all), so a diff.relative setting cannot narrow the diff to a
 * subdirectory, and with --no-optional-locks, so capturing never rewrites
 * the index under a git command the user runs at the same time. The diff
 * is made to be applied again: --binary, no colour, no external diff
 * driver or textconv, the a/ b/ prefixes whatever diff.noprefix says.
 * `git status --porcelain` decides dirtiness (untracked files count) and
 * names the untracked files, with wholly untracked directories collapsed
 * to one line, so a new data directory costs one line, not a million.
 *
 * System. uname(), sysconf(), /etc/os-release (or /usr/lib/os-release)
 * and /proc/cpuinfo; nothing is spawned.
 *
 * Python. The interpreter is asked, never guessed: its version and
 * sys.executable from one `-c` (the version read from sys.version, so
 * no module of the project's directory can shadow it), its packages from
 * `-m pip freeze --all`, or when the interpreter has no pip from
 * importlib.metadata, one line per distribution name (the first found on
 * sys.path, which is the one imported). Both lists are sorted here, the
 * same way, and pip's comment lines dropped.
 *
 * A tool that is missing (spawn_capture() says CAIRN_ENOTFOUND), fails or
 * times out leaves its fields empty; only the errors spawn_capture() and
 * the file system report otherwise are passed up.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "lib/envcap.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/spawn.h"
#include "util/banned.h"

#define ENVCAP_SMALL_MAX ((size_t)64 << 10)  /* one-line answers */
#define ENVCAP_CPUINFO_MAX ((size_t)16 << 20)
#define ENVCAP_SHEBANG_MAX 1024

void envcap_init(struct envcap *e)
{
	struct envcap blank = ENVCAP_INIT;

	*e = blank;
}

static void clear_str(char **s)
{
	free(*s);
	*s = NULL;
}

static void clear_code(struct envcap *e)
{
	clear_str(&e->git_commit);
	clear_str(&e->git_branch);
	clear_str(&e->git_remote_url);
	e->git_dirty = -1;
	buf_release(&e->git_diff);
	e->git_diff_truncated = 0;
}

static void clear_system(struct envcap *e)
{
	size_t i;

	for (i = 0; i < e->nsystem; i++) {
		free(e->system[i].key);
		free(e->system[i].value);
	}
	free(e->system);
	e->system = NULL;
	e->nsystem = 0;
}

static void clear_python(struct envcap *e)
{
	clear_str(&e->python_version);
	clear_str(&e->python_executable);
	buf_release(&e->python_packages);
}

static void clear_lock_files(struct envcap *e)
{
	size_t i;

	for (i = 0; i < e->nlock_files; i++)
		free(e->lock_files[i]);
	free(e->lock_files);
	e->lock_files = NULL;
	e->nlock_files = 0;
}

void envcap_release(struct envcap *e)
{
	clear_code(e);
	clear_system(e);
	clear_python(e);
	clear_lock_files(e);
	envcap_init(e);
}

/*
 * Run argv and keep at most max bytes of its output in out (reset first).
 * Returns 1 when it ran and exited 0, 0 when it is missing, failed or
 * timed out, <0 on a real error.
 */
static int query(struct buf *out, const char *const *argv, const char *cwd,
		 size_t max, int timeout_ms)
{
	int status, err;

	buf_reset(out);
	err = spawn_capture(out, &status, argv, cwd, max, timeout_ms);
	if (err == CAIRN_ENOTFOUND) {
		cairn_error_reset();
		return 0;
	}
	if (err < 0)
		return err;
	return status == 0;
}

/* The first line of s, without trailing white space; NULL if empty. */
static char *first_line(const struct buf *s)
{
	const char *p = buf_cstr(s);
	size_t n = strcspn(p, "\r\n");

	while (n && isspace((unsigned char)p[n - 1]))
		n--;
	return n ? xstrndup(p, n) : NULL;
}

/* ------------------------------------------------------------------ git */

static int is_hex_id(const char *s)
{
	size_t n = strspn(s, "0123456789abcdef");

	return s[n] == '\0' && (n == 40 || n == 64);
}

static int is_http_scheme(const char *url, size_t len)
{
	static const char *const schemes[] = { "http", "https", "ftp",
					       "ftps" };
	size_t i;

	for (i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++)
		if (strlen(schemes[i]) == len &&
		    !strncasecmp(url, schemes[i], len))
			return 1;
	return 0;
}

char *envcap_strip_url_credentials(const char *url)
{
	const char *sep = strstr(url, "://"), *auth, *at, *colon;
	struct buf out = BUF_INIT;
	size_t auth_len, i;

	if (!sep || sep == url)
		return xstrdup(url);
	for (i = 0; url + i < sep; i++)
		if (!isalnum((unsigned char)url[i]) && !strchr("+-.", url[i]))
			return xstrdup(url);
	auth = sep + 3;
	auth_len = strcspn(auth, "/?#");
	at = memrchr(auth, '@', auth_len);
	if (!at)
		return xstrdup(url);
	colon = memchr(auth, ':', (size_t)(at - auth));
	buf_add(&out, url, (size_t)(auth - url));
	if (is_http_scheme(url, (size_t)(sep - url)))
		buf_puts(&out, at + 1);
	else if (colon) {
		buf_add(&out, auth, (size_t)(colon - auth));
		buf_puts(&out, at);
	} else {
		buf_puts(&out, auth);
	}
	return buf_detach(&out, NULL);
}

#define GIT_MAX_ARGS 16

/*
 * Run `git --no-optional-locks -C dir ARGS...` (args NULL-terminated); as
 * query().
 */
static int git(struct buf *out, const char *dir, size_t max, int timeout_ms,
	       const char *const *args)
{
	const char *argv[GIT_MAX_ARGS + 5];
	size_t n = 0, i;

	argv[n++] = "git";
	argv[n++] = "--no-optional-locks";
	argv[n++] = "-C";
	argv[n++] = dir;
	for (i = 0; args[i] && i < GIT_MAX_ARGS; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	return query(out, argv, NULL, max, timeout_ms);
}

static int git_line(char **line, const char *dir, const char *const *args)
{
	struct buf out = BUF_INIT;
	int rc = git(&out, dir, ENVCAP_SMALL_MAX, ENVCAP_QUERY_TIMEOUT_MS, args);

	*line = rc > 0 ? first_line(&out) : NULL;
	buf_release(&out);
	return rc < 0 ? rc : 0;
}

/*
 * Append "# untracked: NAME" for each "?? NAME" line of porcelain status
 * output; a last line cut by the size bound is dropped.
 */
static void list_untracked(struct buf *diff, const struct buf *status,
			   int cut)
{
	const char *p = buf_cstr(status), *end = p + status->len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		if (!nl) {
			if (cut)
				break;
			nl = end;
		}
		if (nl - p > 3 && !memcmp(p, "?? ", 3)) {
			buf_puts(diff, "# untracked: ");
			buf_add(diff, p + 3, (size_t)(nl - p - 3));
			buf_addch(diff, '\n');
		}
		p = nl + 1;
	}
	if (cut)
		buf_puts(diff, "# untracked: (list cut: git status printed "
			       "too much)\n");
}

/*
 * Append `git diff WHAT` (WHAT NULL: the work tree against the index) with
 * the options that make an appliable patch to out->git_diff.
 */
static int append_diff(struct envcap *out, const char *top, const char *what)
{
	const char *const args[] = { "diff", "--binary", "--no-color",
				     "--no-ext-diff", "--no-textconv",
				     "--src-prefix=a/", "--dst-prefix=b/",
				     what, NULL };
	struct buf diff = BUF_INIT;
	size_t room;
	int rc;

	if (out->git_diff.len >= ENVCAP_DIFF_MAX) {
		out->git_diff_truncated = 1;
		return 0;
	}
	room = ENVCAP_DIFF_MAX - out->git_diff.len;
	rc = git(&diff, top, room + 1, ENVCAP_DIFF_TIMEOUT_MS, args);
	if (rc < 0)
		goto done;
	if (!rc)
		out->git_diff_truncated = 1;
	if (diff.len > room) {
		buf_setlen(&diff, room);
		out->git_diff_truncated = 1;
	}
	buf_add(&out->git_diff, diff.ptr ? diff.ptr : "", diff.len);
	rc = 0;
done:
	buf_release(&diff);
	return rc;
}

int envcap_code(struct envcap *out, const char *dir)
{
	static const char *const toplevel[] = { "rev-parse", "--show-toplevel",
						NULL };
	static const char *const head[] = { "rev-parse", "--verify", "-q",
					    "HEAD", NULL };
	static const char *const branch[] = { "symbolic-ref", "-q", "--short",
					      "HEAD", NULL };
	static const char *const origin[] = { "remote", "get-url", "origin",
					      NULL };
	static const char *const status_args[] = { "-c", "core.quotepath=off",
						   "status", "--porcelain",
						   "--untracked-files=normal",
						   "--ignore-submodules=none",
						   NULL };
	struct buf status = BUF_INIT;
	char *top = NULL, *url = NULL;
	int err, rc;

	clear_code(out);
	if (!fs_is_dir(dir))
		return cairn_error_setc(CAIRN_ENOTFOUND, CAIRN_ERRCLASS_OS,
					"'%s' is not a directory", dir);
	if ((err = git_line(&top, dir, toplevel)) < 0 || !top)
		goto done;
	if ((err = git_line(&out->git_commit, top, head)) < 0)
		goto done;
	if (out->git_commit && !is_hex_id(out->git_commit))
		clear_str(&out->git_commit);
	if ((err = git_line(&out->git_branch, top, branch)) < 0)
		goto done;
	if ((err = git_line(&url, top, origin)) < 0)
		goto done;
	if (url)
		out->git_remote_url = envcap_strip_url_credentials(url);

	rc = git(&status, top, ENVCAP_STATUS_MAX + 1, ENVCAP_QUERY_TIMEOUT_MS,
		 status_args);
	if (rc <= 0) {
		err = rc;
		goto done;
	}
	out->git_dirty = status.len > 0;
	if (!out->git_dirty)
		goto done;
	list_untracked(&out->git_diff, &status, status.len > ENVCAP_STATUS_MAX);
	if (out->git_commit) {
		err = append_diff(out, top, "HEAD");
	} else {
		/* No commit yet: what is staged, then what is not. */
		if ((err = append_diff(out, top, "--cached")) < 0)
			goto done;
		err = append_diff(out, top, NULL);
	}

done:
	buf_release(&status);
	free(top);
	free(url);
	return err;
}

/* --------------------------------------------------------------- system */

static void add_kv(struct envcap *e, const char *key, const char *value,
		   size_t *alloc)
{
	if (!value || !*value)
		return;
	ALLOC_GROW(e->system, e->nsystem + 1, *alloc);
	e->system[e->nsystem].key = xstrdup(key);
	e->system[e->nsystem].value = xstrdup(value);
	e->nsystem++;
}

/*
 * The value of a shell-style assignment (os-release(5)): quoted with " (with
 * \-escapes) or ', or bare up to the end of the line.
 */
static char *shell_value(const char *p, const char *end)
{
	struct buf v = BUF_INIT;

	if (p < end && (*p == '"' || *p == '\'')) {
		char q = *p++;

		for (; p < end && *p != q; p++) {
			if (q == '"' && *p == '\\' && p + 1 < end)
				p++;
			buf_addch(&v, *p);
		}
	} else {
		while (end > p && isspace((unsigned char)end[-1]))
			end--;
		buf_add(&v, p, (size_t)(end - p));
	}
	return buf_detach(&v, NULL);
}

static char *os_pretty_name(void)
{
	static const char *const files[] = { "/etc/os-release",
					     "/usr/lib/os-release" };
	struct buf text = BUF_INIT;
	char *name = NULL;
	size_t i;

	for (i = 0; i < 2 && !name; i++) {
		const char *p, *end;

		buf_reset(&text);
		if (fs_read_file_max(&text, files[i], ENVCAP_SMALL_MAX) < 0) {
			cairn_error_reset();
			continue;
		}
		for (p = buf_cstr(&text), end = p + text.len; p < end && !name;) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));

			if (!nl)
				nl = end;
			if (nl - p > 12 && !memcmp(p, "PRETTY_NAME=", 12))
				name = shell_value(p + 12, nl);
			p = nl + 1;
		}
	}
	buf_release(&text);
	return name;
}

static char *cpu_model(void)
{
	static const char *const keys[] = { "model name", "Model", "cpu model",
					    "Processor", "cpu" };
	struct buf text = BUF_INIT;
	char *best = NULL;
	size_t rank = sizeof(keys) / sizeof(keys[0]), i;
	const char *p, *end;

	if (fs_read_file_max(&text, "/proc/cpuinfo", ENVCAP_CPUINFO_MAX) < 0) {
		cairn_error_reset();
		goto done;
	}
	for (p = buf_cstr(&text), end = p + text.len; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *colon;
		size_t klen;

		if (!nl)
			nl = end;
		colon = memchr(p, ':', (size_t)(nl - p));
		if (colon) {
			for (klen = (size_t)(colon - p);
			     klen && isspace((unsigned char)p[klen - 1]);)
				klen--;
			for (i = 0; i < rank; i++)
				if (strlen(keys[i]) == klen &&
				    !memcmp(p, keys[i], klen))
					break;
			if (i < rank) {
				const char *v = colon + 1, *ve = nl;

				while (v < ve && isspace((unsigned char)*v))
					v++;
				while (ve > v && isspace((unsigned char)ve[-1]))
					ve--;
				if (ve > v) {
					free(best);
					best = xstrndup(v, (size_t)(ve - v));
					rank = i;
				}
			}
		}
		p = nl + 1;
	}
done:
	buf_release(&text);
	return best;
}

int envcap_system(struct envcap *out)
{
	struct utsname u;
	size_t alloc = 0;
	char *s, num[32];
	long cpus, pages, page_size;

	clear_system(out);
	s = os_pretty_name();
	add_kv(out, "os", s, &alloc);
	free(s);
	if (uname(&u) == 0) {
		struct buf kernel = BUF_INIT;

		buf_printf(&kernel, "%s %s", u.sysname, u.release);
		add_kv(out, "kernel", kernel.ptr, &alloc);
		buf_release(&kernel);
		add_kv(out, "arch", u.machine, &alloc);
		add_kv(out, "hostname", u.nodename, &alloc);
	}
	s = cpu_model();
	add_kv(out, "cpu_model", s, &alloc);
	free(s);
	cpus = sysconf(_SC_NPROCESSORS_ONLN);
	if (cpus > 0) {
		snprintf(num, sizeof(num), "%ld", cpus);
		add_kv(out, "cpu_count", num, &alloc);
	}
	pages = sysconf(_SC_PHYS_PAGES);
	page_size = sysconf(_SC_PAGESIZE);
	if (pages > 0 && page_size > 0) {
		snprintf(num, sizeof(num), "%llu",
			 (unsigned long long)pages * (unsigned long long)page_size);
		add_kv(out, "memory_bytes", num, &alloc);
	}
	return 0;
}

/* --------------------------------------------------------------- python */

static const char python_about[] =
	"import sys\n"
	"print(sys.version.split()[0])\n"
	"print(sys.executable or '')\n";

static const char python_distributions[] =
	"import importlib.metadata as m, re\n"
	"seen = {}\n"
	"for d in m.distributions():\n"
	"    n = d.metadata.get('Name')\n"
	"    if n:\n"
	"        k = re.sub(r'[-_.]+', '-', n).lower()\n"
	"        seen.setdefault(k, '%s==%s' % (n, d.version))\n"
	"for v in seen.values():\n"
	"    print(v)\n";

static int compare_lines(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;
	int c = strcasecmp(x, y);

	return c ? c : strcmp(x, y);
}

/*
 * Sort the lines of text into out, one per line, dropping empty lines,
 * comment lines and a last line cut by the size bound.
 */
static void sorted_lines(struct buf *out, struct buf *text, int cut)
{
	char **lines = NULL, *p, *end;
	size_t n = 0, alloc = 0, i;

	if (!text->len)
		return;
	for (p = text->ptr, end = p + text->len; p < end;) {
		char *nl = memchr(p, '\n', (size_t)(end - p));

		if (!nl) {
			if (cut)
				break;
			nl = end;
		}
		*nl = '\0';
		if (nl > p && nl[-1] == '\r')
			nl[-1] = '\0';
		if (*p && *p != '#') {
			ALLOC_GROW(lines, n + 1, alloc);
			lines[n++] = p;
		}
		p = nl + 1;
	}
	if (n)
		qsort(lines, n, sizeof(*lines), compare_lines);
	for (i = 0; i < n; i++) {
		buf_puts(out, lines[i]);
		buf_addch(out, '\n');
	}
	free(lines);
}

static int python_packages(struct envcap *out, const char *python)
{
	const char *freeze[] = { python, "-m", "pip",
				 "--disable-pip-version-check", "freeze",
				 "--all", NULL };
	const char *scan[] = { python, "-c", python_distributions, NULL };
	struct buf text = BUF_INIT;
	int rc;

	rc = query(&text, freeze, NULL, ENVCAP_PACKAGES_MAX + 1,
		   ENVCAP_PACKAGES_TIMEOUT_MS);
	if (rc == 0)
		rc = query(&text, scan, NULL, ENVCAP_PACKAGES_MAX + 1,
			   ENVCAP_PACKAGES_TIMEOUT_MS);
	if (rc > 0)
		sorted_lines(&out->python_packages, &text,
			     text.len > ENVCAP_PACKAGES_MAX);
	buf_release(&text);
	return rc < 0 ? rc : 0;
}

int envcap_python(struct envcap *out, const char *python)
{
	const char *about[] = { python, "-c", python_about, NULL };
	struct buf text = BUF_INIT;
	const char *nl;
	int rc;

	clear_python(out);
	rc = query(&text, about, NULL, ENVCAP_SMALL_MAX,
		   ENVCAP_QUERY_TIMEOUT_MS);
	if (rc <= 0)
		goto done;
	out->python_version = first_line(&text);
	if (!out->python_version) {
		rc = 0;
		goto done;
	}
	nl = strchr(buf_cstr(&text), '\n');
	if (nl) {
		struct buf rest = BUF_INIT;

		buf_puts(&rest, nl + 1);
		out->python_executable = first_line(&rest);
		buf_release(&rest);
	}
	rc = python_packages(out, python);
done:
	buf_release(&text);
	if (rc < 0)
		clear_python(out);
	return rc < 0 ? rc : 0;
}

/* "python", "python3", "python3.11", "python3.13t", "pypy3", ... */
static int is_python_name(const char *name)
{
	const char *p;

	if (!strncmp(name, "python", 6))
		p = name + 6;
	else if (!strncmp(name, "pypy", 4))
		p = name + 4;
	else
		return 0;
	while (isdigit((unsigned char)*p))
		p++;
	if (*p == '.' && p > name && isdigit((unsigned char)p[-1]) &&
	    isdigit((unsigned char)p[1])) {
		p++;
		while (isdigit((unsigned char)*p))
			p++;
	}
	if ((*p == 'm' || *p == 't') && isdigit((unsigned char)p[-1]))
		p++;
	return *p == '\0';
}

/* The first executable regular file called name in PATH. */
static char *find_in_path(const char *name)
{
	const char *path = getenv("PATH"), *p;

	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (p = path;; p++) {
		size_t n = strcspn(p, ":");
		char *dir = n ? xstrndup(p, n) : xstrdup(".");
		char *full = path_join(dir, name);
		struct stat st;

		free(dir);
		if (stat(full, &st) == 0 && S_ISREG(st.st_mode) &&
		    access(full, X_OK) == 0)
			return full;
		free(full);
		p += n;
		if (!*p)
			return NULL;
	}
}

/* The next white-space separated word of [*p, end), or NULL. */
static char *next_word(const char **p, const char *end)
{
	const char *s = *p, *e;

	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	for (e = s; e < end && *e != ' ' && *e != '\t'; e++)
		;
	*p = e;
	return e > s ? xstrndup(s, (size_t)(e - s)) : NULL;
}

/*
 * The interpreter named by the #! line of [text, end) when it is Python:
 * "#!/usr/bin/python3", "#!/usr/bin/env [-S] [NAME=VALUE...] python3", or
 * pip's "#!/bin/sh" + "'''exec' /path/python ..." trampoline.
 */
static char *python_of_shebang(const char *text, const char *end)
{
	const char *line_end, *eol, *p;
	char *interp, *word = NULL;

	if (end - text < 2 || memcmp(text, "#!", 2))
		return NULL;
	line_end = memchr(text, '\n', (size_t)(end - text));
	if (!line_end)
		line_end = end;
	eol = line_end;
	if (eol > text + 2 && eol[-1] == '\r')
		eol--;
	p = text + 2;
	interp = next_word(&p, eol);
	if (!interp)
		return NULL;
	if (is_python_name(path_basename(interp)))
		return interp;
	if (!strcmp(path_basename(interp), "env")) {
		while ((word = next_word(&p, eol)) &&
		       (word[0] == '-' || strchr(word, '='))) {
			free(word);
			word = NULL;
		}
		if (word && !is_python_name(path_basename(word)))
			clear_str(&word);
	} else if (!strcmp(path_basename(interp), "sh") && line_end < end) {
		/* pip's trampoline for paths a #! line cannot hold. */
		const char *l2 = line_end + 1, *l2end, *s, *e;

		l2end = memchr(l2, '\n', (size_t)(end - l2));
		if (!l2end)
			l2end = end;
		if (l2end - l2 > 9 && !memcmp(l2, "'''exec' ", 9)) {
			s = l2 + 9;
			if (*s == '"') {
				s++;
				e = memchr(s, '"', (size_t)(l2end - s));
			} else {
				for (e = s; e < l2end && !isspace((unsigned char)*e);)
					e++;
			}
			if (e && e > s) {
				word = xstrndup(s, (size_t)(e - s));
				if (!is_python_name(path_basename(word)))
					clear_str(&word);
			}
		}
	}
	free(interp);
	return word;
}

static char *python_of_script(const char *cmd)
{
	char *path = strchr(cmd, '/') ? xstrdup(cmd) : find_in_path(cmd);
	char head[ENVCAP_SHEBANG_MAX];
	char *python = NULL;
	struct stat st;
	ssize_t n;
	int fd;

	if (!path)
		return NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	free(path);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return NULL;
	}
	n = fs_read_full(fd, head, sizeof(head), cmd);
	close(fd);
	if (n < 0) {
		cairn_error_reset();
		return NULL;
	}
	python = python_of_shebang(head, head + n);
	return python;
}

int envcap_python_of_command(char **python_out, const char *const *argv)
{
	size_t i = 0;
	const char *cmd;

	*python_out = NULL;
	if (!argv || !argv[0])
		return 0;
	if (!strcmp(path_basename(argv[0]), "env")) {
		for (i = 1; argv[i]; i++) {
			if (!strcmp(argv[i], "-u") || !strcmp(argv[i], "-C") ||
			    !strcmp(argv[i], "--unset") ||
			    !strcmp(argv[i], "--chdir")) {
				if (!argv[++i])
					return 0;
			} else if (!strcmp(argv[i], "-S") ||
				   !strncmp(argv[i], "--split-string", 14)) {
				return 0;
			} else if (!strcmp(argv[i], "--")) {
				i++;
				break;
			} else if (argv[i][0] != '-' && !strchr(argv[i], '=')) {
				break;
			}
		}
	}
	cmd = argv[i];
	if (!cmd || !*cmd)
		return 0;
	if (is_python_name(path_basename(cmd)))
		*python_out = xstrdup(cmd);
	else
		*python_out = python_of_script(cmd);
	return *python_out != NULL;
}

/* ----------------------------------------------------------- lock files */

static int is_lock_file(const char *name)
{
	static const char *const names[] = {
		"requirements.txt", "poetry.lock", "Pipfile", "Pipfile.lock",
		"pdm.lock", "uv.lock", "pyproject.toml", "setup.py",
		"setup.cfg", "environment.yml", "environment.yaml",
		"conda.yaml", "conda.yml", "Dockerfile"
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(name, names[i]))
			return 1;
	return !fnmatch("requirements*.txt", name, FNM_PERIOD);
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int envcap_lock_files(struct envcap *out, const char *dir)
{
	size_t alloc = 0;
	struct dirent *de;
	DIR *d;
	int err = 0;

	clear_lock_files(out);
	d = opendir(dir);
	if (!d) {
		if (errno == ENOENT || errno == ENOTDIR)
			return cairn_error_setc(CAIRN_ENOTFOUND,
						CAIRN_ERRCLASS_OS,
						"'%s' is not a directory", dir);
		return cairn_error_set_os("cannot read directory '%s'", dir);
	}
	for (;;) {
		struct stat st;

		errno = 0;
		de = readdir(d);
		if (!de) {
			if (errno)
				err = cairn_error_set_os(
					"cannot read directory '%s'", dir);
			break;
		}
		if (!is_lock_file(de->d_name))
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, 0) < 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		ALLOC_GROW(out->lock_files, out->nlock_files + 1, alloc);
		out->lock_files[out->nlock_files++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (err < 0) {
		clear_lock_files(out);
		return err;
	}
	if (out->nlock_files)
		qsort(out->lock_files, out->nlock_files,
		      sizeof(*out->lock_files), compare_names);
	return 0;
}

/* ------------------------------------------------------------ together */

int envcap_capture(struct envcap *out, const char *dir,
		   const char *const *argv)
{
	char *python = NULL;
	int err;

	if ((err = envcap_code(out, dir)) < 0 ||
	    (err = envcap_lock_files(out, dir)) < 0 ||
	    (err = envcap_system(out)) < 0)
		return err;
	if (envcap_python_of_command(&python, argv) > 0)
		err = envcap_python(out, python);
	free(python);
	return err;
}
