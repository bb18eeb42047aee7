/*
 * fuzz_config.c: libFuzzer target for the configuration parser.
 *
 * Any input may be refused, but never crash, leak or print. An input that
 * parses must:
 *   - list through config_foreach() keys that config_get() finds;
 *   - survive a round trip: config_parse(config_format(cfg)) lists the same
 *     keys and values in the same order, and formats to the same bytes;
 *   - stay consistent under config_set(): setting the first key to a new
 *     value makes config_get() return it, and removing it makes it vanish,
 *     with the result still round-tripping.
 * Anything else aborts, which libFuzzer (or the replay driver,
 * standalone_driver.c) reports as a failure.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/config.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, const char *text)
{
	fprintf(stderr, "fuzz_config: %s\n%s\n", what, text ? text : "");
	abort();
}

/* Appends "key\0value\0" for each entry, and checks config_get(). */
struct listing {
	const struct config *cfg;
	struct buf out;
	char *first_key;
};

static int list_cb(const char *key, const char *value, void *payload)
{
	struct listing *l = payload;

	if (!config_get(l->cfg, key))
		fail("config_get misses a listed key", key);
	buf_add(&l->out, key, strlen(key) + 1);
	buf_add(&l->out, value, strlen(value) + 1);
	if (!l->first_key)
		l->first_key = xstrdup(key);
	return 0;
}

static void list(struct listing *l, const struct config *cfg)
{
	memset(l, 0, sizeof(*l));
	l->cfg = cfg;
	if (config_foreach(cfg, list_cb, l) != 0)
		fail("config_foreach failed", NULL);
}

static void list_release(struct listing *l)
{
	buf_release(&l->out);
	free(l->first_key);
}

/* format, re-parse, compare entries and bytes */
static void roundtrip(const struct config *cfg)
{
	struct buf a = BUF_INIT, b = BUF_INIT;
	struct config *back;
	struct listing la, lb;

	config_format(&a, cfg);
	if (config_parse(&back, buf_cstr(&a), a.len, "formatted") < 0)
		fail(cairn_error_last()->message, buf_cstr(&a));
	list(&la, cfg);
	list(&lb, back);
	if (la.out.len != lb.out.len ||
	    memcmp(buf_cstr(&la.out), buf_cstr(&lb.out), la.out.len))
		fail("round trip changed the entries", buf_cstr(&a));
	config_format(&b, back);
	if (a.len != b.len || memcmp(buf_cstr(&a), buf_cstr(&b), a.len))
		fail("round trip changed the text", buf_cstr(&a));
	list_release(&la);
	list_release(&lb);
	config_free(back);
	buf_release(&a);
	buf_release(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config *cfg = NULL;
	struct listing l;
	const char *got;
	int err;

	err = config_parse(&cfg, (const char *)data, size, "fuzz");
	if (err < 0) {
		if (err != CAIRN_EINVALID || cfg)
			abort();
		return 0;
	}
	roundtrip(cfg);

	list(&l, cfg);
	if (l.first_key) {
		/* the value: the input's first bytes, up to a NUL */
		char *value = xstrndup((const char *)data,
				       size < 64 ? size : 64);

		if (config_set(cfg, l.first_key, value) != 0)
			fail("config_set refused a listed key", l.first_key);
		got = config_get(cfg, l.first_key);
		if (!got || strcmp(got, value))
			fail("config_get after config_set", l.first_key);
		roundtrip(cfg);
		if (config_set(cfg, l.first_key, NULL) != 0 ||
		    config_get(cfg, l.first_key))
			fail("config_set(NULL) did not remove", l.first_key);
		roundtrip(cfg);
		free(value);
	}
	list_release(&l);
	config_free(cfg);
	return 0;
}
