/*
 * percent.c: the one parser of a traffic percent on the command line,
 * shared by `cairn serve --canary` and `cairn deployments set --canary |
 * --canary-percent` so that both take the same spellings and say the
 * same thing when refusing one.
 *
 * A percent is a whole number from 0 to 100, with or without a trailing
 * '%' ("10", "10%"); fractions, signs and spaces are refused (the canary
 * split is in whole percents: cairn_deployment.canary_percent).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "util/alloc.h"
#include "util/banned.h"

#define PERCENT_RULE "a whole percent from 0 to 100, such as 10 or 10%%"

/* "0" to "100", optionally followed by '%': the number, or -1. */
static int percent_of(const char *s)
{
	size_t digits = strspn(s, "0123456789");
	long v;

	if (!digits || digits > 3 || (s[digits] && strcmp(s + digits, "%")))
		return -1;
	v = strtol(s, NULL, 10);
	return v > 100 ? -1 : (int)v;
}

unsigned cli_parse_percent(const struct cmd *cmd, const char *option,
			   const char *arg)
{
	int pct = percent_of(arg);

	if (pct < 0)
		cli_usage(cmd, "%s takes " PERCENT_RULE ", not '%s'", option, arg);
	return (unsigned)pct;
}

char *cli_parse_canary(const struct cmd *cmd, const char *arg,
		       unsigned *percent)
{
	const char *eq = strrchr(arg, '=');
	int pct = eq ? percent_of(eq + 1) : -1;

	if (!eq || eq == arg || pct < 0)
		cli_usage(cmd, "--canary takes URI=PERCENT, with " PERCENT_RULE
			  " (models:/churn@staging=10), not '%s'", arg);
	*percent = (unsigned)pct;
	return xstrndup(arg, (size_t)(eq - arg));
}
