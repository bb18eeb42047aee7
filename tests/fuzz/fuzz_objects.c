/*
 * fuzz_objects.c: the parsers of stored objects that may arrive from
 * elsewhere (a remote directory, a damaged disk): trees and chunk lists.
 * Whatever is accepted must re-encode to the same bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/manifest.h"
#include "lib/tree.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tree t;
	struct manifest m;
	struct buf b = BUF_INIT;

	if (tree_parse(&t, (const char *)data, size, "fuzz") == 0) {
		if (tree_encode(&b, &t) != 0 || b.len != size ||
		    memcmp(b.ptr, data, size) != 0)
			abort();
		tree_release(&t);
	}
	buf_release(&b);
	if (manifest_parse(&m, data, size, "fuzz") == 0) {
		manifest_encode(&b, &m);
		if (b.len != size || memcmp(b.ptr, data, size) != 0)
			abort();
		manifest_release(&m);
	}
	buf_release(&b);
	return 0;
}
