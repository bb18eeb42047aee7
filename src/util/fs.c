/*
 * fs.c: durable writes and path helpers (see fs.h).
 *
 * Invariant: a file written with fs_write_atomic() is never visible under
 * its final name before its contents are on disk.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/alloc.h"
#include "util/fs.h"
#include "util/banned.h"

int fs_write_all(int fd, const void *data, size_t len, const char *what)
{
	const char *p = data;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return cairn_error_set_os("cannot write '%s'", what);
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int fs_pread_all(int fd, void *data, size_t len, off_t off, const char *what)
{
	char *p = data;

	while (len) {
		ssize_t n = pread(fd, p, len, off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return cairn_error_set_os("cannot read '%s'", what);
		}
		if (n == 0)
			return cairn_error_set(CAIRN_ERRCLASS_OS,
					       "'%s' is truncated", what);
		p += n;
		off += n;
		len -= (size_t)n;
	}
	return 0;
}

ssize_t fs_read_full(int fd, void *data, size_t len, const char *what)
{
	char *p = data;
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, p + got, len - got);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return cairn_error_set_os("cannot read '%s'", what);
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

int fs_mkstemp(char **path_out, const char *dir, const char *prefix)
{
	struct buf b = BUF_INIT;
	int fd;

	buf_printf(&b, "%s/%sXXXXXX", dir, prefix);
	fd = mkostemp(b.ptr, O_CLOEXEC);
	if (fd < 0) {
		int err = cairn_error_set_os("cannot create a temporary file in '%s'", dir);
		buf_release(&b);
		return err;
	}
	*path_out = buf_detach(&b, NULL);
	return fd;
}

int fs_fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return cairn_error_set_os("cannot open directory '%s'", dir);
	if (fsync(fd) < 0 && errno != EINVAL) {
		int err = cairn_error_set_os("cannot sync directory '%s'", dir);
		close(fd);
		return err;
	}
	close(fd);
	return 0;
}

int fs_write_atomic(const char *path, const void *data, size_t len, mode_t mode)
{
	char *dir = path_dirname(path), *tmp = NULL;
	int fd, err = 0;

	fd = fs_mkstemp(&tmp, dir, ".tmp-");
	if (fd < 0) {
		err = fd;
		goto done;
	}
	if ((err = fs_write_all(fd, data, len, path)) < 0)
		goto done;
	if (fchmod(fd, mode) < 0 || fsync(fd) < 0) {
		err = cairn_error_set_os("cannot write '%s'", path);
		goto done;
	}
	if (close(fd) < 0) {
		fd = -1;
		err = cairn_error_set_os("cannot write '%s'", path);
		goto done;
	}
	fd = -1;
	if (rename(tmp, path) < 0) {
		err = cairn_error_set_os("cannot rename into '%s'", path);
		goto done;
	}
	free(tmp);
	tmp = NULL;
	err = fs_fsync_dir(dir);
done:
	if (fd >= 0)
		close(fd);
	if (tmp) {
		unlink(tmp);
		free(tmp);
	}
	free(dir);
	return err;
}

int fs_read_file_max(struct buf *out, const char *path, size_t max)
{
	char chunk[65536];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0) {
		if (errno == ENOENT)
			return cairn_error_setc(CAIRN_ENOTFOUND, CAIRN_ERRCLASS_OS,
						"'%s' does not exist", path);
		return cairn_error_set_os("cannot open '%s'", path);
	}
	while ((n = fs_read_full(fd, chunk, sizeof(chunk), path)) > 0) {
		if (out->len + (size_t)n > max) {
			close(fd);
			return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
						"'%s' is larger than %zu bytes", path, max);
		}
		buf_add(out, chunk, (size_t)n);
	}
	close(fd);
	if (n < 0)
		return (int)n;
	buf_grow(out, 0);
	return 0;
}

int fs_read_file(struct buf *out, const char *path)
{
	return fs_read_file_max(out, path, (size_t)SSIZE_MAX);
}

int fs_mkdirs(const char *path, mode_t mode)
{
	char *p = xstrdup(path), *s;
	int err = 0;

	for (s = p + 1; ; s++) {
		if (*s == '/' || *s == '\0') {
			char saved = *s;

			*s = '\0';
			if (mkdir(p, mode) < 0 && errno != EEXIST) {
				err = cairn_error_set_os("cannot create directory '%s'", p);
				break;
			}
			*s = saved;
			if (!saved)
				break;
		}
	}
	free(p);
	return err;
}

void fs_close(int *fd)
{
	if (*fd >= 0) {
		close(*fd);
		*fd = -1;
	}
}

int fs_fd_above_stdio(int *fd)
{
	int moved;

	if (*fd >= 3)
		return 0;
	moved = fcntl(*fd, F_DUPFD_CLOEXEC, 3);
	if (moved < 0)
		return cairn_error_set_os("cannot duplicate a descriptor");
	close(*fd);
	*fd = moved;
	return 0;
}

int fs_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

int fs_is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int fs_unlink(const char *path)
{
	if (unlink(path) < 0 && errno != ENOENT)
		return cairn_error_set_os("cannot remove '%s'", path);
	return 0;
}

static int remove_one(const char *path, const struct stat *st, int flag,
		      struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP ? rmdir(path) : unlink(path))
		return cairn_error_set_os("cannot remove '%s'", path);
	return 0;
}

int fs_remove_tree(const char *path)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : cairn_error_set_os("cannot stat '%s'", path);
	if (!S_ISDIR(st.st_mode))
		return fs_unlink(path);
	return nftw(path, remove_one, 16, FTW_DEPTH | FTW_PHYS) ? CAIRN_ERROR : 0;
}

char *path_join(const char *a, const char *b)
{
	struct buf out = BUF_INIT;
	size_t alen = strlen(a);

	if (!*a || *b == '/')
		return xstrdup(b);
	while (alen > 1 && a[alen - 1] == '/')
		alen--;
	buf_add(&out, a, alen);
	if (out.ptr[out.len - 1] != '/')
		buf_addch(&out, '/');
	while (*b == '/')
		b++;
	buf_puts(&out, b);
	return buf_detach(&out, NULL);
}

char *path_absolute(const char *path)
{
	struct buf out = BUF_INIT;
	const char *p, *seg;

	if (path[0] != '/') {
		char cwd[PATH_MAX];

		if (!getcwd(cwd, sizeof(cwd)))
			return NULL;
		if (strcmp(cwd, "/") != 0)
			buf_puts(&out, cwd);
	}
	for (p = path; *p;) {
		size_t n;

		while (*p == '/')
			p++;
		seg = p;
		while (*p && *p != '/')
			p++;
		n = (size_t)(p - seg);
		if (n == 0 || (n == 1 && seg[0] == '.'))
			continue;
		if (n == 2 && seg[0] == '.' && seg[1] == '.') {
			char *slash;

			buf_grow(&out, 0);
			slash = strrchr(out.ptr, '/');
			buf_setlen(&out, slash ? (size_t)(slash - out.ptr) : 0);
			continue;
		}
		buf_addch(&out, '/');
		buf_add(&out, seg, n);
	}
	if (!out.len)
		buf_addch(&out, '/');
	return buf_detach(&out, NULL);
}

const char *path_under(const char *path, const char *root)
{
	size_t n = strlen(root);

	if (n == 1 && root[0] == '/')
		return path + 1;
	if (strncmp(path, root, n) != 0)
		return NULL;
	if (path[n] == '\0')
		return path + n;
	if (path[n] != '/')
		return NULL;
	return path + n + 1;
}

char *path_dirname(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

const char *path_basename(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}
