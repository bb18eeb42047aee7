/*
 * fuzz_serve_route.c: the routing of `cairn serve` request paths
 * (serve_route_parse()). Whatever the bytes (as a path, NUL-terminated at
 * the first NUL), the route must be consistent: a named model's name is a
 * non-empty part of the path without '/', a version is set only when it
 * parsed, and the method is GET or POST.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "serve/runtime.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct serve_route r;
	char *path = malloc(size + 1);

	if (!path)
		return 0;
	memcpy(path, data, size);
	path[size] = '\0';
	serve_route_parse(&r, path);
	if (strcmp(r.method, "GET") && strcmp(r.method, "POST"))
		abort();
	if (!serve_route_allows(&r, r.method))
		abort();
	if (r.kind >= SERVE_ROUTE_V2_MODEL) {
		if (!r.name || !r.name_len || r.name < path ||
		    r.name + r.name_len > path + strlen(path) ||
		    memchr(r.name, '/', r.name_len) || !r.v2)
			abort();
	} else if (r.name) {
		abort();
	}
	if (r.bad_version && r.version)
		abort();
	if (r.kind == SERVE_ROUTE_V2_INFER || r.kind == SERVE_ROUTE_INVOCATIONS) {
		if (strcmp(r.method, "POST"))
			abort();
	} else if (strcmp(r.method, "GET")) {
		abort();
	}
	free(path);
	return 0;
}
