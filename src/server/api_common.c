/*
 * api_common.c: the field helpers and error mapping of api.h.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/api.h"
#include "util/banned.h"

int api_fail(struct api_result *res, int status, const char *error_code,
	     const char *fmt, ...)
{
	va_list ap;

	res->status = status;
	res->error_code = error_code;
	va_start(ap, fmt);
	vsnprintf(res->message, sizeof(res->message), fmt, ap);
	va_end(ap);
	return -1;
}

int api_fail_cairn(struct api_result *res, int code)
{
	const char *msg = cairn_error_last()->message;

	switch (code) {
	case CAIRN_ENOTFOUND:
		return api_fail(res, 404, "RESOURCE_DOES_NOT_EXIST", "%s", msg);
	case CAIRN_EEXISTS:
		return api_fail(res, 400, "RESOURCE_ALREADY_EXISTS", "%s", msg);
	case CAIRN_EINVALID:
	case CAIRN_EAMBIGUOUS:
		return api_fail(res, 400, "INVALID_PARAMETER_VALUE", "%s", msg);
	case CAIRN_ECONFLICT:
		return api_fail(res, 409, "RESOURCE_CONFLICT", "%s", msg);
	case CAIRN_ENOTSUPP:
		return api_fail(res, 501, "NOT_IMPLEMENTED", "%s", msg);
	default:
		return api_fail(res, 500, "INTERNAL_ERROR", "%s", msg);
	}
}

static int missing(struct api_result *res, const char *name)
{
	return api_fail(res, 400, "INVALID_PARAMETER_VALUE",
			"Missing value for required parameter '%s'. See the API docs "
			"for more information about request parameters.", name);
}

static const char *type_name(json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "dict";
	case JSON_ARRAY:
		return "list";
	case JSON_STRING:
		return "str";
	case JSON_INTEGER:
		return "int";
	case JSON_REAL:
		return "float";
	case JSON_TRUE:
	case JSON_FALSE:
		return "bool";
	default:
		return "NoneType";
	}
}

static int wrong_type(struct api_result *res, const char *name, json_t *v)
{
	char *text = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
	int ret = api_fail(res, 400, "INVALID_PARAMETER_VALUE",
			   "Invalid value %s for parameter '%s' supplied. Hint: Value "
			   "was of type '%s'. See the API docs for more information "
			   "about request parameters.", text ? text : "?", name,
			   type_name(v));

	free(text);
	return ret;
}

/*
 * The value; null counts as absent. A GET key given once arrives as a
 * string (the HTTP layer makes arrays only of repeated keys), so an array
 * where one value belongs is the client's mistake, as in MLflow.
 */
static json_t *field(json_t *params, const char *name)
{
	json_t *v = json_object_get(params, name);

	if (v && json_is_null(v))
		return NULL;
	return v;
}


int api_get_string(const char **out, json_t *params, const char *name,
		   int required, struct api_result *res)
{
	json_t *v = field(params, name);

	if (!v || (json_is_string(v) && !*json_string_value(v) && required))
		return required ? missing(res, name) : 1;
	if (!json_is_string(v))
		return wrong_type(res, name, v);
	*out = json_string_value(v);
	return 0;
}

int api_get_int64(int64_t *out, json_t *params, const char *name, int required,
		  struct api_result *res)
{
	json_t *v = field(params, name);

	if (!v)
		return required ? missing(res, name) : 1;
	if (json_is_integer(v)) {
		*out = json_integer_value(v);
		return 0;
	}
	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		char *end;
		long long n;

		errno = 0;
		n = strtoll(s, &end, 10);
		if (*s && !*end && !errno) {
			*out = n;
			return 0;
		}
		if (!*s && !required)
			return 1;
	}
	return wrong_type(res, name, v);
}

int api_get_double(double *out, json_t *params, const char *name, int required,
		   struct api_result *res)
{
	json_t *v = field(params, name);

	if (!v)
		return required ? missing(res, name) : 1;
	if (json_is_number(v)) {
		*out = json_number_value(v);
		return 0;
	}
	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		char *end;

		if (!strcmp(s, "NaN")) {
			*out = NAN;
			return 0;
		}
		if (!strcmp(s, "Infinity") || !strcmp(s, "-Infinity")) {
			*out = s[0] == '-' ? -INFINITY : INFINITY;
			return 0;
		}
		*out = strtod(s, &end);
		if (*s && !*end)
			return 0;
	}
	return wrong_type(res, name, v);
}

int api_get_array(json_t **out, json_t *params, const char *name, int required,
		  struct api_result *res)
{
	json_t *v = field(params, name);

	if (!v)
		return required ? missing(res, name) : 1;
	if (!json_is_array(v))
		return wrong_type(res, name, v);
	*out = v;
	return 0;
}

int api_get_run_id(const char **out, json_t *params, struct api_result *res)
{
	int r = api_get_string(out, params, "run_id", 0, res);

	if (r == 1 && (r = api_get_string(out, params, "run_uuid", 0, res)) == 1)
		return missing(res, "run_id");
	return r;
}

int api_actor_from(cairn_repo *repo, json_t *params, struct api_result *res)
{
	const char *user = NULL;
	int err;

	if (api_get_string(&user, params, "user", 0, res) < 0)
		return -1;
	if (user && (err = cairn_repo_set_actor(repo, user)) < 0)
		return api_fail_cairn(res, err);
	return 0;
}

json_t *api_double(double v)
{
	if (isnan(v))
		return json_string("NaN");
	if (isinf(v))
		return json_string(v > 0 ? "Infinity" : "-Infinity");
	return json_real(v);
}
