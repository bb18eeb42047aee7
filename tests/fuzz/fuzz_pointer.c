/*
 * fuzz_pointer.c: libFuzzer target for pointer-file parsing.
 *
 * Any input may be refused, but never crash, leak or print. An input that
 * parses must survive a round trip: pointer_format() of the result must
 * parse again to the same fields, and formatting that must give the same
 * bytes. Anything else aborts, which libFuzzer (or the replay driver,
 * standalone_driver.c) reports as a failure.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/pointer.h"
#include "util/buf.h"
#include "util/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok, const char *what, const struct buf *text)
{
	if (ok)
		return;
	fprintf(stderr, "fuzz_pointer: round trip broke %s:\n%s\n", what,
		buf_cstr(text));
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pointer p, q;
	struct buf a = BUF_INIT, b = BUF_INIT;
	int err;

	err = pointer_parse(&p, (const char *)data, size, "fuzz.cairn");
	if (err < 0) {
		/* refusals are always CAIRN_EINVALID and leave nothing */
		if (err != CAIRN_EINVALID || p.path || p.dataset)
			abort();
		return 0;
	}
	pointer_format(&a, &p);
	if (pointer_parse(&q, a.ptr, a.len, "formatted.cairn") < 0) {
		fprintf(stderr, "%s\n", cairn_error_last()->message);
		check(0, "parse", &a);
	}
	check(!strcmp(p.path, q.path), "path", &a);
	check(!cairn_oid_cmp(&p.oid, &q.oid), "id", &a);
	check(p.size == q.size, "size", &a);
	check(p.kind == q.kind, "kind", &a);
	check(p.files == q.files, "files", &a);
	check(!strcmp(p.dataset, q.dataset), "dataset", &a);
	check(p.version == q.version, "dataset_version", &a);
	pointer_format(&b, &q);
	check(a.len == b.len && !memcmp(a.ptr, b.ptr, a.len), "format", &a);

	pointer_release(&p);
	pointer_release(&q);
	buf_release(&a);
	buf_release(&b);
	return 0;
}
