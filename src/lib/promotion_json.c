/*
 * promotion_json.c: the JSON form of a promotion request, shared by
 * `cairn models requests --json` and the REST API, so the two never
 * drift apart.
 *
 * Versions are JSON numbers here (cairn's own routes), times are
 * milliseconds since the epoch, and an undecided request's decided_time
 * is null rather than absent, so a reader sees every field.
 */
#include <jansson.h>
#include <string.h>

#include "cairn.h"
#include "lib/audit.h"
#include "util/banned.h"

static void detach(cairn_buf *out, json_t *o)
{
	char *text = json_dumps(o, JSON_COMPACT);

	out->ptr = text;
	out->size = strlen(text);
	out->asize = out->size + 1;
	json_decref(o);
}

int cairn_promotion_request_json(cairn_buf *out,
				 const cairn_promotion_request *r)
{
	json_t *o = json_pack("{s:I, s:o, s:I, s:s, s:o, s:o, s:s, s:I, s:I, s:I}",
			      "id", (json_int_t)r->id, "name", audit_str(r->name),
			      "version", (json_int_t)r->version, "target", r->target,
			      "reason", audit_str(r->reason), "requester",
			      audit_str(r->requester), "status", r->status,
			      "created_time", (json_int_t)r->created_time,
			      "approvals", (json_int_t)r->approvals, "required",
			      (json_int_t)r->required);

	json_object_set_new(o, "decided_time",
			    r->decided_time ? json_integer(r->decided_time)
					    : json_null());
	detach(out, o);
	return 0;
}
