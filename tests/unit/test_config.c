/*
 * test_config.c: the git-style configuration file (src/lib/config.c).
 *
 * Parsing real git-style files (indentation, comments, subsections, case),
 * the exact text written, set/replace/remove and where new keys go, values
 * and subsection names that need quoting or escapes surviving a round
 * trip, every malformed-line path (CAIRN_EINVALID naming the line), and
 * config_get_u64's errors.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/config.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/fs.h"

static struct config *parse_ok(const char *text)
{
	struct config *cfg = NULL;

	if (config_parse(&cfg, text, strlen(text), "cfg") != 0)
		fail_msg("parse failed: %s\n%s", cairn_error_last()->message,
			 text);
	assert_non_null(cfg);
	return cfg;
}

static char *format(const struct config *cfg)
{
	struct buf b = BUF_INIT;

	config_format(&b, cfg);
	return buf_detach(&b, NULL);
}

static void assert_format(const struct config *cfg, const char *want)
{
	char *got = format(cfg);

	assert_string_equal(got, want);
	free(got);
}

static int collect(const char *key, const char *value, void *payload)
{
	struct buf *b = payload;

	buf_printf(b, "%s=%s|", key, value);
	return 0;
}

static void assert_entries(const struct config *cfg, const char *want)
{
	struct buf b = BUF_INIT;

	assert_int_equal(config_foreach(cfg, collect, &b), 0);
	assert_string_equal(buf_cstr(&b), want);
	buf_release(&b);
}

/* Malformed: CAIRN_EINVALID with "'bad': line N" and needle. */
static void expect_bad_len(const char *text, size_t len, int line,
			   const char *needle)
{
	struct config *cfg = (struct config *)1;
	char want[64];
	const char *msg;
	int err = config_parse(&cfg, text, len, "bad");

	msg = cairn_error_last()->message;
	snprintf(want, sizeof(want), "'bad': line %d:", line);
	if (err != CAIRN_EINVALID || !strstr(msg, want) ||
	    (needle && !strstr(msg, needle)))
		fail_msg("<%s>: got %d '%s', wanted '%s' '%s'", text, err,
			 msg, want, needle ? needle : "");
	assert_null(cfg);
}

static void expect_bad(const char *text, int line, const char *needle)
{
	expect_bad_len(text, strlen(text), line, needle);
}

/* ------------------------------------------------------------------ tests */

static const char sample[] =
	"# cairn configuration\n"
	"; another comment\n"
	"[core]\n"
	"\tformatversion = 1\n"
	"\tbare = true\n"
	"\n"
	"  [Chunking]   # sizes\n"
	"        MIN = 16384\n"
	"max=65536\n"
	"[remote \"backup\"]\n"
	"\turl = /mnt/backup/cairn ; the usb disk\n"
	"\t\tpush = \"yes, always\"\n"
	"[remote \"Off site\"]\n"
	"\turl = s3://bucket/path#frag\n";

static void test_parse_git_style(void **state)
{
	struct config *cfg;

	(void)state;
	cfg = parse_ok(sample);
	assert_string_equal(config_get(cfg, "core.formatversion"), "1");
	assert_string_equal(config_get(cfg, "core.bare"), "true");
	assert_string_equal(config_get(cfg, "chunking.min"), "16384");
	assert_string_equal(config_get(cfg, "CHUNKING.Min"), "16384");
	assert_string_equal(config_get(cfg, "chunking.max"), "65536");
	assert_string_equal(config_get(cfg, "remote.backup.url"),
			    "/mnt/backup/cairn");
	assert_string_equal(config_get(cfg, "remote.backup.push"),
			    "yes, always");
	assert_string_equal(config_get(cfg, "remote.Off site.url"),
			    "s3://bucket/path");
	/* subsections are case-sensitive */
	assert_null(config_get(cfg, "remote.off site.url"));
	assert_null(config_get(cfg, "remote.Backup.url"));
	assert_null(config_get(cfg, "core.missing"));
	assert_null(config_get(cfg, "nosection"));
	assert_null(config_get(cfg, "bad key.x"));
	assert_entries(cfg, "core.formatversion=1|core.bare=true|"
		       "chunking.min=16384|chunking.max=65536|"
		       "remote.backup.url=/mnt/backup/cairn|"
		       "remote.backup.push=yes, always|"
		       "remote.Off site.url=s3://bucket/path|");
	assert_format(cfg,
		      "[core]\n"
		      "\tformatversion = 1\n"
		      "\tbare = true\n"
		      "[chunking]\n"
		      "\tmin = 16384\n"
		      "\tmax = 65536\n"
		      "[remote \"backup\"]\n"
		      "\turl = /mnt/backup/cairn\n"
		      "\tpush = yes, always\n"
		      "[remote \"Off site\"]\n"
		      "\turl = s3://bucket/path\n");
	config_free(cfg);
}

static void test_empty_and_odd_input(void **state)
{
	struct config *cfg;

	(void)state;
	cfg = parse_ok("");
	assert_entries(cfg, "");
	assert_format(cfg, "");
	config_free(cfg);
	cfg = parse_ok("# nothing\n\n   \n[empty]\n[also-empty] ; c\n");
	assert_format(cfg, ""); /* sections without keys vanish */
	config_free(cfg);
	/* BOM, CRLF, no final newline, a 1000-byte value */
	{
		struct buf b = BUF_INIT;

		buf_puts(&b, "\xef\xbb\xbf[a]\r\n\tb = c\r\n\tlong = ");
		while (b.len < 1100)
			buf_addch(&b, 'x');
		buf_puts(&b, "\r\n\tlast = end");
		cfg = parse_ok(b.ptr);
		assert_string_equal(config_get(cfg, "a.b"), "c");
		assert_int_equal(strlen(config_get(cfg, "a.long")),
				 1100 - strlen("\xef\xbb\xbf[a]\r\n\tb = c\r\n"
					       "\tlong = "));
		assert_string_equal(config_get(cfg, "a.last"), "end");
		config_free(cfg);
		buf_release(&b);
	}
	/* the longest line allowed, 65536 bytes, arrives whole */
	{
		struct buf b = BUF_INIT;
		size_t start;

		buf_puts(&b, "[a]\nv = ");
		start = b.len;
		while (b.len - 4 < 65536)
			buf_addch(&b, (char)('a' + b.len % 26));
		buf_puts(&b, "\nw = 1\n");
		cfg = parse_ok(b.ptr);
		assert_int_equal(strlen(config_get(cfg, "a.v")), 65536 - 4);
		assert_memory_equal(config_get(cfg, "a.v"), b.ptr + start,
				    65536 - 4);
		assert_string_equal(config_get(cfg, "a.w"), "1");
		config_free(cfg);
		buf_release(&b);
	}
	cfg = config_new();
	assert_entries(cfg, "");
	assert_null(config_get(cfg, "a.b"));
	config_free(cfg);
	config_free(NULL);
}

static void test_indentation_is_not_continuation(void **state)
{
	struct config *cfg;

	(void)state;
	/* inih's multi-line mode would glue these lines together */
	cfg = parse_ok("[a]\n\tx = 1\n\ty = 2\n    z = 3\n");
	assert_entries(cfg, "a.x=1|a.y=2|a.z=3|");
	config_free(cfg);
}

static void test_value_syntax(void **state)
{
	struct config *cfg;

	(void)state;
	cfg = parse_ok("[v]\n"
		       "a = x # comment\n"
		       "b = x ; comment\n"
		       "c = \"x # not ; comment\"\n"
		       "d = x  y\n"
		       "e = \"x\" y \"z\"\n"
		       "f = \"\\t\\n\\b\\\\\\\"\"\n"
		       "g =\n"
		       "h = \"\"\n"
		       "i = \"  padded  \"  # c\n"
		       "j = a=b:c\n"
		       "k = x\\\"y\n"
		       "l = #only comment\n"
		       "m = \"a\"\"b\"\n");
	assert_string_equal(config_get(cfg, "v.a"), "x");
	assert_string_equal(config_get(cfg, "v.b"), "x");
	assert_string_equal(config_get(cfg, "v.c"), "x # not ; comment");
	assert_string_equal(config_get(cfg, "v.d"), "x  y");
	assert_string_equal(config_get(cfg, "v.e"), "x y z");
	assert_string_equal(config_get(cfg, "v.f"), "\t\n\b\\\"");
	assert_string_equal(config_get(cfg, "v.g"), "");
	assert_string_equal(config_get(cfg, "v.h"), "");
	assert_string_equal(config_get(cfg, "v.i"), "  padded  ");
	assert_string_equal(config_get(cfg, "v.j"), "a=b:c");
	assert_string_equal(config_get(cfg, "v.k"), "x\"y");
	assert_string_equal(config_get(cfg, "v.l"), "");
	assert_string_equal(config_get(cfg, "v.m"), "ab");
	config_free(cfg);
}

static void test_duplicates(void **state)
{
	struct config *cfg;

	(void)state;
	cfg = parse_ok("[a]\nk = 1\n[b]\nx = y\n[a]\nk = 2\nK = 3\n");
	assert_string_equal(config_get(cfg, "a.k"), "3"); /* last wins */
	assert_entries(cfg, "a.k=1|b.x=y|a.k=2|a.k=3|");
	assert_format(cfg, "[a]\n\tk = 1\n[b]\n\tx = y\n[a]\n\tk = 2\n"
		      "\tk = 3\n");
	/* set collapses to one, in the place of the last */
	assert_int_equal(config_set(cfg, "A.K", "4"), 0);
	assert_entries(cfg, "b.x=y|a.k=4|");
	assert_format(cfg, "[b]\n\tx = y\n[a]\n\tk = 4\n");
	config_free(cfg);

	cfg = parse_ok("[a]\nk = 1\nj = 0\nk = 2\n");
	assert_int_equal(config_set(cfg, "a.k", NULL), 0);
	assert_entries(cfg, "a.j=0|");
	config_free(cfg);
}

static void test_set_replace_remove(void **state)
{
	struct config *cfg;

	(void)state;
	cfg = parse_ok("[core]\n\tformatversion = 1\n\tbare = false\n"
		       "[remote \"a\"]\n\turl = /a\n"
		       "[chunking]\n\tmin = 1\n");
	/* replace in place */
	assert_int_equal(config_set(cfg, "core.bare", "true"), 0);
	/* append to an existing section that is not the last */
	assert_int_equal(config_set(cfg, "core.New-Key", "v"), 0);
	assert_int_equal(config_set(cfg, "remote.a.fetch", "all"), 0);
	/* a new subsection and a new section go at the end */
	assert_int_equal(config_set(cfg, "remote.b.url", "/b"), 0);
	assert_int_equal(config_set(cfg, "gc.auto", "0"), 0);
	assert_entries(cfg, "core.formatversion=1|core.bare=true|"
		       "core.new-key=v|remote.a.url=/a|remote.a.fetch=all|"
		       "chunking.min=1|remote.b.url=/b|gc.auto=0|");
	assert_format(cfg,
		      "[core]\n\tformatversion = 1\n\tbare = true\n"
		      "\tnew-key = v\n"
		      "[remote \"a\"]\n\turl = /a\n\tfetch = all\n"
		      "[chunking]\n\tmin = 1\n"
		      "[remote \"b\"]\n\turl = /b\n"
		      "[gc]\n\tauto = 0\n");
	/* remove; removing the last key of a section drops the section */
	assert_int_equal(config_set(cfg, "chunking.min", NULL), 0);
	assert_int_equal(config_set(cfg, "remote.a.url", NULL), 0);
	assert_int_equal(config_set(cfg, "remote.a.fetch", NULL), 0);
	assert_int_equal(config_set(cfg, "nothing.here", NULL), 0);
	assert_null(config_get(cfg, "chunking.min"));
	assert_format(cfg,
		      "[core]\n\tformatversion = 1\n\tbare = true\n"
		      "\tnew-key = v\n"
		      "[remote \"b\"]\n\turl = /b\n"
		      "[gc]\n\tauto = 0\n");
	/* re-adding the section creates it again, at the end */
	assert_int_equal(config_set(cfg, "chunking.min", "2"), 0);
	assert_entries(cfg, "core.formatversion=1|core.bare=true|"
		       "core.new-key=v|remote.b.url=/b|gc.auto=0|"
		       "chunking.min=2|");
	/* the empty subsection is distinct from none */
	assert_int_equal(config_set(cfg, "remote..url", "/empty"), 0);
	assert_string_equal(config_get(cfg, "remote..url"), "/empty");
	assert_null(config_get(cfg, "remote.url"));
	config_free(cfg);
}

static void test_bad_keys(void **state)
{
	static const char *const bad[] = {
		"", "core", ".", ".x", "x.", "core.", ".core", "a b.c",
		"a.b c", "a_b.c", "a.b_c", "caf\xc3\xa9.x", "a.\xc3\xa9",
		"a.b\"c.d", "a.b\nc.d", "a..", "[a].b", "a.b.c.",
		"a.b=c", "a:b.c",
	};
	struct config *cfg = config_new();
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (config_set(cfg, bad[i], "v") != CAIRN_EINVALID)
			fail_msg("key '%s' accepted", bad[i]);
		assert_non_null(strstr(cairn_error_last()->message,
				       "invalid config key"));
		assert_int_equal(config_set(cfg, bad[i], NULL),
				 CAIRN_EINVALID);
		assert_null(config_get(cfg, bad[i]));
	}
	assert_entries(cfg, "");
	/* odd but legal: subsections with dots, spaces, brackets */
	assert_int_equal(config_set(cfg, "remote.a.b.c.url", "1"), 0);
	assert_string_equal(config_get(cfg, "remote.a.b.c.url"), "1");
	assert_int_equal(config_set(cfg, "A-1.x-2", "2"), 0);
	assert_string_equal(config_get(cfg, "a-1.X-2"), "2");
	assert_entries(cfg, "remote.a.b.c.url=1|a-1.x-2=2|");
	config_free(cfg);
}

static void roundtrip(struct config *cfg)
{
	struct config *back;
	struct buf a = BUF_INIT, b = BUF_INIT;
	char *text = format(cfg);

	if (config_parse(&back, text, strlen(text), "rt") != 0)
		fail_msg("round trip failed: %s\n%s",
			 cairn_error_last()->message, text);
	assert_int_equal(config_foreach(cfg, collect, &a), 0);
	assert_int_equal(config_foreach(back, collect, &b), 0);
	assert_string_equal(buf_cstr(&a), buf_cstr(&b));
	config_free(back);
	buf_release(&a);
	buf_release(&b);
	free(text);
}

static void test_special_values_roundtrip(void **state)
{
	static const char *const values[] = {
		"", " ", "  ", " lead", "trail ", "\tlead", "trail\t",
		"a#b", "#", "a;b", ";", "x ; y", "x # y", "quote\"s", "\"",
		"\"\"", "back\\slash", "\\", "\\n", "new\nline", "\n",
		"tab\there", "bs\bx", "cr\rx", "x\r", "\r", "ctrl\x01x",
		"del\x7f", "ff\fx", "vt\vx", "a = b", "a: b", "[section]",
		"[remote \"x\"]", "\303\274n\303\257c\303\266d\303\251",
		"\xff\xfe raw bytes", "=", "==", "x=", "'single'", "trailing\\",
	};
	struct config *cfg = config_new();
	struct buf big = BUF_INIT;
	char key[32];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		snprintf(key, sizeof(key), "v.k%zu", i);
		assert_int_equal(config_set(cfg, key, values[i]), 0);
	}
	while (big.len < 20000)
		buf_puts(&big, "long value; with # specials ");
	assert_int_equal(config_set(cfg, "v.big", big.ptr), 0);
	roundtrip(cfg);
	{
		char *text = format(cfg);
		struct config *back;

		assert_int_equal(config_parse(&back, text, strlen(text), "x"),
				 0);
		for (i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
			snprintf(key, sizeof(key), "v.k%zu", i);
			assert_string_equal(config_get(back, key), values[i]);
		}
		assert_string_equal(config_get(back, "v.big"), big.ptr);
		/* quoting is used only when needed */
		assert_non_null(strstr(text, "\tk0 = \"\"\n"));
		assert_non_null(strstr(text, "\tk1 = \" \"\n"));
		assert_non_null(strstr(text, "\tk7 = \"a#b\"\n"));
		assert_non_null(strstr(text, "\tk13 = \"quote\\\"s\"\n"));
		assert_non_null(strstr(text, "\tk19 = \"new\\nline\"\n"));
		assert_non_null(strstr(text, "\tk30 = a = b\n"));
		config_free(back);
		free(text);
	}
	buf_release(&big);
	config_free(cfg);
}

static void test_subsections(void **state)
{
	static const char *const subs[] = {
		"origin", "Origin", "with space", "a]b", "]", "[x]",
		"back\\slash", "\\", "dot.ted", "semi;colon", "hash#",
		"caf\xc3\xa9", "", "  padded  ", "tab\tx", "cr\rx",
		"a subsection name longer than the 50 bytes inih keeps",
	};
	struct config *cfg = config_new();
	char key[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
		snprintf(key, sizeof(key), "remote.%s.url", subs[i]);
		assert_int_equal(config_set(cfg, key, subs[i]), 0);
	}
	roundtrip(cfg);
	{
		char *text = format(cfg);
		struct config *back;

		assert_non_null(strstr(text, "[remote \"back\\\\slash\"]\n"));
		assert_non_null(strstr(text, "[remote \"a]b\"]\n"));
		assert_int_equal(config_parse(&back, text, strlen(text), "x"),
				 0);
		for (i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
			snprintf(key, sizeof(key), "remote.%s.url", subs[i]);
			assert_string_equal(config_get(back, key), subs[i]);
		}
		config_free(back);
		free(text);
	}
	config_free(cfg);

	/* git's escapes in subsection names: \x is x */
	cfg = parse_ok("[remote \"a\\\\b\\c\"]\nurl = 1\n");
	assert_string_equal(config_get(cfg, "remote.a\\bc.url"), "1");
	config_free(cfg);
	cfg = parse_ok("[Remote \"MiXed\"] ; comment\n\tURL = u\n");
	assert_entries(cfg, "remote.MiXed.url=u|");
	config_free(cfg);
}

static void test_malformed(void **state)
{
	static const struct {
		const char *text;
		int line;
		const char *needle;
	} bad[] = {
		{ "[core\n", 1, "section header" },
		{ "[a]\n[b\n", 2, "section header" },
		{ "[]\n", 1, "section header" },
		{ "[a.b]\nx = 1\n", 1, "section header" },
		{ "[a b]\nx = 1\n", 1, "section header" },
		{ "[a_b]\n", 1, "section header" },
		{ "[ a ]\n", 1, "section header" },
		{ "[a\"b\"]\n", 1, "section header" },
		{ "[a \"b\n", 1, "unterminated subsection" },
		{ "[a \"b\\\"]\n", 1, "contains '\"'" },
		{ "[a \"b\\\"c\"]\n", 1, "contains '\"'" },
		{ "[a \"b\" ]\n", 1, "section header" },
		{ "[a \"b\"]]\n", 1, "after section header" },
		{ "[a] x = 1\n", 1, "after section header" },
		{ "x = 1\n", 1, "not in a section" },
		{ "# c\n\nx = 1\n[a]\n", 3, "not in a section" },
		{ "[a]\nnovalue\n", 2, "name = value" },
		{ "[a]\n\tx = 1\n\tflag\n", 3, "name = value" },
		{ "[a]\nb: c\n", 2, "name = value" },
		{ "[a]\nb c = d\n", 2, "variable name" },
		{ "[a]\n= d\n", 2, "variable name" },
		{ "[a]\nb_c = d\n", 2, "variable name" },
		{ "[a]\nb.c = d\n", 2, "variable name" },
		{ "[a]\n\xc3\xa9 = d\n", 2, "variable name" },
		{ "[a]\nb = \"open\n", 2, "unterminated quoted value" },
		{ "[a]\nb = \"a\" \"b\n", 2, "unterminated quoted value" },
		{ "[a]\nb = x\\q\n", 2, "invalid escape" },
		{ "[a]\nb = \"\\x41\"\n", 2, "invalid escape" },
		{ "[a]\nb = x\\\n", 2, "backslash at end of line" },
		{ "[a]\nok = 1\nb = x\\\nc = 2\n", 3, "backslash" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_bad(bad[i].text, bad[i].line, bad[i].needle);
	expect_bad_len("[a]\nb = x\0y\n", 12, 2, "NUL");
	expect_bad_len("[a\0]\n", 5, 1, "NUL");
	{
		struct buf b = BUF_INIT;

		buf_puts(&b, "[a]\nok = 1\n");
		while (b.len - 11 < 65537)
			buf_addch(&b, 'x');
		buf_puts(&b, "\nafter = 1\n");
		expect_bad(b.ptr, 3, "longer than");
		buf_release(&b);
	}
	{
		struct config *cfg = (struct config *)1;
		char *big = xmalloc(2 * 1024 * 1024);

		memset(big, '#', 2 * 1024 * 1024);
		assert_int_equal(config_parse(&cfg, big, 2 * 1024 * 1024,
					      "huge"), CAIRN_EINVALID);
		assert_null(cfg);
		assert_non_null(strstr(cairn_error_last()->message, "'huge'"));
		free(big);
	}
}

static void test_get_u64(void **state)
{
	static const char *const bad[] = {
		"abc", "-1", "+1", "1.5", "1e3", "0x10", "12k", "1 2",
		"18446744073709551616", "99999999999999999999999",
	};
	struct config *cfg = config_new();
	uint64_t v = 7;
	size_t i;

	(void)state;
	assert_int_equal(config_get_u64(&v, cfg, "a.b"), CAIRN_ENOTFOUND);
	assert_non_null(strstr(cairn_error_last()->message, "'a.b'"));
	assert_true(v == 7);
	assert_int_equal(config_set(cfg, "a.b", "16384"), 0);
	assert_int_equal(config_get_u64(&v, cfg, "A.B"), 0);
	assert_true(v == 16384);
	assert_int_equal(config_set(cfg, "a.b", "0"), 0);
	assert_int_equal(config_get_u64(&v, cfg, "a.b"), 0);
	assert_true(v == 0);
	assert_int_equal(config_set(cfg, "a.b", "18446744073709551615"), 0);
	assert_int_equal(config_get_u64(&v, cfg, "a.b"), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(config_set(cfg, "a.b", ""), 0);
	assert_int_equal(config_get_u64(&v, cfg, "a.b"), CAIRN_EINVALID);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = 7;
		assert_int_equal(config_set(cfg, "a.b", bad[i]), 0);
		assert_int_equal(config_get_u64(&v, cfg, "a.b"),
				 CAIRN_EINVALID);
		assert_non_null(strstr(cairn_error_last()->message, "'a.b'"));
		assert_true(v == 7);
	}
	assert_int_equal(config_get_u64(&v, cfg, "bad key"), CAIRN_ENOTFOUND);
	config_free(cfg);
}

static int stop_at_second(const char *key, const char *value, void *payload)
{
	int *n = payload;

	(void)key;
	(void)value;
	return ++*n == 2 ? 42 : 0;
}

static void test_foreach_stops(void **state)
{
	struct config *cfg = parse_ok("[a]\nx=1\ny=2\nz=3\n");
	int n = 0;

	(void)state;
	assert_int_equal(config_foreach(cfg, stop_at_second, &n), 42);
	assert_int_equal(n, 2);
	config_free(cfg);
}

static void test_save_load(void **state)
{
	char dir[] = "/tmp/cairn-test-config-XXXXXX";
	char *path;
	struct config *cfg, *back;
	struct buf want = BUF_INIT, got = BUF_INIT;
	struct stat st;
	mode_t old = umask(077);

	(void)state;
	assert_non_null(mkdtemp(dir));
	path = path_join(dir, "config");
	assert_int_equal(config_load(&back, path), CAIRN_ENOTFOUND);
	assert_null(back);

	cfg = parse_ok(sample);
	assert_int_equal(config_set(cfg, "remote.backup.url", " /odd # path"),
			 0);
	assert_int_equal(config_save(cfg, path), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	config_format(&want, cfg);
	assert_int_equal(fs_read_file(&got, path), 0);
	assert_string_equal(got.ptr, want.ptr);
	assert_int_equal(config_load(&back, path), 0);
	assert_string_equal(config_get(back, "remote.backup.url"),
			    " /odd # path");
	config_free(back);

	/* an empty configuration saves as an empty file */
	config_free(cfg);
	cfg = config_new();
	assert_int_equal(config_save(cfg, path), 0);
	assert_int_equal(config_load(&back, path), 0);
	assert_entries(back, "");
	config_free(back);

	/* a malformed file names the path and the line */
	assert_int_equal(fs_write_atomic(path, "[a]\nok = 1\nbad\n", 15, 0644),
			 0);
	assert_int_equal(config_load(&back, path), CAIRN_EINVALID);
	assert_null(back);
	assert_non_null(strstr(cairn_error_last()->message, path));
	assert_non_null(strstr(cairn_error_last()->message, "line 3"));

	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(dir), 0);
	config_free(cfg);
	buf_release(&want);
	buf_release(&got);
	free(path);
	umask(old);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_git_style),
		cmocka_unit_test(test_empty_and_odd_input),
		cmocka_unit_test(test_indentation_is_not_continuation),
		cmocka_unit_test(test_value_syntax),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_set_replace_remove),
		cmocka_unit_test(test_bad_keys),
		cmocka_unit_test(test_special_values_roundtrip),
		cmocka_unit_test(test_subsections),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_get_u64),
		cmocka_unit_test(test_foreach_stops),
		cmocka_unit_test(test_save_load),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
