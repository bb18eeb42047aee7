#!/usr/bin/env bash
# bench/tracking.sh: experiment tracking (issue 3, "Performance"): metric
# ingest, single-point logging, runs search over 100,000 runs, runs show
# and the metric history of a 1,000,000-point run, bytes per metric point;
# beside SQLite itself on the same machine in the same run, and MLflow's
# published figures.
#
# Usage:
#     bench/tracking.sh [BUILD_DIR]     (default: build-release)
# BUILD_DIR is configured (Release) and built if it has no libcairn.a; the
# benchmark program bench/tracking.c is built there as tracking-bench, by
# CMake when the build knows that target, else by hand with cc.
#
# Environment:
#     BENCH_RUNS=3          repetitions of each cheap measurement (median)
#     BENCH_POINTS=1000000  points per batch-ingest run (the show/history
#                           run has this many points)
#     BENCH_SINGLE=20000    single-point logs per run
#     BENCH_NRUNS=100000    runs in the search store (x 20 metrics x 20
#                           params); a smaller value is not judged
#     BENCH_SEARCH_REPEAT=7 searches per query in one process (the first
#                           is reported apart, the median of the rest)
#     BENCH_DIR=DIR         where the stores go (default: a new directory
#                           under /var/tmp, removed at the end)
#     BENCH_KEEP=1          keep BENCH_DIR
#
# What it does, in order (docs/benchmarks.md "Experiment tracking"):
#  1. builds libcairn, the cairn command and tracking-bench (Release);
#  2. ingest, BENCH_RUNS times, cairn and its baselines alternating (fresh
#     store or database each time): the SQLite ceiling, 1,000,000 plain
#     INSERTs into cairn's metrics table layout in transactions of 1,000,
#     synchronous=NORMAL, then cairn_log_batch() of the same points in
#     batches of 1,000 as the store is opened (synchronous=NORMAL); the
#     same pair with synchronous=FULL (durable at commit); the same INSERTs
#     into MLflow's metrics table layout; one row per transaction; single-
#     point cairn_log_metrics() calls. Bytes per point after a WAL
#     checkpoint;
#  3. (once) single-point logs durable at commit;
#  4. runs show (cairn_run_get) of the 1,000,000-point run and its full
#     cairn_metric_history() stream; `cairn runs show` as a command;
#  5. populates a store with BENCH_NRUNS runs through the library (one
#     cairn_run_create and one cairn_log_batch of 20 metrics and 20 params
#     per run), timed; then runs search, first page of 100: a metric filter
#     with a metric order (the target), a selective metric filter, a param
#     filter in the default order; the same target question in SQL written
#     by hand for that schema; `cairn runs search` as a command; the SQL
#     cairn ran with its query plans (into the log);
#  6. prints the machine facts and ONE table on stdout; bench/out/ keeps
#     tracking-STAMP.tsv (raw: one row per measured value), .summary.tsv
#     (medians), .txt (what was printed) and .log (stderr of every step,
#     query plans included).

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
points=${BENCH_POINTS:-1000000}
single=${BENCH_SINGLE:-20000}
nruns=${BENCH_NRUNS:-100000}
srepeat=${BENCH_SEARCH_REPEAT:-7}
keep=${BENCH_KEEP:-0}

stamp=$(date -u +%Y%m%d-%H%M%S)
mkdir -p "$outdir"
raw=$outdir/tracking-$stamp.tsv
summary=$outdir/tracking-$stamp.summary.tsv
txt=$outdir/tracking-$stamp.txt
logf=$outdir/tracking-$stamp.log

log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

work=${BENCH_DIR:-}
if [ -z "$work" ]; then
	work=$(mktemp -d /var/tmp/cairn-tracking.XXXXXX) || die "cannot make a work directory"
	made_work=1
else
	mkdir -p "$work" || die "cannot make '$work'"
	made_work=0
fi
cleanup() {
	if [ "$keep" = 1 ]; then
		log "kept $work"
	elif [ "$made_work" = 1 ]; then
		rm -rf "$work"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ------------------------------------------------------------------ build

build_all() {
	if [ ! -f "$build/libcairn.a" ] || [ ! -x "$build/cairn" ]; then
		log "configuring and building $build (Release)"
		if ! cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release >>"$logf" 2>&1 ||
			! cmake --build "$build" -j2 --target cairn cairn-cli >>"$logf" 2>&1; then
			die "the build failed (see $logf)"
		fi
	fi
	cmake --build "$build" -j2 --target tracking-bench >>"$logf" 2>&1 ||
		die "building tracking-bench failed (see $logf)"
	tb=$build/tracking-bench
	cairn=$build/cairn
}

# ---------------------------------------------------------------- measure

# run STEP REP COMMAND...: run a tracking-bench command, append its
# "measure value" lines to the raw TSV as STEP REP measure value.
run() {
	local step=$1 rep=$2 out
	shift 2
	echo "== $step #$rep: $*" >>"$logf"
	out=$("$@" 2>>"$logf") || die "$step failed: $* (see $logf)"
	printf '%s\n' "$out" | awk -v s="$step" -v r="$rep" 'NF == 2 { print s "\t" r "\t" $1 "\t" $2 }' >>"$raw"
}

# fresh NAME: an empty directory under the work directory
fresh() {
	rm -rf "${work:?}/$1"
	mkdir -p "$work/$1"
	echo "$work/$1"
}

# timecmd STEP REP DIR COMMAND...: wall ms of a cairn command run in DIR
timecmd() {
	local step=$1 rep=$2 dir=$3 t0 t1
	shift 3
	echo "== $step #$rep: $*" >>"$logf"
	t0=$(date +%s%N)
	(cd "$dir" && "$@") >/dev/null 2>>"$logf" </dev/null || die "$step failed: $* (see $logf)"
	t1=$(date +%s%N)
	printf '%s\t%s\twall_ms\t%s\n' "$step" "$rep" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e6 }')" >>"$raw"
}

measure_all() {
	local i d

	# cairn and its SQLite baseline alternate, so that both see the same
	# machine (fsync latency on a shared VM moves from minute to minute)
	log "ingest: $points points in batches of 1,000 and $single single-point logs, cairn and SQLite alternating (x $runs)"
	for i in $(seq 1 "$runs"); do
		run raw_normal "$i" "$tb" raw "$(fresh raw)" "$points" 1000 normal cairn
		run ingest_normal "$i" "$tb" ingest "$(fresh ingest)" "$points" 1000 normal
		run raw_full "$i" "$tb" raw "$(fresh raw)" "$points" 1000 full cairn
		run ingest_full "$i" "$tb" ingest "$(fresh ingest_full)" "$points" 1000 full
		run raw_mlflow "$i" "$tb" raw "$(fresh raw)" "$points" 1000 normal mlflow
		run raw_single "$i" "$tb" raw "$(fresh raw)" "$single" 1 normal cairn
		run single_normal "$i" "$tb" single "$(fresh single)" "$single" normal
	done
	run single_full 1 "$tb" single "$(fresh single)" 2000 full

	log "cairn: runs show and the history of the $points-point run"
	run show 1 "$tb" show "$work/ingest" 5
	for i in $(seq 1 "$runs"); do
		timecmd cli_show "$i" "$work/ingest" "$cairn" runs show bench-ingest
	done

	log "cairn: populating $nruns runs x 20 metrics x 20 params through the library"
	d=$(fresh search)
	run populate 1 "$tb" populate "$d" "$nruns" 20 20

	log "cairn: runs search, first page of 100"
	run search_target 1 "$tb" search "$d" "$srepeat" 100 "metrics.m0 > 0.5" "metrics.m1 DESC"
	run search_selective 1 "$tb" search "$d" "$srepeat" 100 "metrics.m0 > 0.99" "metrics.m1 DESC"
	run search_param 1 "$tb" search "$d" "$srepeat" 100 "params.p0 = 'v3'" ""
	run handsql 1 "$tb" handsql "$d" "$srepeat" 100 m0 0.5 m1
	for i in $(seq 1 "$runs"); do
		timecmd cli_search "$i" "$d" "$cairn" runs search "metrics.m0 > 0.5" \
			--order-by "metrics.m1 DESC" --max 100
	done
	echo "== plan: the SQL of the target search" >>"$logf"
	"$tb" plan "$d" "metrics.m0 > 0.5" "metrics.m1 DESC" >/dev/null 2>>"$logf" || true
}

# ------------------------------------------------------------------ report

# Medians per (step, measure). A step's first "search_ms"/"ids_ms" (the
# first call in a fresh process) is kept apart as first_search_ms.
summarize() {
	awk -F '\t' -v OFS='\t' '
	NR == 1 { next }
	{
		key = $1 "\t" $3
		if (($3 == "search_ms" || $3 == "ids_ms" || $3 == "first_run_ms") && !(key in seen)) {
			seen[key] = 1
			first[$1 "\tfirst_" $3] = $4
			next
		}
		if (!(key in n))
			order[++k] = key
		v[key, ++n[key]] = $4
	}
	END {
		print "step", "measure", "median", "min", "max", "n"
		for (i = 1; i <= k; i++) {
			key = order[i]
			m = n[key]
			for (a = 1; a <= m; a++)
				s[a] = v[key, a] + 0
			for (a = 2; a <= m; a++) {
				x = s[a]
				for (b = a - 1; b >= 1 && s[b] > x; b--)
					s[b + 1] = s[b]
				s[b + 1] = x
			}
			med = m % 2 ? s[(m + 1) / 2] : (s[m / 2] + s[m / 2 + 1]) / 2
			print key, med, s[1], s[m], m
		}
		for (f in first)
			print f, first[f], first[f], first[f], 1
	}' "$raw" >"$summary"
}

# get STEP MEASURE: the median
get() {
	awk -F '\t' -v s="$1" -v m="$2" '$1 == s && $2 == m { print $3; found = 1; exit }
		END { if (!found) print "NA" }' "$summary"
}

machine_facts() {
	local cpu mem os fs
	cpu=$(lscpu 2>/dev/null | sed -n 's/^Model name:[[:space:]]*//p' | head -n 1)
	mem=$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
	# shellcheck disable=SC1091
	os=$(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME")
	fs=$(df -PT "$work" | awk 'NR == 2 { print $2 " (" $1 ")" }')
	echo "## Machine"
	echo
	echo "- CPU: $(nproc) x $cpu; memory: $mem; $os; kernel $(uname -r)"
	echo "- stores in $work: $fs; SQLite $(pkg-config --modversion sqlite3); cairn $("$cairn" --version 2>/dev/null | awk '{ print $NF }')"
	echo "- load average at start: $load_start; at end: $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "- medians of $runs runs (searches: of $((srepeat - 1)) calls after the first in one process); $points points per ingest run; $single single-point logs; search store: $nruns runs x 20 metrics x 20 params"
	echo
}

report() {
	awk -F '\t' -v OFS='\t' \
		-v nruns="$nruns" -v points="$points" -v full_scale="$([ "$nruns" -ge 100000 ] && [ "$points" -ge 1000000 ] && echo 1 || echo 0)" \
		-v b_full="$(get ingest_full points_per_s)" \
		-v b_norm="$(get ingest_normal points_per_s)" \
		-v b_cpu="$(get ingest_normal cpu_s)" \
		-v r_cpu="$(get raw_normal cpu_s)" \
		-v ml_cpu="$(get raw_mlflow cpu_s)" \
		-v r_full="$(get raw_full points_per_s)" \
		-v r_norm="$(get raw_normal points_per_s)" \
		-v r_ml="$(get raw_mlflow points_per_s)" \
		-v s_norm="$(get single_normal points_per_s)" \
		-v s_full="$(get single_full points_per_s)" \
		-v s_cpu="$(get single_normal cpu_us_per_call)" \
		-v r_single="$(get raw_single points_per_s)" \
		-v r_single_cpu="$(get raw_single cpu_us_per_call)" \
		-v q_t="$(get search_target search_ms)" \
		-v q_t1="$(get search_target first_search_ms)" \
		-v q_tf="$(get search_target first_run_ms)" \
		-v q_s="$(get search_selective search_ms)" \
		-v q_p="$(get search_param search_ms)" \
		-v q_h="$(get handsql ids_ms)" \
		-v q_cli="$(get cli_search wall_ms)" \
		-v show="$(get show run_get_ms)" \
		-v show_cli="$(get cli_show wall_ms)" \
		-v hist="$(get show history_s)" \
		-v hist_first="$(get show history_first_ms)" \
		-v hist_pps="$(get show history_points_per_s)" \
		-v bpp="$(get ingest_normal bytes_per_point)" \
		-v r_bpp="$(get raw_normal bytes_per_point)" \
		-v ml_bpp="$(get raw_mlflow bytes_per_point)" \
		-v pop_s="$(get populate populate_s)" \
		-v pop_rps="$(get populate runs_per_s)" \
		-v pop_bytes="$(get populate store_bytes)" '
	function n0(x,   s, neg) {
		if (x == "NA")
			return "NA"
		s = sprintf("%.0f", x)
		neg = s ~ /^-/
		if (neg)
			s = substr(s, 2)
		while (s ~ /[0-9][0-9][0-9][0-9]/)
			sub(/[0-9][0-9][0-9]($|,)/, ",&", s)
		return (neg ? "-" : "") s
	}
	function n1(x) { return x == "NA" ? "NA" : sprintf("%.1f", x) }
	function n2(x) { return x == "NA" ? "NA" : sprintf("%.2f", x) }
	function ge(x, t) { return x == "NA" ? "MISS (failed)" : (!full_scale ? "(not judged)" : (x >= t ? "PASS" : "MISS")) }
	function lt(x, t) { return x == "NA" ? "MISS (failed)" : (!full_scale ? "(not judged)" : (x < t ? "PASS" : "MISS")) }
	function row(a, b, c, d, e) { print "| " a " | " b " | " c " | " d " | " e " |"; print a, b, c, d, e > tsv }
	BEGIN {
		tsv = ENVIRON["TABLE_TSV"]
		print "measure", "cairn", "baseline / peer", "target", "verdict" > tsv
		print "| measure | cairn | baseline / peer | target | verdict |"
		print "|---|---:|---|---|---|"
		row("ingest, batches of 1,000, durable at commit (synchronous=FULL), points/s",
		    n0(b_full), "SQLite " n0(r_full), "≥ 200,000", ge(b_full, 200000))
		row("ingest, batches of 1,000, as the store is opened (synchronous=NORMAL: durable at checkpoint), points/s",
		    n0(b_norm), "SQLite " n0(r_norm) "; MLflow table layout in SQLite " n0(r_ml), "—", "info")
		row("ingest CPU time for " n0(points) " points (user + system), s",
		    n2(b_cpu), "SQLite " n2(r_cpu) "; MLflow table layout in SQLite " n2(ml_cpu), "—", "info")
		row("single-point logs (cairn_log_metrics, 1 point), logs/s",
		    n0(s_norm), "SQLite 1 row/transaction " n0(r_single) "; MLflow ≈ 200/s per core (≈ 5 ms server CPU per request)", "≥ 20,000", ge(s_norm, 20000))
		row("CPU per single-point log, µs",
		    n1(s_cpu), "SQLite " n1(r_single_cpu) "; MLflow ≈ 5,000", "—", "info")
		row("single-point logs durable at commit (synchronous=FULL), logs/s",
		    n0(s_full), "—", "—", "info")
		row("runs search `metrics.m0 > 0.5` order `metrics.m1 DESC`, first page of 100 of " n0(nruns) " runs, ms",
		    n1(q_t), "same store, hand-written SQL (ids only) " n2(q_h) " ms; MLflow: > 15 min for search_runs over ~30k runs (mlflow#2730)", "< 50", lt(q_t, 50))
		row("  same, first call in a fresh process, ms", n1(q_t1), "—", "—", "info")
		row("  same, until the first run reaches the caller (the id query), ms", n1(q_tf), "—", "—", "info")
		row("  same, `cairn runs search` command (process start to exit), ms",
		    n1(q_cli), "—", "—", "info")
		row("runs search `metrics.m0 > 0.99` order `metrics.m1 DESC` (1 % match), ms",
		    n1(q_s), "—", "—", "info")
		row("runs search `params.p0 = \047v3\047`, default order, ms",
		    n1(q_p), "—", "—", "info")
		row("runs show (cairn_run_get) of a run with a " n0(points) "-point history, ms",
		    n2(show), "—", "< 100", lt(show, 100))
		row("  same, `cairn runs show` command, ms", n1(show_cli), "—", "—", "info")
		row("metric history stream, " n0(points) " points: first point ms / all s (points/s)",
		    n2(hist_first) " / " n2(hist) " (" n0(hist_pps) ")", "—", "streams", "info")
		row("store bytes per metric point (db + WAL after a checkpoint)",
		    n1(bpp), "SQLite, same table " n1(r_bpp) "; MLflow table layout " n1(ml_bpp), "report", "info")
		row("populating " n0(nruns) " runs × 20 metrics × 20 params through the library, s",
		    n1(pop_s) " (" n0(pop_rps) " runs/s; store " n0(pop_bytes / 1e6) " MB)", "—", "—", "info")
	}'
}

# ------------------------------------------------------------------ main

: >"$logf"
echo -e "step\trep\tmeasure\tvalue" >"$raw"
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
if awk -v l="${load_start%% *}" 'BEGIN { exit !(l > 1.5) }'; then
	log "warning: load average $load_start at start: wall times will be noisy"
fi
t_start=$(date +%s)
build_all
measure_all
summarize
{
	machine_facts
	echo "## Experiment tracking"
	echo
	TABLE_TSV=$outdir/tracking-$stamp.table.tsv report
	echo
	echo "Whole benchmark: $(($(date +%s) - t_start)) s. Raw: $raw; log and query plans: $logf"
} | tee "$txt"
