/*
 * semver.h: semantic versions (semver.org 2.0.0) for model versions:
 * checking the syntax and bumping one part.
 */
#ifndef CAIRN_LIB_SEMVER_H
#define CAIRN_LIB_SEMVER_H

#include "util/buf.h"

/* 0 if s is MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD], else CAIRN_EINVALID. */
int semver_check(const char *s);

/*
 * prev (NULL: 0.0.0) with `part` ("major", "minor" or "patch") raised by
 * one, the lower parts zeroed and any pre-release and build dropped.
 */
int semver_bump(struct buf *out, const char *prev, const char *part);

#endif
