#!/usr/bin/env bash
# bench/serve.sh: `cairn serve` (issue 6, "Performance"): an XGBoost model
# one row per request (targets: p99 under 2 ms and 5,000 requests/s or more
# on 2 cores) and in batches of 1,000 rows; a promotion and then a rollback
# under constant load (targets: no failed request, the new holder answering
# within 1 s of each move); memory per loaded version; and what recording
# one request in the serving counters costs. Beside the peer, measured in
# the same run on the same model and the same bodies: a Python scoring
# server as `mlflow models serve` would be one (bench/peer_xgb_server.py:
# xgboost's inplace_predict behind http.server; MLflow itself cannot be
# installed here).
#
# Usage:
#     bench/serve.sh [BUILD_DIR | PATH_TO_CAIRN]   (default: build-release-serve)
# A build directory is configured (Release) and built if it has no cairn
# binary; its serve-stats-bench target (bench/serve_stats.c) is built too.
#
# Environment:
#     BENCH_WRK_S=10      seconds of each measured wrk run (after 2 s of
#                         warm-up on the same connections)
#     BENCH_CONNS=8       wrk connections; BENCH_WRK_THREADS=1 its threads
#     BENCH_PACED_CONNS=12 connections of the paced run (each waits 1 ms
#                         after a response: about 5,000-7,000 requests/s)
#     BENCH_SWAP_S=4      seconds of load before, between and after the moves
#     BENCH_NICE=N        run everything (servers, wrk, commands) at niceness
#                         N, e.g. -10 (root) so that other work on a shared
#                         machine yields the cores to the benchmark
#     BENCH_DIR=DIR       work directory (default: new under /var/tmp,
#                         removed at the end); BENCH_KEEP=1 keeps it
#
# Output: one table on stdout; bench/out/serve-STAMP.tsv (raw values),
# .txt (what was printed), .log (stderr of every step, wrk's output, the
# servers' logs).

set -u -o pipefail
export LC_ALL=C

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
outdir=$here/out

target=${1:-build-release-serve}
case $target in
/*) ;;
*) target=$root/$target ;;
esac
wrk_s=${BENCH_WRK_S:-10}
conns=${BENCH_CONNS:-8}
paced_conns=${BENCH_PACED_CONNS:-12}
wrk_threads=${BENCH_WRK_THREADS:-1}
swap_s=${BENCH_SWAP_S:-4}
nice_n=${BENCH_NICE:-}
keep=${BENCH_KEEP:-0}
py=/usr/bin/python3
model=churn

stamp=$(date -u +%Y%m%d-%H%M%S)
mkdir -p "$outdir"
raw=$outdir/serve-$stamp.tsv
txt=$outdir/serve-$stamp.txt
logf=$outdir/serve-$stamp.log

log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }
. "$here/lib-build.sh"

work=${BENCH_DIR:-}
made_work=0
if [ -z "$work" ]; then
	work=$(mktemp -d /var/tmp/cairn-serve.XXXXXX) || die "cannot make a work directory"
	made_work=1
else
	mkdir -p "$work" || die "cannot make '$work'"
fi
cpid='' ppid_='' wpid=''
cleanup() {
	[ -n "$wpid" ] && kill "$wpid" 2>/dev/null
	stop_cairn
	stop_peer
	if [ "$keep" = 1 ]; then
		log "kept $work"
	elif [ "$made_work" = 1 ]; then
		rm -rf "$work"
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
ms_since() { awk -v a="$1" -v b="$(now_ns)" 'BEGIN { printf "%.1f", (b - a) / 1e6 }'; }
# rss_mb PID: VmRSS in MB (10^6 bytes)
rss_mb() { awk '$1 == "VmRSS:" { printf "%.1f", $2 * 1024 / 1e6 }' "/proc/$1/status"; }

# ------------------------------------------------------------------ build

build_all() {
	bench_build "$target" serve-stats-bench
	sb=$bench_dir/serve-stats-bench
}

need_tools() {
	command -v wrk >/dev/null || die "wrk is needed (apt-get install wrk)"
	command -v curl >/dev/null || die "curl is needed"
	"$py" -c 'import xgboost, numpy' 2>>"$logf" ||
		die "$py cannot import xgboost (apt-get install python3-xgboost)"
}

# ---------------------------------------------------------------- servers

# wait_url ERRFILE PID: the URL a server printed on stderr ("... on URL" or
# "listening on URL")
wait_url() {
	local u
	for _ in $(seq 1 3000); do
		u=$(sed -n 's/.* on \(http:[^ ]*\)$/\1/p' "$1" | head -n 1)
		[ -n "$u" ] && { echo "$u"; return 0; }
		kill -0 "$2" 2>/dev/null || return 1
		sleep 0.01
	done
	return 1
}

start_cairn() {
	: >"$work/cairn.err"
	(cd "$work/project" && exec "$cairn" serve "models:/$model@production" \
		--host 127.0.0.1 --port 0) 2>"$work/cairn.err" >/dev/null </dev/null &
	cpid=$!
	curl_cairn=$(wait_url "$work/cairn.err" "$cpid") ||
		{ cat "$work/cairn.err" >>"$logf"; die "cairn serve did not start (see $logf)"; }
	curl -sf "$curl_cairn/ping" >/dev/null || die "no /ping from cairn serve"
}

stop_cairn() {
	if [ -n "$cpid" ]; then
		kill -TERM "$cpid" 2>/dev/null
		wait "$cpid" 2>/dev/null
		cat "$work/cairn.err" >>"$logf" 2>/dev/null
		cpid=
	fi
}

start_peer() {
	: >"$work/peer.err"
	"$py" "$here/peer_xgb_server.py" "$work/m1" 0 2>"$work/peer.err" >/dev/null </dev/null &
	ppid_=$!
	curl_peer=$(wait_url "$work/peer.err" "$ppid_") ||
		{ cat "$work/peer.err" >>"$logf"; die "the peer did not start (see $logf)"; }
	curl -sf "$curl_peer/ping" >/dev/null || die "no /ping from the peer"
}

stop_peer() {
	if [ -n "$ppid_" ]; then
		kill -TERM "$ppid_" 2>/dev/null
		wait "$ppid_" 2>/dev/null
		cat "$work/peer.err" >>"$logf" 2>/dev/null
		ppid_=
	fi
}

# ------------------------------------------------------------------ setup

setup_models() {
	local p=$work/project
	log "training two XGBoost models (tests/cli/lib-serve.sh) and registering them"
	# shellcheck source=../tests/cli/lib-serve.sh
	SERVE_PYTHON=$py
	. "$root/tests/cli/lib-serve.sh"
	serve_train_xgb "$work/m1" >>"$logf" 2>&1 &&
		serve_train_xgb "$work/m2" v2 >>"$logf" 2>&1 || die "training failed (see $logf)"
	put model_json_kb "$(du -k "$work/m1/model.json" | cut -f1)"
	mkdir -p "$p" && (
		cd "$p" &&
		"$cairn" init &&
		"$cairn" models create "$model" &&
		"$cairn" models register "$model" --from "$work/m1" &&
		"$cairn" models register "$model" --from "$work/m2" &&
		"$cairn" models promote "$model" 1 --to production --reason "bench: start"
	) >>"$logf" 2>&1 || die "registering the models failed (see $logf)"

	# The bodies, MLflow's dataframe_split: 64 single rows, 4 batches of 1,000.
	"$py" - "$work" <<'EOF' || die "writing the bodies failed"
import json, random, sys
r = random.Random(7)
cols = ["f0", "f1", "f2", "f3"]
def row():
    return [round(r.gauss(0, 1), 4) for _ in cols]
def body(n):
    return json.dumps({"dataframe_split": {"columns": cols,
                       "data": [row() for _ in range(n)]}},
                      separators=(",", ":"))
with open(sys.argv[1] + "/one.txt", "w") as f:
    for _ in range(64):
        print(body(1), file=f)
with open(sys.argv[1] + "/batch.txt", "w") as f:
    for _ in range(4):
        print(body(1000), file=f)
EOF
}

# ---------------------------------------------------------------- measure

# cpu_ticks PID: user + system clock ticks of a process
cpu_ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"; }

# load NAME URL BODIES PID: 2 s of warm-up, then BENCH_WRK_S s measured,
# with the server's CPU time per request
load() {
	local name=$1 u=$2 bodies=$3 pid=$4 out k c0 c1
	log "$name: wrk -t$wrk_threads -c$conns -d${wrk_s}s at $u"
	BENCH_BODIES=$bodies wrk -t"$wrk_threads" -c"$conns" -d2s \
		-s "$here/serve-invocations.lua" "$u" >>"$logf" 2>&1
	c0=$(cpu_ticks "$pid")
	out=$(BENCH_BODIES=$bodies wrk -t"$wrk_threads" -c"$conns" -d"${wrk_s}s" \
		--latency -s "$here/serve-invocations.lua" "$u" 2>&1)
	c1=$(cpu_ticks "$pid")
	echo "$out" >>"$logf"
	for k in rps lat_p50_ms lat_p99_ms lat_max_ms non2xx socket_errors ok; do
		put "${name}_$k" "$(echo "$out" | awk -v k="$k" '$1 == k { print $2 }')"
	done
	put "${name}_cpu_us" "$(awk -v c="$((c1 - c0))" -v hz="$(getconf CLK_TCK)" \
		-v n="$(get "${name}_ok")" 'BEGIN { if (n > 0) printf "%.1f", c / hz * 1e6 / n; else print "NA" }')"
}

# paced NAME URL: one row per request, each connection waiting 1 ms after
# each response: the latency at about 5,000 requests/s, not at saturation
paced() {
	local name=$1 u=$2 out k
	log "$name: wrk -t$wrk_threads -c$paced_conns -d${wrk_s}s, 1 ms between requests, at $u"
	out=$(BENCH_PACE_MS=1 BENCH_BODIES=$work/one.txt wrk -t"$wrk_threads" \
		-c"$paced_conns" -d"${wrk_s}s" --latency \
		-s "$here/serve-invocations.lua" "$u" 2>&1)
	echo "$out" >>"$logf"
	for k in rps lat_p50_ms lat_p99_ms non2xx socket_errors; do
		put "${name}_$k" "$(echo "$out" | awk -v k="$k" '$1 == k { print $2 }')"
	done
}

# same_predictions: cairn and the peer answer the same numbers
same_predictions() {
	local body
	body=$(head -n 1 "$work/batch.txt")
	curl -sf -X POST -H 'Content-Type: application/json' --data-binary "$body" \
		"$curl_cairn/invocations" >"$work/cairn.pred" &&
	curl -sf -X POST -H 'Content-Type: application/json' --data-binary "$body" \
		"$curl_peer/invocations" >"$work/peer.pred" &&
	"$py" - "$work/cairn.pred" "$work/peer.pred" <<'EOF'
import json, sys
a = json.load(open(sys.argv[1]))["predictions"]
b = json.load(open(sys.argv[2]))["predictions"]
flat = lambda p: [x if not isinstance(x, list) else x[-1] for x in p]
a, b = flat(a), flat(b)
sys.exit(0 if len(a) == len(b) == 1000 and
         all(abs(x - y) <= 1e-6 for x, y in zip(a, b)) else 1)
EOF
}

# version_now: the X-Cairn-Model-Version of one prediction
version_now() {
	curl -s -o /dev/null -D - -X POST -H 'Content-Type: application/json' \
		--data-binary @"$work/one1.json" "$curl_cairn/invocations" |
		tr -d '\r' | awk -F': ' 'tolower($1) == "x-cairn-model-version" { print $2 }'
}

# move NAME WANT CMD...: run the move, then poll until responses carry WANT
move() {
	local name=$1 want=$2 t0 t1 v
	shift 2
	t0=$(now_ns)
	(cd "$work/project" && "$@") >>"$logf" 2>&1 || die "'$*' failed (see $logf)"
	t1=$(now_ns)
	put "${name}_cmd_ms" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", (b - a) / 1e6 }')"
	while :; do
		v=$(version_now)
		[ "$v" = "$want" ] && break
		[ "$(awk -v a="$t1" -v b="$(now_ns)" 'BEGIN { print ((b - a) > 10e9) }')" = 1 ] &&
			{ put "${name}_swap_ms" NA; log "$name: still '$v' after 10 s"; return; }
	done
	put "${name}_swap_ms" "$(ms_since "$t1")"
	log "$name: $want answers $(get "${name}_swap_ms") ms after the command returned"
}

measure_swap() {
	local out total=$((swap_s * 3)) k
	head -n 1 "$work/one.txt" >"$work/one1.json"
	[ "$(version_now)" = "$model/1" ] || die "cairn serve does not answer as $model/1"
	log "promotion and rollback under load: wrk -t$wrk_threads -c$conns -d${total}s"
	BENCH_BODIES=$work/one.txt BENCH_VERSIONS=1 wrk -t"$wrk_threads" -c"$conns" \
		-d"${total}s" --latency -s "$here/serve-invocations.lua" "$curl_cairn" \
		>"$work/swap.wrk" 2>&1 &
	wpid=$!
	sleep "$swap_s"
	move promote "$model/2" "$cairn" models promote "$model" 2 --to production --reason "bench: promote"
	sleep "$swap_s"
	move rollback "$model/1" "$cairn" models rollback "$model" --reason "bench: roll back"
	wait "$wpid"
	wpid=
	out=$(cat "$work/swap.wrk")
	echo "$out" >>"$logf"
	for k in rps lat_p99_ms lat_max_ms non2xx socket_errors ok; do
		put "swap_$k" "$(echo "$out" | awk -v k="$k" '$1 == k { print $2 }')"
	done
	put swap_v1 "$(echo "$out" | awk -v v="$model/1" '$1 == "version" && $2 == v { print $3 }')"
	put swap_v2 "$(echo "$out" | awk -v v="$model/2" '$1 == "version" && $2 == v { print $3 }')"
	put swap_none "$(echo "$out" | awk '$1 == "version" && $2 == "none" { print $3 }')"
}

# metric NAME-AND-LABELS: one sample of cairn's /metrics, summed when several
metric() {
	curl -sf "$curl_cairn/metrics" | awk -v m="$1" 'index($0, m) == 1 { s += $NF; f = 1 }
		END { if (f) print s; else print "NA" }'
}

measure() {
	log "recording one request in the counters: serve-stats-bench 2000000"
	"$sb" 2000000 >"$work/stats.tsv" 2>>"$logf" || die "serve-stats-bench failed"
	cat "$work/stats.tsv" >>"$raw"

	start_cairn
	log "cairn serve at $curl_cairn (pid $cpid)"
	sleep 1
	put cairn_rss_one_mb "$(rss_mb "$cpid")"
	start_peer
	log "peer at $curl_peer (pid $ppid_)"
	sleep 1
	put peer_rss_one_mb "$(rss_mb "$ppid_")"
	if same_predictions; then put same_predictions 1; else put same_predictions 0; fi

	log "GET /ping on cairn serve, the HTTP floor: wrk -t$wrk_threads -c$conns -d5s"
	put cairn_ping_rps "$(wrk -t"$wrk_threads" -c"$conns" -d5s "$curl_cairn/ping" 2>&1 |
		tee -a "$logf" | awk '/^Requests\/sec:/ { print $2 }')"
	load cairn_one "$curl_cairn" "$work/one.txt" "$cpid"
	load peer_one "$curl_peer" "$work/one.txt" "$ppid_"
	paced cairn_paced "$curl_cairn"
	paced peer_paced "$curl_peer"
	load cairn_batch "$curl_cairn" "$work/batch.txt" "$cpid"
	load peer_batch "$curl_peer" "$work/batch.txt" "$ppid_"
	put peer_rss_load_mb "$(rss_mb "$ppid_")"
	stop_peer

	put cairn_rss_before_swap_mb "$(rss_mb "$cpid")"
	measure_swap
	sleep 1
	put cairn_rss_two_mb "$(rss_mb "$cpid")"
	put cairn_loaded "$(metric 'cairn_serve_loaded_versions')"
	put cairn_version_mem_bytes_v1 "$(metric "cairn_serve_version_memory_bytes{model=\"$model\",version=\"1\"")"
	put cairn_version_mem_bytes_v2 "$(metric "cairn_serve_version_memory_bytes{model=\"$model\",version=\"2\"")"
	curl -sf "$curl_cairn/metrics" >>"$logf"
	stop_cairn
}

# ------------------------------------------------------------------ report

report() {
	awk -v OFS='\t' \
		-v conns="$conns" -v wt="$wrk_threads" -v ws="$wrk_s" \
		-v rec1="$(get record_ns_1thread)" -v rec2="$(get record_ns_2threads)" -v clk="$(get clock_ns)" \
		-v c1r="$(get cairn_one_rps)" -v c150="$(get cairn_one_lat_p50_ms)" -v c199="$(get cairn_one_lat_p99_ms)" \
		-v c1n="$(get cairn_one_non2xx)" -v c1s="$(get cairn_one_socket_errors)" \
		-v p1r="$(get peer_one_rps)" -v p150="$(get peer_one_lat_p50_ms)" -v p199="$(get peer_one_lat_p99_ms)" \
		-v p1n="$(get peer_one_non2xx)" -v p1s="$(get peer_one_socket_errors)" \
		-v cbr="$(get cairn_batch_rps)" -v cb50="$(get cairn_batch_lat_p50_ms)" -v cb99="$(get cairn_batch_lat_p99_ms)" \
		-v cbn="$(get cairn_batch_non2xx)" \
		-v pbr="$(get peer_batch_rps)" -v pb50="$(get peer_batch_lat_p50_ms)" -v pb99="$(get peer_batch_lat_p99_ms)" \
		-v pbn="$(get peer_batch_non2xx)" \
		-v same="$(get same_predictions)" \
		-v sok="$(get swap_ok)" -v sn="$(get swap_non2xx)" -v ss="$(get swap_socket_errors)" \
		-v srps="$(get swap_rps)" -v s99="$(get swap_lat_p99_ms)" -v smax="$(get swap_lat_max_ms)" \
		-v sv1="$(get swap_v1)" -v sv2="$(get swap_v2)" -v snone="$(get swap_none)" \
		-v pms="$(get promote_swap_ms)" -v rms="$(get rollback_swap_ms)" \
		-v pcmd="$(get promote_cmd_ms)" -v rcmd="$(get rollback_cmd_ms)" \
		-v crss1="$(get cairn_rss_one_mb)" -v crss2="$(get cairn_rss_two_mb)" \
		-v cload="$(get cairn_loaded)" -v mem1="$(get cairn_version_mem_bytes_v1)" -v mem2="$(get cairn_version_mem_bytes_v2)" \
		-v prss1="$(get peer_rss_one_mb)" -v prssl="$(get peer_rss_load_mb)" \
		-v mkb="$(get model_json_kb)" -v ping="$(get cairn_ping_rps)" \
		-v c1cpu="$(get cairn_one_cpu_us)" -v p1cpu="$(get peer_one_cpu_us)" \
		-v cbcpu="$(get cairn_batch_cpu_us)" -v pbcpu="$(get peer_batch_cpu_us)" \
		-v pc="$paced_conns" -v cpr="$(get cairn_paced_rps)" -v ppr="$(get peer_paced_rps)" \
		-v cp50="$(get cairn_paced_lat_p50_ms)" -v cp99="$(get cairn_paced_lat_p99_ms)" \
		-v pp50="$(get peer_paced_lat_p50_ms)" -v pp99="$(get peer_paced_lat_p99_ms)" \
		-v cpn="$(get cairn_paced_non2xx)" '
	function ok(x) { return x != "NA" && x != "" }
	function n0(x,   s) {
		if (!ok(x))
			return "NA"
		s = sprintf("%.0f", x)
		while (s ~ /[0-9][0-9][0-9][0-9]/)
			sub(/[0-9][0-9][0-9]($|,)/, ",&", s)
		return s
	}
	function n1(x) { return ok(x) ? sprintf("%.1f", x) : "NA" }
	function n2(x) { return ok(x) ? sprintf("%.2f", x) : "NA" }
	function kb(x) { return ok(x) ? sprintf("%.0f KB", x / 1000) : "NA" }
	function ratio(a, b) { return ok(a) && ok(b) && b > 0 ? sprintf(" (%.1f×)", a / b) : "" }
	function row(a, b, c, d, e) { print "| " a " | " b " | " c " | " d " | " e " |" }
	BEGIN {
		print "| measure | cairn serve | peer: Python + xgboost | target | verdict |"
		print "|---|---:|---:|---|---|"
		row("one row per request (wrk -t" wt " -c" conns ", " ws " s), requests/s",
		    n0(c1r) ratio(c1r, p1r), n0(p1r), "≥ 5,000",
		    !ok(c1r) ? "MISS (failed)" : (c1r >= 5000 ? "PASS" : "MISS"))
		row("  GET /ping on the same server (the HTTP floor), requests/s", n0(ping), "—", "—", "info")
		row("  latency p50 / p99 at saturation, ms", n2(c150) " / " n2(c199), n2(p150) " / " n2(p199), "—", "info")
		row("  paced (wrk -c" pc ", 1 ms between requests): requests/s; p50 / p99, ms",
		    n0(cpr) "; " n2(cp50) " / " n2(cp99), n0(ppr) "; " n2(pp50) " / " n2(pp99), "p99 < 2 at ≥ 5,000/s",
		    !ok(cp99) || cpn != 0 ? "MISS (failed)" : (cpr < 5000 ? "not judged (rate)" : (cp99 < 2 ? "PASS" : "MISS")))
		row("  server CPU per request (user + system), µs", n1(c1cpu), n1(p1cpu), "—", "info")
		row("  non-2xx / socket errors", c1n " / " c1s, p1n " / " p1s, "0", c1n == 0 && c1s == 0 ? "PASS" : "MISS")
		row("batches of 1,000 rows, requests/s (rows/s)", n0(cbr) " (" n0(cbr * 1000) ")" ratio(cbr, pbr),
		    n0(pbr) " (" n0(pbr * 1000) ")", "—", cbn == 0 ? "info" : "MISS (" cbn " non-2xx)")
		row("  latency p50 / p99, ms", n2(cb50) " / " n2(cb99), n2(pb50) " / " n2(pb99), "—", "info")
		row("  server CPU per request (user + system), µs", n0(cbcpu), n0(pbcpu), "—", "info")
		row("  the same 1,000 predictions as the peer (within 1e-6)", same == 1 ? "yes" : "NO", "—", "same", same == 1 ? "PASS" : "MISS")
		row("promotion then rollback under load: requests (non-2xx / socket errors)",
		    n0(sok) " (" sn " / " ss ")", "no hot swap (restart: mlflow#1768)", "0 failed",
		    ok(sok) && sok > 0 && sn == 0 && ss == 0 ? "PASS" : "MISS")
		row("  answered by v1 / v2 / no version header", n0(sv1) " / " n0(sv2) " / " n0(snone), "—", "both", ok(sv1) && ok(sv2) && !ok(snone) ? "PASS" : "MISS")
		row("  promote: the new holder answers after, ms (the command took)", n1(pms) " (" n1(pcmd) ")", "—", "< 1,000",
		    !ok(pms) ? "MISS (failed)" : (pms < 1000 ? "PASS" : "MISS"))
		row("  rollback: the old holder answers after, ms (the command took)", n1(rms) " (" n1(rcmd) ")", "—", "< 1,000",
		    !ok(rms) ? "MISS (failed)" : (rms < 1000 ? "PASS" : "MISS"))
		row("  requests/s, p99 / max latency during the moves, ms", n0(srps) ", " n2(s99) " / " n2(smax), "—", "—", "info")
		row("RSS with one version loaded (model.json " mkb " KiB), MB", n1(crss1), n1(prss1) " (" n1(prssl) " after load)", "—", "info")
		row("  RSS with two loaded (" cload " per /metrics), MB; memory per version", n1(crss2) "; " n1(crss2 - crss1) " MB",
		    "one process per model", "—", "info")
		row("  cairn_serve_version_memory_bytes v1 / v2", kb(mem1) " / " kb(mem2), "—", "—", "info")
		row("recording one request in the counters, ns (1 / 2 threads; clock read " n0(clk) " ns)",
		    n0(rec1) " / " n0(rec2), "—", "≪ 1,000", ok(rec2) && rec2 < 1000 ? "PASS" : "MISS")
	}'
}

machine_facts() {
	local cpu
	cpu=$(lscpu 2>/dev/null | sed -n 's/^Model name:[[:space:]]*//p' | head -n 1)
	echo "## Machine"
	echo
	echo "- CPU: $(nproc) x $cpu; $(wrk -v 2>&1 | head -n 1 | cut -d' ' -f1-2); xgboost $("$py" -c 'import xgboost; print(xgboost.__version__)' 2>/dev/null)"
	echo "- wrk, the servers and everything else on the same $(nproc) cores (loopback), niceness $(nice); load average at start: $load_start; at end: $(cut -d' ' -f1-3 /proc/loadavg)"
	echo
}

# ------------------------------------------------------------------ main

: >"$logf"
: >"$raw"
if [ -n "$nice_n" ]; then
	renice -n "$nice_n" -p $$ >>"$logf" 2>&1 || die "cannot renice to $nice_n"
fi
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
t_start=$(date +%s)
need_tools
build_all
setup_models
measure
{
	echo "# Serving, $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo
	machine_facts
	report
	echo
	echo "Whole benchmark: $(($(date +%s) - t_start)) s. Raw: $raw; log: $logf"
} | tee "$txt"
