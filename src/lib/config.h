/*
 * config.h: the store's configuration file (.cairn/config), git-style INI.
 *
 *   [core]
 *           formatversion = 1
 *   [chunking]
 *           min = 16384
 *   [remote "backup"]
 *           url = /mnt/backup/cairn
 *
 * Keys are addressed as in git: "core.formatversion",
 * "remote.backup.url". Section and variable names are case-insensitive
 * (stored lower-case); subsection names are case-sensitive. Parsing uses
 * libinih; saving rewrites the whole file atomically. Unknown keys are
 * kept, so a newer cairn's settings survive an older cairn's save.
 */
#ifndef CAIRN_LIB_CONFIG_H
#define CAIRN_LIB_CONFIG_H

#include <stddef.h>
#include <stdint.h>

struct config;
struct buf;

/* An empty configuration. */
struct config *config_new(void);

/* Load from a file; CAIRN_EINVALID naming the line if malformed. */
int config_load(struct config **out, const char *path);

/* Parse from memory (tests and the fuzz target); `what` names the source. */
int config_parse(struct config **out, const char *data, size_t len,
		 const char *what);

/* The value of key, or NULL. */
const char *config_get(const struct config *cfg, const char *key);

/* The value as an unsigned number; CAIRN_ENOTFOUND or CAIRN_EINVALID. */
int config_get_u64(uint64_t *out, const struct config *cfg, const char *key);

/* Set (or, with value NULL, remove) key. CAIRN_EINVALID for a bad key. */
int config_set(struct config *cfg, const char *key, const char *value);

/*
 * Call cb for every key in file order; a non-zero return stops and is
 * returned.
 */
int config_foreach(const struct config *cfg,
		   int (*cb)(const char *key, const char *value, void *payload),
		   void *payload);

/*
 * Append the file form of cfg to out (what config_save() writes):
 * config_parse() of it gives back the same entries in the same order.
 */
void config_format(struct buf *out, const struct config *cfg);

/* Write atomically (temp + fsync + rename). */
int config_save(const struct config *cfg, const char *path);

void config_free(struct config *cfg);

#endif
