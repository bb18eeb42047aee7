/*
 * cmd_models_card.c: `cairn models card NAME VERSION [--out FILE]` (or a
 * models:/ URI): a version's model card in Markdown, written by the
 * library (cairn_model_card) to stdout or, atomically, to FILE.
 */
#include <stdio.h>
#include <string.h>

#include "cli/models.h"
#include "util/fs.h"
#include "util/banned.h"

int models_card(int argc, char **argv, cairn_repo *repo)
{
	cairn_model_version *v = NULL;
	cairn_buf text = CAIRN_BUF_INIT;
	const char *out = NULL;
	char *args[2];
	int i, n = 0, used, err;

	for (i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--out") && i + 1 < argc)
			out = argv[++i];
		else if (!strncmp(argv[i], "--out=", 6))
			out = argv[i] + 6;
		else if (n < 2)
			args[n++] = argv[i];
		else
			cli_usage(models_self(), "too many arguments to 'models card'");
	}
	if (!n)
		cli_usage(models_self(), "'models card' takes a version");
	if ((err = models_lookup(&v, &used, repo, args, n)) == 0 && used != n)
		cli_usage(models_self(), "too many arguments to 'models card'");
	if (!err && (err = cairn_model_card(&text, repo, v->name, v->version)) == 0) {
		if (out)
			err = fs_write_atomic(out, text.ptr, text.size, 0644);
		else
			fwrite(text.ptr, 1, text.size, stdout);
	}
	if (!err && out)
		printf("%s version %llu: model card written to %s\n", v->name,
		       (unsigned long long)v->version, out);
	cairn_buf_dispose(&text);
	cairn_model_version_free(v);
	return err < 0 ? cli_lib_error() : 0;
}
