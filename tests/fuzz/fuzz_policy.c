/*
 * fuzz_policy.c: libFuzzer target for policy_parse() (policy.h), which
 * reads promotion policies from the command line and REST bodies.
 *
 * The input is the policy text, NUL bytes included. Any input may be
 * refused, but only with CAIRN_EINVALID; an accepted one prints
 * (policy_format()) to a canonical text that parses again to the same
 * gates and prints the same: what is stored means what was accepted.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cairn.h"
#include "lib/policy.h"
#include "util/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct policy p, q;
	struct buf a = BUF_INIT, b = BUF_INIT;
	int err = policy_parse(&p, (const char *)data, size);

	if (err && err != CAIRN_EINVALID)
		abort();
	if (err)
		return 0;
	policy_format(&a, &p);
	if (policy_parse(&q, a.ptr, a.len) < 0)
		abort();
	policy_format(&b, &q);
	if (p.n != q.n || p.approvals != q.approvals || strcmp(a.ptr, b.ptr))
		abort();
	policy_release(&p);
	policy_release(&q);
	buf_release(&a);
	buf_release(&b);
	return 0;
}
