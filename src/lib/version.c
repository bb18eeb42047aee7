/*
 * version.c: the library's version string, set by the build.
 */
#include "cairn.h"

const char *cairn_version(void)
{
	return CAIRN_VERSION;
}
