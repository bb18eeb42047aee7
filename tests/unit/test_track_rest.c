/*
 * test_track_rest.c: the REST tracking backend's JSON mapping
 * (track_rest_json.c): a server's error answers back to cairn's codes and
 * messages; MLflow Runs and Experiments as a cairn server emits them into
 * cairn's structs (int64 as numbers or strings, MLflow's NaN and infinity
 * strings, the parent from its tag, cairn data inputs and foreign dataset
 * records told apart); a cairn data input written by rest_input_json()
 * read back as the same version; and malformed answers refused, never
 * trusted.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lib/track_rest.h"
#include "util/error.h"

static void test_errors_map_to_codes(void **state)
{
	static const struct {
		const char *body;
		long status;
		int code;
		const char *message;
	} cases[] = {
		{ "{\"error_code\":\"RESOURCE_DOES_NOT_EXIST\",\"message\":\"no run matches 'x'\"}",
		  404, CAIRN_ENOTFOUND, "no run matches 'x'" },
		{ "{\"error_code\":\"INVALID_PARAMETER_VALUE\",\"message\":\"bad\"}", 400,
		  CAIRN_EINVALID, "bad" },
		{ "{\"error_code\":\"RESOURCE_ALREADY_EXISTS\",\"message\":\"dup\"}", 400,
		  CAIRN_EEXISTS, "dup" },
		{ "{\"error_code\":\"RESOURCE_CONFLICT\",\"message\":\"c\"}", 409,
		  CAIRN_ECONFLICT, "c" },
		{ "{\"error_code\":\"NOT_IMPLEMENTED\",\"message\":\"n\"}", 501,
		  CAIRN_ENOTSUPP, "n" },
		{ "{\"error_code\":\"ENDPOINT_NOT_FOUND\",\"message\":\"e\"}", 404,
		  CAIRN_ENOTSUPP, "e" },
		{ "{\"error_code\":\"INTERNAL_ERROR\",\"message\":\"boom\"}", 500,
		  CAIRN_ERROR, "boom" },
		{ "{\"error_code\":\"SOMETHING_NEW\",\"message\":\"gone\"}", 404,
		  CAIRN_ENOTFOUND, "gone" },
		{ "<html>Bad Gateway</html>", 502, CAIRN_ERROR,
		  "the cairn server at http://h:1 answered HTTP 502" },
		{ "{\"error_code\":3,\"message\":\"x\"}", 400, CAIRN_ERROR,
		  "the cairn server at http://h:1 answered HTTP 400" },
		{ "", 503, CAIRN_ERROR, "the cairn server at http://h:1 answered HTTP 503" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		assert_int_equal(rest_error(cases[i].status, cases[i].body,
					    strlen(cases[i].body), "http://h:1"),
				 cases[i].code);
		assert_string_equal(cairn_error_last()->message, cases[i].message);
	}
}

static void test_doubles(void **state)
{
	json_t *v;
	double d;

	(void)state;
	v = json_string("NaN");
	assert_int_equal(rest_json_double(&d, v), 0);
	assert_true(isnan(d));
	json_decref(v);
	v = json_string("-Infinity");
	assert_int_equal(rest_json_double(&d, v), 0);
	assert_true(isinf(d) && d < 0);
	json_decref(v);
	v = json_integer(3);
	assert_int_equal(rest_json_double(&d, v), 0);
	assert_true(d == 3.0);
	json_decref(v);
	v = json_string("3.5");
	assert_int_equal(rest_json_double(&d, v), CAIRN_EINVALID);
	json_decref(v);
	v = rest_double_json(INFINITY);
	assert_string_equal(json_string_value(v), "Infinity");
	json_decref(v);
	v = rest_double_json(NAN);
	assert_string_equal(json_string_value(v), "NaN");
	json_decref(v);
	v = rest_double_json(0.25);
	assert_true(json_real_value(v) == 0.25);
	json_decref(v);
	v = json_string("1795000000123");
	assert_true(rest_json_int64(v) == 1795000000123LL);
	json_decref(v);
	assert_true(rest_json_int64(NULL) == 0);
}

static const char run_json[] =
	"{\"info\": {\"run_id\": \"0123456789abcdef0123456789abcdef\","
	" \"run_name\": \"r1\", \"experiment_id\": \"2\", \"user_id\": \"ana\","
	" \"status\": \"FINISHED\", \"start_time\": \"1000\", \"end_time\": 2000,"
	" \"lifecycle_stage\": \"deleted\", \"artifact_uri\": \"x\"},"
	" \"data\": {\"params\": [{\"key\": \"lr\", \"value\": \"0.1\"}],"
	"  \"metrics\": [{\"key\": \"loss\", \"value\": \"NaN\", \"timestamp\": 5, \"step\": 3},"
	"               {\"key\": \"acc\", \"value\": 0.5, \"timestamp\": 6, \"step\": \"4\"}],"
	"  \"tags\": [{\"key\": \"mlflow.parentRunId\", \"value\": \"ffff\"},"
	"            {\"key\": \"empty\"}]},"
	" \"inputs\": {\"dataset_inputs\": ["
	"  {\"tags\": [{\"key\": \"mlflow.data.context\", \"value\": \"training\"}],"
	"   \"dataset\": {\"name\": \"train.csv\", \"digest\": \"sha256:abcd\","
	"    \"source_type\": \"cairn\", \"source\": \"{\\\"uri\\\":\\\"cairn:train.csv@v3\\\"}\"}},"
	"  {\"dataset\": {\"name\": \"iris\", \"digest\": \"d1\", \"source_type\": \"http\","
	"   \"source\": \"{\\\"url\\\":\\\"http://x\\\"}\", \"schema\": \"{}\"}}]}}";

static void test_run_parse(void **state)
{
	json_t *o = json_loads(run_json, 0, NULL);
	const cairn_run_info *info;
	const cairn_run_input *in;
	const cairn_dataset_input *rec;
	cairn_run *run = NULL;

	(void)state;
	assert_non_null(o);
	assert_int_equal(rest_run_parse(&run, o), 0);
	info = cairn_run_info_get(run);
	assert_string_equal(info->run_id, "0123456789abcdef0123456789abcdef");
	assert_string_equal(info->name, "r1");
	assert_string_equal(info->experiment_id, "2");
	assert_string_equal(info->user_id, "ana");
	assert_int_equal(info->status, CAIRN_RUN_FINISHED);
	assert_true(info->start_time == 1000 && info->end_time == 2000);
	assert_string_equal(info->lifecycle_stage, "deleted");
	assert_string_equal(info->parent_run_id, "ffff");
	assert_int_equal(cairn_run_param_count(run), 1);
	assert_string_equal(cairn_run_param(run, 0)->value, "0.1");
	assert_int_equal(cairn_run_metric_count(run), 2);
	assert_true(isnan(cairn_run_metric(run, 0)->value));
	assert_true(cairn_run_metric(run, 1)->step == 4);
	assert_int_equal(cairn_run_tag_count(run), 2);
	assert_string_equal(cairn_run_tag(run, 1)->value, "");
	assert_int_equal(cairn_run_input_count(run), 1);
	in = cairn_run_input_get(run, 0);
	assert_string_equal(in->name, "train.csv");
	assert_true(in->version == 3);
	assert_string_equal(in->id, "sha256:abcd");
	assert_string_equal(in->context, "training");
	assert_int_equal(cairn_run_dataset_input_count(run), 1);
	rec = cairn_run_dataset_input(run, 0);
	assert_string_equal(rec->dataset.name, "iris");
	assert_string_equal(rec->dataset.source_type, "http");
	assert_string_equal(rec->dataset.schema, "{}");
	assert_null(rec->dataset.profile);
	assert_int_equal(rec->ntags, 0);
	cairn_run_free(run);
	json_decref(o);
}

static void test_input_round_trip(void **state)
{
	cairn_data_version v;
	json_t *in, *run;
	cairn_run *r = NULL;
	char id[CAIRN_OID_STRLEN + 1];
	const char *digest;

	(void)state;
	memset(&v, 0, sizeof(v));
	v.name = "data/train.csv";
	v.version = 12;
	memset(v.oid.id, 0xab, sizeof(v.oid.id));
	cairn_oid_fmt(id, &v.oid);
	in = rest_input_json(&v, "evaluation");
	digest = json_string_value(json_object_get(json_object_get(in, "dataset"), "digest"));
	assert_int_equal(strlen(digest), 32);
	assert_memory_equal(digest, id + 7, 32);
	run = json_pack("{s:{s:s, s:s}, s:{s:[o]}}", "info", "run_id", "r", "experiment_id",
			"0", "inputs", "dataset_inputs", in);
	assert_int_equal(rest_run_parse(&r, run), 0);
	assert_int_equal(cairn_run_input_count(r), 1);
	assert_int_equal(cairn_run_dataset_input_count(r), 0);
	assert_string_equal(cairn_run_input_get(r, 0)->name, "data/train.csv");
	assert_true(cairn_run_input_get(r, 0)->version == 12);
	assert_string_equal(cairn_run_input_get(r, 0)->id, id);
	assert_string_equal(cairn_run_input_get(r, 0)->context, "evaluation");
	cairn_run_free(r);
	json_decref(run);
}

static void test_malformed_answers(void **state)
{
	static const char *const runs[] = {
		"{}",
		"{\"info\": []}",
		"{\"info\": {\"run_id\": 3, \"experiment_id\": \"0\"}}",
		"{\"info\": {\"run_id\": \"r\"}}",
		"{\"info\": {\"run_id\": \"r\", \"experiment_id\": \"0\"}, \"data\": 1}",
		"{\"info\": {\"run_id\": \"r\", \"experiment_id\": \"0\"},"
		" \"data\": {\"params\": {}}}",
		"{\"info\": {\"run_id\": \"r\", \"experiment_id\": \"0\"},"
		" \"data\": {\"metrics\": [{\"key\": \"m\", \"value\": \"x\"}]}}",
		"{\"info\": {\"run_id\": \"r\", \"experiment_id\": \"0\"},"
		" \"inputs\": {\"dataset_inputs\": [{\"dataset\": {}}]}}",
		"{\"info\": {\"run_id\": \"r\", \"experiment_id\": \"0\"},"
		" \"inputs\": {\"dataset_inputs\": [{\"dataset\": {\"name\": \"n\"},"
		" \"tags\": [{\"value\": \"v\"}]}]}}",
	};
	cairn_experiment e;
	json_t *o;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(runs) / sizeof(*runs); i++) {
		cairn_run *r = NULL;

		o = json_loads(runs[i], 0, NULL);
		assert_non_null(o);
		assert_true(rest_run_parse(&r, o) < 0);
		assert_null(r);
		json_decref(o);
	}
	o = json_loads("{\"experiment_id\": \"4\"}", 0, NULL);
	assert_int_equal(rest_experiment_parse(&e, o), CAIRN_EINVALID);
	json_decref(o);
	o = json_loads("{\"experiment_id\": \"4\", \"name\": \"x\", \"creation_time\": 7}", 0,
		       NULL);
	assert_int_equal(rest_experiment_parse(&e, o), 0);
	assert_string_equal(e.lifecycle_stage, "active");
	assert_true(e.creation_time == 7);
	free((char *)e.id);
	free((char *)e.name);
	free((char *)e.lifecycle_stage);
	json_decref(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_errors_map_to_codes),
		cmocka_unit_test(test_doubles),
		cmocka_unit_test(test_run_parse),
		cmocka_unit_test(test_input_round_trip),
		cmocka_unit_test(test_malformed_answers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
