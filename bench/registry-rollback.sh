#!/usr/bin/env bash
# bench/registry-rollback.sh: `cairn models rollback` end to end (issue 5,
# "Performance": under 50 ms), a fresh process each time as a user runs it.
#
# Usage:
#     bench/registry-rollback.sh [PATH_TO_CAIRN]   (default: build-release-n/cairn,
#                                                  built (Release) if missing)
# Environment:
#     BENCH_ROLLBACKS=30    rollbacks timed (each after an untimed promotion)
#     BENCH_WEIGHTS_MB=1    size of each version's weights file (random bytes)
#
# A fresh project holds model "churn" with two versions registered from
# directories (an MLmodel file and a weights file each). Each round promotes
# version 2 to @production (untimed), then times `cairn models rollback
# churn` back to version 1: it replays the alias's moves, reads and
# verifies every byte of version 1, and moves the alias with its audit
# event in one transaction.
#
# Peers, in the same run, on the same files:
#   - git: `git checkout -q v1` of a repository whose two tagged commits
#     hold the same two directories, after checking out v2 (untimed): the
#     rollback a team doing "models in git" would run; git does not verify
#     content on checkout.
#   - the floor: `cairn version`, process start and exit only.
# Prints one table: median, p90 and minimum wall time in ms per command.
set -u -o pipefail
export LC_ALL=C

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
cairn=${1:-$root/build-release-n/cairn}
n=${BENCH_ROLLBACKS:-30}
mb=${BENCH_WEIGHTS_MB:-1}

die() { echo "registry-rollback: $*" >&2; exit 1; }

if [ ! -x "$cairn" ]; then
	b=$(dirname "$cairn")
	cmake -S "$root" -B "$b" -DCMAKE_BUILD_TYPE=Release >/dev/null &&
		cmake --build "$b" -j2 --target cairn-cli >/dev/null ||
		die "building $cairn failed"
fi
cairn=$(cd "$(dirname "$cairn")" && pwd)/$(basename "$cairn")
command -v git >/dev/null || die "git is needed for the peer"

work=$(mktemp -d "${TMPDIR:-/var/tmp}/cairn-rollback.XXXXXX")
trap 'rm -rf "$work"' EXIT

# Two model directories that differ in their weights.
for v in 1 2; do
	mkdir -p "$work/m$v"
	head -c $((mb * 1048576)) /dev/urandom >"$work/m$v/weights.bin"
	printf 'flavors:\n  python_function:\n    loader_module: bench\n' >"$work/m$v/MLmodel"
done

# now_ns: a monotonic-enough wall clock for one process round trip.
now_ns() { date +%s%N; }

# stats NAME FILE: median, p90 and minimum of the ms values in FILE.
stats() {
	sort -n "$2" | awk -v name="$1" '{ v[NR] = $1 }
		END { m = v[int((NR + 1) / 2)]; p = v[int(NR * 0.9 + 0.999)];
		      printf "| %-44s | %8.1f | %8.1f | %8.1f |\n", name, m, p, v[1] }'
}

# cairn
mkdir -p "$work/project" && cd "$work/project" || die "no project dir"
"$cairn" init >/dev/null || die "cairn init failed"
"$cairn" models create churn >/dev/null || die "models create failed"
"$cairn" models register churn --from "$work/m1" >/dev/null &&
	"$cairn" models register churn --from "$work/m2" >/dev/null &&
	"$cairn" models promote churn 1 --to production --reason setup >/dev/null ||
	die "setting up the model failed"
: >"$work/cairn.ms"
for _ in $(seq "$n"); do
	"$cairn" models promote churn 2 --to production --reason bench >/dev/null ||
		die "promote failed"
	t0=$(now_ns)
	"$cairn" models rollback churn --reason bench >/dev/null || die "rollback failed"
	t1=$(now_ns)
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", (b - a) / 1e6 }' >>"$work/cairn.ms"
done
holder=$("$cairn" models show models:/churn@production --json 2>/dev/null |
	sed -n 's/.*"version": *"\{0,1\}\([0-9]*\).*/\1/p' | head -1)

# git
mkdir -p "$work/git" && cd "$work/git" || die "no git dir"
git init -q . && git config user.email bench@example.com && git config user.name bench
for v in 1 2; do
	rm -rf model && cp -r "$work/m$v" model && git add -A model &&
		git commit -qm "model v$v" && git tag "v$v"
done
: >"$work/git.ms"
for _ in $(seq "$n"); do
	git checkout -q v2 2>/dev/null || die "git checkout v2 failed"
	t0=$(now_ns)
	git checkout -q v1 2>/dev/null || die "git checkout v1 failed"
	t1=$(now_ns)
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", (b - a) / 1e6 }' >>"$work/git.ms"
done

# floor
: >"$work/floor.ms"
for _ in $(seq "$n"); do
	t0=$(now_ns)
	"$cairn" version >/dev/null
	t1=$(now_ns)
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", (b - a) / 1e6 }' >>"$work/floor.ms"
done

echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $n rollbacks, ${mb} MiB weights, load average $(cut -d' ' -f1 /proc/loadavg)"
echo "| command, wall ms                             |   median |      p90 |      min |"
echo "|----------------------------------------------|---------:|---------:|---------:|"
stats "cairn models rollback (target < 50 ms)" "$work/cairn.ms"
stats "peer: git checkout -q v1" "$work/git.ms"
stats "floor: cairn version" "$work/floor.ms"
echo "after the last rollback models:/churn@production is version ${holder:-?}"
