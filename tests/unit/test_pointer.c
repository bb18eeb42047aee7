/*
 * test_pointer.c: pointer files (src/lib/pointer.c).
 *
 * Round trips through pointer_format()/pointer_parse() for awkward names,
 * the exact text written, reading and writing real files, and one test
 * per way a pointer file can be malformed: each must give CAIRN_EINVALID
 * and a message naming the file and, where there is one, the field.
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

#include "lib/pointer.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/fs.h"

#define OID_HEX "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
#define OID_STR "sha256:" OID_HEX

static const char good[] =
	"# cairn pointer file: commit this; the data it names is in .gitignore\n"
	"version: 1\n"
	"path: train.csv\n"
	"id: " OID_STR "\n"
	"size: 1048576\n"
	"kind: file\n"
	"files: 1\n"
	"dataset: data/train.csv\n"
	"dataset_version: 3\n";

static void sample(struct pointer *p, const char *path, const char *dataset)
{
	memset(p, 0, sizeof(*p));
	p->path = xstrdup(path);
	assert_int_equal(cairn_oid_parse(&p->oid, OID_STR), 0);
	p->size = 1048576;
	p->kind = POINTER_KIND_FILE;
	p->files = 1;
	p->dataset = xstrdup(dataset);
	p->version = 3;
}

static void assert_same(const struct pointer *a, const struct pointer *b)
{
	assert_string_equal(a->path, b->path);
	assert_memory_equal(a->oid.id, b->oid.id, sizeof(a->oid.id));
	assert_true(a->size == b->size);
	assert_int_equal(a->kind, b->kind);
	assert_true(a->files == b->files);
	assert_string_equal(a->dataset, b->dataset);
	assert_true(a->version == b->version);
}

static int parse_str(struct pointer *p, const char *s)
{
	return pointer_parse(p, s, strlen(s), "bad.cairn");
}

/* The file must be refused with a message holding every needle. */
static void expect_invalid(const char *text, size_t len, const char *n1,
			   const char *n2)
{
	struct pointer p;
	const char *msg;
	int err = pointer_parse(&p, text, len, "bad.cairn");

	msg = cairn_error_last()->message;
	if (err != CAIRN_EINVALID || !strstr(msg, "'bad.cairn'") ||
	    (n1 && !strstr(msg, n1)) || (n2 && !strstr(msg, n2)))
		fail_msg("input <%.*s>: got %d '%s', wanted '%s' '%s'",
			 (int)len, text, err, msg, n1 ? n1 : "",
			 n2 ? n2 : "");
	assert_null(p.path);
	assert_null(p.dataset);
}

#define INVALID(text, n1, n2) expect_invalid(text, strlen(text), n1, n2)

/* good with the line starting with `key:` replaced by repl (or dropped). */
static char *with_line(const char *key, const char *repl)
{
	struct buf b = BUF_INIT;
	const char *line = good;
	size_t klen = strlen(key);

	while (*line) {
		const char *nl = strchr(line, '\n');
		size_t n = (size_t)(nl - line) + 1;

		if (!strncmp(line, key, klen) && line[klen] == ':') {
			if (repl) {
				buf_puts(&b, repl);
				buf_addch(&b, '\n');
			}
		} else {
			buf_add(&b, line, n);
		}
		line += n;
	}
	return buf_detach(&b, NULL);
}

static void invalid_field(const char *key, const char *repl,
			  const char *needle)
{
	char *text = with_line(key, repl);
	char field[64];

	snprintf(field, sizeof(field), "field '%s'", key);
	INVALID(text, field, needle);
	free(text);
}

/* ------------------------------------------------------------------ tests */

static void test_parse_good(void **state)
{
	struct pointer p;

	(void)state;
	assert_int_equal(parse_str(&p, good), 0);
	assert_string_equal(p.path, "train.csv");
	assert_true(p.size == 1048576);
	assert_int_equal(p.kind, POINTER_KIND_FILE);
	assert_true(p.files == 1);
	assert_string_equal(p.dataset, "data/train.csv");
	assert_true(p.version == 3);
	{
		char id[CAIRN_OID_STRLEN + 1];

		cairn_oid_fmt(id, &p.oid);
		assert_string_equal(id, OID_STR);
	}
	pointer_release(&p);
	assert_null(p.path);
	pointer_release(&p); /* twice is harmless */
}

static void test_format_exact(void **state)
{
	struct pointer p;
	struct buf b = BUF_INIT;

	(void)state;
	sample(&p, "train.csv", "data/train.csv");
	pointer_format(&b, &p);
	assert_string_equal(b.ptr, good);
	pointer_release(&p);
	buf_release(&b);
}

static void test_format_appends(void **state)
{
	struct pointer p;
	struct buf b = BUF_INIT;

	(void)state;
	sample(&p, "a", "b");
	buf_puts(&b, "prefix\n");
	pointer_format(&b, &p);
	assert_true(!strncmp(b.ptr, "prefix\n# cairn pointer file", 27));
	pointer_release(&p);
	buf_release(&b);
}

static void roundtrip(const char *path, const char *dataset, int quoted)
{
	struct pointer p, q;
	struct buf b = BUF_INIT;
	char *line;

	sample(&p, path, dataset);
	pointer_format(&b, &p);
	if (pointer_parse(&q, b.ptr, b.len, "rt.cairn") != 0)
		fail_msg("'%s' did not round-trip: %s\n%s", path,
			 cairn_error_last()->message, b.ptr);
	assert_same(&p, &q);
	line = strstr(b.ptr, "\npath: ");
	assert_non_null(line);
	if (quoted >= 0)
		assert_int_equal(line[7] == '"', quoted);
	pointer_release(&p);
	pointer_release(&q);
	buf_release(&b);
}

static void test_roundtrip_names(void **state)
{
	static const char *const plain[] = {
		"train.csv", "a/b/c.bin", "A_b-c.D", "x-", "data/2024",
		"_", "a/.hidden", "a/-dash", "trueish", "nullable",
	};
	static const char *const quoted[] = {
		"with space", "two  spaces", "colon: here", "a:b", "#hash",
		"x #y", "x#y", "\"dq\"", "'sq'", "back\\slash", "caf\xc3\xa9",
		"\xe6\x97\xa5\xe6\x9c\xac.csv", "-leading-dash", "- item",
		"-", "--", "---", "...", ".hidden", "..x", "1", "123",
		"0x1f", "1e5", "1.5", "2024-01-01", "true", "False", "YES",
		"no", "on", "OFF", "y", "N", "null", "Null", "~", "tab\there",
		"cr\rhere", "ctrl\001x", "del\x7f", "nel\xc2\x85x",
		"c1\xc2\x80x", "ls\xe2\x80\xa8x", "ps\xe2\x80\xa9x",
		"bom\xef\xbb\xbfx", "nbsp\xc2\xa0x", "emoji\xf0\x9f\x98\x80",
		"[x]", "{x}", "*alias", "&anchor", "!tag", "%pct", "@at",
		"`bt`", "? q", "|", ">", ",", " lead", "trail ", "a/b c/d",
		"x: y: z", "\\n", "\\x41", "\\u0041", "=", "<<", "a,b",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(plain) / sizeof(plain[0]); i++)
		roundtrip(plain[i], plain[i], 0);
	for (i = 0; i < sizeof(quoted) / sizeof(quoted[0]); i++)
		roundtrip(quoted[i], quoted[i], 1);
}

static void test_roundtrip_dir_and_limits(void **state)
{
	struct pointer p, q;
	struct buf b = BUF_INIT;

	(void)state;
	sample(&p, "images", "imgs");
	p.kind = POINTER_KIND_DIR;
	p.files = 0;
	p.size = UINT64_MAX;
	p.version = UINT64_MAX;
	pointer_format(&b, &p);
	assert_non_null(strstr(b.ptr, "kind: dir\n"));
	assert_non_null(strstr(b.ptr, "size: 18446744073709551615\n"));
	assert_int_equal(pointer_parse(&q, b.ptr, b.len, "d.cairn"), 0);
	assert_same(&p, &q);
	pointer_release(&q);

	p.files = 123456;
	buf_reset(&b);
	pointer_format(&b, &p);
	assert_int_equal(pointer_parse(&q, b.ptr, b.len, "d.cairn"), 0);
	assert_same(&p, &q);
	pointer_release(&p);
	pointer_release(&q);
	buf_release(&b);
}

static void test_lenient_forms(void **state)
{
	static const char *const ok[] = {
		/* reordered, unknown keys, comments, quoted keys and values */
		"dataset_version: 3\ndataset: data/train.csv\nfiles: 1\n"
		"kind: file\nsize: 1048576\nid: " OID_STR "\npath: train.csv\n"
		"version: 1\n",
		"version: 1\nfuture: [1, 2, {a: b}]\npath: train.csv\n"
		"\"id\": '" OID_STR "'\nsize: 1048576 # bytes\n"
		"kind: \"file\"\nfiles: 1\ndataset: 'data/train.csv'\n"
		"dataset_version: 3\nmore: {x: y}\n",
		"---\nversion: 1\npath: train.csv\nid: " OID_STR "\n"
		"size: 1048576\nkind: file\nfiles: 1\n"
		"dataset: data/train.csv\ndataset_version: 3\n...\n",
		"{version: 1, path: train.csv, id: \"" OID_STR "\", "
		"size: 1048576, kind: file, files: 1, "
		"dataset: data/train.csv, dataset_version: 3}",
		"version: 1\r\npath: train.csv\r\nid: " OID_STR "\r\n"
		"size: 1048576\r\nkind: file\r\nfiles: 1\r\n"
		"dataset: data/train.csv\r\ndataset_version: 3",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		struct pointer p;

		if (parse_str(&p, ok[i]) != 0)
			fail_msg("case %zu: %s", i,
				 cairn_error_last()->message);
		assert_string_equal(p.path, "train.csv");
		assert_string_equal(p.dataset, "data/train.csv");
		assert_true(p.size == 1048576 && p.version == 3);
		pointer_release(&p);
	}
}

static void test_bad_document(void **state)
{
	static const char garbage[] = "\x00\x01\x02\xff\xfe\x80 binary\x00";
	char *truncated = xstrndup(good, strlen(good) / 2);

	(void)state;
	expect_invalid("", 0, "empty", NULL);
	INVALID("# only a comment\n", "empty", NULL);
	INVALID("\n\n   \n", "empty", NULL);
	expect_invalid(garbage, sizeof(garbage) - 1, NULL, NULL);
	INVALID("\xff\xfe\xfd: \x80\x81\n", "invalid UTF-8", "line 1");
	INVALID("version: 1\npath: caf\xc3\n", "invalid UTF-8", "line 2");
	INVALID("version: 1\npath: \xc0\xafx\n", "invalid UTF-8", NULL);
	INVALID("version: 1\npath: \xed\xa0\x80\n", "invalid UTF-8", NULL);
	INVALID("version: 1\n\npath: a\x01\n", "control character",
		"line 3");
	INVALID("path: a\x7f\n", "control character", NULL);
	INVALID("path: \"a\xc2\x80\"\n", "control character", NULL);
	expect_invalid("path: a\0\n", 9, "control character", NULL);
	/* libfyaml 0.7.12 loops forever on these directives */
	INVALID("%\xd5", "invalid UTF-8", NULL);
	INVALID("---\n%\x80\n", "invalid UTF-8", NULL);
	INVALID("just a string\n", "not a mapping", NULL);
	INVALID("- version: 1\n- path: a\n", "not a mapping", NULL);
	INVALID("42\n", "not a mapping", NULL);
	INVALID("version: [1\n", "YAML", "line");
	INVALID("version: 1\n  path: a\n bad: indent\n", "YAML", NULL);
	INVALID("version: \"1\n", "YAML", NULL);
	INVALID("a: 1\n---\nb: 2\n", "more than one", NULL);
	/* truncated in the middle: a later field is missing */
	INVALID(truncated, "field '", NULL);
	free(truncated);
	/* every truncation but the last digit names a field (or is empty) */
	{
		size_t n;

		for (n = 0; n < strlen(good) - 2; n++) {
			struct pointer p;
			const char *msg;

			assert_int_equal(pointer_parse(&p, good, n, "t.cairn"),
					 CAIRN_EINVALID);
			msg = cairn_error_last()->message;
			if (!strstr(msg, "'t.cairn'") ||
			    (!strstr(msg, "field '") && !strstr(msg, "empty") &&
			     !strstr(msg, "mapping")))
				fail_msg("prefix %zu: %s", n, msg);
		}
	}
	{
		char big[POINTER_MAX_SIZE + 2];

		memset(big, '#', sizeof(big));
		expect_invalid(big, sizeof(big), "larger", NULL);
	}
}

static void test_missing_fields(void **state)
{
	static const char *const keys[] = {
		"version", "path", "id", "size", "kind", "files", "dataset",
		"dataset_version",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		invalid_field(keys[i], NULL, "is missing");
}

static void test_versions(void **state)
{
	(void)state;
	invalid_field("version", "version: 2", "newer cairn");
	invalid_field("version", "version: 99999", "newer cairn");
	invalid_field("version", "version: 0", "must be 1");
	invalid_field("version", "version: 1.0", "not a number");
	invalid_field("version", "version: \"1\"", "not a number");
	invalid_field("version", "version: 99999999999999999999",
		      "out of range");
	/* a newer version is reported even when other fields are odd */
	INVALID("version: 7\nsomething: new\n", "newer cairn", "'version'");
}

static void test_wrong_types(void **state)
{
	(void)state;
	invalid_field("size", "size: abc", "not a number");
	invalid_field("size", "size: [1]", "not a number");
	invalid_field("size", "size: {a: 1}", "not a number");
	invalid_field("size", "size:", "not a number");
	invalid_field("size", "size: ~", "not a number");
	invalid_field("size", "size: '5'", "not a number");
	invalid_field("size", "size: !!int 5", "tag");
	invalid_field("path", "path: [a, b]", "not a string");
	invalid_field("path", "path: {a: b}", "not a string");
	invalid_field("path", "path: !!binary YQ==", "tag");
	invalid_field("dataset", "dataset:\n  - a", "not a string");
	invalid_field("dataset", "dataset: \"\"", "empty");
	invalid_field("dataset", "dataset: \"a\\nb\"", "newline");
	invalid_field("dataset", "dataset: \"a\\0b\"", "NUL");
	invalid_field("kind", "kind: File", "'file' or 'dir'");
	invalid_field("kind", "kind: symlink", "'file' or 'dir'");
	invalid_field("kind", "kind: [file]", "not a string");
	invalid_field("files", "files: 2", "must be 1");
	invalid_field("files", "files: 0", "must be 1");
	invalid_field("dataset_version", "dataset_version: 0",
		      "at least 1");
	INVALID("version: 1\npath: &a x\nid: " OID_STR "\nsize: 1\n"
		"kind: file\nfiles: 1\ndataset: *a\ndataset_version: 1\n",
		"field 'dataset'", "not a string");
}

static void test_bad_numbers(void **state)
{
	static const char *const bad[] = {
		"-1", "+1", "1_000", "1,000", "0x10", "0o7", "010",
		"1e3", "12 34", "1.", ".5", "١٢", "18446744073709551616",
		"99999999999999999999999999",
	};
	size_t i;
	char line[128];

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(line, sizeof(line), "size: %s", bad[i]);
		invalid_field("size", line, NULL);
		snprintf(line, sizeof(line), "dataset_version: %s", bad[i]);
		invalid_field("dataset_version", line, NULL);
	}
	invalid_field("size", "size: 18446744073709551616", "out of range");
	invalid_field("size", "size: -5", "not a number");
	{
		struct pointer p;
		char *text = with_line("size",
				       "size: 18446744073709551615");

		assert_int_equal(parse_str(&p, text), 0);
		assert_true(p.size == UINT64_MAX);
		pointer_release(&p);
		free(text);
		text = with_line("size", "size: 0");
		assert_int_equal(parse_str(&p, text), 0);
		assert_true(p.size == 0);
		pointer_release(&p);
		free(text);
	}
}

static void test_bad_ids(void **state)
{
	(void)state;
	invalid_field("id", "id: " OID_HEX, "sha256");
	invalid_field("id", "id: sha256:" OID_HEX "00", "sha256");
	invalid_field("id", "id: sha256:9f86", "sha256");
	invalid_field("id", "id: sha1:" OID_HEX, "sha256");
	invalid_field("id", "id: sha256:"
		      "zf86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
		      "sha256");
	invalid_field("id", "id: 12", "sha256");
	invalid_field("id", "id: [1]", "not a string");
	invalid_field("id", "id: \"sha256:9f86d081884c7d659a2feaa0c55ad015"
		      "a3bf4f1b2b0b822cd15d6c15b0f00a0\\0\"", "sha256");
}

static void test_bad_paths(void **state)
{
	static const struct {
		const char *line, *needle;
	} bad[] = {
		{ "path: /etc/passwd", "absolute" },
		{ "path: \"/\"", "absolute" },
		{ "path: ..", "'..'" },
		{ "path: ../x", "'..'" },
		{ "path: a/../../x", "'..'" },
		{ "path: a/..", "'..'" },
		{ "path: .", "'.'" },
		{ "path: ./a", "'.'" },
		{ "path: a/./b", "'.'" },
		{ "path: a//b", "empty component" },
		{ "path: a/", "empty component" },
		{ "path: \"\"", "empty" },
		{ "path:", "empty" },
		{ "path: \"a\\0b\"", "NUL" },
		{ "path: \"a\\nb\"", "newline" },
		{ "path: |\n  a\n", "one line" },
		{ "path: |-\n  a\n", "one line" },
		{ "path: >-\n  a\n  b\n", "one line" },
		{ "path: a\n  b\n", "one line" },
		{ "path: \"a\n  b\"\n", "one line" },
		{ "path: 'a\n  b'\n", "one line" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		invalid_field("path", bad[i].line, bad[i].needle);
}

/* libfyaml 0.7.12 gets "''''" wrong and leaks escaped scalars */
static void test_single_quotes(void **state)
{
	static const struct {
		const char *yaml, *want;
	} cases[] = {
		{ "'a''b'", "a'b" },
		{ "'a''''b'", "a''b" },
		{ "'''''''''''''''''''''''''''x'", "'''''''''''''x" },
		{ "'x''y''''z'", "x'y''z" },
		{ "'''lead'", "'lead" },
		{ "'trail'''", "trail'" },
		{ "'no escapes'", "no escapes" },
		{ "'dq \" and \\ kept'", "dq \" and \\ kept" },
		{ "\"esc '' \\\\ \\\" \\t \\u00e9\"", "esc '' \\ \" \t \xc3\xa9" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pointer p;
		char line[256];
		char *text;

		snprintf(line, sizeof(line), "dataset: %s", cases[i].yaml);
		text = with_line("dataset", line);
		if (parse_str(&p, text) != 0)
			fail_msg("%s: %s", cases[i].yaml,
				 cairn_error_last()->message);
		assert_string_equal(p.dataset, cases[i].want);
		pointer_release(&p);
		free(text);
	}
	/* keys too: a quoted key is still the key */
	{
		struct pointer p;
		char *text = with_line("kind", "'kind': 'dir'\n'x''''y': 1");

		assert_int_equal(parse_str(&p, text), 0);
		assert_int_equal(p.kind, POINTER_KIND_DIR);
		pointer_release(&p);
		free(text);
	}
	{
		char *text = with_line("dataset", "dataset: 'a''");

		INVALID(text, "YAML", NULL);
		free(text);
	}
}

static void test_duplicates(void **state)
{
	char *text;

	(void)state;
	text = with_line("size", "size: 1\nsize: 2");
	INVALID(text, "'size'", "twice");
	free(text);
	text = with_line("path", "path: a\n\"path\": b");
	INVALID(text, "'path'", NULL);
	free(text);
	/* an unknown key twice is still a broken mapping */
	text = with_line("kind", "kind: file\nx: 1\nx: 2");
	INVALID(text, "twice", NULL);
	free(text);
}

static void test_write_read(void **state)
{
	char dir[] = "/tmp/cairn-test-pointer-XXXXXX";
	char *path;
	struct pointer p, q;
	struct buf want = BUF_INIT, got = BUF_INIT;
	struct stat st;
	mode_t old = umask(077);

	(void)state;
	assert_non_null(mkdtemp(dir));
	path = path_join(dir, "weird name: #1.cairn");
	sample(&p, "weird name: #1.csv", "sets/weird \"one\"");
	assert_int_equal(pointer_write(path, &p), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	pointer_format(&want, &p);
	assert_int_equal(fs_read_file(&got, path), 0);
	assert_string_equal(got.ptr, want.ptr);
	assert_int_equal(pointer_read(&q, path), 0);
	assert_same(&p, &q);
	pointer_release(&q);

	/* overwrite in place */
	p.version = 4;
	assert_int_equal(pointer_write(path, &p), 0);
	assert_int_equal(pointer_read(&q, path), 0);
	assert_true(q.version == 4);
	pointer_release(&q);

	/* a bad file names the path */
	assert_int_equal(fs_write_atomic(path, "version: 1\n", 11, 0644), 0);
	assert_int_equal(pointer_read(&q, path), CAIRN_EINVALID);
	assert_non_null(strstr(cairn_error_last()->message, path));
	assert_non_null(strstr(cairn_error_last()->message, "'path'"));

	/* too large */
	{
		char *big = xmalloc(POINTER_MAX_SIZE + 1);

		memset(big, '#', POINTER_MAX_SIZE + 1);
		assert_int_equal(fs_write_atomic(path, big, POINTER_MAX_SIZE + 1,
						 0644), 0);
		assert_int_equal(pointer_read(&q, path), CAIRN_EINVALID);
		free(big);
	}
	assert_int_equal(unlink(path), 0);
	assert_int_equal(pointer_read(&q, path), CAIRN_ENOTFOUND);
	assert_null(q.path);
	assert_int_equal(fs_exists(path), 0);

	/* refusing to write what could not be read back */
	free(p.path);
	p.path = xstrdup("../escape");
	assert_int_equal(pointer_write(path, &p), CAIRN_EINVALID);
	assert_non_null(strstr(cairn_error_last()->message, "'path'"));
	assert_int_equal(fs_exists(path), 0);
	free(p.path);
	p.path = xstrdup("bad\xff" "utf8");
	assert_int_equal(pointer_write(path, &p), CAIRN_EINVALID);
	free(p.path);
	p.path = xstrdup("ok");
	p.files = 2;
	assert_int_equal(pointer_write(path, &p), CAIRN_EINVALID);
	assert_non_null(strstr(cairn_error_last()->message, "'files'"));
	p.files = 1;
	p.version = 0;
	assert_int_equal(pointer_write(path, &p), CAIRN_EINVALID);
	p.version = 1;
	free(p.dataset);
	p.dataset = xstrdup("");
	assert_int_equal(pointer_write(path, &p), CAIRN_EINVALID);
	assert_int_equal(fs_exists(path), 0);

	pointer_release(&p);
	buf_release(&want);
	buf_release(&got);
	free(path);
	assert_int_equal(rmdir(dir), 0);
	umask(old);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_format_exact),
		cmocka_unit_test(test_format_appends),
		cmocka_unit_test(test_roundtrip_names),
		cmocka_unit_test(test_roundtrip_dir_and_limits),
		cmocka_unit_test(test_lenient_forms),
		cmocka_unit_test(test_bad_document),
		cmocka_unit_test(test_missing_fields),
		cmocka_unit_test(test_versions),
		cmocka_unit_test(test_wrong_types),
		cmocka_unit_test(test_bad_numbers),
		cmocka_unit_test(test_bad_ids),
		cmocka_unit_test(test_bad_paths),
		cmocka_unit_test(test_single_quotes),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_write_read),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
