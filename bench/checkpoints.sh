#!/usr/bin/env bash
# bench/checkpoints.sh: what successive training checkpoints cost in the
# store, logged with `cairn log artifact --checkpoint`.
#
# Usage: bench/checkpoints.sh [PATH/TO/cairn]   (default build-release/cairn)
#
# A "model" of 64 MiB of random float32 weights in 16 tensors of 4 MiB is
# checkpointed 5 times under two training regimes:
#   frozen:  a fine-tune that updates only the last 2 of 16 tensors (a
#            classifier head on a frozen backbone) between checkpoints;
#   full:    every weight changes at every step (plain SGD on all layers).
# It prints, per regime, the bytes of the checkpoints logged and the bytes
# the store grew by, and the saving. A store of whole files (git-lfs,
# DVC, MLflow's artifact store) grows by the full checkpoint every time.
set -euo pipefail
cairn=$(realpath "${1:-build-release/cairn}")
work=$(mktemp -d "${TMPDIR:-/var/tmp}/cairn-ckpt.XXXXXX")
trap 'rm -rf "$work"' EXIT
tensor=$((4 * 1024 * 1024))
ntensors=16
steps=5

store_bytes() { du -sb .cairn/objects | cut -f1; }

run_regime() {
	local regime=$1 changed=$2
	local dir="$work/$regime"
	mkdir -p "$dir" && cd "$dir"
	"$cairn" init >/dev/null
	local run
	run=$("$cairn" runs start --name "ckpt-$regime")
	head -c $((tensor * ntensors)) /dev/urandom >model.bin
	local before logged=0 step
	before=$(store_bytes)
	for step in $(seq 1 $steps); do
		if [ "$step" -gt 1 ]; then
			# rewrite the last $changed tensors in place
			local t
			for t in $(seq $((ntensors - changed)) $((ntensors - 1))); do
				head -c $tensor /dev/urandom |
					dd of=model.bin bs=$tensor seek="$t" conv=notrunc status=none
			done
		fi
		"$cairn" log artifact --run "$run" --checkpoint "$step" \
			--meta "{\"epoch\": $step}" model.bin
		logged=$((logged + tensor * ntensors))
	done
	local grown=$(( $(store_bytes) - before ))
	awk -v r="$regime" -v l="$logged" -v g="$grown" 'BEGIN {
		printf "| %-7s | %8.1f MB | %8.1f MB | %6.1f %% |\n",
		       r, l / 1e6, g / 1e6, 100 * (1 - g / l) }'
	# every checkpoint reads back byte for byte (the last one here)
	"$cairn" runs checkpoint "$run" --latest --out back.bin >/dev/null
	cmp back.bin model.bin
	cd "$work"
}

echo "Checkpoints: $steps of a 64 MiB model (16 tensors of 4 MiB), $(date -u '+%Y-%m-%d %H:%M UTC')"
echo
echo "| regime  | logged      | store grew  | saved    |"
echo "|---------|-------------|-------------|----------|"
run_regime frozen 2
run_regime full $ntensors
