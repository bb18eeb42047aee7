#!/usr/bin/env bash
# bench/lineage.sh: the lineage of a model version (issue 5,
# "Performance": under 10 ms with 100,000 runs in the store), in the
# library and end to end, beside a floor measured in the same run.
#
# Usage:
#     bench/lineage.sh [BUILD_DIR]      (default: build-release)
# BUILD_DIR is configured (Release) and built with the cairn command and
# the benchmark program bench/lineage.c (lineage-bench).
#
# Environment:
#     BENCH_RUNS=100000     runs in the store
#     BENCH_LOOKUPS=1000    library calls timed (and as many floor chains)
#     BENCH_CLI=50          `cairn lineage` commands timed
#     BENCH_DIR=DIR         where the store goes (default: a new directory
#                           under /var/tmp, removed at the end)
#
# What it does (docs/benchmarks.md, "Lineage"):
#  1. builds cairn and lineage-bench (Release);
#  2. lineage-bench: a fresh store with BENCH_RUNS runs (params, metrics,
#     a training input each; one with an evaluation input and a model
#     registered from it as models:/bench-model/1), then
#     cairn_lineage_json() of that version BENCH_LOOKUPS times, and the
#     SQLite floor (the same facts by a chain of indexed lookups with
#     prepared statements);
#  3. `cairn lineage models:/bench-model/1 --format json` end to end,
#     BENCH_CLI times (process start, store open, the query, the output),
#     and `cairn version` as many times: the process-start floor;
#  4. prints one table; bench/out/lineage-STAMP.txt keeps it.

set -u -o pipefail
export LC_ALL=C

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
outdir=$here/out
build=${1:-build-release}
case $build in
/*) ;;
*) build=$root/$build ;;
esac
nruns=${BENCH_RUNS:-100000}
lookups=${BENCH_LOOKUPS:-1000}
ncli=${BENCH_CLI:-50}

stamp=$(date -u +%Y%m%d-%H%M%S)
mkdir -p "$outdir"
txt=$outdir/lineage-$stamp.txt

log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

if [ -n "${BENCH_DIR:-}" ]; then
	work=$BENCH_DIR
	keep=1
else
	work=$(mktemp -d /var/tmp/cairn-lineage-bench.XXXXXX) || die "mktemp"
	keep=0
fi
cleanup() { [ "$keep" = 1 ] || rm -rf "$work"; }
trap cleanup EXIT

log "building $build"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null || die "cmake"
cmake --build "$build" -j2 --target cairn-cli lineage-bench >/dev/null || die "build"
cairn=$build/cairn

log "populating $nruns runs in $work/store (minutes)"
"$build/lineage-bench" "$work/store" "$nruns" "$lookups" >"$work/lib.txt" ||
	die "lineage-bench"

# Median and 90th percentile of the wall ms of a command run $ncli times.
time_cmd() {
	local i t0 t1
	for i in $(seq "$ncli"); do
		t0=$(date +%s%N)
		"$@" >/dev/null || die "$*"
		t1=$(date +%s%N)
		echo $(( (t1 - t0) / 1000 ))
	done | sort -n | awk '{ t[NR] = $1 } END {
		printf "%.1f %.1f", t[int((NR + 1) / 2)] / 1000, t[int(NR * 0.9)] / 1000 }'
}

cd "$work/store" || die "cd"
"$cairn" lineage models:/bench-model/1 --format json | grep -q '"evaluation"' ||
	die "cairn lineage lacks the evaluation input"
log "timing cairn lineage end to end, $ncli times"
cli=$(time_cmd "$cairn" lineage models:/bench-model/1 --format json)
tree=$(time_cmd "$cairn" lineage models:/bench-model/1)
floor=$(time_cmd "$cairn" version)

{
	echo "lineage of a model version, $(date -u '+%Y-%m-%d %H:%M UTC'), load $(cut -d' ' -f1-3 /proc/loadavg)"
	cat "$work/lib.txt"
	echo
	printf '%-40s %10s %10s\n' "end to end, ms" "median" "p90"
	printf '%-40s %10s %10s\n' "cairn lineage models:/... --format json" $cli
	printf '%-40s %10s %10s\n' "cairn lineage models:/... (tree)" $tree
	printf '%-40s %10s %10s\n' "cairn version (process start floor)" $floor
} | tee "$txt"
