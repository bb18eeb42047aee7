/*
 * parse_number.c: the one parser of a bounded whole-number option (a
 * port, a thread count, a timeout) for the commands that take them, so
 * that each refuses a bad value with the same usage message.
 */
#include <errno.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "util/banned.h"

unsigned cli_parse_number(const struct cmd *cmd, const char *arg,
			  const char *what, unsigned min, unsigned max)
{
	char *end;
	unsigned long n;

	errno = 0;
	n = strtoul(arg, &end, 10);
	if (errno || end == arg || *end || arg[0] == '-' || n < min || n > max)
		cli_usage(cmd, "%s must be a number from %u to %u", what, min, max);
	return (unsigned)n;
}
