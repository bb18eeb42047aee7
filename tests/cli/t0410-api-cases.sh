#!/bin/sh
# The REST corpus tests/api/cases replayed over HTTP against a live `cairn
# server` on a fresh store (tests/api/run.py: one "ok N - case" line per
# case, one for a clean SIGTERM shutdown, then "N passed, N failed").
. "$TEST_DIRECTORY/lib.sh"

/usr/bin/python3 "$TEST_DIRECTORY/../api/run.py" --cairn "$CAIRN" --tmp "$TRASH"
