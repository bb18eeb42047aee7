/*
 * fs.h: file-system helpers with cairn's durability rules.
 *
 * Anything that replaces a file goes through fs_write_atomic(): the bytes
 * go to a temporary file in the same directory, which is fsync'ed, renamed
 * over the target, and the directory is fsync'ed. A reader therefore sees
 * the old file or the new one, never a mix, even across a power cut.
 *
 * All functions return 0 or a negative cairn error code with the last
 * error set (naming the path).
 */
#ifndef CAIRN_UTIL_FS_H
#define CAIRN_UTIL_FS_H

#include <stddef.h>
#include <sys/types.h>

#include "util/buf.h"

int fs_write_atomic(const char *path, const void *data, size_t len, mode_t mode);
int fs_read_file(struct buf *out, const char *path);
/* Read at most max bytes; CAIRN_EINVALID if the file is larger. */
int fs_read_file_max(struct buf *out, const char *path, size_t max);
int fs_mkdirs(const char *path, mode_t mode);
int fs_fsync_dir(const char *dir);
/* write() all of len, retrying on EINTR and short writes. */
int fs_write_all(int fd, const void *data, size_t len, const char *what);
/* pread() exactly len bytes at off; CAIRN_ERROR on a short file. */
int fs_pread_all(int fd, void *data, size_t len, off_t off, const char *what);
/* read() up to len bytes, retrying short reads; returns the count or <0. */
ssize_t fs_read_full(int fd, void *data, size_t len, const char *what);
/* close(*fd) if it is open, and mark it closed (-1). */
void fs_close(int *fd);
/*
 * Move *fd to 3 or above (keeping O_CLOEXEC), so that setting up a child's
 * 0, 1 and 2 cannot clobber it when the caller runs with one closed.
 */
int fs_fd_above_stdio(int *fd);
int fs_exists(const char *path);
int fs_is_dir(const char *path);
/* Remove a file; a missing file is not an error. */
int fs_unlink(const char *path);
/*
 * Make a unique temporary file "<dir>/<prefix>XXXXXX"; *path_out gets its
 * name (free it). Returns the fd or a negative error.
 */
int fs_mkstemp(char **path_out, const char *dir, const char *prefix);
/* Remove a file or a directory with everything in it (no symlink is followed). */
int fs_remove_tree(const char *path);
/* Join two path components with one '/'; an absolute b is returned as is. */
char *path_join(const char *a, const char *b);
/* Make path absolute and lexically clean ("." and ".." resolved). */
char *path_absolute(const char *path);
/* The part of path after root, or NULL if path is not under root. */
const char *path_under(const char *path, const char *root);
/* The directory part of path ("." if none); caller frees. */
char *path_dirname(const char *path);
const char *path_basename(const char *path);

#endif
