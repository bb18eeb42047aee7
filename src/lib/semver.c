/*
 * semver.c: semantic version syntax and bumps (semver.h).
 *
 * The grammar is semver.org 2.0.0's: three numeric identifiers without
 * leading zeros; an optional pre-release after '-' of dot-separated
 * identifiers of [0-9A-Za-z-], numeric ones without leading zeros; an
 * optional build after '+' of dot-separated identifiers of [0-9A-Za-z-].
 * Numbers above 2^63 - 1 are refused so a bump cannot overflow.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "lib/semver.h"
#include "util/error.h"
#include "util/banned.h"

static int bad(const char *s)
{
	return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
				"'%s' is not a semantic version (MAJOR.MINOR.PATCH, "
				"such as 1.2.0, see semver.org)", s);
}

/* A numeric identifier at *p: digits, no leading zero. */
static int number(const char **p, long long *out)
{
	const char *s = *p;
	char *end;

	if (!isdigit((unsigned char)*s) || (s[0] == '0' && isdigit((unsigned char)s[1])))
		return -1;
	errno = 0;
	*out = strtoll(s, &end, 10);
	if (errno)
		return -1;
	*p = end;
	return 0;
}

/* Dot-separated identifiers up to stop chars; numeric_rule for pre-release. */
static int identifiers(const char **p, const char *stop, int numeric_rule)
{
	const char *s = *p;

	for (;;) {
		const char *start = s;
		int all_digits = 1;

		while (*s && (isalnum((unsigned char)*s) || *s == '-')) {
			all_digits &= isdigit((unsigned char)*s) != 0;
			s++;
		}
		if (s == start)
			return -1;
		if (numeric_rule && all_digits && start[0] == '0' && s - start > 1)
			return -1;
		if (*s != '.')
			break;
		s++;
	}
	if (*s && !strchr(stop, *s))
		return -1;
	*p = s;
	return 0;
}

static int parse(const char *s, long long part[3])
{
	const char *p = s;
	int i;

	for (i = 0; i < 3; i++) {
		if (number(&p, &part[i]) < 0 || (i < 2 && *p++ != '.'))
			return -1;
	}
	if (*p == '-' && (p++, identifiers(&p, "+", 1) < 0))
		return -1;
	if (*p == '+' && (p++, identifiers(&p, "", 0) < 0))
		return -1;
	return *p ? -1 : 0;
}

int semver_check(const char *s)
{
	long long part[3];

	return !s || parse(s, part) < 0 ? bad(s ? s : "") : 0;
}

int semver_bump(struct buf *out, const char *prev, const char *part)
{
	long long v[3] = { 0, 0, 0 };
	int i;

	if (prev && parse(prev, v) < 0)
		return bad(prev);
	if (!strcmp(part, "major"))
		i = 0;
	else if (!strcmp(part, "minor"))
		i = 1;
	else if (!strcmp(part, "patch"))
		i = 2;
	else
		return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
					"cannot bump '%s'; use major, minor or patch",
					part);
	if (v[i] == LLONG_MAX)
		return bad(prev);
	v[i]++;
	if (i < 2)
		v[2] = 0;
	if (i < 1)
		v[1] = 0;
	buf_reset(out);
	buf_printf(out, "%lld.%lld.%lld", v[0], v[1], v[2]);
	return 0;
}
