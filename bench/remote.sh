#!/usr/bin/env bash
# bench/remote.sh: the cairn CLI against a cairn server (issue 4, "The CLI
# against a server"), beside the same commands on a local store, in the
# same run on the same machine: what going through the REST API costs.
#
# Usage:
#     bench/remote.sh [BUILD_DIR]     (default: build-release)
# BUILD_DIR is configured (Release) and built if it has no cairn binary.
#
# Environment:
#     BENCH_POINTS=100000   metric points streamed by `cairn log metrics -`
#     BENCH_CALLS=200       `cairn log param` invocations, one process each
#     BENCH_MB=256          MiB of the artifact uploaded and downloaded
#     BENCH_DIR=DIR         scratch directory (default: under /var/tmp,
#                           removed at the end)
#
# Each figure is measured twice, local store first, then the server (a
# `cairn server` of another project on a loopback port, 2 workers); the
# server runs on the same machine, so its CPU is in the remote figures.
# Printed: seconds, and the rate, for both, and remote/local.
set -euo pipefail

BUILD=${1:-build-release}
POINTS=${BENCH_POINTS:-100000}
CALLS=${BENCH_CALLS:-200}
MB=${BENCH_MB:-256}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
if [ ! -x "$BUILD/cairn" ]; then
	cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
	cmake --build "$BUILD" -j2 --target cairn-cli >/dev/null
fi
CAIRN=$(cd "$BUILD" && pwd)/cairn
DIR=${BENCH_DIR:-$(mktemp -d /var/tmp/cairn-bench-remote.XXXXXX)}
SPID=
cleanup() {
	[ -n "$SPID" ] && kill "$SPID" 2>/dev/null && wait "$SPID" 2>/dev/null
	[ -z "${BENCH_DIR:-}" ] && rm -rf "$DIR"
	:
}
trap cleanup EXIT

now() { date +%s.%N; }
secs() { echo "$2 - $1" | bc -l; }

mkdir -p "$DIR/local" "$DIR/served" "$DIR/client"
(cd "$DIR/local" && "$CAIRN" init >/dev/null)
(cd "$DIR/served" && "$CAIRN" init >/dev/null)
(cd "$DIR/client" && "$CAIRN" init >/dev/null)
port=$(( $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 20000 + 20000 ))
(cd "$DIR/served" && exec "$CAIRN" server --port $port) >"$DIR/server.log" 2>&1 &
SPID=$!
for _ in $(seq 500); do
	[ "$(curl -s -m 1 http://127.0.0.1:$port/health)" = OK ] && break
	sleep 0.01
done
URI=http://127.0.0.1:$port

awk -v n="$POINTS" 'BEGIN { for (i = 0; i < n; i++)
	printf "{\"step\": %d, \"loss\": %.6f, \"acc\": %.6f}\n", i, 1 / (i + 1), i / n }' \
	>"$DIR/points.jsonl"
head -c $((MB * 1048576)) /dev/urandom >"$DIR/big.bin"

# measure WHERE: one line of figures; WHERE is "local" or "remote".
measure() {
	local where=$1 dir uri=
	if [ "$where" = local ]; then dir=$DIR/local; else dir=$DIR/client; uri=$URI; fi
	cd "$dir"
	export CAIRN_TRACKING_URI=$uri
	"$CAIRN" runs start --name bench >/dev/null
	t0=$(now); "$CAIRN" log metrics --run bench - <"$DIR/points.jsonl"; t1=$(now)
	ingest=$(secs "$t0" "$t1")
	t0=$(now)
	for i in $(seq "$CALLS"); do "$CAIRN" log param --run bench "p$i=$i"; done
	t1=$(now)
	calls=$(secs "$t0" "$t1")
	t0=$(now); "$CAIRN" log artifact --run bench "$DIR/big.bin"; t1=$(now)
	up=$(secs "$t0" "$t1")
	rm -f "$DIR/back.bin"
	t0=$(now); "$CAIRN" artifacts get bench big.bin "$DIR/back.bin"; t1=$(now)
	down=$(secs "$t0" "$t1")
	cmp "$DIR/big.bin" "$DIR/back.bin"
	t0=$(now); "$CAIRN" runs show bench >/dev/null; t1=$(now)
	show=$(secs "$t0" "$t1")
	echo "$where $ingest $calls $up $down $show"
}

L=$(measure local)
R=$(measure remote)
echo "cairn CLI, local store vs a cairn server on loopback ($(nproc) cores)"
printf "%-34s %12s %12s %8s\n" "" local remote remote/local
row() {
	printf "%-34s %12s %12s %8.2f\n" "$1" "$2" "$3" "$(echo "$4 / $5" | bc -l)"
}
set -- $L; l_ingest=$2 l_calls=$3 l_up=$4 l_down=$5 l_show=$6
set -- $R; r_ingest=$2 r_calls=$3 r_up=$4 r_down=$5 r_show=$6
row "log metrics -, $POINTS pts (pts/s)" \
	"$(printf %.0f "$(echo "$POINTS / $l_ingest" | bc -l)")" \
	"$(printf %.0f "$(echo "$POINTS / $r_ingest" | bc -l)")" "$r_ingest" "$l_ingest"
row "log param, one process (ms/call)" \
	"$(printf %.1f "$(echo "1000 * $l_calls / $CALLS" | bc -l)")" \
	"$(printf %.1f "$(echo "1000 * $r_calls / $CALLS" | bc -l)")" "$r_calls" "$l_calls"
row "log artifact $MB MiB (MiB/s)" \
	"$(printf %.0f "$(echo "$MB / $l_up" | bc -l)")" \
	"$(printf %.0f "$(echo "$MB / $r_up" | bc -l)")" "$r_up" "$l_up"
row "artifacts get $MB MiB (MiB/s)" \
	"$(printf %.0f "$(echo "$MB / $l_down" | bc -l)")" \
	"$(printf %.0f "$(echo "$MB / $r_down" | bc -l)")" "$r_down" "$l_down"
row "runs show, $POINTS-point run (ms)" \
	"$(printf %.0f "$(echo "1000 * $l_show" | bc -l)")" \
	"$(printf %.0f "$(echo "1000 * $r_show" | bc -l)")" "$r_show" "$l_show"
