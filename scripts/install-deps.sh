#!/bin/sh
# install-deps.sh: install the Debian 12 packages cairn needs to build,
# test and run, skipping what is already there. Run as root (it is on a
# fresh machine and in CI); as another user it only lists what is missing.
set -eu

packages="build-essential cmake pkg-config git
libsqlite3-dev libjansson-dev libssl-dev libzstd-dev libfyaml-dev
libcsv-dev libinih-dev libcmocka-dev libmicrohttpd-dev libcurl4-openssl-dev clang libclang-rt-14-dev
curl python3
libxgboost-dev python3-xgboost python3-sklearn python3-joblib"

missing=""
for p in $packages; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "cairn needs these Debian packages:$missing" >&2
	echo "install them with: sudo apt-get install$missing" >&2
	exit 1
fi
echo "installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
