#!/usr/bin/env bash
# bench/server.sh: the REST server (issue 4, "Performance"): single
# log-metric requests over keep-alive, log-batch latency, runs/search over
# 100,000 runs through HTTP, memory idle and under load, start to a healthy
# /health, a 1 GiB artifact upload and download through the proxy; beside
# MLflow's measured figures (its server cannot be installed here:
# shared/ref/mlflow-rest.md and the issue) and same-run baselines (GET
# /health as the HTTP ceiling, cp + sync for the artifact).
#
# Usage:
#     bench/server.sh [BUILD_DIR | PATH_TO_CAIRN]   (default: build-release-n)
# A build directory is configured (Release) and built if it has no cairn
# binary; its tracking-bench target (bench/tracking.c) is built there too,
# to populate the search store through the library.
#
# Environment:
#     BENCH_NRUNS=100000     runs in the search store (x 20 metrics x 20
#                            params); a smaller value is not judged
#     BENCH_SEARCH_STORE=DIR reuse a store `tracking-bench populate` left
#                            (its run count is read from it)
#     BENCH_ARTIFACT_MB=1024 size of the artifact (random bytes)
#     BENCH_WRK_S=10         seconds of wrk load for log-metric
#     BENCH_DIR=DIR          work directory (default: new under /var/tmp,
#                            removed at the end); BENCH_KEEP=1 keeps it
#
# Output: one table on stdout; bench/out/server-STAMP.tsv (raw values),
# .table.tsv (the table), .txt (what was printed), .log (stderr of every
# step, wrk's output, server logs).

set -u -o pipefail
export LC_ALL=C

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
outdir=$here/out

target=${1:-build-release-n}
case $target in
/*) ;;
*) target=$root/$target ;;
esac
nruns=${BENCH_NRUNS:-100000}
art_mb=${BENCH_ARTIFACT_MB:-1024}
wrk_s=${BENCH_WRK_S:-10}
keep=${BENCH_KEEP:-0}

stamp=$(date -u +%Y%m%d-%H%M%S)
mkdir -p "$outdir"
raw=$outdir/server-$stamp.tsv
table=$outdir/server-$stamp.table.tsv
txt=$outdir/server-$stamp.txt
logf=$outdir/server-$stamp.log

log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }
. "$here/lib-build.sh"

work=${BENCH_DIR:-}
made_work=0
if [ -z "$work" ]; then
	work=$(mktemp -d /var/tmp/cairn-server.XXXXXX) || die "cannot make a work directory"
	made_work=1
else
	mkdir -p "$work" || die "cannot make '$work'"
fi
spid=
cleanup() {
	stop_server
	if [ "$keep" = 1 ]; then
		log "kept $work"
	elif [ "$made_work" = 1 ]; then
		rm -rf "$work"
	else
		rm -f "$work/artifact.bin" "$work/artifact.get" "$work/artifact.cp"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# put MEASURE VALUE: one raw row
put() { printf '%s\t%s\n' "$1" "$2" >>"$raw"; }
# get MEASURE: its value, NA if none
get() {
	awk -F '\t' -v m="$1" '$1 == m { v = $2; found = 1 }
		END { print found ? v : "NA" }' "$raw"
}
now_ns() { date +%s%N; }
ms_since() { awk -v a="$1" -v b="$(now_ns)" 'BEGIN { printf "%.3f", (b - a) / 1e6 }'; }
# median / p99 of the numbers on stdin
median() { sort -g | awk '{ v[NR] = $1 } END { if (!NR) print "NA"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
pct() { sort -g | awk -v p="$1" '{ v[NR] = $1 } END { if (!NR) { print "NA"; exit } i = int(NR * p / 100 + 0.999999); if (i < 1) i = 1; print v[i] }'; }
# kib FIELD: VmRSS / VmHWM of the server, in MB (10^6 bytes)
mem_mb() { awk -v f="$1:" '$1 == f { printf "%.1f", $2 * 1024 / 1e6 }' "/proc/$spid/status"; }
# cpu_ticks: user + system clock ticks of the server
cpu_ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$spid/stat"; }
# reset_peak: start a new VmHWM period (clear_refs 5), if allowed
reset_peak() { echo 5 >"/proc/$spid/clear_refs" 2>/dev/null; }

# ------------------------------------------------------------------ build

build_all() {
	if [ -z "${BENCH_SEARCH_STORE:-}" ]; then
		bench_build "$target" tracking-bench
	else
		bench_build "$target"
	fi
	tb=$bench_dir/tracking-bench
}

need_tools() {
	if ! command -v wrk >/dev/null; then
		log "installing wrk"
		apt-get install -y wrk >>"$logf" 2>&1 ||
			{ apt-get update >>"$logf" 2>&1 && apt-get install -y wrk >>"$logf" 2>&1; } ||
			die "cannot install wrk"
	fi
	command -v jq >/dev/null || apt-get install -y jq >>"$logf" 2>&1 || true
	for t in curl jq; do
		command -v $t >/dev/null || die "'$t' is needed"
	done
}

# ----------------------------------------------------------------- server

# start_server STORE: start cairn server on a free port; sets spid, url
start_server() {
	local err=$work/server.err i
	: >"$err"
	"$cairn" server --host 127.0.0.1 --port 0 --store "$1" --workers 2 \
		2>"$err" >/dev/null </dev/null &
	spid=$!
	for i in $(seq 1 5000); do
		url=$(sed -n 's/.*listening on \(http:[^ ]*\).*/\1/p' "$err" | head -n 1)
		[ -n "$url" ] && break
		kill -0 "$spid" 2>/dev/null || { cat "$err" >>"$logf"; die "the server exited at start"; }
		sleep 0.001
	done
	[ -n "$url" ] || die "the server did not start"
	curl -sf "$url/health" >/dev/null || die "no healthy /health at $url"
}

stop_server() {
	if [ -n "$spid" ]; then
		kill -TERM "$spid" 2>/dev/null
		wait "$spid" 2>/dev/null
		cat "$work/server.err" >>"$logf" 2>/dev/null
		spid=
	fi
}

# api PATH JSON: POST to the tracking API, the response on stdout
api() {
	curl -sf -X POST -H 'Content-Type: application/json' --data-binary "$2" \
		"$url/api/2.0/mlflow/$1"
}

# ---------------------------------------------------------------- measure

measure_http() {
	local store=$work/store exp run out t0 c0 c1 acked stored i body

	mkdir -p "$store"
	(cd "$store" && "$cairn" init >>"$logf" 2>&1) || die "cairn init failed"
	start_server "$store"
	log "server at $url (pid $spid)"
	exp=$(api experiments/create '{"name":"bench-server"}' | jq -r .experiment_id) ||
		die "experiments/create failed"
	run=$(api runs/create "{\"experiment_id\":\"$exp\",\"run_name\":\"wrk\",\"start_time\":1700000000000}" |
		jq -r .run.info.run_id) || die "runs/create failed"
	[ -n "$run" ] && [ "$run" != null ] || die "runs/create returned no run"
	api runs/log-metric "{\"run_id\":\"$run\",\"key\":\"warm\",\"value\":1,\"timestamp\":1700000000000}" \
		>/dev/null || die "log-metric failed"
	sleep 1
	put rss_idle_mb "$(mem_mb VmRSS)"

	log "GET /health with wrk (2 threads, 64 connections, 5 s): the HTTP ceiling"
	out=$(wrk -t2 -c64 -d5s "$url/health" 2>&1)
	echo "$out" >>"$logf"
	put health_rps "$(echo "$out" | awk '/^Requests\/sec:/ { print $2 }')"

	log "POST log-metric with wrk (2 threads, 64 connections, ${wrk_s} s)"
	reset_peak
	c0=$(cpu_ticks)
	out=$(CAIRN_RUN=$run wrk -t2 -c64 -d"${wrk_s}s" --latency \
		-s "$here/server-log-metric.lua" "$url" 2>&1)
	c1=$(cpu_ticks)
	echo "$out" >>"$logf"
	put log_metric_rps "$(echo "$out" | awk '/^Requests\/sec:/ { print $2 }')"
	acked=$(echo "$out" | awk '$1 == "acked" { print $2 }')
	put log_metric_acked "$acked"
	put log_metric_non2xx "$(echo "$out" | awk '$1 == "non2xx" { print $2 }')"
	put log_metric_sockerr "$(echo "$out" | awk '$1 == "socket_errors" { print $2 }')"
	put log_metric_p50_ms "$(echo "$out" | awk '$1 == "lat_p50_ms" { print $2 }')"
	put log_metric_p99_ms "$(echo "$out" | awk '$1 == "lat_p99_ms" { print $2 }')"
	put log_metric_cpu_us "$(awk -v c="$((c1 - c0))" -v hz="$(getconf CLK_TCK)" -v n="$acked" \
		'BEGIN { if (n > 0) printf "%.1f", c / hz * 1e6 / n; else print "NA" }')"
	put rss_load_mb "$(mem_mb VmHWM)"

	stored=$(cd "$store" && "$cairn" metrics history "$run" wrk --json 2>>"$logf" | jq length) ||
		stored=NA
	put log_metric_stored "$stored"
	log "log-metric: $acked acknowledged, $stored stored"

	log "log-batch of 1,000 metrics, 50 requests with curl"
	: >"$work/batch.times"
	for i in $(seq 1 50); do
		body=$(awk -v r="$run" -v i="$i" 'BEGIN {
			printf "{\"run_id\":\"%s\",\"metrics\":[", r
			for (k = 0; k < 1000; k++)
				printf "%s{\"key\":\"b%d\",\"value\":%d.25,\"timestamp\":1700000000000,\"step\":%d}",
				       k ? "," : "", k % 10, k, i * 1000 + k
			printf "]}"
		}')
		printf '%s' "$body" >"$work/batch.json"
		curl -sf -o /dev/null -w '%{time_total}\n' -X POST \
			-H 'Content-Type: application/json' --data-binary @"$work/batch.json" \
			"$url/api/2.0/mlflow/runs/log-batch" >>"$work/batch.times" ||
			die "log-batch failed (request $i)"
	done
	put log_batch_median_ms "$(awk '{ print $1 * 1000 }' "$work/batch.times" | median)"
	put log_batch_p99_ms "$(awk '{ print $1 * 1000 }' "$work/batch.times" | pct 99)"
	stored=$(cd "$store" && "$cairn" metrics history "$run" b0 --json 2>>"$logf" | jq length) ||
		stored=NA
	put log_batch_stored_b0 "$stored"
	sleep 1
	put rss_after_mb "$(mem_mb VmRSS)"

	measure_artifact "$exp" "$run"
	stop_server
}

measure_artifact() {
	local exp=$1 run=$2 f=$work/artifact.bin t0 dt code path c0 hz
	hz=$(getconf CLK_TCK)
	log "artifact: $art_mb MiB of random bytes"
	head -c "$((art_mb * 1048576))" /dev/urandom >"$f" || die "cannot write '$f'"
	sync

	t0=$(now_ns)
	cp "$f" "$work/artifact.cp" && sync
	put cp_sync_s "$(awk -v m="$(ms_since "$t0")" 'BEGIN { printf "%.2f", m / 1000 }')"
	rm -f "$work/artifact.cp"
	sync

	# what hashing the bytes alone costs one core with OpenSSL, as the store
	# does (it names its
	# chunks by SHA-256)
	t0=$(now_ns)
	openssl dgst -sha256 "$f" >/dev/null
	put sha256_s "$(awk -v m="$(ms_since "$t0")" 'BEGIN { printf "%.2f", m / 1000 }')"

	path=$url/api/2.0/mlflow-artifacts/artifacts/$exp/$run/artifacts/model.bin
	reset_peak
	put rss_before_put_mb "$(mem_mb VmRSS)"
	c0=$(cpu_ticks)
	t0=$(now_ns)
	# -T streams the file (--data-binary @file reads it whole into memory,
	# and fails at 1 GiB); no "Expect: 100-continue", as MLflow's client
	code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Expect:' -T "$f" "$path")
	dt=$(ms_since "$t0")
	[ "$code" = 200 ] || die "artifact PUT answered $code"
	put put_s "$(awk -v m="$dt" 'BEGIN { printf "%.2f", m / 1000 }')"
	put put_hwm_mb "$(mem_mb VmHWM)"
	put put_cpu_s "$(awk -v c="$(($(cpu_ticks) - c0))" -v hz="$hz" 'BEGIN { printf "%.2f", c / hz }')"

	t0=$(now_ns)
	cp "$f" "$work/artifact.cp"
	put cp_s "$(awk -v m="$(ms_since "$t0")" 'BEGIN { printf "%.2f", m / 1000 }')"
	rm -f "$work/artifact.cp"
	sync

	reset_peak
	c0=$(cpu_ticks)
	t0=$(now_ns)
	code=$(curl -s -o "$work/artifact.get" -w '%{http_code}' "$path")
	dt=$(ms_since "$t0")
	[ "$code" = 200 ] || die "artifact GET answered $code"
	put get_s "$(awk -v m="$dt" 'BEGIN { printf "%.2f", m / 1000 }')"
	put get_hwm_mb "$(mem_mb VmHWM)"
	put get_cpu_s "$(awk -v c="$(($(cpu_ticks) - c0))" -v hz="$hz" 'BEGIN { printf "%.2f", c / hz }')"
	if cmp -s "$f" "$work/artifact.get"; then
		put get_identical 1
	else
		put get_identical 0
	fi
	rm -f "$f" "$work/artifact.get"
}

measure_startup() {
	local store=$work/store i t0 u err=$work/start.err
	log "start to a healthy /health, 10 starts"
	: >"$work/start.times"
	for i in $(seq 1 10); do
		: >"$err"
		t0=$(now_ns)
		"$cairn" server --host 127.0.0.1 --port 0 --store "$store" 2>"$err" \
			>/dev/null </dev/null &
		spid=$!
		u=
		while [ -z "$u" ]; do
			u=$(sed -n 's/.*listening on \(http:[^ ]*\).*/\1/p' "$err")
			kill -0 "$spid" 2>/dev/null || die "the server exited at start"
		done
		until curl -sf -o /dev/null "$u/health"; do :; done
		ms_since "$t0" >>"$work/start.times"
		echo >>"$work/start.times"
		kill -TERM "$spid"
		wait "$spid" 2>/dev/null
		spid=
	done
	put startup_ms "$(grep . "$work/start.times" | median)"
	put startup_max_ms "$(grep . "$work/start.times" | sort -g | tail -n 1)"
	# the shell's own cost: a process start and a curl of a closed port
	t0=$(now_ns)
	/bin/true
	curl -s -o /dev/null "http://127.0.0.1:9/health"
	put startup_overhead_ms "$(ms_since "$t0")"
}

measure_search() {
	local d out t0 i body n
	if [ -n "${BENCH_SEARCH_STORE:-}" ]; then
		d=$BENCH_SEARCH_STORE
		log "search: reusing the store in $d"
	else
		d=$work/search
		mkdir -p "$d"
		log "search: populating $nruns runs x 20 metrics x 20 params through the library"
		t0=$(now_ns)
		"$tb" populate "$d" "$nruns" 20 20 >>"$logf" 2>&1 || die "populate failed (see $logf)"
		put populate_s "$(awk -v m="$(ms_since "$t0")" 'BEGIN { printf "%.1f", m / 1000 }')"
	fi
	n=$(sqlite3 "$d/.cairn/cairn.db" 'SELECT count(*) FROM runs' 2>>"$logf") || n=NA
	put search_nruns "$n"
	start_server "$d"
	body='{"experiment_ids":["0"],"filter":"metrics.m0 > 0.5","order_by":["metrics.m1 DESC"],"max_results":100}'
	printf '%s' "$body" >"$work/search.json"
	n=$(curl -sf -X POST -H 'Content-Type: application/json' --data-binary @"$work/search.json" \
		"$url/api/2.0/mlflow/runs/search" | jq '.runs | length') || die "runs/search failed"
	put search_page "$n"
	: >"$work/search.times"
	for i in $(seq 1 10); do
		curl -sf -o /dev/null -w '%{time_total}\n' -X POST -H 'Content-Type: application/json' \
			--data-binary @"$work/search.json" "$url/api/2.0/mlflow/runs/search" \
			>>"$work/search.times" || die "runs/search failed"
	done
	put search_median_ms "$(awk '{ print $1 * 1000 }' "$work/search.times" | median)"
	put search_max_ms "$(awk '{ print $1 * 1000 }' "$work/search.times" | sort -g | tail -n 1)"
	put search_rss_mb "$(mem_mb VmHWM)"
	stop_server
}

# ------------------------------------------------------------------ report

report() {
	awk -F '\t' -v OFS='\t' -v tsv="$table" \
		-v nruns="$(get search_nruns)" -v art_mb="$art_mb" \
		-v health="$(get health_rps)" -v lm="$(get log_metric_rps)" \
		-v acked="$(get log_metric_acked)" -v stored="$(get log_metric_stored)" \
		-v non2xx="$(get log_metric_non2xx)" -v sockerr="$(get log_metric_sockerr)" \
		-v lm50="$(get log_metric_p50_ms)" -v lm99="$(get log_metric_p99_ms)" \
		-v lmcpu="$(get log_metric_cpu_us)" \
		-v lb="$(get log_batch_median_ms)" -v lb99="$(get log_batch_p99_ms)" \
		-v lbst="$(get log_batch_stored_b0)" \
		-v sq="$(get search_median_ms)" -v sqmax="$(get search_max_ms)" \
		-v sqpage="$(get search_page)" -v sqrss="$(get search_rss_mb)" \
		-v idle="$(get rss_idle_mb)" -v load="$(get rss_load_mb)" -v after="$(get rss_after_mb)" \
		-v st="$(get startup_ms)" -v stmax="$(get startup_max_ms)" -v stov="$(get startup_overhead_ms)" \
		-v cps="$(get cp_sync_s)" -v cp="$(get cp_s)" \
		-v put_s="$(get put_s)" -v put_hwm="$(get put_hwm_mb)" -v put_before="$(get rss_before_put_mb)" \
		-v get_s="$(get get_s)" -v get_hwm="$(get get_hwm_mb)" -v same="$(get get_identical)" \
		-v put_cpu="$(get put_cpu_s)" -v get_cpu="$(get get_cpu_s)" -v sha="$(get sha256_s)" \
		-v pop="$(get populate_s)" '
	function n0(x,   s) {
		if (x == "NA" || x == "")
			return "NA"
		s = sprintf("%.0f", x)
		while (s ~ /[0-9][0-9][0-9][0-9]/)
			sub(/[0-9][0-9][0-9]($|,)/, ",&", s)
		return s
	}
	function n1(x) { return x == "NA" || x == "" ? "NA" : sprintf("%.1f", x) }
	function n2(x) { return x == "NA" || x == "" ? "NA" : sprintf("%.2f", x) }
	function ok(x) { return x != "NA" && x != "" }
	function ge(x, t) { return !ok(x) ? "MISS (failed)" : (x >= t ? "PASS" : "MISS") }
	function lt(x, t) { return !ok(x) ? "MISS (failed)" : (x < t ? "PASS" : "MISS") }
	function row(a, b, c, d, e) { print "| " a " | " b " | " c " | " d " | " e " |"; print a, b, c, d, e > tsv }
	BEGIN {
		mbps_put = ok(put_s) ? art_mb * 1.048576 / put_s : "NA"
		mbps_get = ok(get_s) ? art_mb * 1.048576 / get_s : "NA"
		mbps_cps = ok(cps) ? art_mb * 1.048576 / cps : "NA"
		mbps_cp = ok(cp) ? art_mb * 1.048576 / cp : "NA"
		print "measure", "cairn", "peer / baseline", "target", "verdict" > tsv
		print "| measure | cairn | peer / baseline | target | verdict |"
		print "|---|---:|---|---|---|"
		row("single `log-metric` over keep-alive (wrk 2 threads, 64 connections), requests/s",
		    n0(lm), "MLflow ≈ 100–200/s (≈ 5 ms server CPU each); same run, GET /health " n0(health) "/s", "≥ 20,000", ge(lm, 20000))
		row("  latency p50 / p99, ms", n2(lm50) " / " n2(lm99), "—", "—", "info")
		row("  server CPU per log-metric, µs", n1(lmcpu), "MLflow ≈ 5,000", "—", "info")
		row("  acknowledged / stored (`cairn metrics history`)",
		    n0(acked) " / " n0(stored) " (non-2xx " non2xx ", socket errors " sockerr ")",
		    "—", "all stored", ok(stored) && ok(acked) && acked > 0 && stored + 0 >= acked + 0 && non2xx == 0 ? "PASS" : "MISS")
		row("`log-batch` of 1,000 metrics (curl, 50 requests), median / p99 ms",
		    n2(lb) " / " n2(lb99), "—", "< 5", lt(lb, 5) == "PASS" && lt(lb99, 5) == "PASS" ? "PASS" : (lt(lb, 5) == "PASS" ? "PASS (median; p99 MISS)" : "MISS"))
		row("`runs/search` `metrics.m0 > 0.5` order `metrics.m1 DESC`, first 100 of " n0(nruns) " runs, over HTTP (curl, median of 10), ms",
		    n1(sq) " (max " n1(sqmax) "; page " sqpage " runs)", "MLflow: > 15 min for search_runs over ~30k runs (mlflow#2730)", "< 100",
		    nruns + 0 < 100000 ? "(not judged)" : (sqpage == 100 ? lt(sq, 100) : "MISS (wrong page)"))
		row("RSS idle (after start, one experiment, one run), MB", n1(idle), "MLflow ≈ 460 MB for two workers", "< 30", lt(idle, 30))
		row("RSS peak (VmHWM) under the log-metric load, MB", n1(load), "MLflow ≈ 460 MB", "< 100", lt(load, 100))
		row("  RSS after log-metric and log-batch, idle again, MB", n1(after), "—", "—", "info")
		row("  RSS peak serving the search over " n0(nruns) " runs, MB", n1(sqrss), "—", "—", "info")
		row("start to a healthy /health (median of 10; max), ms",
		    n1(st) " (max " n1(stmax) ")", "shell + curl alone " n1(stov) " ms", "< 100", lt(st, 100))
		row(n0(art_mb) " MiB artifact PUT through the proxy, s (MB/s)",
		    n2(put_s) " (" n0(mbps_put) ")", "cp + sync " n2(cps) " s (" n0(mbps_cps) ")", "disk speed",
		    ok(put_s) && ok(cps) ? (put_s <= 1.5 * cps ? "PASS" : "MISS") " (" n1(put_s / cps) "× cp+sync)" : "MISS (failed)")
		row("  server CPU during the PUT / the GET (user + system), s", n2(put_cpu) " / " n2(get_cpu),
		    "SHA-256 of the file (openssl dgst, one core) " n2(sha) " s", "—", "info")
		row("  server RSS peak during the PUT, MB", n1(put_hwm) " (" n1(put_before) " before)", "—", "flat", ok(put_hwm) && put_hwm < 100 ? "PASS" : "MISS")
		row(n0(art_mb) " MiB artifact GET through the proxy (curl -o file), s (MB/s)",
		    n2(get_s) " (" n0(mbps_get) "; bytes " (same == 1 ? "identical" : "DIFFER") ")", "cp " n2(cp) " s (" n0(mbps_cp) ")", "disk speed",
		    ok(get_s) && ok(cp) && same == 1 ? (get_s <= 1.5 * cp ? "PASS" : "MISS") " (" n1(get_s / cp) "× cp)" : "MISS (failed)")
		row("  server RSS peak during the GET, MB", n1(get_hwm), "—", "flat", ok(get_hwm) && get_hwm < 100 ? "PASS" : "MISS")
		if (ok(pop))
			row("populating the search store through the library (not HTTP), s", n1(pop), "—", "—", "info")
	}'
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
	echo "- stores in $work: $fs; $(wrk -v 2>&1 | head -n 1 | cut -d' ' -f1-2); cairn $("$cairn" --version 2>/dev/null | awk '{ print $NF }')"
	echo "- load, client and server on the same $(nproc) cores (loopback); load average at start: $load_start; at end: $(cut -d' ' -f1-3 /proc/loadavg)"
	if [ ! -w "/proc/self/clear_refs" ]; then
		echo "- (clear_refs is not writable: VmHWM figures are peaks since the server started)"
	fi
	echo
}

# ------------------------------------------------------------------ main

: >"$logf"
: >"$raw"
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
t_start=$(date +%s)
need_tools
build_all
measure_http
measure_startup
measure_search
{
	machine_facts
	echo "## Server"
	echo
	report
	echo
	echo "Whole benchmark: $(($(date +%s) - t_start)) s. Raw: $raw; log: $logf"
} | tee "$txt"
