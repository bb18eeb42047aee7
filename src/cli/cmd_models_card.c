/*
 * cmd_models_card.c: `cairn models card NAME VERSION [--out FILE]` (or a
 * models:/ URI): a version's model card in Markdown, written by the
 * library (cairn_model_card) to stdout or, atomically, to FILE.
 */
#include <stdio.h>

#include "cli/models.h"
#include "util/banned.h"

int models_card(int argc, char **argv, cairn_repo *repo)
{
	cairn_model_version *v = NULL;
	cairn_buf text = CAIRN_BUF_INIT;
	const char *out;
	int err = models_version_out(&v, &out, argc, argv, repo, "card");

	if (!err && (err = cairn_model_card(&text, repo, v->name, v->version)) == 0)
		err = models_write_out(out, text.ptr, text.size);
	if (!err && out)
		printf("%s version %llu: model card written to %s\n", v->name,
		       (unsigned long long)v->version, out);
	cairn_buf_dispose(&text);
	cairn_model_version_free(v);
	return err < 0 ? cli_lib_error() : 0;
}
