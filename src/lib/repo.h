/*
 * repo.h: the inside of a cairn_repo, shared by the library's modules.
 */
#ifndef CAIRN_LIB_REPO_H
#define CAIRN_LIB_REPO_H

#include "cairn.h"
#include "lib/config.h"
#include "lib/db.h"
#include "lib/odb.h"

#define CAIRN_DIR ".cairn"
#define CAIRN_FORMAT_VERSION 1

struct track_backend;

/*
 * A repo has a data side (the local project: workdir, store, config)
 * and a tracking side (track: the local store, or a cairn server for a
 * repo opened with cairn_repo_open_tracking() on an http(s) URI). A
 * server-tracked repo outside any project has no data side: workdir,
 * path, db and odb are NULL, and the data functions refuse to run.
 */
struct cairn_repo {
	char *workdir;  /* absolute, no trailing slash */
	char *path;     /* <workdir>/.cairn */
	char *config_path;
	struct config *config;
	struct db *db;
	struct odb *odb;
	int lock_fd;    /* .cairn/lock, flock()ed by writers and gc */
	const struct track_backend *track;
	void *track_state;  /* the backend's */
	char *tracking_uri; /* a server's URI, or NULL for the local store */
	char *actor;    /* audit events' actor; NULL: the OS user */
};

/* 0 if the repo has a local project; else CAIRN_ENOTFOUND, set. */
int cairn_repo__need_local(cairn_repo *repo);

/*
 * The store lock: commands that add objects hold it shared, gc holds it
 * exclusive, so gc never removes an object that a concurrent add has just
 * decided to reuse.
 */
int cairn_repo__lock(cairn_repo *repo, int exclusive);
void cairn_repo__unlock(cairn_repo *repo);

/*
 * Resolve a user path (absolute or relative to the current directory) to
 * a path relative to the workdir; CAIRN_EINVALID if it lies outside.
 * "" is the workdir itself. Caller frees.
 */
int cairn_repo__relpath(char **out, cairn_repo *repo, const char *path);

/* The OS user running cairn ("unknown" if it cannot be told). */
const char *cairn_repo__user(void);

#endif
