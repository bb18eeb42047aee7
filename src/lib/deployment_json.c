/*
 * deployment_json.c: the JSON forms of a deployment and of its events,
 * shared by `cairn deployments ... --json` and the REST API (and read
 * back by the REST client), so they never drift apart.
 *
 * Every field is present: a deployment without a canary or shadow has
 * null there, an event without a model null model and version. Times
 * are milliseconds since the epoch; details stay a JSON object.
 */
#include <jansson.h>
#include <string.h>

#include "cairn.h"
#include "lib/audit.h"
#include "util/error.h"
#include "util/banned.h"

static int detach(cairn_buf *out, json_t *o)
{
	char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;

	json_decref(o);
	if (!text)
		return cairn_error_set(CAIRN_ERRCLASS_INVALID,
				       "cannot write a deployment as JSON");
	out->ptr = text;
	out->size = strlen(text);
	out->asize = out->size + 1;
	return 0;
}

int cairn_deployment_json(cairn_buf *out, const cairn_deployment *d)
{
	return detach(out, json_pack("{s:o, s:o, s:o, s:I, s:o, s:I, s:I, s:I}",
				     "name", audit_str(d->name), "model_uri",
				     audit_str(d->model_uri), "canary_uri",
				     audit_str(d->canary_uri), "canary_percent",
				     (json_int_t)d->canary_percent, "shadow_uri",
				     audit_str(d->shadow_uri), "created_ms",
				     (json_int_t)d->created_ms, "updated_ms",
				     (json_int_t)d->updated_ms, "generation",
				     (json_int_t)d->generation));
}

int cairn_deployment_event_json(cairn_buf *out, const cairn_deployment_event *e)
{
	json_t *details = e->details ? json_loads(e->details, 0, NULL) : NULL;

	if (!json_is_object(details)) {
		json_decref(details);
		details = json_object();
	}
	return detach(out, json_pack("{s:I, s:I, s:o, s:o, s:o, s:o, s:o, s:o}",
				     "seq", (json_int_t)e->seq, "time",
				     (json_int_t)e->time_ms, "actor",
				     audit_str(e->actor), "event",
				     audit_str(e->action), "model",
				     audit_str(e->model), "version",
				     e->version ? json_integer((json_int_t)e->version)
						: json_null(),
				     "details", details, "reason",
				     audit_str(e->reason)));
}
