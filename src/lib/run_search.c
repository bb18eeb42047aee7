/*
 * run_search.c: runs/search in the local store: a filter and
 * an order compiled to SQL (run_filter.h), paged with MLflow's own token
 * format (base64 of {"offset": N}), so tokens look the same to clients.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/db.h"
#include "lib/repo.h"
#include "lib/run_filter.h"
#include "lib/track_local.h"
#include "util/alloc.h"
#include "util/base64.h"
#include "util/banned.h"

#define DEFAULT_MAX 1000

static int parse_token(size_t *offset, const char *token)
{
	struct buf raw = BUF_INIT;
	json_t *obj = NULL, *v;
	int err = 0;

	*offset = 0;
	if (!token || !*token)
		return 0;
	if (base64_decode(&raw, token, strlen(token)) < 0) {
		err = cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
				       "Invalid page token, could not base64-decode");
		goto done;
	}
	obj = json_loadb(raw.ptr ? raw.ptr : "", raw.len, 0, NULL);
	v = json_object_get(obj, "offset");
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		err = cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
				       "Invalid page token, could not parse the offset");
	else
		*offset = (size_t)json_integer_value(v);
done:
	json_decref(obj);
	buf_release(&raw);
	return err;
}

struct collect {
	char **ids;
	size_t n, alloc;
};

static int collect_id(const char *id, void *payload)
{
	struct collect *c = payload;

	ALLOC_GROW(c->ids, c->n + 1, c->alloc);
	c->ids[c->n++] = xstrdup(id);
	return 0;
}

int local_runs_search(struct buf *next_page_token, cairn_repo *repo,
		      const cairn_search_options *opts,
		      int (*cb)(const cairn_run *run, void *payload),
		      void *payload)
{
	struct run_query q;
	struct collect found = { NULL, 0, 0 };
	int64_t *exps = NULL;
	size_t max, offset, i;
	int err;

	memset(&q, 0, sizeof(q));
	max = opts->max_results ? opts->max_results : DEFAULT_MAX;
	if ((err = parse_token(&offset, opts->page_token)) < 0)
		return err;
	exps = xcalloc(opts->nexperiments + 1, sizeof(*exps));
	for (i = 0; i < opts->nexperiments; i++) {
		cairn_experiment e;

		if ((err = db_experiment_get(&e, repo->db, opts->experiments[i])) < 0)
			goto done;
		exps[i] = strtoll(e.id, NULL, 10);
		db_experiment_clear(&e);
	}
	if ((err = run_filter_compile(&q, opts->filter, opts->order_by,
				      opts->norder_by)) < 0)
		goto done;
	/* One extra row says whether there is a next page. */
	if ((err = db_begin_read(repo->db)) < 0)
		goto done;
	err = db_runs_search(repo->db, exps, opts->nexperiments,
			     opts->view ? opts->view : CAIRN_VIEW_ACTIVE, &q, offset,
			     max + 1, collect_id, &found);
	db_rollback(repo->db);
	for (i = 0; i < found.n && i < max && !err; i++) {
		cairn_run *run;

		if ((err = local_run_get(&run, repo, found.ids[i])) < 0)
			break;
		err = cb(run, payload);
		cairn_run_free(run);
	}
	if (!err && found.n > max) {
		struct buf json = BUF_INIT;

		buf_printf(&json, "{\"offset\": %zu}", offset + max);
		base64_encode(next_page_token, json.ptr, json.len);
		buf_release(&json);
	}
done:
	for (i = 0; i < found.n; i++)
		free(found.ids[i]);
	free(found.ids);
	free(exps);
	run_query_release(&q);
	return err;
}
