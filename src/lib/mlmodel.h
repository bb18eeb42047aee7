/*
 * mlmodel.h: reading MLflow's MLmodel file, the YAML description at the
 * top of a model directory, for what the registry records of it: the
 * flavor names (keys of `flavors`) and the signature (`signature`:
 * `inputs`, `outputs` and `params`, each a string holding JSON in
 * MLflow's files); and for `cairn serve`, each flavor's configuration
 * (its scalar settings, such as `data` or `loader_module`).
 *
 * The file is untrusted input (a run uploads it, a user copies it): the
 * bytes must be UTF-8 text without control characters and at most
 * MLMODEL_MAX_SIZE, parsing never prints, and anything else in the file
 * is ignored.
 */
#ifndef CAIRN_LIB_MLMODEL_H
#define CAIRN_LIB_MLMODEL_H

#include <stddef.h>

#define MLMODEL_MAX_SIZE (1024 * 1024)

struct mlmodel {
	char *flavors;   /* JSON array of flavor names, or NULL */
	char *signature; /* JSON object of the signature's strings, or NULL */
	/*
	 * JSON object: flavor name -> object of that flavor's scalar keys
	 * (string values, or null for YAML's null); nested mappings and
	 * lists are left out. NULL when flavors is.
	 */
	char *flavor_conf;
};

/*
 * Parse an MLmodel file. CAIRN_EINVALID (naming `what`) for bytes that
 * are not a YAML mapping, or whose flavors or signature are malformed;
 * *out is then empty.
 */
int mlmodel_parse(struct mlmodel *out, const char *data, size_t len,
		  const char *what);
void mlmodel_release(struct mlmodel *m);

#endif
