/*
 * repo.c: creating and finding cairn projects.
 *
 * A project is a directory holding .cairn/:
 *   .cairn/config     git-style INI: format version, chunking parameters,
 *                     remotes, core.durablecommits (true: an fsync per
 *                     metadata commit, see db.h)
 *   .cairn/cairn.db   the SQLite metadata store
 *   .cairn/objects/   the object store (packs)
 *   .cairn/lock       flock()ed by writers (shared) and gc (exclusive)
 *
 * Init writes the config last, with temp + rename: a directory without a
 * config is not a project, so an interrupted init leaves nothing that
 * looks half-made. Open walks up from the given path to the first
 * directory that has .cairn/config, as git does with .git.
 */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "lib/chunker.h"
#include "lib/repo.h"
#include "lib/track_backend.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/banned.h"

static int load_chunking(struct odb_chunking *out, struct config *cfg,
			 const char *where)
{
	uint64_t min = CHUNKER_DEFAULT_MIN, avg = CHUNKER_DEFAULT_AVG,
		 max = CHUNKER_DEFAULT_MAX;
	struct chunker probe;
	int err;

	if (((err = config_get_u64(&min, cfg, "chunking.min")) < 0 &&
	     err != CAIRN_ENOTFOUND) ||
	    ((err = config_get_u64(&avg, cfg, "chunking.avg")) < 0 &&
	     err != CAIRN_ENOTFOUND) ||
	    ((err = config_get_u64(&max, cfg, "chunking.max")) < 0 &&
	     err != CAIRN_ENOTFOUND))
		return err;
	if (chunker_init(&probe, (size_t)min, (size_t)avg, (size_t)max) < 0)
		return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_CONFIG,
					"%s: %s", where, cairn_error_last()->message);
	out->min = (size_t)min;
	out->avg = (size_t)avg;
	out->max = (size_t)max;
	return 0;
}

static int open_at(cairn_repo **out, const char *workdir)
{
	cairn_repo *repo = xcalloc(1, sizeof(*repo));
	struct odb_chunking chunking;
	char *db_path = NULL, *objects = NULL, *lock = NULL;
	uint64_t format = 0;
	int err;

	repo->lock_fd = -1;
	repo->track = &track_local;
	repo->workdir = xstrdup(workdir);
	repo->path = path_join(workdir, CAIRN_DIR);
	repo->config_path = path_join(repo->path, "config");
	db_path = path_join(repo->path, "cairn.db");
	objects = path_join(repo->path, "objects");
	lock = path_join(repo->path, "lock");

	if ((err = config_load(&repo->config, repo->config_path)) < 0)
		goto done;
	if ((err = config_get_u64(&format, repo->config, "core.formatversion")) < 0) {
		err = cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_CONFIG,
				       "'%s': core.formatversion is missing or bad",
				       repo->config_path);
		goto done;
	}
	if (format > CAIRN_FORMAT_VERSION) {
		err = cairn_error_setc(CAIRN_ENOTSUPP, CAIRN_ERRCLASS_CONFIG,
				       "'%s' was made by a newer cairn (format %llu)",
				       repo->path, (unsigned long long)format);
		goto done;
	}
	if ((err = load_chunking(&chunking, repo->config, repo->config_path)) < 0 ||
	    (err = db_open(&repo->db, db_path)) < 0 ||
	    (config_get(repo->config, "core.durablecommits") &&
	     !strcmp(config_get(repo->config, "core.durablecommits"), "true") &&
	     (err = db_set_durable_commits(repo->db, 1)) < 0) ||
	    (err = odb_open(&repo->odb, objects, &chunking)) < 0)
		goto done;
	if ((repo->lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) < 0) {
		err = cairn_error_set_os("cannot open '%s'", lock);
		goto done;
	}
done:
	free(db_path);
	free(objects);
	free(lock);
	if (err < 0) {
		cairn_repo_free(repo);
		return err;
	}
	*out = repo;
	return 0;
}

int cairn_repo_init(cairn_repo **out, const char *path,
		    const cairn_init_options *opts)
{
	char *workdir = path_absolute(path), *dir = NULL, *config_path = NULL;
	struct config *cfg = config_new();
	struct odb_chunking chunking;
	char num[32];
	int err;

	if (!workdir) {
		err = cairn_error_set_os("cannot resolve '%s'", path);
		goto done;
	}
	if (!fs_is_dir(workdir)) {
		err = cairn_error_setc(CAIRN_ENOTFOUND, CAIRN_ERRCLASS_REPO,
				       "'%s' is not a directory", path);
		goto done;
	}
	dir = path_join(workdir, CAIRN_DIR);
	config_path = path_join(dir, "config");
	if (fs_exists(config_path)) {
		err = cairn_error_setc(CAIRN_EEXISTS, CAIRN_ERRCLASS_REPO,
				       "'%s' is already a cairn project", workdir);
		goto done;
	}
	config_set(cfg, "core.formatversion", "1");
	snprintf(num, sizeof(num), "%zu",
		 opts && opts->chunk_min ? opts->chunk_min : (size_t)CHUNKER_DEFAULT_MIN);
	config_set(cfg, "chunking.min", num);
	snprintf(num, sizeof(num), "%zu",
		 opts && opts->chunk_avg ? opts->chunk_avg : (size_t)CHUNKER_DEFAULT_AVG);
	config_set(cfg, "chunking.avg", num);
	snprintf(num, sizeof(num), "%zu",
		 opts && opts->chunk_max ? opts->chunk_max : (size_t)CHUNKER_DEFAULT_MAX);
	config_set(cfg, "chunking.max", num);
	if ((err = load_chunking(&chunking, cfg, "chunking")) < 0)
		goto done;
	if ((err = fs_mkdirs(dir, 0755)) < 0) {
		goto done;
	}
	{
		/* The database and object directories first, the config last. */
		char *db_path = path_join(dir, "cairn.db");
		char *objects = path_join(dir, "objects");
		struct db *db = NULL;
		struct odb *odb = NULL;

		err = db_open(&db, db_path);
		if (!err)
			err = odb_open(&odb, objects, &chunking);
		db_free(db);
		odb_free(odb);
		free(db_path);
		free(objects);
		if (err < 0)
			goto done;
	}
	/* The store never belongs in git: ignore everything inside it. */
	{
		char *gi = path_join(dir, ".gitignore");

		err = fs_write_atomic(gi, "*\n", 2, 0644);
		free(gi);
		if (err < 0)
			goto done;
	}
	if ((err = config_save(cfg, config_path)) < 0 ||
	    (err = fs_fsync_dir(dir)) < 0)
		goto done;
	err = open_at(out, workdir);
done:
	config_free(cfg);
	free(workdir);
	free(dir);
	free(config_path);
	return err;
}

int cairn_repo_open(cairn_repo **out, const char *path)
{
	char *dir = path_absolute(path);
	int err;

	if (!dir)
		return cairn_error_set_os("cannot resolve '%s'", path);
	for (;;) {
		char *config = path_join(dir, CAIRN_DIR "/config");
		int found = fs_exists(config);

		free(config);
		if (found) {
			err = open_at(out, dir);
			break;
		}
		if (strcmp(dir, "/") == 0) {
			err = cairn_error_setc(CAIRN_ENOTFOUND, CAIRN_ERRCLASS_REPO,
					       "not a cairn project (or any of the parent "
					       "directories): %s", path);
			break;
		}
		{
			char *parent = path_dirname(dir);

			free(dir);
			dir = parent;
		}
	}
	free(dir);
	return err;
}

/* "file:PATH", "file://PATH": the local path; NULL if not a file: URI. */
static const char *file_uri_path(const char *uri)
{
	if (!strncmp(uri, "file://", 7))
		return uri + 7;
	if (!strncmp(uri, "file:", 5))
		return uri + 5;
	return NULL;
}

/* A tracking URI that is a path: the project there, which must exist. */
static int open_tracking_path(cairn_repo **out, const char *path, const char *uri)
{
	if (!fs_exists(path))
		return cairn_error_setc(CAIRN_ENOTFOUND, CAIRN_ERRCLASS_REPO,
					"the tracking URI '%s' names no cairn project: "
					"'%s' does not exist", uri, path);
	return cairn_repo_open(out, path);
}

int cairn_repo_open_tracking(cairn_repo **out, const char *path,
			     const char *tracking_uri)
{
	const char *uri = tracking_uri, *colon, *local;
	cairn_repo *repo = NULL;
	int err;

	if (!uri || !*uri)
		return cairn_repo_open(out, path ? path : ".");
	if ((local = file_uri_path(uri)))
		return open_tracking_path(out, *local ? local : "/", uri);
	colon = strchr(uri, ':');
	if (strncmp(uri, "http://", 7) && strncmp(uri, "https://", 8)) {
		/* A scheme we do not know is an error, not a relative path. */
		if (colon && colon > uri &&
		    strspn(uri, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				"0123456789+.-") == (size_t)(colon - uri))
			return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_CONFIG,
						"unsupported tracking URI '%s': use "
						"http(s)://HOST:PORT for a cairn server, or "
						"the path of a project", uri);
		return open_tracking_path(out, uri, uri);
	}
	/* The data side is the project around path, if there is one. */
	if (path && (err = cairn_repo_open(&repo, path)) < 0 && err != CAIRN_ENOTFOUND)
		return err;
	if (!repo) {
		repo = xcalloc(1, sizeof(*repo));
		repo->lock_fd = -1;
	}
	repo->track = NULL;
	if ((err = track_rest_open(repo, uri)) < 0) {
		cairn_repo_free(repo);
		return err;
	}
	repo->tracking_uri = xstrdup(uri);
	*out = repo;
	return 0;
}

const char *cairn_repo_tracking_uri(const cairn_repo *repo)
{
	return repo->tracking_uri;
}

int cairn_repo__need_local(cairn_repo *repo)
{
	if (repo->db)
		return 0;
	return cairn_error_setc(CAIRN_ENOTFOUND, CAIRN_ERRCLASS_REPO,
				"not a cairn project (or any of the parent "
				"directories): data sets are local, and tracking "
				"goes to %s", repo->tracking_uri ? repo->tracking_uri : "a server");
}

void cairn_repo_free(cairn_repo *repo)
{
	if (!repo)
		return;
	if (repo->track)
		repo->track->release(repo);
	free(repo->tracking_uri);
	if (repo->lock_fd >= 0)
		close(repo->lock_fd);
	odb_free(repo->odb);
	db_free(repo->db);
	config_free(repo->config);
	free(repo->workdir);
	free(repo->path);
	free(repo->config_path);
	free(repo->actor);
	free(repo);
}

const char *cairn_repo_workdir(const cairn_repo *repo)
{
	return repo->workdir;
}

const char *cairn_repo_path(const cairn_repo *repo)
{
	return repo->path;
}

int cairn_repo__lock(cairn_repo *repo, int exclusive)
{
	while (flock(repo->lock_fd, exclusive ? LOCK_EX : LOCK_SH) < 0) {
		if (errno != EINTR)
			return cairn_error_set_os("cannot lock the store");
	}
	return 0;
}

void cairn_repo__unlock(cairn_repo *repo)
{
	flock(repo->lock_fd, LOCK_UN);
}

int cairn_repo__relpath(char **out, cairn_repo *repo, const char *path)
{
	char *abs = path_absolute(path);
	const char *rel;

	if (!abs)
		return cairn_error_set_os("cannot resolve '%s'", path);
	rel = path_under(abs, repo->workdir);
	if (!rel) {
		free(abs);
		return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_DATA,
					"'%s' is outside the project '%s'", path,
					repo->workdir);
	}
	if (strcmp(rel, CAIRN_DIR) == 0 || strncmp(rel, CAIRN_DIR "/", 7) == 0) {
		free(abs);
		return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_DATA,
					"'%s' is inside the store", path);
	}
	*out = xstrdup(rel);
	free(abs);
	return 0;
}

const char *cairn_repo__user(void)
{
	static _Thread_local char name[256];
	const char *env = getenv("USER");
	struct passwd pw, *res = NULL;
	char buf[1024];

	if (getpwuid_r(getuid(), &pw, buf, sizeof(buf), &res) == 0 && res) {
		snprintf(name, sizeof(name), "%s", res->pw_name);
		return name;
	}
	return env && *env ? env : "unknown";
}
