/*
 * remote.c: configured remotes ([remote "NAME"] url = DIR in .cairn/config)
 * and choosing the backend for a URL. A URL is, for now, a directory path;
 * it is stored absolute so the project can be used from any directory.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/remote.h"
#include "util/alloc.h"
#include "util/fs.h"
#include "util/banned.h"

static int check_remote_name(const char *name)
{
	size_t i;

	if (!*name || strlen(name) > 64)
		goto bad;
	for (i = 0; name[i]; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyz"
			    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.", name[i]))
			goto bad;
	return 0;
bad:
	return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
				"'%s' is not a valid remote name (letters, digits, "
				"'-', '_', '.'; at most 64)", name);
}

static char *url_key(const char *name)
{
	struct buf b = BUF_INIT;

	buf_printf(&b, "remote.%s.url", name);
	return buf_detach(&b, NULL);
}

int cairn_remote_add(cairn_repo *repo, const char *name, const char *url)
{
	char *key, *abs = NULL;
	struct remote *r = NULL;
	int err;

	if ((err = check_remote_name(name)) < 0)
		return err;
	if (strstr(url, "://"))
		return cairn_error_setc(CAIRN_ENOTSUPP, CAIRN_ERRCLASS_REMOTE,
					"'%s': only directory remotes are supported so "
					"far", url);
	key = url_key(name);
	if (config_get(repo->config, key)) {
		err = cairn_error_setc(CAIRN_EEXISTS, CAIRN_ERRCLASS_REMOTE,
				       "remote '%s' already exists", name);
		goto done;
	}
	if (!(abs = path_absolute(url))) {
		err = cairn_error_set_os("cannot resolve '%s'", url);
		goto done;
	}
	if (path_under(abs, repo->path)) {
		err = cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_REMOTE,
				       "a remote cannot live inside the store");
		goto done;
	}
	if ((err = remote_dir_open(&r, name, abs, 1, odb_chunking(repo->odb))) < 0 ||
	    (err = config_set(repo->config, key, abs)) < 0 ||
	    (err = config_save(repo->config, repo->config_path)) < 0)
		goto done;
done:
	remote_free(r);
	free(abs);
	free(key);
	return err;
}

int cairn_remote_remove(cairn_repo *repo, const char *name)
{
	char *key = url_key(name);
	int err = 0;

	if (!config_get(repo->config, key))
		err = cairn_error_setc(CAIRN_ENOTFOUND, CAIRN_ERRCLASS_REMOTE,
				       "no such remote '%s'", name);
	else if ((err = config_set(repo->config, key, NULL)) == 0)
		err = config_save(repo->config, repo->config_path);
	free(key);
	return err;
}

struct each {
	int (*cb)(const char *name, const char *url, void *payload);
	void *payload;
	char *only; /* remote_open: find the single remote */
	size_t count;
};

static int each_key(const char *key, const char *value, void *payload)
{
	struct each *e = payload;
	size_t n = strlen(key);
	char *name;
	int ret;

	if (strncmp(key, "remote.", 7) || n < 12 || strcmp(key + n - 4, ".url"))
		return 0;
	name = xstrndup(key + 7, n - 11);
	e->count++;
	if (e->cb) {
		ret = e->cb(name, value, e->payload);
		free(name);
		return ret;
	}
	free(e->only);
	e->only = name;
	return 0;
}

int cairn_remote_foreach(cairn_repo *repo,
			 int (*cb)(const char *name, const char *url, void *payload),
			 void *payload)
{
	struct each e = { cb, payload, NULL, 0 };

	return config_foreach(repo->config, each_key, &e);
}

int remote_open(struct remote **out, cairn_repo *repo, const char *name)
{
	struct each e = { NULL, NULL, NULL, 0 };
	const char *url;
	char *key;
	int err = 0;

	if (!name) {
		config_foreach(repo->config, each_key, &e);
		if (e.count == 1)
			name = e.only;
		else if (e.count == 0)
			err = cairn_error_setc(CAIRN_ENOTFOUND, CAIRN_ERRCLASS_REMOTE,
					       "no remote configured; add one with "
					       "'cairn remote add NAME DIR'");
		else
			name = "origin";
		if (!name) {
			free(e.only);
			return err;
		}
	}
	key = url_key(name);
	url = config_get(repo->config, key);
	if (!url)
		err = cairn_error_setc(CAIRN_ENOTFOUND, CAIRN_ERRCLASS_REMOTE,
				       e.count > 1 ? "several remotes and none is "
						     "'origin'; name one with --remote"
						   : "no such remote '%s'", name);
	else
		err = remote_dir_open(out, name, url, 0, odb_chunking(repo->odb));
	free(key);
	free(e.only);
	return err;
}
