/*
 * fuzz_http.c: the server's parsers of request bytes: query strings, URL
 * unescaping, route matching and artifact path checks. The input's first
 * byte picks the parser; the rest is the text. Accepted artifact paths
 * must come out clean (relative, no "..", no empty component).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "server/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf b = BUF_INIT;
	char *text;
	json_t *params;

	if (!size)
		return 0;
	text = malloc(size);
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	switch (data[0] % 4) {
	case 0:
		json_decref(http_parse_query(text, size - 1));
		break;
	case 1:
		http_unescape(&b, text, size - 1, data[0] & 4);
		break;
	case 2:
		params = json_object();
		http_route_match("/mlflow-artifacts/artifacts/{path...}", text, params);
		http_route_match("/x/{id}/y", text, params);
		http_route_match("/mlflow/logged-models/{model_id}/tags/{tag_key}",
				 text, params);
		json_decref(params);
		break;
	default:
		if (http_artifact_path(&b, text) == 0 && b.len &&
		    (b.ptr[0] == '/' || strstr(b.ptr, "//") ||
		     !strcmp(b.ptr, "..") || !strncmp(b.ptr, "../", 3) ||
		     strstr(b.ptr, "/../") ||
		     (b.len >= 3 && !strcmp(b.ptr + b.len - 3, "/.."))))
			abort();
		break;
	}
	buf_release(&b);
	free(text);
	return 0;
}
