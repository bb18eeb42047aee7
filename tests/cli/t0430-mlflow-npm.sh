#!/bin/sh
# The third-party Node.js client, npm package `mlflow` 2.0.7
# (mlflow-rest.md section 6), against a live `cairn server` on a fresh
# store: tests/api/npm/test.js drives every call the package makes. The
# package is installed into tests/api/npm/node_modules (npm ci, from the
# committed package-lock.json) only when missing; when node or npm is
# missing or the install fails, the script says "skipped: npm unavailable"
# and exits 0.
. "$TEST_DIRECTORY/lib.sh"

NPMDIR=$(cd "$TEST_DIRECTORY/../api/npm" && pwd)
stage=
trap 'rm -rf "$TRASH"; [ -z "$stage" ] || rm -rf "$stage"' EXIT

skip() {
	echo "skipped: npm unavailable ($1)"
	echo "0 passed, 0 failed, 1 skipped"
	exit 0
}

command -v node >/dev/null 2>&1 || skip "no node"
if [ ! -f "$NPMDIR/node_modules/mlflow/package.json" ]; then
	command -v npm >/dev/null 2>&1 || skip "no npm"
	# Installed beside its place and renamed into it, so that a run from
	# another build directory never sees half a tree.
	stage=$(mktemp -d "$NPMDIR/node_modules.staging.XXXXXX") ||
		skip "cannot write to $NPMDIR"
	cp "$NPMDIR/package.json" "$NPMDIR/package-lock.json" "$stage/"
	if (cd "$stage" && timeout 45 npm ci --no-audit --no-fund \
		--update-notifier=false --fetch-retries=1 --fetch-timeout=15000 \
		--loglevel=error) >"$TRASH/npm.log" 2>&1; then
		mv -T "$stage/node_modules" "$NPMDIR/node_modules" 2>/dev/null ||
			test -f "$NPMDIR/node_modules/mlflow/package.json" ||
			skip "cannot move node_modules into $NPMDIR"
		echo "# installed the npm package mlflow into $NPMDIR/node_modules"
	else
		sed 's/^/# npm: /' "$TRASH/npm.log" | tail -n 20
		skip "npm ci failed"
	fi
fi

/usr/bin/python3 "$TEST_DIRECTORY/../api/run.py" --cairn "$CAIRN" --tmp "$TRASH" \
	--exec node "$NPMDIR/test.js"
