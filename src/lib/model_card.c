/*
 * model_card.c: a model version's model card, in Markdown, with the nine
 * sections of Mitchell et al. 2019, "Model Cards for Model Reporting":
 * model details, intended use, factors, metrics, evaluation data,
 * training data, quantitative analyses, ethical considerations, caveats
 * and recommendations.
 *
 * Facts come from three records and nothing else:
 *
 *   the registry    name, version, semver, description (the version's,
 *                   else the model's), who registered it and when, stage,
 *                   aliases, content id, flavors and signature (MLmodel)
 *   the source run  params, latest metrics, code commit and dirty state
 *                   (mlflow.source.git.commit, cairn.git.dirty), the
 *                   environment cairn run captured (cairn.env.*,
 *                   cairn.python.version)
 *   its inputs      the data set versions the run used, with id, size,
 *                   files and rows: context "evaluation" is evaluation
 *                   data, every other context training data
 *
 * What people know and cairn cannot (intended use, factors, ethical
 * considerations, ...) comes from tags: `card.<section>` on the version,
 * else on the registered model (see docs/registry.md, "Model card"); the
 * text is Markdown and goes into its section above cairn's facts. A
 * section with neither text nor facts says "unknown": nothing is guessed.
 * Facts put into tables are escaped so that a '|' or a newline in a
 * param cannot break the table.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cairn.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/banned.h"

#define UNKNOWN "unknown"

enum section {
	S_DETAILS, S_INTENDED, S_FACTORS, S_METRICS, S_EVAL, S_TRAIN,
	S_QUANT, S_ETHICS, S_CAVEATS, S_COUNT
};

/* Section titles and the tag (after "card.") that fills each. */
static const struct {
	const char *title, *tag;
} sections[S_COUNT] = {
	{ "Model details", "model_details" },
	{ "Intended use", "intended_use" },
	{ "Factors", "factors" },
	{ "Metrics", "metrics" },
	{ "Evaluation data", "evaluation_data" },
	{ "Training data", "training_data" },
	{ "Quantitative analyses", "quantitative_analyses" },
	{ "Ethical considerations", "ethical_considerations" },
	{ "Caveats and recommendations", "caveats" },
};

struct card {
	cairn_repo *repo;
	cairn_model_version *v;
	cairn_model *m;
	cairn_run *run;           /* NULL: no source run known */
	char *text[S_COUNT];      /* from card.* tags */
	struct buf aliases;
};

static int take_tag(const char *key, const char *value, void *payload)
{
	struct card *c = payload;
	size_t i;

	if (strncmp(key, "card.", 5))
		return 0;
	for (i = 0; i < S_COUNT; i++)
		if (!strcmp(key + 5, sections[i].tag) && *value) {
			free(c->text[i]);
			c->text[i] = xstrdup(value);
		}
	return 0;
}

static int take_alias(const char *alias, uint64_t version, void *payload)
{
	struct card *c = payload;

	if (version != c->v->version)
		return 0;
	if (c->aliases.len)
		buf_puts(&c->aliases, ", ");
	buf_puts(&c->aliases, alias);
	return 0;
}

static const char *run_tag(const cairn_run *run, const char *key)
{
	size_t i;

	for (i = 0; run && i < cairn_run_tag_count(run); i++)
		if (!strcmp(cairn_run_tag(run, i)->key, key))
			return cairn_run_tag(run, i)->value;
	return NULL;
}

static void iso_time(struct buf *b, int64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	char s[32];

	if (!ms) {
		buf_puts(b, UNKNOWN);
		return;
	}
	gmtime_r(&t, &tm);
	strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%SZ", &tm);
	buf_puts(b, s);
}

/* s as one table cell: '|' and '\' escaped, line breaks as spaces. */
static void cell(struct buf *b, const char *s)
{
	buf_addch(b, '|');
	buf_addch(b, ' ');
	for (; *s; s++) {
		if (*s == '|' || *s == '\\')
			buf_addch(b, '\\');
		buf_addch(b, *s == '\n' || *s == '\r' ? ' ' : *s);
	}
	buf_addch(b, ' ');
}

static void heading(struct buf *b, const struct card *c, enum section s)
{
	buf_printf(b, "\n## %s\n\n", sections[s].title);
	if (c->text[s]) {
		buf_puts(b, c->text[s]);
		if (c->text[s][strlen(c->text[s]) - 1] != '\n')
			buf_addch(b, '\n');
	}
}

/* Facts follow a section's tag text after a blank line. */
static void facts(struct buf *b, const struct card *c, enum section s)
{
	if (c->text[s])
		buf_addch(b, '\n');
}

/* "unknown" for a section with neither tag text nor facts. */
static void unknown_unless(struct buf *b, const struct card *c, enum section s,
			   int facts)
{
	if (!facts && !c->text[s])
		buf_puts(b, UNKNOWN "\n");
}

/* ------------------------------------------------------- model details */

static void json_list(struct buf *b, const char *json_array)
{
	json_t *a = json_array ? json_loads(json_array, 0, NULL) : NULL;
	size_t i, n = 0;
	json_t *x;

	json_array_foreach(a, i, x) {
		if (!json_is_string(x))
			continue;
		buf_printf(b, "%s%s", n++ ? ", " : "", json_string_value(x));
	}
	if (!n)
		buf_puts(b, UNKNOWN);
	json_decref(a);
}

static void environment(struct buf *b, const cairn_run *run)
{
	const char *py = run_tag(run, "cairn.python.version");
	size_t i, n = 0;

	buf_puts(b, "- Environment:");
	for (i = 0; run && i < cairn_run_tag_count(run); i++) {
		const cairn_kv *t = cairn_run_tag(run, i);

		if (strncmp(t->key, "cairn.env.", 10))
			continue;
		buf_printf(b, "\n  - %s: %s", t->key + 10, t->value);
		n++;
	}
	if (py && *py) {
		buf_printf(b, "\n  - python: %s", py);
		n++;
	}
	buf_puts(b, n ? "\n" : " " UNKNOWN "\n");
}

static void model_details(struct buf *b, const struct card *c)
{
	const cairn_model_version *v = c->v;
	const cairn_run_info *info = c->run ? cairn_run_info_get(c->run) : NULL;
	const char *desc = *v->description ? v->description : c->m->description;
	const char *commit = run_tag(c->run, "mlflow.source.git.commit");
	const char *dirty = run_tag(c->run, "cairn.git.dirty");
	char id[CAIRN_OID_STRLEN + 1];
	size_t i, n;

	heading(b, c, S_DETAILS);
	facts(b, c, S_DETAILS);
	cairn_oid_fmt(id, &v->tree);
	buf_printf(b, "- Model: %s\n- Version: %llu\n- Semantic version: %s\n",
		   v->name, (unsigned long long)v->version, v->semver ? v->semver : UNKNOWN);
	buf_printf(b, "- Description: %s\n", *desc ? desc : UNKNOWN);
	buf_puts(b, "- Registered: ");
	iso_time(b, v->creation_time);
	buf_printf(b, " by %s\n- Stage: %s\n- Aliases: %s\n", *v->user_id ? v->user_id
		   : UNKNOWN, cairn_stage_name(v->stage),
		   c->aliases.len ? c->aliases.ptr : "none");
	buf_printf(b, "- Content id: %s (%llu files, %llu bytes)\n- Source: %s\n", id,
		   (unsigned long long)v->files, (unsigned long long)v->size, v->source);
	buf_puts(b, "- Flavors: ");
	json_list(b, v->flavors);
	buf_printf(b, "\n- Signature: %s%s%s\n", v->signature ? "`" : "",
		   v->signature ? v->signature : UNKNOWN, v->signature ? "`" : "");
	if (info)
		buf_printf(b, "- Source run: %s (%s, experiment %s)\n", info->run_id,
			   info->name, info->experiment_id);
	else
		buf_puts(b, "- Source run: " UNKNOWN "\n");
	buf_puts(b, "- Trained: ");
	iso_time(b, info ? info->start_time : 0);
	buf_puts(b, " to ");
	iso_time(b, info ? info->end_time : 0);
	buf_printf(b, "\n- Code: git commit %s, uncommitted changes: %s\n",
		   commit && *commit ? commit : UNKNOWN,
		   !dirty ? UNKNOWN : !strcmp(dirty, "true") ? "yes" : "no");
	environment(b, c->run);
	n = c->run ? cairn_run_param_count(c->run) : 0;
	buf_puts(b, "\n### Parameters\n\n");
	if (!n)
		buf_puts(b, UNKNOWN "\n");
	else
		buf_puts(b, "| Parameter | Value |\n| --- | --- |\n");
	for (i = 0; i < n; i++) {
		cell(b, cairn_run_param(c->run, i)->key);
		cell(b, cairn_run_param(c->run, i)->value);
		buf_puts(b, "|\n");
	}
}

/* ---------------------------------------------------------------- data */

/* The inputs of the run, evaluation ones or the others, as a table. */
static int data_table(struct buf *b, const struct card *c, int evaluation)
{
	size_t i, n = 0;
	int err = 0;

	for (i = 0; c->run && i < cairn_run_input_count(c->run) && !err; i++) {
		const cairn_run_input *in = cairn_run_input_get(c->run, i);
		cairn_data_version *dv = NULL;
		struct buf spec = BUF_INIT, num = BUF_INIT;

		if ((strcmp(in->context, "evaluation") == 0) != evaluation)
			continue;
		if (!n++) {
			facts(b, c, evaluation ? S_EVAL : S_TRAIN);
			buf_puts(b, "| Data set | Version | Context | Id | Size (bytes) "
				 "| Files | Rows |\n| --- | --- | --- | --- | --- | --- "
				 "| --- |\n");
		}
		buf_printf(&spec, "%s@v%llu", in->name, (unsigned long long)in->version);
		err = cairn_data_lookup(&dv, c->repo, spec.ptr);
		if (err == CAIRN_ENOTFOUND) {
			cairn_error_reset();
			err = 0;
		}
		cell(b, in->name);
		buf_printf(&num, "%llu", (unsigned long long)in->version);
		cell(b, num.ptr);
		cell(b, *in->context ? in->context : UNKNOWN);
		cell(b, in->id);
		buf_reset(&num);
		if (dv)
			buf_printf(&num, "%llu", (unsigned long long)dv->size);
		cell(b, dv ? num.ptr : UNKNOWN);
		buf_reset(&num);
		if (dv)
			buf_printf(&num, "%llu", (unsigned long long)dv->files);
		cell(b, dv ? num.ptr : UNKNOWN);
		buf_reset(&num);
		if (dv && dv->rows >= 0)
			buf_printf(&num, "%lld", (long long)dv->rows);
		cell(b, dv && dv->rows >= 0 ? num.ptr : UNKNOWN);
		buf_puts(b, "|\n");
		cairn_data_version_free(dv);
		buf_release(&spec);
		buf_release(&num);
	}
	return err < 0 ? err : (int)(n > 0);
}

/* ------------------------------------------------------------- metrics */

static void metric_names(struct buf *b, const struct card *c)
{
	size_t i, n = c->run ? cairn_run_metric_count(c->run) : 0;

	heading(b, c, S_METRICS);
	unknown_unless(b, c, S_METRICS, n > 0);
	if (n) {
		facts(b, c, S_METRICS);
		buf_puts(b, "Recorded by the source run:");
	}
	for (i = 0; i < n; i++)
		buf_printf(b, "%s `%s`", i ? "," : "", cairn_run_metric(c->run, i)->key);
	if (n)
		buf_addch(b, '\n');
}

static void quantitative(struct buf *b, const struct card *c)
{
	size_t i, n = c->run ? cairn_run_metric_count(c->run) : 0;

	heading(b, c, S_QUANT);
	unknown_unless(b, c, S_QUANT, n > 0);
	if (n) {
		facts(b, c, S_QUANT);
		buf_puts(b, "Latest values logged by the source run:\n\n"
			 "| Metric | Value | Step |\n| --- | --- | --- |\n");
	}
	for (i = 0; i < n; i++) {
		const cairn_metric *m = cairn_run_metric(c->run, i);

		cell(b, m->key);
		buf_printf(b, "| %.15g | %lld |\n", m->value, (long long)m->step);
	}
}

/* -------------------------------------------------------------- render */

static int render(struct buf *b, struct card *c)
{
	const char *dirty = run_tag(c->run, "cairn.git.dirty");
	int known, dirty_code;

	buf_printf(b, "# Model card: %s, version %llu\n\n", c->v->name,
		   (unsigned long long)c->v->version);
	buf_puts(b, "Written by cairn from the model registry, the source run and the "
		 "data set versions it used. What cairn does not know is written "
		 "\"unknown\".\n");
	model_details(b, c);
	heading(b, c, S_INTENDED);
	unknown_unless(b, c, S_INTENDED, 0);
	heading(b, c, S_FACTORS);
	unknown_unless(b, c, S_FACTORS, 0);
	metric_names(b, c);
	heading(b, c, S_EVAL);
	if ((known = data_table(b, c, 1)) < 0)
		return known;
	unknown_unless(b, c, S_EVAL, known);
	heading(b, c, S_TRAIN);
	if ((known = data_table(b, c, 0)) < 0)
		return known;
	unknown_unless(b, c, S_TRAIN, known);
	quantitative(b, c);
	heading(b, c, S_ETHICS);
	unknown_unless(b, c, S_ETHICS, 0);
	heading(b, c, S_CAVEATS);
	dirty_code = dirty && !strcmp(dirty, "true");
	unknown_unless(b, c, S_CAVEATS, dirty_code);
	if (dirty_code) {
		facts(b, c, S_CAVEATS);
		buf_puts(b, "- The source run's code had uncommitted changes when it ran; "
			 "the diff is kept with the run (tag cairn.git.diff).\n");
	}
	return 0;
}

int cairn_model_card(cairn_buf *out, cairn_repo *repo, const char *name,
		     uint64_t version)
{
	struct card c = { repo, NULL, NULL, NULL, { NULL }, BUF_INIT };
	struct buf b = BUF_INIT;
	size_t i;
	int err;

	if ((err = cairn_model_version_get(&c.v, repo, name, version)) < 0 ||
	    (err = cairn_model_get(&c.m, repo, c.v->name)) < 0 ||
	    (err = cairn_model_alias_foreach(repo, c.v->name, take_alias, &c)) < 0 ||
	    (err = cairn_model_tag_foreach(repo, c.v->name, take_tag, &c)) < 0 ||
	    (err = cairn_model_version_tag_foreach(repo, c.v->name, c.v->version,
						   take_tag, &c)) < 0)
		goto done;
	if (c.v->run_id && (err = cairn_run_get(&c.run, repo, c.v->run_id)) < 0) {
		if (err != CAIRN_ENOTFOUND)
			goto done;
		cairn_error_reset();
		c.run = NULL;
		err = 0;
	}
	if ((err = render(&b, &c)) < 0)
		goto done;
	out->size = b.len;
	out->ptr = buf_detach(&b, NULL);
	out->asize = out->size + 1;
done:
	buf_release(&b);
	buf_release(&c.aliases);
	for (i = 0; i < S_COUNT; i++)
		free(c.text[i]);
	cairn_run_free(c.run);
	cairn_model_free(c.m);
	cairn_model_version_free(c.v);
	return err;
}
