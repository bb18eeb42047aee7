#!/usr/bin/env bash
# bench/audit.sh: the audit log and lineage (issue 5, "Performance"):
# `cairn audit verify` over a store of 200,000 events (target: 100,000
# events/s or more), beside peers measured in the same run on the same
# bytes; what appending an event adds to a change such as creating a run;
# and the lineage of a model version with 100,000 runs in the store
# (target: under 10 ms).
#
# Usage:
#     bench/audit.sh [BUILD_DIR]      (default: build-release)
# BUILD_DIR is configured (Release) and built with the cairn command and
# the benchmark program bench/audit.c (audit-bench).
#
# Environment:
#     BENCH_RUNS=3          repetitions of each timing (the median is shown)
#     BENCH_EVENTS=200000   events in the store (two per run: created, ended;
#                           200,000 events are the 100,000 runs of the
#                           lineage target)
#     BENCH_APPEND=2000     calls per append-cost measurement
#     BENCH_LINEAGE=1000    lineage calls per measurement
#     BENCH_DIR=DIR         where the stores go (default: a new directory
#                           under /var/tmp, removed at the end)
#
# What it does (docs/benchmarks.md, "Audit log"):
#  1. builds cairn and audit-bench (Release);
#  2. a fresh project with BENCH_EVENTS/2 runs, each created and ended
#     through the library: BENCH_EVENTS audit events as cairn records them;
#  3. `cairn audit verify` end to end (process start, every event read from
#     SQLite, its canonical JSON rebuilt, SHA-256, the chain and the head
#     record checked), BENCH_RUNS times;
#  4. the peers, on the same events: `git fsck --strict` of a git
#     repository holding one commit per event, each commit's message the
#     bytes the event's hash covers (git's own hash chain: each commit
#     names its parent by hash, and fsck re-hashes and parses every one);
#     and the floor, hashing those bytes as one stream with `sha256sum`
#     and `openssl dgst -sha256` (OpenSSL is cairn's SHA-256);
#  5. audit-bench append: per call, a run creation (its event included), a
#     write transaction with one event, and one with one small row of
#     another table; wall and CPU microseconds;
#  6. audit-bench lineage: in the same store, a data set version, a run
#     that used it, a model version registered from the run; then
#     cairn_lineage_json() of the model version (upstream) and of the data
#     set version (downstream), BENCH_LINEAGE calls each, median and max;
#  7. prints one table; bench/out/audit-STAMP.txt keeps it and .log the
#     details.

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
runs=${BENCH_RUNS:-3}
events=${BENCH_EVENTS:-200000}
nappend=${BENCH_APPEND:-2000}
nlineage=${BENCH_LINEAGE:-1000}

stamp=$(date -u +%Y%m%d-%H%M%S)
mkdir -p "$outdir"
txt=$outdir/audit-$stamp.txt
logf=$outdir/audit-$stamp.log

log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

work=${BENCH_DIR:-}
if [ -z "$work" ]; then
	work=$(mktemp -d /var/tmp/cairn-audit.XXXXXX) || die "cannot make a work directory"
	made_work=1
else
	mkdir -p "$work" || die "cannot make '$work'"
	made_work=0
fi
cleanup() { [ "$made_work" = 1 ] && rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

command -v git >/dev/null || die "git is needed for the peer"
command -v sha256sum >/dev/null || die "sha256sum is needed for the peer"
command -v openssl >/dev/null || die "openssl is needed for the peer"

log "building $build (Release)"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release >>"$logf" 2>&1 &&
	cmake --build "$build" -j2 --target cairn-cli audit-bench >>"$logf" 2>&1 ||
	die "the build failed (see $logf)"
cairn=$build/cairn
ab=$build/audit-bench

# timed NAME COMMAND...: run it BENCH_RUNS times; appends "NAME wall user+sys"
# lines to $work/times.
timed() {
	local name=$1 i t
	shift
	for ((i = 1; i <= runs; i++)); do
		t=$( { TIMEFORMAT='%R %U %S'; time "$@" >>"$logf" 2>&1; } 2>&1 ) ||
			die "$name failed (see $logf)"
		echo "$name $t" | awk '{ print $1, $2, $3 + $4 }' >>"$work/times"
	done
}

# median NAME FIELD: the median of field 2 (wall) or 3 (cpu) of NAME's runs.
median() {
	awk -v n="$1" -v f="$2" '$1 == n { print $f }' "$work/times" | sort -g |
		awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

log "populating a store with $events events"
mkdir "$work/store"
"$ab" populate "$work/store" $((events / 2)) >"$work/populate.tsv" 2>>"$logf" ||
	die "populate failed (see $logf)"
"$ab" canon "$work/store" "$work/canon" >"$work/canon.tsv" 2>>"$logf" ||
	die "canon failed (see $logf)"
nevents=$(awk '$1 == "events" { print $2 }' "$work/canon.tsv")
bytes=$(awk '$1 == "hashed_bytes" { print $2 }' "$work/canon.tsv")

log "cairn audit verify x$runs"
: >"$work/times"
timed verify "$cairn" -C "$work/store" audit verify

log "git: one commit per event (fast-import), then git fsck x$runs"
git init -q -b main "$work/git" >>"$logf" 2>&1 || die "git init failed"
awk '{ printf "commit refs/heads/main\ncommitter a <a@b> %d +0000\ndata %d\n%s\n\n",
	1700000000 + NR, length($0) + 1, $0 }' "$work/canon" |
	git -C "$work/git" fast-import --quiet >>"$logf" 2>&1 || die "fast-import failed"
ncommits=$(git -C "$work/git" rev-list --count main)
timed fsck git -C "$work/git" fsck --strict --no-dangling
timed sha256sum sha256sum "$work/canon"
timed openssl openssl dgst -sha256 "$work/canon"

log "append cost x$runs ($nappend calls each)"
for ((i = 1; i <= runs; i++)); do
	"$ab" append "$work/store" "$nappend" 2>>"$logf" >>"$work/append.tsv" ||
		die "append failed (see $logf)"
done
log "lineage x$nlineage"
"$ab" lineage "$work/store" "$nlineage" 2>>"$logf" >>"$work/append.tsv" ||
	die "lineage failed (see $logf)"
amed() {
	awk -v m="$1" '$1 == m { print $2 }' "$work/append.tsv" | sort -g |
		awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

{
	echo "Audit log benchmark, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "store: $nevents events, $bytes bytes hashed; median of $runs"
	echo
	printf '%-44s %10s %10s %14s\n' "verify $nevents events" "wall s" "cpu s" "events/s (wall)"
	for m in verify fsck sha256sum openssl; do
		w=$(median $m 2)
		c=$(median $m 3)
		case $m in
		verify) label="cairn audit verify" ;;
		fsck) label="git fsck --strict ($ncommits commits)" ;;
		sha256sum) label="sha256sum of the hashed bytes (floor)" ;;
		openssl) label="openssl dgst -sha256 of them (floor)" ;;
		esac
		printf '%-44s %10.3f %10.3f %14.0f\n' "$label" "$w" "$c" "$(echo "$nevents $w" | awk '{ print $1 / $2 }')"
	done
	echo
	printf '%-44s %10s %10s\n' "append (per call)" "wall us" "cpu us"
	printf '%-44s %10.1f %10.1f\n' "cairn_run_create (its event included)" "$(amed run_create_us)" "$(amed run_create_cpu_us)"
	printf '%-44s %10.1f %10.1f\n' "write transaction with one audit event" "$(amed event_txn_us)" "$(amed event_txn_cpu_us)"
	printf '%-44s %10.1f %10.1f\n' "write transaction with one small row" "$(amed row_txn_us)" "$(amed row_txn_cpu_us)"
	echo
	printf '%-44s %10s %10s\n' "lineage, $((events / 2)) runs in the store" "median us" "max us"
	printf '%-44s %10.1f %10.1f\n' "model version upstream (run, data)" "$(amed lineage_model_median_us)" "$(amed lineage_model_max_us)"
	printf '%-44s %10.1f %10.1f\n' "data set version downstream (runs, models)" "$(amed lineage_data_median_us)" "$(amed lineage_data_max_us)"
} | tee "$txt"
log "kept $txt and $logf"
